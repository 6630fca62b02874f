/*
 * GlobalAvgPool / GlobalMaxPool: x[N,H,W,C] (f32) -> y[N,1,1,C], the mean
 * (with an optional fused activation) or the maximum over all H*W
 * positions of each channel (kernels/ref/pool_ref.h). GlobalAvgPool on
 * int8 is TFLite's MEAN over H and W (pool_q8.c).
 */
#include "kernels/ref/pool_ref.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"
#include "ops/qs8_ops.h"

static enn_status gpool_params(const enn_node *n, const enn_tensor_desc *const *in, void *state,
                               enn_tensor_desc *out) {
  enn_global_pool_params *p = state;
  enn_status st;
  const bool q8 = n->op == ENN_OP_GLOBAL_AVG_POOL && enn_qs8_dispatch(in[0]->dtype); /* int8: pool_q8.c */
  if ((st = q8 ? enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, 4) : enn_expect_f32(n, in, 0, 4))) return st;
  if ((st = q8 ? enn_qs8_check_act(n) : enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  if (x->dims[1] < 1 || x->dims[2] < 1) {
    char b[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "input %s has an empty spatial extent", enn_desc_str(x, b, sizeof b));
  }
  if (p) {
    p->n = x->dims[0];
    p->hw = x->dims[1] * x->dims[2];
    p->c = x->dims[3];
    p->act = enn_act_params_from(&n->attrs);
  }
  if (out) enn_desc_nhwc(out, x->dims[0], 1, 1, x->dims[3]);
  if (out && q8) out->dtype = ENN_DTYPE_I8;
  return ENN_OK;
}

static enn_status gpool_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (n->op == ENN_OP_GLOBAL_MAX_POOL && in[0]->dtype == ENN_DTYPE_I8) /* int8 max: move_q8.c */
    return enn_qs8_infer_as_f32(n, in, in_data, out, gpool_infer);
  return gpool_params(n, in, NULL, out);
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (vector_fast.c: GlobalAvgPool). */
typedef struct gpool_state {
  enn_global_pool_params p;
  enn_fast_path fast;
} gpool_state;

static enn_status gpool_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->node->op == ENN_OP_GLOBAL_MAX_POOL && e->in_desc[0]->dtype == ENN_DTYPE_I8)
    return enn_qs8_prepare_as_f32(e, ctx, gpool_prepare, "enn_qs8_global_max_pool__ref");
  if (e->node->op == ENN_OP_GLOBAL_AVG_POOL && enn_qs8_dispatch(e->in_desc[0]->dtype)) {
    const bool hw[4] = {false, true, true, false};
    return enn_qs8_mean_prepare(e, ctx, hw);
  }
  enn_status st = enn_prepare_params(e, ctx, sizeof(gpool_state), gpool_params,
                                     e->node->op == ENN_OP_GLOBAL_AVG_POOL ? "enn_f32_global_avg_pool__ref"
                                                                           : "enn_f32_global_max_pool__ref");
  if (st) return st;
  gpool_state *s = e->state;
  return enn_gavgpool_fast_prepare(e, ctx, &s->p, &s->fast);
}

static void gavg_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) enn_qs8_mean_run(e);
  else if (!enn_fast_run(e, &((const gpool_state *)e->state)->fast))
    enn_f32_global_avg_pool__ref(e->state, e->in[0], e->out[0]);
}
static void gmax_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_global_max_pool_run(e);
  else enn_f32_global_max_pool__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_global_avg_pool = {gpool_infer, gpool_prepare, gavg_run, NULL};
const enn_op_vtable enn_op_vt_global_max_pool = {gpool_infer, gpool_prepare, gmax_run, NULL};
