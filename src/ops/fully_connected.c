/*
 * FullyConnected: x[..., K] (f32, rank >= 1; leading dims are batch),
 * w[N, K], optional b[N] -> y[..., N], with a fused activation.
 * y = act(x . w^T + b) row by row (kernels/ref/fc_ref.h).
 */
#include "base/threadpool.h"
#include "kernels/ref/fc_ref.h"
#include "ops/f16_gemm_fast.h"
#include "ops/f16_weights.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ops.h"

static enn_status fc_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_fc_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1)) || (st = enn_expect_f32(n, in, 1, 2))) return st;
  if (n->n_inputs > 2 && (st = enn_expect_f32(n, in, 2, 1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0], *w = in[1];
  char b1[96], b2[96];
  if (x->rank < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "input 0 is a scalar; expected [..., K] with rank >= 1");
  const int64_t k = x->dims[x->rank - 1], nout = w->dims[0];
  if (w->dims[1] != k || k < 1 || nout < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "input %s has %lld features but weight %s is [N, K] with K = %lld",
                        enn_desc_str(x, b1, sizeof b1), (long long)k, enn_desc_str(w, b2, sizeof b2),
                        (long long)w->dims[1]);
  if (n->n_inputs > 2 && in[2]->dims[0] != nout)
    return enn_node_err(n, ENN_ERR_SHAPE, "bias has %lld values for %lld outputs", (long long)in[2]->dims[0],
                        (long long)nout);
  int64_t rows = 1;
  for (int32_t i = 0; i < x->rank - 1; i++) rows *= x->dims[i]; /* bounded by the element count check */
  if (p) {
    p->rows = rows;
    p->k = k;
    p->n = nout;
    p->act = enn_act_params_from(&n->attrs);
  }
  if (out) {
    enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, x->dims);
    out->dims[x->rank - 1] = nout;
  }
  return ENN_OK;
}

static enn_status fc_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                           enn_tensor_desc *out) {
  if (enn_qs8_dispatch(in[0]->dtype)) return enn_qs8_fc_infer(n, in, out); /* int8: fully_connected_q8.c */
  enn_f16w_descs v; /* F16 constant weights / bias are accepted (f16_weights.h) */
  return fc_params(n, enn_f16w_infer_descs(n, in, in_data, ENN_F16W_IN(1) | ENN_F16W_IN(2), &v), NULL, out);
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (fc_fast.c; its run replaces the reference's). */
typedef struct fc_state {
  enn_fc_params p;
  enn_fast_path fast;
} fc_state;

static enn_status fc_prepare_f32(enn_exec *e, enn_prepare_ctx *ctx) {
  enn_status st = enn_prepare_params(e, ctx, sizeof(fc_state), fc_params, "enn_f32_fully_connected__ref");
  if (st) return st;
  fc_state *s = e->state;
  return enn_fc_fast_prepare(e, ctx, &s->p, &s->fast);
}

/* Does run read the weights through e->in[1], e->in[2] (the reference path)? */
static bool fc_reads_weights(const enn_exec *e) { return !((const fc_state *)e->state)->fast.run; }

static enn_status fc_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) return enn_qs8_fc_prepare(e, ctx);
  if (enn_f16_gemm_native_kernel(e)) { /* f16 weights kept f16: the f16 GEMM, ops/f16_gemm_fast.h */
    enn_f16w_descs v;
    fc_state s;
    const uint32_t mask = ENN_F16W_IN(1) | ENN_F16W_IN(2);
    const enn_tensor_desc *const *d = enn_f16w_infer_descs(e->node, e->in_desc, e->in, mask, &v);
    enn_status st = fc_params(e->node, d, &s.p, NULL);
    if (!st) st = enn_f16_fc_fast_prepare(e, ctx, &s.p, &s.fast);
    if (st || s.fast.run) return st ? st : enn_f16_state(e, ctx, &s, sizeof s);
  }
  /* f16 weights / bias: converted to f32 once around the f32 prepare */
  return enn_f16w_prepare(e, ctx, ENN_F16W_IN(1) | ENN_F16W_IN(2), fc_prepare_f32, fc_reads_weights);
}

/* Below this many MACs the layer runs on the calling thread only. */
#define FC_PAR_MIN_MACS 8192

typedef struct fc_job {
  const enn_fc_params *p;
  const float *x, *w, *b;
  float *y;
  enn_split2d split; /* rows x output features */
} fc_job;

/* One block = the reference kernel on a sub-problem: a row range over all
 * outputs, or one row and an output range (weights, bias and y offset). */
static void fc_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const fc_job *j = ctx;
  const enn_fc_params *p = j->p;
  for (int32_t t = begin; t < end; t++) {
    int64_t r0, r1;
    int32_t o0, o1;
    enn_split2d_task(&j->split, t, &r0, &r1, &o0, &o1);
    enn_fc_params sub = *p;
    sub.rows = r1 - r0;
    if (o0 == 0 && o1 == p->n) {
      enn_f32_fully_connected__ref(&sub, j->x + r0 * p->k, j->w, j->b, j->y + r0 * p->n);
      continue;
    }
    sub.n = o1 - o0; /* a single row (r1 = r0 + 1): y's row stride does not matter */
    enn_f32_fully_connected__ref(&sub, j->x + r0 * p->k, j->w + (int64_t)o0 * p->k, j->b ? j->b + o0 : NULL,
                                 j->y + r0 * p->n + o0);
  }
}

/* Threads split the output into blocks (enn_split2d); each output is the
 * same dot product whatever the split: bit-identical for any thread count. */
static void fc_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) {
    enn_qs8_fc_run(e);
    return;
  }
  if (enn_fast_run(e, &((const fc_state *)e->state)->fast)) return;
  const enn_fc_params *p = e->state;
  const float *b = e->n_in > 2 ? e->in[2] : NULL;
  const int32_t T = enn_threadpool_threads(e->pool);
  if (T == 1 || p->rows * p->n * p->k < FC_PAR_MIN_MACS || p->n > INT32_MAX) {
    enn_f32_fully_connected__ref(p, e->in[0], e->in[1], b, e->out[0]);
    return;
  }
  fc_job j = {p, e->in[0], e->in[1], b, e->out[0], enn_split2d_make(p->rows, (int32_t)p->n, T)};
  enn_threadpool_parallel_for(e->pool, j.split.tasks, fc_task, &j);
}

static int64_t fc_macs(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out) {
  ENN_UNUSED(n);
  /* per output element: K multiply-adds */
  return enn_tensor_desc_numel(out) * in[1]->dims[1];
}

const enn_op_vtable enn_op_vt_fully_connected = {fc_infer, fc_prepare, fc_run, fc_macs};
