#pragma once
// The work one operator asks of a NeuronCore's engines, per sample (batch 1). The graph IR
// stores one OpWork per operator; the engine timing models turn it into cycles.
#include <cstdint>

namespace infsim {

/// Which engine an operator runs on (its main engine; an operator may also use others, for
/// example a convolution with a fused ReLU uses the TensorEngine and the ScalarEngine).
enum class Engine { None, Tensor, Vector, Scalar, Dma };

const char* engine_name(Engine e);  ///< "none", "TensorE", "VectorE", "ScalarE", "DMA"

/// A matrix multiply in the shape the weight-stationary TensorEngine sees it:
/// `groups` independent products of an (m × k) moving operand with a (k × n) stationary operand.
/// For a convolution (implicit GEMM): m = output pixels, k = in_channels/groups × kh × kw,
/// n = out_channels/groups. m scales with the batch; k, n and groups do not.
struct GemmShape {
  std::int64_t m = 0;
  std::int64_t k = 0;
  std::int64_t n = 0;
  std::int64_t groups = 1;
  std::int64_t macs() const { return m * k * n * groups; }
  bool empty() const { return m == 0 || k == 0 || n == 0 || groups == 0; }
};

/// Work of one operator for one sample.
struct OpWork {
  GemmShape gemm;                 ///< TensorEngine work (empty when none)
  std::int64_t vector_flops = 0;  ///< VectorEngine floating point operations
  std::int64_t scalar_flops = 0;  ///< ScalarEngine floating point operations
  std::int64_t moved_bytes = 0;   ///< bytes copied inside the State Buffer (data movement ops)
  /// Bytes read from device DRAM into the State Buffer before the op runs (lookups into tables
  /// kept in DRAM, such as embedding tables).
  std::int64_t dram_read_bytes = 0;
};

}  // namespace infsim
