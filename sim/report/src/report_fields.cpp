// The report's fields, each declared once with its unit and meaning (visit_fields), and what is
// generated from them: the JSON layout (to_json) and the field reference of docs/REPORT.md.
#include <sstream>

#include "infsim/cores/stage_program.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/report.hpp"

namespace infsim {

namespace {

/// A LatencySummary under `prefix` ("latency_ms" gives latency_ms.min, ...).
/// `what` says what is measured; min, mean and max are exact, the percentiles nearest-rank
/// (rank ⌈p · N⌉) from the latency histogram, within 0.0977% of the exact value.
void visit_summary(const LatencySummary& l, const std::string& prefix, const char* unit,
                   const std::string& what, StatVisitor& v) {
  const std::string exact = " (exact): " + what;
  const std::string ranked = " (histogram, nearest rank): " + what;
  v.stat({prefix + ".min", unit, "minimum" + exact}, l.min);
  v.stat({prefix + ".mean", unit, "mean" + exact}, l.mean);
  v.stat({prefix + ".p50", unit, "median" + ranked}, l.p50);
  v.stat({prefix + ".p90", unit, "90th percentile" + ranked}, l.p90);
  v.stat({prefix + ".p95", unit, "95th percentile" + ranked}, l.p95);
  v.stat({prefix + ".p99", unit, "99th percentile" + ranked}, l.p99);
  v.stat({prefix + ".p999", unit, "99.9th percentile" + ranked}, l.p999);
  v.stat({prefix + ".max", unit, "maximum" + exact}, l.max);
}

/// Writes what it visits into a JSON object (a '.' in a name nests).
class JsonWriter final : public StatVisitor {
 public:
  explicit JsonWriter(nlohmann::json& out) : out_(out) {}
  void stat(const StatInfo& s, std::uint64_t value) override { at(s) = value; }
  void stat(const StatInfo& s, std::int64_t value) override { at(s) = value; }
  void stat(const StatInfo& s, double value) override { at(s) = value; }
  void stat(const StatInfo& s, const std::string& value) override { at(s) = value; }

 private:
  nlohmann::json& at(const StatInfo& s) {
    std::string pointer = "/" + s.name;
    for (char& c : pointer)
      if (c == '.') c = '/';
    return out_[nlohmann::json::json_pointer(pointer)];
  }
  nlohmann::json& out_;
};

template <class Record>
nlohmann::json table_json(const std::vector<Record>& rows) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& x : rows) {
    nlohmann::json o = nlohmann::json::object();
    JsonWriter w(o);
    visit_fields(x, w);
    a.push_back(std::move(o));
  }
  return a;
}

/// Writes a Markdown table row per field it visits (values ignored).
class MarkdownFields final : public StatVisitor {
 public:
  explicit MarkdownFields(std::ostringstream& md) : md_(md) {}
  void stat(const StatInfo& s, std::uint64_t) override { row(s); }
  void stat(const StatInfo& s, std::int64_t) override { row(s); }
  void stat(const StatInfo& s, double) override { row(s); }
  void stat(const StatInfo& s, const std::string&) override { row(s); }

 private:
  void row(const StatInfo& s) {
    md_ << "| `" << s.name << "` | " << (s.unit.empty() ? "—" : s.unit) << " | " << s.meaning
        << " |\n";
  }
  std::ostringstream& md_;
};

template <class Record>
void table_reference(std::ostringstream& md, const char* key, const char* row_is) {
  md << "### `" << key << "`: one row per " << row_is << "\n\n"
     << "| field | unit | meaning |\n|---|---|---|\n";
  MarkdownFields f(md);
  visit_fields(Record{}, f);
  md << "\n";
}

}  // namespace

void visit_fields(const Report& r, StatVisitor& v) {
  v.stat({"schema_version", "",
          "version of this layout (kReportSchemaVersion); it grows when fields change meaning or "
          "go away"},
         kReportSchemaVersion);
  v.stat({"config", "", "topology / configuration name (the preset, or a config file's name)"},
         r.config);
  v.stat({"model", "", "model name (built-in, or the graph file's name)"}, r.model);
  v.stat({"mode", "",
          "pipeline (one copy of the model over `cores` stages) or data-parallel (`groups` "
          "copies)"},
         r.mode);
  v.stat({"cores", "cores", "NeuronCores used, over all groups"}, r.cores);
  v.stat({"groups", "", "data-parallel copies of the model"}, r.groups);
  v.stat({"batch", "samples", "samples per request"}, r.batch);
  v.stat({"requests", "requests", "requests simulated"}, r.requests);
  v.stat({"warmup_requests", "requests",
          "first completions (in completion order) excluded from the figures"},
         r.warmup_requests);
  v.stat({"measured_requests", "requests",
          "completed requests (requests − refused_requests) − warmup_requests"},
         r.measured_requests);
  v.stat({"refused_requests", "requests",
          "open loop: arrivals refused because max_queue requests were already waiting at the "
          "host (not completed, not measured); 0 for a closed loop"},
         r.refused_requests);
  v.stat({"max_queue", "requests",
          "open loop: requests that may wait at the host for the first stage (`--max-queue`); 0 "
          "for a closed loop"},
         r.max_queue);
  v.stat({"concurrency", "requests", "closed loop: requests in flight; 0 for an open loop"},
         r.concurrency);
  v.stat({"rate_per_s", "requests/s", "open loop: Poisson arrival rate; 0 for a closed loop"},
         r.rate_per_s);
  v.stat({"seed", "", "seed of the open-loop arrivals"}, r.seed);
  v.stat({"throughput_per_s", "samples/s",
          "measured samples (measured_requests × batch) / measured_window_s"},
         r.throughput_per_s);
  v.stat({"peak_throughput_per_s", "samples/s",
          "the bound from the TensorEngine peak of the cores used: peak MAC/s × cores × batch / "
          "MACs per request"},
         r.peak_throughput_per_s);
  // Arrival to completion = arrival to admission (queue) + admission to completion (service).
  visit_summary(r.latency_ms, "latency_ms", "ms",
                "arrival (open loop: including waiting to be admitted) to the result back at the "
                "host, over the measured requests",
                v);
  visit_summary(r.queue_ms, "queue_ms", "ms",
                "arrival to admission: waiting at the host for the group's first-stage input "
                "buffer (latency = queue + service per request)",
                v);
  visit_summary(r.service_ms, "service_ms", "ms",
                "admission to completion: PCIe, DRAM, every stage, the hops between them and "
                "back-pressure",
                v);
  v.stat({"warmup_rule", "",
          "in words: how many completions were warm-up and why, and how throughput is computed"},
         r.warmup_rule);
  v.stat({"simulated_time_s", "s", "simulated time at the end of the run"}, r.simulated_time_s);
  v.stat({"measured_window_s", "s", "from the last warm-up completion to the last completion"},
         r.measured_window_s);
  v.stat({"events", "", "transfers and stage computations simulated"}, r.events);
  v.stat({"bottleneck", "",
          "which stage bounds throughput, and why (computing, waiting for DRAM, stalled), in "
          "words"},
         r.bottleneck);
  const DramTraffic& d = r.dram_traffic;
  const auto traffic = [&](const char* name, const char* what, std::uint64_t bytes) {
    v.stat({std::string("dram_traffic_per_request.") + name, "B",
            std::string(what) + ", per request (batch included), in one group's stages"},
           bytes);
  };
  traffic("weights_streamed", "weights that do not fit the State Buffer, read from DRAM",
          d.weights_streamed);
  traffic("activations_spilled", "activations that do not fit, written to DRAM",
          d.activations_spilled);
  traffic("activations_reloaded", "spilled activations read back from DRAM",
          d.activations_reloaded);
  traffic("inputs_outputs",
          "the input (written by the host, read by the first stage) and the result (written by "
          "the last stage, read by the host)",
          d.inputs_outputs);
  traffic("tables", "rows read from tables kept in DRAM (embeddings)", d.tables);
  traffic("total", "all of the above", d.total());
}

void visit_fields(const StageReport& s, StatVisitor& v) {
  v.stat({"index", "", "stage number"}, s.index);
  v.stat({"group", "", "data-parallel group the stage belongs to"}, s.group);
  v.stat({"core", "", "global core the stage runs on"}, s.core);
  v.stat({"chip", "", "chip of that core"}, s.chip);
  v.stat({"ops", "ops", "operators in the stage"}, s.ops);
  v.stat({"first_op", "", "first operator"}, s.first_op);
  v.stat({"last_op", "", "last operator"}, s.last_op);
  v.stat({"weight_bytes", "B", "weights resident in the State Buffer"}, s.weight_bytes);
  v.stat({"streamed_weight_bytes", "B", "weights streamed from DRAM for every request"},
         s.streamed_weight_bytes);
  v.stat({"spilled_bytes", "B",
          "activations written to and reloaded from DRAM for every request (they do not fit)"},
         s.spilled_bytes);
  v.stat({"sram_bytes", "B", "State Buffer bytes the stage uses"}, s.sram_bytes);
  v.stat(kCoreStats.service_us, s.service_us);
  v.stat(kCoreStats.busy, s.busy);
  v.stat(kCoreStats.fetching, s.fetching);
  v.stat(kCoreStats.stalled, s.stalled);
  v.stat(kCoreStats.requests, s.requests);
}

void visit_fields(const CoreReport& c, StatVisitor& v) {
  v.stat({"core", "", "global core number"}, c.core);
  v.stat({"chip", "", "its chip"}, c.chip);
  v.stat({"stage", "", "the stage it runs (−1: idle)"}, c.stage);
  v.stat({"utilization", "share", "share of the simulated time computing"}, c.busy);
  for (Engine e : kEngines) v.stat(CoreStatInfo::engine(e), c.engines[e]);
  v.stat({"sram_port.utilization", "share",
          "State Buffer port: (DMA + TensorEngine operand bytes) / (port bandwidth · simulated "
          "time)"},
         c.sram_port);
  const auto port = [](const StatInfo& x) {
    return StatInfo{"sram_port." + x.name, x.unit, x.meaning};
  };
  v.stat(port(kStateBufferStats.dma_bytes), c.sram_dma_bytes);
  v.stat(port(kStateBufferStats.engine_bytes), c.sram_engine_bytes);
  v.stat(port(kStateBufferStats.stretch_us), c.sram_stretch_us);
  v.stat({"dma_queues_utilization", "share", "DMA queues' busy time / (queues · simulated time)"},
         c.dma_queues);
}

void visit_fields(const ResourceReport& x, StatVisitor& v) {
  v.stat({"name", "", "the resource's hierarchical name"}, x.name);
  v.stat(kResourceStats.bytes, x.bytes);
  v.stat(kResourceStats.transfers, x.transfers);
  v.stat(kResourceStats.utilization, x.utilization);
}

void visit_fields(const DramStatsReport& d, StatVisitor& v) {
  v.stat({"chip", "", "the chip"}, d.chip);
  v.stat({"reads", "reads", "64-byte column reads"}, d.reads);
  v.stat({"row_hit_rate", "share", "share of reads that found their row open"}, d.row_hit_rate);
  v.stat({"activates", "commands", "ACT commands"}, d.activates);
  v.stat({"refreshes", "commands", "REF commands (per rank)"}, d.refreshes);
  v.stat({"bandwidth_gib_s", "GiB/s", "bytes moved / simulated time"}, d.bandwidth_gib_s);
}

void visit_fields(const DramReadReport& d, StatVisitor& v) {
  v.stat({"chip", "", "the chip whose DRAM was read"}, d.chip);
  v.stat({"transfers", "",
          "every transfer whose path starts at the chip's DRAM: inputs into the first stage, "
          "table rows, streamed weights, results on their way to the host"},
         d.transfers);
  visit_summary(d.wait_us, "wait_us", "us",
                "asking to the first byte leaving (queueing behind other transfers on the path)",
                v);
  visit_summary(d.latency_us, "latency_us", "us", "asking to the last byte arriving", v);
}

void visit_fields(const TlmMemoryReport& d, StatVisitor& v) {
  v.stat({"chip", "", "the chip whose DRAM a user's TLM-2.0 memory replaced"}, d.chip);
  v.stat({"transactions", "", "b_transport calls (dram.tlm.transaction_bytes each at most)"},
         d.transactions);
  v.stat({"reads", "", "READ transactions"}, d.reads);
  v.stat({"writes", "", "WRITE transactions"}, d.writes);
  v.stat({"bytes_read", "B", "bytes of the READs"}, d.bytes_read);
  v.stat({"bytes_written", "B", "bytes of the WRITEs"}, d.bytes_written);
  v.stat({"utilization", "share",
          "time with at least one transaction outstanding (issue to annotated completion) / "
          "simulated time"},
         d.utilization);
}

ResourceReport resource_report(const std::string& name, const StatProvider& p, Ps end) {
  StatCapture c;
  p.visit_stats(c, end);
  return {name, c.count(kResourceStats.bytes.name), c.count(kResourceStats.transfers.name),
          c.real(kResourceStats.utilization.name)};
}

nlohmann::json to_json(const Report& r) {
  nlohmann::json j = nlohmann::json::object();
  JsonWriter w(j);
  visit_fields(r, w);
  j["plan"] = r.plan;
  j["stages"] = table_json(r.stages);
  j["per_core"] = table_json(r.per_core);
  j["links"] = table_json(r.links);
  j["dram"] = table_json(r.drams);
  j["dram_stats"] = table_json(r.dram_stats);
  j["dram_reads"] = table_json(r.dram_reads);
  j["dram_tlm"] = table_json(r.dram_tlm);
  j["host_links"] = table_json(r.host_links);
  j["fabric"] = table_json(r.fabric);
  j["state_buffers"] = table_json(r.state_buffers);
  j["dma_engines"] = table_json(r.dma_engines);
  return j;
}

std::string report_reference_markdown() {
  std::ostringstream md;
  md << "<!-- Generated by infsim::report_reference_markdown() (sim/report/src/report_fields.cpp)"
        " from\n     visit_fields. Do not edit between these markers: change the fields there. "
        "-->\n"
     << "## Summary fields\n\n"
     << "`plan` (the plan that ran, as `infsim compile --json` writes it) and the tables below "
        "aside,\nthe JSON report holds these (a `.` is a nested object):\n\n"
     << "| JSON field | unit | meaning |\n|---|---|---|\n";
  MarkdownFields f(md);
  visit_fields(Report{}, f);
  md << "\n## Tables\n\nEach is a JSON array of objects and a section of the CSV.\n\n";
  table_reference<StageReport>(md, "stages", "pipeline stage");
  table_reference<CoreReport>(md, "per_core", "NeuronCore of the topology");
  table_reference<ResourceReport>(
      md, "links",
      "NeuronLink direction; `dram` (per chip's DRAM), `host_links` (PCIe "
      "direction per chip), `fabric` (fabric port), `state_buffers` (core's State "
      "Buffer port: bytes and transfers count DMAs and engine reads) and "
      "`dma_engines` (core's DMA engine, utilization averaged over its queues) have "
      "the same fields");
  table_reference<DramStatsReport>(md, "dram_stats",
                                   "chip, with a DRAM model that has rows (`dram.model = ddr4`)");
  table_reference<DramReadReport>(md, "dram_reads", "chip whose DRAM was read");
  table_reference<TlmMemoryReport>(
      md, "dram_tlm", "chip whose DRAM a user's TLM-2.0 memory replaced (docs/TLM.md)");
  md << "<!-- End of the generated reference. -->\n";
  return md.str();
}

}  // namespace infsim
