"""Times the Python-hosted peers on the benchmark models (driven by peers.sh).

  python3 py_peers.py ENGINE --models k1,k2 --threads 1,2 --iters 50 --warmup 5
                      --onnx-dir DIR [--tflite-map key=path,...]

ENGINE is one of
  torch   PyTorch: torch.jit.freeze(torch.jit.trace(model.eval())) then
          torch.jit.optimize_for_inference; torch.set_num_threads(T),
          one inter-op thread. Also exports each model to DIR/<key>.onnx
          (opset 13, constant folding) for the ort engine.
  ort     ONNX Runtime (CPU execution provider, ORT_ENABLE_ALL, sequential,
          intra_op_num_threads = T, inter_op 1) on DIR/<key>.onnx.
  tflite  TFLite (ai_edge_litert, else tflite_runtime) with num_threads = T on
          the .tflite files given by --tflite-map; other models are n/a.
Prints one JSON object per line: {"engine", "model", "threads", "iters",
"latency_ms": {"min", "p50", "p90", "mean"}} or {"engine", "model", "na": why}.
Each run is timed separately (time.perf_counter); p50 is the nearest-rank
median, as in `edgenn bench`.
"""
import argparse
import json
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def stats(ms):
    v = sorted(ms)
    n = len(v)

    def pct(p):
        r = max(1, min(n, math.ceil(p / 100.0 * n)))
        return v[r - 1]

    return {k: round(x, 5) for k, x in (("min", v[0]), ("p50", pct(50)), ("p90", pct(90)), ("mean", sum(v) / n))}


def time_fn(fn, warmup, iters):
    for _ in range(warmup):
        fn()
    ms = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1e3)
    return stats(ms)


def emit(obj):
    print(json.dumps(obj), flush=True)


def run_torch(args, keys, threads):
    import torch
    import models

    torch.set_num_interop_threads(1)
    for key in keys:
        try:
            m, x = models.build(key)
            params = models.trainable_params(m)
            if args.onnx_dir:
                os.makedirs(args.onnx_dir, exist_ok=True)
                path = os.path.join(args.onnx_dir, key + ".onnx")
                with torch.no_grad():
                    torch.onnx.export(m, x, path, opset_version=13, do_constant_folding=True,
                                      input_names=["input"], output_names=["output"])
            with torch.no_grad():
                fm = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.trace(m, x)))
                for t in threads:
                    torch.set_num_threads(t)
                    lat = time_fn(lambda: fm(x), args.warmup, args.iters)
                    emit({"engine": "pytorch", "model": key, "threads": t, "iters": args.iters, "params": params,
                          "version": torch.__version__, "latency_ms": lat})
        except Exception as e:  # a model a peer cannot run is reported, not fatal
            emit({"engine": "pytorch", "model": key, "na": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:160])})


def ort_latency(path, threads, warmup, iters):
    """Latency stats of one onnxruntime session on `path` (sequential, T intra-op threads, all graph
    optimisations, CPU provider) over a random [-1, 1) input (free dims as 1)."""
    import numpy as np
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(path, sess_options=so, providers=["CPUExecutionProvider"])
    inp = s.get_inputs()[0]
    x = (np.random.default_rng(0).random([d if isinstance(d, int) else 1 for d in inp.shape],
                                         dtype=np.float32) * 2 - 1)
    feed = {inp.name: x}
    return time_fn(lambda: s.run(None, feed), warmup, iters)


def tflite_interpreter():
    """The TFLite Interpreter class (ai_edge_litert, else tflite_runtime) and its version string."""
    from importlib import metadata

    try:
        from ai_edge_litert.interpreter import Interpreter
        return Interpreter, "ai-edge-litert " + metadata.version("ai-edge-litert")
    except ImportError:
        from tflite_runtime.interpreter import Interpreter
        return Interpreter, "tflite-runtime " + metadata.version("tflite-runtime")


def run_ort(args, keys, threads):
    import onnxruntime as ort

    for key in keys:
        path = os.path.join(args.onnx_dir or ".", key + ".onnx")
        if not os.path.exists(path):
            emit({"engine": "onnxruntime", "model": key, "na": "no ONNX export (the PyTorch step failed)"})
            continue
        try:
            for t in threads:
                lat = ort_latency(path, t, args.warmup, args.iters)
                emit({"engine": "onnxruntime", "model": key, "threads": t, "iters": args.iters,
                      "version": ort.__version__, "latency_ms": lat})
        except Exception as e:
            emit({"engine": "onnxruntime", "model": key, "na": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:160])})


def run_tflite(args, keys, threads):
    import numpy as np

    Interpreter, version = tflite_interpreter()
    files = dict(kv.split("=", 1) for kv in args.tflite_map.split(",") if kv) if args.tflite_map else {}
    for key in keys:
        path = files.get(key)
        if not path or not os.path.exists(path):
            emit({"engine": "tflite", "model": key,
                  "na": "no float .tflite of this model here (only MLPerf Tiny files in shared/data)"})
            continue
        try:
            for t in threads:
                it = Interpreter(model_path=path, num_threads=t)
                it.allocate_tensors()
                d = it.get_input_details()[0]
                x = np.random.default_rng(0).random(d["shape"], dtype=np.float32)
                it.set_tensor(d["index"], x)
                lat = time_fn(it.invoke, args.warmup, args.iters)
                emit({"engine": "tflite", "model": key, "threads": t, "iters": args.iters, "version": version,
                      "file": os.path.basename(path), "latency_ms": lat})
        except Exception as e:
            emit({"engine": "tflite", "model": key, "na": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:160])})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine", choices=["torch", "ort", "tflite"])
    ap.add_argument("--models", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--onnx-dir")
    ap.add_argument("--tflite-map")
    args = ap.parse_args()
    keys = [k for k in args.models.split(",") if k]
    threads = [int(t) for t in args.threads.split(",") if t]
    {"torch": run_torch, "ort": run_ort, "tflite": run_tflite}[args.engine](args, keys, threads)


if __name__ == "__main__":
    main()
