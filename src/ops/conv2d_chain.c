/*
 * Fused depthwise-separable blocks: 1x1 expand -> depthwise k x k ->
 * 1x1 project (MobileNetV2 / EfficientNet inverted residuals), or the
 * depthwise -> 1x1 and 1x1 -> depthwise halves, or a network's stem conv
 * (dense k x k over < 16 channels, e.g. 3x3/2 over RGB) -> depthwise
 * [-> 1x1] (MobileNetV1/V2's first layers), run as one row pipeline so the
 * wide intermediate tensors stay in L1/L2 instead of being written to and
 * read back from memory (MobileNetV2 1.0/224: the stem's 1.6 MB output).
 * A stem row is computed as conv2d_fast.c computes it (indirect GEMM, a
 * tap = one kernel row of kw * ic contiguous floats, zero-padded copies at
 * the left / right edges, the same packed weights), so the same bits.
 *
 * Detection (at prepare, from the session's graph: enn_exec.graph): the
 * nodes are scanned in order and grouped greedily into blocks of
 * consecutive Conv2D nodes: a 1x1 (stride 1, no padding, one group) whose
 * output feeds only a depthwise 3x3 / 5x5 (dilation 1), optionally
 * followed by a 1x1 reading only the depthwise output; or a depthwise
 * followed by such a 1x1. Intermediates must be used once and not be graph
 * outputs, weights f32 constants, activations ones the kernel epilogues
 * compute, and the block worth it: its largest intermediate at least
 * 64 KiB, its weights at most 2 MiB (the pipeline re-reads them once per
 * row; on MobileNetV2 fusing every block, 7x7 ones included, measured
 * 1-2% faster than fusing only those with intermediates of 512 KiB or
 * more). Every node of the graph computes the same
 * grouping, so each knows its role: all but the block's last node run
 * nothing; the last runs the block.
 *
 * Pipeline, per output row of the depthwise (the rows are cut into
 * enn_par_tasks() contiguous ranges, several per thread, claimed
 * dynamically by the pool): the k input rows it needs are expanded (GEMM of
 * one input row: W pixels x C_in by the packed expand weights) into a ring
 * of k rows kept per thread in scratch, each slot tagged with the input row
 * it holds (a row computed for the previous output row is reused; the tags
 * live in the thread's scratch and are reset once per run, so a thread
 * that runs adjacent ranges one after the other, as the pool's lanes do,
 * keeps its ring across them, and only where ranges meet on different
 * threads are k - stride rows computed twice), the depthwise kernel turns
 * them into one output row in scratch, and the project GEMM writes the
 * block's output row. A ring row is the same bytes whichever task computed
 * it. Every element is computed by the same kernels with the same operands
 * as in the unfused layers, so results are bit-identical to the unfused
 * fast path for any thread count and schedule.
 *
 * Small blocks with threads: with T > 1 threads a block with fewer than
 * SMALL_ROWS * T output rows (MobileNetV2's 7x7 blocks at 2 threads) runs
 * its layers one after the other, each split over all threads (the
 * sequential path below, intermediates in the planned buffers, which fit
 * in L2 at these sizes): 7 rows cannot be shared evenly by 2 threads, and
 * where two threads' row ranges meet the ring rows are computed twice.
 * Same bits either way. Measured (MobileNetV2 1.0/224, 2 threads, median
 * of 12 interleaved p50s of 100 runs): SMALL_ROWS 0 (always the pipeline)
 * 4.14 ms, 4 (the 7x7 blocks) 3.96 ms, 8 (also the 14x14 ones) 4.14 ms.
 * The stem in the pipeline: 1 thread 6.95 vs 7.08 ms (median of 10
 * interleaved p50s; minima 6.47 vs 6.65).
 *
 * Detection and the row pipeline's machinery (ring, tags, task split,
 * the layer-by-layer depthwise pass) are shared with the int8 runner in
 * dwsep_chain.c; this file supplies the f32 steps (and the stem rows).
 *
 * Memory safety: the memory plan treats the block's three nodes as
 * separate steps, so the block input (read by the last node) may share
 * bytes with the block output or the last node's scratch (the input died
 * at the first node; the skipped nodes wrote nothing since). The last node
 * checks this with the pointers at run time and, if they overlap, runs the
 * layers one after the other through their own planned buffers (each
 * step's buffers are disjoint from what it reads, as for unfused nodes).
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/dwsep_chain.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"

#define FUSE_MIN_BYTES (64 * 1024)
#define FUSE_MAX_WEIGHT_BYTES (2 * 1024 * 1024)
/* With T > 1 threads, a block with fewer than SMALL_ROWS * T output rows
 * runs its layers one after the other (each split over all threads) instead
 * of the row pipeline: 7 or 14 rows cannot be shared evenly by 2 threads,
 * and where the ranges meet the ring rows are computed twice. */
#define SMALL_ROWS 4
/* A block whose weights exceed L2_ROW_WEIGHTS (half of a 1 MiB L2) while
 * one image's widest intermediate fits in as much runs layer by layer at
 * any thread count: the pipeline would stream all its weights from L3 for
 * every output row, the layers read each weight panel block from L3 once
 * and their intermediates stay in L2 (MobileNetV2's 7x7 blocks and the
 * 14x14 -> 7x7 one: 1 thread, 6 alternating rounds, each 7x7 block 4-6%
 * faster; 14x14 blocks with 464 KB of weights measured the same either
 * way and stay in the pipeline). */
#define L2_ROW_WEIGHTS (512 * 1024)

static int g_fusion = 1;
static int64_t g_runs[2]; /* fused pipeline / sequential fallback runs (diagnostics) */
void enn_conv2d_set_fusion(int mode) { g_fusion = mode; }
void enn_conv2d_chain_counts(int64_t *pipelined, int64_t *sequential) {
  *pipelined = g_runs[0];
  *sequential = g_runs[1];
}

/* ------------------------------------------------------------ detection */
/* Node i as an f32 block layer (dwsep_chain.h does the shapes): f32
 * activations, constant f32 weights and bias, an activation the kernel
 * epilogues compute. */
static bool f32_conv(const enn_graph *g, int32_t i, enn_chain_conv *c) {
  if (!enn_chain_conv_init(g, i, c)) return false;
  const enn_node *n = c->n;
  const enn_tensor *x = &g->tensors[n->inputs[0]], *w = &g->tensors[n->inputs[1]];
  const enn_tensor *b = n->n_inputs > 2 ? &g->tensors[n->inputs[2]] : NULL;
  if (x->kind == ENN_TK_CONST || x->desc.dtype != ENN_DTYPE_F32) return false;
  if (w->kind != ENN_TK_CONST || w->desc.dtype != ENN_DTYPE_F32 || !w->data) return false;
  if (b && (b->kind != ENN_TK_CONST || b->desc.dtype != ENN_DTYPE_F32 || !b->data)) return false;
  enn_f32_epi ep;
  if (!enn_f32_epi_init(&ep, &c->geo.act)) return false;
  return true;
}

static const enn_chain_rule kRule = {f32_conv, 4, FUSE_MIN_BYTES, FUSE_MAX_WEIGHT_BYTES};

static const float *conv_w(const enn_graph *g, const enn_chain_conv *c) {
  return g->tensors[c->n->inputs[1]].data;
}
static const float *conv_b(const enn_graph *g, const enn_chain_conv *c) {
  return c->n->n_inputs > 2 ? g->tensors[c->n->inputs[2]].data : NULL;
}

/* ------------------------------------------------------------- running */
/* A stem conv as the block's first layer: indirect GEMM over output rows
 * (conv2d_fast.c's ROWS mode: ks = kh taps of kc = kw * ic contiguous
 * floats, the same kernel, packing and k order, so the same bits). */
typedef struct stem_conv {
  const enn_kernel *k; /* ENN_KOP_IGEMM */
  const float *w;      /* enn_f32_pack_gemm of [oc, kh*kw*ic] */
  const float *zero;   /* kc zeros */
  enn_f32_epi ep;
  int32_t ih, iw, ic, kh, kw, sh, sw, pt, pl, ks, kc;
  int32_t in_lo, in_hi; /* output columns [in_lo, in_hi) have their whole window inside the row */
  size_t ptr_bytes, per_thread; /* per thread: row pointers, then edge copies */
  char *scratch;                 /* threads x per_thread bytes, persistent (see chain_run) */
} stem_conv;

typedef struct chain {
  bool has_e, has_p, stem;
  stem_conv sc;          /* when stem */
  int32_t first;         /* index of the block's first node */
  int32_t nb, h, w, cin, chid, oh, ow, cout, k, stride, pt, pl;
  enn_gemm_plan pe, pp;  /* expand [nb*h*w rows], project [nb*oh*ow rows] */
  const enn_kernel *kd;
  const float *wd;       /* packed depthwise weights */
  enn_f32_epi epd;
  enn_chain_pipe pipe;   /* rows, layout and the steps below */
  bool layered;          /* always layer by layer (L2_ROW_WEIGHTS) */
  int64_t macs;                              /* of the whole block */
  int64_t sc_macs;                           /* of the stem layer */
} chain;

static void noop_run(const enn_exec *e, const void *state) {
  ENN_UNUSED(e);
  ENN_UNUSED(state);
}

/* Output row oy of image nbi of the stem conv (c->w pixels x c->chid) into
 * dst; a / border are the thread's scratch. Pixels go in balanced tiles of
 * at most MR; a window crossing the left / right edge reads a zero-padded
 * copy of its kernel row, a padding row the zero vector. */
static void stem_row(const chain *c, const float *x, int32_t nbi, int32_t oy, float *dst, const float **a,
                     float *border) {
  const stem_conv *s = &c->sc;
  const int32_t MR = s->k->mr, run = s->kc, ntiles = (c->w + MR - 1) / MR;
  const size_t ic = (size_t)s->ic, xrow = (size_t)s->iw * ic;
  const float *img = x + (size_t)nbi * (size_t)s->ih * xrow;
  const float *xr[ENN_CHAIN_STEM_MAX_K]; /* the kernel rows of this output row (NULL: padding) */
  for (int32_t ky = 0; ky < s->kh; ky++) {
    const int32_t iy = oy * s->sh - s->pt + ky;
    xr[ky] = (iy < 0 || iy >= s->ih) ? NULL : img + (size_t)iy * xrow;
  }
  /* The input rows the next output row adds (sh of them) are prefetched
   * over this row's tiles: a network's input was last touched before the
   * previous inference (L3 or DRAM). MobileNetV2's stem block, 1 thread, 8 alternating
   * rounds: faster in 7, by 4-8%. */
  const char *pf = NULL;
  size_t pf_lines = 0;
  const int32_t iy_next = (oy + 1) * s->sh - s->pt + s->kh - s->sh;
  if (iy_next >= 0 && iy_next + s->sh <= s->ih) {
    pf = (const char *)(img + (size_t)iy_next * xrow);
    pf_lines = ((size_t)s->sh * xrow * sizeof(float) + 63) / 64;
  }
  const size_t pf_per_tile = (pf_lines + (size_t)ntiles - 1) / (size_t)ntiles;
  /* With an any_rows kernel (kernels.h) every tile gets its own table and
   * edge copies and one call runs the row. */
  const bool all = s->k->any_rows && ntiles > 1;
  const float **a_all = a;
  float *border_all = border;
  for (int32_t t = 0; t < ntiles; t++) {
    const int32_t ox0 = (int32_t)((int64_t)c->w * t / ntiles), mr = (int32_t)((int64_t)c->w * (t + 1) / ntiles) - ox0;
    if (all) {
      a = a_all + (size_t)t * (size_t)s->ks * (size_t)MR;
      border = border_all + (size_t)t * (size_t)MR * (size_t)s->kh * (size_t)run;
    }
    for (size_t q = 0; pf && q < pf_per_tile && (size_t)t * pf_per_tile + q < pf_lines; q++)
      __builtin_prefetch(pf + ((size_t)t * pf_per_tile + q) * 64, 0, 3);
    for (int32_t i = 0; i < mr; i++) {
      const int32_t ox = ox0 + i, ix0 = ox * s->sw - s->pl;
      if (ox >= s->in_lo && ox < s->in_hi) { /* the window lies inside the row */
        for (int32_t ky = 0; ky < s->kh; ky++) a[ky * MR + i] = xr[ky] ? xr[ky] + (size_t)ix0 * ic : s->zero;
        continue;
      }
      for (int32_t ky = 0; ky < s->kh; ky++) {
        if (!xr[ky]) {
          a[ky * MR + i] = s->zero;
          continue;
        }
        float *d = border + ((size_t)i * (size_t)s->kh + (size_t)ky) * (size_t)run;
        for (int32_t kx = 0; kx < s->kw; kx++) {
          const int32_t ix = ix0 + kx;
          for (int32_t q = 0; q < s->ic; q++)
            d[kx * s->ic + q] = (ix < 0 || ix >= s->iw) ? 0.0f : xr[ky][(size_t)ix * ic + (size_t)q];
        }
        a[ky * MR + i] = d;
      }
    }
    for (int32_t ky = 0; ky < s->kh; ky++)
      for (int32_t i = mr; i < MR; i++) a[ky * MR + i] = a[ky * MR + mr - 1];
    if (!all)
      s->k->fn.igemm((size_t)mr, (size_t)c->chid, (size_t)s->kc, (size_t)s->ks, a, s->w,
                     dst + (size_t)ox0 * (size_t)c->chid, (size_t)c->chid, &s->ep);
  }
  if (all)
    s->k->fn.igemm((size_t)c->w, (size_t)c->chid, (size_t)s->kc, (size_t)s->ks, a_all, s->w, dst, (size_t)c->chid,
                   &s->ep);
}

/* Thread t's stem scratch (row pointers, then edge copies). It is not in
 * the node's planned scratch, which may overlap the block input when the
 * sequential fallback runs. */
static const float **stem_ptrs(const chain *c, int32_t t) {
  return (const float **)(void *)(c->sc.scratch + (size_t)t * c->sc.per_thread);
}

/* The pipeline's steps (enn_chain_pipe) on f32 rows. */
static void step_expand(const void *st, const char *x, int32_t nbi, int32_t iy, char *dst, int32_t thread) {
  const chain *c = st;
  float *d = (float *)(void *)dst;
  if (c->stem) {
    const float **a = stem_ptrs(c, thread);
    stem_row(c, (const float *)(const void *)x, nbi, iy, d, a, (float *)(void *)((char *)a + c->sc.ptr_bytes));
  } else {
    const char *xr = x + ((size_t)nbi * (size_t)c->h + (size_t)iy) * c->pipe.x_row;
    enn_gemm_plan_rows(&c->pe, (const float *)(const void *)xr, d, 0, c->w);
  }
}

static void step_dw(const void *st, const void *const *rows, char *out) {
  const chain *c = st;
  c->kd->fn.dwconv((const float *const *)rows, c->wd, (float *)(void *)out, (size_t)c->chid, (size_t)c->ow,
                   (size_t)c->w, (size_t)c->stride, (size_t)c->pl, &c->epd);
}

static void step_project(const void *st, const char *drow, char *yrow) {
  const chain *c = st;
  enn_gemm_plan_rows(&c->pp, (const float *)(const void *)drow, (float *)(void *)yrow, 0, c->ow);
}

typedef struct stem_job {
  const chain *c;
  const float *x;
  float *out;
  int32_t tasks;
  int64_t rows;
} stem_job;

/* The stem layer alone, its output rows of nb*h, into out. */
static void stem_pass_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const stem_job *j = ctx;
  const float **sa = stem_ptrs(j->c, thread);
  const size_t wrow = (size_t)j->c->w * (size_t)j->c->chid;
  for (int32_t t = begin; t < end; t++)
    for (int64_t r = j->rows * t / j->tasks; r < j->rows * (t + 1) / j->tasks; r++)
      stem_row(j->c, j->x, (int32_t)(r / j->c->h), (int32_t)(r % j->c->h), j->out + (size_t)r * wrow, sa,
               (float *)(void *)((char *)sa + j->c->sc.ptr_bytes));
}

static void chain_run(const enn_exec *e, const void *state) {
  const chain *c = state;
  const enn_exec *first = &e->execs[c->first];
  const float *x = first->in[0];
  float *y = e->out[0];
  const int64_t rows = (int64_t)c->nb * c->oh;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int32_t tasks = enn_par_tasks(rows, c->macs, T);
  const bool fused = g_fusion != 2 && !c->layered && !(T > 1 && rows < (int64_t)SMALL_ROWS * T) &&
                     enn_chain_pipe_try(&c->pipe, c, x, y, e, tasks);
  g_runs[fused ? 0 : 1]++;
  if (fused) return;
  /* Layer by layer through the planned buffers: expand -> E, depthwise ->
   * D (or y), project D -> y. */
  const float *din = x;
  if (c->has_e) {
    float *ebuf = first->out[0];
    if (c->stem) {
      const int64_t erows = (int64_t)c->nb * c->h;
      stem_job js = {c, x, ebuf, enn_par_tasks(erows, c->sc_macs, T), erows};
      if (js.tasks <= 1) stem_pass_task(&js, 0, 1, 0);
      else enn_threadpool_parallel_for(e->pool, js.tasks, stem_pass_task, &js);
    } else
      enn_gemm_plan_run(&c->pe, x, ebuf, e->pool);
    din = ebuf;
  }
  float *dout = c->has_p ? e->execs[e->index - 1].out[0] : y;
  enn_chain_dw_pass(&c->pipe, c, din, dout, e->pool, tasks);
  if (c->has_p) enn_gemm_plan_run(&c->pp, dout, y, e->pool);
}

/* Static names of the block runners (kernel names must outlive sessions). */
static const char *runner_name(const enn_chain_spec *s, enn_isa isa) {
  if (s->has_e && s->e.stem) {
    if (isa == ENN_ISA_NEON) return s->has_p ? "enn_f32_dwsep_conv_dw_pw__neon" : "enn_f32_dwsep_conv_dw__neon";
    if (isa == ENN_ISA_AVX512) return s->has_p ? "enn_f32_dwsep_conv_dw_pw__avx512" : "enn_f32_dwsep_conv_dw__avx512";
    return s->has_p ? "enn_f32_dwsep_conv_dw_pw__avx2" : "enn_f32_dwsep_conv_dw__avx2";
  }
  if (isa == ENN_ISA_NEON) {
    if (s->has_e && s->has_p) return "enn_f32_dwsep_pw_dw_pw__neon";
    return s->has_p ? "enn_f32_dwsep_dw_pw__neon" : "enn_f32_dwsep_pw_dw__neon";
  }
  const bool a512 = isa == ENN_ISA_AVX512;
  if (s->has_e && s->has_p) return a512 ? "enn_f32_dwsep_pw_dw_pw__avx512" : "enn_f32_dwsep_pw_dw_pw__avx2";
  if (s->has_p) return a512 ? "enn_f32_dwsep_dw_pw__avx512" : "enn_f32_dwsep_dw_pw__avx2";
  return a512 ? "enn_f32_dwsep_pw_dw__avx512" : "enn_f32_dwsep_pw_dw__avx2";
}

enn_status enn_conv2d_chain_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_fast_path *fp, bool *handled) {
  *handled = false;
  if (!g_fusion || !e->graph || !e->execs || e->index < 0) return ENN_OK;
  const enn_kernel *kg = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0);
  if (!kg) return ENN_OK;
  enn_chain_spec s;
  if (!enn_chain_find(e->graph, e->index, &kRule, &s)) return ENN_OK;
  const enn_kernel *kd = enn_kernel_find(ENN_KOP_DWCONV, ENN_DTYPE_F32, s.d.geo.kh, s.d.geo.kw);
  if (!kd || (kd->isa != ENN_ISA_AVX2 && kd->isa != ENN_ISA_AVX512 && kd->isa != ENN_ISA_NEON)) return ENN_OK;
  const enn_kernel *ki = NULL;
  if (s.has_e && s.e.stem && (!(ki = enn_kernel_find(ENN_KOP_IGEMM, ENN_DTYPE_F32, 0, 0)) || ki->isa != kd->isa))
    return ENN_OK;
  *handled = true;
  if (e->index != s.first + s.len - 1) { /* computed by the block's last node */
    fp->run = noop_run;
    fp->state = NULL;
    e->kernel = "fused";
    return ENN_OK;
  }
  chain *c = enn_prepare_alloc(ctx, sizeof *c);
  if (!c) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_conv2d_params *d = &s.d.geo;
  const enn_graph *g = e->graph;
  c->has_e = s.has_e;
  c->has_p = s.has_p;
  c->first = s.first;
  c->nb = d->n;
  c->h = d->ih;
  c->w = d->iw;
  c->chid = d->ic;
  c->cin = s.has_e ? s.e.geo.ic : d->ic;
  c->stem = s.has_e && s.e.stem;
  c->oh = d->oh;
  c->ow = d->ow;
  c->cout = s.has_p ? s.p.geo.oc : d->oc;
  c->k = d->kh;
  c->stride = d->sh;
  c->pt = d->pt;
  c->pl = d->pl;
  c->kd = kd;
  enn_f32_epi_init(&c->epd, &d->act);
  enn_status st;
  const int32_t T = e->threads > 1 ? e->threads : 1;
  if (c->stem) {
    stem_conv *sc = &c->sc;
    const enn_conv2d_params *ec = &s.e.geo;
    sc->k = ki;
    sc->ih = ec->ih;
    sc->iw = ec->iw;
    sc->ic = ec->ic;
    sc->kh = ec->kh;
    sc->kw = ec->kw;
    sc->sh = ec->sh;
    sc->sw = ec->sw;
    sc->pt = ec->pt;
    sc->pl = ec->pl;
    sc->ks = ec->kh;
    sc->kc = ec->kw * ec->ic;
    /* ox * sw - pl >= 0 and ox * sw - pl + kw <= iw */
    sc->in_lo = (ec->pl + ec->sw - 1) / ec->sw;
    sc->in_hi = ec->iw - ec->kw + ec->pl < 0 ? 0 : (ec->iw - ec->kw + ec->pl) / ec->sw + 1;
    if (sc->in_hi > c->w) sc->in_hi = c->w;
    if (sc->in_lo > sc->in_hi) sc->in_lo = sc->in_hi;
    enn_f32_epi_init(&sc->ep, &ec->act);
    const int64_t kdim = (int64_t)ec->kh * ec->kw * ec->ic;
    float *pw = enn_prepare_alloc(ctx, enn_f32_pack_gemm_floats(c->chid, kdim, ki->nr) * sizeof(float));
    float *zero = enn_prepare_alloc(ctx, (size_t)sc->kc * sizeof(float));
    const size_t tabs = ki->any_rows ? (size_t)((c->w + ki->mr - 1) / ki->mr) : 1; /* tables per row (stem_row) */
    sc->ptr_bytes = enn_align_up(tabs * (size_t)sc->ks * (size_t)ki->mr * sizeof(float *), ENN_ALIGN);
    sc->per_thread = sc->ptr_bytes +
                     enn_align_up(tabs * (size_t)ki->mr * (size_t)sc->kh * (size_t)sc->kc * sizeof(float), ENN_ALIGN);
    sc->scratch = enn_prepare_alloc(ctx, sc->per_thread * (size_t)T);
    if (!pw || !zero || !sc->scratch) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing a fused block");
    enn_f32_pack_gemm(c->chid, kdim, kdim, ki->nr, conv_w(g, &s.e), conv_b(g, &s.e), pw);
    sc->w = pw;
    sc->zero = zero;
    c->sc_macs = (int64_t)c->nb * c->h * c->w * c->chid * kdim;
  } else if (s.has_e && (st = enn_gemm_plan_init(&c->pe, ctx, kg, (int64_t)c->nb * c->h * c->w, c->chid, c->cin, 1,
                                          (size_t)c->cin, (size_t)c->chid, conv_w(g, &s.e), c->cin, conv_b(g, &s.e),
                                          &s.e.geo.act)))
    return st;
  if (s.has_p && (st = enn_gemm_plan_init(&c->pp, ctx, kg, (int64_t)c->nb * c->oh * c->ow, c->cout, c->chid, 1,
                                          (size_t)c->chid, (size_t)c->cout, conv_w(g, &s.p), c->chid, conv_b(g, &s.p),
                                          &s.p.geo.act)))
    return st;
  float *pw = enn_prepare_alloc(ctx, enn_f32_pack_dwconv_floats(c->chid, c->k, c->k, kd->nr) * sizeof(float));
  float *zero = enn_prepare_alloc(ctx, (size_t)c->w * (size_t)c->chid * sizeof(float));
  if (!pw || !zero) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing a fused block");
  enn_f32_pack_dwconv(c->chid, c->k, c->k, kd->nr, conv_w(g, &s.d), conv_b(g, &s.d), pw);
  c->wd = pw;
  enn_chain_pipe *pp = &c->pipe;
  enn_chain_pipe_init(pp, &s, sizeof(float), zero);
  pp->expand = step_expand;
  pp->dw = step_dw;
  pp->project = step_project;
  c->macs = (int64_t)c->nb * c->oh * c->ow * c->chid * c->k * c->k +
            (c->stem ? c->sc_macs : c->has_e ? (int64_t)c->nb * c->h * c->w * c->cin * c->chid : 0) +
            (c->has_p ? (int64_t)c->nb * c->oh * c->ow * c->chid * c->cout : 0);
  const int64_t wbytes = (int64_t)sizeof(float) * ((c->has_e ? (int64_t)c->cin * c->chid : 0) +
                                                    (int64_t)c->chid * c->k * c->k +
                                                    (c->has_p ? (int64_t)c->chid * c->cout : 0));
  const int64_t ibytes = (int64_t)sizeof(float) * c->chid * (c->has_e ? (int64_t)c->h * c->w : (int64_t)c->oh * c->ow);
  c->layered = wbytes > L2_ROW_WEIGHTS && ibytes <= L2_ROW_WEIGHTS;
  e->scratch_bytes = pp->per_thread * (size_t)T;
  fp->run = chain_run;
  fp->state = c;
  e->kernel = runner_name(&s, kd->isa);
  return ENN_OK;
}
