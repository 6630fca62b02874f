/*
 * Shared checks of the int8 operator paths (qs8_ops.h): storage ranges,
 * dtype and quantisation-parameter checks, the integer range of a fused
 * clamp, and the per-channel multipliers of the linear operators
 * (M = s_x * s_w[c] / s_y decomposed by enn_quantize_multiplier).
 */
#include <math.h>
#include <string.h>

#include "ops/qs8_ops.h"
#include "quant/requant.h"

void enn_qs8_range(enn_dtype t, int32_t *qmin, int32_t *qmax) {
  switch (t) {
  case ENN_DTYPE_I8:
    *qmin = -128;
    *qmax = 127;
    break;
  case ENN_DTYPE_U8:
    *qmin = 0;
    *qmax = 255;
    break;
  default:
    *qmin = INT32_MIN;
    *qmax = INT32_MAX;
    break;
  }
}

enn_status enn_qs8_expect(const enn_node *n, const enn_tensor_desc *const *in, int32_t i, enn_dtype t, int32_t rank) {
  if (i >= n->n_inputs) return enn_node_err(n, ENN_ERR_INVALID_ARG, "input %d is missing", i);
  const enn_tensor_desc *d = in[i];
  if (d->dtype != t) {
    if (d->dtype == ENN_DTYPE_U8 && t == ENN_DTYPE_I8)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "input %d is uint8; the int8 path takes int8 (importers convert uint8 tensors by "
                          "subtracting 128 from values and zero points)",
                          i);
    return enn_node_err(n, ENN_ERR_DTYPE, "input %d has dtype %s, expected %s", i, enn_dtype_name(d->dtype),
                        enn_dtype_name(t));
  }
  if (rank >= 0 && d->rank != rank) {
    char b[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "input %d has shape %s, expected rank %d", i, enn_desc_str(d, b, sizeof b),
                        rank);
  }
  return ENN_OK;
}

enn_status enn_qs8_check_quant(const enn_node *n, const enn_tensor_desc *d, const char *what, bool per_tensor) {
  const enn_quant *q = &d->quant;
  if (q->count == 0 || !q->scale || !q->zero_point)
    return enn_node_err(n, ENN_ERR_INVALID_ARG,
                        "%s has no quantisation parameters (set them with enn_graph_set_quant)", what);
  if (per_tensor && q->count != 1)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "%s is quantised per axis (%u scales); expected per-tensor parameters",
                        what, q->count);
  int32_t qmin, qmax;
  enn_qs8_range(d->dtype, &qmin, &qmax);
  for (uint32_t k = 0; k < q->count; k++) {
    if (!(q->scale[k] > 0.0f) || !isfinite(q->scale[k]))
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s: scale[%u] = %g must be finite and > 0", what, k,
                          (double)q->scale[k]);
    if (q->zero_point[k] < qmin || q->zero_point[k] > qmax)
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s: zero_point[%u] = %d is outside the %s range", what, k,
                          (int)q->zero_point[k], enn_dtype_name(d->dtype));
  }
  return ENN_OK;
}

bool enn_qs8_same_quant(const enn_quant *a, const enn_quant *b) {
  if (a->count != b->count) return false;
  if (a->count == 0) return true;
  if (a->axis != b->axis) return false;
  for (uint32_t k = 0; k < a->count; k++)
    if (memcmp(&a->scale[k], &b->scale[k], sizeof(float)) != 0 || a->zero_point[k] != b->zero_point[k]) return false;
  return true;
}

enn_status enn_qs8_check_act(const enn_node *n) {
  enn_status st = enn_check_act(n);
  if (st) return st;
  switch (n->attrs.act) {
  case ENN_ACT_NONE:
  case ENN_ACT_RELU:
  case ENN_ACT_RELU6:
  case ENN_ACT_CLIP: return ENN_OK;
  default:
    return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                        "fused activation %s cannot be applied to an int8 output (only relu, relu6 and clip fuse)",
                        enn_act_name((enn_act)n->attrs.act));
  }
}

enn_status enn_qs8_act_range(const enn_node *n, const enn_tensor_desc *y, int32_t *lo, int32_t *hi) {
  if (y->quant.count < 1 || !y->quant.scale || !y->quant.zero_point)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "output has no quantisation parameters");
  int32_t qmin, qmax;
  enn_qs8_range(y->dtype, &qmin, &qmax);
  const enn_attrs *a = &n->attrs;
  if (!enn_act_range_q(a->act, a->act_min, a->act_max, y->quant.scale[0], y->quant.zero_point[0], qmin, qmax, lo, hi))
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "fused activation %s cannot be applied to an int8 output",
                        enn_act_name((enn_act)a->act));
  return ENN_OK;
}

enn_status enn_qs8_linear_params(const enn_node *n, const enn_tensor_desc *x, const enn_tensor_desc *w,
                                 const enn_tensor_desc *y, int64_t channels, int32_t *w_zp, int32_t *mult,
                                 int32_t *shift) {
  enn_status st;
  if ((st = enn_qs8_check_quant(n, x, "input 0", true)) ||
      (st = enn_qs8_check_quant(n, w, "input 1 (weights)", false)) || (st = enn_qs8_check_quant(n, y, "output", true)))
    return st;
  if (w->quant.count != 1 && (w->quant.axis != 0 || (int64_t)w->quant.count != channels))
    return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                        "input 1 (weights) has %u scales on axis %d; expected one, or one per output channel (%lld) "
                        "on axis 0",
                        w->quant.count, (int)w->quant.axis, (long long)channels);
  const double sx = (double)x->quant.scale[0], sy = (double)y->quant.scale[0];
  for (int64_t c = 0; c < channels; c++) {
    const uint32_t k = w->quant.count == 1 ? 0u : (uint32_t)c;
    w_zp[c] = w->quant.zero_point[k];
    enn_quantize_multiplier(sx * (double)w->quant.scale[k] / sy, &mult[c], &shift[c]);
  }
  return ENN_OK;
}
