#pragma once
// Where a stage's activations live when they do not all fit its State Buffer, and what moving
// them costs (docs/COMPILER.md, "Tiling and spilling"). Internal to the compiler.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "analysis.hpp"
#include "infsim/plan.hpp"

namespace infsim::compiler_detail {

/// One op's part of a stage's activation traffic (for the plan).
using OpSpill = SpilledOp;

/// The activations of a stage under an activation budget.
struct SpillPlan {
  bool feasible = false;    ///< every op runs in the budget (resident or tiled)
  Bytes write_bytes = 0;    ///< spilled to DRAM per request
  Bytes read_bytes = 0;     ///< reloaded from DRAM per request
  Cycles stall = 0;         ///< Σ over ops of DMA time beyond compute
  std::uint64_t tiles = 0;  ///< Σ tiles of the ops that move data
  Bytes resident_peak = 0;  ///< State Buffer used by activations at the busiest op
  Bytes traffic() const { return write_bytes + read_bytes; }
};

/// Plans the activations of the stage [i, j] in `budget` bytes of State Buffer. A tensor lives
/// in DRAM (spilled: written once by its producer, read by each consumer of the stage, and once
/// more to be sent on when it leaves the stage) when any op of the stage runs over the budget
/// while it is alive; with `io_in_dram` the tensors that enter or leave the stage do too (its
/// input and output buffers are in DRAM). An op over the budget runs tiled: it needs `foot`
/// bytes. Each op's DRAM traffic, in tiles of at most pipeline.tile_kib, double-buffers against
/// its compute: it takes max(S + L/T, L + S/T) for compute S, transfer L (at the core's DRAM
/// path rate) and T tiles; the excess over S is its stall. `detail` receives the ops that move
/// data.
SpillPlan plan_spills(const Analysis& a, const SystemConfig& cfg, std::size_t i, std::size_t j,
                      Bytes budget, bool io_in_dram, std::vector<OpSpill>* detail = nullptr);

}  // namespace infsim::compiler_detail
