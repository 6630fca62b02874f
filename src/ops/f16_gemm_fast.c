/*
 * Native FP16 weights (f16_gemm_fast.h): Conv2D 1x1 / FullyConnected with
 * F16 constant weights on the f16-weight GEMM kernel
 * (enn_f16_gemm_minmax_6x8__neonfp16, kernels/arm/f16_gemm_neonfp16.c).
 *
 * The weights stay half precision: prepare packs the [N, K] matrix (FC
 * weights, or the OHWI weights of a 1x1 convolution with K = ic) straight
 * from the F16 constant with enn_f16_pack_gemm (panels of 8 columns: 8 f32
 * biases, then K rows of 8 halves), about half the persistent bytes of the
 * f32 path; no f32 copy of the weights is made. An F16 bias is widened to
 * f32 (exactly) in a temporary buffer for the packing.
 *
 * Run: the NHWC input is the [rows, K] f32 matrix (rows = pixels, or the
 * FC's leading dims). The kernel reads f32 activations and rounds them to
 * binary16 itself as it loads a tile (its contract), so no scratch is
 * needed; it writes f32 with the fused activation (or the activation runs
 * after it when the epilogue cannot express it). The rows are cut into
 * fixed balanced tiles of at most MR (6) rows, the same for any thread
 * count; threads take a grid of (ranges of tiles) x (ranges of 8-column
 * panels), about enn_par_tasks() of them, split along panels when the
 * weights outweigh the activations (FC, late layers). Each output element
 * is the same kernel call's same instructions whatever the split, so
 * results are identical for any thread count. Panels are walked in blocks
 * that fit in L2, tiles inside a block.
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/f16_gemm_fast.h"
#include "rt/rt.h"

#define L2_BLOCK_BYTES (256 * 1024)

static int g_native = 1;
void enn_f16_gemm_set_native(int mode) { g_native = mode; }

const enn_kernel *enn_f16_gemm_native_kernel(const enn_exec *e) {
  if (!g_native || e->n_in < 2 || e->n_in > 3) return NULL;
  if (e->in_desc[0]->dtype != ENN_DTYPE_F32) return NULL;
  if (e->in_desc[1]->dtype != ENN_DTYPE_F16 || !e->in[1] || e->in_desc[1]->quant.count) return NULL;
  if (e->n_in > 2) {
    const enn_dtype bt = e->in_desc[2]->dtype;
    if ((bt != ENN_DTYPE_F16 && bt != ENN_DTYPE_F32) || !e->in[2] || e->in_desc[2]->quant.count) return NULL;
  }
  return enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F16, 0, 0);
}

#if ENN_KERNELS_ARM64 /* enn_f16_pack_gemm: kernels/arm/f16_gemm_neonfp16.c */
static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* c[r, j] = act(bias[j] + sum_k h(a[r*a_stride + k]) * w[j, k]), r < rows,
 * j < n, with the packed weights at w. */
typedef struct f16_plan {
  const enn_kernel *k;
  const uint8_t *w;
  size_t pstride; /* bytes per packed panel */
  int64_t rows, tiles, panels;
  int32_t n, kc;
  size_t a_stride, c_stride;
  enn_f32_epi ep;
  bool post; /* act not fused: applied after the kernel */
  enn_act_params act;
  int32_t pblock; /* panels per L2 block */
} f16_plan;

/* Packs the [n, kc] F16 weights (row stride kc) and the bias (input 2, F16
 * / F32, or none) and fills the plan. */
static enn_status plan_init(f16_plan *g, enn_exec *e, enn_prepare_ctx *ctx, const enn_kernel *k, int64_t rows,
                            int32_t n, int32_t kc, const enn_act_params *act) {
  memset(g, 0, sizeof *g);
  g->k = k;
  g->rows = rows;
  g->n = n;
  g->kc = kc;
  g->a_stride = (size_t)kc;
  g->c_stride = (size_t)n;
  g->tiles = cdiv(rows, k->mr);
  g->panels = cdiv(n, k->nr);
  g->act = *act;
  g->post = !enn_f32_epi_init(&g->ep, act);
  g->pstride = (size_t)k->nr * sizeof(float) + (size_t)kc * (size_t)k->nr * sizeof(uint16_t);
  const size_t bytes = enn_f16_pack_gemm_bytes(n, kc);
  uint8_t *pw = enn_prepare_alloc(ctx, bytes);
  if (!pw) return enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory packing %d x %d f16 weights", n, kc);
  const float *b = NULL;
  float *tmp = NULL;
  if (e->n_in > 2) {
    if (e->in_desc[2]->dtype == ENN_DTYPE_F16) {
      tmp = enn_alloc_aligned(&ctx->alloc, (size_t)n * sizeof(float), ENN_ALIGN);
      if (!tmp) return enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory converting the f16 bias");
      const uint16_t *bh = e->in[2];
      for (int32_t j = 0; j < n; j++) tmp[j] = enn_f16_to_f32(bh[j]);
      b = tmp;
    } else {
      b = e->in[2];
    }
  }
  enn_f16_pack_gemm(n, kc, kc, e->in[1], b, pw);
  if (tmp) enn_free(&ctx->alloc, tmp);
  g->w = pw;
  const size_t pb = L2_BLOCK_BYTES / g->pstride;
  g->pblock = (int32_t)(pb > 1 ? (pb < INT32_MAX ? pb : INT32_MAX) : 1);
  return ENN_OK;
}

/* Tile t's first row (balanced: every tile has floor or ceil of rows /
 * tiles <= MR rows). */
static inline int64_t tile_row(const f16_plan *g, int64_t t) { return g->rows * t / g->tiles; }

/* Tiles [t0, t1) x panels [p0, p1). */
static void plan_block(const f16_plan *g, const float *a, float *c, int64_t t0, int64_t t1, int64_t p0, int64_t p1) {
  const int64_t NR = g->k->nr;
  for (int64_t pb = p0; pb < p1; pb += g->pblock) {
    const int64_t pe = min64(pb + g->pblock, p1);
    const int64_t col0 = pb * NR, ncols = min64(pe * NR, g->n) - col0;
    const uint8_t *w = g->w + (size_t)pb * g->pstride;
    for (int64_t t = t0; t < t1; t++) {
      const int64_t r = tile_row(g, t), mr = tile_row(g, t + 1) - r;
      float *ct = c + (size_t)r * g->c_stride + (size_t)col0;
      g->k->fn.f16_gemm((size_t)mr, (size_t)ncols, (size_t)g->kc, a + (size_t)r * g->a_stride, g->a_stride, w, ct,
                        g->c_stride, &g->ep);
      if (g->post)
        for (int64_t i = 0; i < mr; i++) enn_act_f32_array(ct + (size_t)i * g->c_stride, ncols, &g->act);
    }
  }
}

typedef struct f16_job {
  const f16_plan *g;
  const float *a;
  float *c;
  int32_t rt, pt; /* task t: tile range t / pt of rt, panel range t % pt of pt */
} f16_job;

static void f16_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const f16_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    const int64_t ti = t / j->pt, pi = t % j->pt;
    plan_block(j->g, j->a, j->c, j->g->tiles * ti / j->rt, j->g->tiles * (ti + 1) / j->rt, j->g->panels * pi / j->pt,
               j->g->panels * (pi + 1) / j->pt);
  }
}

static void f16_run(const enn_exec *e, const void *state) {
  const f16_plan *g = state;
  const float *a = e->in[0];
  float *c = e->out[0];
  const int32_t T = enn_threadpool_threads(e->pool);
  const int64_t macs = g->rows * g->n * g->kc;
  f16_job j = {g, a, c, 1, 1};
  if (T > 1 && macs >= ENN_FAST_PAR_MIN_MACS) {
    const int32_t want = enn_par_tasks(g->tiles * g->panels, macs, T);
    if (g->panels * g->k->nr > g->rows) { /* weights outweigh activations */
      j.pt = (int32_t)min64(g->panels, want);
      j.rt = (int32_t)min64(g->tiles, cdiv(want, j.pt));
    } else {
      j.rt = (int32_t)min64(g->tiles, want);
      j.pt = (int32_t)min64(g->panels, cdiv(want, j.rt));
    }
  }
  const int32_t tasks = j.rt * j.pt;
  if (tasks <= 1) {
    plan_block(g, a, c, 0, g->tiles, 0, g->panels);
    return;
  }
  enn_threadpool_parallel_for(e->pool, tasks, f16_task, &j);
}

static enn_status prepare_gemm(enn_exec *e, enn_prepare_ctx *ctx, int64_t rows, int64_t n, int64_t kc,
                               const enn_act_params *act, enn_fast_path *fp) {
  const enn_kernel *k = enn_f16_gemm_native_kernel(e);
  if (!k || rows < 1 || n < 1 || kc < 1 || n > INT32_MAX / 2 || kc > INT32_MAX / 2) return ENN_OK;
  f16_plan *g = enn_prepare_alloc(ctx, sizeof *g);
  if (!g) return enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory");
  enn_status st = plan_init(g, e, ctx, k, rows, (int32_t)n, (int32_t)kc, act);
  if (st) return st;
  fp->run = f16_run;
  fp->state = g;
  e->kernel = k->name;
  return ENN_OK;
}

#else /* no f16 GEMM kernel in this build (enn_f16_gemm_native_kernel gives NULL) */
static enn_status prepare_gemm(enn_exec *e, enn_prepare_ctx *ctx, int64_t rows, int64_t n, int64_t kc,
                               const enn_act_params *act, enn_fast_path *fp) {
  ENN_UNUSED(e);
  ENN_UNUSED(ctx);
  ENN_UNUSED(rows);
  ENN_UNUSED(n);
  ENN_UNUSED(kc);
  ENN_UNUSED(act);
  ENN_UNUSED(fp);
  return ENN_OK;
}
#endif

enn_status enn_f16_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p,
                                       enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  const bool gemm = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
                    p->oh == p->ih && p->ow == p->iw && p->groups == 1;
  if (!gemm) return ENN_OK;
  return prepare_gemm(e, ctx, (int64_t)p->n * p->ih * p->iw, p->oc, p->ic, &p->act, fp);
}

enn_status enn_f16_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_fc_params *p, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  return prepare_gemm(e, ctx, p->rows, p->n, p->k, &p->act, fp);
}

enn_status enn_f16_state(enn_exec *e, enn_prepare_ctx *ctx, const void *s, size_t bytes) {
  void *p = enn_prepare_alloc(ctx, bytes);
  if (!p) return enn_node_err(e->node, ENN_ERR_NO_MEMORY, "out of memory");
  memcpy(p, s, bytes);
  e->state = p;
  return ENN_OK;
}
