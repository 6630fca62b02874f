/* Reference unary activation: one element at a time through act.h. */
#include "kernels/ref/unary_ref.h"

void enn_f32_vunary__ref(const enn_act_params *p, const float *x, float *y, int64_t n) {
  for (int64_t i = 0; i < n; i++) y[i] = enn_act_f32(x[i], p);
}
