#pragma once
// Importing ONNX models into the graph IR (docs/ONNX.md). The model is parsed with the ONNX C++
// library, every tensor gets a shape from ONNX shape inference (after the user has fixed the
// dynamic dimensions of the graph inputs), and each ONNX operator is mapped onto the IR's op
// kinds so that its cost comes from the same engine work model as the built-in models.
// This header does not include any ONNX or protobuf header.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "infsim/graph.hpp"

namespace infsim {

/// What to do with an ONNX operator the importer does not know.
enum class UnknownOps {
  Error,   ///< refuse the model, listing each unsupported operator type with its count
  Vector,  ///< run it on the VectorEngine at kUnknownOpFlopsPerElement (recorded in the report)
};

/// FLOP per element charged on the VectorEngine for an unknown operator with
/// UnknownOps::Vector: for each of its outputs, this many FLOP per element of the larger of the
/// output and its largest input.
constexpr std::int64_t kUnknownOpFlopsPerElement = 1;

UnknownOps parse_unknown_ops(const std::string& s);  ///< "error" or "vector"; GraphError else

struct OnnxImportOptions {
  /// Shapes of graph inputs, by input name, replacing the model's (dynamic) dimensions. Shapes
  /// are as ONNX writes them, with the batch dimension: {"input", {1, 3, 224, 224}}.
  std::map<std::string, std::vector<std::int64_t>> input_shapes;
  UnknownOps unknown_ops = UnknownOps::Error;
  DType dtype = DType::FP16;  ///< dtype of the imported graph's weights and activations
  std::string name;           ///< graph name; default: the file name without its extension
};

/// Parses "name=d1,d2,..." (a --input-shape argument). Throws GraphError naming the rule.
std::pair<std::string, std::vector<std::int64_t>> parse_input_shape(const std::string& arg);

/// What the importer did, for `infsim graph` and for tests.
struct OnnxImportReport {
  std::string file;
  std::int64_t ir_version = 0;
  std::int64_t opset = 0;  ///< version of the default ("ai.onnx") operator set
  std::string producer;    ///< producer_name and producer_version
  std::int64_t nodes = 0;  ///< nodes in the ONNX graph
  /// Per ONNX operator type: the nodes of that type and what became of them.
  struct OpRow {
    std::int64_t nodes = 0;
    std::int64_t mapped = 0;        ///< became an IR op
    std::int64_t fused = 0;         ///< absorbed into a neighbour (BatchNorm, bias, activation)
    std::int64_t folded = 0;        ///< computed at import (constants, shapes), no cost
    std::int64_t aliased = 0;       ///< no-ops (Identity, Dropout, reshapes that change nothing)
    std::int64_t approximated = 0;  ///< unknown, run on the VectorEngine (UnknownOps::Vector)
    std::string ir_kind;            ///< IR op kind it maps to (the last one seen)
    std::string engine;             ///< engine of that IR op
  };
  std::map<std::string, OpRow> ops;        ///< by ONNX op type (with its domain when not ai.onnx)
  std::vector<std::string> folded;         ///< one line per kind of fold or fusion, with counts
  std::vector<std::string> approximated;   ///< one line per unknown op type run on VectorE
  std::int64_t constant_nodes = 0;         ///< Constant nodes, kept as weights or folded
  std::int64_t external_initializers = 0;  ///< initializers whose data lives in another file
  /// Graph inputs and outputs with their ONNX shapes (batch dimension included).
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> inputs, outputs;
  /// For each graph output: the IR op holding it, or -1 when it was folded to a constant.
  std::map<std::string, int> output_op;
};

struct OnnxImport {
  Graph graph;
  OnnxImportReport report;
};

/// Imports an ONNX model file. IoError when the file cannot be read; GraphError naming the file
/// and the rule when it is not a valid ONNX model, has a cycle, an input whose shape is still
/// unknown, a tensor ONNX shape inference cannot size, or unsupported operators.
OnnxImport import_onnx_file(const std::string& path, const OnnxImportOptions& opts = {});
/// Imports a serialized ModelProto held in memory; `origin` prefixes error messages.
OnnxImport import_onnx_bytes(const std::string& bytes, const std::string& origin,
                             const OnnxImportOptions& opts = {});

/// True when `path` names an ONNX file: extension ".onnx", or (for other names) a file whose
/// first byte is the protobuf tag of ModelProto.ir_version (0x08).
bool is_onnx_file(const std::string& path);
/// Loads a graph file of either format: ONNX (is_onnx_file) or the JSON format.
Graph load_model_file(const std::string& path, const OnnxImportOptions& opts = {});

/// The dims of a serialized TensorProto file (the test data of the ONNX backend tests).
std::vector<std::int64_t> onnx_tensor_file_shape(const std::string& path);

/// The IR shape of an ONNX tensor shape: a leading batch dimension of 1 is dropped from tensors
/// of rank >= 2, and a scalar becomes [1] (docs/ONNX.md, "Shapes").
std::vector<std::int64_t> onnx_to_ir_shape(const std::vector<std::int64_t>& onnx_shape);

/// ONNX operator types the importer maps (besides those it only folds on constants).
std::vector<std::string> onnx_supported_ops();

/// Human-readable import summary: operator counts by type and engine, parameters, MACs, what
/// was folded, fused or approximated.
std::string format_import_report(const OnnxImport& imp);
/// The same as JSON.
nlohmann::json import_report_to_json(const OnnxImport& imp);

}  // namespace infsim
