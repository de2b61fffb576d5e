#pragma once
// The DRAM controller of one chip as a SystemC module: a thin owner of the timing model the
// configuration names (`dram.model`: the simple DramModel or the DDR4 model Ddr4Dram).
//
// Two ways in: the simulator's own transfers reserve it directly as a Resource on their path
// (the fast path), and any TLM-2.0 initiator can reach it through `socket` (loosely timed:
// b_transport annotates the access's completion as delay; no wait() inside).
#include <memory>

#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

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

  /// TLM-2.0 target: READ and WRITE of any length within the capacity. The access starts at
  /// now + delay or when the controller is free, whichever is later; on return, delay is the
  /// time from now until its last byte has moved (queueing + latency + transfer). Binding it is
  /// optional.
  tlm_utils::simple_target_socket_optional<DramController> socket;

 private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  DramModelKind kind_;
  std::uint64_t capacity_bytes_;
  std::unique_ptr<Resource> model_;
};

}  // namespace infsim
