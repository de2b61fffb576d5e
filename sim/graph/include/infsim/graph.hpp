#pragma once
// The graph IR: operators in a topological order, each with its output shape (per sample, batch
// excluded), dtype, weights, MACs and the work it asks of each engine.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/cores/work.hpp"

namespace infsim {

enum class DType { FP32, FP16, BF16, INT8 };
std::size_t dtype_bytes(DType t);
const char* dtype_name(DType t);          ///< "fp32", "fp16", "bf16", "int8"
DType parse_dtype(const std::string& s);  ///< throws GraphError on an unknown name

struct Op {
  std::string name;                 ///< unique within the graph; also names its output tensor
  std::string kind;                 ///< "input", "conv2d", "linear", "matmul", "add", "relu", ...
  Engine engine = Engine::None;     ///< main engine
  std::vector<int> inputs;          ///< indices of producer ops (always smaller than this op's)
  std::vector<std::int64_t> shape;  ///< output shape per sample (batch dimension excluded)
  std::int64_t weight_elems = 0;    ///< parameters held by this op (weights and bias)
  OpWork work;                      ///< per-sample engine work
  /// The op's weights stay in device DRAM instead of the State Buffer (large lookup tables such
  /// as embeddings, of which a request reads a few rows: work.dram_read_bytes).
  bool weights_in_dram = false;
  nlohmann::json attrs = nlohmann::json::object();  ///< builder arguments (for graph_to_json)

  std::int64_t out_elems() const;  ///< product of shape
  std::int64_t macs() const { return work.gemm.macs(); }
};

struct Graph {
  std::string name;
  DType dtype = DType::FP16;  ///< dtype of weights and activations
  std::vector<Op> ops;        ///< topological order

  std::int64_t param_count() const;         ///< Σ weight_elems
  std::int64_t total_macs() const;          ///< Σ MACs per sample
  std::uint64_t weight_bytes() const;       ///< param_count × dtype size
  std::uint64_t out_bytes(int op) const;    ///< output tensor bytes of one op, per sample
  int find(const std::string& name) const;  ///< index or -1
  /// Checks structure: names unique and non-empty, inputs refer to earlier ops, shapes positive,
  /// every non-input op has inputs. Throws GraphError.
  void validate() const;
};

/// Builds graphs op by op, inferring shapes and engine work. Every method checks its arguments
/// and throws GraphError naming the op and the rule broken. Shapes exclude the batch dimension:
/// images are [C, H, W], token sequences [S, H].
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name, DType dtype = DType::FP16);

  int input(const std::string& name, std::vector<std::int64_t> shape);
  /// 2-D convolution on [C, H, W]; `activation` ("none", "relu", ...) is fused (ScalarEngine).
  int conv2d(const std::string& name, int in, std::int64_t out_channels, std::int64_t kh,
             std::int64_t kw, std::int64_t stride_h, std::int64_t stride_w, std::int64_t pad_h,
             std::int64_t pad_w, std::int64_t groups = 1, bool bias = true,
             const std::string& activation = "none");
  /// Fully connected layer on the last dimension: [..., K] -> [..., N].
  int linear(const std::string& name, int in, std::int64_t out_features, bool bias = true,
             const std::string& activation = "none");
  /// Batched matmul of two activations: a [..., M, K] × b [..., K, N] (or b [..., N, K] with
  /// transpose_b). Leading dimensions must match.
  int matmul(const std::string& name, int a, int b, bool transpose_b = false);
  /// Elementwise binary op ("add", "mul", "sub", "div") on equal shapes (VectorEngine).
  int eltwise(const std::string& name, const std::string& kind, int a, int b);
  /// Elementwise activation ("relu", "gelu", "tanh", "sigmoid", "exp", ...) (ScalarEngine).
  int activation(const std::string& name, const std::string& kind, int in);
  int softmax(const std::string& name, int in);    ///< over the last dimension (VectorEngine)
  int layernorm(const std::string& name, int in);  ///< over the last dimension, with scale/shift
  /// Max or average pooling ("max", "avg") on [C, H, W] (VectorEngine).
  int pool(const std::string& name, const std::string& kind, int in, std::int64_t kh,
           std::int64_t kw, std::int64_t stride_h, std::int64_t stride_w, std::int64_t pad_h,
           std::int64_t pad_w);
  int global_avg_pool(const std::string& name, int in);  ///< [C, H, W] -> [C]
  /// Embedding lookup: `in` holds indices of shape [S]; output [S, dim]; table weights held.
  int embedding(const std::string& name, int in, std::int64_t num_embeddings, std::int64_t dim);
  int reshape(const std::string& name, int in, std::vector<std::int64_t> shape);  ///< free
  int transpose(const std::string& name, int in, std::vector<int> perm);          ///< data movement
  int concat(const std::string& name, std::vector<int> ins, int axis);            ///< data movement
  /// Elements [start, end) of one axis (data movement), e.g. BERT's pooler taking the [CLS]
  /// token: slice(name, seq, 0, 0, 1) on [S, H] gives [1, H].
  int slice(const std::string& name, int in, int axis, std::int64_t start, std::int64_t end);

  /// Adds an op whose shape and work the caller worked out (importers such as the ONNX one,
  /// which use the same Op kinds and work formulas as the methods above for shapes those do not
  /// take). Checks the name, that inputs refer to earlier ops and that the shape is positive.
  int add(Op op);

  const Graph& graph() const { return g_; }
  const std::vector<std::int64_t>& shape(int op) const;
  Graph build();  ///< validates and returns the graph

 private:
  int push(Op op);
  const Op& at(int op, const std::string& user) const;
  /// A VectorEngine op over the last dimension with the input's shape (softmax, layernorm).
  Op last_dim_normalization(const std::string& name, const std::string& kind, int in) const;
  Graph g_;
};

/// FLOP per element of an elementwise function on the Scalar/Vector engines (the table and its
/// derivation are in docs/GRAPH_FORMAT.md).
/// Throws GraphError for an unknown name.
std::int64_t flops_per_element(const std::string& kind);
/// Names accepted by GraphBuilder::activation (and as fused activations, besides "none").
std::vector<std::string> activation_kinds();
bool is_activation_kind(const std::string& kind);

}  // namespace infsim
