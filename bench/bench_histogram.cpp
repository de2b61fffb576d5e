// The latency histogram (sim/report/src/stats.hpp): its memory does not grow with the samples, and
// what recording and summarising cost. Counters: bytes = the histogram's memory after the
// samples (LatencyHistogram::memory_bytes), keep_all_bytes = what keeping every sample (the
// former recorder) would take, maxrss_growth_kib = how much the process's peak resident set
// grew during the benchmark (getrusage; an independent check that nothing else grows),
// adds_per_s = samples recorded per second.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <cmath>
#include <cstdint>

#include "stats.hpp"

namespace {

long max_rss_kib() {
  struct rusage u {};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

using infsim::LatencyHistogram;
using infsim::Ps;

/// Exponential latencies with a mean of 5 ms plus a 1 ms floor, in picoseconds.
Ps sample(infsim::SplitMix64& g) {
  const double u = static_cast<double>(g.next() >> 11) * 0x1.0p-53;
  return 1'000'000'000 + static_cast<Ps>(-std::log(1.0 - u) * 5e9);
}

/// range(0) samples into one histogram per iteration, then the summary.
void BM_HistogramSamples(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  const long rss_before = max_rss_kib();
  std::size_t bytes = 0, buckets = 0;
  double p999 = 0;
  for (auto _ : state) {
    LatencyHistogram h;
    infsim::SplitMix64 g(1);
    for (std::uint64_t i = 0; i < n; ++i) h.add(sample(g));
    const infsim::LatencySummary s = h.summary();
    benchmark::DoNotOptimize(s);
    bytes = h.memory_bytes();
    buckets = h.bucket_count();
    p999 = s.p999;
  }
  state.counters["samples"] = static_cast<double>(n);
  state.counters["bytes"] = static_cast<double>(bytes);
  state.counters["buckets"] = static_cast<double>(buckets);
  state.counters["keep_all_bytes"] = static_cast<double>(n * sizeof(Ps));
  state.counters["p999_ms"] = p999;
  state.counters["maxrss_growth_kib"] = static_cast<double>(max_rss_kib() - rss_before);
  state.counters["adds_per_s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_HistogramSamples)->Arg(1000)->Arg(10'000'000)->Unit(benchmark::kMillisecond);

/// The summary alone (seven percentiles over the 28,672 buckets), on a filled histogram.
void BM_HistogramSummary(benchmark::State& state) {
  LatencyHistogram h;
  infsim::SplitMix64 g(2);
  for (int i = 0; i < 1'000'000; ++i) h.add(sample(g));
  for (auto _ : state) benchmark::DoNotOptimize(h.summary());
  state.counters["bytes"] = static_cast<double>(h.memory_bytes());
}
BENCHMARK(BM_HistogramSummary)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
