"""Collects one peers.sh run into a markdown table (stdout) and a JSON file.

  python3 report.py --dir OUT --json OUT/peers.json

Reads OUT/peak.json (bench/peak), OUT/pool.json (bench/pool),
OUT/edgenn/<key>.t<T>.json and OUT/edgenn/<key>.info.json (edgenn bench /
info --json), OUT/xnnpack/<key>.t<T>.json (bench/xnnpack), OUT/*.jsonl
(py_peers.py and n/a notes) and OUT/meta.json (written by peers.sh).
When the run included int8 (meta "dtypes"), the int8 tables of
report_int8.py (from OUT/int8) follow; when it did not include f32, the
f32 tables are left out.
For each model and thread count: median (p50) latency in ms per engine,
the fastest peer, edgenn's time divided by it (< 1 = edgenn faster), and
the share of the machine's fp32 peak at that thread count reached by edgenn
and by the fastest peer (2 x MACs / p50 / peak GFLOP/s; MACs are edgenn's
count for the network).
"""
import argparse
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_table import MODELS  # noqa: E402
import report_int8  # noqa: E402

PEERS = [("xnnpack", "XNNPACK"), ("pytorch", "PyTorch"), ("onnxruntime", "ONNX RT"), ("tflite", "TFLite")]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    d = args.dir
    meta = load(os.path.join(d, "meta.json")) or {}
    peak = load(os.path.join(d, "peak.json")) or {}
    pool = load(os.path.join(d, "pool.json"))
    keys = meta.get("models") or list(MODELS)
    threads = meta.get("threads") or [1, 2]
    dtypes = meta.get("dtypes") or ["f32"]

    # engine -> key -> threads -> record ; engine -> key -> n/a reason
    res, na = {}, {}

    def put(rec):
        eng, key = rec.get("engine"), rec.get("model")
        if key not in MODELS:  # xnnpack / edgenn report the zoo spec
            key = next((k for k, v in MODELS.items() if v[0] == key), key)
        if "na" in rec:
            na.setdefault(eng, {})[key] = rec["na"]
        else:
            res.setdefault(eng, {}).setdefault(key, {})[int(rec["threads"])] = rec

    for path in sorted(glob.glob(os.path.join(d, "*.jsonl"))):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        put(json.loads(line))
                    except ValueError:
                        pass
    for eng in ("edgenn", "xnnpack"):
        for path in sorted(glob.glob(os.path.join(d, eng, "*.t*.json"))):
            rec = load(path)
            if rec and "latency_ms" in rec:
                rec["engine"] = eng
                put(rec)
    info = {k: load(os.path.join(d, "edgenn", k + ".info.json")) or {} for k in keys}

    # the peak is measured before and after the runs: the higher value is
    # the one less disturbed by other load on the machine
    peak_g = {int(t): g for t, g in (peak.get("peak_gflops") or {}).items()}
    peak_end = load(os.path.join(d, "peak_end.json")) or {}
    for t, g in (peak_end.get("peak_gflops") or {}).items():
        peak_g[int(t)] = max(g, peak_g.get(int(t), 0))
    # T threads on T separate cores have T times the FMA units: when other
    # load held the measured T-thread figure below that, the scaled
    # single-thread figure is the machine's peak.
    peak_measured = dict(peak_g)
    if 1 in peak_g:
        ncpu = max(1, int(meta.get("nproc") or 1))
        for t in list(peak_g):
            peak_g[t] = max(peak_g[t], min(t, ncpu) * peak_g[1])
    peak["peak_gflops_used"] = {str(t): g for t, g in sorted(peak_g.items())}
    rows = []
    for key in keys:
        macs = info[key].get("macs")
        for t in threads:
            e = res.get("edgenn", {}).get(key, {}).get(t)
            if e and e.get("macs"):
                macs = e["macs"]
            row = {"model": key, "spec": MODELS[key][0], "threads": t, "macs": macs,
                   "edgenn_ms": e["latency_ms"]["p50"] if e else None, "edgenn_iters": e.get("iters") if e else None,
                   "edgenn_min_ms": e["latency_ms"]["min"] if e else None,
                   "peers": {}}
            for eng, _ in PEERS:
                r = res.get(eng, {}).get(key, {}).get(t)
                if r:
                    row["peers"][eng] = {"p50_ms": r["latency_ms"]["p50"], "min_ms": r["latency_ms"]["min"],
                                         "iters": r.get("iters")}
                    for extra in ("params", "version", "check_rel_err", "file"):
                        if extra in r:
                            row["peers"][eng][extra] = r[extra]
                else:
                    row["peers"][eng] = {"na": na.get(eng, {}).get(key, "not run")}
            timed = [(v["p50_ms"], eng) for eng, v in row["peers"].items() if "p50_ms" in v]
            if timed:
                row["fastest_peer"] = min(timed)[1]
                row["fastest_peer_ms"] = min(timed)[0]
            pk = peak_g.get(t)

            def pct(ms):
                if not (ms and macs and pk):
                    return None
                return 100.0 * 2.0 * macs / (ms * 1e-3) / 1e9 / pk

            row["edgenn_pct_peak"] = pct(row["edgenn_ms"])
            row["fastest_peer_pct_peak"] = pct(row.get("fastest_peer_ms"))
            if row["edgenn_ms"] and row.get("fastest_peer_ms"):
                row["edgenn_over_fastest"] = row["edgenn_ms"] / row["fastest_peer_ms"]
            rows.append(row)

    # parameter counts of the peers' models against edgenn's
    param_check = {}
    for key in keys:
        ep = info[key].get("params")
        tp = next((r.get("params") for r in res.get("pytorch", {}).get(key, {}).values() if r.get("params")), None)
        param_check[key] = {"edgenn": ep, "pytorch": tp, "same": (ep == tp) if ep and tp else None}

    def ms(v):
        if v is None:
            return "n/a"
        return "%.3g" % v if v < 100 else "%.0f" % v

    out = []
    cpu = peak.get("cpu", {})
    def peak_str(t, g):
        txt = "%d thread%s %.0f" % (t, "" if t == 1 else "s", g)
        m = peak_measured.get(t)
        if m is not None and m < 0.99 * g:
            txt += " (measured %.0f: other load held it below %d x 1 thread)" % (m, t)
        return txt

    out.append("Machine: %s (%s); kernel ISA level %s; fp32 peak (FMA) %s GFLOP/s."
               % (cpu.get("model") or "?", cpu.get("arch", "?"), meta.get("isa", "?"),
                  ", ".join(peak_str(t, g) for t, g in sorted(peak_g.items()))))
    vers = {}
    for eng in ("pytorch", "onnxruntime", "tflite"):
        for per_t in res.get(eng, {}).values():
            for r in per_t.values():
                if r.get("version"):
                    vers[eng] = r["version"]
    out.append("Versions: XNNPACK (Debian libxnnpack0) %s, PyTorch %s, ONNX Runtime %s, TFLite %s."
               % (meta.get("xnnpack_pkg") or "n/a", vers.get("pytorch", "n/a"), vers.get("onnxruntime", "n/a"),
                  vers.get("tflite", "n/a")))
    out.append("Batch 1, median of %s runs after %s warm-up runs; load average %s before, %s after."
               % (meta.get("iters", "?"), meta.get("warmup", "?"), meta.get("load_before", "?"),
                  meta.get("load_after", "?")))
    try:
        busy = max(float(meta.get("load_before", "0").split()[0]), float(meta.get("load_after", "0").split()[0]))
    except (ValueError, IndexError):
        busy = 0.0
    if busy > 0.5 * max(1, meta.get("nproc", 1)):
        out.append("**The machine was busy during this run (load average %.1f on %d CPUs): latencies are inflated, "
                   "2-thread figures most, and ratios carry that noise.**" % (busy, meta.get("nproc", 1)))
    out.append("")
    n_head = len(out)
    hdr = ["model", "thr", "edgenn ms"] + ["%s ms" % n for _, n in PEERS] + [
        "edgenn / fastest peer", "edgenn % peak", "fastest peer % peak"]
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "|".join(["---"] + ["--:"] * (len(hdr) - 1)) + "|")
    for r in rows:
        cells = [r["model"], str(r["threads"]), ms(r["edgenn_ms"])]
        for eng, _ in PEERS:
            v = r["peers"][eng]
            c = ms(v.get("p50_ms"))
            if eng == r.get("fastest_peer"):
                c = "**" + c + "**"
            cells.append(c)
        cells.append("%.2f" % r["edgenn_over_fastest"] if r.get("edgenn_over_fastest") else "n/a")
        cells.append("%.1f%%" % r["edgenn_pct_peak"] if r.get("edgenn_pct_peak") is not None else "n/a")
        cells.append("%.1f%%" % r["fastest_peer_pct_peak"] if r.get("fastest_peer_pct_peak") is not None else "n/a")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("Fastest peer in bold. The same runs' minimum (best-case) latencies, less sensitive to other load:")
    out.append("")
    hdr2 = ["model", "thr", "edgenn min ms"] + ["%s min" % n for _, n in PEERS] + ["edgenn / fastest peer (min)"]
    out.append("| " + " | ".join(hdr2) + " |")
    out.append("|" + "|".join(["---"] + ["--:"] * (len(hdr2) - 1)) + "|")
    for r in rows:
        mins = {eng: v["min_ms"] for eng, v in r["peers"].items() if "min_ms" in v}
        best = min(mins.values()) if mins else None
        cells = [r["model"], str(r["threads"]), ms(r["edgenn_min_ms"])]
        for eng, _ in PEERS:
            c = ms(mins.get(eng))
            if best is not None and mins.get(eng) == best:
                c = "**" + c + "**"
            cells.append(c)
        if best and r["edgenn_min_ms"]:
            r["edgenn_over_fastest_min"] = r["edgenn_min_ms"] / best
            cells.append("%.2f" % r["edgenn_over_fastest_min"])
        else:
            cells.append("n/a")
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    out.append("n/a:")
    seen = set()
    for eng, name in PEERS + [("edgenn", "edgenn")]:
        for key, why in sorted(na.get(eng, {}).items()):
            if (eng, why) in seen:
                continue
            ks = [k for k, w in na[eng].items() if w == why]
            seen.add((eng, why))
            out.append("- %s (%s): %s" % (name, ", ".join(ks), why))
    bad = [k for k, v in param_check.items() if v["same"] is False]
    out.append("")
    out.append("Parameter counts, PyTorch model vs edgenn zoo: %s." % (
        "identical for every model" if not bad and any(v["same"] for v in param_check.values())
        else "; ".join("%s %s vs %s" % (k, param_check[k]["pytorch"], param_check[k]["edgenn"]) for k in bad)
        or "not compared"))
    checks = [(k, r["peers"]["xnnpack"].get("check_rel_err")) for k in keys for r in rows
              if r["model"] == k and r["threads"] == threads[0] and "check_rel_err" in r["peers"]["xnnpack"]]
    if checks:
        out.append("XNNPACK runs edgenn's own graph (translated node by node); its output matched edgenn's on the "
                   "same input to a relative error of at most %.1g." % max(c for _, c in checks))
    if pool:
        parts = []
        for p in pool.get("pools", []):
            r = next((x for x in p.get("runs", []) if x.get("work_ns") == 20000), None)
            if r:
                parts.append("%d threads: %.1f us back-to-back, %.1f us after 1 ms idle (20 us chunks; bench/pool)"
                             % (p["threads"], r["hot_overhead_ns"] / 1e3, r["cold_overhead_ns"] / 1e3))
        if parts:
            out.append("edgenn thread-pool dispatch overhead: %s." % "; ".join(parts))
    if "f32" not in dtypes:
        out = out[:n_head] + ["(no f32 runs: dtypes %s)" % ",".join(dtypes)]
        rows = []
    int8 = None
    if "int8" in dtypes:
        lines, int8 = report_int8.section(os.path.join(d, "int8"), keys, threads)
        out += [""] + lines
    text = "\n".join(out)
    doc = {"meta": meta, "peak": peak, "pool": pool, "param_check": param_check, "rows": rows, "na": na,
           "int8": int8, "markdown": text}
    with open(args.json, "w") as f:
        json.dump(doc, f, indent=1)
    print(text)


if __name__ == "__main__":
    main()
