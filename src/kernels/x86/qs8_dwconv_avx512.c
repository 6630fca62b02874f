/*
 * int8 depthwise convolution, KH x KW (3x3, 5x5), any stride, AVX-512
 * F/BW/VL (this file alone is compiled with the AVX-512 flags); the
 * contract is kernels.h QS8_DWCONV, the weights enn_qs8_pack_dwconv's. The
 * code is the template x86/qs8_dwconv_x512.h, shared with the VNNI variant
 * (qs8_dwconv_avx512vnni.c).
 *
 * One call computes one output row, NHWC, 16 channels per vector in int32
 * lanes: for each block of 16 channels the tap vectors, the biases and the
 * requantisation constants (x86/qs8_rq.h) are loaded once, then the row's
 * output pixels are swept left to right. Rows of the window are paired:
 * the input of rows 2p and 2p + 1 at one column becomes one vector of
 * int16 pairs (x[2p], x[2p + 1]) (two sign-extending vpmovsxbd loads, a
 * shift, a word blend), so one vpmaddwd with the paired weights adds both
 * products exactly and a vpaddd accumulates (modulo 2^32, as the
 * reference); the last row of an odd window is sign-extended alone,
 * (x, sign) against (w, 0). 3x3 takes 6 multiply-adds per output vector,
 * 5x5 15. Vertical padding is the caller's row of x_zp bytes; horizontal
 * padding splits the sweep into a left edge, an interior where every tap
 * is inside the row and a right edge, where a column outside the row reads
 * x_zp (whose products the bias correction cancels). At stride 1 or 2 a
 * row of at least four pixels runs four output pixels at a time, each
 * input column of their window union loaded and paired once; in the
 * interior the last KW - S columns of a group (the first of the next) stay
 * in registers, so a group loads 4S new columns per row pair; edge groups
 * test their columns; a remainder of one or two pixels (three: a last
 * group overlapping the previous one) goes pixel by pixel, each pixel's
 * taps split over two accumulators (a single chain of 15 dependent
 * multiply-adds made a 5x5 pixel latency-bound). Output vectors are
 * requantised exactly as enn_requantize (64-bit products, one folded
 * rounding shift; for a block whose channels all have right shifts 1..22,
 * marked at packing, y_zp is folded into the rounding constant as well
 * and the odd lanes merge with a blend, see qs8_dwconv_x512.h rq),
 * narrowed with saturation and clamped in int8, four at a time in the
 * groups. The last channel block (c % 16) uses masked loads and stores, so
 * nothing past a row is touched. (Measured, Zen 4: the requantisation is
 * about 45% of the time of a 3x3 output.)
 */
#include "kernels/kernels.h"

#if ENN_KERNELS_X86
#include <immintrin.h>

#define QDW_MAC(acc, x, w) _mm512_add_epi32(acc, _mm512_madd_epi16(x, w))
#define QDW_CARRY_MAX 2 /* no carried columns for 5x5 at stride 1 (they spill here) */
#include "kernels/x86/qs8_dwconv_x512.h"

void enn_qs8_dwconv_3x3__avx512(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(3, 3, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

void enn_qs8_dwconv_5x5__avx512(const int8_t *const *rows, const void *w, int8_t *y, size_t c, size_t ow, size_t iw,
                                size_t stride, size_t pad_left, int32_t x_zp, const enn_qs8_epi *ep) {
  dw_tpl(5, 5, rows, w, y, c, ow, iw, stride, pad_left, x_zp, ep);
}

#endif
