#pragma once
// The host side of the NeuronCore Pipeline: the request generator (closed or open loop), the
// dispatcher over data-parallel groups (lanes), the input and result transfers over PCIe and
// device DRAM, and the latency records. One SC_METHOD.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include <systemc>

#include "infsim/common/transfer_scheduler.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/simulate.hpp"
#include "stats.hpp"
#include "trace.hpp"

namespace infsim {

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

/// The Neuron runtime's host work per inference (RuntimeParams): `fixed` on the submission path
/// (it delays the input's transfer) and, on the completion path (it delays the result's), an
/// exponential delay of mean `jitter_mean_ps` drawn per request from its own seeded generator
/// (so the open-loop arrivals do not change with it).
struct HostRuntime {
  Ps fixed = 0;
  double jitter_mean_ps = 0;
};

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
       Bytes out_bytes, HostRuntime runtime, Tracer* tracer,
       std::function<void(std::uint64_t)> progress)
      : sc_core::sc_module(name),
        w_(w),
        concurrency_(concurrency),
        warmup_(warmup),
        xfer_(xfer),
        lanes_(std::move(lanes)),
        in_bytes_(in_bytes),
        out_bytes_(out_bytes),
        rng_(w.seed),
        runtime_(runtime),
        runtime_rng_(w.seed ^ 0x6a09e667f3bcc909ULL),
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
  void transfer_done(std::uint64_t t) override;

  std::uint64_t completed() const { return completed_; }
  /// Open loop: arrivals refused because Workload::max_queue requests were waiting.
  std::uint64_t refused() const { return refused_; }
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
  Ps exponential_ps();
  /// This request's exponential part of the runtime's work (HostRuntime), on completion.
  Ps jitter_ps();

  /// The least-loaded lane with a free input buffer, or -1.
  int pick_lane() const;

  void step();

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
  HostRuntime runtime_;
  SplitMix64 runtime_rng_;
  Tracer* tracer_;
  std::function<void(std::uint64_t)> progress_;
  std::unordered_map<std::uint64_t, Ticket> tickets_;
  std::deque<std::uint64_t> waiting_;  // arrived, not yet admitted
  LatencyRecorder latency_, queue_, service_;
  std::uint64_t completed_ = 0;
  std::uint64_t refused_ = 0;
  Ps window_start_ = 0, last_completion_ = 0;
  std::uint64_t issued_ = 0;
  std::uint64_t in_flight_ = 0;  // admitted to the device, not yet back
  Ps next_arrival_ = 0;
  sc_core::sc_event wake_;
};

}  // namespace infsim
