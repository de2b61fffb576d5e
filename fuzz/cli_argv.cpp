// libFuzzer harness for the whole command line: the input, split on NUL bytes, is the argument
// vector of `infsim` (without the program name), run through infsim_cli_main in-process.
//
// Findings: a crash or sanitizer report; an exit code other than 0 and 1 (CLI11's 104-114 among
// them); a failure whose stderr is not exactly one "infsim: error: ..." line; a success that
// printed to stderr. Output goes to string streams, so nothing reaches the terminal.
//
// Kept fast and contained: the process works in a private temporary directory (created at start,
// removed at exit) and any argument holding a '/' is left out, so every file it reads or writes
// is a name in that directory (fixtures: tiny.json, cfg.json, plan.json, spec.json); files a run
// writes there are removed after it. `sweep` (which would start this binary as its points) and
// the simulating --objective values are skipped; --requests, --transfers, --m/--n/--k above 64
// become 64, and run/compile without --model/--graph/--plan get the tiny graph.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

namespace fs = std::filesystem;

const std::set<std::string> kFixtures = {"tiny.json", "cfg.json", "plan.json", "spec.json"};

/// Runs the CLI on `args` with stdout and stderr captured; returns the exit code.
int run(std::vector<std::string> args, std::string* out, std::string* err) {
  args.insert(args.begin(), "infsim");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::ostringstream o, e;
  std::streambuf* old_out = std::cout.rdbuf(o.rdbuf());
  std::streambuf* old_err = std::cerr.rdbuf(e.rdbuf());
  const int code = infsim_cli_main(static_cast<int>(args.size()), argv.data());
  std::cout.rdbuf(old_out);
  std::cerr.rdbuf(old_err);
  *out = o.str();
  *err = e.str();
  return code;
}

[[noreturn]] void finding(const std::string& what, const std::vector<std::string>& args,
                          const std::string& err) {
  std::fprintf(stderr, "finding: %s\nargs:", what.c_str());
  for (const auto& a : args) std::fprintf(stderr, " [%s]", a.c_str());
  std::fprintf(stderr, "\nstderr: %s\n", err.c_str());
  std::abort();
}

std::string g_dir;

void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) fs::remove_all(g_dir, ec);
}

/// The private working directory with its fixtures.
void set_up() {
  std::string tmpl = (fs::temp_directory_path() / "infsim-fuzz-argv-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  g_dir = tmpl;
  std::atexit(remove_dir);
  std::ifstream graph(std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json");
  std::ostringstream text;
  text << graph.rdbuf();
  if (text.str().empty()) std::abort();
  if (::chdir(g_dir.c_str()) != 0) std::abort();
  std::ofstream("tiny.json") << text.str();
  std::ofstream("cfg.json") << R"({"core": {"sram": {"capacity_mib": 24}}})";
  std::ofstream("spec.json") << R"({"grid": {"requests": [20]}})";
  std::string out, err;
  if (run({"compile", "--preset", "inf1.xlarge", "--graph", "tiny.json", "--cores", "2", "--json",
           "plan.json"},
          &out, &err) != 0)
    finding("the fixture plan does not compile", {}, err);
}

/// Files a run left in the working directory (its outputs) are removed; fixtures stay.
void clean_up() {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(".", ec)) {
    if (kFixtures.count(e.path().filename().string()) == 0) fs::remove_all(e.path(), ec);
  }
}

/// The value after an option that takes a count: at most 64.
std::string small_count(const std::string& v) {
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos && v.size() <= 18 &&
      std::stoull(v) <= 64)
    return v;
  if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) return "64";
  return v;  // not a whole number: the CLI refuses it
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = (set_up(), true);
  (void)ready;
  if (size > 4096) return 0;
  std::vector<std::string> args(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.emplace_back();
    } else {
      args.back() += static_cast<char>(data[i]);
    }
  }
  if (args.size() > 32) return 0;
  bool has_model = false, is_run_or_compile = false;
  const std::set<std::string> counts = {"--requests", "--transfers", "--m", "--n", "--k"};
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string& a = args[i];
    if (a.find('/') != std::string::npos) return 0;  // files only in the working directory
    if (a == "sweep" || a == "throughput" || a == "latency") return 0;
    if (a.rfind("--objective=", 0) == 0 && a != "--objective=fit") return 0;
    if (a == "run" || a == "compile") is_run_or_compile = true;
    if (a == "--model" || a == "--graph" || a == "--plan" || a.rfind("--model=", 0) == 0 ||
        a.rfind("--graph=", 0) == 0 || a.rfind("--plan=", 0) == 0)
      has_model = true;
    const std::size_t eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos && counts.count(a.substr(0, eq)) != 0)
      a = a.substr(0, eq + 1) + small_count(a.substr(eq + 1));
    if (counts.count(a) != 0 && i + 1 < args.size()) args[i + 1] = small_count(args[i + 1]);
  }
  if (is_run_or_compile && !has_model) {
    args.insert(args.end(), {"--graph", "tiny.json"});
    bool has_requests = false;
    for (const auto& a : args) has_requests |= a.rfind("--requests", 0) == 0;
    if (!has_requests && args[0] == "run") args.insert(args.end(), {"--requests", "16"});
  }
  // No progress bar on stderr (it shows when the fuzzer runs in a terminal).
  if (!args.empty() && args[0] == "run" &&
      std::find(args.begin(), args.end(), "--no-progress") == args.end())
    args.push_back("--no-progress");

  std::string out, err;
  const int code = run(args, &out, &err);
  clean_up();
  if (code == 0) {
    // Warnings aside, a success is quiet on stderr (the progress bar needs a terminal).
    if (!err.empty() && err.rfind("infsim: warning:", 0) != 0)
      finding("exit code 0 with something on stderr", args, err);
    return 0;
  }
  if (code != 1) finding("exit code " + std::to_string(code) + " (expected 0 or 1)", args, err);
  if (err.rfind("infsim: error: ", 0) != 0)
    finding("a failure without the infsim: error: prefix", args, err);
  if (err.find('\n') != err.size() - 1)
    finding("a failure message of more than one line", args, err);
  if (!out.empty()) finding("a failure that printed to stdout", args, err);
  return 0;
}
