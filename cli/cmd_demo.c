/*
 * `edgenn demo`: the whole pipeline on a handful of zoo models: build each,
 * optimise it into a session, run it on random inputs and print one table
 * row per model (params, MACs, weights, planned arena, median latency).
 * Each model gets a small run budget (one warm-up, then up to --iters
 * timed runs or --max-time seconds, at least three) so the demo stays well
 * under half a minute on one core. A model that fails at any step shows
 * its error in its row, and the command then exits non-zero.
 *
 * A second table compares precisions on two models: FP32, FP16 (weights
 * stored as fp16, f32 arithmetic: enn_convert_f16) and INT8
 * (enn_quantize_graph): weight bytes, planned arena, median latency and,
 * where real weights and data exist (the MLPerf Tiny ResNet-8 float model
 * and CIFAR-10 under $EDGENN_DATA or ../shared/data, or --data DIR), the
 * top-1 accuracy on the first 500 CIFAR-10 test images; INT8 is then
 * calibrated on 100 other test images (9000..9099: reading the
 * xz-compressed training batches would take longer than the whole demo).
 * Without data, ResNet-8 comes from the zoo, INT8 is calibrated on
 * synthetic data and the accuracy column says "n/a (no data)".
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "edgenn/fp16.h"
#include "edgenn/import.h"
#include "edgenn/quantize.h"

const char cmd_demo_help[] =
    "usage: edgenn demo [--threads N] [--iters N] [--max-time SEC] [--data DIR] [--json]\n\n"
    "Builds a few built-in models (random weights), optimises them, runs them\n"
    "and prints: model, params, MACs, weights, peak arena and median latency.\n"
    "Then compares FP32 / FP16 / INT8 versions of ResNet-8 and MobileNetV2\n"
    "0.35/96: weights, peak arena, median latency and, when the data directory\n"
    "holds the MLPerf Tiny ResNet-8 float model and CIFAR-10, top-1 accuracy on\n"
    "the first 500 CIFAR-10 test images.\n\n"
    "options:\n"
    "  --threads N     worker threads (1..1024, default 1)\n"
    "  --iters N       at most N timed runs per model (3..100000, default 20)\n"
    "  --max-time SEC  stop a model's timed runs after SEC seconds, once it has\n"
    "                  three (default 1)\n"
    "  --data DIR      the data directory (default $EDGENN_DATA, else ../shared/data)\n"
    "  --json          one JSON document: {\"models\": [{\"model\", \"params\",\n"
    "                  \"macs\", \"weights_bytes\", \"peak_arena_bytes\", \"latency_p50_ms\"}],\n"
    "                  \"precision\": [{\"model\", \"dtype\", \"weights_bytes\",\n"
    "                  \"peak_arena_bytes\", \"latency_p50_ms\", \"top1\" (null when n/a),\n"
    "                  \"accuracy_samples\", \"accuracy_note\", \"calibration\"}]}\n"
    "  -h, --help\n";

static const char *const demo_models[] = {
    "zoo:lenet5",
    "zoo:resnet8",
    "zoo:ds_cnn",
    "zoo:mobilenet_v2,width=0.35,res=96,classes=10",
    "zoo:mobilenet_v3_small",
    "zoo:efficientnet_lite0",
};
#define N_DEMO ((int)(sizeof demo_models / sizeof demo_models[0]))

typedef struct demo_row {
  const char *spec;
  bool ok;
  char err[512];
  enn_graph_stats gs;
  enn_session_stats ss;
  double p50_ms;
  int iters;
} demo_row;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void fail_row(demo_row *r, const char *what, enn_status st) {
  snprintf(r->err, sizeof r->err, "%s: %s", what, enn_last_error()[0] ? enn_last_error() : enn_status_name(st));
  for (char *p = r->err; *p; p++)
    if (*p == '\n') *p = ' ';
}

/* One warm-up run, then timed runs until max_iters or (after three)
 * max_time seconds; the median into *p50_ms. */
static enn_status time_runs(enn_session *s, int max_iters, double max_time, double *times, double *p50_ms,
                            int *iters) {
  enn_status st;
  if ((st = enn_session_run(s))) return st; /* warm-up */
  double t_start = cli_now();
  int n = 0;
  while (n < max_iters) {
    double t0 = cli_now();
    st = enn_session_run(s);
    double t1 = cli_now();
    if (st) return st;
    times[n++] = (t1 - t0) * 1e3;
    if (n >= 3 && t1 - t_start >= max_time) break;
  }
  qsort(times, (size_t)n, sizeof *times, cmp_double);
  *p50_ms = times[(n - 1) / 2];
  *iters = n;
  return ENN_OK;
}

static void demo_one(demo_row *r, int threads, int max_iters, double max_time, double *times) {
  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_status st;
  enn_clear_error();
  if ((st = enn_zoo_build_spec(r->spec, NULL, &g))) {
    fail_row(r, "build", st);
    goto done;
  }
  if ((st = enn_graph_stats_get(g, &r->gs))) {
    fail_row(r, "stats", st);
    goto done;
  }
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  if ((st = enn_session_create(g, &o, &s))) {
    fail_row(r, "session", st);
    goto done;
  }
  enn_session_stats_get(s, &r->ss);
  for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
    enn_tensor_desc d;
    if (enn_session_input_desc(s, i, &d, NULL) == ENN_OK) cli_fill_random(enn_session_input_buffer(s, i), &d, 7u + (uint64_t)i);
  }
  if ((st = time_runs(s, max_iters, max_time, times, &r->p50_ms, &r->iters))) {
    fail_row(r, "run", st);
    goto done;
  }
  r->ok = true;
done:
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

/* ------------------------------------------------ precision comparison */
#define PREC_EVAL_N 500      /* first CIFAR-10 test images scored */
#define PREC_CALIB_N 100     /* INT8 calibration images ... */
#define PREC_CALIB_FIRST 9000 /* ... test images 9000..9099, none of them scored */
#define PREC_SYNTH_N 8       /* synthetic calibration samples without data */
#define N_DTYPES 3
static const char *const prec_dtypes[N_DTYPES] = {"f32", "f16", "int8"};

typedef struct prec_row {
  const char *model;
  const char *dtype;
  bool ok;
  char err[512];
  int64_t weights_bytes, peak_arena;
  double p50_ms;
  int iters;
  int32_t acc_n, correct;  /* acc_n 0: no accuracy (acc_note says why) */
  const char *acc_note;
  const char *calibration; /* int8: "cifar10-test-9000-9099" or "synthetic" */
} prec_row;

/* CIFAR-10 samples preprocessed into a graph's input 0. */
typedef struct cifar_src {
  enn_dataset *ds;
  enn_preprocess pp;
  enn_tensor_desc in; /* the model's input 0 */
  int64_t first;      /* calibration: sample i is first + i */
  uint8_t buf[32 * 32 * 3];
} cifar_src;

static enn_status cifar_sample(const cifar_src *c, int64_t idx, const enn_tensor_desc *dst_desc, void *dst,
                               int32_t *label) {
  enn_sample_info info;
  enn_status st = enn_dataset_read(c->ds, idx, ENN_DTYPE_INVALID, (void *)c->buf, sizeof c->buf, &info);
  if (st) return st;
  if (label) *label = info.label;
  return enn_preprocess_apply(&c->pp, &info, c->buf, dst_desc, dst, NULL);
}

static enn_status cifar_calib_fill(void *ctx, int32_t i, void *const *inputs) {
  const cifar_src *c = ctx;
  return cifar_sample(c, c->first + i, &c->in, inputs[0], NULL);
}

/* Top-1 of session s on the first n test images (output 0 = class scores;
 * ties go to the lower index). */
static enn_status cifar_top1(enn_session *s, const cifar_src *c, int32_t n, int32_t *correct) {
  enn_tensor_desc di, dout;
  enn_status st;
  if ((st = enn_session_input_desc(s, 0, &di, NULL)) || (st = enn_session_output_desc(s, 0, &dout, NULL))) return st;
  const int64_t classes = enn_tensor_desc_numel(&dout);
  *correct = 0;
  for (int32_t i = 0; i < n; i++) {
    int32_t label = -1;
    if ((st = cifar_sample(c, i, &di, enn_session_input_buffer(s, 0), &label)) || (st = enn_session_run(s)))
      return st;
    const void *y = enn_session_output_buffer(s, 0);
    int64_t best = 0;
    for (int64_t k = 1; k < classes; k++)
      if (cli_elem(y, dout.dtype, k) > cli_elem(y, dout.dtype, best)) best = k;
    *correct += best == label;
  }
  return ENN_OK;
}

static void prec_fail(prec_row *r, const char *what, enn_status st) {
  snprintf(r->err, sizeof r->err, "%s: %s", what, enn_last_error()[0] ? enn_last_error() : enn_status_name(st));
  for (char *p = r->err; *p; p++)
    if (*p == '\n') *p = ' ';
}

/* The three rows of one model: base is the f32 graph; data (may be NULL)
 * gives real calibration and accuracy. */
static void prec_model(const char *label, const enn_graph *base, const cifar_src *data, const char *no_acc_note,
                       int threads, int max_iters, double max_time, double *times, prec_row *rows) {
  for (int d = 0; d < N_DTYPES; d++) {
    prec_row *r = &rows[d];
    memset(r, 0, sizeof *r);
    r->model = label;
    r->dtype = prec_dtypes[d];
    r->acc_note = no_acc_note;
    enn_graph *h = NULL;
    enn_session *s = NULL;
    enn_status st;
    enn_clear_error();
    if (d == 2 && data) {
      enn_quantize_options o;
      enn_quantize_options_init(&o);
      r->calibration = "cifar10-test-9000-9099";
      st = enn_quantize_graph(base, &o, PREC_CALIB_N, cifar_calib_fill, (void *)data, &h);
    } else {
      if (d == 2) r->calibration = "synthetic";
      st = cli_convert_dtype(base, r->dtype, PREC_SYNTH_N, 1, &h);
    }
    if (st) {
      prec_fail(r, d == 2 ? "quantize" : "convert", st);
      goto next;
    }
    enn_session_options o;
    enn_session_options_init(&o);
    o.threads = threads;
    if ((st = enn_session_create(h ? h : base, &o, &s))) {
      prec_fail(r, "session", st);
      goto next;
    }
    enn_session_stats ss;
    enn_session_stats_get(s, &ss);
    r->weights_bytes = ss.weights_bytes;
    r->peak_arena = ss.peak_arena_bytes;
    for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
      enn_tensor_desc dd;
      if (enn_session_input_desc(s, i, &dd, NULL) == ENN_OK)
        cli_fill_random(enn_session_input_buffer(s, i), &dd, 7u + (uint64_t)i);
    }
    if ((st = time_runs(s, max_iters, max_time, times, &r->p50_ms, &r->iters))) {
      prec_fail(r, "run", st);
      goto next;
    }
    if (data) {
      if ((st = cifar_top1(s, data, PREC_EVAL_N, &r->correct))) {
        prec_fail(r, "accuracy", st);
        goto next;
      }
      r->acc_n = PREC_EVAL_N;
    }
    r->ok = true;
  next:
    enn_session_destroy(s);
    enn_graph_destroy(h);
  }
}

static bool is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Fills rows[0..2*N_DTYPES): ResNet-8 (MLPerf Tiny float with CIFAR-10 when
 * the data is there, else the zoo's) and MobileNetV2 0.35/96 (zoo, random
 * weights). Returns the number of failed rows. */
static int precision_rows(const char *data_dir, int threads, int max_iters, double max_time, double *times,
                          prec_row *rows, bool *have_data) {
  static const char mv2[] = "zoo:mobilenet_v2,width=0.35,res=96,classes=10";
  char model[4096], cifar[4096];
  snprintf(model, sizeof model, "%s/mlperf-tiny/image_classification/pretrainedResnet.tflite", data_dir);
  snprintf(cifar, sizeof cifar, "%s/cifar10/cifar-10-batches-bin/test_batch.bin", data_dir);
  *have_data = is_file(model) && is_file(cifar);
  cifar_src *src = NULL;
  enn_graph *g = NULL;
  int failed = 0;
  enn_status st = ENN_OK;
  enn_clear_error();
  if (*have_data) {
    src = calloc(1, sizeof *src);
    char spec[4200];
    snprintf(spec, sizeof spec, "cifar10:%s/cifar10", data_dir);
    if (!src || (st = enn_dataset_open(spec, ENN_SPLIT_TEST, NULL, &src->ds)) ||
        (st = enn_tflite_load(model, NULL, &g)) ||
        (st = enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &src->in, NULL))) {
      *have_data = false; /* fall back to the zoo model; say why */
      fprintf(stderr, "edgenn: note: precision table without data: %s\n",
              src ? (enn_last_error()[0] ? enn_last_error() : enn_status_name(st)) : "out of memory");
      enn_graph_destroy(g);
      g = NULL;
    } else {
      enn_preprocess_init(&src->pp);
      if ((st = enn_preprocess_from_graph(g, &src->pp))) *have_data = false;
      src->first = PREC_CALIB_FIRST;
    }
  }
  const char *r8 = *have_data ? "resnet8 (MLPerf Tiny float .tflite)" : "zoo:resnet8";
  if (!g && (st = enn_zoo_build_spec("zoo:resnet8", NULL, &g))) {
    for (int d = 0; d < N_DTYPES; d++) {
      memset(&rows[d], 0, sizeof rows[d]);
      rows[d].model = r8;
      rows[d].dtype = prec_dtypes[d];
      prec_fail(&rows[d], "build", st);
    }
  } else {
    prec_model(r8, g, *have_data ? src : NULL, "n/a (no data)", threads, max_iters, max_time, times, rows);
  }
  enn_graph_destroy(g);
  g = NULL;
  if ((st = enn_zoo_build_spec(mv2, NULL, &g))) {
    for (int d = 0; d < N_DTYPES; d++) {
      memset(&rows[N_DTYPES + d], 0, sizeof rows[0]);
      rows[N_DTYPES + d].model = "mobilenet_v2 0.35/96, 10 classes";
      rows[N_DTYPES + d].dtype = prec_dtypes[d];
      prec_fail(&rows[N_DTYPES + d], "build", st);
    }
  } else {
    prec_model("mobilenet_v2 0.35/96, 10 classes", g, NULL, "n/a (random weights)", threads, max_iters, max_time,
               times, rows + N_DTYPES);
  }
  enn_graph_destroy(g);
  if (src) enn_dataset_close(src->ds);
  free(src);
  for (int i = 0; i < 2 * N_DTYPES; i++) failed += !rows[i].ok;
  return failed;
}

int cmd_demo(int argc, char **argv) {
  int json = 0;
  const char *v_threads[1], *v_iters[1], *v_max[1], *v_data[1];
  int c_threads = 0, c_iters = 0, c_max = 0, c_data = 0;
  const cli_opt opts[] = {
      {"--json", NULL, false, &json, NULL, 0, NULL},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      {"--iters", "-n", true, NULL, v_iters, 1, &c_iters},
      {"--max-time", NULL, true, NULL, v_max, 1, &c_max},
      {"--data", NULL, true, NULL, v_data, 1, &c_data},
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "demo", opts, (int)(sizeof opts / sizeof opts[0]), pos, 0, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_demo_help);
    return CLI_EXIT_OK;
  }
  int threads = 1, iters = 20;
  double max_time = 1.0;
  if (c_threads && (rc = cli_parse_int(v_threads[0], "--threads", 1, 1024, &threads))) return rc;
  if (c_iters && (rc = cli_parse_int(v_iters[0], "--iters", 3, 100000, &iters))) return rc;
  if (c_max && (rc = cli_parse_double(v_max[0], "--max-time", 0.0, 3600.0, &max_time))) return rc;
  const char *data_dir = c_data ? v_data[0] : getenv("EDGENN_DATA");
  if (!data_dir || !*data_dir) data_dir = "../shared/data";

  demo_row rows[N_DEMO];
  double *times = malloc((size_t)iters * sizeof *times);
  if (!times) return cli_error("out of memory");
  int failed = 0;
  if (!json) {
    printf("%-46s %9s %9s %11s %11s %9s\n", "model", "params", "MACs", "weights", "peak arena", "p50 ms");
    fflush(stdout);
  }
  for (int i = 0; i < N_DEMO; i++) {
    demo_row *r = &rows[i];
    memset(r, 0, sizeof *r);
    r->spec = demo_models[i];
    demo_one(r, threads, iters, max_time, times);
    failed += !r->ok;
    if (json) continue;
    const char *name = r->spec + 4; /* without "zoo:" */
    if (!r->ok) {
      printf("%-46s error: %s\n", name, r->err);
    } else {
      char a[32], b[32], c[32], d[32];
      printf("%-46s %9s %9s %11s %11s %9.3f\n", name, cli_count_str((double)r->gs.params, a, sizeof a),
             cli_count_str((double)r->gs.macs, b, sizeof b), cli_bytes_str((double)r->gs.weights_bytes, c, sizeof c),
             cli_bytes_str((double)r->ss.peak_arena_bytes, d, sizeof d), r->p50_ms);
    }
    fflush(stdout);
  }
  /* FP32 / FP16 / INT8 */
  prec_row prow[2 * N_DTYPES];
  bool have_data = false;
  if (!json) {
    printf("\nprecision   %-36s %5s %11s %11s %9s  %s\n", "model", "dtype", "weights", "peak arena", "p50 ms",
           "top-1");
    fflush(stdout);
  }
  int pfailed = precision_rows(data_dir, threads, iters, max_time, times, prow, &have_data);
  free(times);
  if (!json) {
    for (int i = 0; i < 2 * N_DTYPES; i++) {
      const prec_row *r = &prow[i];
      printf("            %-36s %5s ", i % N_DTYPES ? "" : r->model, r->dtype);
      if (!r->ok) {
        printf("error: %s\n", r->err);
        continue;
      }
      char a[32], b[32];
      printf("%11s %11s %9.3f  ", cli_bytes_str((double)r->weights_bytes, a, sizeof a),
             cli_bytes_str((double)r->peak_arena, b, sizeof b), r->p50_ms);
      if (r->acc_n > 0) printf("%.1f%% (%d/%d)\n", 100.0 * r->correct / r->acc_n, r->correct, r->acc_n);
      else printf("accuracy: %s\n", r->acc_note);
    }
  }
  if (json) {
    printf("{\n  \"threads\": %d,\n  \"models\": [", threads);
    for (int i = 0; i < N_DEMO; i++) {
      const demo_row *r = &rows[i];
      printf("%s\n    {\"model\": ", i ? "," : "");
      cli_json_str(stdout, r->spec);
      if (!r->ok) {
        printf(", \"error\": ");
        cli_json_str(stdout, r->err);
      } else {
        printf(", \"params\": %lld, \"macs\": %lld, \"weights_bytes\": %lld, \"peak_arena_bytes\": %lld, "
               "\"latency_p50_ms\": ",
               (long long)r->gs.params, (long long)r->gs.macs, (long long)r->gs.weights_bytes,
               (long long)r->ss.peak_arena_bytes);
        cli_json_num(stdout, r->p50_ms);
        printf(", \"iters\": %d", r->iters);
      }
      printf("}");
    }
    printf("\n  ],\n  \"precision\": [");
    for (int i = 0; i < 2 * N_DTYPES; i++) {
      const prec_row *r = &prow[i];
      printf("%s\n    {\"model\": ", i ? "," : "");
      cli_json_str(stdout, r->model);
      printf(", \"dtype\": \"%s\"", r->dtype);
      if (!r->ok) {
        printf(", \"error\": ");
        cli_json_str(stdout, r->err);
      } else {
        printf(", \"weights_bytes\": %lld, \"peak_arena_bytes\": %lld, \"latency_p50_ms\": ",
               (long long)r->weights_bytes, (long long)r->peak_arena);
        cli_json_num(stdout, r->p50_ms);
        printf(", \"iters\": %d, \"top1\": ", r->iters);
        if (r->acc_n > 0) cli_json_num(stdout, (double)r->correct / r->acc_n);
        else printf("null");
        printf(", \"accuracy_samples\": %d, \"accuracy_note\": ", r->acc_n);
        if (r->acc_n > 0) cli_json_str(stdout, "first 500 CIFAR-10 test images");
        else cli_json_str(stdout, r->acc_note);
      }
      printf(", \"calibration\": ");
      if (r->calibration) cli_json_str(stdout, r->calibration);
      else printf("null");
      printf("}");
    }
    printf("\n  ]\n}\n");
  } else {
    printf("\nparams, MACs and weights: the model as built; peak arena: the optimised session's activation\n"
           "and scratch plan; p50: median of timed runs on random inputs (%d thread%s).\n",
           threads, threads == 1 ? "" : "s");
    printf("precision: weights = constant bytes the session uses; f16 = weights stored as fp16, converted\n"
           "to f32 once at load (weights-only FP16: f32 arithmetic, f32 speed); int8 = quantised by edgenn\n");
    if (have_data)
      printf("(calibrated on CIFAR-10 test images 9000..9099, none of them scored); top-1 on the first %d\n"
             "CIFAR-10 test images (data: %s).\n",
             PREC_EVAL_N, data_dir);
    else
      printf("(calibrated on %d SYNTHETIC random-normal samples: speed only). No accuracy: the MLPerf Tiny\n"
             "ResNet-8 model and CIFAR-10 were not found under '%s' (set EDGENN_DATA or --data).\n",
             PREC_SYNTH_N, data_dir);
  }
  if (failed) return cli_error("%d of %d demo models failed (see the table)", failed, N_DEMO);
  if (pfailed) return cli_error("%d of %d precision rows failed (see the table)", pfailed, 2 * N_DTYPES);
  return CLI_EXIT_OK;
}
