#!/usr/bin/env python3
"""onnx_dequantize.py -- turn a QOperator-quantised ONNX model back into float.

Usage:  onnx_dequantize.py IN_INT8.onnx OUT_FLOAT.onnx [--no-act] [--relu-only]

Purpose: the ONNX model zoo ships MobileNetV2 1.0/224 only as an int8
QOperator model (mobilenetv2-12-int8.onnx: QLinearConv with per-output-
channel int8 weights, uint8 activations).  Its dequantised weights are a
realistic float ImageNet MobileNetV2 (BatchNorm already folded) with the
wide per-channel depthwise weight ranges that make per-tensor PTQ collapse;
this script rebuilds that float model so that edgenn's own quantiser can be
run on it (docs/quantization.md, "depthwise models").

Conversion (every operator not listed is an error):
  QuantizeLinear(x)            -> nothing: the float tensor is x itself
  DequantizeLinear(q)          -> nothing: the float tensor of q
  QLinearConv                  -> Conv, W = (w_q - w_zp[c]) * w_scale[c]
                                  (per output channel c, or per tensor),
                                  B = bias_int32[c] * x_scale * w_scale[c]
                                  (Conv attributes copied unchanged)
  QLinearAdd  (com.microsoft)  -> Add; a constant operand is dequantised
                                  (q - zp) * scale into a float initializer
  QLinearGlobalAveragePool     -> GlobalAveragePool (channels_last must be 0)
  QLinearMatMul                -> MatMul with B dequantised per column
                                  (B is [K, N], scale/zp of shape [N] or []);
                                  a QLinearMatMul whose only consumer is a
                                  QLinearAdd with a constant [N] operand is
                                  fused with it into Gemm(A, B, bias)
  Shape, Gather, Unsqueeze, Concat, Reshape, Flatten, Transpose, Squeeze,
  Identity                     -> copied unchanged, on the float tensors

Activation rule (the quantised output range implies the activation that
the quantiser folded into QLinearConv / QLinearAdd).  With the output
scale s and zero point zp, the representable real range is
[(qmin - zp) * s, (qmax - zp) * s] (qmin/qmax = 0/255 for uint8,
-128/127 for int8):
  * lower end exactly 0 (zp == qmin) and upper end top <= 6 * (1 + 1e-3)
      -> Clip(min=0, max=6)                                     (ReLU6)
  * lower end exactly 0 and top > 6 * (1 + 1e-3)
      -> Relu
  * otherwise (lower end < 0) -> no activation (linear output).
Why Clip(0,6) also when top < 6: such a range is consistent with both
ReLU and ReLU6, and the int8 model itself clamps at top <= 6, so Clip(0,6)
is the float activation closest to what the quantised model computes
(in MobileNetV2 every such layer is in fact a ReLU6 layer; the torchvision
export that this zoo model comes from uses ReLU6 after every expansion and
depthwise conv and after the last 1x1 conv).  --relu-only maps every
zero-based range to Relu instead; --no-act inserts no activation at all.
A linear layer whose calibrated outputs happened to be all >= 0 would be
mis-read as ReLU6 by this rule; the check against the int8 model (top-1
agreement, output SQNR) is what tells whether the reading is right.

Requires the `onnx` and `numpy` Python packages (bench/.venv has them).
"""
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

SHAPE_OPS = {"Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "Flatten",
             "Transpose", "Squeeze", "Identity"}


def qrange(zp_arr):
    """(qmin, qmax) of the zero point's integer type."""
    if zp_arr.dtype == np.uint8:
        return 0, 255
    if zp_arr.dtype == np.int8:
        return -128, 127
    raise ValueError("unsupported activation zero-point type %s" % zp_arr.dtype)


def act_for(scale, zp, mode):
    """The activation implied by an output (scale, zp): None, 'relu', 'relu6'."""
    if mode == "none":
        return None
    s = float(np.asarray(scale).reshape(-1)[0])
    z = int(np.asarray(zp).reshape(-1)[0])
    qmin, qmax = qrange(np.asarray(zp))
    if z != qmin:
        return None
    top = (qmax - z) * s
    if mode == "relu" or top > 6.0 * (1.0 + 1e-3):
        return "relu"
    return "relu6"


def convert(model, mode="auto"):
    g = model.graph
    init = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)

    alias = {}          # quantised tensor name -> float tensor name

    def fname(name):
        while name in alias:
            name = alias[name]
        return name

    new_init = {}       # float initializers of the output model
    nodes = []
    used_names = set(init)      # never reuse a name of the input graph
    for n in g.node:
        used_names.update(n.input)
        used_names.update(n.output)
    used_names.update(i.name for i in g.input)

    def const(name, arr):
        new_init[name] = numpy_helper.from_array(np.array(arr, order="C"), name)
        return name

    def val(name):
        if name not in init:
            raise ValueError("expected a constant: %s" % name)
        return init[name]

    def float_name(qname):
        base = qname[:-len("_quantized")] if qname.endswith("_quantized") else qname + "_f"
        while base in used_names:
            base += "_f"
        used_names.add(base)
        return base

    pending = []        # activation node to append after the node that feeds it

    def emit_act(out_f, scale, zp, node_name):
        act = act_for(scale, zp, mode)
        if act is None:
            return out_f
        pre = out_f + "_preact"
        if act == "relu":
            pending.append(helper.make_node("Relu", [pre], [out_f], name=node_name + "_relu"))
        else:
            lo = const(out_f + "_clip_min", np.array(0.0, np.float32))
            hi = const(out_f + "_clip_max", np.array(6.0, np.float32))
            pending.append(helper.make_node("Clip", [pre, lo, hi], [out_f], name=node_name + "_relu6"))
        return pre

    fused = set()       # ids of QLinearAdd nodes absorbed into a Gemm
    n_conv = n_act = 0
    for n in g.node:
        op = n.op_type
        if id(n) in fused:
            continue
        if op == "QuantizeLinear":
            alias[n.output[0]] = fname(n.input[0])
        elif op == "DequantizeLinear":
            alias[n.output[0]] = fname(n.input[0])
        elif op == "QLinearConv":
            x, xs, xz, w, ws, wz, ys, yz = n.input[:8]
            wq = val(w).astype(np.float64)
            wsc = val(ws).astype(np.float64)
            wzp = val(wz).astype(np.float64)
            oc = wq.shape[0]
            bshape = (oc,) + (1,) * (wq.ndim - 1)
            if wsc.size == 1:
                wsc = np.full(oc, wsc.reshape(-1)[0])
            if wzp.size == 1:
                wzp = np.full(oc, wzp.reshape(-1)[0])
            wf = ((wq - wzp.reshape(bshape)) * wsc.reshape(bshape)).astype(np.float32)
            xscale = float(val(xs).reshape(-1)[0])
            ins = [fname(x), const(w[:-len("_quantized")] + "_w" if w.endswith("_quantized") else w + "_w", wf)]
            if len(n.input) > 8 and n.input[8]:
                b = n.input[8]
                bf = (val(b).astype(np.float64) * xscale * wsc).astype(np.float32)
                ins.append(const(b + "_f", bf))
            out_f = float_name(n.output[0])
            alias[n.output[0]] = out_f
            conv_out = emit_act(out_f, val(ys), val(yz), n.name or out_f)
            n_act += conv_out != out_f
            nodes.append(helper.make_node("Conv", ins, [conv_out], name=(n.name or out_f),
                                          **{a.name: helper.get_attribute_value(a) for a in n.attribute}))
            n_conv += 1
        elif op == "QLinearAdd":
            a, as_, az, b, bs, bz, ys, yz = n.input[:8]
            ins = []
            for t, ts, tz in ((a, as_, az), (b, bs, bz)):
                if t in init:
                    ins.append(const(t + "_f", ((val(t).astype(np.float64) - val(tz)) * val(ts)).astype(np.float32)))
                else:
                    ins.append(fname(t))
            out_f = float_name(n.output[0])
            alias[n.output[0]] = out_f
            add_out = emit_act(out_f, val(ys), val(yz), n.name or out_f)
            n_act += add_out != out_f
            nodes.append(helper.make_node("Add", ins, [add_out], name=(n.name or out_f)))
        elif op == "QLinearGlobalAveragePool":
            for a in n.attribute:
                if a.name == "channels_last" and helper.get_attribute_value(a) != 0:
                    raise ValueError("channels_last QLinearGlobalAveragePool not supported")
            out_f = float_name(n.output[0])
            alias[n.output[0]] = out_f
            nodes.append(helper.make_node("GlobalAveragePool", [fname(n.input[0])], [out_f],
                                          name=(n.name or out_f)))
        elif op == "QLinearMatMul":
            a, as_, az, b, bs, bz, ys, yz = n.input[:8]
            bq = val(b).astype(np.float64)
            bf = ((bq - val(bz).astype(np.float64)) * val(bs).astype(np.float64)).astype(np.float32)
            wname = const(b + "_f", bf)
            cons = consumers.get(n.output[0], [])
            add = cons[0] if len(cons) == 1 and cons[0].op_type == "QLinearAdd" else None
            bias = None
            if add is not None and n.output[0] not in [o.name for o in g.output]:
                other = [(add.input[i], add.input[i + 1], add.input[i + 2]) for i in (0, 3)
                         if add.input[i] != n.output[0]]
                if len(other) == 1 and other[0][0] in init and val(other[0][0]).size == bf.shape[-1]:
                    t, ts, tz = other[0]
                    bias = ((val(t).astype(np.float64) - val(tz)) * val(ts)).astype(np.float32).reshape(-1)
            if bias is not None:
                fused.add(id(add))
                out_f = float_name(add.output[0])
                alias[add.output[0]] = out_f
                g_out = emit_act(out_f, val(add.input[6]), val(add.input[7]), add.name or out_f)
                nodes.append(helper.make_node("Gemm", [fname(a), wname, const(add.input[3] + "_gemm_bias", bias)],
                                              [g_out], name=(n.name or out_f)))
            else:
                out_f = float_name(n.output[0])
                alias[n.output[0]] = out_f
                nodes.append(helper.make_node("MatMul", [fname(a), wname], [out_f], name=(n.name or out_f)))
        elif op in SHAPE_OPS and n.domain in ("", "ai.onnx"):
            ins = []
            for i in n.input:
                if i in init:
                    ins.append(const(i, val(i)))
                else:
                    ins.append(fname(i))
            outs = []
            for o in n.output:
                of = float_name(o)
                alias[o] = of
                outs.append(of)
            nodes.append(helper.make_node(op, ins, outs, name=n.name,
                                          **{a.name: helper.get_attribute_value(a) for a in n.attribute}))
        else:
            raise ValueError("unsupported operator %s (domain '%s') in node %s" % (op, n.domain, n.name))
        nodes.extend(pending)
        del pending[:]

    outputs = []
    for o in g.output:
        src = fname(o.name)
        if src != o.name:
            nodes.append(helper.make_node("Identity", [src], [o.name], name=o.name + "_out"))
        vi = helper.make_tensor_value_info(o.name, TensorProto.FLOAT, None)
        vi.type.tensor_type.shape.CopyFrom(o.type.tensor_type.shape)
        outputs.append(vi)

    graph = helper.make_graph(nodes, g.name + "_float", list(g.input), outputs,
                              initializer=list(new_init.values()))
    out = helper.make_model(graph, producer_name="edgenn scripts/onnx_dequantize.py",
                            opset_imports=[helper.make_opsetid("", 12)])
    out.ir_version = 7
    onnx.checker.check_model(out)
    return out, n_conv, n_act


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = [a for a in argv[1:] if a.startswith("--")]
    if len(args) != 2 or any(f not in ("--no-act", "--relu-only") for f in flags):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    mode = "none" if "--no-act" in flags else "relu" if "--relu-only" in flags else "auto"
    model = onnx.load(args[0])
    try:
        out, n_conv, n_act = convert(model, mode)
    except ValueError as e:
        sys.stderr.write("onnx_dequantize: error: %s\n" % e)
        return 1
    onnx.save(out, args[1])
    print("%s: %d Conv, %d activations re-inserted, %d nodes -> %s"
          % (args[0], n_conv, n_act, len(out.graph.node), args[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
