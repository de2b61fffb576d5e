#include "infsim/common/transfer_scheduler.hpp"

#include <algorithm>

namespace infsim {

TransferScheduler::TransferScheduler(sc_core::sc_module_name name) : sc_core::sc_module(name) {
  SC_METHOD(deliver);
  sensitive << event_;
  dont_initialize();
}

TransferTiming TransferScheduler::start(const std::vector<Resource*>& path, Bytes bytes,
                                        Ps overhead, TransferReceiver* r, std::uint64_t tag) {
  const Ps now = now_ps();
  if (descriptor_ == 0 || bytes <= descriptor_) {
    const TransferTiming t = reserve_path(path, now, bytes, overhead);
    ++descriptors_;
    if (observer_ != nullptr) observer_->transfer(path, bytes, now, t);
    heap_.push(Item{t.arrival, seq_++, r, tag});
    arm(now);
    return t;
  }
  std::size_t f = flows_.size();
  if (!free_flows_.empty()) {
    f = free_flows_.back();
    free_flows_.pop_back();
  } else {
    flows_.emplace_back();
  }
  Flow& fl = flows_[f];
  fl.path.assign(path.begin(), path.end());  // reuses a recycled flow's storage
  fl.bytes = fl.left = bytes;
  fl.overhead = overhead;
  fl.requested = now;
  fl.latency = 0;
  for (const Resource* x : path) fl.latency += x->latency();
  fl.receiver = r;
  fl.tag = tag;
  issue(f, now);
  return {flows_[f].first_start, 0};
}

void TransferScheduler::issue(std::size_t f, Ps now) {
  Flow& fl = flows_[f];
  const Bytes chunk = std::min(fl.left, descriptor_);
  const TransferTiming t = reserve_path(fl.path, now, chunk, 0);
  ++descriptors_;
  if (fl.left == fl.bytes) fl.first_start = t.start;
  fl.left -= chunk;
  if (fl.left == 0) {
    const TransferTiming whole{fl.first_start, t.arrival + fl.overhead};
    if (observer_ != nullptr) observer_->transfer(fl.path, fl.bytes, fl.requested, whole);
    heap_.push(Item{whole.arrival, seq_++, fl.receiver, fl.tag});
    free_flows_.push_back(f);
  } else {
    // The next descriptor goes when this one has left the slowest hop (serialization there).
    heap_.push(Item{t.arrival - fl.latency, seq_++, nullptr, f});
  }
  arm(now);
}

void TransferScheduler::arm(Ps now) {
  // Keep one pending notification, at the earliest arrival. Notifying again only when the
  // earliest arrival moved earlier spares the kernel's event queue a reschedule per transfer.
  const Ps first = heap_.top().time;
  if (armed_ && armed_at_ <= first) return;
  event_.notify(ps_time(first - now));
  armed_ = true;
  armed_at_ = first;
}

void TransferScheduler::deliver() {
  armed_ = false;  // the notification that ran this has fired
  const Ps now = now_ps();
  while (!heap_.empty() && heap_.top().time <= now) {
    const Item it = heap_.top();
    heap_.pop();
    if (it.receiver == nullptr)
      issue(static_cast<std::size_t>(it.tag), now);
    else
      it.receiver->transfer_done(it.tag);
  }
  if (!heap_.empty()) arm(now);
}

}  // namespace infsim
