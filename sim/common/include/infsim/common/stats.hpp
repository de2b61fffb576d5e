#pragma once
// One statistics interface for every component and report record (in the spirit of DRAMSys's
// StatProvider and gem5's stats): a statistic is a name, a unit, a meaning and a value, handed to
// a StatVisitor. The report's JSON writer, its generated reference (docs/REPORT.md) and the
// report assembly are visitors; Resources (pipes, DRAM, links, State Buffer ports, DMA queues)
// and NeuronCores are providers. Counters are plain members bound once; names are only looked
// at when a run's report is assembled, never on a hot path.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "infsim/common/units.hpp"

namespace infsim {

/// What a statistic is: its name in the report (a '.' nests it: "sram_port.utilization"), its
/// unit ("" when it has none) and its meaning in one sentence.
struct StatInfo {
  std::string name;
  std::string unit;
  std::string meaning;
};

class StatVisitor {
 public:
  virtual ~StatVisitor() = default;
  virtual void stat(const StatInfo& s, std::uint64_t value) = 0;
  virtual void stat(const StatInfo& s, std::int64_t value) = 0;
  virtual void stat(const StatInfo& s, double value) = 0;
  virtual void stat(const StatInfo& s, const std::string& value) = 0;
  void stat(const StatInfo& s, std::uint32_t value) { stat(s, std::uint64_t{value}); }
  void stat(const StatInfo& s, int value) { stat(s, std::int64_t{value}); }
};

/// The statistics every Resource reports (docs/REPORT.md: the resource tables).
struct ResourceStatInfo {
  StatInfo bytes{"bytes", "B", "bytes moved"};
  StatInfo transfers{"transfers", "", "transfers that used it"};
  StatInfo utilization{"utilization", "share", "busy time / simulated time"};
};
inline const ResourceStatInfo kResourceStats{};

/// A component that keeps statistics over a run.
class StatProvider {
 public:
  virtual ~StatProvider() = default;
  /// Its statistics at simulated time `end` (shares are of the time [0, end]).
  virtual void visit_stats(StatVisitor& v, Ps end) const = 0;
};

/// Keeps what a provider visits, by name, to fill a typed record (report assembly only).
class StatCapture final : public StatVisitor {
 public:
  void stat(const StatInfo& s, std::uint64_t value) override;
  void stat(const StatInfo& s, std::int64_t value) override;
  void stat(const StatInfo& s, double value) override;
  void stat(const StatInfo& s, const std::string& value) override;
  /// The value visited under `name`, converted; throws Error when nothing was.
  std::uint64_t count(const std::string& name) const;
  double real(const std::string& name) const;

 private:
  struct Value {
    std::string name;
    double real;
    std::uint64_t count;
  };
  const Value& find(const std::string& name) const;
  std::vector<Value> values_;
};

/// The share of `total` that `part` is (0 when total is 0).
inline double share(Ps part, Ps total) {
  return total == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(total);
}

}  // namespace infsim
