/*
 * Whole-model runs for the kernel tests that compare the fast kernels with
 * the reference ones on entire networks (test_zoo_parity.c, fp32;
 * test_qs8_gemm.c, int8): one session per (kernel level, threads), inputs
 * filled with deterministic random floats, output 0 copied out, and a count
 * of the nodes whose kernel a test-given predicate accepts (the tests check
 * that the fast kernels really ran, or that none did at level ref).
 */
#ifndef ENN_TESTS_KERNELS_MODEL_RUN_H
#define ENN_TESTS_KERNELS_MODEL_RUN_H

#include "kernels/kernels.h"
#include "test.h"

/* Does kernel name k (never NULL) count? */
typedef bool (*mr_kernel_pred)(const char *k);

/* How each input is filled: input i gets enn_t_fill(seed + i, lo, hi). */
typedef struct mr_fill {
  unsigned long long seed;
  float lo, hi;
} mr_fill;

/* Runs g with the kernel level capped at `cap` and `threads` threads
 * (default optimisation). Returns a malloc'd copy of output 0 (f32) and
 * its element count in *numel, and in *counted the number of nodes whose
 * kernel `count` accepts; NULL after a failed check. The cap is lifted
 * afterwards (ENN_ISA_AVX512 = no cap). */
static inline float *mr_run_model(const enn_graph *g, enn_isa cap, int threads, mr_fill fill, mr_kernel_pred count,
                                  long *numel, int *counted) {
  enn_kernel_set_isa_cap(cap);
  enn_session_options o;
  enn_session_options_init(&o);
  o.threads = threads;
  enn_session *s = NULL;
  float *out = NULL;
  enn_status st = enn_session_create(g, &o, &s);
  CHECK_OK(st);
  if (!st) {
    for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
      enn_tensor_desc d;
      CHECK_OK(enn_session_input_desc(s, i, &d, NULL));
      enn_t_fill(enn_session_input_buffer(s, i), (long)enn_tensor_desc_numel(&d), fill.seed + (unsigned)i, fill.lo,
                 fill.hi);
    }
    CHECK_OK(enn_session_run(s));
    enn_tensor_desc od;
    CHECK_OK(enn_session_output_desc(s, 0, &od, NULL));
    *numel = (long)enn_tensor_desc_numel(&od);
    out = malloc(enn_tensor_desc_bytes(&od) + 4);
    memcpy(out, enn_session_output_buffer(s, 0), enn_tensor_desc_bytes(&od));
    *counted = 0;
    for (int32_t i = 0; i < enn_session_num_nodes(s); i++) {
      enn_node_profile p;
      if (enn_session_node_profile(s, i, &p) == ENN_OK && p.kernel && count(p.kernel)) (*counted)++;
    }
  }
  enn_session_destroy(s);
  enn_kernel_set_isa_cap(ENN_ISA_AVX512);
  return out;
}

#endif
