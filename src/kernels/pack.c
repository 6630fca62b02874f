/*
 * Weight packing for the fast kernels (kernels.h), done once at session
 * create: GEMM panels (nr output columns interleaved per k, bias first)
 * and depthwise channel blocks (cr channels interleaved per tap, bias
 * first). Padding columns / channels are zero, so kernels may compute
 * them and simply not store them.
 */
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/ref/winograd_ref.h"

size_t enn_f32_pack_gemm_floats(int64_t n, int64_t kdim, int32_t nr) {
  const int64_t panels = (n + nr - 1) / nr;
  return (size_t)(panels * (int64_t)nr * (1 + kdim));
}

void enn_f32_pack_gemm(int64_t n, int64_t kdim, int64_t w_stride, int32_t nr, const float *w, const float *b,
                       float *out) {
  for (int64_t j0 = 0; j0 < n; j0 += nr) {
    for (int32_t j = 0; j < nr; j++) out[j] = (b && j0 + j < n) ? b[j0 + j] : 0.0f;
    out += nr;
    for (int64_t k = 0; k < kdim; k++, out += nr)
      for (int32_t j = 0; j < nr; j++) out[j] = j0 + j < n ? w[(j0 + j) * w_stride + k] : 0.0f;
  }
}

size_t enn_f32_pack_dwconv_floats(int64_t c, int32_t kh, int32_t kw, int32_t cr) {
  const int64_t blocks = (c + cr - 1) / cr;
  return (size_t)(blocks * (int64_t)cr * (1 + (int64_t)kh * kw));
}

void enn_f32_pack_dwconv(int64_t c, int32_t kh, int32_t kw, int32_t cr, const float *w, const float *b, float *out) {
  const int64_t taps = (int64_t)kh * kw;
  for (int64_t c0 = 0; c0 < c; c0 += cr) {
    for (int32_t j = 0; j < cr; j++) out[j] = (b && c0 + j < c) ? b[c0 + j] : 0.0f;
    out += cr;
    for (int64_t t = 0; t < taps; t++, out += cr)
      for (int32_t j = 0; j < cr; j++) out[j] = c0 + j < c ? w[(c0 + j) * taps + t] : 0.0f;
  }
}

void enn_f32_pack_wino43(int64_t oc, int64_t ic, int32_t nr, const float *w, float *out) {
  const size_t xs = enn_f32_pack_gemm_floats(oc, ic, nr), pstride = (size_t)nr * (size_t)(1 + ic);
  memset(out, 0, 36 * xs * sizeof(float));
  float u[36];
  for (int64_t o = 0; o < oc; o++)
    for (int64_t c = 0; c < ic; c++) {
      enn_f32_wino43_filter(w + o * 9 * ic + c, (ptrdiff_t)(3 * ic), (ptrdiff_t)ic, u);
      const size_t at = (size_t)(o / nr) * pstride + (size_t)nr * (size_t)(1 + c) + (size_t)(o % nr);
      for (int xi = 0; xi < 36; xi++) out[(size_t)xi * xs + at] = u[xi];
    }
}
