#include "infsim/memory/dram_controller.hpp"

namespace infsim {

DramController::DramController(sc_core::sc_module_name name, const DramParams& p)
    : sc_core::sc_module(name), model_(std::string(this->name()), p) {}

}  // namespace infsim
