// The graph IR and GraphBuilder: shape inference and per-sample engine work of each operator.
// The rules are documented in docs/GRAPH_FORMAT.md.
#include "infsim/graph.hpp"

#include <algorithm>
#include <utility>

#include "infsim/common/error.hpp"

namespace infsim {

namespace {

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
  for (std::size_t i = begin; i < end; ++i) p *= s[i];
  return p;
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

enum class FnClass { None, Activation, Binary, Normalization };

struct FnEntry {
  const char* name;
  std::int64_t flops;
  FnClass cls;
};

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
};

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

// Checks a fused activation name ("none" allowed) and returns its FLOP per element.
std::int64_t fused_activation_flops(const std::string& op, const std::string& act) {
  const FnEntry* f = find_function(act);
  if (!f || (f->cls != FnClass::Activation && f->cls != FnClass::None)) {
    fail(op,
         "unknown activation '" + act + "' (known: " + names_of(FnClass::Activation, true) + ")");
  }
  return f->flops;
}

// Output size of a sliding window; checks the window fits in the padded input.
std::int64_t window_out(const std::string& op, const char* axis, std::int64_t in, std::int64_t k,
                        std::int64_t s, std::int64_t p) {
  if (k > in + 2 * p) {
    fail(op, std::string("kernel ") + axis + " " + std::to_string(k) +
                 " is larger than the padded input " + std::to_string(in + 2 * p));
  }
  return (in + 2 * p - k) / s + 1;
}

/// Kernel and stride sizes positive, padding non-negative (convolution and pooling windows).
void require_window(const std::string& op, std::int64_t kh, std::int64_t kw, std::int64_t sh,
                    std::int64_t sw, std::int64_t ph, std::int64_t pw) {
  require_positive(op, "kernel height", kh);
  require_positive(op, "kernel width", kw);
  require_positive(op, "stride height", sh);
  require_positive(op, "stride width", sw);
  require_non_negative(op, "pad height", ph);
  require_non_negative(op, "pad width", pw);
}

}  // namespace

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
  for (const auto& op : ops) n += op.weight_elems;
  return n;
}

std::int64_t Graph::total_macs() const {
  std::int64_t n = 0;
  for (const auto& op : ops) n += op.macs();
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
  }
}

// ---------------------------------------------------------------------------------------------
// GraphBuilder

GraphBuilder::GraphBuilder(std::string name, DType dtype) {
  g_.name = std::move(name);
  g_.dtype = dtype;
}

const std::vector<std::int64_t>& GraphBuilder::shape(int op) const {
  if (op < 0 || op >= static_cast<int>(g_.ops.size())) {
    throw GraphError("graph '" + g_.name + "': op index " + std::to_string(op) + " out of range");
  }
  return g_.ops[op].shape;
}

const Op& GraphBuilder::at(int op, const std::string& user) const {
  if (op < 0 || op >= static_cast<int>(g_.ops.size())) {
    fail(user, "input index " + std::to_string(op) + " out of range (graph has " +
                   std::to_string(g_.ops.size()) + " ops)");
  }
  return g_.ops[op];
}

int GraphBuilder::push(Op op) {
  if (op.name.empty()) throw GraphError("graph '" + g_.name + "': op name is empty");
  if (g_.find(op.name) >= 0) fail(op.name, "duplicate op name");
  g_.ops.push_back(std::move(op));
  return static_cast<int>(g_.ops.size()) - 1;
}

int GraphBuilder::add(Op op) {
  for (int in : op.inputs) at(in, op.name);
  if (op.shape.empty()) fail(op.name, "shape must not be empty");
  for (auto d : op.shape) {
    if (d <= 0) fail(op.name, "shape " + shape_str(op.shape) + " must be positive");
  }
  if (op.weight_elems < 0) fail(op.name, "negative weight count");
  return push(std::move(op));
}

Graph GraphBuilder::build() {
  g_.validate();
  return g_;
}

int GraphBuilder::input(const std::string& name, std::vector<std::int64_t> shape) {
  if (shape.empty()) fail(name, "input shape must not be empty");
  for (auto d : shape) {
    if (d <= 0) fail(name, "input shape " + shape_str(shape) + " must be positive");
  }
  Op op;
  op.name = name;
  op.kind = "input";
  op.engine = Engine::None;
  op.attrs["shape"] = shape;
  op.shape = std::move(shape);
  return push(std::move(op));
}

int GraphBuilder::conv2d(const std::string& name, int in, std::int64_t out_channels,
                         std::int64_t kh, std::int64_t kw, std::int64_t stride_h,
                         std::int64_t stride_w, std::int64_t pad_h, std::int64_t pad_w,
                         std::int64_t groups, bool bias, const std::string& activation) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "conv2d input", x, 3);
  require_positive(name, "out_channels", out_channels);
  require_window(name, kh, kw, stride_h, stride_w, pad_h, pad_w);
  require_positive(name, "groups", groups);
  const std::int64_t cin = x[0];
  if (cin % groups != 0) {
    fail(name, "in_channels " + std::to_string(cin) + " not divisible by groups " +
                   std::to_string(groups));
  }
  if (out_channels % groups != 0) {
    fail(name, "out_channels " + std::to_string(out_channels) + " not divisible by groups " +
                   std::to_string(groups));
  }
  const std::int64_t act_flops = fused_activation_flops(name, activation);
  const std::int64_t ho = window_out(name, "height", x[1], kh, stride_h, pad_h);
  const std::int64_t wo = window_out(name, "width", x[2], kw, stride_w, pad_w);

  Op op;
  op.name = name;
  op.kind = "conv2d";
  op.engine = Engine::Tensor;
  op.inputs = {in};
  op.shape = {out_channels, ho, wo};
  op.weight_elems = out_channels * (cin / groups) * kh * kw + (bias ? out_channels : 0);
  op.work.gemm = GemmShape{ho * wo, (cin / groups) * kh * kw, out_channels / groups, groups};
  op.work.scalar_flops = op.out_elems() * act_flops;
  op.attrs = {
      {"out_channels", out_channels}, {"kernel", {kh, kw}}, {"stride", {stride_h, stride_w}},
      {"pad", {pad_h, pad_w}},        {"groups", groups},   {"bias", bias},
      {"activation", activation}};
  return push(std::move(op));
}

int GraphBuilder::linear(const std::string& name, int in, std::int64_t out_features, bool bias,
                         const std::string& activation) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  if (x.empty()) fail(name, "linear input must have rank >= 1");
  require_positive(name, "out_features", out_features);
  const std::int64_t act_flops = fused_activation_flops(name, activation);
  const std::int64_t k = x.back();
  const std::int64_t m = product(x, 0, x.size() - 1);

  Op op;
  op.name = name;
  op.kind = "linear";
  op.engine = Engine::Tensor;
  op.inputs = {in};
  op.shape = x;
  op.shape.back() = out_features;
  op.weight_elems = k * out_features + (bias ? out_features : 0);
  op.work.gemm = GemmShape{m, k, out_features, 1};
  op.work.scalar_flops = op.out_elems() * act_flops;
  op.attrs = {{"out_features", out_features}, {"bias", bias}, {"activation", activation}};
  return push(std::move(op));
}

int GraphBuilder::matmul(const std::string& name, int a, int b, bool transpose_b) {
  const std::vector<std::int64_t> sa = at(a, name).shape;
  const std::vector<std::int64_t> sb = at(b, name).shape;
  if (sa.size() < 2) fail(name, "matmul input a must have rank >= 2, got " + shape_str(sa));
  if (sb.size() != sa.size()) {
    fail(name,
         "matmul inputs must have the same rank, got " + shape_str(sa) + " and " + shape_str(sb));
  }
  const std::size_t r = sa.size();
  for (std::size_t i = 0; i + 2 < r; ++i) {
    if (sa[i] != sb[i]) {
      fail(name, "matmul leading dimensions differ: " + shape_str(sa) + " and " + shape_str(sb));
    }
  }
  const std::int64_t m = sa[r - 2];
  const std::int64_t k = sa[r - 1];
  const std::int64_t kb = transpose_b ? sb[r - 1] : sb[r - 2];
  const std::int64_t n = transpose_b ? sb[r - 2] : sb[r - 1];
  if (k != kb) {
    fail(name, "matmul inner dimensions differ: a " + shape_str(sa) + ", b " + shape_str(sb) +
                   (transpose_b ? " (transposed)" : ""));
  }
  Op op;
  op.name = name;
  op.kind = "matmul";
  op.engine = Engine::Tensor;
  op.inputs = {a, b};
  op.shape = sa;
  op.shape[r - 1] = n;
  op.work.gemm = GemmShape{m, k, n, product(sa, 0, r - 2)};
  op.attrs = {{"transpose_b", transpose_b}};
  return push(std::move(op));
}

int GraphBuilder::eltwise(const std::string& name, const std::string& kind, int a, int b) {
  const FnEntry* f = find_function(kind);
  if (!f || f->cls != FnClass::Binary) {
    fail(name,
         "unknown elementwise op '" + kind + "' (known: " + names_of(FnClass::Binary, false) + ")");
  }
  const std::vector<std::int64_t> sa = at(a, name).shape;
  const std::vector<std::int64_t> sb = at(b, name).shape;
  if (sa != sb) {
    fail(name, "'" + kind + "' needs equal shapes, got " + shape_str(sa) + " and " + shape_str(sb));
  }
  Op op;
  op.name = name;
  op.kind = kind;
  op.engine = Engine::Vector;
  op.inputs = {a, b};
  op.shape = sa;
  op.work.vector_flops = op.out_elems() * f->flops;
  return push(std::move(op));
}

int GraphBuilder::activation(const std::string& name, const std::string& kind, int in) {
  const FnEntry* f = find_function(kind);
  if (!f || f->cls != FnClass::Activation) {
    fail(name,
         "unknown activation '" + kind + "' (known: " + names_of(FnClass::Activation, false) + ")");
  }
  Op op;
  op.name = name;
  op.kind = kind;
  op.engine = Engine::Scalar;
  op.inputs = {in};
  op.shape = at(in, name).shape;
  op.work.scalar_flops = op.out_elems() * f->flops;
  return push(std::move(op));
}

int GraphBuilder::softmax(const std::string& name, int in) {
  return push(last_dim_normalization(name, "softmax", in));
}

int GraphBuilder::layernorm(const std::string& name, int in) {
  Op op = last_dim_normalization(name, "layernorm", in);
  op.weight_elems = 2 * op.shape.back();  // gamma and beta
  return push(std::move(op));
}

Op GraphBuilder::last_dim_normalization(const std::string& name, const std::string& kind,
                                        int in) const {
  Op op;
  op.name = name;
  op.kind = kind;
  op.engine = Engine::Vector;
  op.inputs = {in};
  op.shape = at(in, name).shape;
  op.work.vector_flops = op.out_elems() * flops_per_element(kind);
  return op;
}

int GraphBuilder::pool(const std::string& name, const std::string& kind, int in, std::int64_t kh,
                       std::int64_t kw, std::int64_t stride_h, std::int64_t stride_w,
                       std::int64_t pad_h, std::int64_t pad_w) {
  if (kind != "max" && kind != "avg") {
    fail(name, "unknown pool kind '" + kind + "' (known: max, avg)");
  }
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "pool input", x, 3);
  require_window(name, kh, kw, stride_h, stride_w, pad_h, pad_w);
  if (2 * pad_h > kh || 2 * pad_w > kw) {
    fail(name, "pad must be at most half the kernel, got pad [" + std::to_string(pad_h) + ", " +
                   std::to_string(pad_w) + "] for kernel [" + std::to_string(kh) + ", " +
                   std::to_string(kw) + "]");
  }
  const std::int64_t ho = window_out(name, "height", x[1], kh, stride_h, pad_h);
  const std::int64_t wo = window_out(name, "width", x[2], kw, stride_w, pad_w);
  Op op;
  op.name = name;
  op.kind = kind + "pool";
  op.engine = Engine::Vector;
  op.inputs = {in};
  op.shape = {x[0], ho, wo};
  op.work.vector_flops = op.out_elems() * kh * kw;
  op.attrs = {{"kernel", {kh, kw}}, {"stride", {stride_h, stride_w}}, {"pad", {pad_h, pad_w}}};
  return push(std::move(op));
}

int GraphBuilder::global_avg_pool(const std::string& name, int in) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "global_avg_pool input", x, 3);
  Op op;
  op.name = name;
  op.kind = "global_avg_pool";
  op.engine = Engine::Vector;
  op.inputs = {in};
  op.shape = {x[0]};
  op.work.vector_flops = x[0] * x[1] * x[2];
  return push(std::move(op));
}

int GraphBuilder::embedding(const std::string& name, int in, std::int64_t num_embeddings,
                            std::int64_t dim) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "embedding input (indices)", x, 1);
  require_positive(name, "num_embeddings", num_embeddings);
  require_positive(name, "dim", dim);
  Op op;
  op.name = name;
  op.kind = "embedding";
  op.engine = Engine::Dma;
  op.inputs = {in};
  op.shape = {x[0], dim};
  op.weight_elems = num_embeddings * dim;
  // The table stays in device DRAM; each request gathers its S rows into the State Buffer.
  op.weights_in_dram = true;
  op.work.dram_read_bytes = x[0] * dim * static_cast<std::int64_t>(dtype_bytes(g_.dtype));
  op.attrs = {{"num_embeddings", num_embeddings}, {"dim", dim}};
  return push(std::move(op));
}

int GraphBuilder::reshape(const std::string& name, int in, std::vector<std::int64_t> shape) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  if (shape.empty()) fail(name, "reshape target shape must not be empty");
  const std::int64_t total = product(x, 0, x.size());
  std::int64_t known = 1;
  int wildcard = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (wildcard >= 0) fail(name, "reshape target " + shape_str(shape) + " has more than one -1");
      wildcard = static_cast<int>(i);
    } else if (shape[i] <= 0) {
      fail(name, "reshape target " + shape_str(shape) + " must be positive (or one -1)");
    } else {
      known *= shape[i];
    }
  }
  std::vector<std::int64_t> out = shape;
  if (wildcard >= 0) {
    if (total % known != 0) {
      fail(name, "cannot reshape " + shape_str(x) + " into " + shape_str(shape));
    }
    out[wildcard] = total / known;
  }
  if (product(out, 0, out.size()) != total) {
    fail(name, "cannot reshape " + shape_str(x) + " (" + std::to_string(total) +
                   " elements) into " + shape_str(shape));
  }
  Op op;
  op.name = name;
  op.kind = "reshape";
  op.engine = Engine::None;
  op.inputs = {in};
  op.shape = std::move(out);
  op.attrs = {{"shape", shape}};
  return push(std::move(op));
}

int GraphBuilder::transpose(const std::string& name, int in, std::vector<int> perm) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  std::vector<int> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool ok = perm.size() == x.size();
  for (std::size_t i = 0; ok && i < sorted.size(); ++i) ok = sorted[i] == static_cast<int>(i);
  if (!ok) {
    std::vector<std::int64_t> p(perm.begin(), perm.end());
    fail(name, "perm " + shape_str(p) + " is not a permutation of the " + std::to_string(x.size()) +
                   " axes of " + shape_str(x));
  }
  Op op;
  op.name = name;
  op.kind = "transpose";
  op.engine = Engine::Dma;
  op.inputs = {in};
  for (int p : perm) op.shape.push_back(x[p]);
  op.work.moved_bytes = op.out_elems() * static_cast<std::int64_t>(dtype_bytes(g_.dtype));
  op.attrs = {{"perm", perm}};
  return push(std::move(op));
}

int GraphBuilder::concat(const std::string& name, std::vector<int> ins, int axis) {
  if (ins.empty()) fail(name, "concat needs at least one input");
  const std::vector<std::int64_t> first = at(ins[0], name).shape;
  const int rank = static_cast<int>(first.size());
  if (axis < 0 || axis >= rank) {
    fail(name, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  }
  std::vector<std::int64_t> out = first;
  for (std::size_t i = 1; i < ins.size(); ++i) {
    const std::vector<std::int64_t>& s = at(ins[i], name).shape;
    bool ok = static_cast<int>(s.size()) == rank;
    for (int d = 0; ok && d < rank; ++d) ok = d == axis || s[d] == first[d];
    if (!ok) {
      fail(name, "concat inputs differ outside axis " + std::to_string(axis) + ": " +
                     shape_str(first) + " and " + shape_str(s));
    }
    out[axis] += s[axis];
  }
  Op op;
  op.name = name;
  op.kind = "concat";
  op.engine = Engine::Dma;
  op.inputs = std::move(ins);
  op.shape = std::move(out);
  op.work.moved_bytes = op.out_elems() * static_cast<std::int64_t>(dtype_bytes(g_.dtype));
  op.attrs = {{"axis", axis}};
  return push(std::move(op));
}

int GraphBuilder::slice(const std::string& name, int in, int axis, std::int64_t start,
                        std::int64_t end) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  const int rank = static_cast<int>(x.size());
  if (axis < 0 || axis >= rank) {
    fail(name, "axis " + std::to_string(axis) + " out of range for rank " + std::to_string(rank));
  }
  if (start < 0 || end > x[axis] || start >= end) {
    fail(name, "slice [" + std::to_string(start) + ", " + std::to_string(end) +
                   ") must satisfy 0 <= start < end <= " + std::to_string(x[axis]) + " (axis " +
                   std::to_string(axis) + " of " + shape_str(x) + ")");
  }
  Op op;
  op.name = name;
  op.kind = "slice";
  op.engine = Engine::Dma;
  op.inputs = {in};
  op.shape = x;
  op.shape[axis] = end - start;
  op.work.moved_bytes = op.out_elems() * static_cast<std::int64_t>(dtype_bytes(g_.dtype));
  op.attrs = {{"axis", axis}, {"start", start}, {"end", end}};
  return push(std::move(op));
}

}  // namespace infsim
