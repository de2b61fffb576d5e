// Uses the optional ONNX component (find_package(infsim COMPONENTS onnx), infsim::onnx): imports
// the ONNX model given on the command line and prints what the importer made of it.
#include <iostream>

#include <infsim/onnx_import.hpp>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: consumer_onnx MODEL.onnx [NAME=d1,d2,...]...\n";
    return 2;
  }
  try {
    infsim::OnnxImportOptions opts;
    for (int i = 2; i < argc; ++i) opts.input_shapes.insert(infsim::parse_input_shape(argv[i]));
    const infsim::OnnxImport imp = infsim::import_onnx_file(argv[1], opts);
    std::cout << infsim::format_import_report(imp);
    return imp.graph.ops.empty() ? 1 : 0;
  } catch (const std::exception& e) {
    std::cerr << "consumer_onnx: " << e.what() << "\n";
    return 1;
  }
}
