#pragma once
// Pure timing models of a NeuronCore's engines (no SystemC). Every result is in cycles of the
// core clock. docs/TIMING.md derives each formula.
#include <cstdint>

#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

/// Cycles of one GEMM on the weight-stationary TensorEngine and what it did.
struct TensorTiming {
  Cycles cycles = 0;
  std::uint64_t folds = 0;  ///< weight tiles loaded into the array
  std::uint64_t macs = 0;   ///< useful multiply-accumulates
  /// macs / (cycles × rows × cols): the share of the array's peak this GEMM used.
  double utilization() const;
  std::uint64_t array_cells = 0;  ///< rows × cols (for utilization)
};

/// TensorEngine (rows R × cols C, weight stationary). The stationary operand (k × n) is cut into
/// folds of at most R × C; for each fold the moving operand's M = m × batch rows stream through.
///   overlap off (classic):  folds × (R + M + R + C − 2)
///   overlap on:             R + (folds − 1) × max(M, R) + M + (R + C − 2)
/// (R to load a fold's weights, M to stream the rows, R + C − 2 to fill and drain the skewed
/// wavefront; with overlap the next fold's weights load in the shadow of the current stream, so
/// consecutive folds start max(M, R) apart, and only the first load and the last drain show.)
TensorTiming tensor_gemm_timing(const TensorEngineParams& p, const GemmShape& g,
                                std::uint64_t batch);

/// Cycles for `flops` floating point operations on an engine doing `flops_per_cycle`.
Cycles engine_cycles(std::uint64_t flops, std::uint32_t flops_per_cycle);

/// Per-engine cycles of one operator for `batch` samples.
struct OpTiming {
  Cycles tensor = 0;
  Cycles vector = 0;
  Cycles scalar = 0;
  Cycles dma = 0;
  std::uint64_t macs = 0;
  /// Engines of one operator run one after another in this version (docs/TIMING.md).
  Cycles total() const { return tensor + vector + scalar + dma; }
};

OpTiming op_timing(const CoreParams& p, const OpWork& w, std::uint64_t batch);

}  // namespace infsim
