// ONNX import of models exported by a real exporter: torch.onnx.export (Debian's python3-torch
// 1.13 and python3-torchvision 0.14) run at build time by tests/onnx/export_torch.py on
// torchvision's ResNet-50 (opset 13), MobileNetV2 (opset 11), SqueezeNet 1.0 (opset 9) and
// ViT-B/16 (opset 14), and on a BERT-like nn.TransformerEncoder (opsets 13 and 17). The script
// writes models.json beside the exports with the figures PyTorch itself gives for each module
// (parameters, MACs from forward hooks); the imports must reproduce them.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "infsim/common/error.hpp"
#include "infsim/onnx_import.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using infsim::Graph;
using infsim::OnnxImport;
using infsim::OnnxImportOptions;
using namespace infsim::test;
using nlohmann::json;

namespace {

/// The sidecar of one exported model (models.json, "models" → key), or null when the exports
/// were not made (no python3 with torch, torchvision and onnx at configure time): the caller
/// then skips, or under CI=true the test fails (missing_dependency names the packages).
json exported(const std::string& key) {
  if (std::string(INFSIM_TORCH_PYTHON).empty()) {
    infsim::test::missing_dependency(
        "no python3 could import torch, torchvision and onnx when the build was configured, so "
        "the PyTorch-exported ONNX models were not written",
        INFSIM_TORCH_MISSING);
    return nullptr;
  }
  const std::string sidecar = std::string(INFSIM_TORCH_MODELS) + "/models.json";
  REQUIRE(fs::exists(sidecar));
  const json all = json::parse(read_text(sidecar));
  REQUIRE(all.at("models").contains(key));
  json m = all.at("models").at(key);
  m["path"] = std::string(INFSIM_TORCH_MODELS) + "/" + m.at("file").get<std::string>();
  REQUIRE(fs::exists(m["path"].get<std::string>()));
  return m;
}

/// The input shapes the sidecar gives for the test (batch 1, sequence 128).
OnnxImportOptions options_of(const json& m) {
  OnnxImportOptions o;
  for (const auto& kv : m.at("input_shapes").items()) {
    o.input_shapes[kv.key()] = kv.value().get<std::vector<std::int64_t>>();
  }
  return o;
}

OnnxImport import_exported(const json& m) {
  return infsim::import_onnx_file(m.at("path").get<std::string>(), options_of(m));
}

/// MACs of the BERT-like encoder at sequence length S (export_torch.py's BertLike): per layer
/// the Q, K, V and output projections S·4·H², Q·Kᵀ and softmax(·)·V 2·S²·H, the FFN 2·S·H·F;
/// then the pooler H² (one token).
std::int64_t encoder_macs(const json& config, std::int64_t s) {
  const auto h = config.at("hidden").get<std::int64_t>();
  const auto f = config.at("ffn").get<std::int64_t>();
  const auto layers = config.at("layers").get<std::int64_t>();
  return layers * (s * 4 * h * h + 2 * s * s * h + 2 * s * h * f) + h * h;
}

}  // namespace

TEST_CASE("onnx torch: every PyTorch export imports with nothing approximated", "[onnx][torch]") {
  for (const char* key : {"resnet50", "mobilenet_v2", "squeezenet1_0", "vit_b_16",
                          "bert_like_opset13", "bert_like_opset17", "lraspp_mobilenet_v3"}) {
    INFO(key);
    const json m = exported(key);
    if (m.is_null()) return;
    OnnxImport imp;
    REQUIRE_NOTHROW(imp = import_exported(m));
    CHECK(imp.report.opset == m.at("opset").get<std::int64_t>());
    CHECK(imp.report.nodes == m.at("nodes").get<std::int64_t>());
    CHECK_THAT(imp.report.producer, Contains("pytorch"));
    CHECK(imp.report.approximated.empty());
    // Parameters and MACs as PyTorch counts them (tests/onnx/export_torch.py, models.json).
    CHECK(imp.graph.param_count() == m.at("expected_params").get<std::int64_t>());
    CHECK(imp.graph.total_macs() == m.at("expected_macs").get<std::int64_t>());
    CHECK(imp.graph.total_macs() > 0);
    for (const auto& out : imp.report.outputs) CHECK(imp.report.output_op.at(out.first) >= 0);
  }
}

TEST_CASE("onnx torch: torchvision's ResNet-50 (opset 13, dynamic batch) matches the zoo",
          "[onnx][torch]") {
  const json m = exported("resnet50");
  if (m.is_null()) return;
  const OnnxImport imp = import_exported(m);
  const Graph zoo = infsim::build_model("resnet50");
  // torch.onnx.export in eval mode folds each BatchNorm into its Conv itself: the file has 53
  // Convs with biases and no BatchNormalization, so the import has what the zoo has.
  CHECK_FALSE(m.at("op_types").contains("BatchNormalization"));
  CHECK(imp.graph.param_count() == zoo.param_count());  // 25,530,472
  CHECK(imp.graph.total_macs() == zoo.total_macs());    // 4,089,184,256
  CHECK(count_kind(imp.graph, "conv2d") == count_kind(zoo, "conv2d"));
  CHECK(count_kind(imp.graph, "linear") == 1);  // the classifier, a Gemm with transB
  // torchvision's own count has the BatchNorms' scales and shifts (2 x 26,560) and no conv
  // biases (26,560 after folding): 25,557,032 - 26,560.
  CHECK(m.at("torch_params").get<std::int64_t>() == 25557032);
  CHECK(m.at("bn_channels_folded").get<std::int64_t>() == 26560);
  // 49 ReLUs: 33 fused into their Conv, 16 after a residual Add (on ScalarE, as in the zoo).
  CHECK(imp.report.ops.at("Relu").fused == 33);
  CHECK(imp.report.ops.at("Relu").mapped == 16);
  CHECK(imp.report.ops.at("Identity").nodes > 0);  // the exporter's aliases of shared weights
  // Each fused ReLU costs what the zoo's does.
  std::int64_t scalar_imp = 0, scalar_zoo = 0;
  for (const auto& op : imp.graph.ops) scalar_imp += op.work.scalar_flops;
  for (const auto& op : zoo.ops) scalar_zoo += op.work.scalar_flops;
  CHECK(scalar_imp == scalar_zoo);

  // The batch axis is dynamic: left unset it is an error naming it, and a batch of 4 is one
  // simulated sample with 4 times the work.
  const std::string path = m.at("path").get<std::string>();
  CHECK_THAT(error_message([&] { infsim::import_onnx_file(path); }),
             Contains("'input' [batch, 3, 224, 224]"));
  OnnxImportOptions four;
  four.input_shapes["input"] = {4, 3, 224, 224};
  const OnnxImport b4 = infsim::import_onnx_file(path, four);
  CHECK(b4.graph.total_macs() == 4 * zoo.total_macs());
  CHECK(b4.graph.param_count() == zoo.param_count());
}

TEST_CASE("onnx torch: torchvision's MobileNetV2 (opset 11): depthwise convs and ReLU6 as Clip",
          "[onnx][torch]") {
  const json m = exported("mobilenet_v2");
  if (m.is_null()) return;
  const OnnxImport imp = import_exported(m);
  // torchvision counts 3,504,872 parameters; the 52 BatchNorms (17,056 channels) folded into
  // their bias-free convolutions leave 3,487,816 (export_torch.py explains the arithmetic).
  CHECK(m.at("torch_params").get<std::int64_t>() == 3504872);
  CHECK(m.at("bn_channels_folded").get<std::int64_t>() == 17056);
  CHECK(imp.graph.param_count() == 3487816);
  CHECK(imp.graph.total_macs() == m.at("expected_macs").get<std::int64_t>());  // 300,774,272
  // One depthwise 3x3 convolution per inverted-residual block, on the VectorEngine: 9 MACs per
  // output, 2 FLOPs per MAC, no TensorEngine work.
  int depthwise = 0;
  for (const auto& op : imp.graph.ops) {
    if (op.kind != "conv2d" || op.engine != infsim::Engine::Vector) continue;
    ++depthwise;
    CHECK(op.work.gemm.empty());
    CHECK(op.work.vector_macs == op.out_elems() * 9);
    CHECK(op.work.vector_flops == 2 * op.work.vector_macs);
    CHECK(op.weight_elems == op.shape[0] * 10);  // 9 weights and a bias per channel
  }
  CHECK(depthwise == 17);
  // ReLU6 is Clip(x, 0, 6) with its bounds as Constant inputs (opset 11), fused into each Conv.
  CHECK(imp.report.ops.at("Clip").fused == 35);
  CHECK(count_kind(imp.graph, "clip") == 0);
  CHECK(count_kind(imp.graph, "add") == 10);  // the residual connections
}

TEST_CASE("onnx torch: torchvision's SqueezeNet 1.0 at opset 9 (ceil-mode pools, Concat)",
          "[onnx][torch]") {
  const json m = exported("squeezenet1_0");
  if (m.is_null()) return;
  const OnnxImport imp = import_exported(m);
  CHECK(imp.report.opset == 9);
  CHECK(imp.graph.param_count() == 1248424);  // torchvision's count: no BatchNorm
  CHECK(imp.graph.total_macs() == m.at("expected_macs").get<std::int64_t>());  // 818,924,576
  // MaxPool(ceil_mode=True) has no ceil_mode at opset 9: the exporter pads the bottom and
  // right edges instead, which the importer costs as a general pool.
  CHECK(count_kind(imp.graph, "maxpool") == 3);
  CHECK(count_kind(imp.graph, "concat") == 8);  // the Fire modules' expand branches
  CHECK(imp.report.ops.at("Relu").fused == 26);
}

TEST_CASE("onnx torch: torchvision's ViT-B/16 (opset 14, decomposed LayerNorm, GELU as Erf)",
          "[onnx][torch]") {
  const json m = exported("vit_b_16");
  if (m.is_null()) return;
  const OnnxImport imp = import_exported(m);
  // Everything torchvision counts, the class token (a Concat operand) and the position
  // embedding (an Add operand) included.
  CHECK(imp.graph.param_count() == 86567656);
  CHECK(imp.graph.param_count() == m.at("torch_params").get<std::int64_t>());
  // 17.56 G: the patch embedding, 12 x (Q/K/V and output projections, Q.K^T, softmax.V, MLP)
  // and the head, as export_torch.py counts them from the modules.
  CHECK(imp.graph.total_macs() == m.at("expected_macs").get<std::int64_t>());
  CHECK(imp.graph.total_macs() == 17563828224);
  CHECK(count_kind(imp.graph, "softmax") == 12);
  CHECK(count_kind(imp.graph, "erf") == 12);
  CHECK(count_kind(imp.graph, "reduce_mean") == 2 * 25);  // 25 LayerNorms, two means each
  CHECK(count_kind(imp.graph, "matmul") == 2 * 12);       // Q.K^T and softmax.V per layer
  CHECK(count_kind(imp.graph, "conv2d") == 1);
  CHECK(imp.report.external_initializers > 0);  // weights moved to a file never written
  CHECK(imp.report.ops.at("Shape").folded == imp.report.ops.at("Shape").nodes);
}

TEST_CASE("onnx torch: a BERT-like nn.TransformerEncoder at opsets 13 and 17, sequence 128 and 64",
          "[onnx][torch]") {
  for (const char* key : {"bert_like_opset13", "bert_like_opset17"}) {
    INFO(key);
    const json m = exported(key);
    if (m.is_null()) return;
    const json& config = m.at("config");
    const auto layers = config.at("layers").get<int>();
    for (std::int64_t seq : {128, 64}) {
      INFO("sequence length " << seq);
      OnnxImportOptions o;
      o.input_shapes["input_ids"] = {1, seq};
      o.input_shapes["attention_mask"] = {1, seq};
      const OnnxImport imp = infsim::import_onnx_file(m.at("path").get<std::string>(), o);
      // Every parameter of the module, the full position table included; the zeros_like
      // attention-mask fills the exporter writes are computed, not parameters.
      CHECK(imp.graph.param_count() == m.at("torch_params").get<std::int64_t>());
      CHECK(imp.graph.total_macs() == encoder_macs(config, seq));
      if (seq == 128) CHECK(imp.graph.total_macs() == m.at("expected_macs").get<std::int64_t>());
      CHECK(count_kind(imp.graph, "embedding") == 2);  // tokens, and positions (constant ids)
      CHECK(count_kind(imp.graph, "softmax") == layers);
      CHECK(count_kind(imp.graph, "erf") == layers);
      CHECK(count_kind(imp.graph, "where") == layers);  // the key padding mask
      if (m.at("opset").get<int>() >= 17) {
        CHECK(count_kind(imp.graph, "layernorm") == 2 * layers + 1);
      } else {
        CHECK(count_kind(imp.graph, "reduce_mean") == 2 * (2 * layers + 1));
      }
    }
  }
}

TEST_CASE("onnx torch cli: run --graph on exported CNN and transformer models, --cores auto",
          "[onnx][torch][cli]") {
  struct Run {
    const char* key;
    std::vector<std::string> shapes;
  };
  const Run runs[] = {
      {"resnet50", {"--input-shape", "input=1,3,224,224"}},
      {"vit_b_16", {"--input-shape", "input=1,3,224,224"}},
      {"bert_like_opset13",
       {"--input-shape", "input_ids=1,128", "--input-shape", "attention_mask=1,128"}},
      {"mobilenet_v2", {}},  // exported with a fixed batch: no --input-shape needed
  };
  double resnet_throughput = 0;
  for (const Run& run : runs) {
    INFO(run.key);
    const json m = exported(run.key);
    if (m.is_null()) return;
    TempDir dir;
    const std::string report = dir.file("r.json");
    std::vector<std::string> args = {"run", "--graph", m.at("path").get<std::string>()};
    args.insert(args.end(), run.shapes.begin(), run.shapes.end());
    for (const char* a :
         {"--preset", "inf1.6xlarge", "--cores", "auto", "--requests", "100", "--json"}) {
      args.push_back(a);
    }
    args.push_back(report);
    const RunResult r = run_cli(args);
    INFO("stderr: " << r.err);
    REQUIRE_FALSE(r.signaled);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("cores auto: "));
    CHECK_THAT(r.out, Contains("throughput"));
    const json j = json::parse(read_text(report));
    CHECK(j.at("cores").get<int>() >= 1);
    CHECK(j.at("cores").get<int>() <= 16);
    CHECK(j.at("throughput_per_s").get<double>() > 0);
    if (std::string(run.key) == "resnet50") resnet_throughput = j.at("throughput_per_s");
  }
  // The exported ResNet-50 plans and runs exactly as the zoo's (same cores, same throughput).
  TempDir dir;
  const std::string report = dir.file("zoo.json");
  const RunResult zoo = run_cli({"run", "--model", "resnet50", "--preset", "inf1.6xlarge",
                                 "--cores", "auto", "--requests", "100", "--json", report});
  REQUIRE(zoo.exit_code == 0);
  CHECK(json::parse(read_text(report)).at("throughput_per_s").get<double>() ==
        Approx(resnet_throughput).epsilon(1e-12));
}

TEST_CASE("onnx torch: a 640x640 segmentation network runs on one core by tiling and spilling",
          "[onnx][torch][tiling]") {
  const json m = exported("lraspp_mobilenet_v3");
  if (m.is_null()) return;
  TempDir dir;
  const std::string report = dir.file("r.json");
  for (const char* batch : {"1", "4"}) {
    INFO("batch " << batch);
    const RunResult r =
        run_cli({"run", "--graph", m.at("path").get<std::string>(), "--input-shape",
                 std::string("input=") + batch + ",3,640,640", "--preset", "inf1.xlarge", "--cores",
                 "1", "--requests", "20", "--no-progress", "--json", report});
    INFO("stderr: " << r.err);
    REQUIRE_FALSE(r.signaled);
    REQUIRE(r.exit_code == 0);
    const json j = json::parse(read_text(report));
    const json& d = j.at("dram_traffic_per_request");
    // Its activations do not fit a 12 MiB State Buffer beside its weights: some live in DRAM.
    CHECK(d.at("activations_spilled").get<double>() > 0);
    CHECK(d.at("activations_reloaded").get<double>() > 0);
    CHECK(j.at("throughput_per_s").get<double>() > 0);
    CHECK(j.at("throughput_per_s").get<double>() <= j.at("peak_throughput_per_s").get<double>());
    const json& stage = j.at("plan").at("stages").at(0);
    CHECK(stage.contains("activations"));
    CHECK(stage.at("activations").at("ops").size() > 0);
  }
}
