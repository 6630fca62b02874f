/*
 * int8 element-wise add, baseline AArch64 NEON (enn_qs8_vadd__neon; the
 * contract is kernels.h QS8_VADD, the spec q8_binary_ref.h's TFLite ADD):
 *   a' = (a - a_zp) << left_shift, b' likewise (int32, wrapping),
 *   y  = clamp(y_zp + MBQM(MBQM(a', a_m, a_s) + MBQM(b', b_m, b_s), y_m, y_s), lo, hi)
 * 16 elements per step: the bytes are sign-extended to four int32x4
 * vectors, every MBQM is arm/qs8_neon.h's exact vqrdmulh + vrshl form,
 * the sums wrap as the reference's, and the result is narrowed with
 * saturation and clamped in int8. The last n % 16 elements go through a
 * 16-byte copy (nothing past the arrays is touched); each block is loaded
 * before it is stored, so y may alias a or b.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include <arm_neon.h>
#include <string.h>

#include "kernels/arm/qs8_neon.h"

typedef struct rq {
  int32x4_t m, l, ne;
} rq;

static rq rq_of(int32_t m, int32_t shift) {
  rq r;
  r.m = vdupq_n_s32(m);
  r.l = vdupq_n_s32(shift > 0 ? shift : 0);
  r.ne = vdupq_n_s32(shift > 0 ? 0 : shift);
  return r;
}

typedef struct add_k {
  rq qa, qb, qy;
  int32x4_t azp, bzp, yzp, ls;
  int8x16_t lo, hi;
} add_k;

static inline __attribute__((always_inline)) int32x4_t add4(int16x4_t a, int16x4_t b, const add_k *k) {
  const int32x4_t xa = vshlq_s32(vsubq_s32(vmovl_s16(a), k->azp), k->ls);
  const int32x4_t xb = vshlq_s32(vsubq_s32(vmovl_s16(b), k->bzp), k->ls);
  const int32x4_t s = vaddq_s32(qn_mbqm(xa, k->qa.m, k->qa.l, k->qa.ne, 1), qn_mbqm(xb, k->qb.m, k->qb.l, k->qb.ne, 1));
  return qn_mbqm(s, k->qy.m, k->qy.l, k->qy.ne, 1);
}

static inline __attribute__((always_inline)) int8x16_t add16(int8x16_t a, int8x16_t b, const add_k *k) {
  const int16x8_t a0 = vmovl_s8(vget_low_s8(a)), a1 = vmovl_high_s8(a);
  const int16x8_t b0 = vmovl_s8(vget_low_s8(b)), b1 = vmovl_high_s8(b);
  return qn_narrow16(add4(vget_low_s16(a0), vget_low_s16(b0), k), add4(vget_high_s16(a0), vget_high_s16(b0), k),
                     add4(vget_low_s16(a1), vget_low_s16(b1), k), add4(vget_high_s16(a1), vget_high_s16(b1), k),
                     k->yzp, k->lo, k->hi);
}

void enn_qs8_vadd__neon(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const enn_qs8_add_params *p) {
  add_k k;
  k.qa = rq_of(p->a_mult, p->a_shift);
  k.qb = rq_of(p->b_mult, p->b_shift);
  k.qy = rq_of(p->y_mult, p->y_shift);
  k.azp = vdupq_n_s32(p->a_zp);
  k.bzp = vdupq_n_s32(p->b_zp);
  k.yzp = vdupq_n_s32(p->y_zp);
  k.ls = vdupq_n_s32(p->left_shift);
  k.lo = vdupq_n_s8((int8_t)p->lo);
  k.hi = vdupq_n_s8((int8_t)p->hi);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) vst1q_s8(y + i, add16(vld1q_s8(a + i), vld1q_s8(b + i), &k));
  if (i < n) {
    int8_t ta[16] = {0}, tb[16] = {0};
    memcpy(ta, a + i, n - i);
    memcpy(tb, b + i, n - i);
    qn_store(y + i, add16(vld1q_s8(ta), vld1q_s8(tb), &k), n - i);
  }
}

#endif
