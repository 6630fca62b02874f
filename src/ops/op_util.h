/* Helpers shared by operator implementations (src/ops/). */
#ifndef ENN_OPS_OP_UTIL_H
#define ENN_OPS_OP_UTIL_H

#include "ir/ir.h"

/* Resolves the spatial output size and explicit pads of a 2-D window op
 * (conv, pooling) from attrs.pad_mode/pads/stride/dilation:
 *   explicit: out = floor_or_ceil((in + pb + pe - dil*(k-1) - 1) / stride) + 1
 *             with ceil_mode, a last window that would start past the input
 *             and the begin padding is dropped (PyTorch/ONNX rule);
 *   same_*:   out = ceil(in / stride), total pad split begin/end (upper puts
 *             the odd pixel at the end);
 *   valid:    no padding.
 * pads_out = {top, left, bottom, right}. Errors name the node. */
enn_status enn_window_2d(const enn_node *n, int64_t ih, int64_t iw, int64_t kh, int64_t kw, bool ceil_mode,
                         int32_t pads_out[4], int64_t *oh, int64_t *ow);

/* Common checks: input i exists and is f32 with the given rank (rank < 0 = any). */
enn_status enn_expect_f32(const enn_node *n, const enn_tensor_desc *const *in, int32_t i, int32_t rank);

/* Validates attrs.act and its parameters for ops that fuse an activation. */
enn_status enn_check_act(const enn_node *n);

#endif
