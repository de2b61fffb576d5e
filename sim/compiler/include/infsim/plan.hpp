#pragma once
// A Plan: how a graph runs on a topology. Made by the compiler without simulating; the
// simulator runs it.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/common/units.hpp"
#include "infsim/cores/engine_timing.hpp"

namespace infsim {

struct Graph;

/// Weights of one op that a stage streams from DRAM for every request.
struct StreamedOp {
  std::uint32_t position = 0;  ///< in Plan::op_order
  Bytes bytes = 0;             ///< streamed bytes of this op (all of its weights, or the rest)
};

/// An op of a stage whose activations do not all fit its State Buffer, that moves activations
/// between DRAM and the State Buffer (docs/COMPILER.md, "Tiling and spilling").
struct SpilledOp {
  std::uint32_t position = 0;  ///< in Plan::op_order
  std::uint64_t tiles = 1;     ///< tiles its DRAM operands move in
  bool output_in_dram = false;
  Bytes read_bytes = 0;   ///< activations reloaded from DRAM while it runs, per request
  Bytes write_bytes = 0;  ///< activations written to DRAM while it runs, per request
  Cycles stall = 0;       ///< its DMA beyond its compute (double-buffered tiles, uncontended)
};

/// One pipeline stage: a contiguous range of the plan's op order, placed on one core.
struct StagePlan {
  std::uint32_t index = 0;  ///< position in Plan::stages
  std::uint32_t group = 0;  ///< data-parallel group (0 for a single pipeline)
  std::uint32_t stage = 0;  ///< position within its group's pipeline
  std::uint32_t core = 0;   ///< global core id (chip-major: chip × cores_per_chip + local)
  std::uint32_t chip = 0;
  std::uint32_t op_begin = 0;  ///< first position in Plan::op_order
  std::uint32_t op_end = 0;    ///< one past the last position
  Bytes weight_bytes = 0;      ///< weights kept in this core's State Buffer
  /// Weights that did not fit: read from device DRAM for every request (once per batch) into
  /// the stream buffer, chunk by chunk.
  Bytes streamed_weight_bytes = 0;
  Bytes stream_buffer_bytes = 0;     ///< State Buffer reserved for streaming (two chunks)
  std::uint32_t stream_chunks = 0;   ///< chunks the streamed weights arrive in
  std::vector<StreamedOp> streamed;  ///< which ops' weights stream (the last kept ops first)
  /// The stage's schedule per request: each engine's part of each op, in cycles from the start
  /// (op = offset from op_begin). Used to draw timelines; not written to JSON.
  std::vector<StageScheduler::Interval> timeline;
  Bytes dram_weight_bytes = 0;  ///< weights this stage keeps in device DRAM (lookup tables)
  Bytes dram_read_bytes = 0;    ///< read from device DRAM per request (batch included)
  Bytes in_bytes = 0;           ///< activations received per request (batch included)
  Bytes out_bytes = 0;          ///< activations sent per request (batch included)
  Bytes buffer_bytes = 0;       ///< activations: working set, extra inputs, one output (below)
  Bytes sram_bytes = 0;         ///< weight_bytes + buffer_bytes + stream_buffer_bytes
  /// The State Buffer allocation, laid out in this order from offset 0 (sums to sram_bytes):
  /// weights kept, the stream buffer, the activation working set (tensors alive at the stage's
  /// busiest op, which holds the input being computed and its output), `input_buffers` more inputs
  /// (buffer_depth − 1, to receive the next requests while computing) and one more output (a result
  /// waiting for the downstream credit).
  Bytes working_set_bytes = 0;
  std::uint32_t input_buffers = 0;  ///< extra input buffers (buffer_depth − 1), in_bytes each
  Bytes input_buffer_bytes = 0;     ///< input_buffers × in_bytes
  Bytes output_buffer_bytes = 0;    ///< one out_bytes buffer
  /// Per request: bytes the TensorEngine reads from the State Buffer (moving operand rows per
  /// fold, weight tiles per load; tensor_operand_bytes summed over the stage's ops).
  Bytes sram_read_bytes = 0;
  /// Per request: each engine's busy cycles (Engine::Move: State Buffer copies).
  PerEngine<Cycles> engine_cycles;
  /// Per request: the stage's time with its engines overlapped as dependencies allow
  /// (schedule_stage), plus spill_stall_cycles. At least the busiest engine's cycles.
  Cycles makespan_cycles = 0;
  /// Activations that do not all fit: the input and output buffers are in DRAM.
  bool io_in_dram = false;
  Bytes spill_write_bytes = 0;         ///< activations written to DRAM per request
  Bytes spill_read_bytes = 0;          ///< activations reloaded from DRAM per request
  std::uint64_t spill_tiles = 0;       ///< tiles the spilled activations move in
  Cycles spill_stall_cycles = 0;       ///< ops' tile DMA beyond their compute (uncontended)
  std::vector<SpilledOp> spilled_ops;  ///< the ops that move activations
  std::uint64_t macs = 0;              ///< per request
  Ps est_compute_ps = 0;               ///< compute time per request: makespan_cycles × core period
  Ps est_transfer_ps = 0;  ///< estimated time to receive the stage's input and DRAM rows
  /// Estimated time of compute and weight streaming together (= est_compute_ps without
  /// streaming; docs/COMPILER.md gives the double-buffering formula).
  Ps est_streamed_compute_ps = 0;
  /// Busy cycles of all engines summed (the stage's time if its engines ran one at a time).
  Cycles cycles() const { return engine_cycles.sum(); }
  /// Estimated period of the stage per request: its compute (with streaming) and its input
  /// transfers overlap across its input buffers (docs/COMPILER.md, "Cost model").
  Ps est_period_ps = 0;
  Ps est_stage_ps() const { return est_period_ps; }
};

struct Plan {
  std::string model;
  std::string config;        ///< name of the SystemConfig it was made for
  std::uint32_t cores = 0;   ///< cores used, all groups (one stage per core)
  std::uint32_t groups = 1;  ///< data-parallel copies; stages of group g are contiguous
  std::uint32_t batch = 1;
  bool static_weights = false;  ///< compiled refusing to stream weights
  Bytes sram_capacity = 0;      ///< State Buffer bytes per core
  std::vector<int> op_order;    ///< graph op indices in execution order (inputs first)
  std::vector<StagePlan> stages;
  Bytes input_bytes = 0;   ///< host → first stage per request
  Bytes output_bytes = 0;  ///< last stage → host per request

  /// The slowest stage's estimated time per request.
  Ps bottleneck_ps() const;
  /// "pipeline" (one group) or "data-parallel".
  std::string mode() const { return groups > 1 ? "data-parallel" : "pipeline"; }
  /// Bytes per request that cross NeuronLinks (activations between stages on different chips,
  /// times the hops between them on the topology).
  Bytes neuronlink_bytes = 0;
};

/// The plan as JSON: cores, batch, and per stage its core, chip, ops (names, from the graph),
/// weight bytes, SRAM use and estimated cycles.
nlohmann::json plan_to_json(const Plan& p, const Graph& g);

}  // namespace infsim
