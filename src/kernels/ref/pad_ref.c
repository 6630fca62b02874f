/*
 * Reference Pad: walk every output element with an odometer over the
 * output dims (nd_iter.h), map each coordinate back to the input
 * (pad_ref.h), copy.
 */
#include "kernels/ref/pad_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_f32_pad__ref(const enn_pad_params *p, const float *x, float *y) {
  int64_t in_stride[ENN_MAX_RANK], total = 1;
  enn_nd_dense_strides(p->rank, p->in_dims, in_stride);
  for (int32_t d = 0; d < p->rank; d++) total *= p->out_dims[d];
  int64_t o[ENN_MAX_RANK] = {0};
  for (int64_t i = 0; i < total; i++) {
    int64_t off = 0;
    int outside = 0;
    for (int32_t d = 0; d < p->rank; d++) {
      const int64_t n = p->in_dims[d];
      int64_t src = o[d] - p->begin[d];
      if (src < 0 || src >= n) {
        if (p->mode == ENN_PADMODE_REFLECT) src = src < 0 ? -src : 2 * (n - 1) - src;
        else if (p->mode == ENN_PADMODE_EDGE) src = src < 0 ? 0 : n - 1;
        else outside = 1;
      }
      off += src * in_stride[d];
    }
    y[i] = outside ? p->value : x[off];
    enn_nd_next(p->rank, p->out_dims, o);
  }
}
