// Plan files (--plan FILE): a plan JSON read against a fixed graph (a small CNN with a
// residual add) and inf1.xlarge (4 cores).
#include "fuzz_common.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph.hpp"

namespace {

infsim::Graph small_cnn() {
  infsim::GraphBuilder b("fuzz_cnn");
  const int x = b.input("image", {3, 16, 16});
  const int c1 = b.conv2d("conv1", x, infsim::Conv2dOptions(8, 3).pad(1).activation("relu"));
  const int c2 = b.conv2d("conv2", c1, infsim::Conv2dOptions(8, 3).pad(1));
  const int s = b.eltwise("add", "add", c1, c2);
  const int p = b.global_avg_pool("gap", s);
  b.linear("fc", p, 10);
  return b.build();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  static const infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  static const infsim::Graph g = small_cnn();
  infsim_fuzz::guarded([&] {
    const nlohmann::json j = infsim::parse_json_input(infsim_fuzz::text(data, size));
    infsim::plan_from_json(j, g, cfg, "fuzz plan");
  });
  return 0;
}
