// Built-in models with their real layer shapes. BatchNorm is folded into the preceding
// convolution's weights and bias (as inference compilers do), dropout is omitted (identity at
// inference) and BERT's attention scale 1/sqrt(d) is folded into the query projection.
#include "infsim/zoo.hpp"

#include <string>

#include "infsim/common/error.hpp"

namespace infsim {

namespace {

// One torchvision v1.5 bottleneck: 1x1 reduce, 3x3 (carries the stride), 1x1 expand, with a
// 1x1 strided projection on the shortcut when the shape changes.
int bottleneck(GraphBuilder& b, const std::string& p, int x, std::int64_t width, int stride,
               bool downsample) {
  const std::int64_t out = width * 4;
  int y = b.conv2d(p + ".conv1", x, Conv2dOptions(width, 1).activation("relu"));
  y = b.conv2d(p + ".conv2", y, Conv2dOptions(width, 3).stride(stride).pad(1).activation("relu"));
  y = b.conv2d(p + ".conv3", y, Conv2dOptions(out, 1));
  int shortcut = x;
  if (downsample) {
    shortcut = b.conv2d(p + ".downsample", x, Conv2dOptions(out, 1).stride(stride));
  }
  y = b.eltwise(p + ".add", "add", y, shortcut);
  return b.activation(p + ".relu", "relu", y);
}

}  // namespace

std::vector<ModelInfo> zoo_models() {
  return {
      {"resnet50", "ResNet-50 v1.5 (torchvision), 224x224 image, BatchNorm folded"},
      {"bert-base", "BERT-base uncased encoder: 12 layers, hidden 768, 12 heads, FFN 3072"},
      {"bert-large", "BERT-large uncased encoder: 24 layers, hidden 1024, 16 heads, FFN 4096"},
      {"vgg16", "VGG-16 (configuration D), 224x224 image"},
  };
}

Graph build_model(const std::string& name, const ModelOptions& opts) {
  if (name == "resnet50") return resnet50(opts);
  if (name == "bert-base") return bert_base(opts);
  if (name == "bert-large") return bert_large(opts);
  if (name == "vgg16") return vgg16(opts);
  std::string known;
  for (const auto& m : zoo_models()) known += (known.empty() ? "" : ", ") + m.name;
  throw GraphError("unknown model '" + name + "' (known: " + known + ")");
}

Graph resnet50(const ModelOptions& opts) {
  GraphBuilder b("resnet50", opts.dtype);
  int x = b.input("input", {3, 224, 224});
  x = b.conv2d("conv1", x, Conv2dOptions(64, 7).stride(2).pad(3).activation("relu"));
  x = b.pool("maxpool", "max", x, PoolOptions(3).stride(2).pad(1));
  const int blocks[4] = {3, 4, 6, 3};
  const std::int64_t widths[4] = {64, 128, 256, 512};
  for (int s = 0; s < 4; ++s) {
    for (int i = 0; i < blocks[s]; ++i) {
      const std::string p = "layer" + std::to_string(s + 1) + "." + std::to_string(i);
      const int stride = (i == 0 && s > 0) ? 2 : 1;
      x = bottleneck(b, p, x, widths[s], stride, i == 0);
    }
  }
  x = b.global_avg_pool("avgpool", x);
  b.linear("fc", x, 1000);
  return b.build();
}

Graph bert(const std::string& name, int layers, int hidden, int heads, int ffn,
           const ModelOptions& opts) {
  const int s = opts.seq_len;
  if (s < 1 || s > 512) {
    throw GraphError(name + ": seq_len must be in 1..512 (the position table has 512 rows), got " +
                     std::to_string(s));
  }
  if (layers <= 0 || hidden <= 0 || heads <= 0 || ffn <= 0 || hidden % heads != 0) {
    throw GraphError(name + ": invalid BERT dimensions (layers " + std::to_string(layers) +
                     ", hidden " + std::to_string(hidden) + ", heads " + std::to_string(heads) +
                     ", ffn " + std::to_string(ffn) + "); hidden must be divisible by heads");
  }
  const std::int64_t h = hidden;
  const std::int64_t d = hidden / heads;
  GraphBuilder b(name, opts.dtype);
  const int ids = b.input("input_ids", {s});
  const int types = b.input("token_type_ids", {s});
  // Embeddings. The position lookup reads rows 0..S-1; it only needs the sequence length, which
  // it takes from input_ids.
  const int word = b.embedding("embeddings.word", ids, 30522, h);
  const int pos = b.embedding("embeddings.position", ids, 512, h);
  const int type = b.embedding("embeddings.token_type", types, 2, h);
  int x = b.eltwise("embeddings.add_position", "add", word, pos);
  x = b.eltwise("embeddings.add_token_type", "add", x, type);
  x = b.layernorm("embeddings.layernorm", x);

  for (int l = 0; l < layers; ++l) {
    const std::string p = "layer" + std::to_string(l) + ".";
    // Self-attention; 1/sqrt(d) is folded into the query weights.
    const int q = b.linear(p + "attention.query", x, h);
    const int k = b.linear(p + "attention.key", x, h);
    const int v = b.linear(p + "attention.value", x, h);
    auto heads_of = [&](int t, const std::string& n) {
      const int r = b.reshape(p + "attention." + n + "_split", t, {s, heads, d});
      return b.transpose(p + "attention." + n + "_heads", r, {1, 0, 2});  // [h, S, d]
    };
    const int qh = heads_of(q, "query");
    const int kh = heads_of(k, "key");
    const int vh = heads_of(v, "value");
    int a = b.matmul(p + "attention.scores", qh, kh, true);  // [h, S, S]
    a = b.softmax(p + "attention.softmax", a);
    a = b.matmul(p + "attention.context", a, vh, false);           // [h, S, d]
    a = b.transpose(p + "attention.context_merge", a, {1, 0, 2});  // [S, h, d]
    a = b.reshape(p + "attention.context_flat", a, {s, h});
    a = b.linear(p + "attention.output", a, h);
    a = b.eltwise(p + "attention.residual", "add", a, x);
    x = b.layernorm(p + "attention.layernorm", a);
    // Feed-forward.
    int f = b.linear(p + "ffn.intermediate", x, LinearOptions(ffn).activation("gelu"));
    f = b.linear(p + "ffn.output", f, h);
    f = b.eltwise(p + "ffn.residual", "add", f, x);
    x = b.layernorm(p + "ffn.layernorm", f);
  }
  // Pooler: the [CLS] token's hidden state through a dense layer with tanh.
  const int cls = b.slice("pooler.cls", x, 0, 0, 1);  // [1, H]
  b.linear("pooler.dense", cls, LinearOptions(h).activation("tanh"));
  return b.build();
}

Graph bert_base(const ModelOptions& opts) {
  return bert("bert-base", 12, 768, 12, 3072, opts);
}

Graph bert_large(const ModelOptions& opts) {
  return bert("bert-large", 24, 1024, 16, 4096, opts);
}

Graph vgg16(const ModelOptions& opts) {
  GraphBuilder b("vgg16", opts.dtype);
  int x = b.input("input", {3, 224, 224});
  // Configuration D: 0 marks a 2x2/2 max pool.
  const std::int64_t cfg[] = {64, 64,  0,   128, 128, 0,   256, 256, 256,
                              0,  512, 512, 512, 0,   512, 512, 512, 0};
  int block = 1;
  int conv = 1;
  for (std::int64_t c : cfg) {
    const std::string p = "block" + std::to_string(block) + ".";
    if (c == 0) {
      x = b.pool(p + "pool", "max", x, PoolOptions(2));
      ++block;
      conv = 1;
    } else {
      x = b.conv2d(p + "conv" + std::to_string(conv++), x,
                   Conv2dOptions(c, 3).pad(1).activation("relu"));
    }
  }
  x = b.reshape("flatten", x, {-1});  // [512, 7, 7] -> [25088]
  x = b.linear("fc6", x, LinearOptions(4096).activation("relu"));
  x = b.linear("fc7", x, LinearOptions(4096).activation("relu"));
  b.linear("fc8", x, 1000);
  return b.build();
}

}  // namespace infsim
