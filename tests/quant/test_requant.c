/*
 * The fixed-point numerics of src/quant/requant.h (and the rounding and
 * mean-rescale helpers of the int8 reference kernels):
 *   - hand-computed cases: multiplier decomposition (exact powers, ties,
 *     the 2^31 carry, underflow below 2^-31, clamping of huge multipliers),
 *     SaturatingRoundingDoublingHighMul ties and saturation,
 *     RoundingDivideByPOT ties on both signs, float quantisation ties,
 *     NaN / inf, activation ranges, round-half-even;
 *   - a reference in 128-bit integer arithmetic written from the
 *     definitions (high-mul = floor((a*b + 2^30) / 2^31); divide = round half
 *     away from zero) over many random (acc, multiplier) pairs including
 *     INT32_MIN / INT32_MAX, ties, multipliers near 2^-31 and >= 1;
 *   - a double-precision check that MBQM(x, M) is within one unit of x*M.
 */
#include <stdint.h>

#include "kernels/ref/q8_mean_ref.h"
#include "kernels/ref/q8_quantize_ref.h"
#include "quant/requant.h"
#include "test.h"

__extension__ typedef __int128 i128;

/* floor(v / 2^k) in 128-bit. */
static i128 floor_shift128(i128 v, int k) {
  const i128 d = (i128)1 << k;
  i128 q = v / d;
  if (v % d != 0 && v < 0) q--;
  return q;
}

static int32_t ref_high_mul(int32_t a, int32_t b) {
  i128 v = floor_shift128((i128)a * (i128)b + ((i128)1 << 30), 31);
  if (v > INT32_MAX) v = INT32_MAX;
  return (int32_t)v;
}

static int32_t ref_div_pot(int32_t x, int e) {
  if (e <= 0) return x;
  i128 a = x < 0 ? -(i128)x : (i128)x;
  i128 q = (a + ((i128)1 << (e - 1))) >> e;
  return (int32_t)(x < 0 ? -q : q);
}

static int32_t ref_mbqm(int32_t x, int32_t m, int32_t shift) {
  const int left = shift > 0 ? shift : 0, right = shift > 0 ? 0 : -shift;
  i128 xl = (i128)x * ((i128)1 << left);
  /* int32 wrap of the left shift, as two's complement */
  xl = (i128)(int32_t)(uint32_t)((uint64_t)xl & 0xffffffffu);
  return ref_div_pot(ref_high_mul((int32_t)xl, m), right);
}

static void test_quantize_multiplier_hand(void) {
  int32_t m, s;
  enn_quantize_multiplier(0.5, &m, &s);
  CHECK(m == (1 << 30) && s == 0);
  enn_quantize_multiplier(1.0, &m, &s);
  CHECK(m == (1 << 30) && s == 1);
  enn_quantize_multiplier(0.75, &m, &s);
  CHECK(m == 1610612736 && s == 0);
  enn_quantize_multiplier(3.0, &m, &s); /* 0.75 * 2^2 */
  CHECK(m == 1610612736 && s == 2);
  enn_quantize_multiplier(0.1, &m, &s); /* 0.8 * 2^-3: round(0.8 * 2^31) = 1717986918 */
  CHECK(m == 1717986918 && s == -3);
  /* just below 1: the mantissa rounds up to 2^31 and carries */
  enn_quantize_multiplier(1.0 - 1e-12, &m, &s);
  CHECK(m == (1 << 30) && s == 1);
  /* 2^-31 = 0.5 * 2^-30 is the smallest kept; 2^-32 = 0.5 * 2^-31 too (e = -31) */
  enn_quantize_multiplier(ldexp(1.0, -31), &m, &s);
  CHECK(m == (1 << 30) && s == -30);
  enn_quantize_multiplier(ldexp(1.0, -32), &m, &s);
  CHECK(m == (1 << 30) && s == -31);
  enn_quantize_multiplier(ldexp(1.0, -33), &m, &s); /* e = -32: flushed */
  CHECK(m == 0 && s == 0);
  enn_quantize_multiplier(0.0, &m, &s);
  CHECK(m == 0 && s == 0);
  enn_quantize_multiplier(-1.0, &m, &s);
  CHECK(m == 0 && s == 0);
  enn_quantize_multiplier(ldexp(1.0, 40), &m, &s); /* clamped */
  CHECK(m == INT32_MAX && s == 30);
}

static void test_high_mul_hand(void) {
  /* 2^30 * 2^30 / 2^31 = 2^29 exactly */
  CHECK(enn_sat_round_doubling_high_mul(1 << 30, 1 << 30) == (1 << 29));
  /* a*b / 2^31 = +0.5 rounds up to 1; -0.5 rounds up to 0 (gemmlowp's nudge) */
  CHECK(enn_sat_round_doubling_high_mul(1, 1 << 30) == 1);
  CHECK(enn_sat_round_doubling_high_mul(-1, 1 << 30) == 0);
  CHECK(enn_sat_round_doubling_high_mul(3, 1 << 30) == 2);   /* 1.5 -> 2 */
  CHECK(enn_sat_round_doubling_high_mul(-3, 1 << 30) == -1); /* -1.5 -> -1 */
  CHECK(enn_sat_round_doubling_high_mul(-5, 1 << 30) == -2); /* -2.5 -> -2 */
  CHECK(enn_sat_round_doubling_high_mul(INT32_MIN, INT32_MIN) == INT32_MAX);
  CHECK(enn_sat_round_doubling_high_mul(INT32_MIN, INT32_MAX) == -INT32_MAX);
  CHECK(enn_sat_round_doubling_high_mul(INT32_MAX, INT32_MAX) == INT32_MAX - 1);
}

static void test_divide_pot_hand(void) {
  CHECK(enn_rounding_divide_by_pot(5, 1) == 3);   /* 2.5 -> 3 */
  CHECK(enn_rounding_divide_by_pot(-5, 1) == -3); /* -2.5 -> -3 */
  CHECK(enn_rounding_divide_by_pot(6, 2) == 2);   /* 1.5 -> 2 */
  CHECK(enn_rounding_divide_by_pot(-6, 2) == -2);
  CHECK(enn_rounding_divide_by_pot(-7, 2) == -2); /* -1.75 */
  CHECK(enn_rounding_divide_by_pot(-5, 2) == -1); /* -1.25 */
  CHECK(enn_rounding_divide_by_pot(7, 0) == 7);
  CHECK(enn_rounding_divide_by_pot(INT32_MIN, 31) == -1);
  CHECK(enn_rounding_divide_by_pot(INT32_MAX, 31) == 1);
  CHECK(enn_rounding_divide_by_pot(-(1 << 29), 31) == 0); /* -0.25 */
  CHECK(enn_rounding_divide_by_pot(-(1 << 30), 31) == -1); /* -0.5 -> -1 */
}

static void test_mbqm_hand(void) {
  int32_t m, s;
  enn_quantize_multiplier(0.5, &m, &s);
  CHECK(enn_multiply_by_quantized_multiplier(7, m, s) == 4);   /* 3.5 -> 4 */
  CHECK(enn_multiply_by_quantized_multiplier(-7, m, s) == -3); /* -3.5: high-mul rounds up */
  enn_quantize_multiplier(0.25, &m, &s);
  CHECK(enn_multiply_by_quantized_multiplier(-6, m, s) == -2); /* -1.5: RDivPOT away from zero */
  CHECK(enn_multiply_by_quantized_multiplier(10, m, s) == 3);  /* 2.5 -> 3 */
  enn_quantize_multiplier(1.0, &m, &s);
  for (int32_t x = -300; x <= 300; x += 7) CHECK(enn_multiply_by_quantized_multiplier(x, m, s) == x);
  enn_quantize_multiplier(3.0, &m, &s);
  CHECK(enn_multiply_by_quantized_multiplier(100, m, s) == 300);
  CHECK(enn_multiply_by_quantized_multiplier(-100, m, s) == -300);
  /* requantize clamps after adding the zero point */
  enn_quantize_multiplier(0.5, &m, &s);
  CHECK(enn_requantize(1000, m, s, 5, -128, 127) == 127);
  CHECK(enn_requantize(-1000, m, s, 5, -128, 127) == -128);
  CHECK(enn_requantize(20, m, s, -3, -128, 127) == 7);
  CHECK(enn_requantize(20, m, s, -3, 0, 5) == 5);
}

static void test_quantize_f32_hand(void) {
  CHECK(enn_quantize_f32(0.25f, 0.5f, 0, -128, 127) == 1);  /* 0.5 -> 1 */
  CHECK(enn_quantize_f32(-0.25f, 0.5f, 0, -128, 127) == -1);
  CHECK(enn_quantize_f32(1.25f, 0.5f, 3, -128, 127) == 6); /* 2.5 -> 3, + 3 */
  CHECK(enn_quantize_f32(100.0f, 0.5f, 0, -128, 127) == 127);
  CHECK(enn_quantize_f32(-100.0f, 0.5f, 0, -128, 127) == -128);
  CHECK(enn_quantize_f32(NAN, 0.5f, 9, -128, 127) == 9);
  CHECK(enn_quantize_f32(INFINITY, 0.5f, 0, -128, 127) == 127);
  CHECK(enn_quantize_f32(-INFINITY, 0.5f, 0, 0, 255) == 0);
  CHECK(enn_quantize_f32(1.0f, 1.0f / 255.0f, -128, -128, 127) == 127);
  /* half to even (ONNX QuantizeLinear) */
  CHECK(enn_quantize_f32_mode(0.25f, 0.5f, 0, -128, 127, 1) == 0);  /* 0.5 -> 0 */
  CHECK(enn_quantize_f32_mode(0.75f, 0.5f, 0, -128, 127, 1) == 2);  /* 1.5 -> 2 */
  CHECK(enn_quantize_f32_mode(1.25f, 0.5f, 0, -128, 127, 1) == 2);  /* 2.5 -> 2 */
  CHECK(enn_quantize_f32_mode(-1.25f, 0.5f, 0, -128, 127, 1) == -2); /* -2.5 -> -2 */
  CHECK(enn_quantize_f32_mode(-0.75f, 0.5f, 0, -128, 127, 1) == -2); /* -1.5 -> -2 */
  CHECK(enn_quantize_f32_mode(1.2f, 0.5f, 0, -128, 127, 1) == 2);    /* 2.4 -> 2 */
  CHECK(enn_quantize_f32_mode(1.3f, 0.5f, 0, -128, 127, 1) == 3);    /* 2.6 -> 3 */
  CHECK(enn_quantize_f32_mode(NAN, 0.5f, 4, -128, 127, 1) == 4);
  CHECK(enn_quantize_f32_mode(1e30f, 0.5f, 0, 0, 255, 1) == 255);
  CHECK(enn_quantize_f32_mode(1.25f, 0.5f, 0, -128, 127, 0) == 3); /* mode 0 = TFLite */
  CHECK(enn_round_half_even_f32(3.5f) == 4.0f && enn_round_half_even_f32(4.5f) == 4.0f);
  CHECK(enn_round_half_even_f32(-3.5f) == -4.0f && enn_round_half_even_f32(-4.5f) == -4.0f);
  CHECK(enn_round_half_even_f32(8388607.5f) == 8388608.0f);
  CHECK(enn_round_half_even_f32(-0.4999999f) == 0.0f);
  CHECK(enn_dequantize_q(-3, 0.5f, 5) == -4.0f);
}

static void test_act_range_hand(void) {
  int32_t lo, hi;
  /* scale 0.1, zp -20: real 0 -> -20, real 6 -> 40 */
  CHECK(enn_act_range_q(ENN_ACT_NONE, 0, 0, 0.1f, -20, -128, 127, &lo, &hi) && lo == -128 && hi == 127);
  CHECK(enn_act_range_q(ENN_ACT_RELU, 0, 0, 0.1f, -20, -128, 127, &lo, &hi) && lo == -20 && hi == 127);
  CHECK(enn_act_range_q(ENN_ACT_RELU6, 0, 0, 0.1f, -20, -128, 127, &lo, &hi) && lo == -20 && hi == 40);
  CHECK(enn_act_range_q(ENN_ACT_CLIP, -1.0f, 1.0f, 0.1f, -20, -128, 127, &lo, &hi) && lo == -30 && hi == -10);
  /* bounds outside the representable range clamp to the storage range */
  CHECK(enn_act_range_q(ENN_ACT_RELU6, 0, 0, 0.01f, 100, -128, 127, &lo, &hi) && lo == 100 && hi == 127);
  CHECK(enn_act_range_q(ENN_ACT_RELU, 0, 0, 0.5f, -200, -128, 127, &lo, &hi) && lo == -128);
  CHECK(!enn_act_range_q(ENN_ACT_SIGMOID, 0, 0, 0.1f, 0, -128, 127, &lo, &hi));
  CHECK(!enn_act_range_q(ENN_ACT_HARD_SWISH, 0, 0, 0.1f, 0, -128, 127, &lo, &hi));
}

static unsigned long long rng = 12345;
static uint32_t next32(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint32_t)(rng >> 32);
}

/* A random accumulator biased towards edge values. */
static int32_t rand_acc(void) {
  switch (next32() % 8) {
  case 0: return INT32_MIN + (int32_t)(next32() % 3);
  case 1: return INT32_MAX - (int32_t)(next32() % 3);
  case 2: return (int32_t)(next32() % 2001) - 1000;
  case 3: return (int32_t)(next32() % 65) - 32; /* small: many exact ties */
  default: return (int32_t)next32();
  }
}

/* A random real multiplier across the whole range, with edge cases. */
static double rand_real(void) {
  switch (next32() % 10) {
  case 0: return ldexp(1.0, -31) * (1.0 + (double)(next32() % 1000) / 1000.0); /* near 2^-31 */
  case 1: return ldexp(1.0, -(int)(next32() % 33));                            /* exact powers of two */
  case 2: return 1.0 + (double)(next32() % 1000) / 100.0;                        /* >= 1 */
  case 3: return ldexp(1.0, 31) * 0.75;                                          /* absurd: clamped */
  case 4: return ldexp(1.0 - ldexp(1.0, -40), -(int)(next32() % 20));           /* mantissa carries */
  default: return ldexp((double)next32() / 4294967296.0 + 0.5, -(int)(next32() % 32));
  }
}

static void test_random_against_reference(void) {
  long bad_hm = 0, bad_div = 0, bad_mbqm = 0, bad_close = 0, n_close = 0;
  for (int it = 0; it < 200000; it++) {
    const int32_t a = rand_acc(), b = it % 5 == 0 ? INT32_MIN : (int32_t)next32();
    if (enn_sat_round_doubling_high_mul(a, b) != ref_high_mul(a, b)) bad_hm++;
    const int e = (int)(next32() % 32);
    if (enn_rounding_divide_by_pot(a, e) != ref_div_pot(a, e)) bad_div++;
    int32_t m, s;
    const double real = rand_real();
    enn_quantize_multiplier(real, &m, &s);
    /* the decomposition: m in [2^30, 2^31) (or 0), m * 2^(s-31) within 2^-31 relative */
    if (m != 0) {
      const double back = ldexp((double)m, s - 31);
      if (m < (1 << 30) || (fabs(back - real) > real * ldexp(1.0, -30) && real < ldexp(1.0, 30))) bad_close++;
    }
    if (enn_multiply_by_quantized_multiplier(a, m, s) != ref_mbqm(a, m, s)) bad_mbqm++;
    /* For multipliers < 1 (no left shift) MBQM is within one unit of x * M. */
    if (m != 0 && s <= 0) {
      n_close++;
      const double want = (double)a * ldexp((double)m, s - 31);
      if (fabs((double)enn_multiply_by_quantized_multiplier(a, m, s) - want) > 1.0) bad_close++;
    }
  }
  CHECK_MSG(bad_hm == 0, "%ld high-mul mismatches", bad_hm);
  CHECK_MSG(bad_div == 0, "%ld divide mismatches", bad_div);
  CHECK_MSG(bad_mbqm == 0, "%ld MBQM mismatches", bad_mbqm);
  CHECK_MSG(bad_close == 0, "%ld results too far from x * M", bad_close);
  CHECK(n_close > 10000);
}

/* Exhaustive over small accumulators and many multipliers: ties in both
 * rounding steps are hit systematically. */
static void test_exhaustive_small(void) {
  long bad = 0;
  for (int k = 0; k < 400; k++) {
    int32_t m, s;
    enn_quantize_multiplier(k == 0 ? 1.0 : ldexp(1.0 + (double)k / 400.0, -(k % 12)), &m, &s);
    for (int32_t x = -5000; x <= 5000; x++)
      if (enn_multiply_by_quantized_multiplier(x, m, s) != ref_mbqm(x, m, s)) bad++;
  }
  CHECK_MSG(bad == 0, "%ld mismatches", bad);
}

/* The mean rescale folds 1/count as TFLite's QuantizedMeanOrSum. */
static void test_mean_multiplier(void) {
  int32_t m, s, m0, s0;
  enn_quantize_multiplier(1.0, &m0, &s0); /* (2^30, 1) */
  enn_qs8_mean_multiplier(1.0, 1, &m, &s);
  CHECK(m == m0 && s == s0);
  enn_qs8_mean_multiplier(1.0, 4, &m, &s); /* k = 2: m unchanged, shift 1 - 2 */
  CHECK(m == (1 << 30) && s == -1);
  enn_qs8_mean_multiplier(1.0, 3, &m, &s); /* k = 1: (2^30 * 2) / 3 */
  CHECK(m == (int32_t)(((int64_t)1 << 31) / 3) && s == 0);
  enn_qs8_mean_multiplier(0.5, 64, &m, &s); /* (2^30, 0), k = 6 */
  CHECK(m == (1 << 30) && s == -6);
  /* k is capped at 31 + e */
  enn_qs8_mean_multiplier(ldexp(1.0, -30), 1 << 20, &m, &s); /* (2^30, -29): k = min(20, 2) = 2 */
  CHECK(m == 4096 && s == -31);                                /* 2^30 * 4 / 2^20 */
  /* a mean of values v with multiplier 1: MBQM((sum - zp*n), m, s) ~ mean */
  for (int64_t n = 1; n <= 1000; n += 37) {
    enn_qs8_mean_multiplier(1.0, n, &m, &s);
    const int32_t acc = (int32_t)(50 * n);
    CHECK_MSG(enn_multiply_by_quantized_multiplier(acc, m, s) == 50, "n %lld", (long long)n);
  }
}

int main(void) {
  ENN_RUN(test_quantize_multiplier_hand);
  ENN_RUN(test_high_mul_hand);
  ENN_RUN(test_divide_pot_hand);
  ENN_RUN(test_mbqm_hand);
  ENN_RUN(test_quantize_f32_hand);
  ENN_RUN(test_act_range_hand);
  ENN_RUN(test_random_against_reference);
  ENN_RUN(test_exhaustive_small);
  ENN_RUN(test_mean_multiplier);
  return enn_test_finish();
}
