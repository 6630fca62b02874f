/*
 * `edgenn run MODEL --input FILE...`: one inference on .npy inputs. Inputs
 * are matched to the model's inputs in order and must agree exactly in
 * dtype and shape. Outputs are written as .npy (atomically), ranked
 * (--top K over the last axis of output 0, optionally with class names),
 * or summarised (min / max / mean / argmax and the first values).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "edgenn/import.h"

const char cmd_run_help[] =
    "usage: edgenn run MODEL --input FILE [--input FILE ...] [--output FILE]\n"
    "                        [--top K] [--labels FILE] [--threads N]\n\n"
    "Runs the model once on .npy inputs (one --input per model input, in order;\n"
    "each must have exactly the input's dtype and shape).\n\n"
    "options:\n"
    "  -i, --input FILE   a .npy or ONNX TensorProto .pb input (repeat for several\n"
    "                     inputs), or an image\n"
    "                     (.png/.jpg/.jpeg/.bmp: decoded, resized to the input's\n"
    "                     H x W and converted to its dtype; see below)\n"
    "  -o, --output FILE  write output 0 there as .npy; a model with several\n"
    "                     outputs writes FILE with _0, _1, ... before .npy\n"
    "  --top K            print the K best classes of output 0 (per row of its\n"
    "                     last axis)\n"
    "  --labels FILE      class names for --top, one per line\n"
    "  --threads N        worker threads (1..1024, default 1)\n"
    "  -h, --help\n\n"
    "Without --output and --top, prints a short summary of every output.\n\n" CLI_PP_HELP;

#define MAX_INPUTS 64

/* ---------------------------------------------------------------- labels */
typedef struct labels {
  char **v;
  int64_t n, cap;
} labels;

static void labels_free(labels *l) {
  for (int64_t i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

static int labels_read(const char *path, labels *l) {
  FILE *f = fopen(path, "r");
  if (!f) return cli_error("cannot open labels '%s': %s", path, strerror(errno));
  char line[4096];
  int rc = 0;
  while (fgets(line, sizeof line, f)) {
    size_t n = strlen(line);
    if (n == sizeof line - 1 && line[n - 1] != '\n') {
      rc = cli_error("labels '%s': line %lld is longer than %zu bytes", path, (long long)l->n + 1, sizeof line - 2);
      break;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    if (l->n == l->cap) {
      int64_t nc = l->cap ? l->cap * 2 : 64;
      char **nv = realloc(l->v, (size_t)nc * sizeof *nv);
      if (!nv) {
        rc = cli_error("out of memory reading labels");
        break;
      }
      l->v = nv;
      l->cap = nc;
    }
    l->v[l->n] = strdup(line);
    if (!l->v[l->n]) {
      rc = cli_error("out of memory reading labels");
      break;
    }
    l->n++;
  }
  if (!rc && ferror(f)) rc = cli_error("cannot read labels '%s'", path);
  fclose(f);
  if (rc) labels_free(l);
  return rc;
}

/* ------------------------------------------------------------------ top-K */
typedef struct scored {
  double v;
  int64_t k;
} scored;

static int cmp_scored(const void *a, const void *b) {
  const scored *x = a, *y = b;
  bool xn = isnan(x->v), yn = isnan(y->v);
  if (xn != yn) return xn ? 1 : -1; /* NaN last */
  if (!xn && x->v != y->v) return x->v > y->v ? -1 : 1;
  return x->k < y->k ? -1 : x->k > y->k;
}

static int print_top(const enn_tensor_desc *d, const char *name, const void *data, int k, const labels *lab) {
  int64_t numel = enn_tensor_desc_numel(d);
  int64_t c = d->rank > 0 ? d->dims[d->rank - 1] : 1;
  char sh[160];
  if (numel <= 0 || c <= 0) return cli_error("--top: output '%s' is empty", name);
  if (k > c)
    return cli_error("--top %d: output '%s' (%s) has only %lld classes on its last axis", k, name,
                     cli_shape_str(d, sh, sizeof sh), (long long)c);
  int64_t rows = numel / c;
  scored *s = malloc((size_t)c * sizeof *s);
  if (!s) return cli_error("out of memory");
  printf("top %d of output '%s' %s %s%s:\n", k, name, enn_dtype_name(d->dtype), cli_shape_str(d, sh, sizeof sh),
         d->quant.count ? " (raw quantised values)" : "");
  for (int64_t r = 0; r < rows; r++) {
    if (rows > 1) printf("row %lld:\n", (long long)r);
    for (int64_t j = 0; j < c; j++) {
      s[j].v = cli_elem(data, d->dtype, r * c + j);
      s[j].k = j;
    }
    qsort(s, (size_t)c, sizeof *s, cmp_scored);
    printf("  %4s %8s %14s%s\n", "rank", "class", "score", lab ? "  label" : "");
    for (int i = 0; i < k; i++) {
      printf("  %4d %8lld %14.6g", i + 1, (long long)s[i].k, s[i].v);
      if (lab) printf("  %s", s[i].k < lab->n ? lab->v[s[i].k] : "?");
      printf("\n");
    }
  }
  free(s);
  return 0;
}

static void print_summary(int32_t i, const enn_tensor_desc *d, const char *name, const void *data) {
  char sh[160];
  int64_t n = enn_tensor_desc_numel(d);
  printf("output %d '%s' %s %s", i, name ? name : "", enn_dtype_name(d->dtype), cli_shape_str(d, sh, sizeof sh));
  if (n <= 0) {
    printf(": empty\n");
    return;
  }
  double mn = INFINITY, mx = -INFINITY, sum = 0;
  int64_t arg = 0, nan = 0;
  for (int64_t j = 0; j < n; j++) {
    double v = cli_elem(data, d->dtype, j);
    if (isnan(v)) {
      nan++;
      continue;
    }
    if (v < mn) mn = v;
    if (v > mx) {
      mx = v;
      arg = j;
    }
    sum += v;
  }
  if (nan == n) printf(": all %lld values are NaN\n", (long long)n);
  else {
    printf(": min %.6g max %.6g mean %.6g argmax %lld", mn, mx, sum / (double)(n - nan), (long long)arg);
    if (nan) printf(" (%lld NaN)", (long long)nan);
    printf("\n  values:");
    for (int64_t j = 0; j < n && j < 8; j++) printf(" %.6g", cli_elem(data, d->dtype, j));
    printf("%s\n", n > 8 ? " ..." : "");
  }
}

/* OUT for output k of n: OUT itself when n == 1, else OUT with "_k" before a
 * .npy extension (or appended). */
static void output_path(const char *out, int32_t k, int32_t n, char *buf, size_t cap) {
  if (n == 1) {
    snprintf(buf, cap, "%s", out);
    return;
  }
  size_t l = strlen(out);
  if (l > 4 && strcmp(out + l - 4, ".npy") == 0) snprintf(buf, cap, "%.*s_%d.npy", (int)(l - 4), out, k);
  else snprintf(buf, cap, "%s_%d", out, k);
}

int cmd_run(int argc, char **argv) {
  const char *v_in[MAX_INPUTS], *v_out[1], *v_top[1], *v_labels[1], *v_threads[1];
  int c_in = 0, c_out = 0, c_top = 0, c_labels = 0, c_threads = 0;
  cli_pp_flags ppf;
  memset(&ppf, 0, sizeof ppf);
  const cli_opt opts[] = {
      {"--input", "-i", true, NULL, v_in, MAX_INPUTS, &c_in},
      {"--output", "-o", true, NULL, v_out, 1, &c_out},
      {"--top", NULL, true, NULL, v_top, 1, &c_top},
      {"--labels", NULL, true, NULL, v_labels, 1, &c_labels},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      CLI_PP_OPTS(ppf),
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "run", opts, (int)(sizeof opts / sizeof opts[0]), pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_run_help);
    return CLI_EXIT_OK;
  }
  int top = 0, threads = 1;
  if (c_top && (rc = cli_parse_int(v_top[0], "--top", 1, 1000000, &top))) return rc;
  if (c_threads && (rc = cli_parse_int(v_threads[0], "--threads", 1, 1024, &threads))) return rc;
  if (n_pos != 1) return cli_usage_error("'edgenn run' needs a MODEL (see 'edgenn help run')");
  if (c_labels && !c_top) return cli_usage_error("--labels is only used with --top K");
  if (c_out && !*v_out[0]) return cli_usage_error("--output needs a file name");
  const char *spec = pos[0];

  labels lab = {0};
  enn_graph *g = NULL;
  enn_session *s = NULL;
  char sh1[160], sh2[160];
  if (c_labels && (rc = labels_read(v_labels[0], &lab))) return rc;
  if ((rc = cli_load_model(spec, &g))) goto done;
  if ((rc = cli_session(g, spec, threads, false, &s))) goto done;
  const int32_t n_in = enn_session_num_inputs(s), n_out = enn_session_num_outputs(s);
  if (c_in == 0 || c_in != n_in) {
    enn_tensor_desc d;
    const char *name = NULL;
    if (n_in > 0) enn_session_input_desc(s, 0, &d, &name);
    if (c_in == 0)
      rc = cli_usage_error("missing --input FILE: '%s' has %d input%s (the first is '%s' %s %s)", spec, n_in,
                           n_in == 1 ? "" : "s", name ? name : "", n_in > 0 ? enn_dtype_name(d.dtype) : "",
                           n_in > 0 ? cli_shape_str(&d, sh1, sizeof sh1) : "");
    else
      rc = cli_usage_error("'%s' has %d input%s but %d --input file%s given", spec, n_in, n_in == 1 ? "" : "s",
                           c_in, c_in == 1 ? " was" : "s were");
    goto done;
  }
  for (int32_t i = 0; i < n_in; i++) {
    enn_tensor_desc want, got;
    const char *name = NULL;
    enn_session_input_desc(s, i, &want, &name);
    if (enn_image_is_image_path(v_in[i])) { /* image: decode + preprocess (cmd_eval.c) */
      enn_preprocess pp;
      if ((rc = cli_pp_resolve(&ppf, g, &pp)) || (rc = cli_image_input(v_in[i], &pp, s, i))) goto done;
      continue;
    }
    void *data = NULL;
    enn_clear_error();
    enn_status st = enn_tensor_file_read(v_in[i], NULL, &got, &data); /* .npy, or .pb (TensorProto) */
    if (st) {
      rc = cli_lib_error(st, "input '%s'", name ? name : "");
      goto done;
    }
    if (got.dtype != want.dtype || !cli_same_shape(&got, &want)) {
      rc = cli_error("input '%s': '%s' is %s %s but the model expects %s %s", name ? name : "", v_in[i],
                     enn_dtype_name(got.dtype), cli_shape_str(&got, sh1, sizeof sh1), enn_dtype_name(want.dtype),
                     cli_shape_str(&want, sh2, sizeof sh2));
      enn_npy_free(NULL, data);
      goto done;
    }
    size_t bytes = enn_tensor_desc_bytes(&want);
    void *dst = enn_session_input_buffer(s, i);
    if (bytes && dst) memcpy(dst, data, bytes);
    enn_npy_free(NULL, data);
  }
  enn_clear_error();
  enn_status st = enn_session_run(s);
  if (st) {
    rc = cli_lib_error(st, "'%s': run failed", spec);
    goto done;
  }
  if (c_out) {
    for (int32_t k = 0; k < n_out; k++) {
      enn_tensor_desc d;
      const char *name = NULL;
      enn_session_output_desc(s, k, &d, &name);
      char path[4096];
      output_path(v_out[0], k, n_out, path, sizeof path);
      enn_clear_error();
      if ((st = enn_npy_write(path, &d, enn_session_output_buffer(s, k)))) {
        rc = cli_lib_error(st, "output '%s'", name ? name : "");
        goto done;
      }
      printf("wrote %s (output '%s' %s %s)\n", path, name ? name : "", enn_dtype_name(d.dtype),
             cli_shape_str(&d, sh1, sizeof sh1));
    }
  }
  if (top) {
    enn_tensor_desc d;
    const char *name = NULL;
    if (n_out < 1) {
      rc = cli_error("'%s' has no outputs", spec);
      goto done;
    }
    enn_session_output_desc(s, 0, &d, &name);
    if ((rc = print_top(&d, name ? name : "", enn_session_output_buffer(s, 0), top, c_labels ? &lab : NULL))) goto done;
  }
  if (!c_out && !top) {
    for (int32_t k = 0; k < n_out; k++) {
      enn_tensor_desc d;
      const char *name = NULL;
      enn_session_output_desc(s, k, &d, &name);
      print_summary(k, &d, name, enn_session_output_buffer(s, k));
    }
  }
  rc = CLI_EXIT_OK;
done:
  labels_free(&lab);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return rc;
}
