#pragma once
// The DRAM controller of one chip as a SystemC module: a thin owner of the timing model the
// configuration names (`dram.model`: the simple DramModel or the DDR4 model Ddr4Dram), reached by
// transfers as a Resource on their path.
#include <memory>

#include <systemc>

#include "infsim/memory/ddr4.hpp"
#include "infsim/memory/dram_model.hpp"

namespace infsim {

class DramController : public sc_core::sc_module {
 public:
  DramController(sc_core::sc_module_name name, const DramParams& p);
  Resource& model() { return *model_; }
  const Resource& model() const { return *model_; }
  DramModelKind model_kind() const { return kind_; }
  /// The DDR4 model, or nullptr when the simple model is configured.
  Ddr4Dram* ddr4() { return dynamic_cast<Ddr4Dram*>(model_.get()); }
  /// The simple model, or nullptr when the DDR4 model is configured.
  DramModel* simple() { return dynamic_cast<DramModel*>(model_.get()); }

 private:
  DramModelKind kind_;
  std::unique_ptr<Resource> model_;
};

}  // namespace infsim
