#pragma once
// The result of a simulated run: structured first (JSON), a readable text second.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace infsim {

struct LatencySummary {
  double min = 0, mean = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;  ///< milliseconds
};

struct StageReport {
  std::uint32_t index = 0, core = 0, chip = 0;
  std::uint32_t ops = 0;
  std::string first_op, last_op;
  std::uint64_t weight_bytes = 0, sram_bytes = 0;
  double service_us = 0;  ///< compute time per request
  double busy = 0;        ///< share of the simulated time spent computing
  double fetching = 0;    ///< share of the simulated time waiting for reads from DRAM
  double stalled = 0;     ///< share of the simulated time holding a result (back-pressure)
  std::uint64_t requests = 0;
};

struct CoreReport {
  std::uint32_t core = 0, chip = 0;
  int stage = -1;                                      ///< -1 when the core runs no stage
  double busy = 0;                                     ///< share of the simulated time computing
  double tensor = 0, vector = 0, scalar = 0, dma = 0;  ///< share of simulated time per engine
  /// State Buffer port: (DMA + TensorEngine operand bytes) / (port bandwidth · simulated time).
  double sram_port = 0;
  std::uint64_t sram_dma_bytes = 0;     ///< bytes DMAs wrote into or read out of the State Buffer
  std::uint64_t sram_engine_bytes = 0;  ///< TensorEngine operand bytes read
  double sram_stretch_us = 0;  ///< compute time added because the port was too slow or busy
  double dma_queues = 0;       ///< DMA queues' busy time / (queues · simulated time)
};

struct ResourceReport {
  std::string name;
  std::uint64_t bytes = 0;
  std::uint64_t transfers = 0;
  double utilization = 0;  ///< busy time / simulated time
};

struct Report {
  std::string config, model, mode = "pipeline";
  std::uint32_t cores = 0, batch = 1;
  std::uint64_t requests = 0, warmup_requests = 0, measured_requests = 0;
  std::uint32_t concurrency = 0;  ///< closed loop: requests in flight; 0 for open loop
  double rate_per_s = 0;          ///< open loop: Poisson arrival rate; 0 for closed loop
  std::uint64_t seed = 0;
  double throughput_per_s = 0;       ///< inferences (samples) per second in the measured window
  double peak_throughput_per_s = 0;  ///< bound from the TensorEngine peak of the cores used
  LatencySummary latency_ms;
  double simulated_time_s = 0;
  double measured_window_s = 0;
  std::uint64_t events = 0;  ///< transfers and stage completions simulated
  std::string bottleneck;    ///< which stage bounds throughput, and why
  nlohmann::json plan;       ///< plan_to_json of the plan that ran
  std::vector<StageReport> stages;
  std::vector<CoreReport> per_core;
  std::vector<ResourceReport> links, drams, host_links, fabric;
  /// Per core: its State Buffer port (bytes = DMA + engine operand bytes; transfers = DMAs +
  /// requests computed) and its DMA engine (utilization averaged over its queues).
  std::vector<ResourceReport> state_buffers, dma_engines;
};

nlohmann::json to_json(const Report& r);
/// A readable report (what `infsim run` prints).
std::string format_text(const Report& r);

}  // namespace infsim
