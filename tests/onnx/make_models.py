#!/usr/bin/env python3
"""Writes the ONNX test models of tests/test_onnx.cpp into a directory (argv[1]).

Built with onnx.helper the way exporters write models: Conv + BatchNormalization + Relu,
MatMul + Add for linear layers, dynamic batch and sequence dimensions, shape computations
(Shape -> Gather -> Unsqueeze -> Concat -> Reshape), Constant nodes. Large weights are stored as
external data whose file is never written: the importer needs their shapes only.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64


class Net:
    """A graph under construction: nodes, initializers and fresh tensor names."""

    def __init__(self, weights_file):
        self.nodes = []
        self.inits = []
        self.weights_file = weights_file
        self.count = 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def weight(self, name, dims):
        """A float initializer kept in an external file that is never written."""
        t = TensorProto()
        t.name = name
        t.data_type = FLOAT
        t.dims.extend(dims)
        t.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.weights_file), ("offset", "0"),
                           ("length", str(4 * int(np.prod(dims))))):
            e = t.external_data.add()
            e.key = key
            e.value = value
        self.inits.append(t)
        return name

    def const(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def constant_node(self, array, base="const"):
        out = self.name(base)
        self.nodes.append(helper.make_node(
            "Constant", [], [out], value=numpy_helper.from_array(np.asarray(array), out + "_v")))
        return out

    def op(self, op_type, inputs, base=None, outputs=1, **attrs):
        outs = [self.name(base or op_type.lower()) for _ in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=outs[0] + "_node",
                                           **attrs))
        return outs[0] if outputs == 1 else outs


def save(path, net, inputs, outputs, opset, name):
    graph = helper.make_graph(net.nodes, name, inputs, outputs, initializer=net.inits)
    model = helper.make_model(graph, producer_name="infsim-tests",
                              opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


# --- ResNet-50 v1.5 (torchvision layout), BatchNorm not yet folded -----------------------------

def conv_bn(net, x, cin, cout, k, stride, pad, relu, prefix):
    w = net.weight(prefix + ".weight", [cout, cin, k, k])
    bn = [net.weight(prefix + ".bn." + p, [cout]) for p in ("scale", "bias", "mean", "var")]
    y = net.op("Conv", [x, w], prefix + ".conv", kernel_shape=[k, k], strides=[stride, stride],
               pads=[pad] * 4)
    y = net.op("BatchNormalization", [y] + bn, prefix + ".bn", epsilon=1e-5)
    return net.op("Relu", [y], prefix + ".relu") if relu else y


def resnet50(path):
    net = Net("resnet50.weights")
    x = conv_bn(net, "input", 3, 64, 7, 2, 3, True, "conv1")
    x = net.op("MaxPool", [x], "maxpool", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for stage, (blocks, width) in enumerate(zip((3, 4, 6, 3), (64, 128, 256, 512))):
        for i in range(blocks):
            p = f"layer{stage + 1}.{i}"
            stride = 2 if (i == 0 and stage > 0) else 1
            y = conv_bn(net, x, cin, width, 1, 1, 0, True, p + ".c1")
            y = conv_bn(net, y, width, width, 3, stride, 1, True, p + ".c2")
            y = conv_bn(net, y, width, width * 4, 1, 1, 0, False, p + ".c3")
            shortcut = x
            if i == 0:
                shortcut = conv_bn(net, x, cin, width * 4, 1, stride, 0, False, p + ".down")
            x = net.op("Relu", [net.op("Add", [y, shortcut], p + ".add")], p + ".out")
            cin = width * 4
    x = net.op("GlobalAveragePool", [x], "gap")
    x = net.op("Flatten", [x], "flatten", axis=1)
    w = net.weight("fc.weight", [1000, 2048])
    b = net.weight("fc.bias", [1000])
    y = net.op("Gemm", [x, w, b], "fc", transB=1)
    save(path, net,
         [helper.make_tensor_value_info("input", FLOAT, ["N", 3, 224, 224])],
         [helper.make_tensor_value_info(y, FLOAT, None)], 13, "resnet50")


# --- BERT-style encoder -------------------------------------------------------------------------

def layernorm(net, x, h, prefix, decomposed):
    if not decomposed:
        g = net.weight(prefix + ".gamma", [h])
        b = net.weight(prefix + ".beta", [h])
        return net.op("LayerNormalization", [x, g, b], prefix, axis=-1, epsilon=1e-12)
    # The form exporters write for older opsets; gamma and beta as Constant nodes.
    mean = net.op("ReduceMean", [x], prefix + ".mean", axes=[-1])
    d = net.op("Sub", [x, mean], prefix + ".sub")
    sq = net.op("Pow", [d, net.constant_node(np.float32(2.0))], prefix + ".pow")
    var = net.op("ReduceMean", [sq], prefix + ".var", axes=[-1])
    std = net.op("Sqrt", [net.op("Add", [var, net.constant_node(np.float32(1e-12))])],
                 prefix + ".std")
    y = net.op("Div", [d, std], prefix + ".norm")
    y = net.op("Mul", [y, net.constant_node(np.ones([h], np.float32))], prefix + ".gamma")
    return net.op("Add", [y, net.constant_node(np.zeros([h], np.float32))], prefix + ".beta")


def linear(net, x, k, n, prefix):
    w = net.weight(prefix + ".weight", [k, n])
    b = net.weight(prefix + ".bias", [n])
    return net.op("Add", [net.op("MatMul", [x, w], prefix + ".matmul"), b], prefix)


def encoder(path, name, layers, hidden, heads, ffn, opset, decomposed, dynamic, seq):
    net = Net(name + ".weights")
    d = hidden // heads
    shape = net.op("Shape", ["input_ids"], "ids_shape")
    batch = unsqueeze0(net, net.op("Gather", [shape, net.const("idx0", np.int64(0))], "b"), opset)
    seqlen = unsqueeze0(net, net.op("Gather", [shape, net.const("idx1", np.int64(1))], "s"), opset)
    # Position ids: a [1, 512] buffer cut to the sequence length, as exporters write it.
    pos_buffer = net.const("position_ids_buffer", np.arange(512, dtype=np.int64)[None, :])
    pos_ids = net.op("Slice", [pos_buffer, net.const("zero", np.array([0], np.int64)), seqlen,
                               net.const("axis1", np.array([1], np.int64))], "position_ids")
    word = net.op("Gather", [net.weight("emb.word", [30522, hidden]), "input_ids"], "emb_word")
    pos = net.op("Gather", [net.weight("emb.pos", [512, hidden]), pos_ids], "emb_pos")
    typ = net.op("Gather", [net.weight("emb.type", [2, hidden]), "token_type_ids"], "emb_type")
    x = net.op("Add", [net.op("Add", [word, pos], "emb_add"), typ], "emb_add2")
    x = layernorm(net, x, hidden, "emb.ln", decomposed)
    split_shape = net.op("Concat", [batch, seqlen, net.const("heads_d", np.array([heads, d]))],
                         "split_shape", axis=0)
    merge_shape = net.op("Concat", [batch, seqlen, net.const("hidden", np.array([hidden]))],
                         "merge_shape", axis=0)
    for layer in range(layers):
        p = f"layer{layer}"
        q = linear(net, x, hidden, hidden, p + ".q")
        k = linear(net, x, hidden, hidden, p + ".k")
        v = linear(net, x, hidden, hidden, p + ".v")
        qh = net.op("Transpose", [net.op("Reshape", [q, split_shape])], perm=[0, 2, 1, 3])
        kh = net.op("Transpose", [net.op("Reshape", [k, split_shape])], perm=[0, 2, 3, 1])
        vh = net.op("Transpose", [net.op("Reshape", [v, split_shape])], perm=[0, 2, 1, 3])
        s = net.op("MatMul", [qh, kh], p + ".scores")
        s = net.op("Div", [s, net.const(p + ".scale", np.float32(np.sqrt(d)))], p + ".scaled")
        s = net.op("Softmax", [s], p + ".softmax", axis=-1)
        c = net.op("MatMul", [s, vh], p + ".context")
        c = net.op("Transpose", [c], perm=[0, 2, 1, 3])
        c = net.op("Reshape", [c, merge_shape], p + ".merge")
        a = linear(net, c, hidden, hidden, p + ".o")
        x = layernorm(net, net.op("Add", [a, x], p + ".res1"), hidden, p + ".ln1", decomposed)
        f = linear(net, x, hidden, ffn, p + ".ffn1")
        # GELU as exporters write it before opset 20: 0.5 * x * (1 + erf(x / sqrt(2))).
        e = net.op("Erf", [net.op("Div", [f, net.const(p + ".sqrt2", np.float32(1.4142135))])])
        e = net.op("Add", [e, net.const(p + ".one", np.float32(1.0))])
        f = net.op("Mul", [net.op("Mul", [f, e]), net.const(p + ".half", np.float32(0.5))],
                   p + ".gelu")
        f = linear(net, f, ffn, hidden, p + ".ffn2")
        x = layernorm(net, net.op("Add", [f, x], p + ".res2"), hidden, p + ".ln2", decomposed)
    cls = net.op("Gather", [x, net.const("cls_idx", np.int64(0))], "cls", axis=1)
    pooled = net.op("Gemm", [cls, net.weight("pooler.weight", [hidden, hidden]),
                             net.weight("pooler.bias", [hidden])], "pooler", transB=1)
    pooled = net.op("Tanh", [pooled], "pooler_out")
    dims = ["batch", "seq"] if dynamic else [1, seq]
    save(path, net,
         [helper.make_tensor_value_info("input_ids", INT64, dims),
          helper.make_tensor_value_info("token_type_ids", INT64, dims)],
         [helper.make_tensor_value_info(x, FLOAT, None),
          helper.make_tensor_value_info(pooled, FLOAT, None)], opset, name)


def unsqueeze0(net, x, opset):
    """Unsqueeze on axis 0: axes an attribute before opset 13, an input from 13 on."""
    if opset >= 13:
        return net.op("Unsqueeze", [x, net.const(net.name("axes0"), np.array([0], np.int64))])
    return net.op("Unsqueeze", [x], axes=[0])


# --- Small models for single features and bad input ---------------------------------------------

def mobile(path):
    """Depthwise and grouped convolutions, Clip (ReLU6), HardSwish, Resize, Pad, Concat, Split."""
    net = Net("mobile.weights")
    x = net.op("Conv", ["image", net.weight("c1.w", [16, 3, 3, 3]), net.weight("c1.b", [16])],
               "c1", strides=[2, 2], pads=[1, 1, 1, 1])
    x = net.op("Clip", [x, net.const("lo", np.float32(0)), net.const("hi", np.float32(6))], "r6")
    dw = net.op("Conv", [x, net.weight("dw.w", [16, 1, 3, 3])], "dw", group=16, pads=[1, 1, 1, 1])
    dw = net.op("HardSwish", [dw], "hs")
    g = net.op("Conv", [dw, net.weight("g.w", [32, 4, 1, 1])], "grouped", group=4)
    a, b = net.op("Split", [g], "split", outputs=2, axis=1)
    up = net.op("Resize", [a, "", net.const("scales", np.array([1, 1, 2, 2], np.float32))],
                "up", mode="nearest")
    up = net.op("Pad", [up, net.const("pads", np.array([0, 0, 0, 0, 0, 0, 0, 0]))], "pad")
    down = net.op("AveragePool", [up], "avg", kernel_shape=[2, 2], strides=[2, 2])
    y = net.op("Concat", [down, b], "cat", axis=1)
    y = net.op("ReduceMean", [y], "mean", axes=[2, 3], keepdims=0)
    save(path, net, [helper.make_tensor_value_info("image", FLOAT, [1, 3, 32, 32])],
         [helper.make_tensor_value_info(y, FLOAT, None)], 14, "mobile")


def unknown_ops(path):
    net = Net("unknown.weights")
    x = net.op("Sin", ["x"], "sin1")
    x = net.op("Hardmax", [x], "hardmax", axis=-1)
    x = net.op("Sin", [x], "sin2")
    x = net.op("Relu", [x], "relu")
    save(path, net, [helper.make_tensor_value_info("x", FLOAT, [1, 64])],
         [helper.make_tensor_value_info(x, FLOAT, None)], 13, "unknown_ops")


def cycle(path):
    nodes = [helper.make_node("Add", ["x", "b"], ["a"], name="first"),
             helper.make_node("Relu", ["a"], ["b"], name="second"),
             helper.make_node("Relu", ["b"], ["y"], name="third")]
    graph = helper.make_graph(nodes, "cycle", [helper.make_tensor_value_info("x", FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", FLOAT, [1, 4])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    resnet50(os.path.join(out, "resnet50.onnx"))
    encoder(os.path.join(out, "bert_base.onnx"), "bert_base", 12, 768, 12, 3072, 17,
            decomposed=False, dynamic=True, seq=128)
    encoder(os.path.join(out, "tiny_encoder.onnx"), "tiny_encoder", 2, 128, 4, 512, 11,
            decomposed=True, dynamic=False, seq=32)
    mobile(os.path.join(out, "mobile.onnx"))
    unknown_ops(os.path.join(out, "unknown_ops.onnx"))
    cycle(os.path.join(out, "cycle.onnx"))


if __name__ == "__main__":
    main()
