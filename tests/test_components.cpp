// Component tests: one SystemC module at a time against stub peers, in its own kernel context.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include "infsim/cores/neuron_core.hpp"
#include "infsim/interconnect/modules.hpp"
#include "kernel_context.hpp"

using namespace infsim;

namespace {

/// Records what a core sends; accepts only while `open`.
struct StubOutput : StageOutput {
  bool open = true;
  std::vector<std::pair<std::uint64_t, Ps>> sent;
  bool can_send() const override { return open; }
  void send(std::uint64_t r) override { sent.push_back({r, now_ps()}); }
};

struct StubRelease : InputRelease {
  std::vector<Ps> at;
  void released() override { at.push_back(now_ps()); }
};

struct StubReceiver : TransferReceiver {
  std::vector<std::pair<std::uint64_t, Ps>> done;
  void transfer_done(std::uint64_t tag) override { done.push_back({tag, now_ps()}); }
};

/// Runs `f` at a given simulated time (to open a stub's gate mid-run).
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

}  // namespace

TEST_CASE("NeuronCore computes requests in order, one at a time", "[component][core]") {
  KernelContext kernel;
  CoreParams p;  // 976.5625 MHz: 1024 ps per cycle
  NeuronCore core("core", p, 0);
  StubOutput out;
  StubRelease rel;
  core.load(StageProgram{60, 30, 10, 0, 0}, &out, &rel);  // 100 cycles = 102,400 ps per request
  for (std::uint64_t r = 0; r < 3; ++r) core.deliver(r);
  kernel.run();
  // Request r finishes at (r + 1) · 102,400 ps and is sent at once (the output is open).
  REQUIRE(out.sent.size() == 3);
  for (std::uint64_t r = 0; r < 3; ++r) {
    CHECK(out.sent[r].first == r);
    CHECK(out.sent[r].second == (r + 1) * 102'400);
    CHECK(rel.at[r] == (r + 1) * 102'400);  // its input buffer is freed when it finishes
  }
  CHECK(core.stats().requests == 3);
  CHECK(core.stats().busy_ps == 3 * 102'400);
  CHECK(core.stats().stall_ps == 0);
  CHECK(core.stats().tensor_cycles == 180);
}

TEST_CASE("NeuronCore holds a result while the next stage has no buffer", "[component][core]") {
  KernelContext kernel;
  NeuronCore core("core", CoreParams{}, 0);
  StubOutput out;
  out.open = false;
  core.load(StageProgram{100, 0, 0, 0, 0}, &out, nullptr);
  core.deliver(7);
  core.deliver(8);
  // The downstream buffer frees at 500,000 ps: the core wakes, sends request 7, starts 8.
  At gate("gate", 500'000, [&] {
    out.open = true;
    core.wake();
  });
  kernel.run();
  REQUIRE(out.sent.size() == 2);
  CHECK(out.sent[0] == std::make_pair(std::uint64_t{7}, Ps{500'000}));
  // Request 8 starts only after 7 leaves (one result held at a time): 500,000 + 102,400.
  CHECK(out.sent[1] == std::make_pair(std::uint64_t{8}, Ps{602'400}));
  CHECK(core.stats().stall_ps == 500'000 - 102'400);  // held from 102,400 to 500,000
}

TEST_CASE("NeuronCore reads its DRAM tables before computing", "[component][core]") {
  KernelContext kernel;
  TransferScheduler xfer("xfer");
  Pipe dram("dram", 1'000'000'000, 50'000);  // 1 GB/s, 50 ns
  NeuronCore core("core", CoreParams{}, 0);
  StubOutput out;
  core.load(StageProgram{10, 0, 0, 0, 1000}, &out, nullptr);
  core.set_dram_path(&xfer, {&dram});
  core.deliver(0);
  kernel.run();
  // 1000 bytes: 50,000 + 1,000,000 ps to arrive, then 10 cycles · 1024 ps.
  REQUIRE(out.sent.size() == 1);
  CHECK(out.sent[0].second == 1'050'000 + 10'240);
  CHECK(core.stats().fetch_ps == 1'050'000);
}

TEST_CASE("TransferScheduler delivers each transfer at its arrival time", "[component][xfer]") {
  KernelContext kernel;
  TransferScheduler xfer("xfer");
  Pipe link("link", 1'000'000'000, 1'000);  // 1 GB/s, 1 ns
  StubReceiver rx;
  // Started together at t=0: the second waits for the first on the shared link.
  xfer.start({&link}, 1000, 0, &rx, 1);  // arrives 1,000 + 1,000,000
  xfer.start({&link}, 500, 20, &rx, 2);  // starts 1,000,000; arrives +1,000 +500,000 +20
  xfer.start({}, 0, 0, &rx, 3);          // an empty path arrives at once
  kernel.run();
  REQUIRE(rx.done.size() == 3);
  CHECK(rx.done[0] == std::make_pair(std::uint64_t{3}, Ps{0}));
  CHECK(rx.done[1] == std::make_pair(std::uint64_t{1}, Ps{1'001'000}));
  CHECK(rx.done[2] == std::make_pair(std::uint64_t{2}, Ps{1'501'020}));
  CHECK(xfer.started() == 3);
}
