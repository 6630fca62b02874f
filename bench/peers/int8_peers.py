"""Times the Python-hosted peers in int8 on the benchmark models (driven by peers.sh).

  python3 int8_peers.py ENGINE --models k1,k2 --threads 1,2 --iters 50 --warmup 5
                        [--calib 8] [--onnx-dir DIR] [--qdir DIR]
                        [--qengines x86,fbgemm,onednn,qnnpack] [--memory-formats channels_last]
                        [--file-map key=path,...]

All models have random (default-initialised) weights: the figures are
timings only. Calibration uses --calib random inputs drawn like the timed
input (uniform in [-1, 1)), as edgenn's `bench --dtype int8` calibrates on
synthetic data.

ENGINE is one of
  torch   PyTorch post-training static quantisation (torch.ao.quantization),
          once per quantised engine in --qengines that
          torch.backends.quantized.supported_engines lists (the others are
          n/a), with two recipes:
            fx     FX graph mode (prepare_fx / convert_fx with the engine's
                   default QConfigMapping and backend config) on the model
                   exactly as models.py builds it;
            eager  eager mode with fused modules on torchvision's quantisable
                   model (torchvision.models.quantization: Conv-BN-ReLU fused
                   by fuse_model(), FloatFunctional adds, ReLU6 replaced by
                   ReLU), where torchvision has one (mobilenet_v2 at any
                   width, mobilenet_v3_large, resnet18).
          Each (engine, recipe, thread count) is quantised afresh after
          torch.set_num_threads(T) (oneDNN packs weights for the thread count
          at convert time and fails on another), converted to
          --memory-formats (default channels_last, PyTorch's advice for
          quantised CNNs on CPU and the faster here: the input is quantised
          straight into NHWC; "contiguous" = NCHW; with several formats the
          variant name gets "/<format>"), then traced and frozen
          (torch.jit.freeze), one inter-op thread. Also writes the float
          ONNX export DIR/<key>.onnx when it is missing (for ort).
  ort     ONNX Runtime static quantisation (onnxruntime.quantization.
          quantize_static, QDQ format, per-channel weights, MinMax
          calibration) of DIR/<key>.onnx after quant_pre_process, in two
          configurations: s8s8 (int8 activations and weights, ORT's default)
          and u8s8 (uint8 activations); the quantised models go to QDIR.
          Session as in py_peers.py (CPU provider, ORT_ENABLE_ALL,
          sequential, intra_op_num_threads = T). A ready int8 .onnx given in
          --file-map is timed as a third configuration ("file").
  tflite  LiteRT (ai_edge_litert, else tflite_runtime) with num_threads = T
          on the int8 / uint8 .tflite files given by --file-map; other
          models are n/a.
Prints one JSON object per line, as py_peers.py, with "dtype": "int8" and
"variant" (torch: "<engine>/<recipe>", ort: the configuration, tflite: the
file), or {"engine", "model", "variant", "na": why}.
"""
import argparse
import copy
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from py_peers import emit, ort_latency, tflite_interpreter, time_fn  # noqa: E402

QENGINES = ["x86", "fbgemm", "onednn", "qnnpack"]


def na(engine, key, variant, e):
    why = e if isinstance(e, str) else "%s: %s" % (type(e).__name__, (str(e).splitlines() or [""])[0][:160])
    emit({"engine": engine, "model": key, "dtype": "int8", "variant": variant, "na": why})


def parse_map(s):
    return dict(kv.split("=", 1) for kv in s.split(",") if kv) if s else {}


# ------------------------------------------------------------------ PyTorch
def _torch_eager_model(key):
    """torchvision's quantisable float model for KEY, or None."""
    import torchvision.models.quantization as tq

    if key == "mobilenet_v2":
        return tq.mobilenet_v2(quantize=False)
    if key == "mobilenet_v2_0.35_96":
        return tq.mobilenet_v2(quantize=False, width_mult=0.35)
    if key == "mobilenet_v3_large":
        return tq.mobilenet_v3_large(quantize=False)
    if key == "resnet18":
        return tq.resnet18(quantize=False)
    return None


def _torch_quantise(recipe, key, qengine, calib):
    """Returns (quantised module, example input, float parameter count)."""
    import torch
    import models

    torch.backends.quantized.engine = qengine
    _, x = models.build(key)
    gen = torch.Generator().manual_seed(1)
    samples = [torch.rand(x.shape, generator=gen) * 2 - 1 for _ in range(calib)]
    if recipe == "fx":
        from torch.ao.quantization import get_default_qconfig_mapping
        from torch.ao.quantization.quantize_fx import convert_fx, prepare_fx
        import torch.ao.quantization.backend_config as bc

        m, _ = models.build(key)
        params = models.trainable_params(m)
        get_bc = getattr(bc, "get_%s_backend_config" % qengine, None)
        kw = {"backend_config": get_bc()} if get_bc else {}
        mp = prepare_fx(copy.deepcopy(m), get_default_qconfig_mapping(qengine), (x,), **kw)
        with torch.no_grad():
            for s in samples:
                mp(s)
        return convert_fx(mp, **kw), x, params
    m = _torch_eager_model(key)
    m.eval()
    params = models.trainable_params(m)
    m.fuse_model()
    m.qconfig = torch.ao.quantization.get_default_qconfig(qengine)
    torch.ao.quantization.prepare(m, inplace=True)
    with torch.no_grad():
        for s in samples:
            m(s)
    return torch.ao.quantization.convert(m), x, params


def run_torch(args, keys, threads):
    import torch
    import models

    torch.set_num_interop_threads(1)
    supported = list(torch.backends.quantized.supported_engines)
    qengines = [q for q in args.qengines.split(",") if q]
    fmts = [f for f in args.memory_formats.split(",") if f]
    for key in keys:
        if args.onnx_dir and not os.path.exists(os.path.join(args.onnx_dir, key + ".onnx")):
            try:  # the float export the ort step quantises (py_peers.py torch makes the same one)
                os.makedirs(args.onnx_dir, exist_ok=True)
                m, x = models.build(key)
                with torch.no_grad():
                    torch.onnx.export(m, x, os.path.join(args.onnx_dir, key + ".onnx"), opset_version=13,
                                      do_constant_folding=True, input_names=["input"], output_names=["output"])
            except Exception as e:
                print("int8_peers: ONNX export of %s failed: %s" % (key, e), file=sys.stderr)
        recipes = ["fx"] + (["eager"] if _torch_eager_model(key) is not None else [])
        for qe in qengines:
            if qe not in supported:
                na("pytorch", key, qe, "engine '%s' not in torch.backends.quantized.supported_engines %s "
                   "(this PyTorch build lacks it)" % (qe, supported))
                continue
            for recipe in recipes:
                for fmt in fmts:
                    variant = "%s/%s" % (qe, recipe) + ("/" + fmt if len(fmts) > 1 else "")
                    try:
                        mf = {"contiguous": torch.contiguous_format, "channels_last": torch.channels_last}[fmt]
                        for t in threads:
                            torch.set_num_threads(t)
                            qm, x, params = _torch_quantise(recipe, key, qe, args.calib)
                            qm, x = qm.eval().to(memory_format=mf), x.contiguous(memory_format=mf)
                            with torch.no_grad():
                                fm = torch.jit.freeze(torch.jit.trace(qm, x))
                                lat = time_fn(lambda: fm(x), args.warmup, args.iters)
                            emit({"engine": "pytorch", "model": key, "dtype": "int8", "variant": variant,
                                  "qengine": qe, "recipe": recipe, "memory_format": fmt, "threads": t,
                                  "iters": args.iters, "params": params, "version": torch.__version__,
                                  "latency_ms": lat})
                    except Exception as e:
                        na("pytorch", key, variant, e)


# ------------------------------------------------------------- ONNX Runtime
def _ort_quantise(src, dst, act_type, calib):
    import numpy as np
    import onnxruntime as ort
    from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType,
                                          quantize_static)

    s = ort.InferenceSession(src, providers=["CPUExecutionProvider"])
    inp = s.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    rng = np.random.default_rng(1)
    feeds = [{inp.name: rng.random(shape, dtype=np.float32) * 2 - 1} for _ in range(calib)]

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter(feeds)

        def get_next(self):
            return next(self.it, None)

    pre = dst + ".pre.onnx"
    try:
        from onnxruntime.quantization.shape_inference import quant_pre_process

        quant_pre_process(src, pre)
        src = pre
    except Exception as e:  # quantising the raw export still works, a little less fused
        print("int8_peers: quant_pre_process failed (%s); quantising the raw export" % e, file=sys.stderr)
    quantize_static(src, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8 if act_type == "u8" else QuantType.QInt8,
                    weight_type=QuantType.QInt8, calibrate_method=CalibrationMethod.MinMax)


def run_ort(args, keys, threads):
    import onnxruntime as ort

    files = parse_map(args.file_map)
    qdir = args.qdir or "."
    os.makedirs(qdir, exist_ok=True)
    for key in keys:
        src = os.path.join(args.onnx_dir or ".", key + ".onnx")
        variants = []
        for act in ("s8", "u8"):
            dst = os.path.join(qdir, "%s.qdq_%ss8.onnx" % (key, act))
            if not os.path.exists(src):
                na("onnxruntime", key, "%ss8" % act, "no float ONNX export (the PyTorch step failed)")
                continue
            try:
                _ort_quantise(src, dst, act, args.calib)
                variants.append(("%ss8" % act, dst))
            except Exception as e:
                na("onnxruntime", key, "%ss8" % act, e)
        if files.get(key):
            if os.path.exists(files[key]):
                variants.append(("file", files[key]))
            else:
                na("onnxruntime", key, "file", "%s not found" % files[key])
        for variant, path in variants:
            try:
                for t in threads:
                    lat = ort_latency(path, t, args.warmup, args.iters)
                    emit({"engine": "onnxruntime", "model": key, "dtype": "int8", "variant": variant,
                          "threads": t, "iters": args.iters, "version": ort.__version__,
                          "file": os.path.basename(path), "latency_ms": lat})
            except Exception as e:
                na("onnxruntime", key, variant, e)


# ------------------------------------------------------------------- LiteRT
def run_tflite(args, keys, threads):
    import numpy as np

    Interpreter, version = tflite_interpreter()
    files = parse_map(args.file_map)
    for key in keys:
        path = files.get(key)
        if not path or not os.path.exists(path):
            na("tflite", key, "file", "no int8 .tflite of this model in shared/data")
            continue
        try:
            for t in threads:
                it = Interpreter(model_path=path, num_threads=t)
                it.allocate_tensors()
                d = it.get_input_details()[0]
                rng = np.random.default_rng(0)
                if np.issubdtype(d["dtype"], np.integer):
                    lim = np.iinfo(d["dtype"])
                    x = rng.integers(lim.min, lim.max, d["shape"], dtype=d["dtype"], endpoint=True)
                else:
                    x = rng.random(d["shape"], dtype=np.float32)
                it.set_tensor(d["index"], x)
                lat = time_fn(it.invoke, args.warmup, args.iters)
                emit({"engine": "tflite", "model": key, "dtype": "int8", "variant": "file", "threads": t,
                      "iters": args.iters, "version": version, "file": os.path.basename(path),
                      "input_dtype": np.dtype(d["dtype"]).name, "latency_ms": lat})
        except Exception as e:
            na("tflite", key, "file", e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("engine", choices=["torch", "ort", "tflite"])
    ap.add_argument("--models", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--iters", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--calib", type=int, default=8)
    ap.add_argument("--onnx-dir")
    ap.add_argument("--qdir")
    ap.add_argument("--qengines", default=",".join(QENGINES))
    ap.add_argument("--memory-formats", default="channels_last")
    ap.add_argument("--file-map")
    args = ap.parse_args()
    keys = [k for k in args.models.split(",") if k]
    threads = [int(t) for t in args.threads.split(",") if t]
    {"torch": run_torch, "ort": run_ort, "tflite": run_tflite}[args.engine](args, keys, threads)


if __name__ == "__main__":
    main()
