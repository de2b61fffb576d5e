#include "stage_plans.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "cost_model.hpp"
#include "infsim/common/error.hpp"
#include "infsim/cores/state_buffer.hpp"
#include "spill.hpp"

namespace infsim::compiler_detail {

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
          st.engine_cycles = sched.busy();
          st.makespan_cycles = sched.makespan() + f.spill_stall;
        },
        &st.timeline);
    if (f.spill_traffic() > 0) {
      plan_spills(a, cfg, i, j, f.spill_budget, f.io_in_dram, &st.spilled_ops);
      st.io_in_dram = f.io_in_dram;
      st.spill_write_bytes = f.spill_write;
      st.spill_read_bytes = f.spill_read;
      st.spill_tiles = f.tiles;
      st.spill_stall_cycles = f.spill_stall;
      st.working_set_bytes =
          f.buffers - (f.io_in_dram ? 0 : st.input_buffer_bytes + st.output_buffer_bytes);
      if (f.io_in_dram) st.input_buffer_bytes = st.output_buffer_bytes = 0;
    }
    const InPath in = input_path(cfg, s == 0 ? -1 : static_cast<long long>(cores[s - 1]), cores[s]);
    const StageTime t =
        stage_time(a, cfg, in, f, i, j, std::max<std::uint32_t>(1, sharers.at(st.chip)));
    st.est_compute_ps = t.compute;
    st.est_transfer_ps = t.transfer;
    st.est_streamed_compute_ps = t.streamed_compute;
    st.est_period_ps = t.total();
    if (s > 0) p.neuronlink_bytes += in.hops * st.in_bytes;
    p.stages.push_back(std::move(st));
  }
}

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

}  // namespace infsim::compiler_detail
