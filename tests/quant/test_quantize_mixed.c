/*
 * Mixed-precision quantisation (enn_quantize_graph_mixed,
 * include/edgenn/quantize.h; docs/quantization.md, "Mixed precision") on
 * small graphs built here, per-tensor weights, minmax calibration:
 *   - a deliberately sensitive layer: conv_sens, a 1x1 conv whose weights
 *     are U(-0.5, 0.5) but for one outlier (200, reading a channel that is
 *     almost 0, so its activations stay normal): per-tensor int8 rounds
 *     every other weight to 0 (steps of 200/127). Each sample scales each
 *     input channel by its own factor, so the classes vary. Labels = the float
 *     model's top-1. All int8 misses a 5-point budget; mixed keeps
 *     conv_sens (ranked most sensitive) float with F16 weights, and only
 *     it, and meets the budget; the accuracy it reports is recomputed here
 *     on the returned graph; conv1 / fc stay int8. The same without labels
 *     (agreement). With a budget of 100 nothing stays float and the graph
 *     computes exactly what enn_quantize_graph's does;
 *   - an unmeetable budget: FC rows w and w * (1 + 2^-12) (labels: the
 *     second row wins in float), identical after int8 per-tensor rounding
 *     and after f16 rounding, so every configuration ties (argmax -> row 0)
 *     and misses budget 0: the result is the best evaluated (all int8, the
 *     fewest float layers among equals), budget_met = 0. With f32 kept
 *     weights the FC stays float and meets it; nothing int8 is left, so
 *     "quantized" is unset;
 *   - the search rule (enn_quant_mixed_search) on synthetic accuracy
 *     curves: which k are evaluated, the bisection, the best-of rule;
 *   - errors: no eval data, an empty eval set, no fill, budget unset,
 *     negative, given to the int8 entry point, bad mixed_weights, a
 *     negative label, a failing eval or calibration fill (naming the
 *     sample);
 *   - `edgenn quantize --dtype mixed` ($ENN_CLI; skipped without it) on the
 *     same two designs with a [1,49,10,1] input, fed kws:DIR feature files
 *     written here (labels 99: they do not fit the model, so the budget is
 *     on agreement): the table and the kept layer, --json, the written
 *     file's metadata; the unmeetable budget fails writing nothing and
 *     --float-weights f32 then meets it; usage errors (mixed without
 *     --eval / --accuracy-budget, a negative budget, --float-weights
 *     without mixed).
 */
#include <math.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "edgenn/quantize.h"
#include "quant/quant_internal.h"
#include "test.h"

static unsigned long long seed_state = 7;
static float frand(float lo, float hi) { return enn_t_randf(&seed_state, lo, hi); }

static int32_t add_const(enn_graph *g, const char *name, int32_t rank, const int64_t *dims, const float *v) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id));
  return id;
}

static enn_graph *new_graph(int32_t rank, const int64_t *dims, int32_t *x) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  CHECK_OK(enn_graph_add_input(g, "x", &d, x));
  return g;
}

static int32_t add_conv(enn_graph *g, const char *name, int32_t x, int64_t ic, int64_t oc, int32_t k, int32_t act,
                        const float *w, const float *b) {
  char wn[64], bn[64];
  snprintf(wn, sizeof wn, "%s_w", name);
  snprintf(bn, sizeof bn, "%s_b", name);
  int64_t wd[4] = {oc, k, k, ic}, bd[1] = {oc};
  int32_t in[3] = {x, add_const(g, wn, 4, wd, w), add_const(g, bn, 1, bd, b)}, y = -1;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.act = act;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, name, in, 3, &a, 1, &y));
  return y;
}

#define H 6
#define C_IN 4
#define C_MID 8
#define N_CLS 10

/* x[1,h,w,c_in] -> conv1 3x3 (relu; output channel 0 ~ 1e-5) -> conv_sens
 * 1x1 (outlier weight 200 on channel 0) -> gap -> reshape -> fc -> logits */
static enn_graph *build_sensitive_hw(int64_t h, int64_t w, int64_t c_in) {
  const int64_t xd[4] = {1, h, w, c_in};
  int32_t x;
  enn_graph *g = new_graph(4, xd, &x);
  float w1[C_MID * 9 * C_IN], b1[C_MID], w2[C_MID * C_MID], b2[C_MID], wf[N_CLS * C_MID], bf[N_CLS];
  for (int o = 0; o < C_MID; o++) {
    for (int64_t i = 0; i < 9 * c_in; i++) w1[o * 9 * c_in + i] = o == 0 ? frand(0.0f, 1e-6f) : frand(-0.5f, 0.5f);
    b1[o] = o == 0 ? 0.0f : frand(0.0f, 0.2f);
  }
  for (int i = 0; i < C_MID * C_MID; i++) w2[i] = frand(-0.5f, 0.5f);
  w2[3 * C_MID + 0] = 200.0f; /* output channel 3 reads the near-zero channel 0 */
  for (int o = 0; o < C_MID; o++) b2[o] = frand(-0.1f, 0.1f);
  for (int i = 0; i < N_CLS * C_MID; i++) wf[i] = frand(-2.0f, 2.0f);
  for (int o = 0; o < N_CLS; o++) bf[o] = frand(-0.1f, 0.1f);
  int32_t c1 = add_conv(g, "conv1", x, c_in, C_MID, 3, ENN_ACT_RELU, w1, b1);
  int32_t c2 = add_conv(g, "conv_sens", c1, C_MID, C_MID, 1, ENN_ACT_NONE, w2, b2);
  int32_t gp, r, f;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &c2, 1, NULL, 1, &gp));
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_RESHAPE);
  at.shape_rank = 2;
  at.shape[0] = 1;
  at.shape[1] = C_MID;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &gp, 1, &at, 1, &r));
  int64_t fwd[2] = {N_CLS, C_MID}, fbd[1] = {N_CLS};
  int32_t fin[3] = {r, add_const(g, "fc_w", 2, fwd, wf), add_const(g, "fc_b", 1, fbd, bf)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", fin, 3, NULL, 1, &f));
  CHECK_OK(enn_graph_add_output(g, f));
  return g;
}

static enn_graph *build_sensitive(void) { return build_sensitive_hw(H, H, C_IN); }

/* x[1,4] in [0.5, 1] -> fc with rows w = 1 and w * (1 + 2^-12) -> [1,2] */
static enn_graph *build_tie(void) {
  const int64_t xd[2] = {1, 4};
  int32_t x, y;
  enn_graph *g = new_graph(2, xd, &x);
  float w[8], b[2] = {0.0f, 0.0f};
  for (int i = 0; i < 4; i++) {
    w[i] = 1.0f;
    w[4 + i] = 1.0f + 1.0f / 4096.0f;
  }
  int64_t wd[2] = {2, 4}, bd[1] = {2};
  int32_t in[3] = {x, add_const(g, "w", 2, wd, w), add_const(g, "b", 1, bd, b)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 3, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  return g;
}

/* [1,49,10,1] -> gap -> reshape [1,1] -> the tie FC (1 -> 2) */
static enn_graph *build_tie_kws(void) {
  const int64_t xd[4] = {1, 49, 10, 1};
  int32_t x, p, r, y;
  enn_graph *g = new_graph(4, xd, &x);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &x, 1, NULL, 1, &p));
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_RESHAPE);
  at.shape_rank = 2;
  at.shape[0] = 1;
  at.shape[1] = 1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &p, 1, &at, 1, &r));
  float w[2] = {1.0f, 1.0f + 1.0f / 4096.0f}, b[2] = {0.0f, 0.0f};
  int64_t wd[2] = {2, 1}, bd[1] = {2};
  int32_t in[3] = {r, add_const(g, "w", 2, wd, w), add_const(g, "b", 1, bd, b)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 3, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  return g;
}

/* ------------------------------------------------------------- samples */
typedef struct fill_ctx {
  int64_t n;          /* elements per sample */
  int32_t ch;         /* channels (innermost): each sample scales channel c by its own U(0, 1) (1: none) */
  float lo, hi;
  unsigned long long base; /* seed of sample i = base + i */
  int32_t fail_at;
} fill_ctx;

static enn_status fill_fn(void *ctx, int32_t i, void *const *inputs) {
  fill_ctx *c = ctx;
  if (i == c->fail_at) return enn_err(ENN_ERR_IO, "cannot read the file of sample %d", i);
  unsigned long long s = c->base + (unsigned long long)i;
  float *x = inputs[0], amp[16];
  for (int32_t k = 0; k < c->ch; k++) amp[k] = c->ch > 1 ? enn_t_randf(&s, 0.0f, 1.0f) : 1.0f;
  for (int64_t k = 0; k < c->n; k++) x[k] = amp[k % c->ch] * enn_t_randf(&s, c->lo, c->hi);
  return ENN_OK;
}

static int32_t argmax(const float *y, int32_t n) {
  int32_t best = 0;
  for (int32_t k = 1; k < n; k++)
    if (y[k] > y[best]) best = k;
  return best;
}

/* top-1 of g on samples 0..n-1 of c into cls[] */
static void classify(const enn_graph *g, fill_ctx *c, int32_t n, int32_t n_cls, int32_t *cls) {
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (!s) return;
  void *in[1] = {enn_session_input_buffer(s, 0)};
  for (int32_t i = 0; i < n; i++) {
    CHECK_OK(fill_fn(c, i, in));
    CHECK_OK(enn_session_run(s));
    cls[i] = argmax(enn_session_output_buffer(s, 0), n_cls);
  }
  enn_session_destroy(s);
}

static const enn_quantize_layer *layer(const enn_quantize_mixed_report *r, const char *name) {
  for (int32_t i = 0; i < r->n_layers; i++)
    if (strcmp(r->layers[i].name, name) == 0) return &r->layers[i];
  return NULL;
}

/* dtype of input k of the node named name in g (INVALID if absent) */
static enn_dtype node_in_dtype(const enn_graph *g, const char *name, int32_t k) {
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const char *nm = NULL;
    const int32_t *ins;
    int32_t n_in;
    enn_graph_node(g, i, NULL, &nm, NULL, &ins, &n_in, NULL, NULL);
    if (strcmp(nm, name) != 0 || k >= n_in) continue;
    enn_tensor_desc d;
    CHECK_OK(enn_graph_tensor(g, ins[k], NULL, &d, NULL));
    return d.dtype;
  }
  return ENN_DTYPE_INVALID;
}

#define N_CAL 64
#define N_EVAL 200

static void opts_pt(enn_quantize_options *o, double budget) {
  enn_quantize_options_init(o);
  o->method = ENN_CALIB_MINMAX;
  o->per_channel = 0;
  o->accuracy_budget = budget;
}

/* ------------------------------------------------------------- tests */
static void test_sensitive_layer(void) {
  enn_graph *g = build_sensitive(), *q = NULL, *q8 = NULL;
  fill_ctx cal = {H * H * C_IN, C_IN, 0.0f, 1.0f, 100, -1}, ev = {H * H * C_IN, C_IN, 0.0f, 1.0f, 5000, -1};
  int32_t labels[N_EVAL], got[N_EVAL];
  classify(g, &ev, N_EVAL, N_CLS, labels); /* float top-1 = 100 % */
  enn_quantize_options o;
  opts_pt(&o, 5.0);
  const enn_quantize_eval e = {N_EVAL, fill_fn, &ev, labels};
  enn_quantize_mixed_report r;
  CHECK_OK(enn_quantize_graph_mixed(g, &o, N_CAL, fill_fn, &cal, &e, NULL, NULL, &r, &q));
  if (!q) return;
  fprintf(stderr, "sensitive: float %.1f, int8 %.1f, mixed %.1f, %d of %d float, %d evaluations\n", r.float_acc,
          r.int8_acc, r.final_acc, r.n_float, r.n_layers, r.evaluations);
  for (int32_t i = 0; i < r.n_layers; i++)
    fprintf(stderr, "  %-10s %-16s sqnr %7.2f dB rank %d %s acc %.1f\n", r.layers[i].name,
            enn_op_name(r.layers[i].op), r.layers[i].sqnr_db, r.layers[i].rank,
            enn_dtype_name(r.layers[i].precision), r.layers[i].accuracy);
  CHECK(r.labelled == 1 && r.n_eval == N_EVAL && r.budget == 5.0);
  CHECK_NEAR(r.float_acc, 100.0, 1e-9);
  CHECK(r.float_acc - r.int8_acc > 5.0); /* int8 alone misses the budget */
  CHECK(r.budget_met == 1 && r.float_acc - r.final_acc <= 5.0);
  /* candidates: conv1, conv_sens, gap, fc (the reshape only moves bytes) */
  CHECK(r.n_layers == 4 && layer(&r, "flat") == NULL);
  const enn_quantize_layer *ls = layer(&r, "conv_sens"), *l1 = layer(&r, "conv1"), *lf = layer(&r, "fc");
  CHECK(ls && l1 && lf && layer(&r, "gap"));
  if (!ls || !l1 || !lf) return;
  CHECK(ls->rank == 0 && ls->op == ENN_OP_CONV2D);
  for (int32_t i = 0; i < r.n_layers; i++) CHECK(r.layers[i].sqnr_db >= ls->sqnr_db);
  CHECK(r.n_float == 1 && ls->precision == ENN_DTYPE_F16);
  CHECK(l1->precision == ENN_DTYPE_I8 && lf->precision == ENN_DTYPE_I8);
  CHECK(r.evaluations == 2); /* all int8, then conv_sens float */
  CHECK_NEAR(ls->accuracy, r.final_acc, 1e-9);
  /* the graph: conv_sens float with f16 weights and bias, conv1 / fc int8 */
  CHECK(node_in_dtype(q, "conv_sens", 0) == ENN_DTYPE_F32);
  CHECK(node_in_dtype(q, "conv_sens", 1) == ENN_DTYPE_F16 && node_in_dtype(q, "conv_sens", 2) == ENN_DTYPE_F16);
  CHECK(node_in_dtype(q, "conv1", 1) == ENN_DTYPE_I8);
  CHECK(node_in_dtype(q, "fc/int8", 1) == ENN_DTYPE_I8);
  CHECK(strcmp(enn_graph_get_meta(q, "quantized"), "int8") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_float"), "conv_sens (f16)") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_budget_met"), "1") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_metric"), "top1") == 0);
  CHECK(strcmp(enn_graph_get_meta(q, "quant_granularity"), "per-tensor") == 0);
  /* the reported accuracy, recomputed on the returned graph */
  classify(q, &ev, N_EVAL, N_CLS, got);
  int32_t hits = 0;
  for (int32_t i = 0; i < N_EVAL; i++) hits += got[i] == labels[i];
  CHECK_NEAR(100.0 * hits / N_EVAL, r.final_acc, 1e-9);
  /* ... and the int8 figure on enn_quantize_graph's graph */
  enn_quantize_options o8 = o;
  o8.accuracy_budget = NAN;
  CHECK_OK(enn_quantize_graph(g, &o8, N_CAL, fill_fn, &cal, &q8));
  if (q8) {
    classify(q8, &ev, N_EVAL, N_CLS, got);
    hits = 0;
    for (int32_t i = 0; i < N_EVAL; i++) hits += got[i] == labels[i];
    CHECK_NEAR(100.0 * hits / N_EVAL, r.int8_acc, 1e-9);
  }
  /* survives a save / load */
  void *buf = NULL;
  size_t size = 0;
  enn_graph *back = NULL;
  CHECK_OK(enn_model_save_buffer(q, NULL, &buf, &size));
  CHECK_OK(enn_model_load_buffer(buf, size, NULL, &back));
  if (back) {
    classify(back, &ev, N_EVAL, N_CLS, got);
    int32_t h2 = 0;
    for (int32_t i = 0; i < N_EVAL; i++) h2 += got[i] == labels[i];
    CHECK(h2 == (int32_t)lround(r.final_acc * N_EVAL / 100.0));
    enn_graph_destroy(back);
  }
  free(buf);
  enn_quantize_mixed_report_free(&r);
  CHECK(r.layers == NULL && r.n_layers == 0);
  enn_graph_destroy(q);

  /* no labels: agreement with the float model, the same decision */
  const enn_quantize_eval e2 = {N_EVAL, fill_fn, &ev, NULL};
  CHECK_OK(enn_quantize_graph_mixed(g, &o, N_CAL, fill_fn, &cal, &e2, NULL, NULL, &r, &q));
  CHECK(r.labelled == 0 && r.float_acc == 100.0 && r.budget_met == 1 && r.n_float == 1);
  CHECK(layer(&r, "conv_sens") && layer(&r, "conv_sens")->precision == ENN_DTYPE_F16);
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_mixed_metric"), "agreement") == 0);
  enn_quantize_mixed_report_free(&r);
  enn_graph_destroy(q);

  /* f32 kept weights */
  o.mixed_weights = ENN_DTYPE_F32;
  CHECK_OK(enn_quantize_graph_mixed(g, &o, N_CAL, fill_fn, &cal, &e, NULL, NULL, &r, &q));
  CHECK(r.n_float == 1 && layer(&r, "conv_sens") && layer(&r, "conv_sens")->precision == ENN_DTYPE_F32);
  CHECK(q && node_in_dtype(q, "conv_sens", 1) == ENN_DTYPE_F32);
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_mixed_float"), "conv_sens (f32)") == 0);
  enn_quantize_mixed_report_free(&r);
  enn_graph_destroy(q);

  /* a huge budget: nothing float, no sensitivity run, the int8 graph */
  opts_pt(&o, 100.0);
  CHECK_OK(enn_quantize_graph_mixed(g, &o, N_CAL, fill_fn, &cal, &e, NULL, NULL, &r, &q));
  CHECK(r.budget_met == 1 && r.n_float == 0 && r.evaluations == 1 && r.final_acc == r.int8_acc);
  for (int32_t i = 0; i < r.n_layers; i++)
    CHECK(r.layers[i].precision == ENN_DTYPE_I8 && r.layers[i].rank == -1 && isnan(r.layers[i].sqnr_db));
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_mixed_float"), "") == 0);
  if (q && q8) { /* the same outputs, bit for bit, as enn_quantize_graph's */
    enn_session *s1 = NULL, *s2 = NULL;
    CHECK_OK(enn_session_create(q, NULL, &s1));
    CHECK_OK(enn_session_create(q8, NULL, &s2));
    for (int32_t i = 0; s1 && s2 && i < 20; i++) {
      void *in1[1] = {enn_session_input_buffer(s1, 0)}, *in2[1] = {enn_session_input_buffer(s2, 0)};
      CHECK_OK(fill_fn(&ev, i, in1));
      CHECK_OK(fill_fn(&ev, i, in2));
      CHECK_OK(enn_session_run(s1));
      CHECK_OK(enn_session_run(s2));
      CHECK(memcmp(enn_session_output_buffer(s1, 0), enn_session_output_buffer(s2, 0), N_CLS * sizeof(float)) == 0);
    }
    enn_session_destroy(s1);
    enn_session_destroy(s2);
  }
  enn_quantize_mixed_report_free(&r);
  enn_graph_destroy(q);
  enn_graph_destroy(q8);
  enn_graph_destroy(g);
}

static void test_unmeetable(void) {
  enn_graph *g = build_tie(), *q = NULL;
  fill_ctx cal = {4, 1, 0.5f, 1.0f, 300, -1}, ev = {4, 1, 0.5f, 1.0f, 900, -1};
  int32_t labels[50], got[50];
  classify(g, &ev, 50, 2, got);
  for (int32_t i = 0; i < 50; i++) {
    CHECK(got[i] == 1); /* float: the (1 + 2^-12) row wins */
    labels[i] = 1;
  }
  enn_quantize_options o;
  opts_pt(&o, 0.0);
  const enn_quantize_eval e = {50, fill_fn, &ev, labels};
  enn_quantize_mixed_report r;
  CHECK_OK(enn_quantize_graph_mixed(g, &o, 16, fill_fn, &cal, &e, NULL, NULL, &r, &q));
  CHECK(r.budget_met == 0 && r.float_acc == 100.0 && r.int8_acc == 0.0 && r.final_acc == 0.0);
  CHECK(r.n_layers == 1 && r.n_float == 0 && r.evaluations == 2);
  if (r.n_layers == 1) {
    CHECK(r.layers[0].rank == 0 && r.layers[0].accuracy == 0.0); /* evaluated float (f16): still 0 */
    CHECK(r.layers[0].precision == ENN_DTYPE_I8);                 /* not kept: no better */
  }
  CHECK(q && strcmp(enn_graph_get_meta(q, "quant_mixed_budget_met"), "0") == 0);
  CHECK(q && strcmp(enn_graph_get_meta(q, "quantized"), "int8") == 0);
  enn_quantize_mixed_report_free(&r);
  enn_graph_destroy(q);
  /* f32 weights: every layer float is the float model */
  o.mixed_weights = ENN_DTYPE_F32;
  CHECK_OK(enn_quantize_graph_mixed(g, &o, 16, fill_fn, &cal, &e, NULL, NULL, &r, &q));
  CHECK(r.budget_met == 1 && r.final_acc == 100.0 && r.n_float == 1);
  CHECK(r.n_layers == 1 && r.layers[0].precision == ENN_DTYPE_F32);
  if (q) {
    CHECK(enn_graph_get_meta(q, "quantized") == NULL); /* nothing int8 left */
    CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_float"), "fc (f32)") == 0);
    classify(q, &ev, 50, 2, got);
    for (int32_t i = 0; i < 50; i++) CHECK(got[i] == 1);
  }
  enn_quantize_mixed_report_free(&r);
  enn_graph_destroy(q);
  enn_graph_destroy(g);
}

/* ------------------------------------------------------------ search rule */
typedef struct curve {
  const int64_t *h; /* hits of k */
  int32_t seen[64];
  int32_t n_seen;
} curve;

static enn_status curve_score(void *ctx, int32_t k, int64_t *hits) {
  curve *c = ctx;
  c->seen[c->n_seen++] = k;
  *hits = c->h[k];
  return ENN_OK;
}

static void run_curve(const int64_t *h, int32_t n, int64_t need, int32_t want_best, bool want_met,
                      const int32_t *want_seen, int32_t n_want) {
  curve c;
  memset(&c, 0, sizeof c);
  c.h = h;
  int64_t hits[64];
  for (int32_t k = 0; k <= n; k++) hits[k] = -1;
  hits[0] = h[0];
  int32_t best = -1;
  bool met = !want_met;
  CHECK_OK(enn_quant_mixed_search(n, need, hits, curve_score, &c, &best, &met));
  CHECK_MSG(best == want_best && met == want_met, "best %d met %d", best, (int)met);
  CHECK_MSG(c.n_seen == n_want, "%d evaluations, want %d", c.n_seen, n_want);
  for (int32_t i = 0; i < c.n_seen && i < n_want; i++) CHECK_MSG(c.seen[i] == want_seen[i], "eval %d: k %d", i, c.seen[i]);
  for (int32_t k = 1; k <= n; k++) {
    bool evaluated = false;
    for (int32_t i = 0; i < c.n_seen; i++) evaluated |= c.seen[i] == k;
    CHECK(hits[k] == (evaluated ? h[k] : -1));
  }
}

static void test_search_rule(void) {
  int64_t lin[21];
  for (int32_t k = 0; k <= 20; k++) lin[k] = 10 * k;
  /* grows 1 2 3 4 6 9 13, then bisects (9, 13): 11 meets, 10 meets */
  const int32_t s1[] = {1, 2, 3, 4, 6, 9, 13, 11, 10};
  run_curve(lin, 20, 95, 10, true, s1, 9);
  const int32_t s2[] = {1, 2, 3};
  run_curve(lin, 20, 30, 3, true, s2, 3); /* no gap to bisect */
  const int32_t s3[] = {1, 2, 3, 4, 6, 9, 13, 19, 20};
  run_curve(lin, 20, 1000, 20, false, s3, 9); /* never: the best evaluated */
  run_curve(lin, 20, 0, 0, true, s3, 0);      /* all int8 meets: nothing evaluated */
  /* never met, a peak at k = 4 and 9 (equal): the smaller */
  int64_t peak[21] = {0, 5, 6, 6, 9, 2, 3, 1, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  run_curve(peak, 20, 10, 4, false, s3, 9);
  /* non-monotone: 6 meets, bisect (4, 6) -> 5 misses: 6 */
  int64_t bump[8] = {0, 1, 2, 3, 4, 3, 9, 9};
  const int32_t s4[] = {1, 2, 3, 4, 6, 5};
  run_curve(bump, 7, 8, 6, true, s4, 6);
  /* a single candidate */
  int64_t one[2] = {0, 1};
  const int32_t s5[] = {1};
  run_curve(one, 1, 1, 1, true, s5, 1);
  run_curve(one, 1, 2, 1, false, s5, 1);
}

/* ----------------------------------------------------------------- errors */
static void test_errors(void) {
  enn_graph *g = build_tie(), *q = NULL;
  fill_ctx cal = {4, 1, 0.5f, 1.0f, 300, -1}, ev = {4, 1, 0.5f, 1.0f, 900, -1};
  int32_t labels[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  enn_quantize_options o;
  opts_pt(&o, 1.0);
  enn_quantize_eval e = {8, fill_fn, &ev, labels};
  enn_quantize_mixed_report r;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, NULL, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "evaluation data") && q == NULL && r.n_layers == 0 && r.layers == NULL);
  e.fill = NULL;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "evaluation data") != NULL);
  e.fill = fill_fn;
  e.n = 0;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "evaluation set is empty") != NULL);
  e.n = 8;
  o.accuracy_budget = NAN;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "accuracy_budget") != NULL);
  o.accuracy_budget = -0.5;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "-0.5 is negative") != NULL);
  /* a budget without mixed precision */
  o.accuracy_budget = 1.0;
  CHECK_STATUS(enn_quantize_graph(g, &o, 8, fill_fn, &cal, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "only by mixed precision") && q == NULL);
  o.mixed_weights = ENN_DTYPE_I8;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "mixed_weights") != NULL);
  o.mixed_weights = ENN_DTYPE_F16;
  labels[5] = -1;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "label -1 of sample 5") != NULL);
  labels[5] = 1;
  ev.fail_at = 3;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_IO);
  CHECK_MSG(strstr(enn_last_error(), "evaluation sample 3: cannot read") != NULL && q == NULL, "%s", enn_last_error());
  ev.fail_at = -1;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 0, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, NULL), ENN_ERR_INVALID_ARG);
  CHECK(r.n_layers == 0 && r.layers == NULL);
  cal.fail_at = 2;
  CHECK_STATUS(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, &r, &q), ENN_ERR_IO);
  CHECK_MSG(strstr(enn_last_error(), "calibration sample 2: cannot read the file of sample 2") != NULL, "%s",
            enn_last_error());
  cal.fail_at = -1;
  /* and it works with the same arguments fixed */
  CHECK_OK(enn_quantize_graph_mixed(g, &o, 8, fill_fn, &cal, &e, NULL, NULL, NULL, &q));
  CHECK(q != NULL);
  enn_graph_destroy(q);
  enn_graph_destroy(g);
}

/* ------------------------------------------------------------------- CLI */
static char dir[1024], out_text[65536], err_text[65536];

static int run_cli(const char *args) {
  char cmd[8192], p[1100];
  snprintf(cmd, sizeof cmd, "\"%s\" %s >\"%s/out.txt\" 2>\"%s/err.txt\"", getenv("ENN_CLI"), args, dir, dir);
  int st = system(cmd);
  char *bufs[2] = {out_text, err_text};
  const char *name[2] = {"out.txt", "err.txt"};
  for (int k = 0; k < 2; k++) {
    snprintf(p, sizeof p, "%s/%s", dir, name[k]);
    FILE *f = fopen(p, "r");
    size_t n = f ? fread(bufs[k], 1, sizeof out_text - 1, f) : 0;
    bufs[k][n] = '\0';
    if (f) fclose(f);
  }
  if (st == -1 || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

#define OUT_HAS(s) CHECK_MSG(strstr(out_text, (s)) != NULL, "stdout lacks '%s':\n%s\nstderr:\n%s", (s), out_text, err_text)
#define ERR_HAS(s) CHECK_MSG(strstr(err_text, (s)) != NULL, "stderr lacks '%s':\n%s", (s), err_text)

/* n kws feature files (49x10 int8, label 99) in dir/sub: stripes with
 * per-file amplitudes so the samples differ; positive: every value above
 * the kws zero point 83. */
static void write_kws(const char *sub, int32_t n, bool positive) {
  char p[1200];
  snprintf(p, sizeof p, "%s/%s", dir, sub);
  mkdir(p, 0755);
  unsigned long long s = 4242u + (unsigned long long)positive;
  for (int32_t i = 0; i < n; i++) {
    snprintf(p, sizeof p, "%s/%s/f%03d_99.bin", dir, sub, i);
    FILE *f = fopen(p, "wb");
    if (!f) {
      CHECK(f != NULL);
      return;
    }
    const float a = enn_t_randf(&s, 0.0f, 1.0f), b = enn_t_randf(&s, 0.0f, 1.0f), c = enn_t_randf(&s, 0.0f, 1.0f);
    int8_t v[490];
    for (int32_t r = 0; r < 49; r++)
      for (int32_t k = 0; k < 10; k++) {
        const float x = a * (r % 2 ? 1.0f : -1.0f) + b * (k % 2 ? 1.0f : -1.0f) + c * enn_t_randf(&s, -1.0f, 1.0f);
        v[r * 10 + k] = positive ? (int8_t)(90 + (int)(fabsf(x) * 12.0f)) : (int8_t)(x * 40.0f);
      }
    CHECK(fwrite(v, 1, sizeof v, f) == sizeof v);
    fclose(f);
  }
}

static void test_cli(void) {
  if (!getenv("ENN_CLI")) {
    fprintf(stderr, "SKIP: ENN_CLI not set\n");
    exit(77);
  }
  snprintf(dir, sizeof dir, "%s/qmixed_%ld", enn_test_tmp(), (long)getpid());
  mkdir(dir, 0755);
  write_kws("ds", 120, false);
  write_kws("pos", 40, true);
  char model[1200], tie[1200], out[1200], args[8192];
  snprintf(model, sizeof model, "%s/sens.enn", dir);
  snprintf(tie, sizeof tie, "%s/tie.enn", dir);
  snprintf(out, sizeof out, "%s/out.enn", dir);
  enn_graph *g = build_sensitive_hw(49, 10, 1);
  CHECK_OK(enn_model_save(g, model));
  enn_graph_destroy(g);
  g = build_tie_kws();
  CHECK_OK(enn_model_save(g, tie));
  enn_graph_destroy(g);

  /* the sensitive layer kept float */
  const char *common = "--dtype mixed --granularity per-tensor --method minmax";
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds --samples 60 %s --eval kws:%s/ds --accuracy-budget 5 -o %s",
           model, dir, common, dir, out);
  CHECK_MSG(run_cli(args) == 0, "stderr: %s", err_text);
  fprintf(stderr, "%s", out_text);
  ERR_HAS("the budget applies to top-1 agreement");
  OUT_HAS("sensitivity: output SQNR");
  OUT_HAS("conv_sens");
  OUT_HAS("float (f16 weights)");
  OUT_HAS("1 of 4 layers kept float");
  OUT_HAS("budget 5.00: met");
  OUT_HAS("wrote");
  enn_graph *q = NULL;
  CHECK_OK(enn_model_load(out, NULL, &q));
  if (q) {
    CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_float"), "conv_sens (f16)") == 0);
    CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_metric"), "agreement") == 0);
    CHECK(strcmp(enn_graph_get_meta(q, "quant_mixed_eval_samples"), "120") == 0);
    enn_graph_destroy(q);
  }
  unlink(out);
  snprintf(args, sizeof args,
           "quantize %s --calib kws:%s/ds --samples 60 %s --eval kws:%s/ds --eval-limit 100 --accuracy-budget 5 -o %s "
           "--json",
           model, dir, common, dir, out);
  CHECK_MSG(run_cli(args) == 0, "stderr: %s", err_text);
  OUT_HAS("\"dtype\": \"mixed\"");
  OUT_HAS("\"mixed\": {\"metric\": \"agreement\", \"eval_samples\": 100, \"budget\": 5");
  OUT_HAS("\"budget_met\": true, \"float_layers\": 1");
  OUT_HAS("{\"name\": \"conv_sens\", \"op\": \"Conv2D\"");
  OUT_HAS("\"rank\": 0, \"precision\": \"f16\"");
  CHECK(access(out, F_OK) == 0);
  unlink(out);

  /* unmeetable with f16 weights: fails, writes nothing; f32 meets it */
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/pos %s --eval kws:%s/pos --accuracy-budget 0 -o %s", tie,
           dir, common, dir, out);
  CHECK(run_cli(args) == 1);
  ERR_HAS("edgenn: error: no configuration meets the budget of 0.00 points");
  ERR_HAS("--float-weights f32");
  OUT_HAS("NOT met");
  CHECK(access(out, F_OK) != 0);
  snprintf(args, sizeof args,
           "quantize %s --calib kws:%s/pos %s --eval kws:%s/pos --accuracy-budget 0 --float-weights f32 -o %s", tie, dir,
           common, dir, out);
  CHECK_MSG(run_cli(args) == 0, "stderr: %s", err_text);
  fprintf(stderr, "%s", out_text);
  OUT_HAS("budget 0.00: met");
  OUT_HAS("float (f32)");
  CHECK(access(out, F_OK) == 0);
  unlink(out);

  /* usage */
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds %s -o %s", model, dir, common, out);
  CHECK(run_cli(args) == 2);
  ERR_HAS("--dtype mixed needs --eval SPEC and --accuracy-budget PTS");
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds %s --eval kws:%s/ds -o %s", model, dir, common, dir, out);
  CHECK(run_cli(args) == 2);
  ERR_HAS("--dtype mixed needs --accuracy-budget PTS");
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds %s --accuracy-budget 1 -o %s", model, dir, common, out);
  CHECK(run_cli(args) == 2);
  ERR_HAS("--dtype mixed needs --eval SPEC");
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds %s --eval kws:%s/ds --accuracy-budget -1 -o %s", model,
           dir, common, dir, out);
  CHECK(run_cli(args) == 2);
  ERR_HAS("--accuracy-budget");
  snprintf(args, sizeof args, "quantize %s --calib kws:%s/ds --float-weights f32 -o %s", model, dir, out);
  CHECK(run_cli(args) == 2);
  ERR_HAS("--float-weights applies to --dtype mixed only");
  CHECK(access(out, F_OK) != 0);
  CHECK(run_cli("quantize --help") == 0);
  OUT_HAS("--float-weights");
  OUT_HAS("mixed = int8, but the layers");
  snprintf(args, sizeof args, "rm -rf '%s'", dir);
  CHECK(system(args) == 0);
}

int main(void) {
  ENN_RUN(test_search_rule);
  ENN_RUN(test_sensitive_layer);
  ENN_RUN(test_unmeetable);
  ENN_RUN(test_errors);
  ENN_RUN(test_cli);
  return enn_test_finish();
}
