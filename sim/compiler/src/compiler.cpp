#include "infsim/compiler.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include "infsim/common/error.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "infsim/interconnect/link_topology.hpp"

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
  void schedule(std::size_t i, std::size_t j, F&& f,
                std::vector<StageScheduler::Interval>* log = nullptr) const {
    StageScheduler sched;
    sched.record(log);
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

/// Analyses the graph in `order` (graph op indices, a topological order holding every op, inputs
/// first), or in the default order (inputs first, then the graph's order) when `order` is empty.
/// Throws CompileError when `order` is not a topological order of every op.
Analysis analyse(const Graph& g, const SystemConfig& cfg, std::uint32_t batch,
                 std::vector<int> order = {}) {
  g.validate();
  Analysis a;
  const std::size_t n = g.ops.size();
  if (order.empty()) {
    for (std::size_t i = 0; i < n; ++i)
      if (g.ops[i].kind == "input") a.order.push_back(static_cast<int>(i));
    for (std::size_t i = 0; i < n; ++i)
      if (g.ops[i].kind != "input") a.order.push_back(static_cast<int>(i));
  } else {
    a.order = std::move(order);
  }
  for (int op : a.order)
    if (g.ops[static_cast<std::size_t>(op)].kind == "input") ++a.inputs;
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
      if (q >= p)
        throw CompileError("op '" + g.ops[static_cast<std::size_t>(a.order[p])].name +
                           "' is placed before its input '" +
                           g.ops[static_cast<std::size_t>(in)].name + "'");
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

Bytes stage_in(const Analysis& a, std::size_t i) {
  return i == 0 ? a.input_bytes : a.cut[i];
}
Bytes stage_out(const Analysis& a, std::size_t j) {
  return j + 1 == a.n() ? a.output_bytes : a.cut[j + 1];
}

/// How a stage [i, j] uses its core's State Buffer.
struct StageFit {
  bool fits = false;        ///< static, or by streaming
  Bytes weights = 0;        ///< all its State-Buffer weights
  Bytes kept = 0;           ///< weights that stay
  Bytes streamed = 0;       ///< weights - kept
  Bytes stream_buffer = 0;  ///< reserved for streaming
  Bytes buffers = 0;        ///< activations: working set, extra inputs, one output
  Bytes sram = 0;           ///< kept + stream_buffer + buffers (what the stage needs)
  std::uint32_t chunks = 0;
};

/// The stage keeps all its weights when they fit beside its activation buffers; otherwise (when
/// streaming is allowed) it reserves the stream buffer, keeps what still fits and streams the
/// rest. Activation buffers never stream: a stage whose buffers (and stream buffer) exceed the
/// State Buffer does not fit.
StageFit stage_fit(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                   bool allow_stream) {
  StageFit f;
  const Bytes cap = cfg.sram_bytes();
  f.weights = a.weights(i, j);
  f.buffers =
      a.live_peak(i, j) + (cfg.pipeline.buffer_depth - 1) * stage_in(a, i) + stage_out(a, j);
  f.kept = f.weights;
  f.sram = f.weights + f.buffers;
  f.fits = f.sram <= cap;
  if (f.fits || !allow_stream) return f;
  f.stream_buffer = Bytes{cfg.pipeline.stream_buffer_kib} * kKiB;
  if (f.buffers + f.stream_buffer > cap) {
    f.sram = f.buffers + f.stream_buffer;  // what even streaming every weight would need
    return f;
  }
  f.kept = cap - f.buffers - f.stream_buffer;  // < weights, since weights + buffers > cap
  f.streamed = f.weights - f.kept;
  const Bytes chunk = f.stream_buffer / 2;
  f.chunks = static_cast<std::uint32_t>((f.streamed + chunk - 1) / chunk);
  f.sram = cap;
  f.fits = true;
  return f;
}

/// The path that brings a stage its input: from DRAM (the host's input lands there) for the
/// first stage of a pipeline, over the fabric from a core of the same chip, over fabric and
/// NeuronLinks from another chip.
struct InPath {
  std::uint64_t bytes_per_s = 0;
  Ps latency_ps = 0;
  std::uint32_t hops = 0;
};

/// NeuronLink hops from chip a to chip b: the configured link topology's, the very function the
/// simulator routes transfers with (interconnect/link_topology.hpp).
std::uint32_t chip_hops(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b) {
  return make_link_topology(cfg.neuronlink.topology, cfg.chips)->hops(a, b);
}

std::uint64_t dram_path_bw(const SystemConfig& cfg) {
  return std::min(gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s),
                  gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s));
}

/// `prev` is the core of the stage before, or -1 for the first stage.
InPath input_path(const SystemConfig& cfg, long long prev, std::uint32_t core) {
  const std::uint64_t fabric = gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s);
  if (prev < 0) return {dram_path_bw(cfg), 0, 0};
  const std::uint32_t ca = static_cast<std::uint32_t>(prev) / cfg.cores_per_chip;
  const std::uint32_t cb = core / cfg.cores_per_chip;
  if (ca == cb) return {fabric, 0, 0};
  // NeuronLink payload rate: every packet of `payload` bytes carries `header` bytes more.
  const NeuronLinkParams& nl = cfg.neuronlink;
  const double payload_share = static_cast<double>(nl.packet_payload_bytes) /
                               (nl.packet_payload_bytes + nl.packet_header_bytes);
  const std::uint32_t hops = chip_hops(cfg, ca, cb);
  return {std::min(fabric, gib_per_s_to_bytes(nl.bandwidth_gib_s * payload_share)),
          hops * ns_to_ps(nl.latency_ns), hops};
}

/// Compute and weight streaming together. C = compute, L = stream time, n chunks: with
/// prefetch a two-step pipeline (load chunk k+1 while computing on chunk k) over n equal chunks
/// takes max(L + C/n, C + L/n); without, the weights arrive first: L + C.
Ps streamed_compute_ps(Ps compute, Ps stream, std::uint32_t chunks, bool prefetch) {
  if (stream == 0 || chunks == 0) return compute;
  if (!prefetch) return stream + compute;
  return std::max(stream + compute / chunks, compute + stream / chunks);
}

struct StageTime {
  Ps compute = 0;           ///< makespan × period
  Ps transfer = 0;          ///< input + DRAM rows
  Ps streamed_compute = 0;  ///< compute with streaming
  Ps total() const { return transfer + streamed_compute; }
};

/// `sharers`: cores of the chip that may stream weights at once, splitting its DRAM bandwidth.
StageTime stage_time(const Analysis& a, const SystemConfig& cfg, const InPath& in,
                     const StageFit& f, std::size_t i, std::size_t j, std::uint32_t sharers) {
  StageTime t;
  t.compute = a.makespan(i, j) * cfg.core_period_ps();
  t.transfer = transfer_ps(stage_in(a, i), in.bytes_per_s) + in.latency_ps +
               transfer_ps(a.dram_reads(i, j), dram_path_bw(cfg));
  t.streamed_compute =
      streamed_compute_ps(t.compute, transfer_ps(f.streamed, dram_path_bw(cfg) / sharers), f.chunks,
                          cfg.pipeline.weight_prefetch);
  return t;
}

/// First position a stage after the first may start at (stage 0 holds every input op and at
/// least one op to compute).
std::size_t first_cut(const Analysis& a) {
  return a.inputs + 1;
}

std::uint32_t min_stages(const Analysis& a, const SystemConfig& cfg) {
  const std::size_t n = a.n();
  constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> best(n, kNone);  // best[j]: fewest stages covering [0, j]
  for (std::size_t j = a.inputs; j < n; ++j) {
    if (stage_fit(a, cfg, 0, j, false).fits) best[j] = 1;
    for (std::size_t i = first_cut(a); i <= j; ++i) {
      if (best[i - 1] != kNone && best[i - 1] + 1 < best[j] && stage_fit(a, cfg, i, j, false).fits)
        best[j] = best[i - 1] + 1;
    }
  }
  return best[n - 1] == kNone ? 0 : best[n - 1];
}

/// Of all N-stage partitions, the smallest possible largest-stage memory (for error messages).
Bytes min_max_memory(const Analysis& a, const SystemConfig& cfg, std::uint32_t stages,
                     bool allow_stream) {
  const std::size_t n = a.n();
  constexpr Bytes kNo = std::numeric_limits<Bytes>::max();
  std::vector<Bytes> prev(n, kNo), cur(n, kNo);
  const auto mem = [&](std::size_t i, std::size_t j) {
    return stage_fit(a, cfg, i, j, allow_stream).sram;
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

std::string mib(Bytes b) {
  std::ostringstream s;
  s.precision(2);
  s << std::fixed << static_cast<double>(b) / static_cast<double>(kMiB) << " MiB";
  return s.str();
}

/// The min-max dynamic programme over one placement: best[s][j] is the smallest possible
/// slowest-stage time when stages 0..s (on cores[0..s]) cover positions [0, j]. One run answers
/// every stage count up to cores.size(), since the first N stages of a chip-major placement are
/// the placement of N stages.
class Partitioner {
 public:
  /// `sharers[c]`: cores of chip c that run at once (their streams share its DRAM).
  Partitioner(const Analysis& a, const SystemConfig& cfg, std::vector<std::uint32_t> cores,
              bool allow_stream, const std::vector<std::uint32_t>& sharers)
      : a_(a), cfg_(cfg), cores_(std::move(cores)) {
    const std::size_t n = a.n();
    const auto stages = static_cast<std::uint32_t>(cores_.size());
    for (std::uint32_t s = 0; s < stages; ++s) {
      in_.push_back(
          input_path(cfg, s == 0 ? -1 : static_cast<long long>(cores_[s - 1]), cores_[s]));
      sh_.push_back(std::max<std::uint32_t>(1, sharers.at(cores_[s] / cfg.cores_per_chip)));
    }
    best_.assign(stages, std::vector<Ps>(n, kInf));
    from_.assign(stages, std::vector<std::size_t>(n, 0));
    // Fits depend on [i, j] only: compute each once (n² / 2 entries of a bit).
    fits_.assign(n, {});
    for (std::size_t i = 0; i < n; ++i) {
      fits_[i].resize(n - i);
      for (std::size_t j = i; j < n; ++j) fits_[i][j - i] = stage_fit(a, cfg, i, j, allow_stream);
    }
    for (std::size_t j = a.inputs; j < n; ++j)
      if (fit(0, j).fits) best_[0][j] = time(0, 0, j);
    for (std::uint32_t s = 1; s < stages; ++s) {
      for (std::size_t j = a.inputs + s; j < n; ++j) {
        for (std::size_t i = first_cut(a) + s - 1; i <= j; ++i) {
          const Ps before = best_[s - 1][i - 1];
          if (before == kInf || before >= best_[s][j]) continue;
          const StageFit& f = fit(i, j);
          if (!f.fits) continue;
          const Ps t = std::max(before, time(s, i, j));
          if (t < best_[s][j]) {
            best_[s][j] = t;
            from_[s][j] = i;
          }
        }
      }
    }
  }
  const StageFit& fit(std::size_t i, std::size_t j) const { return fits_[i][j - i]; }
  /// Whether `stages` stages cover the graph, and their starts.
  bool feasible(std::uint32_t stages) const { return best_[stages - 1][a_.n() - 1] != kInf; }
  Ps bottleneck(std::uint32_t stages) const { return best_[stages - 1][a_.n() - 1]; }
  /// The starts of `stages` stages. Many splits share the optimal slowest stage M; of those,
  /// the one with the smallest sum of stage times (less streaming, fewer bytes moved): a second
  /// DP, min Σ time subject to every stage <= M (lexicographic (max, sum) has no optimal
  /// substructure, the capped sum does).
  std::vector<std::uint32_t> starts(std::uint32_t stages) const {
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

 private:
  Ps time(std::uint32_t s, std::size_t i, std::size_t j) const {
    return stage_time(a_, cfg_, in_[s], fit(i, j), i, j, sh_[s]).total();
  }

  const Analysis& a_;
  const SystemConfig& cfg_;
  std::vector<InPath> in_;
  std::vector<std::uint32_t> sh_;
  std::vector<std::uint32_t> cores_;
  std::vector<std::vector<StageFit>> fits_;
  std::vector<std::vector<Ps>> best_;
  std::vector<std::vector<std::size_t>> from_;
};

/// Appends the stages of one group (its starts and cores) to the plan.
void add_group(Plan& p, const Graph& g, const Analysis& a, const SystemConfig& cfg,
               std::uint32_t group, const std::vector<std::uint32_t>& starts,
               const std::vector<std::uint32_t>& cores, bool allow_stream,
               const std::vector<std::uint32_t>& sharers) {
  const std::size_t n = a.n();
  const auto count = static_cast<std::uint32_t>(starts.size());
  for (std::uint32_t s = 0; s < count; ++s) {
    const std::size_t i = starts[s];
    const std::size_t j = s + 1 < count ? starts[s + 1] - 1 : n - 1;
    StagePlan st;
    st.index = static_cast<std::uint32_t>(p.stages.size());
    st.group = group;
    st.stage = s;
    st.core = cores[s];
    st.chip = cores[s] / cfg.cores_per_chip;
    st.op_begin = static_cast<std::uint32_t>(i);
    st.op_end = static_cast<std::uint32_t>(j + 1);
    const StageFit f = stage_fit(a, cfg, i, j, allow_stream);
    st.weight_bytes = f.kept;
    st.streamed_weight_bytes = f.streamed;
    st.stream_buffer_bytes = f.streamed > 0 ? f.stream_buffer : 0;
    st.stream_chunks = f.chunks;
    st.dram_weight_bytes = a.dram_weight_pre[j + 1] - a.dram_weight_pre[i];
    st.dram_read_bytes = a.dram_reads(i, j);
    st.in_bytes = stage_in(a, i);
    st.out_bytes = stage_out(a, j);
    st.sram_bytes = f.sram;
    st.buffer_bytes = f.buffers;
    // The explicit allocation: weights kept | stream buffer | working set | inputs | output.
    st.working_set_bytes = a.live_peak(i, j);
    st.input_buffers = cfg.pipeline.buffer_depth - 1;
    st.input_buffer_bytes = st.input_buffers * st.in_bytes;
    st.output_buffer_bytes = st.out_bytes;
    // The first ops keep their weights; the rest stream, so that their loads overlap the kept
    // ops' compute. The op that crosses the budget keeps a part and streams the rest.
    Bytes keep = f.kept;
    for (std::size_t k = i; k <= j; ++k) {
      const Op& op = g.ops[static_cast<std::size_t>(a.order[k])];
      const Bytes w = a.weight_pre[k + 1] - a.weight_pre[k];
      const Bytes kept_here = std::min(keep, w);
      keep -= kept_here;
      if (w > kept_here) st.streamed.push_back({static_cast<std::uint32_t>(k), w - kept_here});
      st.macs += a.timing[k].macs;
      st.sram_read_bytes +=
          tensor_operand_bytes(cfg.core, op.work.gemm, p.batch, dtype_bytes(g.dtype)).total();
    }
    a.schedule(
        i, j,
        [&](std::size_t k, const StageScheduler& sched) {
          if (k != j) return;
          st.tensor_cycles = sched.busy()[kTensorSlot];
          st.vector_cycles = sched.busy()[kVectorSlot];
          st.scalar_cycles = sched.busy()[kScalarSlot];
          st.dma_cycles = sched.busy()[kDmaSlot];
          st.makespan_cycles = sched.makespan();
        },
        &st.timeline);
    const InPath in = input_path(cfg, s == 0 ? -1 : static_cast<long long>(cores[s - 1]), cores[s]);
    const StageTime t =
        stage_time(a, cfg, in, f, i, j, std::max<std::uint32_t>(1, sharers.at(st.chip)));
    st.est_compute_ps = t.compute;
    st.est_transfer_ps = t.transfer;
    st.est_streamed_compute_ps = t.streamed_compute;
    if (s > 0) p.neuronlink_bytes += in.hops * st.in_bytes;
    p.stages.push_back(std::move(st));
  }
}

Plan empty_plan(const Graph& g, const Analysis& a, const SystemConfig& cfg, std::uint32_t batch,
                std::uint32_t groups, bool static_weights) {
  Plan p;
  p.model = g.name;
  p.config = cfg.name;
  p.groups = groups;
  p.batch = batch;
  p.static_weights = static_weights;
  p.sram_capacity = cfg.sram_bytes();
  p.op_order = a.order;
  p.input_bytes = a.input_bytes;
  p.output_bytes = a.output_bytes;
  return p;
}

/// Tables kept in device DRAM and streamed weights must fit the DRAM of the chip whose stage
/// reads them.
void check_dram_capacity(const Plan& plan, const Graph& g, const SystemConfig& cfg) {
  const auto dram_cap = static_cast<Bytes>(cfg.dram.capacity_gib * static_cast<double>(kGiB));
  std::vector<Bytes> per_chip(cfg.chips, 0);
  for (const auto& st : plan.stages)
    per_chip[st.chip] += st.dram_weight_bytes + st.streamed_weight_bytes;
  for (std::uint32_t c = 0; c < cfg.chips; ++c)
    if (per_chip[c] > dram_cap)
      throw CompileError("model '" + g.name + "': chip " + std::to_string(c) + " must keep " +
                         std::to_string(per_chip[c]) +
                         " bytes of tables and streamed weights in device DRAM, more than its " +
                         std::to_string(dram_cap) + " bytes (dram.capacity_gib)");
}

/// Chip-major placement of `groups` groups of `per_group` cores: group g on cores
/// [g · per_group, (g + 1) · per_group). Consecutive stages share a chip or sit on neighbouring
/// chips, and a pipeline crosses the fewest chip boundaries its core count allows.
std::vector<std::uint32_t> group_cores(std::uint32_t group, std::uint32_t per_group) {
  std::vector<std::uint32_t> c(per_group);
  for (std::uint32_t s = 0; s < per_group; ++s) c[s] = group * per_group + s;
  return c;
}

/// Cores in use on each chip, for cores 0..used-1 of a chip-major placement.
std::vector<std::uint32_t> chip_sharers(const SystemConfig& cfg, std::uint32_t used) {
  std::vector<std::uint32_t> n(cfg.chips, 0);
  for (std::uint32_t c = 0; c < used && c < cfg.total_cores(); ++c) ++n[c / cfg.cores_per_chip];
  return n;
}

/// The plan of one group's partition: all weights in SRAM when some partition allows it
/// (streaming is the fallback, as in the Neuron compiler), else streaming when allowed.
/// Returns false when neither works.
bool partition_group(const Analysis& a, const SystemConfig& cfg,
                     const std::vector<std::uint32_t>& cores, bool allow_stream,
                     const std::vector<std::uint32_t>& sharers, std::vector<std::uint32_t>& starts,
                     bool& streams) {
  const auto stages = static_cast<std::uint32_t>(cores.size());
  const Partitioner fixed(a, cfg, cores, false, sharers);
  if (fixed.feasible(stages)) {
    starts = fixed.starts(stages);
    streams = false;
    return true;
  }
  if (!allow_stream) return false;
  const Partitioner streaming(a, cfg, cores, true, sharers);
  if (!streaming.feasible(stages)) return false;
  starts = streaming.starts(stages);
  streams = true;
  return true;
}

/// The not-fit message for `stages` stages.
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
    msg << "; even streaming every weight, its activation buffers and the "
        << cfg.pipeline.stream_buffer_kib << " KiB stream buffer do not fit";
  msg << "); ";
  if (need == 0) {
    msg << "no core count keeps all weights in SRAM: a single operator needs more than one "
           "core's State Buffer";
  } else {
    msg << "the smallest core count that fits is " << need;
    if (need > cfg.total_cores())
      msg << " (more than the " << cfg.total_cores() << " cores of this topology)";
  }
  if (!allow_stream) msg << " (static weights: streaming weights from DRAM is off)";
  return msg.str();
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

std::uint32_t aws_rule_of_thumb_cores(const Graph& g) {
  const double units = std::round(static_cast<double>(g.param_count()) / 2e7);
  return std::max<std::uint32_t>(1, 4 * static_cast<std::uint32_t>(units));
}

Plan compile(const Graph& g, const SystemConfig& cfg, const CompileOptions& opts) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  if (opts.groups == 0) throw CompileError("groups must be at least 1");
  const std::uint32_t total = cfg.total_cores();
  if (opts.groups > total)
    throw CompileError("groups = " + std::to_string(opts.groups) + ": the topology '" + cfg.name +
                       "' has " + std::to_string(total) + " NeuronCores");
  const std::uint32_t stages = opts.cores == 0 ? total / opts.groups : opts.cores;
  if (stages * opts.groups > total) {
    throw CompileError(
        "cores = " + std::to_string(stages) +
        (opts.groups > 1 ? " per group × " + std::to_string(opts.groups) + " groups" : "") +
        ": the topology '" + cfg.name + "' has " + std::to_string(total) + " NeuronCores");
  }
  const bool allow_stream = !opts.static_weights;
  Analysis a = analyse(g, cfg, opts.batch);
  a.build_span_table();  // exact stage times for every range the partition may choose
  const std::size_t computable = a.n() - a.inputs;
  if (stages > computable) {
    throw CompileError("cores = " + std::to_string(stages) + ": model '" + g.name + "' has only " +
                       std::to_string(computable) + " operators to place, one stage per core");
  }
  Plan plan = empty_plan(g, a, cfg, opts.batch, opts.groups, opts.static_weights);
  const std::vector<std::uint32_t> sharers = chip_sharers(cfg, stages * opts.groups);
  // Groups whose placement crosses chips at the same stages, by the same hops, and shares chips
  // with as many cores cost the same: one partition serves them all.
  std::vector<std::uint32_t> shape_of_first;
  std::vector<std::uint32_t> starts;
  bool streams = false;
  for (std::uint32_t grp = 0; grp < opts.groups; ++grp) {
    const std::vector<std::uint32_t> cores = group_cores(grp, stages);
    std::vector<std::uint32_t> shape;  // per stage: hops into it (+1; 0 = same chip), sharers
    for (std::uint32_t s = 0; s < stages; ++s) {
      const std::uint32_t chip = cores[s] / cfg.cores_per_chip;
      shape.push_back(sharers[chip]);
      if (s > 0)
        shape.push_back(chip == cores[s - 1] / cfg.cores_per_chip
                            ? 0
                            : 1 + chip_hops(cfg, cores[s - 1] / cfg.cores_per_chip, chip));
    }
    if (grp == 0 || shape != shape_of_first) {
      if (!partition_group(a, cfg, cores, allow_stream, sharers, starts, streams))
        throw CompileError(not_fit_message(g, a, cfg, stages, allow_stream));
      if (grp == 0) shape_of_first = shape;
    }
    add_group(plan, g, a, cfg, grp, starts, cores, streams, sharers);
  }
  plan.cores = static_cast<std::uint32_t>(plan.stages.size());
  check_dram_capacity(plan, g, cfg);
  return plan;
}

std::vector<CoreCountRow> core_count_table(const Graph& g, const SystemConfig& cfg,
                                           const CompileOptions& opts, std::uint32_t max_cores) {
  validate(cfg);
  if (opts.batch == 0) throw CompileError("batch must be at least 1");
  Analysis a = analyse(g, cfg, opts.batch);
  a.build_span_table();
  const std::uint32_t limit = static_cast<std::uint32_t>(
      std::min<std::size_t>({max_cores, cfg.total_cores(), a.n() - a.inputs}));
  const std::vector<std::uint32_t> cores = group_cores(0, limit);
  const bool allow_stream = !opts.static_weights;
  // Static fits do not depend on the DRAM share: one run of the partitioner answers every N.
  // Streaming plans share each chip's DRAM among the cores in use on it: a pipeline of fewer
  // cores than a chip has gets its own run; longer ones assume every chip full (exact but for
  // a partly used last chip, where the estimate is conservative).
  const Partitioner fixed(a, cfg, cores, false, chip_sharers(cfg, limit));
  std::vector<std::uint32_t> full(cfg.chips, cfg.cores_per_chip);
  std::unique_ptr<Partitioner> streaming_full;
  std::vector<CoreCountRow> rows;
  for (std::uint32_t n = 1; n <= limit; ++n) {
    CoreCountRow r;
    r.cores = n;
    r.fits_static = fixed.feasible(n);
    std::vector<std::uint32_t> starts;
    bool streams = false;
    std::vector<std::uint32_t> sharers = chip_sharers(cfg, n);
    if (r.fits_static) {
      starts = fixed.starts(n);
      r.compiles = true;
    } else if (allow_stream) {
      const Partitioner* part = nullptr;
      std::unique_ptr<Partitioner> own;
      if (n < cfg.cores_per_chip) {
        own = std::make_unique<Partitioner>(a, cfg, group_cores(0, n), true, sharers);
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
      add_group(p, g, a, cfg, 0, starts, group_cores(0, n), streams, sharers);
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
  Plan p = empty_plan(g, a, cfg, opts.batch, 1, opts.static_weights);
  const auto count = static_cast<std::uint32_t>(stage_starts.size());
  add_group(p, g, a, cfg, 0, stage_starts, group_cores(0, count), !opts.static_weights,
            chip_sharers(cfg, count));
  p.cores = count;
  return p;
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
  if (s.stream_buffer_bytes > 0) region("stream_buffer", s.stream_buffer_bytes, 2);
  region("working_set", s.working_set_bytes, 1);
  region("input_buffers", s.input_buffer_bytes, s.input_buffers);
  region("output_buffer", s.output_buffer_bytes, 1);
  region("free", capacity > at ? capacity - at : 0, 1);
  return regions;
}

[[noreturn]] void plan_error(const std::string& origin, const std::string& what) {
  throw CompileError(origin + ": " + what);
}

const nlohmann::json& member(const nlohmann::json& obj, const char* key, const std::string& origin,
                             const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end()) plan_error(origin, where + ": \"" + key + "\" is required");
  return *it;
}

std::uint32_t whole(const nlohmann::json& v, const std::string& origin, const std::string& where,
                    std::uint32_t lo) {
  if (!v.is_number_integer() || v.get<long long>() < lo ||
      v.get<long long>() > std::numeric_limits<std::uint32_t>::max())
    plan_error(origin,
               where + " must be a whole number >= " + std::to_string(lo) + ", got " + v.dump());
  return static_cast<std::uint32_t>(v.get<long long>());
}

}  // namespace

Plan plan_from_json(const nlohmann::json& j, const Graph& g, const SystemConfig& cfg,
                    const std::string& origin) {
  validate(cfg);
  g.validate();
  if (!j.is_object()) plan_error(origin, "a plan must be a JSON object");
  // Keys plan_to_json writes; the derived ones are recomputed.
  static const std::vector<std::string> top_keys = {"model",
                                                    "config",
                                                    "cores",
                                                    "groups",
                                                    "mode",
                                                    "batch",
                                                    "static_weights",
                                                    "sram_capacity_bytes",
                                                    "input_bytes",
                                                    "output_bytes",
                                                    "est_bottleneck_us",
                                                    "neuronlink_bytes",
                                                    "stages"};
  static const std::vector<std::string> stage_keys = {"index",
                                                      "group",
                                                      "stage",
                                                      "core",
                                                      "chip",
                                                      "ops",
                                                      "weight_bytes",
                                                      "streamed_weight_bytes",
                                                      "stream_buffer_bytes",
                                                      "stream_chunks",
                                                      "streamed_ops",
                                                      "dram_weight_bytes",
                                                      "dram_read_bytes",
                                                      "buffer_bytes",
                                                      "sram_bytes",
                                                      "sram_utilization",
                                                      "sram_allocation",
                                                      "sram_read_bytes",
                                                      "in_bytes",
                                                      "out_bytes",
                                                      "macs",
                                                      "cycles",
                                                      "est_compute_us",
                                                      "est_transfer_us",
                                                      "est_stage_us"};
  const auto known = [](const std::vector<std::string>& keys, const std::string& k) {
    return std::find(keys.begin(), keys.end(), k) != keys.end();
  };
  for (const auto& [k, v] : j.items())
    if (!known(top_keys, k)) plan_error(origin, "unknown key \"" + k + "\"");
  if (j.contains("model") && (!j["model"].is_string() || j["model"].get<std::string>() != g.name))
    plan_error(origin, "\"model\" is " + j["model"].dump() + " but the graph is '" + g.name + "'");
  const std::uint32_t batch = j.contains("batch") ? whole(j["batch"], origin, "\"batch\"", 1) : 1;
  bool static_weights = false;
  if (j.contains("static_weights")) {
    if (!j["static_weights"].is_boolean())
      plan_error(origin, "\"static_weights\" must be true or false");
    static_weights = j["static_weights"].get<bool>();
  }
  const nlohmann::json& stages = member(j, "stages", origin, "the plan");
  if (!stages.is_array() || stages.empty())
    plan_error(origin, "\"stages\" must be a non-empty array");

  // Per stage: its group, core and op names, in the file's order.
  struct Entry {
    std::uint32_t group, core;
    std::vector<int> ops;
  };
  std::vector<Entry> entries;
  std::vector<int> used_core(cfg.total_cores(), -1);
  std::uint32_t groups = 0;
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const std::string where = "stages[" + std::to_string(s) + "]";
    const nlohmann::json& st = stages[s];
    if (!st.is_object()) plan_error(origin, where + " must be an object");
    for (const auto& [k, v] : st.items())
      if (!known(stage_keys, k)) plan_error(origin, where + ": unknown key \"" + k + "\"");
    Entry e;
    e.group = st.contains("group") ? whole(st["group"], origin, where + ".group", 0) : 0;
    e.core = whole(member(st, "core", origin, where), origin, where + ".core", 0);
    if (e.core >= cfg.total_cores())
      plan_error(origin, where + ".core = " + std::to_string(e.core) + ": the topology '" +
                             cfg.name + "' has cores 0.." + std::to_string(cfg.total_cores() - 1));
    if (used_core[e.core] >= 0)
      plan_error(origin, where + ".core = " + std::to_string(e.core) +
                             " is already used by stages[" + std::to_string(used_core[e.core]) +
                             "] (one stage per core)");
    used_core[e.core] = static_cast<int>(s);
    if (!entries.empty() && e.group < entries.back().group)
      plan_error(origin, where + ": stages must be listed group by group, in increasing group");
    if (!entries.empty() && e.group > entries.back().group + 1)
      plan_error(origin, where + ".group = " + std::to_string(e.group) + " skips group " +
                             std::to_string(entries.back().group + 1));
    if (entries.empty() && e.group != 0) plan_error(origin, where + ": the first group must be 0");
    groups = e.group + 1;
    const nlohmann::json& ops = member(st, "ops", origin, where);
    if (!ops.is_array() || ops.empty())
      plan_error(origin, where + ".ops must be a non-empty array of op names");
    for (const auto& name : ops) {
      if (!name.is_string())
        plan_error(origin, where + ".ops holds " + name.dump() + ", not a name");
      const int op = g.find(name.get<std::string>());
      if (op < 0)
        plan_error(origin, where + ".ops: '" + name.get<std::string>() + "' is not an op of '" +
                               g.name + "'");
      e.ops.push_back(op);
    }
    entries.push_back(std::move(e));
  }

  // Each group: every op exactly once, in the same order as group 0; inputs may be left out
  // (they join the group's first stage).
  std::vector<int> order;
  std::vector<std::vector<std::uint32_t>> starts(groups), cores(groups);
  for (std::uint32_t grp = 0; grp < groups; ++grp) {
    std::vector<int> seen_at(g.ops.size(), -1);
    std::vector<int> flat;
    for (std::size_t s = 0; s < entries.size(); ++s) {
      if (entries[s].group != grp) continue;
      if (cores[grp].empty()) {
        for (std::size_t i = 0; i < g.ops.size(); ++i)
          if (g.ops[i].kind == "input" && std::find(entries[s].ops.begin(), entries[s].ops.end(),
                                                    static_cast<int>(i)) == entries[s].ops.end()) {
            bool listed_later = false;
            for (std::size_t t = s + 1; t < entries.size() && entries[t].group == grp; ++t)
              listed_later |= std::find(entries[t].ops.begin(), entries[t].ops.end(),
                                        static_cast<int>(i)) != entries[t].ops.end();
            if (!listed_later) flat.push_back(static_cast<int>(i));
          }
      }
      starts[grp].push_back(static_cast<std::uint32_t>(flat.size()));
      cores[grp].push_back(entries[s].core);
      for (int op : entries[s].ops) {
        if (seen_at[static_cast<std::size_t>(op)] >= 0)
          plan_error(origin, "stages[" + std::to_string(s) + "]: op '" +
                                 g.ops[static_cast<std::size_t>(op)].name +
                                 "' is already in stages[" +
                                 std::to_string(seen_at[static_cast<std::size_t>(op)]) + "]");
        seen_at[static_cast<std::size_t>(op)] = static_cast<int>(s);
        flat.push_back(op);
      }
    }
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < g.ops.size(); ++i)
      if (std::find(flat.begin(), flat.end(), static_cast<int>(i)) == flat.end())
        missing.push_back(g.ops[i].name);
    if (!missing.empty()) {
      std::string list;
      for (std::size_t m = 0; m < missing.size() && m < 5; ++m)
        list += (m ? ", '" : "'") + missing[m] + "'";
      if (missing.size() > 5) list += ", ...";
      plan_error(origin, "group " + std::to_string(grp) + " leaves " +
                             std::to_string(missing.size()) + " op(s) out: " + list);
    }
    if (grp == 0) {
      order = flat;
    } else if (flat != order) {
      plan_error(origin, "group " + std::to_string(grp) +
                             " lists the ops in another order than group 0 (groups share one op "
                             "order; they may cut it differently)");
    }
  }
  // Inputs must come before everything they feed; the order must be topological.
  Analysis a = [&] {
    try {
      return analyse(g, cfg, batch, order);
    } catch (const CompileError& e) {
      plan_error(origin, e.what());
    }
  }();
  for (std::uint32_t grp = 0; grp < groups; ++grp) {
    if (starts[grp].size() > 1 && starts[grp][1] < first_cut(a))
      plan_error(origin, "group " + std::to_string(grp) +
                             ": the first stage must hold every input and at least one op to "
                             "compute");
  }
  a.build_span_table();
  const bool allow_stream = !static_weights;
  Plan plan = empty_plan(g, a, cfg, batch, groups, static_weights);
  // Cores in use per chip, from the cores the file names.
  std::vector<std::uint32_t> sharers(cfg.chips, 0);
  for (const auto& e : entries) ++sharers[e.core / cfg.cores_per_chip];
  for (std::uint32_t grp = 0; grp < groups; ++grp)
    add_group(plan, g, a, cfg, grp, starts[grp], cores[grp], allow_stream, sharers);
  plan.cores = static_cast<std::uint32_t>(plan.stages.size());
  for (const auto& st : plan.stages) {
    if (st.sram_bytes > plan.sram_capacity)
      plan_error(origin, "stages[" + std::to_string(st.index) + "] (core " +
                             std::to_string(st.core) + ") needs " + std::to_string(st.sram_bytes) +
                             " bytes of State Buffer, more than the " +
                             std::to_string(plan.sram_capacity) + " bytes a core has" +
                             (allow_stream ? " even streaming its weights" : " (static weights)"));
  }
  try {
    check_dram_capacity(plan, g, cfg);
  } catch (const CompileError& e) {
    plan_error(origin, e.what());
  }
  return plan;
}

Plan load_plan_file(const std::string& path, const Graph& g, const SystemConfig& cfg) {
  std::ifstream f(path);
  if (!f) throw IoError("cannot read plan file '" + path + "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    throw CompileError("plan file '" + path + "' is not valid JSON: " + e.what());
  }
  return plan_from_json(j, g, cfg, "plan file '" + path + "'");
}

nlohmann::json plan_to_json(const Plan& p, const Graph& g) {
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& s : p.stages) {
    nlohmann::json ops = nlohmann::json::array();
    for (std::uint32_t k = s.op_begin; k < s.op_end; ++k)
      ops.push_back(g.ops.at(static_cast<std::size_t>(p.op_order.at(k))).name);
    nlohmann::json streamed = nlohmann::json::array();
    for (const auto& so : s.streamed)
      streamed.push_back(
          {{"op", g.ops.at(static_cast<std::size_t>(p.op_order.at(so.position))).name},
           {"bytes", so.bytes}});
    stages.push_back({{"index", s.index},
                      {"group", s.group},
                      {"stage", s.stage},
                      {"core", s.core},
                      {"chip", s.chip},
                      {"ops", ops},
                      {"weight_bytes", s.weight_bytes},
                      {"streamed_weight_bytes", s.streamed_weight_bytes},
                      {"stream_buffer_bytes", s.stream_buffer_bytes},
                      {"stream_chunks", s.stream_chunks},
                      {"streamed_ops", streamed},
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
                      {"est_transfer_us", static_cast<double>(s.est_transfer_ps) / kPsPerUs},
                      {"est_stage_us", static_cast<double>(s.est_stage_ps()) / kPsPerUs}});
  }
  return {{"model", p.model},
          {"config", p.config},
          {"mode", p.mode()},
          {"cores", p.cores},
          {"groups", p.groups},
          {"batch", p.batch},
          {"static_weights", p.static_weights},
          {"sram_capacity_bytes", p.sram_capacity},
          {"input_bytes", p.input_bytes},
          {"output_bytes", p.output_bytes},
          {"neuronlink_bytes", p.neuronlink_bytes},
          {"est_bottleneck_us", static_cast<double>(p.bottleneck_ps()) / kPsPerUs},
          {"stages", stages}};
}

}  // namespace infsim
