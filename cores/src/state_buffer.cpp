#include "infsim/cores/state_buffer.hpp"

#include <algorithm>

#include "infsim/common/error.hpp"
#include "infsim/cores/engine_timing.hpp"

namespace infsim {

namespace {
using u128 = U128;

u128 ceil_div128(u128 a, u128 b) {
  if ((a >> 64) == 0 && (b >> 64) == 0) {  // the usual case: 64-bit division is much cheaper
    const auto a64 = static_cast<std::uint64_t>(a), b64 = static_cast<std::uint64_t>(b);
    return a64 / b64 + (a64 % b64 != 0 ? 1 : 0);
  }
  return (a + b - 1) / b;
}
}  // namespace

OperandTraffic tensor_operand_bytes(const CoreParams& p, const GemmShape& g, std::uint64_t batch,
                                    Bytes elem_bytes) {
  OperandTraffic t;
  if (g.empty() || batch == 0) return t;
  const TensorTiming tt = tensor_gemm_timing(p, g, batch);
  const auto groups = static_cast<std::uint64_t>(g.groups);
  const auto k = static_cast<std::uint64_t>(g.k);
  const auto n = static_cast<std::uint64_t>(g.n);
  const std::uint64_t rows = static_cast<std::uint64_t>(g.m) * batch;  // M
  const std::uint64_t col_tiles = ceil_div(n, p.tensor.cols);          // ⌈n/C⌉
  // Each (column tile, k-fold) pass streams its rows with the fold's k-width: over the k-folds
  // of a column tile that is M · k elements, for every column tile and group.
  t.moving = groups * col_tiles * rows * k * elem_bytes;
  // Each weight load reads a (k-width × n-width) tile; the S chunks of a column tile reload all
  // of its k-folds: S · k · n elements per group.
  t.weights = groups * tt.row_chunks * k * n * elem_bytes;
  return t;
}

StateBufferPort::StateBufferPort(std::string name, std::uint32_t partitions,
                                 std::uint32_t bytes_per_cycle, Ps period_ps)
    : Resource(std::move(name)),
      partitions_(partitions),
      bpc_(bytes_per_cycle),
      period_(period_ps) {
  if (partitions_ == 0 || bpc_ == 0 || period_ == 0 || bpc_ % partitions_ != 0)
    throw Error("state buffer '" + this->name() +
                "': needs partitions > 0, a clock period > 0 and bytes_per_cycle a positive "
                "multiple of partitions");
}

std::uint64_t StateBufferPort::bytes_per_s() const {
  return static_cast<std::uint64_t>((u128{bpc_} * 1'000'000'000'000ULL + period_ / 2) / period_);
}

Ps StateBufferPort::full_rate_ps(Bytes bytes) const {
  return static_cast<Ps>(ceil_div128(u128{bytes} * period_, bpc_));
}

Ps StateBufferPort::occupy(Ps start, Bytes bytes) {
  // Rates in bytes per ps over one common denominator den: the full port moves B / period =
  // full / den, inside the engine window of W ps the DMA gets (W·B − E·period) / (period · W) =
  // left / den. remaining = bytes · den.
  const Ps w = win_end_ > win_start_ ? win_end_ - win_start_ : 0;
  const bool window = w > 0 && win_end_ > start;
  const u128 den = window ? u128{period_} * w : u128{period_};
  const u128 full = window ? u128{bpc_} * w : u128{bpc_};
  const u128 left = window ? u128{bpc_} * w - u128{win_bytes_} * period_ : 0;
  u128 remaining = u128{bytes} * den;
  Ps t = std::max(start, dma_free_);
  Ps end = t;
  bool done = remaining == 0;
  if (!done && window && t < win_start_) {  // before the window: full rate
    const u128 cap = u128{win_start_ - t} * full;
    if (remaining <= cap) {
      end = t + static_cast<Ps>(ceil_div128(remaining, full));
      done = true;
    } else {
      remaining -= cap;
      t = win_start_;
    }
  }
  if (!done && window && t < win_end_) {  // inside: the engine's leftover
    const u128 cap = u128{win_end_ - t} * left;
    if (left > 0 && remaining <= cap) {
      end = t + static_cast<Ps>(ceil_div128(remaining, left));
      done = true;
    } else {
      remaining -= cap;
      t = win_end_;
    }
  }
  if (!done) end = t + static_cast<Ps>(ceil_div128(remaining, full));
  dma_free_ = end;
  stats_.bytes += bytes;
  stats_.transfers += 1;
  stats_.busy_ps += end - start;
  return end - start;
}

Ps StateBufferPort::engine_reads(Ps t, Bytes bytes, Ps min_duration) {
  if (bytes == 0) return t + min_duration;
  const Ps es = std::max(t, dma_free_);
  const Ps end = std::max(t + min_duration, es + full_rate_ps(bytes));
  win_start_ = es;
  win_end_ = end;
  win_bytes_ = bytes;
  port_stats_.engine_bytes += bytes;
  port_stats_.engine_windows += 1;
  port_stats_.engine_stretch_ps += end - (t + min_duration);
  return end;
}

double StateBufferPort::utilization(Ps total) const {
  if (total == 0) return 0.0;
  const double moved = static_cast<double>(stats_.bytes + port_stats_.engine_bytes);
  return moved * static_cast<double>(period_) /
         (static_cast<double>(bpc_) * static_cast<double>(total));
}

void StateBufferPort::visit_stats(StatVisitor& v, Ps end) const {
  v.stat(kResourceStats.bytes, stats_.bytes + port_stats_.engine_bytes);
  v.stat(kResourceStats.transfers, stats_.transfers + port_stats_.engine_windows);
  v.stat(kResourceStats.utilization, utilization(end));
  v.stat(kStateBufferStats.dma_bytes, stats_.bytes);
  v.stat(kStateBufferStats.engine_bytes, port_stats_.engine_bytes);
  v.stat(kStateBufferStats.stretch_us,
         static_cast<double>(port_stats_.engine_stretch_ps) / kPsPerUs);
}

}  // namespace infsim
