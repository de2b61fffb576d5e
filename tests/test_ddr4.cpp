// DDR4 model: every timing constraint allowed at t and refused at t - 1, unloaded latencies as
// timing sums, refresh, the scheduler's closed form against line-by-line issue, the Resource
// adapter in the system, and the microbenchmark, all through the one scheduler (Ddr4Scheduler)
// that `infsim run` uses. Timings: the default DDR4-3200AA preset (Ddr4Params).
#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <optional>

#include "infsim/infsim.hpp"
#include "infsim/memory/ddr4.hpp"
#include "infsim/memory/dram_registry.hpp"
#include "infsim/microbench.hpp"
#include "support.hpp"

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

/// A seeded linear congruential generator (Knuth's MMIX constants): next(n) is a number in
/// [0, n), the same sequence on every platform, for reproducible random transfers.
struct Lcg {
  std::uint64_t seed;
  std::uint64_t operator()(std::uint64_t n) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (seed >> 33) % n;
  }
};

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
  // The scheduler refreshes on its own: a read arriving at tREFI waits for REF + tRFC.
  Ddr4Scheduler c(p);
  const std::int64_t done = c.read(0, 1, p.trefi);  // 12480: REF at 12480, ACT at 12480 + 416
  CHECK(c.timing().last_column(0) == p.trefi + p.trfc + p.trcd);
  CHECK(done == c.timing().last_column(0) + p.cl + p.burst_cycles());
  CHECK(c.timing().stats().refreshes == 1);
  // Idle for 100 intervals: all 100 refreshes are counted, the last at 100 x tREFI.
  Ddr4Scheduler idle(p);
  idle.read(0, 1, 100LL * p.trefi + 5);
  CHECK(idle.timing().stats().refreshes == 100);
  CHECK(idle.timing().last_column(0) == 100LL * p.trefi + p.trfc + p.trcd);
}

TEST_CASE("DDR4 unloaded read latency is the timing sum", "[ddr4]") {
  const Ddr4Params p = preset_params();
  Ddr4Scheduler c(p);
  const Ddr4Timing& m = c.timing();
  const std::uint64_t base = 0;
  // One 64-byte read arriving at `arrival`: its latency to the last data beat.
  auto lat = [&](std::uint64_t addr, std::int64_t arrival) {
    return c.read(addr, 1, arrival) - arrival;
  };
  // Closed bank: ACT at 1000, RD at +tRCD, last data CL + BL/2 later:
  //   tRCD + CL + BL/2 = 22 + 22 + 4 = 48 tCK = 30 ns.
  const std::int64_t closed = lat(base, 1000);
  CHECK(closed == p.trcd + p.cl + p.burst_cycles());
  CHECK(closed == 48);
  CHECK(m.stats().closed == 1);
  // Row hit (same row, later): CL + BL/2 = 22 + 4 = 26 tCK = 16.25 ns.
  CHECK(lat(base + 2 * 64 * 4, 2000) == p.cl + p.burst_cycles());  // same channel and group
  CHECK(m.stats().hits == 1);
  // Row conflict (another row of the same bank, tRAS long past):
  //   tRP + tRCD + CL + BL/2 = 22 + 22 + 22 + 4 = 70 tCK = 43.75 ns.
  Ddr4Addr other = m.decode(base);
  other.row = 9;
  const std::int64_t conflict = lat(m.encode(other), 3000);
  CHECK(conflict == p.trp + p.trcd + p.cl + p.burst_cycles());
  CHECK(conflict == 70);
  CHECK(m.stats().conflicts == 1);
  CHECK(m.stats().reads == 3);
}

TEST_CASE("DDR4 scheduler: closed form equals line-by-line issue", "[ddr4]") {
  const Ddr4Params p = preset_params();
  SECTION("a row-hit stream: one read every burst") {
    Ddr4Scheduler a(p), b(p);
    // Open the rows first with a short stream, then a long run inside them.
    a.read(0, 64, 0);
    b.read_stepped(0, 64, 0);
    const std::int64_t ea = a.read(64 * 64, 900, 500);
    const std::int64_t eb = b.read_stepped(64 * 64, 900, 500);
    CHECK(ea == eb);
    CHECK(a.timing().stats().hits == b.timing().stats().hits);
    CHECK(a.stepped_lines() < b.stepped_lines());
    // 450 reads per channel back to back: the last issues 449 bursts after the first (500).
    CHECK(ea == 500 + 449 * 4 + p.cl + 4);
  }
  SECTION("long streams across rows, banks and refreshes") {
    for (std::uint64_t lines : {1ULL, 7ULL, 1000ULL, 4704ULL, 100000ULL}) {
      Ddr4Scheduler a(p), b(p);
      std::int64_t ta = 0, tb = 0;
      for (int k = 0; k < 3; ++k) {
        ta = a.read(k * lines * 64 + 640, lines, ta / 2);
        tb = b.read_stepped(k * lines * 64 + 640, lines, tb / 2);
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
      Ddr4Scheduler a(variants[v]), b(variants[v]);
      Lcg next{12345 + v};
      std::int64_t t = 0;
      std::uint64_t addr = 0;
      for (int k = 0; k < 40; ++k) {
        const std::uint64_t lines = 1 + next(k % 4 == 0 ? 40000 : 6000);
        const std::int64_t ta = a.read(addr, lines, t);
        const std::int64_t tb = b.read_stepped(addr, lines, t);
        INFO("variant " << v << " transfer " << k << " lines " << lines);
        REQUIRE(ta == tb);
        REQUIRE(a.last_column() == b.last_column());
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
    Ddr4Scheduler a(p);
    a.read(0, 4704, 0);
    // Per channel 2352 lines over 5 row bands: after the first lines, one run per channel goes
    // on across every band change (each change issues its 4 lines one by one).
    CHECK(a.closed_runs() == 2);
    CHECK(a.stepped_lines() == 40);
  }
  SECTION("a row-hit stream given line by line, as the microbenchmark does") {
    Ddr4Scheduler s(p);
    s.read(0, 8, 0);  // opens row 0 of bank 0 in every group of both channels
    for (std::uint64_t i = 0; i < 200; ++i) {
      // Channel 0 lines from column 1 on, each its own request, all arriving at 500: one read
      // every burst.
      const std::int64_t done = s.read((8 + 2 * i) * 64, 1, 500);
      CHECK(s.timing().last_column(0) == static_cast<std::int64_t>(500 + 4 * i));
      CHECK(done == s.timing().last_column(0) + p.cl + p.burst_cycles());
    }
  }
}

TEST_CASE("DDR4 Resource adapter in a transfer path", "[ddr4]") {
  DramParams dp;
  CHECK(dp.model == "ddr4");
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
  // The statistics every DRAM model exposes: 2 + 16,384 lines read.
  const std::optional<DramStats> st = d.dram_stats();
  REQUIRE(st.has_value());
  CHECK(st->reads == 2 + (1 << 20) / 64);
  CHECK(st->reads == d.scheduler().timing().stats().reads);
  CHECK(st->activates == d.scheduler().timing().stats().acts);
  CHECK(st->row_hit_rate == d.scheduler().timing().stats().row_hit_rate());
}

TEST_CASE("DDR4 microbenchmark: sequential near peak, random below, equal shares", "[ddr4]") {
  const SystemConfig cfg = default_config();
  const DramBenchResult seq = microbench_dram(cfg, "sequential", 1, 20000);
  CHECK(seq.peak_gib_s == Approx(51.2e9 / static_cast<double>(kGiB)));
  CHECK(seq.bandwidth_gib_s >= 0.9 * seq.peak_gib_s);
  CHECK(seq.row_hit_rate > 0.95);
  const DramBenchResult rnd = microbench_dram(cfg, "random", 1, 20000);
  CHECK(rnd.bandwidth_gib_s < 0.8 * seq.bandwidth_gib_s);
  CHECK(rnd.row_hit_rate < 0.05);
  CHECK(rnd.latency_ns.p50 > seq.latency_ns.p50);
  // Four sequential streams: their regions are 2 GiB apart, i.e. different rows of the same banks,
  // and the scheduler serves reads in arrival order (it does not reorder for row hits), so each
  // read closes the row the previous one opened: the four get equal shares of a bandwidth far
  // below one stream's. (`infsim run` never interleaves transfers this way: a transfer starts
  // when the previous one has issued its reads; docs/TIMING.md.)
  const DramBenchResult four = microbench_dram(cfg, "sequential", 4, 10000);
  CHECK(four.row_hit_rate < 0.05);
  CHECK(four.bandwidth_gib_s < 0.2 * seq.bandwidth_gib_s);
  for (double b : four.per_core_gib_s) CHECK(b > 0.2 * four.bandwidth_gib_s);
  const auto j = to_json(four);
  CHECK(j.at("per_core_gib_s").size() == 4);
  CHECK(j.at("latency_ns").contains("p99"));
  CHECK(j.contains("row_hit_rate"));
}

TEST_CASE("dram.model names a model of the registry", "[ddr4][config]") {
  SystemConfig cfg = default_config();
  CHECK(cfg.dram.model == "ddr4");  // the default (docs/TIMING.md says why)
  apply_override(cfg, "dram.model=simple");
  CHECK(cfg.dram.model == "simple");
  apply_override(cfg, "dram.model=ddr4");
  CHECK(cfg.dram.model == "ddr4");
  apply_override(cfg, "dram.ddr4.cl=20");
  CHECK(cfg.dram.ddr4.cl == 20);
  CHECK(to_json(cfg).at("dram").at("ddr4").at("cl") == 20);
  // An unknown model is refused with the registry's names.
  CHECK_THROWS_AS(apply_override(cfg, "dram.model=hbm"), ConfigError);
  CHECK_THROWS_WITH(apply_override(cfg, "dram.model=hbm"),
                    Catch::Contains("\"ddr4\"") && Catch::Contains("\"simple\""));
  CHECK(dram_model_names() == std::vector<std::string>{"ddr4", "simple"});
  cfg.dram.ddr4.burst_length = 7;
  CHECK_THROWS_AS(validate(cfg), ConfigError);
  CHECK(preset("inf2-like").dram.model == "simple");
  // The write-queue and FR-FCFS settings went with the FR-FCFS controller; the write timings are
  // not settings (the scheduler issues reads only).
  for (const char* gone :
       {"write_queue", "write_high", "write_low", "row_hit_cap", "cwl", "twr", "twtr_s", "twtr_l"})
    CHECK_THROWS_AS(apply_override(cfg, std::string("dram.ddr4.") + gone + "=1"), ConfigError);
}

TEST_CASE("DRAM registry: every model built by name, statistics through the interface",
          "[ddr4][dram]") {
  for (const DramModelInfo& m : dram_models()) {
    DramParams p;
    p.model = m.name;
    const std::unique_ptr<DramModel> d = make_dram_model("chip0.dram", p);
    INFO(m.name);
    REQUIRE(d != nullptr);
    CHECK(d->name() == "chip0.dram");
    CHECK(find_dram_model(m.name) == &m);
    CHECK(d->occupy(d->ready_at(), 4096) > 0);
    CHECK(d->stats().bytes == 4096);
    // Models with banks and rows count their commands; the simple model has none.
    CHECK(d->dram_stats().has_value() == (std::string(m.name) == "ddr4"));
  }
  DramParams p;
  p.model = "hbm2";
  CHECK(find_dram_model("hbm2") == nullptr);
  CHECK_THROWS_AS(make_dram_model("dram", p), ConfigError);
  CHECK_THROWS_WITH(make_dram_model("dram", p), Catch::Contains("known: ddr4, simple"));
  p.model = "ddr4";
  const auto d = make_dram_model("dram", p);
  d->occupy(0, 128);
  REQUIRE(d->dram_stats().has_value());
  CHECK(d->dram_stats()->reads == 2);
  CHECK(d->dram_stats()->activates == 2);  // two lines, two channels, closed banks
  CHECK(d->dram_stats()->row_hit_rate == 0.0);
}

namespace {

// What a DDR4 setting can change: the microbenchmark's random and sequential figures and the
// simulated time of one tiny request end to end (which adds the front-end latency).
std::vector<double> ddr4_fingerprint(const SystemConfig& cfg) {
  std::vector<double> f;
  for (const char* pattern : {"random", "sequential"}) {
    const DramBenchResult r = microbench_dram(cfg, pattern, 1, 3000);
    f.insert(f.end(), {r.bandwidth_gib_s, r.latency_ns.mean, r.latency_ns.max, r.row_hit_rate});
  }
  GraphBuilder b("tiny");
  b.linear("fc", b.input("x", {4096}), LinearOptions(64).bias(false));
  f.push_back(simulate(cfg, b.build(), CompileOptions{1, 1}, test::requests(2)).simulated_time_s);
  return f;
}

}  // namespace

TEST_CASE("every dram.ddr4 setting changes a run or a microbenchmark result", "[ddr4][config]") {
  // One change per setting of the table (a setting added without an entry here fails), and the
  // configuration it is compared against (trtrs needs two ranks to matter).
  struct Change {
    const char* value;
    const char* base;
  };
  const std::map<std::string, Change> changes = {
      {"tck_ps", {"700", ""}},
      {"channels", {"3", ""}},
      {"ranks", {"2", ""}},
      {"bank_groups", {"2", ""}},
      {"banks_per_group", {"2", ""}},
      {"rows", {"16384", ""}},
      {"row_bytes", {"4096", ""}},
      {"bus_bytes", {"4", ""}},
      {"burst_length", {"16", ""}},
      {"cl", {"24", ""}},
      {"trcd", {"30", ""}},
      {"trp", {"30", ""}},
      {"tras", {"70", ""}},
      {"trc", {"100", ""}},
      {"trrd_s", {"8", ""}},
      {"trrd_l", {"16", ""}},
      {"tfaw", {"60", ""}},
      {"tccd_s", {"5", ""}},
      {"tccd_l", {"20", ""}},
      {"trtp", {"40", ""}},
      {"trfc", {"600", ""}},
      {"trefi", {"3000", ""}},
      {"trtrs", {"4", "ranks=2"}},
      {"read_queue", {"4", ""}},
      {"frontend_latency_ns", {"30", ""}},
  };
  std::size_t checked = 0;
  for (const ParamInfo& info : config_parameters()) {
    const std::string prefix = "dram.ddr4.";
    if (info.path.rfind(prefix, 0) != 0) continue;
    const std::string key = info.path.substr(prefix.size());
    INFO(info.path);
    const auto it = changes.find(key);
    REQUIRE(it != changes.end());
    SystemConfig base = preset("inf1.xlarge");
    if (*it->second.base) apply_override(base, prefix + it->second.base);
    SystemConfig changed = base;
    apply_override(changed, info.path + "=" + it->second.value);
    validate(changed);
    CHECK(ddr4_fingerprint(changed) != ddr4_fingerprint(base));
    ++checked;
  }
  CHECK(checked == changes.size());
}

TEST_CASE("one request end to end with the DDR4 model", "[ddr4][simulate]") {
  SystemConfig cfg = preset("inf1.xlarge");
  test::pin_uncalibrated(cfg);
  apply_override(cfg, "dram.model=ddr4");
  const Report r = simulate(cfg, test::tiny(), CompileOptions{1, 1}, test::requests(1));
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

TEST_CASE("DDR4 scheduler: closed form equals line-by-line issue on random transfers", "[ddr4]") {
  // Random organisations and timings, random transfer sizes, addresses (continuing the previous
  // transfer, re-reading its rows, or jumping, wrapping at the capacity) and start times (before
  // the previous transfer's last read, back to back, or after idle refresh intervals). After
  // every transfer: equal completion time and an equal state (every bank's row, reads since its
  // ACT and first cycle of every command; refresh due times; every counter).
  Lcg next{20261125};
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
    Ddr4Scheduler a(p), b(p);
    const std::uint64_t cap = p.capacity_bytes();
    std::uint64_t addr = next(cap / 64) * 64;
    std::int64_t t = static_cast<std::int64_t>(next(20000));
    for (int k = 0; k < 40; ++k) {
      const std::uint64_t r = next(10);
      const std::uint64_t lines = 1 + (r < 3 ? next(64) : r < 8 ? next(6000) : next(30000));
      const std::int64_t ea = a.read(addr, lines, t);
      const std::int64_t eb = b.read_stepped(addr, lines, t);
      INFO("transfer " << k << " at line " << addr / 64 << ", " << lines << " lines from " << t);
      REQUIRE(ea == eb);
      REQUIRE(a.last_column() == b.last_column());
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

TEST_CASE("DDR4 scheduler: a transfer equals its lines given one by one", "[ddr4]") {
  // The run gives the scheduler a transfer's lines in one call, the microbenchmark one line per
  // call: on the same lines and arrival times both give the same cycles and the same state.
  Lcg next{777};
  std::vector<Ddr4Params> variants(4);
  variants[1].ranks = 2;
  variants[2].read_queue = 3;
  variants[3].trefi = 3000;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    const Ddr4Params& p = variants[v];
    Ddr4Scheduler whole(p), lines(p);
    std::uint64_t addr = 0;
    std::int64_t t = 0;
    for (int k = 0; k < 30; ++k) {
      const std::uint64_t n = 1 + next(k % 5 == 0 ? 5000 : 300);
      const std::int64_t end = whole.read(addr, n, t);
      std::int64_t end_lines = t;
      for (std::uint64_t i = 0; i < n; ++i)
        end_lines = std::max(end_lines, lines.read(addr + i * 64, 1, t));
      INFO("variant " << v << " transfer " << k << ": " << n << " lines at " << t);
      REQUIRE(end == end_lines);
      check_same_state(whole.timing(), lines.timing());
      addr += (n + next(3) * next(4000)) * 64;
      // Back to back, or while the previous transfer's reads are still being issued.
      t = k % 3 == 0 ? whole.last_column()
                     : std::max<std::int64_t>(
                           0, whole.last_column() - static_cast<std::int64_t>(next(200)));
    }
  }
}
