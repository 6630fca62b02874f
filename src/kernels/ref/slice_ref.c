/*
 * Reference Slice; see slice_ref.h for the spec. Output axis k reads the
 * input with stride step_k * in_stride_k from the offset of the first
 * element; the merged axis list is walked by the shared strided gather
 * (nd_iter.h): the output is written in order and the innermost axis is a
 * strided (possibly backwards) read.
 */
#include "kernels/ref/slice_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_slice_params_init(enn_slice_params *p, const enn_tensor_desc *x, const int64_t *start, const int64_t *step,
                           const int64_t *count) {
  int64_t in_stride[ENN_MAX_RANK];
  enn_nd_dense_strides(x->rank, x->dims, in_stride);
  p->rank = 0;
  p->numel = 1;
  p->offset = 0;
  for (int32_t k = 0; k < x->rank; k++) {
    const int64_t d = count[k];
    p->numel *= d;
    if (d > 0) p->offset += start[k] * in_stride[k];
    if (d != 1) enn_nd_push_axis(&p->rank, p->dims, p->stride, d, step[k] * in_stride[k], true);
  }
  enn_nd_at_least_1d(&p->rank, p->dims, p->stride);
}

void enn_f32_slice__ref(const enn_slice_params *p, const float *x, float *y) {
  enn_nd_gather_f32(p->rank, p->dims, p->stride, p->numel, p->offset, x, y);
}
