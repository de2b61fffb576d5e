// Uses infsim as a library: compile ResNet-50 for an 8-core pipeline, simulate it twice (equal
// results), and ask a what-if question (twice the NeuronLink bandwidth).
#include <iostream>

#include <infsim/infsim.hpp>

int main() {
  infsim::SystemConfig cfg = infsim::preset("inf1.6xlarge");
  const infsim::Graph g = infsim::build_model("resnet50");
  infsim::Workload w;
  w.requests = 200;
  const infsim::Report a = infsim::simulate(cfg, g, infsim::CompileOptions{8, 1}, w);
  const infsim::Report b = infsim::simulate(cfg, g, infsim::CompileOptions{8, 1}, w);
  infsim::apply_override(cfg, "neuronlink.bandwidth_gib_s=32");
  const infsim::Report c = infsim::simulate(cfg, g, infsim::CompileOptions{8, 1}, w);
  std::cout << "resnet50 on 8 cores: " << a.throughput_per_s << " inferences/s, p99 "
            << a.latency_ms.p99 << " ms; with 2x NeuronLink: " << c.throughput_per_s << "/s\n";
  if (a.throughput_per_s <= 0 || a.throughput_per_s != b.throughput_per_s ||
      c.throughput_per_s < a.throughput_per_s) {
    std::cerr << "consumer: unexpected results\n";
    return 1;
  }
  return 0;
}
