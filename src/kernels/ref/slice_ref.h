/*
 * Reference Slice (ONNX semantics, dense row-major f32):
 *   y[i0, .., i{r-1}] = x[start_0 + i0*step_0, .., start_{r-1} + i{r-1}*step_{r-1}]
 * with per-axis start / step (steps may be negative) already resolved and
 * clamped by the operator, so every index read is inside x. Pure copy: bit
 * exact. x and y must not overlap.
 *
 * enn_slice_params_init turns this into a strided gather from an offset:
 * axis k reads with stride step_k * in_stride_k; unit output axes are
 * dropped and adjacent axes merged when contiguous (outer stride = inner
 * dim * inner stride), so slicing only the outermost axis is one copy.
 */
#ifndef ENN_KERNELS_REF_SLICE_REF_H
#define ENN_KERNELS_REF_SLICE_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_slice_params {
  int32_t rank;                 /* >= 1 after merging */
  int64_t dims[ENN_MAX_RANK];   /* output dims (merged) */
  int64_t stride[ENN_MAX_RANK]; /* input element stride per output axis (may be < 0) */
  int64_t offset;               /* input element of output index 0 */
  int64_t numel;
} enn_slice_params;

/* x: the input desc; start/step/count: per input axis (count = output dim). */
void enn_slice_params_init(enn_slice_params *p, const enn_tensor_desc *x, const int64_t *start, const int64_t *step,
                           const int64_t *count);

void enn_f32_slice__ref(const enn_slice_params *p, const float *x, float *y);

#endif
