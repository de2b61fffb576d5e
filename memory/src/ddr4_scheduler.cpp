// The DDR4 scheduler: the single step (one line: PRE, ACT, RD as early as allowed), the stepped
// reference built from it, and the closed form (Ddr4ChannelStream) that the run, the
// microbenchmark and the tests all go through. docs/TIMING.md ("DRAM: DDR4 model").
#include "infsim/memory/ddr4_scheduler.hpp"

#include <algorithm>
#include <limits>

#include "ddr4_timing_inline.hpp"

#define INFSIM_ALWAYS_INLINE inline __attribute__((always_inline))

namespace infsim {

using ddr4_detail::mx;
using Time = Ddr4Timing::Time;

Ddr4Scheduler::Ddr4Scheduler(const Ddr4Params& p) : timing_(p), look_(p.channels) {
  for (Lookahead& l : look_)
    l.ring.assign(std::max<std::uint32_t>(p.read_queue, 1), Ddr4Timing::kNever);
}

Time Ddr4Scheduler::read(std::uint64_t addr, std::uint64_t lines, Time start) {
  return read(addr, lines, start, true);
}

Time Ddr4Scheduler::read_stepped(std::uint64_t addr, std::uint64_t lines, Time start) {
  return read(addr, lines, start, false);
}

Time Ddr4Scheduler::admit(std::uint32_t ch, Time start) {
  Lookahead& la = look_[ch];
  la.floor = mx(la.floor, start);
  if (la.floor >= timing_.last_column(ch)) la.lazy_begin = la.lazy_end = 0;
  return la.floor;
}

Time Ddr4Scheduler::read(std::uint64_t addr, std::uint64_t lines, Time start, bool closed_form) {
  const Ddr4Params& p = timing_.params();
  const std::uint64_t first = addr / p.line_bytes();
  Time end = start;
  for (std::uint32_t k = 0; k < p.channels && k < lines; ++k) {
    // Global lines first+k, first+k+C, ... all live on one channel; channels are independent.
    const std::uint64_t count = (lines - k + p.channels - 1) / p.channels;
    const auto ch = static_cast<std::uint32_t>((first + k) % p.channels);
    end = mx(end, closed_form ? stream_channel(ch, first + k, count, start)
                              : stream_channel_stepped(ch, first + k, count, start));
  }
  return end;
}

inline Time Ddr4Scheduler::step_line_(std::uint32_t ch, const Ddr4Addr& a, Time in) {
  Ddr4Timing& tm = timing_;
  while (true) {
    const Time due = tm.refresh_due(ch, a.rank);
    RowResult res = RowResult::Hit;
    const Ddr4Timing::Bank& bk = tm.bank(a);
    if (!(bk.open && bk.row == a.row)) {
      if (bk.open) {
        const Time tp = mx(in, tm.earliest_(Ddr4Cmd::Pre, a));
        if (tp >= due) {
          tm.refresh_until(ch, a.rank, tp);
          continue;
        }
        tm.issue_(Ddr4Cmd::Pre, a, tp);
        res = RowResult::Conflict;
      } else {
        res = RowResult::Closed;
      }
      const Time ta = mx(in, tm.earliest_(Ddr4Cmd::Act, a));
      if (ta >= due) {
        tm.refresh_until(ch, a.rank, ta);
        continue;
      }
      tm.issue_(Ddr4Cmd::Act, a, ta);
    }
    const Time tr = mx(in, tm.earliest_(Ddr4Cmd::Rd, a));
    if (tr >= due) {
      tm.refresh_until(ch, a.rank, tr);
      continue;  // the refresh closed the bank: this line starts over
    }
    tm.issue_(Ddr4Cmd::Rd, a, tr);
    tm.count_row_result(res);
    return tr;
  }
}

Time Ddr4Scheduler::stream_channel_stepped(std::uint32_t ch, std::uint64_t first_line,
                                           std::uint64_t count, Time start) {
  Ddr4Timing& tm = timing_;
  const Ddr4Params& p = tm.params();
  start = admit(ch, start);
  Lookahead& la = look_[ch];
  const std::uint64_t q = la.ring.size();
  // A closed run's lines still in the look-ahead go to the ring.
  for (std::uint64_t n = std::max(la.lazy_begin, la.lines >= q ? la.lines - q : 0); n < la.lazy_end;
       ++n)
    la.ring[n % q] = la.lazy_p0 + static_cast<Time>(p.burst_cycles() * (n - la.lazy_begin + 1));
  la.lazy_begin = la.lazy_end = 0;
  Time end = start;
  std::uint64_t slot = la.lines % q;  // line n's slot, holding line n - q's read cycle
  for (std::uint64_t i = 0; i < count; ++i) {
    const Ddr4Addr a = tm.decode_((first_line + i * p.channels) * p.line_bytes());
    const Time in = mx(start, la.ring[slot]);  // enters the look-ahead
    ++stepped_;
    const Time tr = step_line_(ch, a, in);
    la.ring[slot] = tr;
    if (++slot == q) slot = 0;
    end = mx(end, tm.read_done(tr));
  }
  la.lines += count;
  return end;
}

// ---- The closed form ---------------------------------------------------------------------------

/// One call of the scheduler on one channel, computed in closed form wherever the line-by-line
/// issue is regular, with exactly stream_channel_stepped's cycles and state (docs/TIMING.md,
/// "Closed form"). Constructed, run once, discarded; every member is inlined into run().
class Ddr4ChannelStream {
 public:
  INFSIM_ALWAYS_INLINE Ddr4ChannelStream(Ddr4Scheduler& s, std::uint32_t ch,
                                         std::uint64_t first_line, std::uint64_t count, Time start);
  INFSIM_ALWAYS_INLINE Time run();

 private:
  using Bank = Ddr4Timing::Bank;
  using Group = Ddr4Timing::Group;
  using Rank = Ddr4Timing::Rank;
  // Lines of this channel are numbered by u = line / channels; u splits, low to high, into bank
  // group | column | bank | rank | row, so a row band (one row of one bank in every group) is
  // band_lines consecutive u, and band beta = u / band_lines names the bank, rank and row.
  struct Band {
    std::uint64_t beta = std::numeric_limits<std::uint64_t>::max();
    std::uint32_t rank = 0, bank = 0, row = 0;
    std::size_t rank_i = 0, group0 = 0, bank0 = 0;  // indices of the rank, group 0, (group 0, bank)
  };
  INFSIM_ALWAYS_INLINE Band band_of(std::uint64_t beta) const;
  std::uint64_t local(std::uint64_t i) const { return (u0_ + i) % ch_lines_; }
  Bank& bank(const Band& b, std::uint32_t g) {
    return tm_.banks_[b.bank0 + static_cast<std::size_t>(g) * bpg_];
  }
  INFSIM_ALWAYS_INLINE Time rd_earliest(const Bank& b, const Group& g, const Rank& r,
                                        std::uint32_t rank) const;
  INFSIM_ALWAYS_INLINE void commit_read(Bank& b, Group& g, Rank& r, std::uint32_t rank, Time t,
                                        std::uint32_t reads);
  INFSIM_ALWAYS_INLINE Time one_line(const Band& bd, std::uint32_t g, Time in, bool& refreshed);
  /// Read cycle of the channel's line n (numbered from the channel's first line; n before the
  /// current line): the lazy run's or the ring's.
  Time read_time(std::uint64_t n) const {
    return n >= lz_begin_ && n < lz_end_ ? lz_p0_ + tb_ * static_cast<Time>(n - lz_begin_ + 1)
                                         : ring_[n % q_];
  }
  /// Whether a run of row hits starts at line i_ (position pos of band bd, group g); sets *m to
  /// its first segment's length.
  INFSIM_ALWAYS_INLINE bool run_starts(const Band& bd, std::uint64_t pos, std::uint32_t g,
                                       std::uint64_t* m);
  /// The run from line i_ (its first segment m lines), going on across band changes.
  INFSIM_ALWAYS_INLINE void closed_run(const Band& bd, std::uint64_t pos, std::uint32_t g,
                                       std::uint64_t m);

  Ddr4Scheduler& s_;
  Ddr4Timing& tm_;
  const Ddr4Params& p_;
  Ddr4Scheduler::Lookahead& look_;
  std::vector<Time>& ring_;
  Ddr4Timing::Channel& chn_;
  Ddr4Stats& st_;
  const std::uint32_t ch_;
  const std::uint64_t count_;
  const Time start_;
  const Time tb_;
  const std::uint32_t nbg_, bpg_;
  const std::uint64_t band_lines_, ch_lines_, q_;
  const std::uint64_t base_;  // the channel's number of this call's first line
  const std::uint64_t u0_;
  // The first line of the call whose entry can depend on an earlier line's read: q, or fewer if
  // reads of earlier calls issued after `start` (arrivals not after the last read).
  const std::uint64_t first_dep_;
  const Time trp_, trc_, trcd_, trrd_s_, trrd_l_, tfaw_, tccd_s_, tccd_l_, cl_, trtrs_, tras_,
      trtp_;
  std::uint64_t stepped_ = 0, runs_ = 0;  // added to the scheduler's counters at the end
  Time prev_ = Ddr4Timing::kNever;        // this channel's previous read in this call
  Time end_;
  std::uint64_t i_ = 0;  // the next line
  // Read cycles of the last q lines (the look-ahead): the ring, except the lines of the last
  // run, [lz_begin_, lz_end_) in the channel's numbering, read at lz_p0_ + tb·(n − lz_begin_ + 1)
  // and written to the ring only when a later run replaces them (Lookahead keeps them between
  // calls).
  std::uint64_t lz_begin_, lz_end_;
  Time lz_p0_;
};

Ddr4ChannelStream::Ddr4ChannelStream(Ddr4Scheduler& s, std::uint32_t ch, std::uint64_t first_line,
                                     std::uint64_t count, Time start)
    : s_(s),
      tm_(s.timing_),
      p_(tm_.p_),
      look_(s.look_[ch]),
      ring_(look_.ring),
      chn_(tm_.chans_[ch]),
      st_(tm_.stats_),
      ch_(ch),
      count_(count),
      start_(start),
      tb_(p_.burst_cycles()),
      nbg_(p_.bank_groups),
      bpg_(p_.banks_per_group),
      band_lines_(static_cast<std::uint64_t>(nbg_) * p_.lines_per_row()),
      ch_lines_(tm_.total_lines_ / p_.channels),
      q_(ring_.size()),
      base_(look_.lines),
      u0_((first_line / p_.channels) % ch_lines_),
      first_dep_(start >= chn_.last_col ? q_
                 : base_ >= q_          ? 0
                                        : q_ - base_),
      trp_(p_.trp),
      trc_(p_.trc),
      trcd_(p_.trcd),
      trrd_s_(p_.trrd_s),
      trrd_l_(p_.trrd_l),
      tfaw_(p_.tfaw),
      tccd_s_(p_.tccd_s),
      tccd_l_(p_.tccd_l),
      cl_(p_.cl),
      trtrs_(p_.trtrs),
      tras_(p_.tras),
      trtp_(p_.trtp),
      end_(start),
      lz_begin_(look_.lazy_begin),
      lz_end_(look_.lazy_end),
      lz_p0_(look_.lazy_p0) {}

Ddr4ChannelStream::Band Ddr4ChannelStream::band_of(std::uint64_t beta) const {
  Band b;
  b.beta = beta;
  b.bank = static_cast<std::uint32_t>(beta % bpg_);
  const std::uint64_t rr = beta / bpg_;
  b.rank = static_cast<std::uint32_t>(rr % p_.ranks);
  b.row = static_cast<std::uint32_t>(rr / p_.ranks);
  b.rank_i = static_cast<std::size_t>(ch_) * p_.ranks + b.rank;
  b.group0 = b.rank_i * nbg_;
  b.bank0 = b.group0 * bpg_ + b.bank;
  return b;
}

// Ddr4Timing::earliest_(Rd) for a bank of the band. The scheduler never writes: every last_wr
// stays kNever, so the write-to-read and write-recovery bounds never bind and are left out.
Time Ddr4ChannelStream::rd_earliest(const Bank& b, const Group& g, const Rank& r,
                                    std::uint32_t rank) const {
  Time t = mx(mx(b.act + trcd_, r.last_rd + tccd_s_), g.last_rd + tccd_l_);
  if (chn_.bus_end != Ddr4Timing::kNever)
    t = mx(t, chn_.bus_end + (chn_.bus_rank != rank ? trtrs_ : 0) - cl_);
  return mx(t, 0);
}

// Ddr4Timing::issue_(Rd) with `reads` column reads of the bank's row counted (the last at t).
void Ddr4ChannelStream::commit_read(Bank& b, Group& g, Rank& r, std::uint32_t rank, Time t,
                                    std::uint32_t reads) {
  chn_.last_cmd = mx(chn_.last_cmd, t);
  b.last_rd = t;
  g.last_rd = t;
  r.last_rd = t;
  chn_.last_rd = t;
  chn_.bus_end = t + cl_ + tb_;
  chn_.bus_rank = rank;
  chn_.last_col = t;
  b.col_since_act += reads;
}

// One line on its own: exactly step_line_ (PRE, ACT, RD with the same bounds and commits), in
// closed form per command; if a refresh falls due before a command, the line is handed to
// step_line_ from that point (the state so far is what step_line_ would have committed) and
// `refreshed` is set.
Time Ddr4ChannelStream::one_line(const Band& bd, std::uint32_t g, Time in, bool& refreshed) {
  Bank& b = bank(bd, g);
  Group& gr = tm_.groups_[bd.group0 + g];
  Rank& r = tm_.ranks_[bd.rank_i];
  const Time due = r.ref_due;
  auto defer = [&]() {
    refreshed = true;
    Ddr4Addr a;
    a.channel = ch_;
    a.rank = bd.rank;
    a.bank_group = g;
    a.bank = bd.bank;
    a.row = bd.row;
    return s_.step_line_(ch_, a, in);
  };
  RowResult res = RowResult::Hit;
  if (!b.open || b.row != bd.row) {
    if (b.open) {
      const Time tp = mx(in, mx(mx(b.act + tras_, b.last_rd + trtp_), 0));
      if (tp >= due) return defer();
      chn_.last_cmd = mx(chn_.last_cmd, tp);
      b.open = false;
      b.act_ok = mx(b.act_ok, tp + trp_);
      --r.open_banks;
      ++st_.pres;
      res = RowResult::Conflict;
    } else {
      res = RowResult::Closed;
    }
    const Time ta = mx(
        in,
        mx(mx(mx(b.act_ok, r.last_act + trrd_s_), mx(gr.last_act + trrd_l_, r.faw[0] + tfaw_)), 0));
    if (ta >= due) return defer();
    chn_.last_cmd = mx(chn_.last_cmd, ta);
    b.open = true;
    b.row = bd.row;
    b.col_since_act = 0;
    b.act = ta;
    b.act_ok = ta + trc_;
    gr.last_act = ta;
    r.last_act = ta;
    r.faw = {{r.faw[1], r.faw[2], r.faw[3], ta}};
    ++r.open_banks;
    ++st_.acts;
  }
  const Time tr = mx(in, rd_earliest(b, gr, r, bd.rank));
  if (tr >= due) return defer();
  commit_read(b, gr, r, bd.rank, tr, 1);
  ++st_.reads;
  tm_.count_row_result(res);
  return tr;
}

// Closed form: every bank of this row band already serves the row and has been read since its
// ACT, no write is pending, and no refresh falls due before the last read.
bool Ddr4ChannelStream::run_starts(const Band& bd, std::uint64_t pos, std::uint32_t g,
                                   std::uint64_t* m) {
  const Rank& r = tm_.ranks_[bd.rank_i];
  *m = std::min(band_lines_ - pos, count_ - i_);
  const Time room = (r.ref_due - 1 - prev_) / tb_;
  *m = std::min<std::uint64_t>(*m, room > 0 ? static_cast<std::uint64_t>(room) : 0);
  bool ok = *m > nbg_;
  // Bank group (g + j) mod nbg first comes at read j + 1 of the run.
  for (std::uint32_t j = 0; ok && j < nbg_; ++j) {
    const std::uint32_t gj = g + j < nbg_ ? g + j : g + j - nbg_;
    const Bank& b = bank(bd, gj);
    ok = b.open && b.row == bd.row && b.col_since_act > 0 &&
         rd_earliest(b, tm_.groups_[bd.group0 + gj], r, bd.rank) <=
             prev_ + tb_ * static_cast<Time>(j + 1);
  }
  return ok;
}

// The run: line i0 + k reads at p0 + tb·(k + 1). It goes on across row bands as long as each
// band change is hidden: the first nbg lines of the next band, issued one by one (PRE, ACT, RD
// exactly as single steps), still read at the run's cycles. Then every bank of the new band is
// open and read, and the same argument as in run_starts holds for the rest of the band. The
// ring is written once at the end (read times are linear in the line).
void Ddr4ChannelStream::closed_run(const Band& bd, std::uint64_t pos, std::uint32_t g,
                                   std::uint64_t m) {
  const Time p0 = prev_;
  const std::uint64_t i0 = i_;
  const std::uint64_t n0 = base_ + i0;    // in the channel's numbering
  auto run_time = [&](std::uint64_t n) {  // read cycle of the channel's line n
    return n >= n0 ? p0 + tb_ * static_cast<Time>(n - n0 + 1) : read_time(n);
  };
  ++runs_;
  std::uint64_t n = 0;  // lines [i0, i0 + n) belong to the run
  std::uint64_t seg = m;
  bool band_end = m == band_lines_ - pos;
  Band sb = bd;          // the segment's band
  std::uint32_t sg = g;  // the segment's first bank group
  bool missed = false;   // a band-change line read later than the run's cycle
  std::uint64_t miss_line = 0;
  Time miss_tr = 0;
  while (true) {
    // Reads of the segment [i0 + n, i0 + n + seg), all row hits: only the last nbg (one per
    // bank group) leave state that can still bind.
    const std::uint64_t tail = std::min<std::uint64_t>(seg, nbg_);
    st_.reads += seg;
    st_.hits += seg;
    Rank& sr = tm_.ranks_[sb.rank_i];
    for (std::uint64_t k = seg - tail; k < seg; ++k) {
      const auto gk = static_cast<std::uint32_t>((sg + k) % nbg_);
      commit_read(bank(sb, gk), tm_.groups_[sb.group0 + gk], sr, sb.rank,
                  p0 + tb_ * static_cast<Time>(n + k + 1),
                  static_cast<std::uint32_t>(k / nbg_ + 1));  // the bank's reads in seg
    }
    n += seg;
    if (!band_end || count_ - (i0 + n) < nbg_) break;
    sb = band_of(local(i0 + n) / band_lines_);
    sg = 0;
    for (std::uint32_t j = 0; j < nbg_; ++j) {
      const std::uint64_t ln = i0 + n;  // enters the look-ahead when line ln - q has read
      const Time in_l = ln >= first_dep_ ? mx(start_, run_time(base_ + ln - q_)) : start_;
      bool refreshed = false;
      ++stepped_;
      const Time tr = one_line(sb, j, in_l, refreshed);
      if (refreshed || tr != p0 + tb_ * static_cast<Time>(n + 1)) {
        missed = true;
        miss_line = ln;
        miss_tr = tr;
        break;
      }
      ++n;
    }
    if (missed) break;
    const Time last = p0 + tb_ * static_cast<Time>(n);
    const Time room2 = (tm_.ranks_[sb.rank_i].ref_due - 1 - last) / tb_;
    seg = std::min(band_lines_ - nbg_, count_ - (i0 + n));
    band_end = seg == band_lines_ - nbg_;
    seg = std::min<std::uint64_t>(seg, room2 > 0 ? static_cast<std::uint64_t>(room2) : 0);
    if (seg < band_lines_ - nbg_) band_end = false;
    if (seg == 0) break;
  }
  // The previous run's lines still in the look-ahead go to the ring (no line since has used
  // their slots: those lines are less than q apart); this run becomes the lazy one.
  for (std::uint64_t x = std::max(lz_begin_, n0 > q_ ? n0 - q_ : 0); x < lz_end_; ++x)
    ring_[x % q_] = lz_p0_ + tb_ * static_cast<Time>(x - lz_begin_ + 1);
  lz_begin_ = n0;
  lz_end_ = n0 + n;
  lz_p0_ = p0;
  prev_ = p0 + tb_ * static_cast<Time>(n);
  i_ = i0 + n;
  if (missed) {
    ring_[(base_ + miss_line) % q_] = miss_tr;
    prev_ = miss_tr;
    i_ = miss_line + 1;
  }
  end_ = mx(end_, tm_.read_done(prev_));
}

Time Ddr4ChannelStream::run() {
  Band bd;  // line i_'s band
  while (i_ < count_) {
    const std::uint64_t u = local(i_);
    if (u / band_lines_ != bd.beta) bd = band_of(u / band_lines_);
    const std::uint64_t pos = u - bd.beta * band_lines_;  // position in the band
    const auto g = static_cast<std::uint32_t>(pos % nbg_);
    // Line i_ enters the look-ahead when line i_ - q (maybe of an earlier call) has read.
    const Time in = i_ >= first_dep_ ? mx(start_, read_time(base_ + i_ - q_)) : start_;
    if (prev_ == Ddr4Timing::kNever) {
      // The call's first line: if it hits an open row it reads at T = max(in, earliest RD)
      // exactly, so a run may start there as if the previous read were at T − tb.
      const Bank& b = bank(bd, g);
      if (b.open && b.row == bd.row)
        prev_ = mx(in, rd_earliest(b, tm_.groups_[bd.group0 + g], tm_.ranks_[bd.rank_i], bd.rank)) -
                tb_;
    }
    std::uint64_t m = 0;
    if (prev_ != Ddr4Timing::kNever && in <= prev_ + tb_ && run_starts(bd, pos, g, &m)) {
      closed_run(bd, pos, g, m);
      continue;
    }
    bool refreshed = false;
    ++stepped_;
    const Time tr = one_line(bd, g, in, refreshed);
    ring_[(base_ + i_) % q_] = tr;
    prev_ = tr;
    end_ = mx(end_, tm_.read_done(tr));
    ++i_;
  }
  s_.stepped_ += stepped_;
  s_.runs_ += runs_;
  look_.lines += count_;
  look_.lazy_begin = lz_begin_;
  look_.lazy_end = lz_end_;
  look_.lazy_p0 = lz_p0_;
  return end_;
}

Time Ddr4Scheduler::stream_channel(std::uint32_t ch, std::uint64_t first_line, std::uint64_t count,
                                   Time start) {
  const Ddr4Params& p = timing_.params();
  // A run of row hits issues one read every burst exactly when neither tCCD_S nor tCCD_L (for
  // the bank group that comes round every nbg lines) can bind.
  const auto tb = static_cast<Time>(p.burst_cycles());
  if (p.tccd_s > tb || p.tccd_l > static_cast<Time>(p.bank_groups) * tb)
    return stream_channel_stepped(ch, first_line, count, start);
  Ddr4ChannelStream s(*this, ch, first_line, count, admit(ch, start));
  return s.run();
}

}  // namespace infsim
