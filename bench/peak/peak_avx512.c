/*
 * fp32 FMA throughput, AVX-512F (compiled with -mavx512f -mfma, this file
 * only). 16 independent register accumulators hide the FMA latency on two
 * FMA pipes; each iteration is 16 vfmadd on 16 lanes = 512 FLOP. FMA is not
 * reassociated (no -ffast-math), so the compiler must keep every one.
 */
#include <immintrin.h>
#include <stdint.h>

double peak_fma_avx512(int64_t iters, float seed);

#define STEP(c) c = _mm512_fmadd_ps(c, a, b)

double peak_fma_avx512(int64_t iters, float seed) {
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f * seed);
  __m512 c0 = _mm512_set1_ps(seed), c1 = _mm512_add_ps(c0, a), c2 = _mm512_add_ps(c1, a), c3 = _mm512_add_ps(c2, a);
  __m512 c4 = _mm512_add_ps(c3, a), c5 = _mm512_add_ps(c4, a), c6 = _mm512_add_ps(c5, a), c7 = _mm512_add_ps(c6, a);
  __m512 c8 = _mm512_add_ps(c7, a), c9 = _mm512_add_ps(c8, a), c10 = _mm512_add_ps(c9, a), c11 = _mm512_add_ps(c10, a);
  __m512 c12 = _mm512_add_ps(c11, a), c13 = _mm512_add_ps(c12, a), c14 = _mm512_add_ps(c13, a),
         c15 = _mm512_add_ps(c14, a);
  for (int64_t it = 0; it < iters; it++) {
    STEP(c0); STEP(c1); STEP(c2); STEP(c3); STEP(c4); STEP(c5); STEP(c6); STEP(c7);
    STEP(c8); STEP(c9); STEP(c10); STEP(c11); STEP(c12); STEP(c13); STEP(c14); STEP(c15);
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c0, c1), _mm512_add_ps(c2, c3)),
                           _mm512_add_ps(_mm512_add_ps(c4, c5), _mm512_add_ps(c6, c7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(c8, c9), _mm512_add_ps(c10, c11)),
                                     _mm512_add_ps(_mm512_add_ps(c12, c13), _mm512_add_ps(c14, c15))));
  return (double)_mm512_reduce_add_ps(s);
}
