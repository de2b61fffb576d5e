#pragma once
// DDR4 bank state and timing constraints (pure C++, no SystemC): the state of every bank, bank
// group, rank and channel data bus, and the JEDEC constraints between commands. `earliest(cmd,
// addr)` is the first cycle a command may issue, `can_issue(cmd, addr, t)` checks one cycle (for
// exact-cycle tests), `issue` commits. The scheduler (ddr4_scheduler.hpp) decides which command
// issues when; this class only knows what is allowed.
//
// Time is in tCK cycles (int64). docs/TIMING.md ("DRAM: DDR4 model") gives every formula.
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "infsim/memory/dram_params.hpp"

namespace infsim {

enum class Ddr4Cmd { Act, Pre, Rd, Wr, PreAll, Ref };
const char* ddr4_cmd_name(Ddr4Cmd c);

/// A decoded address. `column` counts 64-byte lines within the row.
struct Ddr4Addr {
  std::uint32_t channel = 0, rank = 0, bank_group = 0, bank = 0, row = 0, column = 0;
};

/// How a column command found its bank.
enum class RowResult { Hit, Closed, Conflict };

/// Command counters of a Ddr4Timing.
struct Ddr4Stats {
  std::uint64_t reads = 0, writes = 0;
  std::uint64_t hits = 0, closed = 0, conflicts = 0;  ///< per column command
  std::uint64_t acts = 0, pres = 0, refreshes = 0;
  double row_hit_rate() const {
    const std::uint64_t n = hits + closed + conflicts;
    return n ? static_cast<double>(hits) / static_cast<double>(n) : 0.0;
  }
};

class Ddr4Scheduler;
class Ddr4ChannelStream;

class Ddr4Timing {
 public:
  using Time = std::int64_t;
  static constexpr Time kNever = std::numeric_limits<Time>::min() / 4;

  explicit Ddr4Timing(const Ddr4Params& p);
  const Ddr4Params& params() const { return p_; }

  /// Address mapping, low to high: line offset | channel | bank group | column | bank | rank |
  /// row (mixed radix, so no field needs a power of two). Addresses wrap at the capacity.
  Ddr4Addr decode(std::uint64_t addr) const;
  std::uint64_t encode(const Ddr4Addr& a) const;

  /// Whether the bank state allows the command at all (ACT needs a closed bank, RD/WR the
  /// addressed row open, PRE an open bank, REF every bank of the rank closed).
  bool legal(Ddr4Cmd c, const Ddr4Addr& a) const;
  /// First cycle the timing constraints allow `c` (not counting the command bus).
  Time earliest(Ddr4Cmd c, const Ddr4Addr& a) const;
  /// legal, t >= earliest, and the channel's command bus free (t after its last command).
  bool can_issue(Ddr4Cmd c, const Ddr4Addr& a, Time t) const;
  /// Commits the command at t (no check: callers check can_issue or use earliest).
  void issue(Ddr4Cmd c, const Ddr4Addr& a, Time t);

  bool is_open(const Ddr4Addr& a) const { return bank(a).open; }
  std::uint32_t open_row(const Ddr4Addr& a) const { return bank(a).row; }
  /// Column commands served by the bank's open row since it was activated.
  std::uint32_t hits_since_act(const Ddr4Addr& a) const { return bank(a).col_since_act; }
  /// Cycle at which the next all-bank refresh of (channel, rank) falls due.
  Time refresh_due(std::uint32_t channel, std::uint32_t rank) const {
    return ranks_[static_cast<std::size_t>(channel) * p_.ranks + rank].ref_due;
  }
  /// Performs every refresh of (channel, rank) due at or before t: PREA (if a bank is open) at
  /// max(due, earliest), REF tRP later, each further REF after the previous one. Long idle
  /// stretches are skipped in O(1).
  void refresh_until(std::uint32_t channel, std::uint32_t rank, Time t);
  /// Time the last command was issued on a channel (kNever before the first).
  Time last_command(std::uint32_t channel) const { return chans_[channel].last_cmd; }
  /// Issue time of the last column command on a channel.
  Time last_column(std::uint32_t channel) const { return chans_[channel].last_col; }
  void count_row_result(RowResult r) {
    if (r == RowResult::Hit) ++stats_.hits;
    if (r == RowResult::Closed) ++stats_.closed;
    if (r == RowResult::Conflict) ++stats_.conflicts;
  }
  const Ddr4Stats& stats() const { return stats_; }

  /// Data-burst end of a read issued at t (last data beat).
  Time read_done(Time t) const { return t + p_.cl + p_.burst_cycles(); }
  Time write_done(Time t) const { return t + p_.cwl + p_.burst_cycles(); }

 private:
  struct Bank {
    bool open = false;
    std::uint32_t row = 0;
    std::uint32_t col_since_act = 0;
    Time act = kNever, last_rd = kNever, last_wr = kNever;
    Time act_ok = 0;  // tRP after PRE, tRC after ACT, tRFC after REF
  };
  struct Group {
    Time last_act = kNever, last_rd = kNever, last_wr = kNever;
  };
  struct Rank {
    Time last_act = kNever, last_rd = kNever, last_wr = kNever;
    std::array<Time, 4> faw{{kNever, kNever, kNever, kNever}};  // last four ACTs, oldest first
    Time ref_due = 0;
    std::uint32_t open_banks = 0;
  };
  struct Channel {
    Time last_cmd = kNever, last_col = kNever;
    Time bus_end = kNever;  // end of the last data burst
    std::uint32_t bus_rank = 0;
    Time last_rd = kNever;  // any rank (read-to-write turnaround)
  };

  // The scheduler's single step and its closed form work on the state directly.
  friend class Ddr4Scheduler;
  friend class Ddr4ChannelStream;
  std::size_t rank_index(const Ddr4Addr& a) const {
    return static_cast<std::size_t>(a.channel) * p_.ranks + a.rank;
  }
  std::size_t group_index(const Ddr4Addr& a) const {
    return rank_index(a) * p_.bank_groups + a.bank_group;
  }
  std::size_t bank_index(const Ddr4Addr& a) const {
    return group_index(a) * p_.banks_per_group + a.bank;
  }
  Bank& bank(const Ddr4Addr& a) { return banks_[bank_index(a)]; }
  const Bank& bank(const Ddr4Addr& a) const { return banks_[bank_index(a)]; }
  inline Time pre_earliest(const Bank& b) const;
  inline Time bus_earliest(const Ddr4Addr& a, std::uint32_t latency) const;
  // The bodies of decode, earliest and issue, defined inline in the private header
  // src/ddr4_timing_inline.hpp so that the scheduler's loops inline them (the public functions
  // are calls that -fPIC may not inline).
  inline Ddr4Addr decode_(std::uint64_t addr) const;
  inline Time earliest_(Ddr4Cmd c, const Ddr4Addr& a) const;
  inline void issue_(Ddr4Cmd c, const Ddr4Addr& a, Time t);

  Ddr4Params p_;
  bool pow2_ = false;  // every field a power of two: decode with shifts and masks
  std::array<std::uint32_t, 7> shift_{};  // line offset, channel, group, column, bank, rank, row
  std::uint64_t total_lines_ = 0;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  std::vector<Rank> ranks_;
  std::vector<Channel> chans_;
  Ddr4Stats stats_;
};

}  // namespace infsim
