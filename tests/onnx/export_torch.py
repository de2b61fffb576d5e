#!/usr/bin/env python3
"""Exports real PyTorch models to ONNX with torch.onnx.export for tests/test_onnx_torch.cpp.

Usage: export_torch.py OUTDIR

Writes into OUTDIR one .onnx file per model and models.json, a sidecar with what the C++ test
checks each import against, computed here from the PyTorch modules themselves:

* "torch_params": sum of p.numel() over model.parameters() (torchvision's own count).
* "expected_params": what an importer that folds each BatchNorm into the preceding convolution
  must count. Folding removes the BatchNorm's learnable scale and shift (2 x C values; its running
  mean and variance are buffers, not parameters) and gives the convolution a bias of C values when
  it had none (torchvision's convolutions before a BatchNorm have bias=False). So
  expected = torch_params - sum over folded BatchNorms of (2 C - C) = torch_params - sum(C).
  torch.onnx.export in eval mode does this folding itself, so the ONNX file already holds conv
  weights with biases and no BatchNormalization nodes.
* "expected_macs": multiply-accumulates per inference at the test input shape, counted with
  forward hooks on the modules that run: Conv2d out.numel() * (C_in / groups) * kh * kw; Linear
  out.numel() * in_features; MultiheadAttention (self-attention, embed dim E, S tokens, B
  sequences) B * S * 4 * E^2 for the packed Q, K, V projections and the output projection, plus
  2 * B * S^2 * E for Q.K^T and softmax(.).V (its output projection is not called as a module, so
  no Linear hook sees it). Everything else (norms, activations, softmax, pooling, embeddings)
  counts no MACs, as in the simulator.

Weights are random (weights=None: nothing is downloaded). ViT-B/16's float weights (330 MB) are
moved to external data whose file is not written, as the exporter stores weights of models over
2 GB: the graph is the exporter's, the importer reads only the initializers' shapes.
"""
import io
import json
import os
import sys
import time
import warnings

import onnx

# Two BLAS threads at most: the build machine's cores are shared with the compiler.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402


def count_macs(model, args):
    """MACs of one forward pass with `args`, from forward hooks (see the module docstring)."""
    total = [0]

    def conv(m, inp, out):
        kh, kw = m.kernel_size
        total[0] += out.numel() * (m.in_channels // m.groups) * kh * kw

    def linear(m, inp, out):
        total[0] += out.numel() * m.in_features

    def mha(m, inp, out):
        q = out[0]  # the attention output has the query's shape (inputs may be keywords)
        e = m.embed_dim
        s, b = (q.shape[1], q.shape[0]) if m.batch_first else (q.shape[0], q.shape[1])
        total[0] += b * s * 4 * e * e + 2 * b * s * s * e

    hooks = []
    for mod in model.modules():
        if isinstance(mod, nn.Conv2d):
            hooks.append(mod.register_forward_hook(conv))
        elif isinstance(mod, nn.Linear):
            hooks.append(mod.register_forward_hook(linear))
        elif isinstance(mod, nn.MultiheadAttention):
            hooks.append(mod.register_forward_hook(mha))
    with torch.enable_grad():  # the path the export traces (see export())
        model(*args)
    for h in hooks:
        h.remove()
    return total[0]


def folded_bn_channels(model):
    """Channels of the BatchNorms that follow a convolution (all of them in these networks)."""
    return sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d))


def strip_weights(model_proto, location):
    """Moves large float initializers to external data whose file is never written."""
    for t in model_proto.graph.initializer:
        if t.data_type != onnx.TensorProto.FLOAT or len(t.raw_data) < 4096:
            continue
        size = len(t.raw_data)
        t.ClearField("raw_data")
        t.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", location), ("offset", "0"), ("length", str(size))):
            e = t.external_data.add()
            e.key = key
            e.value = value


class BertLike(nn.Module):
    """A small BERT-style encoder: token and position embeddings (nn.Embedding), LayerNorm,
    nn.TransformerEncoder with GELU and a key padding mask from attention_mask, and a pooler
    (first token, Linear, Tanh). Position ids are a buffer sliced to the sequence length, as
    Hugging Face's BERT does."""

    def __init__(self, vocab=1000, hidden=256, heads=4, ffn=1024, layers=4, max_pos=512):
        super().__init__()
        self.config = {"vocab": vocab, "hidden": hidden, "heads": heads, "ffn": ffn,
                       "layers": layers, "max_pos": max_pos}
        self.tok = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.register_buffer("position_ids", torch.arange(max_pos).unsqueeze(0))
        self.norm = nn.LayerNorm(hidden)
        layer = nn.TransformerEncoderLayer(hidden, heads, ffn, dropout=0.1, activation="gelu",
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.pooler = nn.Linear(hidden, hidden)

    def forward(self, input_ids, attention_mask):
        seq = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos(self.position_ids[:, :seq])
        x = self.norm(x)
        x = self.encoder(x, src_key_padding_mask=attention_mask == 0)
        return x, torch.tanh(self.pooler(x[:, 0]))


class SegmentationOut(nn.Module):
    """A torchvision segmentation model returning its "out" map (they return a dict)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


def export(outdir, name, model, args, opset, input_names, output_names, dynamic_axes,
           test_shapes, strip=False, bn_folded=True, config=None):
    model.eval()
    start = time.monotonic()
    buf = io.BytesIO()
    # Gradients on, so that nn.MultiheadAttention and nn.TransformerEncoderLayer take their
    # ordinary (traceable) path rather than the fused inference kernels ONNX cannot express.
    with torch.enable_grad():
        torch.onnx.export(model, args, buf, opset_version=opset, input_names=input_names,
                          output_names=output_names, dynamic_axes=dynamic_axes,
                          do_constant_folding=True)
    proto = onnx.load_model_from_string(buf.getvalue())
    if strip:
        strip_weights(proto, name + ".weights-not-written")
    path = os.path.join(outdir, name + ".onnx")
    onnx.save_model(proto, path)
    seconds = time.monotonic() - start
    torch_params = sum(p.numel() for p in model.parameters())
    bn = folded_bn_channels(model) if bn_folded else 0
    ops = {}
    for n in proto.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    entry = {
        "file": name + ".onnx",
        "opset": opset,
        "nodes": len(proto.graph.node),
        "op_types": ops,
        "input_shapes": test_shapes,
        "torch_params": torch_params,
        "bn_channels_folded": bn,
        "expected_params": torch_params - bn,
        "expected_macs": count_macs(model, args),
        "weights_stripped": strip,
        "export_seconds": round(seconds, 2),
    }
    if config:
        entry["config"] = config
    print(f"export_torch: {name}: opset {opset}, {entry['nodes']} nodes, "
          f"{entry['expected_params']:,} params, {entry['expected_macs']:,} MACs, "
          f"{seconds:.1f} s", flush=True)
    return entry


def main():
    # The tracer's warnings (Python booleans and shapes it records as constants) are about
    # other input shapes; the dynamic axes the tests vary are exported as such.
    warnings.simplefilter("ignore")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    models = {}
    image = torch.randn(1, 3, 224, 224)
    image_shape = {"input": [1, 3, 224, 224]}

    models["resnet50"] = export(
        outdir, "tv_resnet50", torchvision.models.resnet50(weights=None), (image,), 13,
        ["input"], ["logits"], {"input": {0: "batch"}, "logits": {0: "batch"}}, image_shape)
    models["mobilenet_v2"] = export(
        outdir, "tv_mobilenet_v2", torchvision.models.mobilenet_v2(weights=None), (image,), 11,
        ["input"], ["logits"], None, image_shape)
    # A segmentation network with large activations (640x640: a 16 x 320 x 320 tensor is 3.1 MiB
    # at batch 1), which the State Buffer holds only by tiling and spilling: torchvision's LR-ASPP
    # MobileNetV3-Large, its "out" map as the output.
    models["lraspp_mobilenet_v3"] = export(
        outdir, "tv_lraspp_mobilenet_v3",
        SegmentationOut(torchvision.models.segmentation.lraspp_mobilenet_v3_large(
            weights=None, weights_backbone=None)),
        (torch.randn(1, 3, 640, 640),), 13, ["input"], ["out"],
        {"input": {0: "batch"}, "out": {0: "batch"}}, {"input": [1, 3, 640, 640]})
    models["squeezenet1_0"] = export(
        outdir, "tv_squeezenet1_0", torchvision.models.squeezenet1_0(weights=None), (image,), 9,
        ["input"], ["logits"], None, image_shape)
    models["vit_b_16"] = export(
        outdir, "tv_vit_b_16", torchvision.models.vit_b_16(weights=None), (image,), 14,
        ["input"], ["logits"], {"input": {0: "batch"}, "logits": {0: "batch"}}, image_shape,
        strip=True, bn_folded=False)

    seq = 128
    ids = torch.randint(0, 1000, (1, seq))
    mask = torch.ones(1, seq, dtype=torch.int64)
    bert_axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                 "hidden": {0: "batch", 1: "seq"}, "pooled": {0: "batch"}}
    bert_shapes = {"input_ids": [1, seq], "attention_mask": [1, seq]}
    bert = BertLike()
    for opset in (13, 17):
        models[f"bert_like_opset{opset}"] = export(
            outdir, f"bert_like_opset{opset}", bert, (ids, mask), opset,
            ["input_ids", "attention_mask"], ["hidden", "pooled"], bert_axes, bert_shapes,
            bn_folded=False, config=bert.config)

    info = {"torch": torch.__version__, "torchvision": torchvision.__version__,
            "onnx": onnx.__version__, "models": models}
    with open(os.path.join(outdir, "models.json"), "w") as f:
        json.dump(info, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
