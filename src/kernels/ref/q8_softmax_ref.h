/*
 * Reference int8 Softmax along one axis: TFLite's int8 softmax as its
 * optimized CPU kernel computes it (a float table of exponentials; the
 * default on x86 and where TFLITE_SOFTMAX_USE_UINT16_LUT is off).
 *
 * At prepare, for the 256 possible differences d = max - q (d = 0..255):
 *   e[d] = expf((-in_scale) * (float)d)
 * The tensor is viewed as [outer, n, inner]; for each lane (o, i) with
 * values q_k = x[o, k, i], m = max_k q_k and, in float, k ascending:
 *   s = sum_k e[m - q_k]
 *   inv = 1.0f / (s * out_scale)
 *   y[o, k, i] = clamp((int32)roundf(e[m - q_k] * inv) + out_zp, -128, 127)
 * (roundf: half away from zero). TFLite requires out_scale = 1/256 and
 * out_zp = -128 for int8; the formula is the same for any output params.
 * y may equal x (each output is written after the lane has been read).
 */
#ifndef ENN_KERNELS_REF_Q8_SOFTMAX_REF_H
#define ENN_KERNELS_REF_Q8_SOFTMAX_REF_H

#include <stdint.h>

typedef struct enn_qs8_softmax_params {
  int64_t outer, n, inner;
  float out_scale;
  int32_t out_zp;
  float exp_table[256]; /* e[d] = expf(-in_scale * d) */
} enn_qs8_softmax_params;

/* Fills exp_table for the input scale. */
void enn_qs8_softmax_table(enn_qs8_softmax_params *p, float in_scale);

void enn_qs8_softmax__ref(const enn_qs8_softmax_params *p, const int8_t *x, int8_t *y);

#endif
