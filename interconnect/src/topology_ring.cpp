// neuronlink.topology = ring: chips 0..n-1 in a cycle (docs/TIMING.md, "NeuronLink ring or
// chain").
#include <algorithm>
#include <memory>

#include "infsim/interconnect/link_topology.hpp"

namespace infsim {

namespace {

/// Link i joins chip i and chip (i + 1) mod n, so with n >= 3 chips link n-1 closes the ring.
/// A route goes the shorter way round, hops = min(fwd, n − fwd) with fwd = (to − from) mod n;
/// ties go forward (up the chip index). One or two chips have no ring to close: they are the
/// chain (no link, or the one link 0-1).
class RingTopology final : public LinkTopology {
 public:
  explicit RingTopology(std::uint32_t chips) : LinkTopology(chips), closed_(chips >= 3) {}

  std::vector<LinkEnds> links() const override {
    const std::uint32_t n = chips();
    std::vector<LinkEnds> l;
    for (std::uint32_t i = 0; i < (closed_ ? n : n - 1); ++i) l.push_back({i, (i + 1) % n});
    return l;
  }

  std::uint32_t hops(std::uint32_t from, std::uint32_t to) const override {
    check_chips(from, to);
    const std::uint32_t fwd = distance_up(from, to);
    return std::min(fwd, chips() - fwd);  // also right for the unclosed 1- and 2-chip cases
  }

  std::vector<LinkHop> route(std::uint32_t from, std::uint32_t to) const override {
    const std::uint32_t n = chips();
    const std::uint32_t count = hops(from, to);
    const std::uint32_t fwd = distance_up(from, to);
    const bool up = closed_ ? fwd <= n - fwd : to >= from;
    std::vector<LinkHop> path;
    path.reserve(count);
    std::uint32_t at = from;
    for (std::uint32_t h = 0; h < count; ++h) {
      if (up) {
        path.push_back({at, true});  // link `at` joins at and at+1
        at = (at + 1) % n;
      } else {
        const std::uint32_t link = (at + n - 1) % n;  // joins at-1 and at
        path.push_back({link, false});
        at = link;
      }
    }
    return path;
  }

 private:
  std::uint32_t distance_up(std::uint32_t from, std::uint32_t to) const {
    return (to + chips() - from) % chips();
  }

  bool closed_;
};

}  // namespace

std::unique_ptr<LinkTopology> make_ring_topology(std::uint32_t chips) {
  return std::make_unique<RingTopology>(chips);
}

}  // namespace infsim
