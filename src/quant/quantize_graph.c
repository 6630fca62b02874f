/*
 * The int8 graph builder of the post-training quantiser: walks the
 * calibrated float graph in order and emits each node into a new graph,
 * in int8 when edgenn has an int8 form of it, in float otherwise.
 *
 * Every float tensor t may have two versions in the new graph: fmap[t]
 * (float32) and qmap[t] (int8), made on demand: a Quantize node (the
 * tensor's observer parameters) when an int8 node reads a float-only
 * tensor, a Dequantize node when a float node (or a graph output) reads an
 * int8-only one. The graph's inputs and outputs therefore stay float32.
 *
 * Per operator (docs/quantization.md, "Post-training quantisation"):
 *   Conv2D, FullyConnected  constant weights -> int8 symmetric per output
 *                           channel (or per tensor), s = max|w| / 127;
 *                           bias -> int32 round(b / (s_x * s_w[c])),
 *                           optionally bias-corrected first; output
 *                           parameters from its observer. The fused
 *                           activation is a clamp (enn_quant_unfuse split
 *                           any other off before calibration).
 *   Add, Sub, Mul           int8 inputs (a constant operand is quantised
 *                           per tensor over its min / max), observed output.
 *   PRelu                   constant slope quantised per tensor.
 *   MaxPool, AvgPool,       output parameters = the input's (the int8
 *   GlobalMaxPool           kernels never rescale).
 *   GlobalAvgPool, ReduceMean, Concat, Relu, Clip, LeakyRelu, HardSigmoid,
 *   Swish, HardSwish        observed output parameters (HardSwish's output
 *                           scale is raised to in_scale / 128 if needed).
 *   Sigmoid                 fixed output 1/256, zero point -128 (TFLite).
 *   Tanh                    fixed output 1/128, zero point 0.
 *   Softmax                 fixed output 1/256, zero point -128.
 *   views, Split, Slice,    int8 when their input already is (they move
 *   Transpose, Pad,         bytes and keep the input's parameters), float
 *   nearest Resize          otherwise.
 * Anything else stays float, and so does every node in the caller's
 * keep-float set (mixed precision, enn_qbuild): its Conv2D /
 * FullyConnected weights and bias may then be stored as F16 (the FP16
 * weights-only path: f32 arithmetic; a tensor with a value f16 cannot hold
 * stays f32). Bias correction (options.bias_correct) uses
 * the calibration means E[x] of each Conv2D / FullyConnected input: the
 * expected output shift of the quantised weights, mean over the output
 * positions of conv(dequant(w_q) - w, E[x]) per output channel, is
 * subtracted from the float bias before it is quantised.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops/op_util.h"
#include "quant/quant_internal.h"
#include "quant/requant.h"

typedef struct qb {
  const enn_qcal *c;
  const enn_graph *g;
  enn_graph *q;
  const enn_quantize_options *o;
  const enn_allocator *a;
  const enn_qbuild *cfg; /* never NULL here */
  int32_t *fmap, *qmap;
  int32_t *hmap;   /* F16 copies of kept-float weights (-1 = none yet) */
  int32_t node;    /* index of the node being emitted */
  int32_t n_q8;    /* int8 compute nodes emitted */
  int32_t n_float; /* float compute nodes kept */
  char *notes;     /* "Op 'name', ..." of the float nodes */
  size_t notes_len, notes_cap;
} qb;

/* ---------------------------------------------------------------- helpers */
static enn_status note_float(qb *b, const enn_node *n) {
  char item[320];
  int len = snprintf(item, sizeof item, "%s%s '%s'", b->notes_len ? ", " : "", enn_op_name(n->op), n->name);
  if (len < 0) return ENN_OK;
  size_t need = b->notes_len + (size_t)len + 1;
  if (need > b->notes_cap) {
    size_t cap = need * 2 + 256;
    char *p = enn_alloc(b->a, cap);
    if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    if (b->notes) memcpy(p, b->notes, b->notes_len + 1);
    enn_free(b->a, b->notes);
    b->notes = p;
    b->notes_cap = cap;
  }
  memcpy(b->notes + b->notes_len, item, (size_t)len + 1);
  b->notes_len += (size_t)len;
  b->n_float++;
  return ENN_OK;
}

static void act_params(const qb *b, int32_t t, float *scale, int32_t *zp) {
  double lo = 0.0, hi = 0.0;
  if (b->c->observed[t]) enn_qobs_range(&b->c->obs[t], b->o->method, (double)b->o->percentile, &lo, &hi);
  enn_qparams_from_range(lo, hi, scale, zp);
}

static enn_status set_qparams(qb *b, int32_t id, float scale, int32_t zp) {
  enn_quant qp = {-1, 1, &scale, &zp};
  return enn_graph_set_quant(b->q, id, &qp);
}

static const enn_quant *quant_of(const qb *b, int32_t id) { return &b->q->tensors[id].desc.quant; }

/* The float version of old tensor t. */
static enn_status get_f(qb *b, int32_t t, int32_t *out) {
  if (b->fmap[t] >= 0) {
    *out = b->fmap[t];
    return ENN_OK;
  }
  const enn_tensor *tt = &b->g->tensors[t];
  enn_status st;
  if (tt->kind == ENN_TK_CONST) {
    if ((st = enn_graph_add_constant(b->q, tt->name, &tt->desc, tt->data, tt->flags & ~ENN_CONST_BORROW,
                                     &b->fmap[t])))
      return st;
  } else if (b->qmap[t] >= 0) {
    char name[300];
    if (enn_ir_is_output(b->g, t)) snprintf(name, sizeof name, "%s", tt->name);
    else snprintf(name, sizeof name, "%s/dequant", tt->name);
    const int32_t in = b->qmap[t];
    if ((st = enn_graph_add_node(b->q, ENN_OP_DEQUANTIZE, name, &in, 1, NULL, 1, &b->fmap[t]))) return st;
  } else
    return enn_err(ENN_ERR_INTERNAL, "quantiser: tensor '%s' has no value yet", tt->name);
  *out = b->fmap[t];
  return ENN_OK;
}

/* Per-tensor asymmetric int8 copy of a float constant (min / max). */
static enn_status quantize_const(qb *b, int32_t t, int32_t *out) {
  const enn_tensor *tt = &b->g->tensors[t];
  const int64_t n = enn_tensor_desc_numel(&tt->desc);
  const float *x = tt->data;
  double lo = 0.0, hi = 0.0;
  for (int64_t i = 0; i < n; i++) {
    if (!isfinite(x[i])) return enn_err(ENN_ERR_INVALID_ARG, "constant '%s' holds a non-finite value", tt->name);
    lo = fmin(lo, (double)x[i]);
    hi = fmax(hi, (double)x[i]);
  }
  float s;
  int32_t zp;
  enn_qparams_from_range(lo, hi, &s, &zp);
  enn_tensor_desc d = tt->desc;
  d.dtype = ENN_DTYPE_I8;
  d.quant.axis = -1;
  d.quant.count = 1;
  d.quant.scale = &s;
  d.quant.zero_point = &zp;
  int32_t id;
  enn_status st = enn_graph_add_constant(b->q, tt->name, &d, NULL, ENN_CONST_COPY, &id);
  if (st) return st;
  int8_t *qd = enn_graph_constant_data(b->q, id);
  for (int64_t i = 0; i < n; i++) qd[i] = (int8_t)enn_quantize_f32(x[i], s, zp, -128, 127);
  *out = b->qmap[t] = id;
  return ENN_OK;
}

/* The int8 version of old tensor t. */
static enn_status get_q(qb *b, int32_t t, int32_t *out) {
  if (b->qmap[t] >= 0) {
    *out = b->qmap[t];
    return ENN_OK;
  }
  const enn_tensor *tt = &b->g->tensors[t];
  if (tt->kind == ENN_TK_CONST) return quantize_const(b, t, out);
  int32_t f;
  enn_status st = get_f(b, t, &f);
  if (st) return st;
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_QUANTIZE);
  at.dtype = ENN_DTYPE_I8;
  char name[300];
  snprintf(name, sizeof name, "%s/quant", tt->name);
  int32_t id;
  if ((st = enn_graph_add_node(b->q, ENN_OP_QUANTIZE, name, &f, 1, &at, 1, &id))) return st;
  float s;
  int32_t zp;
  act_params(b, t, &s, &zp);
  if ((st = set_qparams(b, id, s, zp))) return st;
  *out = b->qmap[t] = id;
  return ENN_OK;
}

/* Name for an int8 node: a graph output's name is left to its Dequantize. */
static const char *q8_name(const qb *b, const enn_node *n, char *buf, size_t cap) {
  for (int32_t k = 0; k < n->n_outputs; k++)
    if (enn_ir_is_output(b->g, n->outputs[k])) {
      snprintf(buf, cap, "%s/int8", n->name);
      return buf;
    }
  return n->name;
}

static bool is_clamp_act(int32_t act) {
  return act == ENN_ACT_NONE || act == ENN_ACT_RELU || act == ENN_ACT_RELU6 || act == ENN_ACT_CLIP;
}

static bool is_f32_const(const enn_graph *g, int32_t t) {
  return g->tensors[t].kind == ENN_TK_CONST && g->tensors[t].desc.dtype == ENN_DTYPE_F32 && g->tensors[t].data;
}

/* ------------------------------------------------------ bias correction */
/* Expected output shift per channel of a conv whose weights w (OHWI) are
 * replaced by wq (dequantised), on the input mean map m [N,H,W,C]. */
static enn_status conv_shift(const enn_node *n, const enn_tensor_desc *x, const enn_tensor_desc *y,
                             const enn_tensor_desc *wd, const float *w, const float *wq, const double *m,
                             double *shift) {
  const int64_t N = x->dims[0], H = x->dims[1], W = x->dims[2], C = x->dims[3];
  const int64_t O = wd->dims[0], KH = wd->dims[1], KW = wd->dims[2], ICG = wd->dims[3];
  const int64_t OH = y->dims[1], OW = y->dims[2];
  const int64_t G = n->attrs.groups > 0 ? n->attrs.groups : 1, OCG = O / G;
  int32_t pads[4];
  int64_t oh2, ow2;
  enn_status st = enn_window_2d(n, H, W, KH, KW, false, pads, &oh2, &ow2);
  if (st) return st;
  for (int64_t o = 0; o < O; o++) shift[o] = 0.0;
  for (int64_t b = 0; b < N; b++)
    for (int64_t oy = 0; oy < OH; oy++)
      for (int64_t ox = 0; ox < OW; ox++)
        for (int64_t o = 0; o < O; o++) {
          const int64_t g0 = (o / OCG) * ICG;
          double acc = 0.0;
          for (int64_t ky = 0; ky < KH; ky++) {
            const int64_t iy = oy * n->attrs.stride[0] - pads[0] + ky * n->attrs.dilation[0];
            if (iy < 0 || iy >= H) continue;
            for (int64_t kx = 0; kx < KW; kx++) {
              const int64_t ix = ox * n->attrs.stride[1] - pads[1] + kx * n->attrs.dilation[1];
              if (ix < 0 || ix >= W) continue;
              const double *mp = m + ((b * H + iy) * W + ix) * C + g0;
              const int64_t wo = ((o * KH + ky) * KW + kx) * ICG;
              for (int64_t i = 0; i < ICG; i++) acc += ((double)wq[wo + i] - (double)w[wo + i]) * mp[i];
            }
          }
          shift[o] += acc;
        }
  const double inv = 1.0 / (double)(N * OH * OW);
  for (int64_t o = 0; o < O; o++) shift[o] *= inv;
  return ENN_OK;
}

static void fc_shift(const enn_tensor_desc *x, const enn_tensor_desc *wd, const float *w, const float *wq,
                     const double *m, double *shift) {
  const int64_t K = wd->dims[1], O = wd->dims[0];
  const int64_t rows = enn_tensor_desc_numel(x) / K;
  for (int64_t o = 0; o < O; o++) {
    double acc = 0.0;
    for (int64_t r = 0; r < rows; r++)
      for (int64_t k = 0; k < K; k++) acc += ((double)wq[o * K + k] - (double)w[o * K + k]) * m[r * K + k];
    shift[o] = acc / (double)rows;
  }
}

/* ----------------------------------------------------------- operators */
static enn_status emit_linear(qb *b, const enn_node *n) {
  const enn_graph *g = b->g;
  const int32_t xo = n->inputs[0], wo = n->inputs[1], bo = n->n_inputs > 2 ? n->inputs[2] : -1;
  const enn_tensor_desc *wd = &g->tensors[wo].desc;
  const int64_t O = wd->dims[0], inner = enn_tensor_desc_numel(wd) / O;
  const float *w = g->tensors[wo].data;
  const float *bias = bo >= 0 ? g->tensors[bo].data : NULL;
  enn_status st;
  int32_t x;
  if ((st = get_q(b, xo, &x))) return st;
  const float sx = quant_of(b, x)->scale[0];
  const int32_t per_ch = b->o->per_channel ? 1 : 0;
  const size_t nw = (size_t)(O * inner);
  float *scales = enn_alloc(b->a, (size_t)O * sizeof(float) + 1);
  int32_t *zps = enn_alloc(b->a, (size_t)O * sizeof(int32_t) + 1);
  int32_t *qbias = enn_alloc(b->a, (size_t)O * sizeof(int32_t) + 1);
  double *fb = enn_alloc(b->a, (size_t)O * sizeof(double) + 1);
  int8_t *qw = enn_alloc(b->a, nw + 1);
  float *wq = NULL;
  double *shift = NULL;
  if (!scales || !zps || !qbias || !fb || !qw) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (quantising '%s')", n->name);
    goto done;
  }
  enn_quantize_weights_sym(w, O, inner, per_ch, scales, qw);
  for (int64_t o = 0; o < O; o++) {
    fb[o] = bias ? (double)bias[o] : 0.0;
    zps[o] = 0;
  }
  const double *mean = b->c->mean ? b->c->mean[xo] : NULL;
  if (b->o->bias_correct && mean) {
    wq = enn_alloc(b->a, nw * sizeof(float) + 1);
    shift = enn_alloc(b->a, (size_t)O * sizeof(double) + 1);
    if (!wq || !shift) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (bias correction of '%s')", n->name);
      goto done;
    }
    for (int64_t o = 0; o < O; o++)
      for (int64_t i = 0; i < inner; i++)
        wq[o * inner + i] = (float)qw[o * inner + i] * scales[per_ch ? o : 0];
    if (n->op == ENN_OP_CONV2D) {
      const int32_t yo = n->outputs[0];
      if ((st = conv_shift(n, &g->tensors[xo].desc, &g->tensors[yo].desc, wd, w, wq, mean, shift))) goto done;
    } else
      fc_shift(&g->tensors[xo].desc, wd, w, wq, mean, shift);
    for (int64_t o = 0; o < O; o++) fb[o] -= shift[o];
  }
  for (int64_t o = 0; o < O; o++) {
    const double s = (double)sx * (double)scales[per_ch ? o : 0];
    double r = round(fb[o] / s);
    if (!(r >= -2147483647.0)) r = -2147483647.0; /* also NaN */
    if (r > 2147483647.0) r = 2147483647.0;
    qbias[o] = (int32_t)r;
  }
  enn_tensor_desc d = *wd;
  d.dtype = ENN_DTYPE_I8;
  d.quant.axis = per_ch ? 0 : -1;
  d.quant.count = per_ch ? (uint32_t)O : 1u;
  d.quant.scale = scales;
  d.quant.zero_point = zps;
  int32_t in[3] = {x, -1, -1};
  if ((st = enn_graph_add_constant(b->q, g->tensors[wo].name, &d, qw, ENN_CONST_COPY, &in[1]))) goto done;
  /* The bias's parameters (scale s_x * s_w[c], zero point 0) are implied
   * and unused by the kernels: not stored, which keeps the file small. */
  int64_t bd[1] = {O};
  enn_tensor_desc_init(&d, ENN_DTYPE_I32, 1, bd);
  char bname[300];
  if (bo >= 0) snprintf(bname, sizeof bname, "%s", g->tensors[bo].name);
  else snprintf(bname, sizeof bname, "%s/bias", n->name);
  if ((st = enn_graph_add_constant(b->q, bname, &d, qbias, ENN_CONST_COPY, &in[2]))) goto done;
  char nb[300];
  int32_t y;
  if ((st = enn_graph_add_node(b->q, n->op, q8_name(b, n, nb, sizeof nb), in, 3, &n->attrs, 1, &y))) goto done;
  float s;
  int32_t zp;
  act_params(b, n->outputs[0], &s, &zp);
  if ((st = set_qparams(b, y, s, zp))) goto done;
  b->qmap[n->outputs[0]] = y;
  b->n_q8++;
  if (b->cfg->int8_nodes) b->cfg->int8_nodes[b->node] = 1;
done:
  enn_free(b->a, scales);
  enn_free(b->a, zps);
  enn_free(b->a, qbias);
  enn_free(b->a, fb);
  enn_free(b->a, qw);
  enn_free(b->a, wq);
  enn_free(b->a, shift);
  return st;
}

/* How node n is emitted. */
typedef enum qkind {
  QK_FLOAT = 0,
  QK_LINEAR,   /* conv / fc */
  QK_OBSERVED, /* int8 inputs, output parameters from the observer */
  QK_FIXED,    /* int8 inputs, fixed output parameters */
  QK_INHERIT,  /* int8 inputs, output parameters inferred (= input's) */
  QK_MOVE      /* int8 only if input 0 already is; inferred parameters */
} qkind;

static qkind classify(const qb *b, const enn_node *n, float *fs, int32_t *fz) {
  const enn_graph *g = b->g;
  for (int32_t i = 0; i < n->n_inputs; i++) {
    const enn_tensor *t = &g->tensors[n->inputs[i]];
    if (t->desc.dtype != ENN_DTYPE_F32) return QK_FLOAT;
    if (t->kind != ENN_TK_CONST && !b->c->observed[n->inputs[i]]) return QK_FLOAT;
  }
  for (int32_t k = 0; k < n->n_outputs; k++)
    if (g->tensors[n->outputs[k]].desc.dtype != ENN_DTYPE_F32) return QK_FLOAT;
  const bool clamp = is_clamp_act(n->attrs.act);
  switch (n->op) {
  case ENN_OP_CONV2D:
  case ENN_OP_FULLY_CONNECTED:
    if (!clamp || !is_f32_const(g, n->inputs[1]) || (n->n_inputs > 2 && !is_f32_const(g, n->inputs[2])))
      return QK_FLOAT;
    if (g->tensors[n->inputs[0]].kind == ENN_TK_CONST) return QK_FLOAT;
    return QK_LINEAR;
  case ENN_OP_ADD:
  case ENN_OP_SUB:
  case ENN_OP_MUL:
    return clamp ? QK_OBSERVED : QK_FLOAT;
  case ENN_OP_PRELU:
    return is_f32_const(g, n->inputs[1]) ? QK_OBSERVED : QK_FLOAT;
  case ENN_OP_GLOBAL_AVG_POOL:
  case ENN_OP_REDUCE_MEAN:
    return clamp ? QK_OBSERVED : QK_FLOAT;
  case ENN_OP_CONCAT:
  case ENN_OP_RELU:
  case ENN_OP_CLIP:
  case ENN_OP_LEAKY_RELU:
  case ENN_OP_HARD_SIGMOID:
  case ENN_OP_SWISH:
  case ENN_OP_HARD_SWISH: return QK_OBSERVED;
  case ENN_OP_SOFTMAX:
    *fs = 1.0f / 256.0f;
    *fz = -128;
    return QK_FIXED;
  case ENN_OP_SIGMOID:
    *fs = 1.0f / 256.0f;
    *fz = -128;
    return QK_FIXED;
  case ENN_OP_TANH:
    *fs = 1.0f / 128.0f;
    *fz = 0;
    return QK_FIXED;
  case ENN_OP_MAX_POOL:
  case ENN_OP_AVG_POOL:
    return clamp ? QK_INHERIT : QK_FLOAT;
  case ENN_OP_GLOBAL_MAX_POOL: return QK_INHERIT;
  case ENN_OP_RESHAPE:
  case ENN_OP_FLATTEN:
  case ENN_OP_SQUEEZE:
  case ENN_OP_UNSQUEEZE:
  case ENN_OP_IDENTITY:
  case ENN_OP_SPLIT:
  case ENN_OP_SLICE:
  case ENN_OP_TRANSPOSE:
  case ENN_OP_PAD: return b->qmap[n->inputs[0]] >= 0 ? QK_MOVE : QK_FLOAT;
  case ENN_OP_RESIZE:
    return n->attrs.mode == ENN_RESIZE_NEAREST && b->qmap[n->inputs[0]] >= 0 ? QK_MOVE : QK_FLOAT;
  default: return QK_FLOAT;
  }
}

static bool fits_f16(const float *x, int64_t n) {
  for (int64_t i = 0; i < n; i++)
    if (!(fabsf(x[i]) <= 65504.0f)) return false; /* NaN fails too */
  return true;
}

/* The F16 copy of constant t (kept-float weights), or its f32 version when
 * a value does not fit f16. */
static enn_status get_h(qb *b, int32_t t, int32_t *out) {
  if (b->hmap[t] >= 0) {
    *out = b->hmap[t];
    return ENN_OK;
  }
  const enn_tensor *tt = &b->g->tensors[t];
  const int64_t n = enn_tensor_desc_numel(&tt->desc);
  if (n < 1 || !fits_f16(tt->data, n)) return get_f(b, t, out);
  enn_tensor_desc d = tt->desc;
  d.dtype = ENN_DTYPE_F16;
  int32_t id;
  enn_status st = enn_graph_add_constant(b->q, tt->name, &d, NULL, ENN_CONST_COPY, &id);
  if (st) return st;
  uint16_t *h = enn_graph_constant_data(b->q, id);
  const float *x = tt->data;
  for (int64_t i = 0; i < n; i++) h[i] = enn_f32_to_f16(x[i]);
  *out = b->hmap[t] = id;
  return ENN_OK;
}

static enn_status emit_float(qb *b, const enn_node *n) {
  int32_t in[ENN_MAX_SPLITS], out[ENN_MAX_SPLITS];
  enn_status st;
  const bool f16w = b->cfg->float_weights == ENN_DTYPE_F16 && b->cfg->keep_float && b->cfg->keep_float[b->node] &&
                    (n->op == ENN_OP_CONV2D || n->op == ENN_OP_FULLY_CONNECTED) &&
                    b->g->tensors[n->inputs[0]].desc.dtype == ENN_DTYPE_F32;
  for (int32_t i = 0; i < n->n_inputs; i++) {
    if (f16w && (i == 1 || i == 2) && is_f32_const(b->g, n->inputs[i])) st = get_h(b, n->inputs[i], &in[i]);
    else st = get_f(b, n->inputs[i], &in[i]);
    if (st) return st;
  }
  if ((st = enn_graph_add_node(b->q, n->op, n->name, in, n->n_inputs, &n->attrs, n->n_outputs, out))) return st;
  for (int32_t k = 0; k < n->n_outputs; k++) b->fmap[n->outputs[k]] = out[k];
  const uint32_t fl = enn_op_flags(n->op);
  if (!(fl & ENN_OPF_VIEW) && n->op != ENN_OP_SPLIT) return note_float(b, n);
  return ENN_OK;
}

static enn_status emit_q8(qb *b, const enn_node *n, qkind k, float fs, int32_t fz) {
  int32_t in[ENN_MAX_SPLITS], out[ENN_MAX_SPLITS];
  enn_status st;
  for (int32_t i = 0; i < n->n_inputs; i++)
    if ((st = get_q(b, n->inputs[i], &in[i]))) return st;
  char nb[300];
  if ((st = enn_graph_add_node(b->q, n->op, q8_name(b, n, nb, sizeof nb), in, n->n_inputs, &n->attrs, n->n_outputs,
                               out)))
    return st;
  if (k == QK_OBSERVED || k == QK_FIXED) {
    float s = fs;
    int32_t zp = fz;
    if (k == QK_OBSERVED) act_params(b, n->outputs[0], &s, &zp);
    if (n->op == ENN_OP_CONCAT && quant_of(b, out[0])->count == 1) {
      /* every input has the same parameters: keep them (no requantisation) */
    } else {
      if (n->op == ENN_OP_HARD_SWISH) { /* int8 HardSwish needs out_scale >= in_scale / 128 */
        const float smin = quant_of(b, in[0])->scale[0] / 128.0f;
        if (s < smin) s = smin * 1.0001f;
      }
      if ((st = set_qparams(b, out[0], s, zp))) return st;
    }
  }
  for (int32_t j = 0; j < n->n_outputs; j++) b->qmap[n->outputs[j]] = out[j];
  if (k != QK_MOVE) { /* QK_INHERIT is only the pools: int8 compute nodes too */
    b->n_q8++;
    if (b->cfg->int8_nodes) b->cfg->int8_nodes[b->node] = 1;
  }
  return ENN_OK;
}

/* ------------------------------------------------------------------ main */
enn_status enn_quant_build(const enn_qcal *c, const enn_quantize_options *o, const enn_qbuild *cfg,
                           enn_graph **out) {
  const enn_graph *g = c->g;
  static const enn_qbuild none = {NULL, ENN_DTYPE_INVALID, 0, NULL};
  qb b;
  memset(&b, 0, sizeof b);
  b.cfg = cfg ? cfg : &none;
  if (b.cfg->int8_nodes) memset(b.cfg->int8_nodes, 0, (size_t)g->n_nodes);
  b.c = c;
  b.g = g;
  b.o = o;
  b.a = &g->alloc;
  enn_status st = enn_graph_create(&g->alloc, &b.q);
  if (st) return st;
  const int32_t nt = g->n_tensors;
  b.fmap = enn_alloc(b.a, (size_t)nt * sizeof(int32_t) + 1);
  b.qmap = enn_alloc(b.a, (size_t)nt * sizeof(int32_t) + 1);
  b.hmap = enn_alloc(b.a, (size_t)nt * sizeof(int32_t) + 1);
  if (!b.fmap || !b.qmap || !b.hmap) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto fail;
  }
  for (int32_t t = 0; t < nt; t++) b.fmap[t] = b.qmap[t] = b.hmap[t] = -1;
  for (int32_t i = 0; i < g->n_inputs; i++) {
    const enn_tensor *t = &g->tensors[g->inputs[i]];
    if ((st = enn_graph_add_input(b.q, t->name, &t->desc, &b.fmap[g->inputs[i]]))) goto fail;
  }
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n = &g->nodes[i];
    float fs = 0.0f;
    int32_t fz = 0;
    b.node = i;
    const qkind k = b.cfg->keep_float && b.cfg->keep_float[i] ? QK_FLOAT : classify(&b, n, &fs, &fz);
    st = k == QK_FLOAT ? emit_float(&b, n) : (k == QK_LINEAR ? emit_linear(&b, n) : emit_q8(&b, n, k, fs, fz));
    if (st) goto fail;
  }
  if (b.n_q8 == 0 && !b.cfg->allow_no_int8) {
    st = enn_err(ENN_ERR_UNSUPPORTED, "nothing to quantise: no operator of the graph has an int8 form (%s)",
                 b.notes ? b.notes : "no compute nodes");
    goto fail;
  }
  for (int32_t i = 0; i < g->n_outputs; i++) {
    int32_t id;
    if ((st = get_f(&b, g->outputs[i], &id)) || (st = enn_graph_add_output(b.q, id))) goto fail;
  }
  for (int32_t i = 0; i < g->n_meta; i++)
    if ((st = enn_graph_set_meta(b.q, g->meta[i].key, g->meta[i].value))) goto fail;
  if (b.n_float && (st = enn_graph_set_meta(b.q, "quant_float_nodes", b.notes))) goto fail;
  if ((st = enn_graph_verify(b.q))) {
    st = enn_err_prefix(st, "quantised graph");
    goto fail;
  }
  enn_free(b.a, b.fmap);
  enn_free(b.a, b.qmap);
  enn_free(b.a, b.hmap);
  enn_free(b.a, b.notes);
  *out = b.q;
  return ENN_OK;
fail:
  enn_free(b.a, b.fmap);
  enn_free(b.a, b.qmap);
  enn_free(b.a, b.hmap);
  enn_free(b.a, b.notes);
  enn_graph_destroy(b.q);
  return st;
}
