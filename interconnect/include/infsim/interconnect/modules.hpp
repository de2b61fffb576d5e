#pragma once
// SystemC side of the interconnect: thin modules that own the pure timing models, and the
// TransferScheduler that turns a reservation into a delivery at the right simulated time.
#include <cstdint>
#include <queue>
#include <vector>

#include <systemc>

#include "infsim/common/pipe.hpp"
#include "infsim/interconnect/models.hpp"

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
  /// Reserves `path` for `bytes` from now and schedules `r->transfer_done(tag)` at the arrival.
  TransferTiming start(const std::vector<Resource*>& path, Bytes bytes, Ps overhead,
                       TransferReceiver* r, std::uint64_t tag);
  std::uint64_t started() const { return seq_; }

 private:
  struct Item {
    Ps time;
    std::uint64_t seq;
    TransferReceiver* receiver;
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

/// The NeuronLink ring (or chain) of a system.
class NeuronLinkRing : public sc_core::sc_module {
 public:
  NeuronLinkRing(sc_core::sc_module_name name, std::uint32_t chips, const NeuronLinkParams& p)
      : sc_core::sc_module(name), model_(this->name(), chips, p) {}
  RingModel& model() { return model_; }

 private:
  RingModel model_;
};

/// The on-chip fabric of one chip.
class ChipFabric : public sc_core::sc_module {
 public:
  ChipFabric(sc_core::sc_module_name name, const std::string& chip, std::uint32_t cores,
             const FabricParams& p)
      : sc_core::sc_module(name), model_(chip, cores, p) {}
  FabricModel& model() { return model_; }

 private:
  FabricModel model_;
};

/// The PCIe link between the host and one chip.
class HostLink : public sc_core::sc_module {
 public:
  HostLink(sc_core::sc_module_name name, const std::string& chip, const HostLinkParams& p)
      : sc_core::sc_module(name), model_(chip, p) {}
  HostLinkModel& model() { return model_; }

 private:
  HostLinkModel model_;
};

}  // namespace infsim
