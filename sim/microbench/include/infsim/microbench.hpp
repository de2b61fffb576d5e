#pragma once
// Component microbenchmarks: one hardware model alone under a synthetic load, as architects check
// a simulator's parts before they trust a whole run (`infsim microbench dram|link|tensor`).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/config.hpp"

namespace infsim {

/// Latency percentiles in nanoseconds (nearest rank).
struct LatencyNs {
  double mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
};

struct DramBenchResult {
  std::string pattern;  ///< "sequential" or "random"
  std::uint32_t cores = 1;
  std::uint64_t requests = 0;  ///< 64-byte reads issued in all
  std::uint64_t bytes = 0;
  double bandwidth_gib_s = 0;  ///< achieved, all cores together
  double peak_gib_s = 0;       ///< theoretical peak of the configured DRAM
  double row_hit_rate = 0;     ///< share of column commands that hit an open row
  LatencyNs latency_ns;        ///< read latency: arrival at the scheduler to last data
  std::vector<double> per_core_gib_s;
};

/// Streams reads from `cores` cores at once (sequential: each core its own contiguous region;
/// random: uniformly random 64-byte lines, seeded) through one chip's DDR4 scheduler
/// (`cfg.dram.ddr4`), the same scheduler code a run's DDR4 model uses (Ddr4Scheduler::read).
DramBenchResult microbench_dram(const SystemConfig& cfg, const std::string& pattern,
                                std::uint32_t cores, std::uint64_t requests_per_core,
                                std::uint64_t seed = 1);

struct LinkBenchResult {
  std::uint32_t hops = 1, flows = 1;
  std::uint64_t transfer_bytes = 0, transfers_per_flow = 0;
  double bandwidth_gib_s = 0;  ///< payload delivered per second, all flows together
  double peak_gib_s = 0;       ///< one link direction's raw bandwidth
  LatencyNs latency_ns;        ///< per transfer: start to arrival
  std::vector<double> per_flow_gib_s;
};

/// `flows` flows each sending `transfers_per_flow` transfers of `transfer_bytes` over a route of
/// `hops` NeuronLink hops that all flows share.
LinkBenchResult microbench_link(const SystemConfig& cfg, std::uint32_t hops, std::uint32_t flows,
                                std::uint64_t transfer_bytes, std::uint64_t transfers_per_flow);

struct TensorBenchResult {
  std::int64_t m = 0, n = 0, k = 0;
  std::uint32_t rows = 0, cols = 0;
  std::uint64_t cycles = 0, folds = 0, macs = 0;
  double utilization = 0;
  double time_us = 0;
};

/// One (m × k) · (k × n) GEMM on one core's TensorEngine.
TensorBenchResult microbench_tensor(const SystemConfig& cfg, std::int64_t m, std::int64_t n,
                                    std::int64_t k);

nlohmann::json to_json(const DramBenchResult& r);
nlohmann::json to_json(const LinkBenchResult& r);
nlohmann::json to_json(const TensorBenchResult& r);

}  // namespace infsim
