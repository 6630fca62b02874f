/*
 * Fused int8 depthwise-separable blocks: 1x1 expand -> depthwise k x k ->
 * 1x1 project (MobileNetV2 / EfficientNet-Lite inverted residuals), or the
 * depthwise -> 1x1 and 1x1 -> depthwise halves, on int8 Conv2D nodes, run
 * as one row pipeline so the wide int8 intermediates stay in cache instead
 * of being written to and read back from memory. The int8 counterpart of
 * conv2d_chain.c (same idea, its own code).
 *
 * Detection (at prepare, from the session's graph, enn_exec.graph): nodes
 * are grouped greedily, in order, into blocks of consecutive int8 Conv2D
 * nodes (int8 input, constant int8 weights, constant int32 bias or none):
 * a 1x1 (stride 1, no padding, one group, weight zero points 0, as the
 * int8 GEMM fast path requires) whose output feeds only a depthwise 3x3 /
 * 5x5 (channel multiplier 1, no dilation, any stride and padding),
 * optionally followed by such a 1x1 reading only the depthwise output; or
 * a depthwise followed by such a 1x1. Intermediates must be used once and
 * not be graph outputs, there must be a qs8 GEMM kernel and a QS8_DWCONV
 * kernel for the window, and the block must be worth it: its largest
 * intermediate at least FUSE_MIN_BYTES, its packed weights at most
 * FUSE_MAX_WEIGHT_BYTES (re-read once per row). Every node computes the
 * same grouping, so each knows its role: all but the block's last node run
 * nothing ("fused"); the last runs the block.
 *
 * Parameters: the last node rebuilds each block node's requantisation
 * (enn_qs8_linear_params on the graph's tensor descriptors, the clamp range
 * of its activation) exactly as conv2d_q8.c does for the node itself, and
 * packs the weights with the same packers as the unfused fast paths
 * (enn_qs8_pack_gemm, enn_qs8_pack_dwconv).
 *
 * Pipeline, per output row of the depthwise (rows cut into enn_par_tasks()
 * contiguous ranges claimed dynamically by the pool): the k input rows it
 * needs are expanded (qs8 GEMM of one input row, W pixels x C_in, with the
 * requantising epilogue) into a per-thread ring of k rows tagged with the
 * input row each holds (reused for the next output row; tags reset once
 * per run); a padding row is a row of the depthwise input's zero point,
 * as in the unfused depthwise path; the qs8 depthwise kernel makes one int8
 * row; the project GEMM writes the block's output row. The arithmetic is
 * integer and every element is computed by the same kernels from the same
 * operands as in the unfused layers, so results are bit-identical to them
 * (and to the reference) for any thread count and schedule.
 *
 * Detection and the pipeline's machinery are shared with the f32 runner
 * (dwsep_chain.c); this file supplies the int8 steps.
 *
 * Memory safety: the memory plan sees the block's nodes as separate steps,
 * so the block input (read by the last node) may share bytes with the
 * block output or the last node's scratch. The last node checks the
 * pointers at run time and, on overlap, runs the three layers one after
 * the other through their own planned buffers (each step's buffers are
 * disjoint from what it reads, as for unfused nodes).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/dwsep_chain.h"
#include "ops/fast_path.h"
#include "ops/qs8_ops.h"

/* Size rule (int8 bytes). Measured on MobileNetV2 1.0/224, x86 AVX-512
 * VNNI, 1 thread (per-node minimum times over 60 runs, loaded machine):
 * fusion is neutral within +-1% on every block (int8 intermediates of
 * at most 1.2 MiB stay in L2 / L3 there; the time goes to the kernels'
 * requantisation, not to memory traffic), except the 7x7 blocks (47 KiB
 * intermediates), 2-4% slower fused in 2 of 2 runs, so blocks below
 * 64 KiB stay unfused. With 2 threads (one pool dispatch per block
 * instead of three) the whole model's median wall time, fused and unfused
 * sessions interleaved in one process, was lower fused in 6 of 8 runs
 * (by about 4% at the median run), equal in 1, higher in 1: too noisy on
 * the loaded 2-core machine to be more than a lean. */
#define FUSE_MIN_BYTES (64 * 1024)
#define FUSE_MAX_WEIGHT_BYTES (1024 * 1024)

static int g_fusion = 1;
static int64_t g_runs[2];
void enn_qs8_conv2d_set_fusion(int mode) { g_fusion = mode; }
void enn_qs8_conv2d_chain_counts(int64_t *pipelined, int64_t *sequential) {
  *pipelined = g_runs[0];
  *sequential = g_runs[1];
}

static bool w_zero_points_zero(const enn_tensor_desc *w) {
  for (uint32_t i = 0; i < w->quant.count; i++)
    if (w->quant.zero_point && w->quant.zero_point[i] != 0) return false;
  return true;
}

/* Node i as an int8 block layer (dwsep_chain.h does the shapes): int8 input
 * and output, constant int8 weights, constant int32 bias or none; a 1x1
 * only with weight zero points 0 (as the int8 GEMM fast path requires); no
 * stem layer. */
static bool qconv(const enn_graph *g, int32_t i, enn_chain_conv *c) {
  if (!enn_chain_conv_init(g, i, c)) return false;
  const enn_node *n = c->n;
  const enn_tensor *x = &g->tensors[n->inputs[0]], *w = &g->tensors[n->inputs[1]];
  const enn_tensor *b = n->n_inputs > 2 ? &g->tensors[n->inputs[2]] : NULL;
  if (x->kind == ENN_TK_CONST || x->desc.dtype != ENN_DTYPE_I8) return false;
  if (w->kind != ENN_TK_CONST || w->desc.dtype != ENN_DTYPE_I8 || !w->data) return false;
  if (b && (b->kind != ENN_TK_CONST || b->desc.dtype != ENN_DTYPE_I32 || !b->data)) return false;
  if (g->tensors[n->outputs[0]].desc.dtype != ENN_DTYPE_I8) return false;
  c->pw = c->pw && w_zero_points_zero(&w->desc);
  c->stem = false;
  return true;
}

static const enn_chain_rule kRule = {qconv, 1, FUSE_MIN_BYTES, FUSE_MAX_WEIGHT_BYTES};

static const int8_t *conv_w(const enn_graph *g, const enn_chain_conv *c) { return g->tensors[c->n->inputs[1]].data; }
static const int32_t *conv_b(const enn_graph *g, const enn_chain_conv *c) {
  return c->n->n_inputs > 2 ? g->tensors[c->n->inputs[2]].data : NULL;
}

/* ------------------------------------------------------------- running */
/* One packed 1x1 layer: c[m, :] = requant(a[m, :kc] . W). */
typedef struct qpw {
  const void *w;
  int32_t n, kc;
  enn_qs8_epi ep;
} qpw;

typedef struct qchain {
  bool has_e, has_p;
  int32_t first;
  int32_t nb, h, w, cin, chid, oh, ow, cout, k, sh, sw, pt, pl;
  int32_t d_xzp; /* the depthwise input's zero point */
  const enn_kernel *kg, *kd;
  qpw pe, pp;
  const void *wd; /* packed depthwise weights */
  enn_qs8_epi epd;
  enn_chain_pipe pipe; /* rows, layout and the steps below */
  int64_t macs;
} qchain;

static void noop_run(const enn_exec *e, const void *state) {
  ENN_UNUSED(e);
  ENN_UNUSED(state);
}

/* Pixels [0, m) of a (row stride l->kc) through layer l into c. */
static void pw_rows(const enn_kernel *k, const qpw *l, const int8_t *a, int8_t *c, int64_t m) {
  const int64_t MR = k->mr;
  for (int64_t r = 0; r < m; r += MR) {
    const int64_t mr = m - r < MR ? m - r : MR;
    k->fn.qs8_gemm((size_t)mr, (size_t)l->n, (size_t)l->kc, a + (size_t)r * (size_t)l->kc, (size_t)l->kc, l->w,
                   c + (size_t)r * (size_t)l->n, (size_t)l->n, &l->ep);
  }
}

/* The pipeline's steps (enn_chain_pipe) on int8 rows. */
static void step_expand(const void *st, const char *x, int32_t nbi, int32_t iy, char *dst, int32_t thread) {
  ENN_UNUSED(thread);
  const qchain *c = st;
  const char *xr = x + ((size_t)nbi * (size_t)c->h + (size_t)iy) * c->pipe.x_row;
  pw_rows(c->kg, &c->pe, (const int8_t *)xr, (int8_t *)dst, c->w);
}

static void step_dw(const void *st, const void *const *rows, char *out) {
  const qchain *c = st;
  c->kd->fn.qs8_dwconv((const int8_t *const *)rows, c->wd, (int8_t *)out, (size_t)c->chid, (size_t)c->ow,
                       (size_t)c->w, (size_t)c->sw, (size_t)c->pl, c->d_xzp, &c->epd);
}

static void step_project(const void *st, const char *drow, char *yrow) {
  const qchain *c = st;
  pw_rows(c->kg, &c->pp, (const int8_t *)drow, (int8_t *)yrow, c->ow);
}

typedef struct pw_job {
  const enn_kernel *k;
  const qpw *l;
  const int8_t *in;
  int8_t *out;
  int32_t tasks;
  int64_t pixels;
} pw_job;

static void pw_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const pw_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    const int64_t u0 = j->pixels * t / j->tasks, u1 = j->pixels * (t + 1) / j->tasks;
    pw_rows(j->k, j->l, j->in + (size_t)u0 * (size_t)j->l->kc, j->out + (size_t)u0 * (size_t)j->l->n, u1 - u0);
  }
}

/* A 1x1 layer alone over all its pixels, split over the pool. */
static void pw_pass(const qchain *c, const enn_exec *e, const qpw *l, const int8_t *in, int8_t *out, int64_t pixels) {
  pw_job j = {c->kg, l, in, out, enn_par_tasks(pixels, c->macs / 3, enn_threadpool_threads(e->pool)), pixels};
  if (j.tasks <= 1) pw_task(&j, 0, 1, 0);
  else enn_threadpool_parallel_for(e->pool, j.tasks, pw_task, &j);
}

static void qchain_run(const enn_exec *e, const void *state) {
  const qchain *c = state;
  const enn_exec *first = &e->execs[c->first];
  const int8_t *x = first->in[0];
  int8_t *y = e->out[0];
  const int64_t rows = (int64_t)c->nb * c->oh;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int32_t tasks = enn_par_tasks(rows, c->macs, T);
  const bool fused = g_fusion != 2 && enn_chain_pipe_try(&c->pipe, c, x, y, e, tasks);
  g_runs[fused ? 0 : 1]++;
  if (fused) return;
  /* expand -> E (the first node's buffer), depthwise -> D (or y), project
   * D -> y: each through the planned buffers of its own node. */
  const int8_t *din = x;
  if (c->has_e) {
    int8_t *ebuf = first->out[0];
    pw_pass(c, e, &c->pe, x, ebuf, (int64_t)c->nb * c->h * c->w);
    din = ebuf;
  }
  int8_t *dout = c->has_p ? e->execs[e->index - 1].out[0] : y;
  enn_chain_dw_pass(&c->pipe, c, din, dout, e->pool, enn_par_tasks(rows, c->macs / 3, T));
  if (c->has_p) pw_pass(c, e, &c->pp, dout, y, (int64_t)c->nb * c->oh * c->ow);
}

static const char *runner_name(const enn_chain_spec *s, enn_isa isa) {
  const int shape = s->has_e && s->has_p ? 0 : s->has_p ? 1 : 2;
  static const char *const names[3][3] = {
      {"enn_qs8_dwsep_pw_dw_pw__avx2", "enn_qs8_dwsep_pw_dw_pw__avx512", "enn_qs8_dwsep_pw_dw_pw__neon"},
      {"enn_qs8_dwsep_dw_pw__avx2", "enn_qs8_dwsep_dw_pw__avx512", "enn_qs8_dwsep_dw_pw__neon"},
      {"enn_qs8_dwsep_pw_dw__avx2", "enn_qs8_dwsep_pw_dw__avx512", "enn_qs8_dwsep_pw_dw__neon"}};
  const int col = (isa == ENN_ISA_NEON || isa == ENN_ISA_NEONDOT) ? 2
                  : (isa == ENN_ISA_AVX512 || isa == ENN_ISA_AVX512VNNI) ? 1
                                                                          : 0;
  return names[shape][col];
}

/* A block node's int8 parameters, as conv2d_q8.c computes them. */
static enn_status node_params(const enn_graph *g, const enn_chain_conv *q, enn_prepare_ctx *ctx, int32_t **w_zp,
                              int32_t **mult, int32_t **shift, int32_t *x_zp, int32_t *y_zp, int32_t *lo,
                              int32_t *hi) {
  const int32_t oc = q->geo.oc;
  int32_t *arr = enn_prepare_alloc(ctx, 3 * (size_t)oc * sizeof(int32_t));
  if (!arr) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_tensor_desc *x = &g->tensors[q->in].desc, *w = &g->tensors[q->n->inputs[1]].desc;
  const enn_tensor_desc *y = &g->tensors[q->out].desc;
  enn_status st = enn_qs8_linear_params(q->n, x, w, y, oc, arr, arr + oc, arr + 2 * oc);
  if (st || (st = enn_qs8_act_range(q->n, y, lo, hi))) return st;
  *w_zp = arr;
  *mult = arr + oc;
  *shift = arr + 2 * oc;
  *x_zp = x->quant.zero_point[0];
  *y_zp = y->quant.zero_point[0];
  return ENN_OK;
}

static enn_status pack_pw(const enn_graph *g, const enn_chain_conv *q, enn_prepare_ctx *ctx, const enn_kernel *k,
                          qpw *l) {
  int32_t *w_zp = NULL, *mult = NULL, *shift = NULL, x_zp = 0, y_zp = 0, lo = 0, hi = 0;
  enn_status st = node_params(g, q, ctx, &w_zp, &mult, &shift, &x_zp, &y_zp, &lo, &hi);
  if (st) return st;
  l->n = q->geo.oc;
  l->kc = q->geo.ic;
  void *pw = enn_prepare_alloc(ctx, enn_qs8_pack_gemm_bytes(k, l->n, 1, l->kc));
  if (!pw) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing a fused int8 block");
  enn_qs8_pack_gemm(k, l->n, 1, l->kc, l->kc, conv_w(g, q), conv_b(g, q), mult, shift, x_zp, pw);
  l->w = pw;
  enn_qs8_epi_init(&l->ep, y_zp, lo, hi, l->n, mult, shift);
  return ENN_OK;
}

enn_status enn_qs8_conv2d_chain_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_fast_path *fp, bool *handled) {
  *handled = false;
  if (!g_fusion || !e->graph || !e->execs || e->index < 0) return ENN_OK;
  const enn_kernel *kg = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_I8, 0, 0);
  if (!kg) return ENN_OK;
  const enn_graph *g = e->graph;
  enn_chain_spec s;
  if (!enn_chain_find(g, e->index, &kRule, &s)) return ENN_OK;
  const enn_conv2d_params *d = &s.d.geo;
  const enn_kernel *kd = enn_kernel_find(ENN_KOP_QS8_DWCONV, ENN_DTYPE_I8, d->kh, d->kw);
  if (!kd) return ENN_OK;
  *handled = true;
  if (e->index != s.first + s.len - 1) {
    fp->run = noop_run;
    fp->state = NULL;
    e->kernel = "fused";
    return ENN_OK;
  }
  qchain *c = enn_prepare_alloc(ctx, sizeof *c);
  if (!c) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  memset(c, 0, sizeof *c);
  c->has_e = s.has_e;
  c->has_p = s.has_p;
  c->first = s.first;
  c->nb = d->n;
  c->h = d->ih;
  c->w = d->iw;
  c->chid = d->ic;
  c->cin = s.has_e ? s.e.geo.ic : d->ic;
  c->oh = d->oh;
  c->ow = d->ow;
  c->cout = s.has_p ? s.p.geo.oc : d->oc;
  c->k = d->kh;
  c->sh = d->sh;
  c->sw = d->sw;
  c->pt = d->pt;
  c->pl = d->pl;
  c->kg = kg;
  c->kd = kd;
  enn_status st;
  if (s.has_e && (st = pack_pw(g, &s.e, ctx, kg, &c->pe))) return st;
  if (s.has_p && (st = pack_pw(g, &s.p, ctx, kg, &c->pp))) return st;
  int32_t *w_zp = NULL, *mult = NULL, *shift = NULL, y_zp = 0, lo = 0, hi = 0;
  if ((st = node_params(g, &s.d, ctx, &w_zp, &mult, &shift, &c->d_xzp, &y_zp, &lo, &hi))) return st;
  void *pwd = enn_prepare_alloc(ctx, enn_qs8_pack_dwconv_bytes(kd, c->chid));
  int8_t *zrow = enn_prepare_alloc(ctx, (size_t)c->w * (size_t)c->chid);
  if (!pwd || !zrow) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing a fused int8 block");
  enn_qs8_pack_dwconv(kd, c->chid, conv_w(g, &s.d), w_zp, conv_b(g, &s.d), mult, shift, c->d_xzp, pwd);
  memset(zrow, c->d_xzp, (size_t)c->w * (size_t)c->chid);
  enn_qs8_epi_init(&c->epd, y_zp, lo, hi, c->chid, mult, shift);
  c->wd = pwd;
  enn_chain_pipe *pp = &c->pipe;
  enn_chain_pipe_init(pp, &s, 1, zrow);
  pp->expand = step_expand;
  pp->dw = step_dw;
  pp->project = step_project;
  c->macs = (int64_t)c->nb * c->oh * c->ow * c->chid * c->k * c->k +
            (c->has_e ? (int64_t)c->nb * c->h * c->w * c->cin * c->chid : 0) +
            (c->has_p ? (int64_t)c->nb * c->oh * c->ow * c->chid * c->cout : 0);
  const int32_t T = e->threads > 1 ? e->threads : 1;
  e->scratch_bytes = pp->per_thread * (size_t)T;
  fp->run = qchain_run;
  fp->state = c;
  e->kernel = runner_name(&s, kd->isa);
  return ENN_OK;
}
