#pragma once
// The simulated system, built fresh for every run inside its own SystemC kernel context: chips
// (cores with their State Buffer ports and DMA queues, the DRAM controller, the fabric, the PCIe
// link), the NeuronLinks, the transfer scheduler, the hops between stages and the host.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>

#include "host.hpp"
#include "infsim/common/transfer_scheduler.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/cores/dma.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/graph.hpp"
#include "infsim/interconnect/modules.hpp"
#include "infsim/memory/dram_module.hpp"
#include "infsim/memory/tlm_memory_port.hpp"
#include "infsim/plan.hpp"
#include "infsim/report.hpp"
#include "infsim/simulate.hpp"
#include "infsim/tlm_hooks.hpp"
#include "stats.hpp"
#include "trace.hpp"

namespace infsim {

class Chip : public sc_core::sc_module {
 public:
  Chip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t index,
       const TlmHooks& hooks);
  std::vector<std::unique_ptr<NeuronCore>> cores;
  std::vector<std::unique_ptr<StateBufferPort>> sbufs;  ///< per core: its State Buffer port
  std::vector<std::unique_ptr<DmaEngine>> dmas;         ///< per core: its DMA queues
  DramModule dram;
  ChipFabric fabric;
  HostLink pcie;
  std::unique_ptr<sc_core::sc_module> external;  ///< a user's memory (TlmHooks), if any
  std::unique_ptr<TlmMemoryPort> port;           ///< the path's way into it
  Resource* memory = &dram.model();              ///< the DRAM as a whole (the report's row)
  /// What a transfer of `use` for local core `core` reserves at the DRAM end: the DRAM, or a
  /// view of the port that gives it its command and addresses (TlmMemoryPort::view). A view
  /// that starts a path (reads) is also kept in `read_ends` for the DRAM read statistics.
  Resource* memory_for(TlmUse use, std::uint32_t core, Bytes first = 0, Bytes second = 0);
  std::vector<Resource*> read_ends;
};

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

/// Read-latency statistics per chip DRAM: every transfer whose path starts at a chip's memory.
class DramReadStats final : public TransferObserver {
 public:
  /// Counts transfers that start at `memory` for `chip` (a chip may have several: the views of
  /// a plugged-in memory).
  void watch(const Resource* memory, std::uint32_t chip) {
    std::size_t slot = 0;
    while (slot < chips_.size() && chips_[slot].chip != chip) ++slot;
    if (slot == chips_.size()) chips_.push_back({chip, 0, {}, {}});
    ends_.push_back({memory, slot});
  }
  void transfer(const std::vector<Resource*>& path, Bytes, Ps requested,
                const TransferTiming& t) override {
    if (path.empty()) return;
    for (const auto& e : ends_)
      if (e.memory == path.front()) {
        PerChip& c = chips_[e.slot];
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
  struct End {
    const Resource* memory;
    std::size_t slot;  ///< in chips_
  };
  std::vector<End> ends_;
  struct PerChip {
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
         const TlmHooks& hooks);

  NeuronCore& core(std::uint32_t global) {
    return *chips.at(global / cores_per_chip())->cores.at(global % cores_per_chip());
  }
  std::uint32_t cores_per_chip() const {
    return static_cast<std::uint32_t>(chips.front()->cores.size());
  }

  DramReadStats dram_reads;  // before xfer, which points to it
  TransferScheduler xfer;
  NeuronLinks neuronlink;
  std::vector<std::unique_ptr<Chip>> chips;
  std::unique_ptr<Tracer> tracer;  // before the hops and host, which point to it
  std::vector<std::unique_ptr<Hop>> hops;
  std::unique_ptr<Host> host;
  /// Set when RunOptions::cancel asked the run to stop (the kernel was stopped with sc_stop).
  bool cancelled = false;

 private:
  /// A timeline of opts.trace_requests requests, when opts asks for one.
  void build_tracer(const SystemConfig& cfg, const Graph& g, const Plan& plan,
                    const RunOptions& opts);
  /// The hops between consecutive stages of a group; [s] feeds stage s (null for a first stage).
  std::vector<Hop*> build_hops(const SystemConfig& cfg, const Plan& plan);
  /// One lane per group: from the host into its first stage, out of its last.
  std::vector<Lane> build_lanes(const SystemConfig& cfg, const Plan& plan);
  /// Each stage's program, DRAM path, output and input release, loaded into its core.
  void load_stages(const SystemConfig& cfg, const Plan& plan, const std::vector<Hop*>& hop_into);
  /// Core to core: the source core's DMA queue reads its State Buffer, out of its fabric port,
  /// over the NeuronLinks when the chips differ, into the destination core's port and State
  /// Buffer.
  std::vector<Resource*> core_path(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b);
};

}  // namespace infsim
