#pragma once
// The NeuronCore as a SystemC module: the stage executor of the NeuronCore Pipeline. It holds one
// pipeline stage's program (its per-request engine cycles, from the pure engine timing models),
// takes requests from its input buffers in arrival order, computes, and hands each result to its
// StageOutput when the downstream stage has a free input buffer (back-pressure otherwise).
#include <cstdint>
#include <deque>

#include <systemc>

#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/interconnect/modules.hpp"

namespace infsim {

/// Per-request work of one stage: busy cycles of each engine, and the stage's makespan (its
/// engines overlap where dependencies allow; see schedule_stage in engine_timing.hpp).
struct StageProgram {
  Cycles tensor = 0;
  Cycles vector = 0;
  Cycles scalar = 0;
  Cycles dma = 0;
  Bytes dram_read_bytes = 0;  ///< read from device DRAM before computing (tables kept in DRAM)
  Cycles makespan = 0;        ///< cycles per request; 0 = no overlap (the busy cycles' sum)
  Bytes sram_read_bytes = 0;  ///< TensorEngine operand bytes read from the State Buffer
  /// Weights streamed from device DRAM for every request, in `stream_chunks` chunks. With
  /// `prefetch` the stream runs while the engines compute (the next chunk loads while the
  /// current one is used); without, it completes before the stage computes.
  Bytes stream_bytes = 0;
  std::uint32_t stream_chunks = 0;
  bool prefetch = true;
  Cycles total() const { return tensor + vector + scalar + dma; }
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

struct CoreStats {
  std::uint64_t requests = 0;  ///< requests computed
  Ps busy_ps = 0;              ///< time computing
  Ps stall_ps = 0;             ///< time holding a result while the next stage had no buffer
  Ps fetch_ps = 0;             ///< time waiting for reads from device DRAM
  Bytes streamed_bytes = 0;    ///< weights streamed from device DRAM
  Cycles tensor_cycles = 0, vector_cycles = 0, scalar_cycles = 0, dma_cycles = 0;
};

class NeuronCore : public sc_core::sc_module, public TransferReceiver {
 public:
  SC_HAS_PROCESS(NeuronCore);
  NeuronCore(sc_core::sc_module_name name, const CoreParams& p, std::uint32_t id);

  /// Loads a stage. `release` may be null (nothing upstream to tell).
  void load(const StageProgram& program, StageOutput* out, InputRelease* release);
  /// Where reads from device DRAM go (needed when the program reads DRAM).
  void set_dram_path(TransferScheduler* xfer, std::vector<Resource*> path);
  /// The core's State Buffer port: each request's operand reads occupy it (StateBufferPort::
  /// engine_reads), which may stretch the compute when the port is too slow or busy.
  void set_state_buffer(StateBufferPort* port) { sbuf_ = port; }
  bool loaded() const { return out_ != nullptr; }
  /// Optional: told about every request (may be null).
  void set_observer(CoreObserver* o) { observer_ = o; }
  /// An input has arrived in this core's State Buffer.
  void deliver(std::uint64_t request);
  /// Something this core waits on may have changed (a downstream buffer was freed).
  void wake() { wake_.notify(sc_core::SC_ZERO_TIME); }

  std::uint32_t id() const { return id_; }
  Ps period_ps() const { return period_; }
  const StageProgram& program() const { return program_; }
  const CoreStats& stats() const { return stats_; }

 private:
  void step();
  void transfer_done(std::uint64_t tag) override;

  std::uint32_t id_;
  Ps period_;
  StageProgram program_;
  StageOutput* out_ = nullptr;
  InputRelease* release_ = nullptr;
  std::deque<std::uint64_t> queue_;
  bool computing_ = false;
  Ps done_at_ = 0;
  std::uint64_t current_ = 0;
  bool fetching_ = false;  ///< waiting for this request's DRAM reads
  bool fetched_ = false;
  bool streaming_ = false;  ///< the weight stream of the current request is under way
  Ps start_ = 0;            ///< when the current request's compute started
  Ps compute_ps_ = 0;       ///< its compute time (State Buffer port included)
  TransferScheduler* xfer_ = nullptr;
  std::vector<Resource*> dram_path_;
  StateBufferPort* sbuf_ = nullptr;
  bool holding_ = false;  ///< a computed result waits for the downstream buffer
  Ps hold_since_ = 0;
  Ps fetch_since_ = 0;
  sc_core::sc_event wake_;
  CoreStats stats_;
  CoreObserver* observer_ = nullptr;
};

}  // namespace infsim
