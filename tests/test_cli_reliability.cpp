// The CLI under hostile input (issue 11, the CLI and run side): parse errors in the project's
// one-line format, names and values printed escaped and cut, ignored or unrepresentable input
// refused, outputs written all or nothing through temporaries without replacing links, FIFOs,
// devices, read-only files or inputs, CSV cells escaped, and the run's memory bounds.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/infsim.hpp"
#include "infsim/microbench.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace infsim::test;

namespace {

std::vector<std::string> lines_in(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Exit code 1 (not a crash, not CLI11's 104-114), nothing on stdout, exactly one stderr line
/// "infsim: error: ..." holding every string of `expect`.
void require_one_line_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.signaled);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  const auto lines = lines_in(r.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], StartsWith("infsim: error: "));
  for (const auto& e : expect) CHECK_THAT(lines[0], Contains(e));
}

std::string tiny_graph() {
  return std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json";
}

/// A quick run: the tiny CNN on two cores of inf1.xlarge.
std::vector<std::string> quick_run(std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"run",     "--preset", "inf1.xlarge", "--graph", tiny_graph(),
                             "--cores", "2",        "--requests",  "30"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

/// A quick compile of the tiny CNN.
std::vector<std::string> quick_compile(std::vector<std::string> extra = {}) {
  std::vector<std::string> a{"compile", "--preset", "inf1.xlarge", "--graph", tiny_graph(),
                             "--cores", "2"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

/// RFC 4180 rows (quoted fields with commas, "" for a quote).
std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (c == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
    } else {
      cell += c;
    }
  }
  if (rows.back().empty()) rows.pop_back();
  return rows;
}

}  // namespace

// --- Messages -----------------------------------------------------------------------------------

TEST_CASE("cli messages: parse errors are one infsim: error: line with exit code 1",
          "[cli][reliability]") {
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"run", "--seed", "1", "--seed", "2", "--seed", "3"}, {"--seed", "given 3", "once"}},
      {{"run", "--cores"}, {"--cores", "needs a value"}},
      {{"run", "--frobnicate"}, {"--frobnicate"}},
      {{"frobnicate"}, {"frobnicate"}},
      {{}, {"subcommand"}},
      {{"run", "--seq-len", "1000"}, {"--seq-len", "1..512", "1000"}},
      {{"run", "--objective", "speed"}, {"--objective", "'speed'", "fit"}},
      {{"microbench", "tensor"}, {"--m is required"}},
      {{"run", "--rate", "5", "--concurrency", "4"}, {"--rate", "--concurrency"}},
      {{"run", "--requests", "abc"}, {"--requests", "'abc'", "not a whole number"}},
  };
  for (const auto& [args, expect] : cases) {
    INFO("args: " << args.size());
    const RunResult r = run_cli(args);
    require_one_line_error(r, expect);
    CHECK_THAT(r.err, !Contains("At Most") && !Contains("Run with --help"));
  }
  // --help still prints the help, on stdout, with exit code 0, and documents --max-queue.
  const RunResult help = run_cli({"run", "--help"});
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.out, Contains("--max-queue"));
}

TEST_CASE("cli messages: names and values are printed escaped and cut", "[cli][reliability]") {
  TempDir dir;
  // A newline in a file name cannot split the message or forge a second error line.
  const std::string forged = dir.file("a\ninfsim: error: forged");
  require_one_line_error(run_cli({"run", "--config", forged}), {"a\\ninfsim: error: forged"});
  require_one_line_error(run_cli({"run", "--set", "core.sram.capacity_mib=1\n2"}),
                         {"core.sram.capacity_mib"});
  require_one_line_error(run_cli({"run", "--requests", "5\x1b[31m"}), {"\\x1b[31m"});
  // A long value is cut.
  const std::string long_name = dir.file(std::string(3000, 'x') + ".json");
  const RunResult r = run_cli({"run", "--graph", long_name});
  require_one_line_error(r, {"xxx"});
  CHECK(r.err.size() < 2200);
}

TEST_CASE("cli messages: a directory read as a file is named and said to be a directory",
          "[cli][reliability]") {
  TempDir dir;
  const std::string d = dir.path().string();
  require_one_line_error(run_cli({"run", "--config", d}), {"--config", d, "is a directory"});
  require_one_line_error(run_cli({"compile", "--graph", d}), {"--graph", d, "is a directory"});
  require_one_line_error(run_cli({"run", "--plan", d}), {"--plan", d, "is a directory"});
  require_one_line_error(run_cli({"graph", d}), {d, "is a directory"});
  require_one_line_error(run_cli({"sweep", d, "--out", dir.file("o.csv")}), {d, "is a directory"});
  // An output that is a directory, the sweep's among them.
  const std::string spec = dir.write("s.json", R"({"grid": {"requests": [20]}})");
  require_one_line_error(run_cli({"sweep", spec, "--out", d}), {"--out", "it is a directory"});
  require_one_line_error(run_cli(quick_compile({"--json", d})), {"--json", "it is a directory"});
  // A missing directory: the reason is given.
  require_one_line_error(run_cli(quick_compile({"--json", dir.file("no/such/x.json")})),
                         {"--json", "does not exist", "No such file or directory"});
}

// --- Ignored input is refused -------------------------------------------------------------------

TEST_CASE("cli: options that would be ignored are refused", "[cli][reliability]") {
  TempDir dir;
  const RunResult plan_run = run_cli(quick_compile({"--json", dir.file("plan.json")}));
  REQUIRE(plan_run.exit_code == 0);
  const std::string plan = dir.file("plan.json");
  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> cases = {
      {{"run", "--graph", ""}, {"--graph", "empty file name"}},
      {{"run", "--config", ""}, {"--config", "empty file name"}},
      {{"run", "--plan", plan, "--graph", tiny_graph(), "--groups", "2"}, {"--groups", "--plan"}},
      {{"run", "--plan", plan, "--graph", tiny_graph(), "--batch", "2"}, {"--batch", "--plan"}},
      {{"run", "--graph", tiny_graph(), "--input-shape", "x=1,3,8,8"},
       {"--input-shape", "JSON graph"}},
      {{"run", "--input-shape", "x=1,3,8,8"}, {"--input-shape", "no --graph"}},
      {{"run", "--max-queue", "5"}, {"--max-queue", "--rate"}},
      {{"run", "--trace-requests", "5"}, {"--trace-requests", "--trace"}},
      {{"run", "--cores", "4", "--objective", "throughput"}, {"--objective", "--cores auto"}},
      {{"microbench", "dram", "--cores", "1000"},
       {"--cores = 1000", "exceeds the 4 cores of one chip"}},
      {{"microbench", "link", "--preset", "inf1.24xlarge", "--flows", "100000000"},
       {"--flows = 100000000", "limit of 1024"}},
  };
  for (const auto& [args, expect] : cases) {
    INFO("case " << (expect.empty() ? "" : expect.front()));
    require_one_line_error(run_cli(args), expect);
  }
}

TEST_CASE("cli: a repeated --input-shape for one input is refused", "[cli][reliability][onnx]") {
  if (std::string(INFSIM_ONNX_PYTHON).empty()) {
    missing_dependency(
        "no python3 could import onnx when the build was configured, so the ONNX "
        "test models were not written",
        INFSIM_ONNX_MISSING);
    return;
  }
  const std::string model = std::string(INFSIM_ONNX_MODELS) + "/resnet50.onnx";
  REQUIRE(fs::exists(model));
  require_one_line_error(run_cli({"graph", model, "--input-shape", "input=1,3,224,224",
                                  "--input-shape", "input=2,3,224,224"}),
                         {"--input-shape", "'input'", "more than once"});
}

// --- Unrepresentable values are refused ---------------------------------------------------------

TEST_CASE("cli: values the simulated clock or the option cannot hold are refused",
          "[cli][reliability]") {
  require_one_line_error(run_cli(quick_run({"--rate", "1e-300"})),
                         {"rate", "too low", "simulated clock"});
  require_one_line_error(run_cli(quick_run({"--set", "core.clock_mhz=1e-12"})),
                         {"core.clock_mhz", ">= 1"});
  require_one_line_error(run_cli(quick_run({"--seed", "99999999999999999999999"})),
                         {"--seed", "at most 18446744073709551615"});
  require_one_line_error(run_cli(quick_run({"--groups", "4294967296"})),
                         {"--groups", "at most 4294967295"});
  TempDir dir;
  require_one_line_error(
      run_cli(quick_run({"--trace", dir.file("t.json"), "--trace-requests", "100000"})),
      {"--trace-requests", "at most 1000"});
  CHECK(dir.entries().empty());
  // The library refuses them too (for callers that are not the CLI).
  infsim::Workload w;
  w.rate_per_s = 1e-300;
  CHECK_THROWS_WITH(infsim::validate(w), Contains("too low"));
  w.rate_per_s = 1000;
  w.max_queue = 0;
  CHECK_THROWS_WITH(infsim::validate(w), Contains("max_queue"));
}

// --- Outputs ------------------------------------------------------------------------------------

TEST_CASE("cli outputs: temporaries are unique, permissions kept, nothing left behind",
          "[cli][reliability]") {
  TempDir dir;
  // Someone's out.json.tmp is not touched.
  const std::string mine = dir.write("out.json.tmp", "mine");
  const std::string out = dir.write("out.json", "old");
  ::chmod(out.c_str(), 0640);
  const RunResult r = run_cli(quick_compile({"--json", out}));
  REQUIRE(r.exit_code == 0);
  CHECK(read_text(mine) == "mine");
  CHECK(nlohmann::json::parse(read_text(out)).contains("stages"));
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
  CHECK(dir.entries() == std::vector<std::string>{"out.json", "out.json.tmp"});
}

TEST_CASE("cli outputs: symlinks are followed, FIFOs and devices written directly",
          "[cli][reliability]") {
  TempDir dir;
  const std::string target = dir.write("target.json", "old");
  const std::string link = dir.file("link.json");
  fs::create_symlink(target, link);
  REQUIRE(run_cli(quick_compile({"--json", link})).exit_code == 0);
  CHECK(fs::is_symlink(link));
  CHECK(nlohmann::json::parse(read_text(target)).contains("stages"));
  // A dangling link: its target is created.
  const std::string dangling = dir.file("dangling.json");
  fs::create_symlink(dir.file("made.json"), dangling);
  REQUIRE(run_cli(quick_compile({"--json", dangling})).exit_code == 0);
  CHECK(fs::is_symlink(dangling));
  CHECK(fs::is_regular_file(dir.file("made.json")));

  // /dev/null stays a device (as root a rename would have replaced it).
  REQUIRE(
      run_cli({"microbench", "tensor", "--m", "8", "--n", "8", "--k", "8", "--json", "/dev/null"})
          .exit_code == 0);
  CHECK(fs::is_character_file("/dev/null"));
  // /dev/stderr is written into (here the test's capture file, a regular file), not renamed
  // over: the capture file holds the JSON.
  const RunResult to_stderr = run_cli(
      {"microbench", "tensor", "--m", "8", "--n", "8", "--k", "8", "--json", "/dev/stderr"});
  CHECK(to_stderr.exit_code == 0);
  CHECK(nlohmann::json::parse(to_stderr.err).contains("cycles"));

  // A FIFO with a reader gets the text; without one, a clean error instead of a hang.
  const std::string fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  require_one_line_error(
      run_cli({"microbench", "tensor", "--m", "8", "--n", "8", "--k", "8", "--json", fifo}),
      {"--json", "FIFO", "nobody reads"});
  const int rd = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  REQUIRE(rd >= 0);
  const RunResult r =
      run_cli({"microbench", "tensor", "--m", "8", "--n", "8", "--k", "8", "--json", fifo});
  CHECK(r.exit_code == 0);
  char buf[4096];
  const ssize_t n = ::read(rd, buf, sizeof buf);
  ::close(rd);
  REQUIRE(n > 0);
  CHECK(nlohmann::json::parse(std::string(buf, static_cast<std::size_t>(n))).contains("cycles"));
  CHECK(fs::is_fifo(fifo));
}

TEST_CASE(
    "cli outputs: read-only files, two outputs on one file and outputs onto inputs are "
    "refused before the run",
    "[cli][reliability]") {
  TempDir dir;
  const std::string ro = dir.write("ro.json", "keep");
  ::chmod(ro.c_str(), 0444);
  require_one_line_error(run_cli(quick_run({"--json", ro})), {"--json", "read-only"});
  CHECK(read_text(ro) == "keep");

  const std::string same = dir.file("same.out");
  require_one_line_error(run_cli(quick_run({"--json", same, "--csv", same})),
                         {"--csv", "--json", "same file"});
  require_one_line_error(
      run_cli(quick_run({"--json", dir.file("x.json"), "--trace", dir.file("./x.json")})),
      {"--trace", "--json", "same file"});
  CHECK_FALSE(fs::exists(same));

  const std::string cfg = dir.write("cfg.json", R"({"core": {"sram": {"capacity_mib": 24}}})");
  require_one_line_error(run_cli(quick_run({"--config", cfg, "--json", cfg})),
                         {"--json", "is the --config input file"});
  CHECK(read_text(cfg) == R"({"core": {"sram": {"capacity_mib": 24}}})");
  const std::string graph = dir.write("g.json", read_text(tiny_graph()));
  require_one_line_error(run_cli({"compile", "--preset", "inf1.xlarge", "--graph", graph, "--cores",
                                  "2", "--json", graph}),
                         {"--graph input file"});
  const std::string spec = dir.write("s.json", R"({"grid": {"requests": [20]}})");
  require_one_line_error(run_cli({"sweep", spec, "--out", spec}),
                         {"--out", "sweep spec input file"});
}

TEST_CASE("cli outputs: all or nothing", "[cli][reliability]") {
  TempDir dir;
  const std::string good = dir.file("good.json");
  require_one_line_error(run_cli(quick_run({"--json", good, "--csv", "/nonexistent/x.csv"})),
                         {"--csv", "/nonexistent"});
  CHECK(dir.entries().empty());

  // A sweep whose temporary directory is missing leaves no header-only CSV.
  const std::string spec = dir.write("s.json", R"({"grid": {"requests": [20]}})");
  const std::string csv = dir.file("o.csv");
  require_one_line_error(
      run_program("env", {"TMPDIR=" + dir.file("no_tmp"), INFSIM_CLI, "sweep", spec, "--out", csv}),
      {"temporary directory"});
  CHECK_FALSE(fs::exists(csv));
}

// --- CSV ----------------------------------------------------------------------------------------

TEST_CASE("csv: csv_header and csv_row escape the summary's commas", "[report][reliability]") {
  infsim::Report r;
  r.warmup_rule = "the first 2 completions, in order, are \"warm-up\"";
  r.bottleneck = "stage 0, core 1";
  const auto header = csv_rows(infsim::csv_header());
  const auto row = csv_rows(infsim::csv_row(r));
  REQUIRE(header.size() == 1);
  REQUIRE(row.size() == 1);
  REQUIRE(row[0].size() == header[0].size());
  for (std::size_t i = 0; i < header[0].size(); ++i) {
    if (header[0][i] == "warmup_rule") CHECK(row[0][i] == r.warmup_rule);
    if (header[0][i] == "bottleneck") CHECK(row[0][i] == r.bottleneck);
  }
  CHECK(infsim::csv_line({"a,b", "c\"d", "e\nf", "g"}) == "\"a,b\",\"c\"\"d\",\"e\nf\",g\n");
}

// --- Bounded memory -----------------------------------------------------------------------------

TEST_CASE("open loop: a full host queue refuses arrivals and the report counts them",
          "[simulate][reliability]") {
  const infsim::Graph g = tiny();
  const infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  infsim::CompileOptions co;
  co.cores = 1;
  const infsim::Plan plan = infsim::compile(g, cfg, co);
  infsim::Workload w;
  w.requests = 3000;
  w.rate_per_s = 1e9;  // far beyond what one core serves
  w.max_queue = 16;
  w.warmup = 2;  // few requests complete: the default warm-up (10% of requests) would take all
  const infsim::Report r = infsim::simulate(cfg, g, plan, w);
  CHECK(r.refused_requests > 2000);
  CHECK(r.max_queue == 16);
  CHECK(r.measured_requests + r.warmup_requests + r.refused_requests == w.requests);
  CHECK(r.latency_ms.max > 0);
  const nlohmann::json j = infsim::to_json(r);
  CHECK(j.at("refused_requests").get<std::uint64_t>() == r.refused_requests);
  CHECK_THAT(infsim::format_text(r), Contains("refused"));
  // The queue bound caps latency: with a longer queue requests wait longer.
  w.max_queue = 256;
  const infsim::Report longer = infsim::simulate(cfg, g, plan, w);
  CHECK(longer.refused_requests < r.refused_requests);
  CHECK(longer.queue_ms.max > r.queue_ms.max);
  // A closed loop never refuses, and the default open loop keeps every request of a short run.
  const infsim::Report closed = infsim::simulate(cfg, g, plan, requests(200));
  CHECK(closed.refused_requests == 0);
  CHECK(closed.max_queue == 0);
  infsim::Workload open;
  open.requests = 500;
  open.rate_per_s = 1e9;
  const infsim::Report all = infsim::simulate(cfg, g, plan, open);
  CHECK(all.refused_requests == 0);
  CHECK(all.max_queue == infsim::kDefaultMaxQueue);
}

TEST_CASE("trace: more than kMaxTraceRequests traced requests is refused", "[trace][reliability]") {
  const infsim::Graph g = tiny();
  const infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  infsim::CompileOptions co;
  co.cores = 1;
  const infsim::Plan plan = infsim::compile(g, cfg, co);
  nlohmann::json trace;
  infsim::RunOptions o;
  o.trace = &trace;
  o.trace_requests = infsim::kMaxTraceRequests + 1;
  CHECK_THROWS_WITH(infsim::simulate(cfg, g, plan, requests(10), o),
                    Contains("exceeds the limit of 1000"));
  CHECK_THROWS_WITH(infsim::microbench_dram(cfg, "sequential", 5, 10), Contains("4 cores"));
}
