#include "infsim/common/pipe.hpp"

#include <algorithm>

#include "infsim/common/error.hpp"

namespace infsim {

Pipe::Pipe(std::string name, std::uint64_t bytes_per_s, Ps latency_ps)
    : Resource(std::move(name)), bw_(bytes_per_s), latency_(latency_ps) {
  if (bw_ == 0) throw Error("pipe '" + this->name() + "': bandwidth must be > 0");
}

Ps Pipe::occupy(Ps start, Bytes bytes) {
  const Ps ser = transfer_ps(bytes, bw_);
  busy_until_ = std::max(busy_until_, start) + ser;
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += ser;
  return ser;
}

TransferTiming reserve_path(const std::vector<Resource*>& path, Ps now, Bytes bytes, Ps overhead) {
  TransferTiming t;
  t.start = now;
  for (const Resource* r : path) t.start = std::max(t.start, r->ready_at());
  Ps slowest = 0, latency = 0;
  for (Resource* r : path) {
    slowest = std::max(slowest, r->occupy(t.start, bytes));
    latency += r->latency();
  }
  t.arrival = t.start + latency + slowest + overhead;
  return t;
}

void Resource::visit_stats(StatVisitor& v, Ps end) const {
  v.stat(kResourceStats.bytes, stats_.bytes);
  v.stat(kResourceStats.transfers, stats_.transfers);
  v.stat(kResourceStats.utilization, utilization(end));
}

}  // namespace infsim
