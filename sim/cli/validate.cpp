// `infsim validate` (validate.hpp, docs/VALIDATION.md): the table of published measurements,
// its checks, the runs, the comparison table, the sensitivity moves and the outputs.
#include "validate.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>

#include <unistd.h>

#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/common/printable.hpp"
#include "outputs.hpp"

namespace infsim_cli {

namespace {

using infsim::Error;
using infsim::in_quotes;
using nlohmann::ordered_json;

/// Where a field is, as errors name it: "table 'x.json': row 'id': published.p50_ms".
class Where {
 public:
  Where(std::string origin, std::string row) : origin_(std::move(origin)), row_(std::move(row)) {}
  [[noreturn]] void fail(const std::string& field, const std::string& rule) const {
    throw Error(origin_ + ": " + row_ + (row_.empty() ? "" : ": ") + field + ": " + rule);
  }

 private:
  std::string origin_, row_;
};

std::string shown(const ordered_json& v) {
  return infsim::json_preview(v);
}

void only_keys(const ordered_json& obj, const std::vector<std::string>& keys, const Where& w,
               const std::string& prefix) {
  for (auto it = obj.begin(); it != obj.end(); ++it)
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
      std::string known;
      for (const auto& k : keys) known += (known.empty() ? "" : ", ") + k;
      w.fail(prefix + in_quotes(it.key()), "unknown key (the keys are " + known + ")");
    }
}

std::string need_string(const ordered_json& obj, const std::string& key, const Where& w,
                        const std::string& field, bool required) {
  if (!obj.contains(key)) {
    if (required) w.fail(field, "is required (a string)");
    return {};
  }
  const auto& v = obj.at(key);
  if (!v.is_string() || v.get_ref<const std::string&>().empty())
    w.fail(field, "must be a non-empty string, got " + shown(v));
  return v.get<std::string>();
}

std::optional<double> positive_number(const ordered_json& obj, const std::string& key,
                                      const Where& w, const std::string& field, bool required) {
  if (!obj.contains(key)) {
    if (required) w.fail(field, "is required (a number > 0)");
    return std::nullopt;
  }
  const auto& v = obj.at(key);
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() <= 0)
    w.fail(field, "must be a finite number > 0, got " + shown(v));
  return v.get<double>();
}

ValidationRow parse_row(const ordered_json& j, std::size_t index, const std::string& origin,
                        const std::set<std::string>& seen) {
  const Where at_index(origin, "rows[" + std::to_string(index) + "]");
  if (!j.is_object()) at_index.fail("row", "must be an object, got " + shown(j));
  ValidationRow r;
  r.json = j;
  // The id first, so that every later error names the row by it.
  r.id = need_string(j, "id", at_index, "id", true);
  static const std::regex id_rule("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  if (!std::regex_match(r.id, id_rule))
    at_index.fail("id", in_quotes(r.id, 80) +
                            " must be 1-64 letters, digits, '.', '_' or '-' (starting with a "
                            "letter or digit)");
  if (seen.count(r.id) != 0) at_index.fail("id", in_quotes(r.id) + " is used by an earlier row");
  const Where w(origin, "row " + in_quotes(r.id));
  only_keys(
      j,
      {"id", "description", "args", "published", "source", "caveats", "notes", "role", "tolerance"},
      w, "");
  r.description = need_string(j, "description", w, "description", true);
  if (!j.contains("args")) w.fail("args", "is required (the `infsim run` options, as strings)");
  const auto& args = j.at("args");
  if (!args.is_array() || args.empty())
    w.fail("args", "must be a non-empty array of strings, got " + shown(args));
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (!args[i].is_string())
      w.fail("args[" + std::to_string(i) + "]", "must be a string, got " + shown(args[i]));
    r.args.push_back(args[i].get<std::string>());
  }
  if (!j.contains("published")) w.fail("published", "is required (an object)");
  const auto& pub = j.at("published");
  if (!pub.is_object()) w.fail("published", "must be an object, got " + shown(pub));
  only_keys(pub, {"throughput_per_s", "p50_ms", "p99_ms", "throughput_range"}, w, "published.");
  r.published.throughput_per_s =
      *positive_number(pub, "throughput_per_s", w, "published.throughput_per_s", true);
  r.published.p50_ms = positive_number(pub, "p50_ms", w, "published.p50_ms", false);
  r.published.p99_ms = positive_number(pub, "p99_ms", w, "published.p99_ms", false);
  if (r.published.p50_ms && r.published.p99_ms && *r.published.p99_ms < *r.published.p50_ms)
    w.fail("published.p99_ms", "is below published.p50_ms");
  if (pub.contains("throughput_range")) {
    const auto& range = pub.at("throughput_range");
    const bool pair = range.is_array() && range.size() == 2 && range[0].is_number() &&
                      range[1].is_number() && std::isfinite(range[0].get<double>()) &&
                      std::isfinite(range[1].get<double>()) && range[0].get<double>() > 0 &&
                      range[0].get<double>() <= range[1].get<double>();
    if (!pair)
      w.fail("published.throughput_range",
             "must be [lowest, highest], two numbers > 0 in order, got " + shown(range));
    const double lo = range[0].get<double>(), hi = range[1].get<double>();
    if (r.published.throughput_per_s < lo || r.published.throughput_per_s > hi)
      w.fail("published.throughput_range",
             "must hold published.throughput_per_s, got " + shown(range));
    r.published.throughput_range = std::make_pair(lo, hi);
  }
  if (!j.contains("source")) w.fail("source", "is required (an object)");
  r.source = j.at("source");
  if (!r.source.is_object()) w.fail("source", "must be an object, got " + shown(r.source));
  only_keys(r.source, {"document", "url", "path", "date"}, w, "source.");
  need_string(r.source, "document", w, "source.document", true);
  need_string(r.source, "date", w, "source.date", true);
  const std::string url = need_string(r.source, "url", w, "source.url", false);
  const std::string path = need_string(r.source, "path", w, "source.path", false);
  if (url.empty() && path.empty())
    w.fail("source", "needs a url or a path (where the figures can be read)");
  r.caveats = need_string(j, "caveats", w, "caveats", true);
  r.notes = need_string(j, "notes", w, "notes", false);
  r.role = need_string(j, "role", w, "role", true);
  if (r.role != "calibration" && r.role != "check")
    w.fail("role", in_quotes(r.role, 60) + " is not one of calibration, check");
  if (!j.contains("tolerance")) w.fail("tolerance", "is required (a number in (0, 1])");
  const auto& tol = j.at("tolerance");
  if (!tol.is_number() || !(tol.get<double>() > 0) || !(tol.get<double>() <= 1))
    w.fail("tolerance", "must be a number in (0, 1] (0.15: within 15%), got " + shown(tol));
  r.tolerance = tol.get<double>();
  return r;
}

/// Figures of one run against the row's published ones.
struct Comparison {
  double throughput = 0, p50 = 0, p99 = 0;  ///< simulated
  double throughput_ratio = 0;
  std::optional<double> p50_ratio, p99_ratio;
  bool within = false;
  /// The judged figure furthest from its published value: its name and ratio.
  std::string worst_metric;
  double worst_ratio = 1;
};

Comparison compare(const ValidationRow& row, const infsim::Report& r) {
  Comparison c;
  c.throughput = r.throughput_per_s;
  c.p50 = r.latency_ms.p50;
  c.p99 = r.latency_ms.p99;
  const auto& p = row.published;
  c.throughput_ratio = c.throughput / p.throughput_per_s;
  if (p.p50_ms) c.p50_ratio = c.p50 / *p.p50_ms;
  if (p.p99_ms) c.p99_ratio = c.p99 / *p.p99_ms;
  c.worst_metric = "throughput";
  c.worst_ratio = c.throughput_ratio;
  if (c.p50_ratio && std::abs(*c.p50_ratio - 1) > std::abs(c.worst_ratio - 1)) {
    c.worst_metric = "p50";
    c.worst_ratio = *c.p50_ratio;
  }
  // A little slack for the figures' own rounding (a ratio printed as 1.15 passes 0.15).
  c.within = std::abs(c.worst_ratio - 1) <= row.tolerance + 1e-9;
  return c;
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

/// A latency in ms: two decimals, or three significant digits below 1 ms (a tiny model's 0.0123).
std::string ms(double v) {
  if (v >= 1 || v == 0) return fixed(v, 2);
  std::ostringstream s;
  s << std::setprecision(3) << v;
  return s.str();
}

std::string percent(double ratio) {
  const double pc = 100.0 * (ratio - 1);
  return (pc >= 0 ? "+" : "") + fixed(pc, 1) + "%";
}

nlohmann::json opt_json(const std::optional<double>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json comparison_json(const Comparison& c) {
  return {{"simulated", {{"throughput_per_s", c.throughput}, {"p50_ms", c.p50}, {"p99_ms", c.p99}}},
          {"ratio",
           {{"throughput", c.throughput_ratio},
            {"p50", opt_json(c.p50_ratio)},
            {"p99", opt_json(c.p99_ratio)}}},
          {"within_tolerance", c.within},
          {"worst", {{"metric", c.worst_metric}, {"ratio", c.worst_ratio}}}};
}

/// One run of a row: its comparison, or the error that stopped it (sensitivity moves only).
struct Cell {
  Comparison cmp;
  std::string error;
  nlohmann::json value;  ///< the moved parameter's value in this row (sensitivity)
};

/// One move of one parameter over every row.
struct Move {
  std::string label;  ///< "x0.75", "x1.25", "flip"
  double factor = 1;  ///< 0 for a flip
  std::vector<Cell> cells;
};

struct ParamMoves {
  std::string path, type;
  std::vector<Move> moves;
};

/// The value of `base` (a parameter of type `type`) under `move`.
nlohmann::json moved(const nlohmann::json& base, const std::string& type, const Move& move) {
  if (type == "boolean") return !base.get<bool>();
  const double v = base.get<double>() * move.factor;
  if (type == "integer") return static_cast<std::int64_t>(std::llround(v));
  return v;
}

std::string csv_cell(double v) {
  std::ostringstream s;
  s << std::setprecision(10) << v;
  return s.str();
}

std::string csv_opt(const std::optional<double>& v) {
  return v ? csv_cell(*v) : std::string();
}

std::vector<std::string> csv_cells(const std::string& parameter, const std::string& move,
                                   const std::string& value, const ValidationRow& row,
                                   const Cell& cell) {
  const auto& p = row.published;
  // A row that failed to run has its published figures and the error, no simulated ones.
  const bool ran = cell.error.empty();
  const Comparison& c = cell.cmp;
  const auto sim = [ran](const std::string& v) { return ran ? v : std::string(); };
  return {parameter,
          move,
          value,
          row.id,
          row.role,
          csv_cell(row.tolerance),
          sim(csv_cell(c.throughput)),
          csv_cell(p.throughput_per_s),
          sim(csv_cell(c.throughput_ratio)),
          sim(csv_cell(c.p50)),
          csv_opt(p.p50_ms),
          sim(csv_opt(c.p50_ratio)),
          sim(csv_cell(c.p99)),
          csv_opt(p.p99_ms),
          sim(csv_opt(c.p99_ratio)),
          sim(c.within ? "yes" : "no"),
          cell.error};
}

/// The comparison table, one line per row.
void print_table(std::ostream& out, const std::vector<const ValidationRow*>& rows,
                 const std::vector<Comparison>& cmp) {
  std::size_t idw = 2;
  for (const auto* r : rows) idw = std::max(idw, r->id.size());
  const auto col = [](std::ostream& o, const std::string& s, int w) { o << std::setw(w) << s; };
  out << std::left << std::setw(static_cast<int>(idw)) << "" << std::setw(13) << "" << std::right
      << std::setw(28) << "throughput/s" << std::setw(26) << "p50 ms" << std::setw(26) << "p99 ms"
      << "\n";
  out << std::left << std::setw(static_cast<int>(idw)) << "id" << std::setw(13) << "  role"
      << std::right;
  for (int i = 0; i < 3; ++i) {
    col(out, i == 0 ? "sim" : "  sim", i == 0 ? 10 : 8);
    col(out, "pub", i == 0 ? 10 : 9);
    col(out, "ratio", i == 0 ? 8 : 9);
  }
  out << "  within\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const ValidationRow& r = *rows[i];
    const Comparison& c = cmp[i];
    out << std::left << std::setw(static_cast<int>(idw)) << r.id << "  " << std::setw(11) << r.role
        << std::right;
    col(out, fixed(c.throughput, 1), 10);
    col(out, fixed(r.published.throughput_per_s, 1), 10);
    col(out, fixed(c.throughput_ratio, 2), 8);
    const auto lat = [&](double sim, const std::optional<double>& pub,
                         const std::optional<double>& ratio) {
      col(out, ms(sim), 8);
      col(out, pub ? ms(*pub) : "-", 9);
      col(out, ratio ? fixed(*ratio, 2) : "-", 9);
    };
    lat(c.p50, r.published.p50_ms, c.p50_ratio);
    lat(c.p99, r.published.p99_ms, c.p99_ratio);
    out << "  " << (c.within ? "yes" : "no") << " (" << std::lround(100 * r.tolerance) << "%)\n";
  }
}

/// "calibration: 1 of 3 rows within tolerance; worst: ID throughput x2.94 (+194.0%, tolerance
/// 15%)".
std::string summary_line(const std::string& role, const std::vector<const ValidationRow*>& rows,
                         const std::vector<Comparison>& cmp, nlohmann::json& j) {
  std::size_t n = 0, within = 0, worst = rows.size();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i]->role != role) continue;
    ++n;
    if (cmp[i].within) ++within;
    if (worst == rows.size() ||
        std::abs(cmp[i].worst_ratio - 1) > std::abs(cmp[worst].worst_ratio - 1))
      worst = i;
  }
  j = {{"rows", n}, {"within_tolerance", within}};
  if (n == 0) return role + ": no " + role + " rows run";
  const auto& c = cmp[worst];
  j["worst"] = {{"id", rows[worst]->id},
                {"metric", c.worst_metric},
                {"ratio", c.worst_ratio},
                {"error", c.worst_ratio - 1},
                {"tolerance", rows[worst]->tolerance}};
  return role + ": " + std::to_string(within) + " of " + std::to_string(n) +
         " rows within tolerance; worst error " + rows[worst]->id + " " + c.worst_metric + " x" +
         fixed(c.worst_ratio, 2) + " (" + percent(c.worst_ratio) + ", tolerance " +
         std::to_string(std::lround(100 * rows[worst]->tolerance)) + "%)";
}

/// The sensitivity table: a line per parameter and move, a column per row, each cell the
/// throughput ratio sim/pub and, in parentheses, the p50 ratio where published.
void print_sensitivity(std::ostream& out, const std::vector<const ValidationRow*>& rows,
                       const std::vector<Comparison>& base, const std::vector<ParamMoves>& params,
                       double delta) {
  const auto cell_text = [](const Comparison& c) {
    return fixed(c.throughput_ratio, 2) + (c.p50_ratio ? " (" + fixed(*c.p50_ratio, 2) + ")" : "");
  };
  std::size_t pw = 9;
  for (const auto& p : params) pw = std::max(pw, p.path.size());
  std::vector<int> widths;
  for (const auto* r : rows)
    widths.push_back(static_cast<int>(std::max<std::size_t>(13, r->id.size())));
  const auto line = [&](const std::string& param, const std::string& move,
                        const std::vector<std::string>& cells) {
    out << std::left << std::setw(static_cast<int>(pw)) << param << "  " << std::setw(5) << move
        << std::right;
    for (std::size_t i = 0; i < cells.size(); ++i) out << "  " << std::setw(widths[i]) << cells[i];
    out << "\n";
  };
  out << "\nsensitivity: throughput ratio sim/pub (and p50 ratio where published) of each row "
         "when one parameter moves by "
      << std::lround(100 * delta) << "% (booleans flipped)\n";
  std::vector<std::string> cells;
  for (const auto* r : rows) cells.push_back(r->id);
  line("parameter", "move", cells);
  cells.clear();
  for (const auto& c : base) cells.push_back(cell_text(c));
  line("(base)", "", cells);
  for (const auto& p : params)
    for (std::size_t k = 0; k < p.moves.size(); ++k) {
      cells.clear();
      for (const auto& c : p.moves[k].cells)
        cells.push_back(c.error.empty() ? cell_text(c.cmp) : "refused");
      line(k == 0 ? p.path : "", p.moves[k].label, cells);
    }
  for (const auto& p : params)
    for (const auto& m : p.moves)
      for (std::size_t i = 0; i < rows.size(); ++i)
        if (!m.cells[i].error.empty())
          out << "refused: " << p.path << " " << m.label << " in " << rows[i]->id << ": "
              << m.cells[i].error << "\n";
}

}  // namespace

ValidationTable parse_validation_table(const ordered_json& j, const std::string& origin) {
  const Where top(origin, "");
  if (!j.is_object()) top.fail("table", "must be a JSON object, got " + shown(j));
  only_keys(j, {"schema_version", "description", "rows"}, top, "");
  if (!j.contains("schema_version"))
    top.fail("schema_version",
             "is required (" + std::to_string(kValidationTableVersion) + " for this version)");
  const auto& v = j.at("schema_version");
  if (!v.is_number_integer() || v.get<long long>() != kValidationTableVersion)
    top.fail("schema_version", "must be " + std::to_string(kValidationTableVersion) +
                                   " (the version this infsim reads), got " + shown(v));
  ValidationTable t;
  t.description = need_string(j, "description", top, "description", false);
  if (!j.contains("rows")) top.fail("rows", "is required (an array of row objects)");
  const auto& rows = j.at("rows");
  if (!rows.is_array() || rows.empty())
    top.fail("rows", "must be a non-empty array of row objects, got " + shown(rows));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    t.rows.push_back(parse_row(rows[i], i, origin, seen));
    seen.insert(t.rows.back().id);
  }
  return t;
}

int run_validate(const ValidateOptions& o, const RowRunner& run, std::ostream& out,
                 std::ostream& err) {
  const std::string origin = "validation table " + in_quotes(o.table_file);
  Files files;
  files.input("--table", o.table_file);
  if (!o.json_file.empty()) files.output("--json", o.json_file);
  if (!o.csv_file.empty()) files.output("--csv", o.csv_file);
  files.check();
  if (o.delta_given && o.sensitivity.empty())
    throw Error("--delta applies only with --sensitivity (it is the size of the moves)");
  if (!(o.delta > 0 && o.delta < 1))
    throw Error("--delta: must be a number in (0, 1) (0.25 moves by -25% and +25%), got " +
                fixed(o.delta, 6));

  ordered_json j;
  try {
    j = infsim::parse_json_input<ordered_json>(read_whole(o.table_file));
  } catch (const infsim::JsonInputError& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  const ValidationTable table = parse_validation_table(j, origin);

  // The rows asked for, in the table's order.
  std::vector<const ValidationRow*> rows;
  if (o.rows.empty()) {
    for (const auto& r : table.rows) rows.push_back(&r);
  } else {
    std::set<std::string> asked;
    for (const auto& id : o.rows) {
      if (!asked.insert(id).second) throw Error("--rows: " + in_quotes(id) + " is given twice");
      const bool known = std::any_of(table.rows.begin(), table.rows.end(),
                                     [&](const ValidationRow& r) { return r.id == id; });
      if (!known) {
        std::string ids;
        for (const auto& r : table.rows) ids += (ids.empty() ? "" : ", ") + r.id;
        throw Error("--rows: " + origin + " has no row " + in_quotes(id) + " (its rows: " + ids +
                    ")");
      }
    }
    for (const auto& r : table.rows)
      if (asked.count(r.id) != 0) rows.push_back(&r);
  }

  // --set first on its own, so that its mistakes are named as its own.
  {
    infsim::SystemConfig probe = infsim::default_config();
    for (const auto& s : o.sets) infsim::apply_override(probe, s, "--set");
  }
  // Every row's arguments (with --set) are checked before any row runs.
  std::vector<std::vector<std::string>> row_args;
  std::vector<infsim::SystemConfig> row_cfg;
  for (const auto* r : rows) {
    std::vector<std::string> args = r->args;
    for (const auto& s : o.sets) {
      args.push_back("--set");
      args.push_back(s);
    }
    try {
      row_cfg.push_back(run(args, false).config);
    } catch (const Error& e) {
      throw Error(origin + ": row " + in_quotes(r->id) + ": args: " + e.what());
    }
    row_args.push_back(std::move(args));
  }

  // The parameters to move: documented, numbers or booleans, each once.
  std::vector<ParamMoves> params;
  for (const auto& path : o.sensitivity) {
    if (std::any_of(params.begin(), params.end(),
                    [&](const ParamMoves& p) { return p.path == path; }))
      throw Error("--sensitivity: " + in_quotes(path) + " is given twice");
    try {
      infsim::get_param(row_cfg.front(), path);
    } catch (const Error& e) {
      throw Error(std::string("--sensitivity: ") + e.what());
    }
    const auto& table_params = infsim::config_parameters();
    const auto info = std::find_if(table_params.begin(), table_params.end(),
                                   [&](const infsim::ParamInfo& p) { return p.path == path; });
    if (info == table_params.end())
      throw Error("--sensitivity: " + in_quotes(path) +
                  " is a group of parameters; name one of them");
    if (info->type != "integer" && info->type != "number" && info->type != "boolean")
      throw Error("--sensitivity: " + in_quotes(path) + " is a " + info->type +
                  " parameter; only numbers are scaled and booleans flipped");
    ParamMoves p{path, info->type, {}};
    if (info->type == "boolean") {
      p.moves.push_back({"flip", 0, {}});
    } else {
      p.moves.push_back({"x" + fixed(1 - o.delta, 2), 1 - o.delta, {}});
      p.moves.push_back({"x" + fixed(1 + o.delta, 2), 1 + o.delta, {}});
    }
    params.push_back(std::move(p));
  }

  const bool progress = isatty(STDERR_FILENO) != 0;
  const std::size_t total = rows.size() * (1 + 2 * params.size());
  std::size_t done = 0;
  const auto tick = [&](const std::string& what) {
    ++done;
    if (progress)
      err << "\r\033[Kvalidate: " << done << "/" << total << " runs (" << what << ")" << std::flush;
  };

  std::vector<Comparison> base;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    try {
      base.push_back(compare(*rows[i], run(row_args[i], true).report));
    } catch (const Error& e) {
      throw Error(origin + ": row " + in_quotes(rows[i]->id) + ": args: " + e.what());
    }
    tick(rows[i]->id);
  }
  for (auto& p : params) {
    for (auto& m : p.moves) {
      for (std::size_t i = 0; i < rows.size(); ++i) {
        Cell cell;
        cell.value = moved(infsim::get_param(row_cfg[i], p.path), p.type, m);
        std::vector<std::string> args = row_args[i];
        args.push_back("--set");
        args.push_back(p.path + "=" + cell.value.dump());
        try {
          cell.cmp = compare(*rows[i], run(args, true).report);
        } catch (const Error& e) {
          cell.error = infsim::one_line(e.what());
        }
        m.cells.push_back(std::move(cell));
        tick(p.path + " " + m.label);
      }
    }
  }
  if (progress) err << "\r\033[K" << std::flush;

  // The outputs.
  nlohmann::json report = {{"schema_version", kValidationReportVersion},
                           {"table", o.table_file},
                           {"table_description", table.description},
                           {"overrides", o.sets},
                           {"tolerance_applies_to", {"throughput", "p50"}}};
  report["rows"] = nlohmann::json::array();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    nlohmann::json r = comparison_json(base[i]);
    r["id"] = rows[i]->id;
    r["role"] = rows[i]->role;
    r["tolerance"] = rows[i]->tolerance;
    r["args_run"] = row_args[i];
    r["row"] = rows[i]->json;
    report["rows"].push_back(std::move(r));
  }
  nlohmann::json calibration, check;
  const std::string cal_line = summary_line("calibration", rows, base, calibration);
  const std::string check_line = summary_line("check", rows, base, check);
  report["summary"] = {{"calibration", calibration}, {"check", check}};
  if (!params.empty()) {
    nlohmann::json sens = {{"delta", o.delta}, {"parameters", nlohmann::json::array()}};
    for (const auto& p : params) {
      nlohmann::json pj = {{"path", p.path}, {"type", p.type}, {"moves", nlohmann::json::array()}};
      for (const auto& m : p.moves) {
        nlohmann::json mj = {{"move", m.label}, {"rows", nlohmann::json::array()}};
        for (std::size_t i = 0; i < rows.size(); ++i) {
          const Cell& c = m.cells[i];
          nlohmann::json cj = {{"id", rows[i]->id},
                               {"base_value", infsim::get_param(row_cfg[i], p.path)},
                               {"value", c.value}};
          if (c.error.empty()) {
            cj.update(comparison_json(c.cmp));
            cj["change"] = {
                {"throughput", c.cmp.throughput / base[i].throughput - 1},
                {"p50", base[i].p50 > 0 ? nlohmann::json(c.cmp.p50 / base[i].p50 - 1) : nullptr}};
          } else {
            cj["error"] = c.error;
          }
          mj["rows"].push_back(std::move(cj));
        }
        pj["moves"].push_back(std::move(mj));
      }
      sens["parameters"].push_back(std::move(pj));
    }
    report["sensitivity"] = std::move(sens);
  }
  files.stage("--json", report.dump(2) + "\n");
  if (!o.csv_file.empty()) {
    std::string csv = infsim::csv_line({"parameter", "move", "value", "id", "role", "tolerance",
                                        "throughput_sim", "throughput_pub", "throughput_ratio",
                                        "p50_sim_ms", "p50_pub_ms", "p50_ratio", "p99_sim_ms",
                                        "p99_pub_ms", "p99_ratio", "within_tolerance", "error"});
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Cell c;
      c.cmp = base[i];
      csv += infsim::csv_line(csv_cells("", "base", "", *rows[i], c));
    }
    for (const auto& p : params)
      for (const auto& m : p.moves)
        for (std::size_t i = 0; i < rows.size(); ++i)
          csv += infsim::csv_line(
              csv_cells(p.path, m.label, m.cells[i].value.dump(), *rows[i], m.cells[i]));
    files.stage("--csv", csv);
  }
  files.commit();

  out << origin << ": " << rows.size() << " of " << table.rows.size() << " rows";
  if (!o.sets.empty()) {
    out << ", with";
    for (const auto& s : o.sets) out << " --set " << s;
  }
  out << "\nsimulated (sim) against published (pub); ratio = sim / pub; a row is within its "
         "tolerance when throughput and p50 are\n\n";
  print_table(out, rows, base);
  out << "\n" << cal_line << "\n" << check_line << "\n";
  if (!params.empty()) print_sensitivity(out, rows, base, params, o.delta);
  out << std::flush;

  if (o.check) {
    std::string outside;
    std::size_t n = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i]->role != "calibration" || base[i].within) continue;
      ++n;
      outside += (outside.empty() ? "" : "; ") + rows[i]->id + " (" + base[i].worst_metric + " x" +
                 fixed(base[i].worst_ratio, 2) + ", tolerance " +
                 std::to_string(std::lround(100 * rows[i]->tolerance)) + "%)";
    }
    if (n > 0) {
      err << "infsim: error: --check: " << n << " calibration row" << (n > 1 ? "s" : "")
          << " outside tolerance: " << infsim::one_line(outside) << "\n";
      return 2;
    }
  }
  return 0;
}

}  // namespace infsim_cli
