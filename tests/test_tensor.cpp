// The TensorEngine's PSUM-limited tile schedule (exact cycles), its functional mode on real data
// (against a direct Eigen product), the in-stage engine scheduler, and the tensor microbenchmark.
#include <algorithm>
#include <random>

#include <Eigen/Dense>
#include <catch2/catch.hpp>

#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/cores/tensor_functional.hpp"
#include "infsim/microbench.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using namespace infsim;
using infsim::test::array;

namespace {

/// A core with an R × C array and a PSUM of `psum_rows` rows of C FP32 sums.
// The default core with weight loads hidden behind the stream (the default before calibration,
// docs/VALIDATION.md): the arithmetic of the tests that use it is written for it.
CoreParams overlapped() {
  CoreParams p;
  p.tensor.weight_load_overlap = true;
  return p;
}

CoreParams core(std::uint32_t r, std::uint32_t c, bool overlap, double psum_rows_) {
  CoreParams p;
  p.tensor = array(r, c, overlap);
  p.psum_capacity_kib = psum_rows_ * c * 4.0 / 1024.0;
  return p;
}

using Mat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

HostMatrix to_host(const Mat& m) {
  HostMatrix h(m.rows(), m.cols());
  std::copy(m.data(), m.data() + m.size(), h.data.begin());
  return h;
}

/// Small integers: every partial sum is exact in FP32 whatever the accumulation order.
Mat random_int_matrix(std::int64_t r, std::int64_t c, std::mt19937& rng) {
  std::uniform_int_distribution<int> d(-4, 4);
  Mat m(r, c);
  for (std::int64_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(d(rng));
  return m;
}

OpWork gemm_work(std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t scalar_flops = 0) {
  OpWork w;
  w.gemm = GemmShape{m, k, n, 1};
  w.scalar_flops = scalar_flops;
  return w;
}

OpWork vector_work(std::int64_t flops) {
  OpWork w;
  w.vector_flops = flops;
  return w;
}

}  // namespace

TEST_CASE("TensorEngine: a PSUM too small for the rows splits them into chunks", "[tensor][psum]") {
  // R = 128, C = 64; PSUM of 16,384 B = 64 rows of 64 FP32 sums: P = 64.
  const Bytes psum = 64 * 64 * 4;
  CHECK(psum_rows(array(128, 64, true), psum) == 64);
  // m = 200, k = 256 (KF = 2), n = 128 (NF = 2): folds = 4. 200 rows of 64 partial sums need
  // 51,200 B > 16,384: S = ⌈200/64⌉ = 4 chunks of 64, 64, 64 and L = 8 rows; every chunk
  // re-loads its column tile's 2 weight tiles: weight loads = 4 · 4 = 16.
  const GemmShape s{200, 256, 128, 1};
  {
    const TensorTiming t = tensor_gemm_timing(array(128, 64, false), s, 1, psum);
    CHECK(t.folds == 4);
    CHECK(t.row_chunks == 4);
    CHECK(t.chunk_rows == 64);
    CHECK(t.weight_loads == 16);
    CHECK(t.evacuations == 2 * 4);  // NF · S blocks
    // classic: 16 · (128 + 128 + 64 − 2) + 4 · 200 = 16 · 318 + 800 = 5888
    // (unlimited PSUM: 4 · (128 + 200 + 190) = 2072).
    CHECK(t.cycles == 5888);
    CHECK(tensor_gemm_timing(array(128, 64, false), s, 1).cycles == 2072);
  }
  {
    // overlap: each weight tile is loaded once per chunk (3 chunks of 64 rows, one of 8) and
    // consecutive passes start max(rows, 128) apart: folds · ((S−1)·max(P,R) + max(L,R))
    // = 4 · (3 · 128 + 128) = 2048; the last pass streams L = 8 rows instead of max(8, 128):
    // 128 + 2048 − 128 + 8 + 190 = 2246.
    const TensorTiming t = tensor_gemm_timing(array(128, 64, true), s, 1, psum);
    CHECK(t.cycles == 2246);
    // Unlimited: 128 + 3 · 200 + 200 + 190 = 1118.
    CHECK(tensor_gemm_timing(array(128, 64, true), s, 1).cycles == 1118);
  }
  // Chunks of at least R rows hide their re-loads: P = 256 (65,536 B), m = 600, k = 256,
  // n = 64: folds = 2, S = 3 (256, 256, L = 88). overlap: 128 + 2 · (2 · 256 + max(88,128))
  // − 128 + 88 + 190 = 128 + 1280 − 128 + 88 + 190 = 1558; unlimited 128 + 600 + 600 + 190 =
  // 1518: only the short last chunk's load shows (128 − 88 = 40 cycles).
  const Bytes psum256 = 256 * 64 * 4;
  CHECK(tensor_gemm_timing(array(128, 64, true), GemmShape{600, 256, 64, 1}, 1, psum256).cycles ==
        1558);
  // classic: 6 loads · 318 + 2 · 600 = 1908 + 1200 = 3108 (unlimited 2 · 918 = 1836).
  CHECK(tensor_gemm_timing(array(128, 64, false), GemmShape{600, 256, 64, 1}, 1, psum256).cycles ==
        3108);
}

TEST_CASE("TensorEngine: one k-fold never splits, the PSUM is a window behind the stream",
          "[tensor][psum]") {
  const Bytes psum = 64 * 64 * 4;  // P = 64
  // k = 100 (KF = 1): the outputs are final as they leave the array. m = 200 > P, yet one pass:
  // 128 + 200 + 190 = 518 cycles (both variants); 4 PSUM windows are evacuated.
  for (bool overlap : {false, true}) {
    const TensorTiming t =
        tensor_gemm_timing(array(128, 64, overlap), GemmShape{200, 100, 64, 1}, 1, psum);
    CHECK(t.cycles == 518);
    CHECK(t.row_chunks == 1);
    CHECK(t.weight_loads == 1);
    CHECK(t.evacuations == 4);
  }
}

TEST_CASE("TensorEngine: the default PSUM (2 MiB) and ResNet-50 conv1", "[tensor][psum]") {
  CoreParams c = overlapped();  // 128 × 64, overlap on, 2048 KiB: P = 2,097,152 / 256 = 8192 rows
  CHECK(psum_rows(c.tensor, 2048 * kKiB) == 8192);
  // conv1: m = 12544 > 8192 with k = 147 (KF = 2): S = 2 chunks (8192 + 4352), 4 loads.
  const GemmShape conv1{12544, 147, 64, 1};
  const TensorTiming t = tensor_gemm_timing(c, conv1, 1);
  CHECK(t.row_chunks == 2);
  CHECK(t.weight_loads == 4);
  // Chunks longer than R hide the re-loads: 128 + 2 · (8192 + 4352) − 4352 + 4352 + 190 = 25406,
  // the unsplit figure.
  CHECK(t.cycles == 25406);
  CHECK(t.cycles == tensor_gemm_timing(c.tensor, conv1, 1).cycles);
  // Classic: 4 · 318 + 2 · 12544 = 26360 (unsplit 2 · (318 + 12544) = 25724).
  c.tensor.weight_load_overlap = false;
  CHECK(tensor_gemm_timing(c, conv1, 1).cycles == 26360);
  // Whenever M ≤ P the PSUM changes nothing: the classic formula stays exact.
  for (std::int64_t m : {1, 49, 3136, 8192})
    for (std::int64_t k : {27, 1152})
      for (std::int64_t n : {64, 1000}) {
        const GemmShape s{m, k, n, 2};
        const auto folds = static_cast<Cycles>(2 * ((k + 127) / 128) * ((n + 63) / 64));
        CHECK(tensor_gemm_timing(c, s, 1).cycles ==
              folds * (128 + static_cast<Cycles>(m) + 128 + 64 - 2));
      }
}

TEST_CASE("TensorEngine functional mode: the tile schedule computes A·B exactly once",
          "[tensor][functional]") {
  std::mt19937 rng(42);
  struct Shape {
    std::int64_t m, k, n;
  };
  // Shapes around a 16 × 8 array: single tile, non-multiples of R and C, k > R, many folds.
  const Shape shapes[] = {{1, 1, 1},    {5, 3, 7},    {16, 16, 8},   {17, 33, 9},
                          {40, 50, 30}, {3, 200, 25}, {100, 17, 17}, {64, 64, 64}};
  // PSUM of 3 rows (tiny: most shapes split), 16 rows, 1000 rows (never splits).
  for (double prow : {3.0, 16.0, 1000.0})
    for (bool overlap : {false, true})
      for (const Shape& s : shapes) {
        INFO("m=" << s.m << " k=" << s.k << " n=" << s.n << " P=" << prow
                  << " overlap=" << overlap);
        const CoreParams p = core(16, 8, overlap, prow);
        const Mat a = random_int_matrix(s.m, s.k, rng);
        const Mat b = random_int_matrix(s.k, s.n, rng);
        const TensorFunctionalResult r = tensor_gemm_functional(p, to_host(a), to_host(b));
        const Mat direct = a * b;
        REQUIRE(r.product.rows == s.m);
        REQUIRE(r.product.cols == s.n);
        const Mat got = Eigen::Map<const Mat>(r.product.data.data(), s.m, s.n);
        CHECK(got == direct);  // exact: small integers
        // Every output evacuated once, with all k products accumulated into it.
        CHECK(std::all_of(r.evacuated.begin(), r.evacuated.end(),
                          [](std::uint32_t e) { return e == 1; }));
        CHECK(std::all_of(r.reduced.begin(), r.reduced.end(),
                          [&](std::uint32_t e) { return e == static_cast<std::uint32_t>(s.k); }));
        CHECK(r.psum_peak_bytes <= static_cast<Bytes>(prow * 8 * 4));
        // The executed schedule is the one the cycle formula counts.
        const TensorTiming t = tensor_gemm_timing(p, GemmShape{s.m, s.k, s.n, 1}, 1);
        CHECK(r.timing.cycles == t.cycles);
        CHECK(r.timing.folds == t.folds);
        CHECK(r.timing.weight_loads == t.weight_loads);
        CHECK(r.timing.row_chunks == t.row_chunks);
        CHECK(r.timing.chunk_rows == t.chunk_rows);
        CHECK(r.timing.evacuations == t.evacuations);
        CHECK(r.timing.macs == t.macs);
      }
}

TEST_CASE("TensorEngine functional mode: real-valued data and the default array",
          "[tensor][functional]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  // Default 128 × 64 array; PSUM of 100 rows so m = 250 with k = 300 (KF = 3) splits in 3.
  const CoreParams p = core(128, 64, true, 100.0);
  Mat a(250, 300), b(300, 130);
  for (std::int64_t i = 0; i < a.size(); ++i) a.data()[i] = d(rng);
  for (std::int64_t i = 0; i < b.size(); ++i) b.data()[i] = d(rng);
  const TensorFunctionalResult r = tensor_gemm_functional(p, to_host(a), to_host(b));
  const Mat got = Eigen::Map<const Mat>(r.product.data.data(), 250, 130);
  const Mat direct = a * b;
  CHECK((got - direct).cwiseAbs().maxCoeff() < 1e-4f);
  const TensorTiming t = tensor_gemm_timing(p, GemmShape{250, 300, 130, 1}, 1);
  CHECK(t.row_chunks == 3);            // 100 + 100 + 50
  CHECK(t.weight_loads == 3 * 3 * 3);  // KF · NF · S = 3 · 3 · 3
  CHECK(r.timing.cycles == t.cycles);  // 128 + 9·(128+128+128) − 128 + 50 + 190 = 3696
  CHECK(t.cycles == 3696);
  CHECK_THROWS_AS(tensor_gemm_functional(p, to_host(a), to_host(a)), std::invalid_argument);
}

TEST_CASE("Stage scheduler: a fused activation overlaps the tensor work", "[tensor][schedule]") {
  const CoreParams c = overlapped();  // 128 × 64, overlap on, 256 vector, 512 scalar FLOP/cycle
  // A linear layer m = 256, k = 128, n = 128: KF = 1, NF = 2; T = 128 + 256 + 256 + 190 = 830;
  // U = 2 PSUM blocks (one per column tile).
  // Fused ReLU over 256 · 128 outputs: S = 32768 / 512 = 64 cycles.
  OpTiming relu = op_timing(c, gemm_work(256, 128, 128, 256 * 128), 1);
  CHECK(relu.cycles[Engine::Tensor] == 830);
  CHECK(relu.cycles[Engine::Scalar] == 64);
  CHECK(relu.units == 2);
  // Two-machine flow shop of U = 2 equal blocks: max(T + ⌈S/U⌉, ⌈T/U⌉ + S)
  //   = max(830 + 32, 415 + 64) = 862, instead of 830 + 64 = 894 one after the other.
  CHECK(relu.span() == 862);
  CHECK(relu.total() == 894);
  // A heavy activation (GELU-like, 1000 cycles) becomes the bottleneck:
  //   max(830 + 500, 415 + 1000) = 1415 (serial 1830).
  const OpTiming gelu = op_timing(c, gemm_work(256, 128, 128, 512 * 1000), 1);
  CHECK(gelu.cycles[Engine::Scalar] == 1000);
  CHECK(gelu.span() == 1415);
  // One PSUM block: the activation can only follow the whole GEMM: 830 + 64 = 894.
  const OpTiming one = op_timing(c, gemm_work(256, 128, 64, 256 * 64 * 2), 1);
  CHECK(one.units == 1);
  CHECK(one.span() == one.cycles[Engine::Tensor] + one.cycles[Engine::Scalar]);
}

TEST_CASE("Stage scheduler: independent ops share the core, dependent ops serialize",
          "[tensor][schedule]") {
  const CoreParams c = overlapped();
  // A: matmul on TensorE, T = 830 (as above). B: VectorE, 128,000 FLOP = 500 cycles.
  const StageOp a{gemm_work(256, 128, 128), {}};
  const StageOp b_free{vector_work(128000), {}};
  const StageOp b_dep{vector_work(128000), {0}};
  SECTION("independent: B runs on VectorE while A runs on TensorE") {
    const StageSchedule s = schedule_stage(c, {a, b_free}, 1);
    CHECK(s.busy[Engine::Tensor] == 830);
    CHECK(s.busy[Engine::Vector] == 500);
    CHECK(s.busy_sum() == 1330);
    CHECK(s.makespan == 830);  // max(830, 500)
    CHECK(s.op_start[1] == 0);
  }
  SECTION("dependent: B reads A's output, so it waits: 830 + 500 = 1330") {
    const StageSchedule s = schedule_stage(c, {a, b_dep}, 1);
    CHECK(s.makespan == 1330);
    CHECK(s.op_start[1] == 830);
    CHECK(s.makespan == s.busy_sum());
  }
  SECTION("independent ops on the same engine do not overlap") {
    const StageSchedule s = schedule_stage(c, {b_free, b_free}, 1);
    CHECK(s.makespan == 1000);
  }
  SECTION("each engine runs its ops in order: a free op queues behind a waiting one") {
    // A (TensorE 0..830); B needs A (VectorE 830..1330); C is free but queued after B on
    // VectorE: 1330..1430 (it would fit at 0 with out-of-order issue).
    const StageSchedule s = schedule_stage(c, {a, b_dep, StageOp{vector_work(25600), {}}}, 1);
    CHECK(s.op_start[2] == 1330);
    CHECK(s.makespan == 1430);
  }
  SECTION("a residual block: the branch overlaps the main path until the add joins them") {
    // 0: linear with fused ReLU (T 830, S 64 over 2 blocks); 1: linear reading 0 (T 830);
    // 2: a branch on VectorE reading only the stage input (500); 3: add reading 1 and 2
    // (VectorE, 256·128 FLOP = 128 cycles).
    const StageSchedule s = schedule_stage(
        c,
        {StageOp{gemm_work(256, 128, 128, 256 * 128), {}}, StageOp{gemm_work(256, 128, 128), {0}},
         StageOp{vector_work(128000), {}}, StageOp{vector_work(256 * 128), {1, 2}}},
        1);
    // op 0: TensorE 0..830, ScalarE from ⌈830/2⌉ = 415 to max(415 + 64, 830 + 32) = 862.
    CHECK(s.op_finish[0] == 862);
    // op 1 starts when op 0 is done (its activation included): 862..1692.
    CHECK(s.op_start[1] == 862);
    CHECK(s.op_finish[1] == 1692);
    // op 2 runs on VectorE at 0..500, hidden under the tensor work.
    CHECK(s.op_start[2] == 0);
    // op 3: 1692..1820.
    CHECK(s.makespan == 1692 + 128);
    CHECK(s.busy_sum() == 830 + 64 + 830 + 500 + 128);  // 2352 one after the other
  }
  SECTION("batch multiplies the work") {
    const StageSchedule s = schedule_stage(c, {a, b_free}, 2);
    // M = 512: T = 128 + 512 + 512 + 190 = 1342; V = 1000.
    CHECK(s.makespan == 1342);
  }
  CHECK_THROWS_AS(schedule_stage(c, {StageOp{vector_work(1), {0}}}, 1), std::invalid_argument);
}

TEST_CASE("Compiler: a stage's time is its schedule's makespan", "[tensor][compiler]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{16, 1});
  bool overlapped = false;
  for (const auto& s : p.stages) {
    const Cycles busiest =
        std::max({s.engine_cycles[Engine::Tensor], s.engine_cycles[Engine::Vector],
                  s.engine_cycles[Engine::Scalar], s.engine_cycles[Engine::Move]});
    CHECK(s.makespan_cycles >= busiest);
    CHECK(s.makespan_cycles <= s.cycles());
    CHECK(s.est_compute_ps == s.makespan_cycles * cfg.core_period_ps());
    overlapped = overlapped || s.makespan_cycles < s.cycles();
  }
  CHECK(overlapped);
  // The partitioner's table and plan_from_cuts's on-demand schedule agree.
  std::vector<std::uint32_t> starts;
  for (const auto& s : p.stages) starts.push_back(s.op_begin);
  const Plan q = plan_from_cuts(g, cfg, CompileOptions{16, 1}, starts);
  for (std::size_t i = 0; i < p.stages.size(); ++i) {
    CHECK(q.stages[i].makespan_cycles == p.stages[i].makespan_cycles);
    CHECK(q.stages[i].est_stage_ps() == p.stages[i].est_stage_ps());
  }
  CHECK(q.bottleneck_ps() == p.bottleneck_ps());
}

TEST_CASE("microbench tensor: one GEMM on the default TensorEngine", "[tensor][microbench]") {
  const SystemConfig cfg = default_config();
  // ResNet-50 layer4.0.conv2: m = 49, k = 4608, n = 512: folds = 36 · 8 = 288; the default
  // array does not hide its weight loads (calibrated, docs/VALIDATION.md), so each fold costs
  // R + M + R + C − 2: 288 · (128 + 49 + 128 + 62) = 288 · 367 = 105,696 cycles × 1024 ps =
  // 108.232704 µs.
  const TensorBenchResult r = microbench_tensor(cfg, 49, 512, 4608);
  CHECK(r.rows == 128);
  CHECK(r.cols == 64);
  CHECK(r.cycles == 105696);
  CHECK(r.folds == 288);
  CHECK(r.macs == 49ull * 4608 * 512);
  CHECK(r.utilization == Approx(115605504.0 / (105696.0 * 8192)));
  CHECK(r.time_us == Approx(108.232704));
  const nlohmann::json j = to_json(r);
  for (const char* key :
       {"m", "n", "k", "rows", "cols", "cycles", "folds", "macs", "utilization", "time_us"})
    CHECK(j.contains(key));
  CHECK(j["cycles"] == 105696);
  CHECK_THROWS(microbench_tensor(cfg, 0, 1, 1));
}
