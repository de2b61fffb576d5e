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
/// Builds the model `p.model` called `name`; throws ConfigError listing the known models if
/// `p.model` is not one of them.
std::unique_ptr<DramModel> make_dram_model(std::string name, const DramParams& p);

}  // namespace infsim
