/*
 * Fast paths of the small element-wise / reduction ops: Add of two
 * same-shape tensors with a fused activation, GlobalAvgPool, MaxPool,
 * Softmax over the last axis. Each runs the vector kernel of kernels.h;
 * Add splits its elements (in whole 64-float blocks) and MaxPool its output
 * rows into enn_par_tasks() tasks for the thread pool (an output never
 * spans two tasks, so results do not depend on the thread count).
 */
#include "base/threadpool.h"
#include "ops/fast_path.h"

/* Add: below this many elements one thread does all. */
#define VADD_PAR_MIN 16384

typedef struct vadd_fast {
  const enn_kernel *k;
  int64_t n;
  enn_f32_epi ep;
  bool post;
  enn_act_params act;
} vadd_fast;

typedef struct vadd_job {
  const vadd_fast *f;
  const float *a, *b;
  float *y;
  int32_t tasks;
} vadd_job;

static void vadd_range(const vadd_fast *f, const float *a, const float *b, float *y, int64_t i0, int64_t i1) {
  f->k->fn.vadd((size_t)(i1 - i0), a + i0, b + i0, y + i0, &f->ep);
  if (f->post) enn_act_f32_array(y + i0, i1 - i0, &f->act);
}

static void vadd_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const vadd_job *j = ctx;
  /* chunks of whole 64-float blocks, so vector boundaries do not move */
  const int64_t blocks = (j->f->n + 63) / 64;
  for (int32_t t = begin; t < end; t++) {
    int64_t i0 = blocks * t / j->tasks * 64, i1 = blocks * (t + 1) / j->tasks * 64;
    if (i1 > j->f->n) i1 = j->f->n;
    if (i0 < i1) vadd_range(j->f, j->a, j->b, j->y, i0, i1);
  }
}

static void vadd_run(const enn_exec *e, const void *state) {
  const vadd_fast *f = state;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T <= 1 || f->n < VADD_PAR_MIN) {
    vadd_range(f, e->in[0], e->in[1], e->out[0], 0, f->n);
    return;
  }
  vadd_job j = {f, e->in[0], e->in[1], e->out[0], enn_par_tasks((f->n + 63) / 64, f->n, T)};
  enn_threadpool_parallel_for(e->pool, j.tasks, vadd_task, &j);
}

enn_status enn_add_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_binary_params *p, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (p->op != ENN_BINOP_ADD || e->in_desc[0]->dtype != ENN_DTYPE_F32 || e->in_desc[1]->dtype != ENN_DTYPE_F32)
    return ENN_OK;
  /* both operands dense over the whole (merged) output */
  if (p->rank != 1 || p->sa[0] != 1 || p->sb[0] != 1 || p->dims[0] != p->numel) return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_VADD, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  vadd_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->k = k;
  f->n = p->numel;
  f->act = p->act;
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  fp->run = vadd_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}

/* ------------------------------------------------------- GlobalAvgPool */
typedef struct gavg_fast {
  const enn_kernel *k;
  enn_global_pool_params p;
  enn_f32_epi ep;
  bool post;
} gavg_fast;

static void gavg_run(const enn_exec *e, const void *state) {
  const gavg_fast *f = state;
  const float *x = e->in[0];
  float *y = e->out[0];
  for (int64_t n = 0; n < f->p.n; n++) {
    f->k->fn.gavgpool((size_t)f->p.hw, (size_t)f->p.c, x + n * f->p.hw * f->p.c, y + n * f->p.c, &f->ep);
    if (f->post) enn_act_f32_array(y + n * f->p.c, f->p.c, &f->p.act);
  }
}

enn_status enn_gavgpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_global_pool_params *p,
                                     enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (e->node->op != ENN_OP_GLOBAL_AVG_POOL || e->in_desc[0]->dtype != ENN_DTYPE_F32) return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_GAVGPOOL, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  gavg_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->k = k;
  f->p = *p;
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  fp->run = gavg_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}

/* -------------------------------------------------------------- MaxPool */
#define MAXPOOL_MAX_KH 16

typedef struct maxpool_fast {
  const enn_kernel *k;
  enn_pool2d_params p;
  enn_f32_epi ep;
  bool post;
} maxpool_fast;

typedef struct maxpool_job {
  const maxpool_fast *f;
  const float *x;
  float *y;
  int32_t tasks;
  int64_t rows;
} maxpool_job;

static void maxpool_rows(const maxpool_fast *f, const float *x, float *y, int64_t r0, int64_t r1) {
  const enn_pool2d_params *p = &f->p;
  const size_t row = (size_t)p->iw * (size_t)p->c;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / p->oh), oy = (int32_t)(r % p->oh);
    const float *rows[MAXPOOL_MAX_KH];
    for (int32_t ky = 0; ky < p->kh; ky++) {
      const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
      rows[ky] = (iy < 0 || iy >= p->ih) ? NULL : x + ((size_t)n * (size_t)p->ih + (size_t)iy) * row;
    }
    float *yr = y + (size_t)r * (size_t)p->ow * (size_t)p->c;
    f->k->fn.maxpool(rows, (size_t)p->kh, yr, (size_t)p->c, (size_t)p->ow, (size_t)p->iw, (size_t)p->kw,
                     (size_t)p->sw, (size_t)p->pl, (size_t)p->dw, &f->ep);
    if (f->post) enn_act_f32_array(yr, (int64_t)p->ow * p->c, &p->act);
  }
}

static void maxpool_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const maxpool_job *j = ctx;
  for (int32_t t = begin; t < end; t++)
    maxpool_rows(j->f, j->x, j->y, j->rows * t / j->tasks, j->rows * (t + 1) / j->tasks);
}

static void maxpool_run(const enn_exec *e, const void *state) {
  const maxpool_fast *f = state;
  const int64_t rows = (int64_t)f->p.n * f->p.oh;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int64_t work = rows * f->p.ow * f->p.c * f->p.kh * f->p.kw;
  if (T <= 1 || rows < 2 || work < VADD_PAR_MIN * 4) {
    maxpool_rows(f, e->in[0], e->out[0], 0, rows);
    return;
  }
  maxpool_job j = {f, e->in[0], e->out[0], enn_par_tasks(rows, work, T), rows};
  enn_threadpool_parallel_for(e->pool, j.tasks, maxpool_task, &j);
}

enn_status enn_maxpool_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_pool2d_params *p,
                                    enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (e->node->op != ENN_OP_MAX_POOL || e->in_desc[0]->dtype != ENN_DTYPE_F32 || p->kh > MAXPOOL_MAX_KH)
    return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_MAXPOOL, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  maxpool_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->k = k;
  f->p = *p;
  f->post = !enn_f32_epi_init(&f->ep, &p->act);
  fp->run = maxpool_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}

/* -------------------------------------------------------------- Softmax */
typedef struct softmax_fast {
  const enn_kernel *k;
  int64_t outer, n;
} softmax_fast;

static void softmax_run(const enn_exec *e, const void *state) {
  const softmax_fast *f = state;
  const float *x = e->in[0];
  float *y = e->out[0];
  for (int64_t o = 0; o < f->outer; o++) f->k->fn.softmax((size_t)f->n, x + o * f->n, y + o * f->n);
}

enn_status enn_softmax_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_softmax_params *p,
                                    enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  if (p->log || p->inner != 1 || p->n < 1 || e->in_desc[0]->dtype != ENN_DTYPE_F32) return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_SOFTMAX, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  softmax_fast *f = enn_prepare_alloc(ctx, sizeof *f);
  if (!f) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  f->k = k;
  f->outer = p->outer;
  f->n = p->n;
  fp->run = softmax_run;
  fp->state = f;
  e->kernel = k->name;
  return ENN_OK;
}
