#!/usr/bin/env python3
"""Per-operator ONNX conformance table for docs/conformance.md.

Runs `edgenn verify --json` over the given case directories / .onnx files,
reads the operator types of every case's model with a tiny protobuf reader
(no onnx package needed), and prints Markdown: totals per suite, then per
operator the cases passed / failed / unsupported (a case counts once for
every distinct operator its model uses).

    python3 scripts/onnx_conformance.py BUILD/edgenn CASE_OR_DIR... > table.md
"""
import json
import os
import re
import subprocess
import sys
from collections import defaultdict


def varint(b, i):
    r = s = 0
    while True:
        c = b[i]
        i += 1
        r |= (c & 0x7F) << s
        s += 7
        if c < 0x80:
            return r, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        k, i = varint(b, i)
        f, w = k >> 3, k & 7
        if w == 0:
            v, i = varint(b, i)
        elif w == 1:
            v, i = b[i:i + 8], i + 8
        elif w == 5:
            v, i = b[i:i + 4], i + 4
        elif w == 2:
            n, i = varint(b, i)
            v, i = b[i:i + n], i + n
        else:
            raise ValueError("wire type %d" % w)
        out.append((f, v))
    return out


def model_ops(path):
    """(sorted distinct 'domain.op_type' of the main graph, default opset)"""
    with open(path, "rb") as f:
        b = f.read()
    ops, opset = set(), None
    for f, v in fields(b):
        if f == 8:
            dom, ver = "", 0
            for f2, v2 in fields(v):
                if f2 == 1:
                    dom = v2.decode()
                elif f2 == 2:
                    ver = v2
            if dom in ("", "ai.onnx"):
                opset = ver
        elif f == 7:
            for f2, v2 in fields(v):
                if f2 == 1:
                    op, dom = "", ""
                    for f3, v3 in fields(v2):
                        if f3 == 4:
                            op = v3.decode()
                        elif f3 == 7:
                            dom = v3.decode()
                    ops.add(op if dom in ("", "ai.onnx") else dom + "." + op)
    return sorted(ops), opset


def model_path(case_path):
    if case_path.endswith(".onnx"):
        return case_path
    return os.path.join(case_path, "model.onnx")


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cli, args = sys.argv[1], sys.argv[2:]
    res = subprocess.run([cli, "verify", "--json"] + args, stdout=subprocess.PIPE, check=False)
    doc = json.loads(res.stdout)
    per_op = defaultdict(lambda: [0, 0, 0])
    blocking = defaultdict(int)  # unsupported cases whose reason names the operator
    key = {"pass": 0, "fail": 1, "unsupported": 2}
    suites = defaultdict(lambda: [0, 0, 0])
    for c in doc["cases"]:
        k = key[c["status"]]
        suite = os.path.basename(os.path.dirname(c["path"].rstrip("/")))
        suites[suite][k] += 1
        try:
            ops, _ = model_ops(model_path(c["path"]))
        except (OSError, ValueError, IndexError):
            ops = ["(unreadable model)"]
        for op in ops:
            per_op[op][k] += 1
        if k == 2:
            for op in set(re.findall(r"([A-Za-z0-9_.]+) \(opset \d+, node", c["message"])):
                blocking[op] += 1
    print("| suite | passed | failed | unsupported |")
    print("|---|---:|---:|---:|")
    for s in sorted(suites):
        p, f, u = suites[s]
        print("| %s | %d | %d | %d |" % (s, p, f, u))
    print("| **total** | **%d** | **%d** | **%d** |" % (doc["passed"], doc["failed"], doc["unsupported"]))
    print()
    print("| operator | passed | failed | unsupported | of which this operator is named as a reason |")
    print("|---|---:|---:|---:|---:|")
    for op in sorted(per_op, key=lambda o: (-per_op[o][0], o)):
        p, f, u = per_op[op]
        print("| %s | %d | %d | %d | %d |" % (op, p, f, u, blocking.get(op, 0)))
    return 1 if doc["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
