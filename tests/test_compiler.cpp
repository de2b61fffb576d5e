// The compiler: partition validity, optimality against brute force, fit errors, and relations
// that must hold (more SRAM never needs more cores; more cores never fit less).
#include <algorithm>
#include <functional>

#include <catch2/catch.hpp>

#include "infsim/common/error.hpp"
#include "infsim/compiler.hpp"
#include "infsim/zoo.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

namespace {

/// A chain of linear layers with uneven widths (so stage times differ) and a residual add.
Graph small_graph(bool residual) {
  GraphBuilder b(residual ? "small-residual" : "small-chain");
  int x = b.input("x", {32, 64});
  const int widths[] = {256, 64, 512, 128, 64, 384, 64, 192};
  int skip = -1;
  for (int i = 0; i < 8; ++i) {
    if (i == 2) skip = x;
    x = b.linear("fc" + std::to_string(i), x,
                 LinearOptions(widths[i]).activation(i % 2 ? "relu" : "none"));
    if (residual && i == 6) x = b.eltwise("add", "add", x, skip);
  }
  b.softmax("softmax", x);
  return b.build();
}

SystemConfig tight_config(double sram_mib) {
  SystemConfig c = preset("inf1.xlarge");
  apply_override(c, "core.sram.capacity_mib=" + std::to_string(sram_mib));
  return c;
}

/// Every way to cut positions [0, n) into `stages` ranges (stage 0 keeping the inputs).
void for_each_split(std::uint32_t n, std::uint32_t first, std::uint32_t stages,
                    const std::function<void(const std::vector<std::uint32_t>&)>& f) {
  std::vector<std::uint32_t> starts{0};
  std::function<void(std::uint32_t)> rec = [&](std::uint32_t from) {
    if (starts.size() == stages) {
      f(starts);
      return;
    }
    for (std::uint32_t s = from; s < n; ++s) {
      starts.push_back(s);
      rec(s + 1);
      starts.pop_back();
    }
  };
  rec(first);
}

}  // namespace

TEST_CASE("a plan covers every op once, in contiguous stages, stage i on core i", "[compiler]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{16, 1});
  REQUIRE(p.stages.size() == 16);
  CHECK(p.op_order.size() == g.ops.size());
  std::vector<int> seen(g.ops.size(), 0);
  for (int op : p.op_order) seen.at(static_cast<std::size_t>(op))++;
  CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
  std::uint32_t next = 0;
  Bytes weights = 0;
  std::uint64_t macs = 0;
  for (const auto& s : p.stages) {
    CHECK(s.op_begin == next);
    CHECK(s.op_end > s.op_begin);
    CHECK(s.core == s.index);
    CHECK(s.chip == s.index / 4);
    CHECK(s.sram_bytes <= p.sram_capacity);
    CHECK(s.sram_bytes == s.weight_bytes + s.buffer_bytes);
    next = s.op_end;
    weights += s.weight_bytes;
    macs += s.macs;
  }
  CHECK(next == g.ops.size());
  CHECK(weights == g.weight_bytes());  // ResNet-50 keeps every weight in SRAM
  CHECK(macs == static_cast<std::uint64_t>(g.total_macs()));
  CHECK(p.input_bytes == 3 * 224 * 224 * 2);  // one FP16 image
  CHECK(p.output_bytes == 1000 * 2);          // FP16 logits
}

TEST_CASE("the partitioner finds the brute-force optimum on small graphs", "[compiler]") {
  // The compiler's policy: the best split that keeps every weight in SRAM when there is one;
  // otherwise (unless static weights) the best split that streams; otherwise an error.
  int streaming_cases = 0;
  for (bool residual : {false, true}) {
    const Graph g = small_graph(residual);
    for (double sram : {0.0625, 0.125, 0.25, 0.5, 4.0}) {
      SystemConfig cfg = tight_config(sram);
      apply_override(cfg, "pipeline.stream_buffer_kib=8");  // small enough to stream here
      const auto n = static_cast<std::uint32_t>(g.ops.size());
      for (std::uint32_t stages = 1; stages <= 4; ++stages) {
        // Of the splits with the smallest slowest stage, the compiler takes one with the
        // smallest sum of stage times: brute force finds both minima.
        Ps best_sum = 0;
        const auto sum_of = [](const Plan& p) {
          Ps t = 0;
          for (const auto& s : p.stages) t += s.est_stage_ps();
          return t;
        };
        const auto brute = [&](bool static_weights, Ps& best) {
          bool any = false;
          for_each_split(n, 2, stages, [&](const std::vector<std::uint32_t>& starts) {
            const Plan p =
                plan_from_cuts(g, cfg, CompileOptions{stages, 1, 1, static_weights}, starts);
            for (const auto& s : p.stages)
              if (s.sram_bytes > p.sram_capacity) return;
            if (!any || p.bottleneck_ps() < best ||
                (p.bottleneck_ps() == best && sum_of(p) < best_sum)) {
              best = p.bottleneck_ps();
              best_sum = sum_of(p);
            }
            any = true;
          });
          return any;
        };
        Ps best_static = 0, best_streaming = 0;
        const bool any_streaming = brute(false, best_streaming);
        const Ps best_streaming_sum = best_sum;
        const bool any_static = brute(true, best_static);
        INFO(g.name << ", " << sram << " MiB, " << stages << " stages");
        if (any_static) {
          for (bool sw : {true, false}) {
            const Plan p = compile(g, cfg, CompileOptions{stages, 1, 1, sw});
            CHECK(p.bottleneck_ps() == best_static);
            CHECK(sum_of(p) == best_sum);
            for (const auto& s : p.stages) {
              CHECK(s.sram_bytes <= p.sram_capacity);
              CHECK(s.streamed_weight_bytes == 0);
            }
          }
        } else {
          CHECK_THROWS_AS(compile(g, cfg, CompileOptions{stages, 1, 1, true}), CompileError);
          if (any_streaming) {
            ++streaming_cases;
            const Plan p = compile(g, cfg, CompileOptions{stages, 1});
            CHECK(p.bottleneck_ps() == best_streaming);
            CHECK(sum_of(p) == best_streaming_sum);
          } else {
            CHECK_THROWS_AS(compile(g, cfg, CompileOptions{stages, 1}), CompileError);
          }
        }
      }
    }
  }
  CHECK(streaming_cases >= 4);  // the streaming branch is exercised, not only the static one
}

TEST_CASE("a model that does not fit says by how much and what would", "[compiler]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.xlarge");
  CHECK_THROWS_WITH(compile(g, cfg, CompileOptions{4, 1, 1, true}),
                    Contains("does not fit in 4 NeuronCores") && Contains("bytes more than") &&
                        Contains("smallest core count that fits is 5") &&
                        Contains("more than the 4 cores"));
  // 48.7 MiB of weights need 5 cores of 12 MiB once activations that do not fit beside them are
  // spilled to DRAM (6 when every activation had to stay in the State Buffer).
  CHECK(min_cores_to_fit(g, cfg) == 5);
  CHECK_THROWS_WITH(compile(g, cfg, CompileOptions{8, 1}), Contains("has 4 NeuronCores"));
  CHECK_THROWS_WITH(compile(small_graph(false), preset("inf1.6xlarge"), CompileOptions{16, 1}),
                    Contains("only 9 operators"));
  CHECK_THROWS_AS(compile(g, cfg, CompileOptions{4, 0}), CompileError);
}

TEST_CASE("tables kept in DRAM must fit the chip's DRAM", "[compiler]") {
  // BERT-base keeps its word (30522 × 768) and position (512 × 768) tables in DRAM:
  // (23,440,896 + 393,216) · 2 bytes = 47,668,224 bytes, all read by stage 0 on chip 0.
  const Graph g = build_model("bert-base");
  SystemConfig cfg = preset("inf1.24xlarge");
  const Plan p = compile(g, cfg, CompileOptions{24, 1});
  CHECK(p.stages[0].dram_weight_bytes == 47'668'224 + 2 * 768 * 2);  // + token-type table
  apply_override(cfg, "dram.capacity_gib=0.03125");                  // 32 MiB
  CHECK_THROWS_WITH(compile(g, cfg, CompileOptions{24, 1}),
                    Contains("chip 0 must keep 47671296 bytes of tables and streamed weights in "
                             "device DRAM"));
}

TEST_CASE("plan_from_cuts checks the cuts it is given", "[compiler]") {
  const Graph g = small_graph(false);
  const SystemConfig cfg = tight_config(4.0);
  CHECK_THROWS_AS(plan_from_cuts(g, cfg, {}, {}), CompileError);
  CHECK_THROWS_AS(plan_from_cuts(g, cfg, {}, {1, 3}), CompileError);     // must start at 0
  CHECK_THROWS_AS(plan_from_cuts(g, cfg, {}, {0, 3, 3}), CompileError);  // not increasing
  CHECK_THROWS_AS(plan_from_cuts(g, cfg, {}, {0, 1}),
                  CompileError);  // stage 0 would be inputs only
  CHECK_THROWS_AS(plan_from_cuts(g, cfg, {}, {0, 10}), CompileError);  // past the last op
  CHECK(plan_from_cuts(g, cfg, {}, {0, 4, 7}).stages.size() == 3);
}

TEST_CASE("more SRAM never needs more cores", "[compiler][relations]") {
  for (const char* model : {"resnet50", "bert-base", "vgg16"}) {
    const Graph g = build_model(model);
    std::uint32_t prev = 0;
    for (double mib : {8.0, 10.0, 12.0, 16.0, 24.0, 32.0, 64.0}) {
      const std::uint32_t need = min_cores_to_fit(g, tight_config(mib));
      INFO(model << " at " << mib << " MiB needs " << need);
      if (prev != 0 && need != 0) CHECK(need <= prev);
      if (prev != 0) CHECK(need != 0);  // fitting never stops
      prev = need;
    }
  }
}

TEST_CASE("more cores never fit less", "[compiler][relations]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const std::uint32_t need = min_cores_to_fit(g, cfg);
  REQUIRE(need > 0);
  CHECK_THROWS_AS(compile(g, cfg, CompileOptions{need - 1, 1, 1, true}), CompileError);
  Ps prev = 0;
  for (std::uint32_t n = need; n <= cfg.total_cores(); ++n) {
    const Plan p = compile(g, cfg, CompileOptions{n, 1});
    CHECK(p.stages.size() == n);
    // With more stages the slowest stage's estimate never grows (transfers are in the estimate,
    // and a chip boundary can cost a little: allow 5%).
    if (prev != 0) CHECK(p.bottleneck_ps() <= prev + prev / 20);
    prev = p.bottleneck_ps();
  }
}

TEST_CASE("batching scales the work per request", "[compiler]") {
  const Graph g = build_model("resnet50");
  // 48 MiB cores keep four 224×224 images' activations resident (no spilling to muddle the
  // per-request figures).
  SystemConfig cfg = preset("inf1.6xlarge");
  apply_override(cfg, "core.sram.capacity_mib=48");
  const Plan b1 = compile(g, cfg, CompileOptions{16, 1});
  const Plan b4 = compile(g, cfg, CompileOptions{16, 4});
  CHECK(b4.input_bytes == 4 * b1.input_bytes);
  std::uint64_t m1 = 0, m4 = 0;
  for (const auto& s : b1.stages) m1 += s.macs;
  for (const auto& s : b4.stages) m4 += s.macs;
  CHECK(m4 == 4 * m1);
  // Weights load once per fold whatever the batch, so 4 samples cost less than 4 × 1 sample.
  Cycles c1 = 0, c4 = 0;
  for (const auto& s : b1.stages) c1 += s.engine_cycles[Engine::Tensor];
  for (const auto& s : b4.stages) c4 += s.engine_cycles[Engine::Tensor];
  CHECK(c4 < 4 * c1);
  CHECK(c4 > c1);
}
