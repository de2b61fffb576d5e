#pragma once
// Helpers shared by the test files: stub peers for component tests, small graphs and workloads,
// and what a test does when a dependency it needs is missing.
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <systemc>

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

}  // namespace infsim::test
