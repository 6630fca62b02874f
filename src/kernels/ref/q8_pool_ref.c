/* Reference int8 pooling: for each output element walk its window; see
 * q8_pool_ref.h for the exact rules. */
#include "kernels/ref/q8_pool_ref.h"

static inline int8_t clamp8(int64_t v, int32_t lo, int32_t hi) {
  return (int8_t)(v < lo ? lo : (v > hi ? hi : v));
}

void enn_qs8_max_pool2d__ref(const enn_qs8_pool2d_params *p, const int8_t *x, int8_t *y) {
  const enn_pool2d_params *q = &p->geo;
  for (int32_t n = 0; n < q->n; n++)
    for (int32_t oy = 0; oy < q->oh; oy++)
      for (int32_t ox = 0; ox < q->ow; ox++)
        for (int32_t c = 0; c < q->c; c++) {
          int32_t m = -128;
          for (int32_t ky = 0; ky < q->kh; ky++) {
            const int32_t iy = oy * q->sh - q->pt + ky * q->dh;
            if (iy < 0 || iy >= q->ih) continue;
            for (int32_t kx = 0; kx < q->kw; kx++) {
              const int32_t ix = ox * q->sw - q->pl + kx * q->dw;
              if (ix < 0 || ix >= q->iw) continue;
              const int32_t v = x[(((int64_t)n * q->ih + iy) * q->iw + ix) * q->c + c];
              if (v > m) m = v;
            }
          }
          y[(((int64_t)n * q->oh + oy) * q->ow + ox) * q->c + c] = clamp8(m, p->lo, p->hi);
        }
}

void enn_qs8_avg_pool2d__ref(const enn_qs8_pool2d_params *p, const int8_t *x, int8_t *y) {
  const enn_pool2d_params *q = &p->geo;
  for (int32_t n = 0; n < q->n; n++)
    for (int32_t oy = 0; oy < q->oh; oy++)
      for (int32_t ox = 0; ox < q->ow; ox++)
        for (int32_t c = 0; c < q->c; c++) {
          int64_t sum = 0, count = 0;
          for (int32_t ky = 0; ky < q->kh; ky++) {
            const int32_t iy = oy * q->sh - q->pt + ky * q->dh;
            if (iy < -q->pt || iy >= q->ih + q->pb) continue;
            const int inside_y = iy >= 0 && iy < q->ih;
            for (int32_t kx = 0; kx < q->kw; kx++) {
              const int32_t ix = ox * q->sw - q->pl + kx * q->dw;
              if (ix < -q->pl || ix >= q->iw + q->pr) continue;
              if (inside_y && ix >= 0 && ix < q->iw) {
                sum += x[(((int64_t)n * q->ih + iy) * q->iw + ix) * q->c + c];
                count++;
              } else if (q->count_include_pad) {
                sum += p->zp;
                count++;
              }
            }
          }
          const int64_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;
          y[(((int64_t)n * q->oh + oy) * q->ow + ox) * q->c + c] = clamp8(avg, p->lo, p->hi);
        }
}
