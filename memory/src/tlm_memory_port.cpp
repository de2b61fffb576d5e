#include "infsim/memory/tlm_memory_port.hpp"

#include "infsim/common/error.hpp"

namespace infsim {

TlmMemoryPort::TlmMemoryPort(sc_core::sc_module_name name, std::uint64_t bytes_per_s,
                             std::uint64_t address_span)
    : sc_core::sc_module(name),
      socket("socket"),
      bytes_per_s_(bytes_per_s),
      span_(address_span),
      resource_(*this, std::string(this->name())) {
  if (span_ == 0) throw Error(std::string(this->name()) + ": address span must be > 0");
}

Ps TlmMemoryPort::Port::occupy(Ps start, Bytes bytes) {
  TlmMemoryPort& o = owner_;
  if (bytes > 0xffffffffULL || bytes > o.span_)
    throw Error(name() + ": a transfer of " + std::to_string(bytes) +
                " bytes does not fit one TLM transaction");
  if (o.next_address_ + bytes > o.span_) o.next_address_ = 0;
  tlm::tlm_generic_payload trans;
  trans.set_command(tlm::TLM_READ_COMMAND);
  trans.set_address(o.next_address_);
  trans.set_data_ptr(nullptr);
  trans.set_data_length(static_cast<unsigned int>(bytes));
  trans.set_streaming_width(static_cast<unsigned int>(bytes));
  trans.set_byte_enable_ptr(nullptr);
  trans.set_dmi_allowed(false);
  trans.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
  const Ps now = sc_core::sc_time_stamp().value();
  sc_core::sc_time delay = sc_core::sc_time::from_value(start - now);
  o.socket->b_transport(trans, delay);
  if (trans.is_response_error())
    throw Error(name() + ": the memory target answered " + trans.get_response_string());
  o.next_address_ += bytes;
  const Ps done = now + delay.value();
  const Ps busy = done > start ? done - start : 0;
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += busy;
  return busy;
}

}  // namespace infsim
