// NeuronLink microbenchmarks on the pure link model (microbench_link, no SystemC), on
// inf1.24xlarge (16 chips on a chain, 16 GiB/s per link direction, 500 ns per hop, packets of
// 256 B payload + 32 B header). The counters are simulated figures; the wall time is the cost of
// the model itself.
// Run: build/bench/bench_link --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <algorithm>

#include "infsim/common/units.hpp"
#include "infsim/config.hpp"
#include "infsim/microbench.hpp"

namespace {

void report(benchmark::State& state, const infsim::LinkBenchResult& r) {
  state.counters["gib_s"] = r.bandwidth_gib_s;
  state.counters["pct_of_peak"] = 100.0 * r.bandwidth_gib_s / r.peak_gib_s;
  state.counters["lat_p50_ns"] = r.latency_ns.p50;
  state.counters["lat_p99_ns"] = r.latency_ns.p99;
  const auto [lo, hi] = std::minmax_element(r.per_flow_gib_s.begin(), r.per_flow_gib_s.end());
  state.counters["flow_min_gib_s"] = *lo;
  state.counters["flow_max_gib_s"] = *hi;
}

/// One flow over one hop, large transfers (64 MiB): the payload rate approaches the packet
/// efficiency 256 / 288 = 88.9% of the 16 GiB/s peak.
void BM_LinkOneFlowLarge(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::preset("inf1.24xlarge");
  infsim::LinkBenchResult r;
  for (auto _ : state) {
    r = infsim::microbench_link(cfg, 1, 1, 64 * infsim::kMiB, 16);
    benchmark::DoNotOptimize(r);
  }
  report(state, r);
}
BENCHMARK(BM_LinkOneFlowLarge)->Unit(benchmark::kMicrosecond);

/// F flows of 1 MiB transfers sharing one hop: together the packet efficiency of the peak, each
/// about 1/F of it.
void BM_LinkSharedFlows(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::preset("inf1.24xlarge");
  const auto flows = static_cast<std::uint32_t>(state.range(0));
  infsim::LinkBenchResult r;
  for (auto _ : state) {
    r = infsim::microbench_link(cfg, 1, flows, infsim::kMiB, 256);
    benchmark::DoNotOptimize(r);
  }
  report(state, r);
}
BENCHMARK(BM_LinkSharedFlows)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMicrosecond);

/// Unloaded latency of a 4 KiB transfer against hops on the 16-chip chain: h · 500 ns + 268.2 ns
/// (4096 B = 16 packets, 4608 B on the wire).
void BM_LinkLatencyVsHops(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::preset("inf1.24xlarge");
  const auto hops = static_cast<std::uint32_t>(state.range(0));
  infsim::LinkBenchResult r;
  for (auto _ : state) {
    r = infsim::microbench_link(cfg, hops, 1, 4 * infsim::kKiB, 64);
    benchmark::DoNotOptimize(r);
  }
  report(state, r);
}
BENCHMARK(BM_LinkLatencyVsHops)->DenseRange(1, 8)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
