#include "infsim/memory/ddr4_timing.hpp"

#include "ddr4_timing_inline.hpp"
#include "infsim/common/error.hpp"

namespace infsim {

using ddr4_detail::mx;
using Time = Ddr4Timing::Time;

const char* ddr4_cmd_name(Ddr4Cmd c) {
  switch (c) {
    case Ddr4Cmd::Act:
      return "ACT";
    case Ddr4Cmd::Pre:
      return "PRE";
    case Ddr4Cmd::Rd:
      return "RD";
    case Ddr4Cmd::Wr:
      return "WR";
    case Ddr4Cmd::PreAll:
      return "PREA";
    case Ddr4Cmd::Ref:
      return "REF";
  }
  return "?";
}

Ddr4Timing::Ddr4Timing(const Ddr4Params& p) : p_(p) {
  if (p.channels == 0 || p.ranks == 0 || p.bank_groups == 0 || p.banks_per_group == 0 ||
      p.rows == 0 || p.bus_bytes == 0 || p.burst_length < 2 || p.burst_length % 2 != 0 ||
      p.tck_ps == 0 || p.trefi == 0)
    throw Error(
        "DDR4: channels, ranks, bank groups, banks, rows, bus width, tCK and tREFI must be "
        "> 0 and the burst length even");
  if (p.row_bytes < p.line_bytes() || p.row_bytes % p.line_bytes() != 0)
    throw Error("DDR4: row_bytes must be a multiple of bus_bytes x burst_length");
  const std::size_t nr = static_cast<std::size_t>(p.channels) * p.ranks;
  ranks_.resize(nr);
  groups_.resize(nr * p.bank_groups);
  banks_.resize(groups_.size() * p.banks_per_group);
  chans_.resize(p.channels);
  for (auto& r : ranks_) r.ref_due = p.trefi;
  total_lines_ = p.capacity_bytes() / p.line_bytes();
  const std::array<std::uint64_t, 7> radix{{p.line_bytes(), p.channels, p.bank_groups,
                                            p.lines_per_row(), p.banks_per_group, p.ranks, p.rows}};
  pow2_ = true;
  for (std::size_t i = 0; i < radix.size(); ++i) {
    if ((radix[i] & (radix[i] - 1)) != 0) pow2_ = false;
    std::uint32_t b = 0;
    while ((1ULL << b) < radix[i]) ++b;
    shift_[i] = b;
  }
}

Ddr4Addr Ddr4Timing::decode(std::uint64_t addr) const {
  return decode_(addr);
}

std::uint64_t Ddr4Timing::encode(const Ddr4Addr& a) const {
  std::uint64_t line = a.row;
  line = line * p_.ranks + a.rank;
  line = line * p_.banks_per_group + a.bank;
  line = line * p_.lines_per_row() + a.column;
  line = line * p_.bank_groups + a.bank_group;
  line = line * p_.channels + a.channel;
  return line * p_.line_bytes();
}

bool Ddr4Timing::legal(Ddr4Cmd c, const Ddr4Addr& a) const {
  const Bank& b = bank(a);
  switch (c) {
    case Ddr4Cmd::Act:
      return !b.open;
    case Ddr4Cmd::Pre:
      return b.open;
    case Ddr4Cmd::Rd:
    case Ddr4Cmd::Wr:
      return b.open && b.row == a.row;
    case Ddr4Cmd::PreAll:
      return true;
    case Ddr4Cmd::Ref:
      return ranks_[rank_index(a)].open_banks == 0;
  }
  return false;
}

Time Ddr4Timing::earliest(Ddr4Cmd c, const Ddr4Addr& a) const {
  return earliest_(c, a);
}

bool Ddr4Timing::can_issue(Ddr4Cmd c, const Ddr4Addr& a, Time t) const {
  return legal(c, a) && t >= earliest(c, a) && t > chans_[a.channel].last_cmd;
}

void Ddr4Timing::issue(Ddr4Cmd c, const Ddr4Addr& a, Time t) {
  issue_(c, a, t);
}

void Ddr4Timing::refresh_until(std::uint32_t channel, std::uint32_t rank, Time t) {
  const std::size_t ri = static_cast<std::size_t>(channel) * p_.ranks + rank;
  Rank& r = ranks_[ri];
  if (r.ref_due > t) return;
  // The same commands and state as issuing PREA and REF through earliest_ and issue_, with one
  // pass over the rank's banks to read them and one to write them, however many refreshes fall
  // due (this runs on every refresh of the scheduler's streams): PREA at max(due, the previous
  // REF + 1, every open bank's PRE bound), each open bank then ACT-ready at max(act_ok, PREA +
  // tRP); REF at max(PREA + 1, every bank's act_ok), after which every bank is closed and
  // ACT-ready at exactly REF + tRFC (REF is at or after every act_ok), so later refreshes need not
  // read the banks.
  const std::size_t nb = static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
  Bank* const bk = &banks_[ri * nb];
  Channel& ch = chans_[channel];
  bool uniform = false;  // after a REF: every bank closed and ACT-ready at last_ref + tRFC
  Time last_ref = 0;
  Time min_issue = kNever;  // no command before the previous REF + 1
  while (r.ref_due <= t) {
    Time pe = 0;     // earliest_(PreAll): the open banks' PRE bounds
    Time ready = 0;  // earliest_(Ref) before the PREA: every bank's act_ok
    if (uniform) {
      ready = mx(ready, last_ref + p_.trfc);
    } else {
      for (std::size_t i = 0; i < nb; ++i) {
        if (bk[i].open) pe = mx(pe, pre_earliest(bk[i]));
        ready = mx(ready, bk[i].act_ok);
      }
    }
    // An idle rank (every bank closed and ready) refreshes exactly at each due time: skip all but
    // the last of a long idle stretch at once (the last REF below sets every act_ok anyway).
    if (r.open_banks == 0 && p_.trfc <= p_.trefi && min_issue <= r.ref_due && ready <= r.ref_due) {
      const Time extra = (t - r.ref_due) / p_.trefi;  // refreshes before the last one
      if (extra > 0) {
        const Time last_skipped = r.ref_due + (extra - 1) * p_.trefi;
        ready = mx(ready, last_skipped + p_.trfc);
        r.ref_due += extra * p_.trefi;
        stats_.refreshes += static_cast<std::uint64_t>(extra);
      }
    }
    Time next = mx(r.ref_due, min_issue);
    if (r.open_banks > 0) {
      const Time pa = mx(next, pe);
      ch.last_cmd = mx(ch.last_cmd, pa);
      ready = mx(ready, pa + p_.trp);
      stats_.pres += r.open_banks;
      r.open_banks = 0;
      next = pa + 1;
    }
    const Time ref = mx(next, ready);
    ch.last_cmd = mx(ch.last_cmd, ref);
    uniform = true;
    last_ref = ref;
    r.ref_due += p_.trefi;
    ++stats_.refreshes;
    min_issue = ref + 1;
  }
  // REF: every bank closed and ACT-ready tRFC after the last REF (which is at or after every
  // act_ok, so this is the max).
  for (std::size_t i = 0; i < nb; ++i) {
    bk[i].open = false;
    bk[i].act_ok = last_ref + p_.trfc;
  }
}

}  // namespace infsim
