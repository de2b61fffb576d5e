#pragma once
// The simulation's event queue for transfers: the TransferScheduler turns a reservation of a path
// of Resources into a delivery at the right simulated time. Shared by every SystemC module that
// moves data (cores, the host); the timing of each hop lives in the pure Resource models.
#include <cstdint>
#include <queue>
#include <vector>

#include <systemc>

#include "infsim/common/pipe.hpp"

namespace infsim {

/// Current simulated time in picoseconds (the kernel runs at a 1 ps resolution).
inline Ps now_ps() {
  return sc_core::sc_time_stamp().value();
}
/// A picosecond count as an sc_time (exact at a 1 ps resolution).
inline sc_core::sc_time ps_time(Ps t) {
  return sc_core::sc_time::from_value(t);
}

/// Receives the completion of a transfer started through the TransferScheduler.
class TransferReceiver {
 public:
  virtual ~TransferReceiver() = default;
  virtual void transfer_done(std::uint64_t tag) = 0;
};

/// Starts transfers over paths of resources and calls each receiver when its data has arrived.
/// One SC_METHOD and one sc_event serve every transfer in flight (a payload event queue).
/// Told about every transfer when it is reserved (for statistics; never changes the run).
class TransferObserver {
 public:
  virtual ~TransferObserver() = default;
  /// A transfer of `bytes` over `path`, asked for at `requested`, timed as `t`.
  virtual void transfer(const std::vector<Resource*>& path, Bytes bytes, Ps requested,
                        const TransferTiming& t) = 0;
};

class TransferScheduler : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(TransferScheduler);
  explicit TransferScheduler(sc_core::sc_module_name name);
  /// Optional (may be null).
  void set_observer(TransferObserver* o) { observer_ = o; }
  /// Transfers of more than `bytes` move as flows of descriptors of at most `bytes` (0: whole
  /// transfers). Each descriptor reserves the path when the one before it has left the path's
  /// slowest hop, so a lone flow runs as fast as a whole transfer, and flows sharing a resource
  /// interleave descriptor by descriptor (round robin in request order): each gets its share,
  /// and a short transfer waits for at most one descriptor of each flow ahead of it
  /// (docs/TIMING.md, "Fair sharing at descriptor granularity").
  void set_descriptor_bytes(Bytes bytes) { descriptor_ = bytes; }
  /// Reserves `path` for `bytes` from now and schedules `r->transfer_done(tag)` at the arrival.
  /// A transfer of more than one descriptor returns the timing of its first descriptor.
  TransferTiming start(const std::vector<Resource*>& path, Bytes bytes, Ps overhead,
                       TransferReceiver* r, std::uint64_t tag);
  std::uint64_t started() const { return seq_; }
  std::uint64_t descriptors() const { return descriptors_; }

 private:
  struct Flow {
    std::vector<Resource*> path;  ///< a copy: callers may pass temporaries
    Bytes bytes = 0, left = 0;
    Ps overhead = 0, requested = 0, first_start = 0, latency = 0;
    TransferReceiver* receiver = nullptr;
    std::uint64_t tag = 0;
  };
  /// Reserves the next descriptor of flow `f` at `now`.
  void issue(std::size_t f, Ps now);
  std::vector<Flow> flows_;
  std::vector<std::size_t> free_flows_;
  Bytes descriptor_ = 0;
  std::uint64_t descriptors_ = 0;

  struct Item {
    Ps time;
    std::uint64_t seq;
    TransferReceiver* receiver;  ///< null: the next descriptor of flow `tag`
    std::uint64_t tag;
    bool operator>(const Item& o) const { return time != o.time ? time > o.time : seq > o.seq; }
  };
  void deliver();
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> heap_;
  void arm(Ps now);
  sc_core::sc_event event_;
  bool armed_ = false;  ///< a notification of event_ is pending
  Ps armed_at_ = 0;     ///< ... for this time
  std::uint64_t seq_ = 0;
  TransferObserver* observer_ = nullptr;
};

}  // namespace infsim
