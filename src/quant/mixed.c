/*
 * Mixed-precision quantisation (enn_quantize_graph_mixed,
 * include/edgenn/quantize.h; docs/quantization.md, "Mixed precision").
 *
 * The float graph is prepared and calibrated once (enn_quant_prepare);
 * every configuration is then a call of the int8 builder with a per-node
 * keep-float set (enn_qbuild), so a kept layer becomes a float island
 * between Dequantize / Quantize nodes, exactly as operators without an
 * int8 form are, its Conv2D / FullyConnected weights stored as F16 (the
 * FP16 weights-only path) unless options.mixed_weights is F32.
 *
 *   1. Candidates = the nodes the all-int8 build emits as int8 compute
 *      (views that only move bytes follow their input and are not
 *      candidates). The all-int8 graph is scored on the evaluation set:
 *      top-1 against the labels, or agreement with the float model's
 *      top-1 when there are none; the float model is scored the same way.
 *      If float - int8 <= budget, that is the result.
 *   2. Sensitivity of candidate L = SQNR of output 0 of the graph in
 *      which ONLY L is int8 (every other node float32, f32 weights)
 *      against the float model, 10 log10(sum f^2 / sum (q - f)^2), over
 *      options.sensitivity_samples calibration samples spread over the
 *      calibration set. One end-to-end number per layer: it includes how
 *      the layer's error propagates (and is masked) downstream, which the
 *      layer's own output SQNR does not, and it costs one short run per
 *      layer instead of a full evaluation; the ranking is only a proposal,
 *      every decision below is checked on the evaluation set. The
 *      evaluation set is not used for the ranking, so it stays an
 *      independent check of the proposal.
 *   3. The k most sensitive candidates are kept float, k = 1, 2, 3, 4 and
 *      then k += k / 2 (capped at the candidate count), each configuration
 *      scored on the evaluation set, until one meets the budget; when the
 *      first k that meets it is more than one step past the last k that
 *      missed, the gap is bisected, so the result is the smallest evaluated
 *      k that meets the budget (the smallest k overall when accuracy grows
 *      with k, which it does up to noise).
 *   4. When no k meets the budget (every candidate float still misses:
 *      possible with fp16 weights and a budget of 0), the result is the
 *      evaluated configuration with the highest accuracy, the fewest float
 *      layers among equals, and the report says budget_met = 0.
 * Evaluation inputs are filled once and kept in memory when they fit in
 * 256 MiB (else the callback is called for every configuration).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quant/quant_internal.h"

#define MIXED_CACHE_MAX ((size_t)256 << 20)

/* Sample j of a source is the callback's sample j * n_total / n. */
typedef struct src {
  enn_calib_fill fill;
  void *ctx;
  int32_t n, n_total;
  const char *what; /* "evaluation sample", "calibration sample" */
  uint8_t *cache;   /* n * per bytes, or NULL */
  size_t per;
} src;

typedef struct mixed {
  const enn_graph *f; /* the user's float graph */
  const enn_qcal *c;
  const enn_quantize_options *o;
  const enn_allocator *a;
  enn_quantize_stage_progress progress;
  void *pctx;
  int32_t n_in;
  size_t *in_bytes; /* [n_in] */
  int64_t n_out;    /* elements of output 0 */
} mixed;

static int32_t src_index(const src *s, int32_t j) { return (int32_t)((int64_t)j * s->n_total / s->n); }

/* Fills bufs with sample j (checking every value is finite). */
static enn_status src_fill(const mixed *m, const src *s, int32_t j, void *const *bufs) {
  if (s->cache) {
    const uint8_t *p = s->cache + (size_t)j * s->per;
    for (int32_t k = 0; k < m->n_in; k++) {
      memcpy(bufs[k], p, m->in_bytes[k]);
      p += m->in_bytes[k];
    }
    return ENN_OK;
  }
  const int32_t i = src_index(s, j);
  enn_clear_error();
  enn_status st = s->fill(s->ctx, i, bufs);
  if (st) {
    char msg[512]; /* a copy: enn_err writes the buffer enn_last_error points to */
    const char *m0 = enn_last_error();
    snprintf(msg, sizeof msg, "%s", m0 && *m0 ? m0 : enn_status_name(st));
    return enn_err(st, "%s %d: %s", s->what, i, msg);
  }
  for (int32_t k = 0; k < m->n_in; k++) {
    const float *x = bufs[k];
    const int64_t ne = (int64_t)(m->in_bytes[k] / sizeof(float));
    for (int64_t e = 0; e < ne; e++)
      if (!isfinite(x[e]))
        return enn_err(ENN_ERR_INVALID_ARG, "%s %d, input '%s': element %lld is %s", s->what, i,
                       m->c->g->tensors[m->c->g->inputs[k]].name, (long long)e, isnan(x[e]) ? "NaN" : "infinite");
  }
  return ENN_OK;
}

/* Fills the whole source into memory once when it fits. */
static enn_status src_cache(const mixed *m, src *s) {
  size_t per = 0;
  for (int32_t k = 0; k < m->n_in; k++) per += m->in_bytes[k];
  s->per = per;
  if (per == 0 || (size_t)s->n > MIXED_CACHE_MAX / per) return ENN_OK;
  uint8_t *cache = enn_alloc_aligned(m->a, (size_t)s->n * per + 1, ENN_ALIGN);
  void **bufs = enn_alloc(m->a, (size_t)m->n_in * sizeof(void *) + 1);
  enn_status st = cache && bufs ? ENN_OK : enn_err(ENN_ERR_NO_MEMORY, "out of memory (mixed-precision samples)");
  for (int32_t j = 0; j < s->n && !st; j++) {
    uint8_t *p = cache + (size_t)j * per;
    for (int32_t k = 0; k < m->n_in; k++) {
      bufs[k] = p; /* inputs are float32: every offset stays 4-byte aligned */
      p += m->in_bytes[k];
    }
    st = src_fill(m, s, j, bufs);
  }
  enn_free(m->a, bufs);
  if (st) {
    enn_free(m->a, cache);
    return st;
  }
  s->cache = cache;
  return ENN_OK;
}

static int32_t argmax(const float *y, int64_t n) {
  int64_t best = 0;
  for (int64_t k = 1; k < n; k++)
    if (y[k] > y[best]) best = k; /* ties: the lower index */
  return (int32_t)best;
}

/* Runs g over s: output 0 of sample j into outs + j * n_out (outs may be
 * NULL) and its argmax into am[j] (may be NULL). */
static enn_status run_set(const mixed *m, const enn_graph *g, const src *s, const char *stage, float *outs,
                          int32_t *am) {
  enn_session_options so;
  enn_session_options_init(&so);
  so.threads = m->o->threads > 0 ? m->o->threads : 1;
  so.alloc = m->a;
  enn_session *ss = NULL;
  enn_status st = enn_session_create(g, &so, &ss);
  if (st) return enn_err_prefix(st, "mixed precision (%s)", stage);
  void **bufs = enn_alloc(m->a, (size_t)m->n_in * sizeof(void *) + 1);
  if (!bufs) st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t k = 0; k < m->n_in && !st; k++) bufs[k] = enn_session_input_buffer(ss, k);
  for (int32_t j = 0; j < s->n && !st; j++) {
    if ((st = src_fill(m, s, j, bufs))) break;
    if ((st = enn_session_run(ss))) {
      st = enn_err_prefix(st, "mixed precision (%s), %s %d", stage, s->what, src_index(s, j));
      break;
    }
    const float *y = enn_session_output_buffer(ss, 0);
    if (outs) memcpy(outs + (size_t)j * (size_t)m->n_out, y, (size_t)m->n_out * sizeof(float));
    if (am) am[j] = argmax(y, m->n_out);
    if (m->progress) m->progress(m->pctx, stage, j + 1, s->n);
  }
  enn_free(m->a, bufs);
  enn_session_destroy(ss);
  return st;
}

/* 10 log10(sum f^2 / sum (q - f)^2); +inf without error, -inf when f is 0
 * and q is not. */
static double sqnr_db(const float *f, const float *q, size_t n) {
  double sig = 0.0, noise = 0.0;
  for (size_t i = 0; i < n; i++) {
    const double d = (double)q[i] - (double)f[i];
    sig += (double)f[i] * (double)f[i];
    noise += d * d;
  }
  if (!(noise > 0.0)) return INFINITY;
  if (!(sig > 0.0)) return -INFINITY;
  return 10.0 * log10(sig / noise);
}

/* ------------------------------------------------------------- search */
typedef struct search {
  mixed *m;
  src *ev;
  const int32_t *labels;
  const int32_t *fam;  /* float argmax per eval sample */
  int32_t n_cand;
  const int32_t *cand;  /* candidate node indices, graph order */
  const int32_t *order; /* candidate positions (into cand), most sensitive first */
  int64_t *hits;        /* [n_cand + 1]: hits of "k most sensitive float", -1 = not evaluated */
  int32_t *am;          /* scratch [n_eval] */
  uint8_t *keep;        /* scratch [n_nodes] */
  int32_t evaluations;
} search;

/* The keep-float set of the k most sensitive candidates. */
static void keep_top(search *s, int32_t k) {
  memset(s->keep, 0, (size_t)s->m->c->g->n_nodes);
  for (int32_t r = 0; r < k; r++) s->keep[s->cand[s->order[r]]] = 1;
}

static enn_status build_cfg(const mixed *m, const uint8_t *keep, enn_dtype fw, enn_graph **q) {
  enn_qbuild cfg = {keep, fw, 1, NULL};
  return enn_quant_build(m->c, m->o, &cfg, q);
}

static enn_status score(void *ctx, int32_t k, int64_t *hits_out) {
  search *s = ctx;
  keep_top(s, k);
  enn_graph *q = NULL;
  enn_status st = build_cfg(s->m, s->keep, s->m->o->mixed_weights, &q);
  char stage[64];
  if (k == 0) snprintf(stage, sizeof stage, "int8 accuracy");
  else snprintf(stage, sizeof stage, "search: %d float", k);
  if (!st) st = run_set(s->m, q, s->ev, stage, NULL, s->am);
  enn_graph_destroy(q);
  if (st) return st;
  int64_t h = 0;
  for (int32_t j = 0; j < s->ev->n; j++) h += s->am[j] == (s->labels ? s->labels[j] : s->fam[j]);
  *hits_out = h;
  s->evaluations++;
  return ENN_OK;
}

enn_status enn_quant_mixed_search(int32_t n, int64_t need, int64_t *hits, enn_qmixed_score score_fn, void *ctx,
                                  int32_t *best, bool *met) {
  enn_status st;
  *best = 0;
  *met = hits[0] >= need;
  if (*met || n < 1) return ENN_OK;
  int32_t last_miss = 0, first_met = -1;
  for (int32_t k = 1;;) {
    if ((st = score_fn(ctx, k, &hits[k]))) return st;
    if (hits[k] >= need) {
      first_met = k;
      break;
    }
    last_miss = k;
    if (k == n) break;
    k = k < 4 ? k + 1 : k + k / 2;
    if (k > n) k = n;
  }
  if (first_met < 0) { /* the best evaluated; the fewest float layers among equals */
    for (int32_t k = 1; k <= n; k++)
      if (hits[k] > hits[*best]) *best = k;
    return ENN_OK;
  }
  int32_t lo = last_miss, hi = first_met; /* lo misses, hi meets, both evaluated */
  while (hi - lo > 1) {
    const int32_t mid = lo + (hi - lo) / 2;
    if ((st = score_fn(ctx, mid, &hits[mid]))) return st;
    if (hits[mid] >= need) hi = mid;
    else lo = mid;
  }
  *best = hi;
  *met = true;
  return ENN_OK;
}

typedef struct ranked {
  double sqnr;
  int32_t pos;
} ranked;

static int cmp_ranked(const void *pa, const void *pb) {
  const ranked *a = pa, *b = pb;
  if (a->sqnr < b->sqnr) return -1;
  if (a->sqnr > b->sqnr) return 1;
  return (a->pos > b->pos) - (a->pos < b->pos);
}

static enn_status set_meta_f(enn_graph *q, const char *key, double v) {
  char buf[64];
  snprintf(buf, sizeof buf, "%.4f", v);
  return enn_graph_set_meta(q, key, buf);
}

/* The node of q named name, or NULL. */
static const enn_node *find_node(const enn_graph *q, const char *name) {
  for (int32_t i = 0; i < q->n_nodes; i++)
    if (!q->nodes[i].dead && q->nodes[i].name && strcmp(q->nodes[i].name, name) == 0) return &q->nodes[i];
  return NULL;
}

void enn_quantize_mixed_report_free(enn_quantize_mixed_report *r) {
  if (!r) return;
  for (int32_t i = 0; r->layers && i < r->n_layers; i++) enn_free(NULL, r->layers[i].name);
  enn_free(NULL, r->layers);
  r->layers = NULL;
  r->n_layers = 0;
}

static enn_status check_mixed_args(const enn_graph *g, const enn_quantize_options *o, const enn_quantize_eval *ev) {
  if (isnan(o->accuracy_budget))
    return enn_err(ENN_ERR_INVALID_ARG, "mixed precision needs options.accuracy_budget: the accuracy points the "
                   "result may lose against the float model (>= 0)");
  if (!(o->accuracy_budget >= 0.0))
    return enn_err(ENN_ERR_INVALID_ARG, "accuracy budget %g is negative (points the result may lose against the "
                   "float model; give >= 0)", o->accuracy_budget);
  if (o->mixed_weights != ENN_DTYPE_F16 && o->mixed_weights != ENN_DTYPE_F32)
    return enn_err(ENN_ERR_INVALID_ARG, "options.mixed_weights is %s; layers kept float store f16 or f32 weights",
                   enn_dtype_name(o->mixed_weights));
  if (o->sensitivity_samples < 1)
    return enn_err(ENN_ERR_INVALID_ARG, "options.sensitivity_samples is %d; give at least 1",
                   o->sensitivity_samples);
  if (!ev || !ev->fill)
    return enn_err(ENN_ERR_INVALID_ARG, "mixed precision needs evaluation data (an enn_quantize_eval with a fill "
                   "callback): the budget is checked on it");
  if (ev->n < 1)
    return enn_err(ENN_ERR_INVALID_ARG, "the evaluation set is empty (%d samples); give at least one", ev->n);
  for (int32_t i = 0; ev->labels && i < ev->n; i++)
    if (ev->labels[i] < 0)
      return enn_err(ENN_ERR_INVALID_ARG, "evaluation label %d of sample %d is negative (pass labels = NULL to "
                     "measure agreement with the float model)", ev->labels[i], i);
  if (g->n_outputs < 1 || g->tensors[g->outputs[0]].desc.dtype != ENN_DTYPE_F32)
    return enn_err(ENN_ERR_INVALID_ARG, "mixed precision scores output 0, which must be float32%s%s%s",
                   g->n_outputs ? " ('" : "", g->n_outputs ? g->tensors[g->outputs[0]].name : "",
                   g->n_outputs ? "' is not)" : " (the graph has no output)");
  return ENN_OK;
}

typedef struct padapt {
  enn_quantize_stage_progress fn;
  void *ctx;
} padapt;

static void calib_progress(void *ctx, int64_t done, int64_t total) {
  const padapt *p = ctx;
  p->fn(p->ctx, "calibrating", done, total);
}

enn_status enn_quantize_graph_mixed(const enn_graph *f32_graph, const enn_quantize_options *opt, int32_t n_samples,
                                    enn_calib_fill fill, void *ctx, const enn_quantize_eval *eval,
                                    enn_quantize_stage_progress progress, void *progress_ctx,
                                    enn_quantize_mixed_report *report, enn_graph **out) {
  if (report) memset(report, 0, sizeof *report);
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_quantize_graph_mixed: out is NULL");
  *out = NULL;
  if (!f32_graph) return enn_err(ENN_ERR_INVALID_ARG, "enn_quantize_graph_mixed: graph is NULL");
  enn_quantize_options o;
  if (opt) o = *opt;
  else enn_quantize_options_init(&o);
  enn_status st = enn_quant_check_args(&o, n_samples, fill);
  if (st || (st = check_mixed_args(f32_graph, &o, eval))) return st;

  padapt pa = {progress, progress_ctx};
  enn_qcal c;
  int32_t pairs = 0;
  if ((st = enn_quant_prepare(f32_graph, &o, n_samples, fill, ctx, progress ? calib_progress : NULL, &pa, &c,
                              &pairs)))
    return st;
  const enn_graph *g = c.g;
  const enn_allocator *a = &g->alloc;
  mixed m = {f32_graph, &c, &o, a, progress, progress_ctx, g->n_inputs, NULL, 0};
  src ev = {eval->fill, eval->ctx, eval->n, eval->n, "evaluation sample", NULL, 0};
  const int32_t n_sens = o.sensitivity_samples < n_samples ? o.sensitivity_samples : n_samples;
  src sens = {fill, ctx, n_sens, n_samples, "calibration sample", NULL, 0};
  enn_graph *q = NULL;
  const int32_t nn = g->n_nodes;
  uint8_t *is_q8 = enn_alloc(a, (size_t)nn + 1), *keep = enn_alloc(a, (size_t)nn + 1);
  int32_t *cand = enn_alloc(a, (size_t)nn * sizeof(int32_t) + 1);
  int32_t *order = enn_alloc(a, (size_t)nn * sizeof(int32_t) + 1);
  int64_t *hits = enn_alloc(a, (size_t)(nn + 1) * sizeof(int64_t));
  double *sqnr = enn_alloc(a, (size_t)nn * sizeof(double) + 1);
  ranked *rk = enn_alloc(a, (size_t)nn * sizeof(ranked) + 1);
  int32_t *fam = enn_alloc(a, (size_t)eval->n * sizeof(int32_t));
  int32_t *am = enn_alloc(a, (size_t)eval->n * sizeof(int32_t));
  m.in_bytes = enn_alloc(a, (size_t)m.n_in * sizeof(size_t) + 1);
  float *fout = NULL, *qout = NULL;
  enn_quantize_layer *layers = NULL;
  char *list = NULL;
  size_t list_len = 0;
  int32_t n_cand = 0, best = 0;
  bool met = false, ranked_done = false, any_f16 = false, any_q8 = false;
  int64_t f_hits = eval->n;
  search s = {&m, &ev, eval->labels, fam, 0, cand, order, hits, am, keep, 0};
  if (!is_q8 || !keep || !cand || !order || !hits || !sqnr || !rk || !fam || !am || !m.in_bytes) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (mixed precision)");
    goto done;
  }
  for (int32_t k = 0; k < m.n_in; k++) m.in_bytes[k] = enn_tensor_desc_bytes(&g->tensors[g->inputs[k]].desc);
  m.n_out = enn_tensor_desc_numel(&f32_graph->tensors[f32_graph->outputs[0]].desc);

  /* 1. candidates, the float model and the all-int8 graph */
  {
    enn_qbuild cfg = {NULL, ENN_DTYPE_INVALID, 0, is_q8};
    if ((st = enn_quant_build(&c, &o, &cfg, &q))) goto done;
    enn_graph_destroy(q);
    q = NULL;
  }
  for (int32_t i = 0; i < nn; i++)
    if (is_q8[i]) cand[n_cand++] = i;
  s.n_cand = n_cand;
  if ((st = src_cache(&m, &ev))) goto done;
  if ((st = run_set(&m, f32_graph, &ev, "float model", NULL, fam))) goto done;
  if (eval->labels) {
    f_hits = 0;
    for (int32_t j = 0; j < eval->n; j++) f_hits += fam[j] == eval->labels[j];
  }
  for (int32_t k = 0; k <= nn; k++) hits[k] = -1;
  for (int32_t r = 0; r < n_cand; r++) order[r] = r;
  for (int32_t r = 0; r < n_cand; r++) sqnr[r] = NAN;
  const double n_ev = (double)eval->n, budget = o.accuracy_budget;
  /* the fewest hits within the budget: float - 100 * (f_hits - h) / n <= budget */
  const int64_t need = f_hits - (int64_t)floor(budget * n_ev / 100.0 + 1e-9);
  if ((st = score(&s, 0, &hits[0]))) goto done;
  met = hits[0] >= need;
  if (!met && n_cand > 0) {
    /* 2. sensitivity: only candidate r int8 */
    fout = enn_alloc(a, (size_t)n_sens * (size_t)m.n_out * sizeof(float) + 1);
    qout = enn_alloc(a, (size_t)n_sens * (size_t)m.n_out * sizeof(float) + 1);
    if (!fout || !qout) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (sensitivity outputs)");
      goto done;
    }
    if ((st = src_cache(&m, &sens))) goto done;
    if ((st = run_set(&m, f32_graph, &sens, "float model", fout, NULL))) goto done;
    for (int32_t r = 0; r < n_cand; r++) {
      memset(keep, 1, (size_t)nn);
      keep[cand[r]] = 0;
      char stage[64];
      snprintf(stage, sizeof stage, "sensitivity %d/%d", r + 1, n_cand);
      if ((st = build_cfg(&m, keep, ENN_DTYPE_F32, &q))) goto done;
      st = run_set(&m, q, &sens, stage, qout, NULL);
      enn_graph_destroy(q);
      q = NULL;
      if (st) goto done;
      sqnr[r] = sqnr_db(fout, qout, (size_t)n_sens * (size_t)m.n_out);
      rk[r].sqnr = sqnr[r];
      rk[r].pos = r;
    }
    qsort(rk, (size_t)n_cand, sizeof *rk, cmp_ranked);
    for (int32_t r = 0; r < n_cand; r++) order[r] = rk[r].pos;
    ranked_done = true;
    /* 3-4. the k most sensitive float */
    if ((st = enn_quant_mixed_search(n_cand, need, hits, score, &s, &best, &met))) goto done;
  }

  /* the result */
  keep_top(&s, best);
  if ((st = build_cfg(&m, keep, o.mixed_weights, &q))) goto done;
  layers = enn_alloc(NULL, (size_t)n_cand * sizeof *layers + 1);
  if (!layers) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (mixed-precision report)");
    goto done;
  }
  for (int32_t p = 0; p < n_cand && !st; p++) {
    const enn_node *n = &g->nodes[cand[p]];
    enn_quantize_layer *L = &layers[p];
    L->name = enn_strdup(NULL, n->name);
    if (!L->name) st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    L->op = n->op;
    L->sqnr_db = sqnr[p];
    L->rank = -1;
    L->precision = ENN_DTYPE_I8;
    L->accuracy = NAN;
    if (!ranked_done) continue;
    for (int32_t r = 0; r < n_cand; r++)
      if (order[r] == p) L->rank = r;
    if (hits[L->rank + 1] >= 0) L->accuracy = 100.0 * (double)hits[L->rank + 1] / n_ev;
    if (!keep[cand[p]]) continue;
    const enn_node *qn = find_node(q, n->name);
    const bool h = qn && qn->n_inputs > 1 && q->tensors[qn->inputs[1]].desc.dtype == ENN_DTYPE_F16;
    L->precision = h ? ENN_DTYPE_F16 : ENN_DTYPE_F32;
    any_f16 |= h;
    char item[320];
    const int len = snprintf(item, sizeof item, "%s%s (%s)", list_len ? ", " : "", n->name, h ? "f16" : "f32");
    char *nl = len > 0 ? enn_alloc(a, list_len + (size_t)len + 1) : NULL;
    if (!nl) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      break;
    }
    if (list) memcpy(nl, list, list_len);
    memcpy(nl + list_len, item, (size_t)len + 1);
    list_len += (size_t)len;
    enn_free(a, list);
    list = nl;
  }
  for (int32_t i = 0; i < q->n_nodes; i++)
    any_q8 |= !q->nodes[i].dead && q->nodes[i].op != ENN_OP_QUANTIZE && q->nodes[i].op != ENN_OP_DEQUANTIZE &&
              q->nodes[i].n_outputs > 0 && q->tensors[q->nodes[i].outputs[0]].desc.dtype == ENN_DTYPE_I8;
  char nbuf[32];
  snprintf(nbuf, sizeof nbuf, "%d", eval->n);
  if (!st) st = enn_quant_set_meta(q, &o, n_samples, pairs, any_q8);
  if (!st && !any_q8 && any_f16) st = enn_graph_set_meta(q, "quantized", "f16");
  if (!st) st = enn_graph_set_meta(q, "quant_mixed_float", list ? list : "");
  if (!st) st = set_meta_f(q, "quant_mixed_budget", budget);
  if (!st) st = enn_graph_set_meta(q, "quant_mixed_metric", eval->labels ? "top1" : "agreement");
  if (!st) st = enn_graph_set_meta(q, "quant_mixed_eval_samples", nbuf);
  if (!st) st = set_meta_f(q, "quant_mixed_float_acc", 100.0 * (double)f_hits / n_ev);
  if (!st) st = set_meta_f(q, "quant_mixed_int8_acc", 100.0 * (double)hits[0] / n_ev);
  if (!st) st = set_meta_f(q, "quant_mixed_acc", 100.0 * (double)hits[best] / n_ev);
  if (!st) st = enn_graph_set_meta(q, "quant_mixed_budget_met", met ? "1" : "0");
  if (st) goto done;
  if (report) {
    report->labelled = eval->labels ? 1 : 0;
    report->n_eval = eval->n;
    report->budget = budget;
    report->float_acc = 100.0 * (double)f_hits / n_ev;
    report->int8_acc = 100.0 * (double)hits[0] / n_ev;
    report->final_acc = 100.0 * (double)hits[best] / n_ev;
    report->budget_met = met ? 1 : 0;
    report->n_float = best;
    report->evaluations = s.evaluations;
    report->n_layers = n_cand;
    report->layers = layers;
    layers = NULL;
  }
  *out = q;
  q = NULL;
done:
  if (layers) {
    enn_quantize_mixed_report r;
    memset(&r, 0, sizeof r);
    r.n_layers = n_cand;
    r.layers = layers;
    enn_quantize_mixed_report_free(&r);
  }
  enn_free(a, list);
  enn_graph_destroy(q);
  enn_free(a, is_q8);
  enn_free(a, keep);
  enn_free(a, cand);
  enn_free(a, order);
  enn_free(a, hits);
  enn_free(a, sqnr);
  enn_free(a, rk);
  enn_free(a, fam);
  enn_free(a, am);
  enn_free(a, m.in_bytes);
  enn_free(a, fout);
  enn_free(a, qout);
  enn_free(a, ev.cache);
  enn_free(a, sens.cache);
  enn_qcal_free(&c);
  return st;
}
