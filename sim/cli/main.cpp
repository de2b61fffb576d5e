// The infsim command line: run, compile, presets, models.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "infsim/infsim.hpp"
#include "infsim/microbench.hpp"

namespace {

using infsim::Error;

/// A whole number >= `min`. CLI11's PositiveNumber / NonNegativeNumber report a rejected 0 as
/// "Value 0 not in range 0.000000 to 1797...(300 digits)", which says nothing useful.
CLI::Validator whole_at_least(long long min) {
  return CLI::Validator(
      [min](std::string& v) -> std::string {
        std::istringstream in(v);
        long long n = 0;
        char rest = 0;
        if (!(in >> n) || in >> rest) return "'" + v + "' is not a whole number";
        if (n < min) return "must be at least " + std::to_string(min) + ", got " + v;
        return {};
      },
      ">=" + std::to_string(min));
}

/// Digits only: an unsigned value such as a seed (CLI11 would accept "-1" and wrap it around).
CLI::Validator unsigned_whole() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
          return "'" + v + "' is not a whole number >= 0";
        return {};
      },
      ">=0");
}

/// A finite number >= 0.
/// A file name that is not empty.
CLI::Validator non_empty_file() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() ? std::string("empty file name") : std::string(); },
      "FILE");
}

CLI::Validator finite_non_negative() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        std::istringstream in(v);
        double x = 0;
        char rest = 0;
        if (!(in >> x) || in >> rest) return "'" + v + "' is not a number";
        if (!std::isfinite(x) || x < 0) return "must be a finite number >= 0, got " + v;
        return {};
      },
      ">=0");
}

struct Common {
  std::string preset = "inf1.6xlarge";
  std::string config_file;
  std::vector<std::string> sets;
  std::string model = "resnet50";
  std::string graph_file;
  std::uint32_t cores = 0;
  std::uint32_t batch = 1;
  int seq_len = 128;
  std::string json_file;
};

void add_common(CLI::App* app, Common& c, bool with_model) {
  app->add_option("--preset", c.preset, "Topology preset (see `infsim presets`)")
      ->capture_default_str();
  app->add_option("--config", c.config_file,
                  "JSON config file applied on top of the preset (may name its own \"preset\")");
  app->add_option("--set", c.sets,
                  "Override one field, PATH=VALUE (repeatable), "
                  "e.g. --set core.sram.capacity_mib=16");
  if (!with_model) return;
  auto* m = app->add_option("--model", c.model, "Built-in model (see `infsim models`)")
                ->capture_default_str();
  app->add_option("--graph", c.graph_file, "Model graph as a JSON file (docs/GRAPH_FORMAT.md)")
      ->excludes(m);
  app->add_option("--cores", c.cores,
                  "NeuronCores (pipeline stages); default: every core of the topology")
      ->check(whole_at_least(1));
  app->add_option("--batch", c.batch, "Samples per request")
      ->check(whole_at_least(1))
      ->capture_default_str();
  app->add_option("--seq-len", c.seq_len, "Sequence length of transformer models")
      ->check(CLI::Range(1, 512))
      ->capture_default_str();
}

infsim::SystemConfig make_config(const Common& c) {
  infsim::SystemConfig cfg = infsim::preset(c.preset);
  if (!c.config_file.empty()) infsim::apply_file(cfg, c.config_file);
  for (const auto& s : c.sets) infsim::apply_override(cfg, s);
  infsim::validate(cfg);
  return cfg;
}

infsim::Graph make_graph(const Common& c) {
  if (!c.graph_file.empty()) return infsim::load_graph_file(c.graph_file);
  infsim::ModelOptions mo;
  mo.seq_len = c.seq_len;
  return infsim::build_model(c.model, mo);
}

/// Writes `text` to `path` only as a whole: a temporary file renamed into place, so a failure
/// leaves no partial output.
void write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw infsim::IoError("cannot write '" + path + "'");
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw infsim::IoError("cannot write '" + path + "'");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw infsim::IoError("cannot write '" + path + "'");
  }
}

std::string fmt_count(double v, const char* unit) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(2) << v << unit;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"infsim: a cycle-approximate simulator of AWS Inferentia (NeuronCore Pipeline)"};
  // At most one subcommand; "none" is reported after parsing, so that an unknown word such as
  // `infsim frob` is named ("The following argument was not expected: frob") instead of the bare
  // "A subcommand is required".
  app.require_subcommand(0, 1);

  Common run_c;
  infsim::Workload wl;
  auto* run =
      app.add_subcommand("run", "Compile a model and simulate requests through the pipeline");
  add_common(run, run_c, true);
  run->add_option("--requests", wl.requests, "Requests to simulate")
      ->check(whole_at_least(1))
      ->capture_default_str();
  run->add_option("--concurrency", wl.concurrency,
                  "Closed loop: requests in flight (default: 2 x stages)")
      ->check(unsigned_whole());
  run->add_option("--rate", wl.rate_per_s, "Open loop: Poisson arrival rate in requests/s")
      ->check(finite_non_negative());
  run->add_option("--seed", wl.seed, "Random seed (open-loop arrivals)")
      ->check(unsigned_whole())
      ->capture_default_str();
  run->add_option("--warmup", wl.warmup,
                  "Warm-up completions excluded from the figures (default: 10% of requests, at "
                  "least 2 x stages while that leaves half the requests measured)")
      ->check(whole_at_least(0));
  run->add_option("--json", run_c.json_file, "Write the report as JSON to FILE")
      ->check(non_empty_file());

  Common comp_c;
  auto* comp =
      app.add_subcommand("compile", "Shard a model into pipeline stages and print the plan");
  add_common(comp, comp_c, true);
  comp->add_option("--json", comp_c.json_file, "Write the plan as JSON to FILE")
      ->check(non_empty_file());

  std::string show;
  bool reference = false;
  auto* presets = app.add_subcommand("presets", "List the topology presets");
  presets->add_option("--show", show, "Print one preset's full configuration as JSON");
  presets->add_flag("--reference", reference, "Print the configuration reference (Markdown)");

  int models_seq = 128;
  auto* models = app.add_subcommand("models", "List the built-in models");
  models->add_option("--seq-len", models_seq, "Sequence length of transformer models")
      ->check(CLI::Range(1, 512));

  // Component microbenchmarks.
  Common mb_c;
  auto* mb = app.add_subcommand("microbench", "Run one hardware component under a synthetic load");
  mb->require_subcommand(1);
  std::string pattern = "sequential";
  std::uint32_t mb_cores = 1, hops = 1, flows = 1;
  std::uint64_t mb_requests = 100000, mb_seed = 1, link_bytes = 1 << 20, link_transfers = 64;
  std::int64_t gm = 0, gn = 0, gk = 0;
  auto* mb_dram = mb->add_subcommand("dram", "Stream 64-byte reads through one chip's DRAM");
  add_common(mb_dram, mb_c, false);
  mb_dram->add_option("--pattern", pattern, "Access pattern")
      ->check(CLI::IsMember({"sequential", "random"}))
      ->capture_default_str();
  mb_dram->add_option("--cores", mb_cores, "Cores streaming at once")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_dram->add_option("--requests", mb_requests, "Reads per core")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_dram->add_option("--seed", mb_seed, "Seed of the random pattern")->check(unsigned_whole());
  mb_dram->add_option("--json", mb_c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());
  auto* mb_link = mb->add_subcommand("link", "Send transfers over NeuronLink hops");
  add_common(mb_link, mb_c, false);
  mb_link->add_option("--hops", hops, "Hops on the route")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_link->add_option("--flows", flows, "Flows sharing the route")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_link->add_option("--bytes", link_bytes, "Bytes per transfer")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_link->add_option("--transfers", link_transfers, "Transfers per flow")
      ->check(whole_at_least(1))
      ->capture_default_str();
  mb_link->add_option("--json", mb_c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());
  auto* mb_tensor = mb->add_subcommand("tensor", "One GEMM (m x k) . (k x n) on a TensorEngine");
  add_common(mb_tensor, mb_c, false);
  mb_tensor->add_option("--m", gm, "Rows streamed (moving operand)")
      ->required()
      ->check(whole_at_least(1));
  mb_tensor->add_option("--n", gn, "Output columns")->required()->check(whole_at_least(1));
  mb_tensor->add_option("--k", gk, "Reduction length")->required()->check(whole_at_least(1));
  mb_tensor->add_option("--json", mb_c.json_file, "Write the figures as JSON to FILE")
      ->check(non_empty_file());

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (app.get_subcommands().empty()) {
    return app.exit(CLI::RequiredError("A subcommand (run, compile, presets, models, microbench)"));
  }

  try {
    if (run->parsed()) {
      const infsim::SystemConfig cfg = make_config(run_c);
      const infsim::Graph g = make_graph(run_c);
      infsim::validate(wl);
      const infsim::Report r =
          infsim::simulate(cfg, g, infsim::CompileOptions{run_c.cores, run_c.batch}, wl);
      if (!run_c.json_file.empty()) write_file(run_c.json_file, infsim::to_json(r).dump(2) + "\n");
      std::cout << infsim::format_text(r);
    } else if (comp->parsed()) {
      const infsim::SystemConfig cfg = make_config(comp_c);
      const infsim::Graph g = make_graph(comp_c);
      const infsim::Plan p =
          infsim::compile(g, cfg, infsim::CompileOptions{comp_c.cores, comp_c.batch});
      const nlohmann::json j = infsim::plan_to_json(p, g);
      if (!comp_c.json_file.empty()) write_file(comp_c.json_file, j.dump(2) + "\n");
      std::cout << g.name << " on " << cfg.name << ": " << p.cores << " stages, batch " << p.batch
                << ", State Buffer " << p.sram_capacity << " bytes per core\n";
      std::cout << "stage core chip  ops  weights(B)   SRAM(B)  SRAM%   est us  first op\n";
      for (const auto& s : p.stages) {
        std::cout << std::setw(5) << s.index << std::setw(5) << s.core << std::setw(5) << s.chip
                  << std::setw(5) << (s.op_end - s.op_begin) << std::setw(12) << s.weight_bytes
                  << std::setw(10) << s.sram_bytes << std::setw(6) << std::fixed
                  << std::setprecision(0) << 100.0 * s.sram_bytes / p.sram_capacity << "%"
                  << std::setw(9) << std::setprecision(2)
                  << static_cast<double>(s.est_stage_ps()) / infsim::kPsPerUs << "  "
                  << g.ops[static_cast<std::size_t>(p.op_order[s.op_begin])].name << "\n";
      }
      std::cout << "estimated bottleneck stage time "
                << static_cast<double>(p.bottleneck_ps()) / infsim::kPsPerUs << " us\n";
    } else if (presets->parsed()) {
      if (reference) {
        std::cout << infsim::config_reference_markdown();
      } else if (!show.empty()) {
        std::cout << infsim::to_json(infsim::preset(show)).dump(2) << "\n";
      } else {
        for (const auto& name : infsim::preset_names()) {
          const infsim::SystemConfig c = infsim::preset(name);
          std::cout << std::left << std::setw(34) << name << std::right << std::setw(3) << c.chips
                    << " chips " << std::setw(3) << c.total_cores() << " cores  " << c.description
                    << "\n";
        }
      }
    } else if (mb->parsed()) {
      const infsim::SystemConfig cfg = make_config(mb_c);
      nlohmann::json j;
      std::ostringstream text;
      text << std::fixed << std::setprecision(2);
      if (mb_dram->parsed()) {
        const auto r = infsim::microbench_dram(cfg, pattern, mb_cores, mb_requests, mb_seed);
        j = infsim::to_json(r);
        text << "DRAM " << r.pattern << ", " << r.cores << " core(s), " << r.requests
             << " reads of 64 B on " << cfg.name << "\n  bandwidth " << r.bandwidth_gib_s
             << " GiB/s of " << r.peak_gib_s << " GiB/s peak ("
             << 100.0 * r.bandwidth_gib_s / r.peak_gib_s << "%), row hits "
             << 100.0 * r.row_hit_rate << "%\n  read latency ns: p50 " << r.latency_ns.p50
             << "  p90 " << r.latency_ns.p90 << "  p99 " << r.latency_ns.p99 << "  max "
             << r.latency_ns.max << "\n  per core GiB/s:";
        for (double b : r.per_core_gib_s) text << " " << b;
        text << "\n";
      } else if (mb_link->parsed()) {
        const auto r = infsim::microbench_link(cfg, hops, flows, link_bytes, link_transfers);
        j = infsim::to_json(r);
        text << "NeuronLink " << r.hops << " hop(s), " << r.flows << " flow(s) of "
             << r.transfers_per_flow << " x " << r.transfer_bytes << " B on " << cfg.name
             << "\n  bandwidth " << r.bandwidth_gib_s << " GiB/s (link peak " << r.peak_gib_s
             << " GiB/s)\n  latency ns: p50 " << r.latency_ns.p50 << "  p99 " << r.latency_ns.p99
             << "  max " << r.latency_ns.max << "\n  per flow GiB/s:";
        for (double b : r.per_flow_gib_s) text << " " << b;
        text << "\n";
      } else {
        const auto r = infsim::microbench_tensor(cfg, gm, gn, gk);
        j = infsim::to_json(r);
        text << "TensorEngine " << r.rows << "x" << r.cols << ": (" << r.m << " x " << r.k
             << ") . (" << r.k << " x " << r.n << ")\n  " << r.cycles << " cycles (" << r.time_us
             << " us), " << r.folds << " folds, " << r.macs << " MACs, utilization "
             << 100.0 * r.utilization << "%\n";
      }
      if (!mb_c.json_file.empty()) write_file(mb_c.json_file, j.dump(2) + "\n");
      std::cout << text.str();
    } else if (models->parsed()) {
      infsim::ModelOptions mo;
      mo.seq_len = models_seq;
      for (const auto& m : infsim::zoo_models()) {
        const infsim::Graph g = infsim::build_model(m.name, mo);
        std::cout << std::left << std::setw(12) << m.name << std::right << std::setw(12)
                  << fmt_count(g.param_count() / 1e6, " M params") << std::setw(14)
                  << fmt_count(g.total_macs() / 1e9, " G MACs") << std::setw(6) << g.ops.size()
                  << " ops  " << m.description << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "infsim: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
