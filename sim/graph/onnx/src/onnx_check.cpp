// Checking an ONNX model before libonnx's shape inference sees it (docs/RELIABILITY.md): names
// in UTF-8, the IR version and opset this libonnx knows, the ONNX checker on every node of a
// registered operator (attribute types, input and output counts, subgraphs), the window
// attributes the shape inference divides by or indexes with (kernel_shape, strides, dilations
// > 0, pads >= 0, ranks consistent), and the sizes of the inputs and initializers against the
// model size limit (infsim/common/checked.hpp). libonnx's shape inference trusts these:
// strides = [0, 0] divided by zero (SIGFPE) and a bit-flipped model crashed in it before.
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <algorithm>
#include <unordered_map>

#include "infsim/common/checked.hpp"
#include "infsim/common/json_input.hpp"
#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

namespace {

/// The first line of a libonnx message (the checker appends a multi-line context).
std::string first_line(const std::string& s) {
  const std::string line = s.substr(0, s.find('\n'));
  return line.size() > 300 ? line.substr(0, 297) + "..." : line;
}

/// Bytes per element of an ONNX element type (1 for unknown types: they still count).
std::int64_t elem_bytes(int type) {
  switch (type) {
    case onnx::TensorProto::DOUBLE:
    case onnx::TensorProto::INT64:
    case onnx::TensorProto::UINT64:
    case onnx::TensorProto::COMPLEX64:
      return 8;
    case onnx::TensorProto::COMPLEX128:
      return 16;
    case onnx::TensorProto::FLOAT:
    case onnx::TensorProto::INT32:
    case onnx::TensorProto::UINT32:
      return 4;
    case onnx::TensorProto::FLOAT16:
    case onnx::TensorProto::BFLOAT16:
    case onnx::TensorProto::INT16:
    case onnx::TensorProto::UINT16:
      return 2;
    default:
      return 1;
  }
}

// Operators whose kernel_shape / strides / dilations / pads describe a sliding window.
bool is_window_op(const std::string& t) {
  static const char* const kOps[] = {"Conv",        "ConvInteger", "ConvTranspose",
                                     "QLinearConv", "MaxPool",     "AveragePool",
                                     "LpPool",      "MaxUnpool",   "DeformConv"};
  return std::any_of(std::begin(kOps), std::end(kOps), [&](const char* o) { return t == o; });
}

}  // namespace

std::string tensor_size_rule(const Dims& d, int elem_type) {
  std::int64_t n = 1;
  for (std::int64_t x : d) {
    if (x < 0) return "has a negative dimension";
    if (!checked_mul(n, x, &n)) return "has more elements than 64-bit arithmetic holds";
  }
  std::int64_t bytes = 0;
  if (!checked_mul(n, elem_bytes(elem_type), &bytes) || bytes > kMaxTensorBytes) {
    return "is larger than 2^48 bytes (256 TiB, the device address space: the limit for one "
           "tensor)";
  }
  return "";
}

void Importer::check_text() const {
  // The names go into the graph and the import report, which are written as JSON (UTF-8 only);
  // ONNX's .proto is proto2, so protobuf does not check them.
  auto check = [&](const std::string& s, const std::string& what) {
    if (!is_valid_utf8(s)) fail(what + " is not valid UTF-8 text");
  };
  check(model_.producer_name(), "the producer name");
  check(model_.producer_version(), "the producer version");
  const auto& g = model_.graph();
  check(g.name(), "the graph name");
  for (const auto& o : model_.opset_import()) check(o.domain(), "an opset domain");
  for (const auto* list : {&g.input(), &g.output(), &g.value_info()}) {
    for (const auto& vi : *list) check(vi.name(), "a value name");
  }
  for (const auto& t : g.initializer()) check(t.name(), "an initializer name");
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& n = g.node(i);
    const std::string where = "node " + std::to_string(i) + ": its ";
    check(n.name(), where + "name");
    check(n.op_type(), where + "operator type");
    check(n.domain(), where + "domain");
    for (const auto& t : n.input()) check(t, where + "input name");
    for (const auto& t : n.output()) check(t, where + "output name");
  }
}

void Importer::check_versions() {
  if (model_.ir_version() > onnx::Version::IR_VERSION) {
    fail("ONNX IR version " + std::to_string(model_.ir_version()) +
         " is newer than this build's ONNX library reads (up to " +
         std::to_string(static_cast<int>(onnx::Version::IR_VERSION)) + ")");
  }
  const auto& ranges = onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map();
  for (const auto& o : model_.opset_import()) {
    const std::string domain = o.domain() == "ai.onnx" ? "" : o.domain();
    const auto it = ranges.find(domain);
    if (it == ranges.end()) continue;  // a custom domain: its nodes are unknown operators
    if (o.version() < it->second.first || o.version() > it->second.second) {
      fail("opset " + std::to_string(o.version()) + " of domain '" +
           (o.domain().empty() ? std::string("ai.onnx") : o.domain()) +
           "' is outside what this build's ONNX library supports (" +
           std::to_string(it->second.first) + " to " + std::to_string(it->second.second) + ")");
    }
  }
}

void Importer::check_nodes() {
  const auto& g = model_.graph();
  std::unordered_map<std::string, int> opsets;
  for (const auto& o : model_.opset_import()) {
    opsets[o.domain() == "ai.onnx" ? "" : o.domain()] = static_cast<int>(o.version());
  }
  if (!opsets.count("")) opsets[""] = opset_;
  onnx::checker::CheckerContext ctx;
  ctx.set_ir_version(static_cast<int>(model_.ir_version()));
  ctx.set_opset_imports(opsets);
  // Every name of the graph, for subgraphs (If, Loop, Scan) that read outer values.
  onnx::checker::LexicalScopeContext lex;
  for (const auto& in : g.input()) lex.add(in.name());
  for (const auto& t : g.initializer()) lex.add(t.name());
  for (const auto& n : g.node()) {
    for (const auto& o : n.output()) lex.add(o);
  }
  const auto* registry = onnx::OpSchemaRegistry::Instance();
  for (const auto& n : g.node()) {
    const std::string domain = n.domain() == "ai.onnx" ? "" : n.domain();
    const auto v = opsets.find(domain);
    if (v == opsets.end()) continue;  // refused later as an unknown operator
    // Unregistered operators are the importer's to refuse or approximate (--unknown-ops).
    if (!registry->GetSchema(n.op_type(), v->second, domain)) continue;
    try {
      onnx::checker::check_node(n, ctx, lex);
    } catch (const std::exception& e) {
      fail_node(n, "the ONNX checker refuses it: " + first_line(e.what()));
    }
    check_window_attributes(n);
  }
}

void Importer::check_window_attributes(const onnx::NodeProto& n) const {
  Dims k, s, d, p;
  const bool has_k = attr_ints(n, "kernel_shape", &k);
  const bool has_s = attr_ints(n, "strides", &s);
  const bool has_d = attr_ints(n, "dilations", &d);
  const bool has_p = n.op_type() != "Pad" && attr_ints(n, "pads", &p);
  auto positive = [&](const char* name, const Dims& v) {
    for (std::int64_t x : v) {
      if (x <= 0) fail_node(n, std::string(name) + " " + dims_str(v) + " must be > 0");
    }
  };
  positive("kernel_shape", k);
  positive("strides", s);
  positive("dilations", d);
  for (std::int64_t x : p) {
    if (x < 0) fail_node(n, "pads " + dims_str(p) + " must be >= 0");
  }
  if (attr(n, "group") && attr_int(n, "group", 1) <= 0) {
    fail_node(n, "group " + std::to_string(attr_int(n, "group", 1)) + " must be > 0");
  }
  if (!is_window_op(n.op_type())) return;
  // One entry per spatial axis: the kernel's rank when given, else the strides' or dilations'.
  std::size_t axes = has_k ? k.size() : has_s ? s.size() : has_d ? d.size() : p.size() / 2;
  auto rank = [&](const char* name, bool has, const Dims& v, std::size_t want) {
    if (has && v.size() != want) {
      fail_node(n, std::string(name) + " " + dims_str(v) + " has " + std::to_string(v.size()) +
                       " entries; the window has " + std::to_string(axes) + " axes, so " +
                       std::to_string(want) + " are expected");
    }
  };
  rank("strides", has_s, s, axes);
  rank("dilations", has_d, d, axes);
  rank("pads", has_p, p, 2 * axes);
  if ((has_k || has_s || has_d || has_p) && axes == 0) {
    fail_node(n, "its window attributes are empty");
  }
}

void Importer::check_conv_weight_types() {
  // libonnx 1.12's convPoolShapeInference (and convTransposeShapeInference), on a Conv without
  // kernel_shape, reads the kernel from
  // the weights' type without checking that the type is known or that the weights' rank matches
  // the input's (found by fuzz_onnx: null dereferences). So every Conv gets its kernel_shape
  // attribute from its weights' shape here (the same value, by the ONNX definition), and shape
  // inference checks it against the input's rank. Weights whose shape is not known before
  // inference (computed by nodes) are sized by inference on a copy of the model without those
  // Conv nodes; a Conv whose weights stay unsized is refused.
  auto* g = model_.mutable_graph();
  std::map<std::string, Dims> known_dims;
  auto take = [&](const onnx::ValueInfoProto& vi) {
    if (!vi.type().has_tensor_type() || !vi.type().tensor_type().has_shape()) return;
    Dims d;
    for (const auto& dim : vi.type().tensor_type().shape().dim()) {
      if (!dim.has_dim_value()) return;
      d.push_back(dim.dim_value());
    }
    known_dims[vi.name()] = d;
  };
  for (const auto& t : g->initializer())
    known_dims[t.name()] = Dims(t.dims().begin(), t.dims().end());
  for (const auto& vi : g->input()) take(vi);
  for (const auto& vi : g->value_info()) take(vi);
  for (const auto& n : g->node()) {
    if (n.op_type() != "Constant" || n.output_size() != 1) continue;
    const auto* v = attr(n, "value");
    if (v) known_dims[n.output(0)] = Dims(v->t().dims().begin(), v->t().dims().end());
  }
  auto weight_of = [](const onnx::NodeProto& n) -> std::string {
    if (!(n.domain().empty() || n.domain() == "ai.onnx")) return "";
    const int idx =
        n.op_type() == "QLinearConv" ? 3
        : (n.op_type() == "Conv" || n.op_type() == "ConvInteger" || n.op_type() == "ConvTranspose")
            ? 1
            : -1;
    if (idx < 0 || attr(n, "kernel_shape")) return "";
    return n.input_size() > idx ? n.input(idx) : "";
  };
  auto set_kernel = [&](onnx::NodeProto& n, const std::string& w, const Dims& d) {
    if (d.size() < 3) {
      fail_node(n, "its weights '" + w + "' have shape " + dims_str(d) +
                       "; a convolution's weights are [M, C/group, kernel...]");
    }
    auto* a = n.add_attribute();
    a->set_name("kernel_shape");
    a->set_type(onnx::AttributeProto::INTS);
    for (std::size_t i = 2; i < d.size(); ++i) {
      if (d[i] <= 0) fail_node(n, "its weights '" + w + "' have shape " + dims_str(d));
      a->add_ints(d[i]);
    }
  };
  std::vector<int> unsized;
  for (int i = 0; i < g->node_size(); ++i) {
    onnx::NodeProto& n = *g->mutable_node(i);
    const std::string w = weight_of(n);
    if (w.empty()) continue;
    const auto it = known_dims.find(w);
    if (it == known_dims.end()) {
      unsized.push_back(i);
    } else {
      set_kernel(n, w, it->second);
    }
  }
  if (unsized.empty()) return;
  onnx::ModelProto probe = model_;
  auto* pg = probe.mutable_graph();
  pg->clear_node();
  for (int i = 0, r = 0; i < g->node_size(); ++i) {
    if (r < static_cast<int>(unsized.size()) && unsized[static_cast<std::size_t>(r)] == i) {
      ++r;
      continue;
    }
    *pg->add_node() = g->node(i);
  }
  try {
    onnx::ShapeInferenceOptions so(false, 0, true);
    onnx::shape_inference::InferShapes(probe, onnx::OpSchemaRegistry::Instance(), so);
  } catch (const std::exception& e) {
    fail(std::string("ONNX shape inference failed: ") + first_line(e.what()));
  }
  for (const auto& vi : probe.graph().value_info()) take(vi);
  for (const auto& vi : probe.graph().output()) take(vi);
  for (int i : unsized) {
    onnx::NodeProto& n = *g->mutable_node(i);
    const std::string w = weight_of(n);
    const auto it = known_dims.find(w);
    if (it == known_dims.end()) {
      fail_node(n, "ONNX shape inference cannot give the shape of its weights '" + w +
                       "' (computed by a node it cannot size); weights must be an initializer, "
                       "a Constant or a value of known shape");
    }
    set_kernel(n, w, it->second);
  }
}

void Importer::check_tensor_sizes() {
  const auto& g = model_.graph();
  for (const auto& t : g.initializer()) {
    const std::string rule =
        tensor_size_rule(Dims(t.dims().begin(), t.dims().end()), t.data_type());
    if (!rule.empty()) {
      fail("initializer '" + t.name() + "' of shape " +
           dims_str(Dims(t.dims().begin(), t.dims().end())) + " " + rule);
    }
  }
  for (const auto& in : g.input()) {
    if (!real_inputs_.count(in.name()) || !in.type().has_tensor_type()) continue;
    const auto& tt = in.type().tensor_type();
    Dims d;
    for (const auto& dim : tt.shape().dim()) d.push_back(dim.dim_value());
    const std::string rule = tensor_size_rule(d, tt.elem_type());
    if (!rule.empty()) fail("input '" + in.name() + "' of shape " + dims_str(d) + " " + rule);
  }
}

}  // namespace infsim::onnx_detail
