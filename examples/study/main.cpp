// A researcher's study, written against the installed package as a user would write it:
//
//   1. a custom topology: the inf1.6xlarge preset with twice the State Buffer and a closed
//      NeuronLink ring, changed by documented parameter paths and renamed so that its reports
//      say what it is;
//   2. a transformer encoder built in code with GraphBuilder: multi-head attention with the
//      1/sqrt(d) scale and a broadcast padding mask, layer norms, a GELU MLP;
//   3. a sweep over NeuronCore Pipeline core counts, printed as a small table.
//
//   study [requests]      (default 1000 requests per point)
//
// Build it against an installed infsim with examples/study/CMakeLists.txt (find_package).
#include <cmath>
#include <cstdint>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <infsim/infsim.hpp>

namespace {

using infsim::GraphBuilder;
using infsim::LinearOptions;

struct EncoderShape {
  std::int64_t seq = 128;
  std::int64_t hidden = 768;
  std::int64_t heads = 12;
  std::int64_t ffn = 3072;
  int layers = 4;
};

/// [S, H] -> [heads, S, H / heads]
int split_heads(GraphBuilder& b, const std::string& name, int x, const EncoderShape& e) {
  const int r = b.reshape(name + "_split", x, {e.seq, e.heads, e.hidden / e.heads});
  return b.transpose(name + "_heads", r, {1, 0, 2});
}

/// One post-LN encoder layer on x [S, H]; `mask` is [1, S] (0 or a large negative number per
/// key position), added to every head's scores by broadcasting.
int encoder_layer(GraphBuilder& b, const std::string& p, int x, int mask, const EncoderShape& e) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(e.hidden / e.heads));
  const int q = split_heads(b, p + "q", b.linear(p + "q", x, e.hidden), e);
  const int k = split_heads(b, p + "k", b.linear(p + "k", x, e.hidden), e);
  const int v = split_heads(b, p + "v", b.linear(p + "v", x, e.hidden), e);
  int s = b.matmul(p + "scores", q, k, /*transpose_b=*/true);  // [heads, S, S]
  s = b.scale(p + "scaled", s, scale);
  s = b.eltwise(p + "masked", "add", s, mask);
  s = b.softmax(p + "probs", s);
  int a = b.matmul(p + "context", s, v);               // [heads, S, d]
  a = b.transpose(p + "context_merge", a, {1, 0, 2});  // [S, heads, d]
  a = b.reshape(p + "context_flat", a, {e.seq, e.hidden});
  a = b.linear(p + "out", a, e.hidden);
  x = b.layernorm(p + "ln1", b.eltwise(p + "residual1", "add", a, x));
  int m = b.linear(p + "mlp.up", x, LinearOptions(e.ffn).activation("gelu"));
  m = b.linear(p + "mlp.down", m, e.hidden);
  return b.layernorm(p + "ln2", b.eltwise(p + "residual2", "add", m, x));
}

infsim::Graph encoder(const EncoderShape& e) {
  GraphBuilder b("encoder-" + std::to_string(e.layers) + "x" + std::to_string(e.hidden));
  int x = b.input("hidden_states", {e.seq, e.hidden});
  const int mask = b.input("attention_mask", {1, e.seq});
  for (int l = 0; l < e.layers; ++l)
    x = encoder_layer(b, "layer" + std::to_string(l) + ".", x, mask, e);
  return b.build();
}

std::string fixed(double v, int digits) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << v;
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::uint64_t requests = argc > 1 ? std::stoull(argv[1]) : 1000;

    // 1. The topology: a preset changed by documented paths, under its own name.
    infsim::SystemConfig topo = infsim::preset("inf1.6xlarge").renamed("6xl-24MiB-ring");
    infsim::set_param(topo, "core.sram.capacity_mib", 24);
    infsim::set_param(topo, "neuronlink.topology", "ring");
    infsim::validate(topo);

    // 2. The model.
    const EncoderShape shape;
    const infsim::Graph g = encoder(shape);

    std::cout << "study: " << g.name << " (" << g.ops.size() << " ops, "
              << fixed(static_cast<double>(g.param_count()) / 1e6, 1) << " M parameters, "
              << fixed(static_cast<double>(g.total_macs()) / 1e9, 2) << " GMAC per request) on "
              << topo.name << " (" << topo.total_cores() << " cores, State Buffer "
              << infsim::get_param(topo, "core.sram.capacity_mib").get<double>() << " MiB, "
              << infsim::get_param(topo, "neuronlink.topology").get<std::string>() << " links), "
              << requests << " requests per point\n\n";

    // 3. The sweep.
    std::cout << std::setw(6) << "cores" << std::setw(16) << "throughput/s" << std::setw(11)
              << "p50 ms" << std::setw(11) << "p99 ms" << std::setw(18) << "streamed MiB/req"
              << "  slowest stage\n";
    infsim::Workload w;
    w.requests = requests;
    for (std::uint32_t cores : {2u, 4u, 8u, 16u}) {
      infsim::CompileOptions opts;
      opts.cores = cores;
      const infsim::Plan plan = infsim::compile(g, topo, opts);
      std::uint64_t streamed = 0;
      for (const auto& st : plan.stages) streamed += st.streamed_weight_bytes;
      const infsim::Report r = infsim::simulate(topo, g, plan, w);
      if (r.config != topo.name) throw std::runtime_error("the report is labelled " + r.config);
      std::size_t slowest = 0;
      for (std::size_t i = 1; i < r.stages.size(); ++i) {
        if (r.stages[i].service_us > r.stages[slowest].service_us) slowest = i;
      }
      std::cout << std::setw(6) << cores << std::setw(16) << fixed(r.throughput_per_s, 1)
                << std::setw(11) << fixed(r.latency_ms.p50, 3) << std::setw(11)
                << fixed(r.latency_ms.p99, 3) << std::setw(18)
                << fixed(static_cast<double>(streamed) / (1 << 20), 1) << "  " << slowest << " ("
                << fixed(r.stages[slowest].service_us, 1) << " us)\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "study: error: " << e.what() << "\n";
    return 1;
  }
}
