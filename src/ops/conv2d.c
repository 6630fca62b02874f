/*
 * Conv2D: x[N,H,W,C] (f32), w[O,KH,KW,C/groups], optional b[O] -> y[N,OH,OW,O].
 * Groups include depthwise (groups = C, O = C * multiplier); stride,
 * dilation, explicit or SAME/VALID padding; a fused activation.
 */
#include "base/threadpool.h"
#include "kernels/ref/conv_ref.h"
#include "ops/f16_gemm_fast.h"
#include "ops/f16_weights.h"
#include "ops/fast_path.h"
#include "ops/op_util.h"
#include "ops/qs8_ops.h"

enn_status enn_conv2d_geometry(const enn_node *n, const enn_tensor_desc *const *in, enn_conv2d_params *p,
                               int64_t *oh_out, int64_t *ow_out) {
  const enn_tensor_desc *x = in[0], *w = in[1];
  const int32_t groups = n->attrs.groups;
  if (groups < 1) return enn_node_err(n, ENN_ERR_INVALID_ARG, "groups must be >= 1 (got %d)", groups);
  for (int i = 0; i < 4; i++)
    if (x->dims[i] > INT32_MAX / 4 || w->dims[i] > INT32_MAX / 4 || x->dims[i] < 1 || w->dims[i] < 1)
      return enn_node_err(n, ENN_ERR_SHAPE, "dimension out of range");
  const int64_t ic = x->dims[3], oc = w->dims[0];
  if (ic % groups || oc % groups)
    return enn_node_err(n, ENN_ERR_SHAPE, "channels in %lld / out %lld are not divisible by groups %d", (long long)ic,
                        (long long)oc, groups);
  if (w->dims[3] != ic / groups)
    return enn_node_err(n, ENN_ERR_SHAPE, "weight has %lld input channels per group, input gives %lld / %d groups",
                        (long long)w->dims[3], (long long)ic, groups);
  if (n->n_inputs > 2 && in[2]->dims[0] != oc)
    return enn_node_err(n, ENN_ERR_SHAPE, "bias has %lld values for %lld output channels", (long long)in[2]->dims[0],
                        (long long)oc);
  int32_t pads[4];
  int64_t oh, ow;
  enn_status st;
  if ((st = enn_window_2d(n, x->dims[1], x->dims[2], w->dims[1], w->dims[2], false, pads, &oh, &ow))) return st;
  if (oh < 1 || ow < 1) return enn_node_err(n, ENN_ERR_SHAPE, "output would be empty");
  if (p) {
    p->n = (int32_t)x->dims[0];
    p->ih = (int32_t)x->dims[1];
    p->iw = (int32_t)x->dims[2];
    p->ic = (int32_t)ic;
    p->oh = (int32_t)oh;
    p->ow = (int32_t)ow;
    p->oc = (int32_t)oc;
    p->kh = (int32_t)w->dims[1];
    p->kw = (int32_t)w->dims[2];
    p->sh = n->attrs.stride[0];
    p->sw = n->attrs.stride[1];
    p->dh = n->attrs.dilation[0];
    p->dw = n->attrs.dilation[1];
    p->pt = pads[0];
    p->pl = pads[1];
    p->groups = groups;
    p->act = enn_act_params_from(&n->attrs);
  }
  *oh_out = oh;
  *ow_out = ow;
  return ENN_OK;
}

static enn_status conv_params(const enn_node *n, const enn_tensor_desc *const *in, void *state, enn_tensor_desc *out) {
  enn_status st;
  if ((st = enn_expect_f32(n, in, 0, 4)) || (st = enn_expect_f32(n, in, 1, 4))) return st;
  if (n->n_inputs > 2 && (st = enn_expect_f32(n, in, 2, 1))) return st;
  if ((st = enn_check_act(n))) return st;
  int64_t oh, ow;
  if ((st = enn_conv2d_geometry(n, in, state, &oh, &ow))) return st;
  if (out) enn_desc_nhwc(out, in[0]->dims[0], oh, ow, in[1]->dims[0]);
  return ENN_OK;
}

static enn_status conv_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                             enn_tensor_desc *out) {
  if (enn_qs8_dispatch(in[0]->dtype)) return enn_qs8_conv2d_infer(n, in, out); /* int8: conv2d_q8.c */
  enn_f16w_descs v; /* F16 constant weights / bias are accepted (f16_weights.h) */
  return conv_params(n, enn_f16w_infer_descs(n, in, in_data, ENN_F16W_IN(1) | ENN_F16W_IN(2), &v), NULL, out);
}

/* f32 state: the reference parameters, then the SIMD path when one applies
 * (conv2d_fast.c; its run replaces the reference's). */
typedef struct conv_state {
  enn_conv2d_params p;
  enn_fast_path fast;
} conv_state;

static enn_status conv_prepare_f32(enn_exec *e, enn_prepare_ctx *ctx) {
  enn_status st = enn_prepare_params(e, ctx, sizeof(conv_state), conv_params, "enn_f32_conv2d__ref");
  if (st) return st;
  conv_state *s = e->state;
  return enn_conv2d_fast_prepare(e, ctx, &s->p, &s->fast);
}

/* Does run read the weights through e->in[1], e->in[2] (the reference path)? */
static bool conv_reads_weights(const enn_exec *e) { return !((const conv_state *)e->state)->fast.run; }

static enn_status conv_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) return enn_qs8_conv2d_prepare(e, ctx);
  if (enn_f16_gemm_native_kernel(e)) { /* f16 weights kept f16 (1x1): the f16 GEMM, ops/f16_gemm_fast.h */
    enn_f16w_descs v;
    conv_state s;
    const uint32_t mask = ENN_F16W_IN(1) | ENN_F16W_IN(2);
    const enn_tensor_desc *const *d = enn_f16w_infer_descs(e->node, e->in_desc, e->in, mask, &v);
    enn_status st = conv_params(e->node, d, &s.p, NULL);
    if (!st) st = enn_f16_conv2d_fast_prepare(e, ctx, &s.p, &s.fast);
    if (st || s.fast.run) return st ? st : enn_f16_state(e, ctx, &s, sizeof s);
  }
  /* f16 weights / bias: converted to f32 once around the f32 prepare */
  return enn_f16w_prepare(e, ctx, ENN_F16W_IN(1) | ENN_F16W_IN(2), conv_prepare_f32, conv_reads_weights);
}

/* Below this many MACs a convolution runs on the calling thread only. */
#define CONV_PAR_MIN_MACS 8192

typedef struct conv_job {
  const enn_conv2d_params *p;
  const float *x, *w, *b;
  float *y;
  enn_split2d split; /* output rows (n * oh) x channels */
} conv_job;

static void conv_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  const conv_job *j = ctx;
  for (int32_t t = begin; t < end; t++) {
    int64_t r0, r1;
    int32_t o0, o1;
    enn_split2d_task(&j->split, t, &r0, &r1, &o0, &o1);
    enn_f32_conv2d_part__ref(j->p, j->x, j->w, j->b, j->y, r0, r1, o0, o1);
  }
}

/* Threads split the output into blocks (enn_split2d); every element is
 * computed by the same loop whatever the split, so results are
 * bit-identical for any thread count. */
static void conv_run(const enn_exec *e) {
  if (enn_qs8_dispatch(e->in_desc[0]->dtype)) {
    enn_qs8_conv2d_run(e);
    return;
  }
  if (enn_fast_run(e, &((const conv_state *)e->state)->fast)) return;
  const enn_conv2d_params *p = e->state;
  const float *b = e->n_in > 2 ? e->in[2] : NULL;
  const int32_t T = enn_threadpool_threads(e->pool);
  const int64_t rows = (int64_t)p->n * p->oh;
  const int64_t macs = rows * p->ow * p->oc * p->kh * p->kw * (p->ic / p->groups);
  if (T == 1 || macs < CONV_PAR_MIN_MACS) {
    enn_f32_conv2d__ref(p, e->in[0], e->in[1], b, e->out[0]);
    return;
  }
  conv_job j = {p, e->in[0], e->in[1], b, e->out[0], enn_split2d_make(rows, p->oc, T)};
  enn_threadpool_parallel_for(e->pool, j.split.tasks, conv_task, &j);
}

static int64_t conv_macs(const enn_node *n, const enn_tensor_desc *const *in, const enn_tensor_desc *out) {
  /* per output element: kh * kw * (ic / groups) */
  return enn_tensor_desc_numel(out) * in[1]->dims[1] * in[1]->dims[2] * in[1]->dims[3] * (n->attrs.groups > 0 ? 1 : 0);
}

const enn_op_vtable enn_op_vt_conv2d = {conv_infer, conv_prepare, conv_run, conv_macs};
