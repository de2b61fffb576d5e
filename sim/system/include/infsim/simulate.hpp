#pragma once
// The public facade: compile and simulate in one call, or simulate a Plan made earlier. Needs no
// SystemC on the include path (the TLM-2.0 hooks are in infsim/tlm_hooks.hpp).
#include <cstdint>
#include <functional>

#include <nlohmann/json.hpp>

#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/plan.hpp"
#include "infsim/report.hpp"

namespace infsim {

/// The default of Workload::max_queue: arrivals that may wait at the host at once (about 80 bytes
/// each, so at most ~8 MB however long an overloaded open-loop run is).
constexpr std::uint64_t kDefaultMaxQueue = 100000;
/// The most requests a timeline may record (RunOptions::trace_requests): a traced request keeps
/// every event of every stage in memory until the run ends (~60 KB each for ResNet-50 on 16
/// cores), so 1,000 stay near 60 MB.
constexpr std::uint64_t kMaxTraceRequests = 1000;

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
  /// Open loop: requests that may wait at the host for a free first-stage input buffer. An
  /// arrival that finds this many waiting is refused (Report::refused_requests), as a server
  /// with a bounded queue refuses it, so memory stays flat under overload. Closed loops never
  /// queue more than `concurrency`.
  std::uint64_t max_queue = kDefaultMaxQueue;
};

/// What a run records besides its report (all optional).
struct RunOptions {
  /// A timeline: when set, the run stores into *trace a Chrome trace event JSON (Perfetto opens
  /// it) of requests [trace_first, trace_first + trace_requests): every engine's ops, DRAM reads
  /// and weight streams, back-pressure, and the transfers between stages and to and from the
  /// host.
  nlohmann::json* trace = nullptr;
  std::uint64_t trace_first = 0;
  std::uint64_t trace_requests = 20;  ///< at most kMaxTraceRequests
  /// Called after every completion with the requests completed so far and the total (for a
  /// progress display; keep it cheap).
  std::function<void(std::uint64_t completed, std::uint64_t total)> progress;
  /// Asked as often as `progress` is called (whether or not that is set): when it returns true,
  /// the run stops at once and simulate throws Cancelled, leaving nothing behind (the next run
  /// starts afresh). For an interrupt (Ctrl-C) from a caller's own event loop; keep it cheap.
  std::function<bool()> cancel;
};

/// Checks a workload (requests > 0, warm-up < requests, a finite rate whose arrivals fit the
/// simulated clock, max_queue > 0). Throws Error.
void validate(const Workload& w);

/// Simulates `plan` on `cfg`. Each call runs in a fresh SystemC kernel context (and restores the
/// caller's), so calls are independent: equal inputs and seed give equal reports.
Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w);
/// The same, with a timeline and progress reports (see RunOptions).
Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w,
                const RunOptions& opts);
struct TlmHooks;  // infsim/tlm_hooks.hpp: the TLM-2.0 hooks (the one header that needs SystemC)
/// The same, with a user's TLM-2.0 memory in the system (see TlmHooks).
Report simulate(const SystemConfig& cfg, const Graph& g, const Plan& plan, const Workload& w,
                const RunOptions& opts, const TlmHooks& hooks);
/// Compiles, then simulates.
Report simulate(const SystemConfig& cfg, const Graph& g, const CompileOptions& opts,
                const Workload& w);

}  // namespace infsim
