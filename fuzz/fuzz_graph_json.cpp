// The JSON graph format (--graph FILE.json): parse, build the graph, write it back and read it
// again (the same ops), and compile a small graph onto the cores of inf1.xlarge.
#include "fuzz_common.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  infsim_fuzz::guarded([&] {
    const nlohmann::json j = infsim::parse_json_input(infsim_fuzz::text(data, size));
    const infsim::Graph g = infsim::graph_from_json(j, "fuzz.json");
    const infsim::Graph back = infsim::graph_from_json(infsim::graph_to_json(g), "round trip");
    if (back.ops.size() != g.ops.size() || back.total_macs() != g.total_macs() ||
        back.param_count() != g.param_count()) {
      std::fprintf(stderr, "finding: the graph does not round-trip through graph_to_json\n");
      std::abort();
    }
    if (g.ops.size() <= 32) {
      infsim::CompileOptions opts;
      opts.cores = 1 + static_cast<std::uint32_t>(g.ops.size() % 4);
      infsim::compile(g, cfg, opts);
    }
  });
  return 0;
}
