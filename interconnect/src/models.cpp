#include "infsim/interconnect/models.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "infsim/common/error.hpp"

namespace infsim {

PacketLink::PacketLink(std::string name, std::uint64_t bytes_per_s, Ps latency_ps,
                       std::uint32_t payload_bytes, std::uint32_t header_bytes)
    : Resource(std::move(name)),
      bw_(bytes_per_s),
      latency_(latency_ps),
      payload_(payload_bytes),
      header_(header_bytes) {
  if (bw_ == 0) throw Error("link '" + this->name() + "': bandwidth must be > 0");
  if (payload_ == 0) throw Error("link '" + this->name() + "': packet payload must be > 0 bytes");
}

Ps PacketLink::occupy(Ps start, Bytes bytes) {
  const std::uint64_t n = packets(bytes);
  const Bytes wire = bytes + n * header_;
  const Ps ser = transfer_ps(wire, bw_);
  busy_until_ = std::max(busy_until_, start) + ser;
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += ser;
  pstats_.payload_bytes += bytes;
  pstats_.wire_bytes += wire;
  pstats_.packets += n;
  return ser;
}

RingModel::RingModel(const std::string& prefix, std::uint32_t chips, const NeuronLinkParams& p)
    : chips_(chips), ring_(p.topology == LinkTopology::Ring && chips >= 3) {
  if (chips == 0) throw Error("NeuronLink ring: at least one chip is needed");
  const std::uint32_t links = chips == 1 ? 0 : (ring_ ? chips : chips - 1);
  const std::uint64_t bw = gib_per_s_to_bytes(p.bandwidth_gib_s);
  const Ps lat = ns_to_ps(p.latency_ns);
  for (std::uint32_t i = 0; i < links; ++i) {
    const std::uint32_t a = i, b = (i + 1) % chips;
    const std::string link = prefix + ".link" + std::to_string(i);
    up_.push_back(std::make_unique<PacketLink>(
        link + ".chip" + std::to_string(a) + "->chip" + std::to_string(b), bw, lat,
        p.packet_payload_bytes, p.packet_header_bytes));
    down_.push_back(std::make_unique<PacketLink>(
        link + ".chip" + std::to_string(b) + "->chip" + std::to_string(a), bw, lat,
        p.packet_payload_bytes, p.packet_header_bytes));
  }
}

std::uint32_t RingModel::hops(std::uint32_t from, std::uint32_t to) const {
  if (from >= chips_ || to >= chips_) throw Error("NeuronLink route: chip index out of range");
  const std::uint32_t fwd = (to + chips_ - from) % chips_;
  if (!ring_) return from <= to ? to - from : from - to;
  return std::min(fwd, chips_ - fwd);
}

std::vector<Resource*> RingModel::route(std::uint32_t from, std::uint32_t to) {
  const std::uint32_t n = hops(from, to);
  std::vector<Resource*> path;
  path.reserve(n);
  bool go_up;
  if (ring_) {
    const std::uint32_t fwd = (to + chips_ - from) % chips_;
    go_up = fwd <= chips_ - fwd;
  } else {
    go_up = to >= from;
  }
  std::uint32_t at = from;
  for (std::uint32_t h = 0; h < n; ++h) {
    if (go_up) {
      path.push_back(up_[at].get());  // link `at` joins at and at+1
      at = (at + 1) % chips_;
    } else {
      const std::uint32_t link = (at + chips_ - 1) % chips_;  // joins at-1 and at
      path.push_back(down_[link].get());
      at = link;
    }
  }
  return path;
}

FabricModel::FabricModel(const std::string& chip_name, std::uint32_t cores, const FabricParams& p) {
  const std::uint64_t bw = gib_per_s_to_bytes(p.port_bandwidth_gib_s);
  const Ps lat = ns_to_ps(p.latency_ns);
  for (std::uint32_t c = 0; c < cores; ++c) {
    // The latency is paid once per traversal: on the egress port only.
    out_.push_back(
        std::make_unique<Pipe>(chip_name + ".fabric.core" + std::to_string(c) + ".out", bw, lat));
    in_.push_back(
        std::make_unique<Pipe>(chip_name + ".fabric.core" + std::to_string(c) + ".in", bw, 0));
  }
  dram_out_ = std::make_unique<Pipe>(chip_name + ".fabric.dram.out", bw, lat);
  dram_in_ = std::make_unique<Pipe>(chip_name + ".fabric.dram.in", bw, 0);
  host_out_ = std::make_unique<Pipe>(chip_name + ".fabric.host.out", bw, lat);
  host_in_ = std::make_unique<Pipe>(chip_name + ".fabric.host.in", bw, 0);
}

std::uint64_t pcie_bytes_per_s(std::uint32_t gen, std::uint32_t lanes) {
  std::uint64_t gt_per_s;
  switch (gen) {
    case 3:
      gt_per_s = 8'000'000'000ULL;
      break;
    case 4:
      gt_per_s = 16'000'000'000ULL;
      break;
    case 5:
      gt_per_s = 32'000'000'000ULL;
      break;
    default:
      throw Error("PCIe generation " + std::to_string(gen) + " is not 3, 4 or 5");
  }
  // bits/s × 128/130 / 8, rounded to nearest.
  const U128 num = static_cast<U128>(gt_per_s) * lanes * 128;
  return static_cast<std::uint64_t>((num + 520) / 1040);
}

HostLinkModel::HostLinkModel(const std::string& chip_name, const HostLinkParams& p)
    : h2d_(chip_name + ".pcie.h2d", pcie_bytes_per_s(p.pcie_gen, p.lanes), ns_to_ps(p.latency_ns)),
      d2h_(chip_name + ".pcie.d2h", pcie_bytes_per_s(p.pcie_gen, p.lanes), ns_to_ps(p.latency_ns)),
      overhead_(ns_to_ps(p.transfer_overhead_ns)) {}

}  // namespace infsim
