#include "infsim/cores/work.hpp"

namespace infsim {

namespace {
struct EngineNames {
  Engine engine;
  const char* name;
  const char* key;
};
constexpr EngineNames kNames[] = {{Engine::None, "none", "none"},
                                  {Engine::Tensor, "TensorE", "tensor"},
                                  {Engine::Vector, "VectorE", "vector"},
                                  {Engine::Scalar, "ScalarE", "scalar"},
                                  {Engine::Move, "DMA", "dma"}};
const EngineNames& names(Engine e) {
  for (const auto& n : kNames)
    if (n.engine == e) return n;
  return kNames[0];
}
}  // namespace

const char* engine_name(Engine e) {
  return names(e).name;
}
const char* engine_key(Engine e) {
  return names(e).key;
}

}  // namespace infsim
