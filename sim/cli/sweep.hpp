#pragma once
// `infsim sweep SPEC.json --out FILE.csv [--jobs J]`: runs `infsim run` over a grid (and/or a
// list) of points in parallel child processes and writes one CSV row per point (docs/SWEEP.md).
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infsim_cli {

struct SweepOptions {
  std::string spec_file;
  std::string out_file;
  unsigned jobs = 0;  ///< points run at once; 0 = the number of cores this process may use
  /// Run only these points (numbers in the spec's order; a Slurm array task's shard, slurm.hpp);
  /// empty = every point.
  std::vector<std::size_t> points;
};

/// Whether `infsim run` has an option `--name` (name without dashes, e.g. "seq-len").
using RunOptionCheck = std::function<bool(const std::string& name)>;

/// One point of a sweep: the value of every input column (empty when the point leaves it unset)
/// and the arguments of `infsim run` that realise it.
struct SweepPoint {
  std::vector<std::string> cells;
  std::vector<std::string> args;
};

struct SweepPlan {
  std::vector<std::string> inputs;  ///< input column names, in the spec's order
  std::vector<SweepPoint> points;   ///< grid cross product, then the list, duplicates removed
};

/// Checks a spec (already parsed; `origin` names it in errors) and expands it into points.
/// Throws infsim::Error naming the offending field.
SweepPlan plan_sweep(const nlohmann::ordered_json& spec, const std::string& origin,
                     const RunOptionCheck& is_run_option);

/// The whole sweep: reads the spec, resumes from an existing output, runs the remaining points
/// with at most `jobs` children at once (this binary, /proc/self/exe), appends a flushed row per
/// point. Progress goes to `log` (one line per point), the final count to `out`. Throws
/// infsim::Error for a bad spec or an unusable output file; a failing point is a row.
void run_sweep(const SweepOptions& opts, const RunOptionCheck& is_run_option, std::ostream& out,
               std::ostream& log);

/// Reads and checks the spec file and expands it into points (plan_sweep).
SweepPlan read_sweep_plan(const std::string& spec_file, const RunOptionCheck& is_run_option);

/// The rows of a sweep CSV written for `plan` whose points ran (status `ok` or `error`), by the
/// rule a resumed sweep uses: rows of points that did not finish (`failed`, cut short, the
/// wrong number of cells) are left out and counted in `dropped`. An absent or empty file gives
/// the plan's header and no rows. Throws infsim::Error when the file's input columns are not
/// the plan's. Reads only.
struct SweepRows {
  std::vector<std::string> header;             ///< the file's columns (the plan's when new)
  std::vector<std::vector<std::string>> rows;  ///< in the file's order
  std::size_t status_col = 0;  ///< "status"; the columns between `point` and it are the inputs
  std::size_t dropped = 0;     ///< rows left out
};
SweepRows read_sweep_rows(const std::string& path, const SweepPlan& plan);

/// Parses CSV text (RFC 4180: quoted fields, "" for a quote, line breaks inside quotes).
std::vector<std::vector<std::string>> parse_csv(const std::string& text);

}  // namespace infsim_cli
