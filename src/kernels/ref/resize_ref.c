/*
 * Reference Resize: per output row / column compute the source coordinate
 * (resize_ref.h), then copy (nearest) or blend four neighbours (bilinear).
 */
#include "kernels/ref/resize_ref.h"

void enn_f32_resize__ref(const enn_resize_params *p, const float *x, float *y) {
  const int64_t C = p->c;
  for (int32_t n = 0; n < p->n; n++) {
    const float *xn = x + (int64_t)n * p->ih * p->iw * C;
    for (int32_t oy = 0; oy < p->oh; oy++) {
      const double sy = enn_resize_src_coord(oy, p->scale_h, p->ih, p->len_h, p->coord_mode);
      for (int32_t ox = 0; ox < p->ow; ox++) {
        const double sx = enn_resize_src_coord(ox, p->scale_w, p->iw, p->len_w, p->coord_mode);
        float *yp = y + (((int64_t)n * p->oh + oy) * p->ow + ox) * C;
        if (p->mode == ENN_RESIZE_NEAREST) {
          const int64_t iy = enn_resize_nearest_index(sy, p->nearest_mode, p->ih);
          const int64_t ix = enn_resize_nearest_index(sx, p->nearest_mode, p->iw);
          const float *xp = xn + (iy * p->iw + ix) * C;
          for (int64_t c = 0; c < C; c++) yp[c] = xp[c];
        } else {
          const double fy = floor(sy), fx = floor(sx);
          const float rh = (float)(sy - fy), rw = (float)(sx - fx);
          const int64_t y0 = enn_resize_clamp((int64_t)fy, p->ih), y1 = enn_resize_clamp((int64_t)fy + 1, p->ih);
          const int64_t x0 = enn_resize_clamp((int64_t)fx, p->iw), x1 = enn_resize_clamp((int64_t)fx + 1, p->iw);
          const float *p00 = xn + (y0 * p->iw + x0) * C, *p01 = xn + (y0 * p->iw + x1) * C;
          const float *p10 = xn + (y1 * p->iw + x0) * C, *p11 = xn + (y1 * p->iw + x1) * C;
          for (int64_t c = 0; c < C; c++) {
            const float top = (1.0f - rw) * p00[c] + rw * p01[c];
            const float bot = (1.0f - rw) * p10[c] + rw * p11[c];
            yp[c] = (1.0f - rh) * top + rh * bot;
          }
        }
      }
    }
  }
}
