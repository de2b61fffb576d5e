#include "system.hpp"

#include <algorithm>
#include <string>

#include "infsim/common/error.hpp"

namespace infsim {

Chip::Chip(sc_core::sc_module_name name, const SystemConfig& cfg, std::uint32_t index,
           const TlmHooks& hooks)
    : sc_core::sc_module(name),
      dram("dram", cfg.dram),
      fabric("fabric", this->name(), cfg.cores_per_chip, cfg.fabric),
      pcie("pcie", this->name(), cfg.host) {
  for (std::uint32_t c = 0; c < cfg.cores_per_chip; ++c) {
    cores.push_back(std::make_unique<NeuronCore>(("core" + std::to_string(c)).c_str(), cfg.core,
                                                 index * cfg.cores_per_chip + c));
    const std::string core_name = cores.back()->name();
    sbufs.push_back(std::make_unique<StateBufferPort>(core_name + ".sbuf", cfg.core));
    dmas.push_back(
        std::make_unique<DmaEngine>(core_name + ".dma", cfg.core.dma, cfg.core.period_ps()));
    cores.back()->set_state_buffer(sbufs.back().get());
  }
  if (hooks.external_dram) {
    // A user's TLM-2.0 memory takes the DRAM's place on every path, through a port.
    tlm::tlm_target_socket<>* socket = nullptr;
    external.reset(hooks.external_dram(index, socket));
    if (external == nullptr || socket == nullptr)
      throw Error(std::string(this->name()) +
                  ": TlmHooks::external_dram must return a module and set its target socket");
    TlmMemoryPort::Params pp;
    pp.issue_bytes_per_s = gib_per_s_to_bytes(cfg.dram.bandwidth_gib_s);
    pp.transaction_bytes = cfg.dram.tlm.transaction_bytes;
    pp.capacity_bytes =
        static_cast<std::uint64_t>(cfg.dram.capacity_gib * static_cast<double>(kGiB));
    pp.cores = cfg.cores_per_chip;
    port = std::make_unique<TlmMemoryPort>("memory_port", pp);
    port->socket.bind(*socket);
    memory = &port->resource();
  }
}

Resource* Chip::memory_for(TlmUse use, std::uint32_t core, Bytes first, Bytes second) {
  if (port == nullptr) return memory;
  Resource* v = &port->view(use, core, first, second);
  const bool reads = use == TlmUse::Parameters || use == TlmUse::Spill ||
                     use == TlmUse::InputRead || use == TlmUse::OutputRead;
  if (reads && std::find(read_ends.begin(), read_ends.end(), v) == read_ends.end())
    read_ends.push_back(v);
  return v;
}

System::System(sc_core::sc_module_name name, const SystemConfig& cfg, const Graph& g,
               const Plan& plan, const Workload& w, std::uint32_t concurrency, std::uint64_t warmup,
               const RunOptions& opts, const TlmHooks& hooks)
    : sc_core::sc_module(name),
      xfer("transfers"),
      neuronlink("neuronlink", cfg.chips, cfg.neuronlink) {
  for (std::uint32_t c = 0; c < cfg.chips; ++c) {
    chips.push_back(std::make_unique<Chip>(("chip" + std::to_string(c)).c_str(), cfg, c, hooks));
    dram_reads.watch(chips.back()->memory, c);
  }
  xfer.set_observer(&dram_reads);
  xfer.set_descriptor_bytes(Bytes{cfg.fabric.transfer_chunk_kib} * kKiB);
  build_tracer(cfg, g, plan, opts);
  const std::vector<Hop*> hop_into = build_hops(cfg, plan);
  std::vector<Lane> lanes = build_lanes(cfg, plan);
  std::function<void(std::uint64_t)> progress;
  if (opts.progress || opts.cancel) {
    const std::uint64_t total = w.requests;
    const std::uint64_t step = std::max<std::uint64_t>(1, total / 200);
    progress = [this, cb = opts.progress, cancel = opts.cancel, total, step](std::uint64_t done) {
      if (cancelled || (done % step != 0 && done != total)) return;
      if (cb) cb(done, total);
      if (cancel && cancel()) {
        cancelled = true;
        sc_core::sc_stop();  // sc_start returns after this delta cycle
      }
    };
  }
  host = std::make_unique<Host>(
      "host", w, concurrency, warmup, xfer, std::move(lanes), plan.input_bytes, plan.output_bytes,
      HostRuntime{ns_to_ps(cfg.runtime.overhead_us * 1000.0), cfg.runtime.jitter_us * 1e6},
      tracer.get(), std::move(progress));
  load_stages(cfg, plan, hop_into);
  for (std::uint32_t c = 0; c < cfg.chips; ++c)
    for (Resource* r : chips[c]->read_ends) dram_reads.watch(r, c);
}

void System::build_tracer(const SystemConfig& cfg, const Graph& g, const Plan& plan,
                          const RunOptions& opts) {
  const auto& st = plan.stages;
  if (opts.trace != nullptr && opts.trace_requests > 0) {
    tracer = std::make_unique<Tracer>(opts.trace_first, opts.trace_requests, cfg.core_period_ps());
    for (const auto& stage : st) {
      std::vector<std::string> names;
      for (std::uint32_t k = stage.op_begin; k < stage.op_end; ++k)
        names.push_back(g.ops.at(static_cast<std::size_t>(plan.op_order.at(k))).name);
      tracer->set_stage(stage.core, stage.chip, stage, std::move(names));
      core(stage.core).set_observer(tracer.get());
    }
  }
}

std::vector<Hop*> System::build_hops(const SystemConfig& cfg, const Plan& plan) {
  const auto& st = plan.stages;
  const std::size_t n = st.size();
  Tracer* tr = tracer.get();
  // Hops between consecutive stages of a group; hop_into[s] feeds stage s (null for a first).
  std::vector<Hop*> hop_into(n, nullptr);
  for (std::size_t s = 0; s + 1 < n; ++s) {
    if (st[s + 1].group != st[s].group) continue;
    const int track = tr == nullptr ? -1
                                    : tr->track("chip" + std::to_string(st[s].chip),
                                                "core" + std::to_string(st[s].core) + " -> core" +
                                                    std::to_string(st[s + 1].core));
    hops.push_back(std::make_unique<Hop>(xfer, core(st[s].core), core(st[s + 1].core),
                                         core_path(cfg, st[s].core, st[s + 1].core),
                                         st[s].out_bytes, cfg.pipeline.buffer_depth, tr, track));
    hop_into[s + 1] = hops.back().get();
  }
  return hop_into;
}

std::vector<Lane> System::build_lanes(const SystemConfig& cfg, const Plan& plan) {
  const auto& st = plan.stages;
  const std::size_t n = st.size();
  Tracer* tr = tracer.get();
  // One lane per group: from the host into its first stage, out of its last.
  std::vector<Lane> lanes;
  std::vector<std::size_t> first_of, last_of;
  for (std::size_t s = 0; s < n; ++s) {
    if (s == 0 || st[s].group != st[s - 1].group) first_of.push_back(s);
    if (s + 1 == n || st[s + 1].group != st[s].group) last_of.push_back(s);
  }
  for (std::size_t l = 0; l < first_of.size(); ++l) {
    const StagePlan& a = st[first_of[l]];
    const StagePlan& b = st[last_of[l]];
    Chip& in_chip = *chips[a.chip];
    Chip& out_chip = *chips[b.chip];
    FabricModel& in_fab = in_chip.fabric.model();
    FabricModel& out_fab = out_chip.fabric.model();
    const std::uint32_t fl = a.core % cfg.cores_per_chip;
    const std::uint32_t ll = b.core % cfg.cores_per_chip;
    Lane lane;
    lane.first = &core(a.core);
    lane.credits = cfg.pipeline.buffer_depth;
    lane.in_pcie = {&in_chip.pcie.model().to_device(), &in_fab.host_out(), &in_fab.dram_in(),
                    in_chip.memory_for(TlmUse::InputWrite, fl)};
    lane.in_core = {in_chip.memory_for(TlmUse::InputRead, fl), &in_fab.dram_out(),
                    &in_fab.core_in(fl), in_chip.sbufs[fl].get(), in_chip.dmas[fl].get()};
    lane.in_overhead = in_chip.pcie.model().overhead();
    lane.out_dram = {out_chip.dmas[ll].get(), out_chip.sbufs[ll].get(), &out_fab.core_out(ll),
                     &out_fab.dram_in(), out_chip.memory_for(TlmUse::OutputWrite, ll)};
    lane.out_pcie = {out_chip.memory_for(TlmUse::OutputRead, ll), &out_fab.dram_out(),
                     &out_fab.host_in(), &out_chip.pcie.model().to_host()};
    lane.out_overhead = out_chip.pcie.model().overhead();
    if (tr != nullptr) {
      const std::string group = plan.groups > 1 ? "group " + std::to_string(l) + " " : "";
      lane.trace_in = tr->track("host", group + "input -> core" + std::to_string(a.core));
      lane.trace_out = tr->track("host", group + "core" + std::to_string(b.core) + " -> result");
    }
    lanes.push_back(std::move(lane));
  }
  return lanes;
}

void System::load_stages(const SystemConfig& cfg, const Plan& plan,
                         const std::vector<Hop*>& hop_into) {
  const auto& st = plan.stages;
  const std::size_t n = st.size();
  std::size_t lane = 0;
  for (std::size_t s = 0; s < n; ++s) {
    StageProgram prog;
    prog.busy = st[s].engine_cycles;
    prog.dram_read_bytes = st[s].dram_read_bytes;
    prog.makespan = st[s].makespan_cycles;
    prog.sram_read_bytes = st[s].sram_read_bytes;
    prog.stream_bytes = st[s].streamed_weight_bytes;
    prog.stream_chunks = st[s].stream_chunks;
    prog.prefetch = cfg.pipeline.weight_prefetch;
    prog.spill_bytes = st[s].spill_write_bytes + st[s].spill_read_bytes;
    prog.spill_tiles = st[s].spill_tiles;
    Chip& chip = *chips[st[s].chip];
    const std::uint32_t local = st[s].core % cfg.cores_per_chip;
    std::vector<Resource*> path{
        chip.memory_for(TlmUse::Parameters, local, st[s].dram_read_bytes, prog.stream_bytes),
        &chip.fabric.model().dram_out(), &chip.fabric.model().core_in(local),
        chip.sbufs[local].get(), chip.dmas[local].get()};
    std::vector<Resource*> spill;  // a plugged-in memory tells spills from parameter reads
    if (chip.port != nullptr && prog.spill_bytes > 0) {
      spill = path;
      spill.front() =
          chip.memory_for(TlmUse::Spill, local, st[s].spill_write_bytes, st[s].spill_read_bytes);
    }
    core(st[s].core).set_dram_path(&xfer, std::move(path), std::move(spill));
    const bool last = s + 1 == n || st[s + 1].group != st[s].group;
    StageOutput* out =
        last ? static_cast<StageOutput*>(&host->port(static_cast<std::uint32_t>(lane)))
             : static_cast<StageOutput*>(hop_into[s + 1]);
    InputRelease* rel =
        hop_into[s] == nullptr
            ? static_cast<InputRelease*>(&host->port(static_cast<std::uint32_t>(lane)))
            : static_cast<InputRelease*>(hop_into[s]);
    core(st[s].core).load(prog, out, rel);
    if (last) ++lane;
  }
}

std::vector<Resource*> System::core_path(const SystemConfig& cfg, std::uint32_t a,
                                         std::uint32_t b) {
  const std::uint32_t ca = a / cfg.cores_per_chip, cb = b / cfg.cores_per_chip;
  const std::uint32_t la = a % cfg.cores_per_chip, lb = b % cfg.cores_per_chip;
  std::vector<Resource*> path{chips[ca]->dmas[la].get(), chips[ca]->sbufs[la].get(),
                              &chips[ca]->fabric.model().core_out(la)};
  for (Resource* r : neuronlink.model().route(ca, cb)) path.push_back(r);
  path.push_back(&chips[cb]->fabric.model().core_in(lb));
  path.push_back(chips[cb]->sbufs[lb].get());
  return path;
}

}  // namespace infsim
