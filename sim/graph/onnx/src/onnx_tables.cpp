// The operator tables: which ONNX operator maps to which IR op kind, at what cost per element
// (docs/ONNX.md, "Operators").
#include "onnx_detail.hpp"

namespace infsim::onnx_detail {

namespace {

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

constexpr BinaryEntry kBinary[] = {
    {"Add", "add", 1},     {"Sub", "sub", 1},     {"Mul", "mul", 1},         {"Div", "div", 1},
    {"Max", "max", 1},     {"Min", "min", 1},     {"Pow", "pow", 3},  // exp(b · ln a): ln, ×, exp
    {"PRelu", "prelu", 2},  // max(x, a·x) with a learned slope
    {"Equal", "equal", 1}, {"Less", "less", 1},   {"Greater", "greater", 1}, {"And", "and", 1},
    {"Or", "or", 1},       {"Where", "where", 1},
};

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

}  // namespace

const UnaryEntry* find_unary(const std::string& t) {
  for (const auto& u : kUnary) {
    if (t == u.onnx) return &u;
  }
  return nullptr;
}

const BinaryEntry* find_binary(const std::string& t) {
  for (const auto& b : kBinary) {
    if (t == b.onnx) return &b;
  }
  return nullptr;
}

bool is_supported(const std::string& t) {
  return find_unary(t) || find_binary(t) || kFreeOps.count(t) || kAliasOps.count(t) ||
         kMoveOps.count(t) || kReduceOps.count(t) || kOtherOps.count(t);
}

const char* fusable_activation(const std::string& t) {
  if (t == "Relu") return "relu";
  if (t == "Sigmoid") return "sigmoid";
  if (t == "Tanh") return "tanh";
  if (t == "LeakyRelu") return "leaky_relu";
  if (t == "Clip") return "clip";
  if (t == "Gelu") return "gelu";
  return nullptr;
}

bool is_free_op(const std::string& t) {
  return kFreeOps.count(t) > 0;
}

bool is_alias_op(const std::string& t) {
  return kAliasOps.count(t) > 0;
}

bool is_move_op(const std::string& t) {
  return kMoveOps.count(t) > 0;
}

bool is_reduce_op(const std::string& t) {
  return kReduceOps.count(t) > 0;
}

}  // namespace infsim::onnx_detail

namespace infsim {

std::vector<std::string> onnx_supported_ops() {
  using namespace onnx_detail;
  std::set<std::string> all;
  for (const auto& u : kUnary) all.insert(u.onnx);
  for (const auto& b : kBinary) all.insert(b.onnx);
  for (const auto* s : {&kFreeOps, &kAliasOps, &kMoveOps, &kReduceOps, &kOtherOps}) {
    all.insert(s->begin(), s->end());
  }
  return std::vector<std::string>(all.begin(), all.end());
}

}  // namespace infsim
