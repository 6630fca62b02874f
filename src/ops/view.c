/*
 * View operators: Reshape, Flatten, Squeeze, Unsqueeze, Identity. The
 * output IS the input's bytes (ENN_OPF_VIEW: the planner shares the buffer
 * and no kernel runs), so each op only infers the new shape:
 *   Reshape   attrs.shape[0..shape_rank): 0 copies the input dim at that
 *             position (ONNX allowzero = 0), -1 is inferred (at most one);
 *             the element count must not change.
 *   Flatten   attrs.axis in [-rank, rank]: [prod(d[0:axis]), prod(d[axis:])].
 *   Squeeze   attrs.axes[0..n_axes) (must be size 1); n_axes 0 = every size-1 dim.
 *   Unsqueeze attrs.axes[0..n_axes) are positions in the output (ONNX 13).
 *   Identity  the same shape.
 * Views move no data, so any element type passes through, with its
 * per-tensor quantisation; per-axis quantisation is only kept by Identity
 * (its axis would move).
 */
#include "ops/op_util.h"

static enn_status view_out(const enn_node *n, const enn_tensor_desc *x, int32_t rank, const int64_t *dims,
                           enn_tensor_desc *out) {
  enn_status st = enn_check_act(n);
  if (st) return st;
  if (x->quant.count && x->quant.axis >= 0 && n->op != ENN_OP_IDENTITY)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input is quantised per axis, which this view cannot carry");
  enn_tensor_desc_init(out, x->dtype, rank, dims);
  if (x->quant.count) out->quant = x->quant;
  return ENN_OK;
}

static enn_status reshape_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_attrs *a = &n->attrs;
  const enn_tensor_desc *x = in[0];
  const int32_t r = a->shape_rank;
  if (r < 0 || r > ENN_MAX_RANK)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "shape_rank %d is out of range 0..%d", r, ENN_MAX_RANK);
  int64_t dims[ENN_MAX_RANK], known = 1;
  int32_t infer_at = -1;
  for (int32_t i = 0; i < r; i++) {
    int64_t d = a->shape[i];
    if (d == 0) {
      if (i >= x->rank)
        return enn_node_err(n, ENN_ERR_SHAPE, "shape[%d] = 0 copies input dim %d, but the input has rank %d", i, i,
                            x->rank);
      d = x->dims[i];
    } else if (d == -1) {
      if (infer_at >= 0) return enn_node_err(n, ENN_ERR_INVALID_ARG, "shape has more than one -1");
      infer_at = i;
      dims[i] = 1;
      continue;
    } else if (d < 0)
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "shape[%d] = %lld is negative", i, (long long)d);
    if (!enn_mul_i64(known, d, &known) || known > ((int64_t)1 << 40))
      return enn_node_err(n, ENN_ERR_SHAPE, "target shape's element count overflows");
    dims[i] = d;
  }
  const int64_t numel = enn_tensor_desc_numel(x);
  char xs[96];
  if (infer_at >= 0) {
    if (known == 0 || numel % known != 0)
      return enn_node_err(n, ENN_ERR_SHAPE, "cannot infer the -1 dimension: %lld elements of %s over %lld",
                          (long long)numel, enn_desc_str(x, xs, sizeof xs), (long long)known);
    dims[infer_at] = numel / known;
  } else if (known != numel)
    return enn_node_err(n, ENN_ERR_SHAPE, "target shape has %lld elements, input %s has %lld", (long long)known,
                        enn_desc_str(x, xs, sizeof xs), (long long)numel);
  return view_out(n, x, r, dims, out);
}

static enn_status flatten_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_tensor_desc *x = in[0];
  int32_t axis = n->attrs.axis;
  if (axis < -x->rank || axis > x->rank)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "axis %d is out of range for rank %d", axis, x->rank);
  if (axis < 0) axis += x->rank;
  int64_t dims[2] = {1, 1};
  for (int32_t k = 0; k < x->rank; k++) dims[k < axis ? 0 : 1] *= x->dims[k];
  return view_out(n, x, 2, dims, out);
}

static enn_status squeeze_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_attrs *a = &n->attrs;
  const enn_tensor_desc *x = in[0];
  bool drop[ENN_MAX_RANK] = {false};
  enn_status st = enn_check_n_axes(n, x->rank);
  if (st) return st;
  if (a->n_axes == 0)
    for (int32_t k = 0; k < x->rank; k++) drop[k] = x->dims[k] == 1;
  for (int32_t i = 0; i < a->n_axes; i++) {
    int32_t ax;
    if ((st = enn_node_axes_item(n, i, x->rank, drop, &ax))) return st; /* marks drop[ax] */
    if (x->dims[ax] != 1)
      return enn_node_err(n, ENN_ERR_SHAPE, "cannot squeeze axis %d of size %lld", ax, (long long)x->dims[ax]);
  }
  int64_t dims[ENN_MAX_RANK];
  int32_t r = 0;
  for (int32_t k = 0; k < x->rank; k++)
    if (!drop[k]) dims[r++] = x->dims[k];
  return view_out(n, x, r, dims, out);
}

static enn_status unsqueeze_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                  enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_attrs *a = &n->attrs;
  const enn_tensor_desc *x = in[0];
  if (a->n_axes < 1 || a->n_axes > ENN_MAX_RANK - x->rank)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "n_axes %d: need 1..%d for an input of rank %d", a->n_axes,
                        ENN_MAX_RANK - x->rank, x->rank);
  const int32_t r = x->rank + a->n_axes;
  bool ins[ENN_MAX_RANK] = {false};
  for (int32_t i = 0; i < a->n_axes; i++) {
    int32_t ax;
    if (!enn_axis_norm(a->axes[i], r, &ax))
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "axes[%d] = %d is out of range for output rank %d", i, a->axes[i], r);
    if (ins[ax]) return enn_node_err(n, ENN_ERR_INVALID_ARG, "axis %d is listed twice", ax);
    ins[ax] = true;
  }
  int64_t dims[ENN_MAX_RANK];
  for (int32_t k = 0, j = 0; k < r; k++) dims[k] = ins[k] ? 1 : x->dims[j++];
  return view_out(n, x, r, dims, out);
}

static enn_status identity_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                 enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  return view_out(n, in[0], in[0]->rank, in[0]->dims, out);
}

const enn_op_vtable enn_op_vt_reshape = {reshape_infer, NULL, NULL, NULL};
const enn_op_vtable enn_op_vt_flatten = {flatten_infer, NULL, NULL, NULL};
const enn_op_vtable enn_op_vt_squeeze = {squeeze_infer, NULL, NULL, NULL};
const enn_op_vtable enn_op_vt_unsqueeze = {unsqueeze_infer, NULL, NULL, NULL};
const enn_op_vtable enn_op_vt_identity = {identity_infer, NULL, NULL, NULL};
