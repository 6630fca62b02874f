#!/usr/bin/env python3
"""List the operators, tensor types and subgraph count of .tflite models.

Usage: scripts/tflite_ops.py MODEL.tflite... (no dependencies)

For each model prints one line per distinct builtin operator (with its
count and the operator-code version), the input/output tensor types and
shapes of subgraph 0, and the tensor types that occur. Used to decide which
operators the TFLite importer (src/import/tflite/) has to support.
"""
import struct
import sys

# BuiltinOperator values (tensorflow/lite/schema/schema.fbs)
NAMES = """ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE
EMBEDDING_LOOKUP FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D
LOCAL_RESPONSE_NORMALIZATION LOGISTIC LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6
RESHAPE RESIZE_BILINEAR RNN SOFTMAX SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM
EMBEDDING_LOOKUP_SPARSE PAD UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND
TRANSPOSE MEAN SUB DIV SQUEEZE UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN
EXP TOPK_V2 SPLIT LOG_SOFTMAX DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM
LESS NEG PADV2 GREATER GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE
EXPAND_DIMS EQUAL NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK
LOGICAL_OR ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE
FILL FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V
UNIQUE CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE
MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND
SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL""".split()
TYPES = ["float32", "float16", "int32", "uint8", "int64", "string", "bool", "int16", "complex64",
         "int8", "float64", "complex128", "uint64", "resource", "variant", "uint32", "uint16", "int4"]


class T:
    def __init__(self, b, pos):
        self.b, self.pos = b, pos
        self.vt = pos - struct.unpack_from("<i", b, pos)[0]
        self.vl = struct.unpack_from("<H", b, self.vt)[0]

    def off(self, i):
        o = 4 + 2 * i
        return struct.unpack_from("<H", self.b, self.vt + o)[0] if o < self.vl else 0

    def sc(self, i, fmt, d=0):
        o = self.off(i)
        return struct.unpack_from("<" + fmt, self.b, self.pos + o)[0] if o else d

    def ref(self, i):
        o = self.off(i)
        if not o:
            return None
        p = self.pos + o
        return p + struct.unpack_from("<I", self.b, p)[0]

    def vec(self, i, fmt=None):
        p = self.ref(i)
        if p is None:
            return []
        n = struct.unpack_from("<I", self.b, p)[0]
        if fmt:
            sz = struct.calcsize(fmt)
            return [struct.unpack_from("<" + fmt, self.b, p + 4 + k * sz)[0] for k in range(n)]
        return [T(self.b, p + 4 + 4 * k + struct.unpack_from("<I", self.b, p + 4 + 4 * k)[0]) for k in range(n)]

    def str(self, i):
        p = self.ref(i)
        if p is None:
            return ""
        n = struct.unpack_from("<I", self.b, p)[0]
        return self.b[p + 4:p + 4 + n].decode("utf-8", "replace")


def opname(code):
    dep = code.sc(0, "b")
    bc = code.sc(3, "i")
    c = max(dep, bc)
    if c == 32:
        return "CUSTOM:" + code.str(1)
    return NAMES[c] if c < len(NAMES) else "OP%d" % c


def main():
    for path in sys.argv[1:]:
        b = open(path, "rb").read()
        m = T(b, struct.unpack_from("<I", b, 0)[0])
        codes = m.vec(1)
        sgs = m.vec(2)
        sg = sgs[0]
        tensors = sg.vec(0)
        counts = {}
        for op in sg.vec(3):
            c = codes[op.sc(0, "I")]
            key = (opname(c), c.sc(2, "i", 1))
            counts[key] = counts.get(key, 0) + 1

        def desc(i):
            t = tensors[i]
            return "%s[%s]" % (TYPES[t.sc(1, "b")], ",".join(str(d) for d in t.vec(0, "i")))

        types = sorted({TYPES[t.sc(1, "b")] for t in tensors})
        print("%s: %d subgraph(s), in %s, out %s, types %s" % (
            path, len(sgs), " ".join(desc(i) for i in sg.vec(1, "i")),
            " ".join(desc(i) for i in sg.vec(2, "i")), ",".join(types)))
        for (name, ver), n in sorted(counts.items()):
            print("  %-28s v%-2d x%d" % (name, ver, n))


if __name__ == "__main__":
    main()
