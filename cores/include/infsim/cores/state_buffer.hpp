#pragma once
// The State Buffer (SBUF) of a NeuronCore as a shared bandwidth resource (pure C++, no SystemC).
//
// The State Buffer is `partitions` banks, each moving `bytes_per_cycle / partitions` bytes per
// core cycle; a transfer is striped over every partition, so the port moves B = bytes_per_cycle
// bytes per cycle in all. Two kinds of traffic share it:
//  - the TensorEngine's operand reads (moving rows and weight tiles) while the core computes a
//    request: engine_reads() places them in a window and they have priority inside it;
//  - DMA writes into and reads out of the State Buffer: the port is a Resource on every transfer
//    path that starts or ends at the core, FCFS among DMAs, and a DMA inside an engine window
//    gets the bandwidth the engine leaves over.
// docs/TIMING.md ("State Buffer port") derives the rule.
#include <cstdint>
#include <string>

#include "infsim/common/pipe.hpp"
#include "infsim/common/units.hpp"
#include "infsim/cores/params.hpp"
#include "infsim/cores/work.hpp"

namespace infsim {

/// Bytes the TensorEngine reads from the State Buffer for one GEMM (weight-stationary schedule
/// of tensor_gemm_timing): every column tile streams the whole moving operand through its k-folds
/// (groups · ⌈n/C⌉ · M · k elements, M = m · batch), and every weight load reads its tile
/// (groups · S · k · n elements, S = PSUM row chunks, tiles reloaded per chunk).
struct OperandTraffic {
  Bytes moving = 0;   ///< moving-operand rows streamed into the array
  Bytes weights = 0;  ///< stationary weight tiles loaded into the array
  Bytes total() const { return moving + weights; }
};
OperandTraffic tensor_operand_bytes(const CoreParams& p, const GemmShape& g, std::uint64_t batch,
                                    Bytes elem_bytes);

/// What the port did over a run (DMA traffic is in Resource::stats()).
struct StateBufferStats {
  Bytes engine_bytes = 0;            ///< TensorEngine operand bytes read
  std::uint64_t engine_windows = 0;  ///< requests computed (engine_reads calls with bytes > 0)
  Ps engine_stretch_ps = 0;          ///< compute time added because the port was too slow/busy
};

/// What the port visits besides a Resource's statistics (the report's `sram_port.*`).
struct StateBufferStatInfo {
  StatInfo dma_bytes{"dma_bytes", "B", "bytes DMAs wrote into or read out of the State Buffer"};
  StatInfo engine_bytes{"engine_bytes", "B", "TensorEngine operand bytes read"};
  StatInfo stretch_us{"stretch_us", "us",
                      "compute time added because the port was too slow or busy"};
};
inline const StateBufferStatInfo kStateBufferStats{};

class StateBufferPort final : public Resource {
 public:
  /// `bytes_per_cycle` over all `partitions` (a multiple of them), `period_ps` the core clock.
  StateBufferPort(std::string name, std::uint32_t partitions, std::uint32_t bytes_per_cycle,
                  Ps period_ps);
  explicit StateBufferPort(std::string name, const CoreParams& p)
      : StateBufferPort(std::move(name), p.sram_partitions, p.sram_bytes_per_cycle, p.period_ps()) {
  }

  /// DMA side: earliest start of a new DMA (DMAs are served in reservation order).
  Ps ready_at() const override { return dma_free_; }
  /// A DMA of `bytes` from `start` (>= ready_at()): full bandwidth outside the engine window,
  /// the engine's leftover inside it. Returns its duration.
  Ps occupy(Ps start, Bytes bytes) override;
  Ps latency() const override { return 0; }
  std::uint64_t bytes_per_s() const override;

  /// Engine side: the core starts computing at `t` for `min_duration` and its TensorEngine reads
  /// `bytes` of operands. The reads start after any DMA already reserved (es = max(t, ready_at()))
  /// and need ⌈bytes · period / B⌉ ps of the whole port; they are spread evenly over the window
  /// [es, end), end = max(t + min_duration, es + that). Returns `end`: when the compute finishes.
  Ps engine_reads(Ps t, Bytes bytes, Ps min_duration);

  std::uint32_t partitions() const { return partitions_; }
  std::uint32_t bytes_per_cycle() const { return bpc_; }
  Ps period_ps() const { return period_; }
  /// Port time to move `bytes` at the full bandwidth: ⌈bytes · period / B⌉ ps.
  Ps full_rate_ps(Bytes bytes) const;
  const StateBufferStats& port_stats() const { return port_stats_; }
  /// (DMA bytes + engine bytes) / (B bytes per period · total): the share of the port's capacity
  /// used over `total` ps.
  double utilization(Ps total) const override;
  /// As a Resource, counting engine traffic too (bytes = DMA + engine operand bytes, transfers =
  /// DMAs + engine windows), then `dma_bytes`, `engine_bytes` and `stretch_us`.
  void visit_stats(StatVisitor& v, Ps end) const override;

 private:
  std::uint32_t partitions_;
  std::uint32_t bpc_;
  Ps period_;
  Ps dma_free_ = 0;
  // The current engine window [win_start_, win_end_) reading win_bytes_.
  Ps win_start_ = 0, win_end_ = 0;
  Bytes win_bytes_ = 0;
  StateBufferStats port_stats_;
};

}  // namespace infsim
