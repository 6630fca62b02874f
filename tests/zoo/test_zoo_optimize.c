/*
 * Whole-model checks over every zoo architecture (reduced resolution so the
 * reference kernels stay quick):
 *  - the optimised session (BN folding, activation fusion, constant folding,
 *    identity removal) computes the same outputs as the unoptimised one;
 *  - the optimised plan has fewer nodes and a smaller or equal arena;
 *  - a .enn round trip (save_buffer -> load_buffer) runs to bit-identical
 *    outputs.
 */
#include "test.h"
#include "zoo_check.h"

typedef struct {
  const char *spec;
} zcase;

static const zcase cases[] = {
    {"zoo:lenet5"},
    {"zoo:resnet8"},
    {"zoo:ds_cnn"},
    {"zoo:resnet18,res=64,classes=10"},
    {"zoo:mobilenet_v1,width=0.25,res=64,classes=10"},
    {"zoo:mobilenet_v2,width=0.35,res=64,classes=10"},
    {"zoo:mobilenet_v3_small,res=64,classes=10"},
    {"zoo:mobilenet_v3_large,width=0.5,res=64,classes=10"},
    {"zoo:efficientnet_lite0,res=64,classes=10"},
    {"zoo:squeezenet1_1,res=64,classes=10"},
    {"zoo:shufflenet_v2_x0_5,res=64,classes=10"},
    {"zoo:shufflenet_v2_x1_0,res=64,classes=10"},
};

static float *run_once(const enn_graph *g, int optimize, long *n_out, enn_session_stats *stats) {
  enn_session *s;
  enn_status st = zoo_session(g, optimize, &s);
  CHECK_OK(st);
  if (st) return NULL;
  enn_tensor_desc d;
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  enn_t_fill(enn_session_input_buffer(s, 0), (long)enn_tensor_desc_numel(&d), 11, -1.0f, 1.0f);
  CHECK_OK(enn_session_run(s));
  CHECK_OK(enn_session_output_desc(s, 0, &d, NULL));
  *n_out = (long)enn_tensor_desc_numel(&d);
  float *out = malloc((size_t)*n_out * sizeof(float));
  memcpy(out, enn_session_output_buffer(s, 0), (size_t)*n_out * sizeof(float));
  if (stats) CHECK_OK(enn_session_stats_get(s, stats));
  enn_session_destroy(s);
  return out;
}

static void check_case(const char *spec) {
  enn_graph *g = NULL;
  enn_status st = enn_zoo_build_spec(spec, NULL, &g);
  CHECK_OK(st);
  if (st) return;
  long n0 = 0, n1 = 0, n2 = 0;
  enn_session_stats s0, s1;
  float *ref = run_once(g, 0, &n0, &s0);
  float *opt = run_once(g, 1, &n1, &s1);
  if (ref && opt) {
    CHECK(n0 == n1);
    double maxref = 0;
    for (long i = 0; i < n0; i++) {
      CHECK_MSG(isfinite(ref[i]), "%s: non-finite output %ld", spec, i);
      if (fabs(ref[i]) > maxref) maxref = fabs(ref[i]);
    }
    CHECK_MSG(maxref > 0, "%s: all-zero output", spec);
    CHECK_MSG(enn_t_allclose(opt, ref, n0, 1e-4 * maxref, 1e-4), "%s: optimised output differs", spec);
    CHECK_MSG(s1.nodes < s0.nodes, "%s: optimisation removed no node (%d -> %d)", spec, s0.nodes, s1.nodes);
    CHECK_MSG(s1.peak_arena_bytes <= s0.peak_arena_bytes, "%s: arena grew %lld -> %lld", spec,
              (long long)s0.peak_arena_bytes, (long long)s1.peak_arena_bytes);
    fprintf(stderr, "  %-52s nodes %3d -> %3d  arena %8lld -> %8lld B\n", spec, s0.nodes, s1.nodes,
            (long long)s0.peak_arena_bytes, (long long)s1.peak_arena_bytes);
  }
  /* .enn round trip: identical outputs, bit for bit */
  void *buf = NULL;
  size_t size = 0;
  st = enn_model_save_buffer(g, NULL, &buf, &size);
  CHECK_OK(st);
  if (!st) {
    enn_graph *g2 = NULL;
    st = enn_model_load_buffer(buf, size, NULL, &g2);
    CHECK_OK(st);
    if (!st) {
      float *rt = run_once(g2, 1, &n2, NULL);
      if (rt && opt) CHECK_MSG(n2 == n1 && memcmp(rt, opt, (size_t)n1 * sizeof(float)) == 0, "%s: .enn round trip differs", spec);
      free(rt);
      enn_graph_destroy(g2);
    }
    free(buf);
  }
  free(ref);
  free(opt);
  enn_graph_destroy(g);
}

static void test_zoo_optimize_and_roundtrip(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(cases[i].spec);
}

static void test_every_arch_listed(void) {
  /* every registered architecture is covered above */
  for (int32_t i = 0; i < enn_zoo_count(); i++) {
    int found = 0;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
      const char *sp = cases[k].spec + 4;
      size_t len = strlen(enn_zoo_name(i));
      if (strncmp(sp, enn_zoo_name(i), len) == 0 && (sp[len] == '\0' || sp[len] == ',')) found = 1;
    }
    CHECK_MSG(found, "zoo architecture %s has no whole-model test", enn_zoo_name(i));
  }
}

int main(void) {
  ENN_RUN(test_every_arch_listed);
  ENN_RUN(test_zoo_optimize_and_roundtrip);
  return enn_test_finish();
}
