/*
 * Quantize and Dequantize (docs/quantization.md; kernels in
 * kernels/ref/q8_quantize_ref.h).
 *
 * Quantize: x (f32, i8 or u8) -> y of attrs.dtype (i8 or u8; 0 means i8),
 * same shape. y's parameters are the OUTPUT tensor's (enn_graph_set_quant
 * after the node is added), per tensor or per axis.
 *   f32 input:  q = clamp(round(x / scale) + zp); attrs.mode picks the
 *               rounding: 0 = half away from zero (TFLite QUANTIZE),
 *               1 = half to even (ONNX QuantizeLinear).
 *   8-bit input: TFLite requantisation, q = zp_out + MBQM(q_in - zp_in,
 *               s_in / s_out) (attrs.mode must be 0); this is also the
 *               uint8 <-> int8 boundary node of imported uint8 models.
 * Dequantize: x (i8, u8 or i32) -> f32, x = scale * (q - zp), with the
 * input's parameters (per tensor or per axis).
 *
 * Prepare resolves per-axis parameters into per-channel arrays over the
 * view [outer, channels, inner]; when both the input and output of a
 * requantisation are per axis they must share the axis. A per-tensor
 * f32 -> i8 Quantize runs the QS8_QUANTIZE kernel of the session's ISA
 * when there is one, a per-tensor i8 -> f32 Dequantize the QS8_DEQUANTIZE
 * one (kernels.h; both bit-exact with the reference). A per-tensor 8-bit
 * requantisation (the uint8 <-> int8 boundary of imported models) has only
 * 256 possible inputs: prepare tabulates the reference's result for each
 * byte (enn_requantize, the same function) and run looks every byte up
 * ("enn_qs8_requantize_lut"; not at ISA level ref, which runs the
 * reference), identical by construction.
 */
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/ref/q8_quantize_ref.h"
#include "ops/qs8_ops.h"

/* Quantize's and Dequantize's prepared state: the reference parameters and
 * the SIMD kernel for per-tensor f32 -> i8 / i8 -> f32 (NULL: the reference
 * runs). */
typedef struct quant_state {
  enn_qs8_quant_params p;
  const enn_kernel *k;
  const uint8_t *lut; /* per-tensor requantisation: output byte of each input byte */
} quant_state;

static bool is_8bit(enn_dtype t) { return t == ENN_DTYPE_I8 || t == ENN_DTYPE_U8; }

static enn_dtype quantize_out_dtype(const enn_node *n) {
  return n->attrs.dtype == 0 ? ENN_DTYPE_I8 : (enn_dtype)n->attrs.dtype;
}

static enn_status quantize_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                 enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_tensor_desc *x = in[0];
  if (x->dtype != ENN_DTYPE_F32 && !is_8bit(x->dtype))
    return enn_node_err(n, ENN_ERR_DTYPE, "input 0 has dtype %s; Quantize takes f32, i8 or u8",
                        enn_dtype_name(x->dtype));
  const enn_dtype t = quantize_out_dtype(n);
  if (!is_8bit(t)) return enn_node_err(n, ENN_ERR_INVALID_ARG, "attrs.dtype %d: Quantize outputs i8 or u8", n->attrs.dtype);
  if (n->attrs.mode != 0 && n->attrs.mode != 1)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "attrs.mode %d: rounding is 0 (half away from zero) or 1 (half to even)",
                        n->attrs.mode);
  if (n->attrs.mode != 0 && x->dtype != ENN_DTYPE_F32)
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "attrs.mode 1 (round half to even) applies to f32 input only");
  enn_tensor_desc_init(out, t, x->rank, x->dims);
  return ENN_OK;
}

static enn_status dequantize_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                   enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  const enn_tensor_desc *x = in[0];
  if (!is_8bit(x->dtype) && x->dtype != ENN_DTYPE_I32)
    return enn_node_err(n, ENN_ERR_DTYPE, "input 0 has dtype %s; Dequantize takes i8, u8 or i32",
                        enn_dtype_name(x->dtype));
  enn_tensor_desc_init(out, ENN_DTYPE_F32, x->rank, x->dims);
  return ENN_OK;
}

/* The channel view of d for parameters q: [outer, channels, inner]. */
static void channel_view(const enn_tensor_desc *d, const enn_quant *q, enn_qs8_quant_params *p) {
  const int64_t numel = enn_tensor_desc_numel(d);
  if (q->count <= 1 || q->axis < 0) {
    p->outer = 1;
    p->channels = 1;
    p->inner = numel;
    return;
  }
  p->outer = 1;
  p->inner = 1;
  for (int32_t k = 0; k < q->axis; k++) p->outer *= d->dims[k];
  for (int32_t k = q->axis + 1; k < d->rank; k++) p->inner *= d->dims[k];
  p->channels = d->dims[q->axis];
}

/* Per-tensor parameters broadcast to `channels` entries, or per-axis copied. */
static void per_channel(const enn_quant *q, int64_t channels, float *scale, int32_t *zp) {
  for (int64_t c = 0; c < channels; c++) {
    const int64_t k = q->count == 1 ? 0 : c;
    if (scale) scale[c] = q->scale[k];
    if (zp) zp[c] = q->zero_point[k];
  }
}

static enn_status quantize_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  const enn_tensor_desc *x = e->in_desc[0], *y = e->out_desc[0];
  enn_status st;
  if ((st = enn_qs8_check_quant(n, y, "output", false))) return st;
  const bool requant = x->dtype != ENN_DTYPE_F32;
  if (requant && (st = enn_qs8_check_quant(n, x, "input 0", false))) return st;
  if (requant && x->quant.count > 1 && y->quant.count > 1 && x->quant.axis != y->quant.axis)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input is quantised on axis %d and output on axis %d", x->quant.axis,
                        y->quant.axis);
  enn_qs8_quant_params v;
  memset(&v, 0, sizeof v);
  channel_view(y, requant && x->quant.count > 1 ? &x->quant : &y->quant, &v);
  const size_t c = (size_t)v.channels;
  quant_state *qs = enn_prepare_alloc(ctx, sizeof *qs + c * (sizeof(float) + 4 * sizeof(int32_t)));
  if (!qs) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_quant_params *p = &qs->p;
  *p = v;
  float *scale = (float *)(qs + 1);
  int32_t *zi = (int32_t *)(scale + c), *zo = zi + c, *mult = zo + c, *shift = mult + c;
  p->in_dtype = x->dtype;
  p->out_dtype = y->dtype;
  enn_qs8_range(y->dtype, &p->qmin, &p->qmax);
  p->rounding = n->attrs.mode;
  per_channel(&y->quant, v.channels, scale, zo);
  p->scale = scale;
  p->zp_out = zo;
  if (requant) {
    for (int64_t k = 0; k < v.channels; k++) {
      const int64_t ki = x->quant.count == 1 ? 0 : k;
      zi[k] = x->quant.zero_point[ki];
      enn_quantize_multiplier((double)x->quant.scale[ki] / (double)scale[k], &mult[k], &shift[k]);
    }
    p->zp_in = zi;
    p->mult = mult;
    p->shift = shift;
    enn_isa isa;
    if (v.channels == 1 && enn_kernel_isa(&isa) == ENN_OK && isa != ENN_ISA_REF) { /* level ref: the reference */
      uint8_t *lut = enn_prepare_alloc(ctx, 256);
      if (!lut) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      for (int32_t b = 0; b < 256; b++) {
        const int32_t q = x->dtype == ENN_DTYPE_U8 ? b : (int32_t)(int8_t)(uint8_t)b;
        const int32_t r = enn_requantize(q - zi[0], mult[0], shift[0], zo[0], p->qmin, p->qmax);
        lut[b] = y->dtype == ENN_DTYPE_U8 ? (uint8_t)r : (uint8_t)(int8_t)r;
      }
      qs->lut = lut;
    }
  }
  e->state = qs;
  e->kernel = requant ? (qs->lut ? "enn_qs8_requantize_lut" : "enn_qs8_requantize__ref") : "enn_qs8_quantize__ref";
  if (!requant && y->dtype == ENN_DTYPE_I8 && v.channels == 1 &&
      (qs->k = enn_kernel_find(ENN_KOP_QS8_QUANTIZE, ENN_DTYPE_I8, 0, 0)))
    e->kernel = qs->k->name;
  return ENN_OK;
}

static void quantize_run(const enn_exec *e) {
  const quant_state *qs = e->state;
  const enn_qs8_quant_params *p = &qs->p;
  if (qs->lut) {
    const uint8_t *x = e->in[0], *lut = qs->lut;
    uint8_t *y = e->out[0];
    const size_t n = (size_t)(p->outer * p->inner);
    for (size_t i = 0; i < n; i++) y[i] = lut[x[i]];
  } else if (qs->k)
    qs->k->fn.qs8_quantize((size_t)(p->outer * p->inner), e->in[0], e->out[0], p->scale[0], p->zp_out[0], p->qmin,
                           p->qmax, p->rounding);
  else if (p->in_dtype == ENN_DTYPE_F32) enn_qs8_quantize__ref(p, e->in[0], e->out[0]);
  else enn_qs8_requantize__ref(p, e->in[0], e->out[0]);
}

static enn_status dequantize_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  const enn_tensor_desc *x = e->in_desc[0];
  enn_status st;
  if ((st = enn_qs8_check_quant(n, x, "input 0", false))) return st;
  enn_qs8_quant_params v;
  memset(&v, 0, sizeof v);
  channel_view(x, &x->quant, &v);
  const size_t c = (size_t)v.channels;
  quant_state *qs = enn_prepare_alloc(ctx, sizeof *qs + c * (sizeof(float) + sizeof(int32_t)));
  if (!qs) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  enn_qs8_quant_params *p = &qs->p;
  *p = v;
  float *scale = (float *)(qs + 1);
  int32_t *zp = (int32_t *)(scale + c);
  per_channel(&x->quant, v.channels, scale, zp);
  p->in_dtype = x->dtype;
  p->out_dtype = ENN_DTYPE_F32;
  p->scale = scale;
  p->zp_in = zp;
  e->state = qs;
  e->kernel = "enn_qs8_dequantize__ref";
  qs->k = NULL;
  if (x->dtype == ENN_DTYPE_I8 && v.channels == 1 && (qs->k = enn_kernel_find(ENN_KOP_QS8_DEQUANTIZE, ENN_DTYPE_I8, 0, 0)))
    e->kernel = qs->k->name;
  return ENN_OK;
}

static void dequantize_run(const enn_exec *e) {
  const quant_state *qs = e->state;
  const enn_qs8_quant_params *p = &qs->p;
  if (qs->k) qs->k->fn.qs8_dequantize((size_t)(p->outer * p->inner), e->in[0], e->out[0], p->scale[0], p->zp_in[0]);
  else enn_qs8_dequantize__ref(p, e->in[0], e->out[0]);
}

const enn_op_vtable enn_op_vt_quantize = {quantize_infer, quantize_prepare, quantize_run, NULL};
const enn_op_vtable enn_op_vt_dequantize = {dequantize_infer, dequantize_prepare, dequantize_run, NULL};
