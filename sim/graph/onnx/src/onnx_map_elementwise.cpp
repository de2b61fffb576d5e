// Mapping elementwise ops (activations, unary functions, binary arithmetic and comparisons),
// normalizations (Softmax, LogSoftmax, LayerNormalization, BatchNormalization) and reductions.
#include <algorithm>
#include <cmath>

#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

void Importer::map_unary(const onnx::NodeProto& n, const UnaryEntry& u) {
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  const bool builder_kind = is_activation_kind(u.kind);
  int idx = 0;
  if (builder_kind) {
    idx = via_builder(n, n.output(0), [&] { return b_.activation(n.output(0), u.kind, ins[0]); });
  } else {
    add_raw(n.output(0), u.kind, u.engine, ins, n);
    const std::int64_t e = numel(shape(n.output(0), n)) * u.flops;
    (u.engine == Engine::Scalar ? pending().work.scalar_flops : pending().work.vector_flops) = e;
    idx = push_pending(n);
  }
  mapped(n, idx);
}

namespace {

bool is_arithmetic(const std::string& kind) {
  return kind == "add" || kind == "sub" || kind == "mul" || kind == "div";
}

}  // namespace

bool Importer::scalar_value(const std::string& t, double* value) const {
  auto it = values_.find(t);
  if (it == values_.end() || it->second.v.size() != 1) return false;
  *value = it->second.v[0];
  return std::isfinite(*value);
}

// Add, Sub, Mul and Div of two activations whose IR shapes broadcast, or of an activation and
// a constant scalar (the activation first for Sub and Div), are GraphBuilder's eltwise and
// scalar ops; every other binary op (and those with a constant tensor operand, counted as
// weights) is mapped as it is, on the VectorEngine.
void Importer::map_binary(const onnx::NodeProto& n, const BinaryEntry& e) {
  const std::vector<int> ins = act_inputs(n);
  const Dims y = shape(n.output(0), n);
  const std::string& out = n.output(0);
  if (n.input_size() == 2 && is_arithmetic(e.kind)) {
    Dims both;
    if (ins.size() == 2 && broadcast_shapes(b_.shape(ins[0]), b_.shape(ins[1]), &both) &&
        both == onnx_to_ir_shape(y)) {
      mapped(n, via_builder(n, out, [&] { return b_.eltwise(out, e.kind, ins[0], ins[1]); }));
      return;
    }
    const bool commutes = e.kind == std::string("add") || e.kind == std::string("mul");
    const bool const_second = is_const(n.input(1));
    double c = 0;
    if (ins.size() == 1 && (const_second || commutes) &&
        scalar_value(n.input(const_second ? 1 : 0), &c) &&
        b_.shape(ins[0]) == onnx_to_ir_shape(y) && !(e.kind == std::string("div") && c == 0)) {
      mapped(n, via_builder(n, out, [&] { return b_.scalar(out, e.kind, ins[0], c); }));
      return;
    }
  }
  add_raw(out, e.kind, Engine::Vector, ins, n);
  pending().work.vector_flops = numel(y) * e.flops;
  std::int64_t w = 0;
  for (const auto& in : n.input()) w += weights(in);
  pending().weight_elems = w;
  mapped(n, push_pending(n));
}

void Importer::map_reduce(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  std::string kind = "reduce_" + t.substr(6);
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  add_raw(n.output(0), kind, Engine::Vector, ins, n);
  pending().work.vector_flops =
      numel(shape(n.input(0), n)) * (t == "ReduceSumSquare" || t == "ReduceL2" ? 2 : 1);
  mapped(n, push_pending(n));
}

void Importer::map_normalization(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  const Dims x = shape(n.input(0), n);
  const std::int64_t dflt = t == "LayerNormalization" ? -1 : (opset_ >= 13 ? -1 : 1);
  const std::int64_t axis = norm_axis(attr_int(n, "axis", dflt), x.size());
  const bool last = axis == static_cast<std::int64_t>(x.size()) - 1;
  if (t == "Softmax" && last) {
    const int idx = b_.softmax(n.output(0), ins[0]);
    bind(n.output(0), idx, n);
    mapped(n, idx);
    return;
  }
  if (t == "LayerNormalization") {
    const bool has_b = n.input_size() >= 3 && !n.input(2).empty();
    if (last && has_b && n.input_size() >= 2 && known(n.input(1)) &&
        numel(shapes_.at(n.input(1))) == x.back() && numel(shape(n.input(2), n)) == x.back()) {
      weights(n.input(1));
      weights(n.input(2));
      const int idx = b_.layernorm(n.output(0), ins[0]);
      bind(n.output(0), idx, n);
      mapped(n, idx);
      return;
    }
    add_raw(n.output(0), "layernorm", Engine::Vector, ins, n);
    pending().work.vector_flops = numel(x) * flops_per_element("layernorm");
    pending().weight_elems = weights(n.input(1)) + (has_b ? weights(n.input(2)) : 0);
    mapped(n, push_pending(n));
    return;
  }
  add_raw(n.output(0), t == "Softmax" ? "softmax" : "log_softmax", Engine::Vector, ins, n);
  // LogSoftmax: softmax's 5 plus a log.
  pending().work.vector_flops =
      numel(x) * (flops_per_element("softmax") + (t == "Softmax" ? 0 : 1));
  mapped(n, push_pending(n));
}

// Not after a Conv: a per-channel scale and shift on the VectorEngine (GraphBuilder::batchnorm
// when the channels are the IR shape's first axis, that is batch 1).
void Importer::map_batchnorm(const onnx::NodeProto& n) {
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  const Dims x = shape(n.input(0), n);
  for (int k = 1; k < n.input_size(); ++k) counted_.insert(n.input(k));
  if (x.size() >= 2 && x[0] == 1) {
    mapped(n, via_builder(n, n.output(0), [&] { return b_.batchnorm(n.output(0), ins[0]); }));
    return;
  }
  add_raw(n.output(0), "batchnorm", Engine::Vector, ins, n);
  pending().work.vector_flops = numel(x) * flops_per_element("batchnorm");
  pending().weight_elems = 2 * (x.size() >= 2 ? x[1] : 1);
  mapped(n, push_pending(n));
}

}  // namespace infsim::onnx_detail
