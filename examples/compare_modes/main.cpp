// BERT-base on inf1.6xlarge three ways: the NeuronCore Pipeline, batching (one core per copy,
// weights streamed from DRAM and reused over a batch), and data-parallel groups of cores. The
// same workload runs through each; the reports are printed side by side.
//
//   build/examples/compare_modes [requests]      (default 2000)
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

#include "infsim/infsim.hpp"

namespace {

struct Mode {
  std::string name;
  infsim::CompileOptions opts;
  std::string why;
};

/// AWS's batching rule of thumb (FACTS.md): ceil(0.5 · (peak FLOP/s ÷ DRAM bytes/s) ÷ (model
/// FLOPs ÷ weight bytes)), per chip.
std::uint32_t aws_batch(const infsim::Graph& g, const infsim::SystemConfig& cfg) {
  const double peak_flops = 2.0 * cfg.tensor_peak_macs_per_s() * cfg.cores_per_chip;
  const double dram = cfg.dram.bandwidth_gib_s * 1024.0 * 1024.0 * 1024.0;
  const double intensity =
      2.0 * static_cast<double>(g.total_macs()) / static_cast<double>(g.weight_bytes());
  return static_cast<std::uint32_t>(std::ceil(0.5 * (peak_flops / dram) / intensity));
}

infsim::CompileOptions options(std::uint32_t cores, std::uint32_t batch, std::uint32_t groups) {
  infsim::CompileOptions o;
  o.cores = cores;
  o.batch = batch;
  o.groups = groups;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::uint64_t requests = argc > 1 ? std::stoull(argv[1]) : 2000;
    const infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
    const infsim::Graph g = infsim::build_model("bert-base");
    const std::uint32_t cores = cfg.total_cores();
    const std::uint32_t batch = aws_batch(g, cfg);

    std::vector<Mode> modes;
    modes.push_back({"pipeline", options(cores, 1, 1),
                     "one copy sharded over all " + std::to_string(cores) + " cores"});
    modes.push_back({"batching", options(1, batch, cores),
                     std::to_string(cores) + " copies of one core, batch " + std::to_string(batch) +
                         " (AWS rule of thumb)"});
    modes.push_back({"data-parallel", options(4, 1, cores / 4),
                     std::to_string(cores / 4) + " copies of 4 cores (one chip each)"});

    infsim::Workload w;
    w.requests = requests;
    std::vector<infsim::Report> reports;
    std::vector<infsim::Bytes> streamed;
    for (const Mode& m : modes) {
      const infsim::Plan plan = infsim::compile(g, cfg, m.opts);
      infsim::Bytes s = 0;
      for (const auto& st : plan.stages)
        if (st.group == 0) s += st.streamed_weight_bytes;
      streamed.push_back(s);
      reports.push_back(infsim::simulate(cfg, g, plan, w));
    }

    std::cout << "BERT-base (seq 128, " << g.param_count() / 1000000 << " M parameters) on "
              << cfg.name << ", " << requests << " requests per mode, closed loop\n\n";
    const auto row = [&](const std::string& label, auto&& cell) {
      std::cout << std::left << std::setw(30) << label << std::right;
      for (std::size_t i = 0; i < modes.size(); ++i) std::cout << std::setw(18) << cell(i);
      std::cout << "\n";
    };
    const auto fixed = [](double v, int digits) {
      std::ostringstream s;
      s << std::fixed << std::setprecision(digits) << v;
      return s.str();
    };
    row("", [&](std::size_t i) { return modes[i].name; });
    row("groups x cores per group", [&](std::size_t i) {
      return std::to_string(reports[i].groups) + " x " +
             std::to_string(reports[i].cores / reports[i].groups);
    });
    row("batch", [&](std::size_t i) { return std::to_string(reports[i].batch); });
    row("weights streamed/request MiB",
        [&](std::size_t i) { return fixed(static_cast<double>(streamed[i]) / (1 << 20), 1); });
    row("throughput inferences/s",
        [&](std::size_t i) { return fixed(reports[i].throughput_per_s, 1); });
    row("TensorEngine peak bound /s",
        [&](std::size_t i) { return fixed(reports[i].peak_throughput_per_s, 1); });
    row("latency p50 ms", [&](std::size_t i) { return fixed(reports[i].latency_ms.p50, 3); });
    row("latency p99 ms", [&](std::size_t i) { return fixed(reports[i].latency_ms.p99, 3); });
    row("DRAM GiB moved (chip 0)", [&](std::size_t i) {
      return fixed(static_cast<double>(reports[i].drams.at(0).bytes) / (1 << 30), 2);
    });
    std::cout << "\n";
    for (std::size_t i = 0; i < modes.size(); ++i)
      std::cout << modes[i].name << ": " << modes[i].why
                << "\n  bottleneck: " << reports[i].bottleneck << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "compare_modes: error: " << e.what() << "\n";
    return 1;
  }
}
