#include "infsim/auto_cores.hpp"

#include <iomanip>
#include <sstream>

#include "infsim/common/error.hpp"

namespace infsim {

CoreObjective parse_core_objective(const std::string& s) {
  if (s == "fit") return CoreObjective::Fit;
  if (s == "throughput") return CoreObjective::Throughput;
  if (s == "latency") return CoreObjective::Latency;
  throw Error("objective '" + s + "': expected fit, throughput or latency");
}

const char* core_objective_name(CoreObjective o) {
  switch (o) {
    case CoreObjective::Fit:
      return "fit";
    case CoreObjective::Throughput:
      return "throughput";
    default:
      return "latency";
  }
}

namespace {

std::string mib(Bytes b) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << static_cast<double>(b) / static_cast<double>(kMiB)
    << " MiB";
  return s.str();
}

}  // namespace

CoreChoice choose_cores(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                        CoreObjective objective, const Workload& probe) {
  CoreChoice c;
  c.objective = objective;
  c.aws_rule = aws_rule_of_thumb_cores(g);
  c.rows = core_count_table(g, cfg, opts, cfg.total_cores());
  c.sim_throughput_per_s.assign(c.rows.size(), 0.0);
  c.sim_p99_ms.assign(c.rows.size(), 0.0);
  for (const auto& r : c.rows)
    if (r.fits_static) {
      c.min_fit = r.cores;
      break;
    }
  std::size_t pick = c.rows.size();
  std::ostringstream why;
  if (objective == CoreObjective::Fit) {
    if (c.min_fit != 0) {
      pick = c.min_fit - 1;
      why << c.min_fit << " is the fewest cores that keep every weight in their State Buffers"
          << (c.min_fit > 1 ? " (" + std::to_string(c.min_fit - 1) + " would need to stream)" : "");
    } else {
      const std::uint32_t need = min_cores_to_fit(g, cfg, opts.batch);
      const std::string beyond =
          need == 0 ? "no core count keeps every weight in SRAM (one operator is too big)"
                    : "keeping every weight in SRAM needs " + std::to_string(need) +
                          " cores, more than the " + std::to_string(cfg.total_cores()) +
                          " of this topology";
      if (opts.static_weights) throw CompileError("--cores auto with static weights: " + beyond);
      for (std::size_t i = 0; i < c.rows.size(); ++i)
        if (c.rows[i].compiles &&
            (pick == c.rows.size() ||
             c.rows[i].est_throughput_per_s > c.rows[pick].est_throughput_per_s * 1.005))
          pick = i;
      if (pick == c.rows.size())
        throw CompileError("--cores auto: " + beyond + ", and " + c.rows.back().error);
      why << beyond << "; " << c.rows[pick].cores
          << " cores give the highest estimated throughput, streaming "
          << mib(c.rows[pick].streamed_bytes) << " of weights from DRAM per request";
    }
  } else {
    Workload w = probe;
    if (objective == CoreObjective::Latency && w.rate_per_s == 0 && w.concurrency == 0)
      w.concurrency = 1;
    w.warmup = -1;
    for (std::size_t i = 0; i < c.rows.size(); ++i) {
      if (!c.rows[i].compiles) continue;
      const Report r = simulate(cfg, g, c.rows[i].plan, w);
      c.sim_throughput_per_s[i] = r.throughput_per_s;
      c.sim_p99_ms[i] = r.latency_ms.p99;
      const bool better =
          pick == c.rows.size() || (objective == CoreObjective::Throughput
                                        ? r.throughput_per_s > c.sim_throughput_per_s[pick] * 1.005
                                        : r.latency_ms.p99 < c.sim_p99_ms[pick] / 1.005);
      if (better) pick = i;
    }
    if (pick == c.rows.size())
      throw CompileError("--cores auto: no core count compiles: " + c.rows.back().error);
    if (objective == CoreObjective::Throughput)
      why << c.rows[pick].cores << " cores give the highest simulated throughput (" << std::fixed
          << std::setprecision(1) << c.sim_throughput_per_s[pick] << " inferences/s over "
          << w.requests << " requests" << (w.rate_per_s > 0 ? ", open loop" : ", closed loop")
          << ")";
    else
      why << c.rows[pick].cores << " cores give the lowest simulated p99 latency (" << std::fixed
          << std::setprecision(3) << c.sim_p99_ms[pick] << " ms"
          << (w.rate_per_s > 0 ? " at the given rate"
                               : ", " + std::to_string(w.concurrency) + " request(s) in flight")
          << ")";
    if (c.rows[pick].streamed_bytes > 0)
      why << ", streaming " << mib(c.rows[pick].streamed_bytes) << " of weights per request";
  }
  c.chosen = c.rows[pick].cores;
  c.plan = c.rows[pick].plan;
  why << "; AWS's rule of thumb, 4 x round(" << g.param_count() << " / 2e7), gives " << c.aws_rule;
  if (c.aws_rule > cfg.total_cores())
    why << " (more than this topology has)";
  else if (c.aws_rule != c.chosen && c.aws_rule - 1 < c.rows.size()) {
    const CoreCountRow& a = c.rows[c.aws_rule - 1];
    why << (a.fits_static ? " (which fits"
            : a.compiles  ? " (which streams"
                          : " (which does not compile");
    if (a.compiles)
      why << ", est. " << std::fixed << std::setprecision(1) << a.est_throughput_per_s
          << " inferences/s";
    why << ")";
  }
  c.reason = why.str();
  return c;
}

std::string format_core_table(const CoreChoice& c) {
  std::ostringstream o;
  const bool sim = c.objective != CoreObjective::Fit;
  o << "cores  fits in SRAM  streamed/request  est. stage us  est. inferences/s";
  if (sim) o << "  sim. inferences/s  sim. p99 ms";
  o << "\n";
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const CoreCountRow& r = c.rows[i];
    o << std::setw(5) << r.cores << std::setw(14) << (r.fits_static ? "yes" : "no");
    if (!r.compiles) {
      o << "  does not compile";
    } else {
      o << std::setw(18) << (r.streamed_bytes > 0 ? mib(r.streamed_bytes) : std::string("-"))
        << std::fixed << std::setprecision(1) << std::setw(15)
        << static_cast<double>(r.est_stage_ps) / kPsPerUs << std::setw(19)
        << r.est_throughput_per_s;
      if (sim)
        o << std::setw(19) << c.sim_throughput_per_s[i] << std::setprecision(3) << std::setw(13)
          << c.sim_p99_ms[i];
    }
    o << (r.cores == c.chosen ? "   <- chosen" : "")
      << (r.cores == c.aws_rule ? "   <- AWS rule of thumb" : "") << "\n";
  }
  o << "\nchosen: " << c.chosen << " cores (objective: " << core_objective_name(c.objective)
    << "): " << c.reason << "\n";
  return o.str();
}

nlohmann::json core_choice_json(const CoreChoice& c) {
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < c.rows.size(); ++i) {
    const CoreCountRow& r = c.rows[i];
    nlohmann::json row = {{"cores", r.cores},
                          {"fits_static", r.fits_static},
                          {"compiles", r.compiles},
                          {"streamed_bytes", r.streamed_bytes},
                          {"est_stage_us", static_cast<double>(r.est_stage_ps) / kPsPerUs},
                          {"est_throughput_per_s", r.est_throughput_per_s}};
    if (c.objective != CoreObjective::Fit && r.compiles) {
      row["sim_throughput_per_s"] = c.sim_throughput_per_s[i];
      row["sim_p99_ms"] = c.sim_p99_ms[i];
    }
    if (!r.compiles) row["error"] = r.error;
    rows.push_back(row);
  }
  return {{"objective", core_objective_name(c.objective)},
          {"chosen", c.chosen},
          {"min_cores_to_fit", c.min_fit},
          {"aws_rule_of_thumb", c.aws_rule},
          {"reason", c.reason},
          {"rows", rows}};
}

}  // namespace infsim
