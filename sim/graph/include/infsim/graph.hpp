#pragma once
// The graph IR: operators in a topological order, each with its output shape (per sample, batch
// excluded), dtype, weights, MACs and the work it asks of each engine.
#include <cstdint>
#include <string>
#include <utility>
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
  /// TensorEngine MACs plus the VectorEngine's (depthwise convolutions).
  std::int64_t macs() const { return work.gemm.macs() + work.vector_macs; }
};

/// Sets the engine work of a convolution, as an implicit GEMM of `groups` (m × k) by (k × n)
/// products with `in_per_group` input channels per group, and returns its main engine. A
/// depthwise convolution (one input channel per group, groups > 1) is a per-channel window
/// reduction with one weight per tap, as pooling is: it runs on the VectorEngine (FACTS.md gives
/// it the windowed reductions) at 2 FLOPs per multiply-accumulate, m · k · n · groups of them
/// (docs/TIMING.md, "Depthwise convolutions"). Every other convolution runs on the TensorEngine.
Engine set_conv_work(OpWork& w, std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t groups,
                     std::int64_t in_per_group);

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

/// A height and width: the kernel, stride or padding of a 2-D window. One number means both
/// (`3` is {3, 3}); `{1, 5}` is height 1, width 5.
struct Hw {
  std::int64_t h = 0;
  std::int64_t w = 0;
  Hw(std::int64_t both) : h(both), w(both) {}  // NOLINT: implicit, so that 3 reads as {3, 3}
  Hw(std::int64_t height, std::int64_t width) : h(height), w(width) {}
};

/// How GraphBuilder::conv2d convolves, with named setters that chain:
///   b.conv2d("conv1", x, Conv2dOptions(64, 7).stride(2).pad(3).activation("relu"));
/// Defaults: stride 1, pad 0, groups 1, bias on, no activation.
class Conv2dOptions {
 public:
  Conv2dOptions(std::int64_t out_channels, Hw kernel)
      : out_channels_(out_channels), kernel_(kernel) {}
  Conv2dOptions& stride(Hw s) {
    stride_ = s;
    return *this;
  }
  Conv2dOptions& pad(Hw p) {  ///< symmetric zero padding
    pad_ = p;
    return *this;
  }
  Conv2dOptions& groups(std::int64_t g) {
    groups_ = g;
    return *this;
  }
  Conv2dOptions& bias(bool b) {
    bias_ = b;
    return *this;
  }
  /// A fused activation ("relu", "gelu", ...; "none" for none), run on the ScalarEngine.
  Conv2dOptions& activation(std::string a) {
    activation_ = std::move(a);
    return *this;
  }
  std::int64_t out_channels() const { return out_channels_; }
  Hw kernel() const { return kernel_; }
  Hw stride() const { return stride_; }
  Hw pad() const { return pad_; }
  std::int64_t groups() const { return groups_; }
  bool bias() const { return bias_; }
  const std::string& activation() const { return activation_; }

 private:
  std::int64_t out_channels_;
  Hw kernel_;
  Hw stride_{1};
  Hw pad_{0};
  std::int64_t groups_ = 1;
  bool bias_ = true;
  std::string activation_ = "none";
};

/// How GraphBuilder::linear maps its input: the output features (a bare number converts, so
/// `b.linear("fc", x, 1000)` works), bias on by default, no activation by default:
///   b.linear("ffn.up", x, LinearOptions(3072).activation("gelu"));
class LinearOptions {
 public:
  LinearOptions(std::int64_t out_features)  // NOLINT: implicit, for b.linear("fc", x, 1000)
      : out_features_(out_features) {}
  LinearOptions& bias(bool b) {
    bias_ = b;
    return *this;
  }
  /// A fused activation ("relu", "gelu", ...; "none" for none), run on the ScalarEngine.
  LinearOptions& activation(std::string a) {
    activation_ = std::move(a);
    return *this;
  }
  std::int64_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }
  const std::string& activation() const { return activation_; }

 private:
  std::int64_t out_features_;
  bool bias_ = true;
  std::string activation_ = "none";
};

/// The window of GraphBuilder::pool: the kernel, the stride (by default the kernel) and the
/// padding (by default 0):  b.pool("maxpool", "max", x, PoolOptions(3).stride(2).pad(1));
class PoolOptions {
 public:
  explicit PoolOptions(Hw kernel) : kernel_(kernel), stride_(kernel) {}
  PoolOptions& stride(Hw s) {
    stride_ = s;
    return *this;
  }
  PoolOptions& pad(Hw p) {
    pad_ = p;
    return *this;
  }
  Hw kernel() const { return kernel_; }
  Hw stride() const { return stride_; }
  Hw pad() const { return pad_; }

 private:
  Hw kernel_;
  Hw stride_;
  Hw pad_{0};
};

/// Builds graphs op by op, inferring shapes and engine work. Every method checks its arguments
/// and throws GraphError naming the op and the rule broken. Shapes exclude the batch dimension:
/// images are [C, H, W], token sequences [S, H]. Each method returns the new op's index, which
/// later ops take as their input.
class GraphBuilder {
 public:
  explicit GraphBuilder(std::string name, DType dtype = DType::FP16);

  int input(const std::string& name, std::vector<std::int64_t> shape);
  /// 2-D convolution on [C, H, W] (TensorEngine; a fused activation on the ScalarEngine).
  int conv2d(const std::string& name, int in, const Conv2dOptions& opts);
  /// Fully connected layer on the last dimension: [..., K] -> [..., N].
  int linear(const std::string& name, int in, const LinearOptions& opts);
  /// Batched matmul of two activations: a [..., M, K] × b [..., K, N] (or b [..., N, K] with
  /// transpose_b). Leading dimensions must match.
  int matmul(const std::string& name, int a, int b, bool transpose_b = false);
  /// Elementwise binary op ("add", "mul", "sub", "div") on the VectorEngine, with numpy
  /// broadcasting: the shapes are aligned at their last axis and each pair of sizes must be
  /// equal or one of them 1 (a [S, S] score times a [1, S] mask, a [C, H, W] map plus a
  /// [C, 1, 1] shift). The output has the broadcast shape.
  int eltwise(const std::string& name, const std::string& kind, int a, int b);
  /// Elementwise op with a constant ("add", "mul", "sub", "div": x + c, x · c, x − c, x / c) on
  /// the VectorEngine, e.g. attention's scale 1/√d. `value` must be finite (and not 0 for "div").
  int scalar(const std::string& name, const std::string& kind, int in, double value);
  /// x · factor: scalar(name, "mul", in, factor).
  int scale(const std::string& name, int in, double factor) {
    return scalar(name, "mul", in, factor);
  }
  /// Elementwise activation ("relu", "gelu", "tanh", "sigmoid", "exp", ...) (ScalarEngine).
  int activation(const std::string& name, const std::string& kind, int in);
  int softmax(const std::string& name, int in);    ///< over the last dimension (VectorEngine)
  int layernorm(const std::string& name, int in);  ///< over the last dimension, with scale/shift
  /// Batch normalization at inference that is not folded into a convolution: a learned scale and
  /// shift per channel (axis 0 of [C, ...]) on the VectorEngine.
  int batchnorm(const std::string& name, int in);
  /// Max or average pooling ("max", "avg") on [C, H, W] (VectorEngine).
  int pool(const std::string& name, const std::string& kind, int in, const PoolOptions& opts);
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
  std::int64_t dtype_size() const;
  Graph g_;
};

/// The numpy broadcast of two shapes (aligned at the last axis; each pair of sizes equal or one
/// of them 1), or false when they do not broadcast.
bool broadcast_shapes(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b,
                      std::vector<std::int64_t>* out);

/// FLOP per element of an elementwise function on the Scalar/Vector engines (the table and its
/// derivation are in docs/GRAPH_FORMAT.md).
/// Throws GraphError for an unknown name.
std::int64_t flops_per_element(const std::string& kind);
/// Names accepted by GraphBuilder::activation (and as fused activations, besides "none").
std::vector<std::string> activation_kinds();
bool is_activation_kind(const std::string& kind);

}  // namespace infsim
