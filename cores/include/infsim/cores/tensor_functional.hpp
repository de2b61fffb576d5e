#pragma once
// Functional mode of the TensorEngine: executes the tile schedule of tensor_gemm_timing on real
// data (Eigen, inside the library) for small problems. Its product checked against a direct one
// proves that the schedule that sets the cycle count covers every output exactly once.
#include <cstdint>
#include <vector>

#include "infsim/cores/engine_timing.hpp"
#include "infsim/cores/params.hpp"

namespace infsim {

/// A dense row-major FP32 matrix (keeps Eigen out of the public headers).
struct HostMatrix {
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> data;  ///< rows × cols, row-major

  HostMatrix() = default;
  HostMatrix(std::int64_t r, std::int64_t c)
      : rows(r), cols(c), data(static_cast<std::size_t>(r * c), 0.0f) {}
  float& operator()(std::int64_t r, std::int64_t c) {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
  float operator()(std::int64_t r, std::int64_t c) const {
    return data[static_cast<std::size_t>(r * cols + c)];
  }
};

struct TensorFunctionalResult {
  HostMatrix product;  ///< A · B (m × n), read out of the PSUM model block by block
  /// Timing of the executed schedule: folds, row chunks, weight loads and evacuations counted
  /// while executing, cycles from the passes executed (the per-pass rule of TIMING.md), MACs
  /// from the tiles multiplied. Equal to tensor_gemm_timing for the same shape.
  TensorTiming timing;
  /// Per output element (row-major): how many times it was evacuated from the PSUM (1 if the
  /// schedule covers it exactly once).
  std::vector<std::uint32_t> evacuated;
  /// Per output element: how many of the k indices were accumulated into it (k if complete).
  std::vector<std::uint32_t> reduced;
  Bytes psum_peak_bytes = 0;  ///< largest PSUM occupancy (rows × C × 4)
};

/// Executes (m × k) A times (k × n) B (one group, batch 1: m = M) on the TensorEngine of `p`
/// with its PSUM capacity: for each column tile, row chunk and k-fold, the R × C weight tile is
/// (re)loaded unless it is already in the array, the chunk's rows of A stream through, and the
/// partial sums accumulate in a PSUM of P = psum_rows rows (the first k-fold writes, the others
/// add); after a chunk's last k-fold its block is evacuated into the product. Arithmetic is
/// FP32 (the hardware multiplies FP16/BF16 and accumulates in FP32). Throws
/// std::invalid_argument if A's columns differ from B's rows.
TensorFunctionalResult tensor_gemm_functional(const CoreParams& p, const HostMatrix& a,
                                              const HostMatrix& b);

}  // namespace infsim
