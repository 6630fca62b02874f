/*
 * fp16 -> fp32 conversion of arrays (weights-only FP16, src/quant/fp16.c).
 *
 *   y[i] = the IEEE binary32 value of the binary16 x[i], i < n
 *
 * Exact: every binary16 value (subnormals, +-0, +-inf included) is a
 * binary32 value; NaNs stay NaNs (the reference keeps the payload, the F16C
 * instruction also sets the quiet bit). The reference is enn_f16_to_f32
 * per element; enn_f16_f32_vcvt__f16c (x86, src/kernels/x86/, compiled
 * with -mf16c) is bit-identical on every non-NaN input. enn_f16_f32_vcvt
 * picks the F16C kernel when the CPU has F16C and AVX2 and the kernel
 * level (ENN_ISA) is not ref.
 */
#ifndef ENN_KERNELS_REF_F16_REF_H
#define ENN_KERNELS_REF_F16_REF_H

#include "base/base.h"

static inline void enn_f16_f32_vcvt__ref(size_t n, const uint16_t *x, float *y) {
  for (size_t i = 0; i < n; i++) y[i] = enn_f16_to_f32(x[i]);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define ENN_HAVE_F16C_KERNEL 1
void enn_f16_f32_vcvt__f16c(size_t n, const uint16_t *x, float *y);
#else
#define ENN_HAVE_F16C_KERNEL 0
#endif

/* The fastest conversion this CPU allows (above). Returns the kernel name. */
const char *enn_f16_f32_vcvt(size_t n, const uint16_t *x, float *y);

#endif
