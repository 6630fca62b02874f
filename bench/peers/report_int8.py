"""The int8 part of a peers.sh run (called by report.py; also runnable alone).

  python3 report_int8.py --dir OUT/int8

Reads, under OUT/int8 (written by peers.sh when DTYPES includes int8):
  edgenn/<key>.t<T>.json         edgenn bench zoo:... --dtype int8 --json
  edgenn-f32/<key>.t<T>.json     edgenn bench zoo:... --json, timed right
                                 beside the int8 run (same-run ratio)
  edgenn-tflite/<key>.t<T>.json  edgenn bench FILE.tflite --json on the
                                 int8 .tflite that LiteRT also runs
  *.jsonl                        int8_peers.py records and n/a notes
Tables (medians, p50, in ms):
  1. per model and thread count: edgenn int8, edgenn f32, int8 / f32, the
     fastest PyTorch int8 variant (quantised engine / recipe) and the
     fastest ONNX Runtime int8 variant (of those quantised here from the
     same model; a ready int8 .onnx is only in table 3), with edgenn int8 /
     each (< 1: edgenn faster);
  2. the same int8 .tflite file in LiteRT and in edgenn;
  3. every peer variant, so the choice of "fastest" can be checked;
  4. minimum latencies of table 1's runs (less sensitive to other load).
"""
import argparse
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_table import MODELS  # noqa: E402

TORCH_ORDER = ["x86", "fbgemm", "onednn", "qnnpack"]


def _load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _ms(v):
    if v is None:
        return "n/a"
    return "%.3g" % v if v < 100 else "%.0f" % v


def _ratio(a, b):
    return a / b if a and b else None


def _rs(v):
    return "%.2f" % v if v is not None else "n/a"


def collect(d):
    """-> (edgenn {kind: {key: {T: rec}}}, peers {engine: {key: {variant: {T: rec}}}}, na list)"""
    ed = {}
    for kind in ("edgenn", "edgenn-f32", "edgenn-tflite"):
        for path in glob.glob(os.path.join(d, kind, "*.t*.json")):
            mt = re.match(r"(.+)\.t(\d+)\.json$", os.path.basename(path))
            rec = _load(path)
            if mt and rec and "latency_ms" in rec:
                ed.setdefault(kind, {}).setdefault(mt.group(1), {})[int(mt.group(2))] = rec
    peers, na = {}, []
    for path in sorted(glob.glob(os.path.join(d, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line.startswith("{"):
                    continue
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if "na" in r:
                    na.append(r)
                elif "latency_ms" in r:
                    peers.setdefault(r["engine"], {}).setdefault(r["model"], {}).setdefault(
                        r.get("variant", "-"), {})[int(r["threads"])] = r
    return ed, peers, na


def _best(per_variant, t, field="p50"):
    timed = [(v[t]["latency_ms"][field], name) for name, v in per_variant.items() if t in v]
    return min(timed) if timed else (None, None)


def _variant_key(engine, name):
    if engine == "pytorch":
        qe, _, recipe = name.partition("/")
        return (0, TORCH_ORDER.index(qe) if qe in TORCH_ORDER else 9, recipe)
    return (1, 0, name)


def section(d, keys=None, threads=None):
    """Returns (markdown lines, JSON-able dict) for the int8 results under D."""
    ed, peers, na = collect(d)
    keys = keys or [k for k in MODELS if any(k in ed.get(x, {}) for x in ed) or
                    any(k in p for p in peers.values())]
    if not threads:
        ts = set()
        for kind in ed.values():
            for per_t in kind.values():
                ts.update(per_t)
        threads = sorted(ts) or [1, 2]
    rows = []
    for key in keys:
        for t in threads:
            def p50(kind, field="p50"):
                r = ed.get(kind, {}).get(key, {}).get(t)
                return r["latency_ms"][field] if r else None

            row = {"model": key, "threads": t, "edgenn_int8_ms": p50("edgenn"), "edgenn_f32_ms": p50("edgenn-f32"),
                   "edgenn_int8_min_ms": p50("edgenn", "min"), "edgenn_f32_min_ms": p50("edgenn-f32", "min")}
            e8 = ed.get("edgenn", {}).get(key, {}).get(t)
            if e8:
                row["edgenn_int8_calibration"] = e8.get("calibration")
                row["isa"] = (e8.get("cpu") or {}).get("isa")
            row["int8_over_f32"] = _ratio(row["edgenn_int8_ms"], row["edgenn_f32_ms"])
            row["int8_over_f32_min"] = _ratio(row["edgenn_int8_min_ms"], row["edgenn_f32_min_ms"])
            for eng, name in (("pytorch", "pytorch"), ("onnxruntime", "ort")):
                pv = peers.get(eng, {}).get(key, {})
                # "fastest" only among variants of the same model: a ready
                # int8 file (ORT "file": other weights, other graph) is shown
                # in the variant table but not chosen
                same_model = {v: x for v, x in pv.items() if v != "file"}
                ms, var = _best(same_model, t)
                mn, var_min = _best(same_model, t, "min")
                row["%s_best_ms" % name], row["%s_best_variant" % name] = ms, var
                row["%s_best_min_ms" % name], row["%s_best_min_variant" % name] = mn, var_min
                row["edgenn_int8_over_%s" % name] = _ratio(row["edgenn_int8_ms"], ms)
                row["edgenn_int8_over_%s_min" % name] = _ratio(row["edgenn_int8_min_ms"], mn)
                row["%s_variants" % name] = {v: per_t[t]["latency_ms"] for v, per_t in pv.items() if t in per_t}
            tfl = peers.get("tflite", {}).get(key, {}).get("file", {}).get(t)
            et = ed.get("edgenn-tflite", {}).get(key, {}).get(t)
            row["litert_file"] = tfl.get("file") if tfl else None
            row["litert_ms"] = tfl["latency_ms"]["p50"] if tfl else None
            row["litert_min_ms"] = tfl["latency_ms"]["min"] if tfl else None
            row["edgenn_tflite_ms"] = et["latency_ms"]["p50"] if et else None
            row["edgenn_tflite_min_ms"] = et["latency_ms"]["min"] if et else None
            row["edgenn_over_litert"] = _ratio(row["edgenn_tflite_ms"], row["litert_ms"])
            rows.append(row)

    out = ["### int8", ""]
    vers = {}
    for eng, per_key in peers.items():
        for per_v in per_key.values():
            for per_t in per_v.values():
                for r in per_t.values():
                    vers[eng] = r.get("version", "?")
    out.append("edgenn: `edgenn bench SPEC --dtype int8` (quantised on the fly, calibrated on synthetic data) and, "
               "right beside it, the same model in f32. Peers on the same architectures with random weights, "
               "post-training quantised on random calibration data (bench/peers/int8_peers.py): PyTorch %s "
               "(fastest of quantised engine x recipe), ONNX Runtime %s (fastest QDQ configuration), LiteRT %s "
               "(int8 .tflite files from shared/data)." % (vers.get("pytorch", "n/a"), vers.get("onnxruntime", "n/a"),
                                                          vers.get("tflite", "n/a")))
    out.append("")
    hdr = ["model", "thr", "edgenn int8 ms", "edgenn f32 ms", "int8 / f32", "PyTorch int8 ms (variant)",
           "edgenn int8 / PyTorch", "ONNX RT int8 ms (variant)", "edgenn int8 / ORT"]
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "|".join(["---"] + ["--:"] * (len(hdr) - 1)) + "|")
    for r in rows:
        out.append("| " + " | ".join([
            r["model"], str(r["threads"]), _ms(r["edgenn_int8_ms"]), _ms(r["edgenn_f32_ms"]), _rs(r["int8_over_f32"]),
            "%s (%s)" % (_ms(r["pytorch_best_ms"]), r["pytorch_best_variant"]) if r["pytorch_best_ms"] else "n/a",
            _rs(r["edgenn_int8_over_pytorch"]),
            "%s (%s)" % (_ms(r["ort_best_ms"]), r["ort_best_variant"]) if r["ort_best_ms"] else "n/a",
            _rs(r["edgenn_int8_over_ort"])]) + " |")
    same = [r for r in rows if r["litert_ms"] or r["edgenn_tflite_ms"]]
    if same:
        out.append("")
        out.append("The same int8 .tflite file in LiteRT and in edgenn (`edgenn bench FILE.tflite`):")
        out.append("")
        out.append("| model | file | thr | LiteRT ms | edgenn ms | edgenn / LiteRT | LiteRT min | edgenn min |")
        out.append("|---|---|--:|--:|--:|--:|--:|--:|")
        for r in same:
            out.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
                r["model"], r["litert_file"] or "?", r["threads"], _ms(r["litert_ms"]), _ms(r["edgenn_tflite_ms"]),
                _rs(r["edgenn_over_litert"]), _ms(r["litert_min_ms"]), _ms(r["edgenn_tflite_min_ms"])))
    cols = sorted({(eng, v) for eng in ("pytorch", "onnxruntime") for per_v in peers.get(eng, {}).values()
                   for v in per_v}, key=lambda c: _variant_key(*c))
    if cols:
        out.append("")
        out.append("Every peer variant (p50 ms; PyTorch: quantised engine / recipe, ORT: QDQ activation+weight "
                   "types, or a ready int8 file):")
        out.append("")
        names = [("PyTorch " if e == "pytorch" else "ORT ") + v for e, v in cols]
        out.append("| model | thr | " + " | ".join(names) + " |")
        out.append("|---|--:|" + "|".join(["--:"] * len(cols)) + "|")
        for r in rows:
            cells = []
            for eng, v in cols:
                lat = r["%s_variants" % ("pytorch" if eng == "pytorch" else "ort")].get(v)
                cells.append(_ms(lat["p50"]) if lat else "n/a")
            out.append("| %s | %d | %s |" % (r["model"], r["threads"], " | ".join(cells)))
    out.append("")
    out.append("Minimum latencies of the same runs:")
    out.append("")
    out.append("| model | thr | edgenn int8 min | edgenn f32 min | int8 / f32 | PyTorch int8 min | edgenn / PyTorch "
               "| ORT int8 min | edgenn / ORT |")
    out.append("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        out.append("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            r["model"], r["threads"], _ms(r["edgenn_int8_min_ms"]), _ms(r["edgenn_f32_min_ms"]),
            _rs(r["int8_over_f32_min"]), _ms(r["pytorch_best_min_ms"]), _rs(r["edgenn_int8_over_pytorch_min"]),
            _ms(r["ort_best_min_ms"]), _rs(r["edgenn_int8_over_ort_min"])))
    if na:
        out.append("")
        out.append("int8 n/a:")
        seen = {}
        for r in na:
            k = (r.get("engine"), r.get("variant"), r["na"])
            seen.setdefault(k, []).append(r.get("model"))
        for (eng, var, why), ks in seen.items():
            out.append("- %s%s (%s): %s" % (eng, " " + var if var else "", ", ".join(dict.fromkeys(ks)), why))
    return out, {"rows": rows, "na": na, "versions": vers}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    print("\n".join(section(args.dir)[0]))


if __name__ == "__main__":
    main()
