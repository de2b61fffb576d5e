// `infsim microbench tensor`: one GEMM on one core's TensorEngine, on the pure timing model
// (tensor_gemm_timing with the core's PSUM capacity; docs/TIMING.md, "TensorEngine").
#include <cstdint>
#include <string>

#include "infsim/common/checked.hpp"
#include "infsim/common/error.hpp"
#include "infsim/cores/engine_timing.hpp"
#include "infsim/microbench.hpp"

namespace infsim {

TensorBenchResult microbench_tensor(const SystemConfig& cfg, std::int64_t m, std::int64_t n,
                                    std::int64_t k) {
  if (m < 1 || n < 1 || k < 1)
    throw Error(
        "microbench tensor: --m, --n and --k must be at least 1 (got m = " + std::to_string(m) +
        ", n = " + std::to_string(n) + ", k = " + std::to_string(k) + ")");
  // The operands (FP16, 2 bytes an element) must fit the model size limit and the MACs the
  // limit of one op (infsim/common/checked.hpp), as a graph's matmul must.
  std::int64_t mk = 0, kn = 0, mn = 0, macs = 0;
  const bool fits = checked_product({m, k, 2}, &mk) && checked_product({k, n, 2}, &kn) &&
                    checked_product({m, n, 2}, &mn) && mk <= kMaxTensorBytes &&
                    kn <= kMaxTensorBytes && mn <= kMaxTensorBytes;
  if (!fits) {
    throw Error("microbench tensor: --m " + std::to_string(m) + ", --n " + std::to_string(n) +
                ", --k " + std::to_string(k) +
                ": an operand is larger than 2^48 bytes (the device address space: the limit for "
                "one tensor)");
  }
  if (!checked_product({m, k, n}, &macs) || macs > kMaxOpWork) {
    throw Error("microbench tensor: --m " + std::to_string(m) + ", --n " + std::to_string(n) +
                ", --k " + std::to_string(k) + ": more than 2^56 MACs (the limit for one op)");
  }
  validate(cfg);
  const TensorTiming t = tensor_gemm_timing(cfg.core, GemmShape{m, k, n, 1}, 1);
  TensorBenchResult r;
  r.m = m;
  r.n = n;
  r.k = k;
  r.rows = cfg.core.tensor.rows;
  r.cols = cfg.core.tensor.cols;
  r.cycles = t.cycles;
  r.folds = t.folds;
  r.macs = t.macs;
  r.utilization = t.utilization();
  r.time_us = static_cast<double>(t.cycles * cfg.core_period_ps()) / static_cast<double>(kPsPerUs);
  return r;
}

nlohmann::json to_json(const TensorBenchResult& r) {
  return {{"m", r.m},
          {"n", r.n},
          {"k", r.k},
          {"rows", r.rows},
          {"cols", r.cols},
          {"cycles", r.cycles},
          {"folds", r.folds},
          {"macs", r.macs},
          {"utilization", r.utilization},
          {"time_us", r.time_us}};
}

}  // namespace infsim
