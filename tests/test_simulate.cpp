// End-to-end runs: exact timing of one request, determinism and kernel isolation, and relations
// between hardware parameters and results that must hold.
#include <tlm_utils/simple_target_socket.h>
#include <catch2/catch.hpp>
#include <systemc>

#include "infsim/infsim.hpp"
#include "infsim/tlm_hooks.hpp"
#include "support.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

using namespace infsim::test;

TEST_CASE("one request through one stage: exact latency", "[simulate][exact]") {
  SystemConfig cfg = preset("inf1.xlarge");
  pin_uncalibrated(cfg);
  apply_override(cfg, "dram.model=simple");  // the path sums below are the simple model's
  Workload w = requests(1);
  const Report r = simulate(cfg, tiny(), CompileOptions{1, 1}, w);
  // inf1.xlarge defaults: PCIe Gen4 ×8 = 15,753,846,154 B/s, 1000 ns latency, 2000 ns overhead;
  // DRAM 50 GiB/s over 4 channels (13,421,772,800 B/s each), 100 ns; fabric ports 64 GiB/s with
  // 20 ns on each egress port; the core's State Buffer port 512 B/cycle (0.5 B/ps) and a DMA
  // queue of 64 GiB/s with 64 cycles (65,536 ps) per 64 KiB descriptor. Serialization of 128 B:
  // PCIe ⌈128e12/15.75e9⌉ = 8125 ps, a DRAM channel's 32 B ⌈32e12/13.42e9⌉ = 2385 ps, a fabric
  // port ⌈128e12/(64·2^30)⌉ = 1863 ps, the State Buffer port 128 · 1024 / 512 = 256 ps, a DMA
  // queue 1 descriptor · 65,536 + 1863 = 67,399 ps.
  //  host→DRAM  [pcie, fabric host out, fabric dram in, dram]:
  //             1,000,000 + 20,000 + 100,000 + max(8125, 1863, 2385) + 2,000,000 → 3,128,125 ps
  //  DRAM→core  [dram, fabric dram out, fabric core in, SBUF port, DMA queue]:
  //             + 120,000 + max(2385, 1863, 256, 67,399)                        → 3,315,524 ps
  //  compute    1 fold: 128 + 1 + 128 + 64 − 2 = 319 cycles × 1024 ps = 326,656 → 3,642,180 ps
  //             (operand reads 128 + 8192 B = 16,640 ps of the port: no stretch)
  //  core→DRAM  [DMA queue, SBUF port, fabric core out, fabric dram in, dram]:
  //             + 120,000 + 67,399                                              → 3,829,579 ps
  //  DRAM→host  [dram, fabric dram out, fabric host in, pcie]:
  //             + 1,120,000 + 8125 + 2,000,000                                   → 6,957,704 ps
  CHECK(r.latency_ms.max == Approx(6.957704e-3).epsilon(1e-12));
  CHECK(r.latency_ms.min == r.latency_ms.max);
  CHECK(r.simulated_time_s == Approx(6.957704e-6).epsilon(1e-12));
  CHECK(r.stages.at(0).service_us == Approx(0.326656));
  CHECK(r.drams.at(0).bytes == 4 * 128);  // in: write + read; out: write + read
  CHECK(r.host_links.at(0).bytes == 128);
  CHECK(r.host_links.at(1).bytes == 128);
}

TEST_CASE("a lone request sees the unloaded latency, a busy pipeline queues", "[simulate]") {
  // Equal latencies need a DRAM without state (DDR4 rows and refresh vary them by ~0.03%) and
  // no runtime jitter.
  SystemConfig cfg = preset("inf1.6xlarge");
  apply_override(cfg, "dram.model=simple");
  apply_override(cfg, "runtime.jitter_us=0");
  const Graph g = build_model("resnet50");
  const Plan plan = compile(g, cfg, CompileOptions{16, 1});
  const Report one = simulate(cfg, g, plan, requests(1));
  // Closed loop with one request in flight: every request sees the unloaded latency, and
  // throughput is its inverse.
  Workload seq = requests(50);
  seq.concurrency = 1;
  const Report serial = simulate(cfg, g, plan, seq);
  CHECK(serial.latency_ms.min == Approx(one.latency_ms.max));
  CHECK(serial.latency_ms.max == Approx(one.latency_ms.max));
  CHECK(serial.throughput_per_s == Approx(1e3 / one.latency_ms.max).epsilon(1e-6));
  // Open loop far below capacity (one request per 100 ms): no queueing, same latency.
  Workload sparse = requests(20);
  sparse.rate_per_s = 10;
  const Report open = simulate(cfg, g, plan, sparse);
  CHECK(open.latency_ms.p50 == Approx(one.latency_ms.max));
  // A full pipeline: far more throughput, at no less latency.
  const Report full = simulate(cfg, g, plan, requests(500, 100));
  CHECK(full.throughput_per_s > 5 * serial.throughput_per_s);
  CHECK(full.latency_ms.p50 >= one.latency_ms.max * (1 - 1e-9));
  CHECK(full.warmup_requests == 100);
  CHECK(full.measured_requests == 400);
}

TEST_CASE("equal inputs and seed give equal reports, in one process", "[simulate][isolation]") {
  const SystemConfig cfg = preset("inf1.6xlarge");
  const Graph g = build_model("resnet50");
  Workload w = requests(300);
  w.rate_per_s = 12000;
  w.seed = 42;
  const nlohmann::json a = to_json(simulate(cfg, g, CompileOptions{16, 1}, w));
  const nlohmann::json b = to_json(simulate(cfg, g, CompileOptions{12, 1}, w));
  const nlohmann::json c = to_json(simulate(cfg, g, CompileOptions{16, 1}, w));
  CHECK(a == c);
  CHECK(a != b);
  w.seed = 43;
  const nlohmann::json d = to_json(simulate(cfg, g, CompileOptions{16, 1}, w));
  CHECK(d["latency_ms"]["p50"] != a["latency_ms"]["p50"]);
}

namespace {
struct Ticker : sc_core::sc_module {
  SC_HAS_PROCESS(Ticker);
  explicit Ticker(sc_core::sc_module_name n) : sc_core::sc_module(n) {
    SC_METHOD(tick);
    sensitive << ev;
  }
  void tick() {
    if (++count < 5) ev.notify(sc_core::sc_time(1, sc_core::SC_NS));
  }
  sc_core::sc_event ev;
  int count = 0;
};
}  // namespace

TEST_CASE("a run leaves the caller's own SystemC model untouched", "[simulate][isolation]") {
  // A user's model elaborated in the default kernel context, before and after a run.
  Ticker user("user_ticker");
  sc_core::sc_simcontext* mine = sc_core::sc_get_curr_simcontext();
  const Report r = simulate(preset("inf1.xlarge"), tiny(), CompileOptions{1, 1}, requests(10));
  CHECK(r.requests == 10);
  CHECK(sc_core::sc_get_curr_simcontext() == mine);
  CHECK(sc_core::sc_find_object("user_ticker") == &user);
  CHECK(sc_core::sc_find_object("system") == nullptr);  // the run's modules are gone
  sc_core::sc_start();
  CHECK(user.count == 5);
  CHECK(sc_core::sc_time_stamp() == sc_core::sc_time(4, sc_core::SC_NS));
}

TEST_CASE("throughput never exceeds what the hardware allows", "[simulate][relations]") {
  for (const char* preset_name : {"inf1.xlarge", "inf1.6xlarge"}) {
    SystemConfig cfg = preset(preset_name);
    apply_override(cfg, "core.sram.capacity_mib=48");  // room for batch 4 activations
    for (const char* model : {"resnet50", "vgg16"}) {
      const Graph g = build_model(model);
      if (min_cores_to_fit(g, cfg) == 0 || min_cores_to_fit(g, cfg) > cfg.total_cores()) continue;
      for (std::uint32_t batch : {1u, 4u}) {
        const Report r = simulate(cfg, g, CompileOptions{0, batch}, requests(300));
        INFO(model << " on " << preset_name << " batch " << batch);
        CHECK(r.throughput_per_s > 0);
        CHECK(r.throughput_per_s <= r.peak_throughput_per_s);
        double slowest_us = 0;
        for (const auto& s : r.stages) slowest_us = std::max(slowest_us, s.service_us);
        // No stage can finish requests faster than its own service time allows.
        CHECK(r.throughput_per_s <= 1e6 * batch / slowest_us * (1 + 1e-9));
        for (const auto& c : r.per_core) CHECK(c.busy <= 1.0);
      }
    }
  }
}

TEST_CASE("a faster link never slows a run, and a slower one never speeds it",
          "[simulate][relations]") {
  SystemConfig cfg = preset("inf1.6xlarge");
  const Graph g = build_model("resnet50");
  const Plan plan = compile(g, cfg, CompileOptions{16, 1});
  double prev_tp = 0, prev_p50 = 1e30;
  for (double gib : {1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0}) {
    apply_override(cfg, "neuronlink.bandwidth_gib_s=" + std::to_string(gib));
    const Report r = simulate(cfg, g, plan, requests(400));
    INFO("NeuronLink " << gib << " GiB/s: " << r.throughput_per_s << "/s, p50 "
                       << r.latency_ms.p50);
    CHECK(r.throughput_per_s >= prev_tp * (1 - 1e-9));
    CHECK(r.latency_ms.p50 <= prev_p50 * (1 + 1e-9));
    prev_tp = r.throughput_per_s;
    prev_p50 = r.latency_ms.p50;
  }
  // The same holds when each bandwidth is compiled for afresh.
  prev_tp = 0;
  for (double gib : {2.0, 8.0, 32.0}) {
    apply_override(cfg, "neuronlink.bandwidth_gib_s=" + std::to_string(gib));
    const Report r = simulate(cfg, g, CompileOptions{16, 1}, requests(400));
    CHECK(r.throughput_per_s >= prev_tp * (1 - 1e-9));
    prev_tp = r.throughput_per_s;
  }
}

TEST_CASE("a faster clock and a bigger array never slow a run", "[simulate][relations]") {
  const Graph g = build_model("resnet50");
  SystemConfig base = preset("inf1.6xlarge");
  const Report r0 = simulate(base, g, CompileOptions{16, 1}, requests(300));
  SystemConfig fast = base;
  apply_override(fast, "core.clock_mhz=1953.125");  // 512 ps, twice the clock
  const Report r1 = simulate(fast, g, CompileOptions{16, 1}, requests(300));
  CHECK(r1.throughput_per_s > r0.throughput_per_s);
  SystemConfig wide = base;
  apply_override(wide, "core.tensor.cols=128");
  const Report r2 = simulate(wide, g, CompileOptions{16, 1}, requests(300));
  CHECK(r2.throughput_per_s >= r0.throughput_per_s);
}

TEST_CASE("bad workloads and plans are refused", "[simulate][errors]") {
  const SystemConfig cfg = preset("inf1.xlarge");
  CHECK_THROWS_WITH(simulate(cfg, tiny(), CompileOptions{1, 1}, requests(0)),
                    Contains("requests must be at least 1"));
  CHECK_THROWS_WITH(simulate(cfg, tiny(), CompileOptions{1, 1}, requests(5, 5)),
                    Contains("warmup = 5 must be smaller than requests = 5"));
  Workload w = requests(5);
  w.rate_per_s = -1;
  CHECK_THROWS_AS(simulate(cfg, tiny(), CompileOptions{1, 1}, w), Error);
  // A plan made for a bigger topology names the missing core.
  const Plan big = compile(build_model("resnet50"), preset("inf1.6xlarge"), CompileOptions{16, 1});
  CHECK_THROWS_WITH(simulate(cfg, build_model("resnet50"), big, requests(5)),
                    Contains("placed on core 4"));
}

TEST_CASE("a report carries the figures scripts rely on", "[simulate][report]") {
  const Report r = simulate(preset("inf1.6xlarge"), build_model("resnet50"), CompileOptions{16, 1},
                            requests(200));
  const nlohmann::json j = to_json(r);
  for (const char* key : {"throughput_per_s", "latency_ms", "simulated_time_s", "requests",
                          "warmup_requests", "plan", "per_core", "links", "dram", "host_links"})
    CHECK(j.contains(key));
  for (const char* p : {"p50", "p90", "p99", "max"}) CHECK(j["latency_ms"].contains(p));
  CHECK(j["latency_ms"]["p50"] <= j["latency_ms"]["p90"]);
  CHECK(j["latency_ms"]["p90"] <= j["latency_ms"]["p99"]);
  CHECK(j["latency_ms"]["p99"] <= j["latency_ms"]["max"]);
  CHECK(j["plan"]["stages"].size() == 16);
  CHECK(j["per_core"].size() == 16);
  CHECK(j["plan"]["stages"][0]["ops"][0] == "input");
  // inf1.6xlarge is a chain of 4 chips: 3 links, both directions.
  CHECK(j["links"].size() == 6);
  const std::string text = format_text(r);
  CHECK_THAT(text, Contains("throughput") && Contains("p99") && Contains("bottleneck"));
}

namespace {
/// A user's TLM-2.0 memory: every access takes exactly 1 ms, whatever its size; it keeps what it
/// was asked.
struct SlowMemory : sc_core::sc_module {
  tlm_utils::simple_target_socket<SlowMemory> socket;
  std::vector<std::pair<bool, std::uint64_t>> seen;  ///< (write, address)
  explicit SlowMemory(sc_core::sc_module_name n) : sc_core::sc_module(n), socket("socket") {
    socket.register_b_transport(this, &SlowMemory::b_transport);
  }
  void b_transport(tlm::tlm_generic_payload& t, sc_core::sc_time& delay) {
    seen.emplace_back(t.is_write(), t.get_address());
    delay += sc_core::sc_time(1, sc_core::SC_MS);
    t.set_response_status(tlm::TLM_OK_RESPONSE);
  }
};
}  // namespace

TEST_CASE("a user's TLM-2.0 memory replaces the DRAM on every path", "[simulate][tlm]") {
  SystemConfig cfg = preset("inf1.xlarge");
  apply_override(cfg, "dram.model=simple");
  const Report ours = simulate(cfg, tiny(), compile(tiny(), cfg, {1, 1}), requests(1));
  CHECK(ours.dram_tlm.empty());
  TlmHooks hooks;
  std::vector<SlowMemory*> made;
  hooks.external_dram = [&](std::uint32_t chip, tlm::tlm_target_socket<>*& socket) {
    auto* m = new SlowMemory(("slow" + std::to_string(chip)).c_str());
    made.push_back(m);
    socket = &m->socket;
    return m;
  };
  std::vector<std::pair<bool, std::uint64_t>> seen;  // copied in after_run: the module then goes
  hooks.after_run = [&](std::uint32_t chip, sc_core::sc_module& m) {
    CHECK(chip == 0);
    CHECK(&m == made.at(0));
    seen = dynamic_cast<SlowMemory&>(m).seen;
  };
  const Report theirs =
      simulate(cfg, tiny(), compile(tiny(), cfg, {1, 1}), requests(1), RunOptions{}, hooks);
  // One request crosses DRAM four times (host write, read to the core, result write, read to
  // the host), 128 B each: two 64 B transactions issued 1,193 ps apart (64 B at 50 GiB/s), each
  // done 1 ms after its issue, instead of about 100 ns a transfer.
  CHECK(theirs.latency_ms.max > ours.latency_ms.max + 4.0 - 0.01);
  CHECK(theirs.latency_ms.max < ours.latency_ms.max + 4.0 + 0.01);
  CHECK(made.size() == 1);
  CHECK(theirs.drams.at(0).transfers == 4);
  // The input ring of core 0 from 1 GiB (half its 2 GiB slice), the output ring from 1.25 GiB.
  const std::uint64_t in = kGiB, out = kGiB + kGiB / 4;
  const std::vector<std::pair<bool, std::uint64_t>> want{
      {true, in},  {true, in + 64},  {false, in},  {false, in + 64},
      {true, out}, {true, out + 64}, {false, out}, {false, out + 64}};
  CHECK(seen == want);
  REQUIRE(theirs.dram_tlm.size() == 1);
  const TlmMemoryReport& t = theirs.dram_tlm[0];
  CHECK(t.chip == 0);
  CHECK(t.transactions == 8);
  CHECK(t.reads == 4);
  CHECK(t.writes == 4);
  CHECK(t.bytes_read == 256);
  CHECK(t.bytes_written == 256);
  // Four transfers one after the other, each outstanding 1 ms + 1,193 ps.
  CHECK(t.utilization * theirs.simulated_time_s == Approx(4 * (1e-3 + 1.193e-9)).epsilon(1e-6));
  CHECK(theirs.drams.at(0).utilization == Approx(t.utilization));
  const nlohmann::json j = to_json(theirs);
  CHECK(j["dram_tlm"][0]["transactions"] == 8);
  CHECK_THAT(format_text(theirs),
             Contains("chip0 TLM-2.0 memory: 8 transactions (4 READ, 4 WRITE)"));
  TlmHooks broken;
  broken.external_dram = [](std::uint32_t, tlm::tlm_target_socket<>*&) { return nullptr; };
  CHECK_THROWS_WITH(
      simulate(cfg, tiny(), compile(tiny(), cfg, {1, 1}), requests(1), RunOptions{}, broken),
      Contains("must return a module"));
}
