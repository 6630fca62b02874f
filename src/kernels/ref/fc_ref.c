/* Reference fully-connected layer: one dot product per output; see fc_ref.h. */
#include "kernels/ref/fc_ref.h"

void enn_f32_fully_connected__ref(const enn_fc_params *p, const float *x, const float *w, const float *b, float *y) {
  for (int64_t r = 0; r < p->rows; r++) {
    const float *xr = x + r * p->k;
    for (int64_t o = 0; o < p->n; o++) {
      const float *wo = w + o * p->k;
      float acc = b ? b[o] : 0.0f;
      for (int64_t k = 0; k < p->k; k++) acc += xr[k] * wo[k];
      y[r * p->n + o] = enn_act_f32(acc, &p->act);
    }
  }
}
