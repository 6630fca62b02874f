/*
 * N-dimensional strided walks shared by the reference kernels (dense
 * row-major f32 tensors of any rank up to ENN_MAX_RANK).
 *
 * A walk is a list of axes, outermost first, each with a size dims[k] and,
 * per operand, an element stride[k] (0 = the operand is broadcast along k,
 * negative = read backwards). The kernels precompute that list once:
 *   enn_nd_dense_strides   the row-major strides of a dense shape;
 *   enn_nd_push_axis       appends an axis, merging it into the previous
 *                          one when both are contiguous in the operand
 *                          (stride[prev] == d * st), so a walk has as few
 *                          axes as possible;
 *   enn_nd_at_least_1d     gives an empty list one axis of size 1 (whose
 *                          stride is never used).
 * and at run time an odometer visits the index tuples in row-major order:
 *   enn_nd_next            advances idx over axes 0..n-1 by one;
 *   enn_nd_step / _step2   the same, also keeping off = sum idx[k]*stride[k]
 *                          for one / two operands incrementally (add the
 *                          stride; on wrap-around subtract dims * stride).
 * enn_nd_gather_f32 is the strided gather that Transpose and Slice run:
 * the output is written in order, the innermost axis is a strided read.
 * enn_nd_outer_inner views a shape as [outer, dims[axis], inner] (Concat,
 * Split, Softmax).
 */
#ifndef ENN_KERNELS_REF_ND_ITER_H
#define ENN_KERNELS_REF_ND_ITER_H

#include <stdbool.h>
#include <stdint.h>

#include "edgenn/edgenn.h"

/* stride[k] = prod of dims[k+1..rank) (the last axis has stride 1). */
static inline void enn_nd_dense_strides(int32_t rank, const int64_t *dims, int64_t *stride) {
  int64_t s = 1;
  for (int32_t k = rank - 1; k >= 0; k--) {
    stride[k] = s;
    s *= dims[k];
  }
}

/* outer = prod dims[0..axis), inner = prod dims(axis..rank). */
static inline void enn_nd_outer_inner(int32_t rank, const int64_t *dims, int32_t axis, int64_t *outer, int64_t *inner) {
  *outer = *inner = 1;
  for (int32_t k = 0; k < axis; k++) *outer *= dims[k];
  for (int32_t k = axis + 1; k < rank; k++) *inner *= dims[k];
}

/* Appends axis (d, st) to dims/stride[0..*n); with `merge`, folds it into
 * axis *n-1 instead when that axis steps over exactly d of these (its
 * stride is d * st): the merged axis has size dims * d and stride st. */
static inline void enn_nd_push_axis(int32_t *n, int64_t *dims, int64_t *stride, int64_t d, int64_t st, bool merge) {
  const int32_t j = *n - 1;
  if (merge && j >= 0 && stride[j] == d * st) {
    dims[j] *= d;
    stride[j] = st;
    return;
  }
  dims[*n] = d;
  stride[*n] = st;
  (*n)++;
}

/* A walk with no axes (every dim was 1) becomes one axis of size 1. */
static inline void enn_nd_at_least_1d(int32_t *n, int64_t *dims, int64_t *stride) {
  if (*n > 0) return;
  *n = 1;
  dims[0] = 1;
  stride[0] = 0;
}

/* Row-major increment of idx over axes [0, n): the last axis moves fastest;
 * after the last tuple idx is all zeros again. */
static inline void enn_nd_next(int32_t n, const int64_t *dims, int64_t *idx) {
  for (int32_t k = n - 1; k >= 0; k--) {
    if (++idx[k] < dims[k]) return;
    idx[k] = 0;
  }
}

/* enn_nd_next that also keeps *off == sum idx[k] * stride[k]. */
static inline void enn_nd_step(int32_t n, const int64_t *dims, const int64_t *stride, int64_t *idx, int64_t *off) {
  for (int32_t k = n - 1; k >= 0; k--) {
    *off += stride[k];
    if (++idx[k] < dims[k]) return;
    *off -= stride[k] * dims[k];
    idx[k] = 0;
  }
}

/* enn_nd_step for two operands walked by one index. */
static inline void enn_nd_step2(int32_t n, const int64_t *dims, const int64_t *sa, const int64_t *sb, int64_t *idx,
                                int64_t *oa, int64_t *ob) {
  for (int32_t k = n - 1; k >= 0; k--) {
    *oa += sa[k];
    *ob += sb[k];
    if (++idx[k] < dims[k]) return;
    *oa -= sa[k] * dims[k];
    *ob -= sb[k] * dims[k];
    idx[k] = 0;
  }
}

/* y[i0, .., i{rank-1}] = x[offset + sum_k i_k * stride[k]] for every index
 * of dims[0..rank) (rank >= 1, numel = prod dims), y written in order. */
static inline void enn_nd_gather_f32(int32_t rank, const int64_t *dims, const int64_t *stride, int64_t numel,
                                     int64_t offset, const float *x, float *y) {
  if (numel <= 0) return;
  const int32_t last = rank - 1;
  const int64_t n = dims[last], st = stride[last], rows = numel / n;
  int64_t idx[ENN_MAX_RANK] = {0};
  int64_t off = offset;
  for (int64_t row = 0; row < rows; row++) {
    const float *xr = x + off;
    float *yr = y + row * n;
    for (int64_t i = 0; i < n; i++) yr[i] = xr[i * st];
    enn_nd_step(last, dims, stride, idx, &off);
  }
}

#endif
