#pragma once
// `infsim sweep SPEC --out FILE.csv --slurm`: the sweep's points as one Slurm job array
// (docs/SWEEP.md, "On a Slurm cluster"). Each array task is this binary running
// `infsim sweep SPEC --out <part file> --points LIST`, a local sweep of its shard whose rows go
// to its own part file in FILE.csv.slurm/; `--merge` (and `--slurm --wait`) merges the parts into
// FILE.csv in point order, with the rows the local sweep's resume rule keeps, and says why
// points are missing. A rerun submits only the points with no row yet.
#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "sweep.hpp"

namespace CLI {
class App;
}

namespace infsim_cli {

struct SlurmOptions {
  bool slurm = false;    ///< submit a job array
  bool wait = false;     ///< wait for it, then merge
  bool dry_run = false;  ///< print the shard plan, the sbatch command and the batch script
  bool merge = false;    ///< merge the part files into the output, report missing points
  std::string partition, time;
  unsigned tasks = 0;                    ///< array tasks (0: from points_per_task, or the default)
  unsigned points_per_task = 0;          ///< points per array task (0: from tasks, or the default)
  std::vector<std::string> sbatch_args;  ///< passed to sbatch as they are
  std::string points;                    ///< hidden: the points an array task runs ("0-4,9")
};

/// Adds the Slurm options to the `sweep` subcommand.
void add_slurm_options(CLI::App& sweep, SlurmOptions& o);

/// Handles the Slurm modes of `infsim sweep` (submit, dry run, merge) and returns true; returns
/// false when none was asked for, after giving `opts` the points of `--points` (an array task).
/// Throws infsim::Error for bad options, a bad spec or an unusable output, a failed sbatch, and
/// (with --wait) points left without a row.
bool slurm_sweep(SweepOptions& opts, const SlurmOptions& s, const RunOptionCheck& is_run_option,
                 std::ostream& out, std::ostream& log);

/// "0-4,7,9-10" as point numbers (ascending, distinct); throws infsim::Error naming `what`.
std::vector<std::size_t> parse_point_list(const std::string& text, const std::string& what);

/// Ascending point numbers as ranges: {0,1,2,4} -> "0-2,4".
std::string format_point_list(const std::vector<std::size_t>& points);

/// `todo` split in order into `tasks` shards whose sizes differ by at most one.
std::vector<std::vector<std::size_t>> shard_points(const std::vector<std::size_t>& todo,
                                                   std::size_t tasks);

}  // namespace infsim_cli
