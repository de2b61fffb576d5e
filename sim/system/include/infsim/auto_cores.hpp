#pragma once
// `--cores auto`: the core count a user of the Neuron SDK searches for by hand, found by the
// compiler (and, for throughput or latency, by short simulations of every candidate).
#include <cstdint>
#include <string>
#include <vector>

#include "infsim/compiler.hpp"
#include "infsim/simulate.hpp"

namespace infsim {

enum class CoreObjective {
  Fit,         ///< the fewest cores that keep every weight in SRAM (what AWS users look for)
  Throughput,  ///< the most simulated inferences/s (ties within 0.5%: fewer cores)
  Latency,     ///< the lowest simulated p99 latency (ties within 0.5%: fewer cores)
};
CoreObjective parse_core_objective(const std::string& s);  ///< "fit", "throughput", "latency"
const char* core_objective_name(CoreObjective o);

struct CoreChoice {
  CoreObjective objective = CoreObjective::Fit;
  std::vector<CoreCountRow> rows;            ///< one per core count 1..topology
  std::vector<double> sim_throughput_per_s;  ///< per row (0 when not simulated)
  std::vector<double> sim_p99_ms;            ///< per row (0 when not simulated)
  std::uint32_t chosen = 0;                  ///< the core count chosen
  std::uint32_t aws_rule = 0;                ///< AWS's rule of thumb, 4 · round(parameters / 2e7)
  std::uint32_t min_fit = 0;  ///< fewest cores that keep all weights in SRAM (0 = none)
  std::string reason;         ///< why `chosen`, in a sentence
  Plan plan;                  ///< the chosen plan
};

/// Builds the table for one pipeline (opts.cores and opts.groups are ignored) and chooses. For
/// Throughput and Latency every candidate that compiles is simulated with `probe` (Latency uses
/// one request in flight unless `probe` sets a rate or a concurrency). Throws CompileError when no
/// core count works (with static weights, when none fits).
CoreChoice choose_cores(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                        CoreObjective objective, const Workload& probe);

/// The table as text: N, fit, streamed MiB, estimated stage time and throughput, simulated
/// figures when there are any, and the choice with its reason beside the AWS rule of thumb.
std::string format_core_table(const CoreChoice& c);
/// The same as JSON.
nlohmann::json core_choice_json(const CoreChoice& c);

}  // namespace infsim
