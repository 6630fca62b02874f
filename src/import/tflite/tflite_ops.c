/*
 * TFLite operator converters: one function per builtin operator, each
 * reading the operator's inputs and builtin options and adding the IR
 * node(s) through the helpers of tflite_import.c. docs/tflite.md lists the
 * mapping; the notes here cover what is not a one-to-one rename:
 *
 *   CONV_2D           filter OHWI as stored; groups = C_in / filter C.
 *   DEPTHWISE_CONV_2D filter [1,KH,KW,C*M] -> OHWI [C*M,KH,KW,1] with
 *                     groups = C (output channel c*M + m reads channel c);
 *                     depth_multiplier is implied by the shapes (TFLite
 *                     ignores the option too).
 *   FULLY_CONNECTED   keep_num_dims = false flattens the input to
 *                     [numel / K, K] first (a Reshape view).
 *   SAME padding      ENN_PAD_SAME_UPPER (TensorFlow puts the odd pixel at
 *                     the end); AVERAGE_POOL_2D never counts padding.
 *   fused activation  attrs.act (RELU_N1_TO_1 -> CLIP(-1, 1)); CONCATENATION,
 *                     which has no fused form in the IR, gets a separate
 *                     activation node for float outputs.
 *   RESHAPE           target from the shape input, else new_shape, else the
 *                     declared output shape.
 *   STRIDED_SLICE     Slice (ONNX semantics, masks resolved here) plus a
 *                     Reshape that drops shrink_axis_mask dimensions.
 *   SOFTMAX           beta != 1 becomes a Mul by beta before the softmax
 *                     (float only).
 *   RESIZE_*          coordinate transforms: align_corners, half_pixel or
 *                     asymmetric; nearest rounds like TFLite (floor, or
 *                     round-half-up with align_corners / half-pixel).
 *   DEQUANTIZE        of a constant is folded into a float32 constant.
 * "Hybrid" (weights-only quantised) float models: int8 filters of float
 * convolutions / fully-connected layers are dequantised to float at import.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/tflite/tflite.h"

/* Operator arity check; outputs are always exactly n_out. */
static enn_status need(tfl_imp *c, int32_t min_in, int32_t max_in, int32_t n_out) {
  const tfl_op *o = &c->m->ops[c->k];
  if (o->n_in < min_in || o->n_in > max_in)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "%d inputs, expected %d..%d", o->n_in, min_in, max_in);
  if (o->n_out != n_out) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "%d outputs, expected %d", o->n_out, n_out);
  for (int32_t i = 0; i < min_in; i++)
    if (o->in[i] < 0) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "required input %d is -1 (absent)", i);
  return ENN_OK;
}

static bool is_float(const tfl_tensor *t) { return t && (t->type == TFL_FLOAT32 || t->type == TFL_FLOAT16); }
static bool is_q8(const tfl_tensor *t) { return t && (t->type == TFL_INT8 || t->type == TFL_UINT8); }

static enn_status act_attr(tfl_imp *c, uint8_t act, enn_attrs *a) {
  switch (act) {
  case TFL_ACT_NONE: a->act = ENN_ACT_NONE; return ENN_OK;
  case TFL_ACT_RELU: a->act = ENN_ACT_RELU; return ENN_OK;
  case TFL_ACT_RELU6: a->act = ENN_ACT_RELU6; return ENN_OK;
  case TFL_ACT_RELU_N1_TO_1:
    a->act = ENN_ACT_CLIP;
    a->act_min = -1.0f;
    a->act_max = 1.0f;
    return ENN_OK;
  case TFL_ACT_TANH: a->act = ENN_ACT_TANH; return ENN_OK;
  case TFL_ACT_SIGN_BIT:
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "fused activation SIGN_BIT is not supported");
  default: return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "unknown fused_activation_function %u", act);
  }
}

static enn_status pad_attr(tfl_imp *c, uint8_t pad, enn_attrs *a) {
  if (pad == TFL_PAD_SAME) a->pad_mode = ENN_PAD_SAME_UPPER;
  else if (pad == TFL_PAD_VALID) a->pad_mode = ENN_PAD_VALID;
  else return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "unknown padding %u (SAME = 0, VALID = 1)", pad);
  return ENN_OK;
}

static enn_status positive(tfl_imp *c, const char *field, int32_t v) {
  if (v < 1) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "%s = %d must be >= 1", field, v);
  return ENN_OK;
}

/* ------------------------------------------------------------ conv / fc */
static enn_status conv_common(tfl_imp *c, bool dw) {
  enn_status st;
  if ((st = need(c, 2, 3, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, dw ? TFL_OPT_DEPTHWISE_CONV2D : TFL_OPT_CONV2D,
                            dw ? "DepthwiseConv2DOptions" : "Conv2DOptions", &o)))
    return st;
  /* Conv2DOptions: padding 0, stride_w 1, stride_h 2, act 3, dilation_w 4, dilation_h 5.
   * DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3,
   * act 4, dilation_w 5, dilation_h 6. */
  const int32_t sh = dw ? 1 : 0;
  uint8_t pad, act;
  int32_t sw, shh, dlw, dlh;
  if ((st = enn_tfl_opt_u8(c, o, 0, "padding", 0, &pad)) || (st = enn_tfl_opt_i32(c, o, 1, "stride_w", 0, &sw)) ||
      (st = enn_tfl_opt_i32(c, o, 2, "stride_h", 0, &shh)) ||
      (st = enn_tfl_opt_u8(c, o, 3 + sh, "fused_activation_function", 0, &act)) ||
      (st = enn_tfl_opt_i32(c, o, 4 + sh, "dilation_w_factor", 1, &dlw)) ||
      (st = enn_tfl_opt_i32(c, o, 5 + sh, "dilation_h_factor", 1, &dlh)))
    return st;
  if ((st = positive(c, "stride_w", sw)) || (st = positive(c, "stride_h", shh)) ||
      (st = positive(c, "dilation_w_factor", dlw)) || (st = positive(c, "dilation_h_factor", dlh)))
    return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.stride[0] = shh;
  a.stride[1] = sw;
  a.dilation[0] = dlh;
  a.dilation[1] = dlw;
  if ((st = pad_attr(c, pad, &a)) || (st = act_attr(c, act, &a))) return st;
  const tfl_tensor *x = enn_tfl_in(c, 0), *w = enn_tfl_in(c, 1), *b = enn_tfl_in(c, 2);
  if (x->rank != 4 || w->rank != 4)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "input rank %d and filter rank %d; both must be 4", x->rank, w->rank);
  const bool hybrid = is_float(x) && is_q8(w);
  int32_t in[3], n = 2;
  if (dw) {
    const int64_t ch = x->dims[3], oc = w->dims[3];
    if (ch < 1 || oc % ch)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "depthwise filter has %lld channels for %lld input channels",
                         (long long)oc, (long long)ch);
    if (ch > INT32_MAX) return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "too many channels");
    a.groups = (int32_t)ch;
    if ((st = enn_tfl_weight(c, 1, hybrid ? TFL_W_DW_F32 : TFL_W_DW, &in[1]))) return st;
  } else {
    const int64_t ic = x->dims[3], wc = w->dims[3];
    if (wc < 1 || ic % wc || ic / wc > INT32_MAX)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "filter has %lld input channels for %lld channels in the input",
                         (long long)wc, (long long)ic);
    a.groups = (int32_t)(ic / wc);
    if ((st = enn_tfl_weight(c, 1, hybrid ? TFL_W_F32 : TFL_W_PLAIN, &in[1]))) return st;
  }
  if ((st = enn_tfl_operand(c, 0, &in[0]))) return st;
  if (b && (st = enn_tfl_weight(c, 2, hybrid && !is_float(b) ? TFL_W_F32 : TFL_W_PLAIN, &in[n++]))) return st;
  return enn_tfl_node(c, ENN_OP_CONV2D, in, n, &a, NULL, NULL);
}

static enn_status cv_conv2d(tfl_imp *c) { return conv_common(c, false); }
static enn_status cv_dwconv2d(tfl_imp *c) { return conv_common(c, true); }

static enn_status cv_fully_connected(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 2, 3, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_FULLY_CONNECTED, "FullyConnectedOptions", &o))) return st;
  uint8_t act, wf, keep;
  if ((st = enn_tfl_opt_u8(c, o, 0, "fused_activation_function", 0, &act)) ||
      (st = enn_tfl_opt_u8(c, o, 1, "weights_format", 0, &wf)) ||
      (st = enn_tfl_opt_u8(c, o, 2, "keep_num_dims", 0, &keep)))
    return st;
  if (wf != 0) return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "weights_format %u (only DEFAULT is supported)", wf);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  if ((st = act_attr(c, act, &a))) return st;
  const tfl_tensor *x = enn_tfl_in(c, 0), *w = enn_tfl_in(c, 1), *b = enn_tfl_in(c, 2);
  if (w->rank != 2) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "weights have rank %d; expected [out, in]", w->rank);
  const int64_t k = w->dims[1];
  const bool hybrid = is_float(x) && is_q8(w);
  int32_t in[3], n = 2;
  if ((st = enn_tfl_operand(c, 0, &in[0]))) return st;
  if (!keep && (x->rank != 2 || x->dims[1] != k)) {
    int64_t total = 1;
    for (int32_t i = 0; i < x->rank; i++) total *= x->dims[i];
    if (k < 1 || total % k)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "input of %lld elements is not a whole number of rows of %lld",
                         (long long)total, (long long)k);
    enn_attrs r;
    enn_attrs_init_op(&r, ENN_OP_RESHAPE);
    r.shape_rank = 2;
    r.shape[0] = total / k;
    r.shape[1] = k;
    if ((st = enn_tfl_node(c, ENN_OP_RESHAPE, &in[0], 1, &r, "flatten", &in[0]))) return st;
  }
  if ((st = enn_tfl_weight(c, 1, hybrid ? TFL_W_F32 : TFL_W_PLAIN, &in[1]))) return st;
  if (b && (st = enn_tfl_weight(c, 2, hybrid && !is_float(b) ? TFL_W_F32 : TFL_W_PLAIN, &in[n++]))) return st;
  return enn_tfl_node(c, ENN_OP_FULLY_CONNECTED, in, n, &a, NULL, NULL);
}

/* -------------------------------------------------------------- pooling */
static enn_status pool(tfl_imp *c, enn_op op) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_POOL2D, "Pool2DOptions", &o))) return st;
  uint8_t pad, act;
  int32_t sw, sh, fw, fh;
  if ((st = enn_tfl_opt_u8(c, o, 0, "padding", 0, &pad)) || (st = enn_tfl_opt_i32(c, o, 1, "stride_w", 0, &sw)) ||
      (st = enn_tfl_opt_i32(c, o, 2, "stride_h", 0, &sh)) || (st = enn_tfl_opt_i32(c, o, 3, "filter_width", 0, &fw)) ||
      (st = enn_tfl_opt_i32(c, o, 4, "filter_height", 0, &fh)) ||
      (st = enn_tfl_opt_u8(c, o, 5, "fused_activation_function", 0, &act)))
    return st;
  if ((st = positive(c, "stride_w", sw)) || (st = positive(c, "stride_h", sh)) ||
      (st = positive(c, "filter_width", fw)) || (st = positive(c, "filter_height", fh)))
    return st;
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.kernel[0] = fh;
  a.kernel[1] = fw;
  a.stride[0] = sh;
  a.stride[1] = sw;
  a.count_include_pad = 0;
  if ((st = pad_attr(c, pad, &a)) || (st = act_attr(c, act, &a))) return st;
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, op, &x, 1, &a, NULL, NULL);
}

static enn_status cv_avg_pool(tfl_imp *c) { return pool(c, ENN_OP_AVG_POOL); }
static enn_status cv_max_pool(tfl_imp *c) { return pool(c, ENN_OP_MAX_POOL); }

/* ------------------------------------------------------------- binaries */
static enn_status binary(tfl_imp *c, enn_op op, uint8_t opt_type, const char *table) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, opt_type, table, &o))) return st;
  uint8_t act;
  if ((st = enn_tfl_opt_u8(c, o, 0, "fused_activation_function", 0, &act))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  if ((st = act_attr(c, act, &a))) return st;
  int32_t in[2];
  if ((st = enn_tfl_operand(c, 0, &in[0])) || (st = enn_tfl_operand(c, 1, &in[1]))) return st;
  return enn_tfl_node(c, op, in, 2, &a, NULL, NULL);
}

static enn_status cv_add(tfl_imp *c) { return binary(c, ENN_OP_ADD, TFL_OPT_ADD, "AddOptions"); }
static enn_status cv_sub(tfl_imp *c) { return binary(c, ENN_OP_SUB, TFL_OPT_SUB, "SubOptions"); }
static enn_status cv_mul(tfl_imp *c) { return binary(c, ENN_OP_MUL, TFL_OPT_MUL, "MulOptions"); }
static enn_status cv_div(tfl_imp *c) { return binary(c, ENN_OP_DIV, TFL_OPT_DIV, "DivOptions"); }

static enn_status cv_prelu(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  int32_t in[2];
  if ((st = enn_tfl_operand(c, 0, &in[0])) || (st = enn_tfl_operand(c, 1, &in[1]))) return st;
  return enn_tfl_node(c, ENN_OP_PRELU, in, 2, NULL, NULL, NULL);
}

/* ---------------------------------------------------------------- unary */
static enn_status unary(tfl_imp *c, enn_op op, const enn_attrs *a) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, op, &x, 1, a, NULL, NULL);
}

static enn_status clip(tfl_imp *c, float lo, float hi) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = lo;
  a.act_max = hi;
  return unary(c, ENN_OP_CLIP, &a);
}

static enn_status cv_relu(tfl_imp *c) { return unary(c, ENN_OP_RELU, NULL); }
static enn_status cv_relu6(tfl_imp *c) { return clip(c, 0.0f, 6.0f); }
static enn_status cv_relu_n1_to_1(tfl_imp *c) { return clip(c, -1.0f, 1.0f); }
static enn_status cv_logistic(tfl_imp *c) { return unary(c, ENN_OP_SIGMOID, NULL); }
static enn_status cv_tanh(tfl_imp *c) { return unary(c, ENN_OP_TANH, NULL); }
static enn_status cv_hard_swish(tfl_imp *c) { return unary(c, ENN_OP_HARD_SWISH, NULL); }

static enn_status cv_leaky_relu(tfl_imp *c) {
  const enn_fb_table *o;
  enn_status st = enn_tfl_options(c, TFL_OPT_LEAKY_RELU, "LeakyReluOptions", &o);
  if (st) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_LEAKY_RELU);
  if ((st = enn_tfl_opt_f32(c, o, 0, "alpha", 0.0f, &a.alpha))) return st;
  if (!isfinite(a.alpha)) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "alpha %g is not finite", (double)a.alpha);
  return unary(c, ENN_OP_LEAKY_RELU, &a);
}

static enn_status softmax_common(tfl_imp *c, enn_op op) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  float beta = 1.0f;
  if (op == ENN_OP_SOFTMAX) {
    const enn_fb_table *o;
    if ((st = enn_tfl_options(c, TFL_OPT_SOFTMAX, "SoftmaxOptions", &o))) return st;
    if ((st = enn_tfl_opt_f32(c, o, 0, "beta", 0.0f, &beta))) return st;
    if (!isfinite(beta)) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "beta %g is not finite", (double)beta);
  }
  const tfl_tensor *xt = enn_tfl_in(c, 0);
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  if (beta != 1.0f) {
    if (!is_float(xt))
      return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "softmax beta %g != 1 on a quantised input is not supported",
                         (double)beta);
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, ENN_DTYPE_F32, 0, NULL);
    char name[64];
    snprintf(name, sizeof name, "softmax_beta_%d", c->k);
    int32_t in[2] = {x, -1};
    if ((st = enn_graph_add_constant(c->g, name, &d, &beta, ENN_CONST_COPY, &in[1]))) return st;
    if ((st = enn_tfl_node(c, ENN_OP_MUL, in, 2, NULL, "beta", &x))) return st;
  }
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.axis = -1;
  return enn_tfl_node(c, op, &x, 1, &a, NULL, NULL);
}

static enn_status cv_softmax(tfl_imp *c) { return softmax_common(c, ENN_OP_SOFTMAX); }
static enn_status cv_log_softmax(tfl_imp *c) { return softmax_common(c, ENN_OP_LOG_SOFTMAX); }

/* --------------------------------------------------------- quantisation */
static enn_status cv_quantize(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  const tfl_tensor *y = enn_tfl_out(c, 0);
  if (!is_q8(y))
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "quantizes to %s (edgenn quantizes to int8 / uint8)",
                       enn_tfl_type_name(y->type));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  a.dtype = ENN_DTYPE_I8; /* uint8 runs as int8 inside the graph */
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, ENN_OP_QUANTIZE, &x, 1, &a, NULL, NULL);
}

static enn_status cv_dequantize(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  const tfl_tensor *x = enn_tfl_in(c, 0);
  int32_t id;
  if (x->data) { /* weights stored as int8 / float16 and widened by TFLite at load: fold */
    if ((st = enn_tfl_weight(c, 0, TFL_W_F32, &id))) return st;
    return enn_tfl_alias(c, id);
  }
  if ((st = enn_tfl_operand(c, 0, &id))) return st;
  return enn_tfl_node(c, ENN_OP_DEQUANTIZE, &id, 1, NULL, NULL, NULL);
}

/* -------------------------------------------------------- data movement */
static enn_status rank_of(tfl_imp *c, int32_t slot, int32_t *rank) {
  const tfl_tensor *t = enn_tfl_in(c, slot);
  if (!t) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "input %d is missing", slot);
  *rank = t->rank;
  return ENN_OK;
}

static enn_status cv_pad(tfl_imp *c) {
  enn_status st;
  const bool v2 = c->m->ops[c->k].code == TFL_OP_PADV2;
  if ((st = need(c, 2, v2 ? 3 : 2, 1))) return st;
  int32_t rank = 0;
  if ((st = rank_of(c, 0, &rank))) return st;
  int64_t p[2 * ENN_MAX_RANK];
  int32_t n;
  if ((st = enn_tfl_ints(c, 1, "paddings", p, 2 * ENN_MAX_RANK, &n))) return st;
  if (n != 2 * rank)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "paddings hold %d values for an input of rank %d (need [%d, 2])", n, rank,
                       rank);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_PAD);
  a.mode = ENN_PADMODE_CONSTANT;
  a.value = 0.0f; /* a real value: quantised kernels store it as the zero point */
  for (int32_t i = 0; i < rank; i++) {
    if (p[2 * i] < 0 || p[2 * i + 1] < 0)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "negative padding on dimension %d", i);
    a.pad_begin[i] = p[2 * i];
    a.pad_end[i] = p[2 * i + 1];
  }
  if (v2 && enn_tfl_in(c, 2) && (st = enn_tfl_scalar(c, 2, "constant_values", &a.value))) return st;
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, ENN_OP_PAD, &x, 1, &a, NULL, NULL);
}

static enn_status cv_concat(tfl_imp *c) {
  enn_status st;
  const tfl_op *op = &c->m->ops[c->k];
  if ((st = need(c, 1, ENN_MAX_SPLITS, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_CONCATENATION, "ConcatenationOptions", &o))) return st;
  int32_t axis;
  uint8_t act;
  if ((st = enn_tfl_opt_i32(c, o, 0, "axis", 0, &axis)) ||
      (st = enn_tfl_opt_u8(c, o, 1, "fused_activation_function", 0, &act)))
    return st;
  enn_attrs a, fa;
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = axis;
  enn_attrs_init(&fa);
  if ((st = act_attr(c, act, &fa))) return st;
  int32_t in[ENN_MAX_SPLITS];
  for (int32_t i = 0; i < op->n_in; i++)
    if ((st = enn_tfl_operand(c, i, &in[i]))) return st;
  if (fa.act == ENN_ACT_NONE) return enn_tfl_node(c, ENN_OP_CONCAT, in, op->n_in, &a, NULL, NULL);
  if (!is_float(enn_tfl_out(c, 0)))
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "a fused activation on a quantised concatenation is not supported");
  int32_t y;
  if ((st = enn_tfl_node(c, ENN_OP_CONCAT, in, op->n_in, &a, "concat", &y))) return st;
  enn_attrs u;
  enn_op uop;
  switch (fa.act) {
  case ENN_ACT_RELU: uop = ENN_OP_RELU; enn_attrs_init_op(&u, uop); break;
  case ENN_ACT_TANH: uop = ENN_OP_TANH; enn_attrs_init_op(&u, uop); break;
  default:
    uop = ENN_OP_CLIP;
    enn_attrs_init_op(&u, uop);
    u.act_min = fa.act == ENN_ACT_RELU6 ? 0.0f : fa.act_min;
    u.act_max = fa.act == ENN_ACT_RELU6 ? 6.0f : fa.act_max;
    break;
  }
  return enn_tfl_node(c, uop, &y, 1, &u, NULL, NULL);
}

/* Reshape of input 0 to dims[0..rank) (-1 = inferred). */
static enn_status reshape_to(tfl_imp *c, int32_t x, const int64_t *dims, int32_t rank, const char *suffix,
                             int32_t *out) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = rank;
  int32_t minus = 0;
  for (int32_t i = 0; i < rank; i++) {
    if (dims[i] == 0 || dims[i] < -1)
      return enn_tfl_err(c, dims[i] == 0 ? ENN_ERR_UNSUPPORTED : ENN_ERR_BAD_FORMAT,
                         "target shape entry %d is %lld (edgenn takes sizes >= 1 and one -1)", i, (long long)dims[i]);
    if (dims[i] == -1 && ++minus > 1)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "target shape has more than one -1");
    a.shape[i] = dims[i];
  }
  return enn_tfl_node(c, ENN_OP_RESHAPE, &x, 1, &a, suffix, out);
}

static enn_status cv_reshape(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 1, 2, 1))) return st;
  int64_t dims[ENN_MAX_RANK];
  int32_t rank = -1;
  const tfl_tensor *s = enn_tfl_in(c, 1);
  if (s && s->data) {
    if ((st = enn_tfl_ints(c, 1, "shape", dims, ENN_MAX_RANK, &rank))) return st;
  } else {
    const enn_fb_table *o;
    if ((st = enn_tfl_options(c, TFL_OPT_RESHAPE, "ReshapeOptions", &o))) return st;
    enn_fb_vec v;
    bool has = false;
    if (o && (st = enn_fb_vec_field(o, 0, "new_shape", 4, &v, &has))) return st;
    if (has && v.len > 0) {
      if (v.len > ENN_MAX_RANK)
        return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "new_shape has rank %u (edgenn takes up to %d)", v.len, ENN_MAX_RANK);
      rank = (int32_t)v.len;
      for (uint32_t i = 0; i < v.len; i++) dims[i] = enn_fb_vec_i32(&v, i);
    } else {
      const tfl_tensor *y = enn_tfl_out(c, 0);
      rank = y->rank;
      for (int32_t i = 0; i < rank; i++) dims[i] = y->dims[i];
    }
  }
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return reshape_to(c, x, dims, rank, NULL, NULL);
}

static enn_status cv_expand_dims(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  int64_t ax;
  int32_t n = 0, rank = 0;
  if ((st = enn_tfl_ints(c, 1, "axis", &ax, 1, &n)) || (st = rank_of(c, 0, &rank))) return st;
  if (n != 1) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "axis holds %d values, expected 1", n);
  if (ax < -(int64_t)rank - 1 || ax > rank)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "axis %lld is out of range for rank %d", (long long)ax, rank);
  if (rank + 1 > ENN_MAX_RANK) return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "result rank exceeds %d", ENN_MAX_RANK);
  if (ax < 0) ax += rank + 1;
  const tfl_tensor *x = enn_tfl_in(c, 0);
  int64_t dims[ENN_MAX_RANK];
  for (int32_t i = 0, j = 0; i <= rank; i++) dims[i] = i == ax ? 1 : x->dims[j++];
  int32_t id;
  if ((st = enn_tfl_operand(c, 0, &id))) return st;
  return reshape_to(c, id, dims, rank + 1, NULL, NULL);
}

static enn_status cv_squeeze(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 1, 1, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_SQUEEZE, "SqueezeOptions", &o))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SQUEEZE);
  enn_fb_vec v;
  bool has = false;
  if (o && (st = enn_fb_vec_field(o, 0, "squeeze_dims", 4, &v, &has))) return st;
  if (has) {
    if (v.len > ENN_MAX_RANK)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "squeeze_dims has %u entries (more than %d)", v.len, ENN_MAX_RANK);
    a.n_axes = (int32_t)v.len;
    for (uint32_t i = 0; i < v.len; i++) a.axes[i] = enn_fb_vec_i32(&v, i);
  }
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, ENN_OP_SQUEEZE, &x, 1, &a, NULL, NULL);
}

static enn_status cv_transpose(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  int32_t rank = 0, n = 0;
  int64_t p[ENN_MAX_RANK];
  if ((st = rank_of(c, 0, &rank)) || (st = enn_tfl_ints(c, 1, "perm", p, ENN_MAX_RANK, &n))) return st;
  if (n != rank) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "perm has %d entries for rank %d", n, rank);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
  for (int32_t i = 0; i < n; i++) {
    if (p[i] < 0 || p[i] >= rank) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "perm[%d] = %lld", i, (long long)p[i]);
    a.perm[i] = (int32_t)p[i];
  }
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, ENN_OP_TRANSPOSE, &x, 1, &a, NULL, NULL);
}

static enn_status cv_mean(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_REDUCER, "ReducerOptions", &o))) return st;
  uint8_t keep;
  if ((st = enn_tfl_opt_u8(c, o, 0, "keep_dims", 0, &keep))) return st;
  int32_t rank = 0, n = 0;
  int64_t ax[64];
  if ((st = rank_of(c, 0, &rank)) || (st = enn_tfl_ints(c, 1, "axis", ax, 64, &n))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_REDUCE_MEAN);
  a.keepdims = keep ? 1 : 0;
  bool seen[ENN_MAX_RANK] = {false};
  for (int32_t i = 0; i < n; i++) { /* TFLite accepts repeats; the IR wants each axis once */
    int64_t v = ax[i] < 0 ? ax[i] + rank : ax[i];
    if (v < 0 || v >= rank)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "axis %lld is out of range for rank %d", (long long)ax[i], rank);
    if (!seen[v]) a.axes[a.n_axes++] = (int32_t)v;
    seen[v] = true;
  }
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  if (a.n_axes == 0) return enn_tfl_node(c, ENN_OP_IDENTITY, &x, 1, NULL, NULL, NULL); /* nothing reduced */
  return enn_tfl_node(c, ENN_OP_REDUCE_MEAN, &x, 1, &a, NULL, NULL);
}

static enn_status cv_strided_slice(tfl_imp *c) {
  enn_status st;
  if ((st = need(c, 4, 4, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, TFL_OPT_STRIDED_SLICE, "StridedSliceOptions", &o))) return st;
  int32_t bm, em, elm, nam, sam;
  uint8_t off;
  if ((st = enn_tfl_opt_i32(c, o, 0, "begin_mask", 0, &bm)) || (st = enn_tfl_opt_i32(c, o, 1, "end_mask", 0, &em)) ||
      (st = enn_tfl_opt_i32(c, o, 2, "ellipsis_mask", 0, &elm)) ||
      (st = enn_tfl_opt_i32(c, o, 3, "new_axis_mask", 0, &nam)) ||
      (st = enn_tfl_opt_i32(c, o, 4, "shrink_axis_mask", 0, &sam)) || (st = enn_tfl_opt_u8(c, o, 5, "offset", 0, &off)))
    return st;
  if (elm || nam)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "ellipsis_mask %d / new_axis_mask %d are not supported", elm, nam);
  const tfl_tensor *x = enn_tfl_in(c, 0);
  int64_t b[ENN_MAX_RANK], e[ENN_MAX_RANK], s[ENN_MAX_RANK];
  int32_t nb, ne, ns;
  if ((st = enn_tfl_ints(c, 1, "begin", b, ENN_MAX_RANK, &nb)) || (st = enn_tfl_ints(c, 2, "end", e, ENN_MAX_RANK, &ne)) ||
      (st = enn_tfl_ints(c, 3, "strides", s, ENN_MAX_RANK, &ns)))
    return st;
  if (nb != ne || nb != ns || nb > x->rank)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "begin/end/strides have %d/%d/%d values for rank %d", nb, ne, ns,
                       x->rank);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SLICE);
  int64_t out_dims[ENN_MAX_RANK];
  int32_t out_rank = 0;
  for (int32_t i = 0; i < x->rank; i++) {
    const int64_t dim = x->dims[i];
    if (i >= nb) {
      out_dims[out_rank++] = dim;
      continue;
    }
    int64_t start = b[i], end = e[i], step = s[i];
    if (step == 0) return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "strides[%d] is 0", i);
    if (off) end = start + end;
    if (bm & (1 << i)) start = step > 0 ? 0 : INT64_MAX;
    if (em & (1 << i)) end = step > 0 ? INT64_MAX : INT64_MIN;
    if (sam & (1 << i)) {
      int64_t p = start < 0 ? start + dim : start;
      if (p < 0 || p >= dim)
        return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "shrunk axis %d: index %lld is outside 0..%lld", i,
                           (long long)start, (long long)dim - 1);
      start = p;
      end = p + 1;
      step = 1;
    }
    a.axes[a.n_axes] = i;
    a.starts[a.n_axes] = start;
    a.ends[a.n_axes] = end;
    a.steps[a.n_axes] = step;
    a.n_axes++;
    if (!(sam & (1 << i))) out_dims[out_rank++] = -2; /* filled from the slice's result */
  }
  int32_t xid, y;
  if ((st = enn_tfl_operand(c, 0, &xid))) return st;
  if (!sam) return enn_tfl_node(c, ENN_OP_SLICE, &xid, 1, &a, NULL, NULL);
  if ((st = enn_tfl_node(c, ENN_OP_SLICE, &xid, 1, &a, "slice", &y))) return st;
  enn_tensor_desc d;
  if ((st = enn_graph_tensor(c->g, y, NULL, &d, NULL))) return st;
  for (int32_t i = 0, j = 0; i < d.rank; i++) {
    if (i < nb && (sam & (1 << i))) continue;
    out_dims[j++] = d.dims[i];
  }
  if (out_rank == 0) { /* a scalar result */
    enn_attrs r;
    enn_attrs_init_op(&r, ENN_OP_RESHAPE);
    r.shape_rank = 0;
    return enn_tfl_node(c, ENN_OP_RESHAPE, &y, 1, &r, NULL, NULL);
  }
  return reshape_to(c, y, out_dims, out_rank, NULL, NULL);
}

static enn_status resize(tfl_imp *c, bool bilinear) {
  enn_status st;
  if ((st = need(c, 2, 2, 1))) return st;
  const enn_fb_table *o;
  if ((st = enn_tfl_options(c, bilinear ? TFL_OPT_RESIZE_BILINEAR : TFL_OPT_RESIZE_NEAREST_NEIGHBOR,
                            bilinear ? "ResizeBilinearOptions" : "ResizeNearestNeighborOptions", &o)))
    return st;
  /* ResizeBilinearOptions: new_height 0, new_width 1 (deprecated), align_corners 2,
   * half_pixel_centers 3; ResizeNearestNeighborOptions: align_corners 0, half_pixel_centers 1. */
  const int32_t base = bilinear ? 2 : 0;
  uint8_t ac, hp;
  if ((st = enn_tfl_opt_u8(c, o, base, "align_corners", 0, &ac)) ||
      (st = enn_tfl_opt_u8(c, o, base + 1, "half_pixel_centers", 0, &hp)))
    return st;
  if (ac && hp) return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "align_corners and half_pixel_centers are both set");
  int64_t size[2];
  int32_t n;
  if ((st = enn_tfl_ints(c, 1, "size", size, 2, &n))) return st;
  if (n != 2 || size[0] < 1 || size[1] < 1 || size[0] > INT32_MAX || size[1] > INT32_MAX)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "size must be 2 positive values");
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  a.mode = bilinear ? ENN_RESIZE_BILINEAR : ENN_RESIZE_NEAREST;
  a.size[0] = size[0];
  a.size[1] = size[1];
  a.coord_mode = ac ? ENN_COORD_ALIGN_CORNERS : (hp ? ENN_COORD_HALF_PIXEL : ENN_COORD_ASYMMETRIC);
  /* TFLite nearest: floor(x * scale), or round-half-up of the aligned /
   * half-pixel coordinate (half_pixel's "- 0.5" plus prefer-ceil rounding
   * gives floor((x + 0.5) * scale)). */
  a.nearest_mode = (ac || hp) ? ENN_NEAREST_ROUND_PREFER_CEIL : ENN_NEAREST_FLOOR;
  int32_t x;
  if ((st = enn_tfl_operand(c, 0, &x))) return st;
  return enn_tfl_node(c, ENN_OP_RESIZE, &x, 1, &a, NULL, NULL);
}

static enn_status cv_resize_bilinear(tfl_imp *c) { return resize(c, true); }
static enn_status cv_resize_nearest(tfl_imp *c) { return resize(c, false); }

/* ---------------------------------------------------------------- table */
static const struct {
  int32_t code;
  tfl_convert_fn fn;
} converters[] = {
    {TFL_OP_ADD, cv_add},
    {TFL_OP_AVERAGE_POOL_2D, cv_avg_pool},
    {TFL_OP_CONCATENATION, cv_concat},
    {TFL_OP_CONV_2D, cv_conv2d},
    {TFL_OP_DEPTHWISE_CONV_2D, cv_dwconv2d},
    {TFL_OP_DEQUANTIZE, cv_dequantize},
    {TFL_OP_FULLY_CONNECTED, cv_fully_connected},
    {TFL_OP_LOGISTIC, cv_logistic},
    {TFL_OP_MAX_POOL_2D, cv_max_pool},
    {TFL_OP_MUL, cv_mul},
    {TFL_OP_RELU, cv_relu},
    {TFL_OP_RELU_N1_TO_1, cv_relu_n1_to_1},
    {TFL_OP_RELU6, cv_relu6},
    {TFL_OP_RESHAPE, cv_reshape},
    {TFL_OP_RESIZE_BILINEAR, cv_resize_bilinear},
    {TFL_OP_SOFTMAX, cv_softmax},
    {TFL_OP_TANH, cv_tanh},
    {TFL_OP_PAD, cv_pad},
    {TFL_OP_TRANSPOSE, cv_transpose},
    {TFL_OP_MEAN, cv_mean},
    {TFL_OP_SUB, cv_sub},
    {TFL_OP_DIV, cv_div},
    {TFL_OP_SQUEEZE, cv_squeeze},
    {TFL_OP_STRIDED_SLICE, cv_strided_slice},
    {TFL_OP_LOG_SOFTMAX, cv_log_softmax},
    {TFL_OP_PRELU, cv_prelu},
    {TFL_OP_PADV2, cv_pad},
    {TFL_OP_EXPAND_DIMS, cv_expand_dims},
    {TFL_OP_RESIZE_NEAREST_NEIGHBOR, cv_resize_nearest},
    {TFL_OP_LEAKY_RELU, cv_leaky_relu},
    {TFL_OP_QUANTIZE, cv_quantize},
    {TFL_OP_HARD_SWISH, cv_hard_swish},
};

tfl_convert_fn enn_tfl_converter(int32_t code) {
  for (size_t i = 0; i < ENN_ARRAY_LEN(converters); i++)
    if (converters[i].code == code) return converters[i].fn;
  return NULL;
}
