/*
 * int8 activations as 256-entry lookup tables (kernels/ref/q8_lut_ref.h).
 * prepare evaluates each operator's definition for the 256 possible inputs:
 *   Relu, Clip (Relu6 = Clip(0, 6))  TFLite's ReluX: a rescale by
 *                                    in_scale / out_scale, then the clip
 *                                    bounds' integer range on the output;
 *   LeakyRelu                        TFLite's QuantizeLeakyRelu (identity and
 *                                    alpha multipliers);
 *   HardSwish                        TFLite's int16 fixed-point HardSwish;
 *   Sigmoid, Tanh                    TFLite's LUTPopulate of the float
 *                                    function (its int8 LOGISTIC / TANH);
 *   HardSigmoid, Swish               the same float table of act.h's formula
 *                                    (TFLite has no int8 form of these).
 * Multipliers whose TFLite definition is a float expression are formed in
 * float as TFLite does. run is one table lookup per element (in place safe).
 */
#include <math.h>

#include "kernels/ref/q8_lut_ref.h"
#include "ops/qs8_ew.h"
#include "quant/requant.h"

typedef struct unary_q8_state {
  int64_t n;
  int8_t table[256];
} unary_q8_state;

enn_status enn_qs8_unary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out) {
  ENN_UNUSED(in_data);
  enn_status st;
  if ((st = enn_qs8_expect(n, in, 0, ENN_DTYPE_I8, -1))) return st;
  if (in[0]->quant.count > 1)
    return enn_node_err(n, ENN_ERR_UNSUPPORTED, "input is quantised per axis (%u scales); int8 %s takes per-tensor "
                        "parameters", in[0]->quant.count, enn_op_name(n->op));
  if ((st = enn_check_act(n))) return st;
  const enn_attrs *a = &n->attrs;
  if (n->op == ENN_OP_CLIP && !(a->act_min <= a->act_max))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "clip bounds min %g > max %g (or NaN)", (double)a->act_min,
                        (double)a->act_max);
  if ((n->op == ENN_OP_LEAKY_RELU || n->op == ENN_OP_HARD_SIGMOID) && !isfinite(a->alpha))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "alpha %g is not finite", (double)a->alpha);
  if (n->op == ENN_OP_HARD_SIGMOID && !isfinite(a->beta))
    return enn_node_err(n, ENN_ERR_INVALID_ARG, "beta %g is not finite", (double)a->beta);
  switch (n->op) {
  case ENN_OP_RELU:
  case ENN_OP_CLIP:
  case ENN_OP_LEAKY_RELU:
  case ENN_OP_SIGMOID:
  case ENN_OP_HARD_SIGMOID:
  case ENN_OP_HARD_SWISH:
  case ENN_OP_SWISH:
  case ENN_OP_TANH: break;
  default: return enn_node_err(n, ENN_ERR_UNSUPPORTED, "%s has no int8 form", enn_op_name(n->op));
  }
  enn_tensor_desc_init(out, ENN_DTYPE_I8, in[0]->rank, in[0]->dims);
  return ENN_OK;
}

/* TFLite's QuantizeMultiplier for any sign: a negative multiplier keeps
 * frexp's negative mantissa (no halving at -2^31), as TFLite's does. */
static void quantize_multiplier_signed(double real, int32_t *m, int32_t *shift) {
  if (real >= 0.0) {
    enn_quantize_multiplier(real, m, shift);
    return;
  }
  int e = 0;
  const double q = frexp(real, &e); /* q in (-1, -0.5] */
  int64_t qf = (int64_t)llround(q * 2147483648.0);
  if (e < -31) {
    qf = 0;
    e = 0;
  }
  if (e > 30) { /* as enn_quantize_multiplier: clamp absurd multipliers */
    e = 30;
    qf = -INT32_MAX;
  }
  *m = (int32_t)qf;
  *shift = e;
}

static enn_status build_table(const enn_node *n, float si, int32_t zi, float so, int32_t zo, int8_t *table) {
  const enn_attrs *a = &n->attrs;
  int32_t m, sh;
  switch (n->op) {
  case ENN_OP_RELU:
  case ENN_OP_CLIP: {
    int32_t lo, hi;
    const float r = si / so; /* TFLite: double real = s_in / s_out, evaluated in float */
    enn_quantize_multiplier((double)r, &m, &sh);
    if (n->op == ENN_OP_RELU) enn_act_range_q(ENN_ACT_RELU, 0.0f, 0.0f, so, zo, -128, 127, &lo, &hi);
    else enn_act_range_q(ENN_ACT_CLIP, a->act_min, a->act_max, so, zo, -128, 127, &lo, &hi);
    enn_qs8_lut_relu(table, zi, zo, m, sh, lo, hi);
    return ENN_OK;
  }
  case ENN_OP_LEAKY_RELU: {
    int32_t ma, sa;
    const float r_id = si / so, r_alpha = si * a->alpha / so;
    enn_quantize_multiplier((double)r_id, &m, &sh);
    quantize_multiplier_signed((double)r_alpha, &ma, &sa);
    enn_qs8_lut_leaky(table, zi, zo, m, sh, ma, sa);
    return ENN_OK;
  }
  case ENN_OP_HARD_SWISH: {
    enn_qs8_hard_swish_params hp;
    const float hires = (1.0f / 128.0f) * si, reluish_scale = 3.0f / 32768.0f;
    const float out_mult = hires / so, reluish_mult = hires / reluish_scale;
    hp.in_zp = zi;
    hp.out_zp = zo;
    enn_quantize_multiplier((double)out_mult, &m, &hp.out_exp);
    hp.out_mult = enn_qs8_q31_to_q15(m);
    if (hp.out_exp > 0)
      return enn_node_err(n, ENN_ERR_UNSUPPORTED,
                          "output scale %g is too small for input scale %g (int8 HardSwish needs out_scale >= "
                          "in_scale / 128, as TFLite)",
                          (double)so, (double)si);
    enn_quantize_multiplier((double)reluish_mult, &m, &hp.reluish_exp);
    hp.reluish_mult = enn_qs8_q31_to_q15(m);
    enn_qs8_lut_hard_swish(table, &hp);
    return ENN_OK;
  }
  default: {
    enn_act_params act = {ENN_ACT_NONE, -INFINITY, INFINITY, a->alpha, a->beta};
    switch (n->op) {
    case ENN_OP_SIGMOID: act.act = ENN_ACT_SIGMOID; break;
    case ENN_OP_HARD_SIGMOID: act.act = ENN_ACT_HARD_SIGMOID; break;
    case ENN_OP_SWISH: act.act = ENN_ACT_SWISH; break;
    case ENN_OP_TANH: act.act = ENN_ACT_TANH; break;
    default: return enn_node_err(n, ENN_ERR_UNSUPPORTED, "%s has no int8 form", enn_op_name(n->op));
    }
    enn_qs8_lut_float(table, &act, si, zi, so, zo);
    return ENN_OK;
  }
  }
}

enn_status enn_qs8_unary_prepare(enn_exec *e, enn_prepare_ctx *ctx) {
  const enn_node *n = e->node;
  float si = 0.0f, so = 0.0f;
  int32_t zi = 0, zo = 0;
  enn_status st;
  if ((st = enn_qs8ew_params(n, e->in_desc[0], "input 0", &si, &zi)) ||
      (st = enn_qs8ew_params(n, e->out_desc[0], "output", &so, &zo)))
    return st;
  unary_q8_state *p = enn_prepare_alloc(ctx, sizeof *p);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  if ((st = build_table(n, si, zi, so, zo, p->table))) return st;
  p->n = enn_tensor_desc_numel(e->out_desc[0]);
  e->state = p;
  e->kernel = "enn_qs8_lut__ref";
  return ENN_OK;
}

void enn_qs8_unary_run(const enn_exec *e) {
  const unary_q8_state *p = e->state;
  enn_qs8_lut__ref(p->table, e->in[0], e->out[0], p->n);
}
