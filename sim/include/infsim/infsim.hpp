#pragma once
// Everything a user of the library needs.
#include "infsim/auto_cores.hpp"
#include "infsim/common/error.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/microbench.hpp"
#include "infsim/onnx_import.hpp"
#include "infsim/plan.hpp"
#include "infsim/report.hpp"
#include "infsim/simulate.hpp"
#include "infsim/zoo.hpp"
