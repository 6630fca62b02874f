/*
 * The int8 paths of the linear, pooling and reduction operators
 * (docs/quantization.md): Conv2D, FullyConnected, MaxPool, AvgPool,
 * GlobalAvgPool and ReduceMean. Each operator's own file (conv2d.c, ...)
 * keeps its f32 path and hands a node whose input 0 is 8-bit to the
 * functions here (infer / prepare / run), so the f32 code stays as it was.
 *
 * Conventions of every int8 operator here:
 *   - tensors are int8 (uint8 is refused: importers convert uint8 models to
 *     int8, an exact shift of values and zero points); bias is int32;
 *   - activations and outputs are quantised per tensor; weights per tensor
 *     or per output channel (axis 0), with zero points allowed;
 *   - the output's parameters are those of the output tensor (set with
 *     enn_graph_set_quant after the node is added); prepare refuses a
 *     tensor without parameters, with a message naming the node and tensor;
 *   - a fused activation must be a clamp (Relu, Relu6, Clip): it becomes an
 *     integer range (enn_act_range_q); others are refused at infer.
 */
#ifndef ENN_OPS_QS8_OPS_H
#define ENN_OPS_QS8_OPS_H

#include "kernels/ref/conv_ref.h"
#include "ops/op_util.h"

/* Whether an operator gets input 0 of this dtype through its int8 path. */
static inline bool enn_qs8_dispatch(enn_dtype t) { return t == ENN_DTYPE_I8 || t == ENN_DTYPE_U8; }

/* ------------------------------------------------------- shared checks */
/* Storage range of an 8-bit dtype (i8 [-128, 127], u8 [0, 255]); i32 gets
 * the int32 range. */
void enn_qs8_range(enn_dtype t, int32_t *qmin, int32_t *qmax);

/* Input i exists, has dtype t and (rank >= 0) that rank. A uint8 tensor
 * where int8 is expected gets a message pointing at the import conversion. */
enn_status enn_qs8_expect(const enn_node *n, const enn_tensor_desc *const *in, int32_t i, enn_dtype t, int32_t rank);

/* d (called `what` in messages: "input 0", "output", ...) carries valid
 * parameters: count > 0, finite scales > 0, zero points inside its dtype's
 * storage range; per_tensor: exactly one pair. Errors name node and tensor. */
enn_status enn_qs8_check_quant(const enn_node *n, const enn_tensor_desc *d, const char *what, bool per_tensor);

/* Identical parameters (count, axis, scales bit for bit, zero points);
 * two unquantised descriptors are identical. */
bool enn_qs8_same_quant(const enn_quant *a, const enn_quant *b);

/* Infer-time check: attrs.act is valid and a clamp (none, Relu, Relu6, Clip). */
enn_status enn_qs8_check_act(const enn_node *n);

/* The integer clamp range of the node's fused activation on output y. */
enn_status enn_qs8_act_range(const enn_node *n, const enn_tensor_desc *y, int32_t *lo, int32_t *hi);

/* Prepare-time parameters of a linear operator (conv, fully connected) with
 * `channels` outputs: checks x, w (per tensor, or per axis 0 with one pair
 * per channel) and y, then fills w_zp[c] and (mult[c], shift[c]) =
 * enn_quantize_multiplier((double)s_x * (double)s_w[c] / (double)s_y). */
enn_status enn_qs8_linear_params(const enn_node *n, const enn_tensor_desc *x, const enn_tensor_desc *w,
                                 const enn_tensor_desc *y, int64_t channels, int32_t *w_zp, int32_t *mult,
                                 int32_t *shift);

/* Conv2D's shape rules (conv2d.c), shared by its f32 and int8 paths: checks
 * groups, dimensions, channel counts, bias length and the window (the
 * caller checks dtypes and the activation first); fills *p when non-NULL
 * and the output's spatial size. */
enn_status enn_conv2d_geometry(const enn_node *n, const enn_tensor_desc *const *in, enn_conv2d_params *p,
                               int64_t *oh, int64_t *ow);

/* ----------------------------------------------------------- operators */
enn_status enn_qs8_conv2d_infer(const enn_node *n, const enn_tensor_desc *const *in, enn_tensor_desc *out);
enn_status enn_qs8_conv2d_prepare(enn_exec *e, enn_prepare_ctx *ctx);
void enn_qs8_conv2d_run(const enn_exec *e);

enn_status enn_qs8_fc_infer(const enn_node *n, const enn_tensor_desc *const *in, enn_tensor_desc *out);
enn_status enn_qs8_fc_prepare(enn_exec *e, enn_prepare_ctx *ctx);
void enn_qs8_fc_run(const enn_exec *e);

/* MaxPool / AvgPool: the input checks of enn_expect_spatial_input for an
 * int8 NHWC input quantised per tensor (when it has parameters); pool.c
 * keeps the window geometry and calls `geometry` (its params function) to
 * fill an enn_pool2d_params. Output descriptors are int8 and inherit the
 * input's parameters (pooling never rescales: prepare requires the output
 * tensor's parameters to be identical). */
enn_status enn_qs8_spatial_input(const enn_node *n, const enn_tensor_desc *const *in);
void enn_qs8_pool_out(enn_tensor_desc *out, const enn_tensor_desc *x);
enn_status enn_qs8_pool_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_params_fn geometry);
void enn_qs8_max_pool_run(const enn_exec *e);
void enn_qs8_avg_pool_run(const enn_exec *e);

/* GlobalAvgPool and ReduceMean: TFLite MEAN (kernels/ref/q8_mean_ref.h),
 * output parameters free. reduce[k] says whether input axis k is reduced. */
enn_status enn_qs8_mean_prepare(enn_exec *e, enn_prepare_ctx *ctx, const bool *reduce);
void enn_qs8_mean_run(const enn_exec *e);

#endif
