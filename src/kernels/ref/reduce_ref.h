/*
 * Reference ReduceMean (dense row-major f32).
 *
 * The input axes are split into kept axes K and reduced axes R; for every
 * output element (one index per kept axis, in row-major order of the kept
 * axes, which is the output order with or without keepdims):
 *   y[o] = (sum over the reduced indices, row-major order, of x[o, r]) / count
 * with the sum accumulated in float and count = prod of the reduced dims,
 * converted to float (count 0 gives NaN, as 0/0). x and y must not overlap.
 *
 * enn_reduce_params_init drops unit axes and merges adjacent axes of the
 * same kind (kept/reduced): the kernel then walks at most a few axes.
 */
#ifndef ENN_KERNELS_REF_REDUCE_REF_H
#define ENN_KERNELS_REF_REDUCE_REF_H

#include <stdbool.h>
#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_reduce_params {
  int32_t nk, nr;                                    /* kept / reduced axes after merging (>= 1 each) */
  int64_t kdims[ENN_MAX_RANK], kstride[ENN_MAX_RANK]; /* kept: dims and input strides */
  int64_t rdims[ENN_MAX_RANK], rstride[ENN_MAX_RANK]; /* reduced: dims and input strides */
  int64_t out_numel, count;
} enn_reduce_params;

/* reduce[k]: whether input axis k is reduced. */
void enn_reduce_params_init(enn_reduce_params *p, const enn_tensor_desc *x, const bool *reduce);

void enn_f32_reduce_mean__ref(const enn_reduce_params *p, const float *x, float *y);

#endif
