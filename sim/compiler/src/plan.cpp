// plan.hpp: the plan's bottleneck and its JSON form (read back by plan_from_json.cpp).
#include "infsim/plan.hpp"

#include <algorithm>

#include "infsim/graph.hpp"

namespace infsim {

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

}  // namespace

Ps Plan::bottleneck_ps() const {
  Ps worst = 0;
  for (const auto& s : stages) worst = std::max(worst, s.est_stage_ps());
  return worst;
}

namespace {
/// Per request: each engine's busy cycles under its key, the total and the makespan.
nlohmann::json cycles_json(const StagePlan& s) {
  nlohmann::json j = {{"total", s.cycles()}, {"makespan", s.makespan_cycles}};
  for (Engine e : kEngines) j[engine_key(e)] = s.engine_cycles[e];
  return j;
}
}  // namespace

/// Where a stage's activations live when they do not all fit: the buffers, the bytes moved per
/// request and, per op that moves any, its tiles and traffic.
nlohmann::json activations_json(const StagePlan& s, const Plan& p, const Graph& g) {
  nlohmann::json ops = nlohmann::json::array();
  for (const auto& o : s.spilled_ops)
    ops.push_back({{"op", g.ops.at(static_cast<std::size_t>(p.op_order.at(o.position))).name},
                   {"tiles", o.tiles},
                   {"output", o.output_in_dram ? "dram" : "sram"},
                   {"read_bytes", o.read_bytes},
                   {"write_bytes", o.write_bytes},
                   {"stall_cycles", o.stall}});
  return {
      {"io_buffers", s.io_in_dram ? "dram" : "sram"}, {"spill_write_bytes", s.spill_write_bytes},
      {"spill_read_bytes", s.spill_read_bytes},       {"tiles", s.spill_tiles},
      {"stall_cycles", s.spill_stall_cycles},         {"ops", ops}};
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
                      {"cycles", cycles_json(s)},
                      {"est_compute_us", static_cast<double>(s.est_compute_ps) / kPsPerUs},
                      {"est_transfer_us", static_cast<double>(s.est_transfer_ps) / kPsPerUs},
                      {"est_stage_us", static_cast<double>(s.est_stage_ps()) / kPsPerUs}});
    if (s.spill_write_bytes + s.spill_read_bytes > 0)
      stages.back()["activations"] = activations_json(s, p, g);
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
