/*
 * The kernel table and the choice of a kernel at session create.
 *
 * enn_kernel_find walks the one table (g_kernels) and returns, among the
 * entries of the wanted op, dtype and window, one of the highest ISA level
 * not above the session's level (enn_cpu_isa: detected, lowered by
 * ENN_ISA; lowered further by the test-only cap); among equals the first
 * listed wins. Entries tagged ENN_ISA_AVX512VNNI rank as avx512 and are
 * skipped when the CPU lacks AVX512-VNNI; likewise ENN_ISA_NEONDOT entries
 * rank as neon and need the ARMv8.2 dot product (asimddp). At level ref nothing matches and
 * ops run their reference kernels. Also here: the epilogue set-up shared
 * by all kernels.
 */
#include "kernels/kernels.h"

static const enn_kernel g_kernels[] = {
#if ENN_KERNELS_X86
    {"enn_f32_gemm_minmax_7x32__avx512", ENN_KOP_GEMM, ENN_ISA_AVX512, ENN_DTYPE_F32, 7, 32, 0, 0,
     {.gemm = enn_f32_gemm_minmax_7x32__avx512}, 1},
    {"enn_f32_igemm_minmax_7x32__avx512", ENN_KOP_IGEMM, ENN_ISA_AVX512, ENN_DTYPE_F32, 7, 32, 0, 0,
     {.igemm = enn_f32_igemm_minmax_7x32__avx512}, 1},
    {"enn_f32_dwconv_3x3__avx512", ENN_KOP_DWCONV, ENN_ISA_AVX512, ENN_DTYPE_F32, 1, 16, 3, 3,
     {.dwconv = enn_f32_dwconv_3x3__avx512}, 0},
    {"enn_f32_dwconv_5x5__avx512", ENN_KOP_DWCONV, ENN_ISA_AVX512, ENN_DTYPE_F32, 1, 16, 5, 5,
     {.dwconv = enn_f32_dwconv_5x5__avx512}, 0},
    {"enn_f32_vadd_minmax__avx512", ENN_KOP_VADD, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.vadd = enn_f32_vadd_minmax__avx512}, 0},
    {"enn_f32_gavgpool__avx512", ENN_KOP_GAVGPOOL, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.gavgpool = enn_f32_gavgpool__avx512}, 0},
    {"enn_f32_softmax__avx512", ENN_KOP_SOFTMAX, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.softmax = enn_f32_softmax__avx512}, 0},
    {"enn_f32_maxpool__avx512", ENN_KOP_MAXPOOL, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 16, 0, 0,
     {.maxpool = enn_f32_maxpool__avx512}, 0},
    {"enn_f32_wino43_in__avx512", ENN_KOP_WINO_IN, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 16, 6, 6,
     {.wino_in = enn_f32_wino43_in__avx512}, 0},
    {"enn_f32_wino43_out__avx512", ENN_KOP_WINO_OUT, ENN_ISA_AVX512, ENN_DTYPE_F32, 0, 16, 6, 6,
     {.wino_out = enn_f32_wino43_out__avx512}, 0},
    {"enn_f32_gemm_minmax_6x16__avx2", ENN_KOP_GEMM, ENN_ISA_AVX2, ENN_DTYPE_F32, 6, 16, 0, 0,
     {.gemm = enn_f32_gemm_minmax_6x16__avx2}, 1},
    {"enn_f32_igemm_minmax_6x16__avx2", ENN_KOP_IGEMM, ENN_ISA_AVX2, ENN_DTYPE_F32, 6, 16, 0, 0,
     {.igemm = enn_f32_igemm_minmax_6x16__avx2}, 0},
    {"enn_f32_dwconv_3x3__avx2", ENN_KOP_DWCONV, ENN_ISA_AVX2, ENN_DTYPE_F32, 1, 8, 3, 3,
     {.dwconv = enn_f32_dwconv_3x3__avx2}, 0},
    {"enn_f32_dwconv_5x5__avx2", ENN_KOP_DWCONV, ENN_ISA_AVX2, ENN_DTYPE_F32, 1, 8, 5, 5,
     {.dwconv = enn_f32_dwconv_5x5__avx2}, 0},
    {"enn_f32_vadd_minmax__avx2", ENN_KOP_VADD, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.vadd = enn_f32_vadd_minmax__avx2}, 0},
    {"enn_f32_gavgpool__avx2", ENN_KOP_GAVGPOOL, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.gavgpool = enn_f32_gavgpool__avx2}, 0},
    {"enn_f32_softmax__avx2", ENN_KOP_SOFTMAX, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.softmax = enn_f32_softmax__avx2}, 0},
    {"enn_f32_maxpool__avx2", ENN_KOP_MAXPOOL, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 8, 0, 0,
     {.maxpool = enn_f32_maxpool__avx2}, 0},
    {"enn_qs8_gemm_7x48__avx512vnni", ENN_KOP_GEMM, ENN_ISA_AVX512VNNI, ENN_DTYPE_I8, 7, 48, 0, 0,
     {.qs8_gemm = enn_qs8_gemm_7x48__avx512vnni}, 0},
    {"enn_qs8_igemm_7x48__avx512vnni", ENN_KOP_IGEMM, ENN_ISA_AVX512VNNI, ENN_DTYPE_I8, 7, 48, 0, 0,
     {.qs8_igemm = enn_qs8_igemm_7x48__avx512vnni}, 0},
    {"enn_qs8_gemm_2x24__avx2", ENN_KOP_GEMM, ENN_ISA_AVX2, ENN_DTYPE_I8, 2, 24, 0, 0,
     {.qs8_gemm = enn_qs8_gemm_2x24__avx2}, 0},
    {"enn_qs8_igemm_2x24__avx2", ENN_KOP_IGEMM, ENN_ISA_AVX2, ENN_DTYPE_I8, 2, 24, 0, 0,
     {.qs8_igemm = enn_qs8_igemm_2x24__avx2}, 0},
    {"enn_f32_wino43_in__avx2", ENN_KOP_WINO_IN, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 8, 6, 6,
     {.wino_in = enn_f32_wino43_in__avx2}, 0},
    {"enn_f32_wino43_out__avx2", ENN_KOP_WINO_OUT, ENN_ISA_AVX2, ENN_DTYPE_F32, 0, 8, 6, 6,
     {.wino_out = enn_f32_wino43_out__avx2}, 0},
#endif
#if ENN_KERNELS_ARM64
    {"enn_f32_gemm_minmax_6x8__neon", ENN_KOP_GEMM, ENN_ISA_NEON, ENN_DTYPE_F32, 6, 8, 0, 0,
     {.gemm = enn_f32_gemm_minmax_6x8__neon}, 0},
    {"enn_f32_igemm_minmax_6x8__neon", ENN_KOP_IGEMM, ENN_ISA_NEON, ENN_DTYPE_F32, 6, 8, 0, 0,
     {.igemm = enn_f32_igemm_minmax_6x8__neon}, 0},
    {"enn_f32_dwconv_3x3__neon", ENN_KOP_DWCONV, ENN_ISA_NEON, ENN_DTYPE_F32, 1, 8, 3, 3,
     {.dwconv = enn_f32_dwconv_3x3__neon}, 0},
    {"enn_f32_dwconv_5x5__neon", ENN_KOP_DWCONV, ENN_ISA_NEON, ENN_DTYPE_F32, 1, 8, 5, 5,
     {.dwconv = enn_f32_dwconv_5x5__neon}, 0},
    {"enn_f32_vadd_minmax__neon", ENN_KOP_VADD, ENN_ISA_NEON, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.vadd = enn_f32_vadd_minmax__neon}, 0},
    {"enn_f32_gavgpool__neon", ENN_KOP_GAVGPOOL, ENN_ISA_NEON, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.gavgpool = enn_f32_gavgpool__neon}, 0},
    {"enn_f32_softmax__neon", ENN_KOP_SOFTMAX, ENN_ISA_NEON, ENN_DTYPE_F32, 0, 0, 0, 0,
     {.softmax = enn_f32_softmax__neon}, 0},
    {"enn_f32_maxpool__neon", ENN_KOP_MAXPOOL, ENN_ISA_NEON, ENN_DTYPE_F32, 0, 16, 0, 0,
     {.maxpool = enn_f32_maxpool__neon}, 0},
    /* the dot-product variants first: among kernels of one level the first listed wins */
    {"enn_qs8_gemm_4x16__neondot", ENN_KOP_GEMM, ENN_ISA_NEONDOT, ENN_DTYPE_I8, 4, 16, 0, 0,
     {.qs8_gemm = enn_qs8_gemm_4x16__neondot}, 0},
    {"enn_qs8_igemm_4x16__neondot", ENN_KOP_IGEMM, ENN_ISA_NEONDOT, ENN_DTYPE_I8, 4, 16, 0, 0,
     {.qs8_igemm = enn_qs8_igemm_4x16__neondot}, 0},
    {"enn_qs8_gemm_4x16__neon", ENN_KOP_GEMM, ENN_ISA_NEON, ENN_DTYPE_I8, 4, 16, 0, 0,
     {.qs8_gemm = enn_qs8_gemm_4x16__neon}, 0},
    {"enn_qs8_igemm_4x16__neon", ENN_KOP_IGEMM, ENN_ISA_NEON, ENN_DTYPE_I8, 4, 16, 0, 0,
     {.qs8_igemm = enn_qs8_igemm_4x16__neon}, 0},
    {"enn_qs8_dwconv_3x3__neon", ENN_KOP_QS8_DWCONV, ENN_ISA_NEON, ENN_DTYPE_I8, 1, 16, 3, 3,
     {.qs8_dwconv = enn_qs8_dwconv_3x3__neon}, 0},
    {"enn_qs8_dwconv_5x5__neon", ENN_KOP_QS8_DWCONV, ENN_ISA_NEON, ENN_DTYPE_I8, 1, 16, 5, 5,
     {.qs8_dwconv = enn_qs8_dwconv_5x5__neon}, 0},
    {"enn_qs8_vadd__neon", ENN_KOP_QS8_VADD, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0, {.qs8_vadd = enn_qs8_vadd__neon}, 0},
    {"enn_qs8_dequantize__neon", ENN_KOP_QS8_DEQUANTIZE, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_dequantize = enn_qs8_dequantize__neon}, 0},
    {"enn_qs8_gavgpool__neon", ENN_KOP_QS8_GAVGPOOL, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_gavgpool = enn_qs8_gavgpool__neon}, 0},
    {"enn_qs8_avgpool__neon", ENN_KOP_QS8_AVGPOOL, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_avgpool = enn_qs8_avgpool__neon}, 0},
    {"enn_qs8_maxpool__neon", ENN_KOP_QS8_MAXPOOL, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_maxpool = enn_qs8_maxpool__neon}, 0},
    {"enn_qs8_quantize__neon", ENN_KOP_QS8_QUANTIZE, ENN_ISA_NEON, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_quantize = enn_qs8_quantize__neon}, 0},
    /* f16 weights, f32 activations (dtype F16 = the weights' dtype; only
     * asked for by f16-weight nodes): needs asimdhp */
    {"enn_f16_gemm_minmax_6x8__neonfp16", ENN_KOP_GEMM, ENN_ISA_NEONFP16, ENN_DTYPE_F16, 6, 8, 0, 0,
     {.f16_gemm = enn_f16_gemm_minmax_6x8__neonfp16}, 0},
#endif
#if ENN_KERNELS_X86 /* int8 depthwise / element-wise / pooling */
    /* the VNNI variants first: among kernels of one level the first listed wins */
    {"enn_qs8_dwconv_3x3__avx512vnni", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX512VNNI, ENN_DTYPE_I8, 1, 16, 3, 3,
     {.qs8_dwconv = enn_qs8_dwconv_3x3__avx512vnni}, 0},
    {"enn_qs8_dwconv_5x5__avx512vnni", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX512VNNI, ENN_DTYPE_I8, 1, 16, 5, 5,
     {.qs8_dwconv = enn_qs8_dwconv_5x5__avx512vnni}, 0},
    {"enn_qs8_dwconv_3x3__avx512", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX512, ENN_DTYPE_I8, 1, 16, 3, 3,
     {.qs8_dwconv = enn_qs8_dwconv_3x3__avx512}, 0},
    {"enn_qs8_dwconv_5x5__avx512", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX512, ENN_DTYPE_I8, 1, 16, 5, 5,
     {.qs8_dwconv = enn_qs8_dwconv_5x5__avx512}, 0},
    {"enn_qs8_dwconv_3x3__avx2", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX2, ENN_DTYPE_I8, 1, 8, 3, 3,
     {.qs8_dwconv = enn_qs8_dwconv_3x3__avx2}, 0},
    {"enn_qs8_dwconv_5x5__avx2", ENN_KOP_QS8_DWCONV, ENN_ISA_AVX2, ENN_DTYPE_I8, 1, 8, 5, 5,
     {.qs8_dwconv = enn_qs8_dwconv_5x5__avx2}, 0},
    {"enn_qs8_vadd__avx512", ENN_KOP_QS8_VADD, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 64, 0, 0,
     {.qs8_vadd = enn_qs8_vadd__avx512}, 0},
    {"enn_qs8_vadd__avx2", ENN_KOP_QS8_VADD, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 16, 0, 0, {.qs8_vadd = enn_qs8_vadd__avx2}, 0},
    {"enn_qs8_gavgpool__avx512", ENN_KOP_QS8_GAVGPOOL, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 64, 0, 0,
     {.qs8_gavgpool = enn_qs8_gavgpool__avx512}, 0},
    {"enn_qs8_gavgpool__avx2", ENN_KOP_QS8_GAVGPOOL, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 32, 0, 0,
     {.qs8_gavgpool = enn_qs8_gavgpool__avx2}, 0},
    {"enn_qs8_avgpool__avx512", ENN_KOP_QS8_AVGPOOL, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_avgpool = enn_qs8_avgpool__avx512}, 0},
    {"enn_qs8_avgpool__avx2", ENN_KOP_QS8_AVGPOOL, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 8, 0, 0,
     {.qs8_avgpool = enn_qs8_avgpool__avx2}, 0},
    {"enn_qs8_maxpool__avx512", ENN_KOP_QS8_MAXPOOL, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 64, 0, 0,
     {.qs8_maxpool = enn_qs8_maxpool__avx512}, 0},
    {"enn_qs8_maxpool__avx2", ENN_KOP_QS8_MAXPOOL, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 32, 0, 0,
     {.qs8_maxpool = enn_qs8_maxpool__avx2}, 0},
    {"enn_qs8_quantize__avx512", ENN_KOP_QS8_QUANTIZE, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_quantize = enn_qs8_quantize__avx512}, 0},
    {"enn_qs8_quantize__avx2", ENN_KOP_QS8_QUANTIZE, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 8, 0, 0,
     {.qs8_quantize = enn_qs8_quantize__avx2}, 0},
    {"enn_qs8_dequantize__avx512", ENN_KOP_QS8_DEQUANTIZE, ENN_ISA_AVX512, ENN_DTYPE_I8, 0, 16, 0, 0,
     {.qs8_dequantize = enn_qs8_dequantize__avx512}, 0},
    {"enn_qs8_dequantize__avx2", ENN_KOP_QS8_DEQUANTIZE, ENN_ISA_AVX2, ENN_DTYPE_I8, 0, 8, 0, 0,
     {.qs8_dequantize = enn_qs8_dequantize__avx2}, 0},
#endif
    {NULL, ENN_KOP_GEMM, ENN_ISA_REF, ENN_DTYPE_F32, 0, 0, 0, 0, {.gemm = NULL}, 0} /* end (never matches) */
};

const enn_kernel *enn_kernel_table(int32_t *count) {
  *count = (int32_t)ENN_ARRAY_LEN(g_kernels) - 1;
  return g_kernels;
}

/* Levels compare by rank within one architecture (REF < AVX2 < AVX512;
 * REF < NEON). */
static int isa_rank(enn_isa isa) {
  switch (isa) {
  case ENN_ISA_AVX2: return 1;
  case ENN_ISA_AVX512: return 2;
  case ENN_ISA_AVX512VNNI: return 2; /* an avx512-level kernel needing VNNI too */
  case ENN_ISA_NEON: return 1;
  case ENN_ISA_NEONDOT: return 1; /* a neon-level kernel needing the dot product too */
  case ENN_ISA_NEONFP16: return 1; /* a neon-level kernel needing fp16 arithmetic too */
  default: return 0;
  }
}

static int g_cap_rank = 2; /* the highest rank: no cap */

void enn_kernel_set_isa_cap(enn_isa cap) { g_cap_rank = isa_rank(cap); }

enn_status enn_kernel_isa(enn_isa *out) {
  enn_isa isa;
  enn_status st = enn_cpu_isa(&isa);
  if (st) return st;
  if (isa_rank(isa) > g_cap_rank) isa = g_cap_rank == 0 ? ENN_ISA_REF : ENN_ISA_AVX2; /* x86 only: NEON's rank is 1 */
  *out = isa;
  return ENN_OK;
}

/* CPU features a kernel tag needs beyond its level. */
static bool tag_features_ok(enn_isa isa) {
  if (isa == ENN_ISA_NEONDOT) return enn_cpu_has(ENN_CPU_ASIMDDP);
  if (isa == ENN_ISA_NEONFP16) return enn_cpu_has(ENN_CPU_FPHP);
  return isa != ENN_ISA_AVX512VNNI || enn_cpu_has(ENN_CPU_AVX512VNNI);
}

static bool is_arm(enn_isa isa) { return isa == ENN_ISA_NEON || isa == ENN_ISA_NEONDOT || isa == ENN_ISA_NEONFP16; }

bool enn_kernel_isa_supported(enn_isa isa) {
  const enn_isa best = enn_cpu_get()->best;
  if (isa == ENN_ISA_REF) return true;
  if (!tag_features_ok(isa)) return false;
  if (is_arm(isa) || best == ENN_ISA_NEON) return is_arm(isa) && best == ENN_ISA_NEON;
  return isa_rank(isa) <= isa_rank(best);
}

const enn_kernel *enn_kernel_find(enn_kernel_op op, enn_dtype dtype, int32_t kh, int32_t kw) {
  enn_isa isa;
  if (enn_kernel_isa(&isa) || isa == ENN_ISA_REF) return NULL;
  const enn_kernel *best = NULL;
  for (const enn_kernel *k = g_kernels; k->name; k++) {
    if (k->op != op || k->dtype != dtype || k->kh != kh || k->kw != kw) continue;
    const bool same_arch = is_arm(k->isa) == (isa == ENN_ISA_NEON);
    if (!same_arch || isa_rank(k->isa) > isa_rank(isa) || !tag_features_ok(k->isa)) continue;
    if (!best || isa_rank(k->isa) > isa_rank(best->isa)) best = k;
  }
  return best;
}

bool enn_f32_epi_init(enn_f32_epi *ep, const enn_act_params *act) {
  ep->kind = ENN_EPI_NONE;
  ep->min = -INFINITY;
  ep->max = INFINITY;
  ep->alpha = 1.0f;
  ep->beta = 0.0f;
  switch (act->act) {
  case ENN_ACT_NONE: return true;
  case ENN_ACT_RELU: ep->kind = ENN_EPI_RELU; ep->min = 0.0f; return true;
  case ENN_ACT_RELU6: ep->kind = ENN_EPI_MINMAX; ep->min = 0.0f; ep->max = 6.0f; return true;
  case ENN_ACT_CLIP: ep->kind = ENN_EPI_MINMAX; ep->min = act->min; ep->max = act->max; return true;
  case ENN_ACT_HARD_SWISH: ep->kind = ENN_EPI_HSWISH; return true;
  case ENN_ACT_HARD_SIGMOID:
    ep->kind = ENN_EPI_HSIGMOID;
    ep->alpha = act->alpha;
    ep->beta = act->beta;
    return true;
  default: return false;
  }
}
