/*
 * Packed-panel layout of the int8 GEMM / IGEMM kernels
 * (qs8_gemm_avx512vnni.c, qs8_gemm_avx2.c), shared with the packer
 * (kernels/qs8_pack.c). All offsets in bytes from the panel's start; a
 * panel is 64-byte aligned when the packed buffer is (every block size
 * below is a multiple of 64 for VNNI, of 32 for AVX2).
 *
 * Requantisation (enn_requantize, quant/requant.h) of acc with multiplier
 * m and right shift e = max(-shift, 0), left shift l = max(shift, 0):
 *   x  = acc << l                          (32-bit, wrapping)
 *   ab = x * m                              (64-bit, exact)
 *   SRDHM = floor((ab + 2^30) / 2^31)       (gemmlowp's nudge, one formula
 *                                            for both signs; INT32_MIN^2
 *                                            gives 2^31: saturated to
 *                                            INT32_MAX)
 *   RDivPOT(s, e) = floor((s + 2^(e-1) - [s < 0]) / 2^e) for e >= 1
 *                 (round half away from zero; s for e = 0)
 * VNNI folds both roundings into one 64-bit shift (nested floor divisions
 * compose, and s < 0 exactly when ab < -2^30):
 *   r = (ab + K - [ab < -2^30] * N) >> (31 + e)   (arithmetic)
 *   K = 2^30 + (e ? 2^(30 + e) : 0),  N = e ? 2^31 : 0
 * AVX2 (no 64-bit arithmetic shift) takes s from bits 31..62 of ab + 2^30
 * and applies RDivPOT in 32 bits as requant.h writes it, with the mask
 * 2^e - 1 and threshold base (2^e - 1) >> 1.
 *
 * VNNI panel, NR = 16 * V columns:
 *   int32 bias[NR]
 *   V blocks of QV_REQ_BYTES, one per 16 columns:
 *     +0   int32 m[16]
 *     +64  int32 m_swapped[16]   (m[2i+1], m[2i]: the odd lanes' multipliers
 *                                 in the low dword of each qword)
 *     +128 int32 l[16]
 *     +192 int64 K[8] of the even lanes, +256 of the odd lanes
 *     +320 int64 N[8] even, +384 odd
 *     +448 int64 (31 + e)[8] even, +512 odd
 *   weights: for each tap, for each group of 4 channels, for each
 *   16-column vector, 64 bytes: column j's 4 channels at bytes 4j..4j+3.
 *   An 8-column vector (a last panel's columns 16v..16v+7, run in ymm)
 *   reads the first 32 bytes of each 64-byte row of its block: bias,
 *   m, m_swapped, l, and the 64-bit constants (lanes 0..7 are the first 4
 *   qwords of the even and of the odd halves), and of its weight rows.
 *
 * AVX2 panel, NR = 8 * V columns:
 *   int32 bias[NR]
 *   V blocks of QA_REQ_BYTES, one per 8 columns:
 *     +0 int32 m[8], +32 m_swapped[8], +64 l[8], +96 mask[8] (2^e - 1),
 *     +128 threshold base[8] (mask >> 1), +160 e[8]
 *   weights (int16): for each tap, for each group of 4 channels, for each
 *   8-column block, two 32-byte vectors: the first holds columns 0, 1, 4,
 *   5, the second 2, 3, 6, 7, each column as its 4 channels' values in
 *   consecutive int16 lanes (vpmaddwd pairs channels 0+1 and 2+3; one
 *   vphaddd of the two vectors gives columns 0..7 in order).
 */
#ifndef ENN_KERNELS_X86_QS8_PANEL_H
#define ENN_KERNELS_X86_QS8_PANEL_H

#define QV_REQ_BYTES 576
#define QV_OFF_M 0
#define QV_OFF_MSW 64
#define QV_OFF_L 128
#define QV_OFF_K 192
#define QV_OFF_N 320
#define QV_OFF_SH 448

#define QA_REQ_BYTES 192
#define QA_OFF_M 0
#define QA_OFF_MSW 32
#define QA_OFF_L 64
#define QA_OFF_MASK 96
#define QA_OFF_THR 128
#define QA_OFF_E 160

#endif
