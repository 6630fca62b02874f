/*
 * `edgenn quantize MODEL --calib SPEC -o OUT.enn`: post-training
 * quantisation (include/edgenn/quantize.h, docs/quantization.md).
 *
 * Calibration samples come from a dataset SPEC (the readers of `eval`,
 * default split train), preprocessed into the model's only input exactly
 * as `eval` does (the model's preprocess.* metadata, then the flags); or
 * from a .npy file (SPEC = FILE.npy or npy:FILE) holding N samples: shape
 * [N, ...input dims] or [N, ...input dims without its batch 1], float32.
 * With --samples N < the dataset size, samples are spread evenly over it
 * (index i * count / N), so one class does not fill the calibration set.
 *
 * --dtype f16 writes the FP16-weights model (enn_convert_f16; no
 * calibration). --eval SPEC runs the float and the quantised model on SPEC
 * after quantising: top-1 of each against the labels, the top-1 agreement
 * of the quantised model with the float one (a teacher when the labels do
 * not fit the model) and the SQNR of output 0, 10 log10(sum f^2 /
 * sum (q - f)^2) over all samples. --accuracy-budget PTS then fails
 * (writing nothing) when the quantised top-1 is more than PTS points below
 * the float model's.
 *
 * --dtype mixed (enn_quantize_graph_mixed) needs --eval and
 * --accuracy-budget: the first --eval-limit samples of --eval (labels for
 * top-1 when every label is a class of the model's output, else agreement
 * with the float model) decide which layers stay float; the sensitivity
 * table (layer, op, SQNR with only that layer int8, decision, accuracy of
 * the configuration that made it float) is printed, then the usual
 * evaluation lines. When no configuration meets the budget nothing is
 * written and the command fails, as --accuracy-budget does for int8.
 * A progress bar goes to stderr when it is a terminal (mixed: one per
 * stage).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "edgenn/fp16.h"
#include "edgenn/quantize.h"

const char cmd_quantize_help[] =
    "usage: edgenn quantize MODEL --calib SPEC -o OUT.enn [--samples N]\n"
    "                       [--method minmax|percentile|entropy|mse] [--percentile P]\n"
    "                       [--granularity per-channel|per-tensor] [--equalize]\n"
    "                       [--bias-correct] [--dtype int8|f16|mixed]\n"
    "                       [--accuracy-budget PTS --eval SPEC [--eval-limit N]]\n"
    "                       [--float-weights f16|f32]\n"
    "                       [--threads N] [--json] [preprocessing options]\n\n"
    "Post-training quantisation of a float model to int8 (weights int8 symmetric\n"
    "per output channel, activations asymmetric int8 per tensor, int32 bias;\n"
    "inputs and outputs stay float32; operators without an int8 form stay float).\n\n"
    "options:\n"
    "  --calib SPEC       calibration data: a dataset (cifar10:DIR, folder:DIR, mnist:DIR,\n"
    "                     kws:DIR; default split train) or FILE.npy / npy:FILE holding\n"
    "                     [N, ...input shape] float32 samples\n"
    "  --samples N        calibration samples (default 500, at most the set's size)\n"
    "  --method M         range observer: percentile (default), minmax, entropy\n"
    "                     (KL divergence, 2048-bin histograms), mse\n"
    "  --percentile P     coverage of the percentile method (default 99.99)\n"
    "  --granularity G    weights per-channel (default) or per-tensor\n"
    "  --equalize         cross-layer equalisation of conv -> (relu) -> conv pairs\n"
    "  --bias-correct     correct the expected output shift of quantised weights\n"
    "  --dtype D          int8 (default); f16 = float16 weights (no calibration);\n"
    "                     mixed = int8, but the layers whose int8 form costs the most\n"
    "                     accuracy stay float until --accuracy-budget is met on --eval\n"
    "                     (both required): each layer's sensitivity is the output SQNR\n"
    "                     with only it int8; the most sensitive are kept float one by\n"
    "                     one (then in growing steps), each step checked on --eval\n"
    "  --float-weights W  mixed: weights of the layers kept float, f16 (default) or f32\n"
    "  --eval SPEC        after quantising, run the float and the quantised model on\n"
    "                     SPEC (default split test; --eval-limit N samples): top-1 of\n"
    "                     both, top-1 agreement with the float model, output SQNR\n"
    "  --accuracy-budget PTS  with --eval: fail (writing nothing) when the quantised\n"
    "                     top-1 is more than PTS points below the float model's;\n"
    "                     mixed: the loss to stay within (top-1 against the labels,\n"
    "                     or agreement with the float model when the data has none\n"
    "                     that fit the model), failing when even every layer float\n"
    "                     misses it\n"
    "  -o, --output OUT   the .enn file to write\n"
    "  --threads N        threads of the calibration / evaluation sessions\n"
    "  --json             print one JSON summary\n"
    "  -h, --help\n\n" CLI_PP_HELP;

/* ---------------------------------------------------------- calibration */
typedef struct calib_src {
  enn_dataset *ds;       /* dataset SPEC */
  int64_t count;         /* samples available */
  int32_t n;             /* samples used */
  enn_preprocess pp;
  enn_tensor_desc in_d;  /* the model's input */
  uint8_t *sbuf;
  size_t sbuf_cap;
  float *npy;            /* .npy SPEC: [count, per] */
  int64_t per;
} calib_src;

static enn_status calib_fill(void *ctx, int32_t i, void *const *inputs) {
  calib_src *c = ctx;
  const int64_t idx = (int64_t)i * c->count / c->n;
  if (c->npy) {
    memcpy(inputs[0], c->npy + idx * c->per, (size_t)c->per * sizeof(float));
    return ENN_OK;
  }
  enn_sample_info info;
  enn_status st = enn_dataset_info(c->ds, idx, &info);
  if (st) return st;
  const size_t need = (size_t)info.h * (size_t)info.w * (size_t)info.c;
  if (need > c->sbuf_cap) {
    free(c->sbuf);
    c->sbuf = malloc(need);
    c->sbuf_cap = c->sbuf ? need : 0;
    if (!c->sbuf) return ENN_ERR_NO_MEMORY;
  }
  if ((st = enn_dataset_read(c->ds, idx, ENN_DTYPE_INVALID, c->sbuf, c->sbuf_cap, &info))) return st;
  return enn_preprocess_apply(&c->pp, &info, c->sbuf, &c->in_d, inputs[0], NULL);
}

typedef struct prog {
  bool tty;
  double t_last;
  const char *what;
  char stage[64];
} prog;

static void progress_bar(prog *p, int64_t done, int64_t total, bool final) {
  if (!p->tty) return;
  if (final) {
    fprintf(stderr, "\r\033[K");
    fflush(stderr);
    return;
  }
  const double now = cli_now();
  if (done < total && now - p->t_last < 0.1) return;
  p->t_last = now;
  const int width = 30;
  int fill = total ? (int)(done * width / total) : width;
  char bar[64];
  for (int k = 0; k < width; k++) bar[k] = k < fill ? '=' : ' ';
  bar[width] = '\0';
  fprintf(stderr, "\r[%s] %s %lld/%lld ", bar, p->what, (long long)done, (long long)total);
  fflush(stderr);
}

static void on_progress(void *ctx, int64_t done, int64_t total) { progress_bar(ctx, done, total, false); }

static void on_stage(void *ctx, const char *stage, int64_t done, int64_t total) {
  prog *p = ctx;
  if (!p->what || strcmp(p->what, stage) != 0) {
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    p->what = p->stage;
    p->t_last = 0.0;
    if (p->tty) fprintf(stderr, "\r\033[K");
  }
  progress_bar(p, done, total, false);
}

/* Opens the calibration source for graph g (one float input). */
static int calib_open(const char *spec, const enn_graph *g, const enn_preprocess *pp, calib_src *c) {
  memset(c, 0, sizeof *c);
  c->pp = *pp;
  if (enn_graph_num_inputs(g) != 1)
    return cli_error("the model has %d inputs; --calib feeds models with exactly one", enn_graph_num_inputs(g));
  enn_clear_error();
  enn_status st = enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &c->in_d, NULL);
  if (st) return cli_lib_error(st, "model input");
  char sh[160], sh2[160];
  const size_t len = strlen(spec);
  const bool is_npy = strncmp(spec, "npy:", 4) == 0 || (len > 4 && strcmp(spec + len - 4, ".npy") == 0);
  if (is_npy) {
    const char *path = strncmp(spec, "npy:", 4) == 0 ? spec + 4 : spec;
    enn_tensor_desc d;
    void *data = NULL;
    enn_clear_error();
    if ((st = enn_npy_read(path, NULL, &d, &data))) return cli_lib_error(st, "--calib %s", spec);
    c->per = enn_tensor_desc_numel(&c->in_d);
    /* [N, ...dims] or [N, ...dims without a leading 1] */
    bool ok = d.dtype == ENN_DTYPE_F32 && d.rank >= 1;
    const int32_t skip = c->in_d.rank >= 1 && c->in_d.dims[0] == 1 && d.rank == c->in_d.rank ? 1 : 0;
    if (ok && d.rank - 1 != c->in_d.rank - skip) ok = false;
    for (int32_t k = 1; ok && k < d.rank; k++) ok = d.dims[k] == c->in_d.dims[k - 1 + skip];
    if (!ok) {
      enn_npy_free(NULL, data);
      return cli_error("--calib %s: array %s %s does not hold samples of the model's input %s f32 (expected "
                       "[N, ...input shape] float32)",
                       spec, enn_dtype_name(d.dtype), cli_shape_str(&d, sh, sizeof sh),
                       cli_shape_str(&c->in_d, sh2, sizeof sh2));
    }
    c->npy = data;
    c->count = d.dims[0];
    return 0;
  }
  enn_clear_error();
  if ((st = enn_dataset_open(spec, ENN_SPLIT_TRAIN, NULL, &c->ds))) return cli_lib_error(st, "--calib %s", spec);
  c->count = enn_dataset_count(c->ds);
  return 0;
}

static void calib_close(calib_src *c) {
  enn_dataset_close(c->ds);
  enn_npy_free(NULL, c->npy);
  free(c->sbuf);
  memset(c, 0, sizeof *c);
}

/* --------------------------------------------------------- evaluation */
typedef struct eval_res {
  double f_top1, q_top1; /* vs the labels */
  double agree;          /* argmax of the quantised model == argmax of the float model */
  double sqnr_db;        /* 10 log10(sum f^2 / sum (q - f)^2) over output 0 */
} eval_res;

static int64_t argmax_f32(const float *y, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; k++)
    if (y[k] > y[best]) best = k; /* ties: the lower index, as eval */
  return best;
}

/* Runs the float graph g and the quantised graph q on the first n samples
 * of ds (both take float inputs and give float outputs). */
static int eval_compare(const enn_graph *g, const enn_graph *q, const char *spec, enn_dataset *ds,
                        const enn_preprocess *pp, int64_t n, int threads, eval_res *r) {
  enn_session *sf = NULL, *sq = NULL;
  int rc = cli_session(g, spec, threads, false, &sf);
  if (!rc) rc = cli_session(q, "the quantised model", threads, false, &sq);
  enn_tensor_desc in_d, out_d, out_q;
  if (!rc) {
    enn_session_input_desc(sf, 0, &in_d, NULL);
    enn_session_output_desc(sf, 0, &out_d, NULL);
    enn_session_output_desc(sq, 0, &out_q, NULL);
    if (out_d.dtype != ENN_DTYPE_F32 || out_q.dtype != ENN_DTYPE_F32 || !cli_same_shape(&out_d, &out_q))
      rc = cli_error("--eval compares float32 outputs of the same shape");
  }
  const int64_t nc = rc ? 0 : enn_tensor_desc_numel(&out_d);
  uint8_t *sbuf = NULL;
  size_t cap = 0;
  int64_t hf = 0, hq = 0, agree = 0;
  double sig = 0.0, noise = 0.0;
  prog p = {isatty(2) != 0, 0.0, "evaluating", ""};
  for (int64_t i = 0; i < n && !rc; i++) {
    enn_sample_info info;
    enn_clear_error();
    enn_status st = enn_dataset_info(ds, i, &info);
    size_t need = st ? 0 : (size_t)info.h * (size_t)info.w * (size_t)info.c;
    if (!st && need > cap) {
      free(sbuf);
      sbuf = malloc(need);
      cap = sbuf ? need : 0;
      if (!sbuf) st = ENN_ERR_NO_MEMORY;
    }
    if (!st) st = enn_dataset_read(ds, i, ENN_DTYPE_INVALID, sbuf, cap, &info);
    if (!st) st = enn_preprocess_apply(pp, &info, sbuf, &in_d, enn_session_input_buffer(sf, 0), NULL);
    if (!st) st = enn_preprocess_apply(pp, &info, sbuf, &in_d, enn_session_input_buffer(sq, 0), NULL);
    if (!st) st = enn_session_run(sf);
    if (!st) st = enn_session_run(sq);
    if (st) {
      rc = cli_lib_error(st, "evaluating on sample %lld of the --eval data", (long long)i);
      break;
    }
    const float *yf = enn_session_output_buffer(sf, 0), *yq = enn_session_output_buffer(sq, 0);
    const int64_t af = argmax_f32(yf, nc), aq = argmax_f32(yq, nc);
    hf += af == info.label;
    hq += aq == info.label;
    agree += af == aq;
    for (int64_t k = 0; k < nc; k++) {
      const double d = (double)yq[k] - (double)yf[k];
      sig += (double)yf[k] * (double)yf[k];
      noise += d * d;
    }
    progress_bar(&p, i + 1, n, false);
  }
  progress_bar(&p, 0, 0, true);
  free(sbuf);
  enn_session_destroy(sf);
  enn_session_destroy(sq);
  r->f_top1 = n ? (double)hf / (double)n : 0.0;
  r->q_top1 = n ? (double)hq / (double)n : 0.0;
  r->agree = n ? (double)agree / (double)n : 0.0;
  r->sqnr_db = noise > 0.0 ? 10.0 * log10(sig / noise) : INFINITY;
  return rc;
}

static int64_t enn_size(const enn_graph *g) {
  void *buf = NULL;
  size_t size = 0;
  if (enn_model_save_buffer(g, NULL, &buf, &size)) return -1;
  free(buf);
  return (int64_t)size;
}

/* ------------------------------------------------------ mixed precision */
/* The evaluation source of --dtype mixed: samples 0..n-1 of eds through
 * calib_fill (index i * count / n = i), and their labels when every one is
 * a class of the model's output 0 (else *labels = NULL: agreement). */
static int mixed_eval_open(enn_dataset *eds, const enn_graph *g, const enn_preprocess *pp, int64_t n, calib_src *es,
                           int32_t **labels) {
  memset(es, 0, sizeof *es);
  *labels = NULL;
  if (n < 1) return cli_error("--eval: the evaluation set is empty");
  if (enn_graph_num_inputs(g) != 1)
    return cli_error("the model has %d inputs; --eval feeds models with exactly one", enn_graph_num_inputs(g));
  enn_tensor_desc od;
  enn_clear_error();
  enn_status st = enn_graph_tensor(g, enn_graph_input(g, 0), NULL, &es->in_d, NULL);
  if (!st && enn_graph_num_outputs(g) >= 1) st = enn_graph_tensor(g, enn_graph_output(g, 0), NULL, &od, NULL);
  if (st) return cli_lib_error(st, "model input / output");
  es->ds = eds;
  es->pp = *pp;
  es->count = n;
  es->n = (int32_t)n;
  const int64_t classes = enn_tensor_desc_numel(&od);
  int32_t *l = malloc((size_t)n * sizeof *l);
  if (!l) return cli_error("out of memory");
  bool fit = true;
  for (int64_t i = 0; i < n && fit; i++) {
    l[i] = enn_dataset_label(eds, i);
    fit = l[i] >= 0 && l[i] < classes;
  }
  if (fit) *labels = l;
  else {
    free(l);
    fprintf(stderr, "edgenn: note: the --eval labels do not fit the model's %lld outputs; the budget applies to "
                    "top-1 agreement with the float model\n", (long long)classes);
  }
  return 0;
}

static const char *prec_name(enn_dtype d) {
  return d == ENN_DTYPE_I8 ? "int8" : (d == ENN_DTYPE_F16 ? "float (f16 weights)" : "float (f32)");
}

/* The sensitivity table, most sensitive first (graph order when it was not
 * measured). */
static void print_mixed(const enn_quantize_mixed_report *r, const char *eval) {
  const char *metric = r->labelled ? "top-1" : "agreement";
  printf("mixed     %s on %d samples of %s: float %.2f%%, all int8 %.2f%% (%.2f points below; budget %.2f)\n",
         metric, r->n_eval, eval, r->float_acc, r->int8_acc, r->float_acc - r->int8_acc, r->budget);
  if (r->n_layers == 0 || r->layers[0].rank < 0) {
    printf("          all int8 is within the budget: no sensitivity analysis, every layer int8\n");
    return;
  }
  printf("sensitivity: output SQNR with only that layer int8 (lower = more sensitive)\n");
  printf("  %4s  %-40s %-14s %9s  %-20s %s\n", "rank", "layer", "op", "SQNR dB", "decision",
         r->labelled ? "top-1 if float" : "agree if float");
  for (int32_t rank = 0; rank < r->n_layers; rank++)
    for (int32_t i = 0; i < r->n_layers; i++) {
      const enn_quantize_layer *L = &r->layers[i];
      if (L->rank != rank) continue;
      char acc[32] = "-";
      if (!isnan(L->accuracy)) snprintf(acc, sizeof acc, "%.2f%%", L->accuracy);
      printf("  %4d  %-40.40s %-14s %9.2f  %-20s %s\n", rank + 1, L->name, enn_op_name(L->op), L->sqnr_db,
             prec_name(L->precision), acc);
    }
  printf("mixed     %d of %d layers kept float: %s %.2f%% (%.2f points below float, budget %.2f: %s); %d "
         "configurations evaluated\n",
         r->n_float, r->n_layers, metric, r->final_acc, r->float_acc - r->final_acc, r->budget,
         r->budget_met ? "met" : "NOT met", r->evaluations);
}

static void print_mixed_json(const enn_quantize_mixed_report *r, enn_dtype fw) {
  printf(", \"mixed\": {\"metric\": \"%s\", \"eval_samples\": %d, \"budget\": ", r->labelled ? "top1" : "agreement",
         r->n_eval);
  cli_json_num(stdout, r->budget);
  printf(", \"float_weights\": \"%s\", \"float_acc\": ", fw == ENN_DTYPE_F16 ? "f16" : "f32");
  cli_json_num(stdout, r->float_acc);
  printf(", \"int8_acc\": ");
  cli_json_num(stdout, r->int8_acc);
  printf(", \"acc\": ");
  cli_json_num(stdout, r->final_acc);
  printf(", \"budget_met\": %s, \"float_layers\": %d, \"evaluations\": %d, \"layers\": [",
         r->budget_met ? "true" : "false", r->n_float, r->evaluations);
  for (int32_t i = 0; i < r->n_layers; i++) {
    const enn_quantize_layer *L = &r->layers[i];
    printf("%s{\"name\": ", i ? ", " : "");
    cli_json_str(stdout, L->name);
    printf(", \"op\": \"%s\", \"sqnr_db\": ", enn_op_name(L->op));
    cli_json_num(stdout, L->sqnr_db);
    printf(", \"rank\": %d, \"precision\": \"%s\", \"accuracy\": ", L->rank,
           L->precision == ENN_DTYPE_I8 ? "int8" : (L->precision == ENN_DTYPE_F16 ? "f16" : "f32"));
    cli_json_num(stdout, L->accuracy);
    printf("}");
  }
  printf("]}");
}

/* ---------------------------------------------------------------- main */
int cmd_quantize(int argc, char **argv) {
  const char *v_calib[1], *v_samples[1], *v_method[1], *v_pct[1], *v_gran[1], *v_dtype[1], *v_budget[1],
      *v_eval[1], *v_elimit[1], *v_out[1], *v_threads[1], *v_fw[1];
  int c_calib = 0, c_samples = 0, c_method = 0, c_pct = 0, c_gran = 0, c_dtype = 0, c_budget = 0, c_eval = 0,
      c_elimit = 0, c_out = 0, c_threads = 0, c_fw = 0, equalize = 0, bias_correct = 0, json = 0;
  cli_pp_flags ppf;
  memset(&ppf, 0, sizeof ppf);
  const cli_opt opts[] = {
      {"--calib", NULL, true, NULL, v_calib, 1, &c_calib},
      {"--samples", "-n", true, NULL, v_samples, 1, &c_samples},
      {"--method", "-m", true, NULL, v_method, 1, &c_method},
      {"--percentile", NULL, true, NULL, v_pct, 1, &c_pct},
      {"--granularity", NULL, true, NULL, v_gran, 1, &c_gran},
      {"--dtype", NULL, true, NULL, v_dtype, 1, &c_dtype},
      {"--accuracy-budget", NULL, true, NULL, v_budget, 1, &c_budget},
      {"--eval", NULL, true, NULL, v_eval, 1, &c_eval},
      {"--eval-limit", NULL, true, NULL, v_elimit, 1, &c_elimit},
      {"--output", "-o", true, NULL, v_out, 1, &c_out},
      {"--threads", "-t", true, NULL, v_threads, 1, &c_threads},
      {"--float-weights", NULL, true, NULL, v_fw, 1, &c_fw},
      {"--equalize", NULL, false, &equalize, NULL, 0, NULL},
      {"--bias-correct", NULL, false, &bias_correct, NULL, 0, NULL},
      {"--json", NULL, false, &json, NULL, 0, NULL},
      CLI_PP_OPTS(ppf),
  };
  const char *pos[1];
  int n_pos;
  bool help;
  int rc = cli_parse(argc, argv, "quantize", opts, (int)(sizeof opts / sizeof opts[0]), pos, 1, &n_pos, &help);
  if (rc) return rc;
  if (help) {
    cli_print_help(cmd_quantize_help);
    return CLI_EXIT_OK;
  }
  if (n_pos != 1) return cli_usage_error("'edgenn quantize' needs a MODEL (see 'edgenn help quantize')");
  if (!c_out) return cli_usage_error("'edgenn quantize' needs -o OUT.enn");
  enn_quantize_options qo;
  enn_quantize_options_init(&qo);
  int threads = 1, samples = 500;
  int64_t elimit = 0;
  double budget = -1.0, pct = 99.99;
  if (c_threads && (rc = cli_parse_int(v_threads[0], "--threads", 1, 1024, &threads))) return rc;
  if (c_samples && (rc = cli_parse_int(v_samples[0], "--samples", 1, 1 << 30, &samples))) return rc;
  if (c_elimit && (rc = cli_parse_i64(v_elimit[0], "--eval-limit", 1, INT64_MAX, &elimit))) return rc;
  if (c_budget && (rc = cli_parse_double(v_budget[0], "--accuracy-budget", 0.0, 100.0, &budget))) return rc;
  if (c_pct && (rc = cli_parse_double(v_pct[0], "--percentile", 50.0001, 100.0, &pct))) return rc;
  if (c_method && enn_calib_method_from_name(v_method[0], &qo.method))
    return cli_usage_error("--method %s: expected minmax, percentile, entropy or mse", v_method[0]);
  if (c_pct && qo.method != ENN_CALIB_PERCENTILE) return cli_usage_error("--percentile needs --method percentile");
  if (c_gran) {
    if (strcmp(v_gran[0], "per-channel") == 0) qo.per_channel = 1;
    else if (strcmp(v_gran[0], "per-tensor") == 0) qo.per_channel = 0;
    else return cli_usage_error("--granularity %s: expected per-channel or per-tensor", v_gran[0]);
  }
  const char *dtype = c_dtype ? v_dtype[0] : "int8";
  if (strcmp(dtype, "int8") && strcmp(dtype, "f16") && strcmp(dtype, "mixed"))
    return cli_usage_error("--dtype %s: expected int8, f16 or mixed", dtype);
  const bool mixed = strcmp(dtype, "mixed") == 0;
  if (mixed && (!c_eval || !c_budget))
    return cli_usage_error("--dtype mixed needs %s: the layers kept float are chosen until the accuracy on the "
                           "--eval data is within --accuracy-budget points of the float model's",
                           !c_eval && !c_budget ? "--eval SPEC and --accuracy-budget PTS"
                                                : (!c_eval ? "--eval SPEC" : "--accuracy-budget PTS"));
  if (c_budget && !c_eval) return cli_usage_error("--accuracy-budget needs --eval SPEC");
  if (c_elimit && !c_eval) return cli_usage_error("--eval-limit needs --eval");
  if (c_fw && !mixed) return cli_usage_error("--float-weights applies to --dtype mixed only");
  if (c_fw) {
    if (strcmp(v_fw[0], "f16") == 0) qo.mixed_weights = ENN_DTYPE_F16;
    else if (strcmp(v_fw[0], "f32") == 0) qo.mixed_weights = ENN_DTYPE_F32;
    else return cli_usage_error("--float-weights %s: expected f16 or f32", v_fw[0]);
  }
  const bool f16 = strcmp(dtype, "f16") == 0;
  if (!f16 && !c_calib) return cli_usage_error("'edgenn quantize' needs --calib SPEC (calibration data)");
  qo.percentile = (float)pct;
  qo.equalize = equalize;
  qo.bias_correct = bias_correct;
  qo.threads = threads;

  const char *spec = pos[0];
  enn_graph *g = NULL, *q = NULL;
  enn_dataset *eds = NULL;
  calib_src cs, es;
  memset(&cs, 0, sizeof cs);
  memset(&es, 0, sizeof es);
  enn_quantize_mixed_report mr;
  memset(&mr, 0, sizeof mr);
  int32_t *labels = NULL;
  enn_preprocess pp;
  enn_status st;
  eval_res er = {NAN, NAN, NAN, NAN};
  int64_t n_eval = 0;
  const double t0 = cli_now();
  if ((rc = cli_load_model(spec, &g))) goto done;
  if ((rc = cli_pp_resolve(&ppf, g, &pp))) goto done;
  if (c_eval) {
    enn_clear_error();
    if ((st = enn_dataset_open(v_eval[0], ENN_SPLIT_TEST, NULL, &eds))) {
      rc = cli_lib_error(st, "--eval %s", v_eval[0]);
      goto done;
    }
    n_eval = enn_dataset_count(eds);
    if (elimit && elimit < n_eval) n_eval = elimit;
    if (mixed && n_eval > INT32_MAX) n_eval = INT32_MAX;
  }
  if (f16) {
    enn_clear_error();
    if ((st = enn_convert_f16(g, &q))) {
      rc = cli_lib_error(st, "converting '%s' to float16 weights", spec);
      goto done;
    }
  } else {
    if ((rc = calib_open(v_calib[0], g, &pp, &cs))) goto done;
    if (cs.count < 1) {
      rc = cli_error("--calib %s: the calibration set is empty", v_calib[0]);
      goto done;
    }
    cs.n = samples < cs.count ? samples : (int32_t)cs.count;
    prog p = {!json && isatty(2) != 0, 0.0, "calibrating", ""};
    enn_clear_error();
    if (mixed) {
      if ((rc = mixed_eval_open(eds, g, &pp, n_eval, &es, &labels))) goto done;
      qo.accuracy_budget = budget;
      const enn_quantize_eval ev = {(int32_t)n_eval, calib_fill, &es, labels};
      st = enn_quantize_graph_mixed(g, &qo, cs.n, calib_fill, &cs, &ev, on_stage, &p, &mr, &q);
    } else
      st = enn_quantize_graph_ex(g, &qo, cs.n, calib_fill, &cs, on_progress, &p, &q);
    progress_bar(&p, 0, 0, true);
    if (st) {
      rc = cli_lib_error(st, "quantising '%s' with --calib %s", spec, v_calib[0]);
      goto done;
    }
    if (mixed) {
      if (!json) print_mixed(&mr, v_eval[0]);
      if (!mr.budget_met) {
        rc = cli_error("no configuration meets the budget of %.2f points: the best, %d of %d layers float, reaches "
                       "%s %.2f%% against the float model's %.2f%% (%.2f points below) on %d samples of %s; nothing "
                       "written (raise --accuracy-budget%s)",
                       mr.budget, mr.n_float, mr.n_layers, mr.labelled ? "top-1" : "agreement", mr.final_acc,
                       mr.float_acc, mr.float_acc - mr.final_acc, mr.n_eval, v_eval[0],
                       qo.mixed_weights == ENN_DTYPE_F16 ? ", or keep float layers exact with --float-weights f32"
                                                         : "");
        goto done;
      }
    }
  }
  if (c_eval) {
    if ((rc = eval_compare(g, q, spec, eds, &pp, n_eval, threads, &er))) goto done;
    const double drop = 100.0 * (er.f_top1 - er.q_top1);
    if (c_budget && !mixed && drop > budget) {
      rc = cli_error("%s top-1 %.2f%% is %.2f points below the float model's %.2f%% on %lld samples of %s, over "
                     "the budget of %.2f points; nothing written (try another --method, --granularity "
                     "per-channel, or --dtype f16)",
                     f16 ? "f16" : "int8", 100.0 * er.q_top1, drop, 100.0 * er.f_top1, (long long)n_eval, v_eval[0],
                     budget);
      goto done;
    }
  }
  enn_clear_error();
  if ((st = enn_model_save(q, v_out[0]))) {
    rc = cli_lib_error(st, "writing '%s'", v_out[0]);
    goto done;
  }
  const int64_t fsize = enn_size(g), qsize = enn_size(q);
  int32_t n_q8 = 0, n_nodes = enn_graph_num_nodes(q);
  for (int32_t i = 0; i < n_nodes; i++) {
    enn_op op;
    const int32_t *outs;
    int32_t n_out;
    enn_tensor_desc d;
    if (enn_graph_node(q, i, &op, NULL, NULL, NULL, NULL, &outs, &n_out) || n_out < 1) continue;
    if (op == ENN_OP_QUANTIZE || op == ENN_OP_DEQUANTIZE) continue;
    if (!enn_graph_tensor(q, outs[0], NULL, &d, NULL) && d.dtype == ENN_DTYPE_I8) n_q8++;
  }
  const char *floats = enn_graph_get_meta(q, "quant_float_nodes");
  const double secs = cli_now() - t0;
  char b1[32], b2[32];
  if (json) {
    printf("{\"model\": ");
    cli_json_str(stdout, spec);
    printf(", \"output\": ");
    cli_json_str(stdout, v_out[0]);
    printf(", \"dtype\": \"%s\"", f16 ? "f16" : (mixed ? "mixed" : "int8"));
    if (!f16) {
      printf(", \"calib\": ");
      cli_json_str(stdout, v_calib[0]);
      printf(", \"samples\": %d, \"method\": \"%s\", \"granularity\": \"%s\", \"equalize\": %s, "
             "\"bias_correct\": %s, \"int8_nodes\": %d, \"float_nodes\": ",
             cs.n, enn_calib_method_name(qo.method), qo.per_channel ? "per-channel" : "per-tensor",
             equalize ? "true" : "false", bias_correct ? "true" : "false", n_q8);
      cli_json_str(stdout, floats ? floats : "");
    }
    if (mixed) print_mixed_json(&mr, qo.mixed_weights);
    printf(", \"float_bytes\": %lld, \"bytes\": %lld, \"size_ratio\": ", (long long)fsize, (long long)qsize);
    cli_json_num(stdout, fsize > 0 ? (double)qsize / (double)fsize : NAN);
    if (c_eval) {
      printf(", \"eval\": ");
      cli_json_str(stdout, v_eval[0]);
      printf(", \"eval_samples\": %lld, \"float_top1\": ", (long long)n_eval);
      cli_json_num(stdout, er.f_top1);
      printf(", \"top1\": ");
      cli_json_num(stdout, er.q_top1);
      printf(", \"agreement\": ");
      cli_json_num(stdout, er.agree);
      printf(", \"sqnr_db\": ");
      cli_json_num(stdout, er.sqnr_db);
    }
    printf(", \"seconds\": ");
    cli_json_num(stdout, secs);
    printf("}\n");
  } else {
    printf("model     %s\n", spec);
    if (!f16) {
      printf("calib     %s (%d of %lld samples)\n", v_calib[0], cs.n, (long long)cs.count);
      printf("method    %s, weights %s%s%s\n", enn_calib_method_name(qo.method),
             qo.per_channel ? "per-channel" : "per-tensor", equalize ? ", cross-layer equalisation" : "",
             bias_correct ? ", bias correction" : "");
      printf("int8      %d of %d nodes int8%s%s\n", n_q8, n_nodes, floats ? "; kept float: " : "",
             floats ? floats : "");
    } else
      printf("dtype     f16 weights\n");
    printf("size      %s float .enn -> %s (%.3fx)\n", cli_bytes_str((double)fsize, b1, sizeof b1),
           cli_bytes_str((double)qsize, b2, sizeof b2), fsize > 0 ? (double)qsize / (double)fsize : 0.0);
    if (c_eval) {
      printf("top-1     float %.2f%%, %s %.2f%% (%+.2f points) on %lld samples of %s\n", 100.0 * er.f_top1,
             f16 ? "f16" : (mixed ? "mixed" : "int8"), 100.0 * er.q_top1, 100.0 * (er.q_top1 - er.f_top1), (long long)n_eval, v_eval[0]);
      printf("vs float  top-1 agreement %.2f%%, output SQNR %.1f dB\n", 100.0 * er.agree, er.sqnr_db);
    }
    printf("wrote     %s (%.1f s)\n", v_out[0], secs);
  }
  rc = CLI_EXIT_OK;
done:
  enn_quantize_mixed_report_free(&mr);
  free(labels);
  es.ds = NULL; /* eds, closed below */
  calib_close(&es);
  calib_close(&cs);
  enn_dataset_close(eds);
  enn_graph_destroy(q);
  enn_graph_destroy(g);
  return rc;
}
