#pragma once
// `infsim validate`: runs a table of published Inferentia measurements (validation/inf1.json,
// docs/VALIDATION.md) through `infsim run` and compares simulated with published throughput and
// latency; `--check` fails when a calibration row is outside its tolerance, `--sensitivity`
// moves parameters and shows what each row does.
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/config.hpp"
#include "infsim/report.hpp"

namespace infsim_cli {

/// The version of the table's layout ("schema_version" of validation/*.json).
constexpr int kValidationTableVersion = 1;
/// The version of `infsim validate --json`'s layout.
constexpr int kValidationReportVersion = 1;

/// The published figures of one row (docs/VALIDATION.md, "Table format").
struct Published {
  double throughput_per_s = 0;  ///< inferences (samples) per second
  std::optional<double> p50_ms, p99_ms;
  std::optional<std::pair<double, double>> throughput_range;  ///< lowest, highest published
};

/// One published measurement and the `infsim run` options that realise its configuration.
struct ValidationRow {
  std::string id, description;
  std::vector<std::string> args;  ///< `infsim run` options
  Published published;
  std::string role;         ///< "calibration" (may inform parameters) or "check" (held out)
  double tolerance = 0.15;  ///< |simulated / published - 1| allowed on throughput and p50
  std::string caveats, notes;
  nlohmann::ordered_json source;  ///< as written: document, url or path, date
  nlohmann::ordered_json json;    ///< the whole row as written
};

struct ValidationTable {
  std::string description;
  std::vector<ValidationRow> rows;
};

/// Checks a table (already parsed; `origin` names it in errors, e.g. the file name) and returns
/// its rows. Throws infsim::Error naming the origin, the row id (or index) and the field.
ValidationTable parse_validation_table(const nlohmann::ordered_json& j, const std::string& origin);

/// What validate needs from `infsim run`: one row's arguments parsed and checked exactly as
/// `infsim run ARGS` does them, the configuration they give, and (when `simulate`) the report
/// of the run. Throws infsim::Error with `infsim run`'s message.
struct RowRun {
  infsim::SystemConfig config;
  infsim::Report report;  ///< only when simulated
};
using RowRunner = std::function<RowRun(const std::vector<std::string>& args, bool simulate)>;

struct ValidateOptions {
  std::string table_file = "validation/inf1.json";
  std::vector<std::string> rows;  ///< ids to run (--rows); empty: every row
  std::string json_file, csv_file;
  bool check = false;
  std::vector<std::string> sensitivity;  ///< parameter paths to move
  double delta = 0.25;                   ///< relative move of a numeric parameter
  bool delta_given = false;
  std::vector<std::string> sets;  ///< PATH=VALUE applied to every row
};

/// The whole command: reads and checks the table, checks every row's arguments before running
/// any, runs the rows (and the sensitivity moves), writes --json and --csv, prints the table on
/// `out`. Returns the exit code: 0, or 2 when --check finds a calibration row outside its
/// tolerance (named on `err`). Throws infsim::Error for bad input.
int run_validate(const ValidateOptions& opts, const RowRunner& run, std::ostream& out,
                 std::ostream& err);

}  // namespace infsim_cli
