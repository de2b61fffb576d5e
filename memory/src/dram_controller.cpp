#include "infsim/memory/dram_controller.hpp"

namespace infsim {

DramController::DramController(sc_core::sc_module_name name, const DramParams& p)
    : sc_core::sc_module(name), kind_(p.model) {
  if (p.model == DramModelKind::Ddr4)
    model_ = std::make_unique<Ddr4Dram>(std::string(this->name()), p.ddr4);
  else
    model_ = std::make_unique<DramModel>(std::string(this->name()), p);
}

}  // namespace infsim
