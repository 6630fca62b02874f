/*
 * Winograd F(4x4, 3x3) input and output transforms, AVX-512F (this file
 * alone is compiled with -mavx512f ...). The math and layouts are those of
 * kernels/ref/winograd_ref.h; here 16 channels go through each transform
 * at once, one zmm per tile element, a masked block for the last c % 16.
 *
 * Each 2-D transform is two passes of a 1-D one (B^T for the input, A^T
 * for the output): first along every tile row (the 6 values of a row in
 * registers, its 6 / 4 results kept in a local array), then along every
 * column of that array. The input transform does this in two halves of
 * three columns (the row pass split into r0..r2 and r3..r5, each reading
 * five of the six values), so its 18-vector intermediate stays in
 * registers (1.2-1.8x faster than spilling 36 vectors to the stack), and
 * reads a tile that lies inside the image without per-element tests. The 1-D transforms are factored to 12 (input) and
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

#include "kernels/x86/epi_avx512.h"

#define INL static inline __attribute__((always_inline))
#define UNROLL _Pragma("GCC unroll 8")

INL __mmask16 mask16(size_t n) { return (__mmask16)(n >= 16 ? 0xFFFFu : (1u << n) - 1u); }

INL void bt6(const __m512 *d, __m512 *r) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
  const __m512 t0 = _mm512_fnmadd_ps(four, d[2], d[4]);
  const __m512 t1 = _mm512_fnmadd_ps(four, d[1], d[3]);
  const __m512 t2 = _mm512_sub_ps(d[4], d[2]);
  const __m512 t3 = _mm512_mul_ps(two, _mm512_sub_ps(d[3], d[1]));
  r[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  r[1] = _mm512_add_ps(t0, t1);
  r[2] = _mm512_sub_ps(t0, t1);
  r[3] = _mm512_add_ps(t2, t3);
  r[4] = _mm512_sub_ps(t2, t3);
  r[5] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

INL void at6(const __m512 *m, __m512 *o) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), eight = _mm512_set1_ps(8.0f);
  const __m512 a = _mm512_add_ps(m[1], m[2]), b = _mm512_sub_ps(m[1], m[2]);
  const __m512 c = _mm512_add_ps(m[3], m[4]), d = _mm512_sub_ps(m[3], m[4]);
  o[0] = _mm512_add_ps(_mm512_add_ps(m[0], a), c);
  o[1] = _mm512_fmadd_ps(two, d, b);
  o[2] = _mm512_fmadd_ps(four, c, a);
  o[3] = _mm512_fmadd_ps(eight, d, _mm512_add_ps(b, m[5]));
}

/* Halves of B^T d: r0..r2 (from d0..d4) and r3..r5 (from d1..d5), so a
 * half of the tile's row transforms (18 vectors) stays in registers. */
INL void bt6_lo(const __m512 *d, __m512 *r) {
  const __m512 four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
  const __m512 t0 = _mm512_fnmadd_ps(four, d[2], d[4]);
  const __m512 t1 = _mm512_fnmadd_ps(four, d[1], d[3]);
  r[0] = _mm512_fmadd_ps(four, d[0], _mm512_fnmadd_ps(five, d[2], d[4]));
  r[1] = _mm512_add_ps(t0, t1);
  r[2] = _mm512_sub_ps(t0, t1);
}
INL void bt6_hi(const __m512 *d, __m512 *r) {
  const __m512 two = _mm512_set1_ps(2.0f), four = _mm512_set1_ps(4.0f), five = _mm512_set1_ps(5.0f);
  const __m512 t2 = _mm512_sub_ps(d[4], d[2]);
  const __m512 t3 = _mm512_mul_ps(two, _mm512_sub_ps(d[3], d[1]));
  r[0] = _mm512_add_ps(t2, t3);
  r[1] = _mm512_sub_ps(t2, t3);
  r[2] = _mm512_fmadd_ps(four, d[1], _mm512_fnmadd_ps(five, d[3], d[5]));
}

/* One channel block: HALF 0 computes columns k = 0..2 of the row
 * transforms, then their column transforms (xi = 6 l + k); HALF 1 the
 * columns 3..5. INNER: every element of the tile is inside the image
 * (base[r] = its row's first pixel), else src[r][j] is the element's
 * pixel or NULL (padding). */
INL void in_half(const int HALF, const bool INNER, const float *const *base, const float *const (*src)[6],
                 size_t c, size_t c0, __mmask16 mk, float *v, size_t v_stride) {
  __m512 s[6][3];
  UNROLL for (int r = 0; r < 6; r++) {
    __m512 d[6];
    UNROLL for (int j = HALF; j < HALF + 5; j++) {
      if (INNER) d[j] = _mm512_maskz_loadu_ps(mk, base[r] + (size_t)j * c + c0);
      else d[j] = src[r][j] ? _mm512_maskz_loadu_ps(mk, src[r][j] + c0) : _mm512_setzero_ps();
    }
    if (HALF) bt6_hi(d, s[r]);
    else bt6_lo(d, s[r]);
  }
  UNROLL for (int k = 0; k < 3; k++) {
    __m512 col[6], o[6];
    UNROLL for (int r = 0; r < 6; r++) col[r] = s[r][k];
    bt6(col, o);
    UNROLL for (int l = 0; l < 6; l++)
      _mm512_mask_storeu_ps(v + (size_t)(l * 6 + 3 * HALF + k) * v_stride + c0, mk, o[l]);
  }
}

void enn_f32_wino43_in__avx512(const float *const *rows, ptrdiff_t x0, size_t iw, size_t c, float *v,
                               size_t v_stride) {
  bool inner = x0 >= 0 && x0 + 6 <= (ptrdiff_t)iw;
  for (int r = 0; r < 6; r++) inner = inner && rows[r];
  if (inner) {
    const float *base[6];
    for (int r = 0; r < 6; r++) base[r] = rows[r] + (size_t)x0 * c;
    for (size_t c0 = 0; c0 < c; c0 += 16) {
      const __mmask16 mk = mask16(c - c0);
      in_half(0, true, base, NULL, c, c0, mk, v, v_stride);
      in_half(1, true, base, NULL, c, c0, mk, v, v_stride);
    }
    return;
  }
  const float *src[6][6]; /* tile element (r, j): its input pixel, NULL in the padding */
  for (int r = 0; r < 6; r++)
    for (int j = 0; j < 6; j++) {
      const ptrdiff_t ix = x0 + j;
      src[r][j] = (rows[r] && ix >= 0 && ix < (ptrdiff_t)iw) ? rows[r] + (size_t)ix * c : NULL;
    }
  for (size_t c0 = 0; c0 < c; c0 += 16) {
    const __mmask16 mk = mask16(c - c0);
    in_half(0, false, NULL, (const float *const(*)[6])src, c, c0, mk, v, v_stride);
    in_half(1, false, NULL, (const float *const(*)[6])src, c, c0, mk, v, v_stride);
  }
}

void enn_f32_wino43_out__avx512(const float *m, size_t m_stride, size_t c, const float *bias, float *y,
                                size_t y_row_stride, size_t nrows, size_t ncols, const enn_f32_epi *ep) {
  for (size_t c0 = 0; c0 < c; c0 += 16) {
    const __mmask16 mk = mask16(c - c0);
    __m512 s[6][4];
    UNROLL for (int r = 0; r < 6; r++) {
      __m512 row[6];
      UNROLL for (int j = 0; j < 6; j++) row[j] = _mm512_maskz_loadu_ps(mk, m + (size_t)(r * 6 + j) * m_stride + c0);
      at6(row, s[r]);
    }
    const __m512 b = bias ? _mm512_maskz_loadu_ps(mk, bias + c0) : _mm512_setzero_ps();
    UNROLL for (int j = 0; j < 4; j++) {
      if ((size_t)j >= ncols) break;
      __m512 col[6], o[4];
      UNROLL for (int r = 0; r < 6; r++) col[r] = s[r][j];
      at6(col, o);
      UNROLL for (int i = 0; i < 4; i++) {
        if ((size_t)i >= nrows) break;
        _mm512_mask_storeu_ps(y + (size_t)i * y_row_stride + (size_t)j * c + c0, mk, epi_z(_mm512_add_ps(b, o[i]), ep));
      }
    }
  }
}

#endif
