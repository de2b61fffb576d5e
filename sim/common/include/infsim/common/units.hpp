#pragma once
// Units and exact integer time arithmetic.
//
// Simulated time is an integer number of picoseconds (Ps). SystemC runs at a 1 ps resolution, so
// every Ps value maps exactly onto sc_time. Clocked components count integer cycles of their own
// clock and convert at their boundary with a whole-picosecond period (validated in the config).
#include <cstdint>

namespace infsim {

using Ps = std::uint64_t;      ///< simulated time in picoseconds
using Cycles = std::uint64_t;  ///< cycles of one clock domain
using Bytes = std::uint64_t;   ///< a size or a transfer in bytes
/// 128-bit unsigned for exact intermediate products (a GCC/Clang extension).
__extension__ typedef unsigned __int128 U128;

inline constexpr Ps kPsPerNs = 1000;
inline constexpr Ps kPsPerUs = 1000 * kPsPerNs;
inline constexpr Ps kPsPerMs = 1000 * kPsPerUs;
inline constexpr Ps kPsPerS = 1000 * kPsPerMs;
inline constexpr Bytes kKiB = 1024;
inline constexpr Bytes kMiB = 1024 * kKiB;
inline constexpr Bytes kGiB = 1024 * kMiB;

/// ceil(a / b) for unsigned integers, b > 0.
constexpr std::uint64_t ceil_div(std::uint64_t a, std::uint64_t b) {
  return (a + b - 1) / b;
}

/// Time to move `bytes` at `bytes_per_s`, rounded up to the next picosecond:
/// ceil(bytes * 1e12 / bytes_per_s). Exact (128-bit intermediate), no floating point.
constexpr Ps transfer_ps(Bytes bytes, std::uint64_t bytes_per_s) {
  const U128 num = static_cast<U128>(bytes) * kPsPerS;
  return static_cast<Ps>((num + bytes_per_s - 1) / bytes_per_s);
}

/// Converts a bandwidth in GiB/s (binary gigabytes) to bytes per second, rounded to nearest.
constexpr std::uint64_t gib_per_s_to_bytes(double gib_s) {
  return static_cast<std::uint64_t>(gib_s * static_cast<double>(kGiB) + 0.5);
}

/// Converts nanoseconds (possibly fractional) to picoseconds, rounded to nearest.
constexpr Ps ns_to_ps(double ns) {
  return static_cast<Ps>(ns * 1000.0 + 0.5);
}

inline double ps_to_ms(Ps t) {
  return static_cast<double>(t) / static_cast<double>(kPsPerMs);
}
inline double ps_to_s(Ps t) {
  return static_cast<double>(t) / static_cast<double>(kPsPerS);
}

}  // namespace infsim
