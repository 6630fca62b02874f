/*
 * Whole zoo models on the fast kernels against the reference kernels.
 *
 * Every architecture of the zoo (random weights, deterministic input in
 * [-1, 1]) runs optimised (level 1) with the kernel level capped at ref,
 * then at each SIMD level the CPU has (others are skipped with a message)
 * with 1 and 2 threads. Stated tolerance: every output within
 * 1e-4 * max |ref output| of the reference (FMA rounding and summation
 * order compound over up to ~50 layers). The outputs of 1, 2 and 3
 * threads must be bit-identical (the thread split never changes how an
 * element is computed). A batch-2 MobileNetV2 at reduced width and
 * resolution checks the batch dimension too.
 */
#include "model_run.h"

#define RTOL 1e-4

/* A node left the reference kernels (views run no kernel). */
static bool is_fast(const char *k) { return !strstr(k, "__ref") && strcmp(k, "view") != 0; }

static float *run_model(const enn_graph *g, enn_isa cap, int threads, long *numel, int *fast_nodes) {
  return mr_run_model(g, cap, threads, (mr_fill){1234u, -1.0f, 1.0f}, is_fast, numel, fast_nodes);
}

static void check_model(const char *label, const enn_graph *g, bool three_threads) {
  long n_ref = 0, n = 0;
  int fast = 0;
  float *ref = run_model(g, ENN_ISA_REF, 1, &n_ref, &fast);
  if (!ref) return;
  CHECK_MSG(fast == 0, "%s: %d nodes left the reference kernels at level ref", label, fast);
  double mx = 0;
  for (long i = 0; i < n_ref; i++) mx = fmax(mx, fabs((double)ref[i]));
  CHECK_MSG(mx > 0 && isfinite(mx), "%s: reference output is degenerate (max |y| %g)", label, mx);
#if defined(__aarch64__)
  const enn_isa levels[] = {ENN_ISA_NEON};
#else
  const enn_isa levels[] = {ENN_ISA_AVX2, ENN_ISA_AVX512};
#endif
  for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
    if (!enn_kernel_isa_supported(levels[l])) {
      fprintf(stderr, "  skip %s at %s: this CPU lacks it\n", label, enn_isa_name(levels[l]));
      continue;
    }
    float *one = NULL;
    for (int threads = 1; threads <= (three_threads ? 3 : 2); threads++) {
      float *y = run_model(g, levels[l], threads, &n, &fast);
      if (!y) continue;
      CHECK(n == n_ref);
      CHECK_MSG(fast > 0, "%s at %s: no node ran a fast kernel", label, enn_isa_name(levels[l]));
      double worst = 0;
      for (long i = 0; i < n && i < n_ref; i++) worst = fmax(worst, fabs((double)y[i] - (double)ref[i]));
      CHECK_MSG(worst <= RTOL * mx, "%s at %s, %d threads: max |fast - ref| = %g > %g * %g", label,
                enn_isa_name(levels[l]), threads, worst, RTOL, mx);
      if (threads == 1)
        fprintf(stderr, "  %-22s %-6s max |fast - ref| / max |ref| = %.2e (%d fast nodes)\n", label,
                enn_isa_name(levels[l]), worst / mx, fast);
      if (!one) one = y;
      else {
        CHECK_MSG(memcmp(one, y, sizeof(float) * (size_t)n) == 0, "%s at %s: %d threads differ from 1 thread", label,
                  enn_isa_name(levels[l]), threads);
        free(y);
      }
    }
    free(one);
  }
  free(ref);
}

static void test_zoo(void) {
  for (int32_t i = 0; i < enn_zoo_count(); i++) {
    const char *name = enn_zoo_name(i);
    enn_graph *g = NULL;
    CHECK_OK(enn_zoo_build(name, NULL, NULL, &g));
    if (!g) continue;
    enn_graph_stats gs;
    const bool small = enn_graph_stats_get(g, &gs) == ENN_OK && gs.macs < 100000000;
    check_model(name, g, small);
    enn_graph_destroy(g);
  }
}

static void test_batch(void) {
  enn_zoo_options o;
  enn_zoo_options_init(&o);
  o.width = 0.35f;
  o.resolution = 96;
  o.batch = 2;
  enn_graph *g = NULL;
  CHECK_OK(enn_zoo_build("mobilenet_v2", &o, NULL, &g));
  if (g) check_model("mobilenet_v2 x0.35/96 b2", g, true);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_zoo);
  ENN_RUN(test_batch);
  return enn_test_finish();
}
