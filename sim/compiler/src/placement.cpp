#include "placement.hpp"

#include <string>

#include "infsim/common/error.hpp"

#include "cost_model.hpp"

namespace infsim::compiler_detail {

std::vector<std::uint32_t> group_cores(std::uint32_t group, std::uint32_t per_group) {
  std::vector<std::uint32_t> c(per_group);
  for (std::uint32_t s = 0; s < per_group; ++s) c[s] = group * per_group + s;
  return c;
}

std::vector<std::uint32_t> core_order(const SystemConfig& cfg, const CompileOptions& opts,
                                      std::uint32_t needed) {
  const std::uint32_t total = cfg.total_cores();
  if (!opts.core_list.empty()) {
    if (opts.core_list.size() != needed)
      throw CompileError("core list: " + std::to_string(opts.core_list.size()) +
                         " cores given, the plan has " + std::to_string(needed) +
                         " stages (cores × groups)");
    std::vector<bool> used(total, false);
    for (std::uint32_t c : opts.core_list) {
      if (c >= total)
        throw CompileError("core list: core " + std::to_string(c) + " does not exist ('" +
                           cfg.name + "' has cores 0 to " + std::to_string(total - 1) + ")");
      if (used[c]) throw CompileError("core list: core " + std::to_string(c) + " is named twice");
      used[c] = true;
    }
    return opts.core_list;
  }
  std::vector<std::uint32_t> order(needed);
  for (std::uint32_t k = 0; k < needed; ++k)
    order[k] = opts.placement == Placement::Packed
                   ? k
                   : (k % cfg.chips) * cfg.cores_per_chip + k / cfg.chips;
  return order;
}

std::vector<std::uint32_t> sharers_of(const SystemConfig& cfg,
                                      const std::vector<std::uint32_t>& cores) {
  std::vector<std::uint32_t> n(cfg.chips, 0);
  for (std::uint32_t c : cores) ++n[c / cfg.cores_per_chip];
  return n;
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
