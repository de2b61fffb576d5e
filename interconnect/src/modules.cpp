#include "infsim/interconnect/modules.hpp"

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
  heap_.push(Item{t.arrival, seq_++, r, tag});
  // An earlier pending notification wins over a later one, so this keeps the event at the
  // earliest arrival in the queue.
  event_.notify(ps_time(heap_.top().time - now));
  return t;
}

void TransferScheduler::deliver() {
  const Ps now = now_ps();
  while (!heap_.empty() && heap_.top().time <= now) {
    const Item it = heap_.top();
    heap_.pop();
    it.receiver->transfer_done(it.tag);
  }
  if (!heap_.empty()) event_.notify(ps_time(heap_.top().time - now));
}

}  // namespace infsim
