#pragma once
// The compiler's cost model of one stage: how it uses its core's State Buffer (weights kept or
// streamed, activation buffers) and its estimated time per request: the input's path, compute,
// DRAM reads and weight streaming (docs/COMPILER.md, "The cost of a stage").
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "analysis.hpp"

namespace infsim::compiler_detail {

/// How a stage [i, j] uses its core's State Buffer.
struct StageFit {
  bool fits = false;        ///< static, or by streaming
  Bytes weights = 0;        ///< all its State-Buffer weights
  Bytes kept = 0;           ///< weights that stay
  Bytes streamed = 0;       ///< weights - kept
  Bytes stream_buffer = 0;  ///< reserved for streaming
  Bytes buffers = 0;        ///< activations: working set, extra inputs, one output
  Bytes sram = 0;           ///< kept + stream_buffer + buffers (what the stage needs)
  std::uint32_t chunks = 0;
  /// Activations that did not fit (pipeline.spill_activations): their DRAM traffic per request.
  Bytes spill_write = 0, spill_read = 0;
  Cycles spill_stall = 0;   ///< tile DMA beyond compute, summed over ops (uncontended)
  std::uint64_t tiles = 0;  ///< tiles of the ops that move activations
  bool io_in_dram = false;  ///< the stage's input and output buffers are in DRAM
  Bytes spill_budget = 0;   ///< the activations' State Buffer when they spill
  Bytes spill_traffic() const { return spill_write + spill_read; }
  /// Bytes read or written in DRAM per request for weights and activations.
  Bytes dram_traffic() const { return streamed + spill_traffic(); }
};

/// The stage keeps all its weights when they fit beside its activation buffers; otherwise it
/// takes, of the ways below that fit, the one that moves the fewest bytes through DRAM per
/// request (ties in this order):
///  - streaming (when allowed): reserve the stream buffer, keep the weights that still fit
///    beside every activation buffer, stream the rest;
///  - spilling (pipeline.spill_activations): keep every weight and give the activations what is
///    left, their buffers in the State Buffer or in DRAM; tensors that do not fit are spilled
///    (plan_spills);
///  - both, when streaming is allowed and streaming alone does not fit: the stream buffer, the
///    activations in the rest (spilled as needed), the weights kept where activations left room.
/// A stage does not fit when none of them does: its smallest tiles (Analysis::tiled_peak) do
/// not fit beside the weights it must keep (all of them without streaming; none with it, but
/// the stream buffer).
StageFit stage_fit(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                   bool allow_stream);

/// The least State Buffer the stage [i, j] runs in, of the ways stage_fit considers (O(1)):
/// everything resident; streaming; every weight kept beside the smallest tiles; the stream
/// buffer beside them.
Bytes stage_need(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                 bool allow_stream);

/// The path that brings a stage its input: from DRAM (the host's input lands there) for the
/// first stage of a pipeline, over the fabric from a core of the same chip, over fabric and
/// NeuronLinks from another chip.
struct InPath {
  std::uint64_t bytes_per_s = 0;  ///< the whole path's rate (its slowest hop, DMA queue included)
  Ps latency_ps = 0;
  std::uint32_t hops = 0;
  /// The rate of the path's single shared hops (a fabric port, a NeuronLink, the DRAM), which
  /// carry one transfer at a time, unlike the sender's several DMA queues.
  std::uint64_t shared_bytes_per_s = 0;
};

/// NeuronLink hops from chip a to chip b: the configured link topology's, the very function the
/// simulator routes transfers with (interconnect/link_topology.hpp).
std::uint32_t chip_hops(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b);

/// The bandwidth of the path between a chip's DRAM and a core: min(DRAM, fabric port).
std::uint64_t dram_path_bw(const SystemConfig& cfg);

/// The input path of a stage on `core`; `prev` is the core of the stage before, or -1 for the first
/// stage.
InPath input_path(const SystemConfig& cfg, long long prev, std::uint32_t core);

/// Compute and weight streaming together. C = compute, L = stream time, n chunks: with
/// prefetch a two-step pipeline (load chunk k+1 while computing on chunk k) over n equal chunks
/// takes max(L + C/n, C + L/n); without, the weights arrive first: L + C.
Ps streamed_compute_ps(Ps compute, Ps stream, std::uint32_t chunks, bool prefetch);

/// A stage's estimated time per request, in parts.
struct StageTime {
  Ps compute = 0;           ///< makespan × period
  Ps transfer = 0;          ///< input + DRAM rows
  Ps streamed_compute = 0;  ///< compute with streaming
  /// The stage's input buffers (pipeline.buffer_depth, B) and how many inputs may arrive at
  /// once: min(B, the sender's DMA queues), P. An input buffer is taken from its transfer's
  /// start to the end of the compute on it, so B buffers give a period of at least
  /// (transfer + compute) / B; P transfers at once, at least transfer / P, but the single shared
  /// hops carry one at a time (serial); and the compute itself.
  /// With one buffer: transfer + compute.
  std::uint32_t buffers = 1, parallel = 1;
  Ps serial = 0;  ///< the input's time on the path's single shared hops (InPath)
  Ps total() const {
    return std::max(
        {streamed_compute, transfer / parallel, serial, (transfer + streamed_compute) / buffers});
  }
};

/// The estimated time of the stage [i, j] fed over `in`, with its State Buffer use `f`.
/// `sharers`: cores of the chip that may stream weights at once, splitting its DRAM bandwidth.
/// `makespan`: the stage's scheduled makespan in cycles (the partitioner has it from its
/// incremental schedule; the overload without it schedules the stage).
StageTime stage_time(const Analysis& a, const SystemConfig& cfg, const InPath& in,
                     const StageFit& f, std::size_t i, std::size_t j, std::uint32_t sharers,
                     Cycles makespan);
inline StageTime stage_time(const Analysis& a, const SystemConfig& cfg, const InPath& in,
                            const StageFit& f, std::size_t i, std::size_t j,
                            std::uint32_t sharers) {
  return stage_time(a, cfg, in, f, i, j, sharers, a.makespan(i, j));
}

}  // namespace infsim::compiler_detail
