#include "infsim/common/transfer_scheduler.hpp"

namespace infsim {

TransferScheduler::TransferScheduler(sc_core::sc_module_name name) : sc_core::sc_module(name) {
  SC_METHOD(deliver);
  sensitive << event_;
  dont_initialize();
}

TransferTiming TransferScheduler::start(const std::vector<Resource*>& path, Bytes bytes,
                                        Ps overhead, TransferReceiver* r, std::uint64_t tag) {
  const Ps now = now_ps();
  const TransferTiming t = reserve_path(path, now, bytes, overhead);
  if (observer_ != nullptr) observer_->transfer(path, bytes, now, t);
  heap_.push(Item{t.arrival, seq_++, r, tag});
  arm(now);
  return t;
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
    it.receiver->transfer_done(it.tag);
  }
  if (!heap_.empty()) arm(now);
}

}  // namespace infsim
