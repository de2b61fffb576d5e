#pragma once
// The DDR4 model (`dram.model = ddr4`) as a DramModel on transfer paths (pure C++, no SystemC).
// A transfer of B bytes is ceil(B/64) reads of consecutive lines from a rotating base address,
// all arriving at `start` (rounded up to a tCK), given to the DDR4 scheduler (ddr4_scheduler.hpp,
// the same scheduler `infsim microbench dram` measures); occupy() returns the time from `start`
// to the last line's data. docs/TIMING.md ("The system adapter") states the approximation.
#include <cstdint>
#include <string>

#include "infsim/memory/ddr4_scheduler.hpp"
#include "infsim/memory/dram_model.hpp"

namespace infsim {

class Ddr4Dram final : public DramModel {
 public:
  Ddr4Dram(std::string name, const Ddr4Params& p);
  /// A new transfer may start once the previous one has issued all its column commands.
  Ps ready_at() const override;
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return frontend_; }
  std::uint64_t bytes_per_s() const override { return sched_.params().peak_bytes_per_s(); }
  std::optional<DramStats> dram_stats() const override;
  const Ddr4Scheduler& scheduler() const { return sched_; }

 private:
  Ddr4Scheduler sched_;
  Ps frontend_;
  std::uint64_t next_addr_ = 0;
};

}  // namespace infsim
