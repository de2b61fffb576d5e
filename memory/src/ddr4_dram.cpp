#include "infsim/memory/ddr4_dram.hpp"

namespace infsim {

Ddr4Dram::Ddr4Dram(std::string name, const Ddr4Params& p)
    : DramModel(std::move(name)), sched_(p), frontend_(ns_to_ps(p.frontend_latency_ns)) {}

Ps Ddr4Dram::ready_at() const {
  const Ddr4Scheduler::Time t = sched_.last_column();
  return static_cast<Ps>(t > 0 ? t : 0) * sched_.params().tck_ps;
}

Ps Ddr4Dram::occupy(Ps start, Bytes bytes) {
  stats_.bytes += bytes;
  stats_.transfers += 1;
  if (bytes == 0) return 0;
  const Ddr4Params& p = sched_.params();
  const std::uint64_t lines = ceil_div(bytes, p.line_bytes());
  const std::uint64_t span = lines * p.line_bytes();
  const std::uint64_t cap = p.capacity_bytes();
  // Rotating allocator: each transfer gets the next free stretch of the address space, so a
  // transfer is one sequential stream and consecutive transfers do not reuse rows.
  if (span >= cap || next_addr_ + span > cap) next_addr_ = 0;
  const std::uint64_t base = next_addr_;
  next_addr_ += span;
  const auto start_ck = static_cast<std::int64_t>(ceil_div(start, p.tck_ps));
  const std::int64_t end = sched_.read(base, lines, start_ck);
  const Ps end_ps = static_cast<Ps>(end) * p.tck_ps;
  // Utilization counts data-bus time: lines x burst over the channels.
  stats_.busy_ps += ceil_div(lines * p.burst_cycles() * p.tck_ps, p.channels);
  return end_ps - start;
}

std::optional<DramStats> Ddr4Dram::dram_stats() const {
  const Ddr4Stats& s = sched_.timing().stats();
  DramStats d;
  d.reads = s.reads;
  d.row_hit_rate = s.row_hit_rate();
  d.activates = s.acts;
  d.refreshes = s.refreshes;
  return d;
}

}  // namespace infsim
