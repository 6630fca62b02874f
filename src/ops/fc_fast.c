/*
 * FullyConnected fast path: the GEMM driver of conv2d_fast.c with the
 * [N, K] weights packed into panels once at prepare. At batch 1 the GEMM
 * kernel runs its one-row path (several panels at a time) and threads
 * split the output features.
 */
#include "base/threadpool.h"
#include "ops/fast_path.h"

static void fc_fast_run(const enn_exec *e, const void *state) { enn_gemm_plan_run(state, e->in[0], e->out[0], e->pool); }

enn_status enn_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_fc_params *p, enn_fast_path *fp) {
  fp->run = NULL;
  fp->state = NULL;
  const float *w = e->in[1], *b = e->n_in > 2 ? e->in[2] : NULL;
  if (e->in_desc[0]->dtype != ENN_DTYPE_F32 || e->in_desc[1]->dtype != ENN_DTYPE_F32) return ENN_OK;
  if (!w || (e->n_in > 2 && !b)) return ENN_OK;
  if (p->n > INT32_MAX / 2 || p->k > INT32_MAX / 2) return ENN_OK;
  const enn_kernel *k = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0);
  if (!k) return ENN_OK;
  enn_gemm_plan *g = enn_prepare_alloc(ctx, sizeof *g);
  if (!g) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_status st = enn_gemm_plan_init(g, ctx, k, p->rows, (int32_t)p->n, (int32_t)p->k, 1, (size_t)p->k,
                                     (size_t)p->n, w, p->k, b, &p->act);
  if (st) return st;
  fp->run = fc_fast_run;
  fp->state = g;
  e->kernel = k->name;
  return ENN_OK;
}
