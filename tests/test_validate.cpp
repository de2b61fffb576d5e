// `infsim validate` end to end (docs/VALIDATION.md): the table's checks, --check's exit codes on a
// synthetic table of a tiny model, the --json and --csv outputs, --set, --rows, --sensitivity, and
// the project's table (validation/inf1.json) running every row.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
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

const std::string kTinyGraph = std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json";

/// A row of the tiny model (examples/models/tiny_cnn.json, one core, 60 requests: ~10 ms).
json tiny_row(const std::string& id, const std::string& role, double throughput, double p50 = 0) {
  json pub = {{"throughput_per_s", throughput}};
  if (p50 > 0) pub["p50_ms"] = p50;
  return {{"id", id},
          {"description", "tiny CNN, one core"},
          {"args",
           {"--preset", "inf1.xlarge", "--graph", kTinyGraph, "--cores", "1", "--requests", "60"}},
          {"published", pub},
          {"source",
           {{"document", "this test"}, {"path", "tests/test_validate.cpp"}, {"date", "2026"}}},
          {"caveats", "synthetic"},
          {"role", role},
          {"tolerance", 0.15}};
}

json table_of(const std::vector<json>& rows) {
  return {{"schema_version", 1}, {"description", "test table"}, {"rows", rows}};
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// One "infsim: error:" line holding every string of `expect`, exit code 1, nothing on stdout,
/// and no output file left in `dir` beyond what was there.
void require_clean_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.signaled);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  const auto lines = lines_of(r.err);
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(lines[0], Contains(e));
}

/// Runs `infsim validate --table <table> args... --json <dir>/out.json`; returns the result and
/// the JSON written (null when none).
RunResult validate(const TempDir& dir, const json& table, std::vector<std::string> args,
                   json* out = nullptr) {
  const std::string path = dir.write("table.json", table.dump(2));
  std::vector<std::string> all = {"validate", "--table", path, "--json", dir.file("out.json")};
  all.insert(all.end(), args.begin(), args.end());
  fs::remove(dir.file("out.json"));
  const RunResult r = run_cli(all);
  if (out != nullptr)
    *out = fs::exists(dir.file("out.json")) ? json::parse(read_text(dir.file("out.json"))) : json();
  return r;
}

/// What the tiny row simulates (throughput, p50) with the given extra arguments.
std::pair<double, double> tiny_figures(const TempDir& dir,
                                       const std::vector<std::string>& args = {}) {
  json out;
  const RunResult r = validate(dir, table_of({tiny_row("tiny", "calibration", 1.0)}), args, &out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto& sim = out.at("rows").at(0).at("simulated");
  return {sim.at("throughput_per_s").get<double>(), sim.at("p50_ms").get<double>()};
}

}  // namespace

TEST_CASE("validate refuses a bad table with one line naming the file, row and field",
          "[validate][cli]") {
  TempDir dir;
  const std::string table_name = "table.json";
  struct Case {
    const char* what;
    json table;
    std::vector<std::string> expect;
  };
  json unknown_key = tiny_row("a", "calibration", 10);
  unknown_key["colour"] = "red";
  json no_throughput = tiny_row("a", "calibration", 10);
  no_throughput["published"].erase("throughput_per_s");
  json bad_p50 = tiny_row("a", "calibration", 10);
  bad_p50["published"]["p50_ms"] = -1;
  json bad_role = tiny_row("a", "calibration", 10);
  bad_role["role"] = "fit";
  json bad_tolerance = tiny_row("a", "calibration", 10);
  bad_tolerance["tolerance"] = 1.5;
  json no_source = tiny_row("a", "calibration", 10);
  no_source["source"].erase("path");
  json bad_range = tiny_row("a", "calibration", 10);
  bad_range["published"]["throughput_range"] = json::array({20, 30});
  json args_not_strings = tiny_row("a", "calibration", 10);
  args_not_strings["args"] = json::array({"--cores", 1});
  json bad_run_option = tiny_row("a", "calibration", 10);
  bad_run_option["args"].push_back("--frobnicate");
  json bad_cores = tiny_row("a", "calibration", 10);
  bad_cores["args"] = {"--graph", kTinyGraph, "--cores", "zero"};
  json writes_json = tiny_row("a", "calibration", 10);
  writes_json["args"].push_back("--json");
  writes_json["args"].push_back("x.json");
  json bad_set_in_row = tiny_row("a", "calibration", 10);
  bad_set_in_row["args"].push_back("--set");
  bad_set_in_row["args"].push_back("core.sram.capacity=3");
  json bad_id = tiny_row("a b", "calibration", 10);
  const std::vector<Case> cases = {
      {"schema version",
       {{"schema_version", 2}, {"rows", {tiny_row("a", "check", 1)}}},
       {table_name, "schema_version", "must be 1"}},
      {"unknown top-level key",
       {{"schema_version", 1}, {"rowz", json::array()}, {"rows", {tiny_row("a", "check", 1)}}},
       {table_name, "'rowz'", "unknown key"}},
      {"no rows", {{"schema_version", 1}, {"rows", json::array()}}, {table_name, "rows"}},
      {"unknown key in a row", table_of({unknown_key}), {table_name, "row 'a'", "'colour'"}},
      {"duplicate id",
       table_of({tiny_row("a", "check", 1), tiny_row("a", "check", 2)}),
       {table_name, "rows[1]", "id", "earlier row"}},
      {"bad id", table_of({bad_id}), {table_name, "rows[0]", "id"}},
      {"no throughput",
       table_of({no_throughput}),
       {"row 'a'", "published.throughput_per_s", "required"}},
      {"negative p50", table_of({bad_p50}), {"row 'a'", "published.p50_ms", "> 0"}},
      {"role", table_of({bad_role}), {"row 'a'", "role", "'fit'", "calibration, check"}},
      {"tolerance", table_of({bad_tolerance}), {"row 'a'", "tolerance", "(0, 1]"}},
      {"source without url or path", table_of({no_source}), {"row 'a'", "source", "url or a path"}},
      {"range without the figure",
       table_of({bad_range}),
       {"row 'a'", "published.throughput_range", "must hold"}},
      {"args not strings", table_of({args_not_strings}), {"row 'a'", "args[1]", "string"}},
      {"unknown run option", table_of({bad_run_option}), {"row 'a'", "args", "--frobnicate"}},
      {"run refuses a value", table_of({bad_cores}), {"row 'a'", "args", "--cores", "'zero'"}},
      {"an output option", table_of({writes_json}), {"row 'a'", "args", "--json", "not allowed"}},
      {"a bad --set in a row",
       table_of({bad_set_in_row}),
       {"row 'a'", "args", "core.sram.capacity", "did you mean"}},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const RunResult r = validate(dir, c.table, {});
    require_clean_error(r, c.expect);
    CHECK_FALSE(fs::exists(dir.file("out.json")));
  }
  SECTION("not JSON, and no table at all") {
    const std::string broken = dir.write("broken.json", "{\"schema_version\": 1,");
    require_clean_error(run_cli({"validate", "--table", broken}),
                        {"broken.json", "not valid JSON"});
    require_clean_error(run_cli({"validate", "--table", dir.file("absent.json")}),
                        {"--table", "absent.json"});
  }
}

TEST_CASE("validate refuses bad options with one line naming them", "[validate][cli]") {
  TempDir dir;
  const json table = table_of({tiny_row("tiny", "calibration", 100)});
  require_clean_error(validate(dir, table, {"--rows", "tiny,nope"}), {"--rows", "'nope'", "tiny"});
  require_clean_error(validate(dir, table, {"--set", "core.sram.capacity=3"}),
                      {"--set", "core.sram.capacity", "did you mean"});
  require_clean_error(validate(dir, table, {"--sensitivity", "core.tensor.colz"}),
                      {"--sensitivity", "core.tensor.colz"});
  require_clean_error(validate(dir, table, {"--sensitivity", "dram.model"}),
                      {"--sensitivity", "dram.model", "enum"});
  require_clean_error(validate(dir, table, {"--sensitivity", "core.tensor"}),
                      {"--sensitivity", "core.tensor", "group"});
  require_clean_error(validate(dir, table, {"--delta", "0.1"}), {"--delta", "--sensitivity"});
  require_clean_error(
      validate(dir, table, {"--sensitivity", "core.tensor.weight_load_overlap", "--delta", "1.5"}),
      {"--delta", "(0, 1)"});
  CHECK_FALSE(fs::exists(dir.file("out.json")));
}

TEST_CASE("validate --check passes a row at its published figures and fails one 2x off",
          "[validate][cli]") {
  TempDir dir;
  const auto [thr, p50] = tiny_figures(dir);
  REQUIRE(thr > 0);
  REQUIRE(p50 > 0);

  json out;
  RunResult r =
      validate(dir, table_of({tiny_row("tiny", "calibration", thr, p50)}), {"--check"}, &out);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.err.empty());
  CHECK_THAT(r.out, Contains("calibration: 1 of 1 rows within tolerance"));
  CHECK(out.at("rows").at(0).at("within_tolerance") == true);
  CHECK(out.at("rows").at(0).at("ratio").at("throughput").get<double>() == Approx(1.0));
  CHECK(out.at("rows").at(0).at("ratio").at("p50").get<double>() == Approx(1.0));

  // Throughput twice the simulated figure: the ratio is 0.5, outside 15%; --check fails with
  // code 2 naming the row, and the outputs are still written.
  r = validate(dir,
               table_of({tiny_row("good", "calibration", thr, p50),
                         tiny_row("slow", "calibration", 2 * thr, p50)}),
               {"--check"}, &out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("calibration: 1 of 2 rows within tolerance; worst error slow "
                             "throughput x0.50 (-50.0%, tolerance 15%)"));
  REQUIRE(lines_of(r.err).size() == 1);
  CHECK_THAT(r.err, StartsWith("infsim: error: --check: 1 calibration row outside tolerance"));
  CHECK_THAT(r.err, Contains("slow (throughput x0.50"));
  CHECK_THAT(r.err, !Contains("good"));
  CHECK(out.at("rows").at(1).at("within_tolerance") == false);
  CHECK(out.at("summary").at("calibration").at("worst").at("id") == "slow");

  // p50 twice the simulated figure fails too (the tolerance covers throughput and p50).
  r = validate(dir, table_of({tiny_row("lat", "calibration", thr, 2 * p50)}), {"--check"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Contains("lat (p50 x0.50"));

  // Without --check the same table exits 0; a check row outside tolerance never fails --check.
  r = validate(dir, table_of({tiny_row("slow", "calibration", 2 * thr)}), {});
  CHECK(r.exit_code == 0);
  r = validate(
      dir, table_of({tiny_row("good", "calibration", thr), tiny_row("held-out", "check", 2 * thr)}),
      {"--check"});
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("check: 0 of 1 rows within tolerance; worst error held-out"));
}

TEST_CASE(
    "validate --json holds the rows as written, the runs and the summary, --csv a line per "
    "row",
    "[validate][cli]") {
  TempDir dir;
  json row = tiny_row("tiny", "check", 1000, 0.5);
  row["published"]["p99_ms"] = 0.7;
  row["published"]["throughput_range"] = {900, 1100};
  row["notes"] = "a note";
  json out;
  const RunResult r = validate(
      dir, table_of({row, tiny_row("other", "calibration", 10)}),
      {"--rows", "tiny", "--csv", dir.file("out.csv"), "--set", "core.dma.queues=2"}, &out);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(out.at("schema_version") == 1);
  CHECK(out.at("overrides") == json::array({"core.dma.queues=2"}));
  REQUIRE(out.at("rows").size() == 1);  // --rows
  const json& j = out.at("rows").at(0);
  CHECK(j.at("id") == "tiny");
  CHECK(j.at("role") == "check");
  CHECK(j.at("row") == row);  // as written, source and caveats included
  const json args = j.at("args_run");
  CHECK(args.at(args.size() - 2) == "--set");
  CHECK(args.back() == "core.dma.queues=2");
  const double thr = j.at("simulated").at("throughput_per_s").get<double>();
  CHECK(j.at("ratio").at("throughput").get<double>() == Approx(thr / 1000));
  CHECK(j.at("ratio").at("p99").get<double>() ==
        Approx(j.at("simulated").at("p99_ms").get<double>() / 0.7));
  CHECK(out.at("summary").at("calibration").at("rows") == 0);
  CHECK(out.at("summary").at("check").at("rows") == 1);
  CHECK_THAT(r.out, Contains("tiny"));
  CHECK_THAT(r.out, !Contains("other"));
  const auto csv = lines_of(read_text(dir.file("out.csv")));
  REQUIRE(csv.size() == 2);
  CHECK_THAT(csv[0], StartsWith("parameter,move,value,id,role,tolerance,throughput_sim,"));
  CHECK_THAT(csv[1], StartsWith(",base,,tiny,check,0.15,"));
}

TEST_CASE("validate --set changes every row's run", "[validate][cli]") {
  TempDir dir;
  const auto base = tiny_figures(dir);
  const auto slow = tiny_figures(dir, {"--set", "core.vector.flops_per_cycle=8", "--set",
                                       "core.dma.queue_bandwidth_gib_s=0.5"});
  CHECK(slow.first < base.first);
  CHECK(slow.second > base.second);
}

TEST_CASE("validate --sensitivity reruns each row with each parameter moved", "[validate][cli]") {
  TempDir dir;
  json out;
  const RunResult r =
      validate(dir, table_of({tiny_row("tiny", "calibration", 100)}),
               {"--sensitivity", "core.vector.flops_per_cycle", "core.tensor.weight_load_overlap",
                "--delta", "0.5", "--csv", dir.file("out.csv")},
               &out);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("sensitivity"));
  CHECK_THAT(r.out, Contains("core.vector.flops_per_cycle      x0.50"));
  CHECK_THAT(r.out, Contains("core.tensor.weight_load_overlap  flip "));
  const json& s = out.at("sensitivity");
  CHECK(s.at("delta") == 0.5);
  REQUIRE(s.at("parameters").size() == 2);
  const json& flops = s.at("parameters").at(0);
  CHECK(flops.at("path") == "core.vector.flops_per_cycle");
  REQUIRE(flops.at("moves").size() == 2);
  const json& down = flops.at("moves").at(0).at("rows").at(0);
  const json& up = flops.at("moves").at(1).at("rows").at(0);
  const int base_flops = down.at("base_value").get<int>();
  CHECK(down.at("value").get<int>() == static_cast<int>(std::lround(base_flops * 0.5)));
  CHECK(up.at("value").get<int>() == static_cast<int>(std::lround(base_flops * 1.5)));
  // A slower VectorEngine never speeds a run up, a faster one never slows it.
  const double base_ratio = out.at("rows").at(0).at("ratio").at("throughput").get<double>();
  CHECK(down.at("ratio").at("throughput").get<double>() <= base_ratio);
  CHECK(up.at("ratio").at("throughput").get<double>() >= base_ratio);
  CHECK(down.at("change").at("throughput").get<double>() ==
        Approx(down.at("ratio").at("throughput").get<double>() / base_ratio - 1));
  const json& overlap = s.at("parameters").at(1);
  REQUIRE(overlap.at("moves").size() == 1);
  CHECK(overlap.at("moves").at(0).at("move") == "flip");
  const json& flipped = overlap.at("moves").at(0).at("rows").at(0);
  CHECK(flipped.at("value") == !flipped.at("base_value").get<bool>());
  // Overlapped weight loads never make the TensorEngine slower, whichever the default is.
  const double flipped_ratio = flipped.at("ratio").at("throughput").get<double>();
  if (flipped.at("value").get<bool>())
    CHECK(flipped_ratio >= base_ratio);
  else
    CHECK(flipped_ratio <= base_ratio);
  CHECK(flipped_ratio != base_ratio);  // the tiny model's convolutions do load weights
  // CSV: the base line and one per move and row.
  CHECK(lines_of(read_text(dir.file("out.csv"))).size() == 1 + 1 + 3);
}

TEST_CASE("validate --sensitivity reports a move the configuration refuses, and goes on",
          "[validate][cli]") {
  TempDir dir;
  json out;
  const RunResult r = validate(dir, table_of({tiny_row("tiny", "calibration", 100)}),
                               {"--sensitivity", "core.clock_mhz"}, &out);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const json& moves = out.at("sensitivity").at("parameters").at(0).at("moves");
  // 976.5625 MHz x 0.75 (and x 1.25) is not a whole number of picoseconds per cycle: refused,
  // named in the table and the JSON, and the command still succeeds.
  CHECK_THAT(moves.at(0).at("rows").at(0).at("error").get<std::string>(),
             Contains("core.clock_mhz"));
  CHECK_THAT(r.out, Contains("refused: core.clock_mhz x0.75 in tiny"));
}

TEST_CASE("validate runs every row of validation/inf1.json, calibration rows within tolerance",
          "[validate][table]") {
  // The calibration (docs/VALIDATION.md): every calibration row within its tolerance (15%) on
  // throughput and on p50 where published, with the presets' one parameter set. --check exits 2
  // naming a row that is not; the check rows are reported, not judged.
  TempDir dir;
  const std::string table_file = std::string(INFSIM_SOURCE_DIR) + "/validation/inf1.json";
  const json table = json::parse(read_text(table_file));
  const RunResult r =
      run_cli({"validate", "--table", table_file, "--check", "--json", dir.file("out.json")});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());
  const json out = json::parse(read_text(dir.file("out.json")));
  REQUIRE(out.at("rows").size() == table.at("rows").size());
  std::size_t calibration = 0;
  for (std::size_t i = 0; i < table.at("rows").size(); ++i) {
    const json& row = table.at("rows").at(i);
    const json& res = out.at("rows").at(i);
    INFO(row.at("id"));
    CHECK(res.at("id") == row.at("id"));
    CHECK(res.at("row") == row);
    CHECK_THAT(r.out, Contains(row.at("id").get<std::string>()));
    const double thr = res.at("simulated").at("throughput_per_s").get<double>();
    CHECK(thr > 0);
    CHECK(res.at("simulated").at("p50_ms").get<double>() > 0);
    CHECK(res.at("ratio").at("throughput").get<double>() ==
          Approx(thr / row.at("published").at("throughput_per_s").get<double>()));
    if (row.at("published").contains("p50_ms")) CHECK(res.at("ratio").at("p50").is_number());
    if (row.at("role") == "calibration") {
      ++calibration;
      CHECK(res.at("within_tolerance") == true);
    }
  }
  CHECK(calibration >= 4);
  CHECK(out.at("summary").at("calibration").at("rows") == calibration);
}
