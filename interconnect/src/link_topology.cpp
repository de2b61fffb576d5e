// The link topology base and the registry: the one table of link topologies by name.
#include "infsim/interconnect/link_topology.hpp"

#include <string>

#include "infsim/common/error.hpp"

namespace infsim {

// Each topology's factory, defined in its own file (interconnect/src/topology_<name>.cpp).
std::unique_ptr<LinkTopology> make_ring_topology(std::uint32_t chips);
std::unique_ptr<LinkTopology> make_chain_topology(std::uint32_t chips);

namespace {

struct TopologyEntry {
  const char* name;
  std::unique_ptr<LinkTopology> (*make)(std::uint32_t chips);
};

// The registry. Its order is the order of the names in errors and in docs/CONFIG.md.
constexpr TopologyEntry kTopologies[] = {
    {"ring", make_ring_topology},
    {"chain", make_chain_topology},
};

}  // namespace

LinkTopology::LinkTopology(std::uint32_t chips) : chips_(chips) {
  if (chips == 0) throw Error("NeuronLink topology: at least one chip is needed");
}

std::uint32_t LinkTopology::hops(std::uint32_t from, std::uint32_t to) const {
  return static_cast<std::uint32_t>(route(from, to).size());
}

void LinkTopology::check_chips(std::uint32_t from, std::uint32_t to) const {
  if (from >= chips_ || to >= chips_)
    throw Error("NeuronLink route " + std::to_string(from) + " -> " + std::to_string(to) +
                ": chip index out of range (chips 0.." + std::to_string(chips_ - 1) + ")");
}

std::vector<std::string> link_topology_names() {
  std::vector<std::string> names;
  for (const TopologyEntry& e : kTopologies) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<LinkTopology> make_link_topology(const std::string& name, std::uint32_t chips) {
  for (const TopologyEntry& e : kTopologies)
    if (name == e.name) return e.make(chips);
  std::string known;
  for (const TopologyEntry& e : kTopologies)
    known += (known.empty() ? "\"" : ", \"") + std::string(e.name) + "\"";
  throw ConfigError("neuronlink.topology = \"" + name + "\": not a registered link topology (" +
                    known + ")");
}

}  // namespace infsim
