/*
 * Reference int8 mean over axes (TFLite MEAN, reference kernel
 * reference_ops::QuantizedMeanOrSum, bit for bit; also GlobalAvgPool on
 * int8, which is the mean over H and W). The walk over kept / reduced axes
 * is that of reduce_ref.h (enn_reduce_params).
 *
 *   s   = sum of the raw int8 values of the reduced elements (exact)
 *   acc = s - x_zp * count                                (int32)
 *   y   = clamp(y_zp + MBQM(acc, mult, shift), lo, hi)
 *
 * where (mult, shift) fold 1/count into the rescale exactly as TFLite does
 * (enn_qs8_mean_multiplier): (m, e) = enn_quantize_multiplier(s_x / s_y),
 * k = min(floor(log2(count)), 32, 31 + e), mult = (m * 2^k) / count
 * (integer division), shift = e - k. The operator limits count to 2^23 so
 * acc cannot overflow int32.
 */
#ifndef ENN_KERNELS_REF_Q8_MEAN_REF_H
#define ENN_KERNELS_REF_Q8_MEAN_REF_H

#include <stdint.h>

#include "kernels/ref/reduce_ref.h"
#include "quant/requant.h"

typedef struct enn_qs8_mean_params {
  enn_reduce_params r;
  int32_t x_zp, y_zp;
  int32_t mult, shift;
  int32_t lo, hi;
} enn_qs8_mean_params;

#define ENN_QS8_MEAN_MAX_COUNT ((int64_t)1 << 23)

/* The rescale of a mean of count >= 1 elements, real = s_x / s_y. */
static inline void enn_qs8_mean_multiplier(double real, int64_t count, int32_t *mult, int32_t *shift) {
  int32_t m, e;
  enn_quantize_multiplier(real, &m, &e);
  int32_t k = 0;
  while (k < 62 && ((int64_t)1 << (k + 1)) <= count) k++; /* floor(log2(count)) */
  if (k > 32) k = 32;
  if (k > 31 + e) k = 31 + e;
  if (k < 0) k = 0;
  *mult = (int32_t)(((int64_t)m << k) / count);
  *shift = e - k;
}

void enn_qs8_reduce_mean__ref(const enn_qs8_mean_params *p, const int8_t *x, int8_t *y);

#endif
