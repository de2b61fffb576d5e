// ONNX import: models written at build time by tests/onnx/make_models.py (python3-onnx), the
// per-operator models of Debian's libonnx-testdata, bad files, and the CLI (`infsim graph`,
// `infsim run --graph x.onnx`).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/common/error.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/onnx_import.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using infsim::Engine;
using infsim::Graph;
using infsim::GraphError;
using infsim::OnnxImport;
using infsim::OnnxImportOptions;
using namespace infsim::test;

namespace {

/// Path of a generated test model, or "" when python3-onnx was not found at configure time
/// (missing_dependency: the caller then skips, or the test fails under CI=true).
std::string model(const std::string& name) {
  if (std::string(INFSIM_ONNX_PYTHON).empty()) {
    infsim::test::missing_dependency(
        "no python3 could import onnx and numpy when the build was configured, so the ONNX "
        "test models were not written",
        INFSIM_ONNX_MISSING);
    return "";
  }
  const std::string p = std::string(INFSIM_ONNX_MODELS) + "/" + name;
  REQUIRE(fs::exists(p));
  return p;
}

/// A model directory of libonnx-testdata (data/node/<name>), or "" when the package is absent
/// (missing_dependency: the caller then skips, or the test fails under CI=true).
std::string testdata(const std::string& name) {
  if (std::string(INFSIM_ONNX_TESTDATA).empty()) {
    infsim::test::missing_dependency(
        "the ONNX backend test data (/usr/share/libonnx-testdata) was not found when the build "
        "was configured",
        "libonnx-testdata");
    return "";
  }
  return std::string(INFSIM_ONNX_TESTDATA) + "/node/" + name;
}

OnnxImportOptions shapes(std::map<std::string, std::vector<std::int64_t>> s) {
  OnnxImportOptions o;
  o.input_shapes = std::move(s);
  return o;
}

const infsim::Op& op_named(const Graph& g, const std::string& name) {
  const int i = g.find(name);
  REQUIRE(i >= 0);
  return g.ops[static_cast<std::size_t>(i)];
}

void require_clean_cli_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE_FALSE(r.signaled);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, Catch::Matchers::StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(r.err, Contains(e));
}

}  // namespace

// --- Whole networks against the zoo ----------------------------------------------------------

TEST_CASE("onnx: a ResNet-50 exported with BatchNorm imports with the zoo's totals", "[onnx]") {
  const std::string path = model("resnet50.onnx");
  if (path.empty()) return;
  const OnnxImport imp = infsim::import_onnx_file(path, shapes({{"input", {1, 3, 224, 224}}}));
  const Graph zoo = infsim::build_model("resnet50");
  CHECK(imp.graph.param_count() == zoo.param_count());  // 25,530,472: BatchNorm folded
  CHECK(imp.graph.total_macs() == zoo.total_macs());    // 4,089,184,256
  CHECK(count_kind(imp.graph, "conv2d") == count_kind(zoo, "conv2d"));
  CHECK(count_kind(imp.graph, "linear") == 1);
  CHECK(count_kind(imp.graph, "batchnorm") == 0);
  // Each Conv with its fused ReLU matches the zoo's op for op in work.
  std::int64_t scalar_imp = 0, scalar_zoo = 0;
  for (const auto& op : imp.graph.ops) scalar_imp += op.work.scalar_flops;
  for (const auto& op : zoo.ops) scalar_zoo += op.work.scalar_flops;
  CHECK(scalar_imp == scalar_zoo);
  CHECK(imp.report.ops.at("BatchNormalization").fused == 53);
  CHECK(imp.report.external_initializers > 0);  // weights in a file that does not exist
  CHECK(imp.report.opset == 13);
  const std::string text = infsim::format_import_report(imp);
  CHECK_THAT(text, Contains("25,530,472"));
  CHECK_THAT(text, Contains("BatchNormalization folded into the preceding Conv"));
}

TEST_CASE("onnx: a BERT-base encoder with dynamic batch and sequence matches the zoo", "[onnx]") {
  const std::string path = model("bert_base.onnx");
  if (path.empty()) return;
  for (int seq : {128, 64}) {
    INFO("sequence length " << seq);
    const OnnxImport imp = infsim::import_onnx_file(
        path, shapes({{"input_ids", {1, seq}}, {"token_type_ids", {1, seq}}}));
    infsim::ModelOptions mo;
    mo.seq_len = seq;
    const Graph zoo = infsim::build_model("bert-base", mo);
    CHECK(imp.graph.param_count() == zoo.param_count());  // 109,482,240
    CHECK(imp.graph.total_macs() == zoo.total_macs());
    CHECK(count_kind(imp.graph, "layernorm") == count_kind(zoo, "layernorm"));
    CHECK(count_kind(imp.graph, "embedding") == 3);
    CHECK(count_kind(imp.graph, "softmax") == 12);
    // The shape computation (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) folds away.
    CHECK(imp.report.ops.at("Shape").folded == 1);
    CHECK(imp.report.ops.at("Concat").folded == 2);
    CHECK(imp.report.ops.at("Add").fused == 72);  // biases of the linear layers
    for (const auto& op : imp.graph.ops) {
      if (op.name.rfind("emb_word", 0) == 0) {
        CHECK(op.kind == "embedding");
        CHECK(op.shape == std::vector<std::int64_t>{seq, 768});
        CHECK(op.weights_in_dram);
      }
    }
  }
}

TEST_CASE("onnx: a small encoder in decomposed form (opset 11, Constant nodes) matches", "[onnx]") {
  const std::string path = model("tiny_encoder.onnx");
  if (path.empty()) return;
  const OnnxImport imp = infsim::import_onnx_file(path);
  infsim::ModelOptions mo;
  mo.seq_len = 32;
  const Graph zoo = infsim::bert("tiny", 2, 128, 4, 512, mo);
  CHECK(imp.graph.param_count() == zoo.param_count());
  CHECK(imp.graph.total_macs() == zoo.total_macs());
  CHECK(imp.report.opset == 11);
  CHECK(imp.report.constant_nodes >= 10);                // LayerNorm gamma/beta and scalars
  CHECK(count_kind(imp.graph, "reduce_mean") == 2 * 5);  // two per decomposed LayerNorm
  CHECK(count_kind(imp.graph, "erf") == 2);
  // Arithmetic with a constant scalar is the builder's scalar op: the attention scale (a Div by
  // sqrt(d) = sqrt(32)) and LayerNorm's + eps.
  const auto& scale = op_named(imp.graph, "layer0.scaled_40");
  CHECK(scale.kind == "div");
  CHECK(scale.inputs.size() == 1);
  CHECK(scale.attrs.at("scalar").get<double>() == Approx(std::sqrt(32.0)).epsilon(1e-6));
  CHECK(scale.work.vector_flops == 4 * 32 * 32);
  CHECK(op_named(imp.graph, "add_18").attrs.contains("scalar"));
}

TEST_CASE("onnx: grouped and depthwise convolutions and data movement", "[onnx]") {
  const std::string path = model("mobile.onnx");
  if (path.empty()) return;
  const Graph g = infsim::import_onnx_file(path).graph;
  const auto& c1 = op_named(g, "r6_2");  // Conv + fused Clip
  CHECK(c1.kind == "conv2d");
  CHECK(c1.shape == std::vector<std::int64_t>{16, 16, 16});
  CHECK(c1.work.gemm.macs() == 16 * 16 * 16 * 27);
  CHECK(c1.weight_elems == 16 * 27 + 16);
  CHECK(c1.work.scalar_flops == 16 * 16 * 16 * 2);
  const auto& dw = op_named(g, "dw_3");
  // Depthwise: on the VectorEngine, 16 channels · 16 · 16 outputs · 9 taps MACs, 2 FLOPs each.
  CHECK(dw.engine == Engine::Vector);
  CHECK(dw.work.gemm.empty());
  CHECK(dw.work.vector_macs == 16 * 16 * 16 * 9);
  CHECK(dw.work.vector_flops == 2 * 16 * 16 * 16 * 9);
  CHECK(dw.macs() == 16 * 16 * 16 * 9);
  CHECK(dw.weight_elems == 16 * 9);
  CHECK(op_named(g, "hs_4").engine == Engine::Scalar);
  CHECK(op_named(g, "hs_4").work.scalar_flops == 16 * 16 * 16 * 5);
  const auto& grouped = op_named(g, "grouped_5");
  CHECK(grouped.work.gemm.groups == 4);
  CHECK(grouped.work.gemm.k == 4);
  CHECK(grouped.work.gemm.n == 8);
  CHECK(op_named(g, "split_6").shape == std::vector<std::int64_t>{16, 16, 16});
  CHECK(op_named(g, "split_7").engine == Engine::Move);
  CHECK(op_named(g, "up_8").shape == std::vector<std::int64_t>{16, 32, 32});
  CHECK(op_named(g, "up_8").work.moved_bytes == 16 * 32 * 32 * 2);
  CHECK(op_named(g, "cat_11").shape == std::vector<std::int64_t>{32, 16, 16});
  CHECK(op_named(g, "mean_12").shape == std::vector<std::int64_t>{32});
}

// --- Per-operator models of libonnx-testdata ---------------------------------------------------

TEST_CASE("onnx: each supported operator imports with ONNX's output shape (libonnx-testdata)",
          "[onnx]") {
  if (testdata("test_relu").empty()) return;
  struct Case {
    const char* dir;
    const char* kind;
    Engine engine;
  };
  const Case cases[] = {
      {"test_conv_with_strides_padding", "conv2d", Engine::Tensor},
      {"test_conv_with_strides_and_asymmetric_padding", "conv2d", Engine::Tensor},
      {"test_conv_with_autopad_same", "conv2d", Engine::Tensor},
      {"test_convtranspose", "conv_transpose", Engine::Tensor},
      {"test_convtranspose_pads", "conv_transpose", Engine::Tensor},
      {"test_gemm_default_vector_bias", "matmul", Engine::Tensor},
      {"test_gemm_transposeB", "matmul", Engine::Tensor},
      {"test_matmul_2d", "matmul", Engine::Tensor},
      {"test_matmul_3d", "matmul", Engine::Tensor},
      {"test_matmul_4d", "matmul", Engine::Tensor},
      {"test_batchnorm_example", "batchnorm", Engine::Vector},
      {"test_relu", "relu", Engine::Scalar},
      {"test_leakyrelu", "leaky_relu", Engine::Scalar},
      {"test_clip", "clip", Engine::Scalar},
      {"test_sigmoid", "sigmoid", Engine::Scalar},
      {"test_hardsigmoid", "hard_sigmoid", Engine::Scalar},
      {"test_hardswish", "hard_swish", Engine::Scalar},
      {"test_tanh", "tanh", Engine::Scalar},
      {"test_erf", "erf", Engine::Scalar},
      {"test_exp", "exp", Engine::Scalar},
      {"test_sqrt", "sqrt", Engine::Scalar},
      {"test_add", "add", Engine::Vector},
      {"test_add_bcast", "add", Engine::Vector},
      {"test_sub", "sub", Engine::Vector},
      {"test_mul", "mul", Engine::Vector},
      {"test_div", "div", Engine::Vector},
      {"test_pow", "pow", Engine::Vector},
      {"test_maxpool_2d_default", "maxpool", Engine::Vector},
      {"test_maxpool_2d_pads", "maxpool", Engine::Vector},
      {"test_maxpool_2d_ceil", "maxpool", Engine::Vector},
      {"test_averagepool_2d_strides", "avgpool", Engine::Vector},
      {"test_averagepool_2d_same_upper", "avgpool", Engine::Vector},
      {"test_globalaveragepool", "global_avg_pool", Engine::Vector},
      {"test_softmax_axis_1", "softmax", Engine::Vector},
      {"test_softmax_example", "softmax", Engine::Vector},
      {"test_layer_normalization_4d_axis_negative_1", "layernorm", Engine::Vector},
      {"test_layer_normalization_3d_axis1_epsilon", "layernorm", Engine::Vector},
      {"test_concat_3d_axis_1", "concat", Engine::Move},
      {"test_split_equal_parts_2d", "slice", Engine::Move},
      {"test_slice_default_axes", "slice", Engine::Move},
      {"test_transpose_default", "transpose", Engine::Move},
      {"test_transpose_all_permutations_3", "transpose", Engine::Move},
      {"test_flatten_axis1", "reshape", Engine::None},
      {"test_squeeze_negative_axes", "reshape", Engine::None},
      {"test_unsqueeze_axis_1", "reshape", Engine::None},
      {"test_gather_0", "gather", Engine::Move},
      {"test_cast_FLOAT_to_FLOAT16", "cast", Engine::Vector},
      {"test_constant_pad", "pad", Engine::Move},
      {"test_reduce_mean_keepdims_example", "reduce_mean", Engine::Vector},
      {"test_reduce_mean_do_not_keepdims_example", "reduce_mean", Engine::Vector},
      {"test_expand_dim_changed", "expand", Engine::Move},
  };
  for (const Case& c : cases) {
    const std::string dir = testdata(c.dir);
    INFO(c.dir);
    OnnxImport imp;
    REQUIRE_NOTHROW(imp = infsim::import_onnx_file(dir + "/model.onnx"));
    REQUIRE(!imp.report.outputs.empty());
    const auto& out = imp.report.outputs.front();
    const std::vector<std::int64_t> expect =
        infsim::onnx_tensor_file_shape(dir + "/test_data_set_0/output_0.pb");
    CHECK(out.second == expect);  // ONNX shape inference agrees with the reference output
    const int idx = imp.report.output_op.at(out.first);
    REQUIRE(idx >= 0);
    const auto& op = imp.graph.ops[static_cast<std::size_t>(idx)];
    CHECK(op.shape == infsim::onnx_to_ir_shape(expect));
    CHECK(op.kind == c.kind);
    CHECK(op.engine == c.engine);
  }
}

TEST_CASE("onnx: operators on constants are folded, and a declared output sizes a runtime reshape",
          "[onnx]") {
  if (testdata("test_relu").empty()) return;
  // Every input of the node is an initializer or a Constant: nothing left to run.
  CHECK_THAT(
      error_message([] { infsim::import_onnx_file(testdata("test_constant") + "/model.onnx"); }),
      Contains("computes only constants"));
  // Shape -> Gather -> Unsqueeze -> Concat -> Reshape on a fixed-size input folds away.
  const std::string enc = model("bert_base.onnx");
  if (enc.empty()) return;
  const OnnxImport imp =
      infsim::import_onnx_file(enc, shapes({{"input_ids", {1, 16}}, {"token_type_ids", {1, 16}}}));
  for (const char* t : {"Shape", "Gather", "Unsqueeze", "Concat", "Slice"}) {
    INFO(t);
    CHECK(imp.report.ops.at(t).folded > 0);
  }
  // Reshape whose target shape is a graph input (not a constant): shape inference cannot compute
  // it, but the model declares its output, [2, 6, 2], which the importer takes (a leading
  // dimension other than 1 stays part of the sample's shape: docs/ONNX.md).
  const OnnxImport r =
      infsim::import_onnx_file(testdata("test_reshape_negative_dim") + "/model.onnx");
  CHECK(r.graph.ops.back().shape == std::vector<std::int64_t>{2, 6, 2});
}

// --- Bad files ----------------------------------------------------------------------------------

TEST_CASE("onnx: an input left dynamic is an error naming each such input", "[onnx]") {
  const std::string path = model("bert_base.onnx");
  if (path.empty()) return;
  const std::string msg = error_message([&] { infsim::import_onnx_file(path); });
  CHECK_THAT(msg, Contains(path));
  CHECK_THAT(msg, Contains("'input_ids' [batch, seq]"));
  CHECK_THAT(msg, Contains("'token_type_ids' [batch, seq]"));
  CHECK_THAT(msg, Contains("--input-shape"));
  // One set, the other still unknown.
  const std::string one = error_message([&] {
    infsim::import_onnx_file(path, shapes({{"input_ids", {1, 8}}}));
  });
  CHECK_THAT(one, Contains("input 'token_type_ids'"));
  CHECK_THAT(one, !Contains("'input_ids'"));
  // Names that are not inputs, wrong ranks and non-positive dimensions.
  CHECK_THAT(error_message([&] {
               infsim::import_onnx_file(path, shapes({{"ids", {1, 8}}}));
             }),
             Contains("'ids', which is not a graph input (inputs: 'input_ids', 'token_type_ids')"));
  CHECK_THAT(
      error_message([&] {
        infsim::import_onnx_file(path, shapes({{"input_ids", {8}}, {"token_type_ids", {8}}}));
      }),
      Contains("has rank 1, but the input has rank 2"));
  CHECK_THROWS_AS(infsim::import_onnx_file(path, shapes({{"input_ids", {1, 0}}})), GraphError);
}

TEST_CASE("onnx: truncated, empty and non-ONNX files are clean errors", "[onnx]") {
  const std::string path = model("resnet50.onnx");
  if (path.empty()) return;
  TempDir dir;
  const std::string bytes = read_text(path);
  for (std::size_t cut : {bytes.size() / 2, bytes.size() - 7, std::size_t{40}}) {
    const std::string t = dir.write("truncated.onnx", bytes.substr(0, cut));
    INFO("cut at " << cut);
    const std::string msg = error_message([&] {
      infsim::import_onnx_file(t, shapes({{"input", {1, 3, 224, 224}}}));
    });
    CHECK_THAT(msg, Contains(t));
  }
  const std::string half = dir.write("half.onnx", bytes.substr(0, bytes.size() / 2));
  CHECK_THAT(error_message([&] { infsim::import_onnx_file(half); }),
             Contains("not a valid ONNX model"));
  const std::string text = dir.write("text.onnx", "{\"name\": \"not onnx\"}\n");
  CHECK_THAT(error_message([&] { infsim::import_onnx_file(text); }), Contains(text + ": not"));
  const std::string empty = dir.write("empty.onnx", "");
  CHECK_THAT(error_message([&] { infsim::import_onnx_file(empty); }), Contains("empty"));
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise += static_cast<char>((i * 7919 + 13) & 0xff);
  CHECK_THROWS_AS(infsim::import_onnx_file(dir.write("noise.onnx", noise)), infsim::Error);
  CHECK_THROWS_AS(infsim::import_onnx_file(dir.file("missing.onnx")), infsim::IoError);
}

TEST_CASE("onnx: a graph with a cycle is an error naming its nodes", "[onnx]") {
  const std::string path = model("cycle.onnx");
  if (path.empty()) return;
  const std::string msg = error_message([&] { infsim::import_onnx_file(path); });
  CHECK_THAT(msg, Contains(path));
  CHECK_THAT(msg, Contains("cycle"));
  CHECK_THAT(msg, Contains("'first' (Add)"));
  CHECK_THAT(msg, Contains("'second' (Relu)"));
}

TEST_CASE("onnx: unknown operators are listed with counts, or approximated on VectorE", "[onnx]") {
  const std::string path = model("unknown_ops.onnx");
  if (path.empty()) return;
  const std::string msg = error_message([&] { infsim::import_onnx_file(path); });
  CHECK_THAT(msg, Contains("unsupported ONNX operators: Hardmax x1, Sin x2"));
  CHECK_THAT(msg, Contains("--unknown-ops=vector"));
  OnnxImportOptions o;
  o.unknown_ops = infsim::UnknownOps::Vector;
  const OnnxImport imp = infsim::import_onnx_file(path, o);
  CHECK(count_kind(imp.graph, "onnx:Sin") == 2);
  const auto& sin = op_named(imp.graph, "sin1_1");
  CHECK(sin.engine == Engine::Vector);
  CHECK(sin.work.vector_flops == 64 * infsim::kUnknownOpFlopsPerElement);
  CHECK(imp.report.ops.at("Sin").approximated == 2);
  REQUIRE(imp.report.approximated.size() == 2);
  CHECK_THAT(imp.report.approximated[1], Contains("Sin x2 on the VectorEngine"));
  CHECK(op_named(imp.graph, "relu_4").kind == "relu");
}

TEST_CASE("onnx: --input-shape and --unknown-ops arguments are parsed strictly", "[onnx]") {
  const auto p = infsim::parse_input_shape("x=1,3,224,224");
  CHECK(p.first == "x");
  CHECK(p.second == std::vector<std::int64_t>{1, 3, 224, 224});
  CHECK(infsim::parse_input_shape("a=b=4").first == "a=b");
  for (const char* bad : {"x", "=1,2", "x=", "x=1,,2", "x=1,2,", "x=0,3", "x=-1", "x=a"}) {
    INFO(bad);
    CHECK_THROWS_AS(infsim::parse_input_shape(bad), GraphError);
  }
  CHECK(infsim::parse_unknown_ops("vector") == infsim::UnknownOps::Vector);
  CHECK_THROWS_AS(infsim::parse_unknown_ops("scalar"), GraphError);
  CHECK(infsim::onnx_to_ir_shape({1, 3, 224, 224}) == std::vector<std::int64_t>{3, 224, 224});
  CHECK(infsim::onnx_to_ir_shape({}) == std::vector<std::int64_t>{1});
  CHECK(infsim::onnx_to_ir_shape({1}) == std::vector<std::int64_t>{1});
  CHECK(infsim::onnx_to_ir_shape({4, 5}) == std::vector<std::int64_t>{4, 5});
}

TEST_CASE("onnx: load_model_file tells ONNX from JSON by extension or content", "[onnx]") {
  const std::string json_file = std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json";
  CHECK_FALSE(infsim::is_onnx_file(json_file));
  CHECK(infsim::load_model_file(json_file).name == infsim::load_graph_file(json_file).name);
  const std::string path = model("mobile.onnx");
  if (path.empty()) return;
  TempDir dir;
  const std::string renamed = dir.write("mobile.model", read_text(path));
  CHECK(infsim::is_onnx_file(renamed));
  const Graph g = infsim::load_model_file(renamed);
  CHECK(g.total_macs() == infsim::import_onnx_file(path).graph.total_macs());
  // The imported graph round-trips through the JSON format's writer.
  CHECK(infsim::graph_to_json(g).at("ops").size() == g.ops.size());
}

// --- The CLI ------------------------------------------------------------------------------------

TEST_CASE("onnx cli: infsim graph prints counts, parameters, MACs and folds", "[onnx][cli]") {
  const std::string path = model("resnet50.onnx");
  if (path.empty()) return;
  TempDir dir;
  const RunResult r = run_cli(
      {"graph", path, "--input-shape", "input=1,3,224,224", "--json", dir.file("report.json")});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("parameters 25,530,472"));
  CHECK_THAT(r.out, Contains("MACs per sample 4,089,184,256"));
  CHECK_THAT(r.out, Contains("Conv                     53      53"));
  CHECK_THAT(r.out, Contains("TensorE"));
  CHECK_THAT(r.out, Contains("53 x BatchNormalization folded into the preceding Conv"));
  CHECK_THAT(r.out, Contains("approximated: nothing"));
  const auto j = nlohmann::json::parse(read_text(dir.file("report.json")));
  CHECK(j.at("parameters").get<std::int64_t>() == 25530472);
  CHECK(j.at("onnx_ops").at("Conv").at("nodes").get<int>() == 53);
  // A JSON graph works too.
  const RunResult js =
      run_cli({"graph", std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json"});
  CHECK(js.exit_code == 0);
  CHECK_THAT(js.out, Contains("conv2d"));
}

TEST_CASE("onnx cli: errors are one clean line", "[onnx][cli]") {
  const std::string path = model("bert_base.onnx");
  if (path.empty()) return;
  require_clean_cli_error(run_cli({"graph", path}),
                          {path, "'input_ids' [batch, seq]", "'token_type_ids' [batch, seq]"});
  require_clean_cli_error(run_cli({"graph", model("unknown_ops.onnx")}), {"Hardmax x1, Sin x2"});
  require_clean_cli_error(run_cli({"graph", model("cycle.onnx")}), {"cycle"});
  require_clean_cli_error(run_cli({"graph", path, "--input-shape", "input_ids=1,x"}),
                          {"--input-shape", "not a whole number"});
  TempDir dir;
  const std::string cut =
      dir.write("cut.onnx", read_text(path).substr(0, read_text(path).size() / 3));
  require_clean_cli_error(run_cli({"run", "--graph", cut, "--cores", "2"}),
                          {cut, "not a valid ONNX model"});
  const RunResult bad = run_cli({"graph", path, "--unknown-ops", "maybe"});
  CHECK(bad.exit_code > 0);
  CHECK_FALSE(bad.signaled);
  CHECK_THAT(bad.err, Contains("--unknown-ops"));
}

TEST_CASE("onnx cli: run --graph model.onnx simulates on 4 cores", "[onnx][cli]") {
  const std::string path = model("resnet50.onnx");
  if (path.empty()) return;
  TempDir dir;
  const RunResult r = run_cli({"run", "--graph", path, "--input-shape", "input=1,3,224,224",
                               "--cores", "4", "--requests", "60", "--json", dir.file("r.json")});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("throughput"));
  const auto j = nlohmann::json::parse(read_text(dir.file("r.json")));
  CHECK(j.at("cores").get<int>() == 4);
  CHECK(j.at("throughput_per_s").get<double>() > 0);

  const std::string enc = model("tiny_encoder.onnx");
  const RunResult t = run_cli(
      {"run", "--graph", enc, "--preset", "inf1.xlarge", "--cores", "4", "--requests", "40"});
  INFO("stderr: " << t.err);
  CHECK(t.exit_code == 0);

  const RunResult u = run_cli({"run", "--graph", model("unknown_ops.onnx"), "--unknown-ops=vector",
                               "--preset", "inf1.xlarge", "--cores", "1", "--requests", "20"});
  INFO("stderr: " << u.err);
  CHECK(u.exit_code == 0);
  CHECK_THAT(u.out, Contains("approximated: Sin x2 on the VectorEngine"));
}
