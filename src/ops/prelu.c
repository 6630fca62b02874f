/*
 * PRelu: y = x < 0 ? slope * x : x, slope broadcast to x's shape
 * (unidirectional: the output has x's shape). Runs on the broadcasting
 * binary kernel (binary_ref.h, ENN_BINOP_PRELU). In place safe.
 */
#include "kernels/ref/binary_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status prelu_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_prelu_infer(n, in, in_data, out); /* binary_q8.c */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1)) || (st = enn_expect_f32(n, in, 1, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  enn_tensor_desc b;
  if (enn_desc_broadcast(in[0], in[1], &b) != ENN_OK || !enn_desc_same_shape(&b, in[0])) {
    char xs[96], ss[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "slope shape %s does not broadcast to input shape %s",
                        enn_desc_str(in[1], ss, sizeof ss), enn_desc_str(in[0], xs, sizeof xs));
  }
  enn_tensor_desc_init(out, ENN_DTYPE_F32, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

static enn_status prelu_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_prelu_prepare(e, ctx);
  enn_binary_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_act_params none = {ENN_ACT_NONE, 0.0f, 0.0f, 0.0f, 0.0f};
  enn_binary_params_init(p, ENN_BINOP_PRELU, e->in_desc[0], e->in_desc[1], &none);
  e->state = p;
  e->kernel = "enn_f32_binary__ref";
  return ENN_OK;
}

static void prelu_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_binary_run(e);
  else enn_f32_binary__ref(e->state, e->in[0], e->in[1], e->out[0]);
}

const enn_op_vtable enn_op_vt_prelu = {prelu_infer, prelu_prepare, prelu_run, NULL};
