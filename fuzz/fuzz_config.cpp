// Config layering: a JSON config file (as --config reads it, comments allowed) applied on a
// preset, then --set assignments, one per line after the first empty line. A config that
// applies must validate, write to JSON and read back to the same configuration.
#include <sstream>

#include "fuzz_common.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string in = infsim_fuzz::text(data, size);
  const std::size_t split = in.find("\n\n");
  const std::string file = in.substr(0, split);
  const std::string sets = split == std::string::npos ? "" : in.substr(split + 2);
  static const infsim::SystemConfig base = infsim::preset("inf1.xlarge");
  infsim_fuzz::guarded([&] {
    infsim::SystemConfig cfg = base;
    if (!file.empty()) {
      const nlohmann::json j = infsim::parse_json_input(file, /*ignore_comments=*/true);
      infsim::apply_json(cfg, j, "fuzz.json");
    }
    std::istringstream lines(sets);
    std::string line;
    while (std::getline(lines, line)) infsim::apply_override(cfg, line, "--set");
    infsim::validate(cfg);
    // What applied writes out and reads back unchanged.
    const nlohmann::json out = infsim::to_json(cfg);
    infsim::SystemConfig back = infsim::default_config();
    infsim::apply_json(back, out, "round trip");
    if (infsim::to_json(back) != out) {
      std::fprintf(stderr, "finding: the config does not round-trip through to_json\n");
      std::abort();
    }
  });
  return 0;
}
