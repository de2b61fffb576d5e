#pragma once
// Private to memory/src: the inline bodies of Ddr4Timing's decode, earliest and issue, included by
// the timing model and by the scheduler, whose per-line loops inline them.
#include "infsim/memory/ddr4_timing.hpp"

namespace infsim {
namespace ddr4_detail {
using Time = Ddr4Timing::Time;
inline Time mx(Time a, Time b) {
  return a > b ? a : b;
}
}  // namespace ddr4_detail

inline Ddr4Addr Ddr4Timing::decode_(std::uint64_t addr) const {
  Ddr4Addr a;
  if (pow2_) {
    std::uint64_t v = addr >> shift_[0];
    auto take = [&v, this](std::size_t i) {
      const auto f = static_cast<std::uint32_t>(v & ((1ULL << shift_[i]) - 1));
      v >>= shift_[i];
      return f;
    };
    a.channel = take(1);
    a.bank_group = take(2);
    a.column = take(3);
    a.bank = take(4);
    a.rank = take(5);
    a.row = take(6);
    return a;
  }
  std::uint64_t line = (addr / p_.line_bytes()) % total_lines_;
  a.channel = static_cast<std::uint32_t>(line % p_.channels);
  line /= p_.channels;
  a.bank_group = static_cast<std::uint32_t>(line % p_.bank_groups);
  line /= p_.bank_groups;
  a.column = static_cast<std::uint32_t>(line % p_.lines_per_row());
  line /= p_.lines_per_row();
  a.bank = static_cast<std::uint32_t>(line % p_.banks_per_group);
  line /= p_.banks_per_group;
  a.rank = static_cast<std::uint32_t>(line % p_.ranks);
  line /= p_.ranks;
  a.row = static_cast<std::uint32_t>(line % p_.rows);
  return a;
}

inline Ddr4Timing::Time Ddr4Timing::pre_earliest(const Bank& b) const {
  return ddr4_detail::mx(ddr4_detail::mx(b.act + p_.tras, b.last_rd + p_.trtp),
                         b.last_wr + p_.cwl + p_.burst_cycles() + p_.twr);
}

inline Ddr4Timing::Time Ddr4Timing::bus_earliest(const Ddr4Addr& a, std::uint32_t latency) const {
  const Channel& ch = chans_[a.channel];
  if (ch.bus_end == kNever) return kNever;
  const Time gap = ch.bus_rank != a.rank ? static_cast<Time>(p_.trtrs) : 0;
  return ch.bus_end + gap - latency;
}

inline Ddr4Timing::Time Ddr4Timing::earliest_(Ddr4Cmd c, const Ddr4Addr& a) const {
  const Bank& b = bank(a);
  const Group& g = groups_[group_index(a)];
  const Rank& r = ranks_[rank_index(a)];
  const Time wr_end = p_.cwl + p_.burst_cycles();  // WR command to the end of its data
  Time t = 0;
  switch (c) {
    case Ddr4Cmd::Act:
      t = ddr4_detail::mx(ddr4_detail::mx(b.act_ok, r.last_act + p_.trrd_s),
                          ddr4_detail::mx(g.last_act + p_.trrd_l, r.faw[0] + p_.tfaw));
      break;
    case Ddr4Cmd::Pre:
      t = pre_earliest(b);
      break;
    case Ddr4Cmd::Rd:
      t = ddr4_detail::mx(ddr4_detail::mx(b.act + p_.trcd, r.last_rd + p_.tccd_s),
                          g.last_rd + p_.tccd_l);
      t = ddr4_detail::mx(
          t, ddr4_detail::mx(r.last_wr + wr_end + p_.twtr_s, g.last_wr + wr_end + p_.twtr_l));
      t = ddr4_detail::mx(t, bus_earliest(a, p_.cl));
      break;
    case Ddr4Cmd::Wr:
      t = ddr4_detail::mx(ddr4_detail::mx(b.act + p_.trcd, r.last_wr + p_.tccd_s),
                          g.last_wr + p_.tccd_l);
      // Read-to-write turnaround: the write's data starts 2 tCK after the read's data ends.
      t = ddr4_detail::mx(t, chans_[a.channel].last_rd + p_.cl + p_.burst_cycles() + 2 - p_.cwl);
      t = ddr4_detail::mx(t, bus_earliest(a, p_.cwl));
      break;
    case Ddr4Cmd::PreAll: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        if (banks_[first + i].open) t = ddr4_detail::mx(t, pre_earliest(banks_[first + i]));
      break;
    }
    case Ddr4Cmd::Ref: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        t = ddr4_detail::mx(t, banks_[first + i].act_ok);
      break;
    }
  }
  return ddr4_detail::mx(t, 0);
}

inline void Ddr4Timing::issue_(Ddr4Cmd c, const Ddr4Addr& a, Time t) {
  Bank& b = bank(a);
  Group& g = groups_[group_index(a)];
  Rank& r = ranks_[rank_index(a)];
  Channel& ch = chans_[a.channel];
  ch.last_cmd = ddr4_detail::mx(ch.last_cmd, t);
  auto close = [&](Bank& bk) {
    if (!bk.open) return;
    bk.open = false;
    bk.act_ok = ddr4_detail::mx(bk.act_ok, t + p_.trp);
    --r.open_banks;
    ++stats_.pres;
  };
  switch (c) {
    case Ddr4Cmd::Act:
      b.open = true;
      b.row = a.row;
      b.col_since_act = 0;
      b.act = t;
      b.act_ok = t + p_.trc;
      g.last_act = t;
      r.last_act = t;
      r.faw = {{r.faw[1], r.faw[2], r.faw[3], t}};
      ++r.open_banks;
      ++stats_.acts;
      break;
    case Ddr4Cmd::Pre:
      close(b);
      break;
    case Ddr4Cmd::PreAll: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        close(banks_[first + i]);
      break;
    }
    case Ddr4Cmd::Rd:
    case Ddr4Cmd::Wr: {
      const bool rd = c == Ddr4Cmd::Rd;
      (rd ? b.last_rd : b.last_wr) = t;
      (rd ? g.last_rd : g.last_wr) = t;
      (rd ? r.last_rd : r.last_wr) = t;
      if (rd) ch.last_rd = t;
      ch.bus_end = rd ? read_done(t) : write_done(t);
      ch.bus_rank = a.rank;
      ch.last_col = t;
      ++b.col_since_act;
      ++(rd ? stats_.reads : stats_.writes);
      break;
    }
    case Ddr4Cmd::Ref: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        banks_[first + i].act_ok = ddr4_detail::mx(banks_[first + i].act_ok, t + p_.trfc);
      r.ref_due += p_.trefi;
      ++stats_.refreshes;
      break;
    }
  }
}

}  // namespace infsim
