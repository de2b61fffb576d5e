#include "analysis.hpp"

#include <string>
#include <utility>

#include "infsim/common/error.hpp"

namespace infsim::compiler_detail {

void RangeMax::build(const std::vector<Bytes>& v) {
  t_.assign(1, v);
  for (std::size_t w = 2; w <= v.size(); w *= 2) {
    const auto& prev = t_.back();
    std::vector<Bytes> next(v.size() - w + 1);
    for (std::size_t i = 0; i + w <= v.size(); ++i) next[i] = std::max(prev[i], prev[i + w / 2]);
    t_.push_back(std::move(next));
  }
}

Analysis analyse(const Graph& g, const SystemConfig& cfg, std::uint32_t batch,
                 std::vector<int> order) {
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
  std::vector<std::size_t>& last = a.last;
  last.assign(n, 0);
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
  a.out.resize(n);
  a.op_span.resize(n);
  std::vector<long long> cut_delta(n + 2, 0), live_delta(n + 2, 0);
  for (std::size_t p = 0; p < n; ++p) {
    const Op& op = g.ops[static_cast<std::size_t>(a.order[p])];
    a.timing[p] = op_timing(cfg.core, op.work, batch);
    const Bytes w = static_cast<Bytes>(op.weight_elems) * dtype_bytes(g.dtype);
    a.weight_pre[p + 1] = a.weight_pre[p] + (op.weights_in_dram ? 0 : w);
    a.dram_weight_pre[p + 1] = a.dram_weight_pre[p] + (op.weights_in_dram ? w : 0);
    a.dram_read_pre[p + 1] =
        a.dram_read_pre[p] + static_cast<Bytes>(op.work.dram_read_bytes) * batch;
    a.op_span[p] = a.timing[p].span();
    const Bytes bytes = g.out_bytes(a.order[p]) * batch;
    a.out[p] = bytes;
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
  a.live_max.build(a.live);
  const Bytes tile = Bytes{cfg.pipeline.tile_kib} * kKiB;
  const auto tiles_of = [&](Bytes b) { return 2 * std::min(b, tile); };
  a.foot.resize(n);
  std::vector<Bytes> need(n);
  for (std::size_t p = 0; p < n; ++p) {
    Bytes f = tiles_of(a.out[p]);
    for (std::size_t q : a.preds[p]) f += tiles_of(a.out[q]);
    a.foot[p] = f;
    need[p] = std::min(a.live[p], f);
  }
  a.need_max.build(need);
  return a;
}

}  // namespace infsim::compiler_detail
