/*
 * Reference pooling: for each output element walk its kh x kw window,
 * skipping taps outside the input; see pool_ref.h for the exact rules.
 */
#include "kernels/ref/pool_ref.h"

/* max that propagates NaN: once a NaN is seen the result stays NaN. */
static inline float max_nan(float m, float v) {
  if (m != m) return m;
  return (v > m || v != v) ? v : m;
}

void enn_f32_max_pool2d__ref(const enn_pool2d_params *p, const float *x, float *y) {
  for (int32_t n = 0; n < p->n; n++)
    for (int32_t oy = 0; oy < p->oh; oy++)
      for (int32_t ox = 0; ox < p->ow; ox++)
        for (int32_t c = 0; c < p->c; c++) {
          float m = -INFINITY;
          for (int32_t ky = 0; ky < p->kh; ky++) {
            const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
            if (iy < 0 || iy >= p->ih) continue;
            for (int32_t kx = 0; kx < p->kw; kx++) {
              const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
              if (ix < 0 || ix >= p->iw) continue;
              m = max_nan(m, x[(((int64_t)n * p->ih + iy) * p->iw + ix) * p->c + c]);
            }
          }
          y[(((int64_t)n * p->oh + oy) * p->ow + ox) * p->c + c] = enn_act_f32(m, &p->act);
        }
}

void enn_f32_avg_pool2d__ref(const enn_pool2d_params *p, const float *x, float *y) {
  for (int32_t n = 0; n < p->n; n++)
    for (int32_t oy = 0; oy < p->oh; oy++)
      for (int32_t ox = 0; ox < p->ow; ox++)
        for (int32_t c = 0; c < p->c; c++) {
          float sum = 0.0f;
          int32_t count = 0;
          for (int32_t ky = 0; ky < p->kh; ky++) {
            const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
            if (iy < -p->pt || iy >= p->ih + p->pb) continue;
            const int inside_y = iy >= 0 && iy < p->ih;
            for (int32_t kx = 0; kx < p->kw; kx++) {
              const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
              if (ix < -p->pl || ix >= p->iw + p->pr) continue;
              if (inside_y && ix >= 0 && ix < p->iw) {
                sum += x[(((int64_t)n * p->ih + iy) * p->iw + ix) * p->c + c];
                count++;
              } else if (p->count_include_pad) {
                count++;
              }
            }
          }
          y[(((int64_t)n * p->oh + oy) * p->ow + ox) * p->c + c] = enn_act_f32(sum / (float)count, &p->act);
        }
}

void enn_f32_global_avg_pool__ref(const enn_global_pool_params *p, const float *x, float *y) {
  for (int64_t n = 0; n < p->n; n++)
    for (int64_t c = 0; c < p->c; c++) {
      float sum = 0.0f;
      for (int64_t i = 0; i < p->hw; i++) sum += x[(n * p->hw + i) * p->c + c];
      y[n * p->c + c] = enn_act_f32(sum / (float)p->hw, &p->act);
    }
}

void enn_f32_global_max_pool__ref(const enn_global_pool_params *p, const float *x, float *y) {
  for (int64_t n = 0; n < p->n; n++)
    for (int64_t c = 0; c < p->c; c++) {
      float m = -INFINITY;
      for (int64_t i = 0; i < p->hw; i++) m = max_nan(m, x[(n * p->hw + i) * p->c + c]);
      y[n * p->c + c] = m;
    }
}
