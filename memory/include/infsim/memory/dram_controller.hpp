#pragma once
// The DRAM controller of one chip as a SystemC module. First version: a thin owner of the
// DramModel timing model, reached by transfers as a Resource on their path.
#include <systemc>

#include "infsim/memory/dram_model.hpp"

namespace infsim {

class DramController : public sc_core::sc_module {
 public:
  DramController(sc_core::sc_module_name name, const DramParams& p);
  DramModel& model() { return model_; }
  const DramModel& model() const { return model_; }

 private:
  DramModel model_;
};

}  // namespace infsim
