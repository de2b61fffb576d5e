// neuronlink.topology = chain: chips 0..n-1 in a line (docs/TIMING.md, "NeuronLink ring or
// chain").
#include <memory>

#include "infsim/interconnect/link_topology.hpp"

namespace infsim {

namespace {

/// Link i joins chip i and chip i+1 (n − 1 links); a route is the only way, |to − from| hops.
class ChainTopology final : public LinkTopology {
 public:
  explicit ChainTopology(std::uint32_t chips) : LinkTopology(chips) {}

  std::vector<LinkEnds> links() const override {
    std::vector<LinkEnds> l;
    for (std::uint32_t i = 0; i + 1 < chips(); ++i) l.push_back({i, i + 1});
    return l;
  }

  std::uint32_t hops(std::uint32_t from, std::uint32_t to) const override {
    check_chips(from, to);
    return from <= to ? to - from : from - to;
  }

  std::vector<LinkHop> route(std::uint32_t from, std::uint32_t to) const override {
    std::vector<LinkHop> path;
    path.reserve(hops(from, to));
    for (std::uint32_t at = from; at < to; ++at) path.push_back({at, true});
    for (std::uint32_t at = from; at > to; --at) path.push_back({at - 1, false});
    return path;
  }
};

}  // namespace

std::unique_ptr<LinkTopology> make_chain_topology(std::uint32_t chips) {
  return std::make_unique<ChainTopology>(chips);
}

}  // namespace infsim
