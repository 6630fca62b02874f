/*
 * Transpose: hand-computed 2-D and NHWC <-> NCHW cases, random ranks 1..8
 * with random permutations against a naive per-element gather, and bad
 * permutations.
 */
#include "op_harness.h"

static enn_status run_tr(enn_tensor_desc x, const float *xv, const int32_t *perm, const char *name,
                         enn_tensor_desc *yd, float **y) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
  for (int32_t k = 0; k < x.rank; k++) a.perm[k] = perm[k];
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(ENN_OP_TRANSPOSE, name, &a, &in, 1, yd, y, 1, NULL);
}

static void test_hand_computed(void) {
  const float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_tr(oh_desc(2, (int64_t[]){2, 3}), x, (int32_t[]){1, 0}, "t", &yd, &y));
  if (y) {
    const float want[6] = {0, 3, 1, 4, 2, 5};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){3, 2}));
    CHECK_ALLCLOSE(y, want, 6, 0, 0);
    free(y);
  }
  /* NHWC [1,2,2,3] -> NCHW [1,3,2,2] */
  CHECK_OK(run_tr(oh_desc(4, (int64_t[]){1, 2, 2, 3}), x, (int32_t[]){0, 3, 1, 2}, "t", &yd, &y));
  if (y) {
    const float want[12] = {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11};
    CHECK(oh_shape_is(&yd, 4, (int64_t[]){1, 3, 2, 2}));
    CHECK_ALLCLOSE(y, want, 12, 0, 0);
    free(y);
  }
  /* [2,3,2] with perm [2,0,1] -> [2,2,3] */
  CHECK_OK(run_tr(oh_desc(3, (int64_t[]){2, 3, 2}), x, (int32_t[]){2, 0, 1}, "t", &yd, &y));
  if (y) {
    /* y[c,a,b] = x[a,b,c] = x[a*6 + b*2 + c] */
    const float want[12] = {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11};
    CHECK(oh_shape_is(&yd, 3, (int64_t[]){2, 2, 3}));
    CHECK_ALLCLOSE(y, want, 12, 0, 0);
    free(y);
  }
  /* identity permutation and a scalar */
  CHECK_OK(run_tr(oh_desc(3, (int64_t[]){2, 3, 2}), x, (int32_t[]){0, 1, 2}, "t", &yd, &y));
  if (y) {
    CHECK_ALLCLOSE(y, x, 12, 0, 0);
    free(y);
  }
  CHECK_OK(run_tr(oh_desc(0, NULL), x, NULL, "t", &yd, &y));
  if (y) {
    CHECK(yd.rank == 0 && y[0] == 0.0f);
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 4};
  unsigned long long rs = 9001;
  for (int it = 0; it < 200; it++) {
    const int32_t r = 1 + oh_rand(&rs, 8);
    int64_t d[ENN_MAX_RANK];
    const long n = oh_rand_dims(&rs, r, pool, 6, 4000, d);
    int32_t perm[ENN_MAX_RANK];
    for (int32_t k = 0; k < r; k++) perm[k] = k;
    oh_shuffle(&rs, perm, r);
    float *xv = malloc((size_t)n * 4);
    for (long i = 0; i < n; i++) xv[i] = (float)i;
    enn_tensor_desc yd;
    float *y;
    CHECK_OK(run_tr(oh_desc(r, d), xv, perm, "t", &yd, &y));
    if (y) {
      int64_t od[ENN_MAX_RANK], oi[ENN_MAX_RANK], ii[ENN_MAX_RANK];
      for (int32_t k = 0; k < r; k++) od[k] = d[perm[k]];
      CHECK(oh_shape_is(&yd, r, od));
      int bad = 0;
      for (long f = 0; f < n; f++) {
        oh_unravel(f, r, od, oi);
        for (int32_t k = 0; k < r; k++) ii[perm[k]] = oi[k];
        long src = 0;
        for (int32_t k = 0; k < r; k++) src = src * (long)d[k] + (long)ii[k];
        if (y[f] != xv[src]) bad++;
      }
      CHECK_MSG(bad == 0, "iteration %d (rank %d): %d wrong", it, r, bad);
      free(y);
    }
    free(xv);
  }
}

static void test_errors(void) {
  float z[64] = {0};
  enn_tensor_desc yd;
  float *y;
  const enn_tensor_desc x = oh_desc(3, (int64_t[]){2, 3, 4});
  OH_CHECK_FAILS(run_tr(x, z, (int32_t[]){0, 0, 1}, "dup_perm", &yd, &y), ENN_ERR_INVALID_ARG, "dup_perm");
  OH_CHECK_FAILS(run_tr(x, z, (int32_t[]){0, 1, 3}, "range_perm", &yd, &y), ENN_ERR_INVALID_ARG, "range_perm");
  OH_CHECK_FAILS(run_tr(x, z, (int32_t[]){-1, 0, 1}, "neg_perm", &yd, &y), ENN_ERR_INVALID_ARG, "neg_perm");
  enn_tensor_desc i32 = x; /* no i32 form (int8: test_q8_move.c) */
  i32.dtype = ENN_DTYPE_I32;
  OH_CHECK_FAILS(run_tr(i32, z, (int32_t[]){2, 1, 0}, "int_tr", &yd, &y), ENN_ERR_UNSUPPORTED, "int_tr");
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
