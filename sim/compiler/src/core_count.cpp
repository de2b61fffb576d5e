// The core-count table behind --cores auto (compiler.hpp, core_count_table; docs/COMPILER.md,
// "`--cores auto`").
#include "infsim/compiler.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "analysis.hpp"
#include "infsim/common/error.hpp"
#include "partitioner.hpp"
#include "placement.hpp"
#include "stage_plans.hpp"

namespace infsim {

using namespace compiler_detail;

std::vector<CoreCountRow> core_count_table(const Graph& g, const SystemConfig& cfg,
                                           const CompileOptions& opts, std::uint32_t max_cores) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  Analysis a = analyse(g, cfg, opts.batch);
  const std::uint32_t limit = static_cast<std::uint32_t>(
      std::min<std::size_t>({max_cores, cfg.total_cores(), a.n() - a.inputs}));
  // The first n cores of the placement's order are its placement of n stages.
  CompileOptions one = opts;
  one.core_list.clear();
  const std::vector<std::uint32_t> cores = core_order(cfg, one, limit);
  const auto first = [&](std::uint32_t n) {
    return std::vector<std::uint32_t>(cores.begin(), cores.begin() + n);
  };
  const bool packed = opts.placement == Placement::Packed;
  const bool allow_stream = !opts.static_weights;
  // Static fits do not depend on the DRAM share: one run of the partitioner answers every N.
  // Streaming plans share each chip's DRAM among the cores in use on it: a pipeline of fewer
  // cores than a chip has gets its own run; longer ones assume every chip full (exact but for
  // a partly used last chip, where the estimate is conservative).
  const Partitioner fixed(a, cfg, cores, false, sharers_of(cfg, cores));
  std::vector<std::uint32_t> full(cfg.chips, cfg.cores_per_chip);
  std::unique_ptr<Partitioner> streaming_full;
  std::vector<CoreCountRow> rows;
  for (std::uint32_t n = 1; n <= limit; ++n) {
    CoreCountRow r;
    r.cores = n;
    r.fits_static = fixed.feasible(n);
    std::vector<std::uint32_t> starts;
    bool streams = false;
    std::vector<std::uint32_t> sharers = sharers_of(cfg, first(n));
    if (r.fits_static) {
      starts = fixed.starts(n);
      r.compiles = true;
    } else if (allow_stream) {
      const Partitioner* part = nullptr;
      std::unique_ptr<Partitioner> own;
      if (n < cfg.cores_per_chip || !packed) {
        own = std::make_unique<Partitioner>(a, cfg, first(n), true, sharers);
        part = own.get();
      } else {
        if (!streaming_full)
          streaming_full = std::make_unique<Partitioner>(a, cfg, cores, true, full);
        part = streaming_full.get();
        sharers = full;
      }
      r.compiles = part->feasible(n);
      if (r.compiles) starts = part->starts(n);
      streams = true;
    }
    if (r.compiles) {
      Plan p = empty_plan(g, a, cfg, opts.batch, 1, opts.static_weights);
      add_group(p, g, a, cfg, 0, starts, first(n), streams, sharers);
      p.cores = n;
      for (const auto& s : p.stages) r.streamed_bytes += s.streamed_weight_bytes;
      r.est_stage_ps = p.bottleneck_ps();
      r.est_throughput_per_s =
          r.est_stage_ps == 0 ? 0.0 : opts.batch * 1e12 / static_cast<double>(r.est_stage_ps);
      try {
        check_dram_capacity(p, g, cfg);
        r.plan = std::move(p);
      } catch (const CompileError& e) {
        r.compiles = false;
        r.error = e.what();
      }
    } else {
      r.error = not_fit_message(g, a, cfg, n, allow_stream);
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace infsim
