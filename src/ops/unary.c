/*
 * Standalone activations: Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid,
 * HardSwish, Swish, Tanh. Each maps to an enn_act kind and runs the act.h
 * formula element by element (unary_ref.h), so it matches the same
 * activation fused into a conv or an add exactly. Output has the input's
 * shape; in place safe.
 */
#include "kernels/ref/unary_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_act_params unary_act(const enn_node *n) {
  enn_act_params p = {ENN_ACT_NONE, -INFINITY, INFINITY, 0.0f, 0.0f};
  const enn_attrs *a = &n->attrs;
  switch (n->op) {
  case ENN_OP_RELU: p.act = ENN_ACT_RELU; break;
  case ENN_OP_CLIP:
    p.act = ENN_ACT_CLIP;
    p.min = a->act_min;
    p.max = a->act_max;
    break;
  case ENN_OP_LEAKY_RELU:
    p.act = ENN_ACT_LEAKY_RELU;
    p.alpha = a->alpha;
    break;
  case ENN_OP_SIGMOID: p.act = ENN_ACT_SIGMOID; break;
  case ENN_OP_HARD_SIGMOID:
    p.act = ENN_ACT_HARD_SIGMOID;
    p.alpha = a->alpha;
    p.beta = a->beta;
    break;
  case ENN_OP_HARD_SWISH: p.act = ENN_ACT_HARD_SWISH; break;
  case ENN_OP_SWISH: p.act = ENN_ACT_SWISH; break;
  case ENN_OP_TANH: p.act = ENN_ACT_TANH; break;
  default: break;
  }
  return p;
}

static enn_status unary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_unary_infer(n, in, in_data, out); /* unary_q8.c */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_attrs *a = &n->attrs;
  if (n->op == ENN_OP_CLIP && !(a->act_min <= a->act_max))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "clip bounds min %g > max %g (or NaN)", (double)a->act_min,
                        (double)a->act_max);
  if ((n->op == ENN_OP_LEAKY_RELU || n->op == ENN_OP_HARD_SIGMOID) && !isfinite(a->alpha))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "alpha %g is not finite", (double)a->alpha);
  if (n->op == ENN_OP_HARD_SIGMOID && !isfinite(a->beta))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "beta %g is not finite", (double)a->beta);
  enn_tensor_desc_init(out, ENN_DTYPE_F32, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

typedef struct unary_state {
  enn_act_params act;
  int64_t n;
} unary_state;

static enn_status unary_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_unary_prepare(e, ctx);
  unary_state *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  p->act = unary_act(e->node);
  p->n = enn_tensor_desc_numel(e->out_desc[0]);
  e->state = p;
  e->kernel = "enn_f32_vunary__ref";
  return ENN_OK;
}

static void unary_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) {
    enn_qs8_unary_run(e);
    return;
  }
  const unary_state *p = e->state;
  enn_f32_vunary__ref(&p->act, e->in[0], e->out[0], p->n);
}

const enn_op_vtable enn_op_vt_relu = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_clip = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_leaky_relu = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_sigmoid = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_hard_sigmoid = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_hard_swish = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_swish = {unary_infer, unary_prepare, unary_run, NULL};
const enn_op_vtable enn_op_vt_tanh = {unary_infer, unary_prepare, unary_run, NULL};
