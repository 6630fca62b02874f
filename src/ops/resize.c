/*
 * Resize: x[N,H,W,C] (f32) -> y[N,OH,OW,C], ONNX Resize on the two spatial
 * axes with mode nearest (attrs.nearest_mode) or linear ("bilinear"), and
 * the half_pixel / align_corners / asymmetric / pytorch_half_pixel
 * coordinate transforms (formulas in kernels/ref/resize_ref.h).
 *
 * Per axis: attrs.size[i] != 0 gives the output length and the coordinate
 * scale out / in; otherwise out = floor(in * attrs.scale[i]) and the scale
 * is attrs.scale[i] itself, as ONNX does when `scales` is given (so
 * align_corners then uses the unrounded in * scale as the resized length,
 * matching the ONNX reference).
 */
#include <math.h>

#include "kernels/ref/resize_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

static enn_status resize_axis(const enn_node *n, const char *axis, int64_t in, int64_t size, float scale, int64_t *out,
                              double *coord_scale, double *len) {
  if (size < 0) return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s size %lld is negative", axis, (long long)size);
  if (size > 0) {
    *out = size;
    *coord_scale = (double)size / (double)in;
    *len = (double)size;
  } else {
    if (!(scale > 0.0f) || isinf(scale))
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s scale %g must be finite and > 0 (or give a size)", axis,
                          (double)scale);
    *coord_scale = (double)scale;
    *len = (double)scale * (double)in;
    const double o = floor(*len);
    if (o > (double)(INT32_MAX / 4))
      return enn_node_err(n, ENN_ERR_SHAPE, "%s output %g too large", axis, o);
    *out = (int64_t)o;
  }
  if (*out < 1)
    return enn_node_err(n, ENN_ERR_SHAPE, "%s output size would be %lld (input %lld, scale %g)", axis, (long long)*out,
                        (long long)in, (double)scale);
  if (*out > INT32_MAX / 4)
    return enn_node_err(n, ENN_ERR_SHAPE, "%s output size %lld too large", axis, (long long)*out);
  return ENN_OK;
}

static enn_status resize_params(const enn_node *n, const enn_tensor_desc *const *in, void *state,
                                enn_tensor_desc *out) {
  enn_resize_params *p = state;
  enn_status st;
  if ((st = enn_expect_spatial_input(n, in))) return st;
  const enn_tensor_desc *x = in[0];
  const enn_attrs *a = &n->attrs;
  if (a->mode != ENN_RESIZE_NEAREST && a->mode != ENN_RESIZE_BILINEAR)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown resize mode %d", a->mode);
  if (a->coord_mode < ENN_COORD_HALF_PIXEL || a->coord_mode > ENN_COORD_PYTORCH_HALF_PIXEL)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown coordinate transform %d", a->coord_mode);
  if (a->nearest_mode < ENN_NEAREST_ROUND_PREFER_FLOOR || a->nearest_mode > ENN_NEAREST_CEIL)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown nearest_mode %d", a->nearest_mode);
  int64_t oh, ow;
  double sh, sw, lh, lw;
  if ((st = resize_axis(n, "height", x->dims[1], a->size[0], a->scale[0], &oh, &sh, &lh))) return st;
  if ((st = resize_axis(n, "width", x->dims[2], a->size[1], a->scale[1], &ow, &sw, &lw))) return st;
  if (p) {
    p->n = (int32_t)x->dims[0];
    p->ih = (int32_t)x->dims[1];
    p->iw = (int32_t)x->dims[2];
    p->c = (int32_t)x->dims[3];
    p->oh = (int32_t)oh;
    p->ow = (int32_t)ow;
    p->mode = a->mode;
    p->coord_mode = a->coord_mode;
    p->nearest_mode = a->nearest_mode;
    p->scale_h = sh;
    p->scale_w = sw;
    p->len_h = lh;
    p->len_w = lw;
  }
  if (out) enn_desc_nhwc(out, x->dims[0], oh, ow, x->dims[3]);
  return ENN_OK;
}

static enn_status resize_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_resize_infer(n, in, in_data, out, resize_infer); /* move_q8.c */
  return resize_params(n, in, NULL, out);
}

static enn_status resize_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8)
    return enn_qs8_prepare_as_f32(e, ctx, resize_prepare, "enn_qs8_resize_nearest__ref");
  return enn_prepare_params(e, ctx, sizeof(enn_resize_params), resize_params, "enn_f32_resize__ref");
}

static void resize_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_resize_run(e);
  else enn_f32_resize__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_resize = {resize_infer, resize_prepare, resize_run, NULL};
