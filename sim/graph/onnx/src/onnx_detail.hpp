#pragma once
// Internals of the ONNX importer (docs/ONNX.md), shared by its source files:
//   onnx_import.cpp          the public API, the import report as text and JSON
//   onnx_model.cpp           loading and checking the model: parse, input shapes, topological
//                            order, shape inference with constant folding, classification
//   onnx_check.cpp           the checks before shape inference: versions, the ONNX checker,
//                            window attributes, tensor sizes
//   onnx_values.cpp          small constant values and the shape computations folded on them
//   onnx_tables.cpp          the operator tables (which ONNX op maps to which IR kind)
//   onnx_map_linear.cpp      convolution, pooling, Gemm and MatMul, with their fused tails
//   onnx_map_elementwise.cpp elementwise functions and arithmetic, normalizations, reductions
//   onnx_map_shape.cpp       data movement (transpose, concat, gather, ...), reshapes, aliases,
//                            unknown operators, and the per-node dispatch
// Not installed: only this folder's sources include it.
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include "infsim/common/error.hpp"
#include "infsim/onnx_import.hpp"

namespace infsim::onnx_detail {

using Dims = std::vector<std::int64_t>;

std::string dims_str(const Dims& d);
/// The element count of `d`; a GraphError when it overflows 64-bit arithmetic (the importer
/// checks every shape with tensor_size_rule first, so this is a backstop).
std::int64_t numel(const Dims& d);
/// The size rule a tensor of shape `d` and ONNX element type `elem_type` breaks ("" when none):
/// no negative dimension, at most kMaxTensorBytes (infsim/common/checked.hpp) (onnx_check.cpp).
std::string tensor_size_rule(const Dims& d, int elem_type);
std::string with_commas(std::int64_t v);
bool is_float_type(int t);
std::string read_file_bytes(const std::string& path, const char* what);

std::int64_t attr_int(const onnx::NodeProto& n, const char* name, std::int64_t dflt);
std::string attr_str(const onnx::NodeProto& n, const char* name, const std::string& dflt);
bool attr_ints(const onnx::NodeProto& n, const char* name, Dims* out);
const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name);
std::int64_t norm_axis(std::int64_t a, std::size_t rank);

// ---------------------------------------------------------------------------------------------
// Small constant values: what shape computations (Shape -> Gather -> Concat -> Reshape, ...)
// work on. Only tensors of at most kMaxFoldElems elements are evaluated; weights never are.

constexpr std::int64_t kMaxFoldElems = 1 << 16;

struct Value {
  int type = onnx::TensorProto::INT64;
  Dims dims;
  std::vector<double> v;
};

/// Reads a small tensor's values (not external, at most kMaxFoldElems elements).
bool read_value(const onnx::TensorProto& t, Value* out);
void write_value(const Value& val, const std::string& name, onnx::TensorProto* t);
/// The value of a Constant node (any of its value attributes), when it is small enough.
bool constant_node_value(const onnx::NodeProto& n, Value* out);
/// Evaluates one shape-computation node whose inputs are known values. `in_shape` is the shape
/// of input 0 (for Shape and Size, whose input need not be constant). False when the op (or
/// this use of it) is not evaluated here.
bool eval_node(const onnx::NodeProto& n, int opset, const std::vector<const Value*>& ins,
               const Dims* in_shape, Value* out);

// ---------------------------------------------------------------------------------------------
// Operator tables (onnx_tables.cpp).

struct UnaryEntry {
  const char* onnx;
  const char* kind;    // IR kind
  std::int64_t flops;  // per element (for kinds not in GraphBuilder's table)
  Engine engine;
};

struct BinaryEntry {
  const char* onnx;
  const char* kind;
  std::int64_t flops;
};

const UnaryEntry* find_unary(const std::string& t);
const BinaryEntry* find_binary(const std::string& t);
bool is_free_op(const std::string& t);    ///< reshapes: free in the IR (or an alias)
bool is_alias_op(const std::string& t);   ///< Identity, Dropout
bool is_move_op(const std::string& t);    ///< data movement
bool is_reduce_op(const std::string& t);  ///< ReduceMean, ReduceSum, ...
bool is_supported(const std::string& t);
/// Activations that fuse into a preceding Conv or linear layer (IR fused activation kinds).
const char* fusable_activation(const std::string& t);

// ---------------------------------------------------------------------------------------------
// The importer: one per model. run() loads and checks the model (onnx_model.cpp), then maps
// each node that is neither folded nor absorbed into a neighbour onto IR ops (onnx_map_*.cpp).

class Importer {
 public:
  Importer(std::string origin, const OnnxImportOptions& opts)
      : origin_(std::move(origin)), opts_(opts), b_(graph_name(), opts.dtype) {}

  OnnxImport run(const std::string& bytes);

 private:
  std::string graph_name() const {
    if (!opts_.name.empty()) return opts_.name;
    const std::string stem = std::filesystem::path(origin_).stem().string();
    return stem.empty() ? "onnx" : stem;
  }
  [[noreturn]] void fail(const std::string& rule) const { throw GraphError(origin_ + ": " + rule); }
  std::string label(const onnx::NodeProto& n) const {
    return "node '" +
           (n.name().empty() ? (n.output_size() ? n.output(0) : std::string("?")) : n.name()) +
           "' (" + n.op_type() + ")";
  }
  [[noreturn]] void fail_node(const onnx::NodeProto& n, const std::string& rule) const {
    fail(label(n) + ": " + rule);
  }
  static std::string op_type(const onnx::NodeProto& n) {
    return (n.domain().empty() || n.domain() == "ai.onnx") ? n.op_type()
                                                           : n.domain() + "." + n.op_type();
  }

  // Loading and checking (onnx_model.cpp; the checks before shape inference in onnx_check.cpp).
  void parse(const std::string& bytes);
  void check_text() const;
  void check_versions();
  void check_nodes();
  void check_window_attributes(const onnx::NodeProto& n) const;
  void check_tensor_sizes();
  void check_conv_weight_types();
  void apply_input_shapes();
  void check_inputs_fixed() const;
  void sort_nodes();
  void infer_and_fold();
  /// Replaces node `n` by a Constant when its inputs are known values; true when it did.
  bool fold_node(onnx::NodeProto& n);
  void collect_shapes();
  void classify();
  void build();
  void summarize();

  // Tensor queries.
  bool known(const std::string& t) const { return shapes_.count(t) > 0; }
  const Dims& shape(const std::string& t, const onnx::NodeProto& n) const {
    auto it = shapes_.find(t);
    if (it == shapes_.end()) {
      const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
      if (!onnx::OpSchemaRegistry::Schema(n.op_type(), opset_, domain)) {
        fail_node(n, "ONNX has no operator " + n.op_type() + " in opset " + std::to_string(opset_) +
                         ", so shape inference cannot size '" + t + "'");
      }
      fail_node(n, "ONNX shape inference could not give tensor '" + t +
                       "' a fixed shape (set the dynamic dimensions of the graph inputs with "
                       "--input-shape NAME=d1,d2,...)");
    }
    return it->second;
  }
  bool is_const(const std::string& t) const { return consts_.count(t) > 0; }
  int elem_type(const std::string& t) const {
    auto it = types_.find(t);
    return it == types_.end() ? 0 : it->second;
  }
  /// The IR op holding activation tensor `t`.
  int op_of(const std::string& t, const onnx::NodeProto& n) const {
    auto it = tensor_op_.find(t);
    if (it == tensor_op_.end()) {
      fail_node(n, "input '" + t + "' is not available (an output this importer does not map)");
    }
    return it->second;
  }
  /// True when constant `t` holds the model's data: a float tensor of more than one element
  /// that is an initializer, a Constant node, or folded from one. Constants computed from shapes
  /// and scalars alone (ConstantOfShape fills, zeros_like masks, Range) hold none.
  bool holds_data(const std::string& t) const {
    if (t.empty() || generated_.count(t)) return false;
    auto v = values_.find(t);
    if (v != values_.end()) return is_float_type(v->second.type) && numel(v->second.dims) > 1;
    return is_float_type(elem_type(t)) && known(t) && numel(shapes_.at(t)) > 1;
  }
  /// Marks the outputs of a node folded at import as generated when none of its inputs holds
  /// data (Shape and Size read only their input's shape).
  void note_generated(const onnx::NodeProto& n) {
    bool data = false;
    if (n.op_type() != "Shape" && n.op_type() != "Size") {
      for (const auto& in : n.input()) data |= holds_data(in);
    }
    if (data) return;
    for (const auto& o : n.output()) {
      if (!o.empty()) generated_.insert(o);
    }
  }
  /// Parameters held by constant input `t` (float, more than one element, not computed from
  /// shapes and scalars alone), counted once.
  std::int64_t weights(const std::string& t) {
    if (t.empty() || !is_const(t) || !is_float_type(elem_type(t)) || !known(t)) return 0;
    if (generated_.count(t)) return 0;
    const std::int64_t n = numel(shapes_.at(t));
    if (n <= 1 || counted_.count(t)) return 0;
    counted_.insert(t);
    return n;
  }
  std::vector<int> act_inputs(const onnx::NodeProto& n, std::size_t limit = 1000) const {
    std::vector<int> r;
    for (int i = 0; i < n.input_size() && static_cast<std::size_t>(i) < limit; ++i) {
      const std::string& t = n.input(i);
      if (!t.empty() && !is_const(t)) r.push_back(op_of(t, n));
    }
    return r;
  }
  bool single_consumer(const std::string& t, int* node) const {
    if (graph_outputs_.count(t)) return false;
    auto it = consumers_.find(t);
    if (it == consumers_.end() || it->second.size() != 1) return false;
    *node = it->second[0];
    return !absorbed_.count(*node);
  }
  std::int64_t bytes(const Dims& d) const {
    return numel(d) * static_cast<std::int64_t>(dtype_bytes(opts_.dtype));
  }

  /// Records `idx` as the IR op of tensor `t`, checking its shape against ONNX's.
  void bind(const std::string& t, int idx, const onnx::NodeProto& n) {
    const Dims want = onnx_to_ir_shape(shape(t, n));
    if (b_.shape(idx) != want) {
      fail_node(n, "internal: IR shape " + dims_str(b_.shape(idx)) + " differs from ONNX's " +
                       dims_str(want) + " for '" + t + "'");
    }
    tensor_op_[t] = idx;
  }
  int add_raw(const std::string& t, const std::string& kind, Engine e, std::vector<int> ins,
              const onnx::NodeProto& n) {
    Op op;
    op.name = t;
    op.kind = kind;
    op.engine = e;
    op.inputs = std::move(ins);
    op.shape = onnx_to_ir_shape(shape(t, n));
    op.attrs = {{"onnx_op", op_type(n)}};
    pending_ = std::move(op);
    return -1;
  }
  Op& pending() { return pending_; }
  int push_pending(const onnx::NodeProto& n) {
    const std::string t = pending_.name;
    int idx = 0;
    try {
      idx = b_.add(pending_);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(t, idx, n);
    return idx;
  }
  /// Adds the IR op that `make` (a GraphBuilder call) returns, re-reporting the builder's
  /// errors at the node, and binds it to tensor `t`.
  template <typename Make>
  int via_builder(const onnx::NodeProto& n, const std::string& t, Make make) {
    int idx = 0;
    try {
      idx = make();
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(t, idx, n);
    return idx;
  }
  void mapped(const onnx::NodeProto& n, int idx) {
    auto& row = rep_.ops[op_type(n)];
    ++row.mapped;
    const Op& op = b_.graph().ops[static_cast<std::size_t>(idx)];
    add_word(&row.ir_kind, op.kind);
    add_word(&row.engine, engine_name(op.engine));
  }
  /// Appends `w` to a "/"-separated list unless it is there already.
  static void add_word(std::string* list, const std::string& w) {
    std::string padded = "/" + *list + "/";
    if (padded.find("/" + w + "/") != std::string::npos) return;
    *list += (list->empty() ? "" : "/") + w;
  }
  void note(const std::string& what) { ++fold_counts_[what]; }

  // Per-operator mapping. map_node dispatches (onnx_map_shape.cpp).
  void map_node(int i);
  // Convolution, pooling and matrix products (onnx_map_linear.cpp).
  void map_conv(const onnx::NodeProto& n);
  void map_conv_transpose(const onnx::NodeProto& n);
  void map_gemm(const onnx::NodeProto& n);
  void map_matmul(const onnx::NodeProto& n);
  void map_pool(const onnx::NodeProto& n);
  // Elementwise ops, normalizations and reductions (onnx_map_elementwise.cpp).
  void map_unary(const onnx::NodeProto& n, const UnaryEntry& u);
  void map_binary(const onnx::NodeProto& n, const BinaryEntry& e);
  /// The value of constant `t` when it is one finite number.
  bool scalar_value(const std::string& t, double* value) const;
  void map_reduce(const onnx::NodeProto& n);
  void map_normalization(const onnx::NodeProto& n);  ///< Softmax, LogSoftmax, LayerNormalization
  void map_batchnorm(const onnx::NodeProto& n);      ///< one not folded into a Conv
  // Data movement, reshapes, aliases and unknown ops (onnx_map_shape.cpp).
  void map_alias_or_reshape(const onnx::NodeProto& n);
  void map_move(const onnx::NodeProto& n);
  /// A Gather from a constant 2-D float table along axis 0: an embedding lookup. False when
  /// the Gather is not one (it is then mapped as data movement).
  bool map_embedding(const onnx::NodeProto& n);
  /// A Transpose that GraphBuilder::transpose takes; false when it is not one.
  bool map_transpose(const onnx::NodeProto& n, int in, const std::string& out);
  void map_unknown(const onnx::NodeProto& n);
  /// The fused tail of a Conv/linear: BatchNormalization (Conv only), a bias Add (MatMul only)
  /// and an activation. Returns the tensor the IR op will be named after.
  std::string fuse_tail(const onnx::NodeProto& n, bool conv, bool matmul_bias, std::int64_t n_out,
                        bool* bias, std::string* act);
  int linear_op(const onnx::NodeProto& n, int in, const Dims& a_shape, std::int64_t k,
                std::int64_t nn, std::int64_t w_elems, bool has_bias, std::int64_t bias_elems);

  std::string origin_;
  OnnxImportOptions opts_;
  GraphBuilder b_;
  onnx::ModelProto model_;
  OnnxImportReport rep_;
  int opset_ = 0;
  std::set<std::string> real_inputs_;
  std::vector<std::string> input_order_;
  std::set<std::string> graph_outputs_;
  std::map<std::string, Dims> shapes_;
  std::map<std::string, int> types_;
  std::set<std::string> consts_;
  std::map<std::string, Value> values_;
  std::set<std::string> generated_;  // constants computed from shapes and scalars only
  std::map<std::string, std::string> folded_type_;  // output tensor -> type of the folded node
  std::map<std::string, std::vector<int>> consumers_;
  std::set<int> absorbed_;
  std::set<int> folded_nodes_;
  std::map<std::string, int> tensor_op_;
  std::set<std::string> counted_;
  std::map<std::string, int> fold_counts_;
  std::map<std::string, int> shape_folds_;  // operators on constants folded, by type
  std::map<std::string, int> unknown_counts_;
  Op pending_;
};

}  // namespace infsim::onnx_detail
