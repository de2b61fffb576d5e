#pragma once
// The compiler's view of a graph: its ops in one execution order, by position, with each op's
// timing, prefix sums of weights and DRAM reads, producers, the bytes crossing each cut and alive
// at each op, and the scheduled time of any contiguous range (docs/COMPILER.md; docs/TIMING.md,
// "Compiler cost model"). Internal to the compiler, as are the other headers of this folder.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "infsim/common/units.hpp"
#include "infsim/config.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/graph.hpp"

namespace infsim::compiler_detail {

/// The maximum of any range of a fixed array in O(1) (a sparse table: n log n entries).
class RangeMax {
 public:
  void build(const std::vector<Bytes>& v);
  /// max of v[i..j], i <= j.
  Bytes max(std::size_t i, std::size_t j) const {
    std::size_t lvl = 0;
    while ((std::size_t{2} << lvl) <= j - i + 1) ++lvl;
    return std::max(t_[lvl][i], t_[lvl][j + 1 - (std::size_t{1} << lvl)]);
  }

 private:
  std::vector<std::vector<Bytes>> t_;
};

/// Everything the partitioner needs about a graph, by position in execution order.
struct Analysis {
  std::vector<int> order;              // graph op indices: input ops first, then the rest in order
  std::size_t inputs = 0;              // number of input ops (positions [0, inputs))
  std::vector<Bytes> weight_pre;       // prefix sums of State Buffer weight bytes, size n+1
  std::vector<Bytes> dram_weight_pre;  // prefix sums of weights kept in DRAM
  std::vector<Bytes> dram_read_pre;    // prefix sums of DRAM reads per request
  std::vector<OpTiming> timing;        // per position (batch included)
  std::vector<std::vector<std::size_t>> preds;  // per position: positions of its producers
  std::vector<Bytes> cut;         // cut[c]: bytes of tensors made before c and used at >= c
  std::vector<Bytes> live;        // live[k]: bytes of tensors alive while op k runs
  RangeMax live_max;              // range max of live
  std::vector<Bytes> out;         // out[p]: bytes of the tensor made at p (batch)
  std::vector<std::size_t> last;  // last[p]: last position reading it; n: an output
  std::vector<Cycles> op_span;    // op p alone on an idle core (OpTiming::span)
  /// foot[p]: the least State Buffer op p runs in with every operand in DRAM: two tiles (double
  /// buffering) of at most pipeline.tile_kib of each operand (its distinct inputs and output).
  std::vector<Bytes> foot;
  /// need[p] = min(live[p], foot[p]): the least State Buffer op p runs in, resident or tiled.
  RangeMax need_max;
  Bytes input_bytes = 0;   // graph inputs, batch included
  Bytes output_bytes = 0;  // graph outputs (ops nobody consumes), batch included
  std::size_t n() const { return order.size(); }
  Bytes weights(std::size_t i, std::size_t j) const { return weight_pre[j + 1] - weight_pre[i]; }
  /// Runs StageScheduler over positions [i, j] in order; calls f(p, scheduler) after op p. A
  /// producer before i belongs to an earlier stage: its tensor is there at the stage's start.
  template <class F>
  void schedule(std::size_t i, std::size_t j, F&& f,
                std::vector<StageScheduler::Interval>* log = nullptr) const {
    StageScheduler sched;
    sched.record(log);
    std::vector<Cycles> finish(j - i + 1, 0);
    for (std::size_t p = i; p <= j; ++p) {
      Cycles ready = 0;
      for (std::size_t q : preds[p])
        if (q >= i) ready = std::max(ready, finish[q - i]);
      finish[p - i] = sched.add(timing[p], ready).finish;
      f(p, sched);
    }
  }
  /// The stage [i, j]'s time per request in cycles (its schedule's makespan), O(j − i).
  Cycles makespan(std::size_t i, std::size_t j) const {
    Cycles m = 0;
    schedule(i, j, [&](std::size_t, const StageScheduler& s) { m = s.makespan(); });
    return m;
  }
  Bytes dram_reads(std::size_t i, std::size_t j) const {
    return dram_read_pre[j + 1] - dram_read_pre[i];
  }
  Bytes live_peak(std::size_t i, std::size_t j) const { return live_max.max(i, j); }
  /// The least State Buffer any op of [i, j] runs in (tiled where it must be).
  Bytes tiled_peak(std::size_t i, std::size_t j) const { return need_max.max(i, j); }
};

/// Analyses the graph in `order` (graph op indices, a topological order holding every op, inputs
/// first), or in the default order (inputs first, then the graph's order) when `order` is empty.
/// Throws CompileError when `order` is not a topological order of every op.
Analysis analyse(const Graph& g, const SystemConfig& cfg, std::uint32_t batch,
                 std::vector<int> order = {});

/// Bytes a stage starting at position i receives per request (the graph inputs for the first).
inline Bytes stage_in(const Analysis& a, std::size_t i) {
  return i == 0 ? a.input_bytes : a.cut[i];
}
/// Bytes a stage ending at position j sends per request (the graph outputs for the last).
inline Bytes stage_out(const Analysis& a, std::size_t j) {
  return j + 1 == a.n() ? a.output_bytes : a.cut[j + 1];
}

/// First position a stage after the first may start at (stage 0 holds every input op and at
/// least one op to compute).
inline std::size_t first_cut(const Analysis& a) {
  return a.inputs + 1;
}

}  // namespace infsim::compiler_detail
