/*
 * Reference inference batch normalisation over the last axis (NHWC's C).
 *
 *   s[c]    = gamma[c] / sqrtf(var[c] + eps)          (float, per channel)
 *   y[r, c] = act( (x[r, c] - mean[c]) * s[c] + beta[c] )
 *
 * x, y: [rows, C] row-major (rows = product of the leading dims). Each y
 * element depends only on the x element at the same index, so y may be x
 * (in-place). `scale` is caller-provided scratch of C floats that receives
 * s[] (the kernel never allocates); it must not overlap anything else.
 */
#ifndef ENN_KERNELS_REF_BN_REF_H
#define ENN_KERNELS_REF_BN_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

typedef struct enn_batch_norm_params {
  int64_t rows;
  int64_t c;
  float eps;
  enn_act_params act;
} enn_batch_norm_params;

void enn_f32_batch_norm__ref(const enn_batch_norm_params *p, const float *x, const float *gamma, const float *beta,
                             const float *mean, const float *var, float *scale, float *y);

#endif
