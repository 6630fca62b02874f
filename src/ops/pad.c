/*
 * Pad: x (f32, any rank 0..8) -> y with out[d] = in[d] + pad_begin[d] +
 * pad_end[d], filled by attrs.mode: constant (attrs.value), reflect
 * (mirror without repeating the edge; needs every pad < in[d]) or edge
 * (repeat the border). Negative pads crop, as in ONNX Pad: the kernel's
 * index map (kernels/ref/pad_ref.h) handles both directions uniformly.
 */
#include "kernels/ref/pad_ref.h"
#include "ops/op_util.h"
#include "ops/qs8_ew.h"

#define PAD_LIMIT ((int64_t)1 << 40) /* bigger pads would not fit the element-count limit anyway */

static enn_status pad_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_pad_params *p = state;
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, -1))) return st;
  if ((st = enn_check_act(n))) return st;
  const enn_tensor_desc *x = in[0];
  const enn_attrs *a = &n->attrs;
  const int32_t mode = a->mode;
  if (mode != ENN_PADMODE_CONSTANT && mode != ENN_PADMODE_REFLECT && mode != ENN_PADMODE_EDGE)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "unknown pad mode %d", mode);
  int64_t od[ENN_MAX_RANK];
  char b[96];
  for (int32_t d = 0; d < x->rank; d++) {
    const int64_t pb = a->pad_begin[d], pe = a->pad_end[d], len = x->dims[d];
    if (pb < -PAD_LIMIT || pb > PAD_LIMIT || pe < -PAD_LIMIT || pe > PAD_LIMIT)
      return enn_node_err(n, ENN_ERR_INVALID_ARG, "axis %d: pads %lld, %lld out of range", d, (long long)pb,
                          (long long)pe);
    od[d] = len + pb + pe;
    if (od[d] < 0)
      return enn_node_err(n, ENN_ERR_SHAPE, "axis %d: pads %lld, %lld crop more than the %lld elements of %s", d,
                          (long long)pb, (long long)pe, (long long)len, enn_desc_str(x, b, sizeof b));
    if (mode == ENN_PADMODE_REFLECT && ((pb > 0 && pb >= len) || (pe > 0 && pe >= len)))
      return enn_node_err(n, ENN_ERR_SHAPE,
                          "axis %d: reflect padding %lld, %lld needs pads smaller than the dimension %lld", d,
                          (long long)pb, (long long)pe, (long long)len);
    if (mode == ENN_PADMODE_EDGE && len == 0 && (pb > 0 || pe > 0))
      return enn_node_err(n, ENN_ERR_SHAPE, "axis %d: edge padding of an empty dimension", d);
  }
  if (p) {
    p->rank = x->rank;
    p->mode = mode;
    p->value = a->value;
    for (int32_t d = 0; d < x->rank; d++) {
      p->in_dims[d] = x->dims[d];
      p->out_dims[d] = od[d];
      p->begin[d] = a->pad_begin[d];
    }
  }
  if (out) enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, od);
  return ENN_OK;
}

static enn_status pad_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                            enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  if (in[0]->dtype == ENN_DTYPE_I8) return enn_qs8_infer_as_f32(n, in, in_data, out, pad_infer); /* qs8_ew.h */
  return pad_params(n, in, NULL, out);
}

static enn_status pad_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) return enn_qs8_pad_prepare(e, ctx, pad_prepare); /* move_q8.c */
  return enn_prepare_params(e, ctx, sizeof(enn_pad_params), pad_params, "enn_f32_pad__ref");
}

static void pad_run(const enn_exec *e) {
  if (e->in_desc[0]->dtype == ENN_DTYPE_I8) enn_qs8_pad_run(e);
  else enn_f32_pad__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_pad = {pad_infer, pad_prepare, pad_run, NULL};
