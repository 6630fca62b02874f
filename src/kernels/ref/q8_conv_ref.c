/* Reference int8 convolution: the plainest loop nest, one accumulator per
 * output element; see q8_conv_ref.h for the spec. */
#include "kernels/ref/q8_conv_ref.h"

#include "quant/requant.h"

void enn_qs8_conv2d_part__ref(const enn_qs8_conv2d_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                              int8_t *y, int64_t r0, int64_t r1, int32_t o0, int32_t o1) {
  const enn_conv2d_params *q = &p->geo;
  const int32_t icg = q->ic / q->groups, ocg = q->oc / q->groups;
  for (int64_t r = r0; r < r1; r++) {
    const int32_t n = (int32_t)(r / q->oh), oy = (int32_t)(r % q->oh);
    for (int32_t ox = 0; ox < q->ow; ox++)
      for (int32_t o = o0; o < o1; o++) {
        const int32_t g = o / ocg, wz = p->w_zp[o];
        uint32_t acc = b ? (uint32_t)b[o] : 0u; /* modulo 2^32, see the header */
        for (int32_t ky = 0; ky < q->kh; ky++) {
          const int32_t iy = oy * q->sh - q->pt + ky * q->dh;
          if (iy < 0 || iy >= q->ih) continue;
          for (int32_t kx = 0; kx < q->kw; kx++) {
            const int32_t ix = ox * q->sw - q->pl + kx * q->dw;
            if (ix < 0 || ix >= q->iw) continue;
            const int8_t *xp = x + (((int64_t)n * q->ih + iy) * q->iw + ix) * q->ic + (int64_t)g * icg;
            const int8_t *wp = w + (((int64_t)o * q->kh + ky) * q->kw + kx) * icg;
            for (int32_t c = 0; c < icg; c++)
              acc += (uint32_t)(((int32_t)wp[c] - wz) * ((int32_t)xp[c] - p->x_zp));
          }
        }
        y[(((int64_t)n * q->oh + oy) * q->ow + ox) * q->oc + o] =
            (int8_t)enn_requantize((int32_t)acc, p->mult[o], p->shift[o], p->y_zp, p->act_lo, p->act_hi);
      }
  }
}

void enn_qs8_conv2d__ref(const enn_qs8_conv2d_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                         int8_t *y) {
  enn_qs8_conv2d_part__ref(p, x, w, b, y, 0, (int64_t)p->geo.n * p->geo.oh, 0, p->geo.oc);
}
