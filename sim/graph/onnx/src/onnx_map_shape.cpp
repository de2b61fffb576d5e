// Mapping data movement (Transpose, Concat, Split, Slice, Pad, Gather, Expand, Tile, Resize),
// reshapes and aliases, operators the importer does not know, and the per-node dispatch.
#include <algorithm>

#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

// Embedding lookup: the table stays in device DRAM, a request reads its rows.
bool Importer::map_embedding(const onnx::NodeProto& n) {
  const std::string& data = n.input(0);
  if (!is_const(data) || !is_float_type(elem_type(data)) || shape(data, n).size() != 2 ||
      attr_int(n, "axis", 0) != 0) {
    return false;
  }
  const Dims table = shape(data, n);
  std::vector<int> ins = act_inputs(n);
  if (ins.empty()) {
    // Constant indices (position ids): like the zoo's BERT, the lookup takes its place in
    // the graph after the first input.
    if (input_order_.empty()) fail_node(n, "an embedding lookup needs a graph input");
    ins.push_back(tensor_op_.at(input_order_.front()));
  }
  const Dims y = shape(n.output(0), n);
  const std::int64_t w = weights(data);
  int idx = 0;
  if (!is_const(n.input(1)) && b_.shape(ins[0]).size() == 1 && w == numel(table) &&
      onnx_to_ir_shape(y) == Dims{b_.shape(ins[0])[0], table[1]}) {
    idx = via_builder(n, n.output(0),
                      [&] { return b_.embedding(n.output(0), ins[0], table[0], table[1]); });
  } else {
    add_raw(n.output(0), "embedding", Engine::Move, ins, n);
    pending().weight_elems = w;
    pending().weights_in_dram = true;
    pending().work.dram_read_bytes = bytes(y);
    idx = push_pending(n);
  }
  mapped(n, idx);
  return true;
}

// GraphBuilder::transpose when the batch dimension stays first (or there is none).
bool Importer::map_transpose(const onnx::NodeProto& n, int in, const std::string& out) {
  Dims perm;
  const Dims x = shape(n.input(0), n);
  if (!attr_ints(n, "perm", &perm)) {
    for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
  }
  const Dims irx = b_.shape(in);
  std::vector<int> p;
  if (irx.size() == x.size()) {
    for (auto v : perm) p.push_back(static_cast<int>(v));
  } else if (irx.size() + 1 == x.size() && !perm.empty() && perm[0] == 0) {
    for (std::size_t i = 1; i < perm.size(); ++i) p.push_back(static_cast<int>(perm[i] - 1));
  }
  Dims py;
  for (int v : p) py.push_back(irx[static_cast<std::size_t>(v)]);
  if (p.empty() || py != onnx_to_ir_shape(shape(out, n))) return false;
  mapped(n, via_builder(n, out, [&] { return b_.transpose(out, in, p); }));
  return true;
}

void Importer::map_move(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  if (t == "Gather" && map_embedding(n)) return;
  std::vector<int> ins = act_inputs(n, t == "Concat" ? 100000 : 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  std::int64_t w = 0;
  if (t == "Concat") {
    for (const auto& in : n.input()) w += weights(in);
  }
  int last = -1;
  for (const auto& out : n.output()) {
    if (out.empty()) continue;
    const Dims y = shape(out, n);
    if (t == "Transpose" && map_transpose(n, ins[0], out)) return;
    std::string kind = t == "Split" ? "slice" : t == "Upsample" ? "resize" : t;
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const std::string mode = attr_str(n, "mode", "nearest");
    if (kind == "resize" && mode != "nearest") {
      // Interpolation on the VectorEngine: linear 2 taps per resized axis, cubic 4.
      add_raw(out, kind, Engine::Vector, ins, n);
      const std::int64_t per = mode == "cubic" ? 31 : 7;
      pending().work.vector_flops = numel(y) * per;
    } else {
      add_raw(out, kind, Engine::Move, ins, n);
      pending().work.moved_bytes = bytes(y);
    }
    pending().weight_elems = w;
    w = 0;
    last = push_pending(n);
  }
  if (last < 0) fail_node(n, "has no outputs");
  mapped(n, last);
}

void Importer::map_unknown(const onnx::NodeProto& n) {
  const std::vector<int> ins = act_inputs(n);
  if (ins.empty()) fail_node(n, "has no activation input");
  std::int64_t in_max = 0;
  for (const auto& in : n.input()) {
    if (!in.empty() && known(in)) in_max = std::max(in_max, numel(shapes_.at(in)));
  }
  std::int64_t w = 0;
  for (const auto& in : n.input()) w += weights(in);
  int last = -1;
  for (const auto& out : n.output()) {
    if (out.empty()) continue;
    const Dims y = shape(out, n);
    add_raw(out, "onnx:" + op_type(n), Engine::Vector, ins, n);
    pending().work.vector_flops = std::max(numel(y), in_max) * kUnknownOpFlopsPerElement;
    pending().weight_elems = w;
    pending().attrs["approximated"] = true;
    w = 0;
    last = push_pending(n);
  }
  auto& row = rep_.ops[op_type(n)];
  ++row.approximated;
  add_word(&row.ir_kind, "onnx:" + op_type(n));
  add_word(&row.engine, engine_name(Engine::Vector));
  (void)last;
}

// Identity and Dropout alias their input; a reshape that keeps the IR shape does too (the IR
// shape has no batch dimension), any other is a free IR reshape.
void Importer::map_alias_or_reshape(const onnx::NodeProto& n) {
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  if (is_free_op(op_type(n))) {
    const Dims y = onnx_to_ir_shape(shape(n.output(0), n));
    if (y != b_.shape(ins[0])) {
      mapped(n, via_builder(n, n.output(0), [&] { return b_.reshape(n.output(0), ins[0], y); }));
      return;
    }
  }
  tensor_op_[n.output(0)] = ins[0];
  ++rep_.ops[op_type(n)].aliased;
}

void Importer::map_node(int i) {
  const auto& n = model_.graph().node(i);
  const std::string t = op_type(n);
  if (is_alias_op(t) || is_free_op(t)) return map_alias_or_reshape(n);
  if (const UnaryEntry* u = find_unary(t)) return map_unary(n, *u);
  if (const BinaryEntry* e = find_binary(t)) return map_binary(n, *e);
  if (is_move_op(t)) return map_move(n);
  if (t == "Conv") return map_conv(n);
  if (t == "ConvTranspose") return map_conv_transpose(n);
  if (t == "Gemm") return map_gemm(n);
  if (t == "MatMul") return map_matmul(n);
  if (t == "MaxPool" || t == "AveragePool" || t == "GlobalAveragePool" || t == "GlobalMaxPool")
    return map_pool(n);
  if (is_reduce_op(t)) return map_reduce(n);
  if (t == "Softmax" || t == "LogSoftmax" || t == "LayerNormalization") return map_normalization(n);
  if (t == "BatchNormalization") return map_batchnorm(n);
  map_unknown(n);
}

}  // namespace infsim::onnx_detail
