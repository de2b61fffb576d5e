#pragma once
// What a NeuronCore runs for one pipeline stage and the interfaces it talks through (pure C++:
// the compiler, the report and the trace use them without SystemC).
#include <cstdint>

#include "infsim/common/stats.hpp"
#include "infsim/common/units.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

/// Per-request work of one stage: busy cycles of each engine, and the stage's makespan (its
/// engines overlap where dependencies allow; see schedule_stage in engine_timing.hpp).
struct StageProgram {
  PerEngine<Cycles> busy;     ///< busy cycles of each engine per request
  Bytes dram_read_bytes = 0;  ///< read from device DRAM before computing (tables kept in DRAM)
  Cycles makespan = 0;        ///< cycles per request; 0 = no overlap (the busy cycles' sum)
  Bytes sram_read_bytes = 0;  ///< TensorEngine operand bytes read from the State Buffer
  /// Weights streamed from device DRAM for every request, in `stream_chunks` chunks. With
  /// `prefetch` the stream runs while the engines compute (the next chunk loads while the
  /// current one is used); without, it completes before the stage computes.
  Bytes stream_bytes = 0;
  std::uint32_t stream_chunks = 0;
  bool prefetch = true;
  /// Activations that do not fit the State Buffer: bytes written to and reloaded from device
  /// DRAM per request, in `spill_tiles` tiles, always overlapping the compute (the compiler's
  /// makespan already holds the stalls the tiles cause on an idle DRAM).
  Bytes spill_bytes = 0;
  std::uint64_t spill_tiles = 0;
  Cycles total() const { return busy.sum(); }
  Cycles duration() const { return makespan != 0 ? makespan : total(); }
};

/// Where a stage's results go (the next stage, or the host).
class StageOutput {
 public:
  virtual ~StageOutput() = default;
  virtual bool can_send() const = 0;             ///< the receiver has a free input buffer
  virtual void send(std::uint64_t request) = 0;  ///< starts the transfer of one result
};

/// Told when a stage has consumed an input buffer (the upstream's credit comes back).
class InputRelease {
 public:
  virtual ~InputRelease() = default;
  virtual void released() = 0;
};

/// Watches a core's requests (for timelines): told after the fact, never changes the run.
class CoreObserver {
 public:
  virtual ~CoreObserver() = default;
  /// `request` computed from `start`; its engines' work ended at `compute_end`, the stage at
  /// `end` (later when it waited for streamed weights).
  virtual void computed(std::uint32_t core, std::uint64_t request, Ps start, Ps compute_end,
                        Ps end) = 0;
  /// `request`'s reads from device DRAM (tables, or weights without prefetch) before computing.
  virtual void fetched(std::uint32_t core, std::uint64_t request, Ps start, Ps end) = 0;
  /// `request`'s result waited for a downstream buffer (back-pressure).
  virtual void held(std::uint32_t core, std::uint64_t request, Ps start, Ps end) = 0;
};

/// The statistics a NeuronCore visits (the report's stage and core rows use the same).
struct CoreStatInfo {
  StatInfo requests{"requests", "requests", "requests computed"};
  StatInfo busy{"busy", "share", "share of the simulated time spent computing"};
  StatInfo stalled{"stalled", "share",
                   "share of the simulated time holding a result (back-pressure)"};
  StatInfo fetching{"fetching", "share", "share of the simulated time waiting for reads from DRAM"};
  StatInfo service_us{"service_us", "us", "compute time per request (the stage's makespan)"};
  /// `engines.TensorE`, ...: the share of the simulated time engine `e` is busy.
  static StatInfo engine(Engine e) {
    return {std::string("engines.") + engine_name(e), "share",
            "share of the simulated time the engine is busy"};
  }
};
inline const CoreStatInfo kCoreStats{};

struct CoreStats {
  std::uint64_t requests = 0;       ///< requests computed
  Ps busy_ps = 0;                   ///< time computing
  Ps stall_ps = 0;                  ///< time holding a result while the next stage had no buffer
  Ps fetch_ps = 0;                  ///< time waiting for reads from device DRAM
  Bytes streamed_bytes = 0;         ///< weights streamed from device DRAM
  Bytes spilled_bytes = 0;          ///< activations written to and reloaded from device DRAM
  PerEngine<Cycles> engine_cycles;  ///< busy cycles of each engine
};

}  // namespace infsim
