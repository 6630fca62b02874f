/* Reference batch normalisation: per-channel scale once, then one pass; see bn_ref.h. */
#include "kernels/ref/bn_ref.h"

void enn_f32_batch_norm__ref(const enn_batch_norm_params *p, const float *x, const float *gamma, const float *beta,
                             const float *mean, const float *var, float *scale, float *y) {
  for (int64_t c = 0; c < p->c; c++) scale[c] = gamma[c] / sqrtf(var[c] + p->eps);
  for (int64_t r = 0; r < p->rows; r++) {
    const float *xr = x + r * p->c;
    float *yr = y + r * p->c;
    for (int64_t c = 0; c < p->c; c++) yr[c] = enn_act_f32((xr[c] - mean[c]) * scale[c] + beta[c], &p->act);
  }
}
