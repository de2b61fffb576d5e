#include "partitioner.hpp"

#include <algorithm>
#include <sstream>

namespace infsim::compiler_detail {

namespace {

std::string mib(Bytes b) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << static_cast<double>(b) / static_cast<double>(kMiB) << " MiB";
  return s.str();
}

}  // namespace

Partitioner::Partitioner(const Analysis& a, const SystemConfig& cfg,
                         const std::vector<std::uint32_t>& cores, bool allow_stream,
                         const std::vector<std::uint32_t>& sharers)
    : a_(a), cfg_(cfg), allow_stream_(allow_stream) {
  const std::size_t n = a.n();
  const auto stages = static_cast<std::uint32_t>(cores.size());
  for (std::uint32_t s = 0; s < stages; ++s) {
    in_.push_back(input_path(cfg, s == 0 ? -1 : static_cast<long long>(cores[s - 1]), cores[s]));
    sh_.push_back(std::max<std::uint32_t>(1, sharers.at(cores[s] / cfg.cores_per_chip)));
  }
  best_.assign(stages, std::vector<Ps>(n, kInf));
  // Fits depend on [i, j] only: each is computed once, when first asked for.
  fits_.assign(n, {});
  for (std::size_t i = 0; i < n; ++i) fits_[i].resize(n - i);
  for (std::size_t j = a.inputs; j < n; ++j)
    if (fit(0, j).fits) best_[0][j] = time(0, 0, j);
  for (std::uint32_t s = 1; s < stages; ++s) {
    for (std::size_t j = a.inputs + s; j < n; ++j) {
      for (std::size_t i = first_cut(a) + s - 1; i <= j; ++i) {
        const Ps before = best_[s - 1][i - 1];
        if (before == kInf || before >= best_[s][j]) continue;
        const FitCost& f = fit(i, j);
        if (!f.fits) continue;
        const Ps t = std::max(before, time(s, i, j));
        if (t < best_[s][j]) best_[s][j] = t;
      }
    }
  }
}

std::vector<std::uint32_t> Partitioner::starts(std::uint32_t stages) const {
  const std::size_t n = a_.n();
  const Ps cap = bottleneck(stages);
  std::vector<std::vector<Ps>> sum(stages, std::vector<Ps>(n, kInf));
  std::vector<std::vector<std::size_t>> from(stages, std::vector<std::size_t>(n, 0));
  for (std::size_t j = a_.inputs; j < n; ++j)
    if (fit(0, j).fits) {
      const Ps t = time(0, 0, j);
      if (t <= cap) sum[0][j] = t;
    }
  for (std::uint32_t s = 1; s < stages; ++s) {
    for (std::size_t j = a_.inputs + s; j < n; ++j) {
      for (std::size_t i = first_cut(a_) + s - 1; i <= j; ++i) {
        const Ps before = sum[s - 1][i - 1];
        if (before == kInf || before >= sum[s][j] || !fit(i, j).fits) continue;
        const Ps t = time(s, i, j);
        if (t <= cap && before + t < sum[s][j]) {
          sum[s][j] = before + t;
          from[s][j] = i;
        }
      }
    }
  }
  std::vector<std::uint32_t> st(stages, 0);
  std::size_t j = n - 1;
  for (std::uint32_t s = stages; s-- > 1;) {
    st[s] = static_cast<std::uint32_t>(from[s][j]);
    j = from[s][j] - 1;
  }
  return st;
}

std::uint32_t min_stages(const Analysis& a, const SystemConfig& cfg) {
  const std::size_t n = a.n();
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> best(n, kNone);  // best[j]: fewest stages covering [0, j]
  for (std::size_t j = a.inputs; j < n; ++j) {
    if (stage_need(a, cfg, 0, j, false) <= cfg.sram_bytes()) best[j] = 1;
    for (std::size_t i = first_cut(a); i <= j; ++i) {
      if (best[i - 1] != kNone && best[i - 1] + 1 < best[j] &&
          stage_need(a, cfg, i, j, false) <= cfg.sram_bytes())
        best[j] = best[i - 1] + 1;
    }
  }
  return best[n - 1] == kNone ? 0 : best[n - 1];
}

Bytes min_max_memory(const Analysis& a, const SystemConfig& cfg, std::uint32_t stages,
                     bool allow_stream) {
  const std::size_t n = a.n();
  constexpr Bytes kNo = std::numeric_limits<Bytes>::max();
  std::vector<Bytes> prev(n, kNo), cur(n, kNo);
  const auto mem = [&](std::size_t i, std::size_t j) {
    return stage_need(a, cfg, i, j, allow_stream);
  };
  for (std::size_t j = a.inputs; j < n; ++j) prev[j] = mem(0, j);
  for (std::uint32_t s = 1; s < stages; ++s) {
    std::fill(cur.begin(), cur.end(), kNo);
    for (std::size_t j = a.inputs + s; j < n; ++j)
      for (std::size_t i = first_cut(a) + s - 1; i <= j; ++i)
        if (prev[i - 1] != kNo) cur[j] = std::min(cur[j], std::max(prev[i - 1], mem(i, j)));
    std::swap(prev, cur);
  }
  return prev[n - 1];
}

bool partition_group(const Analysis& a, const SystemConfig& cfg,
                     const std::vector<std::uint32_t>& cores, bool allow_stream,
                     const std::vector<std::uint32_t>& sharers, std::vector<std::uint32_t>& starts,
                     bool& streams) {
  const auto stages = static_cast<std::uint32_t>(cores.size());
  bool fixed_ok = false;
  Ps fixed_bottleneck = kInf;
  {  // one partitioner's table at a time: each holds n² / 2 entries
    const Partitioner fixed(a, cfg, cores, false, sharers);
    if (fixed.feasible(stages)) {
      starts = fixed.starts(stages);
      streams = false;
      fixed_ok = true;
      fixed_bottleneck = fixed.bottleneck(stages);
      bool spills = false;
      for (std::size_t s = 0; s < starts.size(); ++s) {
        const std::size_t j = s + 1 < starts.size() ? starts[s + 1] - 1 : a.n() - 1;
        spills |= fixed.fit(starts[s], j).spill > 0;
      }
      if (!spills || !allow_stream) return true;
    }
  }
  if (!allow_stream) return false;
  const Partitioner streaming(a, cfg, cores, true, sharers);
  if (!streaming.feasible(stages)) return fixed_ok;
  if (fixed_ok && fixed_bottleneck <= streaming.bottleneck(stages)) return true;
  starts = streaming.starts(stages);
  streams = true;
  return true;
}

std::string not_fit_message(const Graph& g, const Analysis& a, const SystemConfig& cfg,
                            std::uint32_t stages, bool allow_stream) {
  const Bytes cap = cfg.sram_bytes();
  const std::uint32_t need = min_stages(a, cfg);
  const Bytes worst = min_max_memory(a, cfg, stages, allow_stream);
  std::ostringstream msg;
  msg << "model '" << g.name << "' does not fit in " << stages << " NeuronCore"
      << (stages == 1 ? "" : "s") << " of '" << cfg.name << "': the best " << stages
      << "-stage split still needs " << worst << " bytes (" << mib(worst)
      << ") of State Buffer in its largest stage, " << (worst > cap ? worst - cap : 0)
      << " bytes more than the " << cap << " bytes (" << mib(cap) << ") a core has (weights total "
      << a.weights(0, a.n() - 1) << " bytes in SRAM";
  if (allow_stream)
    msg << "; even streaming every weight, its "
        << (cfg.pipeline.spill_activations ? "smallest activation tiles" : "activation buffers")
        << " and the " << cfg.pipeline.stream_buffer_kib << " KiB stream buffer do not fit";
  msg << "); ";
  if (need == 0) {
    msg << "no core count keeps all weights in SRAM: a single operator's weights and "
        << (cfg.pipeline.spill_activations ? "smallest tiles" : "activations")
        << " need more than one core's State Buffer";
  } else {
    msg << "the smallest core count that fits is " << need;
    if (need > cfg.total_cores())
      msg << " (more than the " << cfg.total_cores() << " cores of this topology)";
  }
  if (!allow_stream) msg << " (static weights: streaming weights from DRAM is off)";
  return msg.str();
}

}  // namespace infsim::compiler_detail
