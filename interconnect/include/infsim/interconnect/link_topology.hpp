#pragma once
// Link topologies: how the chips' NeuronLinks connect, as a pure description (no Resources, no
// SystemC): which chips each link joins, and which links a transfer from one chip to another
// crosses. Topologies are found by name (`neuronlink.topology`) in one registry table,
// interconnect/src/link_topology.cpp. The simulator's LinkTopologyModel (models.hpp) builds the
// links from one and the compiler counts hops with one, so both route the same way. Adding a
// topology: docs/ARCHITECTURE.md, "Adding a link topology".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace infsim {

/// One link: it joins chip `a` and chip `b`, with one direction each way (a → b and b → a).
struct LinkEnds {
  std::uint32_t a = 0;
  std::uint32_t b = 0;
};

/// One hop of a route: the link crossed, and whether it is crossed from its `a` end to its `b`
/// end (`forward`) or back.
struct LinkHop {
  std::uint32_t link = 0;
  bool forward = true;
};

/// The links between chips 0..chips()-1 and the route between any two of them. A route is a walk:
/// its first hop leaves `from`, each hop starts where the one before ended, the last arrives at
/// `to`; it is empty when from == to. Routes are deterministic (equal inputs, equal routes).
class LinkTopology {
 public:
  /// Throws Error when `chips` is 0.
  explicit LinkTopology(std::uint32_t chips);
  virtual ~LinkTopology() = default;
  std::uint32_t chips() const { return chips_; }
  /// Every link, by index: link i is named "link<i>" in the simulator's Resources and reports.
  virtual std::vector<LinkEnds> links() const = 0;
  /// The hops of a transfer from chip `from` to chip `to`, in order. Throws Error when a chip
  /// index is out of range.
  virtual std::vector<LinkHop> route(std::uint32_t from, std::uint32_t to) const = 0;
  /// route(from, to).size(); implementations may count without building the route.
  virtual std::uint32_t hops(std::uint32_t from, std::uint32_t to) const;

 protected:
  /// Throws Error unless both chips are in 0..chips()-1.
  void check_chips(std::uint32_t from, std::uint32_t to) const;

 private:
  std::uint32_t chips_;
};

/// The registered topology names, in the registry's order ("ring", "chain"): the values
/// `neuronlink.topology` accepts.
std::vector<std::string> link_topology_names();

/// The topology registered as `name`, over `chips` chips. Throws ConfigError naming the registered
/// topologies when `name` is not one, Error when `chips` is 0.
std::unique_ptr<LinkTopology> make_link_topology(const std::string& name, std::uint32_t chips);

}  // namespace infsim
