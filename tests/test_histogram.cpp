// The bounded-memory latency histogram (sim/report/src/stats.hpp): its percentiles against exact
// nearest-rank percentiles on several distributions, its exact min/max/mean, and its memory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "stats.hpp"

using infsim::LatencyHistogram;
using infsim::Ps;

namespace {

/// The exact nearest-rank percentile num/den of `sorted`: the value at rank ceil(num/den × N).
Ps exact_rank(const std::vector<Ps>& sorted, std::uint64_t num, std::uint64_t den) {
  const std::uint64_t n = sorted.size();
  std::uint64_t k = (n * num + den - 1) / den;  // n is small here: no overflow
  k = std::min(n, std::max<std::uint64_t>(k, 1));
  return sorted[static_cast<std::size_t>(k - 1)];
}

/// A uniform double in [0, 1) from the portable generator.
double unit(infsim::SplitMix64& g) {
  return static_cast<double>(g.next() >> 11) * 0x1.0p-53;
}

struct Checked {
  double worst = 0;  ///< the largest relative error seen
};

/// Feeds `values` to a histogram and checks every per-mille percentile (and p99.9) against the
/// exact nearest-rank value: relative error at most kMaxRelativeError. Returns the worst seen.
Checked check_all_percentiles(std::vector<Ps> values) {
  LatencyHistogram h;
  for (Ps v : values) h.add(v);
  std::sort(values.begin(), values.end());
  REQUIRE(h.count() == values.size());
  CHECK(h.min() == values.front());
  CHECK(h.max() == values.back());
  Checked c;
  const auto check = [&](std::uint64_t num, std::uint64_t den) {
    const double exact = static_cast<double>(exact_rank(values, num, den));
    const double got = h.percentile(num, den);
    const double err = exact == 0 ? std::abs(got) : std::abs(got - exact) / exact;
    c.worst = std::max(c.worst, err);
    if (err > LatencyHistogram::kMaxRelativeError)
      FAIL("percentile " << num << "/" << den << ": exact " << exact << ", histogram " << got
                         << ", relative error " << err);
  };
  for (std::uint64_t q = 1; q <= 1000; ++q) check(q, 1000);
  check(9999, 10000);
  check(1, 1000000);
  return c;
}

}  // namespace

TEST_CASE("histogram: the stated bound is below 0.1%", "[histogram]") {
  CHECK(LatencyHistogram::kMaxRelativeError == Approx(1.0 / 1024));
  CHECK(LatencyHistogram::kMaxRelativeError < 0.001);
  CHECK(LatencyHistogram::kBuckets == 28672);
}

TEST_CASE("histogram: buckets tile every 64-bit value, each at most 2^-9 wide", "[histogram]") {
  CHECK(LatencyHistogram::bucket_low(0) == 0);
  CHECK(LatencyHistogram::bucket_high(LatencyHistogram::kBuckets - 1) ==
        std::numeric_limits<Ps>::max());
  for (std::size_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    const Ps lo = LatencyHistogram::bucket_low(b), hi = LatencyHistogram::bucket_high(b);
    if (hi + 1 != LatencyHistogram::bucket_low(b + 1) || hi < lo)
      FAIL("bucket " << b << " [" << lo << ", " << hi << "] does not meet bucket " << b + 1);
    if (hi > lo && hi - lo + 1 > lo / 512)  // width 1, or at most 2^-9 of the low end
      FAIL("bucket " << b << " [" << lo << ", " << hi << "] is wider than 2^-9 of its low end");
    if (LatencyHistogram::bucket_of(lo) != b || LatencyHistogram::bucket_of(hi) != b)
      FAIL("bucket_of disagrees with bucket " << b);
  }
  // Values below 1024 ps have a bucket each.
  for (Ps v = 0; v < 1024; ++v)
    CHECK(LatencyHistogram::bucket_low(LatencyHistogram::bucket_of(v)) == v);
  CHECK(LatencyHistogram::bucket_of(1024) == 1024);
  CHECK(LatencyHistogram::bucket_of(1025) == 1024);
  CHECK(LatencyHistogram::bucket_of(1026) == 1025);
}

TEST_CASE("histogram: nearest rank computed in integers, exact for small values", "[histogram]") {
  LatencyHistogram h;
  for (Ps v = 100; v >= 1; --v) h.add(v);  // order does not matter
  CHECK(h.percentile(50, 100) == 50);
  CHECK(h.percentile(90, 100) == 90);
  CHECK(h.percentile(95, 100) == 95);  // 0.95 × 100 in floating point would risk rank 96
  CHECK(h.percentile(99, 100) == 99);
  CHECK(h.percentile(999, 1000) == 100);  // ceil(99.9)
  CHECK(h.percentile(1, 1000) == 1);
  CHECK(h.percentile(1, 1) == 100);
  CHECK(h.mean() == 50.5);
}

TEST_CASE("histogram: uniform samples", "[histogram]") {
  infsim::SplitMix64 g(1);
  std::vector<Ps> v(200000);
  // 1 us .. 100 ms in picoseconds.
  for (auto& x : v) x = 1'000'000 + static_cast<Ps>(unit(g) * 99'999'000'000.0);
  const Checked c = check_all_percentiles(v);
  // Not vacuous: the buckets do round (the midpoint is off by a measurable amount).
  CHECK(c.worst > 1e-5);
}

TEST_CASE("histogram: exponential samples", "[histogram]") {
  infsim::SplitMix64 g(2);
  std::vector<Ps> v(200000);
  for (auto& x : v) x = static_cast<Ps>(-std::log(1.0 - unit(g)) * 5e9);  // mean 5 ms
  check_all_percentiles(v);
}

TEST_CASE("histogram: bimodal samples", "[histogram]") {
  infsim::SplitMix64 g(3);
  std::vector<Ps> v(100000);
  for (auto& x : v)
    x = unit(g) < 0.9 ? 1'000'000'000 + static_cast<Ps>(unit(g) * 1e7)    // ~1 ms
                      : 50'000'000'000 + static_cast<Ps>(unit(g) * 1e9);  // ~50 ms
  check_all_percentiles(v);
}

TEST_CASE("histogram: constant samples are reported exactly", "[histogram]") {
  for (Ps c : {Ps{0}, Ps{1}, Ps{6'957'704}, Ps{123'456'789'012}}) {
    LatencyHistogram h;
    for (int i = 0; i < 1000; ++i) h.add(c);
    const Checked k = check_all_percentiles(std::vector<Ps>(1000, c));
    CHECK(k.worst == 0);
    CHECK(h.percentile(50, 100) == static_cast<double>(c));
    CHECK(h.mean() == static_cast<double>(c));
  }
}

TEST_CASE("histogram: huge values up to 2^64 - 1", "[histogram]") {
  infsim::SplitMix64 g(4);
  std::vector<Ps> v(50000);
  for (auto& x : v) x = g.next() | (Ps{1} << 63);  // [2^63, 2^64)
  v.push_back(std::numeric_limits<Ps>::max());
  check_all_percentiles(v);

  LatencyHistogram h;
  h.add(std::numeric_limits<Ps>::max());
  h.add(std::numeric_limits<Ps>::max());
  CHECK(h.mean() == static_cast<double>(std::numeric_limits<Ps>::max()));  // the sum carried
  CHECK(h.percentile(999, 1000) == static_cast<double>(std::numeric_limits<Ps>::max()));
}

TEST_CASE("histogram: values spread over many octaves", "[histogram]") {
  infsim::SplitMix64 g(5);
  std::vector<Ps> v(100000);
  for (auto& x : v) x = g.next() >> (g.next() % 64);  // log-uniform-ish over 0 .. 2^64
  check_all_percentiles(v);
}

TEST_CASE("histogram: summary in milliseconds, min/max/mean exact", "[histogram]") {
  LatencyHistogram h;
  const infsim::LatencySummary empty = h.summary();
  CHECK(empty.p50 == 0);
  CHECK(empty.max == 0);
  CHECK(empty.mean == 0);
  for (Ps v : {Ps{3'000'000'000}, Ps{1'000'000'000}, Ps{2'000'000'000}, Ps{10'000'000'000}})
    h.add(v);
  const infsim::LatencySummary s = h.summary();
  CHECK(s.min == 1.0);
  CHECK(s.max == 10.0);
  CHECK(s.mean == 4.0);
  CHECK(s.p50 == Approx(2.0).epsilon(LatencyHistogram::kMaxRelativeError));
  CHECK(s.p50 != 2.0);   // rank 2 is inside a bucket: its midpoint
  CHECK(s.p90 == 10.0);  // rank 4 = N: the exact max
  CHECK(s.p95 == 10.0);
  CHECK(s.p99 == 10.0);
  CHECK(s.p999 == 10.0);
  CHECK(s.p50 == h.percentile(50, 100) / 1e9);
}

TEST_CASE("histogram: memory does not grow with the samples", "[histogram]") {
  LatencyHistogram h;
  const std::size_t buckets = h.bucket_count(), bytes = h.memory_bytes();
  CHECK(buckets == LatencyHistogram::kBuckets);
  CHECK(bytes >= buckets * sizeof(std::uint64_t));
  CHECK(bytes < 240 * 1024);
  infsim::SplitMix64 g(6);
  for (std::uint64_t n : {1'000ULL, 1'000'000ULL, 3'000'000ULL}) {
    while (h.count() < n) h.add(g.next() >> (g.next() % 64));
    INFO(n << " samples");
    CHECK(h.bucket_count() == buckets);
    CHECK(h.memory_bytes() == bytes);
  }
}
