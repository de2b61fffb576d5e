#pragma once
// The compiler, first version: shards a graph into N pipeline stages (contiguous ranges of a
// topological order) minimising the slowest stage's estimated time, subject to each stage
// fitting its core's State Buffer; places stage i on core i, chip-major.
#include <cstdint>
#include <vector>

#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/plan.hpp"

namespace infsim {

struct CompileOptions {
  std::uint32_t cores = 0;  ///< pipeline stages/cores; 0 = every core of the topology
  std::uint32_t batch = 1;  ///< samples per request
};

/// Throws CompileError when the options are impossible (more cores than the topology has, more
/// cores than operators) or the model does not fit: the message says how many bytes did not fit
/// and the smallest core count that would.
Plan compile(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts);

/// The plan for a partition given by hand: stage s covers positions [stage_starts[s],
/// stage_starts[s+1]) of the compiler's op order (graph inputs first, then the graph's order) and
/// runs on core s. Checks the starts (CompileError) but not the SRAM fit: compare each stage's
/// sram_bytes with Plan::sram_capacity. Used to test the partitioner against brute force.
Plan plan_from_cuts(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                    const std::vector<std::uint32_t>& stage_starts);

/// The smallest number of stages whose every stage fits the State Buffer, or 0 when one
/// operator alone does not fit.
std::uint32_t min_cores_to_fit(const Graph& g, const SystemConfig& cfg, std::uint32_t batch = 1);

}  // namespace infsim
