/*
 * F16 weights for float operators (weights-only FP16, docs/quantization.md
 * "FP16"): a constant parameter stored as ENN_DTYPE_F16 is accepted by
 * Conv2D / FullyConnected (weights and bias, inputs 1 and 2), Gemm (B and
 * C, inputs 1 and 2) and MatMul (B, input 1), which
 * then compute exactly as with the f32 weights enn_f16_to_f32 gives: the
 * conversion happens once, at prepare, and run is the f32 run.
 *
 * An operator uses two calls:
 *   infer:   in = enn_f16w_infer_descs(n, in, in_data, mask, &v);
 *            (F16 constants among the inputs in `mask` are shown to its
 *            f32 checks as f32 of the same shape; an F16 input that is not
 *            a constant is left as it is, so the f32 check refuses it);
 *   prepare: return enn_f16w_prepare(e, ctx, mask, f32_prepare, reads);
 *            converts the F16 constant inputs to f32 (F16C when the CPU has
 *            it, kernels/ref/f16_ref.h) and calls f32_prepare with
 *            e->in[i] / e->in_desc[i] pointing at the f32 copy, so weight
 *            packing sees f32. Afterwards, if reads(e) says the op's run
 *            reads the weights from e->in[i] (its reference path; reads
 *            NULL = always), the copy moves into persistent memory and the
 *            substitution stays (the session keeps a constant input pointer
 *            that prepare set, src/rt/session.c); otherwise (a fast path
 *            packed its own copy) the temporary copy is freed and the
 *            F16 pointer and descriptor are put back.
 * Ops without F16 inputs take the plain path (no cost).
 *
 * Conv2D 1x1 / FullyConnected on a CPU with fp16 arithmetic (AArch64
 * fphp/asimdhp) try ops/f16_gemm_fast.h before enn_f16w_prepare: that
 * path keeps the weights f16 (no conversion) and runs the f16 GEMM.
 */
#ifndef ENN_OPS_F16_WEIGHTS_H
#define ENN_OPS_F16_WEIGHTS_H

#include "ir/ir.h"

#define ENN_F16W_MAX_IN 4
#define ENN_F16W_IN(i) (1u << (i))

typedef struct enn_f16w_descs {
  enn_tensor_desc d[ENN_F16W_MAX_IN];
  const enn_tensor_desc *p[ENN_F16W_MAX_IN];
} enn_f16w_descs;

const enn_tensor_desc *const *enn_f16w_infer_descs(const enn_node *n, const enn_tensor_desc *const *in,
                                                   const void *const *in_data, uint32_t mask, enn_f16w_descs *v);

typedef enn_status (*enn_f16w_prepare_fn)(enn_exec *e, enn_prepare_ctx *ctx);
typedef bool (*enn_f16w_reads_fn)(const enn_exec *e);

enn_status enn_f16w_prepare(enn_exec *e, enn_prepare_ctx *ctx, uint32_t mask, enn_f16w_prepare_fn prepare,
                            enn_f16w_reads_fn reads);

/* For a prepare that reads constants straight from the graph (e.g. another
 * node's weights): the f32 values of constant tensor t. An F32 tensor
 * gives its own data (*tmp = NULL); an F16 tensor is converted into *tmp,
 * allocated from ctx->alloc, which the caller frees with enn_f16w_free
 * once it has packed the values. NULL (no message) for other dtypes or
 * when memory runs out. */
const float *enn_f16w_const_f32(enn_prepare_ctx *ctx, const enn_tensor *t, float **tmp);
void enn_f16w_free(enn_prepare_ctx *ctx, float *tmp);

#endif
