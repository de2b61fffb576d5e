// Issue 5: the Chrome-trace timeline (structure, bounds, figures that match the plan), the
// queueing/service split and the warm-up rule in the report.
#include <map>
#include <set>

#include <catch2/catch.hpp>

#include "infsim/compiler.hpp"
#include "infsim/simulate.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;
using json = nlohmann::json;

namespace {

json traced_run(const SystemConfig& cfg, const Graph& g, const Plan& p, std::uint64_t requests,
                std::uint64_t first, std::uint64_t count, Report* report = nullptr) {
  json trace;
  RunOptions hooks;
  hooks.trace = &trace;
  hooks.trace_first = first;
  hooks.trace_requests = count;
  const Report r = simulate(cfg, g, p, test::requests(requests, -1), hooks);
  if (report != nullptr) *report = r;
  return trace;
}

std::size_t count_ph(const json& t, const char* ph) {
  std::size_t n = 0;
  for (const auto& e : t.at("traceEvents"))
    if (e.at("ph") == ph) ++n;
  return n;
}

}  // namespace

TEST_CASE("the trace is a well-formed Chrome trace with the profiler's track names", "[trace]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{16, 1});
  const json t = traced_run(cfg, g, p, 200, 3, 5);
  REQUIRE(t.at("traceEvents").is_array());
  CHECK(t.at("displayTimeUnit") == "ns");

  std::map<int, std::string> process;                 // pid -> name
  std::map<std::pair<int, int>, std::string> thread;  // (pid, tid) -> name
  for (const auto& e : t.at("traceEvents")) {
    if (e.at("ph") != "M") continue;
    if (e.at("name") == "process_name") process[e.at("pid")] = e.at("args").at("name");
    if (e.at("name") == "thread_name")
      thread[{e.at("pid").get<int>(), e.at("tid").get<int>()}] = e.at("args").at("name");
  }
  std::set<std::string> processes;
  for (const auto& [pid, name] : process) processes.insert(name);
  CHECK(processes == std::set<std::string>{"chip0", "chip1", "chip2", "chip3", "host"});
  for (const char* engine : {"core0 TensorE", "core0 VectorE", "core0 ScalarE", "core0 DMA",
                             "core15 TensorE", "core0 stage 0", "core3 -> core4"}) {
    bool found = false;
    for (const auto& [key, name] : thread) found = found || name == engine;
    INFO(engine);
    CHECK(found);
  }

  // Every slice names a known track, lies in the window's requests, has a positive length; on
  // one track complete slices nest (a later one starts after an earlier one ends, or inside it).
  std::map<std::pair<int, int>, std::vector<std::pair<double, double>>> by_track;
  std::map<std::uint64_t, double> begins;
  std::set<std::uint64_t> requests;
  for (const auto& e : t.at("traceEvents")) {
    const std::string ph = e.at("ph");
    if (ph == "M") continue;
    const std::pair<int, int> key{e.at("pid").get<int>(), e.at("tid").get<int>()};
    CHECK(thread.count(key) == 1);
    if (ph == "X") {
      CHECK(e.at("dur").get<double>() > 0);
      CHECK(e.at("ts").get<double>() >= 0);
      by_track[key].push_back(
          {e.at("ts").get<double>(), e.at("ts").get<double>() + e.at("dur").get<double>()});
    }
    if (ph == "b") begins[e.at("id")] = e.at("ts");
    if (ph == "e") {
      REQUIRE(begins.count(e.at("id")) == 1);
      CHECK(e.at("ts").get<double>() >= begins[e.at("id")]);
    }
    if (e.contains("args") && e.at("args").contains("request"))
      requests.insert(e.at("args").at("request").get<std::uint64_t>());
  }
  CHECK(requests == std::set<std::uint64_t>{3, 4, 5, 6, 7});
  CHECK(count_ph(t, "b") == count_ph(t, "e"));
  for (auto& [key, slices] : by_track) {
    std::sort(slices.begin(), slices.end(), [](auto& a, auto& b) {
      return a.first < b.first || (a.first == b.first && a.second > b.second);
    });
    std::vector<double> open;  // ends of enclosing slices
    for (const auto& [s, e] : slices) {
      while (!open.empty() && open.back() <= s + 1e-9) open.pop_back();
      if (!open.empty()) CHECK(e <= open.back() + 1e-6);  // nested, never crossing
      open.push_back(e);
    }
  }
}

TEST_CASE("the trace's engine time per request is the stage's engine cycles", "[trace]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{16, 1});
  Report r;
  const json t = traced_run(cfg, g, p, 100, 10, 1, &r);
  std::map<std::string, int> tid_of;
  for (const auto& e : t.at("traceEvents"))
    if (e.at("ph") == "M" && e.at("name") == "thread_name")
      tid_of[e.at("args").at("name")] = e.at("tid");
  for (const auto& s : p.stages) {
    const int tensor = tid_of.at("core" + std::to_string(s.core) + " TensorE");
    const int stage =
        tid_of.at("core" + std::to_string(s.core) + " stage " + std::to_string(s.index));
    double tensor_us = 0, stage_us = 0;
    for (const auto& e : t.at("traceEvents")) {
      if (e.at("ph") != "X") continue;
      if (e.at("tid") == tensor) tensor_us += e.at("dur").get<double>();
      if (e.at("tid") == stage && e.at("name") == "req 10") stage_us = e.at("dur").get<double>();
    }
    // The request's compute is the stage's makespan, stretched when its State Buffer port was
    // busy; the TensorE slices are the schedule's tensor cycles, stretched alike:
    // tensor_cycles / makespan_cycles × the request's time on the stage.
    INFO("stage " << s.index);
    const double stretch = stage_us / (static_cast<double>(s.makespan_cycles) * 1.024e-3);
    CHECK(stretch >= 1.0 - 1e-9);
    if (r.per_core[s.core].sram_stretch_us == 0.0) CHECK(stretch == Approx(1.0).epsilon(1e-9));
    CHECK(tensor_us == Approx(static_cast<double>(s.engine_cycles[Engine::Tensor]) /
                              static_cast<double>(s.makespan_cycles) * stage_us)
                           .epsilon(1e-6));
  }
}

TEST_CASE("the trace's size depends on its window, not on the run's length", "[trace]") {
  const Graph g = test::tiny();
  const SystemConfig cfg = preset("inf1.xlarge");
  const Plan p = compile(g, cfg, CompileOptions{1, 1});
  const json short_run = traced_run(cfg, g, p, 100, 0, 10);
  const json long_run = traced_run(cfg, g, p, 5000, 0, 10);
  CHECK(short_run.at("traceEvents").size() == long_run.at("traceEvents").size());
  CHECK(count_ph(short_run, "X") > 0);
}

TEST_CASE("latency splits into queueing and service, and the warm-up rule is stated",
          "[report][latency]") {
  const Graph g = build_model("resnet50");
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Plan p = compile(g, cfg, CompileOptions{16, 1});
  // Two in flight: the first stage's two buffers always have room, so nobody queues.
  Workload w = test::requests(300, -1);
  w.concurrency = 2;
  const Report calm = simulate(cfg, g, p, w);
  CHECK(calm.queue_ms.max == 0.0);
  CHECK(calm.service_ms.p50 == Approx(calm.latency_ms.p50));
  // Open loop past the pipeline's rate: requests wait for the first stage.
  w.concurrency = 0;
  w.rate_per_s = 20000;
  const Report busy = simulate(cfg, g, p, w);
  CHECK(busy.queue_ms.p99 > 0.0);
  CHECK(busy.latency_ms.mean == Approx(busy.queue_ms.mean + busy.service_ms.mean).epsilon(1e-9));
  CHECK_THAT(busy.warmup_rule, Contains("warm-up") && Contains("default"));
  const json j = to_json(busy);
  CHECK(j.at("schema_version") == kReportSchemaVersion);
  for (const char* k : {"latency_ms", "queue_ms", "service_ms"})
    for (const char* f : {"p50", "p90", "p95", "p99", "p999", "max"}) CHECK(j.at(k).contains(f));
}

TEST_CASE("the report gives each chip's DDR4 row-hit rate and bandwidth", "[report][dram]") {
  const Graph g = build_model("resnet50");
  SystemConfig cfg = preset("inf1.6xlarge");
  apply_override(cfg, "dram.model=ddr4");
  const Report r =
      simulate(cfg, g, compile(g, cfg, CompileOptions{16, 1}), test::requests(200, -1));
  REQUIRE(r.dram_stats.size() == 4);
  const DramStatsReport& d = r.dram_stats[0];
  // Chip 0 takes every input: 200 · 301,056 B in (PCIe → DRAM is a write the model does not
  // time as reads) and out again to core 0, all as 64-byte reads: at least 200 · 4,704 reads.
  CHECK(d.reads >= 200 * 4704);
  CHECK(d.row_hit_rate > 0.9);  // sequential transfers, one bank group after another
  CHECK(d.row_hit_rate <= 1.0);
  CHECK(d.refreshes > 0);
  CHECK(d.bandwidth_gib_s == Approx(static_cast<double>(r.drams[0].bytes) / r.simulated_time_s /
                                    static_cast<double>(1ULL << 30)));
  // Read transfers from chip 0's DRAM: one input per request into stage 0; each takes at least
  // its 301,056 B at the path's 50 GiB/s: 301,056 / 53,687,091,200 s = 5.608 µs.
  REQUIRE_FALSE(r.dram_reads.empty());
  CHECK(r.dram_reads[0].chip == 0);
  CHECK(r.dram_reads[0].transfers == 200);
  CHECK(r.dram_reads[0].latency_us.min >= 5.6);
  CHECK(r.dram_reads[0].latency_us.p99 <= r.dram_reads[0].latency_us.max);
  CHECK(r.dram_reads[0].wait_us.min >= 0.0);
  SystemConfig simple = preset("inf1.6xlarge");
  apply_override(simple, "dram.model=simple");
  CHECK(simulate(simple, g, compile(g, simple, CompileOptions{16, 1}), test::requests(50, -1))
            .dram_stats.empty());
}
