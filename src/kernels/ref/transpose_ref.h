/*
 * Reference Transpose (dense row-major, any rank up to ENN_MAX_RANK):
 *   y[i0, .., i{r-1}] = x[j]  with  j[perm[k]] = i_k
 * i.e. output axis k is input axis perm[k]. Pure copy: bit exact. x and y
 * must not overlap.
 *
 * enn_transpose_params_init expresses this as a strided gather: output
 * axis k reads the input with stride in_stride[perm[k]]; unit output axes
 * are dropped and adjacent output axes are merged when the outer one's
 * stride equals dim * stride of the inner one (they are then contiguous in
 * the input too), so an identity permutation is one flat copy.
 */
#ifndef ENN_KERNELS_REF_TRANSPOSE_REF_H
#define ENN_KERNELS_REF_TRANSPOSE_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_transpose_params {
  int32_t rank;                  /* >= 1 after merging */
  int64_t dims[ENN_MAX_RANK];    /* output dims (merged) */
  int64_t stride[ENN_MAX_RANK];  /* input element stride per output axis */
  int64_t numel;
} enn_transpose_params;

/* x: the input desc; perm: a validated permutation of 0..x->rank-1. */
void enn_transpose_params_init(enn_transpose_params *p, const enn_tensor_desc *x, const int32_t *perm);

void enn_f32_transpose__ref(const enn_transpose_params *p, const float *x, float *y);

#endif
