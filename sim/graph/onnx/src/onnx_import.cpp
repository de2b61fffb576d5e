// ONNX import (docs/ONNX.md): parse with the ONNX C++ library, fix the inputs' dynamic
// dimensions, fold shape computations on constants, run ONNX shape inference until every tensor
// has a shape, then map each node onto the IR's op kinds with the same work formulas as
// GraphBuilder. This file holds the public API and the import report; the importer itself is
// split by task and operator family (onnx_detail.hpp lists the files).
#include "infsim/onnx_import.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "infsim/graph_json.hpp"
#include "onnx_detail.hpp"

namespace infsim {

using onnx_detail::Dims;
using onnx_detail::dims_str;
using onnx_detail::with_commas;

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
  onnx_detail::Importer imp(origin, opts);
  return imp.run(bytes);
}

OnnxImport import_onnx_file(const std::string& path, const OnnxImportOptions& opts) {
  return import_onnx_bytes(onnx_detail::read_file_bytes(path, "ONNX file"), path, opts);
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
  const std::string bytes = onnx_detail::read_file_bytes(path, "tensor file");
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) throw GraphError(path + ": not a serialized ONNX TensorProto");
  return std::vector<std::int64_t>(t.dims().begin(), t.dims().end());
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
