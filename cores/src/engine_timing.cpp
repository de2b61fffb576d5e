#include "infsim/cores/engine_timing.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace infsim {

double TensorTiming::utilization() const {
  if (cycles == 0 || array_cells == 0) return 0.0;
  return static_cast<double>(macs) / (static_cast<double>(cycles) * array_cells);
}

std::uint64_t psum_rows(const TensorEngineParams& p, Bytes psum_bytes) {
  const Bytes row = kPsumBytesPerSum * p.cols;
  return std::max<std::uint64_t>(1, psum_bytes / row);
}

TensorTiming tensor_gemm_timing(const TensorEngineParams& p, const GemmShape& g,
                                std::uint64_t batch, Bytes psum_bytes) {
  TensorTiming t;
  t.array_cells = static_cast<std::uint64_t>(p.rows) * p.cols;
  if (g.empty() || batch == 0) return t;
  const std::uint64_t r = p.rows, c = p.cols;
  const std::uint64_t m = static_cast<std::uint64_t>(g.m) * batch;
  const std::uint64_t groups = static_cast<std::uint64_t>(g.groups);
  const std::uint64_t kf = ceil_div(static_cast<std::uint64_t>(g.k), r);
  const std::uint64_t nf = ceil_div(static_cast<std::uint64_t>(g.n), c);
  t.folds = groups * kf * nf;
  t.macs = static_cast<std::uint64_t>(g.macs()) * batch;
  // PSUM: P rows of C accumulators per column tile. Only a reduction over several k-folds has to
  // keep a chunk's partial sums resident; with one k-fold the outputs are final as they leave the
  // array and the PSUM is a window evacuated behind the stream (no re-load).
  const std::uint64_t prow = psum_rows(p, psum_bytes);
  const std::uint64_t windows = ceil_div(m, prow);
  const std::uint64_t s = kf > 1 ? windows : 1;
  const std::uint64_t full = s > 1 ? prow : m;  // rows of every chunk but the last
  const std::uint64_t last = m - (s - 1) * full;
  t.row_chunks = s;
  t.chunk_rows = full;
  t.weight_loads = t.folds * s;
  t.evacuations = groups * nf * windows;
  const std::uint64_t fill_drain = r + c - 2;
  if (p.weight_load_overlap) {
    // Passes (tile, chunk) in schedule order; consecutive passes start max(rows, R) apart.
    const std::uint64_t per_tile = (s - 1) * std::max(full, r) + std::max(last, r);
    t.cycles = r + t.folds * per_tile - std::max(last, r) + last + fill_drain;
  } else {
    t.cycles = t.weight_loads * (r + fill_drain) + t.folds * m;
  }
  return t;
}

TensorTiming tensor_gemm_timing(const CoreParams& p, const GemmShape& g, std::uint64_t batch) {
  const auto psum = static_cast<Bytes>(std::llround(p.psum_capacity_kib * kKiB));
  return tensor_gemm_timing(p.tensor, g, batch, psum);
}

Cycles engine_cycles(std::uint64_t flops, std::uint32_t flops_per_cycle) {
  return flops == 0 ? 0 : ceil_div(flops, flops_per_cycle);
}

OpTiming op_timing(const CoreParams& p, const OpWork& w, std::uint64_t batch) {
  OpTiming t;
  const TensorTiming tt = tensor_gemm_timing(p, w.gemm, batch);
  t.cycles[Engine::Tensor] = tt.cycles;
  t.macs = tt.macs;
  t.units = tt.evacuations;
  t.cycles[Engine::Vector] =
      engine_cycles(static_cast<std::uint64_t>(w.vector_flops) * batch, p.vector_flops_per_cycle);
  t.cycles[Engine::Scalar] =
      engine_cycles(static_cast<std::uint64_t>(w.scalar_flops) * batch, p.scalar_flops_per_cycle);
  t.cycles[Engine::Move] =
      engine_cycles(static_cast<std::uint64_t>(w.moved_bytes) * batch, p.sram_bytes_per_cycle);
  return t;
}

Cycles OpTiming::span() const {
  StageScheduler s;
  return s.add(*this, 0).finish;
}

StageScheduler::Slot StageScheduler::add(const OpTiming& t, Cycles ready) {
  const PerEngine<Cycles>& work = t.cycles;
  const Cycles tensor = work[Engine::Tensor];
  Slot slot{ready, ready};
  bool started = false;
  if (tensor > 0) {
    const Cycles ts = std::max(ready, free_[Engine::Tensor]);
    const Cycles te = ts + tensor;
    free_[Engine::Tensor] = te;
    busy_[Engine::Tensor] += tensor;
    if (log_ != nullptr) log_->push_back({ops_, Engine::Tensor, ts, te});
    slot = {ts, te};
    started = true;
    // Epilogues (a fused activation) follow the U evacuated PSUM blocks: a flow shop of U equal
    // jobs, first job ready after ⌈T/U⌉, last one ⌈E/U⌉ long after the tensor part ends.
    const std::uint64_t u = std::max<std::uint64_t>(1, t.units);
    const Cycles lead = ceil_div(tensor, u);
    for (Engine e : kEngines) {
      if (e == Engine::Tensor || work[e] == 0) continue;
      const Cycles es = std::max(free_[e], ts + lead);
      const Cycles ee = std::max(es + work[e], te + ceil_div(work[e], u));
      free_[e] = ee;
      busy_[e] += work[e];
      if (log_ != nullptr) log_->push_back({ops_, e, es, ee});
      slot.finish = std::max(slot.finish, ee);
    }
  } else {
    Cycles at = ready;
    for (Engine e : kEngines) {
      if (e == Engine::Tensor || work[e] == 0) continue;
      const Cycles es = std::max(at, free_[e]);
      if (!started) slot.start = es;
      started = true;
      at = es + work[e];
      free_[e] = at;
      busy_[e] += work[e];
      if (log_ != nullptr) log_->push_back({ops_, e, es, at});
    }
    slot.finish = at;
  }
  makespan_ = std::max(makespan_, slot.finish);
  ++ops_;
  return slot;
}

StageSchedule schedule_stage(const CoreParams& p, const std::vector<StageOp>& ops,
                             std::uint64_t batch) {
  StageSchedule out;
  StageScheduler sched;
  out.op_start.reserve(ops.size());
  out.op_finish.reserve(ops.size());
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Cycles ready = 0;
    for (std::size_t d : ops[i].deps) {
      if (d >= i)
        throw std::invalid_argument("schedule_stage: op " + std::to_string(i) + " depends on op " +
                                    std::to_string(d) + ", which is not an earlier op");
      ready = std::max(ready, out.op_finish[d]);
    }
    const StageScheduler::Slot s = sched.add(op_timing(p, ops[i].work, batch), ready);
    out.op_start.push_back(s.start);
    out.op_finish.push_back(s.finish);
  }
  out.busy = sched.busy();
  out.makespan = sched.makespan();
  return out;
}

}  // namespace infsim
