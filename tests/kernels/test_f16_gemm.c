/*
 * The f16-weight GEMM (enn_f16_gemm_minmax_6x8__neonfp16, AArch64 with
 * asimdhp) against an independent double-precision GEMM of the same
 * f16-rounded operands. Skips (77, with a message) on other targets and on
 * CPUs without fp16 arithmetic.
 *
 * Tolerance, per output element, from the kernel's blocked accumulation
 * (products of KB = 16 consecutive k summed in binary16 with one rounding
 * per FMA, block sums added in f32):
 *   |y - exact| <= (KB + 1) * 2^-11 * S + (K / KB + 2) * 2^-24 * (S + |bias|) + K * 2^-25
 * where S = sum_k |a_k w_k| (binary16 unit roundoff 2^-11; recursive
 * summation of KB terms is within gamma_KB <= (KB + 1) u; the f32 adds;
 * products under 2^-24 may flush in f16, 2^-25 each). The epilogue clamps
 * are 1-Lipschitz, so the same bound holds after them.
 *
 * Shapes: M in {1, 2, 5, 6, 7, 13} (tile 6 +- 1, primes), N in {1, 3, 7, 8,
 * 9, 17, 31} (panel 8 +- 1), K in {1, 3, 4, 5, 15, 16, 17, 67} (block 16
 * +- 1, unroll 4 +- 1, primes); strided A and C (C's padding must stay
 * untouched); no / relu / clip epilogues; a deep K = 2053 run. Also: the
 * kernel table offers the entry for dtype F16 only (f32 GEMMs unchanged).
 */
#include "kernels/kernels.h"
#include "test.h"

#if ENN_KERNELS_ARM64
static unsigned long long g_rng = 0x243F6A8885A308D3ull;
static float urand(float lo, float hi) {
  g_rng = g_rng * 6364136223846793005ull + 1442695040888963407ull;
  const double u = (double)(g_rng >> 11) * (1.0 / 9007199254740992.0);
  return (float)(lo + (hi - lo) * u);
}
static float round16(float x) { return enn_f16_to_f32(enn_f32_to_f16(x)); }

static double g_worst_ratio; /* max |err| / S seen */
static double g_worst_abs;

static const enn_kernel *find_entry(void) {
  int32_t n;
  const enn_kernel *t = enn_kernel_table(&n);
  for (int32_t i = 0; i < n; i++)
    if (t[i].isa == ENN_ISA_NEONFP16 && t[i].op == ENN_KOP_GEMM) return &t[i];
  return NULL;
}

static double clampd(double x, const enn_f32_epi *ep) {
  if (ep->kind == ENN_EPI_RELU) return x > 0 ? x : 0;
  if (ep->kind == ENN_EPI_MINMAX) return x < ep->min ? ep->min : (x > ep->max ? ep->max : x);
  return x;
}

static void run_case(const enn_kernel *k, size_t m, size_t n, size_t kd, int epi_kind, float amag) {
  const size_t as = kd + 3, cs = n + 2;
  float *a = malloc(sizeof(float) * m * as);
  uint16_t *w = malloc(sizeof(uint16_t) * n * kd); /* [n, kd] */
  float *b = malloc(sizeof(float) * n);
  float *c = malloc(sizeof(float) * m * cs);
  void *pk = malloc(enn_f16_pack_gemm_bytes((int64_t)n, (int64_t)kd));
  for (size_t i = 0; i < m * as; i++) a[i] = round16(urand(-amag, amag));
  for (size_t i = 0; i < n * kd; i++) w[i] = enn_f32_to_f16(urand(-1.0f, 1.0f));
  for (size_t j = 0; j < n; j++) b[j] = urand(-1.0f, 1.0f);
  for (size_t i = 0; i < m * cs; i++) c[i] = -777.0f;
  enn_f16_pack_gemm((int64_t)n, (int64_t)kd, (int64_t)kd, w, b, pk);
  enn_act_params act;
  memset(&act, 0, sizeof act);
  act.act = epi_kind == 0 ? ENN_ACT_NONE : epi_kind == 1 ? ENN_ACT_RELU : ENN_ACT_CLIP;
  act.min = -0.5f;
  act.max = 0.75f;
  enn_f32_epi ep;
  CHECK(enn_f32_epi_init(&ep, &act));
  for (size_t i0 = 0; i0 < m; i0 += (size_t)k->mr) { /* mr <= MR per call, as the ops split M */
    const size_t mr = m - i0 < (size_t)k->mr ? m - i0 : (size_t)k->mr;
    k->fn.f16_gemm(mr, n, kd, a + i0 * as, as, pk, c + i0 * cs, cs, &ep);
  }
  int bad = 0;
  for (size_t i = 0; i < m && bad < 3; i++) {
    for (size_t j = 0; j < cs && bad < 3; j++) {
      const float y = c[i * cs + j];
      if (j >= n) { /* padding columns untouched */
        if (y != -777.0f) bad++;
        CHECK_MSG(y == -777.0f, "m=%zu n=%zu k=%zu: C padding [%zu,%zu] overwritten", m, n, kd, i, j);
        continue;
      }
      double s = b[j], sabs = 0;
      for (size_t t = 0; t < kd; t++) {
        const double p = (double)a[i * as + t] * (double)enn_f16_to_f32(w[j * kd + t]);
        s += p;
        sabs += fabs(p);
      }
      const double ref = clampd(s, &ep);
      const double tol = 17.0 * 0x1p-11 * sabs + ((double)kd / 16.0 + 2.0) * 0x1p-24 * (sabs + fabs(b[j])) +
                         (double)kd * 0x1p-25;
      const double err = fabs((double)y - ref);
      if (sabs > 0 && err / sabs > g_worst_ratio) g_worst_ratio = err / sabs;
      if (err > g_worst_abs) g_worst_abs = err;
      if (!(err <= tol)) bad++;
      CHECK_MSG(err <= tol, "m=%zu n=%zu k=%zu epi=%d [%zu,%zu]: got %.8g want %.8g (err %.3g > tol %.3g)", m, n,
                kd, epi_kind, i, j, (double)y, ref, err, tol);
    }
  }
  free(a);
  free(w);
  free(b);
  free(c);
  free(pk);
}

static int g_ran;

static void test_shapes(void) {
  const enn_kernel *k = find_entry();
  CHECK(k != NULL);
  if (!k || !enn_kernel_isa_supported(ENN_ISA_NEONFP16)) return;
  static const size_t ms[] = {1, 2, 5, 6, 7, 13};
  static const size_t ns[] = {1, 3, 7, 8, 9, 17, 31};
  static const size_t ks[] = {1, 3, 4, 5, 15, 16, 17, 67};
  int e = 0;
  for (size_t mi = 0; mi < ENN_ARRAY_LEN(ms); mi++)
    for (size_t ni = 0; ni < ENN_ARRAY_LEN(ns); ni++)
      for (size_t ki = 0; ki < ENN_ARRAY_LEN(ks); ki++) run_case(k, ms[mi], ns[ni], ks[ki], (e++) % 3, 2.0f);
  g_ran = 1;
}

static void test_deep_k(void) {
  const enn_kernel *k = find_entry();
  if (!k || !enn_kernel_isa_supported(ENN_ISA_NEONFP16)) return;
  g_worst_ratio = 0;
  g_worst_abs = 0;
  run_case(k, 7, 19, 2053, 0, 1.0f);
  run_case(k, 1, 40, 1152, 0, 4.0f);
  fprintf(stderr, "deep K (2053, 1152): max |err| / sum|a w| = %.3g (%.2f x 2^-11), max |err| = %.3g\n",
          g_worst_ratio, g_worst_ratio / 0x1p-11, g_worst_abs);
}

static void test_table(void) {
  const enn_kernel *f = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F16, 0, 0);
  const enn_kernel *g = enn_kernel_find(ENN_KOP_GEMM, ENN_DTYPE_F32, 0, 0);
  enn_isa isa;
  CHECK_OK(enn_kernel_isa(&isa));
  if (isa == ENN_ISA_NEON && enn_kernel_isa_supported(ENN_ISA_NEONFP16)) {
    CHECK(f != NULL && strcmp(f->name, "enn_f16_gemm_minmax_6x8__neonfp16") == 0);
  } else {
    CHECK(f == NULL);
  }
  CHECK(g == NULL || g->dtype == ENN_DTYPE_F32);
  CHECK(strcmp(enn_isa_name(ENN_ISA_NEONFP16), "neonfp16") == 0);
}
#endif

int main(void) {
#if !ENN_KERNELS_ARM64
  fprintf(stderr, "SKIP: the f16-weight GEMM is an AArch64 kernel (asimdhp); this is not an AArch64 build\n");
  return 77;
#else
  if (!enn_kernel_isa_supported(ENN_ISA_NEONFP16)) {
    fprintf(stderr, "SKIP: this CPU lacks fp16 arithmetic (fphp/asimdhp)\n");
    ENN_RUN(test_table);
    return enn_test_finish() ? 1 : 77;
  }
  ENN_RUN(test_table);
  ENN_RUN(test_shapes);
  ENN_RUN(test_deep_k);
  if (!g_ran && enn_test_finish() == 0) return 77;
  return enn_test_finish();
#endif
}
