#include "slurm.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "infsim/common/error.hpp"
#include "infsim/report.hpp"
#include "outputs.hpp"

extern char** environ;

namespace infsim_cli {

namespace {

namespace fs = std::filesystem;
using infsim::Error;

/// Array tasks submitted when neither --tasks nor --points-per-task is given: at most this many
/// (Slurm's default MaxArraySize is 1001).
constexpr std::size_t kDefaultMaxTasks = 1000;

bool all_digits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

/// `s` as one word for bash: as it is when it holds only safe characters, else in single
/// quotes, each ' written as '\''.
std::string shell_quote(const std::string& s) {
  const auto safe = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("_./=%:,+-@", c) != nullptr;
  };
  if (!s.empty() && std::all_of(s.begin(), s.end(), safe)) return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// What a command printed and how it ended.
struct CommandResult {
  bool started = false;  ///< false: the program could not be run (`err` says why)
  int exit_code = -1;    ///< -1 when it did not exit normally
  std::string out, err;
};

/// Runs `args` (args[0] looked up on PATH), stdin from /dev/null, capturing stdout and stderr.
CommandResult run_command(const std::vector<std::string>& args) {
  CommandResult r;
  char out_name[] = "/tmp/infsim-slurm-out-XXXXXX";
  char err_name[] = "/tmp/infsim-slurm-err-XXXXXX";
  const int out_fd = ::mkstemp(out_name);
  const int err_fd = out_fd < 0 ? -1 : ::mkstemp(err_name);
  if (out_fd < 0 || err_fd < 0) {
    if (out_fd >= 0) {
      ::close(out_fd);
      std::remove(out_name);
    }
    r.err = std::string("cannot create a temporary file: ") + std::strerror(errno);
    return r;
  }
  std::vector<std::string> a = args;
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc == 0) {
    r.started = true;
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    r.out = read_whole(out_name);
    r.err = read_whole(err_name);
  } else {
    r.err = std::strerror(rc);
  }
  ::close(out_fd);
  ::close(err_fd);
  std::remove(out_name);
  std::remove(err_name);
  return r;
}

std::string first_line(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  return {};
}

/// A Slurm command that must run: its stdout, or infsim::Error saying why not.
std::string slurm_command(const std::vector<std::string>& args) {
  const CommandResult r = run_command(args);
  if (!r.started)
    throw Error("cannot run '" + args[0] + "' (" + r.err +
                "): --slurm needs Slurm's client commands (sbatch, squeue) on PATH (Debian: "
                "slurm-client)");
  if (r.exit_code != 0)
    throw Error(args[0] + " failed (exit code " + std::to_string(r.exit_code) +
                "): " + first_line(r.err + r.out));
  return r.out;
}

/// The array tasks of `job` still in Slurm's queue, task number -> state (PENDING, RUNNING,
/// ...); empty when the job has left the queue. std::nullopt when squeue cannot tell.
std::optional<std::map<std::size_t, std::string>> queued_tasks(const std::string& job) {
  const CommandResult r =
      run_command({"squeue", "--noheader", "--array", "--jobs", job, "--format", "%i %T"});
  std::map<std::size_t, std::string> tasks;
  if (!r.started) return std::nullopt;
  if (r.exit_code != 0) {
    // A job gone from the controller's memory (MinJobAge after it ended) is "invalid".
    if (r.err.find("Invalid job id") != std::string::npos) return tasks;
    return std::nullopt;
  }
  std::istringstream in(r.out);
  for (std::string id, state; in >> id >> state;) {
    const auto us = id.find('_');
    if (id.compare(0, us, job) != 0 || us == std::string::npos) continue;
    const std::string t = id.substr(us + 1);
    if (all_digits(t))
      tasks[std::stoul(t)] = state;
    else
      tasks[static_cast<std::size_t>(-1)] = state;  // a range not yet split: still queued
  }
  return tasks;
}

/// One sbatch submission: its job id and each array task's points ("0-4,9").
struct Submission {
  std::string job;
  std::vector<std::string> tasks;
};

/// The submissions of a sweep, oldest first, in DIR/submissions.json.
std::vector<Submission> read_submissions(const fs::path& dir) {
  std::vector<Submission> subs;
  const std::string text = read_whole((dir / "submissions.json").string());
  if (text.empty()) return subs;
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    for (const auto& s : j.at("submissions"))
      subs.push_back(
          {s.at("job").get<std::string>(), s.at("tasks").get<std::vector<std::string>>()});
  } catch (const nlohmann::json::exception& e) {
    throw Error("'" + (dir / "submissions.json").string() +
                "' is not a submission record: " + e.what());
  }
  return subs;
}

void write_submissions(const fs::path& dir, const std::vector<Submission>& subs) {
  nlohmann::json j;
  j["submissions"] = nlohmann::json::array();
  for (const auto& s : subs) j["submissions"].push_back({{"job", s.job}, {"tasks", s.tasks}});
  write_output("--out", (dir / "submissions.json").string(), j.dump(1) + "\n");
}

/// The job id in a part file's name, part-<job>-<task>.csv ("" when it is not one).
std::string part_job(const fs::path& p) {
  const std::string n = p.filename().string();
  if (n.compare(0, 5, "part-") != 0 || p.extension() != ".csv") return {};
  const auto dash = n.find('-', 5);
  return dash == std::string::npos ? std::string() : n.substr(5, dash - 5);
}

/// The rows of the output and of the part files, merged: one row per point, in point order.
struct Collected {
  SweepRows out;                  ///< the output's header and the merged rows
  std::set<std::size_t> present;  ///< points of the plan with a row
  std::vector<fs::path> parts;    ///< the part files read
  std::size_t from_parts = 0;     ///< rows taken from part files
  bool rewrite = false;           ///< the output must be written (new rows, dropped rows, new)
};

Collected collect(const SweepPlan& plan, const fs::path& out_file, const fs::path& dir) {
  std::map<std::vector<std::string>, std::size_t> index_of;
  for (std::size_t i = 0; i < plan.points.size(); ++i) index_of.emplace(plan.points[i].cells, i);
  Collected c;
  c.out = read_sweep_rows(out_file.string(), plan);
  std::error_code ec;
  c.rewrite = c.out.dropped > 0 || !fs::exists(out_file, ec);
  const std::size_t sc = c.out.status_col;
  // Sort key: the point's number in this plan; rows of points no longer in the spec (kept, as a
  // resumed local sweep keeps them) after them, by their own number.
  std::map<std::size_t, std::vector<std::string>> by_key;
  std::set<std::vector<std::string>> seen;
  std::size_t last_key = 0;
  const auto add = [&](std::vector<std::string> row) {
    std::vector<std::string> cells(row.begin() + 1, row.begin() + static_cast<std::ptrdiff_t>(sc));
    if (!seen.insert(cells).second) return false;
    std::size_t key = 0;
    const auto it = index_of.find(cells);
    if (it != index_of.end()) {
      key = it->second;
      c.present.insert(key);
    } else {
      key = plan.points.size() + std::strtoull(row[0].c_str(), nullptr, 10);
    }
    while (by_key.count(key) > 0) ++key;   // two stale rows with one number: keep both
    if (key < last_key) c.rewrite = true;  // not in point order (a local sweep's file)
    last_key = key;
    by_key.emplace(key, std::move(row));
    return true;
  };
  for (auto& r : c.out.rows) add(std::move(r));
  if (fs::is_directory(dir, ec)) {
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (!part_job(e.path()).empty()) c.parts.push_back(e.path());
    std::sort(c.parts.begin(), c.parts.end());
  }
  for (const auto& part : c.parts) {
    const SweepRows pr = read_sweep_rows(part.string(), plan);
    std::map<std::string, std::size_t> col;
    for (std::size_t i = 0; i < pr.header.size(); ++i) col.emplace(pr.header[i], i);
    for (const auto& r : pr.rows) {
      std::vector<std::string> row;
      for (const auto& name : c.out.header) {
        const auto it = col.find(name);
        row.push_back(it == col.end() ? std::string() : r[it->second]);
      }
      if (add(std::move(row))) {
        ++c.from_parts;
        c.rewrite = true;
      }
    }
  }
  c.out.rows.clear();
  for (auto& [k, r] : by_key) {
    (void)k;
    c.out.rows.push_back(std::move(r));
  }
  return c;
}

void write_merged(const fs::path& out_file, const SweepRows& rows) {
  std::string text = infsim::csv_line(rows.header);
  for (const auto& r : rows.rows) text += infsim::csv_line(r);
  write_output("--out", out_file.string(), text);
}

/// Removes the part files of jobs no longer in the queue (their rows are in the output now);
/// parts of a job squeue still lists, or cannot tell about, stay.
void remove_finished_parts(const Collected& c) {
  std::map<std::string, bool> gone;
  for (const auto& p : c.parts) {
    const std::string job = part_job(p);
    if (gone.count(job) == 0) {
      const auto q = queued_tasks(job);
      gone[job] = q.has_value() && q->empty();
    }
    if (gone[job]) fs::remove(p);
  }
}

/// Why a point has no row, from the submission record, squeue and the task's log.
class MissingReasons {
 public:
  MissingReasons(const fs::path& dir, std::vector<Submission> subs)
      : dir_(dir), subs_(std::move(subs)) {
    for (const auto& s : subs_) {
      std::vector<std::set<std::size_t>> tasks;
      for (const auto& t : s.tasks) {
        const auto pts = parse_point_list(t, "submissions.json");
        tasks.emplace_back(pts.begin(), pts.end());
      }
      task_points_.push_back(std::move(tasks));
    }
  }

  std::string why(std::size_t point) {
    for (std::size_t s = subs_.size(); s-- > 0;) {
      for (std::size_t t = 0; t < task_points_[s].size(); ++t)
        if (task_points_[s][t].count(point) > 0) return why_in_task(point, subs_[s].job, t);
    }
    return "not submitted yet (run with --slurm to submit it)";
  }

 private:
  std::string why_in_task(std::size_t point, const std::string& job, std::size_t task) {
    const std::string who = "task " + std::to_string(task) + " of job " + job;
    if (queue_.count(job) == 0) queue_[job] = queued_tasks(job);
    const auto& q = queue_[job];
    if (q) {
      auto it = q->find(task);
      if (it == q->end()) it = q->find(static_cast<std::size_t>(-1));
      if (it != q->end()) return who + " is " + it->second + " (squeue)";
    }
    const fs::path log = dir_ / ("task-" + job + "_" + std::to_string(task) + ".log");
    std::ifstream in(log);
    if (!in) return who + " left no log (" + log.string() + "): it never started";
    std::string failed, slurm, error, last;
    const std::string mine = "] point " + std::to_string(point) + " (";
    for (std::string line; std::getline(in, line);) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      last = line;
      if (line.find(mine) != std::string::npos && line.find(": failed") != std::string::npos)
        failed = line.substr(line.find("point "));
      if (line.find("***") != std::string::npos) slurm = line;  // slurmstepd: CANCELLED, TIME LIMIT
      if (line.compare(0, 15, "infsim: error: ") == 0) error = line;
    }
    if (!failed.empty()) return who + ": " + failed;
    if (!slurm.empty()) return who + ": " + slurm;
    if (!error.empty()) return who + ": " + error;
    if (last.empty()) return who + " ended with an empty log (" + log.string() + ")";
    return who + " ended without its row; its log (" + log.string() + ") ends: " + last;
  }

  fs::path dir_;
  std::vector<Submission> subs_;
  std::vector<std::vector<std::set<std::size_t>>> task_points_;
  std::map<std::string, std::optional<std::map<std::size_t, std::string>>> queue_;
};

/// Points of the plan without a row, grouped into runs with one reason: "points 5-9: why".
std::vector<std::string> missing_report(const SweepPlan& plan, const Collected& c,
                                        const fs::path& dir, std::vector<Submission> subs) {
  MissingReasons reasons(dir, std::move(subs));
  std::vector<std::string> lines;
  std::vector<std::size_t> run;
  std::string run_why;
  const auto flush = [&] {
    if (run.empty()) return;
    lines.push_back(std::string(run.size() == 1 ? "point " : "points ") + format_point_list(run) +
                    ": " + run_why);
    run.clear();
  };
  for (std::size_t i = 0; i < plan.points.size(); ++i) {
    if (c.present.count(i) > 0) continue;
    std::string w = reasons.why(i);
    if (w != run_why || (!run.empty() && run.back() + 1 != i)) flush();
    run_why = std::move(w);
    run.push_back(i);
  }
  flush();
  return lines;
}

/// Merges the parts into the output, removes the parts of finished jobs, prints the counts and
/// the missing points; returns how many points have no row.
std::size_t merge_and_report(const SweepPlan& plan, const fs::path& out_file, const fs::path& dir,
                             std::ostream& out) {
  // Everything that can fail is read before anything is written or printed.
  const Collected c = collect(plan, out_file, dir);
  std::vector<Submission> subs = read_submissions(dir);
  const std::size_t missing = plan.points.size() - c.present.size();
  const std::vector<std::string> lines =
      missing > 0 ? missing_report(plan, c, dir, std::move(subs)) : std::vector<std::string>{};
  if (c.rewrite) write_merged(out_file, c.out);
  remove_finished_parts(c);
  out << "sweep: merged " << c.from_parts << " rows from " << c.parts.size() << " part files into '"
      << out_file.string() << "': " << c.present.size() << " of " << plan.points.size()
      << " points have a row";
  if (missing == 0) {
    out << "\n";
    return 0;
  }
  out << ", " << missing << " have none:\n";
  for (const auto& line : lines) out << "  " << line << "\n";
  return missing;
}

/// A path on a node's own disk, which other nodes cannot read.
bool node_local(const fs::path& p) {
  const std::string s = p.string();
  for (const char* prefix : {"/tmp/", "/var/tmp/", "/dev/shm/", "/run/"})
    if (s.compare(0, std::strlen(prefix), prefix) == 0) return true;
  return false;
}

/// Whether `program` is an executable file in a directory of PATH.
bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / program).c_str(), X_OK) == 0) return true;
  return false;
}

std::string this_binary() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find this program's path (/proc/self/exe): " + ec.message());
  return p.string();
}

void check_options(const SweepOptions& opts, const SlurmOptions& s) {
  const auto needs_slurm = [&](bool given, const char* name) {
    if (given && !s.slurm) throw Error(std::string(name) + " needs --slurm");
  };
  needs_slurm(s.wait, "--wait");
  needs_slurm(s.dry_run, "--dry-run");
  needs_slurm(!s.partition.empty(), "--partition");
  needs_slurm(!s.time.empty(), "--time");
  needs_slurm(s.tasks > 0, "--tasks");
  needs_slurm(s.points_per_task > 0, "--points-per-task");
  needs_slurm(!s.sbatch_args.empty(), "--sbatch-arg");
  if (s.slurm && s.merge)
    throw Error("--merge and --slurm: give one (--slurm merges what earlier jobs wrote first)");
  if (s.wait && s.dry_run) throw Error("--wait and --dry-run: give one");
  if (s.tasks > 0 && s.points_per_task > 0)
    throw Error("--tasks and --points-per-task: give one (each sets the other)");
  if (s.merge && opts.jobs > 0) throw Error("--jobs does not apply to --merge");
  for (const auto& a : s.sbatch_args)
    if (a.empty() || a[0] != '-')
      throw Error("--sbatch-arg '" + a + "': must be an sbatch option such as --mem=4G");
}

/// The batch script of one array task: the points of each task, then this binary running them
/// as a local sweep into the task's own part file.
std::string batch_script(const std::string& binary, const std::string& spec,
                         const fs::path& out_file, const fs::path& dir, unsigned jobs,
                         const std::vector<std::vector<std::size_t>>& shards, std::size_t points) {
  std::ostringstream s;
  s << "#!/bin/bash\n"
    << "# infsim sweep on Slurm: " << points << " points of " << spec << " in " << shards.size()
    << " array tasks.\n"
    << "# Each task runs its points as a local sweep; its rows go to its own part file,\n"
    << "# merged into " << out_file.string() << " by\n"
    << "#   infsim sweep " << shell_quote(spec) << " --out " << shell_quote(out_file.string())
    << " --merge\n"
    << "set -eu\n"
    << "case \"$SLURM_ARRAY_TASK_ID\" in\n";
  for (std::size_t t = 0; t < shards.size(); ++t)
    s << "  " << t << ") points=" << format_point_list(shards[t]) << " ;;\n";
  s << "  *) echo \"infsim: error: array task $SLURM_ARRAY_TASK_ID has no points\" >&2; exit 2 ;;\n"
    << "esac\n"
    << "exec " << shell_quote(binary) << " sweep " << shell_quote(spec) << " --out "
    << shell_quote((dir / "part-").string())
    << "\"${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}.csv\" --points \"$points\" --jobs "
    << (jobs > 0 ? std::to_string(jobs) : std::string("\"${SLURM_CPUS_PER_TASK:-1}\"")) << "\n";
  return s.str();
}

void submit(const SweepOptions& opts, const SlurmOptions& s, const SweepPlan& plan,
            const std::string& spec, const fs::path& out_file, const fs::path& dir,
            std::ostream& out, std::ostream& log) {
  if (!s.dry_run)
    for (const char* program : {"sbatch", "squeue"})
      if (!on_path(program))
        throw Error(std::string("--slurm: ") + program +
                    " is not on PATH: submitting needs Slurm's client commands (Debian: "
                    "slurm-client; --dry-run prints the batch script without them)");
  const std::string binary = this_binary();
  for (const auto& [what, p] : {std::pair<const char*, fs::path>{"the infsim binary", binary},
                                {"the sweep spec", spec},
                                {"the output", out_file}})
    if (node_local(p))
      log << "infsim: warning: " << what << " '" << p.string()
          << "' is under a directory that is usually local to each node; compute nodes must "
             "be able to read it\n";
  if (dir.string().find('%') != std::string::npos)
    throw Error("--out '" + out_file.string() +
                "': a path with '%' cannot name Slurm's task logs (sbatch --output)");

  // An earlier job of this sweep still queued would run points a new one would run again.
  const std::vector<Submission> subs = read_submissions(dir);
  if (!s.dry_run) {
    for (const auto& sub : subs) {
      const auto q = queued_tasks(sub.job);
      if (!q) slurm_command({"squeue", "--noheader", "--jobs", sub.job});  // throws its error
      if (q && !q->empty())
        throw Error("job " + sub.job + " of this sweep is still in Slurm's queue (" +
                    std::to_string(q->size()) + " tasks); wait for it or `scancel " + sub.job +
                    "`, then run the same command again");
    }
  }

  const Collected c = collect(plan, out_file, dir);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < plan.points.size(); ++i)
    if (c.present.count(i) == 0) todo.push_back(i);
  if (!s.dry_run) {
    if (c.rewrite) write_merged(out_file, c.out);
    remove_finished_parts(c);
  }
  log << "sweep: " << plan.points.size() << " points, " << c.present.size() << " with a row in '"
      << out_file.string() << "'" << (c.from_parts > 0 ? " (after merging earlier parts)" : "")
      << ", " << todo.size() << " to submit\n";
  if (todo.empty()) {
    out << "sweep: every point has a row in '" << out_file.string() << "'; nothing to submit\n";
    return;
  }

  std::size_t tasks = 0;
  if (s.tasks > 0)
    tasks = std::min<std::size_t>(s.tasks, todo.size());
  else {
    const std::size_t per = s.points_per_task > 0
                                ? s.points_per_task
                                : (todo.size() + kDefaultMaxTasks - 1) / kDefaultMaxTasks;
    tasks = (todo.size() + per - 1) / per;
  }
  const auto shards = shard_points(todo, tasks);
  const std::string script =
      batch_script(binary, spec, out_file, dir, opts.jobs, shards, todo.size());
  std::vector<std::string> cmd{"sbatch", "--parsable", "--job-name=infsim-sweep",
                               "--array=0-" + std::to_string(shards.size() - 1),
                               "--output=" + (dir / "task-%A_%a.log").string()};
  if (!s.partition.empty()) cmd.push_back("--partition=" + s.partition);
  if (!s.time.empty()) cmd.push_back("--time=" + s.time);
  cmd.insert(cmd.end(), s.sbatch_args.begin(), s.sbatch_args.end());
  cmd.push_back((dir / "job.sh").string());

  if (s.dry_run) {
    out << "sweep: dry run: " << todo.size() << " points in " << shards.size()
        << " array tasks (nothing submitted)\n";
    for (std::size_t t = 0; t < shards.size(); ++t)
      out << "task " << t << ": " << shards[t].size()
          << (shards[t].size() == 1 ? " point: " : " points: ") << format_point_list(shards[t])
          << "\n";
    out << "sbatch command:\n ";
    for (const auto& a : cmd) out << " " << shell_quote(a);
    out << "\nbatch script (" << (dir / "job.sh").string() << "):\n" << script;
    return;
  }

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw infsim::IoError("cannot create '" + dir.string() + "': " + ec.message());
  write_output("--out", (dir / "job.sh").string(), script);
  std::string job = first_line(slurm_command(cmd));
  job = job.substr(0, job.find(';'));  // --parsable: "id" or "id;cluster"
  if (!all_digits(job)) throw Error("sbatch printed no job id: '" + job + "'");
  std::vector<Submission> all = subs;
  Submission sub{job, {}};
  for (const auto& sh : shards) sub.tasks.push_back(format_point_list(sh));
  all.push_back(sub);
  write_submissions(dir, all);
  const std::string merge_cmd =
      "infsim sweep " + shell_quote(spec) + " --out " + shell_quote(out_file.string()) + " --merge";
  out << "sweep: submitted job " << job << ": " << todo.size() << " points in " << shards.size()
      << " array tasks; task logs and part files in '" << dir.string() << "'\n";
  if (!s.wait) {
    out << "sweep: when it has finished (squeue --jobs " << job << " lists nothing), merge with:\n"
        << "  " << merge_cmd << "\n";
    return;
  }

  // Wait: poll squeue, every 1 s at first, backing off to 30 s.
  int delay_ms = 1000, squeue_failures = 0;
  std::string last_state;
  for (;;) {
    const auto q = queued_tasks(job);
    if (!q) {
      if (++squeue_failures >= 10) slurm_command({"squeue", "--noheader", "--jobs", job});
    } else {
      squeue_failures = 0;
      if (q->empty()) break;
      std::map<std::string, std::size_t> counts;
      for (const auto& [t, st] : *q) {
        (void)t;
        ++counts[st];
      }
      std::string state;
      for (const auto& [st, n] : counts)
        state += (state.empty() ? "" : ", ") + std::to_string(n) + " " + st;
      if (state != last_state) log << "sweep: job " << job << ": " << state << " tasks\n";
      last_state = state;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    delay_ms = std::min(delay_ms * 3 / 2, 30000);
  }
  const std::size_t missing = merge_and_report(plan, out_file, dir, out);
  if (missing > 0)
    throw Error(std::to_string(missing) + " of " + std::to_string(plan.points.size()) +
                " points have no row (listed above); run the same command to submit them again");
}

}  // namespace

std::vector<std::size_t> parse_point_list(const std::string& text, const std::string& what) {
  std::set<std::size_t> pts;
  const auto bad = [&](const std::string& why) -> Error {
    return Error(what + " '" + text + "': " + why +
                 " (expected point numbers and ranges, e.g. 0-4,9)");
  };
  const auto number = [&](const std::string& t) {
    if (t.size() > 9 || !all_digits(t)) throw bad("'" + t + "' is not a point number");
    return static_cast<std::size_t>(std::stoul(t));
  };
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const auto dash = item.find('-');
    const std::size_t a = number(item.substr(0, dash));
    const std::size_t b = dash == std::string::npos ? a : number(item.substr(dash + 1));
    if (b < a) throw bad("range " + item + " runs backwards");
    if (b - a > 1000000) throw bad("range " + item + " is too long");
    for (std::size_t i = a; i <= b; ++i) pts.insert(i);
  }
  if (pts.empty() || text.back() == ',') throw bad("no points");
  return {pts.begin(), pts.end()};
}

std::string format_point_list(const std::vector<std::size_t>& points) {
  std::string s;
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i;
    while (j + 1 < points.size() && points[j + 1] == points[j] + 1) ++j;
    if (!s.empty()) s += ',';
    s += std::to_string(points[i]);
    if (j > i) s += "-" + std::to_string(points[j]);
    i = j + 1;
  }
  return s;
}

std::vector<std::vector<std::size_t>> shard_points(const std::vector<std::size_t>& todo,
                                                   std::size_t tasks) {
  std::vector<std::vector<std::size_t>> shards;
  if (tasks == 0) return shards;
  std::size_t at = 0;
  for (std::size_t t = 0; t < tasks; ++t) {
    const std::size_t n = todo.size() / tasks + (t < todo.size() % tasks ? 1 : 0);
    shards.emplace_back(todo.begin() + static_cast<std::ptrdiff_t>(at),
                        todo.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  return shards;
}

void add_slurm_options(CLI::App& sweep, SlurmOptions& o) {
  const std::string g = "Slurm (docs/SWEEP.md)";
  sweep
      .add_flag("--slurm", o.slurm,
                "Submit the points with no row yet as one Slurm job array (sbatch)")
      ->group(g);
  sweep.add_option("--partition", o.partition, "Slurm partition (sbatch --partition)")->group(g);
  sweep.add_option("--time", o.time, "Time limit of each array task (sbatch --time)")->group(g);
  sweep.add_option("--tasks", o.tasks, "Array tasks (default: one per point, at most 1000)")
      ->check(CLI::Range(1U, 1000000U))
      ->group(g);
  sweep.add_option("--points-per-task", o.points_per_task, "Points each array task runs")
      ->check(CLI::Range(1U, 1000000U))
      ->group(g);
  sweep
      .add_option("--sbatch-arg", o.sbatch_args,
                  "An option for sbatch, repeatable (--sbatch-arg=--mem=2G)")
      ->group(g);
  sweep.add_flag("--wait", o.wait, "Wait for the job array, then merge its rows into --out")
      ->group(g);
  sweep
      .add_flag("--dry-run", o.dry_run,
                "Print the shard plan, the sbatch command and the batch script; submit nothing")
      ->group(g);
  sweep
      .add_flag("--merge", o.merge,
                "Merge the array tasks' part files into --out; list points without a row")
      ->group(g);
  sweep.add_option("--points", o.points, "The points an array task runs (set by --slurm)")
      ->group("");  // hidden
}

bool slurm_sweep(SweepOptions& opts, const SlurmOptions& s, const RunOptionCheck& is_run_option,
                 std::ostream& out, std::ostream& log) {
  check_options(opts, s);
  if (!s.points.empty()) {
    if (s.slurm || s.merge) throw Error("--points is for the array tasks --slurm submits");
    opts.points = parse_point_list(s.points, "--points");
    return false;
  }
  if (!s.slurm && !s.merge) return false;
  const std::string spec = fs::absolute(opts.spec_file).lexically_normal().string();
  const fs::path out_file = fs::absolute(opts.out_file).lexically_normal();
  const fs::path dir = out_file.string() + ".slurm";
  const SweepPlan plan = read_sweep_plan(spec, is_run_option);
  if (s.merge) {
    std::error_code ec;
    if (!fs::exists(out_file, ec) && !fs::is_directory(dir, ec))
      throw Error("--merge: neither '" + out_file.string() + "' nor '" + dir.string() +
                  "' exists: nothing to merge (submit with --slurm first)");
    merge_and_report(plan, out_file, dir, out);
    return true;
  }
  submit(opts, s, plan, spec, out_file, dir, out, log);
  return true;
}

}  // namespace infsim_cli
