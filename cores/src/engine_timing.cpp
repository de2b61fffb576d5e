#include "infsim/cores/engine_timing.hpp"

#include <algorithm>

namespace infsim {

double TensorTiming::utilization() const {
  if (cycles == 0 || array_cells == 0) return 0.0;
  return static_cast<double>(macs) / (static_cast<double>(cycles) * array_cells);
}

TensorTiming tensor_gemm_timing(const TensorEngineParams& p, const GemmShape& g,
                                std::uint64_t batch) {
  TensorTiming t;
  t.array_cells = static_cast<std::uint64_t>(p.rows) * p.cols;
  if (g.empty() || batch == 0) return t;
  const std::uint64_t r = p.rows, c = p.cols;
  const std::uint64_t m = static_cast<std::uint64_t>(g.m) * batch;
  t.folds = static_cast<std::uint64_t>(g.groups) * ceil_div(static_cast<std::uint64_t>(g.k), r) *
            ceil_div(static_cast<std::uint64_t>(g.n), c);
  t.macs = static_cast<std::uint64_t>(g.macs()) * batch;
  const std::uint64_t fill_drain = r + c - 2;
  if (p.weight_load_overlap) {
    t.cycles = r + (t.folds - 1) * std::max(m, r) + m + fill_drain;
  } else {
    t.cycles = t.folds * (r + m + fill_drain);
  }
  return t;
}

Cycles engine_cycles(std::uint64_t flops, std::uint32_t flops_per_cycle) {
  return flops == 0 ? 0 : ceil_div(flops, flops_per_cycle);
}

OpTiming op_timing(const CoreParams& p, const OpWork& w, std::uint64_t batch) {
  OpTiming t;
  const TensorTiming tt = tensor_gemm_timing(p.tensor, w.gemm, batch);
  t.tensor = tt.cycles;
  t.macs = tt.macs;
  t.vector =
      engine_cycles(static_cast<std::uint64_t>(w.vector_flops) * batch, p.vector_flops_per_cycle);
  t.scalar =
      engine_cycles(static_cast<std::uint64_t>(w.scalar_flops) * batch, p.scalar_flops_per_cycle);
  t.dma = engine_cycles(static_cast<std::uint64_t>(w.moved_bytes) * batch, p.sram_bytes_per_cycle);
  return t;
}

}  // namespace infsim
