/*
 * int8 Softmax along attrs.axis (kernels/ref/q8_softmax_ref.h: TFLite's
 * int8 softmax with a float table of exponentials over the 256 possible
 * differences from the lane maximum, built here at prepare from the input
 * scale). LogSoftmax has no int8 form. In place safe.
 */
#include "kernels/ref/nd_iter.h"
#include "kernels/ref/q8_softmax_ref.h"
#include "ops/qs8_ew.h"

enn_status enn_qs8_softmax_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                 enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  enn_status st;
  if (n->op != ENN_OP_SOFTMAX)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "%s has no int8 form (int8: Softmax)", enn_op_name(n->op));
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, -1))) return st;
  if (in[0]->quant.count > 1)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                        "input is quantised per axis (%u scales); int8 Softmax takes per-tensor parameters",
                        in[0]->quant.count);
  if ((st = enn_check_act(n))) return st;
  int32_t axis;
  if ((st = enn_node_axis(n, in[0]->rank, &axis))) return st;
  enn_tensor_desc_init(out, ENN_DTYPE_I8, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

enn_status enn_qs8_softmax_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  float si = 0.0f, so = 0.0f;
  int32_t zi = 0, zo = 0;
  enn_status st;
  if ((st = enn_qs8ew_params(n, e->in_desc[0], "input 0", &si, &zi)) ||
      (st = enn_qs8ew_params(n, e->out_desc[0], "output", &so, &zo)))
    return st;
  enn_qs8_softmax_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_tensor_desc *x = e->in_desc[0];
  int32_t axis = 0;
  if ((st = enn_node_axis(n, x->rank, &axis))) return st;
  enn_nd_outer_inner(x->rank, x->dims, axis, &p->outer, &p->inner);
  p->n = x->dims[axis];
  p->out_scale = so;
  p->out_zp = zo;
  enn_qs8_softmax_table(p, si);
  e->state = p;
  e->kernel = "enn_qs8_softmax__ref";
  return ENN_OK;
}

void enn_qs8_softmax_run(const enn_exec *e) { enn_qs8_softmax__ref(e->state, e->in[0], e->out[0]); }
