#pragma once
#include <cstdint>
#include <string>

namespace infsim {

/// The on-chip fabric between a chip's cores, its DRAM controller and its link ports.
struct FabricParams {
  double port_bandwidth_gib_s = 64.0;  ///< bandwidth of each endpoint port, per direction
  double latency_ns = 20.0;            ///< traversal latency of one transfer
  /// Transfers longer than this move in chunks that interleave, round robin, with the other
  /// transfers on every shared resource; 0 = a transfer holds its path for its whole length.
  std::uint32_t transfer_chunk_kib = 256;
};

/// The chip-to-chip NeuronLinks (two ports per chip).
struct NeuronLinkParams {
  double bandwidth_gib_s = 16.0;  ///< per link, per direction [AWS]
  double latency_ns = 500.0;      ///< per hop
  /// How the chips' links connect: a registered name (link_topology.hpp), "ring" or "chain".
  std::string topology = "ring";
  std::uint32_t packet_payload_bytes = 256;  ///< payload bytes per packet
  std::uint32_t packet_header_bytes = 32;    ///< header/framing bytes added to every packet
};

/// The PCIe link between the host and each chip.
struct HostLinkParams {
  std::uint32_t pcie_gen = 4;            ///< PCIe generation (3, 4 or 5)
  std::uint32_t lanes = 8;               ///< lanes per chip
  double latency_ns = 1000.0;            ///< one-way latency of a transfer
  double transfer_overhead_ns = 2000.0;  ///< per-transfer software/descriptor overhead
};

}  // namespace infsim
