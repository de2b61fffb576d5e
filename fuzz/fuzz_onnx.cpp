// ONNX import (--graph FILE.onnx --input-shape NAME=DIMS): the first line of the input is an
// --input-shape argument (empty: none), the rest the model's bytes.
#include "fuzz_common.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/onnx_import.hpp"

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  const std::string in = infsim_fuzz::text(data, size);
  const std::size_t nl = in.find('\n');
  if (nl == std::string::npos) return 0;
  infsim_fuzz::guarded([&] {
    infsim::OnnxImportOptions opts;
    if (nl > 0) opts.input_shapes.insert(infsim::parse_input_shape(in.substr(0, nl)));
    const infsim::OnnxImport imp = infsim::import_onnx_bytes(in.substr(nl + 1), "fuzz.onnx", opts);
    infsim::format_import_report(imp);
    infsim::import_report_to_json(imp).dump();
    infsim::graph_to_json(imp.graph).dump();
  });
  return 0;
}
