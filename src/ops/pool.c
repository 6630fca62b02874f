/*
 * MaxPool / AvgPool: x[N,H,W,C] (f32) -> y[N,OH,OW,C] over an
 * attrs.kernel window with stride, dilation, explicit / SAME / VALID
 * padding and ceil_mode (geometry from enn_window_2d), and a fused
 * activation. AvgPool divides by the taps inside the padded input
 * (count_include_pad = 1) or inside the input (0); taps that ceil_mode
 * pushes past the padded input never count (PyTorch / ONNX).
 *
 * int8 input (same window rules, no rescaling): pool_q8.c.
 *
 * Infer rejects geometries where a window would see no input pixel and the
 * result would be undefined (max of nothing, or 0/0 for an average that
 * excludes padding), so the kernels never meet an empty window.
 */
#include "kernels/ref/pool_ref.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ops.h"

/* Whether window i along one axis (start = i*s - pad_begin, taps start + k*d
 * for k < ksize) has a tap in [0, in). */
static bool window_sees_input(int64_t i, int64_t in, int64_t ksize, int64_t s, int64_t d, int64_t pad_begin) {
  const int64_t start = i * s - pad_begin;
  /* first tap index that is >= 0, and one past the last tap index that is < in */
  const int64_t kmin = start >= 0 ? 0 : (-start + d - 1) / d;
  const int64_t kend = in - start > 0 ? (in - start + d - 1) / d : 0;
  return kmin < (kend < ksize ? kend : ksize);
}

/* True when every one of the o windows along an axis sees the input; only
 * windows starting in the padding can fail, so only those are checked. */
static bool every_window_sees_input(int64_t o, int64_t in, int64_t ksize, int64_t s, int64_t d, int64_t pad_begin,
                                    int64_t *bad) {
  for (int64_t i = 0; i < o && i * s - pad_begin < 0; i++)
    if (!window_sees_input(i, in, ksize, s, d, pad_begin)) {
      *bad = i;
      return false;
    }
  for (int64_t i = o - 1; i >= 0 && i * s - pad_begin >= in; i--)
    if (!window_sees_input(i, in, ksize, s, d, pad_begin)) {
      *bad = i;
      return false;
    }
  return true;
}

static enn_status pool_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_pool2d_params *p = state;
  enn_status st;
  const bool q8 = enn_qs8_dispatch(in[0]->dtype); /* int8: pool_q8.c */
  if ((st = q8 ? enn_qs8_spatial_input(n, in) : enn_expect_spatial_input(n, in))) return st;
  const enn_tensor_desc *x = in[0];
  const enn_attrs *a = &n->attrs;
  const bool is_avg = n->op == ENN_OP_AVG_POOL;
  if (a->kernel[0] < 1 || a->kernel[1] < 1)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "kernel %dx%d: both sizes must be >= 1", a->kernel[0], a->kernel[1]);
  if (a->ceil_mode != 0 && a->ceil_mode != 1)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "ceil_mode must be 0 or 1 (got %d)", a->ceil_mode);
  if (is_avg && a->count_include_pad != 0 && a->count_include_pad != 1)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "count_include_pad must be 0 or 1 (got %d)", a->count_include_pad);
  int32_t pads[4];
  int64_t oh, ow;
  if ((st = enn_window_2d(n, x->dims[1], x->dims[2], a->kernel[0], a->kernel[1], a->ceil_mode != 0, pads, &oh, &ow)))
    return st;
  if (oh < 1 || ow < 1 || oh > INT32_MAX / 4 || ow > INT32_MAX / 4)
    return enn_node_err(n, ENN_ERR_SHAPE, "output size %lldx%lld out of range", (long long)oh, (long long)ow);
  if (!is_avg || !a->count_include_pad) {
    int64_t bad;
    const char *axis = NULL;
    if (!every_window_sees_input(oh, x->dims[1], a->kernel[0], a->stride[0], a->dilation[0], pads[0], &bad))
      axis = "row";
    else if (!every_window_sees_input(ow, x->dims[2], a->kernel[1], a->stride[1], a->dilation[1], pads[1], &bad))
      axis = "column";
    if (axis)
      return enn_node_err(n, ENN_ERR_SHAPE,
                          "the window of output %s %lld covers only padding (pads %d,%d,%d,%d, kernel %dx%d, "
                          "dilation %dx%d)",
                          axis, (long long)bad, pads[0], pads[1], pads[2], pads[3], a->kernel[0], a->kernel[1],
                          a->dilation[0], a->dilation[1]);
  }
  if (p) {
    p->n = (int32_t)x->dims[0];
    p->ih = (int32_t)x->dims[1];
    p->iw = (int32_t)x->dims[2];
    p->c = (int32_t)x->dims[3];
    p->oh = (int32_t)oh;
    p->ow = (int32_t)ow;
    p->kh = a->kernel[0];
    p->kw = a->kernel[1];
    p->sh = a->stride[0];
    p->sw = a->stride[1];
    p->dh = a->dilation[0];
    p->dw = a->dilation[1];
    p->pt = pads[0];
    p->pl = pads[1];
    p->pb = pads[2];
    p->pr = pads[3];
    p->count_include_pad = is_avg ? a->count_include_pad : 0;
    p->act = enn_act_params_from(a);
  }
  if (out) enn_desc_nhwc(out, x->dims[0], oh, ow, x->dims[3]);
  if (out && q8) enn_qs8_pool_out(out, x);
  return ENN_OK;
}

static enn_status pool_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                             enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  return pool_params(n, in, NULL, out);
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (vector_fast.c: MaxPool; avgpool_fast.c: AvgPool over the whole input). */
typedef struct pool_state {
  enn_pool2d_params p;
  enn_fast_path fast;
} pool_state;

static enn_status pool_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) return enn_qs8_pool_prepare(e, ctx, pool_params);
  enn_status st = enn_prepare_params(e, ctx, sizeof(pool_state), pool_params,
                                     e->node->op == ENN_OP_AVG_POOL ? "enn_f32_avg_pool2d__ref"
                                                                    : "enn_f32_max_pool2d__ref");
  if (st) return st;
  pool_state *s = e->state;
  if (e->node->op == ENN_OP_AVG_POOL) return enn_avgpool_fast_prepare(e, ctx, &s->p, &s->fast);
  return enn_maxpool_fast_prepare(e, ctx, &s->p, &s->fast);
}

static void max_pool_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) enn_qs8_max_pool_run(e);
  else if (!enn_fast_run(e, &((const pool_state *)e->state)->fast))
    enn_f32_max_pool2d__ref(e->state, e->in[0], e->out[0]);
}
static void avg_pool_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) enn_qs8_avg_pool_run(e);
  else if (!enn_fast_run(e, &((const pool_state *)e->state)->fast))
    enn_f32_avg_pool2d__ref(e->state, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_max_pool = {pool_infer, pool_prepare, max_pool_run, NULL};
const enn_op_vtable enn_op_vt_avg_pool = {pool_infer, pool_prepare, avg_pool_run, NULL};
