#pragma once
// TLM-2.0 hooks into a run: the one public header that exposes SystemC types (include it, and
// link infsim::tlm, only to plug a TLM-2.0 model into the simulated system).
#include <cstdint>
#include <functional>

#include <systemc>
#include <tlm>

#include "infsim/simulate.hpp"

namespace infsim {

/// Hooks that put TLM-2.0 models into the system a run builds (docs/TLM.md).
struct TlmHooks {
  /// Puts a user's TLM-2.0 memory (for example DRAMSys behind a loosely timed b_transport) in
  /// place of chip `chip`'s DRAM on every transfer path. Called once per chip while the run's
  /// system is built, inside the run's kernel context: create the module with `new`, set
  /// `socket` to its target socket and return the module; infsim owns it from then on and
  /// deletes it when the run ends (after `after_run`). The target receives transactions of
  /// `dram.tlm.transaction_bytes` (READs and WRITEs at the addresses of docs/TLM.md, a scratch
  /// data pointer, no byte enables, streaming width = length, no DMI) through b_transport,
  /// must annotate each access's completion as added delay and must not call wait().
  std::function<sc_core::sc_module*(std::uint32_t chip, tlm::tlm_target_socket<>*& socket)>
      external_dram;
  /// Called once per chip with the module `external_dram` returned, after a run that completed
  /// (not when it failed or was cancelled), while the module and the run's kernel context still
  /// exist: read the module's statistics here. Do not keep the reference: the module is deleted
  /// right after.
  std::function<void(std::uint32_t chip, sc_core::sc_module& module)> after_run;
};

}  // namespace infsim
