/*
 * Reference Transpose; see transpose_ref.h for the spec. Output axis k
 * reads the input with stride in_stride[perm[k]]; the merged axis list is
 * walked by the shared strided gather (nd_iter.h): the output is written in
 * order and the innermost output axis is a strided read.
 */
#include "kernels/ref/transpose_ref.h"

#include "kernels/ref/nd_iter.h"

void enn_transpose_params_init(enn_transpose_params *p, const enn_tensor_desc *x, const int32_t *perm) {
  int64_t in_stride[ENN_MAX_RANK];
  enn_nd_dense_strides(x->rank, x->dims, in_stride);
  p->rank = 0;
  p->numel = 1;
  for (int32_t k = 0; k < x->rank; k++) {
    const int64_t d = x->dims[perm[k]];
    p->numel *= d;
    /* merged only when contiguous in the input as well */
    if (d != 1) enn_nd_push_axis(&p->rank, p->dims, p->stride, d, in_stride[perm[k]], true);
  }
  enn_nd_at_least_1d(&p->rank, p->dims, p->stride);
}

void enn_f32_transpose__ref(const enn_transpose_params *p, const float *x, float *y) {
  enn_nd_gather_f32(p->rank, p->dims, p->stride, p->numel, 0, x, y);
}
