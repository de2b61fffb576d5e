#pragma once
// DDR4 DRAM timing model (pure C++, no SystemC). Three layers:
//
//  - Ddr4Timing: the state of every bank, bank group, rank and channel data bus, and the JEDEC
//    timing constraints between commands. `earliest(cmd, addr)` is the first cycle a command may
//    issue, `can_issue(cmd, addr, t)` checks one cycle (for exact-cycle tests), `issue` commits.
//  - Ddr4Controller: an open-page FR-FCFS memory controller per channel (read and write queues,
//    write-drain watermarks, all-bank refresh every tREFI). Event-driven: it computes when the
//    next command can issue and jumps there; idle cycles are never visited.
//  - Ddr4Dram: a Resource adapter for the system simulation. A transfer's 64-byte lines are
//    streamed through Ddr4Timing in address order (with a bounded ACT look-ahead); runs of row
//    hits are computed in closed form, exactly equal to issuing them one by one.
//
// Time is in tCK cycles (int64). docs/TIMING.md ("DRAM: DDR4 model") gives every formula.
#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include "infsim/common/pipe.hpp"
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

struct Ddr4Stats {
  std::uint64_t reads = 0, writes = 0;
  std::uint64_t hits = 0, closed = 0, conflicts = 0;  ///< per column command
  std::uint64_t acts = 0, pres = 0, refreshes = 0;
  double row_hit_rate() const {
    const std::uint64_t n = hits + closed + conflicts;
    return n ? static_cast<double>(hits) / static_cast<double>(n) : 0.0;
  }
};

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
  /// max(due, earliest), REF tRP later. Long idle stretches are skipped in O(1).
  /// No command is placed before `min_issue` (the controller's command bus).
  void refresh_until(std::uint32_t channel, std::uint32_t rank, Time t, Time min_issue = kNever);
  /// Time the last command was issued on a channel (kNever before the first).
  Time last_command(std::uint32_t channel) const { return chans_[channel].last_cmd; }
  /// Issue time of the last column command on a channel.
  Time last_column(std::uint32_t channel) const { return chans_[channel].last_col; }
  /// Adds `n` column reads counted as hits without touching timing state (closed-form runs).
  void count_hit_reads(std::uint64_t n) {
    stats_.reads += n;
    stats_.hits += n;
  }
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

  friend class Ddr4Dram;
  friend class Ddr4Controller;
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
  // The bodies of decode, earliest and issue, defined inline in ddr4.cpp so that the adapter's
  // loops there inline them (the public functions are calls that -fPIC may not inline).
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

/// One memory request of a 64-byte line.
struct Ddr4Request {
  std::uint64_t id = 0;
  std::uint64_t addr = 0;
  bool write = false;
  std::int64_t arrival = 0;  ///< cycle it reaches the controller
  std::uint32_t source = 0;  ///< free tag (the microbenchmark's core)
};

struct Ddr4Completion {
  std::uint64_t id = 0;
  std::uint32_t source = 0;
  bool write = false;
  RowResult result = RowResult::Hit;
  std::int64_t arrival = 0, column = 0, done = 0;  ///< done: last data beat
};

/// Open-page FR-FCFS controller over every channel of a Ddr4Timing.
class Ddr4Controller {
 public:
  explicit Ddr4Controller(const Ddr4Params& p);
  Ddr4Timing& timing() { return t_; }
  const Ddr4Timing& timing() const { return t_; }
  /// Queues a request (requests of a channel are admitted in arrival order).
  void submit(const Ddr4Request& r);
  /// Schedules until every submitted request has completed (completions() in issue order).
  void run();
  /// One scheduling step on the channel whose next action is earliest; returns false when
  /// nothing is left. `*out` receives the request completed by this step, if any (`*completed`).
  bool step(Ddr4Completion* out, bool* completed);
  const std::vector<Ddr4Completion>& completions() const { return done_; }

 private:
  struct Entry {
    Ddr4Request req;
    Ddr4Addr a;
    std::int64_t enq = 0;
    std::uint64_t seq = 0;
    bool did_pre = false, did_act = false;
  };
  struct ChannelQ {
    std::deque<Ddr4Request> pending;  // sorted by arrival
    std::vector<Entry> rq, wq;
    bool draining = false;
    std::int64_t rq_free = 0, wq_free = 0;  // when a full queue last freed an entry
  };
  enum class Action { Idle, Admit, Refresh, Issue };
  struct Decision {
    Action action = Action::Idle;
    std::int64_t time = 0;
    std::size_t index = 0;  // entry in the active queue
    Ddr4Cmd cmd = Ddr4Cmd::Act;
    std::uint32_t rank = 0;
  };
  Decision decide(std::uint32_t ch);
  bool step_channel(std::uint32_t ch, const Decision& d, Ddr4Completion* out);

  Ddr4Timing t_;
  std::vector<ChannelQ> q_;
  std::vector<Ddr4Completion> done_;
  std::uint64_t seq_ = 0;
};

/// The DDR4 model as a Resource on transfer paths. See docs/TIMING.md for the approximation: a
/// transfer of B bytes is ceil(B/64) reads of consecutive lines from a rotating base address,
/// all arriving at `start`; occupy() returns the time from `start` to the last line's data.
class Ddr4Dram final : public Resource {
 public:
  Ddr4Dram(std::string name, const Ddr4Params& p);
  Ps ready_at() const override;
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return frontend_; }
  std::uint64_t bytes_per_s() const override { return timing_.params().peak_bytes_per_s(); }

  /// Streams `lines` sequential 64-byte reads from `addr`, all arriving at cycle `start`;
  /// returns the cycle of the last data beat. `closed_form` = false issues every line one by
  /// one (the reference the closed form must equal).
  std::int64_t stream_read(std::uint64_t addr, std::uint64_t lines, std::int64_t start,
                           bool closed_form = true);
  const Ddr4Timing& timing() const { return timing_; }
  /// Line steps taken one by one (the rest went through closed-form runs).
  std::uint64_t stepped_lines() const { return stepped_; }
  /// Closed-form runs taken.
  std::uint64_t closed_runs() const { return runs_; }

 private:
  std::int64_t stream_channel(std::uint32_t ch, std::uint64_t first_line, std::uint64_t count,
                              std::int64_t start, bool closed_form);
  /// The reference: every line issued on its own by step_line_ (what the closed form must equal).
  std::int64_t stream_channel_stepped(std::uint32_t ch, std::uint64_t first_line,
                                      std::uint64_t count, std::int64_t start);
  /// One line entering the look-ahead at `in`: PRE (conflict) and ACT as early as the bank
  /// allows, then RD; a refresh falling due first is performed and the line starts over.
  inline std::int64_t step_line_(std::uint32_t ch, const Ddr4Addr& a, std::int64_t in);
  Ddr4Timing timing_;
  Ps frontend_;
  std::uint64_t next_addr_ = 0;
  std::uint64_t stepped_ = 0;
  std::uint64_t runs_ = 0;
  std::vector<std::int64_t> ring_;  // issue times of the last read_queue reads of a channel
};

}  // namespace infsim
