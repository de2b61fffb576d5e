// The JSON graph format (docs/GRAPH_FORMAT.md). Each op is checked field by field; shapes and
// engine work are then inferred by GraphBuilder, whose errors are re-reported with the op's
// position in the file.
#include "infsim/graph_json.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "infsim/common/error.hpp"
#include "infsim/common/json_input.hpp"

namespace infsim {

namespace {

using nlohmann::json;

std::string type_name(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();
}

// Reads the fields of one op, reporting "<origin>: ops[i] ('name'): field 'f': rule".
class OpReader {
 public:
  OpReader(const json& j, std::string prefix) : j_(j), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& rule) const { throw GraphError(prefix_ + ": " + rule); }
  [[noreturn]] void fail_field(const std::string& field, const std::string& rule) const {
    fail("field '" + field + "': " + rule);
  }

  bool has(const char* f) const { return j_.contains(f); }

  const json& required(const char* f) const {
    if (!j_.contains(f)) fail_field(f, "missing (required)");
    return j_.at(f);
  }

  std::string str(const char* f) const {
    const json& v = required(f);
    if (!v.is_string()) fail_field(f, "must be a string, got " + type_name(v));
    return v.get<std::string>();
  }
  std::string str(const char* f, const std::string& dflt) const { return has(f) ? str(f) : dflt; }

  double number(const char* f) const {
    const json& v = required(f);
    if (!v.is_number()) fail_field(f, "must be a number, got " + type_name(v));
    return v.get<double>();
  }

  bool boolean(const char* f, bool dflt) const {
    if (!has(f)) return dflt;
    const json& v = j_.at(f);
    if (!v.is_boolean()) fail_field(f, "must be true or false, got " + type_name(v));
    return v.get<bool>();
  }

  static std::int64_t as_int(const OpReader& r, const std::string& f, const json& v,
                             std::int64_t min) {
    if (!v.is_number_integer()) r.fail_field(f, "must be an integer, got " + type_name(v));
    const std::int64_t x = v.get<std::int64_t>();
    if (x < min) {
      r.fail_field(f, (min == 1   ? std::string("must be positive")
                       : min == 0 ? std::string("must not be negative")
                                  : "must be at least " + std::to_string(min)) +
                          ", got " + std::to_string(x));
    }
    return x;
  }

  std::int64_t integer(const char* f, std::int64_t min) const {
    return as_int(*this, f, required(f), min);
  }
  std::int64_t integer(const char* f, std::int64_t min, std::int64_t dflt) const {
    return has(f) ? integer(f, min) : dflt;
  }

  std::vector<std::int64_t> int_array(const char* f, std::int64_t min) const {
    const json& v = required(f);
    if (!v.is_array()) fail_field(f, "must be an array of integers, got " + type_name(v));
    if (v.empty()) fail_field(f, "must not be empty");
    std::vector<std::int64_t> r;
    for (std::size_t i = 0; i < v.size(); ++i) {
      r.push_back(as_int(*this, std::string(f) + "[" + std::to_string(i) + "]", v[i], min));
    }
    return r;
  }

  /// An integer n (meaning [n, n]) or an array [h, w].
  std::pair<std::int64_t, std::int64_t> pair(const char* f, std::int64_t min) const {
    const json& v = required(f);
    if (v.is_number_integer()) {
      const std::int64_t x = as_int(*this, f, v, min);
      return {x, x};
    }
    if (!v.is_array() || v.size() != 2) {
      fail_field(f, "must be an integer or an array [h, w] of two integers, got " +
                        (v.is_array() ? "an array of " + std::to_string(v.size()) : type_name(v)));
    }
    return {as_int(*this, std::string(f) + "[0]", v[0], min),
            as_int(*this, std::string(f) + "[1]", v[1], min)};
  }
  std::pair<std::int64_t, std::int64_t> pair(const char* f, std::int64_t min,
                                             std::pair<std::int64_t, std::int64_t> dflt) const {
    return has(f) ? pair(f, min) : dflt;
  }

  void check_keys(const std::set<std::string>& allowed) const {
    for (const auto& item : j_.items()) {
      if (!allowed.count(item.key())) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail_field(item.key(), "unknown key (allowed here: " + list + ")");
      }
    }
  }

 private:
  const json& j_;
  std::string prefix_;
};

const std::set<std::string> kCommonKeys = {"name", "op", "inputs", "comment"};

// Attribute keys of each op type (besides kCommonKeys) and the number of inputs it takes
// (-1: one or more; kBinaryInputs: two, or one with a "scalar").
struct OpSpec {
  std::set<std::string> keys;
  int inputs;
};

constexpr int kBinaryInputs = -2;

bool op_spec(const std::string& kind, OpSpec* spec) {
  static const std::pair<const char*, OpSpec> table[] = {
      {"input", {{"shape"}, 0}},
      {"conv2d", {{"out_channels", "kernel", "stride", "pad", "groups", "bias", "activation"}, 1}},
      {"linear", {{"out_features", "bias", "activation"}, 1}},
      {"matmul", {{"transpose_b"}, 2}},
      {"add", {{"scalar"}, kBinaryInputs}},
      {"sub", {{"scalar"}, kBinaryInputs}},
      {"mul", {{"scalar"}, kBinaryInputs}},
      {"div", {{"scalar"}, kBinaryInputs}},
      {"softmax", {{}, 1}},
      {"layernorm", {{}, 1}},
      {"batchnorm", {{}, 1}},
      {"maxpool", {{"kernel", "stride", "pad"}, 1}},
      {"avgpool", {{"kernel", "stride", "pad"}, 1}},
      {"global_avg_pool", {{}, 1}},
      {"embedding", {{"num_embeddings", "dim"}, 1}},
      {"reshape", {{"shape"}, 1}},
      {"transpose", {{"perm"}, 1}},
      {"concat", {{"axis"}, -1}},
      {"slice", {{"axis", "start", "end"}, 1}},
  };
  for (const auto& e : table) {
    if (kind == e.first) {
      *spec = e.second;
      return true;
    }
  }
  if (is_activation_kind(kind)) {
    *spec = OpSpec{{}, 1};
    return true;
  }
  return false;
}

std::string known_ops() {
  std::string r =
      "input, conv2d, linear, matmul, add, sub, mul, div, softmax, layernorm, batchnorm, maxpool, "
      "avgpool, global_avg_pool, embedding, reshape, transpose, concat, slice";
  for (const auto& a : activation_kinds()) r += ", " + a;
  return r;
}

// The op's inputs: names of ops defined earlier in the list (which also rules out cycles), as
// many as its type takes.
std::vector<int> read_inputs(const GraphBuilder& b, const OpReader& r, const json& j,
                             const std::string& kind, const OpSpec& spec) {
  std::vector<int> ins;
  if (spec.inputs == 0) {
    if (r.has("inputs") && !(j.at("inputs").is_array() && j.at("inputs").empty())) {
      r.fail_field("inputs", "an input op takes no inputs");
    }
  } else {
    const json& v = r.required("inputs");
    if (!v.is_array()) r.fail_field("inputs", "must be an array of op names, got " + type_name(v));
    for (std::size_t i = 0; i < v.size(); ++i) {
      const std::string f = "inputs[" + std::to_string(i) + "]";
      if (!v[i].is_string()) r.fail_field(f, "must be a string, got " + type_name(v[i]));
      const std::string in = v[i].get<std::string>();
      const int idx = b.graph().find(in);
      if (idx < 0) {
        r.fail_field(f, "'" + in +
                            "' is not defined by an earlier op (ops must be listed in "
                            "topological order)");
      }
      ins.push_back(idx);
    }
    if (spec.inputs == kBinaryInputs && static_cast<int>(ins.size()) != (r.has("scalar") ? 1 : 2)) {
      r.fail_field("inputs", "a '" + kind + "' op takes 2 inputs, or 1 with \"scalar\", got " +
                                 std::to_string(ins.size()));
    }
    if (spec.inputs > 0 && static_cast<int>(ins.size()) != spec.inputs) {
      r.fail_field("inputs", "a '" + kind + "' op takes " + std::to_string(spec.inputs) + " input" +
                                 (spec.inputs == 1 ? "" : "s") + ", got " +
                                 std::to_string(ins.size()));
    }
    if (spec.inputs < 0 && ins.empty()) {
      r.fail_field("inputs", "a '" + kind + "' op takes at least one input");
    }
  }

  return ins;
}

// Calls the builder method of the op's type with its attributes.
void build_op(GraphBuilder& b, const OpReader& r, const std::string& kind, const std::string& name,
              const std::vector<int>& ins) {
  if (kind == "input") {
    b.input(name, r.int_array("shape", 1));
  } else if (kind == "conv2d") {
    const auto out = r.integer("out_channels", 1);
    const auto k = r.pair("kernel", 1);
    const auto s = r.pair("stride", 1, {1, 1});
    const auto p = r.pair("pad", 0, {0, 0});
    const auto g = r.integer("groups", 1, 1);
    b.conv2d(name, ins[0],
             Conv2dOptions(out, {k.first, k.second})
                 .stride({s.first, s.second})
                 .pad({p.first, p.second})
                 .groups(g)
                 .bias(r.boolean("bias", true))
                 .activation(r.str("activation", "none")));
  } else if (kind == "linear") {
    b.linear(name, ins[0],
             LinearOptions(r.integer("out_features", 1))
                 .bias(r.boolean("bias", true))
                 .activation(r.str("activation", "none")));
  } else if (kind == "matmul") {
    b.matmul(name, ins[0], ins[1], r.boolean("transpose_b", false));
  } else if (kind == "add" || kind == "sub" || kind == "mul" || kind == "div") {
    if (r.has("scalar")) {
      b.scalar(name, kind, ins[0], r.number("scalar"));
    } else {
      b.eltwise(name, kind, ins[0], ins[1]);
    }
  } else if (kind == "softmax") {
    b.softmax(name, ins[0]);
  } else if (kind == "layernorm") {
    b.layernorm(name, ins[0]);
  } else if (kind == "batchnorm") {
    b.batchnorm(name, ins[0]);
  } else if (kind == "maxpool" || kind == "avgpool") {
    const auto k = r.pair("kernel", 1);
    const auto s = r.pair("stride", 1, k);
    const auto p = r.pair("pad", 0, {0, 0});
    b.pool(name, kind.substr(0, 3), ins[0],
           PoolOptions({k.first, k.second}).stride({s.first, s.second}).pad({p.first, p.second}));
  } else if (kind == "global_avg_pool") {
    b.global_avg_pool(name, ins[0]);
  } else if (kind == "embedding") {
    b.embedding(name, ins[0], r.integer("num_embeddings", 1), r.integer("dim", 1));
  } else if (kind == "reshape") {
    b.reshape(name, ins[0], r.int_array("shape", -1));
  } else if (kind == "transpose") {
    const auto perm = r.int_array("perm", 0);
    b.transpose(name, ins[0], std::vector<int>(perm.begin(), perm.end()));
  } else if (kind == "concat") {
    b.concat(name, ins, static_cast<int>(r.integer("axis", 0)));
  } else if (kind == "slice") {
    b.slice(name, ins[0], static_cast<int>(r.integer("axis", 0)), r.integer("start", 0),
            r.integer("end", 1));
  } else {
    b.activation(name, kind, ins[0]);
  }
}

void add_op(GraphBuilder& b, const json& j, const std::string& prefix) {
  OpReader r(j, prefix);
  const std::string name = r.str("name");
  if (name.empty()) r.fail_field("name", "must not be empty");
  const std::string kind = r.str("op");
  OpSpec spec;
  if (!op_spec(kind, &spec)) {
    r.fail_field("op", "unknown op type '" + kind + "' (known: " + known_ops() + ")");
  }
  std::set<std::string> allowed = kCommonKeys;
  allowed.insert(spec.keys.begin(), spec.keys.end());
  r.check_keys(allowed);
  if (r.has("comment")) r.str("comment");
  if (b.graph().find(name) >= 0) r.fail_field("name", "duplicate op name '" + name + "'");

  const std::vector<int> ins = read_inputs(b, r, j, kind, spec);
  try {
    build_op(b, r, kind, name, ins);
  } catch (const GraphError& e) {
    // The builder says "op '<name>': <rule>"; keep the rule, report it at the op's position.
    std::string msg = e.what();
    const std::string builder_prefix = "op '" + name + "': ";
    if (msg.compare(0, builder_prefix.size(), builder_prefix) == 0) {
      msg = msg.substr(builder_prefix.size());
    }
    if (msg.compare(0, prefix.size(), prefix) == 0) throw;  // already positioned
    r.fail(msg);
  }
}

}  // namespace

Graph graph_from_json(const json& j, const std::string& origin) {
  if (!j.is_object()) {
    throw GraphError(origin + ": a graph must be a JSON object, got " + type_name(j));
  }
  OpReader top(j, origin);
  top.check_keys({"name", "dtype", "ops", "comment"});
  if (top.has("comment")) top.str("comment");
  const std::string name = top.str("name", "graph");
  DType dtype = DType::FP16;
  if (top.has("dtype")) {
    const std::string d = top.str("dtype");
    try {
      dtype = parse_dtype(d);
    } catch (const GraphError& e) {
      top.fail_field("dtype", e.what());
    }
  }
  const json& ops = top.required("ops");
  if (!ops.is_array()) top.fail_field("ops", "must be an array of ops, got " + type_name(ops));
  if (ops.empty()) top.fail_field("ops", "must hold at least one op");

  GraphBuilder b(name, dtype);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const json& o = ops[i];
    std::string prefix = origin + ": ops[" + std::to_string(i) + "]";
    if (!o.is_object()) {
      throw GraphError(prefix + ": must be a JSON object, got " + type_name(o));
    }
    if (o.contains("name") && o.at("name").is_string()) {
      prefix += " ('" + o.at("name").get<std::string>() + "')";
    }
    add_op(b, o, prefix);
  }
  try {
    return b.build();
  } catch (const GraphError& e) {
    throw GraphError(origin + ": " + e.what());
  }
}

Graph load_graph_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw IoError("cannot read graph file '" + path + "': is a directory");
  }
  std::ifstream in(path);
  if (!in) {
    throw IoError("cannot read graph file '" + path + "': " + std::strerror(errno));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw IoError("cannot read graph file '" + path + "': read error");
  json j;
  try {
    j = parse_json_input(ss.str());
  } catch (const JsonInputError& e) {
    throw GraphError(path + ": malformed JSON: " + e.what());
  }
  return graph_from_json(j, path);
}

json graph_to_json(const Graph& g) {
  json ops = json::array();
  for (const Op& op : g.ops) {
    json o = json::object();
    o["name"] = op.name;
    o["op"] = op.kind;
    if (op.kind != "input") {
      json ins = json::array();
      for (int i : op.inputs) ins.push_back(g.ops.at(i).name);
      o["inputs"] = ins;
    }
    for (const auto& item : op.attrs.items()) o[item.key()] = item.value();
    ops.push_back(std::move(o));
  }
  return json{{"name", g.name}, {"dtype", dtype_name(g.dtype)}, {"ops", std::move(ops)}};
}

}  // namespace infsim
