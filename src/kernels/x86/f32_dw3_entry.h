/*
 * The 3x3 depthwise entry point shared by the AVX2 and AVX-512 files
 * (f32_dwconv_avx2.c, f32_dwconv_avx512.c), which each define CR (the
 * channel block), dw3_fast (the eight- / four-pixel sweep over the full
 * channel blocks of a stride 1 or 2 row with pad_left <= 1 and at most one
 * column of right padding reached) and dw_tpl (the general sweep from
 * channel block cb0 on) before including it: the rows dw3_fast takes go
 * there, the masked tail block and every other row to dw_tpl. Also the
 * case of the last-group switch (G3_LAST_CASE: J = JJ pixels, L / R =
 * whether the group reaches the left / right padding column), used by
 * both files' g3_last with their own g3.
 */
#ifndef ENN_KERNELS_X86_F32_DW3_ENTRY_H
#define ENN_KERNELS_X86_F32_DW3_ENTRY_H

#define G3_LAST_CASE(JJ)                                                                                          \
  case JJ:                                                                                                        \
    if (L) {                                                                                                      \
      if (R) g3(S, JJ, 1, 1, rows, wv, bias, y, c, ix0, ep);                                                      \
      else g3(S, JJ, 1, 0, rows, wv, bias, y, c, ix0, ep);                                                        \
    } else {                                                                                                      \
      if (R) g3(S, JJ, 0, 1, rows, wv, bias, y, c, ix0, ep);                                                      \
      else g3(S, JJ, 0, 0, rows, wv, bias, y, c, ix0, ep);                                                        \
    }                                                                                                             \
    break;

#define ENN_F32_DW3_ENTRY(NAME)                                                                                   \
  void NAME(const float *const *rows, const float *w, float *y, size_t c, size_t ow, size_t iw, size_t stride,     \
            size_t pad_left, const enn_f32_epi *ep) {                                                           \
    const ptrdiff_t over = /* columns of right padding the last pixel reaches */                                \
        ow > 0 ? (ptrdiff_t)((ow - 1) * stride + 3) - (ptrdiff_t)pad_left - (ptrdiff_t)iw : 0;                   \
    if (ow > 0 && (stride == 1 || stride == 2) && pad_left <= 1 && over <= 1 && c >= CR) {                       \
      const size_t nblk = c / CR, done = nblk * CR;                                                             \
      if (stride == 1) dw3_fast(1, rows, w, y, c, nblk, ow, pad_left, over > 0, ep);                            \
      else dw3_fast(2, rows, w, y, c, nblk, ow, pad_left, over > 0, ep);                                        \
      if (done < c) dw_tpl(3, 3, rows, w + nblk * CR * 10, y, c, done, ow, iw, stride, pad_left, ep);           \
      return;                                                                                                   \
    }                                                                                                           \
    dw_tpl(3, 3, rows, w, y, c, 0, ow, iw, stride, pad_left, ep);                                               \
  }

#endif
