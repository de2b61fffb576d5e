#pragma once
// A fresh SystemC kernel context for one simulation run.
//
// SystemC 2.3 keeps its whole kernel state (time, processes, events, object hierarchy) in one
// sc_simcontext, reached through the global sc_curr_simcontext. A run installs a new context,
// elaborates and simulates in it, then deletes it (after its modules) and puts the caller's
// context back. Nothing of one run is left for the next, and a caller with its own SystemC model
// keeps it. Runs must not overlap: one simulation at a time per process (use processes to run in
// parallel); an overlapping call is refused.
#include <atomic>
#include <cstdlib>
#include <string>

#include <systemc>

#include "infsim/common/error.hpp"

namespace infsim {

class KernelContext {
 public:
  KernelContext() {
    if (busy().exchange(true)) {
      throw Error(
          "simulate(): another simulation is running in this process; runs cannot "
          "overlap (SystemC has one kernel per process)");
    }
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    saved_ = sc_core::sc_curr_simcontext;
    saved_default_ = sc_core::sc_default_global_context;
    ctx_ = new sc_core::sc_simcontext();
    sc_core::sc_curr_simcontext = ctx_;
    sc_core::sc_default_global_context = ctx_;
    sc_core::sc_set_time_resolution(1, sc_core::SC_PS);
  }
  KernelContext(const KernelContext&) = delete;
  KernelContext& operator=(const KernelContext&) = delete;

  /// Runs until no event is left.
  void run() {
    try {
      sc_core::sc_start();
    } catch (const sc_core::sc_report& e) {
      throw Error(std::string("SystemC error: ") + e.what());
    }
  }

  ~KernelContext() {
    delete ctx_;
    sc_core::sc_curr_simcontext = saved_;
    sc_core::sc_default_global_context = saved_default_;
    busy() = false;
  }

 private:
  static std::atomic<bool>& busy() {
    static std::atomic<bool> flag{false};
    return flag;
  }
  sc_core::sc_simcontext* ctx_ = nullptr;
  sc_core::sc_simcontext* saved_ = nullptr;
  sc_core::sc_simcontext* saved_default_ = nullptr;
};

}  // namespace infsim
