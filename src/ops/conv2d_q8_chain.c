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
 * Memory safety: the memory plan sees the block's nodes as separate steps,
 * so the block input (read by the last node) may share bytes with the
 * block output or the last node's scratch. The last node checks the
 * pointers at run time and, on overlap, runs the three layers one after
 * the other through their own planned buffers (each step's buffers are
 * disjoint from what it reads, as for unfused nodes).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/chain_find.h"
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
#define RING_MAX 5
#define TAG_BYTES ((size_t)ENN_ALIGN)

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

/* Node i as an int8 block layer (chain_find.h does the shapes): int8 input
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
  const int8_t *zrow; /* w * chid bytes of d_xzp */
  size_t ring_bytes, row_bytes, per_thread;
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

static void pipeline(const qchain *c, const int8_t *x, int8_t *y, int8_t *ring, int8_t *drow, int64_t *tag, int64_t r0,
                     int64_t r1) {
  const size_t wrow = (size_t)c->w * (size_t)c->chid, xrow = (size_t)c->w * (size_t)c->cin;
  const size_t yrow = (size_t)c->ow * (size_t)(c->has_p ? c->cout : c->chid);
  for (int64_t r = r0; r < r1; r++) {
    const int32_t nbi = (int32_t)(r / c->oh), oy = (int32_t)(r % c->oh);
    const int8_t *rows[RING_MAX];
    for (int32_t ky = 0; ky < c->k; ky++) {
      const int32_t iy = oy * c->sh - c->pt + ky;
      if (iy < 0 || iy >= c->h) {
        rows[ky] = c->zrow;
        continue;
      }
      const int64_t src = (int64_t)nbi * c->h + iy;
      if (!c->has_e) {
        rows[ky] = x + (size_t)src * xrow;
        continue;
      }
      const int32_t slot = iy % c->k;
      int8_t *dst = ring + (size_t)slot * wrow;
      if (tag[slot] != src) {
        pw_rows(c->kg, &c->pe, x + (size_t)src * xrow, dst, c->w);
        tag[slot] = src;
      }
      rows[ky] = dst;
    }
    int8_t *out = c->has_p ? drow : y + (size_t)r * yrow;
    c->kd->fn.qs8_dwconv(rows, c->wd, out, (size_t)c->chid, (size_t)c->ow, (size_t)c->w, (size_t)c->sw,
                         (size_t)c->pl, c->d_xzp, &c->epd);
    if (c->has_p) pw_rows(c->kg, &c->pp, drow, y + (size_t)r * yrow, c->ow);
  }
}

typedef struct qchain_job {
  const qchain *c;
  const int8_t *x;
  int8_t *y;
  char *scratch;
  int32_t tasks;
  int64_t units;
  int32_t step; /* fallback: 0 expand, 1 depthwise, 2 project */
} qchain_job;

static int64_t *thread_tags(const qchain *c, char *scratch, int32_t t) {
  return (int64_t *)(void *)(scratch + (size_t)t * c->per_thread + c->ring_bytes + c->row_bytes);
}

static void pipeline_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const qchain_job *j = ctx;
  char *sc = j->scratch + (size_t)thread * j->c->per_thread;
  int8_t *ring = (int8_t *)sc, *drow = (int8_t *)(sc + j->c->ring_bytes);
  int64_t *tag = thread_tags(j->c, j->scratch, thread);
  for (int32_t t = begin; t < end; t++)
    pipeline(j->c, j->x, j->y, ring, drow, tag, j->units * t / j->tasks, j->units * (t + 1) / j->tasks);
}

/* The fallback's steps over units [u0, u1): pixels for the 1x1 layers,
 * output rows for the depthwise. */
static void step_range(const qchain *c, int32_t step, const int8_t *in, int8_t *out, int64_t u0, int64_t u1) {
  if (step != 1) {
    const qpw *l = step == 0 ? &c->pe : &c->pp;
    pw_rows(c->kg, l, in + (size_t)u0 * (size_t)l->kc, out + (size_t)u0 * (size_t)l->n, u1 - u0);
    return;
  }
  const size_t wrow = (size_t)c->w * (size_t)c->chid, orow = (size_t)c->ow * (size_t)c->chid;
  for (int64_t r = u0; r < u1; r++) {
    const int32_t nbi = (int32_t)(r / c->oh), oy = (int32_t)(r % c->oh);
    const int8_t *rows[RING_MAX];
    for (int32_t ky = 0; ky < c->k; ky++) {
      const int32_t iy = oy * c->sh - c->pt + ky;
      rows[ky] = (iy < 0 || iy >= c->h) ? c->zrow : in + ((size_t)nbi * (size_t)c->h + (size_t)iy) * wrow;
    }
    c->kd->fn.qs8_dwconv(rows, c->wd, out + (size_t)r * orow, (size_t)c->chid, (size_t)c->ow, (size_t)c->w,
                         (size_t)c->sw, (size_t)c->pl, c->d_xzp, &c->epd);
  }
}

static void step_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const qchain_job *j = ctx;
  for (int32_t t = begin; t < end; t++)
    step_range(j->c, j->step, j->x, j->y, j->units * t / j->tasks, j->units * (t + 1) / j->tasks);
}

static void run_step(const qchain *c, const enn_exec *e, int32_t step, const int8_t *in, int8_t *out) {
  const int64_t units = step == 1 ? (int64_t)c->nb * c->oh
                                  : (int64_t)c->nb * (step == 0 ? (int64_t)c->h * c->w : (int64_t)c->oh * c->ow);
  const int32_t T = enn_threadpool_threads(e->pool);
  qchain_job j = {c, in, out, NULL, enn_par_tasks(units, c->macs / 3, T), units, step};
  if (j.tasks <= 1) step_task(&j, 0, 1, 0);
  else enn_threadpool_parallel_for(e->pool, j.tasks, step_task, &j);
}

static void qchain_run(const enn_exec *e, const void *state) {
  const qchain *c = state;
  const enn_exec *first = &e->execs[c->first];
  const int8_t *x = first->in[0];
  int8_t *y = e->out[0];
  const int64_t rows = (int64_t)c->nb * c->oh;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int32_t tasks = enn_par_tasks(rows, c->macs, T);
  const int32_t used = tasks > 1 ? T : 1;
  const size_t xbytes = (size_t)c->nb * (size_t)c->h * (size_t)c->w * (size_t)c->cin;
  const size_t ybytes = (size_t)rows * (size_t)c->ow * (size_t)(c->has_p ? c->cout : c->chid);
  const bool fused = g_fusion != 2 && !enn_chain_overlap(x, xbytes, y, ybytes) &&
                     !enn_chain_overlap(x, xbytes, e->scratch, c->per_thread * (size_t)used) &&
                     c->per_thread * (size_t)used <= e->scratch_bytes;
  g_runs[fused ? 0 : 1]++;
  if (fused) {
    for (int32_t t = 0; t < used; t++) {
      int64_t *tag = thread_tags(c, e->scratch, t);
      for (int32_t s = 0; s < RING_MAX; s++) tag[s] = -1;
    }
    qchain_job j = {c, x, y, e->scratch, tasks, rows, 0};
    if (tasks <= 1) pipeline_task(&j, 0, 1, 0);
    else enn_threadpool_parallel_for(e->pool, tasks, pipeline_task, &j);
    return;
  }
  /* expand -> E (the first node's buffer), depthwise -> D (or y), project
   * D -> y: each through the planned buffers of its own node. */
  const int8_t *din = x;
  if (c->has_e) {
    int8_t *ebuf = first->out[0];
    run_step(c, e, 0, x, ebuf);
    din = ebuf;
  }
  int8_t *dout = c->has_p ? e->execs[e->index - 1].out[0] : y;
  run_step(c, e, 1, din, dout);
  if (c->has_p) run_step(c, e, 2, dout, y);
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
  c->zrow = zrow;
  c->ring_bytes = c->has_e ? enn_align_up((size_t)c->k * (size_t)c->w * (size_t)c->chid, ENN_ALIGN) : 0;
  c->row_bytes = c->has_p ? enn_align_up((size_t)c->ow * (size_t)c->chid, ENN_ALIGN) : 0;
  c->per_thread = c->ring_bytes + c->row_bytes + TAG_BYTES;
  c->macs = (int64_t)c->nb * c->oh * c->ow * c->chid * c->k * c->k +
            (c->has_e ? (int64_t)c->nb * c->h * c->w * c->cin * c->chid : 0) +
            (c->has_p ? (int64_t)c->nb * c->oh * c->ow * c->chid * c->cout : 0);
  const int32_t T = e->threads > 1 ? e->threads : 1;
  e->scratch_bytes = c->per_thread * (size_t)T;
  fp->run = qchain_run;
  fp->state = c;
  e->kernel = runner_name(&s, kd->isa);
  return ENN_OK;
}
