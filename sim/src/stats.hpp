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

/// Keeps every latency and reports nearest-rank percentiles (the value at rank ceil(p × N)).
class LatencyRecorder {
 public:
  void add(Ps v) { v_.push_back(v); }
  std::size_t count() const { return v_.size(); }
  LatencySummary summary() {
    LatencySummary s;
    if (v_.empty()) return s;
    std::sort(v_.begin(), v_.end());
    const auto rank = [&](double p) {
      const auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v_.size())));
      return ps_to_ms(v_[std::min(v_.size(), std::max<std::size_t>(k, 1)) - 1]);
    };
    long double sum = 0;
    for (Ps x : v_) sum += static_cast<long double>(x);
    s.min = ps_to_ms(v_.front());
    s.mean = static_cast<double>(sum / v_.size()) / static_cast<double>(kPsPerMs);
    s.p50 = rank(0.50);
    s.p90 = rank(0.90);
    s.p99 = rank(0.99);
    s.max = ps_to_ms(v_.back());
    return s;
  }

 private:
  std::vector<Ps> v_;
};

}  // namespace infsim
