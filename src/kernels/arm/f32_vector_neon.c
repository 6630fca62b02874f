/*
 * f32 vector kernels, AArch64 NEON: add + activation, global average
 * pooling, softmax, max pooling. The algorithms of the x86 kernels
 * (f32_vector_avx512.c) with 4-lane q registers; tails of 1..3 elements
 * use lane loads and stores (epi_neon.h), never touching memory past the
 * arrays.
 *
 * vadd: 16 floats per iteration; y may alias a or b (each vector is
 * loaded before the same vector is stored).
 * gavgpool: channel-vectorised column sums over the hw pixels in pixel
 * order starting from +0 (bit-identical sums to the reference), then one
 * IEEE division by hw (FDIV).
 * maxpool: per block of up to 16 channels and output pixel, the max over
 * the window's taps inside the row with the reference's rule (a tap
 * replaces the running max when it is greater or NaN; a NaN max stays):
 * compare + select, since FMAX alone would turn a first -0 / +0 tie into
 * +0.
 * softmax: max, then e = exp(x - max) stored in y while two vector
 * partial sums accumulate (lanes past n masked to 0), then y = e / sum.
 * exp: x = n*ln2 + r with n = round(x / ln2) (FRINTN) and |r| <= ln2/2
 * (ln2 split in two for an exact product), e^r = 1 + r + r^2 * P5(r)
 * (Cephes expf minimax coefficients), scaled by 2^n through the exponent
 * bits; arguments are clamped to [-87.3, 88] and those below -87.3 give 0
 * (softmax arguments are <= 0).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_ARM64
#include "kernels/arm/epi_neon.h"

#define INL ENN_NEON_INL

void enn_f32_vadd_minmax__neon(size_t n, const float *a, const float *b, float *y, const enn_f32_epi *ep) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const float32x4_t v0 = vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i));
    const float32x4_t v1 = vaddq_f32(vld1q_f32(a + i + 4), vld1q_f32(b + i + 4));
    const float32x4_t v2 = vaddq_f32(vld1q_f32(a + i + 8), vld1q_f32(b + i + 8));
    const float32x4_t v3 = vaddq_f32(vld1q_f32(a + i + 12), vld1q_f32(b + i + 12));
    vst1q_f32(y + i, epi_q(v0, ep));
    vst1q_f32(y + i + 4, epi_q(v1, ep));
    vst1q_f32(y + i + 8, epi_q(v2, ep));
    vst1q_f32(y + i + 12, epi_q(v3, ep));
  }
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, epi_q(vaddq_f32(vld1q_f32(a + i), vld1q_f32(b + i)), ep));
  if (i < n) st_part(y + i, epi_q(vaddq_f32(ld_part(a + i, n - i), ld_part(b + i, n - i)), ep), n - i);
}

void enn_f32_gavgpool__neon(size_t hw, size_t ch, const float *x, float *y, const enn_f32_epi *ep) {
  const float32x4_t div = vdupq_n_f32((float)hw);
  size_t c = 0;
  for (; c + 16 <= ch; c += 16) {
    float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (size_t p = 0; p < hw; p++) {
      const float *r = x + p * ch + c;
      s0 = vaddq_f32(s0, vld1q_f32(r));
      s1 = vaddq_f32(s1, vld1q_f32(r + 4));
      s2 = vaddq_f32(s2, vld1q_f32(r + 8));
      s3 = vaddq_f32(s3, vld1q_f32(r + 12));
    }
    vst1q_f32(y + c, epi_q(vdivq_f32(s0, div), ep));
    vst1q_f32(y + c + 4, epi_q(vdivq_f32(s1, div), ep));
    vst1q_f32(y + c + 8, epi_q(vdivq_f32(s2, div), ep));
    vst1q_f32(y + c + 12, epi_q(vdivq_f32(s3, div), ep));
  }
  for (; c < ch; c += 4) {
    const size_t n = ch - c < 4 ? ch - c : 4;
    float32x4_t s = vdupq_n_f32(0.0f);
    for (size_t p = 0; p < hw; p++) s = vaddq_f32(s, ld_part(x + p * ch + c, n));
    st_part(y + c, epi_q(vdivq_f32(s, div), ep), n);
  }
}

INL float32x4_t exp_q(float32x4_t x) {
  const uint32x4_t under = vcltq_f32(x, vdupq_n_f32(-87.3365447f));
  x = vminq_f32(vmaxq_f32(x, vdupq_n_f32(-87.3365447f)), vdupq_n_f32(88.0f));
  const float32x4_t n = vrndnq_f32(vmulq_f32(x, vdupq_n_f32(1.44269504f)));
  float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(0.693359375f));
  r = vfmsq_f32(r, n, vdupq_n_f32(-2.12194440e-4f));
  float32x4_t p = vdupq_n_f32(1.9875691500e-4f);
  p = vfmaq_f32(vdupq_n_f32(1.3981999507e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(8.3334519073e-3f), p, r);
  p = vfmaq_f32(vdupq_n_f32(4.1665795894e-2f), p, r);
  p = vfmaq_f32(vdupq_n_f32(1.6666665459e-1f), p, r);
  p = vfmaq_f32(vdupq_n_f32(5.0000001201e-1f), p, r);
  p = vfmaq_f32(vaddq_f32(r, vdupq_n_f32(1.0f)), p, vmulq_f32(r, r));
  const int32x4_t e = vshlq_n_s32(vaddq_s32(vcvtq_s32_f32(n), vdupq_n_s32(127)), 23);
  const float32x4_t v = vmulq_f32(p, vreinterpretq_f32_s32(e));
  return vreinterpretq_f32_u32(vbicq_u32(vreinterpretq_u32_f32(v), under));
}

/* Lanes [0, n) set, n = 0..4. */
INL uint32x4_t lanes_below(size_t n) {
  static const uint32_t idx[4] = {0, 1, 2, 3};
  return vcltq_u32(vld1q_u32(idx), vdupq_n_u32((uint32_t)n));
}

void enn_f32_softmax__neon(size_t n, const float *x, float *y) {
  if (!n) return;
  float32x4_t vm = vdupq_n_f32(-INFINITY);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) vm = vmaxq_f32(vm, vld1q_f32(x + i));
  float mx = vmaxvq_f32(vm);
  for (; i < n; i++) mx = x[i] > mx ? x[i] : mx;
  const float32x4_t m = vdupq_n_f32(mx);
  float32x4_t s0 = vdupq_n_f32(0.0f), s1 = s0;
  for (i = 0; i + 8 <= n; i += 8) {
    const float32x4_t e0 = exp_q(vsubq_f32(vld1q_f32(x + i), m));
    const float32x4_t e1 = exp_q(vsubq_f32(vld1q_f32(x + i + 4), m));
    vst1q_f32(y + i, e0);
    vst1q_f32(y + i + 4, e1);
    s0 = vaddq_f32(s0, e0);
    s1 = vaddq_f32(s1, e1);
  }
  for (; i < n; i += 4) {
    const size_t k = n - i < 4 ? n - i : 4;
    const float32x4_t e = exp_q(vsubq_f32(ld_part(x + i, k), m));
    const float32x4_t em = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(e), lanes_below(k)));
    st_part(y + i, em, k);
    s0 = vaddq_f32(s0, em);
  }
  const float32x4_t s = vdupq_n_f32(vaddvq_f32(vaddq_f32(s0, s1)));
  for (i = 0; i + 4 <= n; i += 4) vst1q_f32(y + i, vdivq_f32(vld1q_f32(y + i), s));
  if (i < n) st_part(y + i, vdivq_f32(ld_part(y + i, n - i), s), n - i);
}

/* The reference's max_nan on lanes: v replaces m when v > m or v is NaN;
 * a NaN m stays NaN either way. */
INL float32x4_t max_nan_q(float32x4_t m, float32x4_t v) {
  const uint32x4_t take = vorrq_u32(vcgtq_f32(v, m), vmvnq_u32(vceqq_f32(v, v)));
  return vbslq_f32(take, v, m);
}

/* One output row for channels [c0, c0 + 4*NV) (PART: one vector of n
 * lanes). */
INL void maxpool_block(const int NV, const bool PART, size_t n, const float *const *rows, size_t kh, float *y,
                       size_t c, size_t c0, size_t ow, size_t iw, size_t kw, size_t stride, size_t pad_left,
                       size_t dil, const enn_f32_epi *ep) {
  for (size_t ox = 0; ox < ow; ox++) {
    float32x4_t acc[4];
    for (int v = 0; v < NV; v++) acc[v] = vdupq_n_f32(-INFINITY);
    const ptrdiff_t ix0 = (ptrdiff_t)(ox * stride) - (ptrdiff_t)pad_left;
    for (size_t ky = 0; ky < kh; ky++) {
      if (!rows[ky]) continue;
      for (size_t kx = 0; kx < kw; kx++) {
        const ptrdiff_t ix = ix0 + (ptrdiff_t)(kx * dil);
        if (ix < 0 || ix >= (ptrdiff_t)iw) continue;
        const float *p = rows[ky] + (size_t)ix * c + c0;
        for (int v = 0; v < NV; v++) acc[v] = max_nan_q(acc[v], PART ? ld_part(p, n) : vld1q_f32(p + 4 * v));
      }
    }
    float *q = y + ox * c + c0;
    for (int v = 0; v < NV; v++) {
      if (PART) st_part(q, epi_q(acc[v], ep), n);
      else vst1q_f32(q + 4 * v, epi_q(acc[v], ep));
    }
  }
}

void enn_f32_maxpool__neon(const float *const *rows, size_t kh, float *y, size_t c, size_t ow, size_t iw, size_t kw,
                           size_t stride, size_t pad_left, size_t dil, const enn_f32_epi *ep) {
  size_t c0 = 0;
  for (; c0 + 16 <= c; c0 += 16) maxpool_block(4, false, 4, rows, kh, y, c, c0, ow, iw, kw, stride, pad_left, dil, ep);
  for (; c0 + 4 <= c; c0 += 4) maxpool_block(1, false, 4, rows, kh, y, c, c0, ow, iw, kw, stride, pad_left, dil, ep);
  if (c0 < c) maxpool_block(1, true, c - c0, rows, kh, y, c, c0, ow, iw, kw, stride, pad_left, dil, ep);
}

#endif
