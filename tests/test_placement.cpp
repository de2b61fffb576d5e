// Placement (issue 13, part 3): packed (chip-major, the default), spread over chips, or an
// explicit core list; the compiler's estimate costs the DRAM sharing of the placement it makes.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "infsim/common/error.hpp"
#include "infsim/compiler.hpp"
#include "infsim/simulate.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

namespace {

std::vector<std::uint32_t> cores_of(const Plan& p) {
  std::vector<std::uint32_t> c;
  for (const auto& s : p.stages) c.push_back(s.core);
  return c;
}

CompileOptions options(std::uint32_t cores, std::uint32_t groups, Placement placement) {
  CompileOptions o;
  o.cores = cores;
  o.groups = groups;
  o.placement = placement;
  return o;
}

}  // namespace

TEST_CASE("placement: packed, spread and a core list", "[placement]") {
  const Graph g = build_model("bert-base");
  const SystemConfig cfg = preset("inf1.6xlarge");  // 4 chips of 4 cores
  using V = std::vector<std::uint32_t>;
  CHECK(cores_of(compile(g, cfg, options(4, 1, Placement::Packed))) == V{0, 1, 2, 3});
  // Stage k on chip k mod 4: one stage per chip.
  CHECK(cores_of(compile(g, cfg, options(4, 1, Placement::Spread))) == V{0, 4, 8, 12});
  // Six stages: chips 0, 1, 2, 3, then the second core of chips 0 and 1.
  CHECK(cores_of(compile(g, cfg, options(6, 1, Placement::Spread))) == V{0, 4, 8, 12, 1, 5});
  // Groups take consecutive slices of the order: 4 single-core groups, one per chip.
  CHECK(cores_of(compile(g, cfg, options(1, 4, Placement::Spread))) == V{0, 4, 8, 12});
  CompileOptions list = options(3, 1, Placement::Packed);
  list.core_list = {15, 2, 7};
  const Plan p = compile(g, cfg, list);
  CHECK(cores_of(p) == V{15, 2, 7});
  CHECK(p.stages[1].chip == 0);
  CHECK(p.stages[2].chip == 1);
}

TEST_CASE("placement: a core list that cannot be used says why", "[placement]") {
  const Graph g = build_model("bert-base");
  const SystemConfig cfg = preset("inf1.6xlarge");
  CompileOptions o = options(3, 1, Placement::Packed);
  o.core_list = {0, 1};
  CHECK_THROWS_WITH(compile(g, cfg, o), Contains("2 cores given") && Contains("3 stages"));
  o.core_list = {0, 1, 16};
  CHECK_THROWS_WITH(compile(g, cfg, o), Contains("core 16 does not exist"));
  o.core_list = {0, 1, 1};
  CHECK_THROWS_WITH(compile(g, cfg, o), Contains("core 1 is named twice"));
  CHECK_THROWS_WITH(parse_placement("scatter"), Contains("packed or spread"));
}

TEST_CASE(
    "placement: spreading a streaming pipeline over chips' DRAMs is estimated and runs "
    "faster",
    "[placement][simulate]") {
  // BERT-base on 4 cores streams most of its weights. Packed, the four stages share chip 0's
  // DRAM; spread, each has a chip's DRAM to itself. The compiler's estimate divides the DRAM
  // among the cores in use on a chip, so it sees the difference, and so does the simulation.
  // The DRAM is the limit only when the DMA queues are faster than a chip's DRAM share: with the
  // calibrated 8.5 GiB/s queues each stage's stream is bound by its own queue, so the mechanism
  // is tested with the 64 GiB/s queues of before calibration.
  const Graph g = build_model("bert-base");
  SystemConfig cfg = preset("inf1.6xlarge");
  test::pin_uncalibrated(cfg);
  const Plan packed = compile(g, cfg, options(4, 1, Placement::Packed));
  const Plan spread = compile(g, cfg, options(4, 1, Placement::Spread));
  CHECK(spread.bottleneck_ps() < packed.bottleneck_ps());
  Workload w;
  w.requests = 200;
  const Report rp = simulate(cfg, g, packed, w);
  const Report rs = simulate(cfg, g, spread, w);
  CHECK(rs.throughput_per_s > 2 * rp.throughput_per_s);
  CHECK(rs.throughput_per_s <= rs.peak_throughput_per_s);
}

TEST_CASE("cli: --placement and --core-list", "[placement][cli]") {
  using namespace infsim::test;
  TempDir dir;
  const std::string out = dir.file("plan.json");
  auto r = run_cli({"compile", "--model", "bert-base", "--preset", "inf1.6xlarge", "--cores", "4",
                    "--placement", "spread", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(read_text(out));
  CHECK(j.at("stages").at(1).at("core").get<int>() == 4);
  r = run_cli(
      {"compile", "--model", "bert-base", "--preset", "inf1.6xlarge", "--core-list", "3,2,1"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("3 cores"));
  r = run_cli({"run", "--model", "bert-base", "--plan", out, "--core-list", "0,1,2,3"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Contains("--plan names its cores"));
  r = run_cli({"compile", "--model", "bert-base", "--placement", "diagonal"});
  CHECK(r.exit_code != 0);
}

TEST_CASE("the bottleneck line names the binding resource", "[placement][simulate]") {
  // ResNet-50 on 16 single-core groups streams every group's weights. With 64 GiB/s DMA queues
  // (before calibration) each chip's DRAM is the limit, not a stage's compute (which is under a
  // third of the time).
  const Graph g = build_model("resnet50");
  SystemConfig fast_dma = preset("inf1.6xlarge");
  test::pin_uncalibrated(fast_dma);
  Workload w;
  w.requests = 300;
  const Report r =
      simulate(fast_dma, g, compile(g, fast_dma, options(1, 16, Placement::Packed)), w);
  CHECK_THAT(r.bottleneck, Contains("DRAM system.chip") && Contains("bounds throughput"));
  // Calibrated, a chip's DRAM sustains 72% of its peak and is the limit again (the ceiling).
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Report q = simulate(cfg, g, compile(g, cfg, options(1, 16, Placement::Packed)), w);
  CHECK_THAT(q.bottleneck, Contains("DRAM system.chip") && Contains("bounds throughput"));
  // One core streaming BERT-base alone: its chip's DRAM has room, its DMA queue is the limit.
  const Graph bert = build_model("bert-base");
  const SystemConfig xl = preset("inf1.xlarge");
  const Report one = simulate(xl, bert, compile(bert, xl, options(1, 1, Placement::Packed)), w);
  CHECK_THAT(one.bottleneck, Contains("waits for DRAM reads") && Contains("DMA queues"));
  // The default run (64 GiB/s queues) is bound by a stage's compute.
  const Report d =
      simulate(fast_dma, g, compile(g, fast_dma, options(16, 1, Placement::Packed)), w);
  CHECK_THAT(d.bottleneck, Contains("stage") && Contains("computes"));
  // The same plan with 4 GiB/s queues: the transfers between stages hold the pipeline back.
  SystemConfig slow_dma = fast_dma;
  apply_override(slow_dma, "core.dma.queue_bandwidth_gib_s=4");
  const Report t =
      simulate(slow_dma, g, compile(g, fast_dma, options(16, 1, Placement::Packed)), w);
  CHECK_THAT(t.bottleneck, Contains("holds finished results") && Contains("input buffers"));
  // An open loop far below capacity: nothing is saturated, and the line says what is busiest.
  Workload slow = w;
  slow.rate_per_s = 100;
  const Report o = simulate(cfg, g, compile(g, cfg, options(16, 1, Placement::Packed)), slow);
  CHECK_THAT(o.bottleneck,
             Contains("no stage or shared resource is saturated") && Contains("busiest resource"));
}
