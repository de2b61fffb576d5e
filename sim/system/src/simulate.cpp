// A run: validate, build the System in a fresh kernel context, simulate, and assemble the Report.
#include "infsim/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <sstream>

#include "infsim/common/error.hpp"
#include "infsim/common/kernel_context.hpp"
#include "system.hpp"

namespace infsim {

namespace {

ResourceReport resource_report(const Resource& r, Ps end) {
  return resource_report(r.name(), r, end);
}

// Memory follows the requests in flight and queued, not the run's length (latencies go into
// bounded histograms); the cap only keeps request ids and counters far from overflow.
constexpr std::uint64_t kMaxRequests = 1'000'000'000'000;

// Simulated times stay below 2^62 ps (53 days): far from where 64-bit picoseconds saturate.
constexpr Ps kMaxSimulatedPs = Ps{1} << 62;

std::uint64_t default_warmup(const Workload& w, std::size_t stages) {
  if (w.warmup >= 0) return static_cast<std::uint64_t>(w.warmup);
  std::uint64_t wu = std::max<std::uint64_t>(w.requests / 10, 2 * stages);
  if (wu * 2 > w.requests) wu = w.requests / 10;  // keep most requests measured on short runs
  return wu;
}

/// Stage rows: the plan's figures and the stage's core statistics (NeuronCore::visit_stats).
void fill_stages(Report& r, System& sys, const Graph& g, const Plan& plan, Ps end) {
  for (const auto& s : plan.stages) {
    StatCapture core;
    sys.core(s.core).visit_stats(core, end);
    StageReport sr;
    sr.index = s.index;
    sr.group = s.group;
    sr.core = s.core;
    sr.chip = s.chip;
    sr.ops = s.op_end - s.op_begin;
    sr.first_op = g.ops.at(static_cast<std::size_t>(plan.op_order.at(s.op_begin))).name;
    sr.last_op = g.ops.at(static_cast<std::size_t>(plan.op_order.at(s.op_end - 1))).name;
    sr.weight_bytes = s.weight_bytes;
    sr.streamed_weight_bytes = s.streamed_weight_bytes;
    sr.spilled_bytes = s.spill_write_bytes + s.spill_read_bytes;
    if (s.group == 0) {
      DramTraffic& d = r.dram_traffic;
      d.weights_streamed += s.streamed_weight_bytes;
      d.activations_spilled += s.spill_write_bytes;
      d.activations_reloaded += s.spill_read_bytes;
      d.tables += s.dram_read_bytes;
    }
    sr.sram_bytes = s.sram_bytes;
    sr.service_us = core.real(kCoreStats.service_us.name);
    sr.busy = core.real(kCoreStats.busy.name);
    sr.stalled = core.real(kCoreStats.stalled.name);
    sr.fetching = core.real(kCoreStats.fetching.name);
    sr.requests = core.count(kCoreStats.requests.name);
    r.events += sr.requests;
    r.stages.push_back(sr);
  }
}

/// Core rows, State Buffer ports and DMA engines of every core of the topology.
void fill_cores(Report& r, System& sys, const SystemConfig& cfg, const Plan& plan, Ps end) {
  for (std::uint32_t id = 0; id < cfg.total_cores(); ++id) {
    const Chip& chip = *sys.chips[id / cfg.cores_per_chip];
    const StateBufferPort& sb = *chip.sbufs[id % cfg.cores_per_chip];
    const DmaEngine& dma = *chip.dmas[id % cfg.cores_per_chip];
    StatCapture core, port;
    sys.core(id).visit_stats(core, end);
    sb.visit_stats(port, end);
    CoreReport cr;
    cr.core = id;
    cr.chip = id / cfg.cores_per_chip;
    for (const auto& s : plan.stages)
      if (s.core == id) cr.stage = static_cast<int>(s.index);
    cr.busy = core.real(kCoreStats.busy.name);
    for (Engine e : kEngines) cr.engines[e] = core.real(CoreStatInfo::engine(e).name);
    cr.sram_port = port.real(kResourceStats.utilization.name);
    cr.sram_engine_bytes = port.count(kStateBufferStats.engine_bytes.name);
    cr.sram_dma_bytes = port.count(kStateBufferStats.dma_bytes.name);
    cr.sram_stretch_us = port.real(kStateBufferStats.stretch_us.name);
    cr.dma_queues = dma.utilization(end);
    r.per_core.push_back(cr);
    r.state_buffers.push_back(resource_report(sb, end));
    r.dma_engines.push_back(resource_report(dma, end));
  }
}

/// Links, DRAM (with its row statistics), PCIe and fabric ports: every Resource of the system.
void fill_resources(Report& r, System& sys, const SystemConfig& cfg, Ps end) {
  r.dram_reads = sys.dram_reads.report();
  const LinkTopologyModel& links = sys.neuronlink.model();
  for (std::uint32_t l = 0; l < links.link_count(); ++l) {
    r.links.push_back(resource_report(links.forward(l), end));
    r.links.push_back(resource_report(links.backward(l), end));
  }
  for (auto& chip : sys.chips) {
    r.drams.push_back(resource_report(*chip->memory, end));
    // Command-level statistics of the chip's own model (none without banks and rows, or when a
    // user's TLM-2.0 memory took its place).
    const std::optional<DramStats> ds =
        chip->memory == &chip->dram.model() ? chip->dram.model().dram_stats() : std::nullopt;
    if (ds) {
      r.dram_stats.push_back({static_cast<std::uint32_t>(r.drams.size() - 1), ds->reads,
                              ds->row_hit_rate, ds->activates, ds->refreshes,
                              end == 0 ? 0.0
                                       : static_cast<double>(r.drams.back().bytes) / ps_to_s(end) /
                                             static_cast<double>(kGiB)});
    }
    if (chip->port != nullptr) {
      const TlmMemoryPort::Counters c = chip->port->counters(end);
      r.dram_tlm.push_back({static_cast<std::uint32_t>(r.drams.size() - 1), c.transactions, c.reads,
                            c.writes, c.bytes_read, c.bytes_written, share(c.busy_ps, end)});
    }
    r.host_links.push_back(resource_report(chip->pcie.model().to_device(), end));
    r.host_links.push_back(resource_report(chip->pcie.model().to_host(), end));
    FabricModel& fab = chip->fabric.model();
    for (std::uint32_t c = 0; c < cfg.cores_per_chip; ++c) {
      r.fabric.push_back(resource_report(fab.core_out(c), end));
      r.fabric.push_back(resource_report(fab.core_in(c), end));
    }
    for (const Pipe* port : {&fab.dram_out(), &fab.dram_in(), &fab.host_out(), &fab.host_in()})
      r.fabric.push_back(resource_report(*port, end));
  }
}

/// The stage that holds finished results (back-pressure) for the largest share of the time, when
/// that share is at least a quarter; otherwise none.
const StageReport* most_stalled(const Report& r) {
  const StageReport* held = nullptr;
  for (const auto& s : r.stages)
    if (s.stalled >= 0.25 && (held == nullptr || s.stalled > held->stalled)) held = &s;
  return held;
}

/// The stage with the most compute + DRAM-fetch time, and whether it bounds throughput.
std::string bottleneck(const Report& r, const Plan& plan) {
  std::size_t worst = 0;
  for (std::size_t i = 1; i < r.stages.size(); ++i)
    if (r.stages[i].busy + r.stages[i].fetching > r.stages[worst].busy + r.stages[worst].fetching)
      worst = i;
  const StageReport& b = r.stages[worst];
  // The busiest shared resource: a chip's DRAM, a NeuronLink direction, a PCIe direction or a
  // fabric port.
  const ResourceReport* busiest = nullptr;
  const char* busiest_kind = "";
  const auto consider = [&](const std::vector<ResourceReport>& v, const char* kind) {
    for (const auto& x : v)
      if (busiest == nullptr || x.utilization > busiest->utilization) {
        busiest = &x;
        busiest_kind = kind;
      }
  };
  consider(r.drams, "DRAM");
  consider(r.links, "NeuronLink");
  consider(r.host_links, "PCIe");
  consider(r.fabric, "fabric port");
  std::ostringstream why;
  why.precision(3);
  const double occupied = b.busy + b.fetching;
  const bool stage_bound = occupied + b.stalled >= 0.9 && occupied >= 0.5;
  const bool resource_bound = busiest != nullptr && busiest->utilization >= 0.8;
  if (resource_bound && (!stage_bound || b.fetching > b.busy)) {
    // The stages wait for a shared resource that is (nearly) always busy.
    why << busiest_kind << " " << busiest->name << " is " << 100.0 * busiest->utilization
        << "% busy: its bandwidth bounds throughput (the busiest stage, " << b.index
        << ", computes " << 100.0 * b.busy << "% of the time and waits for DRAM "
        << 100.0 * b.fetching << "%)";
  } else if (stage_bound) {
    const double per_request_us =
        b.requests == 0 ? 0.0
                        : occupied * r.simulated_time_s * 1e6 / static_cast<double>(b.requests);
    why << "stage " << b.index;
    if (plan.groups > 1)
      why << " (group " << b.group << ", core " << b.core << ")";
    else
      why << " (core " << b.core << ")";
    why << " computes " << 100.0 * b.busy << "% of the time";
    if (b.fetching > 0)
      why << " and waits for DRAM reads"
          << (b.streamed_weight_bytes > 0 ? " and streamed weights" : "")
          << (b.spilled_bytes > 0 ? " and spilled activations" : "") << " " << 100.0 * b.fetching
          << "%";
    why << "; its " << per_request_us << " us per request caps throughput at "
        << (per_request_us > 0 ? 1e6 * plan.batch * plan.groups / per_request_us : 0.0)
        << " inferences/s" << (plan.groups > 1 ? " over all groups" : "");
    // Waiting for reads while the chip's DRAM has room: the reads' rate is their DMA queue's (a
    // transfer moves through one queue of its core).
    if (b.fetching >= 0.25 && b.chip < r.drams.size() && r.drams[b.chip].utilization < 0.8 &&
        b.core < r.dma_engines.size())
      why << " (its chip's DRAM is " << 100.0 * r.drams[b.chip].utilization
          << "% busy: the reads are bound by core " << b.core << "'s DMA queues, one per transfer, "
          << 100.0 * r.dma_engines[b.core].utilization << "% busy)";
  } else if (const StageReport* held = most_stalled(r); held != nullptr) {
    // Back-pressure: a stage holds finished results because the next stage's input buffers are
    // taken by transfers still under way (or by requests it has not started).
    why << "stage " << held->index << " (core " << held->core << ") holds finished results "
        << 100.0 * held->stalled << "% of the time: the next stage's "
        << plan.stages.front().input_buffers + 1
        << " input buffers are taken by transfers still under way (each over one DMA queue of "
           "the sender, "
        << (held->core < r.dma_engines.size() ? 100.0 * r.dma_engines[held->core].utilization : 0.0)
        << "% busy); more buffers (pipeline.buffer_depth) or faster transfers would raise "
           "throughput";
  } else {
    why << "no stage or shared resource is saturated (busiest stage: " << b.index << ", "
        << 100.0 * b.busy << "% computing";
    if (busiest != nullptr)
      why << "; busiest resource: " << busiest_kind << " " << busiest->name << ", "
          << 100.0 * busiest->utilization << "% busy";
    why << "): throughput is set by the request concurrency or arrival rate";
  }
  return why.str();
}

}  // namespace

void validate(const Workload& w) {
  if (w.requests == 0) throw Error("workload: requests must be at least 1");
  if (w.requests > kMaxRequests)
    throw Error("workload: requests = " + std::to_string(w.requests) + " exceeds the limit of " +
                std::to_string(kMaxRequests));
  if (w.warmup >= 0 && static_cast<std::uint64_t>(w.warmup) >= w.requests)
    throw Error("workload: warmup = " + std::to_string(w.warmup) +
                " must be smaller than requests = " + std::to_string(w.requests));
  if (!std::isfinite(w.rate_per_s) || w.rate_per_s < 0)
    throw Error("workload: rate must be a finite number >= 0 (0 = closed loop)");
  if (w.rate_per_s > 0) {
    // The arrivals' expected span (plus 40 mean gaps: the longest one draw can be) must stay in
    // the simulated clock's range, or times saturate and every figure is meaningless.
    const double span_s = (static_cast<double>(w.requests) + 40.0) / w.rate_per_s;
    if (!(span_s * 1e12 <= static_cast<double>(kMaxSimulatedPs))) {
      std::ostringstream os;
      os.precision(3);
      os << "workload: rate = " << w.rate_per_s
         << " requests/s is too low to simulate: " << w.requests << " arrivals would take about "
         << span_s << " s of simulated time, beyond the simulated clock's range of "
         << ps_to_s(kMaxSimulatedPs) << " s (picoseconds in 64 bits); use a rate of at least "
         << (static_cast<double>(w.requests) + 40.0) / ps_to_s(kMaxSimulatedPs)
         << " requests/s or fewer requests";
      throw Error(os.str());
    }
  }
  if (w.max_queue == 0)
    throw Error("workload: max_queue must be at least 1 (requests that may wait at the host)");
}

Report simulate(const SystemConfig& cfg, const Graph& g, const CompileOptions& opts,
                const Workload& w) {
  return simulate(cfg, g, compile(g, cfg, opts), w);
}

Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w) {
  return simulate(cfg, g, plan, w, RunOptions{}, TlmHooks{});
}

Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w,
                const RunOptions& opts) {
  return simulate(cfg, g, plan, w, opts, TlmHooks{});
}

Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w,
                const RunOptions& opts, const TlmHooks& hooks) {
  validate(cfg);
  validate(w);
  if (opts.trace != nullptr && opts.trace_requests > kMaxTraceRequests)
    throw Error("trace: trace_requests = " + std::to_string(opts.trace_requests) +
                " exceeds the limit of " + std::to_string(kMaxTraceRequests) +
                " (a traced request keeps all its events in memory until the run ends)");
  if (plan.stages.empty()) throw Error("plan has no stages");
  std::vector<bool> used(cfg.total_cores(), false);
  for (const auto& s : plan.stages) {
    if (s.core >= cfg.total_cores() || s.chip != s.core / cfg.cores_per_chip)
      throw Error("plan stage " + std::to_string(s.index) + " is placed on core " +
                  std::to_string(s.core) + ", which the topology '" + cfg.name + "' lacks");
    if (used[s.core])
      throw Error("plan stage " + std::to_string(s.index) + " is placed on core " +
                  std::to_string(s.core) + ", which another stage already uses");
    used[s.core] = true;
  }
  const std::uint32_t stages = static_cast<std::uint32_t>(plan.stages.size());
  const std::uint32_t concurrency = w.concurrency == 0 ? 2 * stages : w.concurrency;
  const std::uint64_t warmup = default_warmup(w, stages);

  Report r;
  KernelContext kernel;  // a fresh SystemC context for this run; restores the caller's after
  auto sys = std::make_unique<System>("system", cfg, g, plan, w, concurrency, warmup, opts, hooks);
  {
    // A run stopped by RunOptions::cancel (sc_stop) would have SystemC print "Info:
    // /OSCI/SystemC: Simulation stopped by user." on stdout as sc_start returns.
    struct QuietStop {
      sc_core::sc_actions saved = sc_core::sc_report_handler::set_actions(
          "/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
      ~QuietStop() {
        sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, saved);
      }
    } quiet;
    kernel.run();
  }
  const Ps end = now_ps();

  Host& host = *sys->host;
  if (sys->cancelled)
    throw Cancelled("simulation cancelled after " + std::to_string(host.completed()) + " of " +
                    std::to_string(w.requests) + " requests");
  if (host.completed() + host.refused() != w.requests)
    throw Error("internal: simulation ended with " + std::to_string(host.completed()) + " of " +
                std::to_string(w.requests) + " requests complete");
  if (end >= kMaxSimulatedPs)
    throw Error("the run reached " + std::to_string(ps_to_s(end)) +
                " s of simulated time, the edge of the simulated clock's range (2^62 ps); its "
                "figures would be meaningless: simulate fewer requests or faster hardware");
  if (hooks.after_run)
    for (std::uint32_t c = 0; c < cfg.chips; ++c)
      if (sys->chips[c]->external != nullptr) hooks.after_run(c, *sys->chips[c]->external);
  const std::uint64_t measured =
      host.completed() > warmup ? host.completed() - warmup : std::uint64_t{0};
  const Ps window = measured == 0 ? 0 : host.last_completion() - host.window_start();
  if (opts.trace != nullptr && sys->tracer) *opts.trace = sys->tracer->to_json();

  r.config = cfg.name;
  r.model = plan.model;
  r.cores = plan.cores;
  r.groups = plan.groups;
  r.mode = plan.mode();
  r.batch = plan.batch;
  r.requests = w.requests;
  r.warmup_requests = warmup;
  r.measured_requests = measured;
  r.refused_requests = host.refused();
  r.max_queue = w.rate_per_s > 0 ? w.max_queue : 0;
  r.concurrency = w.rate_per_s > 0 ? 0 : concurrency;
  r.rate_per_s = w.rate_per_s;
  r.seed = w.seed;
  r.simulated_time_s = ps_to_s(end);
  r.measured_window_s = ps_to_s(window);
  r.throughput_per_s =
      window == 0 ? 0.0 : static_cast<double>(r.measured_requests * plan.batch) / ps_to_s(window);
  r.latency_ms = host.latency().summary();
  r.queue_ms = host.queueing().summary();
  r.service_ms = host.service().summary();
  std::ostringstream rule;
  rule << "the first " << warmup << " completions (in completion order) are warm-up and excluded"
       << (w.warmup >= 0 ? " (set by the user)"
                         : " (default: 10% of requests, at least 2 x stages while that leaves "
                           "half the requests measured)")
       << "; throughput = measured requests x batch / time from the last warm-up completion to "
          "the last completion";
  r.warmup_rule = rule.str();
  r.plan = plan_to_json(plan, g);
  // Every group runs the whole model: one copy's MACs per request.
  std::uint64_t macs = 0;
  for (const auto& s : plan.stages)
    if (s.group == 0) macs += s.macs;
  r.peak_throughput_per_s = macs == 0 ? 0.0
                                      : cfg.tensor_peak_macs_per_s() * plan.cores * plan.batch /
                                            static_cast<double>(macs);
  r.events = sys->xfer.started();

  fill_stages(r, *sys, g, plan, end);
  r.dram_traffic.inputs_outputs = 2 * (plan.input_bytes + plan.output_bytes);
  fill_cores(r, *sys, cfg, plan, end);
  fill_resources(r, *sys, cfg, end);
  r.bottleneck = bottleneck(r, plan);
  sys.reset();  // modules go before their kernel context
  return r;
}

}  // namespace infsim
