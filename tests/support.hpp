#pragma once
// Helpers shared by the test files: stub peers for component tests, small graphs and workloads,
// what a test does when a dependency it needs is missing, temporary directories, and running the
// infsim CLI (or another program) with its output captured.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>

#include "infsim/common/error.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/graph.hpp"
#include "infsim/interconnect/modules.hpp"
#include "infsim/simulate.hpp"

namespace infsim::test {

/// A stage program by engine cycles per request (TensorE, VectorE, ScalarE, DMA), DRAM bytes read
/// before computing, makespan (0: the busy cycles' sum) and State Buffer operand bytes.
inline StageProgram program(Cycles tensor, Cycles vector = 0, Cycles scalar = 0, Cycles dma = 0,
                            Bytes dram_read_bytes = 0, Cycles makespan = 0,
                            Bytes sram_read_bytes = 0) {
  StageProgram p;
  p.busy[Engine::Tensor] = tensor;
  p.busy[Engine::Vector] = vector;
  p.busy[Engine::Scalar] = scalar;
  p.busy[Engine::Move] = dma;
  p.dram_read_bytes = dram_read_bytes;
  p.makespan = makespan;
  p.sram_read_bytes = sram_read_bytes;
  return p;
}

/// True when the tests run under continuous integration: the environment variable CI is "true"
/// (as CI services set it; "1" and "yes" count too, in any case).
inline bool under_ci() {
  const char* v = std::getenv("CI");
  std::string s = v ? v : "";
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s == "true" || s == "1" || s == "yes";
}

/// A dependency the calling test needs is missing: `what` says what could not be done and
/// `packages` names the Debian packages that provide it. Under CI (under_ci()) the test fails
/// with that message; elsewhere a WARN says it and this returns, and the caller skips the rest of
/// the test (returns without asserting).
inline void missing_dependency(const std::string& what, const std::string& packages) {
  const std::string msg = what + "; install Debian's " + packages +
                          " (scripts/setup.sh and scripts/test.sh install the test packages) "
                          "and configure the build again";
  if (under_ci()) FAIL("missing test dependency (CI=true, so this fails): " << msg);
  WARN("skipped: " << msg);
}

/// Records what a core sends; accepts only while `open`.
struct StubOutput : StageOutput {
  bool open = true;
  std::vector<std::pair<std::uint64_t, Ps>> sent;
  bool can_send() const override { return open; }
  void send(std::uint64_t r) override { sent.push_back({r, now_ps()}); }
};

/// Records when a core frees its input buffers.
struct StubRelease : InputRelease {
  std::vector<Ps> at;
  void released() override { at.push_back(now_ps()); }
};

/// Records when transfers arrive.
struct StubReceiver : TransferReceiver {
  std::vector<std::pair<std::uint64_t, Ps>> done;
  void transfer_done(std::uint64_t tag) override { done.push_back({tag, now_ps()}); }
};

/// Runs `f` at a given simulated time (to open a stub's gate, or start traffic, mid-run).
struct At : sc_core::sc_module {
  SC_HAS_PROCESS(At);
  At(sc_core::sc_module_name n, Ps t, std::function<void()> f)
      : sc_core::sc_module(n), fn(std::move(f)) {
    SC_METHOD(fire);
    dont_initialize();
    sensitive << ev;
    ev.notify(ps_time(t));
  }
  void fire() { fn(); }
  sc_core::sc_event ev;
  std::function<void()> fn;
};

/// input [64] → linear 64→64 (no bias): 128 bytes in and out (FP16).
inline Graph tiny() {
  GraphBuilder b("tiny");
  const int x = b.input("x", {64});
  b.linear("fc", x, LinearOptions(64).bias(false));
  return b.build();
}

/// The exact-latency tests' arithmetic was written for the values these parameters had before
/// calibration (docs/VALIDATION.md): weight loads hidden behind the stream, 64 GiB/s DMA queues,
/// no DRAM ceiling beyond the timing model and no runtime work on the host. They pin
/// them so that the formulas beside each expected number stay the ones the code computes.
inline void pin_uncalibrated(SystemConfig& cfg) {
  cfg.core.tensor.weight_load_overlap = true;
  cfg.core.dma.queue_bandwidth_gib_s = 64.0;
  cfg.dram.sustained_fraction = 1.0;
  cfg.runtime.overhead_us = 0.0;
  cfg.runtime.jitter_us = 0.0;
}

/// `n` closed-loop requests with `warmup` excluded.
inline Workload requests(std::uint64_t n, std::int64_t warmup = 0) {
  Workload w;
  w.requests = n;
  w.warmup = warmup;
  return w;
}

/// A TensorEngine of r × c with weight-load overlap on or off.
inline TensorEngineParams array(std::uint32_t r, std::uint32_t c, bool overlap) {
  TensorEngineParams p;
  p.rows = r;
  p.cols = c;
  p.weight_load_overlap = overlap;
  return p;
}

/// How many ops of `kind` the graph has.
inline int count_kind(const Graph& g, const std::string& kind) {
  int n = 0;
  for (const auto& op : g.ops) n += op.kind == kind;
  return n;
}

/// The message of the infsim::Error that `f` throws; the test fails when it throws none.
inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("no error thrown");
  return "";
}

/// A fresh directory under the system temp dir, removed (with its contents) on destruction. Its
/// name holds the process id, a per-process counter and a random number, so the test processes
/// that ctest runs in parallel, and each call within one, get directories of their own.
class TempDir {
 public:
  TempDir() {
    static std::atomic<unsigned> counter{0};
    std::random_device rd;
    const std::filesystem::path base = std::filesystem::temp_directory_path();
    for (int attempt = 0; attempt < 100; ++attempt) {
      const std::filesystem::path p =
          base / ("infsim_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
                  "_" + std::to_string(rd()));
      if (std::filesystem::create_directory(p)) {
        path_ = p;
        return;
      }
    }
    FAIL("cannot create a temporary directory under " << base);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// The full path of `name` in this directory (which need not exist).
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  /// Writes `text` to `name` in this directory and returns its full path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string p = file(name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  /// Every entry of the directory, by name, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path_)) {
      names.push_back(e.path().filename());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  std::filesystem::path path_;
};

/// The whole content of a file, byte for byte ("" when it cannot be read).
inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

/// `s` as one word for the POSIX shell: in single quotes, each ' written as '\''.
inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

/// How a program run by run_program ended, and what it printed.
struct RunResult {
  int exit_code = -1;     ///< the process's exit status, or -1 when it did not exit normally
  bool signaled = false;  ///< killed by a signal (a crash: abort, segfault, ...)
  int signal = 0;         ///< that signal
  std::string out;        ///< stdout
  std::string err;        ///< stderr
};

/// Runs `program` with `args` (in directory `cwd` when given) through the shell, stdin empty,
/// stdout and stderr captured to files in a private TempDir. `exec` makes the shell become the
/// program, so a crash shows up as a signal rather than as the shell's exit code 128 + n.
inline RunResult run_program(const std::string& program, const std::vector<std::string>& args,
                             const std::filesystem::path& cwd = {}) {
  TempDir capture;
  std::string cmd;
  if (!cwd.empty()) cmd = "cd " + shell_quote(cwd.string()) + " && ";
  cmd += "exec " + shell_quote(program);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " </dev/null >" + shell_quote(capture.file("stdout")) + " 2>" +
         shell_quote(capture.file("stderr"));
  const int status = std::system(cmd.c_str());
  REQUIRE(status != -1);
  RunResult r;
  if (WIFEXITED(status)) {
    r.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.signal = WTERMSIG(status);
  }
  r.out = read_text(capture.file("stdout"));
  r.err = read_text(capture.file("stderr"));
  return r;
}

/// Runs the infsim binary built with the tests (INFSIM_CLI) with `args`, as run_program does.
inline RunResult run_cli(const std::vector<std::string>& args,
                         const std::filesystem::path& cwd = {}) {
  return run_program(INFSIM_CLI, args, cwd);
}

}  // namespace infsim::test
