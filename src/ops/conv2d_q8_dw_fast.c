/*
 * The int8 depthwise fast path of Conv2D (conv2d_q8.c tries it first at
 * prepare): depthwise (groups = ic = oc, channel multiplier 1), 3x3 or 5x5,
 * no dilation, any stride and padding, constant weights (any zero
 * points: they are subtracted at packing), a QS8_DWCONV kernel for the
 * session's ISA (kernels.h).
 *
 * Prepare packs the weights once with the biases corrected for the input
 * zero point and each channel's requantisation constants
 * (enn_qs8_pack_dwconv), and fills a row of x_zp bytes that stands for a
 * padding row (the kernels read x_zp for a padding tap; the correction
 * cancels its product, so the result is the reference's bit for bit). Run
 * makes one kernel call per output row with kh input-row pointers. Rows
 * split over the thread pool into contiguous ranges, one task per thread;
 * every row is computed by the same instructions whatever the split, so
 * results are identical for any thread count.
 */
#include <string.h>

#include "base/threadpool.h"
#include "ops/fast_path.h"

typedef struct qdw_fast {
  const enn_kernel *k;
  int32_t n, ih, iw, c, oh, ow, kh, sh, sw, pt, pl;
  int32_t x_zp;
  const void *w;       /* packed */
  const int8_t *zrow;  /* iw * c bytes of x_zp */
  enn_qs8_epi ep;
} qdw_fast;

static void qdw_rows(const qdw_fast *f, const int8_t *x, int8_t *y, int64_t r0, int64_t r1) {
  const size_t c = (size_t)f->c, row = (size_t)f->iw * c;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / f->oh), oy = (int32_t)(r % f->oh);
    const int8_t *rows[5];
    for (int32_t ky = 0; ky < f->kh; ky++) {
      const int32_t iy = oy * f->sh - f->pt + ky;
      rows[ky] = (iy < 0 || iy >= f->ih) ? f->zrow : x + ((size_t)n * (size_t)f->ih + (size_t)iy) * row;
    }
    f->k->fn.qs8_dwconv(rows, f->w, y + (size_t)r * (size_t)f->ow * c, c, (size_t)f->ow, (size_t)f->iw,
                        (size_t)f->sw, (size_t)f->pl, f->x_zp, &f->ep);
  }
}

typedef struct qdw_job {
  const qdw_fast *f;
  const int8_t *x;
  int8_t *y;
  int64_t rows;
  int32_t tasks;
} qdw_job;

static void qdw_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const qdw_job *j = ctx;
  for (int32_t t = begin; t < end; t++)
    qdw_rows(j->f, j->x, j->y, j->rows * t / j->tasks, j->rows * (t + 1) / j->tasks);
}

static void qdw_run(const enn_exec *e, const void *state) {
  const qdw_fast *f = state;
  const int64_t rows = (int64_t)f->n * f->oh;
  const int64_t macs = rows * f->ow * f->c * f->kh * f->kh;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || rows < 2 || macs < ENN_FAST_PAR_MIN_MACS) {
    qdw_rows(f, e->in[0], e->out[0], 0, rows);
    return;
  }
  qdw_job j = {f, e->in[0], e->out[0], rows, (int32_t)(rows < T ? rows : T)};
  enn_threadpool_parallel_for(e->pool, j.tasks, qdw_task, &j);
}

enn_status enn_qs8_dwconv_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_qs8_conv2d_params *p,
                                       const int8_t *w, const int32_t *b, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  const enn_conv2d_params *g = &p->geo;
  if (!w || (e->n_in > 2 && !e->in[2])) return ENN_OK; /* weights or bias computed at run time */
  if (!(g->groups == g->ic && g->oc == g->ic && g->kh == g->kw && (g->kh == 3 || g->kh == 5) && g->dh == 1 &&
        g->dw == 1))
    return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_QS8_DWCONV, ENN_DTYPE_I8, g->kh, g->kw);
  if (!k) return ENN_OK;
  qdw_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  void *pw = enn_prepare_alloc(ctx, enn_qs8_pack_dwconv_bytes(k, g->ic));
  int8_t *zrow = enn_prepare_alloc(ctx, (size_t)g->iw * (size_t)g->ic);
  if (!f || !pw || !zrow) return enn_err(ENN_ERR_NO_MEMORY, "out of memory packing int8 depthwise weights");
  enn_qs8_pack_dwconv(k, g->ic, w, p->w_zp, b, p->mult, p->shift, p->x_zp, pw);
  memset(zrow, p->x_zp, (size_t)g->iw * (size_t)g->ic);
  f->k = k;
  f->n = g->n;
  f->ih = g->ih;
  f->iw = g->iw;
  f->c = g->ic;
  f->oh = g->oh;
  f->ow = g->ow;
  f->kh = g->kh;
  f->sh = g->sh;
  f->sw = g->sw;
  f->pt = g->pt;
  f->pl = g->pl;
  f->x_zp = p->x_zp;
  f->w = pw;
  f->zrow = zrow;
  enn_qs8_epi_init(&f->ep, p->y_zp, p->act_lo, p->act_hi, g->oc, p->mult, p->shift);
  fp->run = qdw_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}
