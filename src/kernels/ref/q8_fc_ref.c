/* Reference int8 fully-connected layer: one dot product per output; see
 * q8_fc_ref.h for the spec. */
#include "kernels/ref/q8_fc_ref.h"

#include "quant/requant.h"

void enn_qs8_fully_connected_part__ref(const enn_qs8_fc_params *p, const int8_t *x, const int8_t *w,
                                       const int32_t *b, int8_t *y, int64_t r0, int64_t r1, int64_t o0, int64_t o1) {
  for (int64_t r = r0; r < r1; r++)
    for (int64_t o = o0; o < o1; o++) {
      const int8_t *xr = x + r * p->k, *wr = w + o * p->k;
      const int32_t wz = p->w_zp[o];
      uint32_t acc = b ? (uint32_t)b[o] : 0u; /* modulo 2^32 */
      for (int64_t i = 0; i < p->k; i++) acc += (uint32_t)(((int32_t)wr[i] - wz) * ((int32_t)xr[i] - p->x_zp));
      y[r * p->n + o] = (int8_t)enn_requantize((int32_t)acc, p->mult[o], p->shift[o], p->y_zp, p->act_lo, p->act_hi);
    }
}

void enn_qs8_fully_connected__ref(const enn_qs8_fc_params *p, const int8_t *x, const int8_t *w, const int32_t *b,
                                  int8_t *y) {
  enn_qs8_fully_connected_part__ref(p, x, w, b, y, 0, p->rows, 0, p->n);
}
