/*
 * `edgenn demo`: the whole pipeline on a handful of zoo models: build each,
 * optimise it into a session, run it on random inputs and print one table
 * row per model (params, MACs, weights, planned arena, median latency).
 * Each model gets a small run budget (one warm-up, then up to --iters
 * timed runs or --max-time seconds, at least three) so the demo stays well
 * under half a minute on one core. A model that fails at any step shows
 * its error in its row, and the command then exits non-zero.
 */
#include <stdlib.h>
#include <string.h>

#include "common.h"

const char cmd_demo_help[] =
    "usage: edgenn demo [--threads N] [--iters N] [--max-time SEC] [--json]\n\n"
    "Builds a few built-in models (random weights), optimises them, runs them\n"
    "and prints: model, params, MACs, weights, peak arena and median latency.\n\n"
    "options:\n"
    "  --threads N     worker threads (1..1024, default 1)\n"
    "  --iters N       at most N timed runs per model (3..100000, default 20)\n"
    "  --max-time SEC  stop a model's timed runs after SEC seconds, once it has\n"
    "                  three (default 1)\n"
    "  --json          one JSON document: {\"models\": [{\"model\", \"params\",\n"
    "                  \"macs\", \"weights_bytes\", \"peak_arena_bytes\", \"latency_p50_ms\"}]}\n"
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
  if ((st = enn_session_run(s))) { /* warm-up */
    fail_row(r, "run", st);
    goto done;
  }
  double t_start = cli_now();
  int n = 0;
  while (n < max_iters) {
    double t0 = cli_now();
    st = enn_session_run(s);
    double t1 = cli_now();
    if (st) {
      fail_row(r, "run", st);
      goto done;
    }
    times[n++] = (t1 - t0) * 1e3;
    if (n >= 3 && t1 - t_start >= max_time) break;
  }
  qsort(times, (size_t)n, sizeof *times, cmp_double);
  r->p50_ms = times[(n - 1) / 2];
  r->iters = n;
  r->ok = true;
done:
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

int cmd_demo(int argc, char **argv) {
  int json = 0;
  const char *v_threads[1], *v_iters[1], *v_max[1];
  int c_threads = 0, c_iters = 0, c_max = 0;
  const cli_opt opts[] = {
      {"--json", NULL, false, &json, NULL, 0, NULL},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      {"--iters", "-n", true, NULL, v_iters, 1, &c_iters},
      {"--max-time", NULL, true, NULL, v_max, 1, &c_max},
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
  free(times);
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
    printf("\n  ]\n}\n");
  } else {
    printf("\nparams, MACs and weights: the model as built; peak arena: the optimised session's activation\n"
           "and scratch plan; p50: median of timed runs on random inputs (%d thread%s).\n",
           threads, threads == 1 ? "" : "s");
  }
  if (failed) return cli_error("%d of %d demo models failed (see the table)", failed, N_DEMO);
  return CLI_EXIT_OK;
}
