#include "cost_model.hpp"

#include <algorithm>

#include "infsim/interconnect/link_topology.hpp"
#include "spill.hpp"

namespace infsim::compiler_detail {

Bytes stage_need(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                 bool allow_stream) {
  const Bytes io = (cfg.pipeline.buffer_depth - 1) * stage_in(a, i) + stage_out(a, j);
  const Bytes w = a.weights(i, j);
  const Bytes buffers = a.live_peak(i, j) + io;
  const Bytes sb = Bytes{cfg.pipeline.stream_buffer_kib} * kKiB;
  Bytes need = w + buffers;
  if (allow_stream) need = std::min(need, buffers + sb);
  if (cfg.pipeline.spill_activations) {
    need = std::min(need, w + a.tiled_peak(i, j));
    if (allow_stream) need = std::min(need, sb + a.tiled_peak(i, j));
  }
  return need;
}

StageFit stage_fit(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                   bool allow_stream) {
  StageFit f;
  const Bytes cap = cfg.sram_bytes();
  const Bytes io = (cfg.pipeline.buffer_depth - 1) * stage_in(a, i) + stage_out(a, j);
  f.weights = a.weights(i, j);
  f.buffers = a.live_peak(i, j) + io;
  f.kept = f.weights;
  f.sram = f.weights + f.buffers;
  f.fits = f.sram <= cap;
  if (f.fits) return f;
  const Bytes sb = Bytes{cfg.pipeline.stream_buffer_kib} * kKiB;
  const Bytes chunk = sb / 2;
  const auto chunks = [&](Bytes streamed) {
    return static_cast<std::uint32_t>((streamed + chunk - 1) / chunk);
  };
  StageFit best = f;  // does not fit; sram: the least it would need
  best.sram = stage_need(a, cfg, i, j, allow_stream);
  const auto consider = [&](const StageFit& c) {
    if (!best.fits || c.dram_traffic() < best.dram_traffic()) best = c;
  };
  bool streams = false;
  if (allow_stream && f.buffers + sb <= cap) {
    StageFit c = f;
    c.stream_buffer = sb;
    c.kept = cap - f.buffers - sb;  // < weights, since weights + buffers > cap
    c.streamed = f.weights - c.kept;
    c.chunks = chunks(c.streamed);
    c.sram = cap;
    c.fits = streams = true;
    consider(c);
  }
  if (!cfg.pipeline.spill_activations) return best;
  // Activations in `room` bytes, their buffers in the State Buffer or in DRAM; with
  // `keep_all` the weights sit outside `room`, else they get what the activations leave.
  const auto spill = [&](Bytes room, Bytes stream_buffer, bool keep_all) {
    for (bool io_dram : {false, true}) {
      const Bytes reserved = io_dram ? 0 : io;
      if (room < reserved || a.tiled_peak(i, j) > room - reserved) continue;
      const SpillPlan sp = plan_spills(a, cfg, i, j, room - reserved, io_dram);
      if (!sp.feasible) continue;
      StageFit c = f;
      c.io_in_dram = io_dram;
      c.spill_budget = room - reserved;
      c.buffers = sp.resident_peak + reserved;
      c.stream_buffer = stream_buffer;
      c.kept = keep_all ? f.weights : std::min(f.weights, room - c.buffers);
      c.streamed = f.weights - c.kept;
      c.chunks = chunks(c.streamed);
      c.spill_write = sp.write_bytes;
      c.spill_read = sp.read_bytes;
      c.spill_stall = sp.stall;
      c.tiles = sp.tiles;
      c.sram = c.kept + c.stream_buffer + c.buffers;
      c.fits = true;
      consider(c);
    }
  };
  if (f.weights < cap) spill(cap - f.weights, 0, true);
  if (allow_stream && !streams && sb < cap) spill(cap - sb, sb, false);
  return best;
}

std::uint32_t chip_hops(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b) {
  return make_link_topology(cfg.neuronlink.topology, cfg.chips)->hops(a, b);
}

namespace {
/// One DMA queue's rate: every transfer a core's DMA performs moves through one queue.
std::uint64_t dma_queue_bw(const SystemConfig& cfg) {
  return gib_per_s_to_bytes(cfg.core.dma.queue_bandwidth_gib_s);
}
/// The DRAM and fabric part of a DRAM transfer's path, which cores on a chip share.
std::uint64_t dram_fabric_bw(const SystemConfig& cfg) {
  // The DRAM at the share of its peak it sustains (dram.sustained_fraction).
  return std::min(gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s * cfg.dram.sustained_fraction),
                  gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s));
}
}  // namespace

std::uint64_t dram_path_bw(const SystemConfig& cfg) {
  return std::min(dram_fabric_bw(cfg), dma_queue_bw(cfg));
}

InPath input_path(const SystemConfig& cfg, long long prev, std::uint32_t core) {
  const std::uint64_t port = gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s);
  const std::uint64_t fabric = std::min(port, dma_queue_bw(cfg));
  if (prev < 0) return {dram_path_bw(cfg), 0, 0, dram_fabric_bw(cfg)};
  const std::uint32_t ca = static_cast<std::uint32_t>(prev) / cfg.cores_per_chip;
  const std::uint32_t cb = core / cfg.cores_per_chip;
  if (ca == cb) return {fabric, 0, 0, port};
  // NeuronLink payload rate: every packet of `payload` bytes carries `header` bytes more.
  const NeuronLinkParams& nl = cfg.neuronlink;
  const double payload_share = static_cast<double>(nl.packet_payload_bytes) /
                               (nl.packet_payload_bytes + nl.packet_header_bytes);
  const std::uint32_t hops = chip_hops(cfg, ca, cb);
  const std::uint64_t link = std::min(port, gib_per_s_to_bytes(nl.bandwidth_gib_s * payload_share));
  return {std::min(fabric, link), hops * ns_to_ps(nl.latency_ns), hops, link};
}

Ps streamed_compute_ps(Ps compute, Ps stream, std::uint32_t chunks, bool prefetch) {
  if (stream == 0 || chunks == 0) return compute;
  if (!prefetch) return stream + compute;
  return std::max(stream + compute / chunks, compute + stream / chunks);
}

StageTime stage_time(const Analysis& a, const SystemConfig& cfg, const InPath& in,
                     const StageFit& f, std::size_t i, std::size_t j, std::uint32_t sharers,
                     Cycles makespan) {
  StageTime t;
  t.buffers = std::max<std::uint32_t>(1, cfg.pipeline.buffer_depth);
  t.parallel = std::max<std::uint32_t>(1, std::min(t.buffers, cfg.core.dma.queues));
  t.compute = (makespan + f.spill_stall) * cfg.core_period_ps();
  t.transfer = transfer_ps(stage_in(a, i), in.bytes_per_s) + in.latency_ps +
               transfer_ps(a.dram_reads(i, j), dram_path_bw(cfg));
  t.serial = transfer_ps(stage_in(a, i), std::max<std::uint64_t>(1, in.shared_bytes_per_s)) +
             transfer_ps(a.dram_reads(i, j), dram_fabric_bw(cfg));
  const std::uint64_t shared = std::min(dram_fabric_bw(cfg) / sharers, dma_queue_bw(cfg));
  const Ps weights = transfer_ps(f.streamed, shared);
  const Ps spills = transfer_ps(f.spill_traffic(), shared);
  const auto tiles = static_cast<std::uint32_t>(std::min<std::uint64_t>(f.tiles, 1u << 30));
  if (cfg.pipeline.weight_prefetch)
    t.streamed_compute = streamed_compute_ps(t.compute, weights + spills, f.chunks + tiles, true);
  else  // the weights first; the activations' tiles overlap the compute regardless
    t.streamed_compute =
        (f.chunks > 0 ? weights : 0) + streamed_compute_ps(t.compute, spills, tiles, true);
  return t;
}

}  // namespace infsim::compiler_detail
