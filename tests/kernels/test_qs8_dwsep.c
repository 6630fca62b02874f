/*
 * Fused int8 depthwise-separable blocks (src/ops/conv2d_q8_chain.c).
 *
 * Float graphs of 1x1 -> depthwise -> 1x1 (with and without the residual
 * Add), depthwise -> 1x1 and 1x1 -> depthwise (3x3 and 5x5, stride 1 and
 * 2, odd widths, batch 1 and 2), and the zoo's MobileNetV2 (96x96) and
 * EfficientNet-Lite0 (160x160), quantised to int8 (per-channel and
 * per-tensor weights) as `edgenn bench --dtype int8` does. For every SIMD
 * level the CPU has (others skipped with a message):
 *   - a block's last node runs an enn_qs8_dwsep_* runner, the others are
 *     "fused" no-ops;
 *   - the fused pipeline, its forced sequential fallback (the path taken
 *     when the planner lets the block's input share bytes with its output
 *     or scratch) and the unfused int8 fast layers (fusion off) give
 *     bit-identical outputs with 1, 2 and 3 threads, and the unfused fast
 *     layers give the bytes of the reference kernels (level ref);
 *   - the run counters show which path ran.
 * And blocks are not fused when an intermediate is a graph output or the
 * intermediates are small.
 */
#include "edgenn/quantize.h"
#include "kernels/kernels.h"
#include "ops/fast_path.h"
#include "test.h"
#include "dwsep_graph.h"


static const blk kBlocks[] = {
    {1, 40, 40, 16, 96, 24, 3, 2, 1, 1, 0, ENN_PAD_EXPLICIT, 0, 0},
    {1, 37, 29, 24, 136, 24, 3, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, 0},
    {2, 23, 31, 8, 120, 17, 5, 2, 1, 1, 0, ENN_PAD_SAME_UPPER, 0, 0},
    {1, 30, 30, 40, 160, 40, 5, 1, 1, 1, 1, ENN_PAD_EXPLICIT, 0, 0},
    {1, 64, 47, 48, 48, 16, 3, 1, 0, 1, 0, ENN_PAD_EXPLICIT, 0, 0},   /* depthwise -> 1x1 */
    {1, 33, 35, 16, 128, 0, 3, 2, 1, 0, 0, ENN_PAD_SAME_UPPER, 0, 0}, /* 1x1 -> depthwise */
};

static enn_graph *build(const blk *b, bool extra_use) { return dwsep_build(b, ENN_ACT_RELU6, extra_use); }

/* Calibration sample i: uniform [-1, 1) floats per input. */
static enn_status calib_fill(void *ctx, int32_t i, void *const *inputs) {
  const enn_graph *g = ctx;
  for (int32_t k = 0; k < enn_graph_num_inputs(g); k++) {
    enn_tensor_desc d;
    enn_status st = enn_graph_tensor(g, enn_graph_input(g, k), NULL, &d, NULL);
    if (st) return st;
    enn_t_fill(inputs[k], (long)enn_tensor_desc_numel(&d), 500u + 31u * (unsigned)i + (unsigned)k, -1.0f, 1.0f);
  }
  return ENN_OK;
}

static enn_graph *quantize(enn_graph *g, int per_channel) {
  enn_quantize_options o;
  enn_quantize_options_init(&o);
  o.per_channel = per_channel;
  enn_graph *q = NULL;
  CHECK_OK(enn_quantize_graph(g, &o, 2, calib_fill, g, &q));
  return q;
}

/* Runs q; returns output 0's bytes (malloc) and how many int8 dwsep
 * runners / fused no-ops ran. */
static unsigned char *run(const enn_graph *q, enn_isa cap, int fusion, int threads, size_t *bytes, int *runners,
                          int *noops) {
  enn_kernel_set_isa_cap(cap);
  enn_qs8_conv2d_set_fusion(fusion);
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  enn_session *s = NULL;
  unsigned char *out = NULL;
  CHECK_OK(enn_session_create(q, &o, &s));
  if (s) {
    for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
      enn_tensor_desc d;
      CHECK_OK(enn_session_input_desc(s, i, &d, NULL));
      enn_t_fill(enn_session_input_buffer(s, i), (long)enn_tensor_desc_numel(&d), 77u + (unsigned)i, -1.5f, 1.5f);
    }
    CHECK_OK(enn_session_run(s));
    CHECK_OK(enn_session_run(s)); /* twice: ring tags start over each run */
    enn_tensor_desc d;
    CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
    *bytes = enn_tensor_desc_bytes(&d);
    out = malloc(*bytes);
    memcpy(out, enn_session_output_buffer(s, 0), *bytes);
    *runners = *noops = 0;
    for (int32_t i = 0; i < enn_session_num_nodes(s); i++) {
      enn_node_profile p;
      CHECK_OK(enn_session_node_profile(s, i, &p));
      if (p.kernel && strstr(p.kernel, "enn_qs8_dwsep_")) (*runners)++;
      if (p.kernel && !strcmp(p.kernel, "fused")) (*noops)++;
    }
  }
  enn_session_destroy(s);
  enn_qs8_conv2d_set_fusion(1);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return out;
}

static int64_t g_pipelined, g_sequential; /* block runs in fusion mode 1 */

/* The checks of the header on graph q; expect_runners: exact count, or -1
 * for "at least one". */
static void check_graph(const char *what, const enn_graph *q, int expect_runners, int expect_noops) {
#if defined(__aarch64__)
  const enn_isa levels[] = {ENN_ISA_NEON};
#else
  const enn_isa levels[] = {ENN_ISA_AVX2, ENN_ISA_AVX512};
#endif
  size_t nref = 0, n = 0;
  int runners = 0, noops = 0;
  unsigned char *ref = run(q, ENN_ISA_REF, 1, 1, &nref, &runners, &noops);
  CHECK(ref && runners == 0 && noops == 0);
  for (size_t l = 0; l < sizeof levels / sizeof levels[0] && ref; l++) {
    if (!enn_kernel_isa_supported(levels[l])) {
      fprintf(stderr, "  skip %s at %s: this CPU lacks it\n", what, enn_isa_name(levels[l]));
      continue;
    }
    unsigned char *base = run(q, levels[l], 0, 1, &n, &runners, &noops);
    CHECK(base && n == nref && runners == 0 && noops == 0);
    if (!base) continue;
    CHECK_MSG(memcmp(base, ref, n) == 0, "%s at %s: unfused fast layers differ from the reference", what,
              enn_isa_name(levels[l]));
    for (int fusion = 1; fusion <= 2; fusion++)
      for (int threads = 1; threads <= 3; threads++) {
        int64_t pipe0, seq0, pipe1, seq1;
        enn_qs8_conv2d_chain_counts(&pipe0, &seq0);
        unsigned char *y = run(q, levels[l], fusion, threads, &n, &runners, &noops);
        enn_qs8_conv2d_chain_counts(&pipe1, &seq1);
        if (!y) continue;
        if (fusion == 2) CHECK(pipe1 == pipe0 && seq1 - seq0 == 2 * runners);
        else {
          g_pipelined += pipe1 - pipe0;
          g_sequential += seq1 - seq0;
        }
        if (expect_runners >= 0)
          CHECK_MSG(runners == expect_runners && noops == expect_noops, "%s at %s: %d runners, %d no-ops", what,
                    enn_isa_name(levels[l]), runners, noops);
        else
          CHECK_MSG(runners > 0 && noops >= runners, "%s at %s: %d runners, %d no-ops", what,
                    enn_isa_name(levels[l]), runners, noops);
        CHECK_MSG(n == nref && memcmp(y, base, n) == 0,
                  "%s at %s, fusion mode %d, %d threads: differs from the unfused layers", what,
                  enn_isa_name(levels[l]), fusion, threads);
        if (fusion == 1 && threads == 1 && l + 1 == sizeof levels / sizeof levels[0])
          fprintf(stderr, "  %-28s identical: %d fused blocks, %d no-op nodes\n", what, runners, noops);
        free(y);
      }
    free(base);
  }
  free(ref);
}

static void test_blocks(void) {
  for (size_t bi = 0; bi < sizeof kBlocks / sizeof kBlocks[0]; bi++)
    for (int pc = 1; pc >= 0; pc--) {
      const blk *b = &kBlocks[bi];
      enn_graph *g = build(b, false);
      enn_graph *q = quantize(g, pc);
      enn_graph_destroy(g);
      if (!q) continue;
      char what[64];
      snprintf(what, sizeof what, "block %zu (%s weights)", bi, pc ? "per-channel" : "per-tensor");
      check_graph(what, q, 1, b->expand + b->project);
      enn_graph_destroy(q);
    }
}

static void test_models(void) {
  /* EfficientNet-Lite0 at 160: its 5x5 blocks' intermediates pass the size rule */
  const char *names[] = {"mobilenet_v2", "efficientnet_lite0"};
  const int32_t res[] = {96, 160};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    enn_zoo_options zo;
    enn_zoo_options_init(&zo);
    zo.resolution = res[i];
    enn_graph *g = NULL;
    CHECK_OK(enn_zoo_build(names[i], &zo, NULL, &g));
    if (!g) continue;
    enn_graph *q = quantize(g, 1);
    enn_graph_destroy(g);
    if (!q) continue;
    check_graph(names[i], q, -1, 0);
    enn_graph_destroy(q);
  }
  /* Which path the memory plan leaves a block is the planner's choice;
   * both must have been exercised by mode 1 or 2 (mode 2 always runs the
   * fallback), and most mode-1 runs must have taken the pipeline. */
  fprintf(stderr, "  fusion-mode-1 block runs: %lld pipelined, %lld through the sequential fallback\n",
          (long long)g_pipelined, (long long)g_sequential);
  if (enn_kernel_isa_supported(ENN_ISA_AVX2) || enn_kernel_isa_supported(ENN_ISA_NEON))
    CHECK(g_pipelined > g_sequential);
}

static void test_not_fused(void) {
  const bool simd = enn_kernel_isa_supported(ENN_ISA_AVX2) || enn_kernel_isa_supported(ENN_ISA_NEON);
  size_t n;
  int runners, noops;
  /* the expand output is also a graph output: only depthwise -> 1x1 fuses */
  enn_graph *g = build(&kBlocks[1], true); /* stride 1: a depthwise output of 146 KiB */
  enn_graph *q = quantize(g, 1);
  enn_graph_destroy(g);
  if (q) {
    unsigned char *y = run(q, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
    CHECK_MSG(!simd || (runners == 1 && noops == 1), "expand output is a graph output: %d runners, %d no-ops",
              runners, noops);
    size_t nref;
    int r0, n0;
    unsigned char *ref = run(q, ENN_ISA_REF, 1, 1, &nref, &r0, &n0);
    CHECK(y && ref && n == nref && memcmp(y, ref, n) == 0);
    free(y);
    free(ref);
    enn_graph_destroy(q);
  }
  /* small intermediates (9x9x64 bytes; and 20x20x96, conv2d_q8_chain.c's
   * size rule): not worth it */
  const blk small = {1, 9, 9, 16, 64, 16, 3, 1, 1, 1, 0, ENN_PAD_EXPLICIT, 0, 0};
  g = build(&small, false);
  q = quantize(g, 1);
  enn_graph_destroy(g);
  if (q) {
    unsigned char *y = run(q, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
    CHECK(y != NULL && runners == 0 && noops == 0);
    free(y);
    enn_graph_destroy(q);
  }
  /* kBlocks[0] without its expand: depthwise (stride 2, output 20x20x96 =
   * 37.5 KiB) -> 1x1 stays unfused */
  blk half = kBlocks[0];
  half.expand = 0;
  half.cin = half.chid;
  g = build(&half, false);
  q = quantize(g, 1);
  enn_graph_destroy(g);
  if (q) {
    unsigned char *y = run(q, ENN_ISA_AVX512, 1, 1, &n, &runners, &noops);
    CHECK(y != NULL && runners == 0 && noops == 0);
    free(y);
    enn_graph_destroy(q);
  }
}

int main(void) {
  ENN_RUN(test_blocks);
  ENN_RUN(test_models);
  ENN_RUN(test_not_fused);
  return enn_test_finish();
}
