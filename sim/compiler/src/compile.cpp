// The compiler's entry points (compiler.hpp): compile, plan_from_cuts, min_cores_to_fit and the
// AWS rule of thumb. The parts they combine are in this folder: analysis, cost_model,
// partitioner, placement and stage_plans; core_count.cpp has the --cores auto table, plan.cpp and
// plan_from_json.cpp the plan's JSON (docs/COMPILER.md).
#include "infsim/compiler.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "analysis.hpp"
#include "infsim/common/error.hpp"
#include "partitioner.hpp"
#include "placement.hpp"
#include "stage_plans.hpp"

namespace infsim {

using namespace compiler_detail;

std::uint32_t min_cores_to_fit(const Graph& g, const SystemConfig& cfg, std::uint32_t batch) {
  validate(cfg);
  return min_stages(analyse(g, cfg, batch == 0 ? 1 : batch), cfg);
}

std::uint32_t aws_rule_of_thumb_cores(const Graph& g) {
  const double units = std::round(static_cast<double>(g.param_count()) / 2e7);
  return std::max<std::uint32_t>(1, 4 * static_cast<std::uint32_t>(units));
}

Placement parse_placement(const std::string& name) {
  if (name == "packed") return Placement::Packed;
  if (name == "spread") return Placement::Spread;
  throw CompileError("placement '" + name + "': expected packed or spread");
}

const char* placement_name(Placement p) {
  return p == Placement::Packed ? "packed" : "spread";
}

Plan compile(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  if (opts.groups == 0) throw CompileError("groups must be at least 1");
  const std::uint32_t total = cfg.total_cores();
  if (opts.groups > total)
    throw CompileError("groups = " + std::to_string(opts.groups) + ": the topology '" + cfg.name +
                       "' has " + std::to_string(total) + " NeuronCores");
  const std::uint32_t stages = opts.cores == 0 ? total / opts.groups : opts.cores;
  if (stages * opts.groups > total) {
    throw CompileError(
        "cores = " + std::to_string(stages) +
        (opts.groups > 1 ? " per group × " + std::to_string(opts.groups) + " groups" : "") +
        ": the topology '" + cfg.name + "' has " + std::to_string(total) + " NeuronCores");
  }
  const bool allow_stream = !opts.static_weights;
  Analysis a = analyse(g, cfg, opts.batch);
  const std::size_t computable = a.n() - a.inputs;
  if (stages > computable) {
    throw CompileError("cores = " + std::to_string(stages) + ": model '" + g.name + "' has only " +
                       std::to_string(computable) + " operators to place, one stage per core");
  }
  Plan plan = empty_plan(g, a, cfg, opts.batch, opts.groups, opts.static_weights);
  const std::vector<std::uint32_t> order = core_order(cfg, opts, stages * opts.groups);
  const std::vector<std::uint32_t> sharers = sharers_of(cfg, order);
  // Groups whose placement crosses chips at the same stages, by the same hops, and shares chips
  // with as many cores cost the same: one partition serves every group of a shape.
  struct Partition {
    std::vector<std::uint32_t> shape, starts;
    bool streams = false;
  };
  std::vector<Partition> done;
  for (std::uint32_t grp = 0; grp < opts.groups; ++grp) {
    const std::vector<std::uint32_t> cores(order.begin() + grp * stages,
                                           order.begin() + (grp + 1) * stages);
    const std::vector<std::uint32_t> shape = group_shape(cfg, cores, sharers);
    auto it = std::find_if(done.begin(), done.end(),
                           [&](const Partition& p) { return p.shape == shape; });
    if (it == done.end()) {
      Partition p;
      p.shape = shape;
      if (!partition_group(a, cfg, cores, allow_stream, sharers, p.starts, p.streams))
        throw CompileError(not_fit_message(g, a, cfg, stages, allow_stream));
      done.push_back(std::move(p));
      it = done.end() - 1;
    }
    add_group(plan, g, a, cfg, grp, it->starts, cores, it->streams, sharers);
  }
  plan.cores = static_cast<std::uint32_t>(plan.stages.size());
  check_dram_capacity(plan, g, cfg);
  return plan;
}

Plan plan_from_cuts(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                    const std::vector<std::uint32_t>& stage_starts) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  const Analysis a = analyse(g, cfg, opts.batch);
  if (stage_starts.empty() || stage_starts.front() != 0)
    throw CompileError("stage starts must begin with 0");
  if (stage_starts.size() > cfg.total_cores())
    throw CompileError(std::to_string(stage_starts.size()) + " stages: the topology '" + cfg.name +
                       "' has " + std::to_string(cfg.total_cores()) + " NeuronCores");
  for (std::size_t s = 1; s < stage_starts.size(); ++s) {
    if (stage_starts[s] <= stage_starts[s - 1] || stage_starts[s] < first_cut(a) ||
        stage_starts[s] >= a.n())
      throw CompileError("stage " + std::to_string(s) + " starts at position " +
                         std::to_string(stage_starts[s]) +
                         ": starts must increase, leave every input and one op to stage 0, and "
                         "stay below " +
                         std::to_string(a.n()));
  }
  Plan p = empty_plan(g, a, cfg, opts.batch, 1, opts.static_weights);
  const auto count = static_cast<std::uint32_t>(stage_starts.size());
  add_group(p, g, a, cfg, 0, stage_starts, group_cores(0, count), !opts.static_weights,
            chip_sharers(cfg, count));
  p.cores = count;
  return p;
}

}  // namespace infsim
