// Exact-cycle tests of the pure timing models (no SystemC): TensorEngine, Vector/Scalar engines,
// bandwidth pipes and paths, the DRAM first version, PCIe bandwidth (NeuronLink routing:
// test_link.cpp).
#include <catch2/catch.hpp>

#include "infsim/common/error.hpp"
#include "infsim/common/pipe.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/interconnect/models.hpp"
#include "infsim/memory/simple_dram.hpp"
#include "support.hpp"

using namespace infsim;
using infsim::test::array;

namespace {

/// The classic analytical model of a weight-stationary R×C array, fold by fold: each fold loads
/// R rows of weights (R cycles), streams M rows (M cycles) and drains (R + C − 2 cycles).
Cycles classic_reference(std::uint64_t r, std::uint64_t c, std::uint64_t m, std::uint64_t k,
                         std::uint64_t n, std::uint64_t groups) {
  Cycles total = 0;
  for (std::uint64_t g = 0; g < groups; ++g)
    for (std::uint64_t kk = 0; kk < k; kk += r)
      for (std::uint64_t nn = 0; nn < n; nn += c) total += r + m + r + c - 2;
  return total;
}
}  // namespace

TEST_CASE("TensorEngine: classic weight-stationary formula, overlap off", "[timing][tensor]") {
  const auto p = array(128, 64, false);
  // m=100, k=256, n=128: folds = ⌈256/128⌉·⌈128/64⌉ = 2·2 = 4;
  // per fold 128 + 100 + 128 + 64 − 2 = 418; total 4·418 = 1672.
  const TensorTiming t = tensor_gemm_timing(p, GemmShape{100, 256, 128, 1}, 1);
  CHECK(t.folds == 4);
  CHECK(t.cycles == 1672);
  CHECK(t.macs == 100u * 256u * 128u);
  // Partial tiles still cost a whole fold: k=129 → 2 row folds, n=65 → 2 column folds.
  CHECK(tensor_gemm_timing(p, GemmShape{10, 129, 65, 1}, 1).cycles == 4 * (128 + 10 + 190));
  // The formula equals the fold-by-fold reference for assorted shapes, groups and batches.
  for (std::uint64_t m : {1, 7, 49, 128, 3136})
    for (std::uint64_t k : {3, 128, 147, 4608})
      for (std::uint64_t n : {1, 64, 100, 512})
        for (std::uint64_t g : {1, 3}) {
          const GemmShape s{static_cast<std::int64_t>(m), static_cast<std::int64_t>(k),
                            static_cast<std::int64_t>(n), static_cast<std::int64_t>(g)};
          CHECK(tensor_gemm_timing(p, s, 2).cycles == classic_reference(128, 64, 2 * m, k, n, g));
        }
}

TEST_CASE("TensorEngine: weight loads hidden behind the stream, overlap on", "[timing][tensor]") {
  const auto p = array(128, 64, true);
  // m=100 < R: folds follow each other every 128 cycles (the next weight load).
  // 128 (first load) + 3·max(100,128) + 100 (last stream) + (128 + 64 − 2)
  //   = 128 + 384 + 100 + 190 = 802.
  CHECK(tensor_gemm_timing(p, GemmShape{100, 256, 128, 1}, 1).cycles == 802);
  // m=1000 > R: streaming dominates. 128 + 3·1000 + 1000 + 190 = 4318.
  CHECK(tensor_gemm_timing(p, GemmShape{1000, 256, 128, 1}, 1).cycles == 4318);
  // Batch 2 doubles the streamed rows: M = 200. 128 + 3·200 + 200 + 190 = 1118.
  CHECK(tensor_gemm_timing(p, GemmShape{100, 256, 128, 1}, 2).cycles == 1118);
  // One fold has no load to hide: equal to the classic 128 + 1 + 190 = 319.
  CHECK(tensor_gemm_timing(p, GemmShape{1, 128, 64, 1}, 1).cycles == 319);
  // Utilization = MACs / (cycles · R · C) = 3,276,800 / (802 · 8192) = 0.49875...
  CHECK(tensor_gemm_timing(p, GemmShape{100, 256, 128, 1}, 1).utilization() ==
        Approx(3276800.0 / (802.0 * 8192.0)));
  // Never slower than overlap off, never faster than the peak R·C MACs per cycle.
  for (std::int64_t m : {1, 49, 3136})
    for (std::int64_t k : {27, 1152})
      for (std::int64_t n : {64, 1000}) {
        const GemmShape s{m, k, n, 1};
        const auto on = tensor_gemm_timing(p, s, 1);
        CHECK(on.cycles <= tensor_gemm_timing(array(128, 64, false), s, 1).cycles);
        CHECK(on.utilization() <= 1.0);
      }
}

TEST_CASE("TensorEngine: a layer that does not fill the array wastes it", "[timing][tensor]") {
  const auto p = array(128, 64, true);
  // ResNet-50 conv1: k = 3·7·7 = 147 → 2 row folds of which the second holds 19 of 128 rows;
  // n = 64 fills the columns. m = 112·112 = 12544 rows streamed.
  const auto conv1 = tensor_gemm_timing(p, GemmShape{12544, 147, 64, 1}, 1);
  CHECK(conv1.cycles == 128 + 12544 + 12544 + 190);                             // 25406
  CHECK(conv1.utilization() == Approx(12544.0 * 147 * 64 / (25406.0 * 8192)));  // 0.5669
  CHECK(conv1.utilization() < 0.6);
  // A depthwise 3×3 conv on 32 channels: 32 groups of k=9, n=1: 32 folds, each using 9×1 cells.
  const auto dw = tensor_gemm_timing(p, GemmShape{3136, 9, 1, 32}, 1);
  CHECK(dw.folds == 32);
  CHECK(dw.utilization() < 0.01);
}

TEST_CASE("Vector, Scalar and data-movement cycles", "[timing][engines]") {
  CoreParams c;  // 256 vector FLOP/cycle, 512 scalar FLOP/cycle, 512 B/cycle State Buffer copies
  OpWork w;
  w.vector_flops = 1000;  // ⌈1000/256⌉ = 4
  w.scalar_flops = 1025;  // ⌈1025/512⌉ = 3
  w.moved_bytes = 512;    // ⌈512/512⌉ = 1
  const OpTiming t = op_timing(c, w, 1);
  CHECK(t.cycles[Engine::Vector] == 4);
  CHECK(t.cycles[Engine::Scalar] == 3);
  CHECK(t.cycles[Engine::Move] == 1);
  CHECK(t.cycles[Engine::Tensor] == 0);
  CHECK(t.total() == 8);
  const OpTiming t3 = op_timing(c, w, 3);  // batch 3: ⌈3000/256⌉=12, ⌈3075/512⌉=7, ⌈1536/512⌉=3
  CHECK(t3.cycles[Engine::Vector] == 12);
  CHECK(t3.cycles[Engine::Scalar] == 7);
  CHECK(t3.cycles[Engine::Move] == 3);
  CHECK(engine_cycles(0, 256) == 0);
}

TEST_CASE("Pipe: serialization, latency and busy-until", "[timing][pipe]") {
  Pipe p("p", 1'000'000'000, 100);  // 1 GB/s: 1 byte per 1000 ps; 100 ps latency
  CHECK(p.occupy(0, 1000) == 1'000'000);
  CHECK(p.ready_at() == 1'000'000);
  // A transfer asked for at 500 ps waits for the first: starts at 1,000,000 ps.
  const TransferTiming t = reserve_path({&p}, 500, 10);
  CHECK(t.start == 1'000'000);
  CHECK(t.arrival == 1'000'000 + 100 + 10'000);
  CHECK(p.stats().bytes == 1010);
  CHECK(p.stats().transfers == 2);
  CHECK(p.stats().busy_ps == 1'010'000);
  // transfer_ps rounds up to the next picosecond: 1 byte at 3 B/s = 333,333,333,333.3 ps.
  CHECK(transfer_ps(1, 3) == 333'333'333'334ULL);
}

TEST_CASE("Path: cut-through over resources of different speeds", "[timing][pipe]") {
  Pipe fast("fast", 4'000'000'000, 10);  // 4 GB/s: 250 ps per byte
  Pipe slow("slow", 1'000'000'000, 20);  // 1 GB/s: 1000 ps per byte
  // 1000 bytes: fast busy 250,000 ps, slow busy 1,000,000 ps.
  // arrival = 0 + (10 + 20) + max(250000, 1000000) + 5 (overhead) = 1,000,035.
  const TransferTiming t = reserve_path({&fast, &slow}, 0, 1000, 5);
  CHECK(t.start == 0);
  CHECK(t.arrival == 1'000'035);
  CHECK(fast.ready_at() == 250'000);
  CHECK(slow.ready_at() == 1'000'000);
  // The next transfer over both waits for the busier one.
  CHECK(reserve_path({&fast, &slow}, 0, 1).start == 1'000'000);
  CHECK(reserve_path({}, 77, 1000).arrival == 77);
}

TEST_CASE("Two flows sharing a pipe each get half", "[timing][pipe]") {
  Pipe link("link", 1'000'000'000, 0);
  // Alternate 1000-byte chunks of flows A and B from t=0: each flow's 10 chunks finish by
  // 20 chunks × 1,000,000 ps; A's last chunk ends at 19,000,000, B's at 20,000,000.
  Ps a_done = 0, b_done = 0;
  for (int i = 0; i < 10; ++i) {
    a_done = reserve_path({&link}, 0, 1000).arrival;
    b_done = reserve_path({&link}, 0, 1000).arrival;
  }
  CHECK(a_done == 19'000'000);
  CHECK(b_done == 20'000'000);
  // Each moved 10,000 bytes in about 20 ms of 1 GB/s: half the link.
}

TEST_CASE("DRAM first version: channels share the chip's bandwidth", "[timing][dram]") {
  DramParams p;  // 50 GiB/s over 4 channels, 100 ns latency
  SimpleDram d("dram", p);
  CHECK(d.bytes_per_s() == 53'687'091'200ULL);  // 50 · 2^30
  CHECK(d.channels() == 4);
  CHECK(d.channel(0).bytes_per_s() == 13'421'772'800ULL);  // a quarter each
  CHECK(d.latency() == 100'000);
  // 4096 bytes → 1024 per channel: ⌈1024·1e12 / 13,421,772,800⌉ = ⌈76293.95⌉ = 76294 ps.
  CHECK(d.occupy(0, 4096) == 76'294);
  CHECK(d.ready_at() == 76'294);
  // 6 bytes → channels get 2, 2, 1, 1: the busiest needs ⌈2e12/13,421,772,800⌉ = 150 ps.
  CHECK(d.occupy(d.ready_at(), 6) == 150);
  CHECK(d.stats().bytes == 4102);
}

TEST_CASE("PCIe payload bandwidth from generation and lanes", "[timing][pcie]") {
  // Gen4 ×8: 16 GT/s · 8 lanes · 128/130 / 8 bits = 15,753,846,153.8 → 15,753,846,154 B/s.
  CHECK(pcie_bytes_per_s(4, 8) == 15'753'846'154ULL);
  CHECK(pcie_bytes_per_s(3, 16) == 15'753'846'154ULL);  // Gen3 ×16 carries the same
  CHECK(pcie_bytes_per_s(5, 16) == 63'015'384'615ULL);  // 32·16·128/1040 = 63,015,384,615.4
  CHECK_THROWS_AS(pcie_bytes_per_s(2, 8), infsim::Error);
  HostLinkParams hp;
  HostLinkModel h("chip0", hp);
  CHECK(h.to_device().latency() == 1'000'000);
  CHECK(h.overhead() == 2'000'000);
}
