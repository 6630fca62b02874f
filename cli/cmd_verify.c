/*
 * `edgenn verify CASE...`: runs test cases in the ONNX backend-test layout
 * and compares edgenn's outputs with the stored reference outputs.
 *
 * A case is
 *   - a directory holding model.onnx and test_data_set_N/ folders with
 *     input_K.pb / output_K.pb (serialized TensorProtos), or
 *   - a file NAME.onnx beside NAME_output_K.pb files (the ONNX "light"
 *     model tests): the inputs are generated as the ONNX test runner does,
 *     arange(n).reshape(shape) / n in float32.
 * (also: a directory with one .onnx file beside test_data_set_0/, the
 * ONNX model zoo layout). A directory holding none of these is searched
 * for cases, up to 3 levels down.
 * A model refused only because an operator needs one of its inputs as a
 * constant is re-imported with the data set's inputs bound
 * (enn_onnx_load_bound), and the case says which inputs were bound.
 *
 * Each case is imported (an ENN_ERR_UNSUPPORTED import is "unsupported",
 * with the importer's reason), run on every data set, and each output is
 * compared elementwise: |actual - expected| <= atol + rtol * |expected|
 * (numpy.testing.assert_allclose, NaN equal to NaN); shapes and element
 * types must agree exactly. Anything else that goes wrong (a missing or
 * malformed file, a wrong shape, a failed run) makes the case "failed";
 * nothing stops the run.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "edgenn/import.h"

const char cmd_verify_help[] =
    "usage: edgenn verify CASE... [--rtol R] [--atol A] [--json] [--quiet]\n\n"
    "Runs ONNX test cases and compares edgenn's outputs with the references.\n"
    "CASE is a directory with model.onnx (or a single .onnx file, as in the\n"
    "ONNX model zoo) and test_data_set_N/{input,output}_K.pb (the ONNX\n"
    "backend-test layout), a NAME.onnx file with NAME_output_K.pb beside it\n"
    "(inputs generated as arange(n)/n, like the ONNX test runner), or a\n"
    "directory of such cases (searched 3 levels deep). Each case is reported\n"
    "as pass, fail (with the largest absolute error, or what went wrong) or\n"
    "unsupported (with the importer's reason). A model that needs one of its\n"
    "inputs as a constant (a Reshape shape, Resize scales, ...) is retried\n"
    "with the data set's input values bound as constants, and says so.\n\n"
    "An element passes when |actual - expected| <= atol + rtol * |expected|\n"
    "(NaN matches NaN); shapes and element types must match exactly.\n\n"
    "options:\n"
    "  --rtol R   relative tolerance (default 1e-3)\n"
    "  --atol A   absolute tolerance (default 1e-7); both defaults are the ONNX\n"
    "             backend test runner's (numpy.testing.assert_allclose)\n"
    "  --json     one JSON document: passed, failed, unsupported, total, rtol,\n"
    "             atol and cases (a list of {name, path, status, max_abs_err,\n"
    "             message})\n"
    "  --quiet    text mode: print only failures and the totals\n"
    "  -h, --help\n\n"
    "Exit status: 0 when no case failed (unsupported cases do not fail the\n"
    "run), 1 when at least one did, 2 for a bad command line.\n";

#define MAX_SETS 64
#define MAX_IO 64

typedef enum { CASE_PASS, CASE_FAIL, CASE_UNSUPPORTED } case_status;

typedef struct case_result {
  char *name, *path;
  case_status status;
  double max_abs_err; /* NAN when nothing was compared */
  char msg[1024];
} case_result;

typedef struct verify_opts {
  double rtol, atol;
} verify_opts;

static void set_msg(case_result *r, const char *fmt, ...) CLI_PRINTF(2, 3);
static void set_msg(case_result *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->msg, sizeof r->msg, fmt, ap);
  va_end(ap);
  for (char *p = r->msg; *p; p++)
    if (*p == '\n' || *p == '\r') *p = ' ';
}

static bool is_dir(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *p) {
  struct stat sb;
  return stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
}

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcmp(s + n - m, suf) == 0;
}

/* ------------------------------------------------------------ comparison */
/* Compares output k (session buffer) with the reference file's tensor. */
static bool compare_output(const enn_tensor_desc *got, const void *gdata, const enn_tensor_desc *want,
                           const void *wdata, const verify_opts *o, double *max_err, char *why, size_t cap) {
  char a[160], b[160];
  if (!cli_same_shape(got, want)) {
    snprintf(why, cap, "shape %s, expected %s", cli_shape_str(got, a, sizeof a), cli_shape_str(want, b, sizeof b));
    return false;
  }
  if (got->dtype != want->dtype) {
    snprintf(why, cap, "element type %s, expected %s", enn_dtype_name(got->dtype), enn_dtype_name(want->dtype));
    return false;
  }
  const int64_t n = enn_tensor_desc_numel(got);
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < n; i++) {
    const double x = cli_elem(gdata, got->dtype, i), e = cli_elem(wdata, want->dtype, i);
    bool ok;
    if (isnan(x) || isnan(e)) {
      ok = isnan(x) && isnan(e);
      if (!ok) *max_err = INFINITY;
    } else if (isinf(x) || isinf(e)) {
      ok = x == e;
      if (!ok) *max_err = INFINITY;
    } else {
      const double d = fabs(x - e);
      if (d > *max_err) *max_err = d;
      ok = d <= o->atol + o->rtol * fabs(e);
    }
    if (!ok && bad++ == 0) first_bad = i;
  }
  if (bad) {
    snprintf(why, cap, "%lld of %lld elements differ (first at %lld: %.9g, expected %.9g)", (long long)bad,
             (long long)n, (long long)first_bad, cli_elem(gdata, got->dtype, first_bad),
             cli_elem(wdata, want->dtype, first_bad));
    return false;
  }
  return true;
}

/* ------------------------------------------------------------- one case */
typedef struct case_files {
  char *model;
  int n_sets;
  char *set_dir[MAX_SETS]; /* NULL for generated inputs */
  char *light_prefix;      /* NAME for NAME_output_K.pb */
} case_files;

static void files_free(case_files *f) {
  free(f->model);
  free(f->light_prefix);
  for (int i = 0; i < f->n_sets; i++) free(f->set_dir[i]);
  memset(f, 0, sizeof *f);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The model of case directory dir: dir/model.onnx, or the one .onnx file
 * beside test_data_set_0/ (the ONNX model zoo layout). NULL if neither. */
static char *case_model(const char *dir) {
  char p[4096];
  snprintf(p, sizeof p, "%s/model.onnx", dir);
  if (is_file(p)) return strdup(p);
  snprintf(p, sizeof p, "%s/test_data_set_0", dir);
  if (!is_dir(p)) return NULL;
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char *found = NULL;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!ends_with(e->d_name, ".onnx")) continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    if (!is_file(p) || n++) continue;
    found = strdup(p);
  }
  closedir(d);
  if (n != 1) {
    free(found);
    return NULL;
  }
  return found;
}

/* Collects the test_data_set_* folders of case directory dir, sorted. */
static int collect_sets(const char *dir, case_files *f, case_result *r) {
  DIR *d = opendir(dir);
  if (!d) {
    set_msg(r, "cannot list '%s': %s", dir, strerror(errno));
    return -1;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, "test_data_set_", 14) != 0) continue;
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    if (!is_dir(p)) continue;
    if (f->n_sets == MAX_SETS) break;
    f->set_dir[f->n_sets] = strdup(p);
    if (f->set_dir[f->n_sets]) f->n_sets++;
  }
  closedir(d);
  qsort(f->set_dir, (size_t)f->n_sets, sizeof f->set_dir[0], cmp_str);
  if (f->n_sets == 0) {
    set_msg(r, "no test_data_set_* folder in '%s'", dir);
    return -1;
  }
  return 0;
}

/* Fills input i with arange(n)/n (f32), the ONNX runner's dummy data. */
static bool generate_input(void *dst, const enn_tensor_desc *d) {
  if (d->dtype != ENN_DTYPE_F32) return false;
  const int64_t n = enn_tensor_desc_numel(d);
  float *x = dst;
  for (int64_t i = 0; i < n; i++) x[i] = (float)((double)i / (double)n);
  return true;
}

/* Imports data set `dir`'s model with every input file bound (the model
 * needs some input as a constant: a Reshape shape, Resize scales, ...). */
static enn_status load_bound(const char *model, const char *dir, enn_graph **g) {
  enn_onnx_binding b[MAX_IO];
  enn_tensor_desc d[MAX_IO];
  void *data[MAX_IO];
  const char *names[MAX_IO];
  int n = 0;
  enn_status st = ENN_OK;
  for (; n < MAX_IO; n++) {
    char p[4096];
    snprintf(p, sizeof p, "%s/input_%d.pb", dir, n);
    if (!is_file(p)) break;
    if (enn_tensor_pb_read(p, NULL, &d[n], &data[n], &names[n]) != ENN_OK) {
      st = ENN_ERR_NOT_FOUND; /* e.g. a sequence or strings: nothing to bind */
      break;
    }
    b[n].name = names[n];
    b[n].desc = &d[n];
    b[n].data = data[n];
  }
  if (!st) st = enn_onnx_load_bound(model, b, n, NULL, g);
  for (int i = 0; i < n; i++) enn_tensor_pb_free(NULL, data[i]);
  return st;
}

static void run_case(const case_files *f, const verify_opts *o, case_result *r) {
  enn_graph *g = NULL;
  enn_session *s = NULL;
  r->max_abs_err = NAN;
  enn_clear_error();
  enn_status st = enn_onnx_load(f->model, NULL, &g);
  const char *bound = NULL;
  if (st == ENN_ERR_UNSUPPORTED && f->n_sets == 1 && f->set_dir[0]) {
    /* retry with the data set's inputs as candidate constants */
    char first[1024];
    snprintf(first, sizeof first, "%s", enn_last_error());
    enn_clear_error();
    st = load_bound(f->model, f->set_dir[0], &g);
    if (st == ENN_OK) bound = enn_graph_get_meta(g, "onnx.bound_inputs");
    if ((st == ENN_OK && !bound) || st == ENN_ERR_NOT_FOUND) {
      /* binding changed nothing: the first reason stands */
      if (st == ENN_OK) enn_graph_destroy(g);
      r->status = CASE_UNSUPPORTED;
      set_msg(r, "%s", first);
      return;
    }
    /* an unsupported result now names what remains with the inputs bound */
  }
  if (st) {
    r->status = st == ENN_ERR_UNSUPPORTED ? CASE_UNSUPPORTED : CASE_FAIL;
    set_msg(r, "%s", enn_last_error()[0] ? enn_last_error() : enn_status_name(st));
    return;
  }
  enn_session_options so;
  enn_session_options_init(&so);
  enn_clear_error();
  if ((st = enn_session_create(g, &so, &s))) {
    r->status = CASE_FAIL;
    set_msg(r, "session: %s", enn_last_error());
    enn_graph_destroy(g);
    return;
  }
  const int32_t n_in = enn_session_num_inputs(s), n_out = enn_session_num_outputs(s);
  r->status = CASE_PASS;
  for (int set = 0; set < f->n_sets && r->status == CASE_PASS; set++) {
    const char *dir = f->set_dir[set];
    /* inputs */
    for (int32_t i = 0; i < n_in && r->status == CASE_PASS; i++) {
      enn_tensor_desc want;
      const char *iname = NULL;
      enn_session_input_desc(s, i, &want, &iname);
      void *dst = enn_session_input_buffer(s, i);
      if (!dir) {
        if (!generate_input(dst, &want)) {
          r->status = CASE_FAIL;
          set_msg(r, "cannot generate input '%s' of type %s", iname ? iname : "", enn_dtype_name(want.dtype));
        }
        continue;
      }
      char p[4096];
      snprintf(p, sizeof p, "%s/input_%d.pb", dir, i);
      enn_tensor_desc got;
      void *data = NULL;
      enn_clear_error();
      if ((st = enn_tensor_pb_read(p, NULL, &got, &data, NULL))) {
        r->status = CASE_FAIL;
        set_msg(r, "input %d: %s", i, enn_last_error());
        break;
      }
      char a[160], b[160];
      if (got.dtype != want.dtype || !cli_same_shape(&got, &want)) {
        r->status = CASE_FAIL;
        set_msg(r, "input %d ('%s'): file is %s %s, the model takes %s %s", i, iname ? iname : "",
                enn_dtype_name(got.dtype), cli_shape_str(&got, a, sizeof a), enn_dtype_name(want.dtype),
                cli_shape_str(&want, b, sizeof b));
      } else {
        const size_t bytes = enn_tensor_desc_bytes(&want);
        if (bytes && dst) memcpy(dst, data, bytes);
      }
      enn_tensor_pb_free(NULL, data);
    }
    if (r->status != CASE_PASS) break;
    if (dir) {
      char p[4096];
      snprintf(p, sizeof p, "%s/input_%d.pb", dir, n_in);
      if (is_file(p)) {
        r->status = CASE_FAIL;
        set_msg(r, "the data set has more inputs than the model's %d", n_in);
        break;
      }
    }
    enn_clear_error();
    if ((st = enn_session_run(s))) {
      r->status = CASE_FAIL;
      set_msg(r, "run: %s", enn_last_error());
      break;
    }
    /* outputs */
    for (int32_t k = 0; k < n_out; k++) {
      char p[4096];
      if (dir) snprintf(p, sizeof p, "%s/output_%d.pb", dir, k);
      else snprintf(p, sizeof p, "%s_output_%d.pb", f->light_prefix, k);
      enn_tensor_desc want, got;
      const char *oname = NULL;
      void *data = NULL;
      enn_clear_error();
      if ((st = enn_tensor_pb_read(p, NULL, &want, &data, NULL))) {
        r->status = CASE_FAIL;
        set_msg(r, "output %d: %s", k, enn_last_error());
        break;
      }
      enn_session_output_desc(s, k, &got, &oname);
      char why[512];
      double err = isnan(r->max_abs_err) ? 0.0 : r->max_abs_err;
      const bool ok = compare_output(&got, enn_session_output_buffer(s, k), &want, data, o, &err, why, sizeof why);
      r->max_abs_err = err;
      enn_tensor_pb_free(NULL, data);
      if (!ok) {
        r->status = CASE_FAIL;
        set_msg(r, "data set %d, output %d ('%s'): %s", set, k, oname ? oname : "", why);
        break;
      }
    }
  }
  if (r->status == CASE_PASS && bound) set_msg(r, "inputs bound as constants: %s", bound);
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

/* ----------------------------------------------------------- case lists */
typedef struct case_list {
  case_result *v;
  int n, cap;
} case_list;

static case_result *push_case(case_list *l, const char *name, const char *path) {
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 256;
    case_result *nv = realloc(l->v, (size_t)nc * sizeof *nv);
    if (!nv) return NULL;
    l->v = nv;
    l->cap = nc;
  }
  case_result *r = &l->v[l->n];
  memset(r, 0, sizeof *r);
  r->name = strdup(name);
  r->path = strdup(path);
  r->max_abs_err = NAN;
  if (!r->name || !r->path) {
    free(r->name);
    free(r->path);
    return NULL;
  }
  l->n++;
  return r;
}

static const char *base_name(const char *p, char *buf, size_t cap) {
  size_t n = strlen(p);
  while (n > 1 && p[n - 1] == '/') n--;
  size_t b = n;
  while (b > 0 && p[b - 1] != '/') b--;
  snprintf(buf, cap, "%.*s", (int)(n - b), p + b);
  return buf;
}

/* Expands argument `arg` into one or more cases: a case directory or
 * .onnx file is one case; another directory is searched (up to 3 levels)
 * and each sub-folder that holds no case at all counts as a (failed) case. */
static int expand_arg(const char *arg, case_list *l, int depth) {
  char name[1024], p[4096];
  if (is_file(arg) && ends_with(arg, ".onnx")) {
    base_name(arg, name, sizeof name);
    name[strlen(name) - 5] = '\0';
    return push_case(l, name, arg) ? 0 : -1;
  }
  char *cm = is_dir(arg) ? case_model(arg) : NULL;
  const bool is_case = cm != NULL;
  free(cm);
  DIR *d = !is_case && is_dir(arg) && depth < 3 ? opendir(arg) : NULL;
  if (!d) /* a case (or something that should have been one: it will fail) */
    return push_case(l, base_name(arg, name, sizeof name), arg) ? 0 : -1;
  char **kids = NULL;
  int nk = 0, ck = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, "test_data_set", 13) == 0) continue;
    snprintf(p, sizeof p, "%s/%s", arg, e->d_name);
    if (!(is_file(p) && ends_with(p, ".onnx")) && !is_dir(p)) continue;
    if (nk == ck) {
      ck = ck ? ck * 2 : 64;
      char **nv = realloc(kids, (size_t)ck * sizeof *nv);
      if (!nv) break;
      kids = nv;
    }
    kids[nk] = strdup(p);
    if (kids[nk]) nk++;
  }
  closedir(d);
  if (nk > 1) qsort(kids, (size_t)nk, sizeof *kids, cmp_str);
  int rc = 0;
  if (nk == 0) rc = push_case(l, base_name(arg, name, sizeof name), arg) ? 0 : -1;
  for (int i = 0; i < nk; i++) {
    if (!rc) rc = expand_arg(kids[i], l, depth + 1);
    free(kids[i]);
  }
  free(kids);
  return rc;
}

static void prepare_files(const case_result *r, case_files *f, case_result *out) {
  memset(f, 0, sizeof *f);
  char p[4096];
  if (ends_with(r->path, ".onnx") && is_file(r->path)) {
    f->model = strdup(r->path);
    f->light_prefix = strndup(r->path, strlen(r->path) - 5);
    f->n_sets = 1;
    f->set_dir[0] = NULL;
    snprintf(p, sizeof p, "%s_output_0.pb", f->light_prefix ? f->light_prefix : "");
    if (!is_file(p)) {
      out->status = CASE_FAIL;
      set_msg(out, "no reference output '%s'", p);
    }
    return;
  }
  if (!is_dir(r->path)) {
    out->status = CASE_FAIL;
    set_msg(out, "'%s' is not a directory or .onnx file", r->path);
    return;
  }
  f->model = case_model(r->path);
  if (!f->model) {
    out->status = CASE_FAIL;
    set_msg(out, "no model.onnx (or single .onnx beside test_data_set_0/) in '%s'", r->path);
    return;
  }
  if (collect_sets(r->path, f, out)) out->status = CASE_FAIL;
}

static const char *status_word(case_status s) {
  return s == CASE_PASS ? "pass" : (s == CASE_FAIL ? "fail" : "unsupported");
}

int cmd_verify(int argc, char **argv) {
  const char *v_rtol[1], *v_atol[1];
  int c_rtol = 0, c_atol = 0, json = 0, quiet = 0;
  const cli_opt opts[] = {
      {"--rtol", NULL, true, NULL, v_rtol, 1, &c_rtol},
      {"--atol", NULL, true, NULL, v_atol, 1, &c_atol},
      {"--json", NULL, false, &json, NULL, 0, NULL},
      {"--quiet", "-q", false, &quiet, NULL, 0, NULL},
  };
  const char **pos = malloc((size_t)(argc > 0 ? argc : 1) * sizeof *pos);
  if (!pos) return cli_error("out of memory");
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "verify", opts, (int)(sizeof opts / sizeof opts[0]), pos, argc, &n_pos, &help);
  verify_opts o = {1e-3, 1e-7}; /* the ONNX backend test runner's defaults */
  case_list l = {0};
  if (rc) goto done;
  if (help) {
    cli_print_help(cmd_verify_help);
    goto done;
  }
  if (c_rtol && (rc = cli_parse_double(v_rtol[0], "--rtol", 0.0, 1e9, &o.rtol))) goto done;
  if (c_atol && (rc = cli_parse_double(v_atol[0], "--atol", 0.0, 1e9, &o.atol))) goto done;
  if (n_pos < 1) {
    rc = cli_usage_error("'edgenn verify' needs at least one CASE (see 'edgenn help verify')");
    goto done;
  }
  for (int i = 0; i < n_pos; i++)
    if (expand_arg(pos[i], &l, 0)) {
      rc = cli_error("out of memory listing cases");
      goto done;
    }
  int passed = 0, failed = 0, unsup = 0;
  for (int i = 0; i < l.n; i++) {
    case_result *r = &l.v[i];
    case_files f;
    r->status = CASE_PASS;
    prepare_files(r, &f, r);
    if (r->status == CASE_PASS) run_case(&f, &o, r);
    files_free(&f);
    if (r->status == CASE_PASS) passed++;
    else if (r->status == CASE_FAIL) failed++;
    else unsup++;
    if (!json && (!quiet || r->status == CASE_FAIL)) {
      if (r->status == CASE_PASS)
        printf("pass         %-48s max_abs_err %.3g%s%s\n", r->name, r->max_abs_err, r->msg[0] ? "  " : "", r->msg);
      else printf("%-12s %-48s %s\n", r->status == CASE_FAIL ? "FAIL" : "unsupported", r->name, r->msg);
      fflush(stdout);
    }
  }
  if (json) {
    printf("{\n  \"passed\": %d,\n  \"failed\": %d,\n  \"unsupported\": %d,\n  \"total\": %d,\n", passed, failed, unsup,
           l.n);
    printf("  \"rtol\": %.9g,\n  \"atol\": %.9g,\n  \"cases\": [", o.rtol, o.atol);
    for (int i = 0; i < l.n; i++) {
      const case_result *r = &l.v[i];
      printf("%s\n    {\"name\": ", i ? "," : "");
      cli_json_str(stdout, r->name);
      printf(", \"path\": ");
      cli_json_str(stdout, r->path);
      printf(", \"status\": \"%s\", \"max_abs_err\": ", status_word(r->status));
      cli_json_num(stdout, r->max_abs_err);
      printf(", \"message\": ");
      cli_json_str(stdout, r->msg);
      printf("}");
    }
    printf("\n  ]\n}\n");
  } else {
    printf("%d passed, %d failed, %d unsupported (%d cases)\n", passed, failed, unsup, l.n);
  }
  rc = failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
done:
  for (int i = 0; i < l.n; i++) {
    free(l.v[i].name);
    free(l.v[i].path);
  }
  free(l.v);
  free(pos);
  return rc;
}
