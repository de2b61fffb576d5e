#include "infsim/memory/dram_module.hpp"

#include <algorithm>

#include "infsim/memory/dram_registry.hpp"

namespace infsim {

DramModule::DramModule(sc_core::sc_module_name name, const DramParams& p)
    : sc_core::sc_module(name),
      socket("socket"),
      capacity_bytes_(static_cast<std::uint64_t>(p.capacity_gib * static_cast<double>(kGiB))),
      model_(make_dram_model(std::string(this->name()), p)) {
  socket.register_b_transport(this, &DramModule::b_transport);
}

void DramModule::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
  const tlm::tlm_command cmd = trans.get_command();
  if (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND) {
    trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
    return;
  }
  const std::uint64_t addr = trans.get_address();
  const std::uint64_t len = trans.get_data_length();
  if (len == 0 || addr >= capacity_bytes_ || len > capacity_bytes_ - addr) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  // Timing only: the model keeps no data, so the payload's data pointer is left untouched.
  const Ps now = sc_core::sc_time_stamp().value();
  const Ps start = std::max<Ps>(now + delay.value(), model_->ready_at());
  const Ps busy = model_->occupy(start, len);
  delay = sc_core::sc_time::from_value(start + model_->latency() + busy - now);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

}  // namespace infsim
