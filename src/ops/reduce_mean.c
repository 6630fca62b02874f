/*
 * ReduceMean over attrs.axes[0..n_axes) (negative counts from the end, no
 * repeats; n_axes 0 = every axis), keeping the reduced axes as size 1 when
 * attrs.keepdims. The mean is a float sum divided by the element count
 * (reduce_ref.h). On int8: TFLite's MEAN (pool_q8.c).
 */
#include "kernels/ref/reduce_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ops.h"

static enn_status reduce_axes(const enn_node *n, const enn_tensor_desc *x, bool *red) {
  const enn_attrs *a = &n->attrs;
  for (int32_t k = 0; k < ENN_MAX_RANK; k++) red[k] = a->n_axes == 0 && k < x->rank;
  enn_status st = enn_check_n_axes(n, x->rank);
  for (int32_t i = 0; i < a->n_axes && !st; i++) {
    int32_t ax;
    st = enn_node_axes_item(n, i, x->rank, red, &ax);
  }
  return st;
}

static enn_status reduce_mean_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                    enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  enn_status st;
  const bool q8 = enn_qs8_dispatch(in[0]->dtype); /* int8: TFLite MEAN, pool_q8.c */
  if ((st = q8 ? enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, -1) : enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  bool red[ENN_MAX_RANK];
  if ((st = reduce_axes(n, in[0], red))) return st;
  int64_t dims[ENN_MAX_RANK];
  int32_t r = 0;
  for (int32_t k = 0; k < in[0]->rank; k++) {
    if (!red[k]) dims[r++] = in[0]->dims[k];
    else if (n->attrs.keepdims) dims[r++] = 1;
  }
  enn_tensor_desc_init(out, q8 ? ENN_DTYPE_I8 : ENN_DTYPE_F32, r, dims);
  return ENN_OK;
}

static enn_status reduce_mean_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  bool red[ENN_MAX_RANK];
  enn_status st = reduce_axes(e->node, e->in_desc[0], red);
  if (st) return st;
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) return enn_qs8_mean_prepare(e, ctx, red);
  enn_reduce_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_reduce_params_init(p, e->in_desc[0], red);
  e->state = p;
  e->kernel = "enn_f32_reduce_mean__ref";
  return ENN_OK;
}

static void reduce_mean_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) enn_qs8_mean_run(e);
  else enn_f32_reduce_mean__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_reduce_mean = {reduce_mean_infer, reduce_mean_prepare, reduce_mean_run, NULL};
