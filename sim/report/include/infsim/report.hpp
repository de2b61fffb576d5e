#pragma once
// The result of a simulated run: structured first (JSON), a readable text second.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/common/stats.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

/// A distribution of times, in the unit its field names (latency_ms: milliseconds, wait_us:
/// microseconds). min, mean and max are exact; the percentiles (nearest rank) come from a
/// log-linear histogram and are within 0.0977% of the exact values (docs/REPORT.md).
struct LatencySummary {
  double min = 0, mean = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, p999 = 0, max = 0;
};

struct StageReport {
  std::uint32_t index = 0, group = 0, core = 0, chip = 0;
  std::uint32_t ops = 0;
  std::string first_op, last_op;
  std::uint64_t weight_bytes = 0, sram_bytes = 0;
  std::uint64_t streamed_weight_bytes = 0;  ///< per request, from DRAM
  std::uint64_t spilled_bytes = 0;  ///< activations written to and reloaded from DRAM per request
  double service_us = 0;            ///< compute time per request
  double busy = 0;                  ///< share of the simulated time spent computing
  double fetching = 0;              ///< share of the simulated time waiting for reads from DRAM
  double stalled = 0;  ///< share of the simulated time holding a result (back-pressure)
  std::uint64_t requests = 0;
};

struct CoreReport {
  std::uint32_t core = 0, chip = 0;
  int stage = -1;             ///< -1 when the core runs no stage
  double busy = 0;            ///< share of the simulated time computing
  PerEngine<double> engines;  ///< share of simulated time per engine
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

/// A chip's DRAM row statistics over the run (models with banks and rows, such as ddr4; none for
/// the simple model).
struct DramStatsReport {
  std::uint32_t chip = 0;
  std::uint64_t reads = 0;      ///< 64-byte column reads
  double row_hit_rate = 0;      ///< reads that found their row open
  std::uint64_t activates = 0;  ///< ACT commands
  std::uint64_t refreshes = 0;  ///< REF commands (per rank)
  double bandwidth_gib_s = 0;   ///< bytes moved / simulated time
};

/// A user's TLM-2.0 memory in place of a chip's DRAM (TlmHooks::external_dram), measured at
/// the port that issues its transactions (docs/TLM.md).
struct TlmMemoryReport {
  std::uint32_t chip = 0;
  std::uint64_t transactions = 0;  ///< b_transport calls
  std::uint64_t reads = 0, writes = 0;
  std::uint64_t bytes_read = 0, bytes_written = 0;
  double utilization = 0;  ///< time with a transaction outstanding / simulated time
};

/// Reads from one chip's DRAM (transfers whose path starts at it: inputs to the first stage,
/// tables, streamed weights, results to the host), over the whole run.
struct DramReadReport {
  std::uint32_t chip = 0;
  std::uint64_t transfers = 0;
  LatencySummary wait_us;     ///< asked for -> first byte leaves (queueing behind other transfers)
  LatencySummary latency_us;  ///< asked for -> last byte arrives at its destination
};

/// Bytes read or written in device DRAM per request (batch included), by purpose, over one
/// group's stages (every request moves the same bytes through its group; the simulated
/// transfers move exactly these).
struct DramTraffic {
  std::uint64_t weights_streamed = 0;      ///< weights that do not fit, read for every request
  std::uint64_t activations_spilled = 0;   ///< activations written to DRAM (spilled)
  std::uint64_t activations_reloaded = 0;  ///< spilled activations read back
  std::uint64_t inputs_outputs = 0;        ///< the input written by the host and read by the first
                                           ///< stage, the result written by the last and read back
  std::uint64_t tables = 0;                ///< rows read from tables kept in DRAM (embeddings)
  std::uint64_t total() const {
    return weights_streamed + activations_spilled + activations_reloaded + inputs_outputs + tables;
  }
};

struct Report {
  std::string config, model, mode = "pipeline";
  std::uint32_t cores = 0, batch = 1;
  std::uint32_t groups = 1;  ///< data-parallel copies of the model ("mode": "data-parallel")
  std::uint64_t requests = 0, warmup_requests = 0, measured_requests = 0;
  /// Open loop: arrivals refused because max_queue requests were already waiting (they never
  /// complete and are not measured); 0 for a closed loop.
  std::uint64_t refused_requests = 0;
  std::uint64_t max_queue = 0;    ///< open loop: the host's queue bound; 0 for a closed loop
  std::uint32_t concurrency = 0;  ///< closed loop: requests in flight; 0 for open loop
  double rate_per_s = 0;          ///< open loop: Poisson arrival rate; 0 for closed loop
  std::uint64_t seed = 0;
  double throughput_per_s = 0;       ///< inferences (samples) per second in the measured window
  double peak_throughput_per_s = 0;  ///< bound from the TensorEngine peak of the cores used
  LatencySummary latency_ms;         ///< arrival to completion (measured requests)
  LatencySummary queue_ms;           ///< arrival to admission: waiting for the first stage's buffer
  LatencySummary service_ms;         ///< admission to completion: transfers, stages, back-pressure
  std::string warmup_rule;           ///< how the measured window was chosen
  double simulated_time_s = 0;
  double measured_window_s = 0;
  std::uint64_t events = 0;  ///< transfers and stage completions simulated
  std::string bottleneck;    ///< which stage bounds throughput, and why
  DramTraffic dram_traffic;  ///< per request, by purpose
  nlohmann::json plan;       ///< plan_to_json of the plan that ran
  std::vector<StageReport> stages;
  std::vector<CoreReport> per_core;
  std::vector<ResourceReport> links, drams, host_links, fabric;
  std::vector<DramStatsReport> dram_stats;  ///< per chip, with the DDR4 model
  std::vector<DramReadReport> dram_reads;   ///< per chip with reads
  std::vector<TlmMemoryReport> dram_tlm;    ///< per chip with a plugged-in TLM-2.0 memory
  /// Per core: its State Buffer port (bytes = DMA + engine operand bytes; transfers = DMAs +
  /// requests computed) and its DMA engine (utilization averaged over its queues).
  std::vector<ResourceReport> state_buffers, dma_engines;
};

/// The version of to_json's layout ("schema_version"); docs/REPORT.md describes every field.
/// 2: queue_ms, service_ms, warmup_rule, groups, per-stage group and streamed weights.
constexpr int kReportSchemaVersion = 2;

/// Every field of a record, with its unit and meaning, in the report's names (a '.' nests:
/// "engines.TensorE"). to_json and the field tables of docs/REPORT.md are generated from these.
void visit_fields(const Report& r, StatVisitor& v);  ///< the scalars (tables and plan aside)
void visit_fields(const StageReport& s, StatVisitor& v);
void visit_fields(const CoreReport& c, StatVisitor& v);
void visit_fields(const ResourceReport& x, StatVisitor& v);
void visit_fields(const DramStatsReport& d, StatVisitor& v);
void visit_fields(const DramReadReport& d, StatVisitor& v);
void visit_fields(const TlmMemoryReport& d, StatVisitor& v);

/// A Resource's (or any provider's) `bytes`, `transfers` and `utilization` at `end`, under
/// `name`.
ResourceReport resource_report(const std::string& name, const StatProvider& p, Ps end);

nlohmann::json to_json(const Report& r);
/// A readable report (what `infsim run` prints).
std::string format_text(const Report& r);

/// The report as one long ("tidy") CSV table, columns section,index,field,value
/// (docs/REPORT.md, "CSV"): section "summary" (index empty) holds every scalar of to_json,
/// nested objects flattened with dotted names (latency_ms.p99); then one row per field of each
/// table (stages, per_core, links, dram, ...) with the row's position as index. The plan is left
/// out (`infsim compile --json` writes it).
std::string to_csv(const Report& r);
/// The summary section of to_csv for a report in its JSON form (to_json, or a file that
/// `infsim run --json` wrote): (field, cell text) pairs in to_csv's order. Sweeps use it. The
/// texts are raw (warmup_rule and bottleneck hold commas): write them with csv_line, or use
/// csv_header / csv_row.
std::vector<std::pair<std::string, std::string>> summary_fields(const nlohmann::json& report);
/// One CSV line (RFC 4180): every cell through csv_escape, joined by commas, ending in "\n".
/// to_csv, csv_header, csv_row and `infsim sweep` write every line with it.
std::string csv_line(const std::vector<std::string>& cells);
/// A wide table of runs, one row per report: the header names every summary field
/// (summary_fields' order) and csv_row(r) holds r's values, escaped, in the same order.
std::string csv_header();
std::string csv_row(const Report& r);
/// The field reference of docs/REPORT.md (its "Summary fields" and "Tables" sections), from
/// visit_fields; a test keeps the file equal to it.
std::string report_reference_markdown();

/// One CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break.
std::string csv_escape(const std::string& field);

}  // namespace infsim
