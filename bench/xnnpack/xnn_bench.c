/*
 * XNNPACK peer driver: times the same network edgenn runs, on XNNPACK.
 *
 * The network comes from edgenn itself: the zoo builds the graph (random
 * weights; timing only), enn_graph_optimize folds batch norms and fuses
 * activations exactly as an edgenn session would, and each remaining node
 * is translated into one XNNPACK subgraph node (Debian's libxnnpack-dev,
 * the 2022-02 snapshot: subgraph API, xnn_create_runtime_v2):
 *
 *   Conv2D           convolution_2d, or depthwise_convolution_2d when
 *                    groups == input channels (weights OHWI [C*m,kh,kw,1]
 *                    re-laid as [1,kh,kw,C*m]); pads resolved from the
 *                    input / output sizes so XNNPACK's output size matches
 *   FullyConnected   fully_connected (weights [out, in] as edgenn)
 *   Add / Sub / Mul  add2 / subtract / multiply2 (numpy broadcasting)
 *   pools            max_pooling_2d, average_pooling_2d,
 *                    global_average_pooling_2d (+ static_reshape when
 *                    edgenn's output is not 4-D)
 *   Reshape, Flatten static_reshape; Softmax softmax; Pad static_constant_pad
 *   activations      relu / relu6 / clip fused as the node's output range;
 *                    hard-swish, sigmoid, leaky relu as separate nodes;
 *                    swish = sigmoid + multiply2; hard-sigmoid fused into a
 *                    conv / FC (weights * alpha, bias * alpha + beta, then
 *                    range [0, 1]) or, standalone, multiply2 + add2.
 * Anything else is reported as unsupported (exit 1, message on stderr).
 *
 *   xnn_bench MODEL [--threads N] [--warmup N] [--iters N] [--check] [--json]
 *             [--duel [--block B]]
 *
 * --duel times edgenn and XNNPACK in the same process on the same input,
 * alternating blocks of B runs (default 10) until each engine has run
 * --iters times: both see the same machine state, minute by minute, which
 * a shared host's swings (the same binary's p50 moving 15% between
 * minutes) make necessary for a ratio. Between blocks the process sleeps
 * (3 ms; 60 ms with threads) so that the other engine's workers have left
 * their spin-wait and do not steal the cores: edgenn's pool spins 100 us,
 * but pthreadpool's workers spin for milliseconds after a job (with a
 * 3 ms gap edgenn's 2-thread p50 rose from 3.6-3.7 to 3.9-4.4 ms, the
 * ratio from 0.82-0.83 to 0.92-1.0); and each block starts with one
 * untimed run. The report: each engine's p50
 * and min over all its runs, the ratio of the p50s (edgenn / XNNPACK) and
 * the median of the per-block-pair ratios of block medians.
 *
 * --check runs the same input through an edgenn session too and compares
 * the outputs (max |xnn - edgenn| / max |edgenn|; fails above 1e-3), which
 * proves the translation (pads, weight layouts, activations) is the same
 * network. The random weights make deep nets' outputs small or large, hence
 * the relative measure.
 *
 * MODEL is an edgenn zoo spec ("zoo:mobilenet_v2,width=0.35,res=96") or a
 * .enn file. Each timed xnn_invoke_runtime is measured separately; the
 * report has min / p50 / p90 / mean in milliseconds.
 */
#include <math.h>
#include <stdarg.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xnnpack.h>

#include "edgenn/edgenn.h"

#define MAX_BLOBS 4096

typedef struct tr {
  const enn_graph *g;
  xnn_subgraph_t sg;
  uint32_t *val;        /* per edgenn tensor: XNNPACK value id or XNN_INVALID_VALUE_ID */
  void *blobs[MAX_BLOBS]; /* static data copies kept alive for the runtime */
  int n_blobs;
  int32_t in_id, out_id;
} tr;

__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "xnn_bench: ");
  vfprintf(stderr, fmt, ap);
  fprintf(stderr, "\n");
  va_end(ap);
  return 1;
}

static void *keep(tr *t, size_t bytes) {
  if (t->n_blobs >= MAX_BLOBS) return NULL;
  void *p = calloc(1, bytes + 64);
  if (p) t->blobs[t->n_blobs++] = p;
  return p;
}

static int desc_of(const tr *t, int32_t id, enn_tensor_desc *d, const void **data) {
  return enn_graph_tensor(t->g, id, NULL, d, data) == ENN_OK ? 0 : 1;
}

/* An XNNPACK tensor value with the given dims (data NULL = internal). */
static int define_value(tr *t, size_t rank, const size_t *dims, const void *data, uint32_t ext, uint32_t flags,
                        uint32_t *out) {
  return xnn_define_tensor_value(t->sg, xnn_datatype_fp32, rank, dims, data, ext, flags, out) == xnn_status_success
             ? 0
             : 1;
}

static void dims_of(const enn_tensor_desc *d, size_t *dims) {
  for (int32_t i = 0; i < d->rank; i++) dims[i] = (size_t)d->dims[i];
}

/* The XNNPACK value of edgenn tensor id: a constant becomes a static value
 * on first use. */
static int value_of(tr *t, int32_t id, uint32_t *out) {
  if (t->val[id] != XNN_INVALID_VALUE_ID) {
    *out = t->val[id];
    return 0;
  }
  enn_tensor_desc d;
  const void *data = NULL;
  if (desc_of(t, id, &d, &data) || !data) return fail("tensor %d is used before it is defined", id);
  size_t dims[8];
  dims_of(&d, dims);
  if (define_value(t, (size_t)d.rank, dims, data, XNN_INVALID_VALUE_ID, 0, &t->val[id])) return 1;
  *out = t->val[id];
  return 0;
}

/* A new internal value shaped like edgenn tensor id (or the graph output). */
static int new_value(tr *t, int32_t id, uint32_t *out) {
  enn_tensor_desc d;
  if (desc_of(t, id, &d, NULL)) return 1;
  size_t dims[8];
  dims_of(&d, dims);
  const bool is_out = id == t->out_id;
  return define_value(t, (size_t)d.rank, dims, NULL, is_out ? 1 : XNN_INVALID_VALUE_ID,
                      is_out ? XNN_VALUE_FLAG_EXTERNAL_OUTPUT : 0, out);
}

static uint32_t scalar_const(tr *t, float v) {
  float *p = keep(t, sizeof(float));
  uint32_t id = XNN_INVALID_VALUE_ID;
  if (!p) return id;
  *p = v;
  const size_t one = 1;
  if (define_value(t, 1, &one, p, XNN_INVALID_VALUE_ID, 0, &id)) return XNN_INVALID_VALUE_ID;
  return id;
}

/* Output range of a fused activation; *post = true when it needs a node. */
static void act_range(const enn_attrs *a, float *lo, float *hi, bool *post) {
  *lo = -INFINITY;
  *hi = INFINITY;
  *post = false;
  switch (a->act) {
  case ENN_ACT_NONE: break;
  case ENN_ACT_RELU: *lo = 0; break;
  case ENN_ACT_RELU6: *lo = 0; *hi = 6; break;
  case ENN_ACT_CLIP: *lo = a->act_min; *hi = a->act_max; break;
  default: *post = true;
  }
}

/* Emits the activation `act` from value x into the edgenn output tensor. */
static int emit_act(tr *t, const enn_attrs *a, uint32_t x, int32_t out_tensor) {
  uint32_t y;
  if (new_value(t, out_tensor, &y)) return 1;
  enum xnn_status s = xnn_status_unsupported_parameter;
  switch (a->act) {
  case ENN_ACT_HARD_SWISH: s = xnn_define_hardswish(t->sg, x, y, 0); break;
  case ENN_ACT_SIGMOID: s = xnn_define_sigmoid(t->sg, x, y, 0); break;
  case ENN_ACT_LEAKY_RELU: s = xnn_define_leaky_relu(t->sg, a->alpha, x, y, 0); break;
  case ENN_ACT_SWISH: {
    uint32_t sg;
    if (new_value(t, out_tensor, &sg)) return 1;
    s = xnn_define_sigmoid(t->sg, x, sg, 0);
    if (s == xnn_status_success) s = xnn_define_multiply2(t->sg, -INFINITY, INFINITY, x, sg, y, 0);
    break;
  }
  case ENN_ACT_HARD_SIGMOID: {
    uint32_t m, ca = scalar_const(t, a->alpha), cb = scalar_const(t, a->beta);
    if (new_value(t, out_tensor, &m)) return 1;
    s = xnn_define_multiply2(t->sg, -INFINITY, INFINITY, x, ca, m, 0);
    if (s == xnn_status_success) s = xnn_define_add2(t->sg, 0.0f, 1.0f, m, cb, y, 0);
    break;
  }
  default: return fail("activation %d has no XNNPACK mapping here", a->act);
  }
  if (s != xnn_status_success) return fail("defining activation %d failed", a->act);
  t->val[out_tensor] = y;
  return 0;
}

/* Begin padding and the end padding that makes XNNPACK's output size equal
 * edgenn's: out = (in + pb + pe - ek) / s + 1. */
static void resolve_pads(const enn_attrs *a, int64_t in, int64_t out, int32_t k, int32_t s, int32_t d, int axis,
                         uint32_t *pb, uint32_t *pe) {
  const int64_t ek = (int64_t)d * (k - 1) + 1;
  int64_t total = (out - 1) * s + ek - in, b;
  if (total < 0) total = 0;
  if (a->pad_mode == ENN_PAD_SAME_UPPER) b = total / 2;
  else if (a->pad_mode == ENN_PAD_SAME_LOWER) b = (total + 1) / 2;
  else if (a->pad_mode == ENN_PAD_VALID) b = 0;
  else b = a->pads[axis];
  int64_t e = total - b;
  if (e < 0) e = 0;
  *pb = (uint32_t)b;
  *pe = (uint32_t)e;
}

static int tr_conv_fc(tr *t, enn_op op, const enn_attrs *a, const int32_t *ins, int32_t nin, int32_t out) {
  enn_tensor_desc xd, wd, od;
  const void *wdata = NULL, *bdata = NULL;
  if (desc_of(t, ins[0], &xd, NULL) || desc_of(t, ins[1], &wd, &wdata) || desc_of(t, out, &od, NULL)) return 1;
  if (!wdata) return fail("weights must be constant (tensor %d)", ins[1]);
  enn_tensor_desc bd;
  if (nin > 2 && (desc_of(t, ins[2], &bd, &bdata) || !bdata)) return fail("bias must be constant (tensor %d)", ins[2]);
  const int64_t nw = (int64_t)enn_tensor_desc_bytes(&wd) / 4, oc = wd.dims[0];
  float lo, hi;
  bool post;
  act_range(a, &lo, &hi, &post);
  /* hard-sigmoid folds into the weights: act(y) = clamp(alpha*y + beta, 0, 1) */
  const bool hsig = a->act == ENN_ACT_HARD_SIGMOID;
  const float scale = hsig ? a->alpha : 1.0f, shift = hsig ? a->beta : 0.0f;
  if (hsig) {
    lo = 0;
    hi = 1;
    post = false;
  }
  const bool dw = op == ENN_OP_CONV2D && a->groups > 1 && a->groups == xd.dims[3] && wd.dims[3] == 1;
  float *w = keep(t, (size_t)nw * 4), *b = keep(t, (size_t)oc * 4);
  if (!w || !b) return fail("out of memory");
  const float *ws = wdata;
  if (dw) { /* [C*m, kh, kw, 1] -> [1, kh, kw, C*m] */
    const int64_t khw = wd.dims[1] * wd.dims[2];
    for (int64_t o = 0; o < oc; o++)
      for (int64_t p = 0; p < khw; p++) w[p * oc + o] = ws[o * khw + p] * scale;
  } else {
    for (int64_t i = 0; i < nw; i++) w[i] = ws[i] * scale;
  }
  for (int64_t o = 0; o < oc; o++) b[o] = (bdata ? ((const float *)bdata)[o] : 0.0f) * scale + shift;
  uint32_t xv, wv, bv, yv;
  size_t wdims[4];
  dims_of(&wd, wdims);
  if (dw) {
    wdims[0] = 1;
    wdims[1] = (size_t)wd.dims[1];
    wdims[2] = (size_t)wd.dims[2];
    wdims[3] = (size_t)oc;
  }
  const size_t bdims = (size_t)oc;
  if (value_of(t, ins[0], &xv) || define_value(t, (size_t)wd.rank, wdims, w, XNN_INVALID_VALUE_ID, 0, &wv) ||
      define_value(t, 1, &bdims, b, XNN_INVALID_VALUE_ID, 0, &bv))
    return 1;
  if (post) {
    enn_tensor_desc tmp = od;
    size_t dims[8];
    dims_of(&tmp, dims);
    if (define_value(t, (size_t)tmp.rank, dims, NULL, XNN_INVALID_VALUE_ID, 0, &yv)) return 1;
  } else if (new_value(t, out, &yv)) {
    return 1;
  }
  enum xnn_status s;
  if (op == ENN_OP_FULLY_CONNECTED) {
    s = xnn_define_fully_connected(t->sg, lo, hi, xv, wv, bv, yv, 0);
  } else {
    const int32_t kh = (int32_t)wd.dims[1], kw = (int32_t)wd.dims[2];
    uint32_t pt, pb, pl, pr;
    resolve_pads(a, xd.dims[1], od.dims[1], kh, a->stride[0], a->dilation[0], 0, &pt, &pb);
    resolve_pads(a, xd.dims[2], od.dims[2], kw, a->stride[1], a->dilation[1], 1, &pl, &pr);
    if (dw)
      s = xnn_define_depthwise_convolution_2d(t->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, (uint32_t)a->stride[0],
                                              (uint32_t)a->stride[1], (uint32_t)a->dilation[0],
                                              (uint32_t)a->dilation[1], (uint32_t)(oc / xd.dims[3]),
                                              (size_t)xd.dims[3], lo, hi, xv, wv, bv, yv, 0);
    else
      s = xnn_define_convolution_2d(t->sg, pt, pr, pb, pl, (uint32_t)kh, (uint32_t)kw, (uint32_t)a->stride[0],
                                    (uint32_t)a->stride[1], (uint32_t)a->dilation[0], (uint32_t)a->dilation[1],
                                    (uint32_t)a->groups, (size_t)wd.dims[3], (size_t)(oc / a->groups), lo, hi, xv,
                                    wv, bv, yv, 0);
  }
  if (s != xnn_status_success) return fail("defining %s failed (status %d)", enn_op_name(op), (int)s);
  if (post) return emit_act(t, a, yv, out);
  t->val[out] = yv;
  return 0;
}

/* Elementwise binary ops, pools, reshapes, softmax, pad, activations. */
static int tr_other(tr *t, enn_op op, const enn_attrs *a, const int32_t *ins, int32_t nin, int32_t out) {
  enn_tensor_desc xd, od;
  if (desc_of(t, ins[0], &xd, NULL) || desc_of(t, out, &od, NULL)) return 1;
  uint32_t x, x2 = XNN_INVALID_VALUE_ID, y;
  if (value_of(t, ins[0], &x) || (nin > 1 && value_of(t, ins[1], &x2))) return 1;
  float lo, hi;
  bool post = false;
  act_range(a, &lo, &hi, &post);
  if (!(enn_op_flags(op) & ENN_OPF_FUSE_ACT)) {
    lo = -INFINITY;
    hi = INFINITY;
    post = false;
  }
  size_t dims[8];
  dims_of(&od, dims);
  if (post) {
    if (define_value(t, (size_t)od.rank, dims, NULL, XNN_INVALID_VALUE_ID, 0, &y)) return 1;
  } else if (new_value(t, out, &y)) {
    return 1;
  }
  enum xnn_status s = xnn_status_success;
  uint32_t pt = 0, pb = 0, pl = 0, pr = 0;
  switch (op) {
  case ENN_OP_ADD: s = xnn_define_add2(t->sg, lo, hi, x, x2, y, 0); break;
  case ENN_OP_SUB: s = xnn_define_subtract(t->sg, lo, hi, x, x2, y, 0); break;
  case ENN_OP_MUL: s = xnn_define_multiply2(t->sg, lo, hi, x, x2, y, 0); break;
  case ENN_OP_RELU: s = xnn_define_clamp(t->sg, 0.0f, INFINITY, x, y, 0); break;
  case ENN_OP_CLIP: s = xnn_define_clamp(t->sg, a->act_min, a->act_max, x, y, 0); break;
  case ENN_OP_HARD_SWISH: s = xnn_define_hardswish(t->sg, x, y, 0); break;
  case ENN_OP_SIGMOID: s = xnn_define_sigmoid(t->sg, x, y, 0); break;
  case ENN_OP_LEAKY_RELU: s = xnn_define_leaky_relu(t->sg, a->alpha, x, y, 0); break;
  case ENN_OP_SOFTMAX: s = xnn_define_softmax(t->sg, x, y, 0); break;
  case ENN_OP_RESHAPE:
  case ENN_OP_FLATTEN:
  case ENN_OP_SQUEEZE:
  case ENN_OP_UNSQUEEZE:
  case ENN_OP_IDENTITY: s = xnn_define_static_reshape(t->sg, (size_t)od.rank, dims, x, y, 0); break;
  case ENN_OP_MAX_POOL:
  case ENN_OP_AVG_POOL:
    resolve_pads(a, xd.dims[1], od.dims[1], a->kernel[0], a->stride[0], 1, 0, &pt, &pb);
    resolve_pads(a, xd.dims[2], od.dims[2], a->kernel[1], a->stride[1], 1, 1, &pl, &pr);
    if (op == ENN_OP_MAX_POOL)
      s = xnn_define_max_pooling_2d(t->sg, pt, pr, pb, pl, (uint32_t)a->kernel[0], (uint32_t)a->kernel[1],
                                    (uint32_t)a->stride[0], (uint32_t)a->stride[1], 1, 1, lo, hi, x, y, 0);
    else
      s = xnn_define_average_pooling_2d(t->sg, pt, pr, pb, pl, (uint32_t)a->kernel[0], (uint32_t)a->kernel[1],
                                        (uint32_t)a->stride[0], (uint32_t)a->stride[1], lo, hi, x, y, 0);
    break;
  case ENN_OP_GLOBAL_AVG_POOL:
    if (od.rank == 4) {
      s = xnn_define_global_average_pooling_2d(t->sg, lo, hi, x, y, 0);
    } else { /* XNNPACK's output is [N,1,1,C]: reshape to edgenn's */
      size_t d4[4] = {(size_t)xd.dims[0], 1, 1, (size_t)xd.dims[3]};
      uint32_t tmp;
      if (define_value(t, 4, d4, NULL, XNN_INVALID_VALUE_ID, 0, &tmp)) return 1;
      s = xnn_define_global_average_pooling_2d(t->sg, lo, hi, x, tmp, 0);
      if (s == xnn_status_success) s = xnn_define_static_reshape(t->sg, (size_t)od.rank, dims, tmp, y, 0);
    }
    break;
  case ENN_OP_PAD: {
    size_t pre[8], post_p[8];
    for (int32_t i = 0; i < xd.rank; i++) {
      pre[i] = (size_t)a->pad_begin[i];
      post_p[i] = (size_t)a->pad_end[i];
    }
    s = xnn_define_static_constant_pad(t->sg, pre, post_p, a->value, x, y, 0);
    break;
  }
  case ENN_OP_HARD_SIGMOID:
  case ENN_OP_SWISH: {
    enn_attrs aa = *a;
    aa.act = op == ENN_OP_SWISH ? ENN_ACT_SWISH : ENN_ACT_HARD_SIGMOID;
    return emit_act(t, &aa, x, out); /* y stays unused */
  }
  default: return fail("operator %s (tensor %d) has no XNNPACK mapping in this driver", enn_op_name(op), out);
  }
  if (s != xnn_status_success) return fail("defining %s failed (status %d)", enn_op_name(op), (int)s);
  if (post) return emit_act(t, a, y, out);
  t->val[out] = y;
  return 0;
}

static int translate(tr *t) {
  const enn_graph *g = t->g;
  if (enn_graph_num_inputs(g) != 1 || enn_graph_num_outputs(g) != 1)
    return fail("only single-input single-output models are mapped");
  t->in_id = enn_graph_input(g, 0);
  t->out_id = enn_graph_output(g, 0);
  const int32_t nt = enn_graph_num_tensors(g);
  t->val = malloc(sizeof(uint32_t) * (size_t)nt);
  for (int32_t i = 0; i < nt; i++) t->val[i] = XNN_INVALID_VALUE_ID;
  enn_tensor_desc d;
  if (desc_of(t, t->in_id, &d, NULL)) return 1;
  size_t dims[8];
  dims_of(&d, dims);
  if (define_value(t, (size_t)d.rank, dims, NULL, 0, XNN_VALUE_FLAG_EXTERNAL_INPUT, &t->val[t->in_id])) return 1;
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    const enn_attrs *a;
    const int32_t *ins, *outs;
    int32_t nin, nout;
    if (enn_graph_node(g, i, &op, NULL, &a, &ins, &nin, &outs, &nout) != ENN_OK) return 1;
    if (nout != 1) return fail("%s: multi-output nodes are not mapped (node %d)", enn_op_name(op), i);
    const int rc = (op == ENN_OP_CONV2D || op == ENN_OP_FULLY_CONNECTED) ? tr_conv_fc(t, op, a, ins, nin, outs[0])
                                                                         : tr_other(t, op, a, ins, nin, outs[0]);
    if (rc) return rc;
  }
  return 0;
}

/* Runs in[] through XNNPACK and an edgenn session; returns the relative
 * error of XNNPACK's output, or -1 (message printed) on failure. */
static double compare_with_edgenn(const enn_graph *g, xnn_runtime_t rt, const float *in, size_t in_n, const float *out,
                                  size_t out_n) {
  enn_session *s = NULL;
  if (enn_session_create(g, NULL, &s) != ENN_OK) return fail("edgenn session: %s", enn_last_error()), -1;
  memcpy(enn_session_input_buffer(s, 0), in, in_n * sizeof(float));
  if (enn_session_run(s) != ENN_OK || xnn_invoke_runtime(rt) != xnn_status_success) {
    enn_session_destroy(s);
    return fail("check run failed"), -1;
  }
  const float *ref = enn_session_output_buffer(s, 0);
  double maxref = 0, maxdiff = 0;
  for (size_t i = 0; i < out_n; i++) {
    const double d = fabs((double)out[i] - (double)ref[i]), r = fabs((double)ref[i]);
    if (r > maxref) maxref = r;
    if (!(d <= maxdiff)) maxdiff = d; /* NaN propagates */
  }
  enn_session_destroy(s);
  const double err = maxref > 0 ? maxdiff / maxref : maxdiff;
  if (!(err <= 1e-3)) fprintf(stderr, "xnn_bench: output differs from edgenn: relative error %.3g\n", err);
  return err;
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median_of(double *v, int n) {
  qsort(v, (size_t)n, sizeof(double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* --duel: see the header. Returns 0, or 1 after a failure (printed). */
static int duel(const enn_graph *g, xnn_runtime_t rt, const float *in, size_t in_n, const char *spec, int threads,
                int warmup, int iters, int block, int json) {
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  enn_session *s = NULL;
  if (enn_session_create(g, &o, &s) != ENN_OK) return fail("edgenn session: %s", enn_last_error());
  memcpy(enn_session_input_buffer(s, 0), in, in_n * sizeof(float));
  const int nblocks = (iters + block - 1) / block;
  double *t[2], *bm[2], *tmp = malloc(sizeof(double) * (size_t)block);
  int n[2] = {0, 0};
  for (int e = 0; e < 2; e++) {
    t[e] = malloc(sizeof(double) * (size_t)nblocks * (size_t)block);
    bm[e] = malloc(sizeof(double) * (size_t)nblocks);
  }
  const struct timespec gap = {0, threads > 1 ? 60000000L : 3000000L};
  int rc = 0;
  for (int i = 0; i < warmup && !rc; i++)
    rc = enn_session_run(s) != ENN_OK || xnn_invoke_runtime(rt) != xnn_status_success;
  for (int b = 0; b < nblocks && !rc; b++)
    for (int e = 0; e < 2 && !rc; e++) { /* e = 0: edgenn, 1: XNNPACK */
      nanosleep(&gap, NULL);
      rc = e ? xnn_invoke_runtime(rt) != xnn_status_success : enn_session_run(s) != ENN_OK;
      for (int i = 0; i < block && !rc; i++) {
        const double t0 = now_ms();
        rc = e ? xnn_invoke_runtime(rt) != xnn_status_success : enn_session_run(s) != ENN_OK;
        tmp[i] = now_ms() - t0;
        t[e][n[e]++] = tmp[i];
      }
      bm[e][b] = median_of(tmp, block);
    }
  if (rc) fail("a run failed");
  else {
    double *ratio = malloc(sizeof(double) * (size_t)nblocks);
    for (int b = 0; b < nblocks; b++) ratio[b] = bm[0][b] / bm[1][b];
    const double rmed = median_of(ratio, nblocks);
    const double p50e = median_of(t[0], n[0]), p50x = median_of(t[1], n[1]);
    if (json)
      printf("{\"engine\": \"duel\", \"model\": \"%s\", \"threads\": %d, \"iters\": %d, \"block\": %d, "
             "\"edgenn\": {\"p50\": %.4f, \"min\": %.4f}, \"xnnpack\": {\"p50\": %.4f, \"min\": %.4f}, "
             "\"p50_ratio\": %.4f, \"block_ratio_median\": %.4f}\n",
             spec, threads, n[0], block, p50e, t[0][0], p50x, t[1][0], p50e / p50x, rmed);
    else
      printf("duel %s, %d thread(s), %d runs each in blocks of %d: edgenn p50 %.3f ms (min %.3f), xnnpack p50 %.3f ms "
             "(min %.3f); edgenn/xnnpack p50 ratio %.3f, median block ratio %.3f\n",
             spec, threads, n[0], block, p50e, t[0][0], p50x, t[1][0], p50e / p50x, rmed);
    free(ratio);
  }
  for (int e = 0; e < 2; e++) free(t[e]), free(bm[e]);
  free(tmp);
  enn_session_destroy(s);
  return rc;
}

/* The plain run: XNNPACK alone, warmup then iters timed runs. */
static int solo(const enn_graph *g, xnn_runtime_t rt, const float *outb, size_t out_n, const char *spec, int threads,
                int warmup, int iters, int json, int check, double check_err) {
  for (int i = 0; i < warmup; i++) xnn_invoke_runtime(rt);
  double *ms = malloc(sizeof(double) * (size_t)iters), total = 0;
  for (int i = 0; i < iters; i++) {
    double t0 = now_ms();
    if (xnn_invoke_runtime(rt) != xnn_status_success) {
      free(ms);
      return fail("xnn_invoke_runtime failed");
    }
    ms[i] = now_ms() - t0;
    total += ms[i];
  }
  int finite = 1;
  for (size_t i = 0; i < out_n; i++)
    if (!isfinite(outb[i])) finite = 0;
  qsort(ms, (size_t)iters, sizeof(double), cmp_double);
  const double p50 = ms[(iters - 1) / 2], p90 = ms[(int)(0.9 * (iters - 1))], mean = total / iters;
  if (json)
    printf("{\"engine\": \"xnnpack\", \"model\": \"%s\", \"threads\": %d, \"warmup\": %d, \"iters\": %d, "
           "\"nodes\": %d, \"output_finite\": %s, \"check_rel_err\": %.3g, \"latency_ms\": {\"min\": %.4f, \"p50\": %.4f, \"p90\": %.4f, "
           "\"mean\": %.4f}}\n",
           spec, threads, warmup, iters, enn_graph_num_nodes(g), finite ? "true" : "false", check_err, ms[0], p50, p90, mean);
  else
    printf("xnnpack %s, %d thread(s): p50 %.3f ms, min %.3f, p90 %.3f, mean %.3f (%d runs)%s\n", spec, threads, p50,
           ms[0], p90, mean, iters, check ? " [output matches edgenn]" : "");
  free(ms);
  return finite && (!check || check_err <= 1e-3) ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *spec = NULL;
  int threads = 1, warmup = 5, iters = 50, json = 0, check = 0, duel_mode = 0, block = 10;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--json")) json = 1;
    else if (!strcmp(argv[i], "--check")) check = 1;
    else if (!strcmp(argv[i], "--duel")) duel_mode = 1;
    else if (!strcmp(argv[i], "--block") && i + 1 < argc) block = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--iters") && i + 1 < argc) iters = atoi(argv[++i]);
    else if (argv[i][0] != '-' && !spec) spec = argv[i];
    else {
      fprintf(stderr, "usage: xnn_bench MODEL [--threads N] [--warmup N] [--iters N] [--json] [--check] [--duel [--block B]]\n");
      return 2;
    }
  }
  if (!spec || threads < 1 || threads > 256 || warmup < 0 || iters < 1 || block < 1 || block > 100000) {
    fprintf(stderr, "usage: xnn_bench MODEL [--threads N] [--warmup N] [--iters N] [--json] [--check] [--duel [--block B]]\n");
    return 2;
  }
  enn_graph *g = NULL;
  enn_status st = strncmp(spec, "zoo:", 4) == 0 ? enn_zoo_build_spec(spec, NULL, &g) : enn_model_load(spec, NULL, &g);
  if (st == ENN_OK) st = enn_graph_optimize(g, 1);
  if (st != ENN_OK) return fail("cannot build '%s': %s", spec, enn_last_error());
  if (xnn_initialize(NULL) != xnn_status_success) return fail("xnn_initialize failed");
  tr t;
  memset(&t, 0, sizeof t);
  t.g = g;
  if (xnn_create_subgraph(2, 0, &t.sg) != xnn_status_success) return fail("xnn_create_subgraph failed");
  if (translate(&t)) return 1;
  pthreadpool_t pool = threads > 1 ? pthreadpool_create((size_t)threads) : NULL;
  xnn_runtime_t rt = NULL;
  if (xnn_create_runtime_v2(t.sg, pool, 0, &rt) != xnn_status_success)
    return fail("xnn_create_runtime_v2 failed for %s", spec);
  enn_tensor_desc id, od;
  enn_graph_tensor(g, t.in_id, NULL, &id, NULL);
  enn_graph_tensor(g, t.out_id, NULL, &od, NULL);
  const size_t in_n = enn_tensor_desc_bytes(&id) / 4, out_n = enn_tensor_desc_bytes(&od) / 4;
  float *in = malloc(in_n * sizeof(float) + 64), *outb = malloc(out_n * sizeof(float) + 64);
  unsigned long long seed = 88172645463325252ull;
  for (size_t i = 0; i < in_n; i++) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    in[i] = (float)((double)(seed >> 11) / 9007199254740992.0 * 2.0 - 1.0);
  }
  const struct xnn_external_value ext[2] = {{0, in}, {1, outb}};
  if (xnn_setup_runtime(rt, 2, ext) != xnn_status_success) return fail("xnn_setup_runtime failed");
  double check_err = -1;
  if (check && (check_err = compare_with_edgenn(g, rt, in, in_n, outb, out_n)) < 0) return 1;
  int rc;
  if (duel_mode) rc = duel(g, rt, in, in_n, spec, threads, warmup, iters, block, json);
  else rc = solo(g, rt, outb, out_n, spec, threads, warmup, iters, json, check, check_err);
  xnn_delete_runtime(rt);
  xnn_delete_subgraph(t.sg);
  if (pool) pthreadpool_destroy(pool);
  for (int i = 0; i < t.n_blobs; i++) free(t.blobs[i]);
  free(t.val);
  free(in);
  free(outb);
  enn_graph_destroy(g);
  return rc;
}
