#pragma once
// The work one operator asks of a NeuronCore's engines, per sample (batch 1). The graph IR
// stores one OpWork per operator; the engine timing models turn it into cycles.
#include <array>
#include <cstddef>
#include <cstdint>

namespace infsim {

/// A NeuronCore's engines (and None, for an operator's main engine when it has no work). An
/// operator may use several: a convolution with a fused ReLU uses the TensorEngine and the
/// ScalarEngine. `Move` runs the data-movement ops inside the State Buffer (reshape, transpose,
/// concat copies at the State Buffer port's rate); reports and timelines show it as "DMA", as
/// AWS's profiler names that track. It is not the core's DMA queues (`DmaEngine`), which move data
/// between the core and the rest of the system (report field `dma_queues_utilization`).
enum class Engine { None, Tensor, Vector, Scalar, Move };

/// The engines as an index: per-engine figures are PerEngine arrays in this order. Adding an
/// engine means adding it to `Engine`, here, to the table in work.cpp and its cost to op_timing.
inline constexpr std::size_t kEngineCount = 4;
inline constexpr std::array<Engine, kEngineCount> kEngines{Engine::Tensor, Engine::Vector,
                                                           Engine::Scalar, Engine::Move};

/// "TensorE", "VectorE", "ScalarE", "DMA" (as AWS's profiler names the engines), "none".
const char* engine_name(Engine e);
/// The engine in plan keys: "tensor", "vector", "scalar", "dma" ("tensor_cycles", ...).
const char* engine_key(Engine e);

/// One value per engine, indexed by Engine (never Engine::None).
template <class T>
class PerEngine {
 public:
  T& operator[](Engine e) { return v_[index(e)]; }
  const T& operator[](Engine e) const { return v_[index(e)]; }
  T sum() const {
    T s{};
    for (const T& x : v_) s += x;
    return s;
  }
  bool operator==(const PerEngine& o) const { return v_ == o.v_; }

 private:
  static std::size_t index(Engine e) { return static_cast<std::size_t>(e) - 1; }
  std::array<T, kEngineCount> v_{};
};

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
  /// Multiply-accumulates done on the VectorEngine (depthwise convolutions), 2 FLOPs each within
  /// vector_flops: counted in the model's MACs, not in the TensorEngine's.
  std::int64_t vector_macs = 0;
  std::int64_t scalar_flops = 0;  ///< ScalarEngine floating point operations
  std::int64_t moved_bytes = 0;   ///< bytes copied inside the State Buffer (data movement ops)
  /// Bytes read from device DRAM into the State Buffer before the op runs (lookups into tables
  /// kept in DRAM, such as embedding tables).
  std::int64_t dram_read_bytes = 0;
};

}  // namespace infsim
