// Mapping convolution, pooling and matrix products (Conv, ConvTranspose, MaxPool, AveragePool,
// the global pools, Gemm, MatMul) with the tails fused into them: a BatchNormalization after a
// Conv, a bias Add after a MatMul, and an activation.
#include <algorithm>

#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

std::string Importer::fuse_tail(const onnx::NodeProto& n, bool conv, bool matmul_bias,
                                std::int64_t n_out, bool* bias, std::string* act) {
  const auto& g = model_.graph();
  std::string out = n.output(0);
  int c = -1;
  if (conv && single_consumer(out, &c)) {
    const auto& bn = g.node(c);
    bool ok = bn.op_type() == "BatchNormalization" && bn.input_size() >= 5 && bn.input(0) == out &&
              attr_int(bn, "training_mode", 0) == 0;
    for (int i = 1; ok && i < bn.output_size(); ++i) ok = bn.output(i).empty();
    for (int i = 1; ok && i < 5; ++i) ok = is_const(bn.input(i));
    if (ok) {
      absorbed_.insert(c);
      for (int i = 1; i < 5; ++i) counted_.insert(bn.input(i));
      ++rep_.ops[op_type(bn)].fused;
      note("BatchNormalization folded into the preceding Conv (weights and bias)");
      *bias = true;
      out = bn.output(0);
    }
  }
  if (matmul_bias && single_consumer(out, &c)) {
    const auto& add = g.node(c);
    if (add.op_type() == "Add" && add.input_size() == 2) {
      const std::string other = add.input(0) == out ? add.input(1) : add.input(0);
      if (other != out && is_const(other) && known(other) && numel(shapes_.at(other)) == n_out &&
          !shapes_.at(other).empty() && shapes_.at(other).back() == n_out) {
        absorbed_.insert(c);
        ++rep_.ops["Add"].fused;
        note("Add of a bias fused into the preceding MatMul (linear layer)");
        *bias = true;
        counted_.insert(other);
        out = add.output(0);
      }
    }
  }
  if (single_consumer(out, &c)) {
    const auto& a = g.node(c);
    const char* kind = fusable_activation(a.op_type());
    if (kind && a.input_size() >= 1 && a.input(0) == out) {
      absorbed_.insert(c);
      ++rep_.ops[op_type(a)].fused;
      note(a.op_type() + " fused into the preceding " + (conv ? "Conv" : "linear layer"));
      *act = kind;
      out = a.output(0);
    }
  }
  return out;
}

void Importer::map_conv(const onnx::NodeProto& n) {
  if (n.input_size() < 2 || is_const(n.input(0)))
    fail_node(n, "needs an activation input and weights");
  const Dims x = shape(n.input(0), n);
  const Dims w = shape(n.input(1), n);
  if (x.size() < 3 || w.size() != x.size()) {
    fail_node(n, "input " + dims_str(x) + " and weights " + dims_str(w) +
                     " must be [N, C, spatial...] and [M, C/group, kernel...]");
  }
  const std::int64_t group = attr_int(n, "group", 1);
  const std::int64_t cout = w[0];
  const bool has_b = n.input_size() >= 3 && !n.input(2).empty();
  bool bias = has_b;
  std::string act = "none";
  const std::string out = fuse_tail(n, true, false, cout, &bias, &act);
  const Dims y = shape(out, n);
  const int in = op_of(n.input(0), n);
  const std::int64_t w_elems = weights(n.input(1));
  const std::int64_t b_elems = has_b ? weights(n.input(2)) : (bias ? cout : 0);

  // The 2-D case GraphBuilder::conv2d takes: batch 1, symmetric padding, no dilation.
  Dims pads, strides, dil;
  attr_ints(n, "pads", &pads);
  attr_ints(n, "strides", &strides);
  attr_ints(n, "dilations", &dil);
  const std::string auto_pad = attr_str(n, "auto_pad", "NOTSET");
  if (strides.empty()) strides.assign(w.size() - 2, 1);
  bool plain = x.size() == 4 && x[0] == 1 && (auto_pad == "NOTSET" || auto_pad.empty());
  for (auto d : dil) plain &= d == 1;
  if (pads.empty()) pads.assign(4, 0);
  plain &= pads.size() == 4 && pads[0] == pads[2] && pads[1] == pads[3];
  if (plain) {
    const std::int64_t ho = (x[2] + 2 * pads[0] - w[2]) / strides[0] + 1;
    const std::int64_t wo = (x[3] + 2 * pads[1] - w[3]) / strides[1] + 1;
    plain &= y.size() == 4 && ho == y[2] && wo == y[3] && y[1] == cout;
    plain &= (!has_b || b_elems == cout) && w_elems == numel(w);
  }
  int idx = 0;
  if (plain) {
    idx = via_builder(n, out, [&] {
      return b_.conv2d(out, in,
                       Conv2dOptions(cout, {w[2], w[3]})
                           .stride({strides[0], strides[1]})
                           .pad({pads[0], pads[1]})
                           .groups(group)
                           .bias(bias)
                           .activation(act));
    });
  } else {
    add_raw(out, w.size() == 4 ? "conv2d" : "conv", Engine::Tensor, {in}, n);
    std::int64_t m = y[0];
    for (std::size_t i = 2; i < y.size(); ++i) m *= y[i];
    std::int64_t k = x[1] / std::max<std::int64_t>(group, 1);
    for (std::size_t i = 2; i < w.size(); ++i) k *= w[i];
    const std::int64_t g = std::max<std::int64_t>(group, 1);
    pending().engine = set_conv_work(pending().work, m, k, cout / g, g, x[1] / g);
    pending().weight_elems = w_elems + b_elems;
    pending().work.scalar_flops = numel(y) * flops_per_element(act);
    pending().attrs["groups"] = group;
    pending().attrs["activation"] = act;
    idx = push_pending(n);
  }
  mapped(n, idx);
}

void Importer::map_conv_transpose(const onnx::NodeProto& n) {
  const Dims x = shape(n.input(0), n);
  const Dims w = shape(n.input(1), n);
  const Dims y = shape(n.output(0), n);
  if (x.size() < 3 || w.size() != x.size())
    fail_node(n, "input and weights must be [N, C, spatial...]");
  const std::int64_t group = std::max<std::int64_t>(attr_int(n, "group", 1), 1);
  add_raw(n.output(0), "conv_transpose", Engine::Tensor, act_inputs(n, 1), n);
  // Each input pixel is multiplied by the whole kernel: m = input pixels, k = C/group,
  // n = (M/group) · kernel.
  std::int64_t m = x[0], kn = w[1];
  for (std::size_t i = 2; i < x.size(); ++i) m *= x[i];
  for (std::size_t i = 2; i < w.size(); ++i) kn *= w[i];
  pending().work.gemm = GemmShape{m, x[1] / group, kn, group};
  pending().weight_elems = weights(n.input(1)) + (n.input_size() >= 3 ? weights(n.input(2)) : 0);
  mapped(n, push_pending(n));
}

int Importer::linear_op(const onnx::NodeProto& n, int in, const Dims& a, std::int64_t k,
                        std::int64_t nn, std::int64_t w_elems, bool has_bias,
                        std::int64_t bias_elems) {
  bool bias = has_bias;
  std::string act = "none";
  const std::string out = fuse_tail(n, false, n.op_type() == "MatMul", nn, &bias, &act);
  const Dims y = shape(out, n);
  const Dims ir_in = b_.shape(in);
  const bool plain =
      !ir_in.empty() && ir_in.back() == k && w_elems == k * nn && (!has_bias || bias_elems == nn);
  int idx = 0;
  if (plain) {
    if (bias && !has_bias) bias_elems = nn;  // the fused Add
    idx = via_builder(
        n, out, [&] { return b_.linear(out, in, LinearOptions(nn).bias(bias).activation(act)); });
  } else {
    add_raw(out, "linear", Engine::Tensor, {in}, n);
    pending().work.gemm = GemmShape{numel(a) / std::max<std::int64_t>(k, 1), k, nn, 1};
    pending().weight_elems = w_elems + (bias ? (has_bias ? bias_elems : nn) : 0);
    pending().work.scalar_flops = numel(y) * flops_per_element(act);
    pending().attrs["activation"] = act;
    idx = push_pending(n);
  }
  return idx;
}

void Importer::map_gemm(const onnx::NodeProto& n) {
  const Dims a = shape(n.input(0), n);
  const Dims bm = shape(n.input(1), n);
  if (a.size() != 2 || bm.size() != 2) fail_node(n, "Gemm takes two 2-D inputs");
  const bool ta = attr_int(n, "transA", 0) != 0, tb = attr_int(n, "transB", 0) != 0;
  const std::int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], nn = tb ? bm[0] : bm[1];
  const bool has_c = n.input_size() >= 3 && !n.input(2).empty();
  if (!is_const(n.input(0)) && is_const(n.input(1)) && !ta) {
    const std::int64_t w = weights(n.input(1));
    const std::int64_t c = has_c ? weights(n.input(2)) : 0;
    mapped(n, linear_op(n, op_of(n.input(0), n), a, k, nn, w, has_c && c > 0, c));
    return;
  }
  add_raw(n.output(0), "matmul", Engine::Tensor, act_inputs(n), n);
  pending().work.gemm = GemmShape{m, k, nn, 1};
  pending().weight_elems =
      weights(n.input(0)) + weights(n.input(1)) + (has_c ? weights(n.input(2)) : 0);
  mapped(n, push_pending(n));
}

void Importer::map_matmul(const onnx::NodeProto& n) {
  Dims a = shape(n.input(0), n);
  Dims bm = shape(n.input(1), n);
  const Dims y = shape(n.output(0), n);
  if (a.empty() || bm.empty()) fail_node(n, "MatMul inputs must have rank >= 1");
  if (!is_const(n.input(0)) && is_const(n.input(1)) && bm.size() <= 2) {
    const std::int64_t k = bm[0], nn = bm.size() == 2 ? bm[1] : 1;
    mapped(n, linear_op(n, op_of(n.input(0), n), a, k, nn, weights(n.input(1)), false, 0));
    return;
  }
  if (a.size() == 1) a.insert(a.begin(), 1);
  if (bm.size() == 1) bm.push_back(1);
  const std::int64_t m = a[a.size() - 2], k = a.back(), nn = bm.back();
  const std::vector<int> ins = act_inputs(n);
  // Both activations, in the shapes GraphBuilder::matmul takes (equal leading dimensions).
  if (ins.size() == 2 && b_.shape(ins[0]).size() == b_.shape(ins[1]).size() &&
      b_.shape(ins[0]).size() >= 2) {
    const Dims sa = b_.shape(ins[0]), sb = b_.shape(ins[1]);
    bool same = true;
    for (std::size_t i = 0; i + 2 < sa.size(); ++i) same &= sa[i] == sb[i];
    if (same && onnx_to_ir_shape(y).size() == sa.size()) {
      int idx = 0;
      idx = via_builder(n, n.output(0),
                        [&] { return b_.matmul(n.output(0), ins[0], ins[1], false); });
      mapped(n, idx);
      return;
    }
  }
  add_raw(n.output(0), "matmul", Engine::Tensor, ins, n);
  pending().work.gemm =
      GemmShape{m, k, nn, std::max<std::int64_t>(numel(y) / std::max<std::int64_t>(m * nn, 1), 1)};
  pending().weight_elems = weights(n.input(0)) + weights(n.input(1));
  mapped(n, push_pending(n));
}

void Importer::map_pool(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  const Dims x = shape(n.input(0), n);
  const Dims y = shape(n.output(0), n);
  const int in = op_of(n.input(0), n);
  if (t == "GlobalAveragePool" || t == "GlobalMaxPool") {
    add_raw(n.output(0), t == "GlobalAveragePool" ? "global_avg_pool" : "global_max_pool",
            Engine::Vector, {in}, n);
    pending().work.vector_flops = numel(x);  // each input element added (or compared) once
    mapped(n, push_pending(n));
    return;
  }
  Dims k, s, p;
  attr_ints(n, "kernel_shape", &k);
  attr_ints(n, "strides", &s);
  attr_ints(n, "pads", &p);
  if (k.empty()) fail_node(n, "has no kernel_shape");
  if (s.empty()) s.assign(k.size(), 1);
  if (p.empty()) p.assign(2 * k.size(), 0);
  const std::string kind = t == "MaxPool" ? "max" : "avg";
  bool plain = k.size() == 2 && x.size() == 4 && x[0] == 1 && p[0] == p[2] && p[1] == p[3] &&
               2 * p[0] <= k[0] && 2 * p[1] <= k[1] && attr_int(n, "ceil_mode", 0) == 0 &&
               attr_str(n, "auto_pad", "NOTSET") == "NOTSET" && n.output_size() == 1;
  Dims dil;
  attr_ints(n, "dilations", &dil);
  for (auto d : dil) plain &= d == 1;
  if (plain) {
    plain &=
        (x[2] + 2 * p[0] - k[0]) / s[0] + 1 == y[2] && (x[3] + 2 * p[1] - k[1]) / s[1] + 1 == y[3];
  }
  int idx = 0;
  if (plain) {
    idx = via_builder(n, n.output(0), [&] {
      return b_.pool(n.output(0), kind, in,
                     PoolOptions({k[0], k[1]}).stride({s[0], s[1]}).pad({p[0], p[1]}));
    });
  } else {
    add_raw(n.output(0), kind + "pool", Engine::Vector, {in}, n);
    pending().work.vector_flops = numel(y) * numel(k);
    idx = push_pending(n);
  }
  mapped(n, idx);
}

}  // namespace infsim::onnx_detail
