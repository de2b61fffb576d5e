#pragma once
// Pure timing models of the interconnect (no SystemC): the chip-to-chip NeuronLink ring or
// chain, the on-chip fabric ports and the PCIe host link. Each is a set of directional Pipes.
#include <cstdint>
#include <memory>
#include <vector>

#include "infsim/common/pipe.hpp"
#include "infsim/interconnect/params.hpp"

namespace infsim {

/// NeuronLinks between `chips` chips. Link i joins chip i and chip i+1 (and, on a ring of three
/// or more chips, link n-1 joins chip n-1 and chip 0). With one or two chips a ring is a chain.
class RingModel {
 public:
  /// Links are named "<prefix>.link<i>.chip<a>->chip<b>".
  RingModel(const std::string& prefix, std::uint32_t chips, const NeuronLinkParams& p);
  std::uint32_t chips() const { return chips_; }
  bool is_ring() const { return ring_; }
  std::uint32_t link_count() const { return static_cast<std::uint32_t>(up_.size()); }
  /// Hops on the route from `from` to `to` (0 for the same chip).
  std::uint32_t hops(std::uint32_t from, std::uint32_t to) const;
  /// The directional pipes a transfer crosses: on a ring the shorter direction (ties go up, the
  /// direction of increasing chip index), on a chain the only one.
  std::vector<Resource*> route(std::uint32_t from, std::uint32_t to);
  /// Link i in the direction from chip i to chip i+1 ("up") or back ("down").
  Pipe& up(std::uint32_t link) { return *up_.at(link); }
  Pipe& down(std::uint32_t link) { return *down_.at(link); }
  const Pipe& up(std::uint32_t link) const { return *up_.at(link); }
  const Pipe& down(std::uint32_t link) const { return *down_.at(link); }

 private:
  std::uint32_t chips_;
  bool ring_;
  std::vector<std::unique_ptr<Pipe>> up_, down_;
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

/// The PCIe link of one chip: host-to-device and device-to-host directions.
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
