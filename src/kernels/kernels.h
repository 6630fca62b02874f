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
 * Families and contracts (x86: src/kernels/x86/f32_*_<isa>.c; AArch64:
 * src/kernels/arm/f32_*_neon.c):
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
 *   GEMM / IGEMM entries with any_rows (below) take any mr >= 1.
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
 *
 * int8 GEMM / IGEMM (src/kernels/x86/qs8_gemm_<isa>.c; dtype ENN_DTYPE_I8):
 *   enn_qs8_gemm_<MR>x<NR>__<isa>, enn_qs8_igemm_<MR>x<NR>__<isa>: the
 *   shapes and pointer conventions of the f32 GEMM / IGEMM above, on int8
 *   rows (strides in bytes), int8 output:
 *     acc[i, j] = b[j] + sum_k w[k, j] * (a_i[k] - x_zp)   (modulo 2^32)
 *     c[i, j]   = enn_requantize(acc, mult[j], shift[j], y_zp, lo, hi)
 *   bit-identical to enn_qs8_fully_connected__ref / enn_qs8_conv2d__ref.
 *   w is enn_qs8_pack_gemm's layout: it holds b, mult, shift and x_zp
 *   (folded into the bias), ep (enn_qs8_epi) the per-call y_zp, lo, hi. An
 *   IGEMM padding tap points at a row of kc bytes equal to x_zp. The
 *   kernels never read past kc bytes of a row. A weight zero point is
 *   folded by the operator through ep->row_off (below): the kernels
 *   themselves compute with the weights as packed.
 *
 * ISA tags: an entry's isa is its level (avx2, avx512, neon), except
 * ENN_ISA_AVX512VNNI, which ranks as avx512 but is offered only by CPUs
 * with AVX512-VNNI (enn_kernel_find and enn_kernel_isa_supported check the
 * feature). So ENN_ISA=avx512 (or no ENN_ISA) runs the VNNI int8 kernels
 * where the CPU has VNNI and the AVX2 ones where it does not; ENN_ISA=avx2
 * runs the AVX2 ones; ENN_ISA=ref the reference kernels. Likewise
 * ENN_ISA_NEONDOT ranks as neon and is offered only by CPUs with the
 * ARMv8.2 dot product (asimddp): level neon runs enn_qs8_[i]gemm_*__neondot
 * there and the plain NEON kernels elsewhere.
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

/* Runs the statements ... (which use the constant EPI_K as the kind)
 * under one switch on the epilogue kind, for the SIMD kernels' tile
 * epilogues: with the kind read per accumulator between a tile's stores,
 * GCC reloaded it and re-branched for every register (a store through the
 * output pointer may alias the epilogue struct). */
#define EPI_CASE_(K, ...)       \
  case K: {                      \
    enum { EPI_K = K };          \
    __VA_ARGS__;                 \
  } break;
#define EPI_SWITCH(kind, ...)                      \
  do {                                             \
    switch (kind) {                                \
      EPI_CASE_(ENN_EPI_RELU, __VA_ARGS__)         \
      EPI_CASE_(ENN_EPI_MINMAX, __VA_ARGS__)       \
      EPI_CASE_(ENN_EPI_HSWISH, __VA_ARGS__)       \
      EPI_CASE_(ENN_EPI_HSIGMOID, __VA_ARGS__)     \
    default: {                                     \
      enum { EPI_K = ENN_EPI_NONE };               \
      __VA_ARGS__;                                 \
    } break;                                       \
    }                                              \
  } while (0)

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
/* Winograd F(4x4, 3x3) transforms (kernels/ref/winograd_ref.h states the
 * math and layouts): WINO_IN enn_f32_wino43_in__<isa> turns one 6x6 input
 * tile (rows[r] NULL = padding row; columns x0 + j outside [0, iw) are
 * padding) into v[xi * v_stride + ch]; WINO_OUT enn_f32_wino43_out__<isa>
 * turns the 36 GEMM outputs m[xi * m_stride + ch] into the tile's nrows x
 * ncols output pixels epi(bias + A^T M A) (bias may be NULL). */
typedef void (*enn_f32_wino_in_fn)(const float *const *rows, ptrdiff_t x0, size_t iw, size_t c, float *v,
                                   size_t v_stride);
typedef void (*enn_f32_wino_out_fn)(const float *m, size_t m_stride, size_t c, const float *bias, float *y,
                                    size_t y_row_stride, size_t nrows, size_t ncols, const enn_f32_epi *ep);

/* int8 GEMM / IGEMM (enn_qs8_[i]gemm_*): the per-call requantisation
 * scalars; per-channel bias, multiplier and shift live in the packed
 * panels (enn_qs8_pack_gemm). y = clamp(y_zp + MBQM(acc), lo, hi) with
 * -128 <= lo <= hi <= 127. flags (enn_qs8_epi_init) let a kernel skip the
 * left shift when no channel has shift > 0 and the INT32_MIN * INT32_MIN
 * saturation when no multiplier is INT32_MIN. row_off (NULL: none; set
 * NULL by enn_qs8_epi_init) is a per-call vector of mr int32 row offsets
 * the GEMM / IGEMM kernels add to every column of row i before the
 * requantisation (acc[i, j] += row_off[i], modulo 2^32): the operator's
 * fold of a weight zero point w_zp, row_off[i] = -w_zp * sum_k (a_i[k] -
 * x_zp) (conv2d_q8_fast.c). The kernels read it before any store. The
 * depthwise kernels ignore it. */
enum { ENN_QS8_EPI_LSHIFT = 1, ENN_QS8_EPI_SAT = 2 };
typedef struct enn_qs8_epi {
  int32_t y_zp, lo, hi;
  int32_t flags; /* ENN_QS8_EPI_* */
  const int32_t *row_off; /* GEMM / IGEMM: [mr] or NULL */
} enn_qs8_epi;
typedef void (*enn_qs8_gemm_fn)(size_t mr, size_t nc, size_t kc, const int8_t *a, size_t a_stride, const void *w,
                                int8_t *c, size_t c_stride, const enn_qs8_epi *ep);
typedef void (*enn_qs8_igemm_fn)(size_t mr, size_t nc, size_t kc, size_t ks, const int8_t *const *a, const void *w,
                                 int8_t *c, size_t c_stride, const enn_qs8_epi *ep);
/* f16-weight GEMM (ENN_KOP_GEMM, dtype ENN_DTYPE_F16, arm/f16_gemm_neonfp16.c):
 * the f32 GEMM contract (f32 a, c, epi) with w packed by
 * enn_f16_pack_gemm: half-precision weights, f32 biases; the products are
 * formed in half precision (a rounded to f16), see the kernel's comment. */
typedef void (*enn_f16_gemm_fn)(size_t mr, size_t nc, size_t kc, const float *a, size_t a_stride, const void *w,
                                 float *c, size_t c_stride, const enn_f32_epi *ep);

/* int8 depthwise, element-wise and pooling kernels (x86/qs8_dwconv_*.c,
 * x86/qs8_vector_*.c), bit-exact with their references (kernels/ref/q8_*):
 *
 * QS8_DWCONV enn_qs8_dwconv_<KH>x<KW>__<isa> (channel multiplier 1): one
 *   output row, y[ox, c] = clamp(y_zp + MBQM(acc, m[c], shift[c]), lo, hi),
 *   acc = b'[c] + sum_{ky,kx} x[ky][ix, c] * w[ky, kx, c] (modulo 2^32) with
 *   ix = ox*stride - pad_left + kx; a tap with ix outside [0, iw) reads
 *   x_zp, and rows[ky] is the input row (iw x c) or a row of x_zp bytes for
 *   vertical padding. w is the weight less its zero point and b' = b -
 *   x_zp * sum w (enn_qs8_pack_dwconv), so every padding tap adds
 *   w * x_zp - w * x_zp = 0, as the reference skips it.
 *   ep: y_zp, clamp range and flags (enn_qs8_epi_init).
 * QS8_VADD enn_qs8_vadd__<isa>: y[i] = TFLite ADD of a[i], b[i] (q8_binary_ref.h,
 *   left_shift 20, the fused clamp), i < n; y may alias a or b.
 * QS8_GAVGPOOL enn_qs8_gavgpool__<isa>: TFLite MEAN over hw pixels of an
 *   [hw, ch] int8 block: y[c] = clamp(y_zp + MBQM(sum_p x[p*ch + c] + bias,
 *   mult, shift), lo, hi), bias = -x_zp * hw (q8_mean_ref.h).
 * QS8_AVGPOOL enn_qs8_avgpool__<isa>: one output pixel of TFLite
 *   AVERAGE_POOL_2D: s[c] = bias + sum_{t < ntaps} taps[t][c],
 *   y[c] = clamp(s > 0 ? (s + count/2) / count : (s - count/2) / count, lo, hi)
 *   (C division; bias = zp * padding taps counted); count <= 2^16.
 * QS8_MAXPOOL enn_qs8_maxpool__<isa>: one output row of an int8 max pool,
 *   the f32 MAXPOOL contract (rows[ky] NULL = padding row, taps outside
 *   the row skipped) on int8, starting from -128, clamped to [lo, hi].
 * QS8_QUANTIZE enn_qs8_quantize__<isa>: f32 -> int8 per tensor,
 *   y[i] = clamp(R(x[i] / scale) + zp, lo, hi) exactly as
 *   enn_quantize_f32_mode (q8_quantize_ref.h): float division, R = round
 *   half away from zero (rounding 0) or half to even (1), NaN -> zp. */
typedef void (*enn_qs8_dwconv_fn)(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow,
                                  size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep);
typedef struct enn_qs8_add_params {
  int32_t a_zp, b_zp, y_zp, left_shift;
  int32_t a_mult, a_shift, b_mult, b_shift, y_mult, y_shift;
  int32_t lo, hi;
} enn_qs8_add_params;
typedef void (*enn_qs8_vadd_fn)(size_t n, const int8_t *a, const int8_t *b, int8_t *y, const enn_qs8_add_params *p);
typedef struct enn_qs8_mean_kparams {
  int32_t bias, mult, shift, y_zp, lo, hi;
} enn_qs8_mean_kparams;
typedef void (*enn_qs8_gavgpool_fn)(size_t hw, size_t ch, const int8_t *x, int8_t *y, const enn_qs8_mean_kparams *p);
typedef void (*enn_qs8_avgpool_fn)(size_t ntaps, const int8_t *const *taps, int8_t *y, size_t c, int32_t bias,
                                   int32_t count, int32_t lo, int32_t hi);
typedef void (*enn_qs8_maxpool_fn)(const int8_t *const *rows, size_t kh, int8_t *y, size_t c, size_t ow, size_t iw,
                                   size_t kw, size_t stride, size_t pad_left, size_t dil, int32_t lo, int32_t hi);
typedef void (*enn_qs8_quantize_fn)(size_t n, const float *x, int8_t *y, float scale, int32_t zp, int32_t lo,
                                    int32_t hi, int32_t rounding);
/* QS8_DEQUANTIZE enn_qs8_dequantize__<isa>: int8 -> f32 per tensor,
 *   y[i] = scale * (float)(x[i] - zp), i < n (n may be 0), one float
 *   multiplication of an exact integer (|zp| < 2^23), so bit-identical to
 *   enn_qs8_dequantize__ref's (float)((double)scale * (x - zp)). */
typedef void (*enn_qs8_dequantize_fn)(size_t n, const int8_t *x, float *y, float scale, int32_t zp);

typedef enum enn_kernel_op {
  ENN_KOP_GEMM = 0,
  ENN_KOP_IGEMM,
  ENN_KOP_DWCONV,
  ENN_KOP_VADD,
  ENN_KOP_GAVGPOOL,
  ENN_KOP_SOFTMAX,
  ENN_KOP_MAXPOOL,
  ENN_KOP_QS8_DWCONV,
  ENN_KOP_QS8_VADD,
  ENN_KOP_QS8_GAVGPOOL,
  ENN_KOP_QS8_AVGPOOL,
  ENN_KOP_QS8_MAXPOOL,
  ENN_KOP_QS8_QUANTIZE,
  ENN_KOP_WINO_IN,
  ENN_KOP_WINO_OUT,
  ENN_KOP_QS8_DEQUANTIZE
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
    enn_f32_wino_in_fn wino_in;
    enn_f32_wino_out_fn wino_out;
    enn_qs8_gemm_fn qs8_gemm;
    enn_qs8_igemm_fn qs8_igemm;
    enn_qs8_dwconv_fn qs8_dwconv;
    enn_qs8_vadd_fn qs8_vadd;
    enn_qs8_gavgpool_fn qs8_gavgpool;
    enn_qs8_avgpool_fn qs8_avgpool;
    enn_qs8_maxpool_fn qs8_maxpool;
    enn_qs8_quantize_fn qs8_quantize;
    enn_qs8_dequantize_fn qs8_dequantize;
    enn_f16_gemm_fn f16_gemm;
  } fn;
  /* f32 GEMM / IGEMM: the kernel also takes mr > this->mr and runs the
   * rows in balanced tiles of at most this->mr rows itself (tile t = rows
   * [mr * t / nt, mr * (t + 1) / nt), nt = ceil(mr / this->mr): the
   * driver's split, so the same tiles), saving a call and a tile prologue
   * per tile; an IGEMM then reads tile t's table of ks x MR pointers at
   * a + t * ks * MR. */
  int32_t any_rows;
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
/* Winograd F(4x4, 3x3) weights (kernels/ref/winograd_ref.h) of a 3x3
 * convolution, OHWI w [oc, 3, 3, ic]: for each of the 36 positions xi, at
 * out + xi * enn_f32_pack_gemm_floats(oc, ic, nr), the GEMM panels
 * (enn_f32_pack_gemm layout, zero biases) of the ic x oc matrix
 * U[xi][c, o] = (G w[o, :, :, c] G^T)[xi]. */
void enn_f32_pack_wino43(int64_t oc, int64_t ic, int32_t nr, const float *w, float *out);

/* int8 GEMM / IGEMM panels (qs8_pack.c), laid out for kernel k's family
 * (k->isa: ENN_ISA_AVX512VNNI, ENN_ISA_AVX2, ENN_ISA_NEON or
 * ENN_ISA_NEONDOT, arm/qs8_neon.h) and width k->nr. Per panel
 * of nr output columns: int32 biases b[j] - c_zp * sum_{t,c} w[j, t, c]
 * (modulo 2^32; c_zp = x_zp + 128 for VNNI, which reads x + 128, x_zp for
 * AVX2; b may be NULL), each column's requantisation constants derived
 * from (mult[j], shift[j]) (shift in [-31, 30], enn_quantize_multiplier's
 * range), then the weights: per tap t < ks, per group of 4 channels (kc
 * rounded up to 4, zero-filled), the columns as the kernel's lanes read
 * them (zero past n). w[j*w_stride + t*kc + c] is column j's weight for
 * tap t, channel c (a conv's OHWI rows: w_stride = kh*kw*icg). x_zp is the
 * input zero point the kernel's padding rows hold. */
size_t enn_qs8_pack_gemm_bytes(const enn_kernel *k, int64_t n, int64_t ks, int64_t kc);
void enn_qs8_pack_gemm(const enn_kernel *k, int64_t n, int64_t ks, int64_t kc, int64_t w_stride, const int8_t *w,
                       const int32_t *b, const int32_t *mult, const int32_t *shift, int32_t x_zp, void *out);
/* The per-call scalars for an output with zero point y_zp and clamp range
 * [lo, hi] whose n channels use mult / shift. */
void enn_qs8_epi_init(enn_qs8_epi *ep, int32_t y_zp, int32_t lo, int32_t hi, int64_t n, const int32_t *mult,
                      const int32_t *shift);
/* Depthwise int8 weights (qs8_pack_dw.c) for kernel k (QS8_DWCONV, window
 * k->kh x k->kw, channel tile k->nr; layout: x86/qs8_rq.h): per block of nr
 * channels, vectors of nr int32 lanes: b[c] - x_zp * sum_t w'[c, t]
 * (modulo 2^32; b may be NULL), the requantisation constants of (mult[c],
 * shift[c]), then per tap t the weights w'[c, t] = w[c*kh*kw + t] - w_zp[c]
 * (int16, in [-255, 255]; w_zp may be NULL = 0; zero past c). */
size_t enn_qs8_pack_dwconv_bytes(const enn_kernel *k, int64_t c);
void enn_qs8_pack_dwconv(const enn_kernel *k, int64_t c, const int8_t *w, const int32_t *w_zp, const int32_t *b,
                         const int32_t *mult, const int32_t *shift, int32_t x_zp, void *out);

/* ------------------------------------------------ the kernels themselves */
#if defined(__x86_64__) && defined(__GNUC__)
#define ENN_KERNELS_X86 1
#else
#define ENN_KERNELS_X86 0
#endif
#if defined(__aarch64__) && defined(__GNUC__)
#define ENN_KERNELS_ARM64 1
#else
#define ENN_KERNELS_ARM64 0
#endif
#if ENN_KERNELS_ARM64 /* int8: src/kernels/arm/qs8_*_neon.c */
void enn_qs8_gemm_4x16__neon(size_t, size_t, size_t, const int8_t *, size_t, const void *, int8_t *, size_t,
                             const enn_qs8_epi *);
void enn_qs8_igemm_4x16__neon(size_t, size_t, size_t, size_t, const int8_t *const *, const void *, int8_t *, size_t,
                              const enn_qs8_epi *);
void enn_qs8_gemm_4x16__neondot(size_t, size_t, size_t, const int8_t *, size_t, const void *, int8_t *, size_t,
                                const enn_qs8_epi *);
void enn_qs8_igemm_4x16__neondot(size_t, size_t, size_t, size_t, const int8_t *const *, const void *, int8_t *,
                                 size_t, const enn_qs8_epi *);
void enn_qs8_dwconv_3x3__neon(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                              int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_5x5__neon(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                              int32_t, const enn_qs8_epi *);
void enn_qs8_vadd__neon(size_t, const int8_t *, const int8_t *, int8_t *, const enn_qs8_add_params *);
#endif
#if ENN_KERNELS_ARM64 /* f16 weights: src/kernels/arm/f16_gemm_neonfp16.c */
void enn_f16_gemm_minmax_6x8__neonfp16(size_t, size_t, size_t, const float *, size_t, const void *, float *, size_t,
                                        const enn_f32_epi *);
/* Packs [n, kdim] weights (row stride w_stride, IEEE binary16 bit patterns,
 * include/edgenn/fp16.h) and f32 biases b (NULL = 0) for it: per panel of
 * 8 columns, 8 f32 biases then kdim x 8 halves (0 past n). */
size_t enn_f16_pack_gemm_bytes(int64_t n, int64_t kdim);
void enn_f16_pack_gemm(int64_t n, int64_t kdim, int64_t w_stride, const uint16_t *w, const float *b, void *out);
#endif
#if ENN_KERNELS_ARM64 /* src/kernels/arm/f32_*_neon.c */
void enn_f32_gemm_minmax_6x8__neon(size_t, size_t, size_t, const float *, size_t, const float *, float *, size_t,
                                   const enn_f32_epi *);
void enn_f32_igemm_minmax_6x8__neon(size_t, size_t, size_t, size_t, const float *const *, const float *, float *,
                                    size_t, const enn_f32_epi *);
void enn_f32_dwconv_3x3__neon(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                              const enn_f32_epi *);
void enn_f32_dwconv_5x5__neon(const float *const *, const float *, float *, size_t, size_t, size_t, size_t, size_t,
                              const enn_f32_epi *);
void enn_f32_vadd_minmax__neon(size_t, const float *, const float *, float *, const enn_f32_epi *);
void enn_f32_gavgpool__neon(size_t, size_t, const float *, float *, const enn_f32_epi *);
void enn_f32_softmax__neon(size_t, const float *, float *);
void enn_f32_maxpool__neon(const float *const *, size_t, float *, size_t, size_t, size_t, size_t, size_t, size_t,
                           size_t, const enn_f32_epi *);
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
void enn_qs8_gemm_7x48__avx512vnni(size_t, size_t, size_t, const int8_t *, size_t, const void *, int8_t *, size_t,
                                   const enn_qs8_epi *);
void enn_qs8_igemm_7x48__avx512vnni(size_t, size_t, size_t, size_t, const int8_t *const *, const void *, int8_t *,
                                    size_t, const enn_qs8_epi *);
void enn_qs8_gemm_2x24__avx2(size_t, size_t, size_t, const int8_t *, size_t, const void *, int8_t *, size_t,
                             const enn_qs8_epi *);
void enn_qs8_igemm_2x24__avx2(size_t, size_t, size_t, size_t, const int8_t *const *, const void *, int8_t *, size_t,
                              const enn_qs8_epi *);
void enn_f32_wino43_in__avx512(const float *const *, ptrdiff_t, size_t, size_t, float *, size_t);
void enn_f32_wino43_out__avx512(const float *, size_t, size_t, const float *, float *, size_t, size_t, size_t,
                                const enn_f32_epi *);
void enn_f32_wino43_in__avx2(const float *const *, ptrdiff_t, size_t, size_t, float *, size_t);
void enn_f32_wino43_out__avx2(const float *, size_t, size_t, const float *, float *, size_t, size_t, size_t,
                              const enn_f32_epi *);
#endif
#if ENN_KERNELS_X86 /* int8 depthwise / element-wise / pooling: x86/qs8_dwconv_*.c, x86/qs8_vector_*.c */
void enn_qs8_dwconv_3x3__avx512vnni(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t,
                                    size_t, int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_5x5__avx512vnni(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t,
                                    size_t, int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_3x3__avx512(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                                int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_5x5__avx512(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                                int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_3x3__avx2(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                              int32_t, const enn_qs8_epi *);
void enn_qs8_dwconv_5x5__avx2(const int8_t *const *, const void *, int8_t *, size_t, size_t, size_t, size_t, size_t,
                              int32_t, const enn_qs8_epi *);
void enn_qs8_vadd__avx512(size_t, const int8_t *, const int8_t *, int8_t *, const enn_qs8_add_params *);
void enn_qs8_vadd__avx2(size_t, const int8_t *, const int8_t *, int8_t *, const enn_qs8_add_params *);
void enn_qs8_gavgpool__avx512(size_t, size_t, const int8_t *, int8_t *, const enn_qs8_mean_kparams *);
void enn_qs8_gavgpool__avx2(size_t, size_t, const int8_t *, int8_t *, const enn_qs8_mean_kparams *);
void enn_qs8_avgpool__avx512(size_t, const int8_t *const *, int8_t *, size_t, int32_t, int32_t, int32_t, int32_t);
void enn_qs8_avgpool__avx2(size_t, const int8_t *const *, int8_t *, size_t, int32_t, int32_t, int32_t, int32_t);
void enn_qs8_maxpool__avx512(const int8_t *const *, size_t, int8_t *, size_t, size_t, size_t, size_t, size_t, size_t,
                             size_t, int32_t, int32_t);
void enn_qs8_maxpool__avx2(const int8_t *const *, size_t, int8_t *, size_t, size_t, size_t, size_t, size_t, size_t,
                           size_t, int32_t, int32_t);
void enn_qs8_quantize__avx512(size_t, const float *, int8_t *, float, int32_t, int32_t, int32_t, int32_t);
void enn_qs8_quantize__avx2(size_t, const float *, int8_t *, float, int32_t, int32_t, int32_t, int32_t);
void enn_qs8_dequantize__avx512(size_t, const int8_t *, float *, float, int32_t);
void enn_qs8_dequantize__avx2(size_t, const int8_t *, float *, float, int32_t);
#endif
#if ENN_KERNELS_ARM64 /* int8 dequantize / pooling / quantize: src/kernels/arm/qs8_*_neon.c */
void enn_qs8_dequantize__neon(size_t, const int8_t *, float *, float, int32_t);
void enn_qs8_gavgpool__neon(size_t, size_t, const int8_t *, int8_t *, const enn_qs8_mean_kparams *);
void enn_qs8_avgpool__neon(size_t, const int8_t *const *, int8_t *, size_t, int32_t, int32_t, int32_t, int32_t);
void enn_qs8_maxpool__neon(const int8_t *const *, size_t, int8_t *, size_t, size_t, size_t, size_t, size_t, size_t,
                           size_t, int32_t, int32_t);
void enn_qs8_quantize__neon(size_t, const float *, int8_t *, float, int32_t, int32_t, int32_t, int32_t);
#endif

#endif
