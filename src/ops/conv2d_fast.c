/*
 * Conv2D fast paths (kernels.h) and the GEMM driver shared with
 * FullyConnected.
 *
 * Modes, chosen at prepare:
 *   GEMM   1x1, stride 1, no padding: the NHWC input IS the [pixels, ic]
 *          matrix; per group a GEMM with a_stride = ic, c_stride = oc.
 *   DW     depthwise (groups = ic = oc), 3x3 or 5x5, no dilation: one
 *          DWCONV call per output row with kh input-row pointers, a zero
 *          row (prepared once) standing for vertical padding.
 *   WINO   dense 3x3 stride 1 where it pays: Winograd F(4x4, 3x3)
 *          (conv2d_winograd.c).
 *   IGEMM  everything else (dense k x k, strided 1x1, grouped, dilated):
 *          per tile of at most MR output pixels an indirection table of
 *          kh*kw x MR input-pixel pointers (padding taps point at a zero
 *          vector), then the indirect GEMM runs over the panels. With one
 *          group the tables of all tiles are built once, on the first run
 *          (the input's address is fixed by the memory plan), else per
 *          tile in per-thread scratch.
 *          With fewer than 16 input channels (the 3-channel stem) a tap is
 *          a whole kernel row (ROWS): kw neighbouring pixels are kw*ic
 *          contiguous floats, so the kernel runs kc = kw*ic per pointer;
 *          rows crossing the left / right edge are copied with zeros, into
 *          persistent per-tile buffers refreshed every run when the tables
 *          are cached (building every tile's table each run cost a third
 *          of MobileNetV2's stem).
 * Output rows (pixels) are cut into balanced micro-tiles of at most MR
 * rows (36 = 6 x 6, not 7 x 5 + 1): the kernels run a tile of exactly mr
 * rows, so no FMA is spent on rows that are not stored.
 * Weights and bias are packed once here. Work splits over the thread pool
 * into a grid of tasks, ranges of whole MR-row micro-tiles x ranges of
 * NR-column weight panels, about enn_par_tasks() of them (several per
 * thread, so the pool's dynamic claiming can rebalance around a stalled
 * thread): split first along panels when the weights outweigh the
 * activations (n > rows: late layers, FC), else along tiles. Every output
 * element is computed by the same instruction sequence whatever the split,
 * so results are identical for any thread count. Panels are walked in
 * blocks that fit in L2, rows inside a block, so big weight matrices are
 * read from memory once per task.
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/fast_path.h"

#define L2_BLOCK_BYTES (256 * 1024)

static inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t cdiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

/* Applies a non-fused activation to a rows x cols block of stride ld. */
static void post_act(float *c, int64_t rows, int64_t cols, size_t ld, const enn_act_params *act) {
  for (int64_t r = 0; r < rows; r++) enn_act_f32_array(c + (size_t)r * ld, cols, act);
}


/* Balanced row tiles: tile t of nt over `rows` rows starts here (every
 * tile has ceil or floor of rows / nt rows, at most the kernel's MR when
 * nt = ceil(rows / MR)), so no tile computes rows it does not store. */
static inline int64_t tile_start(int64_t rows, int64_t nt, int64_t t) { return rows * t / nt; }

static void task_range(int64_t units, int32_t tasks, int32_t t, int64_t *u0, int64_t *u1) {
  *u0 = units * t / tasks;
  *u1 = units * (t + 1) / tasks;
}

/* A task grid over `tiles` MR-row tiles x `panels` weight panels: rt
 * ranges of tiles x pt ranges of panels, task t = tile range t / pt, panel
 * range t % pt (consecutive tasks share their input rows). */
typedef struct grid {
  int64_t tiles, panels;
  int32_t rt, pt;
} grid;

static grid choose_grid(int64_t rows, int64_t tiles, int64_t panels, int32_t nr, int32_t T, int64_t macs) {
  grid s = {tiles, panels, 1, 1};
  if (T <= 1 || macs < ENN_FAST_PAR_MIN_MACS) return s;
  const int32_t want = enn_par_tasks(tiles * panels, macs, T);
  if (panels * nr > rows) { /* weights outweigh activations: each panel read by few tasks */
    s.pt = (int32_t)min64(panels, want);
    s.rt = (int32_t)min64(tiles, cdiv(want, s.pt));
  } else {
    s.rt = (int32_t)min64(tiles, want);
    s.pt = (int32_t)min64(panels, cdiv(want, s.rt));
  }
  return s;
}

/* Task t of the grid: tiles [*t0, *t1), panels [*p0, *p1). */
static void grid_task(const grid *s, int32_t t, int64_t *t0, int64_t *t1, int64_t *p0, int64_t *p1) {
  task_range(s->tiles, s->rt, t / s->pt, t0, t1);
  task_range(s->panels, s->pt, t % s->pt, p0, p1);
}

/* ------------------------------------------------------------ GEMM plan */
enn_status enn_gemm_plan_init(enn_gemm_plan *g, enn_prepare_ctx *ctx, const enn_kernel *k, int64_t rows, int32_t n,
                              int32_t kc, int32_t groups, size_t a_stride, size_t c_stride, const float *w,
                              int64_t w_stride, const float *b, const enn_act_params *act) {
  memset(g, 0, sizeof *g);
  g->k = k;
  g->rows = rows;
  g->n = n;
  g->kc = kc;
  g->groups = groups;
  g->a_stride = a_stride;
  g->c_stride = c_stride;
  g->act = *act;
  g->post = !enn_f32_epi_init(&g->ep, act);
  g->w_gstride = enn_f32_pack_gemm_floats(n, kc, k->nr);
  float *pw = enn_prepare_alloc(ctx, g->w_gstride * (size_t)groups * sizeof(float));
  if (!pw) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing %d x %d weights", n, kc);
  for (int32_t gi = 0; gi < groups; gi++)
    enn_f32_pack_gemm(n, kc, w_stride, k->nr, w + (int64_t)gi * n * w_stride, b ? b + (int64_t)gi * n : NULL,
                      pw + (size_t)gi * g->w_gstride);
  g->w = pw;
  const int64_t panel_bytes = (int64_t)k->nr * (1 + kc) * (int64_t)sizeof(float);
  g->pblock = (int32_t)(L2_BLOCK_BYTES / panel_bytes > 1 ? L2_BLOCK_BYTES / panel_bytes : 1);
  return ENN_OK;
}

/* Rows [r0, r1) x panels [p0, p1) of every group. */
static void gemm_block(const enn_gemm_plan *g, const float *a, float *c, int64_t r0, int64_t r1, int64_t p0,
                       int64_t p1) {
  const int32_t MR = g->k->mr, NR = g->k->nr;
  const size_t pstride = (size_t)NR * (size_t)(1 + g->kc);
  for (int32_t gi = 0; gi < g->groups; gi++) {
    const float *ag = a + (size_t)gi * (size_t)g->kc;
    float *cg = c + (size_t)gi * (size_t)g->n;
    const float *wg = g->w + (size_t)gi * g->w_gstride;
    for (int64_t pb = p0; pb < p1; pb += g->pblock) {
      const int64_t pe = min64(pb + g->pblock, p1);
      const int64_t col0 = pb * NR, ncols = min64(pe * NR, g->n) - col0;
      if (g->k->any_rows) { /* the kernel cuts the same tiles itself */
        float *ct = cg + (size_t)r0 * g->c_stride + (size_t)col0;
        g->k->fn.gemm((size_t)(r1 - r0), (size_t)ncols, (size_t)g->kc, ag + (size_t)r0 * g->a_stride, g->a_stride,
                      wg + (size_t)pb * pstride, ct, g->c_stride, &g->ep);
        if (g->post) post_act(ct, r1 - r0, ncols, g->c_stride, &g->act);
        continue;
      }
      const int64_t nt = cdiv(r1 - r0, MR);
      for (int64_t t = 0; t < nt; t++) {
        const int64_t r = r0 + tile_start(r1 - r0, nt, t), mr = r0 + tile_start(r1 - r0, nt, t + 1) - r;
        float *ct = cg + (size_t)r * g->c_stride + (size_t)col0;
        g->k->fn.gemm((size_t)mr, (size_t)ncols, (size_t)g->kc, ag + (size_t)r * g->a_stride, g->a_stride,
                      wg + (size_t)pb * pstride, ct, g->c_stride, &g->ep);
        if (g->post) post_act(ct, mr, ncols, g->c_stride, &g->act);
      }
    }
  }
}

void enn_gemm_plan_rows(const enn_gemm_plan *g, const float *a, float *c, int64_t r0, int64_t r1) {
  gemm_block(g, a, c, r0, r1, 0, cdiv(g->n, g->k->nr));
}

typedef struct gemm_job {
  const enn_gemm_plan *g;
  const float *a;
  float *c;
  grid s;
} gemm_job;

static void gemm_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const gemm_job *j = ctx;
  const int64_t MR = j->g->k->mr;
  for (int32_t t = begin; t < end; t++) { /* whole MR-row tiles */
    int64_t t0, t1, p0, p1;
    grid_task(&j->s, t, &t0, &t1, &p0, &p1);
    gemm_block(j->g, j->a, j->c, t0 * MR, min64(t1 * MR, j->g->rows), p0, p1);
  }
}

void enn_gemm_plan_run(const enn_gemm_plan *g, const float *a, float *c, struct enn_threadpool *pool) {
  const int64_t panels = cdiv(g->n, g->k->nr), macs = g->rows * g->n * g->kc * g->groups;
  gemm_job j = {g, a, c,
                choose_grid(g->rows, cdiv(g->rows, g->k->mr), panels, g->k->nr, enn_threadpool_threads(pool), macs)};
  const int32_t tasks = j.s.rt * j.s.pt;
  if (tasks <= 1) {
    gemm_block(g, a, c, 0, g->rows, 0, panels);
    return;
  }
  enn_threadpool_parallel_for(pool, tasks, gemm_task, &j);
}

/* ------------------------------------------------------------ Conv2D */
enum { MODE_GEMM = 0, MODE_DW, MODE_IGEMM };

/* The indirection tables of all output tiles (tile t at ptrs + t*ks*MR)
 * for input address x (NULL: not built yet). Mutable through the const
 * fast-path state: filled by the first run. In ROWS mode the tiles with a
 * window crossing the left / right edge (border_tile[i], i < n_border)
 * point at zero-padded copies of their rows in border + i * border_floats,
 * refreshed every run. */
typedef struct ind_cache {
  const void *x;
  const float **ptrs;
  int64_t n_border;
  const int64_t *border_tile;
  float *border;
  size_t border_floats;
} ind_cache;

typedef struct conv_fast {
  enn_conv2d_params p;
  int32_t mode;
  enn_gemm_plan gemm;  /* MODE_GEMM */
  const enn_kernel *k; /* MODE_DW / MODE_IGEMM */
  const float *w;      /* packed (DW, IGEMM) */
  size_t w_gstride;    /* IGEMM: packed floats per group */
  const float *zero;   /* DW: a zero input row; IGEMM: max(ic, kc) zeros */
  enn_f32_epi ep;
  bool post;
  bool rows;           /* IGEMM: a tap is a kernel row (ROWS mode) */
  int32_t ks, kc;      /* IGEMM taps (kh*kw, or kh in ROWS mode) and floats per tap */
  int32_t pblock;      /* IGEMM panels per cache block */
  size_t ptr_bytes;    /* IGEMM: indirection table bytes per thread */
  struct ind_cache *ind; /* IGEMM, one group: every tile's table, built once */
  size_t scratch_per_thread; /* IGEMM: table + ROWS border copies */
  int64_t out_px, tiles;     /* IGEMM: output pixels, balanced tiles of at most MR of them */
} conv_fast;

static void conv_gemm_run(const enn_exec *e, const void *state) {
  const conv_fast *f = state;
  enn_gemm_plan_run(&f->gemm, e->in[0], e->out[0], e->pool);
}

/* --- depthwise */
static void dw_rows(const conv_fast *f, const float *x, float *y, int64_t r0, int64_t r1) {
  const enn_conv2d_params *p = &f->p;
  const size_t c = (size_t)p->ic, row = (size_t)p->iw * c;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / p->oh), oy = (int32_t)(r % p->oh);
    const float *rows[5];
    for (int32_t ky = 0; ky < p->kh; ky++) {
      const int32_t iy = oy * p->sh - p->pt + ky;
      rows[ky] = (iy < 0 || iy >= p->ih) ? f->zero : x + ((size_t)n * (size_t)p->ih + (size_t)iy) * row;
    }
    float *yr = y + (size_t)r * (size_t)p->ow * c;
    f->k->fn.dwconv(rows, f->w, yr, c, (size_t)p->ow, (size_t)p->iw, (size_t)p->sw, (size_t)p->pl, &f->ep);
    if (f->post) enn_act_f32_array(yr, (int64_t)p->ow * p->ic, &p->act);
  }
}

typedef struct conv_job {
  const conv_fast *f;
  const float *x;
  float *y;
  void *scratch;
  int32_t tasks; /* DW: ranges of output rows */
  int64_t rows;
  grid s; /* IGEMM */
} conv_job;

static void dw_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const conv_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    int64_t r0, r1;
    task_range(j->rows, j->tasks, t, &r0, &r1);
    dw_rows(j->f, j->x, j->y, r0, r1);
  }
}

static void conv_dw_run(const enn_exec *e, const void *state) {
  const conv_fast *f = state;
  const enn_conv2d_params *p = &f->p;
  const int64_t rows = (int64_t)p->n * p->oh;
  const int64_t macs = rows * p->ow * p->oc * p->kh * p->kw;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || macs < ENN_FAST_PAR_MIN_MACS || rows < 2) {
    dw_rows(f, e->in[0], e->out[0], 0, rows);
    return;
  }
  conv_job j = {f, e->in[0], e->out[0], NULL, enn_par_tasks(rows, macs, T), rows, {0, 0, 1, 1}};
  enn_threadpool_parallel_for(e->pool, j.tasks, dw_task, &j);
}

/* --- indirect GEMM */
/* Indirection table for output pixels [m0, m0 + mr), a[t*MR + i] for tap
 * t of pixel m0 + i: per (ky, kx) the input pixel (+ the group's channel
 * offset) or the zero vector; in ROWS mode per ky the run of kw pixels
 * starting at the window's left edge (kw*ic contiguous floats), the zero
 * vector for a padding row, or a copy with zeros in `border` when the run
 * crosses the left or right edge. Rows i >= mr repeat row mr - 1.
 * Coordinates advance pixel by pixel (one division per tile). */
static void build_indirection(const conv_fast *f, const float *x, int64_t m0, int32_t mr, int32_t g,
                              const float **a, float *border) {
  const enn_conv2d_params *p = &f->p;
  const int32_t MR = f->k->mr, icg = p->ic / p->groups, ks = f->ks;
  const size_t ic = (size_t)p->ic, img = (size_t)p->ih * (size_t)p->iw * ic, goff = (size_t)g * (size_t)icg;
  const int64_t plane = (int64_t)p->oh * p->ow;
  int32_t n = (int32_t)(m0 / plane), rem = (int32_t)(m0 % plane);
  int32_t oy = rem / p->ow, ox = rem % p->ow;
  const float *rowp[16]; /* ROWS: the kh input rows of output row oy (NULL: padding) */
  int32_t row_of = -1;   /* n * oh + oy that rowp describes */
  for (int32_t i = 0; i < mr; i++) {
    const float *xn = x + (size_t)n * img + goff;
    const int32_t iy0 = oy * p->sh - p->pt, ix0 = ox * p->sw - p->pl;
    if (f->rows) {
      const int32_t run = p->kw * p->ic;
      if (row_of != n * p->oh + oy) {
        row_of = n * p->oh + oy;
        for (int32_t ky = 0; ky < p->kh; ky++) {
          const int32_t iy = iy0 + ky * p->dh;
          rowp[ky] = (iy < 0 || iy >= p->ih) ? NULL : xn + (size_t)iy * (size_t)p->iw * ic;
        }
      }
      if (ix0 >= 0 && ix0 + p->kw <= p->iw) {
        const size_t off = (size_t)ix0 * ic;
        for (int32_t ky = 0; ky < p->kh; ky++) a[ky * MR + i] = rowp[ky] ? rowp[ky] + off : f->zero;
      } else {
        for (int32_t ky = 0; ky < p->kh; ky++) {
          if (!rowp[ky]) {
            a[ky * MR + i] = f->zero;
            continue;
          }
          float *d = border + ((size_t)i * (size_t)p->kh + (size_t)ky) * (size_t)run;
          for (int32_t kx = 0; kx < p->kw; kx++) {
            const int32_t ix = ix0 + kx;
            for (int32_t q = 0; q < p->ic; q++)
              d[kx * p->ic + q] = (ix < 0 || ix >= p->iw) ? 0.0f : rowp[ky][(size_t)ix * ic + (size_t)q];
          }
          a[ky * MR + i] = d;
        }
      }
    } else {
      for (int32_t ky = 0; ky < p->kh; ky++) {
        const int32_t iy = iy0 + ky * p->dh;
        const bool row_in = iy >= 0 && iy < p->ih;
        const float *xr = xn + (size_t)(row_in ? iy : 0) * (size_t)p->iw * ic;
        for (int32_t kx = 0; kx < p->kw; kx++) {
          const int32_t ix = ix0 + kx * p->dw;
          a[(ky * p->kw + kx) * MR + i] = (row_in && ix >= 0 && ix < p->iw) ? xr + (size_t)ix * ic : f->zero;
        }
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

/* Output tiles [t0, t1) (of f->tiles balanced tiles over all output
 * pixels) x panels [p0, p1) of every group; a and border are the thread's
 * scratch. With a cached table (f->ind, one group, not ROWS) tile t's
 * pointers are read from it. */
static void igemm_block(const conv_fast *f, const float *x, float *y, const float **a, float *border, int64_t t0,
                        int64_t t1, int64_t p0, int64_t p1) {
  const enn_conv2d_params *p = &f->p;
  const int32_t NR = f->k->nr;
  const int32_t ocg = p->oc / p->groups;
  const size_t pstride = (size_t)NR * (1 + (size_t)f->ks * (size_t)f->kc);
  const size_t tile_ptrs = (size_t)f->ks * (size_t)f->k->mr;
  for (int32_t g = 0; g < p->groups; g++) {
    const float *wg = f->w + (size_t)g * f->w_gstride;
    for (int64_t pb = p0; pb < p1; pb += f->pblock) {
      const int64_t pe = min64(pb + f->pblock, p1);
      const int64_t col0 = pb * NR, ncols = min64(pe * NR, ocg) - col0;
      for (int64_t t = t0; t < t1; t++) {
        const int64_t m = tile_start(f->out_px, f->tiles, t);
        const int32_t mr = (int32_t)(tile_start(f->out_px, f->tiles, t + 1) - m);
        float *ct = y + (size_t)m * (size_t)p->oc + (size_t)g * (size_t)ocg + (size_t)col0;
        const float *const *ta = a;
        if (f->ind) ta = f->ind->ptrs + (size_t)t * tile_ptrs;
        else build_indirection(f, x, m, mr, g, a, border);
        f->k->fn.igemm((size_t)mr, (size_t)ncols, (size_t)f->kc, (size_t)f->ks, ta, wg + (size_t)pb * pstride, ct,
                       (size_t)p->oc, &f->ep);
        if (f->post) post_act(ct, mr, ncols, (size_t)p->oc, &p->act);
      }
    }
  }
}

static void igemm_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const conv_job *j = ctx;
  char *sc = (char *)j->scratch + (size_t)thread * j->f->scratch_per_thread;
  const float **a = (const float **)(void *)sc;
  float *border = (float *)(void *)(sc + j->f->ptr_bytes);
  for (int32_t t = begin; t < end; t++) { /* whole tiles */
    int64_t t0, t1, p0, p1;
    grid_task(&j->s, t, &t0, &t1, &p0, &p1);
    igemm_block(j->f, j->x, j->y, a, border, t0, t1, p0, p1);
  }
}

static void conv_igemm_run(const enn_exec *e, const void *state) {
  const conv_fast *f = state;
  const enn_conv2d_params *p = &f->p;
  const int64_t rows = f->out_px;
  const int64_t panels = cdiv(p->oc / p->groups, f->k->nr);
  const int64_t macs = rows * p->oc * f->ks * f->kc;
  conv_job j = {f, e->in[0], e->out[0], e->scratch, 1, rows, {f->tiles, panels, 1, 1}};
  /* The table depends only on the input's address, fixed for a session:
   * built on the first run (and again only if the address changes). */
  if (f->ind && f->ind->x != j.x) {
    const size_t tile_ptrs = (size_t)f->ks * (size_t)f->k->mr;
    for (int64_t t = 0; t < f->tiles; t++) {
      const int64_t m = tile_start(rows, f->tiles, t);
      build_indirection(f, j.x, m, (int32_t)(tile_start(rows, f->tiles, t + 1) - m), 0,
                        f->ind->ptrs + (size_t)t * tile_ptrs, (float *)(void *)((char *)e->scratch + f->ptr_bytes));
    /* (ROWS: border tiles are rebuilt below with their persistent copies;
     * the scratch border area only takes this first build's writes) */
    }
    f->ind->x = j.x;
  }
  for (int64_t i = 0; i < (f->ind ? f->ind->n_border : 0); i++) { /* ROWS: this run's border copies */
    const int64_t t = f->ind->border_tile[i], m = tile_start(rows, f->tiles, t);
    build_indirection(f, j.x, m, (int32_t)(tile_start(rows, f->tiles, t + 1) - m), 0,
                      f->ind->ptrs + (size_t)t * (size_t)f->ks * (size_t)f->k->mr,
                      f->ind->border + (size_t)i * f->ind->border_floats);
  }
  int32_t T = enn_threadpool_threads(e->pool);
  if ((size_t)T * f->scratch_per_thread > e->scratch_bytes) T = 1; /* never: prepare sized it */
  j.s = choose_grid(rows, f->tiles, panels, f->k->nr, T, macs);
  const int32_t tasks = j.s.rt * j.s.pt;
  if (tasks <= 1) {
    igemm_task(&j, 0, 1, 0);
    return;
  }
  enn_threadpool_parallel_for(e->pool, tasks, igemm_task, &j);
}

/* --- prepare */
enn_status enn_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  const float *w = e->in[1], *b = e->n_in > 2 ? e->in[2] : NULL;
  if (e->in_desc[0]->dtype != ENN_DTYPE_F32 || e->in_desc[1]->dtype != ENN_DTYPE_F32) return ENN_OK;
  if (!w || (e->n_in > 2 && !b)) return ENN_OK; /* weights computed at run time: reference */
  bool fused = false;
  enn_status st = enn_conv2d_chain_prepare(e, ctx, fp, &fused);
  if (st || fused) return st;
  const int32_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
  const bool dw = p->groups == p->ic && p->oc == p->ic && p->kh == p->kw && (p->kh == 3 || p->kh == 5) &&
                  p->dh == 1 && p->dw == 1;
  const bool gemm = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 &&
                    p->oh == p->ih && p->ow == p->iw;
  if (!dw && !gemm) {
    if ((st = enn_conv2d_wino_prepare(e, ctx, p, w, b, fp)) || fp->run) return st;
  }
  const enn_kernel *k = dw ? enn_kernel_find(ENN_KOP_DWCONV, ENN_DTYPE_F32, p->kh, p->kw)
                           : enn_kernel_find(gemm ? ENN_KOP_GEMM : ENN_KOP_IGEMM, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  conv_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->p = *p;
  f->k = k;
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  if (gemm) {
    f->mode = MODE_GEMM;
    if ((st = enn_gemm_plan_init(&f->gemm, ctx, k, (int64_t)p->n * p->ih * p->iw, ocg, icg, p->groups,
                                 (size_t)p->ic, (size_t)p->oc, w, icg, b, &p->act)))
      return st;
    fp->run = conv_gemm_run;
  } else if (dw) {
    f->mode = MODE_DW;
    float *pw = enn_prepare_alloc(ctx, enn_f32_pack_dwconv_floats(p->ic, p->kh, p->kw, k->nr) * sizeof(float));
    float *zero = enn_prepare_alloc(ctx, (size_t)p->iw * (size_t)p->ic * sizeof(float));
    if (!pw || !zero) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing depthwise weights");
    enn_f32_pack_dwconv(p->ic, p->kh, p->kw, k->nr, w, b, pw);
    f->w = pw;
    f->zero = zero;
    fp->run = conv_dw_run;
  } else {
    f->mode = MODE_IGEMM;
    /* Few channels (the 3-channel stem): a tap is a whole kernel row of kw
     * contiguous pixels (kc = kw*ic), so the kernel's k loop is not cut
     * every ic steps and a tile needs kw times fewer pointers. */
    f->rows = p->groups == 1 && p->dw == 1 && p->kw > 1 && p->ic < 16 && p->kh <= 16;
    f->ks = f->rows ? p->kh : p->kh * p->kw;
    f->kc = f->rows ? p->kw * p->ic : icg;
    const int64_t kdim = (int64_t)p->kh * p->kw * icg;
    f->w_gstride = enn_f32_pack_gemm_floats(ocg, kdim, k->nr);
    float *pw = enn_prepare_alloc(ctx, f->w_gstride * (size_t)p->groups * sizeof(float));
    const size_t zero_floats = (size_t)(p->ic > f->kc ? p->ic : f->kc);
    float *zero = enn_prepare_alloc(ctx, zero_floats * sizeof(float));
    if (!pw || !zero) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing convolution weights");
    for (int32_t g = 0; g < p->groups; g++)
      enn_f32_pack_gemm(ocg, kdim, kdim, k->nr, w + (size_t)g * (size_t)ocg * (size_t)kdim,
                        b ? b + (size_t)g * (size_t)ocg : NULL, pw + (size_t)g * f->w_gstride);
    f->w = pw;
    f->zero = zero;
    const int64_t panel_bytes = (int64_t)k->nr * (1 + kdim) * (int64_t)sizeof(float);
    f->pblock = (int32_t)(L2_BLOCK_BYTES / panel_bytes > 1 ? L2_BLOCK_BYTES / panel_bytes : 1);
    f->ptr_bytes = enn_align_up((size_t)f->ks * (size_t)k->mr * sizeof(float *), ENN_ALIGN);
    /* Cache every tile's indirection table (built on the first run: the
     * input's address is fixed once the session is planned) when it is
     * not too big; grouped ones differ per group, so those are built per
     * tile as they run. In ROWS mode the tiles with a pixel whose window
     * crosses the left or right edge get persistent border copies. */
    const int64_t out_px = (int64_t)p->n * p->oh * p->ow;
    f->out_px = out_px;
    f->tiles = cdiv(out_px, k->mr);
    const size_t table_bytes = (size_t)f->tiles * f->ptr_bytes;
    if (p->groups == 1 && table_bytes <= (size_t)8 << 20) {
      ind_cache *ic = enn_prepare_alloc(ctx, sizeof *ic);
      const float **ptrs = enn_prepare_alloc(ctx, table_bytes);
      if (!ic || !ptrs) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for an indirection table");
      ic->ptrs = ptrs;
      if (f->rows) {
        int64_t nb = 0;
        for (int pass = 0; pass < 2; pass++) { /* count, then list the border tiles */
          nb = 0;
          for (int64_t t = 0; t < f->tiles; t++) {
            bool crosses = false;
            for (int64_t m = tile_start(out_px, f->tiles, t); m < tile_start(out_px, f->tiles, t + 1); m++) {
              const int32_t ix0 = (int32_t)(m % p->ow) * p->sw - p->pl;
              crosses = crosses || ix0 < 0 || ix0 + p->kw > p->iw;
            }
            if (crosses && pass) ((int64_t *)(void *)ic->border_tile)[nb] = t;
            nb += crosses;
          }
          if (!pass && nb) {
            ic->border_floats = (size_t)k->mr * (size_t)p->kh * (size_t)f->kc;
            ic->border_tile = enn_prepare_alloc(ctx, (size_t)nb * sizeof(int64_t));
            ic->border = enn_prepare_alloc(ctx, (size_t)nb * ic->border_floats * sizeof(float));
            if (!ic->border_tile || !ic->border) return enn_err(ENN_ERR_NO_MEMORY, "out of memory for border copies");
          }
          if (!nb) break;
        }
        ic->n_border = nb;
      }
      f->ind = ic;
    }
    const size_t border_bytes = f->rows ? (size_t)k->mr * (size_t)p->kh * (size_t)f->kc * sizeof(float) : 0;
    f->scratch_per_thread = f->ptr_bytes + enn_align_up(border_bytes, ENN_ALIGN);
    const int32_t T = e->threads > 1 ? e->threads : 1;
    e->scratch_bytes = f->scratch_per_thread * (size_t)T;
    fp->run = conv_igemm_run;
  }
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}
