// NeuronLink packets, per-link contention, the link topologies and their routes, the link
// microbenchmark, and the PCIe per-transfer overhead. Pure models, exact picoseconds. Defaults:
// 16 GiB/s = 17,179,869,184 B/s per link direction, 500 ns per hop, packets of 256 B payload +
// 32 B header.
#include <catch2/catch.hpp>

#include "infsim/common/error.hpp"
#include "infsim/common/pipe.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/interconnect/link_topology.hpp"
#include "infsim/interconnect/models.hpp"
#include "infsim/microbench.hpp"
#include "infsim/zoo.hpp"

using namespace infsim;
using Catch::Matchers::Contains;

namespace {
constexpr std::uint64_t kLinkBw = 17'179'869'184ULL;  // 16 · 2^30
constexpr Ps kHop = 500'000;                          // 500 ns

NeuronLinkParams link_params(const std::string& topology) {
  NeuronLinkParams p;
  p.topology = topology;
  return p;
}
}  // namespace

TEST_CASE("PacketLink: packet count and wire bytes", "[link]") {
  PacketLink l("l", kLinkBw, kHop, 256, 32);
  CHECK(l.bytes_per_s() == kLinkBw);
  CHECK(l.latency() == kHop);
  // A multiple of the payload: 1 MiB = 4096 packets; wire = 1,048,576 + 4096·32 = 1,179,648 B;
  // serialization ⌈1,179,648·1e12 / 17,179,869,184⌉ = ⌈68,664,550.78⌉ = 68,664,551 ps
  // (without packets it would be 61,035,157 ps: the overhead is 32/256 = 12.5% of the payload).
  CHECK(l.packets(kMiB) == 4096);
  CHECK(l.wire_bytes(kMiB) == 1'179'648);
  CHECK(l.serialization_ps(kMiB) == 68'664'551);
  // Not a multiple: 1000 B = 3 full packets + 232 B in a 4th; wire = 1000 + 4·32 = 1128 B;
  // ⌈1128e12 / 17,179,869,184⌉ = ⌈65,658.5⌉ = 65,659 ps.
  CHECK(l.packets(1000) == 4);
  CHECK(l.wire_bytes(1000) == 1128);
  CHECK(l.serialization_ps(1000) == 65'659);
  // Edges: 256 B is one packet (288 on the wire), 257 B two (321), 1 B one (33), 0 B none.
  CHECK(l.packets(256) == 1);
  CHECK(l.wire_bytes(256) == 288);
  CHECK(l.packets(257) == 2);
  CHECK(l.wire_bytes(257) == 321);
  CHECK(l.wire_bytes(1) == 33);
  CHECK(l.packets(0) == 0);
  CHECK(l.wire_bytes(0) == 0);
  CHECK(l.efficiency() == Approx(256.0 / 288.0));

  // occupy returns the serialization, keeps "busy until" and counts payload and wire bytes.
  CHECK(l.occupy(0, kMiB) == 68'664'551);
  CHECK(l.ready_at() == 68'664'551);
  CHECK(l.occupy(0, 1000) == 65'659);  // FCFS: queued behind the first
  CHECK(l.ready_at() == 68'664'551 + 65'659);
  CHECK(l.stats().bytes == kMiB + 1000);  // ResourceStats count payload
  CHECK(l.stats().transfers == 2);
  CHECK(l.stats().busy_ps == 68'664'551 + 65'659);
  CHECK(l.packet_stats().payload_bytes == kMiB + 1000);
  CHECK(l.packet_stats().wire_bytes == 1'179'648 + 1128);
  CHECK(l.packet_stats().packets == 4096 + 4);

  // No header: the link is a plain Pipe.
  PacketLink bare("bare", kLinkBw, kHop, 256, 0);
  Pipe pipe("pipe", kLinkBw, kHop);
  CHECK(bare.occupy(0, 1000) == pipe.occupy(0, 1000));
  CHECK_THROWS_AS(PacketLink("bad", kLinkBw, 0, 0, 32), infsim::Error);
  CHECK_THROWS_AS(PacketLink("bad", 0, 0, 256, 32), infsim::Error);
}

TEST_CASE("NeuronLink latency = hops × hop latency + serialization", "[link]") {
  // A 9-chip chain; a fresh model per route so nothing queues. Cut-through: every hop's latency
  // plus one serialization of the wire bytes, 1 MiB → 68,664,551 ps.
  for (std::uint32_t h = 1; h <= 8; ++h) {
    LinkTopologyModel chain("nl", 9, link_params("chain"));
    const auto path = chain.route(0, h);
    REQUIRE(path.size() == h);
    const TransferTiming t = reserve_path(path, 1'000, kMiB);
    CHECK(t.start == 1'000);
    CHECK(t.arrival == 1'000 + h * kHop + 68'664'551);
    // Every link on the route carried the transfer once, for the same time.
    for (const Resource* r : path) {
      CHECK(r->stats().busy_ps == 68'664'551);
      CHECK(static_cast<const PacketLink*>(r)->packet_stats().packets == 4096);
    }
  }
  // 1000 B over 3 hops: 3·500,000 + 65,659 = 1,565,659 ps.
  LinkTopologyModel chain("nl", 4, link_params("chain"));
  CHECK(reserve_path(chain.route(3, 0), 0, 1000).arrival == 1'565'659);
}

TEST_CASE("NeuronLink: two flows sharing a link each get half", "[link]") {
  // Flow A goes 0 → 2, flow B 1 → 2 on a 3-chip chain: both cross link 1 (chip 1 → chip 2).
  // Each has N transfers of 64 KiB queued at t = 0 and they are issued interleaved, A, B, A, ...
  // 64 KiB = 256 packets, wire 65,536 + 8192 = 73,728 B, S = ⌈73,728e12 / 2^34⌉ = 4,291,535 ps.
  LinkTopologyModel chain("nl", 3, link_params("chain"));
  const auto a = chain.route(0, 2), b = chain.route(1, 2);
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 1);
  CHECK(a[1] == b[0]);
  constexpr Ps kS = 4'291'535;
  constexpr std::uint64_t kN = 50;
  Ps last_a = 0, last_b = 0;
  for (std::uint64_t i = 0; i < kN; ++i) {
    const TransferTiming ta = reserve_path(a, 0, 64 * kKiB);
    const TransferTiming tb = reserve_path(b, 0, 64 * kKiB);
    // The shared link serves them alternately: A's i-th transfer starts at 2i·S, B's at (2i+1)·S.
    CHECK(ta.start == 2 * i * kS);
    CHECK(tb.start == (2 * i + 1) * kS);
    last_a = ta.arrival;
    last_b = tb.arrival;
  }
  CHECK(last_a == (2 * kN - 2) * kS + 2 * kHop + kS);  // A crosses 2 hops, B 1
  CHECK(last_b == 2 * kN * kS + kHop);
  // Each flow gets half the link: N · 64 KiB over its span is within 1% of half the payload rate
  // 65,536 / S.
  const double half = 0.5 * 65'536.0 / static_cast<double>(kS);
  CHECK(static_cast<double>(kN * 64 * kKiB) / static_cast<double>(last_a) ==
        Approx(half).epsilon(0.01));
  CHECK(static_cast<double>(kN * 64 * kKiB) / static_cast<double>(last_b) ==
        Approx(half).epsilon(0.01));
  CHECK(chain.forward(1).stats().transfers == 2 * kN);
  CHECK(chain.forward(0).stats().transfers == kN);  // only A crosses link 0
  // Link 0 carried only A's transfers, so it idled half the time.
  CHECK(chain.forward(0).stats().busy_ps == kN * kS);
  CHECK(chain.forward(1).stats().busy_ps == 2 * kN * kS);
}

TEST_CASE("NeuronLink: a chain routes the long way where a ring would not", "[link]") {
  LinkTopologyModel chain("nl", 8, link_params("chain"));
  LinkTopologyModel ring("nl", 8, link_params("ring"));
  // 0 → 7: the ring closes link 7 (chip 7 ↔ chip 0) and takes it down, 1 hop; the chain has no
  // such link and goes up over links 0..6, 7 hops.
  const auto r = ring.route(0, 7);
  REQUIRE(r.size() == 1);
  CHECK(r[0] == &ring.backward(7));
  const auto c = chain.route(0, 7);
  REQUIRE(c.size() == 7);
  for (std::uint32_t i = 0; i < 7; ++i) CHECK(c[i] == &chain.forward(i));
  // 1000 B: ring 500,000 + 65,659; chain 7·500,000 + 65,659.
  CHECK(reserve_path(r, 0, 1000).arrival == 565'659);
  CHECK(reserve_path(c, 0, 1000).arrival == 3'565'659);
  // 1 → 6 on the ring: 5 up or 3 down; down wins (links 0, 7, 6).
  const auto d = ring.route(1, 6);
  REQUIRE(d.size() == 3);
  CHECK(d[0] == &ring.backward(0));
  CHECK(d[1] == &ring.backward(7));
  CHECK(d[2] == &ring.backward(6));
  CHECK(chain.route(1, 6).size() == 5);
}

TEST_CASE("NeuronLink ring: shorter direction, ties go up", "[link][ring]") {
  LinkTopologyModel r("nl", 4, link_params("ring"));
  CHECK(r.link_count() == 4);
  CHECK(r.forward(3).name() == "nl.link3.chip3->chip0");  // link 3 closes the ring
  CHECK(r.hops(0, 1) == 1);
  CHECK(r.hops(0, 3) == 1);  // around the back: link 3 joins chip 3 and chip 0
  CHECK(r.hops(0, 2) == 2);  // a tie: goes up 0→1→2
  const auto back = r.route(0, 3);
  REQUIRE(back.size() == 1);
  CHECK(back[0] == &r.backward(3));
  const auto tie = r.route(0, 2);
  REQUIRE(tie.size() == 2);
  CHECK(tie[0] == &r.forward(0));
  CHECK(tie[1] == &r.forward(1));
  CHECK(r.route(2, 2).empty());
  // Latency over a path = hops × hop latency + serialization of the packets (16 GiB/s, 500 ns
  // per hop, 256 B payload + 32 B header per packet): 2 hops, 1 MiB = 4096 packets, wire
  // 2^20 + 4096·32 = 1,179,648 B: 2·500,000 + ⌈1,179,648·1e12/(16·2^30)⌉ = 1,000,000 + 68,664,551
  // ps (61,035,157 ps of it is the payload, 7,629,394 the headers).
  const TransferTiming t = reserve_path(r.route(1, 3), 0, kMiB);
  CHECK(t.arrival == 1'000'000 + 68'664'551);
}

TEST_CASE("NeuronLink chain routes the long way where a ring would not", "[link][ring]") {
  LinkTopologyModel chain("nl", 16, link_params("chain"));
  CHECK(chain.link_count() == 15);
  CHECK(chain.forward(14).name() == "nl.link14.chip14->chip15");
  CHECK(chain.hops(0, 15) == 15);
  CHECK(chain.hops(15, 0) == 15);
  const auto path = chain.route(3, 1);
  REQUIRE(path.size() == 2);
  CHECK(path[0] == &chain.backward(2));
  CHECK(path[1] == &chain.backward(1));
  CHECK(LinkTopologyModel("nl", 16, link_params("ring")).hops(0, 15) == 1);
  // With one or two chips a ring is a chain (two chips share one link pair).
  const LinkTopologyModel two("nl", 2, link_params("ring"));
  CHECK(two.link_count() == 1);
  CHECK(two.forward(0).name() == "nl.link0.chip0->chip1");
  CHECK(two.backward(0).name() == "nl.link0.chip1->chip0");
  CHECK(LinkTopologyModel("nl", 1, link_params("ring")).link_count() == 0);
}

TEST_CASE("link topologies: the registry", "[link][topology]") {
  CHECK(link_topology_names() == std::vector<std::string>{"ring", "chain"});
  CHECK_THROWS_AS(make_link_topology("torus", 4), ConfigError);
  CHECK_THROWS_WITH(make_link_topology("torus", 4),
                    Contains("neuronlink.topology = \"torus\": not a registered link topology "
                             "(\"ring\", \"chain\")"));
  CHECK_THROWS_WITH(make_link_topology("chain", 0), Contains("at least one chip"));
  CHECK_THROWS_WITH(make_link_topology("ring", 4)->route(0, 4), Contains("out of range"));
  CHECK_THROWS_WITH(make_link_topology("chain", 4)->hops(4, 0), Contains("out of range"));
  CHECK_THROWS_AS(LinkTopologyModel("nl", 4, link_params("mesh")), ConfigError);
  // The configuration accepts exactly the registered names.
  SystemConfig c;
  for (const std::string& name : link_topology_names()) {
    apply_override(c, "neuronlink.topology=" + name);
    CHECK(c.neuronlink.topology == name);
  }
  c.neuronlink.topology = "torus";  // set in C++: validate() checks it again
  CHECK_THROWS_WITH(validate(c), Contains("must be one of \"ring\", \"chain\""));
}

TEST_CASE("link topologies: every route is a walk of hops() links", "[link][topology]") {
  for (const std::string& name : link_topology_names()) {
    for (std::uint32_t n = 1; n <= 9; ++n) {
      const auto topo = make_link_topology(name, n);
      REQUIRE(topo->chips() == n);
      const std::vector<LinkEnds> links = topo->links();
      for (const LinkEnds& l : links) {
        CHECK(l.a < n);
        CHECK(l.b < n);
        CHECK(l.a != l.b);
      }
      for (std::uint32_t a = 0; a < n; ++a) {
        for (std::uint32_t b = 0; b < n; ++b) {
          const std::vector<LinkHop> route = topo->route(a, b);
          CHECK(route.size() == topo->hops(a, b));
          std::uint32_t at = a;
          for (const LinkHop& h : route) {
            REQUIRE(h.link < links.size());
            const LinkEnds& l = links[h.link];
            CHECK((h.forward ? l.a : l.b) == at);
            at = h.forward ? l.b : l.a;
          }
          CHECK(at == b);
        }
      }
    }
  }
}

TEST_CASE("link topologies: ring and chain routes take the fewest hops", "[link][topology]") {
  // Against breadth-first search over the links, for every pair of chips.
  for (const std::string name : {"ring", "chain"}) {
    for (std::uint32_t n = 1; n <= 12; ++n) {
      const auto topo = make_link_topology(name, n);
      const std::vector<LinkEnds> links = topo->links();
      CHECK(links.size() == (n == 1 ? 0 : name == "ring" && n >= 3 ? n : n - 1));
      for (std::uint32_t a = 0; a < n; ++a) {
        std::vector<std::uint32_t> dist(n, n);
        dist[a] = 0;
        for (std::uint32_t round = 0; round < n; ++round)
          for (const LinkEnds& l : links) {
            dist[l.b] = std::min(dist[l.b], dist[l.a] + 1);
            dist[l.a] = std::min(dist[l.a], dist[l.b] + 1);
          }
        for (std::uint32_t b = 0; b < n; ++b) CHECK(topo->hops(a, b) == dist[b]);
      }
    }
  }
}

TEST_CASE("NeuronLink: the compiler counts the hops the simulator routes", "[link][topology]") {
  // A hand-made plan whose stages sit on chips 0, 3 and 1 of inf1.6xlarge: 3 hops then 2 on the
  // chain, 1 then 2 on the ring. The plan's NeuronLink bytes are each stage's input times the
  // hops of the simulator's route into it.
  const Graph g = build_model("resnet50");
  for (const std::string topology : {"chain", "ring"}) {
    SystemConfig cfg = preset("inf1.6xlarge");
    apply_override(cfg, "neuronlink.topology=" + topology);
    CompileOptions opts;
    opts.cores = 3;
    nlohmann::json j = plan_to_json(compile(g, cfg, opts), g);
    const std::uint32_t cores[] = {0, 12, 5};
    for (std::size_t s = 0; s < 3; ++s) j["stages"][s]["core"] = cores[s];
    const Plan p = plan_from_json(j, g, cfg, "test");
    LinkTopologyModel links("system.neuronlink", cfg.chips, cfg.neuronlink);
    Bytes expected = 0;
    for (std::size_t s = 1; s < 3; ++s)
      expected += links.route(p.stages[s - 1].chip, p.stages[s].chip).size() * p.stages[s].in_bytes;
    CHECK(p.neuronlink_bytes == expected);
    CHECK(links.hops(0, 3) == (topology == "ring" ? 1 : 3));
  }
}

TEST_CASE("microbench link: one flow, exact figures", "[link][microbench]") {
  const SystemConfig cfg = preset("inf1.24xlarge");  // 16 chips on a chain
  // Closed loop: each 1 MiB transfer takes h·500 ns + 68,664,551 ps; the next starts on arrival.
  const LinkBenchResult r = microbench_link(cfg, 3, 1, kMiB, 4);
  CHECK(r.hops == 3);
  CHECK(r.flows == 1);
  CHECK(r.peak_gib_s == Approx(16.0));
  const double per_ps = 3.0 * 500'000 + 68'664'551;  // 70,164,551 ps
  CHECK(r.latency_ns.p50 == Approx(per_ps / 1000));
  CHECK(r.latency_ns.max == Approx(per_ps / 1000));
  CHECK(r.latency_ns.mean == Approx(per_ps / 1000));
  const double gib = static_cast<double>(kMiB) / (per_ps * 1e-12) / static_cast<double>(kGiB);
  CHECK(r.bandwidth_gib_s == Approx(gib));  // 1/16 GiB in 70.16 µs = 13.92 GiB/s
  CHECK(r.bandwidth_gib_s == Approx(13.918).epsilon(1e-3));
  REQUIRE(r.per_flow_gib_s.size() == 1);
  CHECK(r.per_flow_gib_s[0] == Approx(gib));
  // Long transfers approach the packet efficiency 256/288 of the peak, 14.22 GiB/s: 64 MiB is
  // 75,497,472 B on the wire, S = 4,394,531,250 ps, plus 500,000 ps of hop latency per transfer.
  const LinkBenchResult big = microbench_link(cfg, 1, 1, 64 * kMiB, 2);
  CHECK(big.bandwidth_gib_s == Approx(64.0 / 1024 / 4'395'031'250e-12));
  CHECK(big.bandwidth_gib_s == Approx(16.0 * 256 / 288).epsilon(2e-4));

  const nlohmann::json j = to_json(r);
  for (const char* k : {"hops", "flows", "transfer_bytes", "transfers_per_flow", "bandwidth_gib_s",
                        "peak_gib_s", "latency_ns", "per_flow_gib_s"})
    CHECK(j.contains(k));
  for (const char* k : {"mean", "p50", "p90", "p99", "max"}) CHECK(j.at("latency_ns").contains(k));
  CHECK(j.at("transfer_bytes") == kMiB);
}

TEST_CASE("microbench link: flows share the route fairly", "[link][microbench]") {
  const SystemConfig cfg = preset("inf1.24xlarge");
  for (std::uint32_t flows : {2u, 4u}) {
    const LinkBenchResult r = microbench_link(cfg, 1, flows, kMiB, 32);
    REQUIRE(r.per_flow_gib_s.size() == flows);
    // The link stays busy, so together they reach the packet efficiency of the peak...
    CHECK(r.bandwidth_gib_s == Approx(16.0 * 256 / 288).epsilon(0.01));
    // ...and each flow gets its share: served round robin, flow f's k-th transfer starts at
    // (k · flows + f) · S, so its last arrives at ((T − 1) · flows + f + 1) · S + hop, T = 32.
    constexpr double kS = 68'664'551e-12;
    for (std::uint32_t f = 0; f < flows; ++f) {
      const double end = ((32 - 1) * flows + f + 1) * kS + 500e-9;
      CHECK(r.per_flow_gib_s[f] == Approx(32.0 / 1024 / end));
      CHECK(r.per_flow_gib_s[f] == Approx(r.bandwidth_gib_s / flows).epsilon(0.03));
    }
    // In steady state a flow reissues on arrival (t0 + S + hop) and the link is next free at
    // t0 + flows · S, so its latency is flows · S exactly: the hop latency is hidden.
    CHECK(r.latency_ns.p50 == Approx(flows * 68'664.551));
  }
}

TEST_CASE("microbench link: too few chips for the hops", "[link][microbench]") {
  CHECK_THROWS_WITH(microbench_link(preset("inf1.xlarge"), 1, 1, kMiB, 1),
                    Contains("1 hop(s) need at least 2 chips, but 'inf1.xlarge' has 1"));
  CHECK_THROWS_WITH(microbench_link(preset("inf1.24xlarge"), 16, 1, kMiB, 1),
                    Contains("need at least 17 chips"));
  SystemConfig ring = preset("inf1.6xlarge");
  apply_override(ring, "neuronlink.topology=ring");
  CHECK_NOTHROW(microbench_link(ring, 2, 1, kMiB, 1));
  CHECK_THROWS_WITH(microbench_link(ring, 3, 1, kMiB, 1),
                    Contains("is a ring of 4 chips, whose longest route is 2 hops"));
  CHECK_THROWS_AS(microbench_link(ring, 0, 1, kMiB, 1), infsim::Error);
  CHECK_THROWS_AS(microbench_link(ring, 1, 0, kMiB, 1), infsim::Error);
  CHECK_THROWS_WITH(microbench_link(ring, 1, 4, 1, 2'500'001), Contains("at most 10,000,000"));
  // Memory is bounded: 100 M flows (issue 11) are refused before anything is allocated.
  CHECK_THROWS_WITH(microbench_link(ring, 1, 100'000'000, 1, 1),
                    Contains("--flows = 100000000 exceeds the limit of 1024"));
  CHECK_NOTHROW(microbench_link(ring, 1, 1024, 64, 1));
  CHECK_THROWS_WITH(microbench_link(ring, 1, 1, kGiB, 1'048'577), Contains("at most 1 PiB"));
}

TEST_CASE("PCIe: per-transfer overhead delays arrival without occupying the link", "[link][pcie]") {
  HostLinkModel h("chip0", HostLinkParams{});
  // Gen4 ×8 = 15,753,846,154 B/s: 4096 B → ⌈4096e12 / 15,753,846,154⌉ = 260,000 ps.
  const TransferTiming t = reserve_path({&h.to_device()}, 0, 4096, h.overhead());
  CHECK(t.arrival == 1'000'000 + 260'000 + 2'000'000);
  // The link is free again after the serialization: the overhead is software time, so a second
  // transfer starts at 260,000 ps, not after the first one's overhead.
  CHECK(h.to_device().ready_at() == 260'000);
  const TransferTiming t2 = reserve_path({&h.to_device()}, 0, 4096, h.overhead());
  CHECK(t2.start == 260'000);
  CHECK(t2.arrival == 260'000 + 3'260'000);
  // The directions are independent.
  CHECK(h.to_host().ready_at() == 0);
  // Small transfers are overhead-bound: 1 MiB takes 66,560,000 ps + 3 µs fixed, 64 B
  // ⌈4,062.5⌉ = 4,063 ps + 3 µs.
  CHECK(transfer_ps(kMiB, h.to_device().bytes_per_s()) == 66'560'000);
  CHECK(transfer_ps(64, h.to_device().bytes_per_s()) == 4'063);
}
