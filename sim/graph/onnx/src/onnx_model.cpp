// Loading and checking an ONNX model: parse it, fix the inputs' dynamic dimensions, put the
// nodes in topological order, run ONNX shape inference with constant folding until every tensor
// has a shape, classify the nodes (folded, supported, unknown), then map them and fill the
// import report.
#include <algorithm>

#include <onnx/shape_inference/implementation.h>

#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

void Importer::parse(const std::string& bytes) {
  if (bytes.empty()) fail("not an ONNX model: the file is empty");
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) {
    fail("ONNX files larger than 2 GiB must keep their weights as external data");
  }
  if (!model_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    fail("not a valid ONNX model: the protobuf data cannot be parsed (truncated or not ONNX)");
  }
  if (model_.ir_version() <= 0 || !model_.has_graph()) {
    fail("not an ONNX model: no IR version or no graph");
  }
  if (model_.graph().node_size() == 0) fail("the ONNX graph has no nodes");
  for (const auto& o : model_.opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = static_cast<int>(o.version());
  }
  if (opset_ == 0) opset_ = model_.opset_import_size() == 0 ? 1 : opset_;
  rep_.ir_version = model_.ir_version();
  rep_.opset = opset_;
  rep_.producer = model_.producer_name();
  if (!model_.producer_version().empty()) rep_.producer += " " + model_.producer_version();
  rep_.nodes = model_.graph().node_size();
}

void Importer::apply_input_shapes() {
  auto* g = model_.mutable_graph();
  std::set<std::string> inits;
  for (const auto& t : g->initializer()) {
    inits.insert(t.name());
    if (t.data_location() == onnx::TensorProto::EXTERNAL) ++rep_.external_initializers;
  }
  std::string names;
  for (const auto& in : g->input()) {
    if (inits.count(in.name())) continue;
    real_inputs_.insert(in.name());
    input_order_.push_back(in.name());
    names += (names.empty() ? "'" : ", '") + in.name() + "'";
  }
  for (const auto& kv : opts_.input_shapes) {
    onnx::ValueInfoProto* vi = nullptr;
    for (auto& in : *g->mutable_input()) {
      if (in.name() == kv.first && real_inputs_.count(in.name())) vi = &in;
    }
    if (!vi) {
      fail("--input-shape names '" + kv.first + "', which is not a graph input (inputs: " +
           (names.empty() ? std::string("none") : names) + ")");
    }
    if (!vi->type().has_tensor_type() &&
        vi->type().value_case() != onnx::TypeProto::VALUE_NOT_SET) {
      fail("input '" + kv.first + "' is not a tensor; its shape cannot be set");
    }
    for (auto d : kv.second) {
      if (d <= 0)
        fail("--input-shape " + kv.first + ": dimensions must be positive, got " +
             dims_str(kv.second));
    }
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    if (tt->has_shape() && tt->shape().dim_size() != static_cast<int>(kv.second.size())) {
      fail("--input-shape " + kv.first + "=" + dims_str(kv.second) + " has rank " +
           std::to_string(kv.second.size()) + ", but the input has rank " +
           std::to_string(tt->shape().dim_size()));
    }
    auto* sh = tt->mutable_shape();
    sh->clear_dim();
    for (auto d : kv.second) sh->add_dim()->set_dim_value(d);
  }
  check_inputs_fixed();
}

// Every real input must have a fixed shape once --input-shape has been applied.
void Importer::check_inputs_fixed() const {
  const auto* g = &model_.graph();
  std::vector<std::string> unknown;
  for (const auto& in : g->input()) {
    if (!real_inputs_.count(in.name())) continue;
    const auto& tt = in.type().tensor_type();
    bool ok = in.type().has_tensor_type() && tt.has_shape();
    std::string shown = "[";
    if (tt.has_shape()) {
      for (int i = 0; i < tt.shape().dim_size(); ++i) {
        const auto& d = tt.shape().dim(i);
        shown += i ? ", " : "";
        if (d.has_dim_value() && d.dim_value() > 0) {
          shown += std::to_string(d.dim_value());
        } else {
          ok = false;
          shown += d.has_dim_param() && !d.dim_param().empty() ? d.dim_param() : "?";
        }
      }
    } else {
      shown += "unknown rank";
    }
    if (!ok) unknown.push_back("'" + in.name() + "' " + shown + "]");
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& u : unknown) list += (list.empty() ? "" : ", ") + u;
    fail(std::string(unknown.size() == 1 ? "the shape of input " : "the shapes of inputs ") + list +
         (unknown.size() == 1 ? " is" : " are") +
         " still unknown; set each with --input-shape NAME=d1,d2,... (for example batch 1)");
  }
}

void Importer::sort_nodes() {
  auto* g = model_.mutable_graph();
  std::set<std::string> defined;
  for (const auto& t : g->initializer()) defined.insert(t.name());
  for (const auto& in : g->input()) defined.insert(in.name());
  std::map<std::string, int> producer;
  for (int i = 0; i < g->node_size(); ++i) {
    for (const auto& o : g->node(i).output()) {
      if (o.empty()) continue;
      if (producer.count(o) || defined.count(o)) {
        fail(label(g->node(i)) + ": output '" + o + "' is defined more than once");
      }
      producer[o] = i;
    }
  }
  const int n = g->node_size();
  std::vector<int> pending(static_cast<std::size_t>(n), 0);
  std::vector<std::vector<int>> users(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::set<int> deps;
    for (const auto& in : g->node(i).input()) {
      if (in.empty() || defined.count(in)) continue;
      auto it = producer.find(in);
      if (it == producer.end()) {
        fail(label(g->node(i)) + ": input '" + in +
             "' is not defined by any node, initializer or graph input");
      }
      deps.insert(it->second);
    }
    pending[static_cast<std::size_t>(i)] = static_cast<int>(deps.size());
    for (int d : deps) users[static_cast<std::size_t>(d)].push_back(i);
  }
  std::vector<int> order, ready;
  for (int i = n - 1; i >= 0; --i) {
    if (pending[static_cast<std::size_t>(i)] == 0) ready.push_back(i);
  }
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    std::vector<int> next;
    for (int u : users[static_cast<std::size_t>(i)]) {
      if (--pending[static_cast<std::size_t>(u)] == 0) next.push_back(u);
    }
    std::sort(next.rbegin(), next.rend());
    ready.insert(ready.end(), next.begin(), next.end());
  }
  if (static_cast<int>(order.size()) != n) {
    std::string list;
    int shown = 0;
    for (int i = 0; i < n && shown < 6; ++i) {
      if (pending[static_cast<std::size_t>(i)] > 0) {
        list += (shown++ ? ", " : "") + label(g->node(i)).substr(5);
      }
    }
    fail("the graph has a cycle: " + std::to_string(n - static_cast<int>(order.size())) +
         " node(s) are on a cycle or wait for one, among them " + list);
  }
  std::vector<onnx::NodeProto> nodes(g->node().begin(), g->node().end());
  g->clear_node();
  for (int i : order) *g->add_node() = nodes[static_cast<std::size_t>(i)];
}

void Importer::collect_shapes() {
  shapes_.clear();
  types_.clear();
  const auto& g = model_.graph();
  auto take = [&](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type()) return;
    const auto& tt = vi.type().tensor_type();
    if (tt.elem_type()) types_[vi.name()] = tt.elem_type();
    if (!tt.has_shape()) return;
    Dims d;
    for (const auto& dim : tt.shape().dim()) {
      if (!dim.has_dim_value() || dim.dim_value() < 0) return;
      d.push_back(dim.dim_value());
    }
    const std::string rule = tensor_size_rule(d, tt.elem_type());
    if (!rule.empty()) fail("tensor '" + vi.name() + "' of shape " + dims_str(d) + " " + rule);
    shapes_[vi.name()] = d;
  };
  for (const auto& vi : g.input()) take(vi);
  for (const auto& vi : g.value_info()) take(vi);
  for (const auto& vi : g.output()) take(vi);
  for (const auto& t : g.initializer()) {
    shapes_[t.name()] = Dims(t.dims().begin(), t.dims().end());
    types_[t.name()] = t.data_type();
  }
  for (const auto& n : g.node()) {
    if (n.op_type() != "Constant" || n.output_size() != 1) continue;
    for (const auto& a : n.attribute()) {
      if (a.name() == "value") {
        shapes_[n.output(0)] = Dims(a.t().dims().begin(), a.t().dims().end());
        types_[n.output(0)] = a.t().data_type();
      } else if (a.name() == "value_float" || a.name() == "value_int") {
        shapes_[n.output(0)] = {};
        types_[n.output(0)] =
            a.name() == "value_float" ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64;
      } else if (a.name() == "value_floats" || a.name() == "value_ints") {
        const int len = a.name() == "value_floats" ? a.floats_size() : a.ints_size();
        shapes_[n.output(0)] = {len};
        types_[n.output(0)] =
            a.name() == "value_floats" ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64;
      }
    }
  }
}

// Shape inference and folding of shape computations on constants, until nothing changes: each
// folded node is replaced by a Constant holding its value, so the next round of inference sees
// the values (Reshape targets, Slice bounds, Resize sizes, ...).
void Importer::infer_and_fold() {
  for (const auto& t : model_.graph().initializer()) {
    Value v;
    if (read_value(t, &v)) values_[t.name()] = v;
  }
  for (int round = 0; round < 16; ++round) {
    try {
      onnx::ShapeInferenceOptions so(false, 0, true);
      onnx::shape_inference::InferShapes(model_, onnx::OpSchemaRegistry::Instance(), so);
    } catch (const std::exception& e) {
      fail(std::string("ONNX shape inference failed: ") + e.what());
    }
    collect_shapes();
    bool changed = false;
    auto* g = model_.mutable_graph();
    for (int i = 0; i < g->node_size(); ++i) {
      onnx::NodeProto& n = *g->mutable_node(i);
      if (!(n.domain().empty() || n.domain() == "ai.onnx")) continue;
      if (n.op_type() == "Constant") {
        Value v;
        if (n.output_size() == 1 && !values_.count(n.output(0)) && constant_node_value(n, &v)) {
          values_[n.output(0)] = v;
        }
        continue;
      }
      changed |= fold_node(n);
    }
    if (!changed) break;
  }
}

bool Importer::fold_node(onnx::NodeProto& n) {
  if (n.output_size() != 1 || n.output(0).empty() || values_.count(n.output(0))) return false;
  std::vector<const Value*> ins;
  bool all = true;
  for (const auto& in : n.input()) {
    if (in.empty()) {
      ins.push_back(nullptr);
      continue;
    }
    auto it = values_.find(in);
    if (it == values_.end()) {
      all = false;
      ins.push_back(nullptr);
    } else {
      ins.push_back(&it->second);
    }
  }
  while (!ins.empty() && !ins.back()) ins.pop_back();
  const bool shape_op = n.op_type() == "Shape" || n.op_type() == "Size";
  if (!all && !shape_op) return false;
  const Dims* in_shape = nullptr;
  if (shape_op) {
    if (n.input_size() < 1 || !known(n.input(0))) return false;
    in_shape = &shapes_.at(n.input(0));
  }
  Value out;
  if (!eval_node(n, opset_, ins, in_shape, &out)) return false;
  note_generated(n);
  const std::string name = n.output(0);
  folded_type_[name] = op_type(n);
  values_[name] = out;
  onnx::NodeProto c;
  c.set_op_type("Constant");
  c.set_name(n.name());
  c.add_output(name);
  auto* a = c.add_attribute();
  a->set_name("value");
  a->set_type(onnx::AttributeProto::TENSOR);
  write_value(out, name, a->mutable_t());
  n = c;
  return true;
}

void Importer::classify() {
  const auto& g = model_.graph();
  for (const auto& o : g.output()) graph_outputs_.insert(o.name());
  for (const auto& t : g.initializer()) {
    if (!real_inputs_.count(t.name())) consts_.insert(t.name());
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    for (const auto& in : n.input()) {
      if (!in.empty()) consumers_[in].push_back(i);
    }
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const std::string t = op_type(n);
    // Nodes folded into Constants count under their original type.
    const bool was_folded =
        n.op_type() == "Constant" && n.output_size() == 1 && folded_type_.count(n.output(0));
    const std::string type = was_folded ? folded_type_.at(n.output(0)) : t;
    ++rep_.ops[type].nodes;
    if (n.op_type() == "Constant") {
      for (const auto& o : n.output()) consts_.insert(o);
      folded_nodes_.insert(i);
      if (was_folded) {
        ++rep_.ops[type].folded;
        ++shape_folds_[type];
      } else {
        ++rep_.constant_nodes;
        ++rep_.ops[type].folded;
      }
      continue;
    }
    bool all_const = n.input_size() > 0;
    int nonempty = 0;
    for (const auto& in : n.input()) {
      if (in.empty()) continue;
      ++nonempty;
      all_const &= is_const(in);
    }
    // A lookup into a float table with constant indices (position embeddings) is an embedding,
    // not a constant to fold: the table is a parameter read per request.
    const bool table_lookup = n.op_type() == "Gather" && n.input_size() >= 1 &&
                              is_float_type(elem_type(n.input(0))) && known(n.input(0)) &&
                              shapes_.at(n.input(0)).size() == 2 && attr_int(n, "axis", 0) == 0;
    if ((all_const && nonempty > 0 && !table_lookup) || n.op_type() == "Shape" ||
        n.op_type() == "Size" || n.input_size() == 0) {
      for (const auto& o : n.output()) {
        if (!o.empty()) consts_.insert(o);
      }
      note_generated(n);
      folded_nodes_.insert(i);
      ++rep_.ops[type].folded;
      ++shape_folds_[type];
      continue;
    }
    if (!is_supported(t)) ++unknown_counts_[t];
  }
  if (!unknown_counts_.empty() && opts_.unknown_ops == UnknownOps::Error) {
    std::string list;
    for (const auto& kv : unknown_counts_) {
      list += (list.empty() ? "" : ", ") + kv.first + " x" + std::to_string(kv.second);
    }
    fail("unsupported ONNX operators: " + list +
         " (--unknown-ops=vector runs them on the VectorEngine at " +
         std::to_string(kUnknownOpFlopsPerElement) + " FLOP per element; docs/ONNX.md)");
  }
}

void Importer::build() {
  const auto& g = model_.graph();
  for (const auto& name : input_order_) {
    Dims d;
    for (const auto& in : g.input()) {
      if (in.name() == name) {
        for (const auto& dim : in.type().tensor_type().shape().dim()) d.push_back(dim.dim_value());
      }
    }
    rep_.inputs.push_back({name, d});
    const int idx = b_.input(name, onnx_to_ir_shape(d));
    tensor_op_[name] = idx;
  }
  for (int i = 0; i < g.node_size(); ++i) {
    if (folded_nodes_.count(i) || absorbed_.count(i)) continue;
    map_node(i);
  }
  for (const auto& o : g.output()) {
    Dims d;
    if (known(o.name())) d = shapes_.at(o.name());
    rep_.outputs.push_back({o.name(), d});
    auto it = tensor_op_.find(o.name());
    rep_.output_op[o.name()] = it == tensor_op_.end() ? -1 : it->second;
  }
  summarize();
}

// The report's lists of what was folded, fused and approximated.
void Importer::summarize() {
  if (fold_counts_.size()) {
    for (const auto& kv : fold_counts_)
      rep_.folded.push_back(std::to_string(kv.second) + " x " + kv.first);
  }
  if (!shape_folds_.empty()) {
    int total = 0;
    std::string list;
    for (const auto& kv : shape_folds_) {
      total += kv.second;
      list += (list.empty() ? "" : ", ") + kv.first + " " + std::to_string(kv.second);
    }
    rep_.folded.push_back(
        std::to_string(total) +
        " x operators on constants (shape computations) folded at import: " + list);
  }
  if (rep_.constant_nodes > 0) {
    rep_.folded.push_back(std::to_string(rep_.constant_nodes) +
                          " x Constant nodes taken as weights or constants");
  }
  for (const auto& kv : unknown_counts_) {
    rep_.approximated.push_back(kv.first + " x" + std::to_string(kv.second) +
                                " on the VectorEngine at " +
                                std::to_string(kUnknownOpFlopsPerElement) + " FLOP per element");
  }
}

OnnxImport Importer::run(const std::string& bytes) {
  rep_.file = origin_;
  parse(bytes);
  check_text();
  check_versions();
  apply_input_shapes();
  check_tensor_sizes();
  sort_nodes();
  check_nodes();
  check_conv_weight_types();
  infer_and_fold();
  classify();
  build();
  if (b_.graph().ops.empty()) {
    fail("the graph has no inputs and computes only constants: nothing to simulate");
  }
  OnnxImport r;
  try {
    r.graph = b_.build();
  } catch (const GraphError& e) {
    fail(e.what());
  }
  r.report = rep_;
  return r;
}

}  // namespace infsim::onnx_detail
