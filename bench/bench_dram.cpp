// DRAM benchmarks a DRAM expert would run on the DDR4 model (the default DDR4-3200 preset),
// through the one DDR4 scheduler that `infsim run` also uses: a sequential read stream (>= 90% of
// peak), a random stream (row misses, served in arrival order: well below it), unloaded
// latencies (row hit, closed bank, row conflict), and four cores streaming at once. Figures are
// reported as counters; docs/PERFORMANCE.md ("DRAM") records them.
#include <benchmark/benchmark.h>

#include "infsim/infsim.hpp"
#include "infsim/memory/ddr4.hpp"
#include "infsim/microbench.hpp"

namespace {

void report(benchmark::State& state, const infsim::DramBenchResult& r) {
  state.counters["GiB_s"] = r.bandwidth_gib_s;
  state.counters["peak_GiB_s"] = r.peak_gib_s;
  state.counters["pct_of_peak"] = 100.0 * r.bandwidth_gib_s / r.peak_gib_s;
  state.counters["row_hit_pct"] = 100.0 * r.row_hit_rate;
  state.counters["lat_mean_ns"] = r.latency_ns.mean;
  state.counters["lat_p50_ns"] = r.latency_ns.p50;
  state.counters["lat_p99_ns"] = r.latency_ns.p99;
  for (std::size_t c = 0; c < r.per_core_gib_s.size() && r.per_core_gib_s.size() > 1; ++c)
    state.counters["core" + std::to_string(c) + "_GiB_s"] = r.per_core_gib_s[c];
  state.counters["lines_per_s"] =
      benchmark::Counter(static_cast<double>(r.requests) * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate);
}

void BM_DramSequential(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::default_config();
  infsim::DramBenchResult r;
  for (auto _ : state) r = infsim::microbench_dram(cfg, "sequential", 1, 200000);
  report(state, r);
}
BENCHMARK(BM_DramSequential)->Unit(benchmark::kMillisecond);

void BM_DramRandom(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::default_config();
  infsim::DramBenchResult r;
  for (auto _ : state) r = infsim::microbench_dram(cfg, "random", 1, 200000);
  report(state, r);
}
BENCHMARK(BM_DramRandom)->Unit(benchmark::kMillisecond);

void BM_DramFourCores(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::default_config();
  const char* pattern = state.range(0) ? "random" : "sequential";
  infsim::DramBenchResult r;
  for (auto _ : state) r = infsim::microbench_dram(cfg, pattern, 4, 50000);
  report(state, r);
  state.SetLabel(pattern);
}
BENCHMARK(BM_DramFourCores)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// Unloaded read latency of one line: row hit, closed bank, row conflict (in ns), through the
// scheduler `infsim run` and the microbenchmark use.
void BM_DramUnloadedLatency(benchmark::State& state) {
  const infsim::Ddr4Params p;
  double hit = 0, closed = 0, conflict = 0;
  for (auto _ : state) {
    infsim::Ddr4Scheduler s(p);
    auto ns = [&](std::uint64_t addr, std::int64_t arrival) {
      return static_cast<double>(s.read(addr, 1, arrival) - arrival) * 0.625;
    };
    closed = ns(0, 1000);        // closed bank
    hit = ns(2 * 64 * 4, 2000);  // same bank, same row
    infsim::Ddr4Addr a = s.timing().decode(0);
    a.row = 9;
    conflict = ns(s.timing().encode(a), 3000);  // same bank, other row
  }
  state.counters["hit_ns"] = hit;
  state.counters["closed_ns"] = closed;
  state.counters["conflict_ns"] = conflict;
}
BENCHMARK(BM_DramUnloadedLatency);

// The system-level adapter: one large sequential transfer (closed form) per iteration.
void BM_DramAdapterTransfer(benchmark::State& state) {
  const infsim::Ddr4Params p;
  infsim::Ddr4Dram d("dram", p);
  const auto bytes = static_cast<infsim::Bytes>(state.range(0));
  infsim::Ps t = 0, busy = 0;
  for (auto _ : state) {
    t = d.ready_at();
    busy = d.occupy(t, bytes);
  }
  state.counters["GiB_s"] = static_cast<double>(bytes) / (static_cast<double>(busy) * 1e-12) /
                            static_cast<double>(infsim::kGiB);
}
BENCHMARK(BM_DramAdapterTransfer)->Arg(128)->Arg(301056)->Arg(1 << 24);

// The speed check of the issue: bench_simulator's BM_DefaultSimulation/1000 (ResNet-50 on
// inf1.6xlarge, 16 cores) with each DRAM model, in simulated inferences per wall-second.
void BM_DefaultSimulationDram(benchmark::State& state) {
  infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
  infsim::apply_override(cfg, state.range(0) ? "dram.model=ddr4" : "dram.model=simple");
  const infsim::Graph g = infsim::build_model("resnet50");
  const infsim::Plan plan = infsim::compile(g, cfg, infsim::CompileOptions{16, 1});
  infsim::Workload w;
  w.requests = 1000;
  for (auto _ : state) benchmark::DoNotOptimize(infsim::simulate(cfg, g, plan, w));
  state.counters["inferences_per_s"] = benchmark::Counter(
      1000.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) ? "ddr4" : "simple");
}
BENCHMARK(BM_DefaultSimulationDram)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
