/*
 * Reference broadcasting binary kernel (add, sub, mul, div, prelu).
 *
 * Numpy broadcasting, over the output index i = (i0..i{r-1}):
 *   y[i] = act( f(a[i . sa], b[i . sb]) )
 * where sa / sb are a's and b's element strides aligned to the output dims
 * (0 on an axis the operand broadcasts along) and
 *   ADD: a + b     SUB: a - b     MUL: a * b     DIV: a / b (IEEE: x/0 = +-inf, 0/0 = NaN)
 *   PRELU: a < 0 ? b * a : a   (b is the slope)
 * each a single float operation (round to nearest), then the activation of
 * act.h. Layout: dense row-major (the last axis is contiguous).
 *
 * Aliasing: y may be a (or b) when that operand has the output's shape: every
 * output element is written after the only read of the same position.
 *
 * enn_binary_params_init fills the strides and merges adjacent axes on which
 * both operands behave alike (both dense, or the same one broadcast), so a
 * same-shape op is one flat loop and a per-channel op a loop over rows.
 */
#ifndef ENN_KERNELS_REF_BINARY_REF_H
#define ENN_KERNELS_REF_BINARY_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

typedef enum enn_binop {
  ENN_BINOP_ADD = 0,
  ENN_BINOP_SUB,
  ENN_BINOP_MUL,
  ENN_BINOP_DIV,
  ENN_BINOP_PRELU
} enn_binop;

typedef struct enn_binary_params {
  int32_t op;   /* enn_binop */
  int32_t rank; /* >= 1 after merging */
  int64_t dims[ENN_MAX_RANK];
  int64_t sa[ENN_MAX_RANK], sb[ENN_MAX_RANK]; /* element strides, 0 = broadcast */
  int64_t numel;
  enn_act_params act;
} enn_binary_params;

/* Fills p for y = broadcast(a, b). The shapes must broadcast (the caller has
 * validated them); a rank-0 operand is a scalar. */
void enn_binary_params_init(enn_binary_params *p, enn_binop op, const enn_tensor_desc *a, const enn_tensor_desc *b,
                            const enn_act_params *act);

void enn_f32_binary__ref(const enn_binary_params *p, const float *a, const float *b, float *y);

#endif
