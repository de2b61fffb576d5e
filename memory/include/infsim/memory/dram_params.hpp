#pragma once
#include <cstdint>

namespace infsim {

/// Device DRAM of one chip.
struct DramParams {
  double capacity_gib = 8.0;      ///< device DRAM per chip [AWS]
  double bandwidth_gib_s = 50.0;  ///< peak bandwidth per chip [AWS]
  std::uint32_t channels = 4;     ///< independent channels sharing the bandwidth
  double latency_ns = 100.0;      ///< unloaded access latency (command to first data)
};

}  // namespace infsim
