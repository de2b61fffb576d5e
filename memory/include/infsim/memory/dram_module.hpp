#pragma once
// A chip's device DRAM as a SystemC module: it owns the timing model that `dram.model` names
// (built through the registry, dram_registry.hpp) and exposes it two ways. The simulator's own
// transfers reserve the model directly as a Resource on their path (the fast path); any TLM-2.0
// initiator reaches it through `socket` (loosely timed: b_transport annotates the access's
// completion as delay; no wait() inside). The module has no process and no scheduling of its
// own: the model decides every delay.
#include <memory>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "infsim/memory/dram_model.hpp"
#include "infsim/memory/dram_params.hpp"

namespace infsim {

class DramModule : public sc_core::sc_module {
 public:
  DramModule(sc_core::sc_module_name name, const DramParams& p);
  DramModel& model() { return *model_; }
  const DramModel& model() const { return *model_; }

  /// TLM-2.0 target: READ and WRITE of any length within the capacity. The access starts at
  /// now + delay or when the model is free, whichever is later; on return, delay is the time
  /// from now until its last byte has moved (queueing + latency + transfer). Binding it is
  /// optional.
  tlm_utils::simple_target_socket_optional<DramModule> socket;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  std::uint64_t capacity_bytes_;
  std::unique_ptr<DramModel> model_;
};

}  // namespace infsim
