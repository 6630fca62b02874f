/*
 * The int8 (ENN_DTYPE_I8, per-tensor quantisation) forms of the
 * element-wise, activation, softmax and data-movement operators. Each f32
 * operator file dispatches here on its input dtype; the numerics are
 * TFLite's (docs/quantization.md, src/quant/requant.h; kernels in
 * src/kernels/ref/q8_*.h).
 *
 * They share the checks of qs8_ops.h. Contract shared by all of them:
 *   infer   inputs must be int8 and quantised per tensor (or not yet
 *           quantised: importers set parameters after adding the producer);
 *           outputs are int8. Data-movement ops give their output the
 *           input's parameters (they cannot requantise), others leave the
 *           output's parameters to enn_graph_set_quant.
 *   prepare every input and output must have per-tensor parameters
 *           (scale finite and > 0, zero point in [-128, 127]); errors name
 *           the node and the tensor (input k / output k). Multipliers and
 *           tables are computed here; run only loops.
 */
#ifndef ENN_OPS_QS8_EW_H
#define ENN_OPS_QS8_EW_H

#include "ops/qs8_ops.h"

/* ------------------------------------------------------------- helpers */
/* prepare: d passes enn_qs8_check_quant (per tensor; `what` names it in
 * messages: "input 1", "output", ...); its (scale, zero point). */
enn_status enn_qs8ew_params(const enn_node *n, const enn_tensor_desc *d, const char *what, float *scale, int32_t *zp);

typedef enn_status (*enn_infer_fn)(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                   enn_tensor_desc *out);
typedef enn_status (*enn_prepare_fn)(enn_exec *e, enn_prepare_ctx *ctx);

/* infer of an int8 data-movement op through its f32 infer (the shape logic
 * does not depend on the element type): every input must be int8 with no
 * or per-tensor parameters; the inputs are shown to f32_infer as f32, then every
 * output becomes int8 and, when all inputs carry the same parameters, gets
 * them. */
enn_status enn_qs8_infer_as_f32(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out, enn_infer_fn f32_infer);

/* prepare of an int8 pass-through op (its output bytes are input bytes):
 * input 0 and every output need equal per-tensor parameters; then the f32
 * prepare builds the (dtype-free) geometry, seeing f32 descriptors, and the
 * kernel name is set. */
enn_status enn_qs8_prepare_as_f32(enn_exec *e, enn_prepare_ctx *ctx, enn_prepare_fn f32_prepare, const char *kernel);

/* ------------------------------------------- element-wise (binary_q8.c) */
/* Add, Sub, Mul; fused activation NONE / RELU / RELU6 / CLIP only. */
enn_status enn_qs8_binary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out);
enn_status enn_qs8_binary_prepare(enn_exec *e, enn_prepare_ctx *ctx);
/* PRelu: slope (input 1, int8) broadcast to x. */
enn_status enn_qs8_prelu_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out);
enn_status enn_qs8_prelu_prepare(enn_exec *e, enn_prepare_ctx *ctx);
/* Runs Add / Sub / Mul / PRelu. */
void enn_qs8_binary_run(const enn_exec *e);

/* -------------------------------------------- activations (unary_q8.c) */
/* Relu, Clip, LeakyRelu, Sigmoid, HardSigmoid, HardSwish, Swish, Tanh as
 * 256-entry tables. */
enn_status enn_qs8_unary_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                               enn_tensor_desc *out);
enn_status enn_qs8_unary_prepare(enn_exec *e, enn_prepare_ctx *ctx);
void enn_qs8_unary_run(const enn_exec *e);

/* ---------------------------------------------------- softmax_q8.c */
enn_status enn_qs8_softmax_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                 enn_tensor_desc *out);
enn_status enn_qs8_softmax_prepare(enn_exec *e, enn_prepare_ctx *ctx);
void enn_qs8_softmax_run(const enn_exec *e);

/* ------------------------------------------------ data movement (move_q8.c) */
/* Concat: inputs may have different parameters (requantised to the output's). */
enn_status enn_qs8_concat_prepare(enn_exec *e, enn_prepare_ctx *ctx);
void enn_qs8_concat_run(const enn_exec *e);
void enn_qs8_split_run(const enn_exec *e);
void enn_qs8_transpose_run(const enn_exec *e);
void enn_qs8_slice_run(const enn_exec *e);
/* Pad: enn_qs8_prepare_as_f32 + the pad constant quantised with the output's params. */
enn_status enn_qs8_pad_prepare(enn_exec *e, enn_prepare_ctx *ctx, enn_prepare_fn f32_prepare);
void enn_qs8_pad_run(const enn_exec *e);
/* Resize: nearest only. */
enn_status enn_qs8_resize_infer(const enn_node *n, const enn_tensor_desc *const *in, const void *const *in_data,
                                enn_tensor_desc *out, enn_infer_fn f32_infer);
void enn_qs8_resize_run(const enn_exec *e);
void enn_qs8_global_max_pool_run(const enn_exec *e);

#endif
