#include "infsim/cores/dma.hpp"

#include <algorithm>

#include "infsim/common/error.hpp"

namespace infsim {

DmaEngine::DmaEngine(std::string name, const DmaParams& p, Ps period_ps)
    : Resource(std::move(name)),
      queue_bw_(gib_per_s_to_bytes(p.queue_bandwidth_gib_s)),
      descriptor_bytes_(p.descriptor_bytes),
      overhead_ps_(static_cast<Ps>(p.descriptor_overhead_cycles) * period_ps),
      free_(p.queues, 0),
      qstats_(p.queues) {
  if (p.queues == 0 || queue_bw_ == 0 || descriptor_bytes_ == 0)
    throw Error("DMA engine '" + this->name() +
                "': needs at least one queue, a bandwidth > 0 and descriptors of at least 1 byte");
}

Ps DmaEngine::busy_ps(Bytes bytes) const {
  return descriptors(bytes) * overhead_ps_ + transfer_ps(bytes, queue_bw_);
}

std::size_t DmaEngine::pick() const {
  std::size_t best = next_;
  for (std::size_t i = 1; i < free_.size(); ++i) {
    const std::size_t q = (next_ + i) % free_.size();
    if (free_[q] < free_[best]) best = q;
  }
  return best;
}

Ps DmaEngine::occupy(Ps start, Bytes bytes) {
  const std::size_t q = pick();
  next_ = q + 1 == free_.size() ? 0 : q + 1;
  const Ps busy = busy_ps(bytes);
  free_[q] = std::max(free_[q], start) + busy;
  DmaQueueStats& s = qstats_[q];
  s.bytes += bytes;
  s.transfers += 1;
  s.descriptors += descriptors(bytes);
  s.busy_ps += busy;
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += busy;
  return busy;
}

double DmaEngine::utilization(Ps total) const {
  if (total == 0) return 0.0;
  return static_cast<double>(stats_.busy_ps) /
         (static_cast<double>(total) * static_cast<double>(free_.size()));
}

}  // namespace infsim
