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

/* The input checks of a 2-D spatial operator (pooling, resize): input 0 is
 * f32 NHWC with every dimension in 1..INT32_MAX/4 (int32 kernel indices
 * cannot overflow), and attrs.act is valid. Errors name the node. */
enn_status enn_expect_spatial_input(const enn_node *n, const enn_tensor_desc *const *in);

/* out = an f32 desc of shape [n, h, w, c] (the NHWC output of a spatial op). */
void enn_desc_nhwc(enn_tensor_desc *out, int64_t n, int64_t h, int64_t w, int64_t c);

/* attrs.axis normalised against rank (negative counts from the end) into
 * *axis; ENN_ERR_INVALID_ARG naming the node when out of range. */
enn_status enn_node_axis(const enn_node *n, int32_t rank, int32_t *axis);

/* attrs.n_axes is in 0..rank (ENN_ERR_INVALID_ARG otherwise). */
enn_status enn_check_n_axes(const enn_node *n, int32_t rank);

/* attrs.axes[i] normalised against rank into *ax; ENN_ERR_INVALID_ARG when
 * it is out of range or seen[*ax] is already set (an axis listed twice).
 * Sets seen[*ax]. */
enn_status enn_node_axes_item(const enn_node *n, int32_t i, int32_t rank, bool *seen, int32_t *ax);

/* The validation and parameter extraction of an operator whose infer and
 * prepare share it: fills the kernel state p (when not NULL) and the output
 * desc out (when not NULL) from the node and its input descs. */
typedef enn_status (*enn_params_fn)(const enn_node *n, const enn_tensor_desc *const *in, void *p,
                                    enn_tensor_desc *out);

/* The prepare of such an operator: allocates `size` bytes of zero-filled
 * persistent state, fills it with params(node, in_desc, state, NULL) and,
 * on success, sets e->state and e->kernel. */
enn_status enn_prepare_params(enn_exec *e, enn_prepare_ctx *ctx, size_t size, enn_params_fn params,
                              const char *kernel);

#endif
