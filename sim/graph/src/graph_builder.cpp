// GraphBuilder: shape inference and per-sample engine work of each operator, with the checks
// that name the op and the rule broken (docs/GRAPH_FORMAT.md).
#include <algorithm>
#include <cmath>
#include <utility>

#include "graph_detail.hpp"
#include "infsim/common/checked.hpp"
#include "infsim/common/error.hpp"
#include "infsim/graph.hpp"

namespace infsim {

using namespace graph_detail;

namespace {

// An op named `name` of `kind` on `engine` reading `inputs`; the caller adds shape and work.
Op new_op(const std::string& name, std::string kind, Engine engine, std::vector<int> inputs = {}) {
  Op op;
  op.name = name;
  op.kind = std::move(kind);
  op.engine = engine;
  op.inputs = std::move(inputs);
  return op;
}

}  // namespace

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
  const std::string rule = size_rule(op, g_.dtype);
  if (!rule.empty()) fail(op.name, rule);
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

std::int64_t GraphBuilder::dtype_size() const {
  return static_cast<std::int64_t>(dtype_bytes(g_.dtype));
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
  Op op = new_op(name, "input", Engine::None);
  op.attrs["shape"] = shape;
  op.shape = std::move(shape);
  return push(std::move(op));
}

int GraphBuilder::conv2d(const std::string& name, int in, const Conv2dOptions& opts) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  const std::int64_t out_channels = opts.out_channels();
  const std::int64_t kh = opts.kernel().h, kw = opts.kernel().w;
  const std::int64_t stride_h = opts.stride().h, stride_w = opts.stride().w;
  const std::int64_t pad_h = opts.pad().h, pad_w = opts.pad().w;
  const std::int64_t groups = opts.groups();
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
  const std::int64_t act_flops = fused_activation_flops(name, opts.activation());
  const std::int64_t ho = window_out(name, "height", x[1], kh, stride_h, pad_h);
  const std::int64_t wo = window_out(name, "width", x[2], kw, stride_w, pad_w);

  Op op = new_op(name, "conv2d", Engine::Tensor, {in});
  op.shape = {out_channels, ho, wo};
  op.weight_elems = mul(name, {out_channels, cin / groups, kh, kw});
  if (opts.bias() && !checked_add(op.weight_elems, out_channels, &op.weight_elems)) {
    fail(name, "its weight count overflows 64-bit arithmetic");
  }
  op.engine = set_conv_work(op.work, mul(name, {ho, wo}), mul(name, {cin / groups, kh, kw}),
                            out_channels / groups, groups, cin / groups);
  op.work.scalar_flops = mul(name, {mul(name, {out_channels, ho, wo}), act_flops});
  op.attrs = {
      {"out_channels", out_channels},   {"kernel", {kh, kw}}, {"stride", {stride_h, stride_w}},
      {"pad", {pad_h, pad_w}},          {"groups", groups},   {"bias", opts.bias()},
      {"activation", opts.activation()}};
  return push(std::move(op));
}

int GraphBuilder::linear(const std::string& name, int in, const LinearOptions& opts) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  const std::int64_t out_features = opts.out_features();
  const bool bias = opts.bias();
  if (x.empty()) fail(name, "linear input must have rank >= 1");
  require_positive(name, "out_features", out_features);
  const std::int64_t act_flops = fused_activation_flops(name, opts.activation());
  const std::int64_t k = x.back();
  const std::int64_t m = product(x, 0, x.size() - 1);

  Op op = new_op(name, "linear", Engine::Tensor, {in});
  op.shape = x;
  op.shape.back() = out_features;
  op.weight_elems = mul(name, {k + 1, out_features}) - (bias ? 0 : out_features);
  op.work.gemm = GemmShape{m, k, out_features, 1};
  op.work.scalar_flops = mul(name, {m, out_features, act_flops});
  op.attrs = {{"out_features", out_features}, {"bias", bias}, {"activation", opts.activation()}};
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
  Op op = new_op(name, "matmul", Engine::Tensor, {a, b});
  op.shape = sa;
  op.shape[r - 1] = n;
  op.work.gemm = GemmShape{m, k, n, product(sa, 0, r - 2)};
  op.attrs = {{"transpose_b", transpose_b}};
  return push(std::move(op));
}

namespace {

// The row of an elementwise binary op ("add", "sub", "mul", "div"), or a GraphError.
const FnEntry& binary_function(const std::string& op, const std::string& kind) {
  const FnEntry* f = find_function(kind);
  if (!f || f->cls != FnClass::Binary) {
    fail(op,
         "unknown elementwise op '" + kind + "' (known: " + names_of(FnClass::Binary, false) + ")");
  }
  return *f;
}

}  // namespace

int GraphBuilder::eltwise(const std::string& name, const std::string& kind, int a, int b) {
  const FnEntry& f = binary_function(name, kind);
  const std::vector<std::int64_t> sa = at(a, name).shape;
  const std::vector<std::int64_t> sb = at(b, name).shape;
  std::vector<std::int64_t> out;
  if (!broadcast_shapes(sa, sb, &out)) {
    fail(name, "'" + kind + "' needs equal shapes or shapes that broadcast (aligned at the last " +
                   "axis, each pair of sizes equal or one of them 1), got " + shape_str(sa) +
                   " and " + shape_str(sb));
  }
  Op op = new_op(name, kind, Engine::Vector, {a, b});
  op.shape = std::move(out);
  op.work.vector_flops = mul(name, {product(op.shape, 0, op.shape.size()), f.flops});
  return push(std::move(op));
}

int GraphBuilder::scalar(const std::string& name, const std::string& kind, int in, double value) {
  const FnEntry& f = binary_function(name, kind);
  const std::vector<std::int64_t> x = at(in, name).shape;
  if (!std::isfinite(value)) {
    fail(name, "the constant of '" + kind + "' must be a finite number, got " +
                   nlohmann::json(value).dump());
  }
  if (kind == "div" && value == 0) fail(name, "'div' by the constant 0 divides by zero");
  Op op = new_op(name, kind, Engine::Vector, {in});
  op.shape = x;
  op.work.vector_flops = mul(name, {product(x, 0, x.size()), f.flops});
  op.attrs = {{"scalar", value}};
  return push(std::move(op));
}

int GraphBuilder::activation(const std::string& name, const std::string& kind, int in) {
  const FnEntry* f = find_function(kind);
  if (!f || f->cls != FnClass::Activation) {
    fail(name,
         "unknown activation '" + kind + "' (known: " + names_of(FnClass::Activation, false) + ")");
  }
  Op op = new_op(name, kind, Engine::Scalar, {in});
  op.shape = at(in, name).shape;
  op.work.scalar_flops = mul(name, {product(op.shape, 0, op.shape.size()), f->flops});
  return push(std::move(op));
}

int GraphBuilder::softmax(const std::string& name, int in) {
  return push(last_dim_normalization(name, "softmax", in));
}

int GraphBuilder::layernorm(const std::string& name, int in) {
  Op op = last_dim_normalization(name, "layernorm", in);
  op.weight_elems = mul(name, {2, op.shape.back()});  // gamma and beta
  return push(std::move(op));
}

int GraphBuilder::batchnorm(const std::string& name, int in) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  Op op = new_op(name, "batchnorm", Engine::Vector, {in});
  op.shape = x;
  op.weight_elems = mul(name, {2, x.at(0)});  // a scale and a shift per channel
  op.work.vector_flops = mul(name, {product(x, 0, x.size()), flops_per_element("batchnorm")});
  return push(std::move(op));
}

Op GraphBuilder::last_dim_normalization(const std::string& name, const std::string& kind,
                                        int in) const {
  Op op = new_op(name, kind, Engine::Vector, {in});
  op.shape = at(in, name).shape;
  op.work.vector_flops =
      mul(name, {product(op.shape, 0, op.shape.size()), flops_per_element(kind)});
  return op;
}

int GraphBuilder::pool(const std::string& name, const std::string& kind, int in,
                       const PoolOptions& opts) {
  const std::int64_t kh = opts.kernel().h, kw = opts.kernel().w;
  const std::int64_t stride_h = opts.stride().h, stride_w = opts.stride().w;
  const std::int64_t pad_h = opts.pad().h, pad_w = opts.pad().w;
  if (kind != "max" && kind != "avg") {
    fail(name, "unknown pool kind '" + kind + "' (known: max, avg)");
  }
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "pool input", x, 3);
  require_window(name, kh, kw, stride_h, stride_w, pad_h, pad_w);
  if (pad_h > kh / 2 || pad_w > kw / 2) {
    fail(name, "pad must be at most half the kernel, got pad [" + std::to_string(pad_h) + ", " +
                   std::to_string(pad_w) + "] for kernel [" + std::to_string(kh) + ", " +
                   std::to_string(kw) + "]");
  }
  const std::int64_t ho = window_out(name, "height", x[1], kh, stride_h, pad_h);
  const std::int64_t wo = window_out(name, "width", x[2], kw, stride_w, pad_w);
  Op op = new_op(name, kind + "pool", Engine::Vector, {in});
  op.shape = {x[0], ho, wo};
  op.work.vector_flops = mul(name, {x[0], ho, wo, kh, kw});
  op.attrs = {{"kernel", {kh, kw}}, {"stride", {stride_h, stride_w}}, {"pad", {pad_h, pad_w}}};
  return push(std::move(op));
}

int GraphBuilder::global_avg_pool(const std::string& name, int in) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "global_avg_pool input", x, 3);
  Op op = new_op(name, "global_avg_pool", Engine::Vector, {in});
  op.shape = {x[0]};
  op.work.vector_flops = mul(name, {x[0], x[1], x[2]});
  return push(std::move(op));
}

int GraphBuilder::embedding(const std::string& name, int in, std::int64_t num_embeddings,
                            std::int64_t dim) {
  const std::vector<std::int64_t> x = at(in, name).shape;
  require_rank(name, "embedding input (indices)", x, 1);
  require_positive(name, "num_embeddings", num_embeddings);
  require_positive(name, "dim", dim);
  Op op = new_op(name, "embedding", Engine::Move, {in});
  op.shape = {x[0], dim};
  op.weight_elems = mul(name, {num_embeddings, dim});
  // The table stays in device DRAM; each request gathers its S rows into the State Buffer.
  op.weights_in_dram = true;
  op.work.dram_read_bytes = mul(name, {x[0], dim, dtype_size()});
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
      known = mul(name, {known, shape[i]});
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
  Op op = new_op(name, "reshape", Engine::None, {in});
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
  Op op = new_op(name, "transpose", Engine::Move, {in});
  for (int p : perm) op.shape.push_back(x[p]);
  op.work.moved_bytes = mul(name, {product(op.shape, 0, op.shape.size()), dtype_size()});
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
    if (!checked_add(out[axis], s[axis], &out[axis])) {
      fail(name, "the concatenated axis " + std::to_string(axis) + " overflows 64-bit arithmetic");
    }
  }
  Op op = new_op(name, "concat", Engine::Move, std::move(ins));
  op.shape = std::move(out);
  op.work.moved_bytes = mul(name, {product(op.shape, 0, op.shape.size()), dtype_size()});
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
  Op op = new_op(name, "slice", Engine::Move, {in});
  op.shape = x;
  op.shape[axis] = end - start;
  op.work.moved_bytes = mul(name, {product(op.shape, 0, op.shape.size()), dtype_size()});
  op.attrs = {{"axis", axis}, {"start", start}, {"end", end}};
  return push(std::move(op));
}

}  // namespace infsim
