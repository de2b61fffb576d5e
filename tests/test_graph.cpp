// Graph IR and GraphBuilder: shapes, weights and engine work of small hand-computed cases, and
// the errors the builder reports.
#include <catch2/catch.hpp>

#include <cmath>

#include "infsim/common/error.hpp"
#include "infsim/graph.hpp"

using Catch::Matchers::Contains;
using infsim::Conv2dOptions;
using infsim::DType;
using infsim::Engine;
using infsim::Graph;
using infsim::GraphBuilder;
using infsim::GraphError;
using infsim::LinearOptions;
using infsim::PoolOptions;
using Shape = std::vector<std::int64_t>;

TEST_CASE("dtype helpers", "[graph]") {
  CHECK(infsim::dtype_bytes(DType::FP32) == 4);
  CHECK(infsim::dtype_bytes(DType::FP16) == 2);
  CHECK(infsim::dtype_bytes(DType::BF16) == 2);
  CHECK(infsim::dtype_bytes(DType::INT8) == 1);
  for (DType t : {DType::FP32, DType::FP16, DType::BF16, DType::INT8}) {
    CHECK(infsim::parse_dtype(infsim::dtype_name(t)) == t);
  }
  CHECK(std::string(infsim::dtype_name(DType::BF16)) == "bf16");
  CHECK_THROWS_WITH(infsim::parse_dtype("fp8"), Contains("unknown dtype 'fp8'"));
}

TEST_CASE("flops_per_element table", "[graph]") {
  CHECK(infsim::flops_per_element("none") == 0);
  CHECK(infsim::flops_per_element("relu") == 1);     // max(x, 0)
  CHECK(infsim::flops_per_element("add") == 1);      // a + b
  CHECK(infsim::flops_per_element("exp") == 1);      // exp
  CHECK(infsim::flops_per_element("sigmoid") == 4);  // neg, exp, +1, div
  CHECK(infsim::flops_per_element("tanh") == 5);     // ·(-2), exp, 1-e, 1+e, div
  CHECK(infsim::flops_per_element("silu") == 5);     // sigmoid 4 + mul
  CHECK(infsim::flops_per_element("gelu") == 13);  // x³ (2), ·a, +x, ·c, tanh 5, +1, ·x, ·0.5
  CHECK(infsim::flops_per_element("erf") == 19);   // A&S 7.1.26
  CHECK(infsim::flops_per_element("clip") == 2);   // min, max
  CHECK(infsim::flops_per_element("softmax") == 5);    // max, sub, exp, sum, div
  CHECK(infsim::flops_per_element("layernorm") == 7);  // sum, sub, sq, sum, ·rstd, ·γ, +β
  CHECK_THROWS_AS(infsim::flops_per_element("frobnicate"), GraphError);
  CHECK(infsim::is_activation_kind("gelu"));
  CHECK_FALSE(infsim::is_activation_kind("add"));
  CHECK_FALSE(infsim::is_activation_kind("none"));
  for (const auto& a : infsim::activation_kinds()) CHECK(infsim::flops_per_element(a) > 0);
}

TEST_CASE("conv2d: shape, gemm, weights, fused activation", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {3, 32, 32});
  const int c = b.conv2d("c", x, Conv2dOptions(16, 3).pad(1).activation("relu"));
  const Graph g = b.build();
  const auto& op = g.ops[c];
  CHECK(op.kind == "conv2d");
  CHECK(op.engine == Engine::Tensor);
  CHECK(op.shape == Shape{16, 32, 32});  // H = (32 + 2·1 - 3)/1 + 1 = 32
  CHECK(op.work.gemm.m == 1024);         // 32 · 32 output pixels
  CHECK(op.work.gemm.k == 27);           // 3 in channels · 3 · 3
  CHECK(op.work.gemm.n == 16);
  CHECK(op.work.gemm.groups == 1);
  CHECK(op.macs() == 442368);            // 1024 · 27 · 16
  CHECK(op.weight_elems == 448);         // 16 · 27 + 16 bias
  CHECK(op.work.scalar_flops == 16384);  // 16 · 32 · 32 outputs · 1 (relu)
  CHECK(op.work.vector_flops == 0);
  CHECK(g.ops[x].engine == Engine::None);
  CHECK(g.ops[x].macs() == 0);
  CHECK(g.param_count() == 448);
  CHECK(g.total_macs() == 442368);
  CHECK(g.weight_bytes() == 896);  // 448 · 2 (fp16)
  CHECK(g.out_bytes(c) == 32768);  // 16384 elements · 2
  CHECK(g.out_bytes(x) == 6144);   // 3 · 32 · 32 · 2
  CHECK(g.find("c") == c);
  CHECK(g.find("nope") == -1);
  CHECK(op.attrs.at("kernel") == nlohmann::json({3, 3}));
  CHECK(op.attrs.at("activation") == "relu");
}

TEST_CASE("conv2d: strided grouped conv without bias", "[graph]") {
  GraphBuilder b("t", DType::INT8);
  const int x = b.input("x", {32, 16, 16});
  const int c = b.conv2d("c", x, Conv2dOptions(64, 3).stride(2).pad(1).groups(4).bias(false));
  const auto& op = b.graph().ops[c];
  CHECK(op.shape == Shape{64, 8, 8});  // H = (16 + 2 - 3)/2 + 1 = 8
  CHECK(op.work.gemm.m == 64);         // 8 · 8
  CHECK(op.work.gemm.k == 72);         // 32/4 · 3 · 3
  CHECK(op.work.gemm.n == 16);         // 64/4
  CHECK(op.work.gemm.groups == 4);
  CHECK(op.macs() == 294912);               // 64 · 72 · 16 · 4
  CHECK(op.weight_elems == 4608);           // 64 · 8 · 3 · 3, no bias
  CHECK(op.work.scalar_flops == 0);         // activation "none"
  CHECK(b.build().weight_bytes() == 4608);  // int8: 1 byte each
}

TEST_CASE("conv2d: asymmetric kernel and 1x1 stride-2 projection", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {8, 10, 20});
  const int c = b.conv2d("c", x, Conv2dOptions(4, {1, 5}).stride({1, 2}).pad({0, 2}));
  CHECK(b.shape(c) == Shape{4, 10, 10});  // H = (10-1)/1+1 = 10; W = (20+4-5)/2+1 = 10
  const int p = b.conv2d("p", x, Conv2dOptions(16, 1).stride(2));
  CHECK(b.shape(p) == Shape{16, 5, 10});        // (10-1)/2+1 = 5, (20-1)/2+1 = 10
  CHECK(b.graph().ops[p].weight_elems == 144);  // 16 · 8 + 16
}

TEST_CASE("linear: 1-D and batched", "[graph]") {
  GraphBuilder b("t");
  const int v = b.input("v", {2048});
  const int fc = b.linear("fc", v, 1000);
  const int s = b.input("s", {128, 768});
  const int ff = b.linear("ff", s, LinearOptions(3072).activation("gelu"));
  const Graph g = b.build();
  const auto& a = g.ops[fc];
  CHECK(a.shape == Shape{1000});
  CHECK(a.work.gemm.m == 1);  // 1-D input: one row
  CHECK(a.work.gemm.k == 2048);
  CHECK(a.work.gemm.n == 1000);
  CHECK(a.weight_elems == 2049000);  // 2048 · 1000 + 1000
  CHECK(a.work.scalar_flops == 0);
  const auto& f = g.ops[ff];
  CHECK(f.shape == Shape{128, 3072});
  CHECK(f.macs() == 301989888);           // 128 · 768 · 3072
  CHECK(f.weight_elems == 2362368);       // 768 · 3072 + 3072
  CHECK(f.work.scalar_flops == 5111808);  // 128 · 3072 · 13 (gelu)
  CHECK(f.engine == Engine::Tensor);
}

TEST_CASE("matmul: attention scores and context", "[graph]") {
  GraphBuilder b("t");
  const int q = b.input("q", {12, 128, 64});
  const int k = b.input("k", {12, 128, 64});
  const int s = b.matmul("s", q, k, true);
  const int c = b.matmul("c", s, k, false);
  const Graph g = b.build();
  CHECK(g.ops[s].shape == Shape{12, 128, 128});
  CHECK(g.ops[s].work.gemm.m == 128);
  CHECK(g.ops[s].work.gemm.k == 64);
  CHECK(g.ops[s].work.gemm.n == 128);
  CHECK(g.ops[s].work.gemm.groups == 12);
  CHECK(g.ops[s].macs() == 12582912);  // 12 · 128 · 64 · 128
  CHECK(g.ops[s].weight_elems == 0);
  CHECK(g.ops[c].shape == Shape{12, 128, 64});
  CHECK(g.ops[c].macs() == 12582912);  // 12 · 128 · 128 · 64
  CHECK(g.ops[c].attrs.at("transpose_b") == false);
}

TEST_CASE("vector, scalar and data-movement ops", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {4, 6, 6});
  const int y = b.input("y", {4, 6, 6});
  const int add = b.eltwise("add", "add", x, y);
  const int sig = b.activation("sig", "sigmoid", add);
  const int mp = b.pool("mp", "max", sig, PoolOptions(3).stride(2).pad(1));
  const int ap = b.pool("ap", "avg", x, PoolOptions(2));
  const int gp = b.global_avg_pool("gp", x);
  const int t = b.input("t", {5, 8});
  const int sm = b.softmax("sm", t);
  const int ln = b.layernorm("ln", t);
  const int tr = b.transpose("tr", t, {1, 0});
  const int rs = b.reshape("rs", t, {2, -1, 2});
  const int cat = b.concat("cat", {t, ln, sm}, 0);
  const int sl = b.slice("sl", t, 0, 0, 1);
  const int ids = b.input("ids", {7});
  const int emb = b.embedding("emb", ids, 100, 16);
  const Graph g = b.build();

  CHECK(g.ops[add].engine == Engine::Vector);
  CHECK(g.ops[add].work.vector_flops == 144);  // 4 · 6 · 6 · 1
  CHECK(g.ops[sig].engine == Engine::Scalar);
  CHECK(g.ops[sig].work.scalar_flops == 576);  // 144 · 4
  CHECK(g.ops[mp].kind == "maxpool");
  CHECK(g.ops[mp].shape == Shape{4, 3, 3});   // (6 + 2 - 3)/2 + 1 = 3
  CHECK(g.ops[mp].work.vector_flops == 324);  // 36 outputs · 3 · 3
  CHECK(g.ops[ap].kind == "avgpool");
  CHECK(g.ops[ap].shape == Shape{4, 3, 3});   // (6 - 2)/2 + 1 = 3
  CHECK(g.ops[ap].work.vector_flops == 144);  // 36 · 2 · 2
  CHECK(g.ops[gp].shape == Shape{4});
  CHECK(g.ops[gp].work.vector_flops == 144);  // every input element once
  CHECK(g.ops[sm].work.vector_flops == 200);  // 40 · 5
  CHECK(g.ops[ln].work.vector_flops == 280);  // 40 · 7
  CHECK(g.ops[ln].weight_elems == 16);        // gamma and beta, 2 · 8
  CHECK(g.ops[tr].shape == Shape{8, 5});
  CHECK(g.ops[tr].engine == Engine::Move);
  CHECK(g.ops[tr].work.moved_bytes == 80);    // 40 · 2 bytes
  CHECK(g.ops[rs].shape == Shape{2, 10, 2});  // -1 = 40 / 4
  CHECK(g.ops[rs].engine == Engine::None);
  CHECK(g.ops[rs].work.moved_bytes == 0);
  CHECK(g.ops[rs].attrs.at("shape") == nlohmann::json({2, -1, 2}));
  CHECK(g.ops[cat].shape == Shape{15, 8});
  CHECK(g.ops[cat].work.moved_bytes == 240);  // 120 · 2
  CHECK(g.ops[sl].shape == Shape{1, 8});
  CHECK(g.ops[sl].work.moved_bytes == 16);  // 8 · 2
  CHECK(g.ops[emb].shape == Shape{7, 16});
  CHECK(g.ops[emb].engine == Engine::Move);
  CHECK(g.ops[emb].weight_elems == 1600);         // 100 · 16
  CHECK(g.ops[emb].work.dram_read_bytes == 224);  // 7 rows · 16 · 2 bytes, gathered from DRAM
  CHECK(g.ops[emb].weights_in_dram);
  CHECK(g.ops[emb].work.moved_bytes == 0);
  CHECK(g.param_count() == 1616);  // 1600 + 16
}

TEST_CASE("options: defaults and chained setters", "[graph]") {
  const Conv2dOptions c(64, 7);
  CHECK(c.out_channels() == 64);
  CHECK(c.kernel().h == 7);
  CHECK(c.kernel().w == 7);
  CHECK(c.stride().h == 1);
  CHECK(c.pad().w == 0);
  CHECK(c.groups() == 1);
  CHECK(c.bias());
  CHECK(c.activation() == "none");
  const Conv2dOptions d =
      Conv2dOptions(8, {1, 5}).stride({2, 1}).pad(2).groups(4).bias(false).activation("relu");
  CHECK(d.kernel().h == 1);
  CHECK(d.kernel().w == 5);
  CHECK(d.stride().h == 2);
  CHECK(d.stride().w == 1);
  CHECK(d.pad().h == 2);
  CHECK(d.pad().w == 2);
  CHECK(d.groups() == 4);
  CHECK_FALSE(d.bias());
  CHECK(d.activation() == "relu");
  const LinearOptions l = 1000;  // a bare feature count converts
  CHECK(l.out_features() == 1000);
  CHECK(l.bias());
  CHECK(LinearOptions(10).bias(false).activation("gelu").activation() == "gelu");
  const PoolOptions p(3);  // stride defaults to the kernel
  CHECK(p.stride().h == 3);
  CHECK(PoolOptions(3).stride(2).stride().w == 2);
}

TEST_CASE("scalar and broadcast arithmetic: the attention scale and masks", "[graph]") {
  GraphBuilder b("t");
  const int s = b.input("scores", {12, 128, 128});
  const int mask = b.input("mask", {1, 128});
  const int scaled = b.scale("scaled", s, 0.125);  // 1/sqrt(64)
  const int masked = b.eltwise("masked", "add", scaled, mask);
  const int shifted = b.scalar("shifted", "sub", masked, 1.0);
  const int img = b.input("img", {16, 8, 8});
  const int chan = b.input("chan", {16, 1, 1});
  const int gated = b.eltwise("gated", "mul", img, chan);
  const int halved = b.scalar("halved", "div", gated, 2);
  const Graph g = b.build();
  const auto& sc = g.ops[scaled];
  CHECK(sc.kind == "mul");
  CHECK(sc.engine == Engine::Vector);
  CHECK(sc.inputs == std::vector<int>{s});
  CHECK(sc.shape == Shape{12, 128, 128});
  CHECK(sc.work.vector_flops == 196608);  // 12 · 128 · 128 · 1
  CHECK(sc.weight_elems == 0);
  CHECK(sc.attrs.at("scalar") == 0.125);
  CHECK(g.ops[masked].shape == Shape{12, 128, 128});  // [1, 128] broadcast over heads and rows
  CHECK(g.ops[masked].work.vector_flops == 196608);
  CHECK(g.ops[masked].work.moved_bytes == 0);
  CHECK(g.ops[shifted].kind == "sub");
  CHECK(g.ops[gated].shape == Shape{16, 8, 8});
  CHECK(g.ops[gated].work.vector_flops == 1024);
  CHECK(g.ops[halved].attrs.at("scalar") == 2.0);
  // Broadcasting also grows the rank: [4] with [3, 1] is [3, 4].
  std::vector<std::int64_t> out;
  CHECK(infsim::broadcast_shapes({4}, {3, 1}, &out));
  CHECK(out == Shape{3, 4});
  CHECK_FALSE(infsim::broadcast_shapes({4}, {3}, &out));
  GraphBuilder e("e");
  const int v = e.input("v", {4, 5});
  const int w = e.input("w", {3, 5});
  CHECK_THROWS_WITH(e.eltwise("x", "mul", v, w),
                    Contains("op 'x': 'mul' needs equal shapes or shapes that broadcast") &&
                        Contains("got [4, 5] and [3, 5]"));
  CHECK_THROWS_WITH(e.scalar("x", "div", v, 0), Contains("'div' by the constant 0"));
  CHECK_THROWS_WITH(e.scalar("x", "mul", v, std::nan("")), Contains("must be a finite number"));
  CHECK_THROWS_WITH(e.scalar("x", "pow", v, 2), Contains("unknown elementwise op 'pow'"));
}

TEST_CASE("batchnorm: a per-channel scale and shift", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {16, 8, 8});
  const int bn = b.batchnorm("bn", x);
  const Graph g = b.build();
  CHECK(g.ops[bn].engine == Engine::Vector);
  CHECK(g.ops[bn].shape == Shape{16, 8, 8});
  CHECK(g.ops[bn].weight_elems == 32);         // 16 scales and 16 shifts
  CHECK(g.ops[bn].work.vector_flops == 2048);  // 1024 elements · 2
  CHECK(infsim::flops_per_element("batchnorm") == 2);
}

TEST_CASE("builder errors name the op and the rule", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {3, 8, 8});
  const int v = b.input("v", {4, 5});
  CHECK_THROWS_WITH(b.input("x", {1}), Contains("op 'x': duplicate op name"));
  CHECK_THROWS_WITH(b.input("bad", {3, 0}), Contains("op 'bad'") && Contains("positive"));
  CHECK_THROWS_WITH(b.input("e", {}), Contains("must not be empty"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(0, 3)),
                    Contains("op 'c': out_channels must be positive"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(8, 3).stride({0, 1})),
                    Contains("stride height"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(8, 3).pad({-1, 0})), Contains("pad height"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(8, 3).groups(2)),
                    Contains("in_channels 3 not divisible by groups 2"));
  CHECK_THROWS_WITH(b.conv2d("c", v, Conv2dOptions(8, 3)), Contains("must have rank 3"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(8, {11, 3}).pad({1, 0})),
                    Contains("kernel height 11 is larger than the padded input 10"));
  CHECK_THROWS_WITH(b.conv2d("c", x, Conv2dOptions(8, 3).activation("swish")),
                    Contains("unknown activation 'swish'"));
  CHECK_THROWS_WITH(b.conv2d("c", 7, Conv2dOptions(8, 3)), Contains("input index 7 out of range"));
  CHECK_THROWS_WITH(b.conv2d("c", -1, Conv2dOptions(8, 3)), Contains("out of range"));
  CHECK_THROWS_WITH(b.linear("l", v, -4), Contains("out_features must be positive"));
  CHECK_THROWS_WITH(b.matmul("m", v, v), Contains("inner dimensions differ"));
  CHECK_THROWS_WITH(b.matmul("m", v, x), Contains("same rank"));
  CHECK_THROWS_WITH(b.eltwise("e", "pow", v, v), Contains("unknown elementwise op 'pow'"));
  CHECK_THROWS_WITH(b.eltwise("e", "add", v, x), Contains("needs equal shapes"));
  CHECK_THROWS_WITH(b.activation("a", "add", v), Contains("unknown activation 'add'"));
  CHECK_THROWS_WITH(b.pool("p", "min", x, PoolOptions(2)), Contains("unknown pool kind"));
  CHECK_THROWS_WITH(b.pool("p", "max", x, PoolOptions(2).pad({2, 0})), Contains("at most half"));
  CHECK_THROWS_WITH(b.global_avg_pool("g", v), Contains("must have rank 3"));
  CHECK_THROWS_WITH(b.embedding("em", x, 10, 4), Contains("must have rank 1"));
  CHECK_THROWS_WITH(b.reshape("r", v, {3, -1}), Contains("cannot reshape [4, 5]"));
  CHECK_THROWS_WITH(b.reshape("r", v, {-1, -1}), Contains("more than one -1"));
  CHECK_THROWS_WITH(b.reshape("r", v, {21}), Contains("cannot reshape"));
  CHECK_THROWS_WITH(b.transpose("t", v, {0, 0}), Contains("not a permutation"));
  CHECK_THROWS_WITH(b.concat("k", {v, x}, 0), Contains("differ outside axis 0"));
  CHECK_THROWS_WITH(b.concat("k", {v}, 2), Contains("axis 2 out of range"));
  CHECK_THROWS_WITH(b.slice("s", v, 1, 3, 3), Contains("0 <= start < end <= 5"));
  CHECK_THROWS_WITH(b.shape(99), Contains("out of range"));
  // Nothing was added by the failed calls.
  CHECK(b.graph().ops.size() == 2);
}

TEST_CASE("Graph::validate rejects malformed graphs", "[graph]") {
  GraphBuilder b("t");
  const int x = b.input("x", {4});
  b.activation("r", "relu", x);
  const Graph good = b.build();
  REQUIRE_NOTHROW(good.validate());

  Graph g = good;
  g.ops[1].name = "x";
  CHECK_THROWS_WITH(g.validate(), Contains("not unique"));
  g = good;
  g.ops[1].inputs = {1};
  CHECK_THROWS_WITH(g.validate(), Contains("does not refer to an earlier op"));
  g = good;
  g.ops[1].inputs.clear();
  CHECK_THROWS_WITH(g.validate(), Contains("needs inputs"));
  g = good;
  g.ops[1].shape = {0};
  CHECK_THROWS_WITH(g.validate(), Contains("not positive"));
  g = good;
  g.ops[0].name.clear();
  CHECK_THROWS_WITH(g.validate(), Contains("has no name"));
  CHECK_THROWS_AS(good.out_bytes(5), GraphError);
  CHECK_THROWS_WITH(Graph{}.validate(), Contains("has no ops"));
}
