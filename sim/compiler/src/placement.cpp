#include "placement.hpp"

#include "cost_model.hpp"

namespace infsim::compiler_detail {

std::vector<std::uint32_t> group_cores(std::uint32_t group, std::uint32_t per_group) {
  std::vector<std::uint32_t> c(per_group);
  for (std::uint32_t s = 0; s < per_group; ++s) c[s] = group * per_group + s;
  return c;
}

std::vector<std::uint32_t> chip_sharers(const SystemConfig& cfg, std::uint32_t used) {
  std::vector<std::uint32_t> n(cfg.chips, 0);
  for (std::uint32_t c = 0; c < used && c < cfg.total_cores(); ++c) ++n[c / cfg.cores_per_chip];
  return n;
}

std::vector<std::uint32_t> group_shape(const SystemConfig& cfg,
                                       const std::vector<std::uint32_t>& cores,
                                       const std::vector<std::uint32_t>& sharers) {
  std::vector<std::uint32_t> shape;
  for (std::size_t s = 0; s < cores.size(); ++s) {
    const std::uint32_t chip = cores[s] / cfg.cores_per_chip;
    shape.push_back(sharers[chip]);
    if (s > 0)
      shape.push_back(chip == cores[s - 1] / cfg.cores_per_chip
                          ? 0
                          : 1 + chip_hops(cfg, cores[s - 1] / cfg.cores_per_chip, chip));
  }
  return shape;
}

}  // namespace infsim::compiler_detail
