/*
 * Reference Transpose; see transpose_ref.h for the spec. The output is
 * written in order; an odometer over the outer output axes keeps the input
 * offset, and the innermost output axis is a strided read.
 */
#include "kernels/ref/transpose_ref.h"

void enn_transpose_params_init(enn_transpose_params *p, const enn_tensor_desc *x, const int32_t *perm) {
  const int32_t r = x->rank;
  int64_t in_stride[ENN_MAX_RANK];
  int64_t s = 1;
  for (int32_t k = r - 1; k >= 0; k--) {
    in_stride[k] = s;
    s *= x->dims[k];
  }
  p->rank = 0;
  p->numel = 1;
  for (int32_t k = 0; k < r; k++) {
    const int64_t d = x->dims[perm[k]], st = in_stride[perm[k]];
    p->numel *= d;
    if (d == 1) continue;
    const int32_t j = p->rank - 1;
    if (j >= 0 && p->stride[j] == d * st) { /* contiguous in the input as well */
      p->dims[j] *= d;
      p->stride[j] = st;
      continue;
    }
    p->dims[p->rank] = d;
    p->stride[p->rank] = st;
    p->rank++;
  }
  if (p->rank == 0) {
    p->rank = 1;
    p->dims[0] = 1;
    p->stride[0] = 1;
  }
}

void enn_f32_transpose__ref(const enn_transpose_params *p, const float *x, float *y) {
  if (p->numel <= 0) return;
  const int32_t last = p->rank - 1;
  const int64_t n = p->dims[last], st = p->stride[last], rows = p->numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t off = 0;
  for (int64_t row = 0; row < rows; row++) {
    const float *xr = x + off;
    float *yr = y + row * n;
    for (int64_t i = 0; i < n; i++) yr[i] = xr[i * st];
    for (int32_t k = last - 1; k >= 0; k--) {
      off += p->stride[k];
      if (++idx[k] < p->dims[k]) break;
      off -= p->stride[k] * p->dims[k];
      idx[k] = 0;
    }
  }
}
