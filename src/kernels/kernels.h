/*
 * The fast-kernel table: every SIMD kernel edgenn has, with its name, ISA,
 * dtype, tile and function pointer, in ONE array (src/kernels/select.c).
 * Operators pick an entry at session create (enn_kernel_find) for the
 * session's ISA level (base/cpu.h: detected, ENN_ISA lowers it); when no
 * entry fits, the op keeps its reference kernel (src/kernels/ref/, the
 * spec every kernel here is tested against). ENN_ISA=ref therefore runs
 * the reference kernels only.
 *
 * Kernels are stateless, never allocate and never fail. Their weights are
 * packed once at create (the pack functions below) into the panel layout
 * the kernel reads; activations are NHWC.
 *
 * Families and contracts (x86: src/kernels/x86/f32_*_<isa>.c):
 *
 * GEMM   enn_f32_gemm_minmax_<MR>x<NR>__<isa>
 *   c[i, j] = epi( w.bias[j] + sum_{k < kc} a[i*a_stride + k] * w[k, j] )
 *   for i < mr (1..MR), j < nc (any >= 1; the kernel walks NR-wide panels).
 *   w is enn_f32_pack_gemm's layout. Strides are in elements. A 1x1
 *   convolution is this with a = pixels x in-channels (NHWC), c = pixels x
 *   out-channels; a fully-connected layer likewise.
 *
 * IGEMM  enn_f32_igemm_minmax_<MR>x<NR>__<isa> (indirect GEMM, any k x k conv)
 *   c[i, j] = epi( bias[j] + sum_{t < ks} sum_{k < kc} a[t*MR + i][k] * w[t*kc + k, j] )
 *   a is an indirection table of ks x MR row pointers (a padding tap points
 *   at a zero row of kc floats); rows i >= mr are never stored (their
 *   pointers must still be readable: callers repeat row mr - 1). ks, kc >= 1.
 *
 * DWCONV enn_f32_dwconv_<KH>x<KW>__<isa> (depthwise, channel multiplier 1)
 *   one output row: y[ox, c] = epi( bias[c] + sum_{ky,kx} rows[ky][ix, c] * w[ky, kx, c] )
 *   with ix = ox*stride - pad_left + kx; taps with ix outside [0, iw)
 *   contribute nothing; rows[ky] is the input row (iw x c floats) or a zero
 *   row for vertical padding. w is enn_f32_pack_dwconv's layout, channel
 *   tile CR = the entry's nr.
 *
 * VADD   enn_f32_vadd_minmax__<isa>: y[i] = epi(a[i] + b[i]), i < n; y may
 *        alias a or b.
 * GAVGPOOL enn_f32_gavgpool__<isa>: y[c] = epi((sum_p x[p*ch + c]) / (float)hw),
 *        p < hw (sum in p order, as the reference), c < ch.
 * MAXPOOL enn_f32_maxpool__<isa>: one output row of a max pooling, NHWC:
 *        y[ox, c] = epi( max over ky < kh with rows[ky] != NULL, kx < kw with
 *        0 <= ix = ox*stride - pad_left + kx*dil < iw of rows[ky][ix, c] );
 *        a NaN tap makes the result NaN, ties keep the first tap (as the
 *        reference); rows[ky] NULL is a padding row.
 * SOFTMAX enn_f32_softmax__<isa>: y = exp(x - max x) / sum over n values
 *        (y may alias x); exp is a polynomial within 2 ulp of expf, the
 *        sum is accumulated in vector lanes (a different order from the
 *        reference's).
 *
 * The epilogue epi is enn_f32_epi: a clamp (none / relu / relu6 / clip),
 * hard-swish or hard-sigmoid, computed in registers. Other activations
 * (sigmoid, swish, tanh, leaky relu) are applied by the operator after the
 * kernel with the scalar act.h functions (enn_f32_epi_init says which).
 */
#ifndef ENN_KERNELS_KERNELS_H
#define ENN_KERNELS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "base/cpu.h"
#include "kernels/ref/act.h"

/* -------------------------------------------------------------- epilogue */
enum { ENN_EPI_NONE = 0, ENN_EPI_RELU, ENN_EPI_MINMAX, ENN_EPI_HSWISH, ENN_EPI_HSIGMOID };

typedef struct enn_f32_epi {
  int32_t kind; /* ENN_EPI_*; NONE stores the sum as is; RELU: x > 0 ? x : 0 */
  float min, max; /* MINMAX: x < min ? min : (x > max ? max : x) (NaN stays NaN) */
  float alpha, beta; /* HSIGMOID: y = min(max(alpha*x + beta, 0), 1) (one fma) */
  /* HSWISH: y = x * min(max(x + 3, 0), 6) * (1/6) */
} enn_f32_epi;

/* Fills *ep for act. Returns true when the epilogue computes act itself;
 * false when the op must apply enn_act_f32 to the kernel's output (ep is
 * then ENN_EPI_NONE). */
bool enn_f32_epi_init(enn_f32_epi *ep, const enn_act_params *act);

/* --------------------------------------------------------- kernel types */
typedef void (*enn_f32_gemm_fn)(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride, const float *w,
                                float *c, size_t c_stride, const enn_f32_epi *ep);
typedef void (*enn_f32_igemm_fn)(size_t mr, size_t nc, size_t kc, size_t ks, const float *const *a, const float *w,
                                 float *c, size_t c_stride, const enn_f32_epi *ep);
typedef void (*enn_f32_dwconv_fn)(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw,
                                  size_t stride, size_t pad_left, const enn_f32_epi *ep);
typedef void (*enn_f32_vadd_fn)(size_t n, const float *a, const float *b, float *y, const enn_f32_epi *ep);
typedef void (*enn_f32_gavgpool_fn)(size_t hw, size_t ch, const float *x, float *y, const enn_f32_epi *ep);
typedef void (*enn_f32_softmax_fn)(size_t n, const float *x, float *y);
typedef void (*enn_f32_maxpool_fn)(const float *const *rows, size_t kh, float *y, size_t c, size_t ow, size_t iw,
                                   size_t kw, size_t stride, size_t pad_left, size_t dil, const enn_f32_epi *ep);

typedef enum enn_kernel_op {
  ENN_KOP_GEMM = 0,
  ENN_KOP_IGEMM,
  ENN_KOP_DWCONV,
  ENN_KOP_VADD,
  ENN_KOP_GAVGPOOL,
  ENN_KOP_SOFTMAX,
  ENN_KOP_MAXPOOL
} enn_kernel_op;

typedef struct enn_kernel {
  const char *name; /* enn_<dtype>_<op>[_<fused>][_<tile>]__<isa> */
  enn_kernel_op op;
  enn_isa isa;
  enn_dtype dtype;
  int32_t mr, nr; /* GEMM/IGEMM tile; DWCONV: nr = channel tile */
  int32_t kh, kw; /* DWCONV window */
  union {
    enn_f32_gemm_fn gemm;
    enn_f32_igemm_fn igemm;
    enn_f32_dwconv_fn dwconv;
    enn_f32_vadd_fn vadd;
    enn_f32_gavgpool_fn gavgpool;
    enn_f32_softmax_fn softmax;
    enn_f32_maxpool_fn maxpool;
  } fn;
} enn_kernel;

/* The whole table (every entry compiled into this build, any ISA). */
const enn_kernel *enn_kernel_table(int32_t *count);

/* The ISA level kernels are chosen for: enn_cpu_isa() (fails on a bad
 * ENN_ISA), lowered by enn_kernel_set_isa_cap. */
enn_status enn_kernel_isa(enn_isa *out);

/* The preferred entry for op / dtype (window kh x kw for DWCONV, else 0, 0)
 * at the current level, or NULL (the op then runs its reference kernel). */
const enn_kernel *enn_kernel_find(enn_kernel_op op, enn_dtype dtype, int32_t kh, int32_t kw);

/* Tests and tools only (not thread-safe against concurrent session
 * creates): caps the level used by enn_kernel_find below the CPU's, so one
 * process can compare every level. ENN_ISA_AVX512 = no cap (the default). */
void enn_kernel_set_isa_cap(enn_isa cap);

/* True when the CPU (not ENN_ISA) can run kernels of level isa. */
bool enn_kernel_isa_supported(enn_isa isa);

/* --------------------------------------------------------------- packing */
/* GEMM / IGEMM weights: for each panel of nr output columns j0 = p*nr:
 * nr biases (0 when b is NULL or past n), then for k < kdim the nr values
 * w[(j0 + j)*w_stride + k] (0 past n). w is row-major [n, kdim] with row
 * stride w_stride (a conv's OHWI weights: kdim = kh*kw*icg). */
size_t enn_f32_pack_gemm_floats(int64_t n, int64_t kdim, int32_t nr);
void enn_f32_pack_gemm(int64_t n, int64_t kdim, int64_t w_stride, int32_t nr, const float *w, const float *b,
                       float *out);

/* Depthwise weights (OHWI [c, kh, kw, 1]): for each block of cr channels:
 * cr biases, then for t < kh*kw the cr values w[(c0 + j)*kh*kw + t]
 * (0 past c). */
size_t enn_f32_pack_dwconv_floats(int64_t c, int32_t kh, int32_t kw, int32_t cr);
void enn_f32_pack_dwconv(int64_t c, int32_t kh, int32_t kw, int32_t cr, const float *w, const float *b, float *out);

/* ------------------------------------------------ the kernels themselves */
#if defined(__x86_64__) && defined(__GNUC__)
#define ENN_KERNELS_X86 1
#else
#define ENN_KERNELS_X86 0
#endif
#if ENN_KERNELS_X86
void enn_f32_gemm_minmax_7x32__avx512(size_t, size_t, size_t, const float *, size_t, const float *, float *, size_t,
                                       const enn_f32_epi *);
void enn_f32_igemm_minmax_7x32__avx512(size_t, size_t, size_t, size_t, const float *const *, const float *, float *,
                                        size_t, const enn_f32_epi *);
void enn_f32_gemm_minmax_6x16__avx2(size_t, size_t, size_t, const float *, size_t, const float *, float *, size_t,
                                    const enn_f32_epi *);
void enn_f32_igemm_minmax_6x16__avx2(size_t, size_t, size_t, size_t, const float *const *, const float *, float *,
                                     size_t, const enn_f32_epi *);
void enn_f32_dwconv_3x3__avx512(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                                const enn_f32_epi *);
void enn_f32_dwconv_5x5__avx512(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                                const enn_f32_epi *);
void enn_f32_dwconv_3x3__avx2(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                              const enn_f32_epi *);
void enn_f32_dwconv_5x5__avx2(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                              const enn_f32_epi *);
void enn_f32_vadd_minmax__avx512(size_t, const float *, const float *, float *, const enn_f32_epi *);
void enn_f32_vadd_minmax__avx2(size_t, const float *, const float *, float *, const enn_f32_epi *);
void enn_f32_gavgpool__avx512(size_t, size_t, const float *, float *, const enn_f32_epi *);
void enn_f32_gavgpool__avx2(size_t, size_t, const float *, float *, const enn_f32_epi *);
void enn_f32_softmax__avx512(size_t, const float *, float *);
void enn_f32_softmax__avx2(size_t, const float *, float *);
void enn_f32_maxpool__avx512(const float *const *, size_t, float *, size_t, size_t, size_t, size_t, size_t, size_t,
                             size_t, const enn_f32_epi *);
void enn_f32_maxpool__avx2(const float *const *, size_t, float *, size_t, size_t, size_t, size_t, size_t, size_t,
                           size_t, const enn_f32_epi *);
#endif

#endif
