// The model zoo against the published figures (../shared/FACTS.md) and exact regression values.
#include <catch2/catch.hpp>

#include "infsim/common/error.hpp"
#include "infsim/zoo.hpp"
#include "support.hpp"

using Catch::Matchers::Contains;
using infsim::Graph;
using infsim::test::count_kind;
using Shape = std::vector<std::int64_t>;

namespace {

bool within(double value, double reference, double tolerance) {
  return value >= reference * (1 - tolerance) && value <= reference * (1 + tolerance);
}

}  // namespace

TEST_CASE("zoo lists its models and rejects unknown names", "[zoo]") {
  const auto models = infsim::zoo_models();
  REQUIRE(models.size() == 4);
  for (const auto& m : models) {
    CHECK_FALSE(m.description.empty());
    const Graph g = infsim::build_model(m.name);
    CHECK(g.name == m.name);
    CHECK_NOTHROW(g.validate());
  }
  CHECK_THROWS_WITH(infsim::build_model("resnet-51"),
                    Contains("unknown model 'resnet-51'") && Contains("resnet50") &&
                        Contains("bert-base") && Contains("bert-large") && Contains("vgg16"));
}

TEST_CASE("ResNet-50 matches the published size", "[zoo]") {
  const Graph g = infsim::resnet50();
  // FACTS.md: 25.6 M parameters, about 4.1 G MACs (He et al. 2016; torchvision v1.5).
  CHECK(within(g.param_count(), 25.6e6, 0.02));
  CHECK(within(g.total_macs(), 4.1e9, 0.02));
  // Exact: torchvision's 25,557,032 minus BatchNorm folded into conv biases. BN holds 2 values
  // per channel over 26,560 channels (53,120); folded they become one bias per channel (26,560),
  // so 25,557,032 - 26,560 = 25,530,472.
  CHECK(g.param_count() == 25530472);
  CHECK(g.total_macs() == 4089184256);   // convolutions 4,087,136,256 + fc 2048 · 1000
  CHECK(count_kind(g, "conv2d") == 53);  // conv1 + 16 blocks · 3 + 4 downsample
  CHECK(g.ops.back().shape == Shape{1000});
  CHECK(g.ops[g.find("conv1")].shape == Shape{64, 112, 112});
  CHECK(g.ops[g.find("maxpool")].shape == Shape{64, 56, 56});
  CHECK(g.ops[g.find("layer2.0.conv2")].shape == Shape{128, 28, 28});  // stride in the 3x3
  CHECK(g.ops[g.find("layer2.0.conv1")].shape == Shape{128, 56, 56});
  CHECK(g.ops[g.find("layer4.2.relu")].shape == Shape{2048, 7, 7});
  CHECK(g.weight_bytes() == 2ull * 25530472);  // fp16
}

TEST_CASE("BERT-base and BERT-large match the published size", "[zoo]") {
  const Graph base = infsim::bert_base();
  // FACTS.md: BERT-base 110 M parameters, about 11 G MACs at seq 128 (Devlin et al. 2019).
  CHECK(within(base.param_count(), 110e6, 0.02));
  CHECK(within(base.total_macs(), 11e9, 0.02));
  // Embeddings 30522·768 + 512·768 + 2·768 + LN 1536 = 23,837,184; per layer 4·(768²+768) +
  // (768·3072+3072) + (3072·768+768) + 2 LN · 1536 = 7,087,872, · 12 = 85,054,464; pooler
  // 768² + 768 = 590,592. Sum 109,482,240 (the Hugging Face count).
  CHECK(base.param_count() == 109482240);
  // Per layer: Q, K, V, O 4·128·768² = 301,989,888; FFN 2·128·768·3072 = 603,979,776;
  // scores + context 2·12·128·128·64 = 25,165,824; sum 931,135,488 · 12 = 11,173,625,856;
  // pooler 1·768·768 = 589,824.
  CHECK(base.total_macs() == 11174215680);
  CHECK(base.ops[base.find("layer11.ffn.layernorm")].shape == Shape{128, 768});
  CHECK(base.ops[base.find("layer0.attention.scores")].shape == Shape{12, 128, 128});
  CHECK(base.ops.back().shape == Shape{1, 768});

  const Graph large = infsim::bert_large();
  // FACTS.md: BERT-large 340 M parameters (302 M in the encoder), about 39 G MACs at seq 128.
  CHECK(within(large.param_count(), 340e6, 0.02));
  CHECK(within(large.total_macs(), 39e9, 0.02));
  // Embeddings 30522·1024 + 512·1024 + 2·1024 + LN 2·1024 = 31,782,912; per layer 4·(1024²+1024)
  // + 2·4096·1024 + 4096 + 1024 + 2·2048 = 12,596,224, · 24 = 302,309,376 (the "302 M in the
  // encoder"); pooler 1,049,600. Sum 335,141,888.
  CHECK(large.param_count() == 335141888);
  std::int64_t encoder = 0;
  for (const auto& op : large.ops) {
    if (op.name.rfind("layer", 0) == 0) encoder += op.weight_elems;
  }
  CHECK(encoder == 302309376);
  // Per layer 4·128·1024² + 2·128·1024·4096 + 2·16·128·128·64 = 1,644,167,168, · 24 =
  // 39,460,012,032; pooler 1024² = 1,048,576.
  CHECK(large.total_macs() == 39461060608);
  CHECK(count_kind(large, "layernorm") == 49);  // embeddings + 2 per layer
}

TEST_CASE("BERT sequence length option", "[zoo]") {
  infsim::ModelOptions o;
  o.seq_len = 384;
  const Graph g = infsim::build_model("bert-base", o);
  CHECK(g.ops[0].shape == Shape{384});
  // Linear layers scale with S, attention with S²: 12 · (4·384·768² + 2·384·768·3072 +
  // 2·12·384·384·64) + 768² = 12 · 2,944,401,408 + 589,824.
  CHECK(g.total_macs() == 35333406720);
  CHECK(g.param_count() == 109482240);  // weights do not depend on S
  o.seq_len = 1;
  CHECK_NOTHROW(infsim::bert_large(o));
  o.seq_len = 512;
  CHECK_NOTHROW(infsim::bert_base(o));
  o.seq_len = 513;
  CHECK_THROWS_WITH(infsim::build_model("bert-base", o), Contains("seq_len must be in 1..512"));
  o.seq_len = 0;
  CHECK_THROWS_AS(infsim::bert_large(o), infsim::GraphError);
}

TEST_CASE("VGG-16 matches the published size", "[zoo]") {
  const Graph g = infsim::vgg16();
  // Simonyan & Zisserman 2015, Table 2: configuration D has 138 M parameters; 15.5 G MACs
  // (15.47 G, commonly quoted for 224x224).
  CHECK(within(g.param_count(), 138e6, 0.02));
  CHECK(within(g.total_macs(), 15.5e9, 0.02));
  // Convolutions 14,714,688 + fc 25088·4096 + 4096 + 4096² + 4096 + 4096·1000 + 1000.
  CHECK(g.param_count() == 138357544);
  // Convolutions 15,346,630,656 + fc 102,760,448 + 16,777,216 + 4,096,000.
  CHECK(g.total_macs() == 15470264320);
  CHECK(count_kind(g, "conv2d") == 13);
  CHECK(count_kind(g, "maxpool") == 5);
  CHECK(g.ops[g.find("flatten")].shape == Shape{25088});
}

TEST_CASE("zoo dtype option changes bytes, not counts", "[zoo]") {
  infsim::ModelOptions o;
  o.dtype = infsim::DType::INT8;
  const Graph g = infsim::resnet50(o);
  CHECK(g.dtype == infsim::DType::INT8);
  CHECK(g.param_count() == 25530472);
  CHECK(g.weight_bytes() == 25530472u);
  CHECK(g.out_bytes(0) == 3u * 224 * 224);
}
