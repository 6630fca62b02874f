/*
 * int8 depthwise convolution, 3x3 / 5x5, AVX-512 with AVX512-VNNI (this
 * file alone is compiled with those flags): the kernels of
 * qs8_dwconv_avx512.c (contract kernels.h QS8_DWCONV, same packed
 * weights, same results bit for bit) with each tap's multiply-accumulate
 * done by one vpdpwssd (acc += x_lo*w_lo + x_hi*w_hi on int16 pairs,
 * wrapping like vpmaddwd + vpaddd) instead of two instructions; and the
 * blocks that the packer stores as quads (every w - w_zp of the block in
 * int8: then per channel the bytes of 4 window rows form one dword, x86/
 * qs8_rq.h) with one vpdpbusd per column of the window (3 for a 3x3
 * instead of 6 vpdpwssd), the input bytes transposed into dwords and
 * offset by 128 (vpdpbusd's unsigned operand; the packed bias holds
 * -(128 + x_zp) * sum w).
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#define QDW_MAC(acc, x, w) _mm512_dpwssd_epi32(acc, x, w)
#define QDW_QUAD /* blocks packed as quads (qs8_pack_dw.c) run on vpdpbusd */
#include "kernels/x86/qs8_dwconv_x512.h"

void enn_qs8_dwconv_3x3__avx512vnni(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow,
                                    size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

void enn_qs8_dwconv_5x5__avx512vnni(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow,
                                    size_t iw, size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
