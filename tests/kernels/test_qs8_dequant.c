/*
 * The int8 -> f32 Dequantize kernels (kernels.h QS8_DEQUANTIZE) against
 * the reference enn_qs8_dequantize__ref, BIT-EXACT (float bit patterns),
 * for every table entry whose ISA the CPU has (others are skipped with a
 * message): every length 0..70 and large ones (1000, 4099, 65537), at
 * unaligned offsets, zero points -128 / 127 / 0 / 9, scales 1, ordinary
 * ones, tiny ones (subnormal results) and huge ones (products that
 * overflow to inf), all 256 byte values; nothing past n is written.
 * An independent check: y[i] == (float)((double)scale * (x[i] - zp))
 * computed here. Then the Dequantize operator through sessions at every
 * ISA level the CPU has (enn_kernel_set_isa_cap) against level ref: the
 * level's kernel must be chosen for per-tensor int8 input and the bytes
 * must be identical; per-axis and uint8 inputs keep the reference.
 * Also the per-tensor 8-bit requantisation table (Quantize of i8 / u8,
 * quantize.c) at every level against level ref on all 256 bytes.
 */
#include "kernels/kernels.h"
#include "kernels/ref/q8_quantize_ref.h"
#include "ops/q8_harness.h"

static int g_ran, g_skipped;

static bool usable(const enn_kernel *k) {
  if (enn_kernel_isa_supported(k->isa)) {
    g_ran++;
    return true;
  }
  fprintf(stderr, "  skip %s: this CPU lacks %s\n", k->name, enn_isa_name(k->isa));
  g_skipped++;
  return false;
}

/* Kernel k on n bytes at x (offset off into the buffers) vs the reference
 * and vs the double formula; returns mismatches. */
static long deq_case(const enn_kernel *k, long n, int off, float scale, int32_t zp, unsigned long long seed) {
  int8_t *xb = qt_rand_i8(n + 8, seed, -128, 127);
  int8_t *x = xb + off;
  if (n >= 256)
    for (long i = 0; i < 256; i++) x[i] = (int8_t)(i - 128); /* every value */
  float *want = malloc(sizeof(float) * (size_t)(n + 1));
  float *gotb = malloc(sizeof(float) * (size_t)(n + 40));
  float *got = gotb + off;
  const uint32_t sent = 0x7fc12345u; /* a NaN payload no product has */
  for (long i = 0; i < n + 40; i++) memcpy(&gotb[i], &sent, 4);
  enn_qs8_quant_params p;
  memset(&p, 0, sizeof p);
  p.outer = 1, p.channels = 1, p.inner = n;
  p.in_dtype = ENN_DTYPE_I8, p.out_dtype = ENN_DTYPE_F32;
  p.scale = &scale;
  p.zp_in = &zp;
  enn_qs8_dequantize__ref(&p, x, want);
  k->fn.qs8_dequantize((size_t)n, x, got, scale, zp);
  long bad = 0, first = -1;
  for (long i = 0; i < n; i++) {
    const float indep = (float)((double)scale * (double)((int32_t)x[i] - zp));
    if (memcmp(&got[i], &want[i], 4) != 0 || memcmp(&got[i], &indep, 4) != 0) {
      bad++;
      if (first < 0) first = i;
    }
  }
  for (long i = n; i < n + 40 - off; i++) bad += memcmp(&got[i], &sent, 4) != 0;
  for (int i = 0; i < off; i++) bad += memcmp(&gotb[i], &sent, 4) != 0;
  if (bad)
    fprintf(stderr, "  %s n=%ld off=%d scale %g zp %d: %ld wrong, first [%ld] x=%d: %.9g vs %.9g\n", k->name, n, off,
            (double)scale, zp, bad, first, first >= 0 ? x[first] : 0, first >= 0 ? (double)got[first] : 0.0,
            first >= 0 ? (double)want[first] : 0.0);
  free(xb), free(want), free(gotb);
  return bad;
}

static void test_kernels(void) {
  int32_t cnt;
  const enn_kernel *t = enn_kernel_table(&cnt);
  int found = 0;
  for (int32_t i = 0; i < cnt; i++) {
    const enn_kernel *k = &t[i];
    if (k->op != ENN_KOP_QS8_DEQUANTIZE) continue;
    found++;
    if (!usable(k)) continue;
    const float scales[] = {1.0f, 0.0123f, 0.1f, 3.0f, 1.17e-38f, 3e-41f, 2.9e38f, 1.4e36f};
    const int32_t zps[] = {-128, 127, 0, 9};
    long bad = 0, cases = 0;
    unsigned long long seed = 1;
    for (long n = 0; n <= 70; n++)
      for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++) {
        bad += deq_case(k, n, (int)(seed % 4), scales[si], zps[seed % 4], seed);
        seed++, cases++;
      }
    const long big[] = {255, 256, 1000, 4099, 65537};
    for (size_t bi = 0; bi < sizeof big / sizeof big[0]; bi++)
      for (size_t si = 0; si < sizeof scales / sizeof scales[0]; si++)
        for (size_t zi = 0; zi < sizeof zps / sizeof zps[0]; zi++) {
          bad += deq_case(k, big[bi], (int)(seed % 3), scales[si], zps[zi], seed);
          seed++, cases++;
        }
    CHECK_MSG(bad == 0, "%s: %ld mismatches in %ld cases", k->name, bad, cases);
  }
  CHECK_MSG(found >= 1 || (!ENN_KERNELS_X86 && !ENN_KERNELS_ARM64), "no QS8_DEQUANTIZE kernel in the table");
}

/* Dequantize of a [2, 9, 7, 13] tensor (dtype t; per axis 3 when axis)
 * through a session at level cap. */
static float *run_deq(enn_isa cap, enn_dtype t, bool axis, int threads, char *kernel) {
  enn_kernel_set_isa_cap(cap);
  const int64_t dims[4] = {2, 9, 7, 13};
  const long n = 2 * 9 * 7 * 13;
  int8_t *x = qt_rand_i8(n, 41, -128, 127);
  static const float scale1 = 0.0371f;
  static const int32_t zp_i8 = -7, zp_u8 = 131;
  float sc[13];
  int32_t zc[13];
  for (int c = 0; c < 13; c++) sc[c] = 0.01f * (float)(c + 1), zc[c] = t == ENN_DTYPE_U8 ? 120 + c : c - 6;
  qt_tensor in = qt_t(t, 4, dims, x, 0);
  in = axis ? qt_qaxis(in, 3, sc, zc) : qt_q(in, &scale1, t == ENN_DTYPE_U8 ? &zp_u8 : &zp_i8);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_DEQUANTIZE);
  float *y = malloc(sizeof(float) * (size_t)n);
  qt_opts o;
  memset(&o, 0, sizeof o);
  o.threads = threads;
  CHECK_OK(qt_run(ENN_OP_DEQUANTIZE, "dq", &a, &in, 1, NULL, y, sizeof(float) * (size_t)n, NULL, &o));
  snprintf(kernel, 96, "%s", o.kernel);
  free(x);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return y;
}

static void test_operator(void) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  const long n = 2 * 9 * 7 * 13;
  for (int variant = 0; variant < 3; variant++) {
    const enn_dtype t = variant == 2 ? ENN_DTYPE_U8 : ENN_DTYPE_I8;
    const bool axis = variant == 1;
    char kref[96];
    float *ref = run_deq(ENN_ISA_REF, t, axis, 1, kref);
    CHECK_MSG(strcmp(kref, "enn_qs8_dequantize__ref") == 0, "level ref: %s", kref);
    for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
      if (!enn_kernel_isa_supported(levels[li])) {
        fprintf(stderr, "  skip level %s: this CPU lacks it\n", enn_isa_name(levels[li]));
        continue;
      }
      char want_k[96], kn[96];
      if (variant == 0) snprintf(want_k, sizeof want_k, "enn_qs8_dequantize__%s", enn_isa_name(levels[li]));
      else snprintf(want_k, sizeof want_k, "enn_qs8_dequantize__ref");
      for (int th = 1; th <= 3; th += 2) {
        float *y = run_deq(levels[li], t, axis, th, kn);
        CHECK_MSG(strcmp(kn, want_k) == 0, "variant %d: kernel %s, expected %s", variant, kn, want_k);
        CHECK_MSG(memcmp(y, ref, sizeof(float) * (size_t)n) == 0, "variant %d level %s threads %d: outputs differ",
                  variant, enn_isa_name(levels[li]), th);
        free(y);
      }
    }
    /* the reference itself against the formula (per tensor i8) */
    if (variant == 0) {
      int8_t *x = qt_rand_i8(n, 41, -128, 127);
      long bad = 0;
      for (long i = 0; i < n; i++) bad += ref[i] != (float)((double)0.0371f * (double)(x[i] + 7));
      CHECK_MSG(bad == 0, "reference Dequantize: %ld values differ from scale * (q - zp)", bad);
      free(x);
    }
    free(ref);
  }
}

/* Quantize of an 8-bit tensor (requantisation), per tensor: the table of
 * the reference's results (quantize.c, "enn_qs8_requantize_lut") at every
 * SIMD level against level ref, all 256 input bytes, every dtype pair,
 * scale ratios below / at / above 1 (left shifts), extreme zero points. */
static void test_requantize_lut(void) {
  static const enn_isa levels[] = {ENN_ISA_AVX512, ENN_ISA_AVX2, ENN_ISA_NEON};
  const float ratios[][2] = {{0.02f, 0.02f}, {0.5f, 0.0031f}, {0.0031f, 0.5f}, {1.0f, 3.0f}, {0.1f, 1e-4f}};
  const int32_t zps[][2] = {{0, 0}, {-128, 127}, {127, -128}, {5, -9}};
  uint8_t x[256];
  for (int b = 0; b < 256; b++) x[b] = (uint8_t)b;
  const int64_t dims[2] = {4, 64};
  long cases = 0;
  for (int tin = 0; tin < 2; tin++)
    for (int tout = 0; tout < 2; tout++)
      for (size_t ri = 0; ri < sizeof ratios / sizeof ratios[0]; ri++)
        for (size_t zi = 0; zi < sizeof zps / sizeof zps[0]; zi++) {
          const enn_dtype din = tin ? ENN_DTYPE_U8 : ENN_DTYPE_I8, dout = tout ? ENN_DTYPE_U8 : ENN_DTYPE_I8;
          const int32_t zin = zps[zi][0] + (tin ? 128 : 0), zout = zps[zi][1] + (tout ? 128 : 0);
          qt_tensor in = qt_q(qt_t(din, 2, dims, x, 0), &ratios[ri][0], &zin);
          const enn_quant oq = qt_quant1(&ratios[ri][1], &zout);
          enn_attrs a;
          enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
          a.dtype = (int32_t)dout;
          uint8_t ref[256], got[256];
          qt_opts o;
          memset(&o, 0, sizeof o);
          enn_kernel_set_isa_cap(ENN_ISA_REF);
          CHECK_OK(qt_run(ENN_OP_QUANTIZE, "rq", &a, &in, 1, &oq, ref, sizeof ref, NULL, &o));
          CHECK_MSG(strcmp(o.kernel, "enn_qs8_requantize__ref") == 0, "level ref: %s", o.kernel);
          for (size_t li = 0; li < sizeof levels / sizeof levels[0]; li++) {
            if (!enn_kernel_isa_supported(levels[li])) continue;
            enn_kernel_set_isa_cap(levels[li]);
            memset(&o, 0, sizeof o);
            memset(got, 0x55, sizeof got);
            CHECK_OK(qt_run(ENN_OP_QUANTIZE, "rq", &a, &in, 1, &oq, got, sizeof got, NULL, &o));
            CHECK_MSG(strcmp(o.kernel, "enn_qs8_requantize_lut") == 0, "level %s: %s", enn_isa_name(levels[li]),
                      o.kernel);
            CHECK_MSG(memcmp(got, ref, sizeof ref) == 0, "%d -> %d ratio %g/%g zp %d %d level %s: outputs differ",
                      (int)din, (int)dout, (double)ratios[ri][0], (double)ratios[ri][1], zin, zout,
                      enn_isa_name(levels[li]));
            cases++;
          }
          enn_kernel_set_isa_cap(ENN_ISA_AVX512);
        }
  fprintf(stderr, "  requantize table: %ld level comparisons\n", cases);
}

int main(void) {
  ENN_RUN(test_kernels);
  ENN_RUN(test_operator);
  ENN_RUN(test_requantize_lut);
  fprintf(stderr, "kernels run: %d, skipped (ISA missing): %d\n", g_ran, g_skipped);
  if (g_ran == 0 && enn_t_failed == 0) {
    fprintf(stderr, "SKIP: no int8 dequantize kernel can run on this CPU\n");
    return 77;
  }
  return enn_test_finish();
}
