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

LinkTopologyModel::LinkTopologyModel(const std::string& prefix, std::uint32_t chips,
                                     const NeuronLinkParams& p)
    : topology_(make_link_topology(p.topology, chips)) {
  const std::uint64_t bw = gib_per_s_to_bytes(p.bandwidth_gib_s);
  const Ps lat = ns_to_ps(p.latency_ns);
  const std::vector<LinkEnds> links = topology_->links();
  for (std::size_t i = 0; i < links.size(); ++i) {
    const std::string link = prefix + ".link" + std::to_string(i) + ".";
    const std::string a = "chip" + std::to_string(links[i].a);
    const std::string b = "chip" + std::to_string(links[i].b);
    forward_.push_back(std::make_unique<PacketLink>(link + a + "->" + b, bw, lat,
                                                    p.packet_payload_bytes, p.packet_header_bytes));
    backward_.push_back(std::make_unique<PacketLink>(
        link + b + "->" + a, bw, lat, p.packet_payload_bytes, p.packet_header_bytes));
  }
}

std::vector<Resource*> LinkTopologyModel::route(std::uint32_t from, std::uint32_t to) {
  std::vector<Resource*> path;
  for (const LinkHop& h : topology_->route(from, to))
    path.push_back(h.forward ? forward_.at(h.link).get() : backward_.at(h.link).get());
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
