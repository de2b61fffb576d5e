#include "infsim/memory/dram_registry.hpp"

#include <algorithm>

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
  std::unique_ptr<DramModel> model = m->make(name, p);
  if (p.sustained_fraction >= 1.0) return model;
  return std::make_unique<SustainedDram>(std::move(name), std::move(model), p.sustained_fraction);
}

SustainedDram::SustainedDram(std::string name, std::unique_ptr<DramModel> inner, double fraction)
    : DramModel(std::move(name)),
      inner_(std::move(inner)),
      ceiling_(std::max<std::uint64_t>(
          1, static_cast<std::uint64_t>(static_cast<double>(inner_->bytes_per_s()) * fraction))) {}

Ps SustainedDram::ready_at() const {
  return std::max(inner_->ready_at(), free_);
}

Ps SustainedDram::occupy(Ps start, Bytes bytes) {
  // The timing model serves the transfer as it would alone; the ceiling is a second "busy
  // until": the transfer ends when both are done.
  const Ps inner_end = start + inner_->occupy(start, bytes);
  const Ps held = transfer_ps(bytes, ceiling_);
  free_ = std::max(start, free_) + held;
  const Ps end = std::max(inner_end, free_);
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += held;
  return end - start;
}

}  // namespace infsim
