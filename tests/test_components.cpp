// Component tests: one SystemC module at a time against stub peers, in its own kernel context.
#include <catch2/catch.hpp>
#include <memory>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>
#include "infsim/common/kernel_context.hpp"
#include "infsim/config.hpp"
#include "infsim/cores/neuron_core.hpp"
#include "infsim/interconnect/modules.hpp"
#include "infsim/memory/dram_module.hpp"
#include "infsim/memory/tlm_memory_port.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

using namespace infsim::test;

TEST_CASE("NeuronCore computes requests in order, one at a time", "[component][core]") {
  KernelContext kernel;
  CoreParams p;  // 976.5625 MHz: 1024 ps per cycle
  NeuronCore core("core", p, 0);
  StubOutput out;
  StubRelease rel;
  core.load(test::program(60, 30, 10, 0, 0), &out, &rel);  // 100 cycles = 102,400 ps per request
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
  CHECK(core.stats().engine_cycles[Engine::Tensor] == 180);
}

TEST_CASE("NeuronCore holds a result while the next stage has no buffer", "[component][core]") {
  KernelContext kernel;
  NeuronCore core("core", CoreParams{}, 0);
  StubOutput out;
  out.open = false;
  core.load(test::program(100, 0, 0, 0, 0), &out, nullptr);
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
  core.load(test::program(10, 0, 0, 0, 1000), &out, nullptr);
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

namespace {
/// A user's own TLM-2.0 memory: a fixed 1 µs per access, no queueing.
struct FixedLatencyMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<FixedLatencyMemory> socket;
  explicit FixedLatencyMemory(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {
    socket.register_b_transport(this, &FixedLatencyMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    delay += sc_core::sc_time(1, sc_core::SC_US);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
}  // namespace

namespace {
TlmMemoryPort::Params port_params(std::uint64_t issue_bytes_per_s, std::uint32_t transaction,
                                  std::uint64_t capacity = 8 * kGiB, std::uint32_t cores = 4) {
  TlmMemoryPort::Params p;
  p.issue_bytes_per_s = issue_bytes_per_s;
  p.transaction_bytes = transaction;
  p.capacity_bytes = capacity;
  p.cores = cores;
  return p;
}

/// A target with known timing that records what it receives: one data bus that moves a
/// transaction in 4 ns, then 50 ns to completion; transactions queue for the bus in call order.
struct RecordingMemory : sc_core::sc_module {
  struct Seen {
    tlm::tlm_command command;
    std::uint64_t address;
    unsigned length, streaming_width;
    Ps issued;  ///< now + the incoming delay
    bool data, byte_enables, dmi;
  };
  tlm_utils::simple_target_socket<RecordingMemory> socket;
  std::vector<Seen> seen;
  Ps bus_free = 0;
  tlm::tlm_response_status answer = tlm::TLM_OK_RESPONSE;
  bool shrink = false;  ///< answer with a smaller delay than given (a broken target)
  explicit RecordingMemory(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {
    socket.register_b_transport(this, &RecordingMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    const Ps now = sc_core::sc_time_stamp().value();
    const Ps at = now + delay.value();
    seen.push_back({t.get_command(), t.get_address(), t.get_data_length(), t.get_streaming_width(),
                    at, t.get_data_ptr() != nullptr, t.get_byte_enable_ptr() != nullptr,
                    t.is_dmi_allowed()});
    if (t.get_data_ptr() != nullptr && t.is_read())
      std::fill_n(t.get_data_ptr(), t.get_data_length(), 0xab);  // a target that copies data
    bus_free = std::max(bus_free, at) + 4'000;
    delay = shrink ? sc_core::SC_ZERO_TIME : sc_core::sc_time::from_value(bus_free + 50'000 - now);
    t.set_response_status(answer);
  }
};
}  // namespace

TEST_CASE("the DRAM module through TLM-2.0 times like the direct path", "[component][tlm]") {
  KernelContext kernel;
  DramParams p;  // simple model: 50 GiB/s over 4 channels, 100 ns
  p.model = "simple";
  p.sustained_fraction = 1.0;  // the timing model alone
  DramModule direct("direct", p);
  DramModule via_tlm("via_tlm", p);
  // One transaction per 4 KiB transfer: the module times it as it times the direct path.
  TlmMemoryPort port("port", port_params(gib_per_s_to_bytes(50), 4096));
  port.socket.bind(via_tlm.socket);
  Resource& reads = port.view(TlmUse::Parameters, 0, 8192);
  std::vector<TransferTiming> a, b;
  At go("go", 0, [&] {
    for (int i = 0; i < 2; ++i) {
      a.push_back(reserve_path({&direct.model()}, 0, 4096));
      b.push_back(reserve_path({&reads}, 0, 4096));
    }
  });
  kernel.run();
  // 4096 B = 1024 per channel: ⌈1024e12 / 13,421,772,800⌉ = 76,294 ps busy, + 100,000 latency.
  // The second transfer waits for the first: 76,294 + 100,000 + 76,294 = 252,588 ps.
  REQUIRE(a.size() == 2);
  CHECK(a[0].arrival == 176'294);
  CHECK(a[1].arrival == 252'588);
  CHECK(b[0].arrival == a[0].arrival);
  CHECK(b[1].arrival == a[1].arrival);
  CHECK(port.resource().stats().bytes == 8192);
  CHECK(port.counters(1'000'000).transactions == 2);
  CHECK(via_tlm.model().stats().bytes == 8192);
}

TEST_CASE("a user's TLM-2.0 memory takes the DRAM's place on a path", "[component][tlm]") {
  KernelContext kernel;
  FixedLatencyMemory mem("mem");
  TlmMemoryPort port("port", port_params(1'000'000'000, 64));  // 64 ns per 64 B issued
  port.socket.bind(mem.socket);
  Pipe fabric("fabric", 1'000'000'000, 5'000);  // 1 GB/s, 5 ns
  TransferTiming t;
  At go("go", 10'000, [&] {
    t = reserve_path({&port.view(TlmUse::InputRead, 0), &fabric}, 10'000, 100);
  });
  kernel.run();
  // 100 B = 64 + 36: issued at 10,000 and 74,000, each done 1 µs later: the port is busy
  // 1,074,000 - 10,000 = 1,064,000 (the fabric 100,000); arrival = start + 5,000 + 1,064,000.
  CHECK(t.arrival == 10'000 + 5'000 + 1'064'000);
  CHECK(port.counters(t.arrival).transactions == 2);
}

TEST_CASE(
    "a transfer reaches a TLM-2.0 target as transaction-sized READs at consecutive "
    "addresses, timed by the target",
    "[component][tlm]") {
  KernelContext kernel;
  RecordingMemory mem("mem");
  // 32 GB/s: one 64 B transaction every 2,000 ps. Four cores share 8 GiB: 2 GiB slices.
  TlmMemoryPort port("port", port_params(32'000'000'000, 64));
  port.socket.bind(mem.socket);
  TransferTiming t;
  At go("go", 0, [&] { t = reserve_path({&port.view(TlmUse::Parameters, 1, 4096)}, 0, 4096); });
  kernel.run();
  REQUIRE(mem.seen.size() == 4096 / 64);
  for (std::size_t i = 0; i < mem.seen.size(); ++i) {
    const auto& s = mem.seen[i];
    CHECK(s.command == tlm::TLM_READ_COMMAND);
    CHECK(s.address == 2 * kGiB + 64 * i);  // core 1's slice, parameters from its start
    CHECK(s.length == 64);
    CHECK(s.streaming_width == 64);
    CHECK(s.issued == 2'000 * i);
    CHECK(s.data);
    CHECK_FALSE(s.byte_enables);
    CHECK_FALSE(s.dmi);
  }
  // The bus (4 ns a transaction) is slower than the issue (2 ns): transaction i has the bus
  // over [4,000 i, 4,000 (i + 1)) and completes 50,000 later; the last, i = 63, at
  // 256,000 + 50,000 = 306,000, which is when the transfer's data has left the memory.
  CHECK(t.arrival == 306'000);
  const TlmMemoryPort::Counters c = port.counters(1'000'000);
  CHECK(c.transactions == 64);
  CHECK(c.reads == 64);
  CHECK(c.bytes_read == 4096);
  CHECK(c.bytes_written == 0);
  CHECK(c.busy_ps == 306'000);  // one transaction or more outstanding over [0, 306,000)
}

TEST_CASE(
    "spills reach a TLM-2.0 target as WRITEs, then READs of the same addresses; the "
    "input ring's reads follow its writes",
    "[component][tlm]") {
  KernelContext kernel;
  RecordingMemory mem("mem");
  TlmMemoryPort port("port", port_params(32'000'000'000, 64));
  port.socket.bind(mem.socket);
  At go("go", 0, [&] {
    // 128 B written and read back per request; two requests.
    reserve_path({&port.view(TlmUse::Spill, 0, 128, 128)}, 0, 256);
    reserve_path({&port.view(TlmUse::Spill, 0, 128, 128)}, 0, 256);
    // A 100-byte input: written by the host, then read by the core.
    reserve_path({&port.view(TlmUse::InputWrite, 2)}, 0, 100);
    reserve_path({&port.view(TlmUse::InputRead, 2)}, 0, 100);
  });
  kernel.run();
  REQUIRE(mem.seen.size() == 8 + 4);
  const std::uint64_t spill = 3 * kGiB / 2;  // core 0's spill region: 3/4 of its 2 GiB slice
  for (int r = 0; r < 2; ++r) {
    const auto* x = &mem.seen[static_cast<std::size_t>(4 * r)];
    CHECK(x[0].command == tlm::TLM_WRITE_COMMAND);
    CHECK(x[0].address == spill);
    CHECK(x[1].command == tlm::TLM_WRITE_COMMAND);
    CHECK(x[1].address == spill + 64);
    CHECK(x[2].command == tlm::TLM_READ_COMMAND);
    CHECK(x[2].address == spill);
    CHECK(x[3].command == tlm::TLM_READ_COMMAND);
    CHECK(x[3].address == spill + 64);
  }
  const std::uint64_t input = 2 * 2 * kGiB + kGiB;  // core 2's input ring: half its slice in
  const auto* in = &mem.seen[8];
  CHECK(in[0].command == tlm::TLM_WRITE_COMMAND);
  CHECK(in[0].address == input);
  CHECK(in[0].length == 64);
  CHECK(in[1].command == tlm::TLM_WRITE_COMMAND);
  CHECK(in[1].address == input + 64);
  CHECK(in[1].length == 36);
  CHECK(in[2].command == tlm::TLM_READ_COMMAND);
  CHECK(in[2].address == input);
  CHECK(in[3].command == tlm::TLM_READ_COMMAND);
  CHECK(in[3].address == input + 64);
  CHECK(in[3].length == 36);
  const TlmMemoryPort::Counters c = port.counters(1'000'000);
  CHECK(c.writes == 4 + 2);
  CHECK(c.reads == 4 + 2);
  CHECK(c.bytes_written == 256 + 100);
  CHECK(c.bytes_read == 256 + 100);
}

TEST_CASE(
    "a stage's table rows and streamed weights are read from its slice's start every "
    "request",
    "[component][tlm]") {
  KernelContext kernel;
  RecordingMemory mem("mem");
  TlmMemoryPort port("port", port_params(32'000'000'000, 64));
  port.socket.bind(mem.socket);
  Resource& params = port.view(TlmUse::Parameters, 3, 100, 128);  // 100 B of rows, 128 of weights
  At go("go", 0, [&] {
    for (int r = 0; r < 2; ++r) {
      reserve_path({&params}, 0, 100);  // the rows, before the compute
      reserve_path({&params}, 0, 128);  // the weights, during it
    }
  });
  kernel.run();
  const std::uint64_t base = 3 * 2 * kGiB;  // core 3's slice
  const std::vector<std::pair<std::uint64_t, unsigned>> want{
      {base, 64}, {base + 64, 36}, {base + 128, 64}, {base + 192, 64}};
  REQUIRE(mem.seen.size() == 2 * want.size());
  for (std::size_t i = 0; i < mem.seen.size(); ++i) {
    CHECK(mem.seen[i].command == tlm::TLM_READ_COMMAND);
    CHECK(mem.seen[i].address == want[i % 4].first);
    CHECK(mem.seen[i].length == want[i % 4].second);
  }
}

TEST_CASE("a TLM-2.0 memory's utilization is the union of its outstanding transactions",
          "[component][tlm]") {
  KernelContext kernel;
  FixedLatencyMemory mem("mem");                                // 1 µs each, no queueing
  TlmMemoryPort port("port", port_params(64'000'000'000, 64));  // 1,000 ps per 64 B
  port.socket.bind(mem.socket);
  Resource& a = port.view(TlmUse::Parameters, 0, 640);
  Resource& b = port.view(TlmUse::Parameters, 1, 640);
  At go("go", 0, [&] {
    // Reserved out of order (b's start is later than a's): the union does not care.
    reserve_path({&b}, 500'000, 640);  // issued 500,000 .. 509,000: busy [500,000, 1,509,000)
    reserve_path({&a}, 0, 640);        // issued 0 .. 9,000: busy [0, 1,009,000)
  });
  At later("later", 3'000'000, [&] {
    reserve_path({&a}, 3'000'000, 64);  // busy [3,000,000, 4,000,000)
  });
  kernel.run();
  // Union: [0, 1,509,000) + [3,000,000, 4,000,000) = 2,509,000 ps (the sum would be 3,018,000).
  CHECK(port.counters(10'000'000).busy_ps == 2'509'000);
  CHECK(port.resource().utilization(10'000'000) == Approx(0.2509));
  // Up to 3,500,000 only: 1,509,000 + 500,000.
  CHECK(port.counters(3'500'000).busy_ps == 2'009'000);
  CHECK(port.counters(10'000'000).transactions == 21);
}

TEST_CASE("a TLM-2.0 target's error or shrunk delay fails the run, named", "[component][tlm]") {
  for (const bool shrink : {false, true}) {
    KernelContext kernel;
    RecordingMemory mem("mem");
    if (!shrink) mem.answer = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    mem.shrink = shrink;
    TlmMemoryPort port("port", port_params(32'000'000'000, 64));
    port.socket.bind(mem.socket);
    At go("go", 0, [&] { reserve_path({&port.view(TlmUse::OutputWrite, 0)}, 1'000, 128); });
    if (shrink)
      CHECK_THROWS_WITH(kernel.run(), Contains("port: the memory target returned a delay of 0 ps "
                                               "for a WRITE issued with 1000 ps"));
    else
      CHECK_THROWS_WITH(kernel.run(), Contains("port: the memory target answered "
                                               "TLM_ADDRESS_ERROR_RESPONSE to a WRITE of 64 bytes "
                                               "at 0x50000000"));
  }
}

TEST_CASE("a TLM-2.0 port refuses a transaction size or a slice it cannot map",
          "[component][tlm]") {
  KernelContext kernel;
  SystemConfig cfg = preset("inf1.xlarge");
  CHECK_THROWS_WITH(apply_override(cfg, "dram.tlm.transaction_bytes=48"),
                    Contains("dram.tlm.transaction_bytes = 48: must be one of 8, 16, 32"));
  CHECK_THROWS_WITH(apply_override(cfg, "dram.tlm.transaction_bytes=8192"),
                    Contains("must be one of"));
  apply_override(cfg, "dram.tlm.transaction_bytes=4096");
  CHECK(cfg.dram.tlm.transaction_bytes == 4096);
  CHECK_THROWS_WITH(TlmMemoryPort("p1", port_params(1'000'000'000, 48)),
                    Contains("dram.tlm.transaction_bytes = 48 is not a power of two"));
  CHECK_THROWS_WITH(TlmMemoryPort("p2", port_params(1'000'000'000, 4096, 16 * 4096, 4)),
                    Contains("dram.capacity_gib gives each of the 4 cores less than 32768 bytes"));
}

TEST_CASE("the DRAM module refuses bad TLM-2.0 transactions", "[component][tlm]") {
  KernelContext kernel;
  DramParams p;
  p.capacity_gib = 1.0;
  DramModule dram("dram", p);
  struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    explicit Initiator(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {}
  } cpu("cpu");
  cpu.socket.bind(dram.socket);
  tlm::tlm_response_status past_end{}, ignore{}, ok{};
  At go("go", 0, [&] {
    tlm::tlm_generic_payload t;
    sc_core::sc_time d = sc_core::SC_ZERO_TIME;
    t.set_command(tlm::TLM_READ_COMMAND);
    t.set_address(kGiB - 64);
    t.set_data_length(128);  // runs past the 1 GiB capacity
    cpu.socket->b_transport(t, d);
    past_end = t.get_response_status();
    t.set_command(tlm::TLM_IGNORE_COMMAND);
    t.set_address(0);
    cpu.socket->b_transport(t, d);
    ignore = t.get_response_status();
    t.set_command(tlm::TLM_WRITE_COMMAND);
    cpu.socket->b_transport(t, d);
    ok = t.get_response_status();
  });
  kernel.run();
  CHECK(past_end == tlm::TLM_ADDRESS_ERROR_RESPONSE);
  CHECK(ignore == tlm::TLM_COMMAND_ERROR_RESPONSE);
  CHECK(ok == tlm::TLM_OK_RESPONSE);
}

namespace {
/// One core whose stage of `cycles` TensorEngine cycles streams `bytes` of weights in `chunks`
/// chunks over a 1 GB/s DRAM pipe without latency (1,000 ps per byte), its output always open.
struct StreamingCore {
  StreamingCore(Cycles cycles, Bytes bytes, std::uint32_t chunks, bool prefetch) {
    StageProgram p = test::program(cycles);
    p.stream_bytes = bytes;
    p.stream_chunks = chunks;
    p.prefetch = prefetch;
    core.load(p, &out, nullptr);
    core.set_dram_path(&xfer, {&dram});
  }
  /// Delivers requests 0..n-1 at time 0 and runs to the end.
  void run(std::uint64_t n) {
    for (std::uint64_t r = 0; r < n; ++r) core.deliver(r);
    kernel.run();
  }
  KernelContext kernel;  // first: the modules below live in its context
  TransferScheduler xfer{"xfer"};
  Pipe dram{"dram", 1'000'000'000, 0};
  NeuronCore core{"core", CoreParams{}, 0};
  StubOutput out;
};
}  // namespace

TEST_CASE("NeuronCore streams weights while computing: the stream bounds the stage",
          "[component][core][stream]") {
  // Compute C = 1000 cycles · 1024 ps = 1,024,000 ps; stream L = 4000 B = 4,000,000 ps, 4 chunks.
  StreamingCore s(1000, 4000, 4, true);
  s.run(1);
  // The stream ends at e = 4,000,000; the end is max(0 + C + e/4, e + C/4)
  // = max(1,024,000 + 1,000,000, 4,000,000 + 256,000) = 4,256,000 ps.
  REQUIRE(s.out.sent.size() == 1);
  CHECK(s.out.sent[0].second == 4'256'000);
  CHECK(s.core.stats().busy_ps == 1'024'000);
  CHECK(s.core.stats().fetch_ps == 4'256'000 - 1'024'000);
  CHECK(s.core.stats().streamed_bytes == 4000);
}

TEST_CASE("NeuronCore streams weights while computing: compute bounds the stage",
          "[component][core][stream]") {
  // C = 4000 cycles = 4,096,000 ps; L = 1000 B = 1,000,000 ps in 4 chunks.
  StreamingCore s(4000, 1000, 4, true);
  s.run(2);
  // max(C + L/4, L + C/4) = max(4,096,000 + 250,000, 1,000,000 + 1,024,000) = 4,346,000 ps;
  // request 1 starts then and streams again: 2 · 4,346,000.
  REQUIRE(s.out.sent.size() == 2);
  CHECK(s.out.sent[0].second == 4'346'000);
  CHECK(s.out.sent[1].second == 2 * 4'346'000);
  CHECK(s.core.stats().streamed_bytes == 2000);
}

TEST_CASE("NeuronCore without prefetch loads all streamed weights before computing",
          "[component][core][stream]") {
  StreamingCore s(1000, 4000, 4, false);
  s.run(1);
  // L + C = 4,000,000 + 1,024,000 ps.
  REQUIRE(s.out.sent.size() == 1);
  CHECK(s.out.sent[0].second == 5'024'000);
  CHECK(s.core.stats().fetch_ps == 4'000'000);
}
