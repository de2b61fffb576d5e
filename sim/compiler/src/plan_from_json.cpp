// Plans as data (compiler.hpp: plan_from_json, load_plan_file): a plan as plan_to_json writes it,
// possibly edited by hand, read and rebuilt against the graph and the topology (docs/COMPILER.md,
// "Plans as data").
#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "analysis.hpp"
#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/compiler.hpp"
#include "stage_plans.hpp"

namespace infsim {

using namespace compiler_detail;

namespace {

// Keys plan_to_json writes; the derived ones are recomputed.
const std::vector<std::string> kPlanKeys = {"model",
                                            "config",
                                            "cores",
                                            "groups",
                                            "mode",
                                            "batch",
                                            "static_weights",
                                            "sram_capacity_bytes",
                                            "input_bytes",
                                            "output_bytes",
                                            "est_bottleneck_us",
                                            "neuronlink_bytes",
                                            "stages"};
const std::vector<std::string> kStageKeys = {"index",
                                             "group",
                                             "stage",
                                             "core",
                                             "chip",
                                             "ops",
                                             "weight_bytes",
                                             "streamed_weight_bytes",
                                             "stream_buffer_bytes",
                                             "stream_chunks",
                                             "streamed_ops",
                                             "dram_weight_bytes",
                                             "dram_read_bytes",
                                             "buffer_bytes",
                                             "sram_bytes",
                                             "sram_utilization",
                                             "sram_allocation",
                                             "sram_read_bytes",
                                             "in_bytes",
                                             "out_bytes",
                                             "macs",
                                             "cycles",
                                             "est_compute_us",
                                             "est_transfer_us",
                                             "est_stage_us",
                                             "activations"};

bool known(const std::vector<std::string>& keys, const std::string& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

[[noreturn]] void plan_error(const std::string& origin, const std::string& what) {
  throw CompileError(origin + ": " + what);
}

const nlohmann::json& member(const nlohmann::json& obj, const char* key, const std::string& origin,
                             const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end()) plan_error(origin, where + ": \"" + key + "\" is required");
  return *it;
}

std::uint32_t whole(const nlohmann::json& v, const std::string& origin, const std::string& where,
                    std::uint32_t lo) {
  if (!v.is_number_integer() || v.get<long long>() < lo ||
      v.get<long long>() > std::numeric_limits<std::uint32_t>::max())
    plan_error(origin, where + " must be a whole number >= " + std::to_string(lo) + ", got " +
                           json_preview(v));
  return static_cast<std::uint32_t>(v.get<long long>());
}

/// One stage as the file lists it: its group, core and ops (graph op indices).
struct Entry {
  std::uint32_t group = 0, core = 0;
  std::vector<int> ops;
};

/// What the file says: options and stages, in the file's order.
struct PlanFile {
  std::uint32_t batch = 1;
  bool static_weights = false;
  std::vector<Entry> entries;
  std::uint32_t groups = 0;
};

/// The plan-level keys: none unknown, the model the graph's; reads batch and static_weights.
/// Returns the "stages" array.
const nlohmann::json& read_plan_keys(const nlohmann::json& j, const Graph& g,
                                     const std::string& origin, PlanFile& f) {
  if (!j.is_object()) plan_error(origin, "a plan must be a JSON object");
  for (const auto& [k, v] : j.items())
    if (!known(kPlanKeys, k)) plan_error(origin, "unknown key \"" + k + "\"");
  if (j.contains("model") && (!j["model"].is_string() || j["model"].get<std::string>() != g.name))
    plan_error(origin,
               "\"model\" is " + json_preview(j["model"]) + " but the graph is '" + g.name + "'");
  f.batch = j.contains("batch") ? whole(j["batch"], origin, "\"batch\"", 1) : 1;
  if (j.contains("static_weights")) {
    if (!j["static_weights"].is_boolean())
      plan_error(origin, "\"static_weights\" must be true or false");
    f.static_weights = j["static_weights"].get<bool>();
  }
  const nlohmann::json& stages = member(j, "stages", origin, "the plan");
  if (!stages.is_array() || stages.empty())
    plan_error(origin, "\"stages\" must be a non-empty array");
  return stages;
}

/// stages[s]: its keys, a core of the topology that no stage before uses (`used_core[c]`: the
/// stage on core c, or -1), its group in order after the stages before, and ops of the graph.
Entry read_stage(const nlohmann::json& st, std::size_t s, const std::vector<Entry>& before,
                 std::vector<int>& used_core, const Graph& g, const SystemConfig& cfg,
                 const std::string& origin) {
  const std::string where = "stages[" + std::to_string(s) + "]";
  if (!st.is_object()) plan_error(origin, where + " must be an object");
  for (const auto& [k, v] : st.items())
    if (!known(kStageKeys, k)) plan_error(origin, where + ": unknown key \"" + k + "\"");
  Entry e;
  e.group = st.contains("group") ? whole(st["group"], origin, where + ".group", 0) : 0;
  e.core = whole(member(st, "core", origin, where), origin, where + ".core", 0);
  if (e.core >= cfg.total_cores())
    plan_error(origin, where + ".core = " + std::to_string(e.core) + ": the topology '" + cfg.name +
                           "' has cores 0.." + std::to_string(cfg.total_cores() - 1));
  if (used_core[e.core] >= 0)
    plan_error(origin, where + ".core = " + std::to_string(e.core) + " is already used by stages[" +
                           std::to_string(used_core[e.core]) + "] (one stage per core)");
  used_core[e.core] = static_cast<int>(s);
  if (!before.empty() && e.group < before.back().group)
    plan_error(origin, where + ": stages must be listed group by group, in increasing group");
  if (!before.empty() && e.group > before.back().group + 1)
    plan_error(origin, where + ".group = " + std::to_string(e.group) + " skips group " +
                           std::to_string(before.back().group + 1));
  if (before.empty() && e.group != 0) plan_error(origin, where + ": the first group must be 0");
  const nlohmann::json& ops = member(st, "ops", origin, where);
  if (!ops.is_array() || ops.empty())
    plan_error(origin, where + ".ops must be a non-empty array of op names");
  for (const auto& name : ops) {
    if (!name.is_string())
      plan_error(origin, where + ".ops holds " + json_preview(name) + ", not a name");
    const int op = g.find(name.get<std::string>());
    if (op < 0)
      plan_error(origin, where + ".ops: '" + name.get<std::string>() + "' is not an op of '" +
                             g.name + "'");
    e.ops.push_back(op);
  }
  return e;
}

bool lists(const Entry& e, int op) {
  return std::find(e.ops.begin(), e.ops.end(), op) != e.ops.end();
}

/// The graph inputs that group `grp` leaves out (they join its first stage, entries[first]):
/// those neither that stage nor a later stage of the group lists.
void add_unlisted_inputs(const std::vector<Entry>& entries, std::size_t first, std::uint32_t grp,
                         const Graph& g, std::vector<int>& flat) {
  for (std::size_t i = 0; i < g.ops.size(); ++i) {
    if (g.ops[i].kind != "input" || lists(entries[first], static_cast<int>(i))) continue;
    bool listed_later = false;
    for (std::size_t t = first + 1; t < entries.size() && entries[t].group == grp; ++t)
      listed_later |= lists(entries[t], static_cast<int>(i));
    if (!listed_later) flat.push_back(static_cast<int>(i));
  }
}

/// Group `grp`'s op order (its stages' ops in turn, unlisted inputs first) with the positions its
/// stages start at and their cores. Every op must be in exactly one of its stages.
std::vector<int> group_order(const std::vector<Entry>& entries, std::uint32_t grp, const Graph& g,
                             const std::string& origin, std::vector<std::uint32_t>& starts,
                             std::vector<std::uint32_t>& cores) {
  std::vector<int> seen_at(g.ops.size(), -1);
  std::vector<int> flat;
  for (std::size_t s = 0; s < entries.size(); ++s) {
    if (entries[s].group != grp) continue;
    if (cores.empty()) add_unlisted_inputs(entries, s, grp, g, flat);
    starts.push_back(static_cast<std::uint32_t>(flat.size()));
    cores.push_back(entries[s].core);
    for (int op : entries[s].ops) {
      const auto at = static_cast<std::size_t>(op);
      if (seen_at[at] >= 0)
        plan_error(origin, "stages[" + std::to_string(s) + "]: op '" + g.ops[at].name +
                               "' is already in stages[" + std::to_string(seen_at[at]) + "]");
      seen_at[at] = static_cast<int>(s);
      flat.push_back(op);
    }
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < g.ops.size(); ++i)
    if (std::find(flat.begin(), flat.end(), static_cast<int>(i)) == flat.end())
      missing.push_back(g.ops[i].name);
  if (!missing.empty()) {
    std::string list;
    for (std::size_t m = 0; m < missing.size() && m < 5; ++m)
      list += (m ? ", '" : "'") + missing[m] + "'";
    if (missing.size() > 5) list += ", ...";
    plan_error(origin, "group " + std::to_string(grp) + " leaves " +
                           std::to_string(missing.size()) + " op(s) out: " + list);
  }
  return flat;
}

/// The plan's stages, rebuilt group by group; each stage must fit its State Buffer and the
/// chips' DRAM what they keep there.
Plan build_plan(const PlanFile& f, const Analysis& a, const Graph& g, const SystemConfig& cfg,
                const std::vector<std::vector<std::uint32_t>>& starts,
                const std::vector<std::vector<std::uint32_t>>& cores, const std::string& origin) {
  const bool allow_stream = !f.static_weights;
  Plan plan = empty_plan(g, a, cfg, f.batch, f.groups, f.static_weights);
  // Cores in use per chip, from the cores the file names.
  std::vector<std::uint32_t> sharers(cfg.chips, 0);
  for (const auto& e : f.entries) ++sharers[e.core / cfg.cores_per_chip];
  for (std::uint32_t grp = 0; grp < f.groups; ++grp)
    add_group(plan, g, a, cfg, grp, starts[grp], cores[grp], allow_stream, sharers);
  plan.cores = static_cast<std::uint32_t>(plan.stages.size());
  for (const auto& st : plan.stages) {
    if (st.sram_bytes > plan.sram_capacity)
      plan_error(origin, "stages[" + std::to_string(st.index) + "] (core " +
                             std::to_string(st.core) + ") needs " + std::to_string(st.sram_bytes) +
                             " bytes of State Buffer, more than the " +
                             std::to_string(plan.sram_capacity) + " bytes a core has" +
                             (allow_stream ? " even streaming its weights" : " (static weights)"));
  }
  try {
    check_dram_capacity(plan, g, cfg);
  } catch (const CompileError& e) {
    plan_error(origin, e.what());
  }
  return plan;
}

}  // namespace

Plan plan_from_json(const nlohmann::json& j, const Graph& g, const SystemConfig& cfg,
                    const std::string& origin) {
  validate(cfg);
  g.validate();
  PlanFile f;
  const nlohmann::json& stages = read_plan_keys(j, g, origin, f);
  std::vector<int> used_core(cfg.total_cores(), -1);
  for (std::size_t s = 0; s < stages.size(); ++s) {
    f.entries.push_back(read_stage(stages[s], s, f.entries, used_core, g, cfg, origin));
    f.groups = f.entries.back().group + 1;
  }
  // Each group: every op exactly once, in the same order as group 0; inputs may be left out
  // (they join the group's first stage).
  std::vector<int> order;
  std::vector<std::vector<std::uint32_t>> starts(f.groups), cores(f.groups);
  for (std::uint32_t grp = 0; grp < f.groups; ++grp) {
    const std::vector<int> flat = group_order(f.entries, grp, g, origin, starts[grp], cores[grp]);
    if (grp == 0) {
      order = flat;
    } else if (flat != order) {
      plan_error(origin, "group " + std::to_string(grp) +
                             " lists the ops in another order than group 0 (groups share one op "
                             "order; they may cut it differently)");
    }
  }
  // Inputs must come before everything they feed; the order must be topological.
  Analysis a = [&] {
    try {
      return analyse(g, cfg, f.batch, order);
    } catch (const CompileError& e) {
      plan_error(origin, e.what());
    }
  }();
  for (std::uint32_t grp = 0; grp < f.groups; ++grp) {
    if (starts[grp].size() > 1 && starts[grp][1] < first_cut(a))
      plan_error(origin, "group " + std::to_string(grp) +
                             ": the first stage must hold every input and at least one op to "
                             "compute");
  }
  return build_plan(f, a, g, cfg, starts, cores, origin);
}

Plan load_plan_file(const std::string& path, const Graph& g, const SystemConfig& cfg) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IoError("cannot read plan file '" + path + "'");
  std::ostringstream text;
  text << f.rdbuf();
  nlohmann::json j;
  try {
    j = parse_json_input(text.str());
  } catch (const JsonInputError& e) {
    throw CompileError("plan file '" + path + "' is not valid JSON: " + e.what());
  }
  return plan_from_json(j, g, cfg, "plan file '" + path + "'");
}

}  // namespace infsim
