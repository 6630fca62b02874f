/* Reference Concat / Split: block copies; see concat_ref.h for the spec. */
#include <string.h>

#include "kernels/ref/concat_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_concat_params_init(enn_concat_params *p, const enn_tensor_desc *whole, int32_t axis,
                            const enn_tensor_desc *const *pieces, int32_t n) {
  int64_t inner;
  enn_nd_outer_inner(whole->rank, whole->dims, axis, &p->outer, &inner);
  p->n = n;
  p->total = 0;
  for (int32_t t = 0; t < n; t++) {
    p->block[t] = pieces[t]->dims[axis] * inner;
    p->total += p->block[t];
  }
}

void enn_f32_concat__ref(const enn_concat_params *p, const float *const *x, float *y) {
  for (int64_t o = 0; o < p->outer; o++) {
    float *yo = y + o * p->total;
    for (int32_t t = 0; t < p->n; t++) {
      const int64_t bl = p->block[t];
      if (bl > 0) memcpy(yo, x[t] + o * bl, (size_t)bl * sizeof(float));
      yo += bl;
    }
  }
}

void enn_f32_split__ref(const enn_concat_params *p, const float *x, float *const *y) {
  for (int64_t o = 0; o < p->outer; o++) {
    const float *xo = x + o * p->total;
    for (int32_t t = 0; t < p->n; t++) {
      const int64_t bl = p->block[t];
      if (bl > 0) memcpy(y[t] + o * bl, xo, (size_t)bl * sizeof(float));
      xo += bl;
    }
  }
}
