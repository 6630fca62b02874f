/*
 * fp32 FMA throughput, AVX2 + FMA (compiled with -mavx2 -mfma, this file
 * only). 12 independent register accumulators (with the two constants, 14
 * of the 16 ymm registers: no spills) hide the FMA latency on two FMA
 * pipes; each iteration is 12 vfmadd on 8 lanes = 192 FLOP. FMA is not
 * reassociated (no -ffast-math), so the compiler must keep every one.
 */
#include <immintrin.h>
#include <stdint.h>

double peak_fma_avx2(int64_t iters, float seed);

#define STEP(c) c = _mm256_fmadd_ps(c, a, b)

double peak_fma_avx2(int64_t iters, float seed) {
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f * seed);
  __m256 c0 = _mm256_set1_ps(seed), c1 = _mm256_add_ps(c0, a), c2 = _mm256_add_ps(c1, a), c3 = _mm256_add_ps(c2, a);
  __m256 c4 = _mm256_add_ps(c3, a), c5 = _mm256_add_ps(c4, a), c6 = _mm256_add_ps(c5, a), c7 = _mm256_add_ps(c6, a);
  __m256 c8 = _mm256_add_ps(c7, a), c9 = _mm256_add_ps(c8, a), c10 = _mm256_add_ps(c9, a), c11 = _mm256_add_ps(c10, a);
  for (int64_t it = 0; it < iters; it++) {
    STEP(c0); STEP(c1); STEP(c2); STEP(c3); STEP(c4); STEP(c5); STEP(c6); STEP(c7);
    STEP(c8); STEP(c9); STEP(c10); STEP(c11);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  float out[8];
  _mm256_storeu_ps(out, s);
  double r = 0;
  for (int i = 0; i < 8; i++) r += out[i];
  return r;
}
