#pragma once
// The NeuronCore as a SystemC module: the stage executor of the NeuronCore Pipeline. It holds one
// pipeline stage's program (its per-request engine cycles, from the pure engine timing models),
// takes requests from its input buffers in arrival order, computes, and hands each result to its
// StageOutput when the downstream stage has a free input buffer (back-pressure otherwise).
#include <cstdint>
#include <deque>

#include <systemc>

#include "infsim/common/stats.hpp"
#include "infsim/common/transfer_scheduler.hpp"
#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"
#include "infsim/cores/stage_program.hpp"
#include "infsim/cores/state_buffer.hpp"

namespace infsim {

class NeuronCore : public sc_core::sc_module, public TransferReceiver, public StatProvider {
 public:
  SC_HAS_PROCESS(NeuronCore);
  NeuronCore(sc_core::sc_module_name name, const CoreParams& p, std::uint32_t id);

  /// Loads a stage. `release` may be null (nothing upstream to tell).
  void load(const StageProgram& program, StageOutput* out, InputRelease* release);
  /// Where reads from device DRAM go (needed when the program reads DRAM). Spills go over
  /// `spill_path` when it is given (a plugged-in TLM-2.0 memory tells them apart), else `path`.
  void set_dram_path(TransferScheduler* xfer, std::vector<Resource*> path,
                     std::vector<Resource*> spill_path = {});
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
  /// `requests`, the shares of time `busy`, `stalled`, `fetching`, each engine's busy share
  /// (`engines.TensorE`, ...) and `service_us` (compute time per request).
  void visit_stats(StatVisitor& v, Ps end) const override;

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
  /// Transfers that overlap the current request's compute (the weight stream, the activations'
  /// tiles) still under way; the stage ends when the last has and its bound is met.
  std::uint32_t overlapped_ = 0;
  Ps start_ = 0;       ///< when the current request's compute started
  Ps compute_ps_ = 0;  ///< its compute time (State Buffer port included)
  TransferScheduler* xfer_ = nullptr;
  std::vector<Resource*> dram_path_;
  std::vector<Resource*> spill_path_;  ///< empty: spills go over dram_path_
  StateBufferPort* sbuf_ = nullptr;
  bool holding_ = false;  ///< a computed result waits for the downstream buffer
  Ps hold_since_ = 0;
  Ps fetch_since_ = 0;
  sc_core::sc_event wake_;
  CoreStats stats_;
  CoreObserver* observer_ = nullptr;
};

}  // namespace infsim
