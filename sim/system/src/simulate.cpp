// The simulated system: chips (cores, DRAM controller, fabric, PCIe link), the NeuronLink ring,
// the transfer scheduler and the host that runs the pipeline scheduler. Built fresh for every
// run inside its own SystemC kernel context.
#include "infsim/simulate.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <sstream>
#include <unordered_map>

#include <systemc>

#include "infsim/common/error.hpp"
#include "infsim/common/kernel_context.hpp"
#include "infsim/common/transfer_scheduler.hpp"
#include "infsim/cores/dma.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/interconnect/modules.hpp"
#include "infsim/memory/dram_controller.hpp"
#include "infsim/memory/tlm_memory_port.hpp"
#include "infsim/tlm_hooks.hpp"
#include "stats.hpp"
#include "trace.hpp"

namespace infsim {

namespace {

class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t index,
       const TlmHooks& hooks)
      : sc_core::sc_module(name),
        dram("dram", cfg.dram),
        fabric("fabric", this->name(), cfg.cores_per_chip, cfg.fabric),
        pcie("pcie", this->name(), cfg.host) {
    for (std::uint32_t c = 0; c < cfg.cores_per_chip; ++c) {
      cores.push_back(std::make_unique<NeuronCore>(("core" + std::to_string(c)).c_str(), cfg.core,
                                                   index * cfg.cores_per_chip + c));
      const std::string core_name = cores.back()->name();
      sbufs.push_back(std::make_unique<StateBufferPort>(core_name + ".sbuf", cfg.core));
      dmas.push_back(
          std::make_unique<DmaEngine>(core_name + ".dma", cfg.core.dma, cfg.core.period_ps()));
      cores.back()->set_state_buffer(sbufs.back().get());
    }
    if (hooks.external_dram) {
      // A user's TLM-2.0 memory takes the DRAM's place on every path, through a port.
      tlm::tlm_target_socket<>* socket = nullptr;
      external.reset(hooks.external_dram(index, socket));
      if (external == nullptr || socket == nullptr)
        throw Error(std::string(this->name()) +
                    ": TlmHooks::external_dram must return a module and set its target socket");
      port = std::make_unique<TlmMemoryPort>(
          "memory_port", gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s),
          static_cast<std::uint64_t>(cfg.dram.capacity_gib * static_cast<double>(kGiB)));
      port->socket.bind(*socket);
      memory = &port->resource();
    }
  }
  std::vector<std::unique_ptr<NeuronCore>> cores;
  std::vector<std::unique_ptr<StateBufferPort>> sbufs;  ///< per core: its State Buffer port
  std::vector<std::unique_ptr<DmaEngine>> dmas;         ///< per core: its DMA queues
  DramController dram;
  ChipFabric fabric;
  HostLink pcie;
  std::unique_ptr<sc_core::sc_module> external;  ///< a user's memory (TlmHooks), if any
  std::unique_ptr<TlmMemoryPort> port;           ///< the path's way into it
  Resource* memory = &dram.model();              ///< what transfers to and from DRAM reserve
};

class System;

/// The buffers between stage s and s+1: credits for the downstream input buffers, the path the
/// activations take, and the delivery.
class Hop final : public StageOutput, public InputRelease, public TransferReceiver {
 public:
  Hop(TransferScheduler& xfer, NeuronCore& src, NeuronCore& dst, std::vector<Resource*> path,
      Bytes bytes, std::uint32_t credits, Tracer* tracer, int track)
      : tracer_(tracer),
        track_(track),
        xfer_(xfer),
        src_(src),
        dst_(dst),
        path_(std::move(path)),
        bytes_(bytes),
        credits_(credits) {}
  bool can_send() const override { return credits_ > 0; }
  void send(std::uint64_t request) override {
    --credits_;
    if (tracer_ != nullptr) tracer_->transfer(track_, request, now_ps(), "activations");
    xfer_.start(path_, bytes_, 0, this, request);
  }
  void transfer_done(std::uint64_t request) override {
    if (tracer_ != nullptr) tracer_->arrived(track_, request, now_ps());
    dst_.deliver(request);
  }
  void released() override {
    ++credits_;
    src_.wake();
  }

 private:
  Tracer* tracer_;
  int track_;
  TransferScheduler& xfer_;
  NeuronCore& src_;
  NeuronCore& dst_;
  std::vector<Resource*> path_;
  Bytes bytes_;
  std::uint32_t credits_;
};

/// One data-parallel group's way in and out: its first stage's core, the input-buffer credits
/// of that stage, and the transfer paths of its inputs and results.
struct Lane {
  NeuronCore* first = nullptr;
  std::uint32_t credits = 0;
  std::uint64_t in_flight = 0;  ///< admitted to this group, not yet back
  std::vector<Resource*> in_pcie, in_core, out_dram, out_pcie;
  Ps in_overhead = 0, out_overhead = 0;
  int trace_in = -1, trace_out = -1;  ///< trace tracks of its input and result transfers
};

class Host;

/// The host's end of one lane: the first stage's input release and the last stage's output.
class LanePort final : public InputRelease, public StageOutput {
 public:
  LanePort(Host& host, std::uint32_t lane) : host_(host), lane_(lane) {}
  void released() override;
  bool can_send() const override { return true; }
  void send(std::uint64_t request) override;

 private:
  Host& host_;
  std::uint32_t lane_;
};

/// The host: generates requests (closed or open loop), dispatches each to the least-loaded
/// group (fewest requests in flight; ties to the lowest index) that has a free input buffer,
/// moves inputs over PCIe into device DRAM and on to the group's first stage, takes results
/// back, and records latencies.
class Host final : public sc_core::sc_module, public TransferReceiver {
 public:
  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, const Workload& w, std::uint32_t concurrency,
       std::uint64_t warmup, TransferScheduler& xfer, std::vector<Lane> lanes, Bytes in_bytes,
       Bytes out_bytes, Tracer* tracer, std::function<void(std::uint64_t)> progress)
      : sc_core::sc_module(name),
        w_(w),
        concurrency_(concurrency),
        warmup_(warmup),
        xfer_(xfer),
        lanes_(std::move(lanes)),
        in_bytes_(in_bytes),
        out_bytes_(out_bytes),
        rng_(w.seed),
        tracer_(tracer),
        progress_(std::move(progress)) {
    for (std::uint32_t l = 0; l < lanes_.size(); ++l)
      ports_.push_back(std::make_unique<LanePort>(*this, l));
    if (w_.rate_per_s > 0) next_arrival_ = exponential_ps();
    SC_METHOD(step);
    sensitive << wake_;
  }

  LanePort& port(std::uint32_t lane) { return *ports_.at(lane); }

  void released(std::uint32_t lane) {
    ++lanes_[lane].credits;
    wake_.notify(sc_core::SC_ZERO_TIME);
  }
  void result(std::uint64_t request) {
    const Ticket& k = tickets_.at(request);
    if (tracer_ != nullptr) tracer_->transfer(k.lane_track_out, request, now_ps(), "result");
    xfer_.start(lanes_[k.lane].out_dram, out_bytes_, 0, this, tag(request, 2));
  }
  void transfer_done(std::uint64_t t) override {
    const std::uint64_t r = t >> 2;
    auto it = tickets_.find(r);
    Lane& lane = lanes_[it->second.lane];
    switch (t & 3) {
      case 0:
        xfer_.start(lane.in_core, in_bytes_, 0, this, tag(r, 1));
        break;  // DRAM → core
      case 1:
        if (tracer_ != nullptr) tracer_->arrived(it->second.lane_track_in, r, now_ps());
        lane.first->deliver(r);
        break;
      case 2:
        xfer_.start(lane.out_pcie, out_bytes_, lane.out_overhead, this, tag(r, 3));
        break;
      default: {
        const Ps now = now_ps();
        if (tracer_ != nullptr) tracer_->arrived(it->second.lane_track_out, r, now);
        ++completed_;
        if (completed_ == warmup_) window_start_ = now;
        if (completed_ > warmup_) {
          latency_.add(now - it->second.arrival);
          queue_.add(it->second.admitted - it->second.arrival);
          service_.add(now - it->second.admitted);
        }
        last_completion_ = now;
        tickets_.erase(it);
        --in_flight_;
        --lane.in_flight;
        if (progress_) progress_(completed_);
        wake_.notify(sc_core::SC_ZERO_TIME);
      }
    }
  }

  std::uint64_t completed() const { return completed_; }
  /// The measured window: from the warm-up's last completion (0 without warm-up) to the last.
  Ps window_start() const { return window_start_; }
  Ps last_completion() const { return last_completion_; }
  /// Measured requests only: arrival to completion, arrival to admission (waiting for the first
  /// stage's input buffer), admission to completion.
  LatencyRecorder& latency() { return latency_; }
  LatencyRecorder& queueing() { return queue_; }
  LatencyRecorder& service() { return service_; }

 private:
  static std::uint64_t tag(std::uint64_t r, std::uint64_t phase) { return r << 2 | phase; }

  /// Exponential inter-arrival time with mean 1/rate, from the run's own generator (SplitMix64,
  /// so equal seeds give equal runs on every platform).
  Ps exponential_ps() {
    const double u = static_cast<double>(rng_.next() >> 11) * 0x1.0p-53;  // [0, 1)
    return static_cast<Ps>(std::llround(-std::log1p(-u) / w_.rate_per_s * 1e12));
  }

  /// The least-loaded lane with a free input buffer, or -1.
  int pick_lane() const {
    int best = -1;
    for (std::size_t l = 0; l < lanes_.size(); ++l)
      if (lanes_[l].credits > 0 &&
          (best < 0 || lanes_[l].in_flight < lanes_[static_cast<std::size_t>(best)].in_flight))
        best = static_cast<int>(l);
    return best;
  }

  void step() {
    const Ps now = now_ps();
    if (w_.rate_per_s > 0) {
      while (issued_ < w_.requests && next_arrival_ <= now) {
        tickets_[issued_].arrival = next_arrival_;
        waiting_.push_back(issued_++);
        next_arrival_ += exponential_ps();
      }
    } else {
      while (issued_ < w_.requests && in_flight_ + waiting_.size() < concurrency_) {
        tickets_[issued_].arrival = now;
        waiting_.push_back(issued_++);
      }
    }
    for (int l = pick_lane(); !waiting_.empty() && l >= 0; l = pick_lane()) {
      Lane& lane = lanes_[static_cast<std::size_t>(l)];
      const std::uint64_t r = waiting_.front();
      waiting_.pop_front();
      --lane.credits;
      ++lane.in_flight;
      ++in_flight_;
      Ticket& k = tickets_[r];
      k.lane = static_cast<std::uint32_t>(l);
      k.admitted = now;
      if (tracer_ != nullptr) {
        k.lane_track_in = lane.trace_in;
        k.lane_track_out = lane.trace_out;
        tracer_->transfer(k.lane_track_in, r, now, "input");
      }
      xfer_.start(lane.in_pcie, in_bytes_, lane.in_overhead, this, tag(r, 0));
    }
    if (w_.rate_per_s > 0 && issued_ < w_.requests) wake_.notify(ps_time(next_arrival_ - now));
  }

  /// A request between its arrival and its completion (only those are kept: memory follows the
  /// requests in flight and queued, not the run's length).
  struct Ticket {
    Ps arrival = 0;
    Ps admitted = 0;
    std::uint32_t lane = 0;
    int lane_track_in = -1, lane_track_out = -1;
  };

  Workload w_;
  std::uint32_t concurrency_;
  std::uint64_t warmup_;
  TransferScheduler& xfer_;
  std::vector<Lane> lanes_;
  std::vector<std::unique_ptr<LanePort>> ports_;
  Bytes in_bytes_, out_bytes_;
  SplitMix64 rng_;
  Tracer* tracer_;
  std::function<void(std::uint64_t)> progress_;
  std::unordered_map<std::uint64_t, Ticket> tickets_;
  std::deque<std::uint64_t> waiting_;  // arrived, not yet admitted
  LatencyRecorder latency_, queue_, service_;
  std::uint64_t completed_ = 0;
  Ps window_start_ = 0, last_completion_ = 0;
  std::uint64_t issued_ = 0;
  std::uint64_t in_flight_ = 0;  // admitted to the device, not yet back
  Ps next_arrival_ = 0;
  sc_core::sc_event wake_;
};

void LanePort::released() {
  host_.released(lane_);
}
void LanePort::send(std::uint64_t request) {
  host_.result(request);
}

/// Read-latency statistics per chip DRAM: every transfer whose path starts at a chip's memory.
class DramReadStats final : public TransferObserver {
 public:
  void watch(const Resource* memory, std::uint32_t chip) {
    chips_.push_back({memory, chip, 0, {}, {}});
  }
  void transfer(const std::vector<Resource*>& path, Bytes, Ps requested,
                const TransferTiming& t) override {
    if (path.empty()) return;
    for (auto& c : chips_)
      if (c.memory == path.front()) {
        ++c.transfers;
        c.wait.add(t.start - requested);
        c.latency.add(t.arrival - requested);
        return;
      }
  }
  std::vector<DramReadReport> report() const {
    const auto us = [](LatencySummary s) {  // the histograms' summary is in ms
      for (double* v : {&s.min, &s.mean, &s.p50, &s.p90, &s.p95, &s.p99, &s.p999, &s.max})
        *v *= 1e3;
      return s;
    };
    std::vector<DramReadReport> out;
    for (const auto& c : chips_)
      if (c.transfers > 0)
        out.push_back({c.chip, c.transfers, us(c.wait.summary()), us(c.latency.summary())});
    return out;
  }

 private:
  struct PerChip {
    const Resource* memory;
    std::uint32_t chip;
    std::uint64_t transfers;
    LatencyRecorder wait, latency;
  };
  std::vector<PerChip> chips_;
};

class System : public sc_core::sc_module {
 public:
  System(sc_core::sc_module_name name, const SystemConfig& cfg, const Graph& g, const Plan& plan,
         const Workload& w, std::uint32_t concurrency, std::uint64_t warmup, const RunOptions& opts,
         const TlmHooks& hooks)
      : sc_core::sc_module(name), xfer("transfers"), ring("neuronlink", cfg.chips, cfg.neuronlink) {
    for (std::uint32_t c = 0; c < cfg.chips; ++c) {
      chips.push_back(std::make_unique<Chip>(("chip" + std::to_string(c)).c_str(), cfg, c, hooks));
      dram_reads.watch(chips.back()->memory, c);
    }
    xfer.set_observer(&dram_reads);
    const auto& st = plan.stages;
    const std::size_t n = st.size();
    if (opts.trace != nullptr && opts.trace_requests > 0) {
      tracer =
          std::make_unique<Tracer>(opts.trace_first, opts.trace_requests, cfg.core_period_ps());
      for (const auto& stage : st) {
        std::vector<std::string> names;
        for (std::uint32_t k = stage.op_begin; k < stage.op_end; ++k)
          names.push_back(g.ops.at(static_cast<std::size_t>(plan.op_order.at(k))).name);
        tracer->set_stage(stage.core, stage.chip, stage, std::move(names));
        core(stage.core).set_observer(tracer.get());
      }
    }
    Tracer* tr = tracer.get();
    // Hops between consecutive stages of a group; hop_into[s] feeds stage s (null for a first).
    std::vector<Hop*> hop_into(n, nullptr);
    for (std::size_t s = 0; s + 1 < n; ++s) {
      if (st[s + 1].group != st[s].group) continue;
      const int track = tr == nullptr ? -1
                                      : tr->track("chip" + std::to_string(st[s].chip),
                                                  "core" + std::to_string(st[s].core) + " -> core" +
                                                      std::to_string(st[s + 1].core));
      hops.push_back(std::make_unique<Hop>(xfer, core(st[s].core), core(st[s + 1].core),
                                           core_path(cfg, st[s].core, st[s + 1].core),
                                           st[s].out_bytes, cfg.pipeline.buffer_depth, tr, track));
      hop_into[s + 1] = hops.back().get();
    }
    // One lane per group: from the host into its first stage, out of its last.
    std::vector<Lane> lanes;
    std::vector<std::size_t> first_of, last_of;
    for (std::size_t s = 0; s < n; ++s) {
      if (s == 0 || st[s].group != st[s - 1].group) first_of.push_back(s);
      if (s + 1 == n || st[s + 1].group != st[s].group) last_of.push_back(s);
    }
    for (std::size_t l = 0; l < first_of.size(); ++l) {
      const StagePlan& a = st[first_of[l]];
      const StagePlan& b = st[last_of[l]];
      Chip& in_chip = *chips[a.chip];
      Chip& out_chip = *chips[b.chip];
      FabricModel& in_fab = in_chip.fabric.model();
      FabricModel& out_fab = out_chip.fabric.model();
      const std::uint32_t fl = a.core % cfg.cores_per_chip;
      const std::uint32_t ll = b.core % cfg.cores_per_chip;
      Lane lane;
      lane.first = &core(a.core);
      lane.credits = cfg.pipeline.buffer_depth;
      lane.in_pcie = {&in_chip.pcie.model().to_device(), &in_fab.host_out(), &in_fab.dram_in(),
                      in_chip.memory};
      lane.in_core = {in_chip.memory, &in_fab.dram_out(), &in_fab.core_in(fl),
                      in_chip.sbufs[fl].get(), in_chip.dmas[fl].get()};
      lane.in_overhead = in_chip.pcie.model().overhead();
      lane.out_dram = {out_chip.dmas[ll].get(), out_chip.sbufs[ll].get(), &out_fab.core_out(ll),
                       &out_fab.dram_in(), out_chip.memory};
      lane.out_pcie = {out_chip.memory, &out_fab.dram_out(), &out_fab.host_in(),
                       &out_chip.pcie.model().to_host()};
      lane.out_overhead = out_chip.pcie.model().overhead();
      if (tr != nullptr) {
        const std::string group = plan.groups > 1 ? "group " + std::to_string(l) + " " : "";
        lane.trace_in = tr->track("host", group + "input -> core" + std::to_string(a.core));
        lane.trace_out = tr->track("host", group + "core" + std::to_string(b.core) + " -> result");
      }
      lanes.push_back(std::move(lane));
    }
    std::function<void(std::uint64_t)> progress;
    if (opts.progress) {
      const std::uint64_t total = w.requests;
      const std::uint64_t step = std::max<std::uint64_t>(1, total / 200);
      progress = [cb = opts.progress, total, step](std::uint64_t done) {
        if (done % step == 0 || done == total) cb(done, total);
      };
    }
    host = std::make_unique<Host>("host", w, concurrency, warmup, xfer, std::move(lanes),
                                  plan.input_bytes, plan.output_bytes, tr, std::move(progress));
    std::size_t lane = 0;
    for (std::size_t s = 0; s < n; ++s) {
      StageProgram prog;
      prog.tensor = st[s].tensor_cycles;
      prog.vector = st[s].vector_cycles;
      prog.scalar = st[s].scalar_cycles;
      prog.dma = st[s].dma_cycles;
      prog.dram_read_bytes = st[s].dram_read_bytes;
      prog.makespan = st[s].makespan_cycles;
      prog.sram_read_bytes = st[s].sram_read_bytes;
      prog.stream_bytes = st[s].streamed_weight_bytes;
      prog.stream_chunks = st[s].stream_chunks;
      prog.prefetch = cfg.pipeline.weight_prefetch;
      Chip& chip = *chips[st[s].chip];
      const std::uint32_t local = st[s].core % cfg.cores_per_chip;
      core(st[s].core)
          .set_dram_path(&xfer, {chip.memory, &chip.fabric.model().dram_out(),
                                 &chip.fabric.model().core_in(local), chip.sbufs[local].get(),
                                 chip.dmas[local].get()});
      const bool last = s + 1 == n || st[s + 1].group != st[s].group;
      StageOutput* out =
          last ? static_cast<StageOutput*>(&host->port(static_cast<std::uint32_t>(lane)))
               : static_cast<StageOutput*>(hop_into[s + 1]);
      InputRelease* rel =
          hop_into[s] == nullptr
              ? static_cast<InputRelease*>(&host->port(static_cast<std::uint32_t>(lane)))
              : static_cast<InputRelease*>(hop_into[s]);
      core(st[s].core).load(prog, out, rel);
      if (last) ++lane;
    }
  }

  NeuronCore& core(std::uint32_t global) {
    return *chips.at(global / cores_per_chip())->cores.at(global % cores_per_chip());
  }
  std::uint32_t cores_per_chip() const {
    return static_cast<std::uint32_t>(chips.front()->cores.size());
  }

  DramReadStats dram_reads;  // before xfer, which points to it
  TransferScheduler xfer;
  NeuronLinkRing ring;
  std::vector<std::unique_ptr<Chip>> chips;
  std::unique_ptr<Tracer> tracer;  // before the hops and host, which point to it
  std::vector<std::unique_ptr<Hop>> hops;
  std::unique_ptr<Host> host;

 private:
  /// Core to core: the source core's DMA queue reads its State Buffer, out of its fabric port,
  /// over the NeuronLinks when the chips differ, into the destination core's port and State
  /// Buffer.
  std::vector<Resource*> core_path(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b) {
    const std::uint32_t ca = a / cfg.cores_per_chip, cb = b / cfg.cores_per_chip;
    const std::uint32_t la = a % cfg.cores_per_chip, lb = b % cfg.cores_per_chip;
    std::vector<Resource*> path{chips[ca]->dmas[la].get(), chips[ca]->sbufs[la].get(),
                                &chips[ca]->fabric.model().core_out(la)};
    for (Resource* r : ring.model().route(ca, cb)) path.push_back(r);
    path.push_back(&chips[cb]->fabric.model().core_in(lb));
    path.push_back(chips[cb]->sbufs[lb].get());
    return path;
  }
};

ResourceReport resource_report(const Resource& r, Ps total) {
  const ResourceStats& s = r.stats();
  return {r.name(), s.bytes, s.transfers,
          total == 0 ? 0.0 : static_cast<double>(s.busy_ps) / static_cast<double>(total)};
}

double share(Ps part, Ps total) {
  return total == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(total);
}

// Memory follows the requests in flight and queued, not the run's length (latencies go into
// bounded histograms); the cap only keeps request ids and counters far from overflow.
constexpr std::uint64_t kMaxRequests = 1'000'000'000'000;

std::uint64_t default_warmup(const Workload& w, std::size_t stages) {
  if (w.warmup >= 0) return static_cast<std::uint64_t>(w.warmup);
  std::uint64_t wu = std::max<std::uint64_t>(w.requests / 10, 2 * stages);
  if (wu * 2 > w.requests) wu = w.requests / 10;  // keep most requests measured on short runs
  return wu;
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
  kernel.run();
  const Ps end = now_ps();

  Host& host = *sys->host;
  if (host.completed() != w.requests)
    throw Error("internal: simulation ended with " + std::to_string(host.completed()) + " of " +
                std::to_string(w.requests) + " requests complete");
  const Ps window = host.last_completion() - host.window_start();
  if (opts.trace != nullptr && sys->tracer) *opts.trace = sys->tracer->to_json();

  r.config = cfg.name;
  r.model = plan.model;
  r.cores = plan.cores;
  r.groups = plan.groups;
  r.mode = plan.mode();
  r.batch = plan.batch;
  r.requests = w.requests;
  r.warmup_requests = warmup;
  r.measured_requests = w.requests - warmup;
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

  std::size_t worst = 0;
  for (const auto& s : plan.stages) {
    const NeuronCore& c = sys->core(s.core);
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
    sr.sram_bytes = s.sram_bytes;
    sr.service_us = static_cast<double>(c.program().duration() * c.period_ps()) / kPsPerUs;
    sr.busy = share(c.stats().busy_ps, end);
    sr.stalled = share(c.stats().stall_ps, end);
    sr.fetching = share(c.stats().fetch_ps, end);
    sr.requests = c.stats().requests;
    r.events += sr.requests;
    if (r.stages.empty() || sr.busy + sr.fetching > r.stages[worst].busy + r.stages[worst].fetching)
      worst = r.stages.size();
    r.stages.push_back(sr);
  }
  for (std::uint32_t id = 0; id < cfg.total_cores(); ++id) {
    const NeuronCore& c = sys->core(id);
    CoreReport cr;
    cr.core = id;
    cr.chip = id / cfg.cores_per_chip;
    for (const auto& s : plan.stages)
      if (s.core == id) cr.stage = static_cast<int>(s.index);
    const Ps p = c.period_ps();
    cr.busy = share(c.stats().busy_ps, end);
    cr.tensor = share(c.stats().tensor_cycles * p, end);
    cr.vector = share(c.stats().vector_cycles * p, end);
    cr.scalar = share(c.stats().scalar_cycles * p, end);
    cr.dma = share(c.stats().dma_cycles * p, end);
    const Chip& chip = *sys->chips[cr.chip];
    const StateBufferPort& sb = *chip.sbufs[id % cfg.cores_per_chip];
    const DmaEngine& dma = *chip.dmas[id % cfg.cores_per_chip];
    cr.sram_port = sb.utilization(end);
    cr.sram_engine_bytes = sb.port_stats().engine_bytes;
    cr.sram_dma_bytes = sb.stats().bytes;
    cr.sram_stretch_us = static_cast<double>(sb.port_stats().engine_stretch_ps) / kPsPerUs;
    cr.dma_queues = dma.utilization(end);
    r.per_core.push_back(cr);
    r.state_buffers.push_back({sb.name(), sb.stats().bytes + sb.port_stats().engine_bytes,
                               sb.stats().transfers + sb.port_stats().engine_windows,
                               cr.sram_port});
    r.dma_engines.push_back({dma.name(), dma.stats().bytes, dma.stats().transfers, cr.dma_queues});
  }
  r.dram_reads = sys->dram_reads.report();
  RingModel& ring = sys->ring.model();
  for (std::uint32_t l = 0; l < ring.link_count(); ++l) {
    r.links.push_back(resource_report(ring.up(l), end));
    r.links.push_back(resource_report(ring.down(l), end));
  }
  for (auto& chip : sys->chips) {
    r.drams.push_back(resource_report(*chip->memory, end));
    if (Ddr4Dram* d = chip->dram.ddr4(); d != nullptr && chip->memory == &chip->dram.model()) {
      const Ddr4Stats& ds = d->timing().stats();
      r.dram_stats.push_back({static_cast<std::uint32_t>(r.drams.size() - 1), ds.reads,
                              ds.row_hit_rate(), ds.acts, ds.refreshes,
                              end == 0 ? 0.0
                                       : static_cast<double>(r.drams.back().bytes) / ps_to_s(end) /
                                             static_cast<double>(kGiB)});
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
  const StageReport& b = r.stages[worst];
  std::ostringstream why;
  why.precision(3);
  const double occupied = b.busy + b.fetching;
  if (occupied + b.stalled >= 0.9 && occupied >= 0.5) {
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
          << (b.streamed_weight_bytes > 0 ? " and streamed weights" : "") << " "
          << 100.0 * b.fetching << "%";
    why << "; its " << per_request_us << " us per request caps throughput at "
        << (per_request_us > 0 ? 1e6 * plan.batch * plan.groups / per_request_us : 0.0)
        << " inferences/s" << (plan.groups > 1 ? " over all groups" : "");
  } else {
    why << "no stage is saturated (busiest: stage " << b.index << ", " << 100.0 * b.busy
        << "% computing): throughput is set by the request concurrency or arrival rate, or by "
           "transfers";
  }
  r.bottleneck = why.str();
  sys.reset();  // modules go before their kernel context
  return r;
}

}  // namespace infsim
