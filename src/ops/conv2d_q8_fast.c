/*
 * int8 Conv2D and FullyConnected fast paths: the qs8 GEMM / IGEMM kernels
 * (kernels.h; x86: AVX-512 VNNI, AVX2), bit-identical to the reference
 * kernels (q8_conv_ref.h, q8_fc_ref.h).
 *
 * Modes, chosen at prepare (the depthwise fast path is tried first, by
 * conv2d_q8.c):
 *   GEMM   1x1, stride 1, no padding: the NHWC input IS the [pixels, ic]
 *          matrix; per group a GEMM with a_stride = ic, c_stride = oc.
 *          FullyConnected: [rows, K] x [K, N].
 *   IGEMM  every other window / stride / dilation / padding / grouping:
 *          per tile of MR output pixels an indirection table of kh*kw x MR
 *          input-pixel pointers (a padding tap points at a row of x_zp
 *          bytes, which the packed bias's zero-point correction turns into
 *          an exact 0, as the reference skips it). The 3-channel stem runs
 *          this way too: with the tables cached (below) it measured 0.13 ms
 *          for MobileNetV2's stem against 0.19-0.26 ms for taps of whole
 *          kernel rows (kc = kw*ic, rows crossing an edge copied, tables
 *          built per tile) and 0.25-0.29 ms for copying every window into
 *          rows (im2col) for the GEMM kernel.
 * Weight zero point: the packed bias folds only the input's zero point
 * (the kernels compute b + sum_k w (x - x_zp)); a per-tensor weight zero
 * point w_zp (uint8 models imported as int8 keep one) is folded per call:
 *   sum_k (w - w_zp)(x - x_zp) = sum_k w (x - x_zp) - w_zp * S_i,
 *   S_i = sum_k (x_ik - x_zp) over output pixel i's K inputs,
 * so each tile computes row_off[i] = -w_zp * S_i (modulo 2^32, as the
 * reference's int32 sums; a padding tap reads x_zp and adds 0) and hands
 * it to the kernel in ep->row_off, which adds it before requantising:
 * bit-identical to the reference. The row sums cost K additions per
 * pixel against K x N multiply-adds (a 1/N overhead).
 * Declined (the reference runs): weight zero points that differ between
 * output channels, weights or bias computed at run time,
 * grouped convolutions with fewer than 4 outputs per group, no kernel for
 * the CPU / ENN_ISA level.
 *
 * Weights, bias and the per-channel multipliers / shifts are packed once
 * here (enn_qs8_pack_gemm). Work splits over the thread pool into one task
 * per thread, by output rows or by weight panels, whichever leaves the
 * busiest thread fewer tiles; the arithmetic is integer, so results are
 * identical for any split. Panels are walked in blocks that fit in L2,
 * rows inside a block. The IGEMM tables of a single-group convolution are
 * built once, on the first run (the input's address is fixed for a
 * session).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/fast_path.h"

#define L2_BLOCK_BYTES (256 * 1024)
#define IND_CACHE_MAX_BYTES ((size_t)8 << 20)
#define MAX_MR 16 /* the largest kernel tile height this file handles */

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* One task per thread over rows x panels: rows when that leaves the
 * busiest thread no more tiles than splitting panels would. */
static void choose_split(int64_t rows, int64_t panels, int32_t mr, int32_t T, int64_t macs, bool *by_rows,
                         int32_t *tasks) {
  *by_rows = true;
  *tasks = 1;
  if (T <= 1 || macs < ENN_FAST_PAR_MIN_MACS) return;
  const int64_t cost_rows = cdiv(cdiv(rows, T), mr) * panels;
  const int64_t cost_cols = cdiv(rows, mr) * cdiv(panels, T);
  *by_rows = cost_rows <= cost_cols;
  const int64_t units = *by_rows ? cdiv(rows, mr) : panels; /* whole row tiles */
  *tasks = (int32_t)min64(units, T);
}

static void task_range(int64_t units, int32_t tasks, int32_t t, int64_t *u0, int64_t *u1) {
  *u0 = units * t / tasks;
  *u1 = units * (t + 1) / tasks;
}

enum { MODE_GEMM = 0, MODE_IGEMM };

/* Every tile's indirection table (tile t at ptrs + t*ks*MR) for input
 * address x (NULL: not built yet); filled by the first run through the
 * const state. */
typedef struct ind_cache {
  const void *x;
  const int8_t **ptrs;
} ind_cache;

typedef struct q8_fast {
  const enn_kernel *k;
  int32_t mode;
  enn_qs8_epi ep;
  const unsigned char *w; /* packed panels, group after group */
  size_t w_gstride;       /* bytes per group */
  size_t pstride;         /* bytes per panel */
  int64_t rows;           /* output pixels / FC rows */
  int32_t n, groups;      /* outputs per group, groups */
  int32_t kc, ks;         /* bytes per tap, taps (GEMM: kc = K, ks = 1) */
  size_t a_stride, c_stride; /* GEMM */
  int32_t pblock;         /* panels per cache block */
  /* IGEMM */
  enn_conv2d_params g;
  const int8_t *zrow;     /* max(ic, kc) bytes of x_zp */
  int32_t x_zp;
  int32_t w_zp;           /* per-tensor weight zero point (0: no row offsets) */
  ind_cache *ind;         /* one group: every tile's table */
  size_t scratch_per_thread;
} q8_fast;

/* -w_zp * sum_{t < ks} sum_{k < kc} (a[t*MR + i][k] - x_zp), modulo 2^32:
 * a folded weight zero point's row offset for row i of a table of ks x MR
 * row pointers (GEMM: ks = MR = 1). */
static int32_t row_offset(const int8_t *const *a, size_t ks, size_t MR, size_t i, size_t kc, int32_t x_zp,
                          int32_t w_zp) {
  uint32_t s = 0;
  for (size_t t = 0; t < ks; t++) {
    const int8_t *p = a[t * MR + i];
    int32_t part = 0; /* |part| <= 255 * kc < 2^31 for kc < 2^23 (prepare checks) */
    for (size_t k = 0; k < kc; k++) part += p[k];
    s += (uint32_t)part;
  }
  s -= (uint32_t)ks * (uint32_t)kc * (uint32_t)x_zp;
  return (int32_t)(0u - (uint32_t)w_zp * s);
}

/* ------------------------------------------------------------ GEMM */
/* Rows [r0, r1) x panels [p0, p1) of every group. */
static void gemm_block(const q8_fast *f, const int8_t *a, int8_t *c, int64_t r0, int64_t r1, int64_t p0, int64_t p1) {
  const int32_t MR = f->k->mr, NR = f->k->nr;
  for (int32_t gi = 0; gi < f->groups; gi++) {
    const int8_t *ag = a + (size_t)gi * (size_t)f->kc;
    int8_t *cg = c + (size_t)gi * (size_t)f->n;
    const unsigned char *wg = f->w + (size_t)gi * f->w_gstride;
    for (int64_t pb = p0; pb < p1; pb += f->pblock) {
      const int64_t pe = min64(pb + f->pblock, p1);
      const int64_t col0 = pb * NR, ncols = min64(pe * NR, f->n) - col0;
      for (int64_t r = r0; r < r1; r += MR) {
        const int64_t mr = min64(MR, r1 - r);
        const int8_t *ar = ag + (size_t)r * f->a_stride;
        enn_qs8_epi ep = f->ep;
        int32_t off[MAX_MR];
        if (f->w_zp) {
          for (int64_t i = 0; i < mr; i++) {
            const int8_t *row = ar + (size_t)i * f->a_stride;
            off[i] = row_offset(&row, 1, 1, 0, (size_t)f->kc, f->x_zp, f->w_zp);
          }
          ep.row_off = off;
        }
        f->k->fn.qs8_gemm((size_t)mr, (size_t)ncols, (size_t)f->kc, ar, f->a_stride, wg + (size_t)pb * f->pstride,
                          cg + (size_t)r * f->c_stride + (size_t)col0, f->c_stride, &ep);
      }
    }
  }
}

typedef struct q8_job {
  const q8_fast *f;
  const int8_t *x;
  int8_t *y;
  void *scratch;
  bool by_rows;
  int32_t tasks;
  int64_t panels;
} q8_job;

static void gemm_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const q8_job *j = ctx;
  const int64_t MR = j->f->k->mr, tiles = cdiv(j->f->rows, MR);
  for (int32_t t = begin; t < end; t++) {
    int64_t u0, u1;
    if (j->by_rows) {
      task_range(tiles, j->tasks, t, &u0, &u1);
      gemm_block(j->f, j->x, j->y, u0 * MR, min64(u1 * MR, j->f->rows), 0, j->panels);
    } else {
      task_range(j->panels, j->tasks, t, &u0, &u1);
      gemm_block(j->f, j->x, j->y, 0, j->f->rows, u0, u1);
    }
  }
}

static void gemm_run(const enn_exec *e, const void *state) {
  const q8_fast *f = state;
  q8_job j = {f, e->in[0], e->out[0], NULL, true, 1, cdiv(f->n, f->k->nr)};
  const int64_t macs = f->rows * f->n * f->kc * f->groups;
  choose_split(f->rows, j.panels, f->k->mr, enn_threadpool_threads(e->pool), macs, &j.by_rows, &j.tasks);
  if (j.tasks <= 1) {
    gemm_block(f, j.x, j.y, 0, f->rows, 0, j.panels);
    return;
  }
  enn_threadpool_parallel_for(e->pool, j.tasks, gemm_task, &j);
}

/* ----------------------------------------------------------- IGEMM */
/* Indirection table for output pixels [m0, m0 + mr), a[t*MR + i] for tap
 * t = ky*kw + kx of pixel m0 + i: the input pixel (+ the group's channel
 * offset) or the x_zp row. Rows i >= mr repeat row mr - 1. Coordinates
 * advance pixel by pixel (one division per tile). */
static void build_indirection(const q8_fast *f, const int8_t *x, int64_t m0, int32_t mr, int32_t g, const int8_t **a) {
  const enn_conv2d_params *p = &f->g;
  const int32_t MR = f->k->mr, icg = p->ic / p->groups, ks = f->ks;
  const size_t ic = (size_t)p->ic, img = (size_t)p->ih * (size_t)p->iw * ic, goff = (size_t)g * (size_t)icg;
  const int64_t plane = (int64_t)p->oh * p->ow;
  int32_t n = (int32_t)(m0 / plane), rem = (int32_t)(m0 % plane);
  int32_t oy = rem / p->ow, ox = rem % p->ow;
  for (int32_t i = 0; i < mr; i++) {
    const int8_t *xn = x + (size_t)n * img + goff;
    const int32_t iy0 = oy * p->sh - p->pt, ix0 = ox * p->sw - p->pl;
    for (int32_t ky = 0; ky < p->kh; ky++) {
      const int32_t iy = iy0 + ky * p->dh;
      const bool row_in = iy >= 0 && iy < p->ih;
      const int8_t *xr = xn + (size_t)(row_in ? iy : 0) * (size_t)p->iw * ic;
      for (int32_t kx = 0; kx < p->kw; kx++) {
        const int32_t ix = ix0 + kx * p->dw;
        a[(ky * p->kw + kx) * MR + i] = (row_in && ix >= 0 && ix < p->iw) ? xr + (size_t)ix * ic : f->zrow;
      }
    }
    if (++ox == p->ow) {
      ox = 0;
      if (++oy == p->oh) {
        oy = 0;
        n++;
      }
    }
  }
  for (int32_t t = 0; t < ks; t++)
    for (int32_t i = mr; i < MR; i++) a[t * MR + i] = a[t * MR + mr - 1];
}

/* Output pixels [m0, m1) x panels [p0, p1) of every group; a (room for
 * one tile's indirection table) is the thread's scratch. With a cached
 * table m0 is a multiple of MR. */
static void igemm_block(const q8_fast *f, const int8_t *x, int8_t *y, const int8_t **a, int64_t m0, int64_t m1,
                        int64_t p0, int64_t p1) {
  const enn_conv2d_params *p = &f->g;
  const int32_t MR = f->k->mr, NR = f->k->nr;
  const size_t tile_ptrs = (size_t)f->ks * (size_t)MR;
  for (int32_t g = 0; g < p->groups; g++) {
    const unsigned char *wg = f->w + (size_t)g * f->w_gstride;
    for (int64_t pb = p0; pb < p1; pb += f->pblock) {
      const int64_t pe = min64(pb + f->pblock, p1);
      const int64_t col0 = pb * NR, ncols = min64(pe * NR, f->n) - col0;
      for (int64_t m = m0; m < m1; m += MR) {
        const int32_t mr = (int32_t)min64(MR, m1 - m);
        int8_t *ct = y + (size_t)m * (size_t)p->oc + (size_t)g * (size_t)f->n + (size_t)col0;
        const unsigned char *wp = wg + (size_t)pb * f->pstride;
        const int8_t *const *ta = a;
        if (f->ind) ta = f->ind->ptrs + (size_t)(m / MR) * tile_ptrs;
        else build_indirection(f, x, m, mr, g, a);
        enn_qs8_epi ep = f->ep;
        int32_t off[MAX_MR];
        if (f->w_zp) {
          for (int32_t i = 0; i < mr; i++)
            off[i] = row_offset(ta, (size_t)f->ks, (size_t)MR, (size_t)i, (size_t)f->kc, f->x_zp, f->w_zp);
          ep.row_off = off;
        }
        f->k->fn.qs8_igemm((size_t)mr, (size_t)ncols, (size_t)f->kc, (size_t)f->ks, ta, wp, ct, (size_t)p->oc, &ep);
      }
    }
  }
}

static void igemm_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const q8_job *j = ctx;
  const int8_t **a = (const int8_t **)(void *)((char *)j->scratch + (size_t)thread * j->f->scratch_per_thread);
  const int64_t MR = j->f->k->mr, rows = j->f->rows, tiles = cdiv(rows, MR);
  for (int32_t t = begin; t < end; t++) {
    int64_t u0, u1;
    if (j->by_rows) { /* whole tiles, so a cached table's tiles line up */
      task_range(tiles, j->tasks, t, &u0, &u1);
      igemm_block(j->f, j->x, j->y, a, u0 * MR, min64(u1 * MR, rows), 0, j->panels);
    } else {
      task_range(j->panels, j->tasks, t, &u0, &u1);
      igemm_block(j->f, j->x, j->y, a, 0, rows, u0, u1);
    }
  }
}

static void igemm_run(const enn_exec *e, const void *state) {
  const q8_fast *f = state;
  q8_job j = {f, e->in[0], e->out[0], e->scratch, true, 1, cdiv(f->n, f->k->nr)};
  /* The table depends only on the input's address, fixed for a session:
   * built on the first run (and again only if the address changes). */
  if (f->ind && f->ind->x != j.x) {
    const int32_t MR = f->k->mr;
    const size_t tile_ptrs = (size_t)f->ks * (size_t)MR;
    for (int64_t m = 0; m < f->rows; m += MR)
      build_indirection(f, j.x, m, (int32_t)min64(MR, f->rows - m), 0, f->ind->ptrs + (size_t)(m / MR) * tile_ptrs);
    f->ind->x = j.x;
  }
  int32_t T = enn_threadpool_threads(e->pool);
  if ((size_t)T * f->scratch_per_thread > e->scratch_bytes) T = 1; /* never: prepare sized it */
  const int64_t macs = f->rows * f->n * f->groups * f->ks * f->kc;
  choose_split(f->rows, j.panels, f->k->mr, T, macs, &j.by_rows, &j.tasks);
  if (j.tasks <= 1) {
    igemm_task(&j, 0, 1, 0);
    return;
  }
  enn_threadpool_parallel_for(e->pool, j.tasks, igemm_task, &j);
}

/* ---------------------------------------------------------- prepare */
/* True when all n weight zero points equal w_zp[0] (folded per call). */
static bool zero_points_uniform(const int32_t *w_zp, int64_t n) {
  for (int64_t i = 1; i < n; i++)
    if (w_zp[i] != w_zp[0]) return false;
  return true;
}

/* Packs groups x [n, ks*kc] weights (group g's rows from g*n, row stride
 * w_stride) and the matching bias / multipliers / shifts; fills f->w,
 * w_gstride, pstride, pblock. */
static enn_status pack(q8_fast *f, enn_prepare_ctx *ctx, int32_t kc, const int8_t *w, int64_t w_stride,
                       const int32_t *b, const int32_t *mult, const int32_t *shift, int32_t x_zp) {
  const enn_kernel *k = f->k;
  f->pstride = enn_qs8_pack_gemm_bytes(k, k->nr, f->ks, kc);
  f->w_gstride = enn_qs8_pack_gemm_bytes(k, f->n, f->ks, kc);
  unsigned char *pw = enn_prepare_alloc(ctx, f->w_gstride * (size_t)f->groups);
  if (!pw) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing %d x %d int8 weights", f->n, f->ks * kc);
  for (int32_t g = 0; g < f->groups; g++) {
    const size_t o = (size_t)g * (size_t)f->n;
    enn_qs8_pack_gemm(k, f->n, f->ks, kc, w_stride, w + o * (size_t)w_stride, b ? b + o : NULL, mult + o,
                      shift + o, x_zp, pw + (size_t)g * f->w_gstride);
  }
  f->w = pw;
  f->pblock = (int32_t)(L2_BLOCK_BYTES / f->pstride > 1 ? L2_BLOCK_BYTES / f->pstride : 1);
  return ENN_OK;
}

enn_status enn_qs8_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_conv2d_params *q,
                                       const int8_t *w, const int32_t *b, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  const enn_conv2d_params *p = &q->geo;
  if (!w || (e->n_in > 2 && !b)) return ENN_OK; /* computed at run time: reference */
  if (!zero_points_uniform(q->w_zp, p->oc)) return ENN_OK;
  const int32_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
  const int32_t w_zp = p->oc > 0 ? q->w_zp[0] : 0;
  if (w_zp != 0 && icg >= (1 << 23)) return ENN_OK; /* row sums stay below 2^31 */
  if (p->groups > 1 && ocg < 4) return ENN_OK;
  const bool gemm = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
                    p->oh == p->ih && p->ow == p->iw;
  const enn_kernel *k = enn_kernel_find(gemm ? ENN_KOP_GEMM : ENN_KOP_IGEMM, ENN_DTYPE_I8, 0, 0);
  if (!k || k->mr > MAX_MR) return ENN_OK;
  q8_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  memset(f, 0, sizeof *f);
  f->k = k;
  f->w_zp = w_zp;
  f->g = *p;
  f->n = ocg;
  f->groups = p->groups;
  f->rows = (int64_t)p->n * p->oh * p->ow;
  f->x_zp = q->x_zp;
  enn_qs8_epi_init(&f->ep, q->y_zp, q->act_lo, q->act_hi, p->oc, q->mult, q->shift);
  const int64_t kdim = (int64_t)p->kh * p->kw * icg;
  enn_status st;
  if (gemm) {
    f->mode = MODE_GEMM;
    f->ks = 1;
    f->kc = icg;
    f->a_stride = (size_t)p->ic;
    f->c_stride = (size_t)p->oc;
    if ((st = pack(f, ctx, f->kc, w, kdim, b, q->mult, q->shift, q->x_zp))) return st;
    fp->run = gemm_run;
  } else {
    f->mode = MODE_IGEMM;
    f->ks = p->kh * p->kw;
    f->kc = icg;
    if ((st = pack(f, ctx, f->kc, w, kdim, b, q->mult, q->shift, q->x_zp))) return st;
    int8_t *zrow = enn_prepare_alloc(ctx, (size_t)icg);
    if (!zrow) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    memset(zrow, q->x_zp, (size_t)icg);
    f->zrow = zrow;
    const size_t tile_bytes = (size_t)f->ks * (size_t)k->mr * sizeof(int8_t *);
    /* Cache every tile's table when it is not too big; grouped tables
     * differ per group, so those are built per tile as they run. */
    const size_t table_bytes = (size_t)cdiv(f->rows, k->mr) * tile_bytes;
    if (p->groups == 1 && table_bytes <= IND_CACHE_MAX_BYTES) {
      ind_cache *ic = enn_prepare_alloc(ctx, sizeof *ic);
      const int8_t **ptrs = enn_prepare_alloc(ctx, table_bytes);
      if (!ic || !ptrs) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for an indirection table");
      ic->x = NULL;
      ic->ptrs = ptrs;
      f->ind = ic;
    }
    f->scratch_per_thread = enn_align_up(tile_bytes, ENN_ALIGN);
    const int32_t T = e->threads > 1 ? e->threads : 1;
    e->scratch_bytes = f->scratch_per_thread * (size_t)T;
    fp->run = igemm_run;
  }
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}

enn_status enn_qs8_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_fc_params *p, const int8_t *w,
                                   const int32_t *b, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (!w || (e->n_in > 2 && !b)) return ENN_OK;
  if (p->n > INT32_MAX / 2 || p->k > INT32_MAX / 2 || !zero_points_uniform(p->w_zp, p->n)) return ENN_OK;
  const int32_t w_zp = p->n > 0 ? p->w_zp[0] : 0;
  if (w_zp != 0 && p->k >= (1 << 23)) return ENN_OK; /* row sums stay below 2^31 */
  const enn_kernel *k = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_I8, 0, 0);
  if (!k || k->mr > MAX_MR) return ENN_OK;
  q8_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  memset(f, 0, sizeof *f);
  f->k = k;
  f->w_zp = w_zp;
  f->x_zp = p->x_zp;
  f->mode = MODE_GEMM;
  f->rows = p->rows;
  f->n = (int32_t)p->n;
  f->groups = 1;
  f->ks = 1;
  f->kc = (int32_t)p->k;
  f->a_stride = (size_t)p->k;
  f->c_stride = (size_t)p->n;
  enn_qs8_epi_init(&f->ep, p->y_zp, p->act_lo, p->act_hi, p->n, p->mult, p->shift);
  enn_status st = pack(f, ctx, f->kc, w, p->k, b, p->mult, p->shift, p->x_zp);
  if (st) return st;
  fp->run = gemm_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}
