/*
 * Reference Pad (any rank 0..ENN_MAX_RANK, dense row-major).
 *
 * For every output index o (per dimension d, 0 <= o[d] < out[d] with
 * out[d] = in[d] + begin[d] + end[d]) the source index is s[d] = o[d] - begin[d].
 * If every s[d] is inside [0, in[d]) the element is copied. Otherwise, per
 * dimension outside the input:
 *   constant: the element is `value`;
 *   reflect:  s < 0 -> -s,  s >= in -> 2*(in-1) - s   (mirror without
 *             repeating the edge; the operator guarantees |pad| < in);
 *   edge:     s clamped to [0, in-1].
 * Negative begin/end crop (ONNX Pad semantics): the formula above already
 * reads the right element. Exact copies, no arithmetic.
 */
#ifndef ENN_KERNELS_REF_PAD_REF_H
#define ENN_KERNELS_REF_PAD_REF_H

#include <stdint.h>

#include "edgenn/edgenn.h"

typedef struct enn_pad_params {
  int32_t rank;
  int32_t mode; /* enn_padop_mode */
  float value;
  int64_t in_dims[ENN_MAX_RANK];
  int64_t out_dims[ENN_MAX_RANK];
  int64_t begin[ENN_MAX_RANK];
} enn_pad_params;

/* y must not overlap x. */
void enn_f32_pad__ref(const enn_pad_params *p, const float *x, float *y);

#endif
