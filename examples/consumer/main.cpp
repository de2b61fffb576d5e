// Uses infsim as a library: compile ResNet-50 for an 8-core pipeline, simulate it twice (equal
// results), and ask a what-if question (twice the NeuronLink bandwidth) on a renamed copy of the
// preset.
#include <iostream>

#include <infsim/infsim.hpp>

int main() {
  const infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
  const infsim::Graph g = infsim::build_model("resnet50");
  infsim::Workload w;
  w.requests = 200;
  infsim::CompileOptions opts;
  opts.cores = 8;
  const infsim::Report a = infsim::simulate(cfg, g, opts, w);
  const infsim::Report b = infsim::simulate(cfg, g, opts, w);
  infsim::SystemConfig fast = cfg.renamed("6xl-2x-neuronlink");
  infsim::set_param(fast, "neuronlink.bandwidth_gib_s", 32);
  const infsim::Report c = infsim::simulate(fast, g, opts, w);
  std::cout << "resnet50 on 8 cores of " << a.config << ": " << a.throughput_per_s
            << " inferences/s, p99 " << a.latency_ms.p99 << " ms; on " << c.config << ": "
            << c.throughput_per_s << "/s\n";
  if (a.throughput_per_s <= 0 || a.throughput_per_s != b.throughput_per_s ||
      c.throughput_per_s < a.throughput_per_s || c.config != "6xl-2x-neuronlink") {
    std::cerr << "consumer: unexpected results\n";
    return 1;
  }
  return 0;
}
