#pragma once
// The interface every DRAM timing model implements (pure C++, no SystemC): a Resource that
// transfers reserve on their paths, plus the model's command-level statistics. A chip's DRAM
// module builds its model by name through the registry (dram_registry.hpp); adding a standard
// (HBM2, say) adds a class implementing this interface and one row of the registry's table
// (docs/ARCHITECTURE.md, "Adding a DRAM standard").
#include <cstdint>
#include <optional>
#include <string>

#include "infsim/common/pipe.hpp"

namespace infsim {

/// What a DRAM model with banks and rows did over a run (the report's `dram_stats`).
struct DramStats {
  std::uint64_t reads = 0;      ///< 64-byte column reads
  double row_hit_rate = 0;      ///< share of column commands that found their row open
  std::uint64_t activates = 0;  ///< ACT commands
  std::uint64_t refreshes = 0;  ///< refresh commands (per rank)
};

class DramModel : public Resource {
 public:
  using Resource::Resource;
  /// The model's command-level statistics; none (std::nullopt) for a model without banks and
  /// rows.
  virtual std::optional<DramStats> dram_stats() const = 0;
};

}  // namespace infsim
