#include "spill.hpp"

#include <algorithm>

#include "cost_model.hpp"

namespace infsim::compiler_detail {

SpillPlan plan_spills(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                      Bytes budget, bool io_in_dram, std::vector<OpSpill>* detail) {
  SpillPlan sp;
  const std::size_t len = j - i + 1;
  // The tensors that enter the stage (made before i, read in [i, j]).
  std::vector<std::size_t> ins;
  for (std::size_t p = i; p <= j; ++p)
    for (std::size_t q : a.preds[p])
      if (q < i) ins.push_back(q);
  std::sort(ins.begin(), ins.end());
  ins.erase(std::unique(ins.begin(), ins.end()), ins.end());
  // Resident activations at each op: live, less what the buffers in DRAM hold.
  std::vector<long long> res(len + 1, 0);
  if (io_in_dram) {
    for (std::size_t q : ins) {
      res[0] -= static_cast<long long>(a.out[q]);
      res[std::min(a.last[q], j) - i + 1] += static_cast<long long>(a.out[q]);
    }
    for (std::size_t q = i; q <= j; ++q)
      if (a.last[q] > j) res[q - i] -= static_cast<long long>(a.out[q]);
  }
  // over[k]: ops over the budget, as prefix counts.
  std::vector<std::uint32_t> over(len + 1, 0);
  long long crossing = 0;
  for (std::size_t k = 0; k < len; ++k) {
    crossing += res[k];
    const Bytes resident = a.live[i + k] - static_cast<Bytes>(-crossing);
    const bool o = resident > budget;
    if (o && a.foot[i + k] > budget) return sp;  // not even its smallest tiles fit
    sp.resident_peak = std::max(sp.resident_peak, o ? a.foot[i + k] : resident);
    over[k + 1] = over[k] + (o ? 1 : 0);
  }
  sp.feasible = true;
  if (over[len] == 0 && !io_in_dram) return sp;
  const auto spilled = [&](std::size_t q) {
    const bool crosses = q < i || a.last[q] > j;
    if (io_in_dram && crosses) return true;
    const std::size_t lo = std::max(q, i) - i;
    const std::size_t hi = std::min(a.last[q], j) - i;
    return over[hi + 1] > over[lo];
  };
  std::vector<Bytes> rd(len, 0), wr(len, 0);
  std::vector<char> out_dram(len, 0);
  for (std::size_t q : ins)  // lands in DRAM (or is spilled from its input buffer) at the start
    if (spilled(q)) wr[0] += a.out[q];
  for (std::size_t p = i; p <= j; ++p) {
    if (spilled(p)) {
      out_dram[p - i] = 1;
      wr[p - i] += a.out[p];
      if (a.last[p] > j) rd[len - 1] += a.out[p];  // read once more to be sent on
    }
    for (std::size_t q : a.preds[p])
      if (spilled(q)) rd[p - i] += a.out[q];
  }
  for (std::size_t q : ins)  // passes through the stage: read once more to be sent on
    if (a.last[q] > j && spilled(q)) rd[len - 1] += a.out[q];
  const std::uint64_t bw = dram_path_bw(cfg);
  const Ps period = cfg.core_period_ps();
  const Bytes tile = Bytes{cfg.pipeline.tile_kib} * kKiB;
  for (std::size_t k = 0; k < len; ++k) {
    const Bytes moved = rd[k] + wr[k];
    if (moved == 0 && !out_dram[k]) continue;
    const Cycles s = a.op_span[i + k];
    const Cycles l = ceil_div(transfer_ps(moved, bw), period);
    const std::uint64_t t = std::max<std::uint64_t>(1, ceil_div(moved, tile));
    const Cycles stall = std::max(s + l / t, l + s / t) - s;
    sp.read_bytes += rd[k];
    sp.write_bytes += wr[k];
    sp.stall += stall;
    sp.tiles += t;
    if (detail != nullptr)
      detail->push_back(
          {static_cast<std::uint32_t>(i + k), t, out_dram[k] != 0, rd[k], wr[k], stall});
  }
  return sp;
}

}  // namespace infsim::compiler_detail
