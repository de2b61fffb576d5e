#pragma once
// Bandwidth resources in simulated time (pure C++, no SystemC).
//
// A Resource is anything a transfer occupies: a link direction, a fabric port, a DRAM
// controller. Each keeps "busy until" state; nothing ticks. A transfer over a path of resources
// is cut-through: it starts when every resource on the path is free, each resource is then busy
// for the time it takes to pass the bytes at its own bandwidth (rate-matching buffers between
// hops), and the data arrives after the sum of the hop latencies plus the slowest hop's
// serialization. docs/TIMING.md derives this.
#include <cstdint>
#include <string>
#include <vector>

#include "infsim/common/stats.hpp"
#include "infsim/common/units.hpp"

namespace infsim {

/// What a resource did over a run.
struct ResourceStats {
  Bytes bytes = 0;              ///< bytes moved
  std::uint64_t transfers = 0;  ///< transfers that used it
  Ps busy_ps = 0;               ///< time spent moving bytes
};

/// A contended part of a transfer path (pipe, port, link, memory): a "busy until" and its
/// statistics, visited as `bytes`, `transfers` and `utilization` (StatProvider).
class Resource : public StatProvider {
 public:
  explicit Resource(std::string name) : name_(std::move(name)) {}
  virtual ~Resource() = default;
  Resource(const Resource&) = delete;
  Resource& operator=(const Resource&) = delete;

  const std::string& name() const { return name_; }
  /// Earliest time a new transfer can start.
  virtual Ps ready_at() const = 0;
  /// Reserves the resource for `bytes` starting at `start` (>= ready_at()); returns how long it
  /// is busy (its serialization time for these bytes).
  virtual Ps occupy(Ps start, Bytes bytes) = 0;
  /// Fixed latency a transfer pays to cross this resource.
  virtual Ps latency() const = 0;
  /// Peak bandwidth in bytes per second.
  virtual std::uint64_t bytes_per_s() const = 0;
  const ResourceStats& stats() const { return stats_; }
  /// Busy share of [0, total]; resources with several queues or engine traffic refine it.
  virtual double utilization(Ps total) const { return share(stats_.busy_ps, total); }
  /// `bytes`, `transfers` and `utilization` at `end` (kResourceStats).
  void visit_stats(StatVisitor& v, Ps end) const override;

 protected:
  ResourceStats stats_;

 private:
  std::string name_;
};

/// One directional pipe: a bandwidth, a latency and a "busy until".
class Pipe final : public Resource {
 public:
  Pipe(std::string name, std::uint64_t bytes_per_s, Ps latency_ps);
  Ps ready_at() const override { return busy_until_; }
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return latency_; }
  std::uint64_t bytes_per_s() const override { return bw_; }

 private:
  std::uint64_t bw_;
  Ps latency_;
  Ps busy_until_ = 0;
};

/// The outcome of a transfer over a path.
struct TransferTiming {
  Ps start = 0;    ///< when the first byte left
  Ps arrival = 0;  ///< when the last byte arrived
};

/// Reserves every resource of `path` for `bytes`, no earlier than `now`, plus a fixed
/// `overhead` added to the arrival (per-transfer software cost). Empty path: arrival = now.
TransferTiming reserve_path(const std::vector<Resource*>& path, Ps now, Bytes bytes,
                            Ps overhead = 0);

}  // namespace infsim
