// `infsim sweep` on Slurm, the parts that need no cluster: an array task's shard (--points), the
// shard plan and batch script (--dry-run), merging part files with the reasons for missing points
// (--merge), and the errors. tests/slurm/run_slurm_tests.sh runs the rest on a real Slurm.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace infsim::test;

namespace {

/// Four points of the tiny CNN: cores 1, 2 x seed 1, 2.
std::string spec_text() {
  return R"({"base": {"preset": "inf1.xlarge", "graph": ")" + std::string(INFSIM_SOURCE_DIR) +
         R"(/examples/models/tiny_cnn.json", "requests": 20},
  "grid": {"cores": [1, 2], "seed": [1, 2]}})";
}

/// The CLI with PATH set to an empty directory: no sbatch, no squeue.
RunResult run_without_slurm(const TempDir& d, std::vector<std::string> args) {
  fs::create_directories(d.file("empty-path"));
  args.insert(args.begin(), {"PATH=" + d.file("empty-path"), INFSIM_CLI});
  return run_program("/usr/bin/env", args);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

/// Not a crash, nothing on stdout, the last stderr line an "infsim: error:" holding `expect`
/// (a warning about node-local paths may come before it).
void require_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code > 0);
  CHECK(r.exit_code < 128);
  CHECK(r.out.empty());
  const auto lines = lines_of(r.err);
  REQUIRE(!lines.empty());
  CHECK(std::count_if(lines.begin(), lines.end(),
                      [](const std::string& l) { return l.rfind("infsim: error:", 0) == 0; }) == 1);
  CHECK_THAT(lines.back(), StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(lines.back(), Contains(e));
}

}  // namespace

TEST_CASE("slurm: --points runs only an array task's shard", "[slurm][sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", spec_text());
  const RunResult r = run_cli({"sweep", spec, "--out", d.file("part.csv"), "--points", "1,3"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("2 points: 2 ok"));
  const auto rows = lines_of(read_text(d.file("part.csv")));
  REQUIRE(rows.size() == 3);
  CHECK_THAT(rows[0], StartsWith("point,preset,graph,requests,cores,seed,status,"));
  std::vector<std::string> points;
  for (std::size_t i = 1; i < rows.size(); ++i) points.push_back(rows[i].substr(0, 2));
  std::sort(points.begin(), points.end());
  CHECK(points == std::vector<std::string>{"1,", "3,"});

  require_error(run_cli({"sweep", spec, "--out", d.file("p2.csv"), "--points", "2,7"}),
                {"--points", "point 7", "4 points"});
  require_error(run_cli({"sweep", spec, "--out", d.file("p2.csv"), "--points", "3-1"}),
                {"--points", "backwards"});
  require_error(run_cli({"sweep", spec, "--out", d.file("p2.csv"), "--points", "1,x"}),
                {"--points", "'x' is not a point number"});
  require_error(run_cli({"sweep", spec, "--out", d.file("p2.csv"), "--points", "1,"}),
                {"--points", "no points"});
}

TEST_CASE("slurm: --dry-run prints the shard plan and the batch script, writes nothing",
          "[slurm][sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", spec_text());
  const std::string out = d.file("r.csv");
  RunResult r = run_without_slurm(
      d, {"sweep", spec, "--out", out, "--slurm", "--dry-run", "--tasks", "3", "--partition",
          "short", "--time", "0:10:00", "--sbatch-arg=--mem=1G", "--sbatch-arg=--account=a b"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string binary = fs::canonical(INFSIM_CLI).string();
  for (const std::string& want :
       {std::string("4 points in 3 array tasks (nothing submitted)"),
        std::string("task 0: 2 points: 0-1\n"), std::string("task 1: 1 point: 2\n"),
        std::string("task 2: 1 point: 3\n"),
        "sbatch --parsable --job-name=infsim-sweep --array=0-2 --output=" + out +
            ".slurm/task-%A_%a.log --partition=short --time=0:10:00 --mem=1G '--account=a b' " +
            out + ".slurm/job.sh",
        std::string("#!/bin/bash\n"), std::string("  0) points=0-1 ;;\n"),
        std::string("  2) points=3 ;;\n"),
        "exec " + binary + " sweep " + spec + " --out " + out +
            ".slurm/part-\"${SLURM_ARRAY_JOB_ID}-${SLURM_ARRAY_TASK_ID}.csv\" --points \"$points\" "
            "--jobs \"${SLURM_CPUS_PER_TASK:-1}\""})
    CHECK_THAT(r.out, Contains(want));
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out + ".slurm"));
  // The temp directory is on this node's disk: a warning, not an error.
  CHECK_THAT(r.err, Contains("infsim: warning: the sweep spec"));

  // Resume: only the points without a row, and the output is left as it is.
  REQUIRE(run_cli({"sweep", spec, "--out", out, "--points", "0,2"}).exit_code == 0);
  const std::string before = read_text(out);
  r = run_without_slurm(d, {"sweep", spec, "--out", out, "--slurm", "--dry-run", "--jobs", "2"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Contains("4 points, 2 with a row"));
  CHECK_THAT(r.out, Contains("2 points in 2 array tasks"));
  CHECK_THAT(r.out, Contains("task 0: 1 point: 1\ntask 1: 1 point: 3\n"));
  CHECK_THAT(r.out, Contains("--points \"$points\" --jobs 2\n"));
  CHECK(read_text(out) == before);
  CHECK_FALSE(fs::exists(out + ".slurm"));
}

TEST_CASE(
    "slurm: --merge takes whole rows from part files, in point order, and says why points "
    "are missing",
    "[slurm][sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", spec_text());
  const std::string full = d.file("full.csv");
  REQUIRE(run_cli({"sweep", spec, "--out", full, "--jobs", "2"}).exit_code == 0);
  std::vector<std::string> row(4);
  const auto full_lines = lines_of(read_text(full));
  REQUIRE(full_lines.size() == 5);
  for (std::size_t i = 1; i < full_lines.size(); ++i)
    row[std::stoul(full_lines[i].substr(0, full_lines[i].find(',')))] = full_lines[i] + "\n";
  const std::string header = full_lines[0] + "\n";

  // The output holds point 3; job 5's task 0 (points 0-1) wrote point 0 and was cut short in
  // point 1's row, then cancelled; its task 1 (point 2) never started.
  const std::string out = d.write("out.csv", header + row[3]);
  fs::create_directories(out + ".slurm");
  d.write("out.csv.slurm/part-5-0.csv", header + row[0] + row[1].substr(0, 30));
  d.write("out.csv.slurm/submissions.json",
          R"({"submissions": [{"job": "5", "tasks": ["0-1", "2"]}]})");
  d.write("out.csv.slurm/task-5_0.log",
          "sweep: 2 points, 0 already in 'part-5-0.csv', 2 to run, 1 at once\n"
          "sweep: [1/2] point 0 (cores=1 seed=1): ok, 0.2 s\n"
          "slurmstepd: error: *** JOB 5 ON n1 CANCELLED AT 2026-11-27T12:00:00 DUE TO TIME "
          "LIMIT ***\n");
  RunResult r = run_without_slurm(d, {"sweep", spec, "--out", out, "--merge"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("merged 1 rows from 1 part files"));
  CHECK_THAT(r.out, Contains("2 of 4 points have a row, 2 have none:\n"));
  CHECK_THAT(r.out, Contains("  point 1: task 0 of job 5: slurmstepd: error: *** JOB 5 ON n1 "
                             "CANCELLED AT 2026-11-27T12:00:00 DUE TO TIME LIMIT ***\n"));
  CHECK_THAT(r.out, Contains("  point 2: task 1 of job 5 left no log"));
  // Whole rows only, in point order, byte for byte the local sweep's.
  CHECK(read_text(out) == header + row[0] + row[3]);
  // squeue cannot tell whether job 5 has ended: its part file stays.
  CHECK(fs::exists(out + ".slurm/part-5-0.csv"));

  // Merging again adds nothing; a failed point's line in the log is its reason.
  d.write("out.csv.slurm/task-5_1.log",
          "sweep: [1/1] point 2 (cores=2 seed=1): failed: killed by signal 9 (Killed)\n");
  r = run_without_slurm(d, {"sweep", spec, "--out", out, "--merge"});
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("merged 0 rows"));
  CHECK_THAT(r.out,
             Contains("  point 2: task 1 of job 5: point 2 (cores=2 seed=1): failed: killed by "
                      "signal 9 (Killed)\n"));
  CHECK(read_text(out) == header + row[0] + row[3]);

  // Without the submission record, the points were never submitted.
  fs::remove(out + ".slurm/submissions.json");
  r = run_without_slurm(d, {"sweep", spec, "--out", out, "--merge"});
  CHECK_THAT(r.out, Contains("  points 1-2: not submitted yet"));

  // A damaged submission record is an error before anything is written or printed.
  d.write("out.csv.slurm/submissions.json", "{\"submissions\": [{\"job\": 5}]}");
  d.write("out.csv.slurm/part-6-0.csv", header + row[1]);
  require_error(run_without_slurm(d, {"sweep", spec, "--out", out, "--merge"}),
                {"submissions.json", "not a submission record"});
  CHECK(read_text(out) == header + row[0] + row[3]);
}

TEST_CASE("slurm: bad options and unusable outputs are one clear error", "[slurm][sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", spec_text());
  const std::string out = d.file("o.csv");
  require_error(run_cli({"sweep", spec, "--out", out, "--wait"}), {"--wait needs --slurm"});
  require_error(run_cli({"sweep", spec, "--out", out, "--tasks", "2"}), {"--tasks needs --slurm"});
  require_error(run_cli({"sweep", spec, "--out", out, "--slurm", "--tasks", "2",
                         "--points-per-task", "3", "--dry-run"}),
                {"--tasks and --points-per-task"});
  require_error(run_cli({"sweep", spec, "--out", out, "--slurm", "--merge"}),
                {"--merge and --slurm"});
  require_error(run_cli({"sweep", spec, "--out", out, "--slurm", "--wait", "--dry-run"}),
                {"--wait and --dry-run"});
  require_error(run_cli({"sweep", spec, "--out", out, "--slurm", "--dry-run", "--sbatch-arg=mem"}),
                {"--sbatch-arg 'mem'", "sbatch option"});
  require_error(run_cli({"sweep", spec, "--out", out, "--merge"}), {"nothing to merge"});
  require_error(run_without_slurm(d, {"sweep", spec, "--out", out, "--slurm"}),
                {"sbatch is not on PATH", "slurm-client"});
  require_error(run_cli({"sweep", spec, "--out", d.file("a%b.csv"), "--slurm", "--dry-run"}),
                {"'%'"});
  require_error(run_cli({"sweep", d.file("none.json"), "--out", out, "--slurm", "--dry-run"}),
                {"cannot read sweep spec", "none.json"});
  const std::string other = d.write("other.csv", "point,model,status\n0,resnet50,ok\n");
  require_error(run_without_slurm(d, {"sweep", spec, "--out", other, "--merge"}),
                {"other.csv", "other input columns"});
  CHECK(read_text(other) == "point,model,status\n0,resnet50,ok\n");
  CHECK(d.entries() == std::vector<std::string>{"empty-path", "other.csv", "spec.json"});
}
