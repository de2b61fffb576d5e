// Hostile input (issue 11, docs/RELIABILITY.md): bounded JSON nesting, checked size arithmetic,
// ONNX models checked before shape inference. Every case must end in one infsim::Error (or one
// `infsim: error:` line from the CLI), never a crash, a hang or a wrapped number.
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "infsim/common/checked.hpp"
#include "infsim/common/json_input.hpp"
#include "infsim/compiler.hpp"
#include "infsim/config.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/microbench.hpp"
#include "infsim/onnx_import.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using infsim::test::run_cli;
using infsim::test::RunResult;
using infsim::test::TempDir;

namespace {

/// `depth` arrays nested in one another, the innermost holding 1.
std::string nested(int depth, const std::string& inner = "1") {
  return std::string(static_cast<std::size_t>(depth), '[') + inner +
         std::string(static_cast<std::size_t>(depth), ']');
}

/// The CLI failed on its own terms: no signal, exit 1..127, and its stderr ends with one
/// `infsim: error:` line holding every string of `expect`.
void require_cli_error(const RunResult& r, const std::vector<std::string>& expect) {
  INFO("stdout: " << r.out);
  INFO("stderr: " << r.err);
  REQUIRE_FALSE(r.signaled);
  CHECK(r.exit_code > 0);
  CHECK(r.exit_code < 128);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK_THAT(r.err, StartsWith("infsim: error:"));
  for (const auto& e : expect) CHECK_THAT(r.err, Contains(e));
}

}  // namespace

TEST_CASE("json input: nesting up to the limit parses, deeper is refused", "[reliability][json]") {
  using infsim::kMaxJsonDepth;
  CHECK(infsim::parse_json_input(nested(kMaxJsonDepth)).is_array());
  CHECK(infsim::parse_json_input<nlohmann::ordered_json>(nested(kMaxJsonDepth)).is_array());
  for (int depth : {kMaxJsonDepth + 1, 100000}) {
    REQUIRE_THROWS_AS(infsim::parse_json_input(nested(depth)), infsim::JsonDepthError);
    REQUIRE_THROWS_AS(infsim::parse_json_input<nlohmann::ordered_json>(nested(depth)),
                      infsim::JsonDepthError);
  }
  // Objects count as arrays do, and a value inside a deep object is reached.
  std::string obj;
  for (int i = 0; i <= kMaxJsonDepth; ++i) obj += "{\"a\":";
  obj += "1" + std::string(static_cast<std::size_t>(kMaxJsonDepth) + 1, '}');
  REQUIRE_THROWS_WITH(infsim::parse_json_input(obj),
                      Contains("nested deeper than " + std::to_string(kMaxJsonDepth)));
  // Syntax errors are JsonInputError, not the parser's own exception.
  REQUIRE_THROWS_AS(infsim::parse_json_input("{"), infsim::JsonInputError);
  REQUIRE_THROWS_AS(infsim::parse_json_input("1e400"), infsim::JsonInputError);
}

TEST_CASE("json input: a preview is short and safe at any depth or size", "[reliability][json]") {
  nlohmann::json deep = 1;  // built in C++, so never depth-checked
  for (int i = 0; i < 100000; ++i) deep = nlohmann::json::array({std::move(deep)});
  const std::string p = infsim::json_preview(deep);
  CHECK(p.size() <= 80);
  CHECK_THAT(p, StartsWith("[[[[[...]]]]]"));
  CHECK(infsim::json_preview(nlohmann::json(std::string(1000000, 'x'))).size() == 80);
  CHECK(infsim::json_preview(nlohmann::json{{"a", 1}, {"b", "c"}}) == R"({"a":1,"b":"c"})");
  CHECK(infsim::json_preview(nlohmann::json(std::string("\xff"))) == "\"\xef\xbf\xbd\"");
}

TEST_CASE("json input: every reader refuses a 100,000-deep file naming it", "[reliability][json]") {
  TempDir dir;
  const std::string deep = nested(100000);
  const std::string cfg_file = dir.write("deep_config.json", "{\"core\": " + deep + "}");
  infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  REQUIRE_THROWS_WITH(infsim::apply_file(cfg, cfg_file),
                      Contains("deep_config.json") && Contains("nested deeper than 64"));
  const std::string graph_file = dir.write("deep_graph.json", "{\"ops\": " + deep + "}");
  REQUIRE_THROWS_AS(infsim::load_graph_file(graph_file), infsim::GraphError);
  REQUIRE_THROWS_WITH(infsim::load_graph_file(graph_file),
                      Contains("deep_graph.json") && Contains("nested deeper"));
  const std::string plan_file = dir.write("deep_plan.json", "{\"groups\": " + deep + "}");
  const infsim::Graph g = infsim::test::tiny();
  REQUIRE_THROWS_AS(infsim::load_plan_file(plan_file, g, cfg), infsim::CompileError);
  REQUIRE_THROWS_WITH(infsim::load_plan_file(plan_file, g, cfg),
                      Contains("deep_plan.json") && Contains("nested deeper"));
  REQUIRE_THROWS_WITH(
      infsim::apply_override(cfg, "core.sram.capacity_mib=" + deep, "--set"),
      Contains("--set") && Contains("core.sram.capacity_mib") && Contains("nested deeper"));
  // A shallow but wrong value still gets the short preview in the message.
  REQUIRE_THROWS_WITH(infsim::apply_override(cfg, "core.sram.capacity_mib=" + nested(60), "--set"),
                      Contains("[[[[[...]]]]]"));
}

TEST_CASE("json input: the CLI refuses deep --config, --plan, --set and sweep specs",
          "[reliability][json][cli]") {
  TempDir dir;
  const std::string deep = nested(100000);
  const std::string cfg = dir.write("deep_config.json", "{\"core\": " + deep + "}");
  require_cli_error(run_cli({"compile", "--preset", "inf1.xlarge", "--config", cfg}),
                    {"deep_config.json", "nested deeper"});
  const std::string plan = dir.write("deep_plan.json", deep);
  require_cli_error(run_cli({"run", "--preset", "inf1.xlarge", "--requests", "5", "--plan", plan}),
                    {"deep_plan.json", "nested deeper"});
  // An argument is at most 128 KiB (MAX_ARG_STRLEN): 50,000 levels.
  require_cli_error(
      run_cli({"compile", "--preset", "inf1.xlarge", "--set", "chips=" + nested(50000)}),
      {"chips", "nested deeper"});
  const std::string graph = dir.write("deep_graph.json", deep);
  require_cli_error(run_cli({"graph", graph}), {"deep_graph.json", "nested deeper"});
  const std::string spec = dir.write("deep_spec.json", "{\"grid\": {\"cores\": " + deep + "}}");
  require_cli_error(run_cli({"sweep", spec, "--out", dir.file("out.csv")}),
                    {"deep_spec.json", "nested deeper"});
}

// --- Sizes -------------------------------------------------------------------------------------

TEST_CASE("sizes: checked arithmetic says when a product overflows", "[reliability][sizes]") {
  std::int64_t r = 0;
  CHECK(infsim::checked_product({1 << 20, 1 << 20, 1 << 20}, &r));
  CHECK(r == std::int64_t{1} << 60);
  CHECK_FALSE(infsim::checked_product({std::int64_t{1} << 32, std::int64_t{1} << 32, 3}, &r));
  CHECK_FALSE(infsim::checked_mul(INT64_MAX, 2, &r));
  CHECK_FALSE(infsim::checked_add(INT64_MAX, 1, &r));
  CHECK(infsim::checked_product(std::vector<std::int64_t>{}, 0, 0, &r));
  CHECK(r == 1);
}

TEST_CASE("sizes: graphs whose sizes overflow or exceed 2^48 bytes are refused",
          "[reliability][sizes]") {
  using infsim::GraphBuilder;
  // The issue's case: [2^32, 2^32, 3] wrapped to 0 bytes.
  REQUIRE_THROWS_WITH(
      [] {
        GraphBuilder b("big");
        b.input("x", {4294967296, 4294967296, 3});
      }(),
      Contains("'x'") && Contains("[4294967296, 4294967296, 3]") && Contains("2^48"));
  // Exactly 2^48 bytes of FP16 is the limit; one element more is refused.
  {
    GraphBuilder b("edge");
    CHECK_NOTHROW(b.input("x", {std::int64_t{1} << 47}));
    REQUIRE_THROWS_WITH(b.input("y", {(std::int64_t{1} << 47) + 1}), Contains("2^48"));
  }
  // Products inside an op: a linear layer of 2^40 x 2^40 weights.
  {
    GraphBuilder b("wide");
    const int x = b.input("x", {std::int64_t{1} << 40});
    REQUIRE_THROWS_WITH(b.linear("fc", x, std::int64_t{1} << 40), Contains("'fc'"));
  }
  // A huge padding no longer wraps the window arithmetic.
  {
    GraphBuilder b("pad");
    const int x = b.input("x", {3, 8, 8});
    REQUIRE_THROWS_WITH(b.conv2d("c", x, infsim::Conv2dOptions(4, 3).pad(std::int64_t{1} << 62)),
                        Contains("'c'") && Contains("overflow"));
  }
  // MACs beyond 2^56 per op.
  {
    GraphBuilder b("macs");
    const int x = b.input("x", {std::int64_t{1} << 20, std::int64_t{1} << 19});
    REQUIRE_THROWS_WITH(b.linear("fc", x, std::int64_t{1} << 19),
                        Contains("'fc'") && Contains("2^56"));
  }
}

TEST_CASE("sizes: a JSON graph with a huge shape is refused, not 0 bytes", "[reliability][sizes]") {
  const nlohmann::json j = nlohmann::json::parse(R"({"name": "big", "ops": [
      {"name": "x", "op": "input", "shape": [4294967296, 4294967296, 3]},
      {"name": "r", "op": "relu", "inputs": ["x"]}]})");
  REQUIRE_THROWS_AS(infsim::graph_from_json(j, "big.json"), infsim::GraphError);
  REQUIRE_THROWS_WITH(infsim::graph_from_json(j, "big.json"), Contains("2^48"));
  TempDir dir;
  const std::string f = dir.write("big.json", j.dump());
  require_cli_error(run_cli({"graph", f}), {"big.json", "2^48"});
  require_cli_error(run_cli({"run", "--graph", f, "--requests", "5"}), {"big.json", "2^48"});
}

TEST_CASE("sizes: microbench tensor dimensions beyond the limit are refused",
          "[reliability][sizes][cli]") {
  // 1e12 is not a whole number to the option parser (its message format is the CLI's).
  const RunResult e = run_cli({"microbench", "tensor", "--m", "1e12", "--n", "1", "--k", "1"});
  CHECK_FALSE(e.signaled);
  CHECK(e.exit_code != 0);
  CHECK(e.out.empty());
  require_cli_error(run_cli({"microbench", "tensor", "--m", "4294967296", "--n", "4294967296",
                             "--k", "4294967296"}),
                    {"microbench tensor", "2^48"});
  require_cli_error(
      run_cli({"microbench", "tensor", "--m", "10000000", "--n", "100000", "--k", "100000"}),
      {"microbench tensor", "2^56 MACs"});
  CHECK_THROWS_WITH(infsim::microbench_tensor(infsim::preset("inf1.xlarge"), 1000000000000,
                                              1000000000000, 1000000000000),
                    Contains("2^48"));
}

// --- ONNX ----------------------------------------------------------------------------------------

namespace {

/// A one-node model built with the protobuf classes: x [1, 1, 8, 8] -> `op` -> y, with a
/// [1, 1, 3, 3] weight for Conv. `edit` changes the node (its attributes) before serializing.
std::string onnx_model(const std::string& op,
                       const std::function<void(onnx::NodeProto&)>& edit = {},
                       std::int64_t opset = 13) {
  onnx::ModelProto m;
  m.set_ir_version(7);
  m.set_producer_name("infsim tests");
  auto* o = m.add_opset_import();
  o->set_domain("");
  o->set_version(opset);
  auto* g = m.mutable_graph();
  g->set_name("crafted");
  auto* x = g->add_input();
  x->set_name("x");
  auto* xt = x->mutable_type()->mutable_tensor_type();
  xt->set_elem_type(onnx::TensorProto::FLOAT);
  for (std::int64_t d : {1, 1, 8, 8}) xt->mutable_shape()->add_dim()->set_dim_value(d);
  auto* n = g->add_node();
  n->set_op_type(op);
  n->set_name(op == "Conv" ? "conv" : "pool");
  n->add_input("x");
  if (op == "Conv") {
    n->add_input("w");
    auto* w = g->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    for (std::int64_t d : {1, 1, 3, 3}) w->add_dims(d);
    for (int i = 0; i < 9; ++i) w->add_float_data(0.1f * static_cast<float>(i));
  }
  n->add_output("y");
  auto ints = [&](const char* name, std::vector<std::int64_t> v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto i : v) a->add_ints(i);
  };
  ints("kernel_shape", {3, 3});
  if (edit) edit(*n);
  auto* y = g->add_output();
  y->set_name("y");
  y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  return m.SerializeAsString();
}

/// Sets (or replaces) an INTS attribute of a node.
std::function<void(onnx::NodeProto&)> with_ints(const std::string& name,
                                                std::vector<std::int64_t> v) {
  return [name, v](onnx::NodeProto& n) {
    onnx::AttributeProto* a = nullptr;
    for (auto& x : *n.mutable_attribute()) {
      if (x.name() == name) a = &x;
    }
    if (!a) a = n.add_attribute();
    a->Clear();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (auto i : v) a->add_ints(i);
  };
}

infsim::OnnxImport import_bytes(const std::string& bytes,
                                std::map<std::string, std::vector<std::int64_t>> shapes = {}) {
  infsim::OnnxImportOptions o;
  o.input_shapes = std::move(shapes);
  return infsim::import_onnx_bytes(bytes, "crafted.onnx", o);
}

}  // namespace

TEST_CASE("onnx checks: the crafted models import when valid", "[reliability][onnx]") {
  CHECK(import_bytes(onnx_model("Conv")).graph.total_macs() == 36 * 9);
  CHECK(import_bytes(onnx_model("MaxPool")).graph.ops.size() == 2);
  CHECK(import_bytes(onnx_model("Conv", with_ints("strides", {2, 2}))).graph.total_macs() == 9 * 9);
}

TEST_CASE("onnx checks: window attributes are checked before shape inference",
          "[reliability][onnx]") {
  struct Case {
    std::string op, attr;
    std::vector<std::int64_t> v;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {"Conv", "strides", {0, 0}, "strides [0, 0] must be > 0"},  // SIGFPE in libonnx before
      {"MaxPool", "strides", {0, 0}, "strides [0, 0] must be > 0"},
      {"Conv", "dilations", {0, 0}, "dilations [0, 0] must be > 0"},
      {"Conv", "kernel_shape", {-3, 3}, "kernel_shape [-3, 3] must be > 0"},
      {"MaxPool", "kernel_shape", {-3, -3}, "kernel_shape [-3, -3] must be > 0"},
      {"Conv", "pads", {-1, 0, 0, 0}, "pads [-1, 0, 0, 0] must be >= 0"},
      {"AveragePool", "pads", {0, 0, -2, 0}, "must be >= 0"},
      {"Conv", "strides", {1, 1, 1}, "strides [1, 1, 1] has 3 entries"},
      {"MaxPool", "pads", {0, 0}, "pads [0, 0] has 2 entries"},
      {"Conv", "dilations", {1}, "has 1 entries"},
      {"Conv", "group", {}, "the ONNX checker refuses it"},  // INTS where INT is required
  };
  for (const auto& c : cases) {
    INFO(c.op << " " << c.attr);
    const std::string bytes = onnx_model(c.op, with_ints(c.attr, c.v));
    REQUIRE_THROWS_WITH(import_bytes(bytes),
                        StartsWith("crafted.onnx: node '") && Contains(c.expect));
  }
  // group = 0 (an INT attribute).
  const std::string g0 = onnx_model("Conv", [](onnx::NodeProto& n) {
    auto* a = n.add_attribute();
    a->set_name("group");
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(0);
  });
  REQUIRE_THROWS_WITH(import_bytes(g0), Contains("group 0 must be > 0"));
}

TEST_CASE("onnx checks: opsets and IR versions this libonnx does not know are refused",
          "[reliability][onnx]") {
  REQUIRE_THROWS_WITH(import_bytes(onnx_model("Conv", {}, 99)),
                      Contains("opset 99 of domain 'ai.onnx'") && Contains("supports (1 to"));
  REQUIRE_THROWS_WITH(import_bytes(onnx_model("Conv", {}, 0)), Contains("opset 0"));
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(onnx_model("Conv")));
  m.set_ir_version(99);
  REQUIRE_THROWS_WITH(import_bytes(m.SerializeAsString()), Contains("IR version 99"));
}

TEST_CASE("onnx checks: the ONNX checker refuses nodes that break their schema",
          "[reliability][onnx]") {
  // An attribute Conv does not have, and a Conv without its weight input.
  REQUIRE_THROWS_WITH(import_bytes(onnx_model("Conv", with_ints("frobnicate", {1}))),
                      Contains("node 'conv' (Conv): the ONNX checker refuses it"));
  REQUIRE_THROWS_WITH(
      import_bytes(onnx_model("Conv", [](onnx::NodeProto& n) { n.mutable_input()->RemoveLast(); })),
      Contains("node 'conv' (Conv)"));
}

TEST_CASE("onnx checks: input shapes whose sizes overflow are refused", "[reliability][onnx]") {
  const std::string bytes = onnx_model("Conv");
  REQUIRE_THROWS_WITH(import_bytes(bytes, {{"x", {1, 3, 4294967296, 4294967296}}}),
                      Contains("input 'x'") && Contains("64-bit"));
  REQUIRE_THROWS_WITH(import_bytes(bytes, {{"x", {1, 1, 16777216, 16777216}}}),
                      Contains("input 'x'") && Contains("2^48"));
  // An initializer whose dims were flipped to something huge.
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(bytes));
  m.mutable_graph()->mutable_initializer(0)->set_dims(2, std::int64_t{1} << 50);
  REQUIRE_THROWS_WITH(import_bytes(m.SerializeAsString()), Contains("initializer 'w'"));
  // The CLI: the issue's case (it reported 2,048,000 MACs).
  TempDir dir;
  const std::string f = dir.write("m.onnx", bytes);
  require_cli_error(run_cli({"graph", f, "--input-shape", "x=1,3,4294967296,4294967296"}),
                    {"m.onnx", "input 'x'"});
}

TEST_CASE("onnx checks: every one-bit flip of a valid model imports or fails cleanly",
          "[reliability][onnx]") {
  // Each flip of a bounded, evenly spread sample of the bits of small valid models: the import
  // returns a graph or throws infsim::Error; a crash or another exception fails the test.
  for (const std::string& op : {std::string("Conv"), std::string("MaxPool")}) {
    const std::string good = onnx_model(op, with_ints("pads", {1, 1, 1, 1}));
    const std::size_t bits = good.size() * 8;
    const std::size_t step = std::max<std::size_t>(1, bits / 1500);
    int imported = 0, refused = 0;
    for (std::size_t bit = 0; bit < bits; bit += step) {
      std::string bad = good;
      bad[bit / 8] = static_cast<char>(bad[bit / 8] ^ (1 << (bit % 8)));
      try {
        import_bytes(bad);
        ++imported;
      } catch (const infsim::Error&) {
        ++refused;
      }
    }
    INFO(op << ": " << imported << " imported, " << refused << " refused");
    CHECK(imported > 0);
    CHECK(refused > 0);
  }
}

TEST_CASE("utf-8: names from an ONNX model and raw --set text must be UTF-8",
          "[reliability][onnx][json]") {
  CHECK(infsim::is_valid_utf8("plain ascii"));
  CHECK(infsim::is_valid_utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(infsim::is_valid_utf8("\xff"));
  CHECK_FALSE(infsim::is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(infsim::is_valid_utf8("\xed\xa0\x80"));      // a surrogate
  CHECK_FALSE(infsim::is_valid_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(infsim::is_valid_utf8("\xe2\x82"));          // cut short
  // Found by fuzz_onnx: a flipped byte in the producer name made the import report's JSON
  // throw nlohmann's type_error 316 when written.
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(onnx_model("Conv")));
  m.set_producer_name("backe\xd5st");
  REQUIRE_THROWS_WITH(import_bytes(m.SerializeAsString()),
                      Contains("the producer name is not valid UTF-8"));
  REQUIRE(m.ParseFromString(onnx_model("Conv")));
  m.mutable_graph()->mutable_node(0)->set_name("c\xffnv");
  REQUIRE_THROWS_WITH(import_bytes(m.SerializeAsString()),
                      Contains("node 0: its name is not valid UTF-8"));
  infsim::SystemConfig cfg = infsim::preset("inf1.xlarge");
  REQUIRE_THROWS_WITH(infsim::apply_override(cfg, "name=my\xff-config", "--set"),
                      Contains("--set: name") && Contains("not valid UTF-8"));
}

TEST_CASE("onnx checks: Conv weights that shape inference cannot type are refused, not a crash",
          "[reliability][onnx]") {
  // Found by fuzz_onnx: libonnx 1.12's convPoolShapeInference dereferenced the missing type of
  // weights computed by a node it cannot type (here an operator of an unknown domain).
  const std::string bytes = onnx_model("Conv", [](onnx::NodeProto& n) {
    n.set_input(1, "wf");
    n.mutable_attribute()->Clear();  // no kernel_shape: it comes from the weights
  });
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(bytes));
  auto* o = m.add_opset_import();
  o->set_domain("my.ops");
  o->set_version(1);
  auto* g = m.mutable_graph();
  g->clear_initializer();
  onnx::NodeProto foo;
  foo.set_op_type("Foo");
  foo.set_domain("my.ops");
  foo.set_name("foo");
  foo.add_input("x");
  foo.add_output("wf");
  onnx::NodeProto conv = g->node(0);
  g->clear_node();
  *g->add_node() = foo;
  *g->add_node() = conv;
  REQUIRE_THROWS_WITH(
      import_bytes(m.SerializeAsString()),
      Contains("node 'conv' (Conv)") && Contains("cannot give the shape of its weights 'wf'"));
}

TEST_CASE("onnx checks: Conv weights of the wrong rank are refused, not a crash",
          "[reliability][onnx]") {
  // Found by fuzz_onnx: weights of rank 2 (a flipped dims varint) under a Conv without
  // kernel_shape made libonnx 1.12 index an empty kernel.
  for (std::vector<std::int64_t> dims :
       {std::vector<std::int64_t>{1056914408, 3}, std::vector<std::int64_t>{1, 1, 3}}) {
    onnx::ModelProto m;
    REQUIRE(m.ParseFromString(onnx_model("Conv")));
    auto* n = m.mutable_graph()->mutable_node(0);
    n->mutable_attribute()->Clear();  // no kernel_shape: it comes from the weights
    if (dims.size() == 3) n->set_op_type("ConvTranspose");  // found by fuzz_onnx too
    auto* w = m.mutable_graph()->mutable_initializer(0);
    w->clear_dims();
    for (auto d : dims) w->add_dims(d);
    CHECK_THROWS_AS(import_bytes(m.SerializeAsString()), infsim::GraphError);
  }
  TempDir dir;
  const std::string seed = infsim::test::read_text(std::string(INFSIM_SOURCE_DIR) +
                                                   "/fuzz/corpus/onnx/found_conv_weight_type");
  REQUIRE_FALSE(seed.empty());
  CHECK_THROWS_AS(import_bytes(seed.substr(seed.find('\n') + 1)), infsim::GraphError);
}
