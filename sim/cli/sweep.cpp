#include "sweep.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <sstream>

#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/common/printable.hpp"
#include "infsim/config.hpp"
#include "infsim/report.hpp"
#include "outputs.hpp"

extern char** environ;

namespace infsim_cli {

namespace {

namespace fs = std::filesystem;
using infsim::Error;
using nlohmann::ordered_json;

/// Sweeps larger than this are refused (a typo such as a 1000-long list times another).
constexpr std::size_t kMaxPoints = 100000;

/// Set by SIGINT / SIGTERM while a sweep runs: stop, clean up, say how to resume.
volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_interrupt(int) {
  g_interrupted = 1;
}

/// Installs on_interrupt for SIGINT and SIGTERM (without SA_RESTART, so waitpid returns EINTR)
/// and puts the previous handlers back on destruction.
class InterruptGuard {
 public:
  InterruptGuard() {
    g_interrupted = 0;
    struct sigaction sa {};
    sa.sa_handler = &on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{};
};

bool is_scalar(const ordered_json& v) {
  return v.is_string() || v.is_number() || v.is_boolean();
}

/// A value as a CSV cell and as a command-line argument: strings as they are, numbers and
/// booleans as JSON writes them.
std::string scalar_text(const ordered_json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

/// Option names use dashes; a spec may write seq_len for --seq-len.
std::string option_name(const std::string& key) {
  std::string n = key;
  std::replace(n.begin(), n.end(), '_', '-');
  return n;
}

bool is_config_path(const std::string& key) {
  return key.find('.') != std::string::npos;
}

/// Spec checks; every error names the spec and the field.
class SpecReader {
 public:
  SpecReader(const std::string& origin, const RunOptionCheck& is_run_option)
      : origin_(origin), is_run_option_(is_run_option) {}

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw Error(origin_ + ": " + where + ": " + what);
  }

  /// Checks one name = value of base, grid or list (`where` locates it, e.g. grid["cores"][1]).
  void check_assignment(const std::string& where, const std::string& key,
                        const ordered_json& value) const {
    if (!is_scalar(value))
      fail(where, std::string("must be a string, number or boolean, got ") + value.type_name());
    if (key.empty()) fail(where, "empty name");
    if (is_config_path(key)) {
      infsim::SystemConfig cfg = infsim::default_config();
      try {
        infsim::apply_override(cfg, key + "=" + scalar_text(value), "--set");
      } catch (const std::exception& e) {
        std::string msg = e.what();
        if (msg.compare(0, 7, "--set: ") == 0) msg.erase(0, 7);  // the spec says where it is
        fail(where, msg);
      }
      return;
    }
    const std::string name = option_name(key);
    if (name == "json" || name == "help")
      fail(where, "'" + key + "' cannot be swept: the sweep writes each point's --json report");
    if (!is_run_option_(name))
      fail(where, "'" + key +
                      "' is neither an option of `infsim run` (see infsim run --help) nor a "
                      "configuration path such as core.sram.capacity_mib");
  }

  const ordered_json& object_at(const ordered_json& spec, const char* key) const {
    const ordered_json& v = spec.at(key);
    if (!v.is_object()) fail(key, std::string("must be a JSON object, got ") + v.type_name());
    return v;
  }

 private:
  std::string origin_;
  const RunOptionCheck& is_run_option_;
};

std::string where_of(const char* part, const std::string& key) {
  return std::string(part) + "[\"" + key + "\"]";
}

/// The `infsim run` arguments for one name = value.
void append_args(const std::string& key, const ordered_json& value, std::vector<std::string>& a) {
  if (is_config_path(key)) {
    a.push_back("--set");
    a.push_back(key + "=" + scalar_text(value));
  } else if (value.is_boolean()) {
    if (value.get<bool>()) a.push_back("--" + option_name(key));  // a flag; false leaves it off
  } else {
    a.push_back("--" + option_name(key));
    a.push_back(scalar_text(value));
  }
}

unsigned usable_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
    return static_cast<unsigned>(CPU_COUNT(&set));
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1U;
}

/// The first line of a child's stderr that carries its error, without the "infsim: error: ".
std::string child_error(const std::string& err_text) {
  std::istringstream in(err_text);
  std::string first;
  for (std::string line; std::getline(in, line);) {
    const std::string prefix = "infsim: error: ";
    if (line.compare(0, prefix.size(), prefix) == 0) return line.substr(prefix.size());
    if (first.empty() && line.find_first_not_of(" \t\r") != std::string::npos) first = line;
  }
  return first;
}

/// A private temporary directory, removed with its contents; children still running when it
/// goes (an exception mid-sweep) are terminated and reaped first.
class Workspace {
 public:
  Workspace() {
    std::error_code ec;
    const fs::path base = fs::temp_directory_path(ec);
    if (ec)
      throw infsim::IoError("sweep: no temporary directory for the points' reports (" +
                            ec.message() + "; TMPDIR names it)");
    std::string tmpl = (base / "infsim-sweep-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr)
      throw infsim::IoError("sweep: cannot create a temporary directory in " +
                            infsim::in_quotes(base.string()) + ": " + std::strerror(errno) +
                            " (TMPDIR names it)");
    dir_ = tmpl;
  }
  ~Workspace() {
    for (pid_t pid : children) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  std::string file(const std::string& name) const { return (dir_ / name).string(); }
  std::set<pid_t> children;

 private:
  fs::path dir_;
};

}  // namespace

std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, pending = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    pending = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
      pending = false;
    } else if (c != '\r') {
      field += c;
    }
  }
  if (pending || quoted) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

SweepPlan plan_sweep(const ordered_json& spec, const std::string& origin,
                     const RunOptionCheck& is_run_option) {
  const SpecReader rd(origin, is_run_option);
  if (!spec.is_object())
    throw Error(origin + ": must be a JSON object with \"base\" and \"grid\" (and/or \"list\")");
  for (const auto& [key, v] : spec.items()) {
    (void)v;
    if (key != "base" && key != "grid" && key != "list" && key != "description")
      rd.fail(key, "unknown top-level key (expected base, grid, list, description)");
  }
  if (spec.contains("description") && !spec.at("description").is_string())
    rd.fail("description", "must be a string");
  if (!spec.contains("grid") && !spec.contains("list"))
    throw Error(origin + ": needs \"grid\" (lists to cross) or \"list\" (points), or both");

  SweepPlan plan;
  std::map<std::string, std::string> option_of;  // normalised name -> the spec's key
  const auto column = [&](const std::string& where, const std::string& key) {
    if (std::find(plan.inputs.begin(), plan.inputs.end(), key) != plan.inputs.end()) return;
    const std::string norm = is_config_path(key) ? key : option_name(key);
    const auto [it, fresh] = option_of.emplace(norm, key);
    if (!fresh) rd.fail(where, "'" + key + "' and '" + it->second + "' name the same option");
    plan.inputs.push_back(key);
  };

  ordered_json base = ordered_json::object();
  if (spec.contains("base")) {
    base = rd.object_at(spec, "base");
    for (const auto& [key, v] : base.items()) {
      rd.check_assignment(where_of("base", key), key, v);
      column(where_of("base", key), key);
    }
  }
  std::vector<std::pair<std::string, const ordered_json*>> grid;
  std::size_t grid_points = 0;
  if (spec.contains("grid")) {
    const ordered_json& g = rd.object_at(spec, "grid");
    if (g.empty()) rd.fail("grid", "is empty: give at least one name with a list of values");
    grid_points = 1;
    for (const auto& [key, values] : g.items()) {
      const std::string where = where_of("grid", key);
      if (!values.is_array())
        rd.fail(where, std::string("must be a list of values, got ") + values.type_name());
      if (values.empty()) rd.fail(where, "is an empty list");
      for (std::size_t i = 0; i < values.size(); ++i)
        rd.check_assignment(where + "[" + std::to_string(i) + "]", key, values[i]);
      column(where, key);
      grid.emplace_back(key, &values);
      if (grid_points > kMaxPoints / values.size())
        rd.fail("grid", "more than " + std::to_string(kMaxPoints) + " points");
      grid_points *= values.size();
    }
  }
  std::vector<const ordered_json*> list;
  if (spec.contains("list")) {
    const ordered_json& l = spec.at("list");
    if (!l.is_array())
      rd.fail("list", std::string("must be a list of objects, got ") + l.type_name());
    if (l.empty()) rd.fail("list", "is an empty list");
    if (l.size() > kMaxPoints)
      rd.fail("list", "more than " + std::to_string(kMaxPoints) + " points");
    for (std::size_t i = 0; i < l.size(); ++i) {
      const std::string where = "list[" + std::to_string(i) + "]";
      if (!l[i].is_object())
        rd.fail(where, std::string("must be a JSON object, got ") + l[i].type_name());
      for (const auto& [key, v] : l[i].items()) {
        rd.check_assignment(where + "[\"" + key + "\"]", key, v);
        column(where, key);
      }
      list.push_back(&l[i]);
    }
  }

  std::set<std::vector<std::string>> seen;
  const auto add_point = [&](const ordered_json& values) {
    SweepPoint p;
    for (const auto& key : plan.inputs) {
      if (!values.contains(key)) {
        p.cells.emplace_back();
        continue;
      }
      p.cells.push_back(scalar_text(values.at(key)));
      append_args(key, values.at(key), p.args);
    }
    if (seen.insert(p.cells).second) plan.points.push_back(std::move(p));
  };
  std::vector<std::size_t> at(grid.size(), 0);
  for (std::size_t n = 0; n < grid_points; ++n) {
    ordered_json values = base;
    for (std::size_t k = 0; k < grid.size(); ++k) values[grid[k].first] = (*grid[k].second)[at[k]];
    add_point(values);
    for (std::size_t k = grid.size(); k-- > 0;) {  // the last name varies fastest
      if (++at[k] < grid[k].second->size()) break;
      at[k] = 0;
    }
  }
  for (const ordered_json* item : list) {
    ordered_json values = base;
    for (const auto& [key, v] : item->items()) values[key] = v;
    add_point(values);
  }
  return plan;
}

namespace {

/// The sweep spec file, parsed (`origin` names it in errors).
ordered_json read_spec(const std::string& spec_file, const std::string& origin) {
  std::ifstream spec_in(spec_file, std::ios::binary);
  if (!spec_in)
    throw infsim::IoError("cannot read sweep spec " + infsim::in_quotes(spec_file) + ": " +
                          std::strerror(errno));
  std::ostringstream text;
  text << spec_in.rdbuf();
  try {
    return infsim::parse_json_input<ordered_json>(text.str());
  } catch (const infsim::JsonInputError& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
}

/// The columns of the output CSV.
struct Columns {
  std::vector<std::string> header;   ///< every column's name
  std::vector<std::string> figures;  ///< the report field of each column after wall_s
  std::size_t status_col = 0;        ///< "status"; the inputs are the columns before it
};

/// Columns: point, the inputs, status, error, wall_s, then every summary figure of a report
/// (summary_fields of an empty report gives their names); a figure named like an input column
/// gets the prefix "report." (cores = auto as input, report.cores = the count that ran).
Columns columns_of(const SweepPlan& plan) {
  Columns cols;
  cols.header.push_back("point");
  cols.header.insert(cols.header.end(), plan.inputs.begin(), plan.inputs.end());
  cols.status_col = cols.header.size();
  cols.header.insert(cols.header.end(), {"status", "error", "wall_s"});
  for (const auto& [name, value] : infsim::summary_fields(infsim::to_json(infsim::Report{}))) {
    (void)value;
    cols.figures.push_back(name);
    const bool clash = std::find(plan.inputs.begin(), plan.inputs.end(), name) != plan.inputs.end();
    cols.header.push_back(clash ? "report." + name : name);
  }
  return cols;
}

/// Takes the header of a file written by an infsim whose report had other fields, with that
/// file's figure columns, so its rows stay aligned (a new field is left out, a field gone stays
/// empty). `fixed` columns come before the figures.
void adopt_file_columns(const std::vector<std::string>& file_header, const SweepPlan& plan,
                        std::size_t fixed, Columns& cols) {
  cols.header = file_header;
  cols.figures.clear();
  for (std::size_t c = fixed; c < cols.header.size(); ++c) {
    const std::string& col = cols.header[c];
    const bool prefixed =
        col.compare(0, 7, "report.") == 0 &&
        std::find(plan.inputs.begin(), plan.inputs.end(), col.substr(7)) != plan.inputs.end();
    cols.figures.push_back(prefixed ? col.substr(7) : col);
  }
}

/// The rows of `text` (the file at `path`) whose points ran, by the resume rule (read_sweep_rows);
/// adopts the file's figure columns into `cols`.
std::vector<std::vector<std::string>> finished_rows(const std::string& text,
                                                    const std::string& path, const SweepPlan& plan,
                                                    Columns& cols, std::size_t& dropped) {
  auto rows = parse_csv(text);
  const std::size_t fixed = cols.status_col + 3;  // point, inputs, status, error, wall_s
  if (rows.empty() || rows.front().size() < fixed ||
      !std::equal(cols.header.begin(), cols.header.begin() + static_cast<std::ptrdiff_t>(fixed),
                  rows.front().begin()))
    throw Error(infsim::in_quotes(path) +
                " exists with other input columns than this spec's (another sweep?); remove "
                "it or choose another --out");
  if (rows.front() != cols.header) adopt_file_columns(rows.front(), plan, fixed, cols);
  dropped = 0;
  if (text.back() != '\n') {  // a row cut short
    rows.pop_back();
    ++dropped;
  }
  std::vector<std::vector<std::string>> kept;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    auto& r = rows[i];
    if (r.size() != cols.header.size() ||
        (r[cols.status_col] != "ok" && r[cols.status_col] != "error")) {
      ++dropped;
      continue;
    }
    kept.push_back(std::move(r));
  }
  return kept;
}

/// Resume from an existing, non-empty output: rows of points that ran (ok, or an error infsim
/// reported) stay and are skipped; rows of points that did not finish (killed, cut short) are
/// dropped, to run again. Returns the input cells of the points that stay.
std::set<std::vector<std::string>> resume_output(const std::string& path, const SweepPlan& plan,
                                                 Columns& cols) {
  std::size_t dropped = 0;
  const auto rows = finished_rows(read_whole(path), path, plan, cols, dropped);
  std::set<std::vector<std::string>> done;
  std::string kept = infsim::csv_line(cols.header);
  for (const auto& r : rows) {
    done.emplace(r.begin() + 1, r.begin() + static_cast<std::ptrdiff_t>(cols.status_col));
    kept += infsim::csv_line(r);
  }
  if (dropped > 0) write_output("--out", path, kept);
  return done;
}

/// Prepares the output CSV: resumes from it if it exists and is not empty (then returns the
/// input cells of the points it holds), else writes the header.
std::set<std::vector<std::string>> prepare_output(const std::string& path, const SweepPlan& plan,
                                                  Columns& cols) {
  std::error_code ec;
  if (fs::exists(path, ec) && fs::file_size(path, ec) > 0) return resume_output(path, plan, cols);
  write_output("--out", path, infsim::csv_line(cols.header));
  return {};
}

/// Runs points as child processes (this binary, /proc/self/exe, at most `jobs` at once) and
/// appends a flushed row to the CSV as each one ends; progress goes to `log`, a line per point.
/// On destruction (an exception or an interrupt mid-sweep) the children still running are
/// stopped and their files removed.
class PointRunner {
 public:
  /// Runs the points numbered `todo` of `plan`.
  PointRunner(const SweepPlan& plan, const std::vector<std::size_t>& todo,
              const std::vector<std::string>& figures, std::FILE* csv, const std::string& path,
              Workspace& ws, std::ostream& log)
      : plan_(plan), todo_(todo), figures_(figures), csv_(csv), path_(path), log_(log), ws_(ws) {
    // Progress lines name the inputs that differ between points (all of them for one point).
    varying_.assign(plan.inputs.size(), plan.points.size() <= 1);
    for (const auto& p : plan.points)
      for (std::size_t c = 0; c < plan.inputs.size(); ++c)
        if (p.cells[c] != plan.points.front().cells[c]) varying_[c] = true;
  }

  /// Runs them all, at most `jobs` at once; throws infsim::Error on SIGINT / SIGTERM.
  void run(unsigned jobs) {
    std::size_t next = 0;
    while (next < todo_.size() || !running_.empty()) {
      if (g_interrupted)  // ~Workspace stops the children still running and removes its files
        throw Error("sweep interrupted after " + std::to_string(finished_) + " of " +
                    std::to_string(todo_.size()) + " points; run the same command to resume");
      while (running_.size() < jobs && next < todo_.size()) spawn(todo_[next++]);
      if (running_.empty()) continue;
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, 0);
      if (pid < 0) {
        if (errno == EINTR) continue;
        throw Error(std::string("waiting for sweep points: ") + std::strerror(errno));
      }
      const auto it = running_.find(pid);
      if (it == running_.end()) continue;
      ws_.children.erase(pid);
      const Running r = std::move(it->second);
      running_.erase(it);
      reap(r, status);
    }
  }

  std::size_t n_ok = 0, n_error = 0, n_failed = 0;  ///< rows written, by status

 private:
  struct Running {
    std::size_t point;
    std::string json, err;
    std::chrono::steady_clock::time_point start;
  };

  std::string describe(const SweepPoint& p) const {
    std::string s;
    for (std::size_t c = 0; c < plan_.inputs.size(); ++c) {
      if (p.cells[c].empty() || !varying_[c]) continue;
      if (!s.empty()) s += " ";
      s += plan_.inputs[c] + "=" + p.cells[c];
    }
    return s;
  }

  void write_row(std::size_t point, const std::string& status, const std::string& error,
                 double wall_s, const std::map<std::string, std::string>& figs) {
    std::vector<std::string> cells{std::to_string(point)};
    cells.insert(cells.end(), plan_.points[point].cells.begin(), plan_.points[point].cells.end());
    std::ostringstream w;
    w << std::fixed << std::setprecision(3) << wall_s;
    cells.insert(cells.end(), {status, error, w.str()});
    for (const auto& f : figures_) {
      const auto it = figs.find(f);
      cells.push_back(it == figs.end() ? std::string() : it->second);
    }
    const std::string line = infsim::csv_line(cells);
    if (std::fwrite(line.data(), 1, line.size(), csv_) != line.size() || std::fflush(csv_) != 0)
      throw infsim::IoError("--out: cannot write " + infsim::in_quotes(path_) + ": " +
                            std::strerror(errno));
    ++finished_;
    (status == "ok" ? n_ok : status == "error" ? n_error : n_failed) += 1;
    log_ << "sweep: [" << finished_ << "/" << todo_.size() << "] point " << point << " ("
         << describe(plan_.points[point]) << "): " << status;
    if (status == "ok")
      log_ << ", " << w.str() << " s\n";
    else
      log_ << ": " << error << "\n";
  }

  void spawn(std::size_t point) {
    Running r{point, ws_.file("point" + std::to_string(point) + ".json"),
              ws_.file("point" + std::to_string(point) + ".err"), std::chrono::steady_clock::now()};
    std::vector<std::string> args{"infsim", "run"};
    args.insert(args.end(), plan_.points[point].args.begin(), plan_.points[point].args.end());
    args.insert(args.end(), {"--json", r.json});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, r.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      write_row(point, "failed", std::string("cannot start infsim: ") + std::strerror(rc), 0, {});
      return;
    }
    ws_.children.insert(pid);
    running_.emplace(pid, std::move(r));
  }

  void reap(const Running& r, int status) {
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r.start).count();
    std::map<std::string, std::string> figs;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      try {
        const nlohmann::json j = nlohmann::json::parse(read_whole(r.json));
        for (auto& [name, value] : infsim::summary_fields(j)) figs[name] = value;
        write_row(r.point, "ok", "", wall, figs);
      } catch (const nlohmann::json::exception& e) {
        write_row(r.point, "failed", std::string("unreadable report: ") + e.what(), wall, {});
      }
    } else if (WIFEXITED(status)) {
      std::string msg = child_error(read_whole(r.err));
      if (msg.empty()) msg = "exit code " + std::to_string(WEXITSTATUS(status));
      write_row(r.point, "error", msg, wall, {});
    } else {
      const int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      write_row(r.point, "failed",
                "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")", wall, {});
    }
    std::remove(r.json.c_str());
    std::remove(r.err.c_str());
  }

  const SweepPlan& plan_;
  const std::vector<std::size_t>& todo_;
  const std::vector<std::string>& figures_;
  std::FILE* csv_;
  const std::string& path_;
  std::ostream& log_;
  std::vector<bool> varying_;
  Workspace& ws_;  // outlives the runner: the handlers are put back, then children stopped
  const InterruptGuard interrupt_guard_;
  std::map<pid_t, Running> running_;
  std::size_t finished_ = 0;
};

}  // namespace

SweepPlan read_sweep_plan(const std::string& spec_file, const RunOptionCheck& is_run_option) {
  const std::string origin = "sweep spec " + infsim::in_quotes(spec_file);
  return plan_sweep(read_spec(spec_file, origin), origin, is_run_option);
}

SweepRows read_sweep_rows(const std::string& path, const SweepPlan& plan) {
  Columns cols = columns_of(plan);
  SweepRows out;
  const std::string text = read_whole(path);
  if (!text.empty()) out.rows = finished_rows(text, path, plan, cols, out.dropped);
  out.header = cols.header;
  out.status_col = cols.status_col;
  return out;
}

void run_sweep(const SweepOptions& opts, const RunOptionCheck& is_run_option, std::ostream& out,
               std::ostream& log) {
  Files files;  // the spec is readable, --out can be written and is not the spec
  files.input("sweep spec", opts.spec_file);
  files.output("--out", opts.out_file);
  files.check();
  const SweepPlan plan = read_sweep_plan(opts.spec_file, is_run_option);
  Columns cols = columns_of(plan);
  const std::string& path = opts.out_file;
  Workspace ws;  // before the output: a sweep that cannot run leaves no header-only CSV
  const std::set<std::vector<std::string>> done = prepare_output(path, plan, cols);
  std::FILE* csv = std::fopen(path.c_str(), "ab");
  if (csv == nullptr)
    throw infsim::IoError("--out: cannot write " + infsim::in_quotes(path) + ": " +
                          std::strerror(errno));
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> csv_guard(csv, &std::fclose);

  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.points.size(); ++i)
    if (done.count(plan.points[i].cells) == 0) todo.push_back(i);
  if (!opts.points.empty()) {  // an array task's shard: only its points
    const std::set<std::size_t> only(opts.points.begin(), opts.points.end());
    if (*only.rbegin() >= plan.points.size())
      throw Error("--points: point " + std::to_string(*only.rbegin()) + " is beyond the spec's " +
                  std::to_string(plan.points.size()) + " points");
    todo.erase(
        std::remove_if(todo.begin(), todo.end(), [&](std::size_t i) { return only.count(i) == 0; }),
        todo.end());
  }
  // An array task's shard counts only its own points.
  const std::size_t total = opts.points.empty() ? plan.points.size() : opts.points.size();
  const std::size_t skipped = total - todo.size();
  const unsigned jobs = opts.jobs > 0 ? opts.jobs : usable_cores();
  log << "sweep: " << total << " points, " << skipped << " already in " << infsim::in_quotes(path)
      << ", " << todo.size() << " to run, " << jobs << " at once\n";

  PointRunner runner(plan, todo, cols.figures, csv, path, ws, log);
  runner.run(jobs);
  out << "sweep: " << total << " points: " << runner.n_ok << " ok, " << runner.n_error << " error, "
      << runner.n_failed << " failed, " << skipped << " already done; wrote "
      << infsim::in_quotes(path) << "\n";
}

}  // namespace infsim_cli
