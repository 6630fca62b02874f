/*
 * Reference int8 binary kernels; see q8_binary_ref.h for the arithmetic.
 * The output is walked row by row over the merged broadcast axes exactly as
 * the f32 kernel does (an odometer over the outer axes advances both
 * operands' offsets by their possibly zero strides); each element goes
 * through the op's fixed-point formula.
 */
#include "kernels/ref/q8_binary_ref.h"

#include "kernels/ref/nd_iter.h"
#include "quant/requant.h"

static inline int8_t clamp8(int32_t v, int32_t lo, int32_t hi) { return (int8_t)(v < lo ? lo : (v > hi ? hi : v)); }

static inline int8_t add1(const enn_qs8_binary_params *p, int32_t a, int32_t b) {
  const int32_t sa = (a - p->a_zp) * (1 << p->left_shift), sb = (b - p->b_zp) * (1 << p->left_shift);
  const int32_t ra = enn_multiply_by_quantized_multiplier(sa, p->a_mult, p->a_shift);
  const int32_t rb = enn_multiply_by_quantized_multiplier(sb, p->b_mult, p->b_shift);
  return clamp8(p->y_zp + enn_multiply_by_quantized_multiplier(ra + rb, p->y_mult, p->y_shift), p->lo, p->hi);
}

static inline int8_t mul1(const enn_qs8_binary_params *p, int32_t a, int32_t b) {
  const int32_t prod = (a - p->a_zp) * (b - p->b_zp);
  return clamp8(p->y_zp + enn_multiply_by_quantized_multiplier(prod, p->y_mult, p->y_shift), p->lo, p->hi);
}

static inline int8_t prelu1(const enn_qs8_binary_params *p, int32_t a, int32_t b) {
  const int32_t d = a - p->a_zp;
  const int32_t v = d >= 0 ? enn_multiply_by_quantized_multiplier(d, p->a_mult, p->a_shift)
                           : enn_multiply_by_quantized_multiplier(d * (b - p->b_zp), p->b_mult, p->b_shift);
  return clamp8(p->y_zp + v, p->lo, p->hi);
}

void enn_qs8_binary__ref(const enn_qs8_binary_params *p, const int8_t *a, const int8_t *b, int8_t *y) {
  const enn_binary_params *g = &p->geo;
  if (g->numel <= 0) return;
  const int32_t last = g->rank - 1;
  const int64_t n = g->dims[last], sa = g->sa[last], sb = g->sb[last], rows = g->numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t oa = 0, ob = 0;
  for (int64_t row = 0; row < rows; row++) {
    const int8_t *ar = a + oa, *br = b + ob;
    int8_t *yr = y + row * n;
    switch (g->op) {
    case ENN_BINOP_MUL:
      for (int64_t i = 0; i < n; i++) yr[i] = mul1(p, ar[i * sa], br[i * sb]);
      break;
    case ENN_BINOP_PRELU:
      for (int64_t i = 0; i < n; i++) yr[i] = prelu1(p, ar[i * sa], br[i * sb]);
      break;
    default: /* ADD, and SUB through a negated multiplier */
      for (int64_t i = 0; i < n; i++) yr[i] = add1(p, ar[i * sa], br[i * sb]);
      break;
    }
    enn_nd_step2(last, g->dims, g->sa, g->sb, idx, &oa, &ob);
  }
}
