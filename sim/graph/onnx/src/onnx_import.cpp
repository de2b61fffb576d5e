// ONNX import (docs/ONNX.md): parse with the ONNX C++ library, fix the inputs' dynamic
// dimensions, fold shape computations on constants, run ONNX shape inference until every tensor
// has a shape, then map each node onto the IR's op kinds with the same work formulas as
// GraphBuilder.
#include "infsim/onnx_import.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <set>
#include <sstream>
#include <unordered_map>

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "infsim/common/error.hpp"
#include "infsim/graph_json.hpp"

namespace infsim {

namespace {

using Dims = std::vector<std::int64_t>;

std::string dims_str(const Dims& d) {
  std::string r = "[";
  for (std::size_t i = 0; i < d.size(); ++i) r += (i ? ", " : "") + std::to_string(d[i]);
  return r + "]";
}

std::int64_t numel(const Dims& d) {
  std::int64_t n = 1;
  for (auto x : d) n *= x;
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

// ---------------------------------------------------------------------------------------------
// Small constant values: what shape computations (Shape -> Gather -> Concat -> Reshape, ...)
// work on. Only tensors of at most kMaxFoldElems elements are evaluated; weights never are.

constexpr std::int64_t kMaxFoldElems = 1 << 16;

struct Value {
  int type = onnx::TensorProto::INT64;
  Dims dims;
  std::vector<double> v;
};

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

std::int64_t norm_axis(std::int64_t a, std::size_t rank) {
  return a < 0 ? a + static_cast<std::int64_t>(rank) : a;
}

/// Evaluates one shape-computation node whose inputs are known values. `in_shape` is the shape
/// of input 0 (for Shape and Size, whose input need not be constant). False when the op (or
/// this use of it) is not evaluated here.
bool eval_node(const onnx::NodeProto& n, int opset, const std::vector<const Value*>& ins,
               const Dims* in_shape, Value* out) {
  const std::string& t = n.op_type();
  auto in = [&](std::size_t i) -> const Value* { return i < ins.size() ? ins[i] : nullptr; };
  if (t == "Shape") {
    if (!in_shape) return false;
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
  if (t == "Size") {
    if (!in_shape) return false;
    *out = Value{onnx::TensorProto::INT64, {}, {static_cast<double>(numel(*in_shape))}};
    return true;
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(n.input_size()); ++i) {
    if (!n.input(static_cast<int>(i)).empty() && !in(i)) return false;
  }
  const Value* x = in(0);
  if (!x) return false;
  if (t == "Identity") {
    *out = *x;
    return true;
  }
  if (t == "Cast") {
    *out = *x;
    out->type = static_cast<int>(attr_int(n, "to", x->type));
    if (!is_float_type(out->type)) {
      for (double& v : out->v) v = std::trunc(v);
    }
    return out->type == onnx::TensorProto::INT64 || out->type == onnx::TensorProto::INT32 ||
           out->type == onnx::TensorProto::FLOAT || out->type == onnx::TensorProto::DOUBLE ||
           out->type == onnx::TensorProto::BOOL;
  }
  if (t == "ConstantOfShape") {
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
  if (t == "Add" || t == "Sub" || t == "Mul" || t == "Div" || t == "Max" || t == "Min" ||
      t == "Equal" || t == "Less" || t == "Greater" || t == "Where" || t == "Not" || t == "Neg" ||
      t == "Abs") {
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
  if (t == "Unsqueeze" || t == "Squeeze") {
    Dims axes;
    const bool have = opset >= 13 ? (in(1) != nullptr) : attr_ints(n, "axes", &axes);
    if (opset >= 13 && in(1)) {
      for (double a : in(1)->v) axes.push_back(static_cast<std::int64_t>(a));
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
  if (t == "Reshape") {
    if (!in(1)) return false;
    Dims d;
    const bool allowzero = attr_int(n, "allowzero", 0) != 0;
    std::int64_t known = 1;
    int wild = -1;
    for (std::size_t i = 0; i < in(1)->v.size(); ++i) {
      auto v = static_cast<std::int64_t>(in(1)->v[i]);
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
  if (t == "Gather") {
    const Value* idx = in(1);
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
  if (t == "Concat") {
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
  if (t == "Slice") {
    Dims starts, ends, axes, steps;
    if (opset < 10) {
      if (!attr_ints(n, "starts", &starts) || !attr_ints(n, "ends", &ends)) return false;
      attr_ints(n, "axes", &axes);
    } else {
      if (!in(1) || !in(2)) return false;
      for (double v : in(1)->v) starts.push_back(static_cast<std::int64_t>(v));
      for (double v : in(2)->v) ends.push_back(static_cast<std::int64_t>(v));
      if (in(3)) {
        for (double v : in(3)->v) axes.push_back(static_cast<std::int64_t>(v));
      }
      if (in(4)) {
        for (double v : in(4)->v) steps.push_back(static_cast<std::int64_t>(v));
      }
    }
    const std::size_t rank = x->dims.size();
    if (axes.empty()) {
      for (std::size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<std::int64_t>(i));
    }
    if (steps.empty()) steps.assign(starts.size(), 1);
    if (starts.size() != ends.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
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
      const std::int64_t cnt = step > 0
                                   ? std::max<std::int64_t>(0, (e - s + step - 1) / step)
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
  if (t == "Range") {
    if (!in(1) || !in(2) || x->v.size() != 1 || in(1)->v.size() != 1 || in(2)->v.size() != 1)
      return false;
    const double s = x->v[0], lim = in(1)->v[0], d = in(2)->v[0];
    if (d == 0) return false;
    const auto cnt = static_cast<std::int64_t>(std::max(0.0, std::ceil((lim - s) / d)));
    if (cnt > kMaxFoldElems) return false;
    Value r{x->type, {cnt}, {}};
    for (std::int64_t i = 0; i < cnt; ++i) r.v.push_back(s + static_cast<double>(i) * d);
    *out = std::move(r);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Operator tables.

struct UnaryEntry {
  const char* onnx;
  const char* kind;    // IR kind
  std::int64_t flops;  // per element (for kinds not in GraphBuilder's table)
  Engine engine;
};

// Elementwise functions on one activation. IR activation kinds take their FLOP from
// flops_per_element(); the others are counted here (docs/ONNX.md).
constexpr UnaryEntry kUnary[] = {
    {"Relu", "relu", 0, Engine::Scalar},
    {"LeakyRelu", "leaky_relu", 0, Engine::Scalar},
    {"Clip", "clip", 0, Engine::Scalar},
    {"Sigmoid", "sigmoid", 0, Engine::Scalar},
    {"Tanh", "tanh", 0, Engine::Scalar},
    {"Exp", "exp", 0, Engine::Scalar},
    {"Erf", "erf", 0, Engine::Scalar},
    {"Gelu", "gelu", 0, Engine::Scalar},
    {"HardSigmoid", "hard_sigmoid", 4, Engine::Scalar},  // max(0, min(1, a·x + b)): ×, +, min, max
    {"HardSwish", "hard_swish", 5, Engine::Scalar},      // x · hard_sigmoid(x)
    {"Softplus", "softplus", 3, Engine::Scalar},         // log(1 + exp(x)): exp, +, log
    {"Sqrt", "sqrt", 1, Engine::Scalar},                 // one function evaluation
    {"Reciprocal", "reciprocal", 1, Engine::Scalar},     // one divide
    {"Log", "log", 1, Engine::Scalar},                   // one function evaluation
    {"Neg", "neg", 1, Engine::Vector},
    {"Abs", "abs", 1, Engine::Vector},
    {"Cast", "cast", 1, Engine::Vector},  // one conversion per element
    {"Not", "not", 1, Engine::Vector},
};

const UnaryEntry* find_unary(const std::string& t) {
  for (const auto& u : kUnary) {
    if (t == u.onnx) return &u;
  }
  return nullptr;
}

struct BinaryEntry {
  const char* onnx;
  const char* kind;
  std::int64_t flops;
};

constexpr BinaryEntry kBinary[] = {
    {"Add", "add", 1},     {"Sub", "sub", 1},     {"Mul", "mul", 1},         {"Div", "div", 1},
    {"Max", "max", 1},     {"Min", "min", 1},     {"Pow", "pow", 3},  // exp(b · ln a): ln, ×, exp
    {"PRelu", "prelu", 2},  // max(x, a·x) with a learned slope
    {"Equal", "equal", 1}, {"Less", "less", 1},   {"Greater", "greater", 1}, {"And", "and", 1},
    {"Or", "or", 1},       {"Where", "where", 1},
};

const BinaryEntry* find_binary(const std::string& t) {
  for (const auto& b : kBinary) {
    if (t == b.onnx) return &b;
  }
  return nullptr;
}

const std::set<std::string> kFreeOps = {"Reshape", "Flatten", "Squeeze", "Unsqueeze"};
const std::set<std::string> kAliasOps = {"Identity", "Dropout"};
const std::set<std::string> kMoveOps = {"Transpose", "Concat", "Split", "Slice",  "Pad",
                                        "Gather",    "Expand", "Tile",  "Resize", "Upsample"};
const std::set<std::string> kReduceOps = {"ReduceMean", "ReduceSum", "ReduceMax",
                                          "ReduceMin",  "ReduceL2",  "ReduceSumSquare"};
const std::set<std::string> kOtherOps = {"Conv",
                                         "ConvTranspose",
                                         "Gemm",
                                         "MatMul",
                                         "BatchNormalization",
                                         "Softmax",
                                         "LogSoftmax",
                                         "LayerNormalization",
                                         "MaxPool",
                                         "AveragePool",
                                         "GlobalAveragePool",
                                         "GlobalMaxPool",
                                         "Shape",
                                         "Size",
                                         "Constant",
                                         "ConstantOfShape",
                                         "Range"};

bool is_supported(const std::string& t) {
  return find_unary(t) || find_binary(t) || kFreeOps.count(t) || kAliasOps.count(t) ||
         kMoveOps.count(t) || kReduceOps.count(t) || kOtherOps.count(t);
}

// Activations that fuse into a preceding Conv or linear layer (IR fused activation kinds).
const char* fusable_activation(const std::string& t) {
  if (t == "Relu") return "relu";
  if (t == "Sigmoid") return "sigmoid";
  if (t == "Tanh") return "tanh";
  if (t == "LeakyRelu") return "leaky_relu";
  if (t == "Clip") return "clip";
  if (t == "Gelu") return "gelu";
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// The importer.

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

  void parse(const std::string& bytes);
  void apply_input_shapes();
  void sort_nodes();
  void infer_and_fold();
  void collect_shapes();
  void classify();
  void build();

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

  // Per-operator mapping.
  void map_node(int i);
  void map_conv(const onnx::NodeProto& n);
  void map_conv_transpose(const onnx::NodeProto& n);
  void map_gemm(const onnx::NodeProto& n);
  void map_matmul(const onnx::NodeProto& n);
  void map_unary(const onnx::NodeProto& n, const UnaryEntry& u);
  void map_binary(const onnx::NodeProto& n, const BinaryEntry& e);
  void map_pool(const onnx::NodeProto& n);
  void map_move(const onnx::NodeProto& n);
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
  // Every real input must now have a fixed shape.
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
        if (n.output_size() == 1 && !values_.count(n.output(0))) {
          Value v;
          bool ok = false;
          for (const auto& a : n.attribute()) {
            if (a.name() == "value") ok = read_value(a.t(), &v);
            if (a.name() == "value_float")
              v = Value{onnx::TensorProto::FLOAT, {}, {a.f()}}, ok = true;
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
          if (ok) values_[n.output(0)] = v;
        }
        continue;
      }
      if (n.output_size() != 1 || n.output(0).empty() || values_.count(n.output(0))) continue;
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
      if (!all && !shape_op) continue;
      const Dims* in_shape = nullptr;
      if (shape_op) {
        if (n.input_size() < 1 || !known(n.input(0))) continue;
        in_shape = &shapes_.at(n.input(0));
      }
      Value out;
      if (!eval_node(n, opset_, ins, in_shape, &out)) continue;
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
      changed = true;
    }
    if (!changed) break;
  }
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
    try {
      idx = b_.conv2d(out, in, cout, w[2], w[3], strides[0], strides[1], pads[0], pads[1], group,
                      bias, act);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(out, idx, n);
  } else {
    add_raw(out, w.size() == 4 ? "conv2d" : "conv", Engine::Tensor, {in}, n);
    std::int64_t m = y[0];
    for (std::size_t i = 2; i < y.size(); ++i) m *= y[i];
    std::int64_t k = x[1] / std::max<std::int64_t>(group, 1);
    for (std::size_t i = 2; i < w.size(); ++i) k *= w[i];
    pending().work.gemm = GemmShape{m, k, cout / std::max<std::int64_t>(group, 1), group};
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
    try {
      idx = b_.linear(out, in, nn, bias, act);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(out, idx, n);
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
      try {
        idx = b_.matmul(n.output(0), ins[0], ins[1], false);
      } catch (const GraphError& e) {
        fail_node(n, e.what());
      }
      bind(n.output(0), idx, n);
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

void Importer::map_unary(const onnx::NodeProto& n, const UnaryEntry& u) {
  const std::vector<int> ins = act_inputs(n, 1);
  if (ins.empty()) fail_node(n, "needs an activation input");
  const bool builder_kind = is_activation_kind(u.kind);
  int idx = 0;
  if (builder_kind) {
    try {
      idx = b_.activation(n.output(0), u.kind, ins[0]);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(n.output(0), idx, n);
  } else {
    add_raw(n.output(0), u.kind, u.engine, ins, n);
    const std::int64_t e = numel(shape(n.output(0), n)) * u.flops;
    (u.engine == Engine::Scalar ? pending().work.scalar_flops : pending().work.vector_flops) = e;
    idx = push_pending(n);
  }
  mapped(n, idx);
}

void Importer::map_binary(const onnx::NodeProto& n, const BinaryEntry& e) {
  const std::vector<int> ins = act_inputs(n);
  const Dims y = shape(n.output(0), n);
  if (ins.size() == 2 && n.input_size() == 2 && b_.shape(ins[0]) == b_.shape(ins[1]) &&
      (e.kind == std::string("add") || e.kind == std::string("sub") ||
       e.kind == std::string("mul") || e.kind == std::string("div"))) {
    int idx = 0;
    try {
      idx = b_.eltwise(n.output(0), e.kind, ins[0], ins[1]);
    } catch (const GraphError& err) {
      fail_node(n, err.what());
    }
    bind(n.output(0), idx, n);
    mapped(n, idx);
    return;
  }
  add_raw(n.output(0), e.kind, Engine::Vector, ins, n);
  pending().work.vector_flops = numel(y) * e.flops;
  std::int64_t w = 0;
  for (const auto& in : n.input()) w += weights(in);
  pending().weight_elems = w;
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
    try {
      idx = b_.pool(n.output(0), kind, in, k[0], k[1], s[0], s[1], p[0], p[1]);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(n.output(0), idx, n);
  } else {
    add_raw(n.output(0), kind + "pool", Engine::Vector, {in}, n);
    pending().work.vector_flops = numel(y) * numel(k);
    idx = push_pending(n);
  }
  mapped(n, idx);
}

void Importer::map_move(const onnx::NodeProto& n) {
  const std::string& t = n.op_type();
  if (t == "Gather") {
    const std::string& data = n.input(0);
    if (is_const(data) && is_float_type(elem_type(data)) && shape(data, n).size() == 2 &&
        attr_int(n, "axis", 0) == 0) {
      // Embedding lookup: the table stays in device DRAM, a request reads its rows.
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
        try {
          idx = b_.embedding(n.output(0), ins[0], table[0], table[1]);
        } catch (const GraphError& e) {
          fail_node(n, e.what());
        }
        bind(n.output(0), idx, n);
      } else {
        add_raw(n.output(0), "embedding", Engine::Dma, ins, n);
        pending().weight_elems = w;
        pending().weights_in_dram = true;
        pending().work.dram_read_bytes = bytes(y);
        idx = push_pending(n);
      }
      mapped(n, idx);
      return;
    }
  }
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
    if (t == "Transpose") {
      // GraphBuilder::transpose when the batch dimension stays first (or there is none).
      Dims perm;
      const Dims x = shape(n.input(0), n);
      if (!attr_ints(n, "perm", &perm)) {
        for (std::size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<std::int64_t>(i));
      }
      const Dims irx = b_.shape(ins[0]);
      std::vector<int> p;
      if (irx.size() == x.size()) {
        for (auto v : perm) p.push_back(static_cast<int>(v));
      } else if (irx.size() + 1 == x.size() && !perm.empty() && perm[0] == 0) {
        for (std::size_t i = 1; i < perm.size(); ++i) p.push_back(static_cast<int>(perm[i] - 1));
      }
      Dims py;
      for (int v : p) py.push_back(irx[static_cast<std::size_t>(v)]);
      if (!p.empty() && py == onnx_to_ir_shape(y)) {
        int idx = 0;
        try {
          idx = b_.transpose(out, ins[0], p);
        } catch (const GraphError& e) {
          fail_node(n, e.what());
        }
        bind(out, idx, n);
        mapped(n, idx);
        return;
      }
    }
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
      add_raw(out, kind, Engine::Dma, ins, n);
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

void Importer::map_node(int i) {
  const auto& n = model_.graph().node(i);
  const std::string t = op_type(n);
  if (kAliasOps.count(t)) {
    const std::vector<int> ins = act_inputs(n, 1);
    if (ins.empty()) fail_node(n, "needs an activation input");
    tensor_op_[n.output(0)] = ins[0];
    ++rep_.ops[t].aliased;
    return;
  }
  if (kFreeOps.count(t)) {
    const std::vector<int> ins = act_inputs(n, 1);
    if (ins.empty()) fail_node(n, "needs an activation input");
    const Dims y = onnx_to_ir_shape(shape(n.output(0), n));
    if (y == b_.shape(ins[0])) {
      tensor_op_[n.output(0)] = ins[0];
      ++rep_.ops[t].aliased;
      return;
    }
    int idx = 0;
    try {
      idx = b_.reshape(n.output(0), ins[0], y);
    } catch (const GraphError& e) {
      fail_node(n, e.what());
    }
    bind(n.output(0), idx, n);
    mapped(n, idx);
    return;
  }
  if (const UnaryEntry* u = find_unary(t)) return map_unary(n, *u);
  if (const BinaryEntry* e = find_binary(t)) return map_binary(n, *e);
  if (kMoveOps.count(t)) return map_move(n);
  if (t == "Conv") return map_conv(n);
  if (t == "ConvTranspose") return map_conv_transpose(n);
  if (t == "Gemm") return map_gemm(n);
  if (t == "MatMul") return map_matmul(n);
  if (t == "MaxPool" || t == "AveragePool" || t == "GlobalAveragePool" || t == "GlobalMaxPool")
    return map_pool(n);
  if (kReduceOps.count(t)) {
    const std::vector<int> ins = act_inputs(n, 1);
    if (ins.empty()) fail_node(n, "needs an activation input");
    std::string kind = "reduce_" + t.substr(6);
    std::transform(kind.begin(), kind.end(), kind.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    add_raw(n.output(0), kind, Engine::Vector, ins, n);
    pending().work.vector_flops =
        numel(shape(n.input(0), n)) * (t == "ReduceSumSquare" || t == "ReduceL2" ? 2 : 1);
    mapped(n, push_pending(n));
    return;
  }
  if (t == "Softmax" || t == "LogSoftmax" || t == "LayerNormalization") {
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
    return;
  }
  if (t == "BatchNormalization") {
    // Not after a Conv: a per-channel scale and shift on the VectorEngine.
    const std::vector<int> ins = act_inputs(n, 1);
    if (ins.empty()) fail_node(n, "needs an activation input");
    add_raw(n.output(0), "batchnorm", Engine::Vector, ins, n);
    const Dims x = shape(n.input(0), n);
    pending().work.vector_flops = numel(x) * 2;
    const std::int64_t c = x.size() >= 2 ? x[1] : 1;
    for (int k = 1; k < n.input_size(); ++k) counted_.insert(n.input(k));
    pending().weight_elems = 2 * c;
    mapped(n, push_pending(n));
    return;
  }
  map_unknown(n);
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
  apply_input_shapes();
  sort_nodes();
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

}  // namespace

// ---------------------------------------------------------------------------------------------

UnknownOps parse_unknown_ops(const std::string& s) {
  if (s == "error") return UnknownOps::Error;
  if (s == "vector") return UnknownOps::Vector;
  throw GraphError("unknown-ops must be 'error' or 'vector', got '" + s + "'");
}

std::pair<std::string, std::vector<std::int64_t>> parse_input_shape(const std::string& arg) {
  const auto eq = arg.rfind('=');
  if (eq == std::string::npos || eq == 0) {
    throw GraphError("--input-shape '" + arg +
                     "': expected NAME=d1,d2,... (for example x=1,3,224,224)");
  }
  const std::string name = arg.substr(0, eq);
  std::vector<std::int64_t> dims;
  std::string rest = arg.substr(eq + 1);
  std::stringstream ss(rest);
  std::string item;
  while (std::getline(ss, item, ',')) {
    const bool digits = !item.empty() && item.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || item.size() > 15 || std::stoll(item) <= 0) {
      throw GraphError("--input-shape '" + arg + "': dimension '" + item +
                       "' is not a whole number > 0");
    }
    dims.push_back(std::stoll(item));
  }
  if (dims.empty() || rest.empty() || rest.back() == ',') {
    throw GraphError("--input-shape '" + arg +
                     "': expected NAME=d1,d2,... with at least one dimension");
  }
  return {name, dims};
}

std::vector<std::int64_t> onnx_to_ir_shape(const std::vector<std::int64_t>& s) {
  if (s.empty()) return {1};
  if (s.size() >= 2 && s[0] == 1) return std::vector<std::int64_t>(s.begin() + 1, s.end());
  return s;
}

OnnxImport import_onnx_bytes(const std::string& bytes, const std::string& origin,
                             const OnnxImportOptions& opts) {
  Importer imp(origin, opts);
  return imp.run(bytes);
}

OnnxImport import_onnx_file(const std::string& path, const OnnxImportOptions& opts) {
  return import_onnx_bytes(read_file_bytes(path, "ONNX file"), path, opts);
}

bool is_onnx_file(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ext == ".onnx") return true;
  if (ext == ".json") return false;
  std::ifstream in(path, std::ios::binary);
  char c = 0;
  return in.get(c) && c == 0x08;
}

Graph load_model_file(const std::string& path, const OnnxImportOptions& opts) {
  if (is_onnx_file(path)) return import_onnx_file(path, opts).graph;
  return load_graph_file(path);
}

std::vector<std::int64_t> onnx_tensor_file_shape(const std::string& path) {
  const std::string bytes = read_file_bytes(path, "tensor file");
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) throw GraphError(path + ": not a serialized ONNX TensorProto");
  return std::vector<std::int64_t>(t.dims().begin(), t.dims().end());
}

std::vector<std::string> onnx_supported_ops() {
  std::set<std::string> all;
  for (const auto& u : kUnary) all.insert(u.onnx);
  for (const auto& b : kBinary) all.insert(b.onnx);
  for (const auto* s : {&kFreeOps, &kAliasOps, &kMoveOps, &kReduceOps, &kOtherOps}) {
    all.insert(s->begin(), s->end());
  }
  return std::vector<std::string>(all.begin(), all.end());
}

nlohmann::json import_report_to_json(const OnnxImport& imp) {
  const auto& r = imp.report;
  const Graph& g = imp.graph;
  nlohmann::json ops = nlohmann::json::object();
  for (const auto& kv : r.ops) {
    ops[kv.first] = {{"nodes", kv.second.nodes},     {"mapped", kv.second.mapped},
                     {"fused", kv.second.fused},     {"folded", kv.second.folded},
                     {"aliased", kv.second.aliased}, {"approximated", kv.second.approximated},
                     {"ir_kind", kv.second.ir_kind}, {"engine", kv.second.engine}};
  }
  nlohmann::json engines = nlohmann::json::object();
  nlohmann::json kinds = nlohmann::json::object();
  for (const auto& op : g.ops) {
    engines[engine_name(op.engine)] = engines.value(engine_name(op.engine), 0) + 1;
    kinds[op.kind] = kinds.value(op.kind, 0) + 1;
  }
  return {{"file", r.file},
          {"graph", g.name},
          {"ir_version", r.ir_version},
          {"opset", r.opset},
          {"producer", r.producer},
          {"onnx_nodes", r.nodes},
          {"ir_ops", g.ops.size()},
          {"parameters", g.param_count()},
          {"macs", g.total_macs()},
          {"onnx_ops", ops},
          {"ir_kinds", kinds},
          {"engines", engines},
          {"folded", r.folded},
          {"approximated", r.approximated}};
}

std::string format_import_report(const OnnxImport& imp) {
  const auto& r = imp.report;
  const Graph& g = imp.graph;
  std::ostringstream s;
  auto shape_list = [&](const std::vector<std::pair<std::string, Dims>>& v) {
    std::string t;
    for (const auto& p : v) t += (t.empty() ? "" : ", ") + p.first + " " + dims_str(p.second);
    return t.empty() ? std::string("none") : t;
  };
  if (r.opset > 0) {
    s << r.file << ": ONNX IR " << r.ir_version << ", opset " << r.opset;
    if (!r.producer.empty()) s << ", from " << r.producer;
    s << "\n";
    s << "graph '" << g.name << "': " << r.nodes << " ONNX nodes -> " << g.ops.size() << " IR ops, "
      << dtype_name(g.dtype) << "\n";
    s << "inputs:  " << shape_list(r.inputs) << "\n";
    s << "outputs: " << shape_list(r.outputs) << "\n";
  } else {
    s << r.file << ": graph '" << g.name << "': " << g.ops.size() << " IR ops, "
      << dtype_name(g.dtype) << "\n";
  }
  s << "parameters " << with_commas(g.param_count()) << " (" << std::fixed << std::setprecision(2)
    << static_cast<double>(g.weight_bytes()) / 1e6 << " MB)   MACs per sample "
    << with_commas(g.total_macs()) << " (" << static_cast<double>(g.total_macs()) / 1e9 << " G)\n";
  if (!r.ops.empty()) {
    s << "\nONNX operator         nodes  mapped  fused  folded  alias  approx  -> IR kind          "
         "engine\n";
    for (const auto& kv : r.ops) {
      const auto& o = kv.second;
      s << std::left << std::setw(20) << kv.first << std::right << std::setw(7) << o.nodes
        << std::setw(8) << o.mapped << std::setw(7) << o.fused << std::setw(8) << o.folded
        << std::setw(7) << o.aliased << std::setw(8) << o.approximated << "  -> " << std::left
        << std::setw(16) << (o.ir_kind.empty() ? "-" : o.ir_kind) << " "
        << (o.engine.empty() ? "-" : o.engine) << std::right << "\n";
    }
  }
  // IR ops by kind and engine.
  std::map<std::pair<std::string, std::string>, int> by_kind;
  std::map<std::string, int> by_engine;
  for (const auto& op : g.ops) {
    ++by_kind[{op.kind, engine_name(op.engine)}];
    ++by_engine[engine_name(op.engine)];
  }
  s << "\nIR op kind            count  engine\n";
  for (const auto& kv : by_kind) {
    s << std::left << std::setw(20) << kv.first.first << std::right << std::setw(7) << kv.second
      << "  " << kv.first.second << "\n";
  }
  s << "by engine:";
  for (const auto& kv : by_engine) s << " " << kv.first << " " << kv.second;
  s << "\n";
  if (r.opset > 0) {
    s << "\nfolded or fused:" << (r.folded.empty() ? " nothing" : "") << "\n";
    for (const auto& f : r.folded) s << "  " << f << "\n";
    s << "approximated:" << (r.approximated.empty() ? " nothing" : "") << "\n";
    for (const auto& a : r.approximated) s << "  " << a << "\n";
    if (r.external_initializers > 0) {
      s << "external data: " << r.external_initializers
        << " initializer(s) stored in other files (not read: only their shapes are needed)\n";
    }
  }
  return s.str();
}

}  // namespace infsim
