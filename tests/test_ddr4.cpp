// DDR4 model: every timing constraint allowed at t and refused at t - 1, unloaded latencies as
// timing sums, refresh, FR-FCFS order, the closed-form stream against line-by-line issue, and
// the Resource adapter in the system. Timings: the default DDR4-3200AA preset (Ddr4Params).
#include <catch2/catch.hpp>

#include "infsim/infsim.hpp"
#include "infsim/memory/ddr4.hpp"
#include "infsim/memory/dram_controller.hpp"
#include "infsim/microbench.hpp"

using namespace infsim;

namespace {

Ddr4Params preset_params() {
  return Ddr4Params{};
}

Ddr4Addr at(std::uint32_t bg, std::uint32_t bank, std::uint32_t row, std::uint32_t col = 0,
            std::uint32_t ch = 0, std::uint32_t rank = 0) {
  Ddr4Addr a;
  a.channel = ch;
  a.rank = rank;
  a.bank_group = bg;
  a.bank = bank;
  a.row = row;
  a.column = col;
  return a;
}

// Command c is allowed at t and refused at t - 1.
void check_edge(const Ddr4Timing& m, Ddr4Cmd c, const Ddr4Addr& a, std::int64_t t) {
  INFO(ddr4_cmd_name(c) << " at " << t);
  CHECK(m.earliest(c, a) == t);
  CHECK(m.can_issue(c, a, t));
  CHECK_FALSE(m.can_issue(c, a, t - 1));
}

}  // namespace

TEST_CASE("DDR4 preset: peak, organisation, address mapping", "[ddr4]") {
  const Ddr4Params p = preset_params();
  CHECK(p.peak_bytes_per_s() == 51'200'000'000ULL);  // 2 ch x 8 B x 2 x 1.6 GHz
  CHECK(p.capacity_bytes() == 8ULL * kGiB);
  CHECK(p.line_bytes() == 64);
  CHECK(p.burst_cycles() == 4);
  CHECK(p.trc == p.tras + p.trp);
  Ddr4Timing m(p);
  // Consecutive lines: channel first, then bank group, then column.
  for (std::uint64_t l = 0; l < 16; ++l) {
    const Ddr4Addr a = m.decode(l * 64);
    CHECK(a.channel == l % 2);
    CHECK(a.bank_group == (l / 2) % 4);
    CHECK(a.column == l / 8);
    CHECK(a.bank == 0);
    CHECK(a.row == 0);
    CHECK(m.encode(a) == l * 64);
  }
  // 2 x 4 x 128 lines = 64 KiB fill one row of bank 0 in every group of both channels.
  CHECK(m.decode(64 * 1024).bank == 1);
  CHECK(m.decode(64 * 1024 * 4).row == 1);
}

TEST_CASE("DDR4 timing constraints: allowed at t, refused at t-1", "[ddr4]") {
  const Ddr4Params p = preset_params();
  const std::uint32_t tb = p.burst_cycles();
  SECTION("tRCD, tRAS, tRP, tRC on one bank; tRTP") {
    Ddr4Timing m(p);
    const Ddr4Addr a = at(0, 0, 5);
    check_edge(m, Ddr4Cmd::Act, a, 0);
    m.issue(Ddr4Cmd::Act, a, 100);
    check_edge(m, Ddr4Cmd::Rd, a, 100 + p.trcd);   // tRCD 22
    check_edge(m, Ddr4Cmd::Pre, a, 100 + p.tras);  // tRAS 52
    m.issue(Ddr4Cmd::Rd, a, 140);                  // late read: tRTP binds
    check_edge(m, Ddr4Cmd::Pre, a, 140 + p.trtp);  // 140 + 12 = 152 = tRAS edge
    m.issue(Ddr4Cmd::Rd, a, 150);
    check_edge(m, Ddr4Cmd::Pre, a, 150 + p.trtp);  // 162 > tRAS: tRTP
    m.issue(Ddr4Cmd::Pre, a, 162);
    check_edge(m, Ddr4Cmd::Act, a, 162 + p.trp);  // tRP 22 (> tRC: 174)
  }
  SECTION("tRC when tRAS + tRP is not the binding sum") {
    Ddr4Params q = p;
    q.trc = 80;  // > tRAS + tRP = 74
    Ddr4Timing m(q);
    const Ddr4Addr a = at(1, 2, 3);
    m.issue(Ddr4Cmd::Act, a, 0);
    m.issue(Ddr4Cmd::Pre, a, q.tras);
    check_edge(m, Ddr4Cmd::Act, a, 80);  // tRC, not tRAS + tRP = 74
  }
  SECTION("tRRD_S, tRRD_L, tFAW") {
    Ddr4Timing m(p);
    m.issue(Ddr4Cmd::Act, at(0, 0, 1), 0);
    check_edge(m, Ddr4Cmd::Act, at(1, 0, 1), p.trrd_s);  // other group: 4
    check_edge(m, Ddr4Cmd::Act, at(0, 1, 1), p.trrd_l);  // same group: 8
    m.issue(Ddr4Cmd::Act, at(1, 0, 1), 4);
    m.issue(Ddr4Cmd::Act, at(2, 0, 1), 8);
    m.issue(Ddr4Cmd::Act, at(3, 0, 1), 12);
    // Fifth ACT: tRRD allows 16 (other group), tFAW holds it to 0 + 34.
    check_edge(m, Ddr4Cmd::Act, at(0, 2, 1), p.tfaw);
  }
  SECTION("tCCD_S, tCCD_L and the data bus") {
    Ddr4Timing m(p);
    for (std::uint32_t g = 0; g < 2; ++g) m.issue(Ddr4Cmd::Act, at(g, 0, 1), 8 * g);
    m.issue(Ddr4Cmd::Act, at(0, 1, 1), 16);
    m.issue(Ddr4Cmd::Rd, at(0, 0, 1), 100);
    check_edge(m, Ddr4Cmd::Rd, at(1, 0, 1), 100 + p.tccd_s);  // 4 = burst: back to back
    check_edge(m, Ddr4Cmd::Rd, at(0, 1, 1), 100 + p.tccd_l);  // 8
    m.issue(Ddr4Cmd::Wr, at(1, 0, 1), 200);
    check_edge(m, Ddr4Cmd::Wr, at(0, 0, 1), 200 + p.tccd_s);
    check_edge(m, Ddr4Cmd::Wr, at(1, 0, 1), 200 + p.tccd_l);
  }
  SECTION("tWTR_S, tWTR_L, tWR and read-to-write turnaround") {
    Ddr4Timing m(p);
    m.issue(Ddr4Cmd::Act, at(0, 0, 1), 0);
    m.issue(Ddr4Cmd::Act, at(1, 0, 1), 4);
    m.issue(Ddr4Cmd::Wr, at(0, 0, 1), 100);
    const std::int64_t wend = 100 + p.cwl + tb;                // end of write data: 120
    check_edge(m, Ddr4Cmd::Rd, at(1, 0, 1), wend + p.twtr_s);  // 124
    check_edge(m, Ddr4Cmd::Rd, at(0, 0, 1), wend + p.twtr_l);  // 132
    check_edge(m, Ddr4Cmd::Pre, at(0, 0, 1), wend + p.twr);    // 144
    Ddr4Timing r(p);
    r.issue(Ddr4Cmd::Act, at(0, 0, 1), 0);
    r.issue(Ddr4Cmd::Act, at(1, 0, 1), 4);
    r.issue(Ddr4Cmd::Rd, at(0, 0, 1), 100);
    // WR data may start 2 tCK after the read data ends: 100 + CL + 4 + 2 - CWL = 112.
    check_edge(r, Ddr4Cmd::Wr, at(1, 0, 1), 100 + p.cl + tb + 2 - p.cwl);
  }
  SECTION("rank switch: tRTRS on the shared data bus") {
    Ddr4Params q = p;
    q.ranks = 2;
    Ddr4Timing m(q);
    m.issue(Ddr4Cmd::Act, at(0, 0, 1, 0, 0, 0), 0);
    m.issue(Ddr4Cmd::Act, at(0, 0, 1, 0, 0, 1), 1);
    m.issue(Ddr4Cmd::Rd, at(0, 0, 1, 0, 0, 0), 100);
    check_edge(m, Ddr4Cmd::Rd, at(0, 0, 1, 0, 0, 1), 100 + tb + q.trtrs);
  }
  SECTION("the command bus takes one command per cycle") {
    Ddr4Timing m(p);
    m.issue(Ddr4Cmd::Act, at(0, 0, 1), 10);
    CHECK_FALSE(m.can_issue(Ddr4Cmd::Act, at(1, 0, 1, 0, 0), 10));  // same channel: refused
    CHECK(m.can_issue(Ddr4Cmd::Act, at(1, 0, 1, 0, 1), 10));        // other channel
  }
  SECTION("illegal in the bank state") {
    Ddr4Timing m(p);
    CHECK_FALSE(m.can_issue(Ddr4Cmd::Rd, at(0, 0, 1), 1000));  // closed bank
    m.issue(Ddr4Cmd::Act, at(0, 0, 1), 0);
    CHECK_FALSE(m.can_issue(Ddr4Cmd::Rd, at(0, 0, 2), 1000));   // other row open
    CHECK_FALSE(m.can_issue(Ddr4Cmd::Act, at(0, 0, 2), 1000));  // bank open
    CHECK_FALSE(m.can_issue(Ddr4Cmd::Ref, at(0, 0, 0), 1000));  // a bank open
  }
}

TEST_CASE("DDR4 refresh blocks the rank for tRFC", "[ddr4]") {
  const Ddr4Params p = preset_params();
  Ddr4Timing m(p);
  const Ddr4Addr a = at(2, 3, 7);
  m.issue(Ddr4Cmd::Act, a, 0);
  m.issue(Ddr4Cmd::PreAll, a, p.tras);
  check_edge(m, Ddr4Cmd::Ref, a, p.tras + p.trp);  // all banks precharged: tRP after PREA
  m.issue(Ddr4Cmd::Ref, a, 1000);
  check_edge(m, Ddr4Cmd::Act, a, 1000 + p.trfc);  // tRFC 416 for every bank
  check_edge(m, Ddr4Cmd::Act, at(0, 0, 1), 1000 + p.trfc);
  CHECK(m.refresh_due(0, 0) == 2 * static_cast<std::int64_t>(p.trefi));
  // The controller refreshes on its own: a read due just after tREFI waits for REF + tRFC.
  Ddr4Controller c(p);
  Ddr4Request r;
  r.addr = 0;
  r.arrival = p.trefi;  // 12480: REF at 12480, ACT at 12480 + 416
  c.submit(r);
  c.run();
  REQUIRE(c.completions().size() == 1);
  CHECK(c.completions()[0].column == p.trefi + p.trfc + p.trcd);
  CHECK(c.timing().stats().refreshes == 1);
  // Idle for 100 intervals: all 100 refreshes are counted, the last at 100 x tREFI.
  Ddr4Controller idle(p);
  r.arrival = 100LL * p.trefi + 5;
  idle.submit(r);
  idle.run();
  CHECK(idle.timing().stats().refreshes == 100);
  CHECK(idle.completions()[0].column == 100LL * p.trefi + p.trfc + p.trcd);
}

TEST_CASE("DDR4 unloaded read latency is the timing sum", "[ddr4]") {
  const Ddr4Params p = preset_params();
  Ddr4Controller c(p);
  Ddr4Timing& m = c.timing();
  const std::uint64_t base = 0;
  // Closed bank: ACT at 1000, RD at +tRCD, last data CL + BL/2 later:
  //   tRCD + CL + BL/2 = 22 + 22 + 4 = 48 tCK = 30 ns.
  Ddr4Request r;
  r.id = 1;
  r.addr = base;
  r.arrival = 1000;
  c.submit(r);
  c.run();
  auto lat = [&](std::size_t i) { return c.completions()[i].done - c.completions()[i].arrival; };
  CHECK(lat(0) == p.trcd + p.cl + p.burst_cycles());
  CHECK(lat(0) == 48);
  CHECK(c.completions()[0].result == RowResult::Closed);
  // Row hit (same row, later): CL + BL/2 = 22 + 4 = 26 tCK = 16.25 ns.
  r.id = 2;
  r.addr = base + 2 * 64 * 4;  // same channel and group, next column
  r.arrival = 2000;
  c.submit(r);
  c.run();
  CHECK(lat(1) == p.cl + p.burst_cycles());
  CHECK(c.completions()[1].result == RowResult::Hit);
  // Row conflict (another row of the same bank, tRAS long past):
  //   tRP + tRCD + CL + BL/2 = 22 + 22 + 22 + 4 = 70 tCK = 43.75 ns.
  Ddr4Addr other = m.decode(base);
  other.row = 9;
  r.id = 3;
  r.addr = m.encode(other);
  r.arrival = 3000;
  c.submit(r);
  c.run();
  CHECK(lat(2) == p.trp + p.trcd + p.cl + p.burst_cycles());
  CHECK(lat(2) == 70);
  CHECK(c.completions()[2].result == RowResult::Conflict);
}

TEST_CASE("FR-FCFS prefers a row hit over an older miss", "[ddr4]") {
  const Ddr4Params p = preset_params();
  Ddr4Controller c(p);
  Ddr4Timing& m = c.timing();
  // Open row 1 of bank (0,0).
  m.issue(Ddr4Cmd::Act, at(0, 0, 1), 0);
  Ddr4Request miss, hit;
  miss.id = 1;
  miss.addr = m.encode(at(0, 0, 2));  // older (submitted first), needs PRE + ACT
  miss.arrival = 100;
  hit.id = 2;
  hit.addr = m.encode(at(0, 0, 1, 3));  // younger, hits row 1
  hit.arrival = 100;
  c.submit(miss);
  c.submit(hit);
  c.run();
  REQUIRE(c.completions().size() == 2);
  CHECK(c.completions()[0].id == 2);
  CHECK(c.completions()[0].column == 100);
  CHECK(c.completions()[0].result == RowResult::Hit);
  CHECK(c.completions()[1].id == 1);
  CHECK(c.completions()[1].result == RowResult::Conflict);
  // The miss then waits for tRTP after the hit, tRP and tRCD: 100 + 12 + 22 + 22 = 156.
  CHECK(c.completions()[1].column == 100 + p.trtp + p.trp + p.trcd);
}

TEST_CASE("DDR4 write drain: writes wait for the high watermark, then drain", "[ddr4]") {
  Ddr4Params p = preset_params();
  Ddr4Controller c(p);
  std::uint64_t id = 0;
  // 30 reads and 30 writes all at 0 on channel 0: reads first until the writes reach the high
  // watermark (24 queued), which they do at once: writes drain to the low watermark first.
  for (int i = 0; i < 30; ++i) {
    Ddr4Request r;
    r.id = id++;
    r.addr = static_cast<std::uint64_t>(i) * 128;  // channel 0, rotating groups
    r.write = true;
    c.submit(r);
  }
  for (int i = 0; i < 30; ++i) {
    Ddr4Request r;
    r.id = id++;
    r.addr = (1u << 20) + static_cast<std::uint64_t>(i) * 128;
    c.submit(r);
  }
  c.run();
  const auto& d = c.completions();
  REQUIRE(d.size() == 60);
  std::size_t first_writes = 0;
  while (first_writes < d.size() && d[first_writes].write) ++first_writes;
  CHECK(first_writes == 30 - p.write_low);  // 22 writes drained, then reads
}

TEST_CASE("DDR4 stream: closed form equals line-by-line issue", "[ddr4]") {
  const Ddr4Params p = preset_params();
  SECTION("a row-hit stream: one read every burst") {
    Ddr4Dram a("a", p), b("b", p);
    // Open the rows first with a short stream, then a long run inside them.
    for (Ddr4Dram* d : {&a, &b}) d->stream_read(0, 64, 0, d == &a);
    const std::int64_t ea = a.stream_read(64 * 64, 900, 500, true);
    const std::int64_t eb = b.stream_read(64 * 64, 900, 500, false);
    CHECK(ea == eb);
    CHECK(a.timing().stats().hits == b.timing().stats().hits);
    CHECK(a.stepped_lines() < b.stepped_lines());
    // 450 reads per channel back to back: the last issues 449 bursts after the first (500).
    CHECK(ea == 500 + 449 * 4 + p.cl + 4);
  }
  SECTION("long streams across rows, banks and refreshes") {
    for (std::uint64_t lines : {1ULL, 7ULL, 1000ULL, 4704ULL, 100000ULL}) {
      Ddr4Dram a("a", p), b("b", p);
      std::int64_t ta = 0, tb = 0;
      for (int k = 0; k < 3; ++k) {
        ta = a.stream_read(k * lines * 64 + 640, lines, ta / 2, true);
        tb = b.stream_read(k * lines * 64 + 640, lines, tb / 2, false);
        INFO("lines " << lines << " transfer " << k);
        CHECK(ta == tb);
      }
      CHECK(a.timing().stats().hits == b.timing().stats().hits);
      CHECK(a.timing().stats().acts == b.timing().stats().acts);
      CHECK(a.timing().stats().refreshes == b.timing().stats().refreshes);
    }
  }
  SECTION("runs across row bands: organisations, offsets, gaps and look-ahead depths") {
    // The closed form continues a run across a row-band change when the next band's first
    // lines (issued one by one) still read at the run's cycles. Exact equality with line-by-line
    // issue: every completion time, the last column command and every counter.
    std::vector<Ddr4Params> variants(6, p);
    variants[1].ranks = 2;            // band changes that switch rank (tRTRS: not hidden)
    variants[2].banks_per_group = 1;  // the next band reopens the same banks (tRTP, tRAS bind)
    variants[3].bank_groups = 2;      // short bands: 2 groups x 8 lines
    variants[3].row_bytes = 512;
    variants[4].read_queue = 3;  // look-ahead shorter than the bank-group rotation
    variants[5].trefi = 3000;    // refresh inside most transfers
    for (std::size_t v = 0; v < variants.size(); ++v) {
      Ddr4Dram a("a", variants[v]), b("b", variants[v]);
      std::uint64_t seed = 12345 + v;
      auto next = [&seed](std::uint64_t n) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        return (seed >> 33) % n;
      };
      std::int64_t t = 0;
      std::uint64_t addr = 0;
      for (int k = 0; k < 40; ++k) {
        const std::uint64_t lines = 1 + next(k % 4 == 0 ? 40000 : 6000);
        const std::int64_t ta = a.stream_read(addr, lines, t, true);
        const std::int64_t tb = b.stream_read(addr, lines, t, false);
        INFO("variant " << v << " transfer " << k << " lines " << lines);
        REQUIRE(ta == tb);
        REQUIRE(a.ready_at() == b.ready_at());
        addr += lines * 64 + (k % 3 == 0 ? 64 * next(5000) : 0);
        // Back to back (the next starts at the last column command), or after a gap.
        t = k % 2 == 0 ? a.timing().last_column(0) : ta + static_cast<std::int64_t>(next(30000));
      }
      const Ddr4Stats& sa = a.timing().stats();
      const Ddr4Stats& sb = b.timing().stats();
      INFO("variant " << v);
      CHECK(sa.reads == sb.reads);
      CHECK(sa.hits == sb.hits);
      CHECK(sa.closed == sb.closed);
      CHECK(sa.conflicts == sb.conflicts);
      CHECK(sa.acts == sb.acts);
      CHECK(sa.pres == sb.pres);
      CHECK(sa.refreshes == sb.refreshes);
      CHECK(a.stepped_lines() < b.stepped_lines());
    }
  }
  SECTION("a ResNet-50 input crosses row bands in few runs") {
    Ddr4Dram a("a", p);
    a.stream_read(0, 4704, 0, true);
    // Per channel 2352 lines over 5 row bands: after the first lines, one run per channel goes
    // on across every band change (each change issues its 4 lines one by one).
    CHECK(a.closed_runs() == 2);
    CHECK(a.stepped_lines() == 40);
  }
  SECTION("the FR-FCFS controller gives the same times for a row-hit stream") {
    Ddr4Dram s("s", p);
    Ddr4Controller c(p);
    // Open row 0 of bank 0 in every group of channel 0 long before.
    for (std::uint32_t g = 0; g < 4; ++g) {
      c.timing().issue(Ddr4Cmd::Act, at(g, 0, 0), 4 * g);
      c.timing().issue(Ddr4Cmd::Rd, at(g, 0, 0), 100 + 4 * g);
    }
    for (std::uint64_t i = 0; i < 200; ++i) {
      Ddr4Request r;
      r.id = i;
      r.addr = (8 + 2 * i) * 64;  // channel 0 lines from column 1 on
      r.arrival = 500;
      c.submit(r);
    }
    c.run();
    REQUIRE(c.completions().size() == 200);
    for (std::size_t i = 0; i < 200; ++i)
      CHECK(c.completions()[i].column == static_cast<std::int64_t>(500 + 4 * i));
  }
}

TEST_CASE("DDR4 Resource adapter in a transfer path", "[ddr4]") {
  DramParams dp;
  dp.model = DramModelKind::Ddr4;
  Ddr4Dram d("dram", dp.ddr4);
  CHECK(d.bytes_per_s() == 51'200'000'000ULL);
  CHECK(d.latency() == 20'000);
  // 128 B from a fresh controller at 1,000,000 ps (1600 tCK): two lines on two channels, closed
  // banks: ACT at 1600, RD at 1622, last data 1622 + 26 = 1648 tCK = 1,030,000 ps.
  CHECK(d.occupy(1'000'000, 128) == 30'000);
  CHECK(d.ready_at() == 1622 * 625);
  // A large transfer reaches the peak rate within a few percent.
  const Ps busy = d.occupy(2'000'000, 1 << 20);
  const double rate = static_cast<double>(1 << 20) / (static_cast<double>(busy) * 1e-12);
  CHECK(rate > 0.9 * 51.2e9);
  CHECK(rate < 51.2e9);
}

TEST_CASE("DDR4 microbenchmark: sequential near peak, random below, fair sharing", "[ddr4]") {
  const SystemConfig cfg = default_config();
  const DramBenchResult seq = microbench_dram(cfg, "sequential", 1, 20000);
  CHECK(seq.peak_gib_s == Approx(51.2e9 / static_cast<double>(kGiB)));
  CHECK(seq.bandwidth_gib_s >= 0.9 * seq.peak_gib_s);
  CHECK(seq.row_hit_rate > 0.95);
  const DramBenchResult rnd = microbench_dram(cfg, "random", 1, 20000);
  CHECK(rnd.bandwidth_gib_s < 0.8 * seq.bandwidth_gib_s);
  CHECK(rnd.row_hit_rate < 0.05);
  CHECK(rnd.latency_ns.p50 > seq.latency_ns.p50);
  const DramBenchResult four = microbench_dram(cfg, "sequential", 4, 10000);
  CHECK(four.bandwidth_gib_s >= 0.5 * four.peak_gib_s);
  for (double b : four.per_core_gib_s) CHECK(b > 0.2 * four.bandwidth_gib_s);
  const auto j = to_json(four);
  CHECK(j.at("per_core_gib_s").size() == 4);
  CHECK(j.at("latency_ns").contains("p99"));
  CHECK(j.contains("row_hit_rate"));
}

TEST_CASE("dram.model selects the controller's timing model", "[ddr4][config]") {
  SystemConfig cfg = default_config();
  CHECK(cfg.dram.model == DramModelKind::Ddr4);  // the default (docs/TIMING.md says why)
  apply_override(cfg, "dram.model=simple");
  CHECK(cfg.dram.model == DramModelKind::Simple);
  apply_override(cfg, "dram.model=ddr4");
  CHECK(cfg.dram.model == DramModelKind::Ddr4);
  apply_override(cfg, "dram.ddr4.cl=20");
  CHECK(cfg.dram.ddr4.cl == 20);
  CHECK(to_json(cfg).at("dram").at("ddr4").at("cl") == 20);
  CHECK_THROWS_AS(apply_override(cfg, "dram.model=hbm"), ConfigError);
  cfg.dram.ddr4.write_low = 30;
  CHECK_THROWS_AS(validate(cfg), ConfigError);
  CHECK(preset("inf2-like").dram.model == DramModelKind::Simple);
}

TEST_CASE("one request end to end with the DDR4 model", "[ddr4][simulate]") {
  SystemConfig cfg = preset("inf1.xlarge");
  apply_override(cfg, "dram.model=ddr4");
  GraphBuilder b("tiny");
  const int x = b.input("x", {64});
  b.linear("fc", x, LinearOptions(64).bias(false));
  Workload w;
  w.requests = 1;
  w.warmup = 0;
  const Report r = simulate(cfg, b.build(), CompileOptions{1, 1}, w);
  // The path sums of the simple-model test (test_simulate.cpp) with the DRAM's serialization
  // replaced by the DDR4 stream: 128 B = 2 lines on 2 channels, fresh rows every transfer, so
  // ACT at the tCK-aligned start, tRCD + CL + burst = 48 tCK = 30,000 ps; front end 20 ns.
  CHECK(r.drams.at(0).bytes == 4 * 128);
  CHECK(r.drams.at(0).transfers == 4);
  CHECK(r.simulated_time_s > 0);
  const double simple_total = 6.827676e-6;
  // Four DRAM crossings, each (100 ns - 20 ns) front end saved and 30 ns - 2.385 ns more busy
  // (the fabric's 1.863 ns and PCIe's 8.125 ns no longer the slowest hop where they were):
  // within 0.5 us of the simple model's 6.83 us.
  CHECK(std::abs(r.simulated_time_s - simple_total) < 0.5e-6);
}

namespace {

// Every piece of bank, rank and channel state visible through Ddr4Timing's interface, and the
// first cycle each command may issue on each bank: equal in both models means equal futures.
void check_same_state(const Ddr4Timing& a, const Ddr4Timing& b) {
  const Ddr4Params& p = a.params();
  for (std::uint32_t ch = 0; ch < p.channels; ++ch) {
    REQUIRE(a.last_command(ch) == b.last_command(ch));
    REQUIRE(a.last_column(ch) == b.last_column(ch));
    for (std::uint32_t rk = 0; rk < p.ranks; ++rk) {
      REQUIRE(a.refresh_due(ch, rk) == b.refresh_due(ch, rk));
      for (std::uint32_t g = 0; g < p.bank_groups; ++g)
        for (std::uint32_t bk = 0; bk < p.banks_per_group; ++bk) {
          Ddr4Addr x = at(g, bk, 0, 0, ch, rk);
          INFO("channel " << ch << " rank " << rk << " group " << g << " bank " << bk);
          REQUIRE(a.is_open(x) == b.is_open(x));
          REQUIRE(a.hits_since_act(x) == b.hits_since_act(x));
          if (a.is_open(x)) {
            REQUIRE(a.open_row(x) == b.open_row(x));
            x.row = a.open_row(x);
          }
          for (Ddr4Cmd c : {Ddr4Cmd::Act, Ddr4Cmd::Pre, Ddr4Cmd::Rd, Ddr4Cmd::PreAll, Ddr4Cmd::Ref})
            REQUIRE(a.earliest(c, x) == b.earliest(c, x));
        }
    }
  }
  const Ddr4Stats& sa = a.stats();
  const Ddr4Stats& sb = b.stats();
  REQUIRE(sa.reads == sb.reads);
  REQUIRE(sa.hits == sb.hits);
  REQUIRE(sa.closed == sb.closed);
  REQUIRE(sa.conflicts == sb.conflicts);
  REQUIRE(sa.acts == sb.acts);
  REQUIRE(sa.pres == sb.pres);
  REQUIRE(sa.refreshes == sb.refreshes);
}

}  // namespace

TEST_CASE("DDR4 stream: closed form equals line-by-line issue on random transfers", "[ddr4]") {
  // Random organisations and timings, random transfer sizes, addresses (continuing the previous
  // transfer, re-reading its rows, or jumping, wrapping at the capacity) and start times (before
  // the previous transfer's last read, back to back, or after idle refresh intervals). After
  // every transfer: equal completion time and an equal state (every bank's row, reads since its
  // ACT and first cycle of every command; refresh due times; every counter).
  std::uint64_t seed = 20261125;
  auto next = [&seed](std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  };
  auto pick = [&next](std::initializer_list<std::uint32_t> v) {
    return *(v.begin() + next(v.size()));
  };
  std::uint64_t closed_runs = 0, closed_steps = 0, stepped = 0;
  for (int v = 0; v < 24; ++v) {
    Ddr4Params p;
    if (v > 0) {  // variant 0: the preset
      p.ranks = pick({1, 1, 2});
      p.bank_groups = pick({1, 2, 4, 4});
      p.banks_per_group = pick({1, 2, 4, 4});
      p.row_bytes = pick({512, 1024, 8192, 8192});
      p.rows = pick({16, 32768});
      p.read_queue = pick({1, 3, 8, 32, 32});
      p.trefi = pick({2000, 3000, 12480});
      p.trfc = pick({100, 416});
      p.trcd = pick({14, 22, 40});
      p.trp = pick({14, 22});
      p.tras = pick({32, 52});
      p.trc = p.tras + p.trp + pick({0, 6});
      p.trrd_s = pick({2, 4, 6});
      p.trrd_l = p.trrd_s + pick({0, 4});
      p.tfaw = pick({16, 34, 60});
      p.tccd_s = pick({4, 4, 4, 5});  // 5 > a burst: no runs
      p.tccd_l = pick({4, 8, 8, 8, 20});
      p.trtp = pick({8, 12});
      p.trtrs = pick({0, 1, 3});
    }
    INFO("variant " << v << ": ranks " << p.ranks << " groups " << p.bank_groups << " banks "
                    << p.banks_per_group << " row " << p.row_bytes << " queue " << p.read_queue
                    << " tREFI " << p.trefi << " tCCD_L " << p.tccd_l);
    Ddr4Dram a("a", p), b("b", p);
    const std::uint64_t cap = p.capacity_bytes();
    std::uint64_t addr = next(cap / 64) * 64;
    std::int64_t t = static_cast<std::int64_t>(next(20000));
    for (int k = 0; k < 40; ++k) {
      const std::uint64_t r = next(10);
      const std::uint64_t lines = 1 + (r < 3 ? next(64) : r < 8 ? next(6000) : next(30000));
      const std::int64_t ea = a.stream_read(addr, lines, t, true);
      const std::int64_t eb = b.stream_read(addr, lines, t, false);
      INFO("transfer " << k << " at line " << addr / 64 << ", " << lines << " lines from " << t);
      REQUIRE(ea == eb);
      REQUIRE(a.ready_at() == b.ready_at());
      check_same_state(a.timing(), b.timing());
      const std::uint64_t how = next(10);
      if (how < 6)
        addr += lines * 64;  // the next stretch (the adapter's rotating allocator)
      else if (how < 8)
        addr -= std::min<std::uint64_t>(addr, 64 * next(2 * lines + 1));  // re-read open rows
      else
        addr = next(cap / 64) * 64;
      addr %= cap + 64 * next(2);  // now and then past the capacity: decode wraps
      const std::uint64_t when = next(10);
      const std::int64_t last = a.timing().last_column(0);
      t = when < 4   ? last  // back to back
          : when < 6 ? std::max<std::int64_t>(0, last - static_cast<std::int64_t>(next(300)))
          : when < 9 ? ea + static_cast<std::int64_t>(next(3000))
                     : ea + static_cast<std::int64_t>(next(4 * p.trefi));  // idle refreshes
    }
    if (v == 0) CHECK(a.stepped_lines() * 20 < b.stepped_lines());  // the preset: long runs
    closed_runs += a.closed_runs();
    closed_steps += a.stepped_lines();
    stepped += b.stepped_lines();
  }
  CHECK(closed_runs > 0);
  CHECK(closed_steps * 2 < stepped);
}
