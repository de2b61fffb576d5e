#pragma once
// A Plan's stages from a partition: each stage's State Buffer allocation, streamed ops, engine
// cycles, schedule and estimated times, and the DRAM capacity check.
#include <cstdint>
#include <vector>

#include "analysis.hpp"
#include "infsim/plan.hpp"

namespace infsim::compiler_detail {

/// A plan with no stages yet: the model, topology, options and the analysis's op order.
Plan empty_plan(const Graph& g, const Analysis& a, const SystemConfig& cfg, std::uint32_t batch,
                std::uint32_t groups, bool static_weights);

/// Appends the stages of one group (its starts and cores) to the plan.
/// `allow_stream`: whether its stages may stream weights; `sharers[c]`: cores in use on chip c.
void add_group(Plan& p, const Graph& g, const Analysis& a, const SystemConfig& cfg,
               std::uint32_t group, const std::vector<std::uint32_t>& starts,
               const std::vector<std::uint32_t>& cores, bool allow_stream,
               const std::vector<std::uint32_t>& sharers);

/// Tables kept in device DRAM and streamed weights must fit the DRAM of the chip whose stage
/// reads them; throws CompileError otherwise.
void check_dram_capacity(const Plan& plan, const Graph& g, const SystemConfig& cfg);

}  // namespace infsim::compiler_detail
