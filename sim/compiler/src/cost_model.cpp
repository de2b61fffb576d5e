#include "cost_model.hpp"

#include <algorithm>

#include "infsim/interconnect/link_topology.hpp"

namespace infsim::compiler_detail {

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

std::uint32_t chip_hops(const SystemConfig& cfg, std::uint32_t a, std::uint32_t b) {
  return make_link_topology(cfg.neuronlink.topology, cfg.chips)->hops(a, b);
}

std::uint64_t dram_path_bw(const SystemConfig& cfg) {
  return std::min(gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s),
                  gib_per_s_to_bytes(cfg.fabric.port_bandwidth_gib_s));
}

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

Ps streamed_compute_ps(Ps compute, Ps stream, std::uint32_t chunks, bool prefetch) {
  if (stream == 0 || chunks == 0) return compute;
  if (!prefetch) return stream + compute;
  return std::max(stream + compute / chunks, compute + stream / chunks);
}

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

}  // namespace infsim::compiler_detail
