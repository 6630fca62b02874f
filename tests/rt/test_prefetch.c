/*
 * Weight prefetch streams (base/prefetch.h): the claim rule, the session's
 * plan (with ENN_PREFETCH=r a batch-1 classifier with >= 256 KiB of
 * weights gets a stream over the nodes before it; unset or 0 plans none)
 * and that a stream changes no output bit at 1 and 2 threads.
 */
#include <stdlib.h>

#include "base/cpu.h"
#include "base/prefetch.h"
#include "rt/rt.h"
#include "test.h"

static void test_claim_rule(void) {
  static _Alignas(64) char region[64 * 100];
  enn_pf_stream s = {region, 100, 0.5f / 256, 0}; /* half a line per 256 MACs (exact in binary) */
  CHECK(enn_pf_claim(10, 2560) == NULL); /* no stream */
  atomic_store(&enn_pf_any, 1); /* as a session that plans a stream does */
  enn_pf_current = &s;
  enn_pf_budget = 0;
  CHECK(enn_pf_claim(10, 2560) == NULL); /* budget 5 < 10 */
  CHECK(enn_pf_claim(10, 2560) == region); /* budget 10: lines 0..9 */
  CHECK(enn_pf_claim(10, 2560) == NULL);
  CHECK(enn_pf_claim(10, 5120) == region + 640); /* budget 5 + 10 */
  CHECK(enn_pf_claim(10, 1280) == NULL); /* 5 + 2.5 */
  CHECK(enn_pf_claim(10, 1280) == region + 1280); /* 7.5 + 2.5 */
  CHECK_MSG(atomic_load(&s.next) == 30, "next %lld", (long long)atomic_load(&s.next));
  s.rate = 1.0f / 256;
  for (int i = 0; i < 7; i++) CHECK(enn_pf_claim(10, 2560) == region + 64 * (30 + 10 * i));
  CHECK(enn_pf_claim(10, 2560) == NULL); /* exhausted */
  CHECK(enn_pf_claim(1, 256) == NULL);
  enn_pf_current = NULL;
}

/* x[1, 12, 12, 64] -> conv 1x1 to 256 (relu) -> global average pool ->
 * reshape [1, 256] -> FC to 1000 (1 MB of weights, 256k MACs). */
static enn_graph *build_classifier(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  if (!g) return NULL;
  int64_t xd[4] = {1, 12, 12, 64};
  enn_tensor_desc x;
  enn_tensor_desc_init(&x, ENN_DTYPE_F32, 4, xd);
  int32_t in[3], t1, t2, t3, y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &in[0]));
  const int64_t w1[4] = {256, 1, 1, 64}, b1[1] = {256}, wf[2] = {1000, 256}, bf[1] = {1000};
  in[1] = enn_t_add_const(g, "w1", 4, w1, 1);
  in[2] = enn_t_add_const(g, "b1", 1, b1, 2);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.act = ENN_ACT_RELU;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv", in, 3, &a, 1, &t1));
  enn_attrs_init_op(&a, ENN_OP_GLOBAL_AVG_POOL);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "pool", &t1, 1, &a, 1, &t2));
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 1;
  a.shape[1] = 256;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &t2, 1, &a, 1, &t3));
  in[0] = t3;
  in[1] = enn_t_add_const(g, "wf", 2, wf, 3);
  in[2] = enn_t_add_const(g, "bf", 1, bf, 4);
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "classifier", in, 3, &a, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  return g;
}

/* Runs g at `threads` with ENN_PREFETCH set to env (NULL: unset) into
 * out[1000]; returns the planned stream count, *claimed = claimed lines. */
static int32_t run_with(const enn_graph *g, int32_t threads, const char *env, float *out, int64_t *lines,
                        int64_t *claimed) {
  if (env) setenv("ENN_PREFETCH", env, 1);
  else unsetenv("ENN_PREFETCH");
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, &o, &s));
  unsetenv("ENN_PREFETCH");
  if (!s) return -1;
  float *in = enn_session_input_buffer(s, 0);
  enn_t_fill(in, 12 * 12 * 64, 7, -1, 1);
  int32_t n = -1;
  for (int r = 0; r < 3; r++) { /* the stream restarts every run */
    CHECK_OK(enn_session_run(s));
    n = enn_session_prefetch_streams(s, lines, claimed);
  }
  memcpy(out, enn_session_output_buffer(s, 0), 1000 * sizeof(float));
  enn_session_destroy(s);
  return n;
}

static void test_session_streams(void) {
  enn_graph *g = build_classifier();
  if (!g) return;
  static float ref[1000], got[1000];
  int64_t lines = 0, claimed = 0;
  CHECK(run_with(g, 1, "0", ref, &lines, &claimed) == 0);
  CHECK(lines == 0 && claimed == 0);
  CHECK(run_with(g, 1, NULL, got, &lines, &claimed) == 0); /* opt-in */
  CHECK(memcmp(ref, got, sizeof ref) == 0);
  /* Streams are planned for packed weights (any fast level; the reference
   * kernels read the constants as they are); the x86 GEMMs claim lines,
   * other kernels ignore the stream. */
  enn_isa isa;
  CHECK_OK(enn_cpu_isa(&isa));
  const int32_t want = isa == ENN_ISA_REF ? 0 : 1;
  const bool x86 = isa == ENN_ISA_AVX2 || isa == ENN_ISA_AVX512 || isa == ENN_ISA_AVX512VNNI;
  for (int32_t t = 1; t <= 2; t++) {
    CHECK(run_with(g, t, "1", got, &lines, &claimed) == want);
    CHECK_MSG(memcmp(ref, got, sizeof ref) == 0, "threads %d: outputs differ with the prefetch stream", t);
    if (want) CHECK_MSG(lines >= 1000 * 256 * 4 / 64, "threads %d: %lld lines planned", t, (long long)lines);
    if (x86)
      CHECK_MSG(claimed > 0 && claimed <= lines, "threads %d: %lld of %lld lines claimed", t, (long long)claimed,
                (long long)lines);
    CHECK(run_with(g, t, "0.25", got, &lines, &claimed) == want);
    CHECK(memcmp(ref, got, sizeof ref) == 0);
  }
  /* a bad value is an error naming the variable */
  enn_session *s = NULL;
  setenv("ENN_PREFETCH", "junk", 1);
  CHECK_STATUS(enn_session_create(g, NULL, &s), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "ENN_PREFETCH") != NULL);
  setenv("ENN_PREFETCH", "1.5", 1);
  CHECK_STATUS(enn_session_create(g, NULL, &s), ENN_ERR_INVALID_ARG);
  unsetenv("ENN_PREFETCH");
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_claim_rule);
  ENN_RUN(test_session_streams);
  return enn_test_finish();
}
