#pragma once
// The partitioner: the dynamic programmes that cut the op order into contiguous stages on a given
// placement, minimising the slowest stage's estimated time, and the fewest stages or least memory
// that error messages report (docs/COMPILER.md, "Partitioning: optimal min-max DP").
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cost_model.hpp"

namespace infsim::compiler_detail {

constexpr Ps kInf = std::numeric_limits<Ps>::max();

/// The min-max dynamic programme over one placement: best[s][j] is the smallest possible
/// slowest-stage time when stages 0..s (on cores[0..s]) cover positions [0, j]. One run answers
/// every stage count up to cores.size(), since the first N stages of a chip-major placement are
/// the placement of N stages. It runs "forward": for each stage start i in order (every best[·][i
/// − 1] is final by then), it extends the stage [i, j] one op at a time, scheduling it
/// incrementally, and relaxes best[s][j] for every s. Memory is linear in the graph (stages × n
/// entries, nothing per range), and the extension stops once no longer stage can fit (the
/// monotone lower bound of stage_need).
class Partitioner {
 public:
  /// `sharers[c]`: cores of chip c that run at once (their streams share its DRAM).
  Partitioner(const Analysis& a, const SystemConfig& cfg, const std::vector<std::uint32_t>& cores,
              bool allow_stream, const std::vector<std::uint32_t>& sharers);
  /// stage_fit of [i, j] under this partitioner's rule.
  StageFit fit(std::size_t i, std::size_t j) const {
    return stage_fit(a_, cfg_, i, j, allow_stream_);
  }
  /// Whether `stages` stages cover the graph, and their starts.
  bool feasible(std::uint32_t stages) const { return best_[stages - 1][a_.n() - 1] != kInf; }
  Ps bottleneck(std::uint32_t stages) const { return best_[stages - 1][a_.n() - 1]; }
  /// The starts of `stages` stages. Many splits share the optimal slowest stage M; of those,
  /// the one with the smallest sum of stage times (less streaming, fewer bytes moved): a second
  /// DP, min Σ time subject to every stage <= M (lexicographic (max, sum) has no optimal
  /// substructure, the capped sum does).
  std::vector<std::uint32_t> starts(std::uint32_t stages) const;

 private:
  /// Calls visit(i, j, time) for every stage [i, j] that fits, with time(s) its time as stage
  /// s, in order of i then j; `wanted(i, j)` says whether any stage count still needs [i, j]
  /// (else its fit is not computed).
  template <class Wanted, class Visit>
  void for_each_range(std::uint32_t stages, Wanted&& wanted, Visit&& visit) const;
  /// A lower bound of stage_need that never decreases as the stage grows.
  Bytes need_bound(std::size_t i, std::size_t j) const;

  const Analysis& a_;
  const SystemConfig& cfg_;
  bool allow_stream_;
  std::vector<InPath> in_;
  std::vector<std::uint32_t> sh_;
  std::vector<std::vector<Ps>> best_;
};

/// The fewest stages whose every stage keeps all its weights in the State Buffer, or 0 when one
/// operator alone does not fit.
std::uint32_t min_stages(const Analysis& a, const SystemConfig& cfg);

/// Of all N-stage partitions, the smallest possible largest-stage memory (for error messages).
Bytes min_max_memory(const Analysis& a, const SystemConfig& cfg, std::uint32_t stages,
                     bool allow_stream);

/// The partition of one group on `cores`: all weights in SRAM when some partition allows it
/// (streaming is the fallback, as in the Neuron compiler), else streaming when allowed. When the
/// best partition with every weight in SRAM must spill activations, the partition that may also
/// stream weights is taken instead if its slowest stage is faster. Sets `starts` (the stage
/// starts) and `streams`; returns false when neither works.
bool partition_group(const Analysis& a, const SystemConfig& cfg,
                     const std::vector<std::uint32_t>& cores, bool allow_stream,
                     const std::vector<std::uint32_t>& sharers, std::vector<std::uint32_t>& starts,
                     bool& streams);

/// Why `stages` stages do not fit: the State Buffer the best split still needs in its largest
/// stage, and the smallest core count that would keep every weight in SRAM.
std::string not_fit_message(const Graph& g, const Analysis& a, const SystemConfig& cfg,
                            std::uint32_t stages, bool allow_stream);

}  // namespace infsim::compiler_detail
