// Simulator speed: the default simulation (ResNet-50, inf1.6xlarge, 16-stage pipeline, 1,000
// requests) in simulated inferences per wall-second and simulated events per second, beside a
// baseline measured in the same run: the bare SystemC kernel's rate of timed events (one
// SC_METHOD that re-arms itself with a timed notification, in a fresh kernel context).
// Run: build/bench/bench_simulator --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <systemc>

#include "infsim/common/kernel_context.hpp"
#include "infsim/infsim.hpp"

namespace {

struct SelfTimer : sc_core::sc_module {
  SC_HAS_PROCESS(SelfTimer);
  SelfTimer(sc_core::sc_module_name n, std::int64_t events) : sc_core::sc_module(n), left(events) {
    SC_METHOD(fire);
  }
  void fire() {
    if (left-- > 0) ev_.notify(sc_core::sc_time(1, sc_core::SC_NS));
    next_trigger(ev_);
  }
  sc_core::sc_event ev_;
  std::int64_t left;
};

void BM_SystemCTimedEvents(benchmark::State& state) {
  const std::int64_t events = state.range(0);
  for (auto _ : state) {
    infsim::KernelContext kernel;
    auto m = std::make_unique<SelfTimer>("timer", events);
    kernel.run();
    m.reset();
  }
  state.counters["events_per_s"] = benchmark::Counter(
      static_cast<double>(events) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SystemCTimedEvents)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_DefaultSimulation(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
  const infsim::Graph g = infsim::build_model("resnet50");
  const infsim::Plan plan = infsim::compile(g, cfg, infsim::CompileOptions{16, 1});
  infsim::Workload w;
  w.requests = static_cast<std::uint64_t>(state.range(0));
  std::uint64_t events = 0;
  for (auto _ : state) {
    const infsim::Report r = infsim::simulate(cfg, g, plan, w);
    events += r.events;
    benchmark::DoNotOptimize(r.throughput_per_s);
  }
  state.counters["inferences_per_s"] = benchmark::Counter(
      static_cast<double>(w.requests) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["events_per_s"] =
      benchmark::Counter(static_cast<double>(events), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DefaultSimulation)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_CompileResNet50(benchmark::State& state) {
  const infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
  const infsim::Graph g = infsim::build_model("resnet50");
  for (auto _ : state) benchmark::DoNotOptimize(infsim::compile(g, cfg, {16, 1}));
}
BENCHMARK(BM_CompileResNet50)->Unit(benchmark::kMillisecond);

void BM_CompileBertLarge64(benchmark::State& state) {
  infsim::SystemConfig cfg = infsim::preset("inf1.24xlarge");
  infsim::apply_override(cfg, "core.sram.capacity_mib=16");
  const infsim::Graph g = infsim::build_model("bert-large");
  for (auto _ : state) benchmark::DoNotOptimize(infsim::compile(g, cfg, {64, 1}));
}
BENCHMARK(BM_CompileBertLarge64)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
