#pragma once
// Parameters of one NeuronCore. Defaults are the Inferentia (first generation) values; see
// sim/config/src/config.cpp for where each comes from (AWS figure, derived, or a documented
// choice).
#include <cmath>
#include <cstdint>

namespace infsim {

struct TensorEngineParams {
  std::uint32_t rows = 128;  ///< systolic array rows (the reduction dimension k maps here)
  std::uint32_t cols = 64;   ///< systolic array columns (the output dimension n maps here)
  /// Whether the next fold's weights load while the current fold streams (double-buffered
  /// weight registers). Off reproduces the classic analytical formula exactly.
  bool weight_load_overlap = false;  // fitted (CONFIG.md, docs/VALIDATION.md)
};

/// A core's DMA engine: queues working in parallel, descriptors with a fixed cost each. Every
/// value is an assumption (Inferentia-1's DMA is unpublished; see sim/config/src/config.cpp).
struct DmaParams {
  std::uint32_t queues = 4;                ///< queues per core, used round robin
  double queue_bandwidth_gib_s = 20.0;     ///< bandwidth of one queue (fitted, CONFIG.md)
  std::uint64_t descriptor_bytes = 65536;  ///< largest descriptor; transfers are cut into them
  std::uint32_t descriptor_overhead_cycles = 64;  ///< queue cycles per descriptor (fetch, setup)
};

struct CoreParams {
  double clock_mhz = 976.5625;  ///< core clock; its period must be a whole number of ps
  TensorEngineParams tensor;
  std::uint32_t vector_flops_per_cycle = 256;  ///< VectorEngine throughput [AWS]
  std::uint32_t scalar_flops_per_cycle = 512;  ///< ScalarEngine throughput [AWS]
  double sram_capacity_mib = 12.0;             ///< State Buffer capacity per core
  std::uint32_t sram_bytes_per_cycle = 512;    ///< State Buffer port bandwidth (all partitions)
  std::uint32_t sram_partitions = 128;         ///< State Buffer banks; a transfer stripes over all
  double psum_capacity_kib = 2048.0;           ///< Partial Sum Buffer capacity per core
  DmaParams dma;

  /// Clock period in picoseconds, rounded to the nearest (the config validates it is whole).
  std::uint64_t period_ps() const {
    return static_cast<std::uint64_t>(std::llround(1e6 / clock_mhz));
  }
};

}  // namespace infsim
