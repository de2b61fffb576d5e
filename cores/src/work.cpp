#include "infsim/cores/work.hpp"

namespace infsim {

const char* engine_name(Engine e) {
  switch (e) {
    case Engine::None:
      return "none";
    case Engine::Tensor:
      return "TensorE";
    case Engine::Vector:
      return "VectorE";
    case Engine::Scalar:
      return "ScalarE";
    case Engine::Dma:
      return "DMA";
  }
  return "?";
}

}  // namespace infsim
