#pragma once
// TLM-2.0 hooks into a run: the one public header that exposes SystemC types (include it, and
// link infsim::tlm, only to plug a TLM-2.0 model into the simulated system).
#include <cstdint>
#include <functional>

#include <systemc>
#include <tlm>

#include "infsim/simulate.hpp"

namespace infsim {

/// Hooks that put TLM-2.0 models into the system a run builds.
struct TlmHooks {
  /// Puts a user's TLM-2.0 memory (for example DRAMSys behind a loosely timed b_transport) in
  /// place of chip `chip`'s DRAM on every transfer path. Called once per chip while the run's
  /// system is built, inside the run's kernel context: create the module with `new`, set
  /// `socket` to its target socket and return the module; infsim deletes it after the run. The
  /// target sees READs of each transfer's length (timing only, no data pointer) and must
  /// annotate the access's completion as delay without calling wait().
  std::function<sc_core::sc_module*(std::uint32_t chip, tlm::tlm_target_socket<>*& socket)>
      external_dram;
};

}  // namespace infsim
