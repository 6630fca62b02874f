/*
 * Native FP16 weights (f16_gemm_fast.c): Conv2D 1x1 (stride 1, no padding,
 * one group) and FullyConnected whose weights are an F16 constant run the
 * f16-weight GEMM kernel (ENN_KOP_GEMM, dtype ENN_DTYPE_F16: AArch64 with
 * fp16 arithmetic) on the weights packed as halves, instead of converting
 * them to f32 (ops/f16_weights.h). Numerics: docs/quantization.md "FP16".
 *
 * An op's prepare asks enn_f16_gemm_native_kernel(e) first; when it gives
 * a kernel, the op validates its parameters on the f32 view of the
 * descriptors (enn_f16w_infer_descs) and calls the fast prepare below,
 * which leaves fp->run NULL (nothing allocated) when the shape is not one
 * it takes; the op then goes on with enn_f16w_prepare as before.
 */
#ifndef ENN_OPS_F16_GEMM_FAST_H
#define ENN_OPS_F16_GEMM_FAST_H

#include "ops/fast_path.h"

/* The f16 GEMM kernel if e may take the native path: input 0 F32, input 1
 * an F16 constant, input 2 (when present) an F16 or F32 constant, the
 * kernel available at the current ISA level (enn_kernel_find: not under
 * ENN_ISA=ref or enn_kernel_set_isa_cap(ENN_ISA_REF), not on CPUs without
 * fphp/asimdhp, never on x86) and the native path not switched off. */
const enn_kernel *enn_f16_gemm_native_kernel(const enn_exec *e);

/* Tests and benchmarks (not thread-safe against concurrent creates):
 * 0 = never take the native path (F16 weights are converted to f32 as on
 * CPUs without fp16), 1 = take it where it applies (default). */
void enn_f16_gemm_set_native(int mode);

/* p: the op's validated parameters (from the f32 view of the descriptors).
 * On success with fp->run set: weights (and bias) packed, e->kernel named. */
enn_status enn_f16_conv2d_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_conv2d_params *p,
                                       enn_fast_path *fp);
enn_status enn_f16_fc_fast_prepare(enn_exec *e, enn_prepare_ctx *ctx, const enn_fc_params *p, enn_fast_path *fp);
/* The op's state (its parameters and fast path, `bytes` at s) copied into
 * persistent memory as e->state. */
enn_status enn_f16_state(enn_exec *e, enn_prepare_ctx *ctx, const void *s, size_t bytes);

#endif
