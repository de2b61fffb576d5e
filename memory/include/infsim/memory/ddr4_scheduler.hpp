#pragma once
// The DDR4 scheduler (pure C++, no SystemC): the one code path that decides when every command
// issues, for `infsim run` (through Ddr4Dram, the Resource on transfer paths), for `infsim
// microbench dram` (microbench_dram calls `read` per 64-byte request) and for the DDR4 tests.
//
// Policy, per channel: reads are served in the order they are given (first come, first served),
// each line's PRE (row conflict) and ACT (closed bank) as early as the bank allows once the line
// is within the `read_queue`-entry look-ahead, then its RD. A line enters the look-ahead at the
// latest of its arrival, the arrival of every line given before it on the channel, and the RD of
// the line `read_queue` before it on the channel. An all-bank refresh falls due every tREFI and
// is performed before the first command that would issue at or after it. The command bus is not
// checked. docs/TIMING.md ("DRAM: DDR4 model") gives every formula.
//
// `read` is the production path: it computes runs of row hits and row-band changes in closed
// form (Ddr4ChannelStream in src/ddr4_scheduler.cpp). `read_stepped` issues every line on its own
// through the single step; it is kept only as the tests' reference, which `read` must equal exactly
// (times, state and counters).
#include <cstdint>
#include <vector>

#include "infsim/memory/ddr4_timing.hpp"

namespace infsim {

class Ddr4Scheduler {
 public:
  using Time = Ddr4Timing::Time;
  explicit Ddr4Scheduler(const Ddr4Params& p);
  const Ddr4Params& params() const { return timing_.params(); }
  const Ddr4Timing& timing() const { return timing_; }

  /// Reads `lines` consecutive 64-byte lines from `addr` (wrapping at the capacity), all arriving
  /// at cycle `start`, after every line given before. Returns the cycle of the last data beat.
  Time read(std::uint64_t addr, std::uint64_t lines, Time start);
  /// The same, every line issued on its own (the reference `read` must equal; tests only).
  Time read_stepped(std::uint64_t addr, std::uint64_t lines, Time start);

  /// Issue cycle of the last column command over all channels (kNever before the first).
  Time last_column() const {
    Time t = Ddr4Timing::kNever;
    for (std::uint32_t c = 0; c < timing_.params().channels; ++c)
      if (timing_.last_column(c) > t) t = timing_.last_column(c);
    return t;
  }
  /// Lines issued one by one (the rest went through closed-form runs).
  std::uint64_t stepped_lines() const { return stepped_; }
  /// Closed-form runs taken.
  std::uint64_t closed_runs() const { return runs_; }

 private:
  friend class Ddr4ChannelStream;
  /// A channel's look-ahead: the RD cycles of its last `read_queue` lines (lines are numbered
  /// per channel from 0), line n in slot n mod read_queue, except the lines of the last closed
  /// run, [lazy_begin, lazy_end), read at lazy_p0 + burst·(n − lazy_begin + 1) and written to the
  /// ring only when a later run replaces them.
  struct Lookahead {
    std::vector<Time> ring;
    std::uint64_t lines = 0;  ///< lines read on the channel so far
    std::uint64_t lazy_begin = 0, lazy_end = 0;
    Time lazy_p0 = 0;
    Time floor = Ddr4Timing::kNever;  ///< the latest arrival given so far
  };
  Time read(std::uint64_t addr, std::uint64_t lines, Time start, bool closed_form);
  /// Admits a call's lines on channel ch arriving at `start`: returns when they may enter the
  /// look-ahead at the earliest (not before the lines given before them). If every earlier read
  /// has issued by then, their cycles can bind no more and the last run is forgotten.
  Time admit(std::uint32_t ch, Time start);
  /// The single step: one line entering the look-ahead at `in`: PRE (conflict) and ACT as early
  /// as the bank allows, then RD; a refresh falling due first is performed and the line starts
  /// over. Returns the RD cycle.
  inline Time step_line_(std::uint32_t ch, const Ddr4Addr& a, Time in);
  Time stream_channel_stepped(std::uint32_t ch, std::uint64_t first_line, std::uint64_t count,
                              Time start);
  /// The closed form (Ddr4ChannelStream): exactly stream_channel_stepped's cycles and state.
  Time stream_channel(std::uint32_t ch, std::uint64_t first_line, std::uint64_t count, Time start);

  Ddr4Timing timing_;
  std::vector<Lookahead> look_;  // per channel
  std::uint64_t stepped_ = 0;
  std::uint64_t runs_ = 0;
};

}  // namespace infsim
