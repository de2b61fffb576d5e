#include "infsim/report.hpp"

#include <algorithm>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "infsim/common/units.hpp"

namespace infsim {

namespace {

std::string human_bytes(std::uint64_t b) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2);
  if (b >= kGiB)
    s << static_cast<double>(b) / kGiB << " GiB";
  else if (b >= kMiB)
    s << static_cast<double>(b) / kMiB << " MiB";
  else if (b >= kKiB)
    s << static_cast<double>(b) / kKiB << " KiB";
  else
    s << b << " B";
  return s.str();
}

/// One CSV cell's text for a JSON scalar: strings as they are, numbers as JSON writes them
/// (shortest text that reads back the same), booleans true/false, null empty; arrays as JSON.
std::string cell_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return {};
  return v.dump();
}

/// Appends (dotted path, cell text) for every scalar under `v`; nested objects join their keys
/// with '.', arrays are kept whole as JSON text.
void flatten(const std::string& prefix, const nlohmann::json& v,
             std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    for (const auto& [k, x] : v.items()) flatten(prefix.empty() ? k : prefix + "." + k, x, out);
  } else {
    out.emplace_back(prefix, cell_text(v));
  }
}

bool is_table(const nlohmann::json& v) {
  if (!v.is_array() || v.empty()) return v.is_array();
  for (const auto& x : v)
    if (!x.is_object()) return false;
  return true;
}

std::string pct(double x) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * x << "%";
  return s.str();
}

}  // namespace

std::string csv_escape(const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string q = "\"";
  for (char c : field) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

std::vector<std::pair<std::string, std::string>> summary_fields(const nlohmann::json& report) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : report.items()) {
    if (k == "plan" || is_table(v)) continue;
    flatten(k, v, out);
  }
  return out;
}

std::string csv_line(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_escape(cells[i]);
  }
  return line + "\n";
}

std::string csv_header() {
  std::vector<std::string> names;
  for (auto& [field, value] : summary_fields(to_json(Report{}))) names.push_back(field);
  return csv_line(names);
}

std::string csv_row(const Report& r) {
  std::vector<std::string> values;
  for (auto& [field, value] : summary_fields(to_json(r))) values.push_back(value);
  return csv_line(values);
}

std::string to_csv(const Report& r) {
  const nlohmann::json j = to_json(r);
  std::string o = csv_line({"section", "index", "field", "value"});
  for (const auto& [field, value] : summary_fields(j)) o += csv_line({"summary", "", field, value});
  for (const auto& [section, rows] : j.items()) {
    if (section == "plan" || !is_table(rows)) continue;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::vector<std::pair<std::string, std::string>> cells;
      flatten("", rows[i], cells);
      for (const auto& [field, value] : cells)
        o += csv_line({section, std::to_string(i), field, value});
    }
  }
  return o;
}

std::string format_text(const Report& r) {
  std::ostringstream o;
  o << std::fixed;
  o << "infsim: " << r.model << " on " << r.config << ", ";
  if (r.groups > 1)
    o << "data-parallel, " << r.groups << " groups of " << r.cores / r.groups << " cores";
  else
    o << "NeuronCore Pipeline over " << r.cores << " cores";
  o << ", batch " << r.batch << "\n";
  o << "workload: " << r.requests << " requests ("
    << (r.rate_per_s > 0 ? "open loop, Poisson " + std::to_string(r.rate_per_s) + "/s"
                         : "closed loop, " + std::to_string(r.concurrency) + " in flight")
    << ", seed " << r.seed << "); first " << r.warmup_requests
    << " completions are warm-up and excluded\n";
  if (r.refused_requests > 0)
    o << "refused:  " << r.refused_requests << " arrivals found the host's queue full ("
      << r.max_queue << " waiting, --max-queue) and were refused: not completed, not measured\n";
  o << "\n";
  o << std::setprecision(1);
  o << "throughput     " << r.throughput_per_s << " inferences/s  (TensorEngine peak bound "
    << r.peak_throughput_per_s << "/s)\n";
  o << std::setprecision(3);
  o << "latency (ms)   p50 " << r.latency_ms.p50 << "  p90 " << r.latency_ms.p90 << "  p95 "
    << r.latency_ms.p95 << "  p99 " << r.latency_ms.p99 << "  p99.9 " << r.latency_ms.p999
    << "  max " << r.latency_ms.max << "  (min " << r.latency_ms.min << ", mean "
    << r.latency_ms.mean << ")\n";
  o << "  queueing     p50 " << r.queue_ms.p50 << "  p99 " << r.queue_ms.p99 << "  max "
    << r.queue_ms.max << "  (arrival to admission into the first stage's buffer)\n";
  o << "  service      p50 " << r.service_ms.p50 << "  p99 " << r.service_ms.p99 << "  max "
    << r.service_ms.max << "  (admission to completion)\n";
  o << std::setprecision(6) << "simulated time " << r.simulated_time_s * 1e3 << " ms\n";
  o << "bottleneck     " << r.bottleneck << "\n";
  const DramTraffic& t = r.dram_traffic;
  o << "DRAM traffic   " << human_bytes(t.total()) << " per request: weights streamed "
    << human_bytes(t.weights_streamed) << ", activations spilled "
    << human_bytes(t.activations_spilled) << " and reloaded " << human_bytes(t.activations_reloaded)
    << ", inputs and outputs " << human_bytes(t.inputs_outputs) << ", tables "
    << human_bytes(t.tables) << "\n\n";

  o << "stage  core  chip  ops  first op -> last op                      weights    streamed"
       "    SRAM used   service us   busy  DRAM wait  stalled\n";
  for (const auto& s : r.stages) {
    std::string span = s.first_op + " -> " + s.last_op;
    if (span.size() > 40) span = span.substr(0, 37) + "...";
    o << std::setw(5) << s.index << std::setw(6) << s.core << std::setw(6) << s.chip << std::setw(5)
      << s.ops << "  " << std::left << std::setw(40) << span << std::right << std::setw(11)
      << human_bytes(s.weight_bytes) << std::setw(12)
      << (s.streamed_weight_bytes > 0 ? human_bytes(s.streamed_weight_bytes) : std::string("-"))
      << std::setw(13) << human_bytes(s.sram_bytes) << std::setw(13) << std::setprecision(2)
      << s.service_us << std::setw(7) << pct(s.busy) << std::setw(11) << pct(s.fetching)
      << std::setw(9) << pct(s.stalled) << "\n";
  }
  o << "\ncore  chip  stage  util ";
  for (Engine e : kEngines) o << "  " << engine_name(e);
  o << "  SBUF port  DMA queues\n";
  for (const auto& c : r.per_core) {
    o << std::setw(4) << c.core << std::setw(6) << c.chip << std::setw(7)
      << (c.stage < 0 ? std::string("-") : std::to_string(c.stage)) << std::setw(7) << pct(c.busy);
    for (Engine e : kEngines)  // each engine's column as wide as its name, at least 7
      o << std::setw(static_cast<int>(std::max<std::size_t>(7, 2 + std::strlen(engine_name(e)))))
        << pct(c.engines[e]);
    o << std::setw(11) << pct(c.sram_port) << std::setw(12) << pct(c.dma_queues) << "\n";
  }
  const auto table = [&](const char* title, const std::vector<ResourceReport>& v) {
    bool any = false;
    for (const auto& x : v) any = any || x.bytes > 0;
    if (!any) return;
    o << "\n" << title << "\n";
    for (const auto& x : v) {
      if (x.bytes == 0) continue;
      o << "  " << std::left << std::setw(36) << x.name << std::right << std::setw(12)
        << human_bytes(x.bytes) << "  util " << pct(x.utilization) << "\n";
    }
  };
  table("NeuronLinks (bytes moved, utilization)", r.links);
  table("DRAM", r.drams);
  for (const auto& d : r.dram_stats)
    if (d.reads > 0)
      o << "  chip" << d.chip << " DDR4: " << std::setprecision(2) << d.bandwidth_gib_s
        << " GiB/s, row hits " << pct(d.row_hit_rate) << ", " << d.activates << " ACT, "
        << d.refreshes << " REF\n";
  for (const auto& d : r.dram_reads)
    o << "  chip" << d.chip << " reads: " << d.transfers << " transfers, wait us p50 "
      << std::setprecision(3) << d.wait_us.p50 << " p99 " << d.wait_us.p99 << ", latency us p50 "
      << d.latency_us.p50 << " p99 " << d.latency_us.p99 << " max " << d.latency_us.max << "\n";
  for (const auto& d : r.dram_tlm)
    o << "  chip" << d.chip << " TLM-2.0 memory: " << d.transactions << " transactions (" << d.reads
      << " READ, " << d.writes << " WRITE), " << human_bytes(d.bytes_read) << " read, "
      << human_bytes(d.bytes_written) << " written, outstanding " << pct(d.utilization)
      << " of the time\n";
  table("host PCIe links", r.host_links);
  return o.str();
}

}  // namespace infsim
