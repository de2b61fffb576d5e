#include "infsim/compiler.hpp"

#include <algorithm>
#include <limits>
#include <sstream>

#include "infsim/common/error.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/cores/state_buffer.hpp"

namespace infsim {

namespace {

constexpr Ps kInf = std::numeric_limits<Ps>::max();

/// Everything the partitioner needs about a graph, by position in execution order.
struct Analysis {
  std::vector<int> order;              // graph op indices: input ops first, then the rest in order
  std::size_t inputs = 0;              // number of input ops (positions [0, inputs))
  std::vector<Bytes> weight_pre;       // prefix sums of State Buffer weight bytes, size n+1
  std::vector<Bytes> dram_weight_pre;  // prefix sums of weights kept in DRAM
  std::vector<Bytes> dram_read_pre;    // prefix sums of DRAM reads per request
  std::vector<OpTiming> timing;        // per position (batch included)
  std::vector<std::vector<std::size_t>> preds;  // per position: positions of its producers
  // span[i][j - i]: the scheduled time (cycles) of the stage [i, j]; filled by build_span_table
  // (for the partitioner) — without it, makespan() schedules the range on demand.
  std::vector<std::vector<Cycles>> span;
  std::vector<Bytes> cut;   // cut[c]: bytes of tensors made before c and used at >= c
  std::vector<Bytes> live;  // live[k]: bytes of tensors alive while op k runs
  std::vector<std::vector<Bytes>> live_max;  // sparse table for range max of live
  Bytes input_bytes = 0;                     // graph inputs, batch included
  Bytes output_bytes = 0;                    // graph outputs (ops nobody consumes), batch included
  std::size_t n() const { return order.size(); }
  Bytes weights(std::size_t i, std::size_t j) const { return weight_pre[j + 1] - weight_pre[i]; }
  /// Runs StageScheduler over positions [i, j] in order; calls f(p, scheduler) after op p. A
  /// producer before i belongs to an earlier stage: its tensor is there at the stage's start.
  template <class F>
  void schedule(std::size_t i, std::size_t j, F&& f) const {
    StageScheduler sched;
    std::vector<Cycles> finish(j - i + 1, 0);
    for (std::size_t p = i; p <= j; ++p) {
      Cycles ready = 0;
      for (std::size_t q : preds[p])
        if (q >= i) ready = std::max(ready, finish[q - i]);
      finish[p - i] = sched.add(timing[p], ready).finish;
      f(p, sched);
    }
  }
  /// The stage [i, j]'s time per request in cycles (its schedule's makespan).
  Cycles makespan(std::size_t i, std::size_t j) const {
    if (!span.empty()) return span[i][j - i];
    Cycles m = 0;
    schedule(i, j, [&](std::size_t, const StageScheduler& s) { m = s.makespan(); });
    return m;
  }
  /// Schedules every range once: for each start i the ops i, i+1, … are added one at a time (the
  /// in-order schedule of [i, j] is a prefix of that of [i, j + 1]), O(n² · inputs per op).
  void build_span_table() {
    const std::size_t n = order.size();
    span.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
      span[i].resize(n - i);
      schedule(i, n - 1,
               [&](std::size_t p, const StageScheduler& s) { span[i][p - i] = s.makespan(); });
    }
  }
  Bytes dram_reads(std::size_t i, std::size_t j) const {
    return dram_read_pre[j + 1] - dram_read_pre[i];
  }
  Bytes live_peak(std::size_t i, std::size_t j) const {
    std::size_t lvl = 0;
    while ((std::size_t{2} << lvl) <= j - i + 1) ++lvl;
    return std::max(live_max[lvl][i], live_max[lvl][j + 1 - (std::size_t{1} << lvl)]);
  }
};

Analysis analyse(const Graph& g, const SystemConfig& cfg, std::uint32_t batch) {
  g.validate();
  Analysis a;
  const std::size_t n = g.ops.size();
  for (std::size_t i = 0; i < n; ++i)
    if (g.ops[i].kind == "input") a.order.push_back(static_cast<int>(i));
  a.inputs = a.order.size();
  for (std::size_t i = 0; i < n; ++i)
    if (g.ops[i].kind != "input") a.order.push_back(static_cast<int>(i));
  if (a.inputs == 0) throw CompileError("graph '" + g.name + "' has no input operator");
  if (a.inputs == n) throw CompileError("graph '" + g.name + "' has no operator to compute");

  std::vector<std::size_t> pos(n);
  for (std::size_t p = 0; p < n; ++p) pos[static_cast<std::size_t>(a.order[p])] = p;
  // last[p]: the last position that reads the tensor made at p; n for graph outputs.
  std::vector<std::size_t> last(n, 0);
  std::vector<bool> consumed(n, false);
  a.preds.resize(n);
  for (std::size_t p = 0; p < n; ++p) {
    for (int in : g.ops[static_cast<std::size_t>(a.order[p])].inputs) {
      const std::size_t q = pos[static_cast<std::size_t>(in)];
      last[q] = std::max(last[q], p);
      consumed[q] = true;
      if (std::find(a.preds[p].begin(), a.preds[p].end(), q) == a.preds[p].end())
        a.preds[p].push_back(q);
    }
  }
  a.weight_pre.assign(n + 1, 0);
  a.dram_weight_pre.assign(n + 1, 0);
  a.dram_read_pre.assign(n + 1, 0);
  a.timing.resize(n);
  std::vector<long long> cut_delta(n + 2, 0), live_delta(n + 2, 0);
  for (std::size_t p = 0; p < n; ++p) {
    const Op& op = g.ops[static_cast<std::size_t>(a.order[p])];
    a.timing[p] = op_timing(cfg.core, op.work, batch);
    const Bytes w = static_cast<Bytes>(op.weight_elems) * dtype_bytes(g.dtype);
    a.weight_pre[p + 1] = a.weight_pre[p] + (op.weights_in_dram ? 0 : w);
    a.dram_weight_pre[p + 1] = a.dram_weight_pre[p] + (op.weights_in_dram ? w : 0);
    a.dram_read_pre[p + 1] =
        a.dram_read_pre[p] + static_cast<Bytes>(op.work.dram_read_bytes) * batch;
    const Bytes bytes = g.out_bytes(a.order[p]) * batch;
    if (!consumed[p]) {
      last[p] = n;
      a.output_bytes += bytes;
    }
    if (op.kind == "input") a.input_bytes += bytes;
    // Crosses every cut c with p < c <= last[p]; alive while ops p..min(last, n-1) run.
    cut_delta[p + 1] += static_cast<long long>(bytes);
    cut_delta[last[p] + 1] -= static_cast<long long>(bytes);
    live_delta[p] += static_cast<long long>(bytes);
    live_delta[std::min(last[p], n - 1) + 1] -= static_cast<long long>(bytes);
  }
  a.cut.assign(n + 1, 0);
  a.live.assign(n, 0);
  long long c = 0, l = 0;
  for (std::size_t p = 0; p <= n; ++p) {
    c += cut_delta[p];
    a.cut[p] = static_cast<Bytes>(c);
    if (p < n) {
      l += live_delta[p];
      a.live[p] = static_cast<Bytes>(l);
    }
  }
  a.live_max.push_back(a.live);
  for (std::size_t w = 2; w <= n; w *= 2) {
    const auto& prev = a.live_max.back();
    std::vector<Bytes> next(n - w + 1);
    for (std::size_t i = 0; i + w <= n; ++i) next[i] = std::max(prev[i], prev[i + w / 2]);
    a.live_max.push_back(std::move(next));
  }
  return a;
}

/// SRAM a stage [i, j] needs: its weights, the tensors alive at its busiest op, plus the extra
/// input buffers (depth − 1 more requests' inputs) and one extra output buffer.
Bytes stage_memory(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j) {
  const Bytes in = i == 0 ? a.input_bytes : a.cut[i];
  const Bytes out = j + 1 == a.n() ? a.output_bytes : a.cut[j + 1];
  return a.weights(i, j) + a.live_peak(i, j) + (cfg.pipeline.buffer_depth - 1) * in + out;
}

/// Bandwidth (bytes/s) of the path that brings stage `s`'s input: from DRAM for the first stage,
/// over the fabric from a core of the same chip, over fabric and NeuronLink from another chip.
std::uint64_t input_path_bw(const SystemConfig& cfg, std::uint32_t s) {
  const std::uint64_t fabric = gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s);
  if (s == 0) return std::min(fabric, gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s));
  if ((s - 1) / cfg.cores_per_chip == s / cfg.cores_per_chip) return fabric;
  // NeuronLink payload rate: every packet of `payload` bytes carries `header` bytes more.
  const NeuronLinkParams& nl = cfg.neuronlink;
  const double payload_share = static_cast<double>(nl.packet_payload_bytes) /
                               (nl.packet_payload_bytes + nl.packet_header_bytes);
  return std::min(fabric, gib_per_s_to_bytes(nl.bandwidth_gib_s * payload_share));
}

Ps stage_time(const Analysis& a, const SystemConfig& cfg, std::uint32_t s, std::size_t i,
              std::size_t j) {
  const Bytes in = i == 0 ? a.input_bytes : a.cut[i];
  const std::uint64_t dram_bw = std::min(gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s),
                                         gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s));
  return a.makespan(i, j) * cfg.core_period_ps() + transfer_ps(in, input_path_bw(cfg, s)) +
         transfer_ps(a.dram_reads(i, j), dram_bw);
}

/// First position a stage after the first may start at (stage 0 holds every input op and at
/// least one op to compute).
std::size_t first_cut(const Analysis& a) {
  return a.inputs + 1;
}

std::uint32_t min_stages(const Analysis& a, const SystemConfig& cfg) {
  const std::size_t n = a.n();
  const Bytes cap = cfg.sram_bytes();
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> best(n, kNone);  // best[j]: fewest stages covering [0, j]
  for (std::size_t j = a.inputs; j < n; ++j) {
    if (stage_memory(a, cfg, 0, j) <= cap) best[j] = 1;
    for (std::size_t i = first_cut(a); i <= j; ++i) {
      if (best[i - 1] != kNone && best[i - 1] + 1 < best[j] && stage_memory(a, cfg, i, j) <= cap)
        best[j] = best[i - 1] + 1;
    }
  }
  return best[n - 1] == kNone ? 0 : best[n - 1];
}

/// Of all N-stage partitions, the smallest possible largest-stage memory (for error messages).
Bytes min_max_memory(const Analysis& a, const SystemConfig& cfg, std::uint32_t stages) {
  const std::size_t n = a.n();
  constexpr Bytes kNo = std::numeric_limits<Bytes>::max();
  std::vector<Bytes> prev(n, kNo), cur(n, kNo);
  for (std::size_t j = a.inputs; j < n; ++j) prev[j] = stage_memory(a, cfg, 0, j);
  for (std::uint32_t s = 1; s < stages; ++s) {
    std::fill(cur.begin(), cur.end(), kNo);
    for (std::size_t j = a.inputs + s; j < n; ++j)
      for (std::size_t i = first_cut(a) + s - 1; i <= j; ++i)
        if (prev[i - 1] != kNo)
          cur[j] = std::min(cur[j], std::max(prev[i - 1], stage_memory(a, cfg, i, j)));
    std::swap(prev, cur);
  }
  return prev[n - 1];
}

std::string mib(Bytes b) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << static_cast<double>(b) / static_cast<double>(kMiB) << " MiB";
  return s.str();
}

/// The plan for given stage starts (positions in the analysis' order), stage s on core s.
Plan build_plan(const Graph& g, const Analysis& a, const SystemConfig& cfg, std::uint32_t batch,
                const std::vector<std::uint32_t>& starts) {
  const std::size_t n = a.n();
  Plan p;
  p.model = g.name;
  p.config = cfg.name;
  p.cores = static_cast<std::uint32_t>(starts.size());
  p.batch = batch;
  p.sram_capacity = cfg.sram_bytes();
  p.op_order = a.order;
  p.input_bytes = a.input_bytes;
  p.output_bytes = a.output_bytes;
  p.stages.resize(starts.size());
  for (std::uint32_t s = 0; s < p.cores; ++s) {
    const std::size_t i = starts[s];
    const std::size_t j = s + 1 < p.cores ? starts[s + 1] - 1 : n - 1;
    StagePlan& st = p.stages[s];
    st.index = s;
    st.core = s;
    st.chip = s / cfg.cores_per_chip;
    st.op_begin = static_cast<std::uint32_t>(i);
    st.op_end = static_cast<std::uint32_t>(j + 1);
    st.weight_bytes = a.weights(i, j);
    st.dram_weight_bytes = a.dram_weight_pre[j + 1] - a.dram_weight_pre[i];
    st.dram_read_bytes = a.dram_reads(i, j);
    st.in_bytes = i == 0 ? a.input_bytes : a.cut[i];
    st.out_bytes = j + 1 == n ? a.output_bytes : a.cut[j + 1];
    st.sram_bytes = stage_memory(a, cfg, i, j);
    st.buffer_bytes = st.sram_bytes - st.weight_bytes;
    // The explicit allocation behind stage_memory: weights | working set | input buffers | output.
    st.working_set_bytes = a.live_peak(i, j);
    st.input_buffers = cfg.pipeline.buffer_depth - 1;
    st.input_buffer_bytes = st.input_buffers * st.in_bytes;
    st.output_buffer_bytes = st.out_bytes;
    for (std::size_t k = i; k <= j; ++k) {
      st.macs += a.timing[k].macs;
      const Op& op = g.ops[static_cast<std::size_t>(a.order[k])];
      st.sram_read_bytes +=
          tensor_operand_bytes(cfg.core, op.work.gemm, batch, dtype_bytes(g.dtype)).total();
    }
    a.schedule(i, j, [&](std::size_t k, const StageScheduler& sched) {
      if (k != j) return;
      st.tensor_cycles = sched.busy()[kTensorSlot];
      st.vector_cycles = sched.busy()[kVectorSlot];
      st.scalar_cycles = sched.busy()[kScalarSlot];
      st.dma_cycles = sched.busy()[kDmaSlot];
      st.makespan_cycles = sched.makespan();
    });
    st.est_compute_ps = st.makespan_cycles * cfg.core_period_ps();
    st.est_transfer_ps = stage_time(a, cfg, s, i, j) - st.est_compute_ps;
  }
  return p;
}

}  // namespace

Ps Plan::bottleneck_ps() const {
  Ps worst = 0;
  for (const auto& s : stages) worst = std::max(worst, s.est_stage_ps());
  return worst;
}

std::uint32_t min_cores_to_fit(const Graph& g, const SystemConfig& cfg, std::uint32_t batch) {
  validate(cfg);
  return min_stages(analyse(g, cfg, batch == 0 ? 1 : batch), cfg);
}

Plan compile(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  const std::uint32_t total = cfg.total_cores();
  const std::uint32_t stages = opts.cores == 0 ? total : opts.cores;
  if (stages > total) {
    throw CompileError("cores = " + std::to_string(stages) + ": the topology '" + cfg.name +
                       "' has " + std::to_string(total) + " NeuronCores");
  }
  Analysis a = analyse(g, cfg, opts.batch);
  a.build_span_table();  // exact stage times for every range the partition may choose
  const std::size_t n = a.n();
  const std::size_t computable = n - a.inputs;
  if (stages > computable) {
    throw CompileError("cores = " + std::to_string(stages) + ": model '" + g.name + "' has only " +
                       std::to_string(computable) + " operators to place, one stage per core");
  }
  const Bytes cap = cfg.sram_bytes();

  // best[s][j]: the smallest possible slowest-stage time when stages 0..s cover positions [0, j].
  std::vector<std::vector<Ps>> best(stages, std::vector<Ps>(n, kInf));
  std::vector<std::vector<std::size_t>> from(stages, std::vector<std::size_t>(n, 0));
  for (std::size_t j = a.inputs; j < n; ++j)
    if (stage_memory(a, cfg, 0, j) <= cap) best[0][j] = stage_time(a, cfg, 0, 0, j);
  for (std::uint32_t s = 1; s < stages; ++s) {
    for (std::size_t j = a.inputs + s; j < n; ++j) {
      for (std::size_t i = first_cut(a) + s - 1; i <= j; ++i) {
        const Ps before = best[s - 1][i - 1];
        if (before == kInf || before >= best[s][j]) continue;
        if (stage_memory(a, cfg, i, j) > cap) continue;
        const Ps t = std::max(before, stage_time(a, cfg, s, i, j));
        if (t < best[s][j]) {
          best[s][j] = t;
          from[s][j] = i;
        }
      }
    }
  }
  if (best[stages - 1][n - 1] == kInf) {
    const std::uint32_t need = min_stages(a, cfg);
    const Bytes worst = min_max_memory(a, cfg, stages);
    std::ostringstream msg;
    msg << "model '" << g.name << "' does not fit in " << stages << " NeuronCore"
        << (stages == 1 ? "" : "s") << " of '" << cfg.name << "': the best " << stages
        << "-stage split still needs " << worst << " bytes (" << mib(worst)
        << ") of State Buffer in its largest stage, " << (worst - cap) << " bytes more than the "
        << cap << " bytes (" << mib(cap) << ") a core has (weights total " << a.weights(0, n - 1)
        << " bytes in SRAM); ";
    if (need == 0) {
      msg << "no core count fits: a single operator needs more than one core's State Buffer";
    } else {
      msg << "the smallest core count that fits is " << need;
      if (need > total) msg << " (more than the " << total << " cores of this topology)";
    }
    throw CompileError(msg.str());
  }

  std::vector<std::uint32_t> starts(stages, 0);
  std::size_t j = n - 1;
  for (std::uint32_t s = stages; s-- > 1;) {
    starts[s] = static_cast<std::uint32_t>(from[s][j]);
    j = from[s][j] - 1;
  }
  Plan plan = build_plan(g, a, cfg, opts.batch, starts);
  // Tables kept in device DRAM must fit the DRAM of the chip whose stage reads them.
  const auto dram_cap = static_cast<Bytes>(cfg.dram.capacity_gib * static_cast<double>(kGiB));
  std::vector<Bytes> per_chip(cfg.chips, 0);
  for (const auto& st : plan.stages) per_chip[st.chip] += st.dram_weight_bytes;
  for (std::uint32_t c = 0; c < cfg.chips; ++c)
    if (per_chip[c] > dram_cap)
      throw CompileError("model '" + g.name + "': chip " + std::to_string(c) + " must keep " +
                         std::to_string(per_chip[c]) +
                         " bytes of tables in device DRAM, more "
                         "than its " +
                         std::to_string(dram_cap) + " bytes (dram.capacity_gib)");
  return plan;
}

Plan plan_from_cuts(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts,
                    const std::vector<std::uint32_t>& stage_starts) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  const Analysis a = analyse(g, cfg, opts.batch);
  if (stage_starts.empty() || stage_starts.front() != 0)
    throw CompileError("stage starts must begin with 0");
  if (stage_starts.size() > cfg.total_cores())
    throw CompileError(std::to_string(stage_starts.size()) + " stages: the topology '" + cfg.name +
                       "' has " + std::to_string(cfg.total_cores()) + " NeuronCores");
  for (std::size_t s = 1; s < stage_starts.size(); ++s) {
    if (stage_starts[s] <= stage_starts[s - 1] || stage_starts[s] < first_cut(a) ||
        stage_starts[s] >= a.n())
      throw CompileError("stage " + std::to_string(s) + " starts at position " +
                         std::to_string(stage_starts[s]) +
                         ": starts must increase, leave every input and one op to stage 0, and "
                         "stay below " +
                         std::to_string(a.n()));
  }
  return build_plan(g, a, cfg, opts.batch, stage_starts);
}

namespace {
/// The State Buffer regions of a stage, with their offsets (in the order of StagePlan's fields).
nlohmann::json sram_allocation_json(const StagePlan& s, Bytes capacity) {
  nlohmann::json regions = nlohmann::json::array();
  Bytes at = 0;
  const auto region = [&](const char* name, Bytes bytes, std::uint32_t count) {
    regions.push_back({{"region", name}, {"offset", at}, {"bytes", bytes}, {"count", count}});
    at += bytes;
  };
  region("weights", s.weight_bytes, 1);
  region("working_set", s.working_set_bytes, 1);
  region("input_buffers", s.input_buffer_bytes, s.input_buffers);
  region("output_buffer", s.output_buffer_bytes, 1);
  region("free", capacity > at ? capacity - at : 0, 1);
  return regions;
}
}  // namespace

nlohmann::json plan_to_json(const Plan& p, const Graph& g) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : p.stages) {
    nlohmann::json ops = nlohmann::json::array();
    for (std::uint32_t k = s.op_begin; k < s.op_end; ++k)
      ops.push_back(g.ops.at(static_cast<std::size_t>(p.op_order.at(k))).name);
    stages.push_back({{"index", s.index},
                      {"core", s.core},
                      {"chip", s.chip},
                      {"ops", ops},
                      {"weight_bytes", s.weight_bytes},
                      {"dram_weight_bytes", s.dram_weight_bytes},
                      {"dram_read_bytes", s.dram_read_bytes},
                      {"buffer_bytes", s.buffer_bytes},
                      {"sram_bytes", s.sram_bytes},
                      {"sram_utilization",
                       static_cast<double>(s.sram_bytes) / static_cast<double>(p.sram_capacity)},
                      {"sram_allocation", sram_allocation_json(s, p.sram_capacity)},
                      {"sram_read_bytes", s.sram_read_bytes},
                      {"in_bytes", s.in_bytes},
                      {"out_bytes", s.out_bytes},
                      {"macs", s.macs},
                      {"cycles",
                       {{"tensor", s.tensor_cycles},
                        {"vector", s.vector_cycles},
                        {"scalar", s.scalar_cycles},
                        {"dma", s.dma_cycles},
                        {"total", s.cycles()},
                        {"makespan", s.makespan_cycles}}},
                      {"est_compute_us", static_cast<double>(s.est_compute_ps) / kPsPerUs},
                      {"est_transfer_us", static_cast<double>(s.est_transfer_ps) / kPsPerUs}});
  }
  return {{"model", p.model},
          {"config", p.config},
          {"cores", p.cores},
          {"batch", p.batch},
          {"sram_capacity_bytes", p.sram_capacity},
          {"input_bytes", p.input_bytes},
          {"output_bytes", p.output_bytes},
          {"est_bottleneck_us", static_cast<double>(p.bottleneck_ps()) / kPsPerUs},
          {"stages", stages}};
}

}  // namespace infsim
