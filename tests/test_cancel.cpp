// RunOptions::cancel: a caller (the Python package's Ctrl-C, say) stops a run part-way; simulate
// throws Cancelled and the next run in the process is unaffected.
#include <catch2/catch.hpp>

#include "infsim/infsim.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

namespace {

Workload closed_loop(std::uint64_t n) {
  Workload w;
  w.requests = n;
  return w;
}

}  // namespace

TEST_CASE("cancel stops a run part-way with Cancelled; the next run is unaffected",
          "[simulate][cancel]") {
  const SystemConfig cfg = preset("inf1.xlarge");
  const Graph g = build_model("resnet50");
  const Plan plan = compile(g, cfg, CompileOptions{4, 1});
  const Workload w = closed_loop(400);
  const Report whole = simulate(cfg, g, plan, w);

  // Stop once 100 requests have completed: progress reports come every 400 / 200 = 2 completions.
  RunOptions stop;
  std::uint64_t seen = 0, asked = 0;
  stop.progress = [&seen](std::uint64_t done, std::uint64_t total) {
    CHECK(total == 400);
    seen = done;
  };
  stop.cancel = [&seen, &asked] {
    ++asked;
    return seen >= 100;
  };
  CHECK_THROWS_MATCHES(simulate(cfg, g, plan, w, stop), Cancelled,
                       Catch::Matchers::Message("simulation cancelled after 100 of 400 requests"));
  CHECK(seen == 100);
  CHECK(asked == 50);  // asked at every progress report, not after it said stop

  // A Cancelled is an Error (callers catching Error see it), and the kernel was released: the next
  // run in the process gives exactly the figures of a run that was never cancelled.
  STATIC_REQUIRE(std::is_base_of<Error, Cancelled>::value);
  const Report again = simulate(cfg, g, plan, w);
  CHECK(to_json(again) == to_json(whole));

  // A cancel hook that never says stop changes nothing, with or without a progress hook.
  RunOptions never;
  std::uint64_t calls = 0;
  never.cancel = [&calls] {
    ++calls;
    return false;
  };
  CHECK(to_json(simulate(cfg, g, plan, w, never)) == to_json(whole));
  CHECK(calls == 200);
}

TEST_CASE("cancel stops an open-loop run and a data-parallel run", "[simulate][cancel]") {
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Graph g = build_model("bert-base");
  CompileOptions o;
  o.cores = 4;
  o.groups = 4;
  const Plan plan = compile(g, cfg, o);
  Workload w = closed_loop(300);
  w.rate_per_s = 2000;  // open loop: arrivals are timed events, which stop with the run
  RunOptions first;
  first.cancel = [] { return true; };  // at the first report (300 / 200: every completion)
  CHECK_THROWS_MATCHES(simulate(cfg, g, plan, w, first), Cancelled,
                       Catch::Matchers::Message("simulation cancelled after 1 of 300 requests"));
  CHECK(simulate(cfg, g, plan, w).requests == 300);
}
