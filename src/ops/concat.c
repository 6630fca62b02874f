/*
 * Concat: joins 1..ENN_MAX_SPLITS f32 tensors along attrs.axis (negative
 * counts from the end); every other dimension must agree. The kernel copies
 * one contiguous block per input per outer index (concat_ref.h).
 */
#include "kernels/ref/concat_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status concat_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (n->n_inputs >= 1 && in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_infer_as_f32(n, in, in_data, out, concat_infer);
  enn_status st;
  if (n->n_inputs < 1 || n->n_inputs > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "takes 1..%d inputs (got %d)", ENN_MAX_SPLITS, n->n_inputs);
  for (int32_t i = 0; i < n->n_inputs; i++)
    if ((st = enn_expect_f32(n, in, i, in[0]->rank))) return st;
  if ((st = enn_check_act(n))) return st;
  const int32_t r = in[0]->rank;
  int32_t axis;
  if ((st = enn_node_axis(n, r, &axis))) return st;
  int64_t total = 0;
  for (int32_t i = 0; i < n->n_inputs; i++) {
    for (int32_t k = 0; k < r; k++)
      if (k != axis && in[i]->dims[k] != in[0]->dims[k]) {
        char a[96], b[96];
        return enn_node_err(n, ENN_ERR_SHAPE, "input %d has shape %s, which differs from input 0's %s outside axis %d",
                            i, enn_desc_str(in[i], a, sizeof a), enn_desc_str(in[0], b, sizeof b), axis);
      }
    if (!enn_add_i64(total, in[i]->dims[axis], &total))
      return enn_node_err(n, ENN_ERR_OVERFLOW, "concatenated dimension overflows");
  }
  enn_tensor_desc_init(out, ENN_DTYPE_F32, r, in[0]->dims);
  out->dims[axis] = total;
  return ENN_OK;
}

static enn_status concat_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_concat_prepare(e, ctx); /* move_q8.c */
  enn_concat_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_tensor_desc *y = e->out_desc[0];
  int32_t axis = 0;
  enn_axis_norm(e->node->attrs.axis, y->rank, &axis);
  enn_concat_params_init(p, y, axis, e->in_desc, e->n_in);
  e->state = p;
  e->kernel = "enn_f32_concat__ref";
  return ENN_OK;
}

static void concat_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) {
    enn_qs8_concat_run(e);
    return;
  }
  const float *x[ENN_MAX_SPLITS];
  for (int32_t t = 0; t < e->n_in; t++) x[t] = e->in[t];
  enn_f32_concat__ref(e->state, x, e->out[0]);
}

const enn_op_vtable enn_op_vt_concat = {concat_infer, concat_prepare, concat_run, NULL};
