#pragma once
// Everything a user of the library needs (no SystemC: the TLM-2.0 hooks are in
// infsim/tlm_hooks.hpp; ONNX import, an optional package component, in infsim/onnx_import.hpp).
#include "infsim/auto_cores.hpp"
#include "infsim/common/error.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/microbench.hpp"
#include "infsim/plan.hpp"
#include "infsim/report.hpp"
#include "infsim/simulate.hpp"
#include "infsim/zoo.hpp"
