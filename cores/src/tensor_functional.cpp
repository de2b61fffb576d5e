#include "infsim/cores/tensor_functional.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Dense>

namespace infsim {

namespace {

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using ConstMap = Eigen::Map<const RowMajor>;
using MutMap = Eigen::Map<RowMajor>;

/// Cycles of a sequence of passes (rows streamed after each weight load), pass by pass.
Cycles cycles_of_passes(const TensorEngineParams& p, const std::vector<std::uint64_t>& passes) {
  const std::uint64_t r = p.rows, fill_drain = r + p.cols - 2;
  if (passes.empty()) return 0;
  if (!p.weight_load_overlap) {
    Cycles t = 0;
    for (std::uint64_t rows : passes) t += r + rows + fill_drain;  // load, stream, drain
    return t;
  }
  // The first tile loads (R); each pass streams its rows; the next tile's load hides behind the
  // stream, so the next pass starts max(rows, R) later; the last pass ends with one drain.
  Cycles start = r;
  for (std::size_t i = 0; i + 1 < passes.size(); ++i) start += std::max(passes[i], r);
  return start + passes.back() + fill_drain;
}

}  // namespace

TensorFunctionalResult tensor_gemm_functional(const CoreParams& p, const HostMatrix& a,
                                              const HostMatrix& b) {
  if (a.cols != b.rows)
    throw std::invalid_argument("tensor_gemm_functional: A is " + std::to_string(a.rows) + "x" +
                                std::to_string(a.cols) + " but B is " + std::to_string(b.rows) +
                                "x" + std::to_string(b.cols));
  const std::int64_t m = a.rows, k = a.cols, n = b.cols;
  TensorFunctionalResult res;
  res.product = HostMatrix(m, n);
  res.evacuated.assign(static_cast<std::size_t>(m * n), 0);
  res.reduced.assign(static_cast<std::size_t>(m * n), 0);
  const TensorEngineParams& te = p.tensor;
  res.timing.array_cells = static_cast<std::uint64_t>(te.rows) * te.cols;
  if (m == 0 || k == 0 || n == 0) return res;

  const std::int64_t r = te.rows, c = te.cols;
  const auto psum_bytes = static_cast<Bytes>(std::llround(p.psum_capacity_kib * kKiB));
  const auto prow = static_cast<std::int64_t>(psum_rows(te, psum_bytes));
  const std::int64_t kf = (k + r - 1) / r, nf = (n + c - 1) / c;

  const ConstMap am(a.data.data(), m, k);
  const ConstMap bm(b.data.data(), k, n);
  MutMap out(res.product.data.data(), m, n);
  // The PSUM: P rows of C FP32 accumulators (only the rows a chunk needs are allocated).
  RowMajor psum(std::min(prow, m), c);

  std::vector<std::uint64_t> passes;  // rows streamed after each weight load
  std::int64_t loaded_kt = -1, loaded_nt = -1;
  std::uint64_t macs = 0;
  for (std::int64_t nt = 0; nt < nf; ++nt) {
    const std::int64_t n0 = nt * c, nc = std::min(c, n - n0);
    for (std::int64_t w0 = 0; w0 < m; w0 += prow) {  // PSUM row chunk (window)
      const std::int64_t rows = std::min(prow, m - w0);
      for (std::int64_t kt = 0; kt < kf; ++kt) {
        const std::int64_t k0 = kt * r, kr = std::min(r, k - k0);
        if (kt != loaded_kt || nt != loaded_nt) {  // load the R × C weight tile (kt, nt)
          passes.push_back(0);
          loaded_kt = kt;
          loaded_nt = nt;
        }
        passes.back() += static_cast<std::uint64_t>(rows);  // stream the chunk's rows
        auto acc = psum.block(0, 0, rows, nc);
        const auto tile = am.block(w0, k0, rows, kr) * bm.block(k0, n0, kr, nc);
        if (kt == 0) {
          acc.noalias() = tile;  // the first fold writes
        } else {
          acc.noalias() += tile;  // near-memory accumulation
        }
        macs += static_cast<std::uint64_t>(rows * kr * nc);
        for (std::int64_t i = 0; i < rows; ++i)
          for (std::int64_t j = 0; j < nc; ++j)
            res.reduced[static_cast<std::size_t>((w0 + i) * n + n0 + j)] +=
                static_cast<std::uint32_t>(kr);
        res.psum_peak_bytes =
            std::max(res.psum_peak_bytes,
                     static_cast<Bytes>(rows) * static_cast<Bytes>(c) * kPsumBytesPerSum);
      }
      // Evacuate the finished block.
      ++res.timing.evacuations;
      out.block(w0, n0, rows, nc) = psum.block(0, 0, rows, nc);
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < nc; ++j)
          ++res.evacuated[static_cast<std::size_t>((w0 + i) * n + n0 + j)];
    }
  }
  TensorTiming& t = res.timing;
  t.folds = static_cast<std::uint64_t>(kf * nf);
  t.weight_loads = passes.size();
  t.row_chunks = t.weight_loads / t.folds;
  t.chunk_rows = passes.front();
  t.macs = macs;
  t.cycles = cycles_of_passes(te, passes);
  return res;
}

}  // namespace infsim
