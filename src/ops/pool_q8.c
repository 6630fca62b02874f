/*
 * The int8 paths of the pooling and mean operators (qs8_ops.h):
 *   MaxPool / AvgPool  - TFLite's integer pooling: values are never
 *                        rescaled, so the output tensor must carry exactly
 *                        the input's parameters (infer propagates them;
 *                        prepare refuses a mismatch). Kernels:
 *                        kernels/ref/q8_pool_ref.h.
 *   GlobalAvgPool,     - TFLite MEAN (reference kernel): sum, subtract the
 *   ReduceMean           input zero point, rescale by s_in / (s_out * count)
 *                        in fixed point; output parameters free. Kernel:
 *                        kernels/ref/q8_mean_ref.h.
 * Fast paths (kernels.h, bit-exact with those references), chosen at
 * prepare for the session's ISA: MaxPool (windows up to 16 rows) runs the
 * QS8_MAXPOOL kernel row by row, AvgPool (windows up to 256 taps) the
 * QS8_AVGPOOL kernel pixel by pixel with the taps inside the input and the
 * count / padding sum of the reference, both split over the thread pool by
 * output rows; a mean over H and W of an NHWC tensor (GlobalAvgPool, or
 * ReduceMean on axes 1, 2) runs QS8_GAVGPOOL per image.
 */
#include "base/threadpool.h"
#include "kernels/kernels.h"
#include "kernels/ref/q8_mean_ref.h"
#include "kernels/ref/q8_pool_ref.h"
#include "ops/qs8_ops.h"

#define Q8_MAXPOOL_MAX_KH 16
#define Q8_AVGPOOL_MAX_TAPS 256
/* Below this many window taps in all a pooling runs on one thread. */
#define Q8_POOL_PAR_MIN 32768

typedef struct q8_pool_state {
  enn_qs8_pool2d_params p;
  const enn_kernel *k; /* NULL: the reference runs */
} q8_pool_state;

typedef struct q8_mean_state {
  enn_qs8_mean_params p;
  const enn_kernel *k; /* QS8_GAVGPOOL over [h*w, c] blocks, or NULL */
  int64_t n, hw, c;
  enn_qs8_mean_kparams kp;
} q8_mean_state;

enn_status enn_qs8_spatial_input(const enn_node *n, const enn_tensor_desc *const *in) {
  enn_status st;
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, 4)) || (st = enn_qs8_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  if (x->quant.count > 1)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input 0 is quantised per axis; int8 pooling takes per-tensor input");
  for (int32_t i = 0; i < 4; i++)
    if (x->dims[i] < 1 || x->dims[i] > INT32_MAX / 4) {
      char b[96];
      return enn_node_err(n, ENN_ERR_SHAPE, "input %s: every dimension must be in 1..%d", enn_desc_str(x, b, sizeof b),
                          INT32_MAX / 4);
    }
  return ENN_OK;
}

void enn_qs8_pool_out(enn_tensor_desc *out, const enn_tensor_desc *x) {
  out->dtype = ENN_DTYPE_I8;
  if (x->quant.count == 1) out->quant = x->quant; /* copied by the graph */
}

enn_status enn_qs8_pool_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_params_fn geometry) {
  const enn_node *n = e->node;
  q8_pool_state *sp = enn_prepare_alloc(ctx, sizeof *sp);
  if (!sp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_pool2d_params *p = &sp->p;
  enn_status st = geometry(n, e->in_desc, &p->geo, NULL);
  if (st) return st;
  const enn_tensor_desc *x = e->in_desc[0], *y = e->out_desc[0];
  if ((st = enn_qs8_check_quant(n, x, "input 0", true)) || (st = enn_qs8_check_quant(n, y, "output", true))) return st;
  if (y->dtype != ENN_DTYPE_I8 || !enn_qs8_same_quant(&x->quant, &y->quant))
    return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                        "int8 pooling does not rescale: the output's parameters (scale %g, zero point %d) must equal "
                        "the input's (scale %g, zero point %d)",
                        (double)y->quant.scale[0], y->quant.zero_point[0], (double)x->quant.scale[0],
                        x->quant.zero_point[0]);
  if ((st = enn_qs8_act_range(n, y, &p->lo, &p->hi))) return st;
  p->zp = x->quant.zero_point[0];
  e->state = sp;
  e->kernel = n->op == ENN_OP_AVG_POOL ? "enn_qs8_avg_pool2d__ref" : "enn_qs8_max_pool2d__ref";
  const enn_pool2d_params *g = &p->geo;
  if (n->op == ENN_OP_AVG_POOL) {
    if ((int64_t)g->kh * g->kw <= Q8_AVGPOOL_MAX_TAPS) sp->k = enn_kernel_find(ENN_KOP_QS8_AVGPOOL, ENN_DTYPE_I8, 0, 0);
  } else if (g->kh <= Q8_MAXPOOL_MAX_KH) {
    sp->k = enn_kernel_find(ENN_KOP_QS8_MAXPOOL, ENN_DTYPE_I8, 0, 0);
  }
  if (sp->k) e->kernel = sp->k->name;
  return ENN_OK;
}

/* Output rows [r0, r1) (r = n*oh + oy) of a max pooling. */
static void max_rows(const q8_pool_state *s, const int8_t *x, int8_t *y, int64_t r0, int64_t r1) {
  const enn_pool2d_params *g = &s->p.geo;
  const size_t row = (size_t)g->iw * (size_t)g->c;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / g->oh), oy = (int32_t)(r % g->oh);
    const int8_t *rows[Q8_MAXPOOL_MAX_KH];
    for (int32_t ky = 0; ky < g->kh; ky++) {
      const int32_t iy = oy * g->sh - g->pt + ky * g->dh;
      rows[ky] = (iy < 0 || iy >= g->ih) ? NULL : x + ((size_t)n * (size_t)g->ih + (size_t)iy) * row;
    }
    s->k->fn.qs8_maxpool(rows, (size_t)g->kh, y + (size_t)r * (size_t)g->ow * (size_t)g->c, (size_t)g->c,
                         (size_t)g->ow, (size_t)g->iw, (size_t)g->kw, (size_t)g->sw, (size_t)g->pl, (size_t)g->dw,
                         s->p.lo, s->p.hi);
  }
}

/* Output rows [r0, r1) of an average pooling: per pixel the taps inside
 * the input, and the count and padding sum as the reference forms them. */
static void avg_rows(const q8_pool_state *s, const int8_t *x, int8_t *y, int64_t r0, int64_t r1) {
  const enn_pool2d_params *g = &s->p.geo;
  const size_t c = (size_t)g->c;
  const int8_t *taps[Q8_AVGPOOL_MAX_TAPS];
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / g->oh), oy = (int32_t)(r % g->oh);
    for (int32_t ox = 0; ox < g->ow; ox++) {
      size_t nt = 0;
      int32_t count = 0, npad = 0;
      for (int32_t ky = 0; ky < g->kh; ky++) {
        const int32_t iy = oy * g->sh - g->pt + ky * g->dh;
        if (iy < -g->pt || iy >= g->ih + g->pb) continue;
        const bool inside_y = iy >= 0 && iy < g->ih;
        for (int32_t kx = 0; kx < g->kw; kx++) {
          const int32_t ix = ox * g->sw - g->pl + kx * g->dw;
          if (ix < -g->pl || ix >= g->iw + g->pr) continue;
          if (inside_y && ix >= 0 && ix < g->iw) {
            taps[nt++] = x + (((size_t)n * (size_t)g->ih + (size_t)iy) * (size_t)g->iw + (size_t)ix) * c;
            count++;
          } else if (g->count_include_pad) {
            npad++;
            count++;
          }
        }
      }
      s->k->fn.qs8_avgpool(nt, taps, y + ((size_t)r * (size_t)g->ow + (size_t)ox) * c, c, npad * s->p.zp,
                           count > 0 ? count : 1, s->p.lo, s->p.hi);
    }
  }
}

typedef struct pool_job {
  const q8_pool_state *s;
  const int8_t *x;
  int8_t *y;
  int64_t rows;
  int32_t tasks;
  bool avg;
} pool_job;

static void pool_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const pool_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    const int64_t r0 = j->rows * t / j->tasks, r1 = j->rows * (t + 1) / j->tasks;
    if (j->avg) avg_rows(j->s, j->x, j->y, r0, r1);
    else max_rows(j->s, j->x, j->y, r0, r1);
  }
}

static void pool_fast(const enn_exec *e, bool avg) {
  const q8_pool_state *s = e->state;
  const enn_pool2d_params *g = &s->p.geo;
  const int64_t rows = (int64_t)g->n * g->oh;
  const int64_t work = rows * g->ow * g->c * g->kh * g->kw;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || rows < 2 || work < Q8_POOL_PAR_MIN) {
    if (avg) avg_rows(s, e->in[0], e->out[0], 0, rows);
    else max_rows(s, e->in[0], e->out[0], 0, rows);
    return;
  }
  pool_job j = {s, e->in[0], e->out[0], rows, (int32_t)(rows < T ? rows : T), avg};
  enn_threadpool_parallel_for(e->pool, j.tasks, pool_task, &j);
}

void enn_qs8_max_pool_run(const enn_exec *e) {
  const q8_pool_state *s = e->state;
  if (s->k) pool_fast(e, false);
  else enn_qs8_max_pool2d__ref(&s->p, e->in[0], e->out[0]);
}

void enn_qs8_avg_pool_run(const enn_exec *e) {
  const q8_pool_state *s = e->state;
  if (s->k) pool_fast(e, true);
  else enn_qs8_avg_pool2d__ref(&s->p, e->in[0], e->out[0]);
}

enn_status enn_qs8_mean_prepare(enn_exec *e, enn_prepare_ctx *ctx, const bool *reduce) {
  const enn_node *n = e->node;
  const enn_tensor_desc *x = e->in_desc[0], *y = e->out_desc[0];
  enn_status st;
  if ((st = enn_qs8_check_quant(n, x, "input 0", true)) || (st = enn_qs8_check_quant(n, y, "output", true))) return st;
  if (y->dtype != ENN_DTYPE_I8) return enn_node_err(n, ENN_ERR_DTYPE, "output must be int8");
  q8_mean_state *sp = enn_prepare_alloc(ctx, sizeof *sp);
  if (!sp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_mean_params *p = &sp->p;
  enn_reduce_params_init(&p->r, x, reduce);
  if (p->r.count < 1 || p->r.count > ENN_QS8_MEAN_MAX_COUNT)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "an int8 mean over %lld elements (the limit is %lld)",
                        (long long)p->r.count, (long long)ENN_QS8_MEAN_MAX_COUNT);
  if ((st = enn_qs8_act_range(n, y, &p->lo, &p->hi))) return st;
  p->x_zp = x->quant.zero_point[0];
  p->y_zp = y->quant.zero_point[0];
  enn_qs8_mean_multiplier((double)x->quant.scale[0] / (double)y->quant.scale[0], p->r.count, &p->mult, &p->shift);
  e->state = sp;
  e->kernel = n->op == ENN_OP_GLOBAL_AVG_POOL ? "enn_qs8_global_avg_pool__ref" : "enn_qs8_reduce_mean__ref";
  /* NHWC mean over H and W: [h*w, c] blocks, one per image */
  if (x->rank == 4 && !reduce[0] && reduce[1] && reduce[2] && !reduce[3]) {
    sp->k = enn_kernel_find(ENN_KOP_QS8_GAVGPOOL, ENN_DTYPE_I8, 0, 0);
    sp->n = x->dims[0];
    sp->hw = x->dims[1] * x->dims[2];
    sp->c = x->dims[3];
    sp->kp.bias = (int32_t)(uint32_t)((uint64_t)(-(int64_t)p->x_zp * p->r.count));
    sp->kp.mult = p->mult;
    sp->kp.shift = p->shift;
    sp->kp.y_zp = p->y_zp;
    sp->kp.lo = p->lo;
    sp->kp.hi = p->hi;
    if (sp->k) e->kernel = sp->k->name;
  }
  return ENN_OK;
}

void enn_qs8_mean_run(const enn_exec *e) {
  const q8_mean_state *s = e->state;
  if (!s->k) {
    enn_qs8_reduce_mean__ref(&s->p, e->in[0], e->out[0]);
    return;
  }
  const int8_t *x = e->in[0];
  int8_t *y = e->out[0];
  for (int64_t i = 0; i < s->n; i++)
    s->k->fn.qs8_gavgpool((size_t)s->hw, (size_t)s->c, x + (size_t)(i * s->hw * s->c), y + (size_t)(i * s->c), &s->kp);
}
