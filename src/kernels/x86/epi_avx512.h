/*
 * The fused epilogue (kernels.h, enn_f32_epi) on zmm registers, for
 * the AVX-512 translation units. NaN handling follows the scalar spec
 * (kernels/ref/act.h): relu maps NaN to 0 (x > 0 ? x : 0), clip / relu6 /
 * hard-sigmoid keep NaN (max(lo, x) returns its second operand on NaN),
 * hard-swish of NaN is NaN.
 */
#ifndef ENN_KERNELS_X86_EPI_AVX512_H
#define ENN_KERNELS_X86_EPI_AVX512_H

#include <immintrin.h>

#include "kernels/kernels.h"
#include "kernels/x86/epi_avx2.h"

/* epi_zk: the epilogue of a given kind (a constant where a tile's
 * epilogue is unrolled under one switch: EPI_SWITCH in kernels.h); the
 * ymm forms come from epi_avx2.h. */
static inline __attribute__((always_inline)) __m512 epi_zk(__m512 x, int kind, const enn_f32_epi *ep) {
  switch (kind) {
  case ENN_EPI_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
  case ENN_EPI_MINMAX: return _mm512_min_ps(_mm512_set1_ps(ep->max), _mm512_max_ps(_mm512_set1_ps(ep->min), x));
  case ENN_EPI_HSWISH: {
    __m512 t = _mm512_add_ps(x, _mm512_set1_ps(3.0f));
    t = _mm512_min_ps(_mm512_max_ps(t, _mm512_setzero_ps()), _mm512_set1_ps(6.0f));
    return _mm512_mul_ps(_mm512_mul_ps(x, t), _mm512_set1_ps(1.0f / 6.0f));
  }
  case ENN_EPI_HSIGMOID: {
    const __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(ep->alpha), _mm512_set1_ps(ep->beta));
    return _mm512_min_ps(_mm512_set1_ps(1.0f), _mm512_max_ps(_mm512_setzero_ps(), t));
  }
  default: return x;
  }
}

static inline __attribute__((always_inline)) __m512 epi_z(__m512 x, const enn_f32_epi *ep) {
  return epi_zk(x, ep->kind, ep);
}

#endif
