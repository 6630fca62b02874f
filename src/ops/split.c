/*
 * Split: cuts an f32 tensor along attrs.axis into n_outputs pieces, of
 * sizes attrs.splits[0..n_splits) (n_splits must equal the output count and
 * the sizes sum to the dimension) or, when n_splits is 0, equal parts (the
 * dimension must divide evenly). The kernel copies one contiguous block per
 * output per outer index (concat_ref.h).
 */
#include "kernels/ref/concat_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status split_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                              enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_infer_as_f32(n, in, in_data, out, split_infer); /* qs8_ew.h */
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_attrs *a = &n->attrs;
  const int32_t r = in[0]->rank, no = n->n_outputs;
  int32_t axis;
  if ((st = enn_node_axis(n, r, &axis))) return st;
  if (no < 1 || no > ENN_MAX_SPLITS)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "takes 1..%d outputs (got %d)", ENN_MAX_SPLITS, no);
  const int64_t dim = in[0]->dims[axis];
  if (a->n_splits != 0) {
    if (a->n_splits != no)
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "n_splits %d does not match the %d outputs", a->n_splits, no);
    int64_t sum = 0;
    for (int32_t i = 0; i < no; i++) {
      if (a->splits[i] < 0 || a->splits[i] > dim)
        return enn_node_err(n, ENN_ERR_INVALID_ARG, "split %d has size %lld (dimension %d is %lld)", i,
                            (long long)a->splits[i], axis, (long long)dim);
      sum += a->splits[i];
    }
    if (sum != dim)
      return enn_node_err(n, ENN_ERR_SHAPE, "split sizes sum to %lld but dimension %d is %lld", (long long)sum, axis,
                          (long long)dim);
  } else if (dim % no != 0)
    return enn_node_err(n, ENN_ERR_SHAPE, "dimension %d (%lld) does not split into %d equal parts", axis,
                        (long long)dim, no);
  for (int32_t i = 0; i < no; i++) {
    enn_tensor_desc_init(&out[i], ENN_DTYPE_F32, r, in[0]->dims);
    out[i].dims[axis] = a->n_splits ? a->splits[i] : dim / no;
  }
  return ENN_OK;
}

static enn_status split_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_prepare_as_f32(e, ctx, split_prepare, "enn_qs8_split__ref");
  enn_concat_params *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  const enn_tensor_desc *x = e->in_desc[0];
  int32_t axis = 0;
  enn_axis_norm(e->node->attrs.axis, x->rank, &axis);
  enn_concat_params_init(p, x, axis, e->out_desc, e->n_out);
  e->state = p;
  e->kernel = "enn_f32_split__ref";
  return ENN_OK;
}

static void split_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) {
    enn_qs8_split_run(e);
    return;
  }
  float *y[ENN_MAX_SPLITS];
  for (int32_t t = 0; t < e->n_out; t++) y[t] = e->out[t];
  enn_f32_split__ref(e->state, e->in[0], y);
}

const enn_op_vtable enn_op_vt_split = {split_infer, split_prepare, split_run, NULL};
