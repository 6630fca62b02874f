#!/usr/bin/env python3
"""Print the layer table of a .tflite model (no dependencies).

Usage: scripts/tflite_layers.py MODEL.tflite [--c]

Reads the FlatBuffer directly (a minimal reader for the parts of the TFLite
schema we need: Model -> subgraphs[0] -> operators / tensors, operator codes
and the Conv2D / DepthwiseConv2D / Pool2D / FullyConnected options) and
prints, per operator:

  op, weight (filter) shape, stride h/w, padding (SAME/VALID), pool window,
  fused activation, output shape

With --c it prints the rows as C initialisers for tests/zoo/test_zoo_classic.c
(only CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D,
FULLY_CONNECTED, ADD and SOFTMAX rows: RESHAPE is a layout no-op).
It also prints the file's size and sha256, which the test pins.
"""
import hashlib
import struct
import sys

BUILTIN = {0: "ADD", 1: "AVERAGE_POOL_2D", 2: "CONCATENATION", 3: "CONV_2D", 4: "DEPTHWISE_CONV_2D",
           9: "FULLY_CONNECTED", 17: "MAX_POOL_2D", 22: "RESHAPE", 25: "SOFTMAX", 40: "MEAN",
           6: "DEQUANTIZE", 114: "QUANTIZE"}
PADDING = {0: "SAME", 1: "VALID"}
ACT = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6", 4: "TANH"}


class Table:
    """A FlatBuffer table at absolute offset `pos` in `buf`."""

    def __init__(self, buf, pos):
        self.buf = buf
        self.pos = pos
        vt = pos - struct.unpack_from("<i", buf, pos)[0]
        self.vt = vt
        self.vt_len = struct.unpack_from("<H", buf, vt)[0]

    def _field(self, i):
        off = 4 + 2 * i
        if off >= self.vt_len:
            return 0
        return struct.unpack_from("<H", self.buf, self.vt + off)[0]

    def scalar(self, i, fmt, default=0):
        f = self._field(i)
        if not f:
            return default
        return struct.unpack_from("<" + fmt, self.buf, self.pos + f)[0]

    def _indirect(self, i):
        f = self._field(i)
        if not f:
            return None
        p = self.pos + f
        return p + struct.unpack_from("<I", self.buf, p)[0]

    def table(self, i):
        p = self._indirect(i)
        return Table(self.buf, p) if p is not None else None

    def vector(self, i, fmt):
        p = self._indirect(i)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        sz = struct.calcsize("<" + fmt)
        return [struct.unpack_from("<" + fmt, self.buf, p + 4 + k * sz)[0] for k in range(n)]

    def tables(self, i):
        p = self._indirect(i)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.buf, p)[0]
        out = []
        for k in range(n):
            e = p + 4 + 4 * k
            out.append(Table(self.buf, e + struct.unpack_from("<I", self.buf, e)[0]))
        return out

    def string(self, i):
        p = self._indirect(i)
        if p is None:
            return ""
        n = struct.unpack_from("<I", self.buf, p)[0]
        return self.buf[p + 4:p + 4 + n].decode("utf-8", "replace")


def layers(buf):
    model = Table(buf, struct.unpack_from("<I", buf, 0)[0])
    codes = []
    for oc in model.tables(1):
        dep = oc.scalar(0, "b")
        code = oc.scalar(3, "i")
        codes.append(max(dep, code))
    sg = model.tables(2)[0]
    tensors = sg.tables(0)
    rows = []
    for op in sg.tables(3):
        code = codes[op.scalar(0, "I")]
        name = BUILTIN.get(code, "OP%d" % code)
        ins = op.vector(1, "i")
        outs = op.vector(2, "i")
        opt = op.table(4)
        row = {"op": name, "w": [], "stride": [1, 1], "pad": "-", "pool": [0, 0], "act": "NONE",
               "out": tensors[outs[0]].vector(0, "i"), "bias": False}
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            row["w"] = tensors[ins[1]].vector(0, "i")
            row["bias"] = len(ins) > 2 and ins[2] >= 0
        if name == "CONV_2D":
            row["pad"] = PADDING[opt.scalar(0, "b")]
            row["stride"] = [opt.scalar(2, "i"), opt.scalar(1, "i")]
            row["act"] = ACT[opt.scalar(3, "b")]
        elif name == "DEPTHWISE_CONV_2D":
            row["pad"] = PADDING[opt.scalar(0, "b")]
            row["stride"] = [opt.scalar(2, "i"), opt.scalar(1, "i")]
            row["act"] = ACT[opt.scalar(4, "b")]
        elif name in ("AVERAGE_POOL_2D", "MAX_POOL_2D"):
            row["pad"] = PADDING[opt.scalar(0, "b")]
            row["stride"] = [opt.scalar(2, "i"), opt.scalar(1, "i")]
            row["pool"] = [opt.scalar(4, "i"), opt.scalar(3, "i")]
            row["act"] = ACT[opt.scalar(5, "b")]
        elif name == "FULLY_CONNECTED":
            row["act"] = ACT[opt.scalar(0, "b")] if opt else "NONE"
        elif name == "ADD":
            row["act"] = ACT[opt.scalar(0, "b")] if opt else "NONE"
        rows.append(row)
    return rows


def main():
    path = sys.argv[1]
    as_c = "--c" in sys.argv[2:]
    buf = open(path, "rb").read()
    print("/* %s: %d bytes, sha256 %s */" % (path, len(buf), hashlib.sha256(buf).hexdigest()))
    for r in layers(buf):
        if as_c:
            if r["op"] == "RESHAPE":
                continue
            w = (r["w"] + [0, 0, 0, 0])[:4]
            o = (r["out"] + [0, 0, 0, 0])[:4]
            print("    {L_%s, {%s}, %d, %d, P_%s, %d, %d, A_%s, {%s}}," % (
                r["op"], ", ".join(str(v) for v in w), r["stride"][0], r["stride"][1],
                r["pad"] if r["pad"] != "-" else "NA", r["pool"][0], r["pool"][1], r["act"],
                ", ".join(str(v) for v in o)))
        else:
            print("%-18s w=%-16s stride=%-6s pad=%-5s pool=%-6s bias=%-5s act=%-5s out=%s" % (
                r["op"], r["w"], r["stride"], r["pad"], r["pool"], r["bias"], r["act"], r["out"]))


if __name__ == "__main__":
    main()
