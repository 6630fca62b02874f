/*
 * Weight packing for the int8 depthwise kernels (kernels.h QS8_DWCONV;
 * block layout in x86/qs8_rq.h), done once at session create.
 *
 * Per block of nr channels: the biases with the input zero point folded
 * in (the kernels multiply raw input bytes, and a padding tap reads x_zp,
 * so b - x_zp * sum_t w' leaves exactly the reference's sum over the taps
 * inside the input, modulo 2^32), the requantisation constants of each
 * channel, then the taps with the rows paired (one vector per pair of rows
 * and column: row 2p's weight in each lane's low int16, row 2p + 1's in the
 * high one, 0 for the last row of an odd window), w' = w - w_zp (the weight zero point of a
 * converted uint8 model is taken out here; w' fits the kernels' int16). Lanes past c are zero (their outputs are never
 * stored).
 *
 * AVX-512 VNNI blocks whose w' all fit int8 are packed as quads instead
 * (4 rows' int8 weights per lane, bias' = b - (128 + x_zp) * sum_t w';
 * x86/qs8_rq.h), the rest as pairs.
 *
 * NEON (arm/qs8_neon.h) keeps the taps unpaired: after the bias, m, l and
 * -e vectors, per tap t the nr int16 weights w'[c, t].
 */
#include <string.h>

#include "kernels/kernels.h"
#include "kernels/arm/qs8_neon.h"
#include "kernels/x86/qs8_rq.h"

static int32_t hdr_vectors(const enn_kernel *k) { return k->isa == ENN_ISA_AVX2 ? QDW_HDR_AVX2 : QDW_HDR_AVX512; }

/* Tap vectors per block: rows paired, for each column. */
static int32_t tap_vectors(const enn_kernel *k) { return (k->kh + 1) / 2 * k->kw; }

static size_t block_bytes(const enn_kernel *k) {
  if (k->isa == ENN_ISA_NEON)
    return (size_t)QDW_HDR_NEON * (size_t)k->nr * sizeof(int32_t) + (size_t)(k->kh * k->kw) * (size_t)k->nr * 2;
  return (size_t)(hdr_vectors(k) + tap_vectors(k)) * (size_t)k->nr * sizeof(int32_t);
}

size_t enn_qs8_pack_dwconv_bytes(const enn_kernel *k, int64_t c) {
  return (size_t)((c + k->nr - 1) / k->nr) * block_bytes(k);
}

void enn_qs8_pack_dwconv(const enn_kernel *k, int64_t c, const int8_t *w, const int32_t *w_zp, const int32_t *b,
                         const int32_t *mult, const int32_t *shift, int32_t x_zp, void *out) {
  const int64_t nr = k->nr, kh = k->kh, kw = k->kw, taps = kh * kw, tv = tap_vectors(k);
  if (k->isa == ENN_ISA_NEON) {
    unsigned char *blk = out;
    for (int64_t c0 = 0; c0 < c; c0 += nr, blk += block_bytes(k)) {
      memset(blk, 0, block_bytes(k));
      for (int64_t j = 0; j < nr && c0 + j < c; j++) {
        const int64_t ch = c0 + j;
        const int32_t wz = w_zp ? w_zp[ch] : 0, s = shift[ch];
        uint32_t sum = 0;
        for (int64_t t = 0; t < taps; t++) {
          const int32_t wv = (int32_t)w[ch * taps + t] - wz;
          sum += (uint32_t)wv;
          const int16_t w16 = (int16_t)wv;
          memcpy(blk + (size_t)(QDW_HDR_NEON * nr * 4 + (t * nr + j) * 2), &w16, sizeof w16);
        }
        const int32_t hdr[4] = {(int32_t)((b ? (uint32_t)b[ch] : 0u) - (uint32_t)x_zp * sum), mult[ch], s > 0 ? s : 0,
                                s > 0 ? 0 : s};
        for (int v = 0; v < 4; v++) memcpy(blk + (size_t)((v * nr + j) * 4), &hdr[v], sizeof hdr[v]);
      }
    }
    return;
  }
  const bool avx2 = k->isa == ENN_ISA_AVX2;
  const int64_t hdr = hdr_vectors(k);
  int32_t *p = out;
  for (int64_t c0 = 0; c0 < c; c0 += nr, p += (hdr + tv) * nr) {
    memset(p, 0, block_bytes(k));
    if (!avx2) { /* the block flag: every channel's e in [1, 22], m >= 0 */
      int32_t fold = 1;
      for (int64_t j = 0; j < nr && c0 + j < c; j++)
        if (shift[c0 + j] > -1 || shift[c0 + j] < -22 || mult[c0 + j] < 0) fold = 0;
      p[QDW_HDR_FLAGS * nr] = fold;
    }
    /* quads: AVX-512 VNNI, every w - w_zp of the block in int8 */
    bool quad = k->isa == ENN_ISA_AVX512VNNI;
    for (int64_t j = 0; quad && j < nr && c0 + j < c; j++)
      for (int64_t t = 0; t < taps; t++) {
        const int32_t wv = (int32_t)w[(c0 + j) * taps + t] - (w_zp ? w_zp[c0 + j] : 0);
        if (wv < -128 || wv > 127) quad = false;
      }
    if (quad) p[QDW_HDR_FLAGS * nr + 1] = 1;
    for (int64_t j = 0; j < nr && c0 + j < c; j++) {
      const int64_t ch = c0 + j, sw = c0 + (j ^ 1);
      const int32_t wz = w_zp ? w_zp[ch] : 0;
      uint32_t sum = 0;
      for (int64_t t = 0; t < taps; t++) sum += (uint32_t)((int32_t)w[ch * taps + t] - wz);
      if (quad) { /* 4 rows' int8 weights per lane (x86/qs8_rq.h) */
        for (int64_t q = 0; q < (kh + 3) / 4; q++)
          for (int64_t kx = 0; kx < kw; kx++) {
            uint32_t v = 0;
            for (int64_t r = 0; r < 4 && 4 * q + r < kh; r++)
              v |= (uint32_t)(uint8_t)(int8_t)((int32_t)w[ch * taps + (4 * q + r) * kw + kx] - wz) << (8 * r);
            p[(hdr + q * kw + kx) * nr + j] = (int32_t)v;
          }
        p[j] = (int32_t)((b ? (uint32_t)b[ch] : 0u) - (uint32_t)(128 + x_zp) * sum);
      } else {
      for (int64_t pr = 0; pr < (kh + 1) / 2; pr++)
        for (int64_t kx = 0; kx < kw; kx++) {
          /* w' = w - w_zp, in [-255, 255] for int8 zero points: low int16
           * row 2pr, high int16 row 2pr + 1 (0 past the last row) */
          const int32_t lo = (int32_t)w[ch * taps + 2 * pr * kw + kx] - wz;
          const int32_t hi = 2 * pr + 1 < kh ? (int32_t)w[ch * taps + (2 * pr + 1) * kw + kx] - wz : 0;
          p[(hdr + pr * kw + kx) * nr + j] = (int32_t)(((uint32_t)(uint16_t)(int16_t)hi << 16) | (uint16_t)(int16_t)lo);
        }
      p[j] = (int32_t)((b ? (uint32_t)b[ch] : 0u) - (uint32_t)x_zp * sum);
      }
      const int32_t s = shift[ch];
      p[nr + j] = mult[ch];
      p[2 * nr + j] = sw < c ? mult[sw] : 0;
      p[3 * nr + j] = s > 0 ? s : 0;
      if (avx2) {
        const int32_t e = s > 0 ? 0 : -s;
        const int32_t mask = (int32_t)(((int64_t)1 << e) - 1);
        p[4 * nr + j] = mask;
        p[5 * nr + j] = mask >> 1;
        p[6 * nr + j] = e;
      } else {
        /* int64 lanes: channel j sits in qword j / 2 of the even (j even)
         * or odd vector */
        int64_t *q = (int64_t *)(void *)p;
        const int64_t lane = j / 2, odd = j & 1;
        q[(4 + odd) * nr / 2 + lane] = qrq_k(s);
        q[(6 + odd) * nr / 2 + lane] = qrq_n(s);
        q[(8 + odd) * nr / 2 + lane] = qrq_sh(s);
      }
    }
  }
}
