/*
 * `edgenn eval MODEL --data SPEC`: accuracy of a classifier on a dataset.
 *
 * Each sample is read from the dataset (enn_dataset_*), preprocessed into
 * the model's only input (enn_preprocess_apply: the model's preprocess.*
 * metadata, then the flags), run, and scored on output 0: its values
 * (dequantised when integer) are one score per class, logits or
 * probabilities alike. The rank of the true class is the number of classes
 * scoring higher plus those scoring equal with a lower index (so ties go
 * to the lower index, as argmax does); rank 0 is a top-1 hit, rank < 5 a
 * top-5 hit. A batch-B input (rank 4, dims[0] = B) takes B samples per run
 * (the last run padded with repeats whose scores are ignored).
 *
 * Latency is the mean wall time of enn_session_run calls. A progress line
 * goes to stderr, only when stderr is a terminal.
 *
 * This file also holds the preprocessing flag helpers `run` shares
 * (cli_pp_resolve, cli_image_input).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

const char cmd_eval_help[] =
    "usage: edgenn eval MODEL --data SPEC [--limit N] [--json] [--threads N]\n"
    "                         [--per-class] [preprocessing options]\n\n"
    "Measures top-1 / top-5 accuracy and latency of a classifier on a dataset.\n"
    "SPEC is KIND:DIR[,split=train|test] (default split: test):\n"
    "  cifar10:DIR   CIFAR-10 binary batches (.bin or .bin.xz); DIR is\n"
    "                cifar-10-batches-bin or its parent\n"
    "  mnist:DIR     MNIST idx files (.gz ok)\n"
    "  folder:DIR    DIR/<class>/<image>.png|.jpg|.bmp, classes = sorted names\n"
    "  kws:DIR       MLPerf Tiny keyword-spotting int8 feature files\n\n"
    "options:\n"
    "  --data SPEC        the dataset (required)\n"
    "  --limit N          evaluate the first N samples only\n"
    "  --json             print one JSON document (samples, top1, top5,\n"
    "                     latency_ms_mean, per_class, ...)\n"
    "  --per-class        also print the top-1 accuracy of each class\n"
    "  --threads N        worker threads (1..1024, default 1)\n"
    "  -h, --help\n\n" CLI_PP_HELP
    "\nThe model's output 0 holds one score per class (logits or probabilities;\n"
    "int8/uint8 outputs are dequantised). top1/top5 are fractions in [0, 1].\n";

/* --------------------------------------------------- preprocessing flags */
int cli_pp_resolve(const cli_pp_flags *f, const enn_graph *g, enn_preprocess *pp) {
  enn_preprocess_init(pp);
  enn_clear_error();
  enn_status st = enn_preprocess_from_graph(g, pp);
  if (st) return cli_lib_error(st, "preprocessing");
  if (f->bgr && f->rgb) return cli_usage_error("--bgr and --rgb exclude each other");
  struct {
    const char *key, *opt;
    int count;
    const char *v;
  } kv[] = {
      {"scale", "--scale", f->c_scale, f->v_scale[0]},    {"mean", "--mean", f->c_mean, f->v_mean[0]},
      {"std", "--std", f->c_std, f->v_std[0]},            {"resize", "--resize", f->c_resize, f->v_resize[0]},
      {"center_crop", "--center-crop", f->c_crop, f->v_crop[0]}, {"layout", "--layout", f->c_layout, f->v_layout[0]},
  };
  for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
    if (!kv[i].count) continue;
    enn_clear_error();
    if ((st = enn_preprocess_set(pp, kv[i].key, kv[i].v))) {
      const char *m = enn_last_error();
      return cli_usage_error("%s %s: %s", kv[i].opt, kv[i].v, m && *m ? m : "bad value");
    }
  }
  if (f->bgr) pp->bgr = 1;
  if (f->rgb) pp->bgr = 0;
  return 0;
}

int cli_image_input(const char *path, const enn_preprocess *pp, enn_session *s, int32_t i) {
  enn_tensor_desc d;
  const char *name = NULL;
  enn_session_input_desc(s, i, &d, &name);
  enn_sample_info info;
  uint8_t *px = NULL;
  enn_clear_error();
  enn_status st = enn_image_load(path, NULL, &info, &px);
  if (st) return cli_lib_error(st, "input '%s'", name ? name : "");
  void *dst = enn_session_input_buffer(s, i);
  if (!dst) {
    enn_image_free(NULL, px);
    return cli_error("input '%s': the session has no buffer for it", name ? name : "");
  }
  enn_clear_error();
  st = enn_preprocess_apply(pp, &info, px, &d, dst, NULL);
  enn_image_free(NULL, px);
  if (st) return cli_lib_error(st, "input '%s' from image '%s'", name ? name : "", path);
  return 0;
}

/* ------------------------------------------------------------- scoring */
/* Score k of a dense output as a double (dequantised). */
static double out_score(const enn_tensor_desc *d, const void *data, int64_t i) {
  double v = cli_elem(data, d->dtype, i);
  if ((d->dtype == ENN_DTYPE_I8 || d->dtype == ENN_DTYPE_U8) && d->quant.count == 1)
    v = (double)d->quant.scale[0] * (v - (double)d->quant.zero_point[0]);
  return v;
}

/* Rank of class `label` among n scores (0 = best); n when NaN. */
static int64_t label_rank(const double *s, int64_t n, int64_t label) {
  const double t = s[label];
  if (isnan(t)) return n;
  int64_t r = 0;
  for (int64_t k = 0; k < n; k++)
    if (s[k] > t || (s[k] == t && k < label)) r++;
  return r;
}

typedef struct class_stat {
  int64_t n, top1;
} class_stat;

static void progress(int64_t done, int64_t total, int64_t top1, bool final) {
  const int width = 30;
  int fill = total ? (int)(done * width / total) : width;
  char bar[64];
  for (int k = 0; k < width; k++) bar[k] = k < fill ? '=' : ' ';
  bar[width] = '\0';
  if (final) fprintf(stderr, "\r\033[K");
  else
    fprintf(stderr, "\r[%s] %lld/%lld  top-1 %.2f%% ", bar, (long long)done, (long long)total,
            done ? 100.0 * (double)top1 / (double)done : 0.0);
  fflush(stderr);
}

int cmd_eval(int argc, char **argv) {
  const char *v_data[1], *v_limit[1], *v_threads[1];
  int c_data = 0, c_limit = 0, c_threads = 0, json = 0, per_class = 0;
  cli_pp_flags ppf;
  memset(&ppf, 0, sizeof ppf);
  const cli_opt opts[] = {
      {"--data", "-d", true, NULL, v_data, 1, &c_data},
      {"--limit", "-n", true, NULL, v_limit, 1, &c_limit},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      {"--json", NULL, false, &json, NULL, 0, NULL},
      {"--per-class", NULL, false, &per_class, NULL, 0, NULL},
      CLI_PP_OPTS(ppf),
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "eval", opts, (int)(sizeof opts / sizeof opts[0]), pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_eval_help);
    return CLI_EXIT_OK;
  }
  int threads = 1;
  int64_t limit = 0;
  if (c_threads && (rc = cli_parse_int(v_threads[0], "--threads", 1, 1024, &threads))) return rc;
  if (c_limit && (rc = cli_parse_i64(v_limit[0], "--limit", 1, INT64_MAX, &limit))) return rc;
  if (n_pos != 1) return cli_usage_error("'edgenn eval' needs a MODEL (see 'edgenn help eval')");
  if (!c_data) return cli_usage_error("'edgenn eval' needs --data SPEC (e.g. cifar10:DIR; see 'edgenn help eval')");
  const char *spec = pos[0];

  enn_graph *g = NULL;
  enn_session *s = NULL;
  enn_dataset *ds = NULL;
  uint8_t *sbuf = NULL;
  double *scores = NULL;
  class_stat *cls = NULL;
  size_t sbuf_cap = 0;
  enn_preprocess pp;
  char sh[160];
  if ((rc = cli_load_model(spec, &g))) goto done;
  if ((rc = cli_pp_resolve(&ppf, g, &pp))) goto done;
  enn_clear_error();
  enn_status st = enn_dataset_open(v_data[0], ENN_SPLIT_TEST, NULL, &ds);
  if (st) {
    rc = cli_lib_error(st, "--data %s", v_data[0]);
    goto done;
  }
  if ((rc = cli_session(g, spec, threads, false, &s))) goto done;
  if (enn_session_num_inputs(s) != 1) {
    rc = cli_error("'%s' has %d inputs; eval feeds models with exactly one", spec, enn_session_num_inputs(s));
    goto done;
  }
  if (enn_session_num_outputs(s) < 1) {
    rc = cli_error("'%s' has no outputs", spec);
    goto done;
  }
  enn_tensor_desc in_d, out_d, one;
  const char *in_name = NULL, *out_name = NULL;
  enn_session_input_desc(s, 0, &in_d, &in_name);
  enn_session_output_desc(s, 0, &out_d, &out_name);
  int64_t batch = in_d.rank == 4 && in_d.dims[0] > 1 ? in_d.dims[0] : 1;
  one = in_d;
  if (batch > 1) one.dims[0] = 1;
  const size_t slot = enn_tensor_desc_bytes(&one);
  const int64_t out_n = enn_tensor_desc_numel(&out_d);
  if (out_n <= 0 || out_n % batch != 0) {
    rc = cli_error("output '%s' %s cannot hold one score vector per sample of a batch of %lld", out_name ? out_name : "",
                   cli_shape_str(&out_d, sh, sizeof sh), (long long)batch);
    goto done;
  }
  const int64_t n_cls_model = out_n / batch;
  int64_t n = enn_dataset_count(ds);
  if (limit && limit < n) n = limit;
  int32_t n_cls_data = enn_dataset_num_classes(ds);
  for (int64_t i = 0; i < n; i++) {
    int32_t l = enn_dataset_label(ds, i);
    if (l + 1 > n_cls_data) n_cls_data = l + 1;
  }
  if (n_cls_data > n_cls_model)
    fprintf(stderr, "edgenn: warning: the dataset has %d classes but the model scores only %lld; samples of the "
                    "others count as misses\n", n_cls_data, (long long)n_cls_model);
  scores = malloc((size_t)n_cls_model * sizeof *scores);
  cls = calloc((size_t)n_cls_data, sizeof *cls);
  int64_t *labels = malloc((size_t)batch * sizeof *labels);
  if (!scores || !cls || !labels) {
    free(labels);
    rc = cli_error("out of memory");
    goto done;
  }
  uint8_t *in_buf = enn_session_input_buffer(s, 0);
  const bool tty = !json && isatty(2);
  int64_t top1 = 0, top5 = 0, runs = 0;
  double run_s = 0, t_start = cli_now(), t_prog = 0;
  for (int64_t i = 0; i < n && !rc; i += batch) {
    for (int64_t j = 0; j < batch; j++) {
      int64_t idx = i + j < n ? i + j : n - 1;
      enn_sample_info info;
      enn_clear_error();
      if ((st = enn_dataset_info(ds, idx, &info))) {
        rc = cli_lib_error(st, "sample %lld", (long long)idx);
        break;
      }
      size_t need = (size_t)info.h * (size_t)info.w * (size_t)info.c;
      if (need > sbuf_cap) {
        free(sbuf);
        sbuf = malloc(need);
        sbuf_cap = sbuf ? need : 0;
        if (!sbuf) {
          rc = cli_error("out of memory");
          break;
        }
      }
      if ((st = enn_dataset_read(ds, idx, ENN_DTYPE_INVALID, sbuf, sbuf_cap, &info)) ||
          (st = enn_preprocess_apply(&pp, &info, sbuf, &one, in_buf + (size_t)j * slot, NULL))) {
        rc = cli_lib_error(st, "sample %lld of %s", (long long)idx, v_data[0]);
        break;
      }
      labels[j] = info.label;
    }
    if (rc) break;
    double t0 = cli_now();
    enn_clear_error();
    st = enn_session_run(s);
    run_s += cli_now() - t0;
    runs++;
    if (st) {
      rc = cli_lib_error(st, "'%s': run failed", spec);
      break;
    }
    const void *out = enn_session_output_buffer(s, 0);
    for (int64_t j = 0; j < batch && i + j < n; j++) {
      for (int64_t k = 0; k < n_cls_model; k++) scores[k] = out_score(&out_d, out, j * n_cls_model + k);
      int64_t l = labels[j];
      int64_t r = l >= 0 && l < n_cls_model ? label_rank(scores, n_cls_model, l) : n_cls_model;
      top1 += r == 0;
      top5 += r < 5;
      if (l >= 0 && l < n_cls_data) {
        cls[l].n++;
        cls[l].top1 += r == 0;
      }
    }
    if (tty && cli_now() - t_prog > 0.1) {
      t_prog = cli_now();
      int64_t done_n = i + batch < n ? i + batch : n;
      progress(done_n, n, top1, false);
    }
  }
  free(labels);
  if (tty) progress(n, n, top1, true);
  if (rc) goto done;
  const double wall = cli_now() - t_start;
  const double f1 = (double)top1 / (double)n, f5 = (double)top5 / (double)n;
  const double lat_ms = runs ? 1e3 * run_s / (double)runs : 0;
  if (json) {
    printf("{\"model\": ");
    cli_json_str(stdout, spec);
    printf(", \"data\": ");
    cli_json_str(stdout, v_data[0]);
    printf(", \"kind\": ");
    cli_json_str(stdout, enn_dataset_kind(ds));
    printf(", \"split\": \"%s\", \"samples\": %lld, \"classes\": %lld, \"batch\": %lld",
           enn_dataset_split(ds) == ENN_SPLIT_TRAIN ? "train" : "test", (long long)n, (long long)n_cls_model,
           (long long)batch);
    printf(", \"top1\": ");
    cli_json_num(stdout, f1);
    printf(", \"top5\": ");
    cli_json_num(stdout, f5);
    printf(", \"correct_top1\": %lld, \"correct_top5\": %lld, \"latency_ms_mean\": ", (long long)top1, (long long)top5);
    cli_json_num(stdout, lat_ms);
    printf(", \"runs\": %lld, \"wall_s\": ", (long long)runs);
    cli_json_num(stdout, wall);
    printf(", \"per_class\": [");
    bool first = true;
    for (int32_t k = 0; k < n_cls_data; k++) {
      if (!cls[k].n) continue;
      const char *nm = enn_dataset_class_name(ds, k);
      printf("%s{\"class\": %d, \"name\": ", first ? "" : ", ", k);
      cli_json_str(stdout, nm ? nm : "");
      printf(", \"samples\": %lld, \"top1\": ", (long long)cls[k].n);
      cli_json_num(stdout, (double)cls[k].top1 / (double)cls[k].n);
      printf("}");
      first = false;
    }
    printf("]}\n");
  } else {
    printf("model     %s\n", spec);
    printf("data      %s (%s, %s split, %lld of %lld samples, %d classes)\n", v_data[0], enn_dataset_dir(ds),
           enn_dataset_split(ds) == ENN_SPLIT_TRAIN ? "train" : "test", (long long)n,
           (long long)enn_dataset_count(ds), enn_dataset_num_classes(ds));
    printf("input     '%s' %s %s%s\n", in_name ? in_name : "", enn_dtype_name(in_d.dtype),
           cli_shape_str(&in_d, sh, sizeof sh), batch > 1 ? " (batched)" : "");
    printf("top-1     %.4f  (%lld/%lld)\n", f1, (long long)top1, (long long)n);
    printf("top-5     %.4f  (%lld/%lld)\n", f5, (long long)top5, (long long)n);
    printf("latency   %.3f ms per run (mean of %lld), %.1f samples/s overall\n", lat_ms, (long long)runs,
           wall > 0 ? (double)n / wall : 0.0);
    if (per_class) {
      printf("per class (top-1):\n");
      for (int32_t k = 0; k < n_cls_data; k++) {
        if (!cls[k].n) continue;
        const char *nm = enn_dataset_class_name(ds, k);
        printf("  %4d %-20s %6lld samples  %.4f\n", k, nm ? nm : "", (long long)cls[k].n,
               (double)cls[k].top1 / (double)cls[k].n);
      }
    }
  }
  rc = CLI_EXIT_OK;
done:
  free(sbuf);
  free(scores);
  free(cls);
  enn_dataset_close(ds);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return rc;
}
