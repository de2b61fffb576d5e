// Sweep specs (`infsim sweep SPEC.json`): parse and expand into points (plan_sweep, the part of
// sim/cli/sweep.cpp that reads the spec; the points are not run).
#include <set>

#include "../sim/cli/sweep.hpp"
#include "fuzz_common.hpp"
#include "infsim/common/json_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  // The options of `infsim run`, as main.cpp registers them.
  static const std::set<std::string> run_options = {
      "preset",      "config",  "set",      "model",       "graph",          "input-shape",
      "unknown-ops", "cores",   "groups",   "batch",       "static-weights", "objective",
      "plan",        "seq-len", "requests", "concurrency", "rate",           "seed",
      "warmup",      "json",    "csv",      "trace",       "trace-requests", "trace-first",
      "no-progress"};
  infsim_fuzz::guarded([&] {
    const auto spec =
        infsim::parse_json_input<nlohmann::ordered_json>(infsim_fuzz::text(data, size));
    infsim_cli::plan_sweep(spec, "fuzz.json",
                           [](const std::string& name) { return run_options.count(name) > 0; });
  });
  return 0;
}
