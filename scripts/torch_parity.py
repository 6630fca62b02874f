#!/usr/bin/env python3
"""PyTorch parity: torchvision architectures exported to ONNX, run by edgenn.

For every torchvision architecture that edgenn's zoo also has, this script

1. builds torchvision.models.<arch>(weights=None) under torch.manual_seed(k)
   (seeded random weights, never pretrained ones);
2. gives every BatchNorm non-trivial parameters: a random affine gamma/beta
   and running statistics measured on random data (train-mode passes with a
   cumulative average), so that the network stays well-scaled;
3. exports the eval-mode model to ONNX twice (opset 13; torch.onnx needs no
   `onnx` package for this): "fused", torch's default export, which folds
   each BatchNorm into its Conv itself, and "bn", which keeps the
   BatchNormalization nodes so that edgenn's import and folding of them
   are exercised (skipped for models without BatchNorm);
4. runs it on a seeded N(0,1) 1x3x224x224 NCHW input in PyTorch and with
   `edgenn run model.onnx --input in.npy --output out.npy`;
5. checks max|edgenn - torch| <= 1e-4 * max|torch| (issue 3, "Must show" 2).

It prints one row per (architecture, export) and exits 1 if any fails (2 on
a usage or environment error).

    /usr/bin/python3 scripts/torch_parity.py BUILD/edgenn [--tmp DIR]
        [--arch NAME ...] [--rel-tol 1e-4] [--keep]

The temporary directory defaults to $ENN_TEST_TMP (else the system's).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import torch
import torchvision

# (torchvision name, seed); every one of them is also an edgenn zoo model.
ARCHS = [
    ("resnet18", 1),
    ("mobilenet_v2", 2),
    ("mobilenet_v3_small", 3),
    ("mobilenet_v3_large", 4),
    ("squeezenet1_1", 5),
    ("shufflenet_v2_x0_5", 6),
    ("shufflenet_v2_x1_0", 7),
]


def build(arch):
    ctor = getattr(torchvision.models, arch)
    try:
        return ctor(weights=None)
    except TypeError:  # torchvision < 0.13
        return ctor(pretrained=False)


def randomize_bn(model, gen):
    """Random affine gamma/beta, then running statistics measured on random
    data. Measured (not invented) statistics keep every layer's eval-mode
    activations at the scale the next layer was calibrated for; invented
    ones compound over 50 layers into a badly conditioned network whose
    float32 rounding (PyTorch's own included) the comparison would measure.
    The statistics are still far from the identity (mean 0, var 1): random
    Kaiming-initialised convolutions give each channel its own mean and
    variance, so dropping or misplacing any BatchNorm term shows."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    with torch.no_grad():
        for m in bns:
            c = m.num_features
            if m.affine:
                m.weight.copy_(0.5 + torch.rand(c, generator=gen))
                m.bias.copy_(0.2 * torch.randn(c, generator=gen))
            m.reset_running_stats()
            m.momentum = None  # a cumulative average over the passes below
        model.train()
        for _ in range(2):
            model(torch.randn(4, 3, 224, 224, generator=gen))
        model.eval()
        for m in bns:
            m.momentum = 0.1
    return len(bns)


def compare(edgenn, onnx_path, in_path, ref, rel_tol):
    """Runs edgenn on the exported model; a result row (error set on failure)."""
    out_path = onnx_path[:-5] + "_out.npy"
    t0 = time.monotonic()
    p = subprocess.run([edgenn, "run", onnx_path, "--input", in_path, "--output", out_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    row = {"secs": time.monotonic() - t0}
    if p.returncode != 0:
        row["error"] = "edgenn run exited %d: %s" % (p.returncode, p.stdout.strip()[-400:])
        return row
    got = np.load(out_path)
    if got.shape != ref.shape or got.dtype != np.float32:
        row["error"] = "output %s %s, want %s float32" % (got.shape, got.dtype, ref.shape)
        return row
    err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64))))
    mref = float(np.max(np.abs(ref)))
    row.update(err=err, mref=mref, ratio=err / mref if mref > 0 else float("inf"),
               argmax=int(np.argmax(got)) == int(np.argmax(ref)))
    if not np.all(np.isfinite(got)) or not np.all(np.isfinite(ref)):
        row["error"] = "non-finite values"
    elif mref == 0.0:
        row["error"] = "reference output is all zero (the test would prove nothing)"
    elif not err <= rel_tol * mref:
        row["error"] = "max abs err %.3g > %.0e * %.4g" % (err, rel_tol, mref)
    return row


# Two exports of the same eval-mode model. "fused": torch.onnx's default
# (TrainingMode.EVAL), whose eval peephole folds every BatchNorm into the
# Conv before it, as users' exports do. "bn": TrainingMode.PRESERVE on the
# eval-mode model skips that pass, so the graph keeps BatchNormalization
# nodes (inference form) and edgenn's own BatchNorm import and folding run.
EXPORTS = [("fused", torch.onnx.TrainingMode.EVAL), ("bn", torch.onnx.TrainingMode.PRESERVE)]


def run_arch(edgenn, arch, seed, tmp, rel_tol):
    """Yields one result row per export of `arch`."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(1000 + seed)
    model = build(arch)
    nbn = randomize_bn(model, gen)
    model.eval()
    x = torch.randn(1, 3, 224, 224, generator=gen)
    with torch.no_grad():
        ref = model(x).numpy().astype(np.float32)
    in_path = os.path.join(tmp, arch + "_in.npy")
    np.save(in_path, x.numpy().astype(np.float32))
    np.save(os.path.join(tmp, arch + "_ref.npy"), ref)
    for name, mode in EXPORTS:
        if name == "bn" and nbn == 0:
            continue  # no BatchNorm: the same graph as "fused"
        onnx_path = os.path.join(tmp, "%s_%s.onnx" % (arch, name))
        with torch.no_grad():
            torch.onnx.export(model, x, onnx_path, opset_version=13, training=mode,
                              input_names=["input"], output_names=["output"],
                              do_constant_folding=True)
        row = compare(edgenn, onnx_path, in_path, ref, rel_tol)
        row.update(arch=arch, export=name, bn=nbn)
        yield row


def report(r):
    ok = "error" not in r
    if "err" in r:
        print("%-20s %-6s %4d %12.4g %12.4g %10.3g %6s %6.2fs  %s"
              % (r["arch"], r["export"], r["bn"], r["err"], r["mref"], r["ratio"],
                 "same" if r["argmax"] else "DIFF", r["secs"], "pass" if ok else "FAIL"))
    else:
        print("%-20s %-6s %4d %12s %12s %10s %6s %7s  FAIL"
              % (r["arch"], r["export"], r["bn"], "-", "-", "-", "-", "-"))
    if not ok:
        print("    " + r["error"])
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("edgenn", help="path of the edgenn binary")
    ap.add_argument("--tmp", default=os.environ.get("ENN_TEST_TMP") or None)
    ap.add_argument("--arch", action="append", help="only these (repeatable)")
    ap.add_argument("--rel-tol", type=float, default=1e-4)
    ap.add_argument("--keep", action="store_true", help="keep the models and tensors")
    a = ap.parse_args()
    if not os.access(a.edgenn, os.X_OK):
        print("torch_parity: %s is not an executable" % a.edgenn, file=sys.stderr)
        return 2
    archs = ARCHS
    if a.arch:
        known = dict(ARCHS)
        bad = [n for n in a.arch if n not in known]
        if bad:
            print("torch_parity: unknown arch %s (have: %s)" % (", ".join(bad), ", ".join(known)),
                  file=sys.stderr)
            return 2
        archs = [(n, known[n]) for n in a.arch]
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")  # the tracer's notes on Python-side shape values
    if a.tmp:
        os.makedirs(a.tmp, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="torch_parity.", dir=a.tmp)
    print("torch %s, torchvision %s; tolerance max_abs_err <= %g * max_ref"
          % (torch.__version__, torchvision.__version__, a.rel_tol))
    print("%-20s %-6s %4s %12s %12s %10s %6s %7s  %s"
          % ("arch", "export", "bn", "max_abs_err", "max_ref", "ratio", "argmax", "edgenn", "result"))
    rows = []
    for arch, seed in archs:
        try:
            for r in run_arch(a.edgenn, arch, seed, tmp, a.rel_tol):
                report(r)
                rows.append(r)
        except Exception as e:  # a torch / export failure: report it, go on
            r = {"arch": arch, "export": "-", "bn": 0, "error": "%s: %s" % (type(e).__name__, e)}
            report(r)
            rows.append(r)
    failed = sum("error" in r for r in rows)
    print("%d passed, %d failed" % (len(rows) - failed, failed))
    if a.keep or failed:
        print("files kept in %s" % tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
