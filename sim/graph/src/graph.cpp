// The graph IR: dtypes, the FLOP-per-element table of elementwise functions, Op and Graph, and
// the checks GraphBuilder (graph_builder.cpp) shares. The rules are in docs/GRAPH_FORMAT.md.
#include "infsim/graph.hpp"

#include <algorithm>
#include <utility>

#include "infsim/common/checked.hpp"
#include "infsim/common/error.hpp"

#include "graph_detail.hpp"

namespace infsim {

namespace graph_detail {

[[noreturn]] void fail(const std::string& op, const std::string& rule) {
  throw GraphError("op '" + op + "': " + rule);
}

std::string shape_str(const std::vector<std::int64_t>& s) {
  std::string r = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) r += ", ";
    r += std::to_string(s[i]);
  }
  return r + "]";
}

std::int64_t product(const std::vector<std::int64_t>& s, std::size_t begin, std::size_t end) {
  std::int64_t p = 1;
  if (!checked_product(s, begin, end, &p)) {
    throw GraphError("shape " + shape_str(s) + ": its element count overflows 64-bit arithmetic");
  }
  return p;
}

std::int64_t mul(const std::string& op, std::initializer_list<std::int64_t> factors) {
  std::int64_t p = 1;
  if (!checked_product(factors, &p)) {
    std::string list;
    for (std::int64_t f : factors) list += (list.empty() ? "" : " x ") + std::to_string(f);
    fail(op, "sizes overflow 64-bit arithmetic (" + list + ")");
  }
  return p;
}

std::string size_rule(const Op& op, DType dtype) {
  const std::int64_t elem = static_cast<std::int64_t>(dtype_bytes(dtype));
  const std::string limit = " (the limit is 2^48 bytes, the device address space)";
  std::int64_t n = 0, bytes = 0;
  if (!checked_product(op.shape, 0, op.shape.size(), &n) || !checked_mul(n, elem, &bytes) ||
      bytes > kMaxTensorBytes) {
    return "output shape " + shape_str(op.shape) + " is larger than a tensor can be" + limit;
  }
  if (!checked_mul(op.weight_elems, elem, &bytes) || bytes > kMaxTensorBytes) {
    return std::to_string(op.weight_elems) + " weights are more than a model can hold" + limit;
  }
  const GemmShape& g = op.work.gemm;
  std::int64_t macs = 0;
  for (std::int64_t d : {g.m, g.k, g.n, g.groups}) {
    if (d < 0) return "negative matrix product dimension";
  }
  if (!checked_product({g.m, g.k, g.n, g.groups}, &macs) || macs > kMaxOpWork) {
    return "its matrix products (" + std::to_string(g.groups) + " x " + std::to_string(g.m) +
           " x " + std::to_string(g.k) + " x " + std::to_string(g.n) +
           ") are more than 2^56 MACs per sample, the limit for one op";
  }
  if (op.work.vector_flops < 0 || op.work.vector_flops > kMaxOpWork || op.work.scalar_flops < 0 ||
      op.work.scalar_flops > kMaxOpWork) {
    return "its FLOPs per sample are negative or more than 2^56, the limit for one op";
  }
  if (op.work.moved_bytes < 0 || op.work.moved_bytes > kMaxTensorBytes ||
      op.work.dram_read_bytes < 0 || op.work.dram_read_bytes > kMaxTensorBytes) {
    return "the bytes it moves are negative or more than 2^48";
  }
  return "";
}

void require_positive(const std::string& op, const char* what, std::int64_t v) {
  if (v <= 0) fail(op, std::string(what) + " must be positive, got " + std::to_string(v));
}

void require_non_negative(const std::string& op, const char* what, std::int64_t v) {
  if (v < 0) fail(op, std::string(what) + " must not be negative, got " + std::to_string(v));
}

void require_rank(const std::string& op, const char* what, const std::vector<std::int64_t>& s,
                  std::size_t rank) {
  if (s.size() != rank) {
    fail(op, std::string(what) + " must have rank " + std::to_string(rank) + ", got shape " +
                 shape_str(s));
  }
}

namespace {

// FLOP per element, counting each +, -, ×, ÷, max/min and exp as one operation and everything
// else by its definition in terms of those. The derivation of each row is in
// docs/GRAPH_FORMAT.md ("FLOP per element").
constexpr FnEntry kFunctions[] = {
    {"none", 0, FnClass::None},  // nothing to compute
    {"add", 1, FnClass::Binary},
    {"sub", 1, FnClass::Binary},
    {"mul", 1, FnClass::Binary},
    {"div", 1, FnClass::Binary},
    {"relu", 1, FnClass::Activation},        // max(x, 0)
    {"relu6", 2, FnClass::Activation},       // min(max(x, 0), 6)
    {"leaky_relu", 2, FnClass::Activation},  // max(x, a·x): mul, max
    {"clip", 2, FnClass::Activation},        // min(max(x, lo), hi)
    {"exp", 1, FnClass::Activation},         // one exp
    {"sigmoid", 4, FnClass::Activation},     // 1 / (1 + exp(-x)): neg, exp, add, div
    {"tanh", 5, FnClass::Activation},  // (1 - e)/(1 + e), e = exp(-2x): mul, exp, sub, add, div
    {"silu", 5, FnClass::Activation},  // x · sigmoid(x): sigmoid 4, mul
    // 0.5·x·(1 + tanh(c·(x + 0.044715·x³))): x·x, ·x, ·0.044715, +x, ·c, tanh 5, +1, ·x, ·0.5
    {"gelu", 13, FnClass::Activation},
    // Abramowitz & Stegun 7.1.26: t = 1/(1 + p|x|) (abs, mul, add, div = 4); degree-5 polynomial
    // in Horner form (5 mul, 4 add = 9); exp(-x²) (mul, neg, exp = 3); poly × exp, 1 - that
    // (2); restore the sign (1): 19.
    {"erf", 19, FnClass::Activation},
    // max (1 compare), x - max (1), exp (1), running sum (1), divide by the sum (1)
    {"softmax", 5, FnClass::Normalization},
    // mean: sum (1); x - mean (1); square (1); variance sum (1); × rsqrt(var + eps) (1);
    // × gamma (1); + beta (1). The per-row divide, + eps and rsqrt are amortised over the row.
    {"layernorm", 7, FnClass::Normalization},
    // (x − mean) · scale + shift with the per-channel constants folded at inference: x · a + b
    {"batchnorm", 2, FnClass::Normalization},
};

}  // namespace

const FnEntry* find_function(const std::string& kind) {
  for (const auto& f : kFunctions) {
    if (kind == f.name) return &f;
  }
  return nullptr;
}

std::string names_of(FnClass cls, bool with_none) {
  std::string r;
  for (const auto& f : kFunctions) {
    if (f.cls == cls || (with_none && f.cls == FnClass::None)) {
      if (!r.empty()) r += ", ";
      r += f.name;
    }
  }
  return r;
}

std::int64_t fused_activation_flops(const std::string& op, const std::string& act) {
  const FnEntry* f = find_function(act);
  if (!f || (f->cls != FnClass::Activation && f->cls != FnClass::None)) {
    fail(op,
         "unknown activation '" + act + "' (known: " + names_of(FnClass::Activation, true) + ")");
  }
  return f->flops;
}

std::int64_t window_out(const std::string& op, const char* axis, std::int64_t in, std::int64_t k,
                        std::int64_t s, std::int64_t p) {
  std::int64_t padded = 0;
  if (!checked_product({2, p}, &padded) || !checked_add(padded, in, &padded)) {
    fail(op, std::string("pad ") + axis + " " + std::to_string(p) + " overflows 64-bit arithmetic");
  }
  if (k > padded) {
    fail(op, std::string("kernel ") + axis + " " + std::to_string(k) +
                 " is larger than the padded input " + std::to_string(padded));
  }
  return (padded - k) / s + 1;
}

void require_window(const std::string& op, std::int64_t kh, std::int64_t kw, std::int64_t sh,
                    std::int64_t sw, std::int64_t ph, std::int64_t pw) {
  require_positive(op, "kernel height", kh);
  require_positive(op, "kernel width", kw);
  require_positive(op, "stride height", sh);
  require_positive(op, "stride width", sw);
  require_non_negative(op, "pad height", ph);
  require_non_negative(op, "pad width", pw);
}

}  // namespace graph_detail

using namespace graph_detail;

// ---------------------------------------------------------------------------------------------
// dtype helpers

std::size_t dtype_bytes(DType t) {
  switch (t) {
    case DType::FP32:
      return 4;
    case DType::FP16:
      return 2;
    case DType::BF16:
      return 2;
    case DType::INT8:
      return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::FP32:
      return "fp32";
    case DType::FP16:
      return "fp16";
    case DType::BF16:
      return "bf16";
    case DType::INT8:
      return "int8";
  }
  return "?";
}

DType parse_dtype(const std::string& s) {
  for (DType t : {DType::FP32, DType::FP16, DType::BF16, DType::INT8}) {
    if (s == dtype_name(t)) return t;
  }
  throw GraphError("unknown dtype '" + s + "' (known: fp32, fp16, bf16, int8)");
}

std::int64_t flops_per_element(const std::string& kind) {
  const FnEntry* f = find_function(kind);
  if (!f) throw GraphError("unknown elementwise function '" + kind + "'");
  return f->flops;
}

std::vector<std::string> activation_kinds() {
  std::vector<std::string> r;
  for (const auto& f : kFunctions) {
    if (f.cls == FnClass::Activation) r.emplace_back(f.name);
  }
  return r;
}

bool is_activation_kind(const std::string& kind) {
  const FnEntry* f = find_function(kind);
  return f && f->cls == FnClass::Activation;
}

// ---------------------------------------------------------------------------------------------
// Op and Graph

std::int64_t Op::out_elems() const {
  return product(shape, 0, shape.size());
}

std::int64_t Graph::param_count() const {
  std::int64_t n = 0;
  for (const auto& op : ops) {
    if (!checked_add(n, op.weight_elems, &n)) {
      throw GraphError("graph '" + name + "': its parameter count overflows 64-bit arithmetic");
    }
  }
  return n;
}

Engine set_conv_work(OpWork& w, std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t groups,
                     std::int64_t in_per_group) {
  if (in_per_group == 1 && groups > 1) {
    std::int64_t macs = 0;
    if (!checked_product({m, k, n, groups}, &macs) || macs > kMaxOpWork)
      throw GraphError("a depthwise convolution of " + std::to_string(groups) + " x " +
                       std::to_string(m) + " x " + std::to_string(k) + " x " + std::to_string(n) +
                       " MACs per sample: more than 2^56, the limit for one op");
    w.gemm = {};
    w.vector_macs = macs;
    w.vector_flops = 2 * macs;
    return Engine::Vector;
  }
  w.gemm = GemmShape{m, k, n, groups};
  return Engine::Tensor;
}

std::int64_t Graph::total_macs() const {
  std::int64_t n = 0;
  for (const auto& op : ops) {
    if (!checked_add(n, op.macs(), &n)) {
      throw GraphError("graph '" + name + "': its MAC count overflows 64-bit arithmetic");
    }
  }
  return n;
}

std::uint64_t Graph::weight_bytes() const {
  return static_cast<std::uint64_t>(param_count()) * dtype_bytes(dtype);
}

std::uint64_t Graph::out_bytes(int op) const {
  if (op < 0 || op >= static_cast<int>(ops.size())) {
    throw GraphError("graph '" + name + "': op index " + std::to_string(op) + " out of range");
  }
  return static_cast<std::uint64_t>(ops[op].out_elems()) * dtype_bytes(dtype);
}

int Graph::find(const std::string& n) const {
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (ops[i].name == n) return static_cast<int>(i);
  }
  return -1;
}

void Graph::validate() const {
  const std::string where = "graph '" + name + "': ";
  if (ops.empty()) throw GraphError(where + "has no ops");
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    const std::string at = where + "ops[" + std::to_string(i) + "] ('" + op.name + "'): ";
    if (op.name.empty()) throw GraphError(where + "ops[" + std::to_string(i) + "] has no name");
    if (find(op.name) != static_cast<int>(i)) {
      throw GraphError(at + "name is not unique");
    }
    if (op.kind == "input") {
      if (!op.inputs.empty()) throw GraphError(at + "an input op takes no inputs");
    } else if (op.inputs.empty()) {
      throw GraphError(at + "a '" + op.kind + "' op needs inputs");
    }
    for (int in : op.inputs) {
      if (in < 0 || in >= static_cast<int>(i)) {
        throw GraphError(at + "input index " + std::to_string(in) +
                         " does not refer to an earlier op");
      }
    }
    if (op.shape.empty()) throw GraphError(at + "shape is empty");
    for (auto d : op.shape) {
      if (d <= 0) throw GraphError(at + "shape " + shape_str(op.shape) + " is not positive");
    }
    if (op.weight_elems < 0) throw GraphError(at + "negative weight count");
    const std::string rule = size_rule(op, dtype);
    if (!rule.empty()) throw GraphError(at + rule);
  }
  // The sums over the graph: every op is bounded, so only a graph of very many ops can reach
  // these, but the compiler multiplies them further.
  std::int64_t bytes = 0;
  if (!checked_mul(param_count(), static_cast<std::int64_t>(dtype_bytes(dtype)), &bytes) ||
      bytes > kMaxTensorBytes) {
    throw GraphError(where + "its weights are more than 2^48 bytes, the device address space");
  }
  if (total_macs() > kMaxOpWork) {
    throw GraphError(where + "it is more than 2^56 MACs per sample");
  }
}

bool broadcast_shapes(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b,
                      std::vector<std::int64_t>* out) {
  const std::size_t rank = std::max(a.size(), b.size());
  std::vector<std::int64_t> r(rank, 1);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const std::int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) return false;
    r[rank - 1 - i] = da == 1 ? db : da;
  }
  *out = std::move(r);
  return true;
}

}  // namespace infsim
