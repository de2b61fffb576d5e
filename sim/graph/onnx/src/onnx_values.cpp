// Small constant values and the shape computations (Shape -> Gather -> Concat -> Reshape, ...)
// the importer folds on them at import time, plus the small helpers every part of the importer
// uses.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>

#include "infsim/common/checked.hpp"
#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

std::string dims_str(const Dims& d) {
  std::string r = "[";
  for (std::size_t i = 0; i < d.size(); ++i) r += (i ? ", " : "") + std::to_string(d[i]);
  return r + "]";
}

std::int64_t numel(const Dims& d) {
  std::int64_t n = 1;
  if (!checked_product(d, 0, d.size(), &n)) {
    throw GraphError("a tensor of shape " + dims_str(d) +
                     " has more elements than 64-bit arithmetic holds");
  }
  return n;
}

std::string with_commas(std::int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3)
    s.insert(static_cast<std::size_t>(i), ",");
  return (v < 0 ? "-" : "") + s;
}

bool is_float_type(int t) {
  return t == onnx::TensorProto::FLOAT || t == onnx::TensorProto::FLOAT16 ||
         t == onnx::TensorProto::DOUBLE || t == onnx::TensorProto::BFLOAT16;
}

std::string read_file_bytes(const std::string& path, const char* what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError(std::string("cannot read ") + what + " '" + path + "': is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw IoError(std::string("cannot read ") + what + " '" + path + "': " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError(std::string("cannot read ") + what + " '" + path + "': read error");
  return ss.str();
}

std::int64_t attr_int(const onnx::NodeProto& n, const char* name, std::int64_t dflt) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.i();
  }
  return dflt;
}

std::string attr_str(const onnx::NodeProto& n, const char* name, const std::string& dflt) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return a.s();
  }
  return dflt;
}

bool attr_ints(const onnx::NodeProto& n, const char* name, Dims* out) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) {
      out->assign(a.ints().begin(), a.ints().end());
      return true;
    }
  }
  return false;
}

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const char* name) {
  for (const auto& a : n.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

std::int64_t norm_axis(std::int64_t a, std::size_t rank) {
  return a < 0 ? a + static_cast<std::int64_t>(rank) : a;
}

// ---------------------------------------------------------------------------------------------
// Reading and writing values.

namespace {

template <typename T>
bool raw_values(const std::string& raw, std::int64_t n, std::vector<double>* out) {
  if (raw.size() != static_cast<std::size_t>(n) * sizeof(T)) return false;
  out->resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    T x;
    std::memcpy(&x, raw.data() + i * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
    (*out)[static_cast<std::size_t>(i)] = static_cast<double>(x);
  }
  return true;
}

}  // namespace

/// Reads a small tensor's values (not external, at most kMaxFoldElems elements).
bool read_value(const onnx::TensorProto& t, Value* out) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL) return false;
  Value r;
  r.type = t.data_type();
  r.dims.assign(t.dims().begin(), t.dims().end());
  const std::int64_t n = numel(r.dims);
  if (n < 0 || n > kMaxFoldElems) return false;
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    bool ok = false;
    switch (r.type) {
      case onnx::TensorProto::INT64:
        ok = raw_values<std::int64_t>(raw, n, &r.v);
        break;
      case onnx::TensorProto::INT32:
        ok = raw_values<std::int32_t>(raw, n, &r.v);
        break;
      case onnx::TensorProto::FLOAT:
        ok = raw_values<float>(raw, n, &r.v);
        break;
      case onnx::TensorProto::DOUBLE:
        ok = raw_values<double>(raw, n, &r.v);
        break;
      case onnx::TensorProto::BOOL:
      case onnx::TensorProto::UINT8:
        ok = raw_values<std::uint8_t>(raw, n, &r.v);
        break;
      case onnx::TensorProto::INT8:
        ok = raw_values<std::int8_t>(raw, n, &r.v);
        break;
      default:
        return false;
    }
    if (!ok) return false;
  } else {
    switch (r.type) {
      case onnx::TensorProto::INT64:
        r.v.assign(t.int64_data().begin(), t.int64_data().end());
        break;
      case onnx::TensorProto::INT32:
      case onnx::TensorProto::BOOL:
      case onnx::TensorProto::UINT8:
      case onnx::TensorProto::INT8:
        r.v.assign(t.int32_data().begin(), t.int32_data().end());
        break;
      case onnx::TensorProto::FLOAT:
        r.v.assign(t.float_data().begin(), t.float_data().end());
        break;
      case onnx::TensorProto::DOUBLE:
        r.v.assign(t.double_data().begin(), t.double_data().end());
        break;
      default:
        return false;
    }
    if (static_cast<std::int64_t>(r.v.size()) != n) return false;
  }
  *out = std::move(r);
  return true;
}

void write_value(const Value& val, const std::string& name, onnx::TensorProto* t) {
  t->Clear();
  t->set_name(name);
  t->set_data_type(val.type);
  for (auto d : val.dims) t->add_dims(d);
  for (double x : val.v) {
    switch (val.type) {
      case onnx::TensorProto::INT64:
        t->add_int64_data(static_cast<std::int64_t>(x));
        break;
      case onnx::TensorProto::FLOAT:
        t->add_float_data(static_cast<float>(x));
        break;
      case onnx::TensorProto::DOUBLE:
        t->add_double_data(x);
        break;
      default:  // INT32, BOOL, UINT8, INT8
        t->add_int32_data(static_cast<std::int32_t>(x));
        break;
    }
  }
}

bool constant_node_value(const onnx::NodeProto& n, Value* out) {
  Value v;
  bool ok = false;
  for (const auto& a : n.attribute()) {
    if (a.name() == "value") ok = read_value(a.t(), &v);
    if (a.name() == "value_float") v = Value{onnx::TensorProto::FLOAT, {}, {a.f()}}, ok = true;
    if (a.name() == "value_int") {
      v = Value{onnx::TensorProto::INT64, {}, {static_cast<double>(a.i())}};
      ok = true;
    }
    if (a.name() == "value_ints") {
      v = Value{onnx::TensorProto::INT64, {a.ints_size()}, {}};
      for (auto x : a.ints()) v.v.push_back(static_cast<double>(x));
      ok = true;
    }
    if (a.name() == "value_floats") {
      v = Value{onnx::TensorProto::FLOAT, {a.floats_size()}, {}};
      for (auto x : a.floats()) v.v.push_back(x);
      ok = true;
    }
  }
  if (ok) *out = std::move(v);
  return ok;
}

// ---------------------------------------------------------------------------------------------
// Evaluating shape computations.

namespace {

using Ins = std::vector<const Value*>;

const Value* in(const Ins& ins, std::size_t i) {
  return i < ins.size() ? ins[i] : nullptr;
}

std::vector<std::int64_t> strides_of(const Dims& d) {
  std::vector<std::int64_t> s(d.size(), 1);
  for (int i = static_cast<int>(d.size()) - 2; i >= 0; --i) s[i] = s[i + 1] * d[i + 1];
  return s;
}

bool broadcast_dims(const std::vector<const Value*>& ins, Dims* out) {
  std::size_t rank = 0;
  for (const Value* v : ins) rank = std::max(rank, v->dims.size());
  Dims r(rank, 1);
  for (const Value* v : ins) {
    const std::size_t off = rank - v->dims.size();
    for (std::size_t i = 0; i < v->dims.size(); ++i) {
      const auto d = v->dims[i];
      if (d == r[off + i] || d == 1) continue;
      if (r[off + i] != 1) return false;
      r[off + i] = d;
    }
  }
  *out = r;
  return true;
}

/// Elementwise op with numpy broadcasting.
bool eval_broadcast(const std::vector<const Value*>& ins, int out_type,
                    const std::function<double(const std::vector<double>&)>& f, Value* out) {
  Dims od;
  if (!broadcast_dims(ins, &od)) return false;
  const std::int64_t n = numel(od);
  if (n > kMaxFoldElems) return false;
  const auto ostr = strides_of(od);
  std::vector<std::vector<std::int64_t>> istr;
  for (const Value* v : ins) {
    auto s = strides_of(v->dims);
    std::vector<std::int64_t> full(od.size(), 0);
    const std::size_t off = od.size() - v->dims.size();
    for (std::size_t i = 0; i < v->dims.size(); ++i) full[off + i] = v->dims[i] == 1 ? 0 : s[i];
    istr.push_back(full);
  }
  out->type = out_type;
  out->dims = od;
  out->v.assign(static_cast<std::size_t>(n), 0);
  std::vector<double> args(ins.size());
  for (std::int64_t e = 0; e < n; ++e) {
    for (std::size_t k = 0; k < ins.size(); ++k) {
      std::int64_t idx = 0, rem = e;
      for (std::size_t d = 0; d < od.size(); ++d) {
        idx += (rem / ostr[d]) * istr[k][d];
        rem %= ostr[d];
      }
      args[k] = ins[k]->v[static_cast<std::size_t>(idx)];
    }
    out->v[static_cast<std::size_t>(e)] = f(args);
  }
  return true;
}

bool eval_identity(const onnx::NodeProto& /*n*/, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  *out = *x;
  return true;
}

bool eval_cast(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  *out = *x;
  out->type = static_cast<int>(attr_int(n, "to", x->type));
  if (!is_float_type(out->type)) {
    for (double& v : out->v) v = std::trunc(v);
  }
  return out->type == onnx::TensorProto::INT64 || out->type == onnx::TensorProto::INT32 ||
         out->type == onnx::TensorProto::FLOAT || out->type == onnx::TensorProto::DOUBLE ||
         out->type == onnx::TensorProto::BOOL;
}

bool eval_constant_of_shape(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  Dims d;
  for (double v : x->v) d.push_back(static_cast<std::int64_t>(v));
  if (numel(d) > kMaxFoldElems) return false;
  Value fill{onnx::TensorProto::FLOAT, {}, {0.0}};
  if (const auto* a = attr(n, "value")) {
    if (!read_value(a->t(), &fill) || fill.v.size() != 1) return false;
  }
  *out = Value{fill.type, d, std::vector<double>(static_cast<std::size_t>(numel(d)), fill.v[0])};
  return true;
}

// Arithmetic, comparisons and selection with numpy broadcasting.
bool eval_elementwise(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  const std::string& t = n.op_type();
  const bool integer = !is_float_type(x->type);
  int type = x->type;
  if (t == "Equal" || t == "Less" || t == "Greater" || t == "Not") type = onnx::TensorProto::BOOL;
  if (t == "Where") type = ins.size() > 1 ? ins[1]->type : x->type;
  return eval_broadcast(
      ins, type,
      [&](const std::vector<double>& a) -> double {
        if (t == "Add") return a[0] + a[1];
        if (t == "Sub") return a[0] - a[1];
        if (t == "Mul") return a[0] * a[1];
        if (t == "Div") {
          if (a[1] == 0) return 0;
          return integer ? std::floor(a[0] / a[1]) : a[0] / a[1];
        }
        if (t == "Max") return std::max(a[0], a[1]);
        if (t == "Min") return std::min(a[0], a[1]);
        if (t == "Equal") return a[0] == a[1];
        if (t == "Less") return a[0] < a[1];
        if (t == "Greater") return a[0] > a[1];
        if (t == "Not") return a[0] == 0;
        if (t == "Neg") return -a[0];
        if (t == "Abs") return std::fabs(a[0]);
        return a[0] != 0 ? a[1] : a[2];  // Where
      },
      out);
}

// Unsqueeze and Squeeze (axes as an attribute before opset 13, as an input from 13 on).
bool eval_squeeze(const onnx::NodeProto& n, int opset, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  const std::string& t = n.op_type();
  Dims axes;
  const bool have = opset >= 13 ? (in(ins, 1) != nullptr) : attr_ints(n, "axes", &axes);
  if (opset >= 13 && in(ins, 1)) {
    for (double a : in(ins, 1)->v) axes.push_back(static_cast<std::int64_t>(a));
  }
  Dims d = x->dims;
  if (t == "Unsqueeze") {
    if (!have) return false;
    const std::size_t rank = d.size() + axes.size();
    for (auto& a : axes) a = norm_axis(a, rank);
    std::sort(axes.begin(), axes.end());
    for (auto a : axes) {
      if (a < 0 || a > static_cast<std::int64_t>(d.size())) return false;
      d.insert(d.begin() + a, 1);
    }
  } else {
    Dims r;
    for (std::size_t i = 0; i < d.size(); ++i) {
      bool drop = false;
      if (!have) {
        drop = d[i] == 1;
      } else {
        for (auto a : axes) drop |= norm_axis(a, d.size()) == static_cast<std::int64_t>(i);
      }
      if (!drop) r.push_back(d[i]);
    }
    d = r;
  }
  *out = *x;
  out->dims = d;
  return true;
}

bool eval_reshape(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  if (!in(ins, 1)) return false;
  Dims d;
  const bool allowzero = attr_int(n, "allowzero", 0) != 0;
  std::int64_t known = 1;
  int wild = -1;
  for (std::size_t i = 0; i < in(ins, 1)->v.size(); ++i) {
    auto v = static_cast<std::int64_t>(in(ins, 1)->v[i]);
    if (v == 0 && !allowzero) {
      if (i >= x->dims.size()) return false;
      v = x->dims[i];
    }
    if (v == -1) {
      wild = static_cast<int>(i);
    } else {
      known *= v;
    }
    d.push_back(v);
  }
  if (wild >= 0) {
    if (known == 0) return false;
    d[static_cast<std::size_t>(wild)] = numel(x->dims) / known;
  }
  if (numel(d) != numel(x->dims)) return false;
  *out = *x;
  out->dims = d;
  return true;
}

bool eval_gather(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  const Value* idx = in(ins, 1);
  if (!idx || x->dims.empty()) return false;
  const std::int64_t axis = norm_axis(attr_int(n, "axis", 0), x->dims.size());
  if (axis < 0 || axis >= static_cast<std::int64_t>(x->dims.size())) return false;
  const std::int64_t outer = numel(Dims(x->dims.begin(), x->dims.begin() + axis));
  const std::int64_t inner = numel(Dims(x->dims.begin() + axis + 1, x->dims.end()));
  const std::int64_t len = x->dims[static_cast<std::size_t>(axis)];
  Value r;
  r.type = x->type;
  r.dims.assign(x->dims.begin(), x->dims.begin() + axis);
  r.dims.insert(r.dims.end(), idx->dims.begin(), idx->dims.end());
  r.dims.insert(r.dims.end(), x->dims.begin() + axis + 1, x->dims.end());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (double jd : idx->v) {
      auto j = static_cast<std::int64_t>(jd);
      if (j < 0) j += len;
      if (j < 0 || j >= len) return false;
      for (std::int64_t k = 0; k < inner; ++k) {
        r.v.push_back(x->v[static_cast<std::size_t>((o * len + j) * inner + k)]);
      }
    }
  }
  *out = std::move(r);
  return true;
}

bool eval_concat(const onnx::NodeProto& n, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  const std::int64_t axis = norm_axis(attr_int(n, "axis", 0), x->dims.size());
  if (axis < 0 || axis >= static_cast<std::int64_t>(x->dims.size())) return false;
  Value r;
  r.type = x->type;
  r.dims = x->dims;
  r.dims[static_cast<std::size_t>(axis)] = 0;
  for (const Value* v : ins) {
    if (v->dims.size() != x->dims.size()) return false;
    r.dims[static_cast<std::size_t>(axis)] += v->dims[static_cast<std::size_t>(axis)];
  }
  const std::int64_t outer = numel(Dims(x->dims.begin(), x->dims.begin() + axis));
  for (std::int64_t o = 0; o < outer; ++o) {
    for (const Value* v : ins) {
      const std::int64_t chunk = numel(Dims(v->dims.begin() + axis, v->dims.end()));
      for (std::int64_t k = 0; k < chunk; ++k)
        r.v.push_back(v->v[static_cast<std::size_t>(o * chunk + k)]);
    }
  }
  *out = std::move(r);
  return true;
}

bool eval_slice(const onnx::NodeProto& n, int opset, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  Dims starts, ends, axes, steps;
  if (opset < 10) {
    if (!attr_ints(n, "starts", &starts) || !attr_ints(n, "ends", &ends)) return false;
    attr_ints(n, "axes", &axes);
  } else {
    if (!in(ins, 1) || !in(ins, 2)) return false;
    for (double v : in(ins, 1)->v) starts.push_back(static_cast<std::int64_t>(v));
    for (double v : in(ins, 2)->v) ends.push_back(static_cast<std::int64_t>(v));
    if (in(ins, 3)) {
      for (double v : in(ins, 3)->v) axes.push_back(static_cast<std::int64_t>(v));
    }
    if (in(ins, 4)) {
      for (double v : in(ins, 4)->v) steps.push_back(static_cast<std::int64_t>(v));
    }
  }
  const std::size_t rank = x->dims.size();
  if (axes.empty()) {
    for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (starts.size() != ends.size() || axes.size() != starts.size() || steps.size() != starts.size())
    return false;
  Dims st(rank, 0), stp(rank, 1), od = x->dims;
  for (std::size_t i = 0; i < axes.size(); ++i) {
    const std::int64_t a = norm_axis(axes[i], rank);
    if (a < 0 || a >= static_cast<std::int64_t>(rank) || steps[i] == 0) return false;
    const std::int64_t len = x->dims[static_cast<std::size_t>(a)];
    std::int64_t s = starts[i], e = ends[i];
    const std::int64_t step = steps[i];
    if (s < 0) s += len;
    if (e < 0) e += len;
    if (step > 0) {
      s = std::clamp<std::int64_t>(s, 0, len);
      e = std::clamp<std::int64_t>(e, 0, len);
    } else {
      s = std::clamp<std::int64_t>(s, 0, len - 1);
      e = std::clamp<std::int64_t>(e, -1, len - 1);
    }
    const std::int64_t cnt = step > 0 ? std::max<std::int64_t>(0, (e - s + step - 1) / step)
                                      : std::max<std::int64_t>(0, (s - e + (-step) - 1) / (-step));
    st[static_cast<std::size_t>(a)] = s;
    stp[static_cast<std::size_t>(a)] = step;
    od[static_cast<std::size_t>(a)] = cnt;
  }
  Value r;
  r.type = x->type;
  r.dims = od;
  const auto ostr = strides_of(od), istr = strides_of(x->dims);
  const std::int64_t total = numel(od);
  for (std::int64_t e = 0; e < total; ++e) {
    std::int64_t idx = 0, rem = e;
    for (std::size_t d = 0; d < rank; ++d) {
      const std::int64_t c = rem / ostr[d];
      rem %= ostr[d];
      idx += (st[d] + c * stp[d]) * istr[d];
    }
    r.v.push_back(x->v[static_cast<std::size_t>(idx)]);
  }
  *out = std::move(r);
  return true;
}

bool eval_range(const onnx::NodeProto& /*n*/, int /*opset*/, const Ins& ins, Value* out) {
  const Value* x = ins[0];
  if (!in(ins, 1) || !in(ins, 2) || x->v.size() != 1 || in(ins, 1)->v.size() != 1 ||
      in(ins, 2)->v.size() != 1)
    return false;
  const double s = x->v[0], lim = in(ins, 1)->v[0], d = in(ins, 2)->v[0];
  if (d == 0) return false;
  const auto cnt = static_cast<std::int64_t>(std::max(0.0, std::ceil((lim - s) / d)));
  if (cnt > kMaxFoldElems) return false;
  Value r{x->type, {cnt}, {}};
  for (std::int64_t i = 0; i < cnt; ++i) r.v.push_back(s + static_cast<double>(i) * d);
  *out = std::move(r);
  return true;
}

using Evaluator = bool (*)(const onnx::NodeProto&, int, const Ins&, Value*);

// The operators folded on constant inputs, each with its evaluator.
const std::map<std::string, Evaluator>& evaluators() {
  static const std::map<std::string, Evaluator> table = {
      {"Identity", eval_identity},
      {"Cast", eval_cast},
      {"ConstantOfShape", eval_constant_of_shape},
      {"Add", eval_elementwise},
      {"Sub", eval_elementwise},
      {"Mul", eval_elementwise},
      {"Div", eval_elementwise},
      {"Max", eval_elementwise},
      {"Min", eval_elementwise},
      {"Equal", eval_elementwise},
      {"Less", eval_elementwise},
      {"Greater", eval_elementwise},
      {"Where", eval_elementwise},
      {"Not", eval_elementwise},
      {"Neg", eval_elementwise},
      {"Abs", eval_elementwise},
      {"Unsqueeze", eval_squeeze},
      {"Squeeze", eval_squeeze},
      {"Reshape", eval_reshape},
      {"Gather", eval_gather},
      {"Concat", eval_concat},
      {"Slice", eval_slice},
      {"Range", eval_range},
  };
  return table;
}

// Shape and Size read only their input's shape.
bool eval_shape_of(const onnx::NodeProto& n, const Dims* in_shape, Value* out) {
  if (!in_shape) return false;
  if (n.op_type() == "Size") {
    *out = Value{onnx::TensorProto::INT64, {}, {static_cast<double>(numel(*in_shape))}};
    return true;
  }
  const auto r = static_cast<std::int64_t>(in_shape->size());
  std::int64_t s = attr_int(n, "start", 0), e = attr_int(n, "end", r);
  if (s < 0) s += r;
  if (e < 0) e += r;
  s = std::clamp<std::int64_t>(s, 0, r);
  e = std::clamp<std::int64_t>(e, 0, r);
  out->type = onnx::TensorProto::INT64;
  out->v.clear();
  for (std::int64_t i = s; i < e; ++i) out->v.push_back(static_cast<double>((*in_shape)[i]));
  out->dims = {static_cast<std::int64_t>(out->v.size())};
  return true;
}

}  // namespace

bool eval_node(const onnx::NodeProto& n, int opset, const std::vector<const Value*>& ins,
               const Dims* in_shape, Value* out) {
  const std::string& t = n.op_type();
  if (t == "Shape" || t == "Size") return eval_shape_of(n, in_shape, out);
  for (std::size_t i = 0; i < static_cast<std::size_t>(n.input_size()); ++i) {
    if (!n.input(static_cast<int>(i)).empty() && !in(ins, i)) return false;
  }
  if (!in(ins, 0)) return false;
  const auto it = evaluators().find(t);
  return it != evaluators().end() && it->second(n, opset, ins, out);
}

}  // namespace infsim::onnx_detail
