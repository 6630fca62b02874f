/*
 * int8 depthwise kernel microbenchmark: every QS8_DWCONV kernel the CPU
 * runs (kernels.h), called directly one output row at a time as the
 * driver (ops/conv2d_q8_dw_fast.c) does, on the MobileNetV2 1.0/224
 * depthwise shapes (3x3) plus two 5x5 shapes. Random int8 inputs and
 * weights, per-channel multipliers in [2^30, 2^31) with right shifts
 * (the usual case). Time: best of --reps runs of the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), so a loaded machine inflates it little.
 *
 *   qs8_dw_bench [--reps N] [--filter SUBSTR] [--relu]
 *
 * --relu: the output clamp starts at the output zero point (ReLU / ReLU6,
 * as in MobileNetV2's depthwise layers) instead of the full int8 range.
 *
 * The kernels of one shape run interleaved (rep 1 of each, rep 2 of
 * each, ...), so a changing machine load hits them alike; for an A/B
 * comparison in one run, link a saved copy of a kernel (renamed) and pass
 * -DQDW_NEXTRA=n -D'QDW_EXTRA(i)=(&array[i])' with an array of enn_kernel
 * entries naming it. chk: a checksum of the outputs (equal across kernels).
 *
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE -Iinclude -Isrc bench/kernels/qs8_dw_bench.c
 *        build/libedgenn.a -lpthread -lm -lz -llzma -lstb -o qs8_dw_bench
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edgenn/edgenn.h"
#include "kernels/kernels.h"

typedef struct shape {
  int h, c, k, s;
} shape;

static const shape g_shapes[] = {
    {112, 32, 3, 1}, {112, 96, 3, 2}, {56, 144, 3, 1}, {56, 144, 3, 2}, {28, 192, 3, 1}, {28, 192, 3, 2},
    {14, 384, 3, 1}, {14, 576, 3, 1}, {14, 576, 3, 2}, {7, 960, 3, 1},  {28, 192, 5, 1}, {14, 576, 5, 2},
};

/* A/B runs: -DQDW_NEXTRA=n -DQDW_EXTRA(i)=... adds n kernel entries
 * compiled elsewhere (e.g. a saved copy of a kernel) to the ones timed. */
#ifndef QDW_NEXTRA
#define QDW_NEXTRA 0
#define QDW_EXTRA(i) ((const enn_kernel *)NULL)
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static uint32_t g_rng = 12345u;
static uint32_t rnd(void) {
  g_rng = g_rng * 1664525u + 1013904223u;
  return g_rng >> 8;
}

int main(int argc, char **argv) {
  int reps = 30;
  const char *filter = NULL;
  int relu = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--reps") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
    else if (!strcmp(argv[i], "--relu")) relu = 1;
  }
  int32_t nk = 0;
  const enn_kernel *tab = enn_kernel_table(&nk);
  for (size_t si = 0; si < sizeof g_shapes / sizeof g_shapes[0]; si++) {
    const shape *s = &g_shapes[si];
    const int ih = s->h, iw = s->h, c = s->c, k = s->k, pad = k / 2;
    const int oh = (ih + 2 * pad - k) / s->s + 1, ow = (iw + 2 * pad - k) / s->s + 1;
    int8_t *x = malloc((size_t)ih * (size_t)iw * (size_t)c), *y = malloc((size_t)oh * (size_t)ow * (size_t)c);
    int8_t *zrow = malloc((size_t)iw * (size_t)c);
    int8_t *w = malloc((size_t)c * (size_t)(k * k));
    int32_t *b = malloc(sizeof(int32_t) * (size_t)c), *m = malloc(sizeof(int32_t) * (size_t)c),
            *sh = malloc(sizeof(int32_t) * (size_t)c);
    if (!x || !y || !zrow || !w || !b || !m || !sh) return 1;
    for (size_t i = 0; i < (size_t)ih * (size_t)iw * (size_t)c; i++) x[i] = (int8_t)(rnd() & 0xFF);
    for (size_t i = 0; i < (size_t)c * (size_t)(k * k); i++) w[i] = (int8_t)(rnd() & 0xFF);
    for (int j = 0; j < c; j++) {
      b[j] = (int32_t)(rnd() % 20000) - 10000;
      m[j] = (int32_t)((1u << 30) + (rnd() & 0x3FFFFFFFu));
      sh[j] = -(int32_t)(6 + rnd() % 4);
    }
    const int32_t x_zp = -3;
    memset(zrow, x_zp, (size_t)iw * (size_t)c);
    enn_qs8_epi ep;
    enn_qs8_epi_init(&ep, 5, relu ? 5 : -128, relu ? 120 : 127, c, m, sh);
    char name[64];
    snprintf(name, sizeof name, "dw%dx%d/%d %dx%dx%d", k, k, s->s, ih, iw, c);
    /* the kernels to time (plus --extra ones linked in for A/B runs),
     * interleaved rep by rep so machine load affects them alike */
    const enn_kernel *ks[16];
    void *pws[16];
    double best[16];
    int nks = 0;
    for (int32_t ki = 0; ki < nk + QDW_NEXTRA && nks < 16; ki++) {
      const enn_kernel *kn = ki < nk ? &tab[ki] : QDW_EXTRA(ki - nk);
      if (kn->op != ENN_KOP_QS8_DWCONV || kn->kh != k || !enn_kernel_isa_supported(kn->isa)) continue;
      char full[160];
      snprintf(full, sizeof full, "%s %s", name, kn->name);
      if (filter && !strstr(full, filter)) continue;
      pws[nks] = aligned_alloc(64, (enn_qs8_pack_dwconv_bytes(kn, c) + 63) / 64 * 64);
      if (!pws[nks]) return 1;
      enn_qs8_pack_dwconv(kn, c, w, NULL, b, m, sh, x_zp, pws[nks]);
      best[nks] = 1e30;
      ks[nks++] = kn;
    }
    for (int r = 0; r < reps; r++)
      for (int ki = 0; ki < nks; ki++) {
        const enn_kernel *kn = ks[ki];
        const double t0 = now();
        for (int oy = 0; oy < oh; oy++) {
          const int8_t *rows[5];
          for (int ky = 0; ky < k; ky++) {
            const int iy = oy * s->s - pad + ky;
            rows[ky] = (iy < 0 || iy >= ih) ? zrow : x + (size_t)iy * (size_t)iw * (size_t)c;
          }
          kn->fn.qs8_dwconv(rows, pws[ki], y + (size_t)oy * (size_t)ow * (size_t)c, (size_t)c, (size_t)ow,
                            (size_t)iw, (size_t)s->s, (size_t)pad, x_zp, &ep);
        }
        const double t = now() - t0;
        if (t < best[ki]) best[ki] = t;
        if (r + 1 == reps) {
          const double macs = (double)oh * ow * c * k * k;
          uint32_t sum = 0;
          for (size_t i = 0; i < (size_t)oh * (size_t)ow * (size_t)c; i++) sum = sum * 31u + (uint8_t)y[i];
          printf("%-24s %-32s %9.1f us %7.1f GMAC/s  chk %08x\n", name, kn->name, best[ki] * 1e6,
                 macs / best[ki] * 1e-9, sum);
        }
      }
    for (int ki = 0; ki < nks; ki++) free(pws[ki]);
    free(x), free(y), free(zrow), free(w), free(b), free(m), free(sh);
  }
  return 0;
}
