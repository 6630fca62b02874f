/*
 * Reference Concat and Split (dense row-major, f32).
 *
 * Both view a tensor as [outer, axis, inner] with outer = prod(dims before
 * the axis) and inner = prod(dims after it); input / output t contributes
 * the contiguous block of rows_t = dims_t[axis] * inner elements per outer
 * index. Concat:
 *   y[o, off_t + j] = x_t[o, j]   for j < rows_t, off_t = sum_{s<t} rows_s
 * (with y viewed as [outer, sum_t rows_t]); Split is the inverse:
 *   y_t[o, j] = x[o, off_t + j].
 * Pure copies: bit exact. Inputs and outputs must not overlap.
 */
#ifndef ENN_KERNELS_REF_CONCAT_REF_H
#define ENN_KERNELS_REF_CONCAT_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_concat_params {
  int32_t n;       /* number of pieces (concat inputs / split outputs), 1..ENN_MAX_SPLITS */
  int64_t outer;
  int64_t total;   /* sum of block[] = elements per outer index of the whole tensor */
  int64_t block[ENN_MAX_SPLITS]; /* elements per outer index of piece t */
} enn_concat_params;

/* whole: the concatenated tensor (concat output / split input); pieces[0..n):
 * the concat inputs / split outputs; axis: validated, non-negative. */
void enn_concat_params_init(enn_concat_params *p, const enn_tensor_desc *whole, int32_t axis,
                            const enn_tensor_desc *const *pieces, int32_t n);

void enn_f32_concat__ref(const enn_concat_params *p, const float *const *x, float *y);
void enn_f32_split__ref(const enn_concat_params *p, const float *x, float *const *y);

#endif
