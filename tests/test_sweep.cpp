// CSV output (the library's to_csv, `infsim run --csv`), `infsim sweep` end to end (grid, list,
// failing points, resume, parallel jobs, spec errors) and scripts/plot.py's PNGs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/report.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace infsim::test;
using nlohmann::json;

namespace {

using Rows = std::vector<std::vector<std::string>>;

/// An RFC 4180 reader written independently of the CLI's, so each checks the other's output.
Rows read_csv_text(const std::string& text) {
  Rows rows(1);
  std::string cell;
  bool in_quotes = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes && c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      cell += '"';
      ++i;
    } else if (c == '"') {
      in_quotes = !in_quotes;
    } else if (!in_quotes && c == ',') {
      rows.back().push_back(cell);
      cell.clear();
    } else if (!in_quotes && c == '\n') {
      rows.back().push_back(cell);
      cell.clear();
      rows.emplace_back();
    } else {
      cell += c;
    }
  }
  REQUIRE_FALSE(in_quotes);
  if (rows.back().empty() && cell.empty()) rows.pop_back();  // the final newline
  return rows;
}

/// A sweep CSV as maps column -> cell, one per row.
std::vector<std::map<std::string, std::string>> sweep_rows(const std::string& path) {
  const Rows rows = read_csv_text(read_text(path));
  REQUIRE(!rows.empty());
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == rows[0].size());
    std::map<std::string, std::string> m;
    for (std::size_t c = 0; c < rows[0].size(); ++c) m[rows[0][c]] = rows[i][c];
    out.push_back(m);
  }
  return out;
}

std::string tiny_graph() {
  return std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json";
}

/// Four grid points on the tiny CNN, one list point, one list point that cannot run.
std::string good_spec() {
  return R"({"description": "test",
  "base": {"preset": "inf1.xlarge", "graph": ")" +
         tiny_graph() + R"(", "requests": 60},
  "grid": {"cores": [1, 2], "core.sram.capacity_mib": [12, 16]},
  "list": [{"cores": 3, "seq_len": 64}, {"cores": 5}]})";
}

/// Not a crash, nothing on stdout, one "infsim: error:" line holding each of `expect`.
void require_one_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code > 0);
  CHECK(r.exit_code < 128);
  CHECK(r.out.empty());
  const std::string first = r.err.substr(0, r.err.find('\n'));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(first, StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(first, Contains(e));
}

}  // namespace

// --- The library's CSV ---------------------------------------------------------------------

TEST_CASE("csv: csv_escape quotes only what needs it", "[csv]") {
  CHECK(infsim::csv_escape("plain") == "plain");
  CHECK(infsim::csv_escape("") == "");
  CHECK(infsim::csv_escape("a,b") == "\"a,b\"");
  CHECK(infsim::csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(infsim::csv_escape("two\nlines") == "\"two\nlines\"");
}

TEST_CASE("csv: to_csv is a tidy table of the report's summary and tables", "[csv]") {
  infsim::Report r;
  r.config = "inf1.xlarge";
  r.model = "m";
  r.cores = 2;
  r.throughput_per_s = 1234.5;
  r.latency_ms.p95 = 0.25;
  r.latency_ms.p999 = 0.5;
  r.bottleneck = "stage 1, because \"it is slow\"";
  r.plan = {{"stages", json::array({{{"core", 0}}})}};
  for (std::uint32_t i = 0; i < 2; ++i) {
    infsim::StageReport s;
    s.index = i;
    s.core = i;
    s.service_us = 1.5 + i;
    s.first_op = "op" + std::to_string(i);
    r.stages.push_back(s);
  }
  r.links.push_back({"link, 0 to 1", 4096, 2, 0.125});

  const Rows rows = read_csv_text(infsim::to_csv(r));
  REQUIRE(rows.size() > 3);
  CHECK(rows[0] == std::vector<std::string>{"section", "index", "field", "value"});
  std::map<std::string, std::string> summary;
  std::map<std::string, std::map<std::string, std::string>> table;  // "section/index" -> fields
  for (std::size_t i = 1; i < rows.size(); ++i) {
    REQUIRE(rows[i].size() == 4);
    if (rows[i][0] == "summary") {
      CHECK(rows[i][1].empty());
      summary[rows[i][2]] = rows[i][3];
    } else {
      table[rows[i][0] + "/" + rows[i][1]][rows[i][2]] = rows[i][3];
    }
  }
  CHECK(summary.at("throughput_per_s") == "1234.5");
  CHECK(summary.at("latency_ms.p95") == "0.25");
  CHECK(summary.at("latency_ms.p999") == "0.5");
  CHECK(summary.at("config") == "inf1.xlarge");
  CHECK(summary.at("bottleneck") == "stage 1, because \"it is slow\"");
  CHECK(summary.count("plan") == 0);
  CHECK(summary.count("plan.stages") == 0);
  CHECK(table.at("stages/0").at("service_us") == "1.5");
  CHECK(table.at("stages/1").at("service_us") == "2.5");
  CHECK(table.at("stages/1").at("first_op") == "op1");
  CHECK(table.at("links/0").at("name") == "link, 0 to 1");
  CHECK(table.at("links/0").at("utilization") == "0.125");
  CHECK(table.count("stages/2") == 0);
  // Every scalar of the JSON summary is there, and nothing else.
  const auto fields = infsim::summary_fields(infsim::to_json(r));
  CHECK(fields.size() == summary.size());
  for (const auto& [k, v] : fields) CHECK(summary.at(k) == v);
}

TEST_CASE("csv: infsim run --csv agrees with --json", "[csv][cli]") {
  TempDir d;
  const RunResult r =
      run_cli({"run", "--preset", "inf1.xlarge", "--graph", tiny_graph(), "--requests", "80",
               "--json", d.file("r.json"), "--csv", d.file("r.csv")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(read_text(d.file("r.json")));
  const Rows rows = read_csv_text(read_text(d.file("r.csv")));
  std::map<std::string, std::string> summary;
  std::size_t stage_rows = 0;
  for (const auto& row : rows) {
    REQUIRE(row.size() == 4);
    if (row[0] == "summary") summary[row[2]] = row[3];
    if (row[0] == "stages" && row[2] == "service_us") {
      ++stage_rows;
      CHECK(row[3] == j.at("stages").at(std::stoul(row[1])).at("service_us").dump());
    }
  }
  CHECK(stage_rows == j.at("stages").size());
  CHECK(stage_rows == 4);
  CHECK(summary.at("throughput_per_s") == j.at("throughput_per_s").dump());
  for (const char* p : {"p50", "p90", "p95", "p99", "p999", "max", "min", "mean"})
    CHECK(summary.at(std::string("latency_ms.") + p) == j.at("latency_ms").at(p).dump());
  CHECK_FALSE(fs::exists(d.file("r.csv.tmp")));
}

// --- infsim sweep -------------------------------------------------------------------------

TEST_CASE("sweep: grid and list, one row per point, failing points as rows", "[sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", good_spec());
  const std::string out = d.file("out.csv");
  const RunResult r = run_cli({"sweep", spec, "--out", out, "--jobs", "2"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("6 points: 5 ok, 1 error, 0 failed, 0 already done"));

  const Rows raw = read_csv_text(read_text(out));
  const std::vector<std::string> first{
      "point",   "preset", "graph", "requests", "cores", "core.sram.capacity_mib",
      "seq_len", "status", "error", "wall_s"};
  REQUIRE(raw.size() == 7);
  REQUIRE(raw[0].size() > first.size());
  CHECK(std::vector<std::string>(raw[0].begin(), raw[0].begin() + 10) == first);
  for (const char* figure : {"throughput_per_s", "peak_throughput_per_s", "latency_ms.p50",
                             "latency_ms.p95", "latency_ms.p999", "latency_ms.max",
                             "simulated_time_s", "bottleneck", "report.cores", "report.requests"})
    CHECK(std::find(raw[0].begin(), raw[0].end(), figure) != raw[0].end());

  std::map<std::string, std::map<std::string, std::string>> by_point;
  for (const auto& row : sweep_rows(out)) by_point[row.at("point")] = row;
  REQUIRE(by_point.size() == 6);
  // The grid's last name varies fastest: point 1 = cores 1, 16 MiB.
  CHECK(by_point.at("1").at("cores") == "1");
  CHECK(by_point.at("1").at("core.sram.capacity_mib") == "16");
  CHECK(by_point.at("4").at("seq_len") == "64");
  CHECK(by_point.at("4").at("core.sram.capacity_mib").empty());
  for (const char* p : {"0", "1", "2", "3", "4"}) {
    const auto& row = by_point.at(p);
    INFO("point " << p);
    CHECK(row.at("status") == "ok");
    CHECK(row.at("error").empty());
    CHECK(std::stod(row.at("throughput_per_s")) > 0);
    CHECK(row.at("report.cores") == row.at("cores"));
    CHECK(row.at("report.requests") == "60");
  }
  const auto& bad = by_point.at("5");
  CHECK(bad.at("status") == "error");
  CHECK_THAT(bad.at("error"), Contains("4 NeuronCores"));
  CHECK(bad.at("throughput_per_s").empty());

  // A point's figures are exactly those of `infsim run` with the same options.
  const RunResult one =
      run_cli({"run", "--preset", "inf1.xlarge", "--graph", tiny_graph(), "--requests", "60",
               "--cores", "2", "--set", "core.sram.capacity_mib=16", "--json", d.file("one.json")});
  REQUIRE(one.exit_code == 0);
  const json j = json::parse(read_text(d.file("one.json")));
  const auto& same = by_point.at("3");
  CHECK(same.at("throughput_per_s") == j.at("throughput_per_s").dump());
  CHECK(same.at("latency_ms.p99") == j.at("latency_ms").at("p99").dump());
  CHECK(same.at("simulated_time_s") == j.at("simulated_time_s").dump());
  CHECK(same.at("bottleneck") == j.at("bottleneck").get<std::string>());
}

TEST_CASE("sweep: resume skips points already in the CSV", "[sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", good_spec());
  const std::string out = d.file("out.csv");
  REQUIRE(run_cli({"sweep", spec, "--out", out}).exit_code == 0);
  const std::string full = read_text(out);

  // Everything done: nothing runs, the file is unchanged.
  RunResult again = run_cli({"sweep", spec, "--out", out});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("0 ok, 0 error, 0 failed, 6 already done"));
  CHECK(read_text(out) == full);

  // One row removed and a row cut short at the end: only that point runs again.
  std::vector<std::string> lines;
  {
    std::istringstream in(full);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
  }
  REQUIRE(lines.size() == 7);
  std::string edited;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (i != 2) edited += lines[i] + "\n";
  edited += lines[2].substr(0, 30);  // a write interrupted mid-row
  d.write("out.csv", edited);
  again = run_cli({"sweep", spec, "--out", out, "--jobs", "1"});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("1 ok, 0 error, 0 failed, 5 already done"));
  const auto rows = sweep_rows(out);
  REQUIRE(rows.size() == 6);
  std::set<std::string> points;
  for (const auto& row : rows) points.insert(row.at("point"));
  CHECK(points == std::set<std::string>{"0", "1", "2", "3", "4", "5"});

  // Rows of points that did not finish (killed) are run again, not kept.
  std::string killed = read_text(out);
  const std::size_t ok_at = killed.find(",ok,");
  REQUIRE(ok_at != std::string::npos);
  killed.replace(ok_at, 4, ",failed,");
  d.write("out.csv", killed);
  again = run_cli({"sweep", spec, "--out", out});
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("1 ok, 0 error, 0 failed, 5 already done"));
  CHECK(sweep_rows(out).size() == 6);
}

TEST_CASE("sweep: resume keeps the figure columns of a file from another version", "[sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", good_spec());
  const std::string out = d.file("out.csv");
  REQUIRE(run_cli({"sweep", spec, "--out", out}).exit_code == 0);
  // As if an older infsim wrote it: no "events" column, an "old_field" column; point 2 missing.
  Rows rows = read_csv_text(read_text(out));
  const auto events = std::find(rows[0].begin(), rows[0].end(), "events") - rows[0].begin();
  REQUIRE(events < static_cast<std::ptrdiff_t>(rows[0].size()));
  std::string edited;
  for (auto& row : rows) {
    if (row[0] == "2") continue;
    row.erase(row.begin() + events);
    row.push_back(&row == &rows[0] ? "old_field" : "old");
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c)
      line += (c ? "," : "") + infsim::csv_escape(row[c]);
    edited += line + "\n";
  }
  d.write("out.csv", edited);
  const RunResult again = run_cli({"sweep", spec, "--out", out});
  INFO(again.err);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.out, Contains("1 ok, 0 error, 0 failed, 5 already done"));
  const Rows now = read_csv_text(read_text(out));
  REQUIRE(now.size() == 7);
  CHECK(now[0] == read_csv_text(edited)[0]);  // the file's header is kept
  const auto& added = now.back();
  REQUIRE(added.size() == now[0].size());
  CHECK(added[0] == "2");
  CHECK(added.back().empty());  // old_field: not in this version's report
  const auto col = [&](const std::string& name) {
    return static_cast<std::size_t>(std::find(now[0].begin(), now[0].end(), name) - now[0].begin());
  };
  CHECK(std::stod(added[col("throughput_per_s")]) > 0);
  CHECK(added[col("report.cores")] == "2");
}

TEST_CASE("sweep: the same rows whatever the number of jobs", "[sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", good_spec());
  REQUIRE(run_cli({"sweep", spec, "--out", d.file("a.csv"), "--jobs", "1"}).exit_code == 0);
  REQUIRE(run_cli({"sweep", spec, "--out", d.file("b.csv"), "-j", "4"}).exit_code == 0);
  const auto key = [](std::vector<std::map<std::string, std::string>> rows) {
    std::map<std::string, std::map<std::string, std::string>> m;
    for (auto& row : rows) {
      row.erase("wall_s");
      m[row.at("point")] = row;
    }
    return m;
  };
  CHECK(key(sweep_rows(d.file("a.csv"))) == key(sweep_rows(d.file("b.csv"))));
}

TEST_CASE("sweep: a bad spec is one clear error and no output", "[sweep][cli]") {
  const std::string g = R"("grid": {"cores": [1]})";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"{ not json", {"not valid JSON"}},
      {"[1, 2]", {"must be a JSON object"}},
      {"{" + g + R"(, "frob": 1})", {"frob", "unknown top-level key"}},
      {R"({"grid": {"cores": 2}})", {"grid[\"cores\"]", "must be a list"}},
      {R"({"grid": {}})", {"grid", "is empty"}},
      {R"({"grid": {"cores": []}})", {"grid[\"cores\"]", "empty list"}},
      {R"({"grid": [1]})", {"grid", "must be a JSON object"}},
      {R"({"base": {"preset": "inf1.xlarge"}})", {"needs \"grid\""}},
      {R"({"base": "x", )" + g + "}", {"base", "must be a JSON object"}},
      {R"({"base": {"frobnicate": 1}, )" + g + "}",
       {"base[\"frobnicate\"]", "neither an option of `infsim run`"}},
      {R"({"base": {"core.sram.nonsense": 1}, )" + g + "}", {"base[\"core.sram.nonsense\"]"}},
      {R"({"grid": {"core.sram.capacity_mib": [12, -1]}})",
       {"grid[\"core.sram.capacity_mib\"][1]"}},
      {R"({"base": {"json": "x.json"}, )" + g + "}", {"base[\"json\"]", "cannot be swept"}},
      {R"({"base": {"cores": {"n": 1}}, "grid": {"batch": [1]}})",
       {"base[\"cores\"]", "must be a string, number or boolean"}},
      {R"({"grid": {"cores": [[1]]}})", {"grid[\"cores\"][0]", "must be a string"}},
      {R"({"list": {"cores": 1}})", {"list", "must be a list of objects"}},
      {R"({"list": []})", {"list", "empty list"}},
      {R"({"list": [{"cores": 1}, 2]})", {"list[1]", "must be a JSON object"}},
      {R"({"base": {"seq-len": 64}, "grid": {"seq_len": [32]}})", {"name the same option"}},
      {R"({"description": 3, )" + g + "}", {"description", "must be a string"}},
  };
  for (const auto& [text, expect] : cases) {
    TempDir d;
    INFO("spec: " << text);
    const std::string spec = d.write("spec.json", text);
    const RunResult r = run_cli({"sweep", spec, "--out", d.file("out.csv")});
    require_one_error(r, expect);
    CHECK_THAT(r.err, Contains("spec.json"));
    CHECK_FALSE(fs::exists(d.file("out.csv")));
  }
}

TEST_CASE("sweep: bad command lines and unusable outputs", "[sweep][cli]") {
  TempDir d;
  const std::string spec = d.write("spec.json", good_spec());
  require_one_error(run_cli({"sweep", d.file("missing.json"), "--out", d.file("o.csv")}),
                    {"sweep spec: cannot read", "missing.json"});
  CHECK_FALSE(fs::exists(d.file("o.csv")));

  RunResult r = run_cli({"sweep", spec, "--out", d.file("o.csv"), "--jobs", "0"});
  CHECK(r.exit_code > 0);
  CHECK_THAT(r.err, Contains("--jobs"));
  r = run_cli({"sweep", spec});
  CHECK(r.exit_code > 0);
  CHECK_THAT(r.err, Contains("--out"));
  CHECK_FALSE(fs::exists(d.file("o.csv")));

  // An output from another sweep (other columns) is left alone.
  const std::string other = d.write("other.csv", "point,model,status\n0,resnet50,ok\n");
  require_one_error(run_cli({"sweep", spec, "--out", other}), {"other.csv", "other input columns"});
  CHECK(read_text(other) == "point,model,status\n0,resnet50,ok\n");

  require_one_error(run_cli({"sweep", spec, "--out", d.file("no/such/dir/o.csv")}),
                    {"cannot write"});
}

// --- scripts/plot.py ------------------------------------------------------------------------

namespace {

/// PNG signature, IHDR first, and the image size from it.
void require_png(const std::string& path, std::uint32_t width, std::uint32_t height) {
  REQUIRE(fs::exists(path));
  const std::string png = read_text(path);
  INFO(path << ": " << png.size() << " bytes");
  CHECK(png.size() > 10000);  // axes, lines and text, not an empty canvas
  REQUIRE(png.size() > 24);
  CHECK(png.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0);
  CHECK(png.compare(12, 4, "IHDR") == 0);
  const auto be32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(png[at + i]);
    return v;
  };
  CHECK(be32(16) == width);
  CHECK(be32(20) == height);
}

/// Runs the script itself: its "#!/usr/bin/python3" is Debian's Python, whose matplotlib is
/// Debian's python3-matplotlib (another python3 first on PATH may lack it).
RunResult plot(const std::vector<std::string>& args) {
  return run_program(std::string(INFSIM_SOURCE_DIR) + "/scripts/plot.py", args);
}

}  // namespace

TEST_CASE("plot: latency-throughput curves and stage bars as PNG", "[plot]") {
  TempDir d;
  // A sweep CSV as `infsim sweep` writes it (open-loop rates, two configurations).
  std::string csv =
      "point,groups,rate,status,error,wall_s,throughput_per_s,latency_ms.p50,"
      "latency_ms.p99\n";
  for (int g : {1, 4})
    for (int i = 1; i <= 6; ++i)
      csv += std::to_string(i) + "," + std::to_string(g) + "," + std::to_string(1000 * i) +
             ",ok,,0.1," + std::to_string(1000 * i) + "," + std::to_string(1.0 + 0.1 * i * g) +
             "," + std::to_string(1.5 + 0.3 * i * i * g) + "\n";
  csv += "13,4,9000,error,does not fit,0.1,,,\n";
  const std::string sweep = d.write("sweep.csv", csv);
  RunResult r = plot({"latency", sweep, "--group", "groups", "-o", d.file("curve.png")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  require_png(d.file("curve.png"), 960, 600);

  r = plot({"xy", sweep, "--x", "rate", "--y", "latency_ms.p99", "--reduce", "min", "-o",
            d.file("xy.png")});
  REQUIRE(r.exit_code == 0);
  require_png(d.file("xy.png"), 960, 600);

  const RunResult run = run_cli({"run", "--preset", "inf1.xlarge", "--graph", tiny_graph(),
                                 "--requests", "50", "--json", d.file("r.json")});
  REQUIRE(run.exit_code == 0);
  r = plot({"stages", d.file("r.json"), "-o", d.file("stages.png")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  require_png(d.file("stages.png"), 1560, 600);

  // A pipeline Gantt chart of the first requests, from a trace: 2 stages → 12 × (0.35 · 2 + 1.5)
  // inches at 120 dpi = 1440 × 264 pixels.
  const RunResult traced =
      run_cli({"run", "--preset", "inf1.xlarge", "--model", "resnet50", "--cores", "2",
               "--requests", "40", "--trace", d.file("t.json"), "--trace-requests", "8"});
  INFO(traced.err);
  REQUIRE(traced.exit_code == 0);
  r = plot({"gantt", d.file("t.json"), "-o", d.file("gantt.png")});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  require_png(d.file("gantt.png"), 1440, 264);
  r = plot({"gantt", d.file("r.json"), "-o", d.file("g2.png")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("traceEvents"));
  CHECK_FALSE(fs::exists(d.file("g2.png")));
}

TEST_CASE("plot: bad input is one error line, no file", "[plot]") {
  TempDir d;
  const std::string sweep = d.write("s.csv", "point,status,throughput_per_s\n0,ok,5\n");
  RunResult r = plot({"latency", sweep, "-o", d.file("a.png")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, StartsWith("plot.py: error:"));
  CHECK_THAT(r.err, Contains("latency_ms.p50"));
  CHECK_FALSE(fs::exists(d.file("a.png")));

  r = plot({"stages", sweep, "-o", d.file("b.png")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("not valid JSON"));
  r = plot({"xy", d.file("missing.csv"), "--x", "a", "--y", "b", "-o", d.file("c.png")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("cannot read"));
  // Every point failed: nothing to draw is an error, not an empty plot.
  const std::string failed = d.write("f.csv", "point,status,x,y\n0,error,1,\n");
  r = plot({"xy", failed, "--x", "x", "--y", "y", "-o", d.file("d.png")});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Contains("no numeric points"));
  CHECK_FALSE(fs::exists(d.file("d.png")));
}
