/*
 * Reference Slice; see slice_ref.h for the spec. The output is written in
 * order; an odometer over the outer output axes keeps the input offset and
 * the innermost axis is a strided (possibly backwards) read.
 */
#include "kernels/ref/slice_ref.h"

void enn_slice_params_init(enn_slice_params *p, const enn_tensor_desc *x, const int64_t *start, const int64_t *step,
                           const int64_t *count) {
  const int32_t r = x->rank;
  int64_t in_stride[ENN_MAX_RANK];
  int64_t s = 1;
  for (int32_t k = r - 1; k >= 0; k--) {
    in_stride[k] = s;
    s *= x->dims[k];
  }
  p->rank = 0;
  p->numel = 1;
  p->offset = 0;
  for (int32_t k = 0; k < r; k++) {
    const int64_t d = count[k], st = step[k] * in_stride[k];
    p->numel *= d;
    if (d > 0) p->offset += start[k] * in_stride[k];
    if (d == 1) continue;
    const int32_t j = p->rank - 1;
    if (j >= 0 && p->stride[j] == d * st) {
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

void enn_f32_slice__ref(const enn_slice_params *p, const float *x, float *y) {
  if (p->numel <= 0) return;
  const int32_t last = p->rank - 1;
  const int64_t n = p->dims[last], st = p->stride[last], rows = p->numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t off = p->offset;
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
