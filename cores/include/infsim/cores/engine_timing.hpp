#pragma once
// Pure timing models of a NeuronCore's engines (no SystemC). Every result is in cycles of the
// core clock. docs/TIMING.md derives each formula.
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

/// A Partial Sum Buffer without a capacity limit (the pre-PSUM model; tests of the bare formula).
inline constexpr Bytes kUnlimitedPsum = std::numeric_limits<Bytes>::max();
/// Bytes of one partial sum (FP32 / INT32 accumulators).
inline constexpr Bytes kPsumBytesPerSum = 4;

/// Cycles of one GEMM on the weight-stationary TensorEngine and what it did.
struct TensorTiming {
  Cycles cycles = 0;
  std::uint64_t folds = 0;         ///< distinct weight tiles: groups · ⌈k/R⌉ · ⌈n/C⌉
  std::uint64_t row_chunks = 0;    ///< S: PSUM row chunks per column tile (1 when no split)
  std::uint64_t chunk_rows = 0;    ///< rows of a full chunk (M when there is no split)
  std::uint64_t weight_loads = 0;  ///< weight tiles loaded into the array: folds × S
  /// PSUM blocks completed and evacuated (each column tile's outputs, ⌈M/P⌉ row windows):
  /// groups · ⌈n/C⌉ · ⌈M/P⌉. The granularity at which a fused activation can follow the array.
  std::uint64_t evacuations = 0;
  std::uint64_t macs = 0;  ///< useful multiply-accumulates
  /// macs / (cycles × rows × cols): the share of the array's peak this GEMM used.
  double utilization() const;
  std::uint64_t array_cells = 0;  ///< rows × cols (for utilization)
};

/// Rows of FP32 partial sums the PSUM holds for one column tile: P = ⌊psum_bytes / (4 · C)⌋
/// (at least 1; space is allocated for whole array rows of C accumulators).
std::uint64_t psum_rows(const TensorEngineParams& p, Bytes psum_bytes);

/// TensorEngine (rows R × cols C, weight stationary). The stationary operand (k × n) is cut into
/// folds of at most R × C (KF = ⌈k/R⌉ row folds, NF = ⌈n/C⌉ column tiles, `groups` times). The
/// moving operand's M = m × batch rows stream through each fold; the M × C partial sums of a
/// column tile accumulate over its KF folds in the PSUM. When KF > 1 and M > P (psum_rows), the
/// rows are split into S = ⌈M/P⌉ chunks (S − 1 of P rows, the last L = M − (S − 1)·P) and every
/// chunk re-loads the KF weight tiles of its column tile. Schedule: for each group, column tile,
/// row chunk, k-fold: load the tile, stream the chunk. With weight_loads = folds · S:
///   overlap off (classic):  weight_loads · (R + R + C − 2) + folds · M
///   overlap on:             R + folds · ((S − 1)·max(P, R) + max(L, R)) − max(L, R) + L
///                             + (R + C − 2)
/// (R to load a tile, one cycle per streamed row, R + C − 2 to fill and drain; with overlap the
/// next tile loads in the shadow of the current stream, so consecutive passes start
/// max(rows, R) apart and only the first load and the last drain show.) With S = 1 these are the
/// classic folds · (R + M + R + C − 2) and R + (folds − 1)·max(M, R) + M + (R + C − 2).
TensorTiming tensor_gemm_timing(const TensorEngineParams& p, const GemmShape& g,
                                std::uint64_t batch, Bytes psum_bytes = kUnlimitedPsum);
/// The same with the core's PSUM capacity (core.psum.capacity_kib).
TensorTiming tensor_gemm_timing(const CoreParams& p, const GemmShape& g, std::uint64_t batch);

/// Cycles for `flops` floating point operations on an engine doing `flops_per_cycle`.
Cycles engine_cycles(std::uint64_t flops, std::uint32_t flops_per_cycle);

/// Per-engine cycles of one operator for `batch` samples.
struct OpTiming {
  PerEngine<Cycles> cycles;  ///< busy cycles on each engine
  std::uint64_t macs = 0;
  /// PSUM evacuations of the tensor work (TensorTiming::evacuations; 0 without tensor work).
  std::uint64_t units = 0;
  /// Engine busy cycles summed (what the op costs when engines run one after another).
  Cycles total() const { return cycles.sum(); }
  /// The op alone on an idle core, with its engines overlapped as schedule_stage does it.
  Cycles span() const;
};

OpTiming op_timing(const CoreParams& p, const OpWork& w, std::uint64_t batch);

/// In-order list scheduler of one stage's ops on one core's four engines (docs/TIMING.md,
/// "Engine overlap inside a stage"). Ops are added in a topological order; each engine runs its
/// ops in that order (one instruction queue per engine). An op may start once its producers in
/// the stage have finished (`ready`); inputs from earlier stages are there at time 0.
///  - An op with tensor work: its tensor part starts at max(ready, TensorE free) and runs T
///    cycles. Its other work E (a fused activation on ScalarE) is an epilogue applied as the
///    U = units PSUM blocks are evacuated: a two-machine flow shop of U equal jobs. It starts at
///    max(engine free, tensor start + ⌈T/U⌉) and ends at max(its start + E, tensor end + ⌈E/U⌉).
///  - An op without tensor work: its vector, scalar and dma parts run one after another, each at
///    max(previous part's end (first: ready), engine free).
/// An op finishes when all its parts have; the makespan is the latest finish.
class StageScheduler {
 public:
  struct Slot {
    Cycles start = 0;   ///< when the op's first part starts (ready, for an op without work)
    Cycles finish = 0;  ///< when its last part ends
  };
  /// One engine's part of one op: busy within [start, finish) (an epilogue that follows PSUM
  /// evacuations is spread over that span).
  struct Interval {
    std::uint32_t op = 0;  ///< index of the op in the order of add() calls
    Engine engine = Engine::None;
    Cycles start = 0, finish = 0;
  };
  /// Schedules the next op.
  Slot add(const OpTiming& t, Cycles ready);
  /// Records every engine interval of the ops added from now on into `log` (for timelines).
  void record(std::vector<Interval>* log) { log_ = log; }
  Cycles makespan() const { return makespan_; }
  /// Busy cycles of each engine.
  const PerEngine<Cycles>& busy() const { return busy_; }

 private:
  PerEngine<Cycles> free_;
  PerEngine<Cycles> busy_;
  Cycles makespan_ = 0;
  std::uint32_t ops_ = 0;
  std::vector<Interval>* log_ = nullptr;
};

/// One op of a stage for schedule_stage: its work per sample and the ops of the same stage it
/// reads (indices of earlier entries).
struct StageOp {
  OpWork work;
  std::vector<std::size_t> deps;
};

struct StageSchedule {
  PerEngine<Cycles> busy;         ///< busy cycles per engine
  Cycles makespan = 0;            ///< the stage's time per request
  std::vector<Cycles> op_start;   ///< per op: when its first part starts
  std::vector<Cycles> op_finish;  ///< per op: when its last part ends
  Cycles busy_sum() const { return busy.sum(); }
};

/// Schedules `ops` (in order; deps must point backwards) for `batch` samples with
/// StageScheduler. Throws std::invalid_argument if a dependency does not point to an earlier op.
StageSchedule schedule_stage(const CoreParams& p, const std::vector<StageOp>& ops,
                             std::uint64_t batch);

}  // namespace infsim
