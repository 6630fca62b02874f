/*
 * Winograd F(4x4, 3x3) input and output transforms, AVX2 + FMA (this file
 * alone is compiled with -mavx2 -mfma). The math and layouts are those of
 * kernels/ref/winograd_ref.h; here 8 channels go through each transform
 * at once, one ymm per tile element, a masked block for the last c % 8.
 *
 * Each 2-D transform is two passes of a 1-D one (B^T for the input, A^T
 * for the output): first along every tile row (the 6 values of a row in
 * registers, its 6 / 4 results kept in a local array), then along every
 * column of that array. The 1-D transforms are factored to 12 (input) and
 * 10 (output) additions / FMAs:
 *   B^T d:  t0 = d4 - 4 d2, t1 = d3 - 4 d1, t2 = d4 - d2, t3 = 2 (d3 - d1),
 *           r0 = 4 d0 + (d4 - 5 d2), r1 = t0 + t1, r2 = t0 - t1,
 *           r3 = t2 + t3, r4 = t2 - t3, r5 = 4 d1 + (d5 - 5 d3)
 *   A^T m:  a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4,
 *           o0 = (m0 + a) + c, o1 = b + 2 d, o2 = a + 4 c, o3 = (b + m5) + 8 d
 * The output adds the bias and runs the fused epilogue before storing the
 * tile's valid rows and columns.
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#include "kernels/x86/epi_avx2.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")

static const int32_t mask_table[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
/* Lanes [0, min(n, 8)) set. */
INL __m256i mask8(size_t n) {
  return _mm256_loadu_si256((const __m256i *)(const void *)(mask_table + 8 - (n < 8 ? n : 8)));
}
/* vmaskmovps only for a partial block (it is slow on some cores). */
INL __m256 ld(const float *p, bool full, __m256i mk) { return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mk); }
INL void st(float *p, bool full, __m256i mk, __m256 x) {
  if (full) _mm256_storeu_ps(p, x);
  else _mm256_maskstore_ps(p, mk, x);
}

INL void bt6(const __m256 *d, __m256 *r) {
  const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f), five = _mm256_set1_ps(5.0f);
  const __m256 t0 = _mm256_fnmadd_ps(four, d[2], d[4]);
  const __m256 t1 = _mm256_fnmadd_ps(four, d[1], d[3]);
  const __m256 t2 = _mm256_sub_ps(d[4], d[2]);
  const __m256 t3 = _mm256_mul_ps(two, _mm256_sub_ps(d[3], d[1]));
  r[0] = _mm256_fmadd_ps(four, d[0], _mm256_fnmadd_ps(five, d[2], d[4]));
  r[1] = _mm256_add_ps(t0, t1);
  r[2] = _mm256_sub_ps(t0, t1);
  r[3] = _mm256_add_ps(t2, t3);
  r[4] = _mm256_sub_ps(t2, t3);
  r[5] = _mm256_fmadd_ps(four, d[1], _mm256_fnmadd_ps(five, d[3], d[5]));
}

INL void at6(const __m256 *m, __m256 *o) {
  const __m256 two = _mm256_set1_ps(2.0f), four = _mm256_set1_ps(4.0f), eight = _mm256_set1_ps(8.0f);
  const __m256 a = _mm256_add_ps(m[1], m[2]), b = _mm256_sub_ps(m[1], m[2]);
  const __m256 c = _mm256_add_ps(m[3], m[4]), d = _mm256_sub_ps(m[3], m[4]);
  o[0] = _mm256_add_ps(_mm256_add_ps(m[0], a), c);
  o[1] = _mm256_fmadd_ps(two, d, b);
  o[2] = _mm256_fmadd_ps(four, c, a);
  o[3] = _mm256_fmadd_ps(eight, d, _mm256_add_ps(b, m[5]));
}

void enn_f32_wino43_in__avx2(const float *const *rows, ptrdiff_t x0, size_t iw, size_t c, float *v,
                               size_t v_stride) {
  const float *src[6][6]; /* tile element (r, j): its input pixel, NULL in the padding */
  for (int r = 0; r < 6; r++)
    for (int j = 0; j < 6; j++) {
      const ptrdiff_t ix = x0 + j;
      src[r][j] = (rows[r] && ix >= 0 && ix < (ptrdiff_t)iw) ? rows[r] + (size_t)ix * c : NULL;
    }
  for (size_t c0 = 0; c0 < c; c0 += 8) {
    const __m256i mk = mask8(c - c0);
    const bool full = c - c0 >= 8;
    __m256 s[6][6];
    UNROLL for (int r = 0; r < 6; r++) {
      __m256 d[6];
      UNROLL for (int j = 0; j < 6; j++) d[j] = src[r][j] ? ld(src[r][j] + c0, full, mk) : _mm256_setzero_ps();
      bt6(d, s[r]);
    }
    UNROLL for (int k = 0; k < 6; k++) {
      __m256 col[6], o[6];
      UNROLL for (int r = 0; r < 6; r++) col[r] = s[r][k];
      bt6(col, o);
      UNROLL for (int l = 0; l < 6; l++) st(v + (size_t)(l * 6 + k) * v_stride + c0, full, mk, o[l]);
    }
  }
}

void enn_f32_wino43_out__avx2(const float *m, size_t m_stride, size_t c, const float *bias, float *y,
                                size_t y_row_stride, size_t nrows, size_t ncols, const enn_f32_epi *ep) {
  for (size_t c0 = 0; c0 < c; c0 += 8) {
    const __m256i mk = mask8(c - c0);
    const bool full = c - c0 >= 8;
    __m256 s[6][4];
    UNROLL for (int r = 0; r < 6; r++) {
      __m256 row[6];
      UNROLL for (int j = 0; j < 6; j++) row[j] = ld(m + (size_t)(r * 6 + j) * m_stride + c0, full, mk);
      at6(row, s[r]);
    }
    const __m256 b = bias ? ld(bias + c0, full, mk) : _mm256_setzero_ps();
    UNROLL for (int j = 0; j < 4; j++) {
      if ((size_t)j >= ncols) break;
      __m256 col[6], o[4];
      UNROLL for (int r = 0; r < 6; r++) col[r] = s[r][j];
      at6(col, o);
      UNROLL for (int i = 0; i < 4; i++) {
        if ((size_t)i >= nrows) break;
        st(y + (size_t)i * y_row_stride + (size_t)j * c + c0, full, mk, epi_y(_mm256_add_ps(b, o[i]), ep));
      }
    }
  }
}

#endif
