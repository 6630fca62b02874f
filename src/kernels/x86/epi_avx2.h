/*
 * The fused epilogue (kernels.h, enn_f32_epi) on ymm registers, for the
 * AVX2 translation units (and the AVX-512 ones, through epi_avx512.h). NaN handling follows the scalar spec
 * (kernels/ref/act.h): relu maps NaN to 0 (x > 0 ? x : 0), clip / relu6 /
 * hard-sigmoid keep NaN (max(lo, x) returns its second operand on NaN),
 * hard-swish of NaN is NaN.
 */
#ifndef ENN_KERNELS_X86_EPI_AVX2_H
#define ENN_KERNELS_X86_EPI_AVX2_H

#include <immintrin.h>

#include "kernels/kernels.h"

/* epi_yk: the epilogue of a given kind (a constant where a tile's
 * epilogue is unrolled under one switch: EPI_SWITCH in kernels.h). */
static inline __attribute__((always_inline)) __m256 epi_yk(__m256 x, int kind, const enn_f32_epi *ep) {
  switch (kind) {
  case ENN_EPI_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
  case ENN_EPI_MINMAX: return _mm256_min_ps(_mm256_set1_ps(ep->max), _mm256_max_ps(_mm256_set1_ps(ep->min), x));
  case ENN_EPI_HSWISH: {
    __m256 t = _mm256_add_ps(x, _mm256_set1_ps(3.0f));
    t = _mm256_min_ps(_mm256_max_ps(t, _mm256_setzero_ps()), _mm256_set1_ps(6.0f));
    return _mm256_mul_ps(_mm256_mul_ps(x, t), _mm256_set1_ps(1.0f / 6.0f));
  }
  case ENN_EPI_HSIGMOID: {
    const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(ep->alpha), _mm256_set1_ps(ep->beta));
    return _mm256_min_ps(_mm256_set1_ps(1.0f), _mm256_max_ps(_mm256_setzero_ps(), t));
  }
  default: return x;
  }
}

static inline __attribute__((always_inline)) __m256 epi_y(__m256 x, const enn_f32_epi *ep) {
  return epi_yk(x, ep->kind, ep);
}

#endif
