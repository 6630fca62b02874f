/*
 * Reference Softmax / LogSoftmax; see softmax_ref.h for the spec. Per
 * (outer, inner) lane: pass 1 finds the max, pass 2 sums the shifted
 * exponentials (softmax stores them in y as it goes), pass 3 normalises.
 * Each x element is read before the y element at the same position is
 * written, so y == x is safe.
 */
#include <math.h>

#include "kernels/ref/softmax_ref.h"

void enn_f32_softmax__ref(const enn_softmax_params *p, const float *x, float *y) {
  const int64_t n = p->n, in = p->inner;
  if (n <= 0) return;
  for (int64_t o = 0; o < p->outer; o++)
    for (int64_t i = 0; i < in; i++) {
      const float *xl = x + o * n * in + i;
      float *yl = y + o * n * in + i;
      float m = xl[0];
      for (int64_t k = 1; k < n; k++)
        if (xl[k * in] > m) m = xl[k * in];
      float s = 0.0f;
      if (p->log) {
        for (int64_t k = 0; k < n; k++) s += expf(xl[k * in] - m);
        const float ls = logf(s);
        for (int64_t k = 0; k < n; k++) yl[k * in] = (xl[k * in] - m) - ls;
      } else {
        for (int64_t k = 0; k < n; k++) {
          const float e = expf(xl[k * in] - m);
          yl[k * in] = e;
          s += e;
        }
        for (int64_t k = 0; k < n; k++) yl[k * in] = yl[k * in] / s;
      }
    }
}
