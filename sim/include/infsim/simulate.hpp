#pragma once
// The public facade: compile and simulate in one call, or simulate a Plan made earlier.
#include <cstdint>
#include <functional>

#include <nlohmann/json.hpp>
#include <systemc>
#include <tlm>

#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/plan.hpp"
#include "infsim/report.hpp"

namespace infsim {

/// How requests arrive.
struct Workload {
  std::uint64_t requests = 1000;  ///< requests to simulate (each carries `batch` samples)
  /// Closed loop: requests kept in flight (0 = auto: 2 × stages). Ignored in open loop.
  std::uint32_t concurrency = 0;
  double rate_per_s = 0;  ///< > 0: open loop, Poisson arrivals at this rate
  std::uint64_t seed = 1;
  /// Requests excluded from the figures, in completion order (-1 = auto: 10% of requests,
  /// at least 2 × stages when that leaves measured requests).
  std::int64_t warmup = -1;
};

/// Optional hooks into the system a run builds.
struct SimHooks {
  /// Puts a user's TLM-2.0 memory (for example DRAMSys behind a loosely timed b_transport) in
  /// place of chip `chip`'s DRAM on every transfer path. Called once per chip while the run's
  /// system is built, inside the run's kernel context: create the module with `new`, set
  /// `socket` to its target socket and return the module; infsim deletes it after the run. The
  /// target sees READs of each transfer's length (timing only, no data pointer) and must
  /// annotate the access's completion as delay without calling wait().
  std::function<sc_core::sc_module*(std::uint32_t chip, tlm::tlm_target_socket<>*& socket)>
      external_dram;
  /// A timeline: when set, the run stores into *trace a Chrome trace event JSON (Perfetto opens
  /// it) of requests [trace_first, trace_first + trace_requests): every engine's ops, DRAM reads
  /// and weight streams, back-pressure, and the transfers between stages and to and from the
  /// host.
  nlohmann::json* trace = nullptr;
  std::uint64_t trace_first = 0;
  std::uint64_t trace_requests = 20;
  /// Called after every completion with the requests completed so far and the total (for a
  /// progress display; keep it cheap).
  std::function<void(std::uint64_t completed, std::uint64_t total)> progress;
};

/// Checks a workload (requests > 0, warm-up < requests, finite rate). Throws Error.
void validate(const Workload& w);

/// Simulates `plan` on `cfg`. Each call runs in a fresh SystemC kernel context (and restores the
/// caller's), so calls are independent: equal inputs and seed give equal reports.
Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w);
/// The same, with hooks into the system (see SimHooks).
Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w,
                const SimHooks& hooks);
/// Compiles, then simulates.
Report simulate(const SystemConfig& cfg, const Graph& g, const CompileOptions& opts,
                const Workload& w);

}  // namespace infsim
