/*
 * edgenn FP16 weights (docs/quantization.md, "FP16").
 *
 * Weights-only FP16: the weights are STORED as IEEE binary16 (half the
 * bytes in memory-mapped graphs and .enn files); activations and arithmetic
 * stay float32. A session converts each F16 weight tensor back to f32 once
 * at create (F16C on x86 when the CPU has it), so an FP16 model runs at
 * f32 speed and computes exactly what the f32 model with the rounded
 * weights computes. (Native fp16 arithmetic on AArch64 is a kernel-level path on AArch64 (kernels.h: enn_f16_gemm_minmax_6x8__neonfp16), not yet used by the operators.)
 */
#ifndef EDGENN_FP16_H
#define EDGENN_FP16_H

#include "edgenn/edgenn.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* Returns in *out a new graph (constants owned; destroy with
 * enn_graph_destroy): an optimised copy of the float32 graph src (batch
 * norm folded, constants folded, as a session would) in which every
 * constant f32 tensor read only as parameters of Conv2D / FullyConnected
 * (weights and bias, inputs 1 and 2), Gemm (B and C) or MatMul (B) is
 * stored as F16, rounded to nearest even (enn_f32_to_f16). A tensor with a
 * value that f16 cannot hold (|x| > 65504, inf, NaN) stays f32, and so
 * does every other constant (PRelu slopes, element-wise operands, ...).
 * src is not modified. Metadata "quantized" = "f16".
 * Errors: NULL arguments (ENN_ERR_INVALID_ARG); a graph already converted
 * (F16 tensors or "quantized" = "f16": ENN_ERR_INVALID_ARG); an int8 /
 * quantised graph (ENN_ERR_UNSUPPORTED); a graph with no weights to
 * convert (ENN_ERR_UNSUPPORTED). */
enn_status enn_convert_f16(const enn_graph *src, enn_graph **out);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
