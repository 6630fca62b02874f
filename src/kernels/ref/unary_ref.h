/*
 * Reference unary activation kernel (Relu, Clip, LeakyRelu, Sigmoid,
 * HardSigmoid, HardSwish, Swish, Tanh as standalone ops):
 *   y[i] = enn_act_f32(x[i], p)   for 0 <= i < n
 * i.e. exactly the float formula of act.h, so a standalone activation and
 * the same activation fused into another op agree bit for bit.
 * y may equal x (in place).
 */
#ifndef ENN_KERNELS_REF_UNARY_REF_H
#define ENN_KERNELS_REF_UNARY_REF_H

#include <stdint.h>

#include "kernels/ref/act.h"

void enn_f32_vunary__ref(const enn_act_params *p, const float *x, float *y, int64_t n);

#endif
