#pragma once
// DRAM timing models by name: `dram.model` is looked up here (pure C++, no SystemC). The
// built-in models are one explicit table in src/dram_registry.cpp (not static self-registration,
// which a static library's linker may drop); the config validates `dram.model` against
// dram_model_names() and DramModule builds its model with make_dram_model().
#include <memory>
#include <string>
#include <vector>

#include "infsim/memory/dram_model.hpp"
#include "infsim/memory/dram_params.hpp"

namespace infsim {

/// Builds a model called `name` (its Resource name) from the chip's DRAM parameters.
using DramFactory = std::unique_ptr<DramModel> (*)(std::string name, const DramParams& p);

struct DramModelInfo {
  const char* name;     ///< the `dram.model` value
  const char* summary;  ///< what the model has, for the configuration reference
  DramFactory make;
};

/// The built-in models, in table order.
const std::vector<DramModelInfo>& dram_models();
/// Their names, in table order.
std::vector<std::string> dram_model_names();
/// The model called `model`, or nullptr.
const DramModelInfo* find_dram_model(const std::string& model);
/// Builds the model `p.model` called `name`, under a SustainedDram when
/// `p.sustained_fraction` < 1; throws ConfigError listing the known models if `p.model` is not
/// one of them.
std::unique_ptr<DramModel> make_dram_model(std::string name, const DramParams& p);

/// A sustained-bandwidth ceiling over a DRAM timing model (docs/TIMING.md, "Sustained
/// bandwidth"): a second "busy until" at `fraction` of the model's peak. A transfer starts when
/// both are ready, the model times it as before, and it ends when the model is done and the
/// ceiling has passed its bytes. Utilization is the ceiling's busy time; the model's own
/// command statistics pass through.
class SustainedDram final : public DramModel {
 public:
  SustainedDram(std::string name, std::unique_ptr<DramModel> inner, double fraction);
  Ps ready_at() const override;
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return inner_->latency(); }
  std::uint64_t bytes_per_s() const override { return ceiling_; }
  std::optional<DramStats> dram_stats() const override { return inner_->dram_stats(); }
  const DramModel& inner() const { return *inner_; }

 private:
  std::unique_ptr<DramModel> inner_;
  std::uint64_t ceiling_;
  Ps free_ = 0;
};

}  // namespace infsim
