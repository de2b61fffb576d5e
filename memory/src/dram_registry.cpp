#include "infsim/memory/dram_registry.hpp"

#include "infsim/common/error.hpp"
#include "infsim/memory/ddr4_dram.hpp"
#include "infsim/memory/simple_dram.hpp"

namespace infsim {

namespace {
std::unique_ptr<DramModel> make_ddr4(std::string name, const DramParams& p) {
  return std::make_unique<Ddr4Dram>(std::move(name), p.ddr4);
}
std::unique_ptr<DramModel> make_simple(std::string name, const DramParams& p) {
  return std::make_unique<SimpleDram>(std::move(name), p);
}
}  // namespace

const std::vector<DramModelInfo>& dram_models() {
  // Every built-in model, one row each (a new model adds its row here).
  static const std::vector<DramModelInfo> kModels = {
      {"ddr4",
       "channels, ranks, bank groups, banks, open page, reads in order with a bounded look-ahead, "
       "refresh; dram.ddr4.*",
       &make_ddr4},
      {"simple", "dram.channels share dram.bandwidth_gib_s, fixed dram.latency_ns", &make_simple},
  };
  return kModels;
}

std::vector<std::string> dram_model_names() {
  std::vector<std::string> names;
  for (const DramModelInfo& m : dram_models()) names.emplace_back(m.name);
  return names;
}

const DramModelInfo* find_dram_model(const std::string& model) {
  for (const DramModelInfo& m : dram_models())
    if (model == m.name) return &m;
  return nullptr;
}

std::unique_ptr<DramModel> make_dram_model(std::string name, const DramParams& p) {
  const DramModelInfo* m = find_dram_model(p.model);
  if (m == nullptr) {
    std::string known;
    for (const std::string& n : dram_model_names()) known += (known.empty() ? "" : ", ") + n;
    throw ConfigError("dram.model = \"" + p.model + "\": no such DRAM model (known: " + known +
                      ")");
  }
  return m->make(std::move(name), p);
}

}  // namespace infsim
