#pragma once
// Built-in models with their real layer shapes.
#include <string>
#include <vector>

#include "infsim/graph.hpp"

namespace infsim {

struct ModelOptions {
  DType dtype = DType::FP16;
  int seq_len = 128;  ///< sequence length for transformer models
};

struct ModelInfo {
  std::string name;         ///< CLI name, e.g. "resnet50"
  std::string description;  ///< one line
};

std::vector<ModelInfo> zoo_models();
/// Builds a zoo model by name, or throws GraphError listing the known names.
Graph build_model(const std::string& name, const ModelOptions& opts = {});

Graph resnet50(const ModelOptions& opts = {});
Graph bert(const std::string& name, int layers, int hidden, int heads, int ffn,
           const ModelOptions& opts);
Graph bert_base(const ModelOptions& opts = {});
Graph bert_large(const ModelOptions& opts = {});
Graph vgg16(const ModelOptions& opts = {});

}  // namespace infsim
