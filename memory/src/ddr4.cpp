#include "infsim/memory/ddr4.hpp"

#include <algorithm>

#include "infsim/common/error.hpp"

namespace infsim {

namespace {
using Time = Ddr4Timing::Time;
Time mx(Time a, Time b) {
  return a > b ? a : b;
}
}  // namespace

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

// ---- Ddr4Timing ------------------------------------------------------------------------------

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

inline Time Ddr4Timing::pre_earliest(const Bank& b) const {
  return mx(mx(b.act + p_.tras, b.last_rd + p_.trtp),
            b.last_wr + p_.cwl + p_.burst_cycles() + p_.twr);
}

inline Time Ddr4Timing::bus_earliest(const Ddr4Addr& a, std::uint32_t latency) const {
  const Channel& ch = chans_[a.channel];
  if (ch.bus_end == kNever) return kNever;
  const Time gap = ch.bus_rank != a.rank ? static_cast<Time>(p_.trtrs) : 0;
  return ch.bus_end + gap - latency;
}

Time Ddr4Timing::earliest(Ddr4Cmd c, const Ddr4Addr& a) const {
  return earliest_(c, a);
}

inline Time Ddr4Timing::earliest_(Ddr4Cmd c, const Ddr4Addr& a) const {
  const Bank& b = bank(a);
  const Group& g = groups_[group_index(a)];
  const Rank& r = ranks_[rank_index(a)];
  const Time wr_end = p_.cwl + p_.burst_cycles();  // WR command to the end of its data
  Time t = 0;
  switch (c) {
    case Ddr4Cmd::Act:
      t = mx(mx(b.act_ok, r.last_act + p_.trrd_s), mx(g.last_act + p_.trrd_l, r.faw[0] + p_.tfaw));
      break;
    case Ddr4Cmd::Pre:
      t = pre_earliest(b);
      break;
    case Ddr4Cmd::Rd:
      t = mx(mx(b.act + p_.trcd, r.last_rd + p_.tccd_s), g.last_rd + p_.tccd_l);
      t = mx(t, mx(r.last_wr + wr_end + p_.twtr_s, g.last_wr + wr_end + p_.twtr_l));
      t = mx(t, bus_earliest(a, p_.cl));
      break;
    case Ddr4Cmd::Wr:
      t = mx(mx(b.act + p_.trcd, r.last_wr + p_.tccd_s), g.last_wr + p_.tccd_l);
      // Read-to-write turnaround: the write's data starts 2 tCK after the read's data ends.
      t = mx(t, chans_[a.channel].last_rd + p_.cl + p_.burst_cycles() + 2 - p_.cwl);
      t = mx(t, bus_earliest(a, p_.cwl));
      break;
    case Ddr4Cmd::PreAll: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        if (banks_[first + i].open) t = mx(t, pre_earliest(banks_[first + i]));
      break;
    }
    case Ddr4Cmd::Ref: {
      const std::size_t first = rank_index(a) * p_.bank_groups * p_.banks_per_group;
      for (std::size_t i = 0; i < static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
           ++i)
        t = mx(t, banks_[first + i].act_ok);
      break;
    }
  }
  return mx(t, 0);
}

bool Ddr4Timing::can_issue(Ddr4Cmd c, const Ddr4Addr& a, Time t) const {
  return legal(c, a) && t >= earliest(c, a) && t > chans_[a.channel].last_cmd;
}

void Ddr4Timing::issue(Ddr4Cmd c, const Ddr4Addr& a, Time t) {
  issue_(c, a, t);
}

inline void Ddr4Timing::issue_(Ddr4Cmd c, const Ddr4Addr& a, Time t) {
  Bank& b = bank(a);
  Group& g = groups_[group_index(a)];
  Rank& r = ranks_[rank_index(a)];
  Channel& ch = chans_[a.channel];
  ch.last_cmd = mx(ch.last_cmd, t);
  auto close = [&](Bank& bk) {
    if (!bk.open) return;
    bk.open = false;
    bk.act_ok = mx(bk.act_ok, t + p_.trp);
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
        banks_[first + i].act_ok = mx(banks_[first + i].act_ok, t + p_.trfc);
      r.ref_due += p_.trefi;
      ++stats_.refreshes;
      break;
    }
  }
}

void Ddr4Timing::refresh_until(std::uint32_t channel, std::uint32_t rank, Time t, Time min_issue) {
  const std::size_t ri = static_cast<std::size_t>(channel) * p_.ranks + rank;
  Rank& r = ranks_[ri];
  if (r.ref_due > t) return;
  // The same commands and state as issuing PREA and REF through earliest_ and issue_, with one
  // pass over the rank's banks to read them and one to write them, however many refreshes fall
  // due (this runs on every refresh of the adapter's streams): PREA at max(due, command bus, every
  // open bank's PRE bound), each open bank then ACT-ready at max(act_ok, PREA + tRP); REF at
  // max(PREA + 1, every bank's act_ok), after which every bank is closed and ACT-ready at exactly
  // REF + tRFC (REF is at or after every act_ok), so later refreshes need not read the banks.
  const std::size_t nb = static_cast<std::size_t>(p_.bank_groups) * p_.banks_per_group;
  Bank* const bk = &banks_[ri * nb];
  Channel& ch = chans_[channel];
  bool uniform = false;  // after a REF: every bank closed and ACT-ready at last_ref + tRFC
  Time last_ref = 0;
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

// ---- Ddr4Controller --------------------------------------------------------------------------

Ddr4Controller::Ddr4Controller(const Ddr4Params& p) : t_(p), q_(p.channels) {
  if (p.read_queue == 0 || p.write_queue == 0)
    throw Error("DDR4: read and write queues need at least one entry");
}

void Ddr4Controller::submit(const Ddr4Request& r) {
  auto& pend = q_[t_.decode(r.addr).channel].pending;
  // Keep arrival order (stable for equal arrivals).
  auto it = pend.end();
  while (it != pend.begin() && std::prev(it)->arrival > r.arrival) --it;
  pend.insert(it, r);
}

Ddr4Controller::Decision Ddr4Controller::decide(std::uint32_t ch) {
  ChannelQ& q = q_[ch];
  const Ddr4Params& p = t_.params();
  Decision d;
  if (q.rq.empty() && q.wq.empty()) {
    if (q.pending.empty()) return d;
    d.action = Action::Admit;
    d.time = q.pending.front().arrival;
    return d;
  }
  // Write drain: switch to writes at the high watermark (or when no read waits); back to reads
  // at the low watermark when reads wait, or when the writes are gone.
  if (!q.draining) {
    if (q.wq.size() >= p.write_high || (q.rq.empty() && !q.wq.empty())) q.draining = true;
  } else if (q.wq.empty() || (q.wq.size() <= p.write_low && !q.rq.empty())) {
    q.draining = false;
  }
  const std::vector<Entry>& act = q.draining ? q.wq : q.rq;
  const Time min_issue = mx(t_.last_command(ch) + 1, 0);
  // Per bank of the channel (active queue only): does some request hit the open row, and the
  // oldest request that needs another row.
  const std::size_t nb = static_cast<std::size_t>(p.ranks) * p.bank_groups * p.banks_per_group;
  thread_local std::vector<std::uint8_t> has_hit;
  thread_local std::vector<std::uint64_t> oldest_conflict;
  has_hit.assign(nb, 0);
  oldest_conflict.assign(nb, UINT64_MAX);
  auto local = [&](const Ddr4Addr& a) {
    return (static_cast<std::size_t>(a.rank) * p.bank_groups + a.bank_group) * p.banks_per_group +
           a.bank;
  };
  for (const Entry& e : act) {
    if (!t_.is_open(e.a)) continue;
    if (t_.open_row(e.a) == e.a.row)
      has_hit[local(e.a)] = 1;
    else
      oldest_conflict[local(e.a)] = std::min(oldest_conflict[local(e.a)], e.seq);
  }
  bool found = false, best_col = false;
  std::uint64_t best_seq = 0;
  for (std::size_t i = 0; i < act.size(); ++i) {
    const Entry& e = act[i];
    const std::size_t bi = local(e.a);
    const bool capped = t_.hits_since_act(e.a) >= p.row_hit_cap;
    Ddr4Cmd c;
    bool col = false;
    if (t_.is_open(e.a) && t_.open_row(e.a) == e.a.row) {
      if (capped && oldest_conflict[bi] < e.seq) continue;  // an older miss may close the row
      c = e.req.write ? Ddr4Cmd::Wr : Ddr4Cmd::Rd;
      col = true;
    } else if (t_.is_open(e.a)) {
      if (has_hit[bi] && !capped) continue;  // keep the row open while requests still hit it
      c = Ddr4Cmd::Pre;
    } else {
      c = Ddr4Cmd::Act;
    }
    const Time tt = mx(mx(t_.earliest_(c, e.a), e.enq), min_issue);
    if (!found || tt < d.time ||
        (tt == d.time && ((col && !best_col) || (col == best_col && e.seq < best_seq)))) {
      found = true;
      d.time = tt;
      d.index = i;
      d.cmd = c;
      best_col = col;
      best_seq = e.seq;
    }
  }
  if (!found) throw Error("DDR4 controller: no schedulable command (internal error)");
  d.action = Action::Issue;
  if (!q.pending.empty()) {
    const Ddr4Request& f = q.pending.front();
    const std::size_t size = f.write ? q.wq.size() : q.rq.size();
    const std::size_t cap = f.write ? p.write_queue : p.read_queue;
    if (size < cap && f.arrival <= d.time) {
      d.action = Action::Admit;
      d.time = f.arrival;
      return d;
    }
  }
  for (std::uint32_t r = 0; r < p.ranks; ++r) {
    if (t_.refresh_due(ch, r) <= d.time) {
      d.action = Action::Refresh;
      d.rank = r;
      d.time = t_.refresh_due(ch, r);
      return d;
    }
  }
  return d;
}

bool Ddr4Controller::step_channel(std::uint32_t ch, const Decision& d, Ddr4Completion* out) {
  ChannelQ& q = q_[ch];
  const Ddr4Params& p = t_.params();
  switch (d.action) {
    case Action::Idle:
      return false;
    case Action::Admit: {
      const Ddr4Request r = q.pending.front();
      q.pending.pop_front();
      Entry e;
      e.req = r;
      e.a = t_.decode(r.addr);
      e.enq = mx(r.arrival, r.write ? q.wq_free : q.rq_free);
      e.seq = seq_++;
      (r.write ? q.wq : q.rq).push_back(e);
      return false;
    }
    case Action::Refresh:
      t_.refresh_until(ch, d.rank, d.time, mx(t_.last_command(ch) + 1, 0));
      return false;
    case Action::Issue:
      break;
  }
  std::vector<Entry>& act = q.draining ? q.wq : q.rq;
  Entry& e = act[d.index];
  t_.issue(d.cmd, e.a, d.time);
  if (d.cmd == Ddr4Cmd::Pre) {
    e.did_pre = true;
    return false;
  }
  if (d.cmd == Ddr4Cmd::Act) {
    e.did_act = true;
    return false;
  }
  const RowResult res =
      e.did_pre ? RowResult::Conflict : (e.did_act ? RowResult::Closed : RowResult::Hit);
  t_.count_row_result(res);
  Ddr4Completion c;
  c.id = e.req.id;
  c.source = e.req.source;
  c.write = e.req.write;
  c.result = res;
  c.arrival = e.req.arrival;
  c.column = d.time;
  c.done = e.req.write ? t_.write_done(d.time) : t_.read_done(d.time);
  const std::size_t cap = e.req.write ? p.write_queue : p.read_queue;
  if (act.size() >= cap) (e.req.write ? q.wq_free : q.rq_free) = d.time;
  act.erase(act.begin() + static_cast<std::ptrdiff_t>(d.index));
  done_.push_back(c);
  if (out) *out = c;
  return true;
}

bool Ddr4Controller::step(Ddr4Completion* out, bool* completed) {
  // Advance the channel whose next action comes first, so that requests a caller submits in
  // reaction to a completion are never in another channel's past.
  bool any = false;
  std::uint32_t best = 0;
  Decision bd;
  for (std::uint32_t ch = 0; ch < q_.size(); ++ch) {
    const Decision d = decide(ch);
    if (d.action == Action::Idle) continue;
    if (!any || d.time < bd.time) {
      any = true;
      best = ch;
      bd = d;
    }
  }
  if (completed) *completed = false;
  if (!any) return false;
  const bool c = step_channel(best, bd, out);
  if (completed) *completed = c;
  return true;
}

void Ddr4Controller::run() {
  for (std::uint32_t ch = 0; ch < q_.size(); ++ch) {
    while (true) {
      const Decision d = decide(ch);
      if (d.action == Action::Idle) break;
      step_channel(ch, d, nullptr);
    }
  }
}

// ---- Ddr4Dram --------------------------------------------------------------------------------

Ddr4Dram::Ddr4Dram(std::string name, const Ddr4Params& p)
    : Resource(std::move(name)),
      timing_(p),
      frontend_(ns_to_ps(p.frontend_latency_ns)),
      ring_(std::max<std::uint32_t>(p.read_queue, 1)) {}

Ps Ddr4Dram::ready_at() const {
  Time t = 0;
  for (std::uint32_t c = 0; c < timing_.params().channels; ++c) t = mx(t, timing_.last_column(c));
  return static_cast<Ps>(t) * timing_.params().tck_ps;
}

Ps Ddr4Dram::occupy(Ps start, Bytes bytes) {
  stats_.bytes += bytes;
  stats_.transfers += 1;
  if (bytes == 0) return 0;
  const Ddr4Params& p = timing_.params();
  const std::uint64_t lines = ceil_div(bytes, p.line_bytes());
  const std::uint64_t span = lines * p.line_bytes();
  const std::uint64_t cap = p.capacity_bytes();
  // Rotating allocator: each transfer gets the next free stretch of the address space, so a
  // transfer is one sequential stream and consecutive transfers do not reuse rows.
  if (span >= cap || next_addr_ + span > cap) next_addr_ = 0;
  const std::uint64_t base = next_addr_;
  next_addr_ += span;
  const auto start_ck = static_cast<std::int64_t>(ceil_div(start, p.tck_ps));
  const std::int64_t end = stream_read(base, lines, start_ck);
  const Ps end_ps = static_cast<Ps>(end) * p.tck_ps;
  // Utilization counts data-bus time: lines x burst over the channels.
  stats_.busy_ps += ceil_div(lines * p.burst_cycles() * p.tck_ps, p.channels);
  return end_ps - start;
}

std::int64_t Ddr4Dram::stream_read(std::uint64_t addr, std::uint64_t lines, std::int64_t start,
                                   bool closed_form) {
  const Ddr4Params& p = timing_.params();
  const std::uint64_t first = addr / p.line_bytes();
  std::int64_t end = start;
  for (std::uint32_t k = 0; k < p.channels && k < lines; ++k) {
    // Global lines first+k, first+k+C, ... all live on one channel.
    const std::uint64_t count = (lines - k + p.channels - 1) / p.channels;
    const auto ch = static_cast<std::uint32_t>((first + k) % p.channels);
    end = std::max(end, stream_channel(ch, first + k, count, start, closed_form));
  }
  return end;
}

inline std::int64_t Ddr4Dram::step_line_(std::uint32_t ch, const Ddr4Addr& a, std::int64_t in) {
  Ddr4Timing& tm = timing_;
  while (true) {
    const std::int64_t due = tm.refresh_due(ch, a.rank);
    RowResult res = RowResult::Hit;
    const Ddr4Timing::Bank& bk = tm.bank(a);
    if (!(bk.open && bk.row == a.row)) {
      if (bk.open) {
        const std::int64_t tp = std::max(in, tm.earliest_(Ddr4Cmd::Pre, a));
        if (tp >= due) {
          tm.refresh_until(ch, a.rank, tp);
          continue;
        }
        tm.issue_(Ddr4Cmd::Pre, a, tp);
        res = RowResult::Conflict;
      } else {
        res = RowResult::Closed;
      }
      const std::int64_t ta = std::max(in, tm.earliest_(Ddr4Cmd::Act, a));
      if (ta >= due) {
        tm.refresh_until(ch, a.rank, ta);
        continue;
      }
      tm.issue_(Ddr4Cmd::Act, a, ta);
    }
    const std::int64_t tr = std::max(in, tm.earliest_(Ddr4Cmd::Rd, a));
    if (tr >= due) {
      tm.refresh_until(ch, a.rank, tr);
      continue;  // the refresh closed the bank: this line starts over
    }
    tm.issue_(Ddr4Cmd::Rd, a, tr);
    tm.count_row_result(res);
    return tr;
  }
}

std::int64_t Ddr4Dram::stream_channel_stepped(std::uint32_t ch, std::uint64_t first_line,
                                              std::uint64_t count, std::int64_t start) {
  Ddr4Timing& tm = timing_;
  const Ddr4Params& p = tm.params();
  const std::uint64_t q = ring_.size();
  std::int64_t end = start;
  std::uint64_t slot = 0;  // i mod q: line i's ring slot, holding line i - q's read time
  for (std::uint64_t i = 0; i < count; ++i) {
    const Ddr4Addr a = tm.decode_((first_line + i * p.channels) * p.line_bytes());
    const std::int64_t in = i >= q ? std::max(start, ring_[slot]) : start;  // enters look-ahead
    ++stepped_;
    const std::int64_t tr = step_line_(ch, a, in);
    ring_[slot] = tr;
    if (++slot == q) slot = 0;
    end = std::max(end, tm.read_done(tr));
  }
  return end;
}

std::int64_t Ddr4Dram::stream_channel(std::uint32_t ch, std::uint64_t first_line,
                                      std::uint64_t count, std::int64_t start, bool closed_form) {
  using Bank = Ddr4Timing::Bank;
  using Group = Ddr4Timing::Group;
  using Rank = Ddr4Timing::Rank;
  Ddr4Timing& tm = timing_;
  const Ddr4Params& p = tm.params();
  const auto tb = static_cast<std::int64_t>(p.burst_cycles());
  const std::uint32_t nbg = p.bank_groups;
  // A run of row hits issues one read every burst exactly when neither tCCD_S nor tCCD_L (for
  // the bank group that comes round every nbg lines) can bind.
  if (!closed_form || p.tccd_s > tb || p.tccd_l > static_cast<std::int64_t>(nbg) * tb)
    return stream_channel_stepped(ch, first_line, count, start);
  const std::uint64_t q = ring_.size();
  const std::uint32_t bpg = p.banks_per_group;
  const std::uint64_t band_lines = static_cast<std::uint64_t>(nbg) * p.lines_per_row();
  const std::uint64_t ch_lines = tm.total_lines_ / p.channels;
  const std::int64_t trp = p.trp, trc = p.trc, trcd = p.trcd, trrd_s = p.trrd_s, trrd_l = p.trrd_l,
                     tfaw = p.tfaw, tccd_s = p.tccd_s, tccd_l = p.tccd_l, cl = p.cl,
                     trtrs = p.trtrs, tras = p.tras, trtp = p.trtp;
  Ddr4Timing::Channel& chn = tm.chans_[ch];
  Ddr4Stats& st = tm.stats_;

  // Lines of this channel are numbered by u = line / channels; u splits, low to high, into bank
  // group | column | bank | rank | row, so a row band (one row of one bank in every group) is
  // band_lines consecutive u, and band beta = u / band_lines names the bank, rank and row.
  struct Band {
    std::uint64_t beta = std::numeric_limits<std::uint64_t>::max();
    std::uint32_t rank = 0, bank = 0, row = 0;
    std::size_t rank_i = 0, group0 = 0, bank0 = 0;  // indices of the rank, group 0, (group 0, bank)
  };
  auto band_of = [&](std::uint64_t beta) {
    Band b;
    b.beta = beta;
    b.bank = static_cast<std::uint32_t>(beta % bpg);
    const std::uint64_t rr = beta / bpg;
    b.rank = static_cast<std::uint32_t>(rr % p.ranks);
    b.row = static_cast<std::uint32_t>(rr / p.ranks);
    b.rank_i = static_cast<std::size_t>(ch) * p.ranks + b.rank;
    b.group0 = b.rank_i * nbg;
    b.bank0 = b.group0 * bpg + b.bank;
    return b;
  };
  const std::uint64_t u0 = (first_line / p.channels) % ch_lines;
  auto local = [&](std::uint64_t i) { return (u0 + i) % ch_lines; };

  // Ddr4Timing::earliest_(Rd) for a bank of the band. The adapter never writes: every last_wr
  // stays kNever, so the write-to-read and write-recovery bounds never bind and are left out.
  auto rd_earliest = [&](const Bank& b, const Group& g, const Rank& r, std::uint32_t rank) {
    std::int64_t t = mx(mx(b.act + trcd, r.last_rd + tccd_s), g.last_rd + tccd_l);
    if (chn.bus_end != Ddr4Timing::kNever)
      t = mx(t, chn.bus_end + (chn.bus_rank != rank ? trtrs : 0) - cl);
    return mx(t, 0);
  };
  // Ddr4Timing::issue_(Rd) with `reads` column reads of the bank's row counted (the last at t).
  auto commit_read = [&](Bank& b, Group& g, Rank& r, std::uint32_t rank, std::int64_t t,
                         std::uint32_t reads) {
    chn.last_cmd = mx(chn.last_cmd, t);
    b.last_rd = t;
    g.last_rd = t;
    r.last_rd = t;
    chn.last_rd = t;
    chn.bus_end = t + cl + tb;
    chn.bus_rank = rank;
    chn.last_col = t;
    b.col_since_act += reads;
  };
  // One line on its own: exactly step_line_ (PRE, ACT, RD with the same bounds and commits), in
  // closed form per command; if a refresh falls due before a command, the line is handed to
  // step_line_ from that point (the state so far is what step_line_ would have committed) and
  // `refreshed` is set.
  auto one_line = [&](const Band& bd, std::uint32_t g, std::int64_t in, bool& refreshed)
                      __attribute__((always_inline))
                          ->std::int64_t {
    Bank& b = tm.banks_[bd.bank0 + static_cast<std::size_t>(g) * bpg];
    Group& gr = tm.groups_[bd.group0 + g];
    Rank& r = tm.ranks_[bd.rank_i];
    const std::int64_t due = r.ref_due;
    auto defer = [&]() {
      refreshed = true;
      Ddr4Addr a;
      a.channel = ch;
      a.rank = bd.rank;
      a.bank_group = g;
      a.bank = bd.bank;
      a.row = bd.row;
      return step_line_(ch, a, in);
    };
    RowResult res = RowResult::Hit;
    if (!b.open || b.row != bd.row) {
      if (b.open) {
        const std::int64_t tp = mx(in, mx(mx(b.act + tras, b.last_rd + trtp), 0));
        if (tp >= due) return defer();
        chn.last_cmd = mx(chn.last_cmd, tp);
        b.open = false;
        b.act_ok = mx(b.act_ok, tp + trp);
        --r.open_banks;
        ++st.pres;
        res = RowResult::Conflict;
      } else {
        res = RowResult::Closed;
      }
      const std::int64_t ta = mx(
          in,
          mx(mx(mx(b.act_ok, r.last_act + trrd_s), mx(gr.last_act + trrd_l, r.faw[0] + tfaw)), 0));
      if (ta >= due) return defer();
      chn.last_cmd = mx(chn.last_cmd, ta);
      b.open = true;
      b.row = bd.row;
      b.col_since_act = 0;
      b.act = ta;
      b.act_ok = ta + trc;
      gr.last_act = ta;
      r.last_act = ta;
      r.faw = {{r.faw[1], r.faw[2], r.faw[3], ta}};
      ++r.open_banks;
      ++st.acts;
    }
    const std::int64_t tr = mx(in, rd_earliest(b, gr, r, bd.rank));
    if (tr >= due) return defer();
    commit_read(b, gr, r, bd.rank, tr, 1);
    ++st.reads;
    tm.count_row_result(res);
    return tr;
  };

  std::int64_t prev = Ddr4Timing::kNever;  // this channel's previous read in this transfer
  std::int64_t end = start;
  std::uint64_t i = 0;
  // Read times of the last q lines (the look-ahead): ring_[x mod q], except the lines of the last
  // run, [lz_i0, lz_i1), read at lz_p0 + tb·(x − lz_i0 + 1) and written to the ring only if a
  // later line needs them.
  std::uint64_t lz_i0 = 0, lz_i1 = 0;
  std::int64_t lz_p0 = 0;
  auto read_time = [&](std::uint64_t x) {
    return x >= lz_i0 && x < lz_i1 ? lz_p0 + tb * static_cast<std::int64_t>(x - lz_i0 + 1)
                                   : ring_[x % q];
  };
  Band bd;  // line i's band
  while (i < count) {
    const std::uint64_t u = local(i);
    if (u / band_lines != bd.beta) bd = band_of(u / band_lines);
    const std::uint64_t pos = u - bd.beta * band_lines;  // position in the band
    const auto g = static_cast<std::uint32_t>(pos % nbg);
    const std::int64_t in = i >= q ? mx(start, read_time(i - q)) : start;  // enters look-ahead
    if (prev == Ddr4Timing::kNever) {
      // The transfer's first line: if it hits an open row it reads at T = max(start, earliest
      // RD) exactly, so a run may start there as if the previous read were at T − tb.
      const Bank& b = tm.banks_[bd.bank0 + static_cast<std::size_t>(g) * bpg];
      if (b.open && b.row == bd.row)
        prev =
            mx(in, rd_earliest(b, tm.groups_[bd.group0 + g], tm.ranks_[bd.rank_i], bd.rank)) - tb;
    }
    if (prev != Ddr4Timing::kNever && in <= prev + tb) {
      // Closed form: every bank of this row band already serves the row and has been read since
      // its ACT, no write is pending, and no refresh falls due before the last read.
      const Rank& r = tm.ranks_[bd.rank_i];
      std::uint64_t m = std::min(band_lines - pos, count - i);
      const std::int64_t room = (r.ref_due - 1 - prev) / tb;
      m = std::min<std::uint64_t>(m, room > 0 ? static_cast<std::uint64_t>(room) : 0);
      bool ok = m > nbg;
      // Bank group (g + j) mod nbg first comes at read j + 1 of the run.
      for (std::uint32_t j = 0; ok && j < nbg; ++j) {
        const std::uint32_t gj = g + j < nbg ? g + j : g + j - nbg;
        const Bank& b = tm.banks_[bd.bank0 + static_cast<std::size_t>(gj) * bpg];
        ok = b.open && b.row == bd.row && b.col_since_act > 0 &&
             rd_earliest(b, tm.groups_[bd.group0 + gj], r, bd.rank) <=
                 prev + tb * static_cast<std::int64_t>(j + 1);
      }
      if (ok) {
        // The run: line i0 + k reads at p0 + tb·(k + 1). It goes on across row bands as long as
        // each band change is hidden: the first nbg lines of the next band, issued one by one
        // (PRE, ACT, RD exactly as single steps), still read at the run's cycles. Then every bank
        // of the new band is open and read, and the same argument as above holds for the rest
        // of the band. The ring is written once at the end (read times are linear in the line).
        const std::int64_t p0 = prev;
        const std::uint64_t i0 = i;
        auto run_time = [&](std::uint64_t x) {
          return x >= i0 ? p0 + tb * static_cast<std::int64_t>(x - i0 + 1) : read_time(x);
        };
        ++runs_;
        std::uint64_t n = 0;  // lines [i0, i0 + n) belong to the run
        std::uint64_t seg = m;
        bool band_end = m == band_lines - pos;
        Band sb = bd;          // the segment's band
        std::uint32_t sg = g;  // the segment's first bank group
        bool missed = false;   // a band-change line read later than the run's cycle
        std::uint64_t miss_line = 0;
        std::int64_t miss_tr = 0;
        while (true) {
          // Reads of the segment [i0 + n, i0 + n + seg), all row hits: only the last nbg (one per
          // bank group) leave state that can still bind.
          const std::uint64_t tail = std::min<std::uint64_t>(seg, nbg);
          st.reads += seg;
          st.hits += seg;
          Rank& sr = tm.ranks_[sb.rank_i];
          for (std::uint64_t k = seg - tail; k < seg; ++k) {
            const auto gk = static_cast<std::uint32_t>((sg + k) % nbg);
            commit_read(tm.banks_[sb.bank0 + static_cast<std::size_t>(gk) * bpg],
                        tm.groups_[sb.group0 + gk], sr, sb.rank,
                        p0 + tb * static_cast<std::int64_t>(n + k + 1),
                        static_cast<std::uint32_t>(k / nbg + 1));  // the bank's reads in seg
          }
          n += seg;
          if (!band_end || count - (i0 + n) < nbg) break;
          sb = band_of(local(i0 + n) / band_lines);
          sg = 0;
          for (std::uint32_t j = 0; j < nbg; ++j) {
            const std::uint64_t ln = i0 + n;
            const std::int64_t in_l = ln >= q ? mx(start, run_time(ln - q)) : start;
            bool refreshed = false;
            ++stepped_;
            const std::int64_t tr = one_line(sb, j, in_l, refreshed);
            if (refreshed || tr != p0 + tb * static_cast<std::int64_t>(n + 1)) {
              missed = true;
              miss_line = ln;
              miss_tr = tr;
              break;
            }
            ++n;
          }
          if (missed) break;
          const std::int64_t last = p0 + tb * static_cast<std::int64_t>(n);
          const std::int64_t room2 = (tm.ranks_[sb.rank_i].ref_due - 1 - last) / tb;
          seg = std::min(band_lines - nbg, count - (i0 + n));
          band_end = seg == band_lines - nbg;
          seg = std::min<std::uint64_t>(seg, room2 > 0 ? static_cast<std::uint64_t>(room2) : 0);
          if (seg < band_lines - nbg) band_end = false;
          if (seg == 0) break;
        }
        // The previous run's lines still in the look-ahead go to the ring (no line since has
        // used their slots: those lines are less than q apart); this run becomes the lazy one.
        for (std::uint64_t x = std::max(lz_i0, i0 > q ? i0 - q : 0); x < lz_i1; ++x)
          ring_[x % q] = lz_p0 + tb * static_cast<std::int64_t>(x - lz_i0 + 1);
        lz_i0 = i0;
        lz_i1 = i0 + n;
        lz_p0 = p0;
        prev = p0 + tb * static_cast<std::int64_t>(n);
        i = i0 + n;
        if (missed) {
          ring_[miss_line % q] = miss_tr;
          prev = miss_tr;
          i = miss_line + 1;
        }
        end = mx(end, tm.read_done(prev));
        continue;
      }
    }
    bool refreshed = false;
    ++stepped_;
    const std::int64_t tr = one_line(bd, g, in, refreshed);
    ring_[i % q] = tr;
    prev = tr;
    end = mx(end, tm.read_done(tr));
    ++i;
  }
  return end;
}

}  // namespace infsim
