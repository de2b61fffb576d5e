#pragma once
// Placement: the cores a group's stages run on (chip-major), the cores sharing each chip's DRAM,
// and a group's shape (docs/COMPILER.md, "Placement").
#include <cstdint>
#include <vector>

#include "infsim/compiler.hpp"
#include "infsim/config.hpp"

namespace infsim::compiler_detail {

/// Chip-major placement of `groups` groups of `per_group` cores: group g on cores
/// [g · per_group, (g + 1) · per_group). Consecutive stages share a chip or sit on neighbouring
/// chips, and a pipeline crosses the fewest chip boundaries its core count allows.
std::vector<std::uint32_t> group_cores(std::uint32_t group, std::uint32_t per_group);

/// The cores `needed` stages run on, in stage order (group 0's first), under opts.placement or
/// opts.core_list (checked: every core exists, none twice, as many as needed).
std::vector<std::uint32_t> core_order(const SystemConfig& cfg, const CompileOptions& opts,
                                      std::uint32_t needed);
/// Cores in use on each chip, for the cores `cores`.
std::vector<std::uint32_t> sharers_of(const SystemConfig& cfg,
                                      const std::vector<std::uint32_t>& cores);
/// Cores in use on each chip, for cores 0..used-1 of a chip-major placement.
std::vector<std::uint32_t> chip_sharers(const SystemConfig& cfg, std::uint32_t used);

/// What a group's estimated stage times depend on besides its op ranges: per stage, the cores
/// sharing its chip's DRAM and (after the first) the NeuronLink hops into it, plus one (0: the
/// same chip). Groups of equal shape cost the same, so one partition serves them all.
std::vector<std::uint32_t> group_shape(const SystemConfig& cfg,
                                       const std::vector<std::uint32_t>& cores,
                                       const std::vector<std::uint32_t>& sharers);

}  // namespace infsim::compiler_detail
