// Compiled with cmake/no_systemc ahead of the system headers: the public facade (and the ONNX
// component's header) must build for a user who has no SystemC on the include path.
#include "infsim/infsim.hpp"
#include "infsim/onnx_import.hpp"
