/*
 * Fused depthwise-separable blocks (src/ops/conv2d_chain.c).
 *
 * Small graphs of 1x1 -> depthwise -> 1x1 (with and without the residual
 * Add), depthwise -> 1x1 and 1x1 -> depthwise, 3x3 and 5x5, stride 1 and
 * 2, odd sizes, batch 1 and 2, intermediates large enough to be fused.
 * For every SIMD level the CPU has (others skipped with a message):
 *   - the block's last node runs an enn_f32_dwsep_* runner, the others
 *     are "fused" no-ops;
 *   - the fused pipeline (taken by most runs: counted), its sequential
 *     fallback (forced) and the unfused fast layers give bit-identical
 *     outputs with 1, 2 and 3 threads (the same kernels compute every
 *     element from the same operands);
 *   - all match the reference kernels within 1e-5 * max |ref|.
 * And blocks are not fused when an intermediate has a second reader or is
 * a graph output, when the intermediates are small or the weights big.
 */
#include "kernels/kernels.h"
#include "ops/fast_path.h"
#include "test.h"
#include "dwsep_graph.h"


static int64_t g_pipelined, g_sequential; /* block runs in fusion mode 1 */

static const blk kBlocks[] = {
    {1, 40, 40, 16, 96, 24, 3, 2, 1, 1, 0, ENN_PAD_EXPLICIT, 0, 0},
    {1, 37, 29, 24, 136, 24, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, 0},
    {2, 23, 31, 8, 120, 17, 5, 2, 1, 1, 0, ENN_PAD_SAME_UPPER, 0, 0},
    {1, 30, 30, 40, 160, 40, 5, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, 0},
    {1, 64, 48, 48, 48, 16, 3, 1, 0, 1, 0, ENN_PAD_EXPLICIT, 0, 0}, /* depthwise -> 1x1 */
    {1, 33, 35, 16, 128, 0, 3, 2, 1, 0, 0, ENN_PAD_SAME_UPPER, 0, 0}, /* 1x1 -> depthwise */
    /* stem conv -> depthwise [-> 1x1]: MobileNet's first layers, odd sizes, 5x5, batch 2 */
    {1, 45, 57, 3, 32, 16, 3, 1, 1, 1, 0, ENN_PAD_EXPLICIT, 3, 2},
    {1, 40, 33, 3, 24, 0, 5, 2, 1, 0, 0, ENN_PAD_SAME_UPPER, 5, 1},
    {2, 30, 31, 4, 40, 24, 3, 1, 1, 1, 0, ENN_PAD_EXPLICIT, 3, 1},
    {1, 9, 250, 3, 32, 8, 3, 2, 1, 1, 0, ENN_PAD_EXPLICIT, 3, 2}, /* 5 rows: small-row rule with threads */
};

static enn_graph *build(const blk *b, bool extra_use) { return dwsep_build(b, ENN_ACT_HARD_SWISH, extra_use); }

static char g_expand_kernel[96]; /* kernel of the node named "expand" in the last run */

/* Runs g; returns output 0 (malloc) and how many dwsep runners / fused
 * no-ops ran. */
static float *run(const enn_graph *g, enn_isa cap, int fusion, int threads, long *numel, int *runners, int *noops) {
  enn_kernel_set_isa_cap(cap);
  enn_conv2d_set_fusion(fusion);
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  o.threads = threads;
  enn_session *s = NULL;
  float *out = NULL;
  CHECK_OK(enn_session_create(g, &o, &s));
  if (s) {
    enn_tensor_desc d;
    CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
    enn_t_fill(enn_session_input_buffer(s, 0), (long)enn_tensor_desc_numel(&d), 77, -1.0f, 1.0f);
    CHECK_OK(enn_session_run(s));
    CHECK_OK(enn_session_run(s)); /* twice: the ring and tags start over each run */
    CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
    *numel = (long)enn_tensor_desc_numel(&d);
    out = malloc(enn_tensor_desc_bytes(&d));
    memcpy(out, enn_session_output_buffer(s, 0), enn_tensor_desc_bytes(&d));
    *runners = *noops = 0;
    for (int32_t i = 0; i < enn_session_num_nodes(s); i++) {
      enn_node_profile p;
      CHECK_OK(enn_session_node_profile(s, i, &p));
      if (p.kernel && strstr(p.kernel, "enn_f32_dwsep_")) (*runners)++;
      if (p.kernel && !strcmp(p.kernel, "fused")) (*noops)++;
      if (p.name && !strcmp(p.name, "expand")) snprintf(g_expand_kernel, sizeof g_expand_kernel, "%s", p.kernel);
    }
  }
  enn_session_destroy(s);
  enn_conv2d_set_fusion(1);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return out;
}

static void test_blocks(void) {
#if defined(__aarch64__)
  const enn_isa levels[] = {ENN_ISA_NEON};
#else
  const enn_isa levels[] = {ENN_ISA_AVX2, ENN_ISA_AVX512};
#endif
  for (size_t bi = 0; bi < sizeof kBlocks / sizeof kBlocks[0]; bi++) {
    const blk *b = &kBlocks[bi];
    enn_graph *g = build(b, false);
    long n_ref, n;
    int runners, noops;
    float *ref = run(g, ENN_ISA_REF, 1, 1, &n_ref, &runners, &noops);
    CHECK(ref && runners == 0 && noops == 0);
    double mx = 0;
    for (long i = 0; ref && i < n_ref; i++) mx = fmax(mx, fabs((double)ref[i]));
    const int nodes = b->expand + 1 + b->project;
    for (size_t l = 0; l < sizeof levels / sizeof levels[0] && ref; l++) {
      if (!enn_kernel_isa_supported(levels[l])) {
        fprintf(stderr, "  skip block %zu at %s: this CPU lacks it\n", bi, enn_isa_name(levels[l]));
        continue;
      }
      float *base = run(g, levels[l], 0, 1, &n, &runners, &noops); /* unfused fast layers */
      CHECK(base && n == n_ref && runners == 0 && noops == 0);
      if (!base) continue;
      int bad = 0;
      for (long i = 0; i < n; i++) bad += !(fabs((double)base[i] - (double)ref[i]) <= 1e-5 * mx + 1e-7);
      CHECK_MSG(bad == 0, "block %zu at %s: unfused fast vs ref: %d elements differ", bi, enn_isa_name(levels[l]),
                bad);
      for (int fusion = 1; fusion <= 2; fusion++)
        for (int threads = 1; threads <= 3; threads++) {
          int64_t pipe0, seq0, pipe1, seq1;
          enn_conv2d_chain_counts(&pipe0, &seq0);
          float *y = run(g, levels[l], fusion, threads, &n, &runners, &noops);
          enn_conv2d_chain_counts(&pipe1, &seq1);
          if (fusion == 2) CHECK(pipe1 == pipe0 && seq1 == seq0 + 2);
          else {
            g_pipelined += pipe1 - pipe0;
            g_sequential += seq1 - seq0;
          }
          if (!y) continue;
          CHECK_MSG(runners == 1 && noops == nodes - 1, "block %zu at %s: %d runners, %d no-ops", bi,
                    enn_isa_name(levels[l]), runners, noops);
          CHECK_MSG(memcmp(y, base, sizeof(float) * (size_t)n) == 0,
                    "block %zu at %s, fusion mode %d, %d threads: differs from the unfused layers", bi,
                    enn_isa_name(levels[l]), fusion, threads);
          free(y);
        }
      free(base);
    }
    free(ref);
    enn_graph_destroy(g);
  }
  /* The memory plan decides which path a block takes; most of these must
   * have taken the pipeline (else it would go untested). */
  fprintf(stderr, "  block runs: %lld pipelined, %lld through the sequential fallback\n", (long long)g_pipelined,
          (long long)g_sequential);
  if (enn_kernel_isa_supported(ENN_ISA_AVX2) || enn_kernel_isa_supported(ENN_ISA_NEON))
    CHECK(g_pipelined > g_sequential);
}

static void test_not_fused(void) {
  long n;
  int runners, noops;
  /* the expand output is also a graph output: the expand runs on its own,
   * the depthwise -> 1x1 half may still be fused */
  const bool simd = enn_kernel_isa_supported(ENN_ISA_AVX2) || enn_kernel_isa_supported(ENN_ISA_NEON);
  enn_graph *g = build(&kBlocks[0], true);
  float *y = run(g, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
  CHECK(y != NULL);
  CHECK_MSG(!simd || (strstr(g_expand_kernel, "gemm") && runners == 1 && noops == 1),
            "expand output is a graph output: expand ran %s, %d runners, %d no-ops", g_expand_kernel, runners, noops);
  long n_ref;
  int r0, n0;
  float *ref = run(g, ENN_ISA_REF, 1, 1, &n_ref, &r0, &n0);
  if (y && ref && n == n_ref) {
    double mx = 0, worst = 0;
    for (long i = 0; i < n; i++) {
      mx = fmax(mx, fabs((double)ref[i]));
      worst = fmax(worst, fabs((double)y[i] - (double)ref[i]));
    }
    CHECK_MSG(worst <= 1e-5 * mx, "partially fused block: max |fast - ref| %g (max |ref| %g)", worst, mx);
  }
  free(ref);
  free(y);
  enn_graph_destroy(g);
  /* weights too big to re-read every row (1x1 layers of 512 x 1024) */
  const blk heavy = {1, 8, 8, 512, 1024, 512, 3, 1, 1, 1, 0, ENN_PAD_EXPLICIT, 0, 0};
  g = build(&heavy, false);
  y = run(g, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
  CHECK(y != NULL && runners == 0 && noops == 0);
  free(y);
  enn_graph_destroy(g);
  /* small intermediates: not worth it */
  const blk small = {1, 9, 9, 16, 64, 16, 3, 1, 1, 1, 0, ENN_PAD_EXPLICIT, 0, 0};
  g = build(&small, false);
  y = run(g, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
  CHECK(y != NULL && runners == 0 && noops == 0);
  free(y);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_blocks);
  ENN_RUN(test_not_fused);
  return enn_test_finish();
}
