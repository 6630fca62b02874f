/*
 * `edgenn bench MODEL`: latency distribution, throughput and memory of one
 * optimised session on deterministic random inputs. Warm-up runs are not
 * timed; each timed run is measured separately so percentiles are exact
 * order statistics (nearest rank). A wall-clock cap (--max-time) stops the
 * timed loop early on slow models and the number actually run is reported.
 * --profile turns on the session's per-node timers (reset after warm-up)
 * and prints nodes sorted by time with their share and GFLOP/s.
 * --dtype f16|int8 converts the model first (cli_apply_dtype, below): f16
 * stores the weights as fp16 (weights-only; f32 arithmetic); int8
 * quantises with synthetic random-normal calibration data, which makes
 * the timings real and the accuracy meaningless, and the output says so.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "edgenn/fp16.h"
#include "edgenn/quantize.h"

#define SYNTH_CALIB_SAMPLES 8

const char cmd_bench_help[] =
    "usage: edgenn bench MODEL [--threads N] [--warmup N] [--iters N] [--max-time SEC]\n"
    "                          [--seed S] [--dtype f32|f16|int8] [--json] [--profile]\n\n"
    "Runs the optimised model on deterministic pseudo-random inputs and reports\n"
    "latency (min, p50, p90, p99, mean), throughput (inferences per second),\n"
    "GFLOP/s (2 x MACs / mean latency), the planned arena, weight bytes and the\n"
    "process's peak resident memory.\n\n"
    "options:\n"
    "  --threads N     worker threads (1..1024, default 1)\n"
    "  --warmup N      untimed runs first (0..1000000, default 5)\n"
    "  --iters N       timed runs (1..10000000, default 50)\n"
    "  --max-time SEC  stop the timed runs after SEC seconds (at least one run;\n"
    "                  warm-up stops after SEC/4); 0 = no limit (default 10)\n"
    "  --seed S        input random seed (default 1)\n"
    "  --dtype D       f32 (default): the model as it is; f16: weights converted to\n"
    "                  fp16 first (weights-only FP16, f32 arithmetic); int8: quantised\n"
    "                  first, calibrated on 8 SYNTHETIC random-normal samples, so\n"
    "                  the timings are real but the accuracy is meaningless (use\n"
    "                  'edgenn quantize' with real data for an accurate model)\n"
    "  --profile       per-node time, kernel, share and GFLOP/s, slowest first\n"
    "                  (node timers add a little overhead to the latency)\n"
    "  --json          one JSON document: latency_ms {min, p50, p90, p99, mean, max},\n"
    "                  throughput_ips, gflops, peak_arena_bytes, weights_bytes,\n"
    "                  persistent_bytes, peak_rss_bytes, macs, threads, warmup, iters,\n"
    "                  dtype (and calibration: \"synthetic\" for int8),\n"
    "                  cpu {arch, model, isa, isa_best, features: [...]}\n"
    "                  (and profile: [...] with --profile)\n"
    "  -h, --help\n";

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double percentile(const double *v, int n, double p) {
  int64_t r = (int64_t)((p / 100.0) * (double)n + 0.999999999);
  if (r < 1) r = 1;
  if (r > n) r = n;
  return v[r - 1];
}

typedef struct prof_row {
  enn_node_profile p;
  double ms; /* per run */
} prof_row;

static int cmp_prof(const void *a, const void *b) {
  double x = ((const prof_row *)a)->p.total_ns, y = ((const prof_row *)b)->p.total_ns;
  return x > y ? -1 : x < y;
}

/* ----------------------------------------------- precision on the fly */
const char *cli_dtype_name(const char *s) {
  if (!strcmp(s, "f32") || !strcmp(s, "fp32") || !strcmp(s, "float32")) return "f32";
  if (!strcmp(s, "f16") || !strcmp(s, "fp16") || !strcmp(s, "float16")) return "f16";
  if (!strcmp(s, "int8") || !strcmp(s, "i8")) return "int8";
  return NULL;
}

typedef struct synth_calib {
  const enn_graph *g;
  uint64_t seed;
} synth_calib;

static uint64_t splitmix64(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Sample i: standard-normal floats (Box-Muller) for f32 inputs, the bench's
 * uniform filler for any other input type. */
static enn_status synth_fill(void *ctx, int32_t i, void *const *inputs) {
  const synth_calib *c = ctx;
  for (int32_t k = 0; k < enn_graph_num_inputs(c->g); k++) {
    enn_tensor_desc d;
    enn_status st = enn_graph_tensor(c->g, enn_graph_input(c->g, k), NULL, &d, NULL);
    if (st) return st;
    uint64_t s = c->seed * 1000003u + (uint64_t)i * 7919u + (uint64_t)k;
    if (d.dtype != ENN_DTYPE_F32) {
      cli_fill_random(inputs[k], &d, s);
      continue;
    }
    float *x = inputs[k];
    const int64_t n = enn_tensor_desc_numel(&d);
    for (int64_t j = 0; j < n; j += 2) {
      double u1 = ((double)(splitmix64(&s) >> 11) + 1.0) / 9007199254740993.0; /* (0, 1] */
      double u2 = (double)(splitmix64(&s) >> 11) / 9007199254740992.0;
      double r = sqrt(-2.0 * log(u1)), t = 6.283185307179586 * u2;
      x[j] = (float)(r * cos(t));
      if (j + 1 < n) x[j + 1] = (float)(r * sin(t));
    }
  }
  return ENN_OK;
}

enn_status cli_convert_dtype(const enn_graph *g, const char *dtype, int32_t n_calib, uint64_t seed, enn_graph **out) {
  *out = NULL;
  enn_clear_error();
  if (!strcmp(dtype, "f32")) return ENN_OK;
  if (!strcmp(dtype, "f16")) return enn_convert_f16(g, out);
  if (!strcmp(dtype, "int8")) {
    enn_quantize_options o;
    enn_quantize_options_init(&o);
    synth_calib c = {g, seed};
    return enn_quantize_graph(g, &o, n_calib, synth_fill, &c, out);
  }
  return ENN_ERR_INVALID_ARG; /* callers pass cli_dtype_name's result */
}

int cmd_bench(int argc, char **argv) {
  int json = 0, profile = 0;
  const char *v_threads[1], *v_warmup[1], *v_iters[1], *v_max[1], *v_seed[1], *v_dtype[1];
  int c_threads = 0, c_warmup = 0, c_iters = 0, c_max = 0, c_seed = 0, c_dtype = 0;
  const cli_opt opts[] = {
      {"--json", NULL, false, &json, NULL, 0, NULL},
      {"--profile", NULL, false, &profile, NULL, 0, NULL},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      {"--warmup", NULL, true, NULL, v_warmup, 1, &c_warmup},
      {"--iters", "-n", true, NULL, v_iters, 1, &c_iters},
      {"--max-time", NULL, true, NULL, v_max, 1, &c_max},
      {"--seed", NULL, true, NULL, v_seed, 1, &c_seed},
      {"--dtype", NULL, true, NULL, v_dtype, 1, &c_dtype},
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "bench", opts, (int)(sizeof opts / sizeof opts[0]), pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_bench_help);
    return CLI_EXIT_OK;
  }
  int threads = 1, warmup = 5, iters = 50;
  double max_time = 10.0;
  int64_t seed = 1;
  if (c_threads && (rc = cli_parse_int(v_threads[0], "--threads", 1, 1024, &threads))) return rc;
  if (c_warmup && (rc = cli_parse_int(v_warmup[0], "--warmup", 0, 1000000, &warmup))) return rc;
  if (c_iters && (rc = cli_parse_int(v_iters[0], "--iters", 1, 10000000, &iters))) return rc;
  if (c_max && (rc = cli_parse_double(v_max[0], "--max-time", 0.0, 86400.0, &max_time))) return rc;
  if (c_seed && (rc = cli_parse_i64(v_seed[0], "--seed", 0, INT64_MAX, &seed))) return rc;
  const char *dtype = c_dtype ? cli_dtype_name(v_dtype[0]) : "f32";
  if (!dtype) return cli_usage_error("--dtype %s: expected f32, f16 or int8", v_dtype[0]);
  if (n_pos != 1) return cli_usage_error("'edgenn bench' needs a MODEL (see 'edgenn help bench')");
  const char *spec = pos[0];
  const bool synthetic = !strcmp(dtype, "int8");

  enn_graph *g = NULL;
  enn_session *s = NULL;
  double *times = NULL;
  prof_row *prow = NULL;
  if ((rc = cli_load_model(spec, &g))) return rc;
  enn_graph *conv = NULL;
  enn_status cst = cli_convert_dtype(g, dtype, SYNTH_CALIB_SAMPLES, (uint64_t)seed, &conv);
  if (cst) {
    rc = cli_lib_error(cst, "'%s': --dtype %s%s", spec, dtype, synthetic ? " (synthetic calibration)" : "");
    goto done;
  }
  if (conv) {
    enn_graph_destroy(g);
    g = conv;
  }
  if ((rc = cli_session(g, spec, threads, profile != 0, &s))) goto done;
  for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
    enn_tensor_desc d;
    if (enn_session_input_desc(s, i, &d, NULL) == ENN_OK)
      cli_fill_random(enn_session_input_buffer(s, i), &d, (uint64_t)seed * 1000003u + (uint64_t)i);
  }
  times = malloc((size_t)iters * sizeof *times);
  if (!times) {
    rc = cli_error("out of memory for %d timings", iters);
    goto done;
  }
  enn_status st;
  double t_start = cli_now();
  int warm_done = 0;
  for (; warm_done < warmup; warm_done++) {
    if ((st = enn_session_run(s))) {
      rc = cli_lib_error(st, "'%s': run failed", spec);
      goto done;
    }
    if (max_time > 0 && cli_now() - t_start >= max_time / 4) {
      warm_done++;
      break;
    }
  }
  if (profile) enn_session_profile_reset(s);
  int done_iters = 0;
  double t_timed = cli_now(), total = 0;
  while (done_iters < iters) {
    double t0 = cli_now();
    st = enn_session_run(s);
    double t1 = cli_now();
    if (st) {
      rc = cli_lib_error(st, "'%s': run failed", spec);
      goto done;
    }
    times[done_iters++] = (t1 - t0) * 1e3;
    total += t1 - t0;
    if (max_time > 0 && t1 - t_timed >= max_time) break;
  }
  int64_t rss = cli_peak_rss();
  enn_session_stats ss;
  enn_session_stats_get(s, &ss);
  qsort(times, (size_t)done_iters, sizeof *times, cmp_double);
  const double mean = total * 1e3 / done_iters;
  const double lmin = times[0], p50 = percentile(times, done_iters, 50), p90 = percentile(times, done_iters, 90),
               p99 = percentile(times, done_iters, 99), lmax = times[done_iters - 1];
  const double ips = mean > 0 ? 1e3 / mean : 0, gflops = mean > 0 ? 2.0 * (double)ss.macs / (mean * 1e-3) / 1e9 : 0;

  /* per-node profile */
  int32_t np = 0;
  double prof_total = 0;
  if (profile) {
    int32_t nn = enn_session_num_nodes(s);
    prow = calloc((size_t)nn + 1, sizeof *prow);
    if (!prow) {
      rc = cli_error("out of memory");
      goto done;
    }
    for (int32_t i = 0; i < nn; i++) {
      if (enn_session_node_profile(s, i, &prow[np].p) != ENN_OK) continue;
      if ((enn_op_flags(prow[np].p.op) & ENN_OPF_VIEW) && prow[np].p.total_ns <= 0) continue; /* no kernel runs */
      prow[np].ms = prow[np].p.runs > 0 ? prow[np].p.total_ns / (double)prow[np].p.runs * 1e-6 : 0;
      prof_total += prow[np].p.total_ns;
      np++;
    }
    qsort(prow, (size_t)np, sizeof *prow, cmp_prof);
  }

  enn_cpu_info cpu;
  enn_cpu_info_get(&cpu); /* the session was created, so ENN_ISA is valid */
  char a[32], b[32], c[32], d[32];
  if (json) {
    printf("{\n  \"model\": ");
    cli_json_str(stdout, spec);
    printf(",\n  \"dtype\": \"%s\"", dtype);
    if (synthetic)
      printf(",\n  \"calibration\": \"synthetic\",\n  \"calibration_samples\": %d,\n"
             "  \"note\": \"int8 quantised on the fly with synthetic random-normal calibration data: "
             "for speed only, accuracy is meaningless\"",
             SYNTH_CALIB_SAMPLES);
    printf(",\n  \"threads\": %d,\n  \"warmup\": %d,\n  \"iters\": %d,\n  \"iters_requested\": %d,\n", threads, warm_done,
           done_iters, iters);
    printf("  \"latency_ms\": {\"min\": ");
    cli_json_num(stdout, lmin);
    printf(", \"p50\": ");
    cli_json_num(stdout, p50);
    printf(", \"p90\": ");
    cli_json_num(stdout, p90);
    printf(", \"p99\": ");
    cli_json_num(stdout, p99);
    printf(", \"mean\": ");
    cli_json_num(stdout, mean);
    printf(", \"max\": ");
    cli_json_num(stdout, lmax);
    printf("},\n  \"throughput_ips\": ");
    cli_json_num(stdout, ips);
    printf(",\n  \"gflops\": ");
    cli_json_num(stdout, gflops);
    printf(",\n  \"macs\": %lld,\n  \"peak_arena_bytes\": %lld,\n  \"weights_bytes\": %lld,\n"
           "  \"persistent_bytes\": %lld,\n  \"peak_rss_bytes\": %lld",
           (long long)ss.macs, (long long)ss.peak_arena_bytes, (long long)ss.weights_bytes,
           (long long)ss.persistent_bytes, (long long)rss);
    printf(",\n  \"cpu\": {\"arch\": ");
    cli_json_str(stdout, cpu.arch);
    printf(", \"model\": ");
    cli_json_str(stdout, cpu.model);
    printf(", \"isa\": ");
    cli_json_str(stdout, cpu.isa);
    printf(", \"isa_best\": ");
    cli_json_str(stdout, cpu.isa_best);
    printf(", \"features\": [");
    for (const char *f = cpu.features; *f;) {
      size_t len = strcspn(f, " ");
      if (len) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)len, f);
        printf("%s", f == cpu.features ? "" : ", ");
        cli_json_str(stdout, name);
      }
      f += len;
      while (*f == ' ') f++;
    }
    printf("]}");
    if (profile) {
      printf(",\n  \"profile\": [");
      for (int32_t i = 0; i < np; i++) {
        const prof_row *r = &prow[i];
        printf("%s\n    {\"name\": ", i ? "," : "");
        cli_json_str(stdout, r->p.name);
        printf(", \"op\": ");
        cli_json_str(stdout, enn_op_name(r->p.op));
        printf(", \"kernel\": ");
        cli_json_str(stdout, r->p.kernel);
        printf(", \"time_ms\": ");
        cli_json_num(stdout, r->ms);
        printf(", \"percent\": ");
        cli_json_num(stdout, prof_total > 0 ? 100.0 * r->p.total_ns / prof_total : 0.0);
        printf(", \"macs\": %lld, \"gflops\": ", (long long)r->p.macs);
        cli_json_num(stdout, r->ms > 0 ? 2.0 * (double)r->p.macs / (r->ms * 1e-3) / 1e9 : 0.0);
        printf("}");
      }
      printf("%s]", np ? "\n  " : "");
    }
    printf("\n}\n");
  } else {
    printf("%-11s %s\n", "model", spec);
    if (!strcmp(dtype, "f16"))
      printf("%-11s f16 weights (converted on the fly; weights-only FP16: arithmetic stays f32)\n", "precision");
    else if (synthetic)
      printf("%-11s int8, quantised on the fly with SYNTHETIC calibration (%d random-normal samples):\n"
             "%-11s the timings are real, the accuracy is meaningless (for speed measurements only)\n",
             "precision", SYNTH_CALIB_SAMPLES, "");
    else if (c_dtype)
      printf("%-11s f32\n", "precision");
    printf("%-11s %d thread%s, %d warm-up, %d timed run%s", "runs", threads, threads == 1 ? "" : "s", warm_done,
           done_iters, done_iters == 1 ? "" : "s");
    if (done_iters < iters) printf(" (stopped at the %.3g s --max-time; %d requested)", max_time, iters);
    printf("\n%-11s min %.3f  p50 %.3f  p90 %.3f  p99 %.3f  mean %.3f  max %.3f ms\n", "latency", lmin, p50, p90, p99,
           mean, lmax);
    printf("%-11s %.1f inferences/s\n", "throughput", ips);
    printf("%-11s %s MACs per inference, %.2f GFLOP/s (2 x MACs / mean latency)\n", "compute",
           cli_count_str((double)ss.macs, a, sizeof a), gflops);
    printf("%-11s %s (%s), kernels %s (best %s)\n", "cpu", *cpu.model ? cpu.model : "unknown model", cpu.arch, cpu.isa,
           cpu.isa_best);
    printf("%-11s peak arena %s, weights %s, persistent %s, peak RSS %s\n", "memory",
           cli_bytes_str((double)ss.peak_arena_bytes, a, sizeof a), cli_bytes_str((double)ss.weights_bytes, b, sizeof b),
           cli_bytes_str((double)ss.persistent_bytes, c, sizeof c), cli_bytes_str((double)rss, d, sizeof d));
    if (profile) {
      int w = 4;
      for (int32_t i = 0; i < np; i++)
        if (prow[i].p.name && (int)strlen(prow[i].p.name) > w) w = (int)strlen(prow[i].p.name);
      if (w > 40) w = 40;
      printf("\nprofile (per run, slowest first; %d timed runs):\n", done_iters);
      printf("%5s  %-*s  %-16s %-32s %10s %7s %12s %9s\n", "#", w, "node", "op", "kernel", "ms", "%", "MACs", "GFLOP/s");
      for (int32_t i = 0; i < np; i++) {
        const prof_row *r = &prow[i];
        double gf = r->ms > 0 ? 2.0 * (double)r->p.macs / (r->ms * 1e-3) / 1e9 : 0.0;
        printf("%5d  %-*.*s  %-16s %-32s %10.4f %6.1f%% %12lld ", i + 1, w, w, r->p.name ? r->p.name : "",
               enn_op_name(r->p.op), r->p.kernel ? r->p.kernel : "-", r->ms,
               prof_total > 0 ? 100.0 * r->p.total_ns / prof_total : 0.0, (long long)r->p.macs);
        if (r->p.macs > 0) printf("%9.2f\n", gf);
        else printf("%9s\n", "-");
      }
      printf("%5s  %-*s  %-16s %-32s %10.4f %6.1f%%\n", "", w, "total", "", "",
             done_iters > 0 ? prof_total / done_iters * 1e-6 : 0.0, 100.0);
    }
  }
  rc = CLI_EXIT_OK;
done:
  free(prow);
  free(times);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return rc;
}
