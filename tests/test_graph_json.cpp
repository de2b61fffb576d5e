// The JSON graph format: round trips, the example file and every bad-input path.
#include <catch2/catch.hpp>

#include <string>

#include "infsim/common/error.hpp"
#include "infsim/graph_json.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using Catch::Matchers::Contains;
using infsim::Graph;
using infsim::GraphError;
using infsim::test::TempDir;
using nlohmann::json;
using Shape = std::vector<std::int64_t>;

namespace {

// A two-op graph with `extra` merged into ops[1] (a conv on a [3, 8, 8] input).
json conv_graph(const json& extra = json::object()) {
  json conv = {{"name", "conv1"},
               {"op", "conv2d"},
               {"inputs", {"x"}},
               {"out_channels", 4},
               {"kernel", {3, 3}}};
  for (const auto& item : extra.items()) conv[item.key()] = item.value();
  return json{{"name", "g"},
              {"ops", {{{"name", "x"}, {"op", "input"}, {"shape", {3, 8, 8}}}, conv}}};
}

void require_same_ops(const Graph& a, const Graph& b) {
  REQUIRE(a.ops.size() == b.ops.size());
  CHECK(a.name == b.name);
  CHECK(a.dtype == b.dtype);
  CHECK(a.param_count() == b.param_count());
  CHECK(a.total_macs() == b.total_macs());
  for (std::size_t i = 0; i < a.ops.size(); ++i) {
    const auto& x = a.ops[i];
    const auto& y = b.ops[i];
    INFO("op " << x.name);
    CHECK(x.name == y.name);
    CHECK(x.kind == y.kind);
    CHECK(x.engine == y.engine);
    CHECK(x.inputs == y.inputs);
    CHECK(x.shape == y.shape);
    CHECK(x.weight_elems == y.weight_elems);
    CHECK(x.work.gemm.m == y.work.gemm.m);
    CHECK(x.work.gemm.k == y.work.gemm.k);
    CHECK(x.work.gemm.n == y.work.gemm.n);
    CHECK(x.work.gemm.groups == y.work.gemm.groups);
    CHECK(x.work.vector_flops == y.work.vector_flops);
    CHECK(x.work.scalar_flops == y.work.scalar_flops);
    CHECK(x.work.moved_bytes == y.work.moved_bytes);
    CHECK(x.attrs == y.attrs);
  }
}

}  // namespace

TEST_CASE("JSON round trip of every zoo model", "[graph_json]") {
  for (const auto& m : infsim::zoo_models()) {
    INFO(m.name);
    const Graph g = infsim::build_model(m.name);
    const json j = graph_to_json(g);
    require_same_ops(g, infsim::graph_from_json(j));
    // Through text as well.
    require_same_ops(g, infsim::graph_from_json(json::parse(j.dump())));
  }
  infsim::ModelOptions o;
  o.dtype = infsim::DType::BF16;
  o.seq_len = 64;
  const Graph g = infsim::bert_base(o);
  const Graph back = infsim::graph_from_json(graph_to_json(g));
  CHECK(back.dtype == infsim::DType::BF16);
  require_same_ops(g, back);
}

TEST_CASE("JSON defaults and the shorthand for pairs", "[graph_json]") {
  const Graph g = infsim::graph_from_json(conv_graph());
  CHECK(g.name == "g");
  CHECK(g.dtype == infsim::DType::FP16);  // default
  const auto& c = g.ops[1];
  CHECK(c.shape == Shape{4, 6, 6});  // stride 1, pad 0: (8 - 3)/1 + 1 = 6
  CHECK(c.weight_elems == 112);      // 4 · 3 · 3 · 3 + 4 (bias on by default)
  CHECK(c.work.scalar_flops == 0);   // activation "none" by default
  CHECK(c.attrs.at("groups") == 1);

  const Graph h = infsim::graph_from_json(
      conv_graph({{"kernel", 3}, {"stride", 2}, {"pad", 1}, {"bias", false}}));
  CHECK(h.ops[1].shape == Shape{4, 4, 4});  // (8 + 2 - 3)/2 + 1 = 4
  CHECK(h.ops[1].weight_elems == 108);      // 4 · 3 · 3 · 3
  CHECK(h.ops[1].attrs.at("stride") == json({2, 2}));

  // Pool stride defaults to the kernel.
  json p = conv_graph();
  p["ops"].push_back({{"name", "p"}, {"op", "maxpool"}, {"inputs", {"conv1"}}, {"kernel", 2}});
  CHECK(infsim::graph_from_json(p).ops[2].shape == Shape{4, 3, 3});  // (6 - 2)/2 + 1
}

TEST_CASE("JSON scalar and broadcast arithmetic, batchnorm: load and round trip", "[graph_json]") {
  const json j = json::parse(R"({"name": "attn", "ops": [
    {"name": "scores", "op": "input", "shape": [4, 16, 16]},
    {"name": "mask", "op": "input", "shape": [1, 16]},
    {"name": "scaled", "op": "mul", "inputs": ["scores"], "scalar": 0.25},
    {"name": "masked", "op": "add", "inputs": ["scaled", "mask"]},
    {"name": "bn", "op": "batchnorm", "inputs": ["masked"]}]})");
  const Graph g = infsim::graph_from_json(j, "attn.json");
  CHECK(g.ops[2].kind == "mul");
  CHECK(g.ops[2].attrs.at("scalar") == 0.25);
  CHECK(g.ops[2].work.vector_flops == 1024);
  CHECK(g.ops[3].shape == Shape{4, 16, 16});
  CHECK(g.ops[4].weight_elems == 8);
  require_same_ops(g, infsim::graph_from_json(infsim::graph_to_json(g), "round trip"));

  json bad = j;
  bad["ops"][2]["inputs"] = {"scores", "mask"};
  CHECK_THROWS_WITH(infsim::graph_from_json(bad, "attn.json"),
                    Contains("attn.json: ops[2] ('scaled'): field 'inputs': a 'mul' op takes 2 "
                             "inputs, or 1 with \"scalar\", got 2"));
  bad = j;
  bad["ops"][2]["scalar"] = "0.25";
  CHECK_THROWS_WITH(infsim::graph_from_json(bad, "attn.json"),
                    Contains("field 'scalar': must be a number, got string"));
  bad = j;
  bad["ops"][3]["inputs"] = {"scaled"};
  CHECK_THROWS_WITH(infsim::graph_from_json(bad, "attn.json"),
                    Contains("a 'add' op takes 2 inputs, or 1 with \"scalar\", got 1"));
  bad = j;
  bad["ops"][1]["shape"] = {3, 16};
  CHECK_THROWS_WITH(infsim::graph_from_json(bad, "attn.json"),
                    Contains("attn.json: ops[3] ('masked'): 'add' needs equal shapes or shapes "
                             "that broadcast") &&
                        Contains("got [4, 16, 16] and [3, 16]"));
}

TEST_CASE("the example tiny_cnn.json loads", "[graph_json]") {
  const Graph g =
      infsim::load_graph_file(std::string(INFSIM_SOURCE_DIR) + "/examples/models/tiny_cnn.json");
  CHECK(g.name == "tiny_cnn");
  CHECK(g.ops.size() == 10);
  // conv1 16·3·3·3 + 16 = 448; conv2 32·16·3·3 + 32 = 4,640; depthwise 32·1·3·3 = 288 (no
  // bias); fc 32·10 + 10 = 330. Sum 5,706.
  CHECK(g.param_count() == 5706);
  // conv1 1024·27·16 = 442,368; conv2 256·144·32 = 1,179,648; depthwise 256·9·1·32 = 73,728;
  // fc 32·10 = 320. Sum 1,696,064.
  CHECK(g.total_macs() == 1696064);
  CHECK(g.ops.back().shape == Shape{10});
  // The depthwise convolution runs on the VectorEngine: 256 · 9 · 32 = 73,728 MACs, 2 FLOPs each.
  const auto& dw = g.ops[static_cast<std::size_t>(g.find("dwconv"))];
  CHECK(dw.engine == infsim::Engine::Vector);
  CHECK(dw.work.vector_macs == 73728);
  CHECK(dw.work.vector_flops == 147456);
}

TEST_CASE("JSON errors name the origin, op, field and rule", "[graph_json]") {
  using infsim::graph_from_json;
  // Unknown key.
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"strides", 2}}), "m.json"),
                    Contains("m.json: ops[1] ('conv1'): field 'strides': unknown key"));
  // Wrong types.
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"out_channels", "4"}}), "m.json"),
                    Contains("m.json: ops[1] ('conv1'): field 'out_channels': must be an integer"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"out_channels", 4.5}})),
                    Contains("field 'out_channels': must be an integer, got number"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"bias", 1}})),
                    Contains("field 'bias': must be true or false"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"kernel", {3, 3, 3}}})),
                    Contains("field 'kernel': must be an integer or an array [h, w]"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"kernel", {3, "3"}}})),
                    Contains("field 'kernel[1]': must be an integer"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"inputs", "x"}})),
                    Contains("field 'inputs': must be an array"));
  // Negative and zero sizes.
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"out_channels", -4}})),
                    Contains("field 'out_channels': must be positive, got -4"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"pad", -1}})),
                    Contains("field 'pad': must not be negative, got -1"));
  json neg = conv_graph();
  neg["ops"][0]["shape"] = {3, -8, 8};
  CHECK_THROWS_WITH(graph_from_json(neg, "m.json"),
                    Contains("m.json: ops[0] ('x'): field 'shape[1]': must be positive, got -8"));
  // Missing required fields.
  json missing = conv_graph();
  missing["ops"][1].erase("kernel");
  CHECK_THROWS_WITH(graph_from_json(missing),
                    Contains("ops[1] ('conv1'): field 'kernel': missing (required)"));
  json noname = conv_graph();
  noname["ops"][1].erase("name");
  CHECK_THROWS_WITH(graph_from_json(noname), Contains("ops[1]: field 'name': missing"));
  CHECK_THROWS_WITH(graph_from_json(json{{"name", "g"}}, "m.json"),
                    Contains("m.json: field 'ops': missing (required)"));
  // Unknown op type.
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"op", "conv3d"}})),
                    Contains("field 'op': unknown op type 'conv3d'"));
  // Undefined input (and therefore no cycles: a reference forward or to itself is undefined).
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"inputs", {"y"}}})),
                    Contains("field 'inputs[0]': 'y' is not defined by an earlier op"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"inputs", {"conv1"}}})),
                    Contains("'conv1' is not defined by an earlier op"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"inputs", {"x", "x"}}})),
                    Contains("field 'inputs': a 'conv2d' op takes 1 input, got 2"));
  // Rules checked by the builder are reported at the op's position.
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"groups", 2}}), "m.json"),
                    Contains("m.json: ops[1] ('conv1'): in_channels 3 not divisible by groups 2"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"activation", "swish"}})),
                    Contains("ops[1] ('conv1'): unknown activation 'swish'"));
  CHECK_THROWS_WITH(graph_from_json(conv_graph({{"name", "x"}})),
                    Contains("field 'name': duplicate op name 'x'"));
  // Top level.
  CHECK_THROWS_WITH(graph_from_json(json::array(), "m.json"),
                    Contains("m.json: a graph must be a JSON object"));
  json top = conv_graph();
  top["dtype"] = "fp64";
  CHECK_THROWS_WITH(graph_from_json(top), Contains("field 'dtype': unknown dtype 'fp64'"));
  top = conv_graph();
  top["batch"] = 4;
  CHECK_THROWS_WITH(graph_from_json(top), Contains("field 'batch': unknown key"));
  top = conv_graph();
  top["ops"] = json::array();
  CHECK_THROWS_WITH(graph_from_json(top), Contains("field 'ops': must hold at least one op"));
  top = conv_graph();
  top["ops"][1] = 5;
  CHECK_THROWS_WITH(graph_from_json(top), Contains("ops[1]: must be a JSON object"));
  top = conv_graph();
  top["ops"][0]["inputs"] = {"x"};
  CHECK_THROWS_WITH(graph_from_json(top), Contains("an input op takes no inputs"));
}

TEST_CASE("load_graph_file errors", "[graph_json]") {
  CHECK_THROWS_AS(infsim::load_graph_file("/nonexistent/model.json"), infsim::IoError);
  CHECK_THROWS_WITH(infsim::load_graph_file("/nonexistent/model.json"),
                    Contains("cannot read graph file '/nonexistent/model.json': "));
  CHECK_THROWS_WITH(infsim::load_graph_file("/tmp"), Contains("is a directory"));

  const TempDir dir;
  const std::string bad = dir.write("malformed.json", "{\"name\": \"g\", \"ops\": [");
  CHECK_THROWS_AS(infsim::load_graph_file(bad), GraphError);
  CHECK_THROWS_WITH(infsim::load_graph_file(bad),
                    Contains(bad + ": malformed JSON") && Contains("parse error"));

  const std::string unknown = dir.write("unknown.json", conv_graph({{"dilation", 2}}).dump());
  CHECK_THROWS_WITH(infsim::load_graph_file(unknown),
                    Contains(unknown + ": ops[1] ('conv1'): field 'dilation': unknown key"));

  const std::string good = dir.write("good.json", conv_graph().dump(2));
  CHECK(infsim::load_graph_file(good).ops.size() == 2);
}
