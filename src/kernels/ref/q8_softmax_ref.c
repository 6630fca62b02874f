/*
 * Reference int8 Softmax (q8_softmax_ref.h): per lane, the maximum, the
 * float sum of table exponentials in index order, then each output from its
 * table entry times the inverse of sum * out_scale.
 */
#include "kernels/ref/q8_softmax_ref.h"

#include <math.h>

void enn_qs8_softmax_table(enn_qs8_softmax_params *p, float in_scale) {
  const float neg = -in_scale;
  for (int32_t d = 0; d < 256; d++) p->exp_table[d] = expf(neg * (float)d);
}

void enn_qs8_softmax__ref(const enn_qs8_softmax_params *p, const int8_t *x, int8_t *y) {
  const int64_t n = p->n, inner = p->inner;
  const float *e = p->exp_table;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const int8_t *xl = x + o * n * inner + i;
      int8_t *yl = y + o * n * inner + i;
      int32_t m = -128;
      for (int64_t k = 0; k < n; k++)
        if (xl[k * inner] > m) m = xl[k * inner];
      float s = 0.0f;
      for (int64_t k = 0; k < n; k++) s += e[m - xl[k * inner]];
      const float inv = 1.0f / (s * p->out_scale);
      for (int64_t k = 0; k < n; k++) {
        float r = roundf(e[m - xl[k * inner]] * inv); /* >= 0; past 255 it clamps to 127 anyway */
        if (!(r <= 255.0f)) r = 255.0f;
        const int32_t q = (int32_t)r + p->out_zp;
        yl[k * inner] = (int8_t)(q < -128 ? -128 : (q > 127 ? 127 : q));
      }
    }
}
