#pragma once
// A NeuronCore's DMA engine (pure C++, no SystemC): Q queues that work in parallel. A transfer
// uses one queue, the one that frees earliest (ties in turn), and is cut into descriptors of at
// most `descriptor_bytes`; the queue is busy for each descriptor's fixed overhead plus the bytes at
// the queue's bandwidth:
//   descriptors(B) = ⌈B / descriptor_bytes⌉            (0 for B = 0)
//   busy(B)        = descriptors(B) · overhead_cycles · period + ⌈B · 1e12 / queue_bw⌉ ps
// The engine is a Resource on every transfer path that a core's DMA performs (docs/TIMING.md,
// "DMA queues"): ready_at() is the earliest queue's "busy until", occupy() takes that queue.
#include <cstdint>
#include <string>
#include <vector>

#include "infsim/common/pipe.hpp"
#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"

namespace infsim {

struct DmaQueueStats {
  Bytes bytes = 0;
  std::uint64_t transfers = 0;
  std::uint64_t descriptors = 0;
  Ps busy_ps = 0;
};

class DmaEngine final : public Resource {
 public:
  DmaEngine(std::string name, const DmaParams& p, Ps period_ps);

  /// The queue that frees earliest is free.
  Ps ready_at() const override { return free_[pick()]; }
  /// Takes the queue that frees earliest (ties: the next in turn after the last one taken) from
  /// `start` for busy(bytes); returns busy(bytes).
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return 0; }
  /// All queues together.
  std::uint64_t bytes_per_s() const override { return queue_bw_ * free_.size(); }

  std::uint64_t descriptors(Bytes bytes) const {
    return bytes == 0 ? 0 : ceil_div(bytes, descriptor_bytes_);
  }
  /// How long one queue is busy for a transfer of `bytes`.
  Ps busy_ps(Bytes bytes) const;
  std::uint32_t queues() const { return static_cast<std::uint32_t>(free_.size()); }
  const std::vector<DmaQueueStats>& queue_stats() const { return qstats_; }
  /// Busy time summed over the queues / (queues · total): the engine's average queue use.
  double utilization(Ps total) const override;

 private:
  /// The queue that frees earliest; ties go to the first in turn from next_.
  std::size_t pick() const;
  std::uint64_t queue_bw_;
  Bytes descriptor_bytes_;
  Ps overhead_ps_;
  std::vector<Ps> free_;
  std::vector<DmaQueueStats> qstats_;
  std::size_t next_ = 0;
};

}  // namespace infsim
