/*
 * GlobalAvgPool / GlobalMaxPool: x[N,H,W,C] (f32) -> y[N,1,1,C], the mean
 * (with an optional fused activation) or the maximum over all H*W
 * positions of each channel (kernels/ref/pool_ref.h).
 */
#include "kernels/ref/pool_ref.h"
#include "ops/op_util.h"

static enn_status gpool_params(const enn_node *n, const enn_tensor_desc *const *in, void *state,
                               enn_tensor_desc *out) {
  enn_global_pool_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, 4))) return st;
  if ((st = enn_check_act(n))) return st;
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
  return ENN_OK;
}

static enn_status gpool_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  return gpool_params(n, in, NULL, out);
}

static enn_status gpool_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  return enn_prepare_params(e, ctx, sizeof(enn_global_pool_params), gpool_params,
                            e->node->op == ENN_OP_GLOBAL_AVG_POOL ? "enn_f32_global_avg_pool__ref"
                                                                  : "enn_f32_global_max_pool__ref");
}

static void gavg_run(const enn_exec *e) { enn_f32_global_avg_pool__ref(e->state, e->in[0], e->out[0]); }
static void gmax_run(const enn_exec *e) { enn_f32_global_max_pool__ref(e->state, e->in[0], e->out[0]); }

const enn_op_vtable enn_op_vt_global_avg_pool = {gpool_infer, gpool_prepare, gavg_run, NULL};
const enn_op_vtable enn_op_vt_global_max_pool = {gpool_infer, gpool_prepare, gmax_run, NULL};
