/*
 * Weight packing for the int8 GEMM / IGEMM kernels (kernels.h,
 * x86/qs8_panel.h for the byte layout), done once at session create.
 *
 * Each panel of nr output columns starts with the columns' int32 biases,
 * into which the input zero point is folded: the kernels multiply the raw
 * activation bytes (VNNI: x + 128, read as unsigned; AVX2: x) by the
 * weights, so sum_k w (x - x_zp) = sum_k w x' - c_zp * sum_k w with
 * c_zp = x_zp + 128 (VNNI) or x_zp (AVX2), exact modulo 2^32 like the
 * reference accumulator. A padding tap reads a row of x_zp bytes, whose
 * products the correction cancels exactly (0, as the reference skips it).
 * Then each column's requantisation constants (derived from its
 * multiplier and shift as qs8_panel.h explains) and the weights,
 * channels in groups of 4 (the VNNI dot-product width; AVX2 sign-extends
 * them to int16 pairs), zero past kc and past n so kernels may compute
 * padding lanes and not store them.
 *
 * NEON (arm/qs8_neon.h): the bias folds c_zp = x_zp (signed int16
 * products, as AVX2); the constants are m, l and -e per column; the
 * weights are int16, per group of 4 channels one 16-column row per
 * channel; the dot-product variant (ENN_ISA_NEONDOT, sdot multiplies
 * int8 by int8) keeps them int8, each column's 4 channels together.
 */
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/arm/qs8_neon.h"
#include "kernels/x86/qs8_panel.h"

static int64_t kc4_of(int64_t kc) { return (kc + 3) & ~(int64_t)3; }

/* Bytes of one panel of k's layout. */
static size_t panel_bytes(const enn_kernel *k, int64_t ks, int64_t kc) {
  const int64_t nr = k->nr, kk = ks * kc4_of(kc);
  if (k->isa == ENN_ISA_NEON) return (size_t)(QN_HDR_BYTES + kk * nr * 2);
  if (k->isa == ENN_ISA_NEONDOT) return (size_t)(QN_HDR_BYTES + kk * nr);
  if (k->isa == ENN_ISA_AVX2) return (size_t)(nr * 4 + (nr / 8) * QA_REQ_BYTES + kk * nr * 2);
  return (size_t)(nr * 4 + (nr / 16) * QV_REQ_BYTES + kk * nr);
}

size_t enn_qs8_pack_gemm_bytes(const enn_kernel *k, int64_t n, int64_t ks, int64_t kc) {
  const int64_t panels = (n + k->nr - 1) / k->nr;
  return (size_t)panels * panel_bytes(k, ks, kc);
}

/* Weight of column col (>= n: 0) for tap t, channel c (>= kc: 0). */
static inline int32_t wval(const int8_t *w, int64_t n, int64_t kc, int64_t w_stride, int64_t col, int64_t t,
                           int64_t c) {
  return (col < n && c < kc) ? (int32_t)w[col * w_stride + t * kc + c] : 0;
}

static void put32(unsigned char *p, int32_t v) { memcpy(p, &v, sizeof v); }
static void put64(unsigned char *p, int64_t v) { memcpy(p, &v, sizeof v); }
static void put16(unsigned char *p, int16_t v) { memcpy(p, &v, sizeof v); }

void enn_qs8_pack_gemm(const enn_kernel *k, int64_t n, int64_t ks, int64_t kc, int64_t w_stride, const int8_t *w,
                       const int32_t *b, const int32_t *mult, const int32_t *shift, int32_t x_zp, void *out) {
  const bool dot = k->isa == ENN_ISA_NEONDOT, neon = k->isa == ENN_ISA_NEON || dot;
  const bool avx2 = k->isa == ENN_ISA_AVX2 || neon;
  const int64_t nr = k->nr, kc4 = kc4_of(kc), groups = kc4 / 4;
  const int64_t lanes = avx2 ? 8 : 16, nvec = nr / lanes;
  const uint32_t c_zp = (uint32_t)(avx2 ? x_zp : x_zp + 128);
  const size_t pbytes = panel_bytes(k, ks, kc);
  unsigned char *p = out;
  for (int64_t j0 = 0; j0 < n; j0 += nr, p += pbytes) {
    memset(p, 0, pbytes);
    /* biases with the zero-point correction */
    for (int64_t j = 0; j < nr && j0 + j < n; j++) {
      uint32_t sum = 0;
      for (int64_t t = 0; t < ks; t++)
        for (int64_t c = 0; c < kc; c++) sum += (uint32_t)wval(w, n, kc, w_stride, j0 + j, t, c);
      const uint32_t bias = (b ? (uint32_t)b[j0 + j] : 0u) - c_zp * sum;
      put32(p + 4 * j, (int32_t)bias);
    }
    if (neon) {
      for (int64_t j = 0; j < nr && j0 + j < n; j++) {
        const int32_t s = shift[j0 + j];
        put32(p + QN_OFF_M + 4 * j, mult[j0 + j]);
        put32(p + QN_OFF_L + 4 * j, s > 0 ? s : 0);
        put32(p + QN_OFF_NE + 4 * j, s > 0 ? 0 : s);
      }
      unsigned char *wp = p + QN_HDR_BYTES;
      for (int64_t t = 0; t < ks; t++)
        for (int64_t g = 0; g < groups; g++)
          if (dot) { /* column j's 4 channels at bytes 4j..4j+3 (sdot's groups) */
            for (int64_t j = 0; j < nr; j++)
              for (int64_t q = 0; q < 4; q++, wp++) *wp = (unsigned char)(int8_t)wval(w, n, kc, w_stride, j0 + j, t, 4 * g + q);
          } else {
            for (int64_t q = 0; q < 4; q++)
              for (int64_t j = 0; j < nr; j++, wp += 2)
                put16(wp, (int16_t)wval(w, n, kc, w_stride, j0 + j, t, 4 * g + q));
          }
      continue;
    }
    /* requantisation constants */
    unsigned char *rq = p + 4 * nr;
    for (int64_t v = 0; v < nvec; v++, rq += avx2 ? QA_REQ_BYTES : QV_REQ_BYTES)
      for (int64_t l = 0; l < lanes; l++) {
        const int64_t j = j0 + v * lanes + l;
        const int64_t jsw = j0 + v * lanes + (l ^ 1);
        const int32_t m = j < n ? mult[j] : 0, msw = jsw < n ? mult[jsw] : 0;
        const int32_t s = j < n ? shift[j] : 0;
        const int32_t ls = s > 0 ? s : 0, e = s > 0 ? 0 : -s;
        if (avx2) {
          const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
          put32(rq + QA_OFF_M + 4 * l, m);
          put32(rq + QA_OFF_MSW + 4 * l, msw);
          put32(rq + QA_OFF_L + 4 * l, ls);
          put32(rq + QA_OFF_MASK + 4 * l, mask);
          put32(rq + QA_OFF_THR + 4 * l, mask >> 1);
          put32(rq + QA_OFF_E + 4 * l, e);
        } else {
          put32(rq + QV_OFF_M + 4 * l, m);
          put32(rq + QV_OFF_MSW + 4 * l, msw);
          put32(rq + QV_OFF_L + 4 * l, ls);
          /* 64-bit constants: even lanes in the first 8 qwords, odd in the next 8 */
          const int64_t q = (l & 1) * 8 + l / 2;
          const int64_t kk = ((int64_t)1 << 30) + (e ? ((int64_t)1 << (30 + e)) : 0);
          put64(rq + QV_OFF_K + 8 * q, kk);
          put64(rq + QV_OFF_N + 8 * q, e ? ((int64_t)1 << 31) : 0);
          put64(rq + QV_OFF_SH + 8 * q, 31 + e);
        }
      }
    /* weights */
    unsigned char *wp = rq;
    for (int64_t t = 0; t < ks; t++)
      for (int64_t g = 0; g < groups; g++) {
        if (avx2) {
          static const int order[8] = {0, 1, 4, 5, 2, 3, 6, 7}; /* columns of the two vectors */
          for (int64_t v = 0; v < nvec; v++)
            for (int h = 0; h < 8; h++, wp += 8)
              for (int64_t q = 0; q < 4; q++)
                put16(wp + 2 * q,
                      (int16_t)wval(w, n, kc, w_stride, j0 + v * 8 + order[h], t, 4 * g + q));
        } else {
          for (int64_t j = 0; j < nr; j++, wp += 4)
            for (int64_t q = 0; q < 4; q++)
              wp[q] = (unsigned char)(int8_t)wval(w, n, kc, w_stride, j0 + j, t, 4 * g + q);
        }
      }
  }
}

void enn_qs8_epi_init(enn_qs8_epi *ep, int32_t y_zp, int32_t lo, int32_t hi, int64_t n, const int32_t *mult,
                      const int32_t *shift) {
  ep->y_zp = y_zp;
  ep->lo = lo;
  ep->hi = hi;
  ep->flags = 0;
  ep->row_off = NULL;
  for (int64_t j = 0; j < n; j++) {
    if (shift[j] > 0) ep->flags |= ENN_QS8_EPI_LSHIFT;
    if (mult[j] == INT32_MIN) ep->flags |= ENN_QS8_EPI_SAT;
  }
}
