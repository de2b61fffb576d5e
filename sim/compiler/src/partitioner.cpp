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
  const auto before = [&](std::uint32_t s, std::size_t i) {
    return s == 0 ? (i == 0 ? Ps{0} : kInf) : (i == 0 ? kInf : best_[s - 1][i - 1]);
  };
  for_each_range(
      stages,
      [&](std::uint32_t s, std::size_t i, std::size_t j) {
        const Ps b = before(s, i);
        return b != kInf && b < best_[s][j];
      },
      [&](std::uint32_t s, std::size_t i, std::size_t j, Ps t) {
        const Ps m = std::max(before(s, i), t);
        if (m < best_[s][j]) best_[s][j] = m;
      });
}

Bytes Partitioner::need_bound(std::size_t i, std::size_t j) const {
  // Weights and the peaks grow with j; the buffers' part (cut sizes) does not, so it is left out.
  const Bytes live = a_.live_peak(i, j);
  const Bytes act = cfg_.pipeline.spill_activations ? std::min(live, a_.tiled_peak(i, j)) : live;
  const Bytes keep_all = a_.weights(i, j) + act;
  if (!allow_stream_) return keep_all;
  return std::min(keep_all, Bytes{cfg_.pipeline.stream_buffer_kib} * kKiB + act);
}

template <class Wanted, class Visit>
void Partitioner::for_each_range(std::uint32_t stages, Wanted&& wanted, Visit&& visit) const {
  const std::size_t n = a_.n();
  const Bytes cap = cfg_.sram_bytes();
  std::vector<Cycles> finish;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && i < first_cut(a_)) continue;  // stage 0 holds every input op
    // The stage counts this start can serve: stage 0 starts at 0, stage s >= 1 at first_cut + s − 1
    // or later.
    const std::uint32_t s_lo = i == 0 ? 0 : 1;
    const std::uint32_t s_hi =
        i == 0 ? 1
               : std::min<std::uint32_t>(stages, static_cast<std::uint32_t>(i - first_cut(a_)) + 2);
    if (s_lo >= s_hi) continue;
    StageScheduler sched;
    finish.assign(n - i, 0);
    for (std::size_t j = i; j < n; ++j) {
      Cycles ready = 0;
      for (std::size_t q : a_.preds[j])
        if (q >= i) ready = std::max(ready, finish[q - i]);
      finish[j - i] = sched.add(a_.timing[j], ready).finish;
      if (need_bound(i, j) > cap) break;  // no longer stage from i fits either
      if (j < a_.inputs) continue;        // stage 0 computes at least one op
      bool fitted = false;
      StageFit f;
      for (std::uint32_t s = s_lo; s < s_hi; ++s) {
        if (!wanted(s, i, j)) continue;
        if (!fitted) {
          f = stage_fit(a_, cfg_, i, j, allow_stream_);
          fitted = true;
        }
        if (!f.fits) break;
        visit(s, i, j, stage_time(a_, cfg_, in_[s], f, i, j, sh_[s], sched.makespan()).total());
      }
    }
  }
}

std::vector<std::uint32_t> Partitioner::starts(std::uint32_t stages) const {
  const std::size_t n = a_.n();
  const Ps cap = bottleneck(stages);
  std::vector<std::vector<Ps>> sum(stages, std::vector<Ps>(n, kInf));
  std::vector<std::vector<std::size_t>> from(stages, std::vector<std::size_t>(n, 0));
  const auto before = [&](std::uint32_t s, std::size_t i) {
    return s == 0 ? (i == 0 ? Ps{0} : kInf) : (i == 0 ? kInf : sum[s - 1][i - 1]);
  };
  for_each_range(
      stages,
      [&](std::uint32_t s, std::size_t i, std::size_t j) {
        const Ps b = before(s, i);
        return b != kInf && b < sum[s][j];
      },
      [&](std::uint32_t s, std::size_t i, std::size_t j, Ps t) {
        if (t > cap) return;
        const Ps b = before(s, i) + t;
        if (b < sum[s][j]) {
          sum[s][j] = b;
          from[s][j] = i;
        }
      });
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
        spills |= fixed.fit(starts[s], j).spill_traffic() > 0;
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
