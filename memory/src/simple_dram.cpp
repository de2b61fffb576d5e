#include "infsim/memory/simple_dram.hpp"

#include <algorithm>

namespace infsim {

SimpleDram::SimpleDram(std::string name, const DramParams& p)
    : DramModel(std::move(name)),
      bw_(gib_per_s_to_bytes(p.bandwidth_gib_s)),
      latency_(ns_to_ps(p.latency_ns)) {
  // Each channel gets an equal share of the bandwidth; the last absorbs the rounding remainder
  // so that the channels add up to the chip's peak exactly.
  const std::uint64_t n = p.channels;
  for (std::uint64_t c = 0; c < n; ++c) {
    const std::uint64_t share = bw_ / n + (c == n - 1 ? bw_ % n : 0);
    channels_.push_back(std::make_unique<Pipe>(this->name() + ".ch" + std::to_string(c), share, 0));
  }
}

Ps SimpleDram::ready_at() const {
  Ps t = 0;
  for (const auto& ch : channels_) t = std::max(t, ch->ready_at());
  return t;
}

Ps SimpleDram::occupy(Ps start, Bytes bytes) {
  // Interleave: channel c gets bytes/n, the first bytes%n channels one byte more.
  const std::uint64_t n = channels_.size();
  Ps busy = 0;
  for (std::uint64_t c = 0; c < n; ++c) {
    const Bytes share = bytes / n + (c < bytes % n ? 1 : 0);
    if (share > 0) busy = std::max(busy, channels_[c]->occupy(start, share));
  }
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += busy;
  return busy;
}

}  // namespace infsim
