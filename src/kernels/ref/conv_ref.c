/* Reference convolution: the plainest loop nest; see conv_ref.h for the spec.
 * The whole-output kernel is the block kernel over every row and channel. */
#include "kernels/ref/conv_ref.h"

void enn_f32_conv2d_part__ref(const enn_conv2d_params *p, const float *x, const float *w, const float *b, float *y,
                              int64_t r0, int64_t r1, int32_t o0, int32_t o1) {
  const int32_t icg = p->ic / p->groups, ocg = p->oc / p->groups;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / p->oh), oy = (int32_t)(r % p->oh);
    for (int32_t ox = 0; ox < p->ow; ox++)
      for (int32_t o = o0; o < o1; o++) {
        const int32_t g = o / ocg;
        float acc = b ? b[o] : 0.0f;
        for (int32_t ky = 0; ky < p->kh; ky++) {
          const int32_t iy = oy * p->sh - p->pt + ky * p->dh;
          if (iy < 0 || iy >= p->ih) continue;
          for (int32_t kx = 0; kx < p->kw; kx++) {
            const int32_t ix = ox * p->sw - p->pl + kx * p->dw;
            if (ix < 0 || ix >= p->iw) continue;
            const float *xp = x + (((int64_t)n * p->ih + iy) * p->iw + ix) * p->ic + (int64_t)g * icg;
            const float *wp = w + (((int64_t)o * p->kh + ky) * p->kw + kx) * icg;
            for (int32_t c = 0; c < icg; c++) acc += xp[c] * wp[c];
          }
        }
        y[(((int64_t)n * p->oh + oy) * p->ow + ox) * p->oc + o] = enn_act_f32(acc, &p->act);
      }
  }
}

void enn_f32_conv2d__ref(const enn_conv2d_params *p, const float *x, const float *w, const float *b, float *y) {
  enn_f32_conv2d_part__ref(p, x, w, b, y, 0, (int64_t)p->n * p->oh, 0, p->oc);
}
