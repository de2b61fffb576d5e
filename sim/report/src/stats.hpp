#pragma once
// Small statistics helpers shared by the simulator.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "infsim/common/units.hpp"
#include "infsim/report.hpp"

namespace infsim {

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator with a fixed algorithm, so a seed
/// gives the same sequence with every compiler and standard library.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : s_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t s_;
};

/// Latency histogram with log-linear buckets (the HdrHistogram layout) and bounded memory.
///
/// Values below 2^kSubBits (512 ps) each get their own bucket. A value v >= 2^kSubBits in the
/// octave [2^m, 2^(m+1)) falls in one of 2^kSubBits equal buckets of width 2^(m - kSubBits)
/// (width 1 up to 1023 ps, so those values are exact too). A percentile is found by exact
/// counting (the bucket holding the nearest-rank sample, the sample at rank ceil(p × N)) and
/// reported as the midpoint of that bucket, narrowed to the exact [min, max] of all samples
/// (ranks 1 and N are the exact min and max).
///
/// Error bound: the reported value differs from the exact nearest-rank percentile by less than
/// half a bucket width, 2^(m - kSubBits - 1), and the exact value is at least 2^m, so the
/// relative error is below 2^-(kSubBits + 1) = 2^-10 = 0.0977%, within the 0.1% asked for.
/// min, max, mean and count are exact (the sum is kept in 128 bits; the mean is rounded once).
///
/// Memory: one 64-bit counter per bucket, (64 - kSubBits + 1) × 2^kSubBits = 28,672 buckets
/// (224 KiB) allocated once, covering every 64-bit picosecond value: it depends neither on the
/// number nor on the range of the samples.
class LatencyHistogram {
 public:
  static constexpr unsigned kSubBits = 9;
  static constexpr std::size_t kSubBuckets = std::size_t{1} << kSubBits;
  static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSubBuckets;
  /// The bound on |reported - exact| / exact of any percentile (2^-10).
  static constexpr double kMaxRelativeError = 1.0 / static_cast<double>(2 * kSubBuckets);

  LatencyHistogram() : counts_(kBuckets, 0) {}

  void add(Ps v) {
    ++counts_[bucket_of(v)];
    if (n_ == 0 || v < min_) min_ = v;
    if (n_ == 0 || v > max_) max_ = v;
    ++n_;
    sum_lo_ += v;
    if (sum_lo_ < v) ++sum_hi_;  // carry into the high word
  }
  std::size_t count() const { return static_cast<std::size_t>(n_); }
  Ps min() const { return min_; }
  Ps max() const { return max_; }
  /// Exact sum / count, rounded once to double (0 when empty).
  double mean() const {
    if (n_ == 0) return 0.0;
    const long double sum = static_cast<long double>(sum_hi_) * 18446744073709551616.0L +
                            static_cast<long double>(sum_lo_);
    return static_cast<double>(sum / static_cast<long double>(n_));
  }

  /// The value at nearest rank ceil(num / den × N), within kMaxRelativeError (0 when empty).
  /// The rank is computed in integers, so 0.95 × 100 is rank 95, never 96.
  double percentile(std::uint64_t num, std::uint64_t den) const {
    if (n_ == 0) return 0.0;
    const std::uint64_t q = n_ / den, r = n_ % den;
    std::uint64_t k = q * num + (r * num + den - 1) / den;  // ceil(num × n / den), no overflow
    k = std::min(n_, std::max<std::uint64_t>(k, 1));
    if (k == n_) return static_cast<double>(max_);  // the extreme ranks are known exactly
    if (k == 1) return static_cast<double>(min_);
    std::uint64_t seen = 0;
    std::size_t b = 0;
    for (; b < kBuckets; ++b) {
      seen += counts_[b];
      if (seen >= k) break;
    }
    const Ps lo = std::max(bucket_low(b), min_);
    const Ps hi = std::min(bucket_high(b), max_);
    return static_cast<double>(lo) + static_cast<double>(hi - lo) / 2.0;
  }

  LatencySummary summary() const {
    LatencySummary s;
    if (n_ == 0) return s;
    const double ms = static_cast<double>(kPsPerMs);
    s.min = ps_to_ms(min_);
    s.mean = mean() / ms;
    s.p50 = percentile(50, 100) / ms;
    s.p90 = percentile(90, 100) / ms;
    s.p95 = percentile(95, 100) / ms;
    s.p99 = percentile(99, 100) / ms;
    s.p999 = percentile(999, 1000) / ms;
    s.max = ps_to_ms(max_);
    return s;
  }

  /// Buckets held, and the bytes the histogram uses (object and counters): both constant.
  std::size_t bucket_count() const { return counts_.size(); }
  std::size_t memory_bytes() const { return sizeof(*this) + counts_.capacity() * sizeof(Count); }

  static std::size_t bucket_of(Ps v) {
    if (v < kSubBuckets) return static_cast<std::size_t>(v);
    const unsigned m = 63U - static_cast<unsigned>(__builtin_clzll(v));  // floor(log2 v) >= 9
    const unsigned shift = m - kSubBits;
    return static_cast<std::size_t>(shift) * kSubBuckets + static_cast<std::size_t>(v >> shift);
  }
  /// The smallest and the largest value of bucket `b`.
  static Ps bucket_low(std::size_t b) {
    if (b < 2 * kSubBuckets) return static_cast<Ps>(b);
    const std::size_t shift = b / kSubBuckets - 1;
    return static_cast<Ps>(b - shift * kSubBuckets) << shift;
  }
  static Ps bucket_high(std::size_t b) {
    if (b < 2 * kSubBuckets) return static_cast<Ps>(b);
    const std::size_t shift = b / kSubBuckets - 1;
    return bucket_low(b) + ((Ps{1} << shift) - 1);
  }

 private:
  using Count = std::uint64_t;
  std::vector<Count> counts_;
  std::uint64_t n_ = 0;
  Ps min_ = 0, max_ = 0;
  std::uint64_t sum_lo_ = 0, sum_hi_ = 0;
};

/// The simulator's latency recorder (the name simulate() uses).
using LatencyRecorder = LatencyHistogram;

}  // namespace infsim
