/*
 * Softmax and LogSoftmax along one axis (attrs.axis, negative counts from
 * the end; ONNX opset 13 semantics), numerically stable: the lane maximum
 * is subtracted before exponentiating (softmax_ref.h). In place safe.
 */
#include "kernels/ref/nd_iter.h"
#include "kernels/ref/softmax_ref.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status softmax_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_softmax_infer(n, in, in_data, out); /* softmax_q8.c */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  int32_t axis;
  if ((st = enn_node_axis(n, in[0]->rank, &axis))) return st;
  enn_tensor_desc_init(out, ENN_DTYPE_F32, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (vector_fast.c: softmax over the last axis). */
typedef struct softmax_state {
  enn_softmax_params p;
  enn_fast_path fast;
} softmax_state;

static enn_status softmax_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_softmax_prepare(e, ctx);
  softmax_state *s = enn_prepare_alloc(ctx, sizeof *s);
  if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_softmax_params *p = &s->p;
  const enn_tensor_desc *x = e->in_desc[0];
  int32_t axis = 0;
  enn_axis_norm(e->node->attrs.axis, x->rank, &axis);
  enn_nd_outer_inner(x->rank, x->dims, axis, &p->outer, &p->inner);
  p->n = x->dims[axis];
  p->log = e->node->op == ENN_OP_LOG_SOFTMAX;
  e->state = s;
  e->kernel = "enn_f32_softmax__ref";
  return enn_softmax_fast_prepare(e, ctx, p, &s->fast);
}

static void softmax_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_softmax_run(e);
  else if (!enn_fast_run(e, &((const softmax_state *)e->state)->fast))
    enn_f32_softmax__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_softmax = {softmax_infer, softmax_prepare, softmax_run, NULL};
const enn_op_vtable enn_op_vt_log_softmax = {softmax_infer, softmax_prepare, softmax_run, NULL};
