/*
 * Reference Softmax / LogSoftmax along one axis (dense row-major f32).
 *
 * The tensor is viewed as [outer, n, inner] (n = the axis' size). For every
 * (o, i) the n values v_k = x[o, k, i] give, with m = max_k v_k and
 * s = sum_k expf(v_k - m) accumulated in float for k ascending:
 *   softmax:     y[o,k,i] = expf(v_k - m) / s
 *   log_softmax: y[o,k,i] = (v_k - m) - logf(s)
 * (subtracting the max keeps expf from overflowing). y may equal x.
 */
#ifndef ENN_KERNELS_REF_SOFTMAX_REF_H
#define ENN_KERNELS_REF_SOFTMAX_REF_H

#include <stdint.h>

typedef struct enn_softmax_params {
  int64_t outer, n, inner;
  int32_t log; /* 1 = log_softmax */
} enn_softmax_params;

void enn_f32_softmax__ref(const enn_softmax_params *p, const float *x, float *y);

#endif
