// Issue 4: streamed weights, data-parallel groups, batching, core-count tables, plans as JSON.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>

#include <catch2/catch.hpp>

#include "infsim/auto_cores.hpp"
#include "infsim/common/error.hpp"
#include "infsim/compiler.hpp"
#include "infsim/simulate.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

namespace {

SystemConfig with(const char* preset_name, std::initializer_list<const char*> sets) {
  SystemConfig c = preset(preset_name);
  for (const char* s : sets) apply_override(c, s);
  return c;
}

Bytes total_weights_in_sram(const Graph& g) {
  Bytes w = 0;
  for (const auto& op : g.ops)
    if (!op.weights_in_dram) w += static_cast<Bytes>(op.weight_elems) * dtype_bytes(g.dtype);
  return w;
}

}  // namespace

TEST_CASE("a stage streams only what does not fit, and the plan says which ops",
          "[modes][stream]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.xlarge");  // 4 cores: ResNet-50 needs 6 to fit
  REQUIRE(min_cores_to_fit(g, cfg) > 4);
  CHECK_THROWS_AS(compile(g, cfg, CompileOptions{4, 1, 1, true}), CompileError);
  const Plan p = compile(g, cfg, CompileOptions{4, 1});
  Bytes kept = 0, streamed = 0;
  bool any = false;
  for (const auto& s : p.stages) {
    kept += s.weight_bytes;
    streamed += s.streamed_weight_bytes;
    CHECK(s.sram_bytes <= p.sram_capacity);
    Bytes listed = 0;
    for (const auto& so : s.streamed) {
      CHECK(so.position >= s.op_begin);
      CHECK(so.position < s.op_end);
      listed += so.bytes;
    }
    CHECK(listed == s.streamed_weight_bytes);
    if (s.streamed_weight_bytes > 0) {
      any = true;
      // A streaming stage fills the State Buffer: weights kept + stream buffer + activations.
      CHECK(s.sram_bytes == p.sram_capacity);
      CHECK(s.weight_bytes + s.stream_buffer_bytes + s.buffer_bytes == s.sram_bytes);
      CHECK(s.stream_buffer_bytes == 2048 * kKiB);
      // Chunks of half the stream buffer: ceil(streamed / 1 MiB).
      CHECK(s.stream_chunks == (s.streamed_weight_bytes + kMiB - 1) / kMiB);
    } else {
      CHECK(s.stream_chunks == 0);
    }
  }
  CHECK(any);
  CHECK(kept + streamed == total_weights_in_sram(g));
  // A plan that fits keeps everything: no streaming once the cores suffice.
  const Plan fits = compile(g, preset("inf1.6xlarge"), CompileOptions{6, 1});
  for (const auto& s : fits.stages) CHECK(s.streamed_weight_bytes == 0);
}

TEST_CASE("the estimate of a streaming stage is the double-buffering bound",
          "[modes][stream][exact]") {
  const Graph g = build_model("resnet50");
  for (bool prefetch : {true, false}) {
    SystemConfig cfg = preset("inf1.xlarge");
    apply_override(cfg, std::string("pipeline.weight_prefetch=") + (prefetch ? "true" : "false"));
    const Plan p = compile(g, cfg, CompileOptions{4, 1});
    // 4 cores on one chip share the 50 GiB/s it sustains at dram.sustained_fraction = 0.72:
    // 9 GiB/s = 9,663,676,416 B/s each, below the rate of the one DMA queue a stream moves
    // through (core.dma.queue_bandwidth_gib_s, 20 GiB/s), so the DRAM share is the stream's rate.
    const std::uint64_t bw = std::min(gib_per_s_to_bytes(50.0 * cfg.dram.sustained_fraction) / 4,
                                      gib_per_s_to_bytes(cfg.core.dma.queue_bandwidth_gib_s));
    CHECK(bw == 9'663'676'416ULL);
    for (const auto& s : p.stages) {
      const Bytes spilled = s.spill_write_bytes + s.spill_read_bytes;
      if (s.streamed_weight_bytes == 0 && spilled == 0) {
        CHECK(s.est_streamed_compute_ps == s.est_compute_ps);
        continue;
      }
      // Streamed weights and spilled activations share the stage's DRAM rate, over its weight
      // chunks and activation tiles.
      const Ps C = s.est_compute_ps;
      const Ps W = transfer_ps(s.streamed_weight_bytes, bw), A = transfer_ps(spilled, bw);
      const Ps n = s.stream_chunks + s.spill_tiles;
      const Ps expect = prefetch ? std::max(W + A + C / n, C + (W + A) / n)
                                 : (s.stream_chunks > 0 ? W : 0) +
                                       std::max(A + C / std::max<Ps>(1, s.spill_tiles),
                                                C + A / std::max<Ps>(1, s.spill_tiles));
      CHECK(s.est_streamed_compute_ps == expect);
    }
  }
}

TEST_CASE("a streaming run moves the streamed weights through DRAM for every request",
          "[modes][stream]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.xlarge");
  const Plan p = compile(g, cfg, CompileOptions{4, 1});
  Bytes streamed = 0;
  for (const auto& s : p.stages) streamed += s.streamed_weight_bytes;
  REQUIRE(streamed > 0);
  const Workload w = test::requests(40, 8);
  const Report r = simulate(cfg, g, p, w);
  CHECK(r.drams.at(0).bytes >= 40 * streamed);
  Bytes reported = 0;
  for (const auto& s : r.stages) reported += s.streamed_weight_bytes;
  CHECK(reported == streamed);
  CHECK(r.throughput_per_s <= r.peak_throughput_per_s);

  // Relations: prefetch never slows a run; more DRAM bandwidth never slows a streaming run.
  SystemConfig no_prefetch = cfg;
  apply_override(no_prefetch, "pipeline.weight_prefetch=false");
  const Report slow = simulate(no_prefetch, g, compile(g, no_prefetch, CompileOptions{4, 1}), w);
  CHECK(slow.throughput_per_s <= r.throughput_per_s);
  SystemConfig fast_dram = cfg;
  apply_override(fast_dram, "dram.bandwidth_gib_s=100");
  const Report fast = simulate(fast_dram, g, p, w);
  CHECK(fast.throughput_per_s >= r.throughput_per_s);
}

TEST_CASE("data-parallel groups each run the whole model on their own cores", "[modes][groups]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{8, 1, 2});
  CHECK(p.groups == 2);
  CHECK(p.cores == 16);
  CHECK(p.mode() == "data-parallel");
  std::set<std::uint32_t> cores;
  for (std::uint32_t grp = 0; grp < 2; ++grp) {
    std::vector<bool> covered(p.op_order.size(), false);
    std::uint32_t stage = 0;
    for (const auto& s : p.stages) {
      if (s.group != grp) continue;
      CHECK(s.stage == stage++);
      for (std::uint32_t k = s.op_begin; k < s.op_end; ++k) {
        CHECK_FALSE(covered[k]);
        covered[k] = true;
      }
      cores.insert(s.core);
    }
    CHECK(stage == 8);
    CHECK(std::all_of(covered.begin(), covered.end(), [](bool b) { return b; }));
  }
  CHECK(cores.size() == 16);
  CHECK_THROWS_WITH(compile(g, cfg, CompileOptions{8, 1, 3}), Contains("has 16 NeuronCores"));
  CHECK_THROWS_AS(compile(g, cfg, CompileOptions{8, 1, 0}), CompileError);
}

TEST_CASE("groups of the same placement shape get the same partition", "[modes][groups]") {
  // 21 groups of 3 cores on inf1.24xlarge (16 chips of 4 cores): group 0 sits on chip 0 alone,
  // group 1 crosses chips 0 -> 1 after its first stage, group 2 after its second, group 3 lies
  // on chip 4 alone, like group 0. Each group of group 0's shape (one chip, whose DRAM four used
  // cores share: not chip 15, where three are used) must reuse group 0's cuts, whatever shape the
  // group before it had.
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.24xlarge");
  const Plan p = compile(g, cfg, CompileOptions{3, 1, 21});
  const auto cuts = [&](std::uint32_t grp) {
    std::vector<std::uint32_t> c;
    for (const auto& s : p.stages)
      if (s.group == grp) c.push_back(s.op_begin);
    return c;
  };
  const auto chips = [&](std::uint32_t grp) {
    std::vector<std::uint32_t> c;
    for (const auto& s : p.stages)
      if (s.group == grp) c.push_back(s.chip - p.stages[grp * 3].chip);
    return c;
  };
  REQUIRE(chips(0) == std::vector<std::uint32_t>{0, 0, 0});
  REQUIRE(chips(1) != chips(0));
  for (std::uint32_t grp = 1; grp < 21; ++grp)
    if (chips(grp) == chips(0) && p.stages[grp * 3].chip != 15) CHECK(cuts(grp) == cuts(0));
}

TEST_CASE("two groups serve about twice the requests of one", "[modes][groups][relations]") {
  // ResNet-50 on 8 cores per group fits; two groups double the cores and the throughput bound.
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Workload w = test::requests(600, 100);
  const Report one = simulate(cfg, g, compile(g, cfg, CompileOptions{8, 1, 1}), w);
  const Report two = simulate(cfg, g, compile(g, cfg, CompileOptions{8, 1, 2}), w);
  CHECK(two.groups == 2);
  CHECK(two.mode == "data-parallel");
  CHECK(two.throughput_per_s > 1.8 * one.throughput_per_s);
  CHECK(two.throughput_per_s <= two.peak_throughput_per_s);
  // The least-loaded dispatch keeps the groups even: each computes about half the requests.
  std::uint64_t g0 = 0, g1 = 0;
  for (const auto& s : two.stages)
    if (s.index == 0)
      g0 = s.requests;
    else if (s.group == 1 && s.requests > 0 && g1 == 0)
      g1 = s.requests;
  CHECK(g0 + g1 == 600);
  CHECK(g0 >= 290);
  CHECK(g1 >= 290);
}

TEST_CASE("batching streams the weights once per batch", "[modes][batch]") {
  // One core per group holds a fraction of BERT-base: it streams most weights for every request,
  // so a batch of 4 reads them once for 4 samples.
  const Graph g = build_model("bert-base");
  const SystemConfig cfg = preset("inf1.xlarge");
  const Plan b1 = compile(g, cfg, CompileOptions{1, 1, 4});
  const Plan b4 = compile(g, cfg, CompileOptions{1, 4, 4});
  REQUIRE(b1.stages[0].streamed_weight_bytes > 0);
  const Workload w = test::requests(40, 8);
  const Report r1 = simulate(cfg, g, b1, w);
  const Report r4 = simulate(cfg, g, b4, w);
  CHECK(r4.batch == 4);
  // Bytes from DRAM per sample fall with the batch; throughput (samples/s) rises.
  const double per_sample_1 = static_cast<double>(r1.drams[0].bytes) / (40 * 1);
  const double per_sample_4 = static_cast<double>(r4.drams[0].bytes) / (40 * 4);
  CHECK(per_sample_4 < per_sample_1 / 2);
  CHECK(r4.throughput_per_s > r1.throughput_per_s);
}

TEST_CASE("the core-count table: more cores never fit less, and the choices and their reasons",
          "[modes][auto]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const auto rows = core_count_table(g, cfg, CompileOptions{}, 16);
  REQUIRE(rows.size() == 16);
  const std::uint32_t need = min_cores_to_fit(g, cfg);
  for (const auto& r : rows) {
    INFO(r.cores << " cores");
    CHECK(r.fits_static == (r.cores >= need));
    CHECK(r.compiles);
    CHECK((r.streamed_bytes > 0) == !r.fits_static);
    CHECK(r.plan.cores == r.cores);
  }
  // AWS's rule: 4 · round(25,530,472 / 2e7) = 4 · 1 = 4.
  CHECK(aws_rule_of_thumb_cores(g) == 4);
  CHECK(aws_rule_of_thumb_cores(build_model("bert-large")) == 4 * 17);  // 335.1 M → 16.76 → 17

  const CoreChoice fit = choose_cores(g, cfg, CompileOptions{}, CoreObjective::Fit, Workload{});
  CHECK(fit.chosen == need);
  CHECK(fit.min_fit == need);
  CHECK_THAT(fit.reason, Contains("fewest cores") && Contains("rule of thumb"));
  const std::string table = format_core_table(fit);
  CHECK_THAT(table, Contains("<- chosen") && Contains("<- AWS rule of thumb"));

  Workload probe = test::requests(200, -1);
  const CoreChoice thr = choose_cores(g, cfg, CompileOptions{}, CoreObjective::Throughput, probe);
  for (std::size_t i = 0; i < thr.rows.size(); ++i)
    CHECK(thr.sim_throughput_per_s[i] <= thr.sim_throughput_per_s[thr.chosen - 1] * 1.005);
  CHECK(thr.plan.cores == thr.chosen);

  // With static weights and too few cores in the topology, auto is an error that says why.
  const Graph bl = build_model("bert-large");
  CompileOptions st;
  st.static_weights = true;
  CHECK_THROWS_WITH(choose_cores(bl, preset("inf1.24xlarge"), st, CoreObjective::Fit, probe),
                    Contains("needs 72 cores") && Contains("64"));
}

TEST_CASE("a plan written as JSON reads back to the same plan", "[modes][plan-json]") {
  const Graph g = build_model("bert-base");
  const SystemConfig cfg = preset("inf1.6xlarge");
  for (const CompileOptions& o :
       {CompileOptions{16, 1}, CompileOptions{4, 2, 4}, CompileOptions{2, 1, 8}}) {
    const Plan p = compile(g, cfg, o);
    const Plan q = plan_from_json(plan_to_json(p, g), g, cfg, "test");
    CHECK(plan_to_json(q, g) == plan_to_json(p, g));
  }
}

TEST_CASE("a plan edited by hand runs, and its mistakes are named", "[modes][plan-json]") {
  const Graph g = test::tiny();
  const SystemConfig cfg = preset("inf1.xlarge");
  const auto bad = [&](const std::string& text) {
    return plan_from_json(nlohmann::json::parse(text), g, cfg, "plan.json");
  };
  // Inputs may be left out; the stage goes on core 3.
  const Plan p = bad(R"({"stages": [{"core": 3, "ops": ["fc"]}]})");
  REQUIRE(p.stages.size() == 1);
  CHECK(p.stages[0].core == 3);
  const Report r = simulate(cfg, g, p, test::requests(10));
  CHECK(r.stages[0].core == 3);

  CHECK_THROWS_WITH(
      bad(R"({"stages": [{"core": 4, "ops": ["fc"]}]})"),
      Contains("plan.json") && Contains("stages[0].core = 4") && Contains("cores 0..3"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["x"]}, {"core": 0, "ops": ["fc"]}]})"),
                    Contains("already used by stages[0]"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["x"]}]})"),
                    Contains("leaves 1 op(s) out: 'fc'"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["fc", "fc"]}]})"),
                    Contains("'fc' is already in stages[0]"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["fc2"]}]})"),
                    Contains("'fc2' is not an op of 'tiny'"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["fc", "x"]}]})"),
                    Contains("'fc' is placed before its input 'x'"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": 0, "ops": ["fc"], "cores": 2}]})"),
                    Contains("stages[0]: unknown key \"cores\""));
  CHECK_THROWS_WITH(bad(R"({"stage": []})"), Contains("unknown key \"stage\""));
  CHECK_THROWS_WITH(bad(R"({"model": "other", "stages": [{"core": 0, "ops": ["fc"]}]})"),
                    Contains("but the graph is 'tiny'"));
  CHECK_THROWS_WITH(bad(R"([1, 2])"), Contains("must be a JSON object"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"core": -1, "ops": ["fc"]}]})"),
                    Contains("stages[0].core must be a whole number"));
  CHECK_THROWS_WITH(bad(R"({"stages": [{"ops": ["fc"]}]})"), Contains("\"core\" is required"));

  // A budget that does not fit: the SRAM is smaller than the activations.
  const Graph big = build_model("resnet50");
  const SystemConfig tiny_sram = with("inf1.xlarge", {"core.sram.capacity_mib=1"});
  nlohmann::json all = nlohmann::json::array();
  for (const auto& op : big.ops) all.push_back(op.name);
  CHECK_THROWS_WITH(
      plan_from_json({{"stages", {{{"core", 0}, {"ops", all}}}}}, big, tiny_sram, "p.json"),
      Contains("stages[0] (core 0) needs") && Contains("even streaming its weights"));
  CHECK_THROWS_WITH(
      plan_from_json({{"static_weights", true}, {"stages", {{{"core", 0}, {"ops", all}}}}}, big,
                     preset("inf1.xlarge"), "p.json"),
      Contains("(static weights)"));
}

TEST_CASE("a plan file that cannot be read is an error naming it", "[modes][plan-json]") {
  const Graph g = test::tiny();
  const SystemConfig cfg = preset("inf1.xlarge");
  CHECK_THROWS_AS(load_plan_file("/nonexistent/plan.json", g, cfg), IoError);
  const std::string path = "infsim_test_bad_plan.json";
  {
    std::ofstream f(path);
    f << "{\"stages\": [";
  }
  CHECK_THROWS_WITH(load_plan_file(path, g, cfg),
                    Contains("plan file 'infsim_test_bad_plan.json' is not valid JSON"));
  std::remove(path.c_str());
}

TEST_CASE("placement keeps a pipeline on the fewest chips and counts NeuronLink bytes",
          "[modes][placement]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{6, 1});
  Bytes crossing = 0;
  for (std::size_t s = 0; s < p.stages.size(); ++s) {
    CHECK(p.stages[s].chip == s / 4);  // 4 on chip 0, 2 on chip 1
    if (s > 0 && p.stages[s].chip != p.stages[s - 1].chip) crossing += p.stages[s].in_bytes;
  }
  CHECK(p.neuronlink_bytes == crossing);  // one hop
}
