// The infsim command line, end to end: runs the built binary (INFSIM_CLI) and checks its exit
// code, stdout, stderr and --json output for bad input and for the good paths.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace infsim::test;
using nlohmann::json;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string source_file(const std::string& rel) {
  return std::string(INFSIM_SOURCE_DIR) + "/" + rel;
}

std::string describe(const std::vector<std::string>& args) {
  std::string s = "infsim";
  for (const auto& a : args) s += " " + shell_quote(a);
  return s;
}

/// The run failed without crashing: not killed by a signal, an exit code in 1..127, nothing on
/// stdout. (The caller's INFO messages show with these checks.)
void require_failed_without_crash(const RunResult& r) {
  REQUIRE_FALSE(r.signaled);
  CHECK(r.exit_code > 0);
  CHECK(r.exit_code < 128);
  CHECK(r.out.empty());
}

/// A failure the program reports itself: non-zero exit (not a crash), nothing on stdout and
/// exactly one stderr line "infsim: error: ..." containing every string of `expect`.
void require_clean_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  require_failed_without_crash(r);
  const auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(lines[0], Contains(e));
}

/// A command-line parse error: in the project's format too (one "infsim: error:" line naming
/// `name`, exit code 1, nothing on stdout), not CLI11's own.
void require_parse_error(const RunResult& r, const std::string& name) {
  require_clean_error(r, {name});
  CHECK(r.exit_code == 1);
}

/// Runs `args` + `--json <dir>/out.json` in a fresh dir and checks that no output (and no
/// temporary) file is left behind. Returns the result for the caller's checks.
RunResult run_failing_with_json(const TempDir& dir, std::vector<std::string> args) {
  const std::string out = dir.file("out.json");
  args.push_back("--json");
  args.push_back(out);
  const auto before = dir.entries();
  const RunResult r = run_cli(args);
  INFO(describe(args));
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(out + ".tmp"));
  CHECK(dir.entries() == before);
  return r;
}

json read_json(const std::string& path) {
  REQUIRE(fs::exists(path));
  const std::string text = read_text(path);
  json j;
  REQUIRE_NOTHROW(j = json::parse(text));
  return j;
}

}  // namespace

// --- Bad input: the program's own errors ------------------------------------------------------

TEST_CASE("cli: malformed config JSON is one clean error naming the file", "[cli]") {
  TempDir dir;
  const std::string cfg = dir.write("broken.json", "{\"core\": {\"sram\": ");
  const auto r = run_failing_with_json(dir, {"run", "--requests", "50", "--config", cfg});
  require_clean_error(r, {"broken.json", "malformed JSON"});
}

TEST_CASE("cli: a config key that does not exist is named by its JSON path", "[cli]") {
  TempDir dir;
  const std::string cfg = dir.write("unknown.json", R"({"core": {"sram": {"capcity_mib": 16}}})");
  const auto r = run_failing_with_json(dir, {"run", "--requests", "50", "--config", cfg});
  require_clean_error(r, {"unknown.json", "core.sram.capcity_mib", "unknown key"});

  TempDir dir2;
  const std::string top = dir2.write("top.json", R"({"bogus": 1})");
  require_clean_error(run_failing_with_json(dir2, {"compile", "--config", top}),
                      {"bogus", "unknown key"});
}

TEST_CASE("cli: a config value of the wrong type is one clean error", "[cli]") {
  TempDir dir;
  const std::string cfg = dir.write("type.json", R"({"core": {"sram": {"capacity_mib": "big"}}})");
  require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--config", cfg}),
                      {"type.json", "core.sram.capacity_mib"});

  TempDir dir2;
  const std::string arr = dir2.write("array.json", "[1, 2]");
  require_clean_error(run_failing_with_json(dir2, {"run", "--requests", "50", "--config", arr}),
                      {"array.json"});

  TempDir dir3;
  require_clean_error(
      run_failing_with_json(dir3, {"run", "--requests", "50", "--set", "chips=four"}),
      {"--set", "chips"});
}

TEST_CASE("cli: zero or negative sizes via --set are rejected", "[cli]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"core.sram.capacity_mib=0", "core.sram.capacity_mib"},
      {"dram.bandwidth_gib_s=-5", "dram.bandwidth_gib_s"},
      {"dram.bandwidth_gib_s=0", "dram.bandwidth_gib_s"},
      {"core.sram.capacity_mib=-1", "core.sram.capacity_mib"},
      {"core.sram.capacity_mib=1e400", "core.sram.capacity_mib"},
  };
  for (const auto& c : cases) {
    INFO("--set " << c.first);
    TempDir dir;
    require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--set", c.first}),
                        {"--set", c.second});
  }
}

TEST_CASE("cli: --set without '=' or with an empty path is one clean error", "[cli]") {
  TempDir dir;
  require_clean_error(
      run_failing_with_json(dir, {"run", "--requests", "50", "--set", "core.sram.capacity_mib"}),
      {"--set", "core.sram.capacity_mib", "path=value"});
  TempDir dir2;
  require_clean_error(run_failing_with_json(dir2, {"compile", "--set", "=16"}),
                      {"--set", "empty path"});
}

TEST_CASE("cli: an unknown preset is one clean error listing the presets", "[cli]") {
  TempDir dir;
  require_clean_error(
      run_failing_with_json(dir, {"run", "--requests", "50", "--preset", "inf9.huge"}),
      {"inf9.huge", "inf1.xlarge"});
  // presets --show takes a name too.
  require_clean_error(run_cli({"presets", "--show", "inf9.huge"}), {"inf9.huge"});
}

TEST_CASE("cli: an unknown model is one clean error listing the models", "[cli]") {
  TempDir dir;
  require_clean_error(
      run_failing_with_json(dir, {"run", "--requests", "50", "--model", "alexnet-9000"}),
      {"alexnet-9000", "resnet50"});
  TempDir dir2;
  require_clean_error(run_failing_with_json(dir2, {"compile", "--model", "alexnet-9000"}),
                      {"alexnet-9000"});
}

TEST_CASE("cli: a missing config or graph file is one clean error naming the file", "[cli]") {
  TempDir dir;
  const std::string cfg = dir.file("no_such_config.json");
  require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--config", cfg}),
                      {"no_such_config.json"});
  const std::string graph = dir.file("no_such_graph.json");
  require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--graph", graph}),
                      {"no_such_graph.json"});
  require_clean_error(run_failing_with_json(dir, {"compile", "--graph", graph}),
                      {"no_such_graph.json"});
}

TEST_CASE("cli: a malformed graph file is one clean error naming the file", "[cli]") {
  TempDir dir;
  const std::string graph = dir.write("bad_graph.json", "{\"name\": \"g\", \"ops\": [");
  require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--preset",
                                                  "inf1.xlarge", "--cores", "2", "--graph", graph}),
                      {"bad_graph.json"});
  const std::string empty_ops = dir.write("no_ops.json", R"({"name": "g", "ops": 3})");
  require_clean_error(run_failing_with_json(dir, {"compile", "--graph", empty_ops}),
                      {"no_ops.json"});
}

TEST_CASE("cli: more cores than the topology has is one clean error", "[cli]") {
  TempDir dir;
  require_clean_error(run_failing_with_json(dir, {"run", "--requests", "50", "--preset",
                                                  "inf1.xlarge", "--cores", "8"}),
                      {"8", "inf1.xlarge", "4 NeuronCores"});
}

TEST_CASE("cli: a model that does not fit says by how much and how many cores fit", "[cli]") {
  TempDir dir;
  const auto r =
      run_failing_with_json(dir, {"run", "--requests", "50", "--preset", "inf1.xlarge", "--model",
                                  "resnet50", "--cores", "4", "--static-weights"});
  require_clean_error(r, {"resnet50", "does not fit", "bytes more than"});
  std::smatch m;
  const std::regex over("([0-9]+) bytes more than");
  const std::regex smallest("smallest core count that fits is ([0-9]+)");
  INFO(r.err);
  REQUIRE(std::regex_search(r.err, m, over));
  CHECK(std::stoull(m[1].str()) > 0);
  REQUIRE(std::regex_search(r.err, m, smallest));
  CHECK(std::stoul(m[1].str()) > 4);

  TempDir dir2;
  require_clean_error(run_failing_with_json(dir2, {"compile", "--preset", "inf1.xlarge", "--model",
                                                   "resnet50", "--cores", "4", "--static-weights"}),
                      {"does not fit", "smallest core count that fits"});
}

TEST_CASE("cli: --warmup >= --requests is one clean error", "[cli]") {
  for (const std::string warmup : {"100", "150"}) {
    INFO("--warmup " << warmup);
    TempDir dir;
    require_clean_error(
        run_failing_with_json(dir, {"run", "--requests", "100", "--warmup", warmup}),
        {"warmup", "requests"});
  }
}

TEST_CASE("cli: --json to an unwritable place is one clean error", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("no_such_dir/out.json");
  require_clean_error(run_cli({"run", "--requests", "50", "--json", out}), {out});
  // A directory in the way: the rename fails and the temporary is removed.
  fs::create_directory(dir.path() / "adir");
  require_clean_error(run_cli({"compile", "--json", dir.file("adir")}), {"adir"});
  CHECK_FALSE(fs::exists(dir.file("adir.tmp")));
}

// --- Bad input: command-line parse errors -----------------------------------------------------

TEST_CASE("cli: out-of-range option values are parse errors naming the option", "[cli]") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--cores", "0"}, "--cores"},
      {{"run", "--cores", "two"}, "--cores"},
      {{"run", "--requests", "0"}, "--requests"},
      {{"run", "--requests", "-5"}, "--requests"},
      {{"run", "--batch", "0"}, "--batch"},
      {{"run", "--rate", "-1"}, "--rate"},
      {{"run", "--seed", "-1"}, "--seed"},
      {{"run", "--warmup", "-3"}, "--warmup"},
      {{"run", "--concurrency", "-2"}, "--concurrency"},
      {{"run", "--model", "bert-base", "--seq-len", "0"}, "--seq-len"},
      {{"compile", "--cores", "0"}, "--cores"},
      {{"models", "--seq-len", "1000"}, "--seq-len"},
  };
  for (const auto& c : cases) {
    INFO(describe(c.first));
    TempDir dir;
    require_parse_error(run_failing_with_json(dir, c.first), c.second);
  }
  // The rejected value itself is named, not CLI11's 300-digit double range.
  const auto r = run_cli({"run", "--cores", "0"});
  CHECK(r.err.size() < 200);
}

TEST_CASE("cli: unknown subcommands and options are parse errors naming them", "[cli]") {
  require_parse_error(run_cli({"frobnicate"}), "frobnicate");
  require_parse_error(run_cli({"run", "--frobnicate"}), "--frobnicate");
  require_parse_error(run_cli({"compile", "--requests", "5"}), "--requests");
  require_parse_error(run_cli({"--frobnicate"}), "--frobnicate");
  TempDir dir;
  require_parse_error(run_failing_with_json(dir, {"run", "--requests", "50", "--bogus-flag"}),
                      "--bogus-flag");
  // --graph and --model exclude each other.
  TempDir dir2;
  require_parse_error(
      run_failing_with_json(dir2, {"run", "--graph", source_file("examples/models/tiny_cnn.json"),
                                   "--model", "resnet50"}),
      "--model");
  // No subcommand at all.
  require_parse_error(run_cli({}), "subcommand");
  // An option missing its value.
  require_parse_error(run_cli({"run", "--cores"}), "--cores");
}

// --- Good paths ---------------------------------------------------------------------------------

TEST_CASE("cli: run --json writes the whole report", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("report.json");
  const auto r = run_cli({"run", "--requests", "200", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.signaled);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Contains("throughput"));
  CHECK_THAT(r.out, Contains("latency"));
  CHECK_FALSE(fs::exists(out + ".tmp"));

  const json j = read_json(out);
  CHECK(j.at("throughput_per_s").get<double>() > 0);
  CHECK(j.at("simulated_time_s").get<double>() > 0);
  CHECK(j.at("requests").get<std::uint64_t>() == 200);
  REQUIRE(j.contains("warmup_requests"));
  const auto warmup = j.at("warmup_requests").get<std::uint64_t>();
  CHECK(warmup < 200);

  const json& lat = j.at("latency_ms");
  const double p50 = lat.at("p50").get<double>();
  const double p90 = lat.at("p90").get<double>();
  const double p99 = lat.at("p99").get<double>();
  const double mx = lat.at("max").get<double>();
  CHECK(p50 > 0);
  CHECK(p50 <= p90);
  CHECK(p90 <= p99);
  CHECK(p99 <= mx);

  // The default topology, inf1.6xlarge, has 16 NeuronCores: one pipeline stage each.
  const json& stages = j.at("plan").at("stages");
  REQUIRE(stages.is_array());
  CHECK(stages.size() == 16);
  for (const auto& s : stages) {
    INFO(s.dump());
    CHECK(s.contains("ops"));
    CHECK(s.at("weight_bytes").is_number_unsigned());
    CHECK(s.at("sram_bytes").get<std::uint64_t>() > 0);
  }
  REQUIRE(j.at("per_core").is_array());
  CHECK(j.at("per_core").size() == 16);
  CHECK(j.at("links").is_array());
  CHECK_FALSE(j.at("links").empty());
  CHECK(j.at("dram").is_array());
  CHECK_FALSE(j.at("dram").empty());
}

TEST_CASE("cli: run without --json prints the report and writes nothing", "[cli]") {
  TempDir dir;
  const auto r = run_cli({"run", "--preset", "inf1.24xlarge", "--model", "bert-base", "--seq-len",
                          "16", "--requests", "40"},
                         dir.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("throughput"));
  CHECK_THAT(r.out, Contains("latency"));
  CHECK_THAT(r.out, Contains("64 cores"));
  CHECK(dir.entries().empty());
}

TEST_CASE("cli: compile --json writes the plan", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("plan.json");
  const auto r = run_cli({"compile", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Contains("pipeline, 16 cores"));
  const json j = read_json(out);
  REQUIRE(j.at("stages").is_array());
  CHECK(j.at("stages").size() == 16);
  CHECK(j.at("cores").get<int>() == 16);
  for (const auto& s : j.at("stages")) {
    CHECK(s.contains("ops"));
    CHECK(s.contains("weight_bytes"));
    CHECK(s.contains("sram_bytes"));
  }
}

TEST_CASE("cli: a config file and --set overrides apply on top of the preset", "[cli]") {
  TempDir dir;
  const std::string cfg =
      dir.write("cfg.json", R"({"preset": "inf1.xlarge", "core": {"sram": {"capacity_mib": 24}}})");
  const std::string out = dir.file("plan.json");
  const auto r = run_cli({"compile", "--config", cfg, "--set", "dram.bandwidth_gib_s=100",
                          "--model", "resnet50", "--cores", "4", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const json j = read_json(out);
  CHECK(j.at("stages").size() == 4);
  CHECK(j.at("sram_capacity_bytes").get<std::uint64_t>() == 24ull << 20);
}

TEST_CASE("cli: presets lists the AWS instance presets", "[cli]") {
  const auto r = run_cli({"presets"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const char* name : {"inf1.xlarge", "inf1.2xlarge", "inf1.6xlarge", "inf1.24xlarge"})
    CHECK_THAT(r.out, Contains(name));

  const auto show = run_cli({"presets", "--show", "inf1.xlarge"});
  REQUIRE(show.exit_code == 0);
  json j;
  REQUIRE_NOTHROW(j = json::parse(show.out));
  CHECK(j.at("name") == "inf1.xlarge");
}

TEST_CASE("cli: models lists the built-in models", "[cli]") {
  const auto r = run_cli({"models"});
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  for (const char* name : {"resnet50", "bert-base", "bert-large"})
    CHECK_THAT(r.out, Contains(name));
}

TEST_CASE("cli: --help works for the program and every subcommand", "[cli]") {
  const std::vector<std::vector<std::string>> cases = {{"--help"},
                                                       {"run", "--help"},
                                                       {"compile", "--help"},
                                                       {"presets", "--help"},
                                                       {"models", "--help"}};
  for (const auto& args : cases) {
    INFO(describe(args));
    const auto r = run_cli(args);
    REQUIRE_FALSE(r.signaled);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("Usage"));
  }
  CHECK_THAT(run_cli({"run", "--help"}).out, Contains("--requests"));
  CHECK_THAT(run_cli({"compile", "--help"}).out, Contains("--cores"));
}

TEST_CASE("cli: a JSON graph file runs", "[cli]") {
  TempDir dir;
  const std::string out = dir.file("report.json");
  const auto r =
      run_cli({"run", "--graph", source_file("examples/models/tiny_cnn.json"), "--preset",
               "inf1.xlarge", "--cores", "2", "--requests", "100", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("throughput"));
  const json j = read_json(out);
  CHECK(j.at("cores").get<int>() == 2);
  CHECK(j.at("plan").at("stages").size() == 2);
  CHECK(j.at("throughput_per_s").get<double>() > 0);
}

TEST_CASE("cli: open loop runs are deterministic for a seed", "[cli]") {
  TempDir dir;
  auto run_seed = [&](const std::string& seed, const std::string& name) {
    const std::string out = dir.file(name);
    const auto r =
        run_cli({"run", "--requests", "200", "--rate", "1000", "--seed", seed, "--json", out});
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == 0);
    return std::make_pair(r.out, read_text(out));
  };
  const auto a = run_seed("7", "a.json");
  const auto b = run_seed("7", "b.json");
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);

  const json ja = json::parse(a.second);
  CHECK(ja.at("seed").get<std::uint64_t>() == 7);
  CHECK(ja.at("rate_per_s").get<double>() == 1000.0);

  const json jc = json::parse(run_seed("8", "c.json").second);
  CHECK(jc.at("seed").get<std::uint64_t>() == 8);
  CHECK(ja.at("latency_ms") != jc.at("latency_ms"));
}

// --- Issue 4: core counts, groups, streamed weights, plans as files --------------------------

TEST_CASE("cli: compile --cores auto prints the table, the choice and the AWS rule",
          "[cli][modes]") {
  TempDir dir;
  const std::string out = dir.file("plan.json");
  const auto r = run_cli({"compile", "--model", "resnet50", "--preset", "inf1.6xlarge", "--cores",
                          "auto", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("fits in SRAM") && Contains("<- chosen") &&
                        Contains("<- AWS rule of thumb") &&
                        Contains("chosen: 5 cores (objective: fit)"));
  // The fewest cores that keep every weight in SRAM, activations spilled where they must be.
  const json j = read_json(out);
  CHECK(j.at("cores").get<int>() == 5);
  CHECK(j.at("auto_cores").at("chosen").get<int>() == 5);
  CHECK(j.at("auto_cores").at("aws_rule_of_thumb").get<int>() == 4);
  CHECK(j.at("auto_cores").at("rows").size() == 16);
}

TEST_CASE("cli: run --cores auto --objective throughput simulates every core count",
          "[cli][modes]") {
  const auto r =
      run_cli({"run", "--graph", source_file("examples/models/tiny_cnn.json"), "--preset",
               "inf1.xlarge", "--cores", "auto", "--objective", "throughput", "--requests", "100"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("cores auto: ") && Contains("highest simulated throughput"));
}

TEST_CASE("cli: a plan written by compile runs with --plan, and a bad plan is one clean error",
          "[cli][modes]") {
  TempDir dir;
  const std::string plan = dir.file("plan.json");
  REQUIRE(
      run_cli({"compile", "--model", "resnet50", "--cores", "8", "--groups", "2", "--json", plan})
          .exit_code == 0);
  const std::string out = dir.file("report.json");
  const auto r =
      run_cli({"run", "--model", "resnet50", "--plan", plan, "--requests", "100", "--json", out});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("data-parallel, 2 groups of 8 cores"));
  const json j = read_json(out);
  CHECK(j.at("mode") == "data-parallel");
  CHECK(j.at("groups").get<int>() == 2);

  // Edited by hand: stage 3 of group 0 moved onto a core that does not exist.
  json edited = read_json(plan);
  edited["stages"][3]["core"] = 99;
  const std::string bad = dir.file("bad.json");
  {
    std::ofstream f(bad);
    f << edited.dump();
  }
  require_clean_error(run_cli({"run", "--model", "resnet50", "--plan", bad, "--requests", "10"}),
                      {"bad.json", "stages[3].core = 99"});
  require_clean_error(
      run_cli({"run", "--model", "resnet50", "--plan", dir.file("none.json"), "--requests", "10"}),
      {"none.json"});
  // The plan is for ResNet-50: another model is refused by name.
  require_clean_error(run_cli({"run", "--model", "bert-base", "--plan", plan, "--requests", "10"}),
                      {"plan.json", "but the graph is 'bert-base'"});
}

TEST_CASE("cli: bad --cores, --groups and --objective values are refused", "[cli][modes]") {
  require_parse_error(run_cli({"run", "--cores", "many"}), "--cores");
  require_parse_error(run_cli({"run", "--cores", "0"}), "--cores");
  require_parse_error(run_cli({"run", "--groups", "0"}), "--groups");
  require_parse_error(run_cli({"compile", "--cores", "auto", "--objective", "speed"}),
                      "--objective");
  require_clean_error(run_cli({"run", "--cores", "8", "--groups", "3", "--requests", "10"}),
                      {"8 per group", "3 groups", "16 NeuronCores"});
  require_clean_error(run_cli({"run", "--cores", "auto", "--groups", "2", "--requests", "10"}),
                      {"--cores auto", "--groups"});
}
