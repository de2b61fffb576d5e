// `infsim microbench link`: NeuronLink flows over a shared route, on the pure LinkTopologyModel
// (no SystemC). docs/TIMING.md ("NeuronLink microbenchmark") gives the method and the formulas.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "infsim/common/error.hpp"
#include "infsim/common/pipe.hpp"
#include "infsim/interconnect/models.hpp"
#include "infsim/microbench.hpp"

namespace infsim {

namespace {

constexpr Bytes kPiB = kGiB * kGiB / kKiB;

double gib_per_s(Bytes bytes, Ps time) {
  if (time == 0) return 0.0;
  return static_cast<double>(bytes) / ps_to_s(time) / static_cast<double>(kGiB);
}

/// Nearest rank: the value at rank ⌈p · K⌉ (at least 1) of the K sorted values.
double nearest_rank(const std::vector<Ps>& sorted, double p) {
  const auto k = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(p * k - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return static_cast<double>(sorted[rank - 1]) / static_cast<double>(kPsPerNs);
}

}  // namespace

LinkBenchResult microbench_link(const SystemConfig& cfg, std::uint32_t hops, std::uint32_t flows,
                                std::uint64_t transfer_bytes, std::uint64_t transfers_per_flow) {
  if (hops == 0) throw Error("microbench link: --hops must be at least 1");
  if (flows == 0) throw Error("microbench link: --flows must be at least 1");
  if (transfer_bytes == 0) throw Error("microbench link: --bytes must be at least 1");
  if (transfers_per_flow == 0) throw Error("microbench link: --transfers must be at least 1");
  // Every latency is kept (8 B each) and every flow has a row of the result: 10 M transfers
  // stay near 80 MB, and 1,024 flows (the State Buffer's DMA queues of a 16-chip system, many
  // times over) keep the per-flow table readable.
  constexpr std::uint32_t kMaxFlows = 1024;
  constexpr std::uint64_t kMaxTransfers = 10'000'000;
  if (flows > kMaxFlows)
    throw Error("microbench link: --flows = " + std::to_string(flows) +
                " exceeds the limit of 1024 flows sharing one route");
  if (transfers_per_flow > kMaxTransfers / flows)
    throw Error("microbench link: flows x transfers must be at most 10,000,000");
  if (static_cast<double>(transfer_bytes) * static_cast<double>(transfers_per_flow) * flows >
      static_cast<double>(kPiB))
    throw Error("microbench link: flows x transfers x bytes must be at most 1 PiB");
  const std::string& topo = cfg.neuronlink.topology;
  if (cfg.chips <= hops)
    throw Error("microbench link: " + std::to_string(hops) + " hop(s) need at least " +
                std::to_string(hops + 1) + " chips, but '" + cfg.name + "' has " +
                std::to_string(cfg.chips) + " (" + topo +
                "); choose a preset with more chips (inf1.24xlarge has 16) or fewer hops");
  LinkTopologyModel links("neuronlink", cfg.chips, cfg.neuronlink);
  // The route from chip 0 to the first chip `hops` hops away (chip `hops` on a chain, and on a
  // ring as long as that is the shorter way round).
  std::uint32_t to = 0, longest = 0;
  for (std::uint32_t c = 1; c < cfg.chips && to == 0; ++c) {
    longest = std::max(longest, links.hops(0, c));
    if (links.hops(0, c) == hops) to = c;
  }
  if (to == 0)
    throw Error("microbench link: '" + cfg.name + "' is a " + topo + " of " +
                std::to_string(cfg.chips) + " chips, whose longest route is " +
                std::to_string(longest) + " hops (from chip 0), fewer than the " +
                std::to_string(hops) +
                " requested; use fewer hops, more chips or --set neuronlink.topology=chain");
  const std::vector<Resource*> path = links.route(0, to);

  LinkBenchResult r;
  r.hops = hops;
  r.flows = flows;
  r.transfer_bytes = transfer_bytes;
  r.transfers_per_flow = transfers_per_flow;
  r.peak_gib_s = static_cast<double>(links.forward(0).bytes_per_s()) / static_cast<double>(kGiB);

  // Closed loop, one transfer in flight per flow: every flow issues at t = 0 (in flow order);
  // a flow issues its next transfer when its previous one arrives. Issues are served in time
  // order, ties in the order they were queued, so the links see reservations FCFS.
  using Issue = std::tuple<Ps, std::uint64_t, std::uint32_t>;  // time, queue order, flow
  std::priority_queue<Issue, std::vector<Issue>, std::greater<Issue>> queue;
  std::uint64_t order = 0;
  for (std::uint32_t f = 0; f < flows; ++f) queue.emplace(0, order++, f);
  std::vector<std::uint64_t> sent(flows, 0);
  std::vector<Ps> last_arrival(flows, 0);
  std::vector<Ps> latencies;
  latencies.reserve(static_cast<std::size_t>(flows * transfers_per_flow));
  while (!queue.empty()) {
    const auto [issued, q, f] = queue.top();
    queue.pop();
    (void)q;
    const TransferTiming t = reserve_path(path, issued, transfer_bytes);
    latencies.push_back(t.arrival - issued);
    last_arrival[f] = t.arrival;
    if (++sent[f] < transfers_per_flow) queue.emplace(t.arrival, order++, f);
  }

  const Ps end = *std::max_element(last_arrival.begin(), last_arrival.end());
  r.bandwidth_gib_s = gib_per_s(transfer_bytes * transfers_per_flow * flows, end);  // ≤ 1 PiB
  for (std::uint32_t f = 0; f < flows; ++f)
    r.per_flow_gib_s.push_back(gib_per_s(transfer_bytes * transfers_per_flow, last_arrival[f]));
  std::sort(latencies.begin(), latencies.end());
  double sum = 0;
  for (Ps l : latencies) sum += static_cast<double>(l);
  r.latency_ns.mean = sum / static_cast<double>(latencies.size()) / static_cast<double>(kPsPerNs);
  r.latency_ns.p50 = nearest_rank(latencies, 0.50);
  r.latency_ns.p90 = nearest_rank(latencies, 0.90);
  r.latency_ns.p99 = nearest_rank(latencies, 0.99);
  r.latency_ns.max = static_cast<double>(latencies.back()) / static_cast<double>(kPsPerNs);
  return r;
}

nlohmann::json to_json(const LinkBenchResult& r) {
  return nlohmann::json{{"hops", r.hops},
                        {"flows", r.flows},
                        {"transfer_bytes", r.transfer_bytes},
                        {"transfers_per_flow", r.transfers_per_flow},
                        {"bandwidth_gib_s", r.bandwidth_gib_s},
                        {"peak_gib_s", r.peak_gib_s},
                        {"latency_ns",
                         {{"mean", r.latency_ns.mean},
                          {"p50", r.latency_ns.p50},
                          {"p90", r.latency_ns.p90},
                          {"p99", r.latency_ns.p99},
                          {"max", r.latency_ns.max}}},
                        {"per_flow_gib_s", r.per_flow_gib_s}};
}

}  // namespace infsim
