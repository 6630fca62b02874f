/* Shared operator helpers: window geometry, dtype / shape / axis checks,
 * activation checks, and the prepare step of params-style operators. */
#include "ops/op_util.h"

static enn_status window_1d(const enn_node *n, const char *axis, int64_t in, int64_t k, int32_t stride, int32_t dil,
                            bool ceil_mode, int32_t *pb, int32_t *pe, int64_t *out) {
  if (stride < 1 || dil < 1)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s stride %d / dilation %d must be >= 1", axis, stride, dil);
  if (k < 1 || k > 1 << 16) return enn_node_err(n, ENN_ERR_SHAPE, "%s kernel size %lld out of range", axis, (long long)k);
  if (*pb < 0 || *pe < 0 || *pb > 1 << 16 || *pe > 1 << 16)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "%s padding %d,%d out of range", axis, *pb, *pe);
  int64_t ek = (int64_t)dil * (k - 1) + 1;
  int32_t mode = n->attrs.pad_mode;
  if (mode == ENN_PAD_SAME_UPPER || mode == ENN_PAD_SAME_LOWER) {
    int64_t o = (in + stride - 1) / stride;
    int64_t total = (o - 1) * stride + ek - in;
    if (total < 0) total = 0;
    int64_t small = total / 2, big = total - small;
    *pb = (int32_t)(mode == ENN_PAD_SAME_UPPER ? small : big);
    *pe = (int32_t)(mode == ENN_PAD_SAME_UPPER ? big : small);
    *out = o;
    return ENN_OK;
  }
  if (mode == ENN_PAD_VALID) *pb = *pe = 0;
  else if (mode != ENN_PAD_EXPLICIT) return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown pad_mode %d", mode);
  int64_t span = in + *pb + *pe - ek;
  if (span < 0)
    return enn_node_err(n, ENN_ERR_SHAPE, "%s window %lld (dilated) is larger than the padded input %lld", axis,
                        (long long)ek, (long long)(in + *pb + *pe));
  int64_t o = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (o - 1) * stride >= in + *pb) o--;
  *out = o;
  return ENN_OK;
}

enn_status enn_window_2d(const enn_node *n, int64_t ih, int64_t iw, int64_t kh, int64_t kw, bool ceil_mode,
                         int32_t pads_out[4], int64_t *oh, int64_t *ow) {
  const enn_attrs *a = &n->attrs;
  int32_t pt = a->pads[0], pl = a->pads[1], pb = a->pads[2], pr = a->pads[3];
  enn_status st = window_1d(n, "height", ih, kh, a->stride[0], a->dilation[0], ceil_mode, &pt, &pb, oh);
  if (st) return st;
  if ((st = window_1d(n, "width", iw, kw, a->stride[1], a->dilation[1], ceil_mode, &pl, &pr, ow))) return st;
  pads_out[0] = pt;
  pads_out[1] = pl;
  pads_out[2] = pb;
  pads_out[3] = pr;
  return ENN_OK;
}

enn_status enn_expect_f32(const enn_node *n, const enn_tensor_desc *const *in, int32_t i, int32_t rank) {
  if (i >= n->n_inputs) return enn_node_err(n, ENN_ERR_INVALID_ARG, "input %d is missing", i);
  if (in[i]->dtype != ENN_DTYPE_F32)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input %d has dtype %s; this operator takes f32", i,
                        enn_dtype_name(in[i]->dtype));
  if (rank >= 0 && in[i]->rank != rank) {
    char b[96];
    return enn_node_err(n, ENN_ERR_SHAPE, "input %d has shape %s, expected rank %d", i, enn_desc_str(in[i], b, sizeof b),
                        rank);
  }
  return ENN_OK;
}

enn_status enn_check_act(const enn_node *n) {
  const enn_attrs *a = &n->attrs;
  if (a->act < 0 || a->act >= ENN_ACT_COUNT) return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown fused activation %d", a->act);
  if (a->act != ENN_ACT_NONE && !(enn_op_flags(n->op) & ENN_OPF_FUSE_ACT))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "this operator cannot fuse an activation");
  if (a->act == ENN_ACT_CLIP && !(a->act_min <= a->act_max))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "clip bounds min %g > max %g", (double)a->act_min, (double)a->act_max);
  return ENN_OK;
}

enn_status enn_expect_spatial_input(const enn_node *n, const enn_tensor_desc *const *in) {
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, 4))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  for (int32_t i = 0; i < 4; i++)
    if (x->dims[i] < 1 || x->dims[i] > INT32_MAX / 4) {
      char b[96];
      return enn_node_err(n, ENN_ERR_SHAPE, "input %s: every dimension must be in 1..%d", enn_desc_str(x, b, sizeof b),
                          INT32_MAX / 4);
    }
  return ENN_OK;
}

void enn_desc_nhwc(enn_tensor_desc *out, int64_t n, int64_t h, int64_t w, int64_t c) {
  const int64_t d[4] = {n, h, w, c};
  enn_tensor_desc_init(out, ENN_DTYPE_F32, 4, d);
}

enn_status enn_node_axis(const enn_node *n, int32_t rank, int32_t *axis) {
  if (!enn_axis_norm(n->attrs.axis, rank, axis))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "axis %d is out of range for rank %d", n->attrs.axis, rank);
  return ENN_OK;
}

enn_status enn_check_n_axes(const enn_node *n, int32_t rank) {
  if (n->attrs.n_axes < 0 || n->attrs.n_axes > rank)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "n_axes %d is out of range for rank %d", n->attrs.n_axes, rank);
  return ENN_OK;
}

enn_status enn_node_axes_item(const enn_node *n, int32_t i, int32_t rank, bool *seen, int32_t *ax) {
  const int32_t a = n->attrs.axes[i];
  if (!enn_axis_norm(a, rank, ax))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "axes[%d] = %d is out of range for rank %d", i, a, rank);
  if (seen[*ax]) return enn_node_err(n, ENN_ERR_INVALID_ARG, "axis %d is listed twice", *ax);
  seen[*ax] = true;
  return ENN_OK;
}

enn_status enn_prepare_params(enn_exec *e, enn_prepare_ctx *ctx, size_t size, enn_params_fn params,
                              const char *kernel) {
  void *p = enn_prepare_alloc(ctx, size);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_status st = params(e->node, e->in_desc, p, NULL);
  if (st) return st;
  e->state = p;
  e->kernel = kernel;
  return ENN_OK;
}
