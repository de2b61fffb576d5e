#pragma once
// Pure timing models of the interconnect (no SystemC): the chip-to-chip NeuronLinks
// (directional PacketLinks in a link topology), the on-chip fabric ports and the PCIe host link
// (Pipes).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "infsim/common/pipe.hpp"
#include "infsim/interconnect/link_topology.hpp"
#include "infsim/interconnect/params.hpp"

namespace infsim {

/// What a PacketLink carried over a run, beside its ResourceStats (whose `bytes` are payload).
struct PacketStats {
  Bytes payload_bytes = 0;    ///< bytes the transfers asked to move
  Bytes wire_bytes = 0;       ///< payload plus one header per packet
  std::uint64_t packets = 0;  ///< packets sent
};

/// One direction of a packetized link (a NeuronLink): a transfer of B bytes is cut into
/// ⌈B / payload⌉ packets, each carrying up to `payload` bytes and a `header` of framing, so
///   wire(B) = B + ⌈B / payload⌉ · header,  busy = ⌈wire(B) · 1e12 / bandwidth⌉ ps.
/// Contention is "busy until" like a Pipe (FCFS in reservation order); the whole transfer's
/// packets go back to back, so two transfers never interleave packet by packet.
class PacketLink final : public Resource {
 public:
  PacketLink(std::string name, std::uint64_t bytes_per_s, Ps latency_ps,
             std::uint32_t payload_bytes, std::uint32_t header_bytes);
  Ps ready_at() const override { return busy_until_; }
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return latency_; }
  /// Raw bandwidth of the wire (headers included), bytes per second.
  std::uint64_t bytes_per_s() const override { return bw_; }
  /// Packets a transfer of `bytes` needs: ⌈bytes / payload⌉ (0 for 0 bytes).
  std::uint64_t packets(Bytes bytes) const { return ceil_div(bytes, payload_); }
  /// Bytes on the wire for a transfer of `bytes`: bytes + packets(bytes) · header.
  Bytes wire_bytes(Bytes bytes) const { return bytes + packets(bytes) * header_; }
  /// Serialization time of a transfer of `bytes` (what occupy returns).
  Ps serialization_ps(Bytes bytes) const { return transfer_ps(wire_bytes(bytes), bw_); }
  /// Payload share of the wire for long transfers: payload / (payload + header).
  double efficiency() const {
    return static_cast<double>(payload_) / static_cast<double>(payload_ + header_);
  }
  const PacketStats& packet_stats() const { return pstats_; }

 private:
  std::uint64_t bw_;
  Ps latency_;
  std::uint32_t payload_, header_;
  Ps busy_until_ = 0;
  PacketStats pstats_;
};

/// The NeuronLinks of a system: one PacketLink per direction of every link of the topology
/// `p.topology` (found by name, link_topology.hpp), and routes as paths of them.
class LinkTopologyModel {
 public:
  /// Link i, joining chips a and b, is "<prefix>.link<i>.chip<a>->chip<b>" forward and
  /// "<prefix>.link<i>.chip<b>->chip<a>" backward. Throws ConfigError for an unknown topology.
  LinkTopologyModel(const std::string& prefix, std::uint32_t chips, const NeuronLinkParams& p);
  std::uint32_t link_count() const { return static_cast<std::uint32_t>(forward_.size()); }
  /// Hops on the route from `from` to `to` (0 for the same chip).
  std::uint32_t hops(std::uint32_t from, std::uint32_t to) const {
    return topology_->hops(from, to);
  }
  /// The link directions a transfer from chip `from` to chip `to` crosses, in order: the
  /// topology's route.
  std::vector<Resource*> route(std::uint32_t from, std::uint32_t to);
  /// Link i in the direction from its chip a to its chip b (forward) or back (backward).
  PacketLink& forward(std::uint32_t link) { return *forward_.at(link); }
  PacketLink& backward(std::uint32_t link) { return *backward_.at(link); }
  const PacketLink& forward(std::uint32_t link) const { return *forward_.at(link); }
  const PacketLink& backward(std::uint32_t link) const { return *backward_.at(link); }

 private:
  std::unique_ptr<LinkTopology> topology_;
  std::vector<std::unique_ptr<PacketLink>> forward_, backward_;
};

/// The on-chip fabric of one chip: every endpoint (each core, the DRAM controller, the PCIe
/// host interface) has an egress port, which carries the traversal latency, and an ingress port.
/// A transfer across the fabric takes one egress and one ingress port. (NeuronLink ports are not
/// modelled as fabric endpoints yet: a transfer to another chip goes from the core's egress port
/// onto the links.)
class FabricModel {
 public:
  FabricModel(const std::string& chip_name, std::uint32_t cores, const FabricParams& p);
  Pipe& core_out(std::uint32_t core) { return *out_.at(core); }
  Pipe& core_in(std::uint32_t core) { return *in_.at(core); }
  Pipe& dram_out() { return *dram_out_; }
  Pipe& dram_in() { return *dram_in_; }
  Pipe& host_out() { return *host_out_; }
  Pipe& host_in() { return *host_in_; }

 private:
  std::vector<std::unique_ptr<Pipe>> out_, in_;
  std::unique_ptr<Pipe> dram_out_, dram_in_, host_out_, host_in_;
};

/// PCIe payload bandwidth in bytes/s: GT/s per lane × lanes × encoding / 8 bits, where Gen3,
/// Gen4 and Gen5 run at 8, 16 and 32 GT/s with 128b/130b encoding.
std::uint64_t pcie_bytes_per_s(std::uint32_t gen, std::uint32_t lanes);

/// The PCIe link of one chip: host-to-device and device-to-host directions, each a Pipe at the
/// payload bandwidth above (TLP headers, DLLPs and flow control are not modelled), plus a fixed
/// per-transfer overhead that callers pass to reserve_path (it delays arrival, occupies nothing).
class HostLinkModel {
 public:
  HostLinkModel(const std::string& chip_name, const HostLinkParams& p);
  Pipe& to_device() { return h2d_; }
  Pipe& to_host() { return d2h_; }
  const Pipe& to_device() const { return h2d_; }
  const Pipe& to_host() const { return d2h_; }
  Ps overhead() const { return overhead_; }

 private:
  Pipe h2d_, d2h_;
  Ps overhead_;
};

}  // namespace infsim
