#pragma once
// The compiler: shards a graph into pipeline stages (contiguous ranges of a topological order)
// minimising the slowest stage's estimated time, subject to each stage fitting its core's State
// Buffer (or streaming the weights that do not fit from DRAM), and places the stages on cores.
// docs/COMPILER.md derives the cost model and the algorithm.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/plan.hpp"

namespace infsim {

/// How the compiler hands out cores to stages (docs/COMPILER.md, "Placement").
enum class Placement {
  /// Chip-major, as the Neuron runtime's contiguous NeuronCore groups: group g's stages on cores
  /// g · cores .. (g + 1) · cores − 1.
  Packed,
  /// Round-robin over chips (stage k of the whole run on chip k mod chips): a pipeline's stages
  /// each get a chip's DRAM to themselves while there are chips to spare (a what-if).
  Spread,
};
/// "packed" or "spread"; CompileError naming the accepted values otherwise.
Placement parse_placement(const std::string& name);
const char* placement_name(Placement p);

struct CompileOptions {
  /// Pipeline stages (= cores) of one copy of the model; 0 = every core of the topology divided
  /// among the groups.
  std::uint32_t cores = 0;
  std::uint32_t batch = 1;   ///< samples per request
  std::uint32_t groups = 1;  ///< data-parallel copies of the model, each on `cores` cores
  /// Refuse to stream weights from DRAM: a stage whose weights do not fit its State Buffer is an
  /// error (the Neuron compiler's old --static-weights).
  bool static_weights = false;
  Placement placement = Placement::Packed;
  /// Cores for the stages, in order (group 0's stages first): overrides `placement`. Must name
  /// cores × groups distinct cores of the topology.
  std::vector<std::uint32_t> core_list{};
};

/// Throws CompileError when the options are impossible (more cores than the topology has, more
/// cores than operators) or the model does not fit: the message says how many bytes did not fit
/// and the smallest core count that would. Without static_weights a stage whose weights do not
/// fit keeps what fits and streams the rest from DRAM for every request.
Plan compile(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts);

/// The plan for a partition given by hand: stage s covers positions [stage_starts[s],
/// stage_starts[s+1]) of the compiler's op order (graph inputs first, then the graph's order) and
/// runs on core s. Checks the starts (CompileError) but not the SRAM fit: a stage that fits
/// neither statically nor by streaming has sram_bytes > Plan::sram_capacity. Used to test the
/// partitioner against brute force.
Plan plan_from_cuts(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                    const std::vector<std::uint32_t>& stage_starts);

/// The smallest number of stages whose every stage keeps all its weights in the State Buffer,
/// or 0 when one operator alone does not fit.
std::uint32_t min_cores_to_fit(const Graph& g, const SystemConfig& cfg, std::uint32_t batch = 1);

/// AWS's rule of thumb for the pipeline core count (FACTS.md): 4 · round(parameters / 2e7), at
/// least 1.
std::uint32_t aws_rule_of_thumb_cores(const Graph& g);

/// One row of the core-count table: the best plan for `cores` stages.
struct CoreCountRow {
  std::uint32_t cores = 0;
  bool fits_static = false;         ///< every stage keeps all its weights in its State Buffer
  bool compiles = false;            ///< a plan exists (with streaming, unless static_weights)
  Bytes streamed_bytes = 0;         ///< weights streamed from DRAM per request, all stages
  Ps est_stage_ps = 0;              ///< the slowest stage's estimated time per request
  double est_throughput_per_s = 0;  ///< batch / est_stage_ps
  std::string error;                ///< why it does not compile
  Plan plan;                        ///< the plan, when it compiles
};

/// The best plan for every core count 1..max_cores (one pipeline, no groups), from one run of
/// the partitioner.
std::vector<CoreCountRow> core_count_table(const Graph& g, const SystemConfig& cfg,
                                           const CompileOptions& opts, std::uint32_t max_cores);

/// Reads a plan (as plan_to_json writes it, possibly edited by hand) and rebuilds it against the
/// graph and the topology. Only "stages" (each with "core" and "ops", optionally "group") is
/// required; "batch" and "static_weights" are read when present; the derived figures written by
/// plan_to_json are recomputed, never trusted. Throws CompileError naming `origin` and the rule
/// broken: a stage on a core that does not exist or is used twice, an op unknown, missing or
/// repeated, an op before one of its producers, a stage that does not fit.
Plan plan_from_json(const nlohmann::json& j, const Graph& g, const SystemConfig& cfg,
                    const std::string& origin);
/// Reads a plan file (IoError if unreadable, CompileError if malformed).
Plan load_plan_file(const std::string& path, const Graph& g, const SystemConfig& cfg);

}  // namespace infsim
