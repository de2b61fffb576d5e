#pragma once
// Overflow-checked size arithmetic and the size limit of a model (docs/RELIABILITY.md, "Sizes").
// Every product of sizes in the graph IR, the importers and the microbenchmarks goes through
// these, so a shape such as [4294967296, 4294967296, 3] is refused instead of wrapping to 0.
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace infsim {

/// The largest tensor (or weight set, or byte count of one transfer) a model may have: 2^48
/// bytes (256 TiB), the 48-bit device address space. An Inferentia chip has 8 GiB of DRAM, so
/// anything near this limit cannot run anyway; the limit keeps every later product of a size
/// with a small factor (a batch, a dtype size, a cycle count per byte) inside 64 bits.
constexpr std::int64_t kMaxTensorBytes = std::int64_t{1} << 48;

/// The largest count of operations (MACs, FLOPs) of one op per sample: 2^56. Bounding it keeps
/// cycle counts derived from it (divided by an engine's rate, multiplied by a batch) in range.
constexpr std::int64_t kMaxOpWork = std::int64_t{1} << 56;

/// a × b into *out; false (and *out unspecified) when it overflows int64.
inline bool checked_mul(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

/// a + b into *out; false when it overflows int64.
inline bool checked_add(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

/// The product of `factors` into *out; false when any partial product overflows int64.
inline bool checked_product(std::initializer_list<std::int64_t> factors, std::int64_t* out) {
  std::int64_t p = 1;
  for (std::int64_t f : factors) {
    if (!checked_mul(p, f, &p)) return false;
  }
  *out = p;
  return true;
}

/// The product of s[begin, end) into *out; false when it overflows int64.
inline bool checked_product(const std::vector<std::int64_t>& s, std::size_t begin, std::size_t end,
                            std::int64_t* out) {
  std::int64_t p = 1;
  for (std::size_t i = begin; i < end; ++i) {
    if (!checked_mul(p, s[i], &p)) return false;
  }
  *out = p;
  return true;
}

}  // namespace infsim
