/*
 * ReduceMean: hand-computed means (one axis, all axes, NHWC spatial,
 * negative axes, with and without keepdims), random shapes and axis sets
 * against a double accumulation that scatters each input element into its
 * output, and attribute errors.
 */
#include "op_harness.h"

static enn_status run_rm(enn_tensor_desc x, const float *xv, int32_t n_axes, const int32_t *axes, int32_t keep,
                         const char *name, enn_tensor_desc *yd, float **y) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_REDUCE_MEAN);
  a.n_axes = n_axes;
  for (int32_t i = 0; i < n_axes; i++) a.axes[i] = axes[i];
  a.keepdims = keep;
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(ENN_OP_REDUCE_MEAN, name, &a, &in, 1, yd, y, 1, NULL);
}

static void test_hand_computed(void) {
  const float x[6] = {1, 2, 3, 4, 5, 9};
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_rm(oh_desc(2, (int64_t[]){2, 3}), x, 1, (int32_t[]){1}, 1, "rm", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 1}));
    CHECK(y[0] == 2.0f && y[1] == 6.0f);
    free(y);
  }
  CHECK_OK(run_rm(oh_desc(2, (int64_t[]){2, 3}), x, 1, (int32_t[]){-2}, 0, "rm", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 1, (int64_t[]){3}));
    CHECK(y[0] == 2.5f && y[1] == 3.5f && y[2] == 6.0f);
    free(y);
  }
  CHECK_OK(run_rm(oh_desc(2, (int64_t[]){2, 3}), x, 0, NULL, 1, "rm", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){1, 1}));
    CHECK(y[0] == 4.0f);
    free(y);
  }
  CHECK_OK(run_rm(oh_desc(2, (int64_t[]){2, 3}), x, 0, NULL, 0, "rm", &yd, &y));
  if (y) {
    CHECK(yd.rank == 0 && y[0] == 4.0f);
    free(y);
  }
  /* NHWC [1,2,3,1] spatial mean: axes 1, 2 */
  CHECK_OK(run_rm(oh_desc(4, (int64_t[]){1, 2, 3, 1}), x, 2, (int32_t[]){1, 2}, 1, "rm", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 4, (int64_t[]){1, 1, 1, 1}));
    CHECK(y[0] == 4.0f);
    free(y);
  }
  /* NHWC [1,3,1,2]: per channel over H, W */
  CHECK_OK(run_rm(oh_desc(4, (int64_t[]){1, 3, 1, 2}), x, 2, (int32_t[]){2, 1}, 0, "rm", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){1, 2}));
    CHECK(y[0] == 3.0f && y[1] == 5.0f);
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11, 13, 4};
  unsigned long long rs = 8080;
  for (int it = 0; it < 200; it++) {
    const int32_t r = 1 + oh_rand(&rs, 6);
    int64_t d[ENN_MAX_RANK];
    const long n = oh_rand_dims(&rs, r, pool, 8, 6000, d);
    bool red[ENN_MAX_RANK] = {false};
    int32_t axes[ENN_MAX_RANK], na = 0;
    for (int32_t k = 0; k < r; k++)
      if (oh_rand(&rs, 2)) {
        red[k] = true;
        axes[na++] = oh_rand(&rs, 2) ? k : k - r;
      }
    if (na == 0)
      for (int32_t k = 0; k < r; k++) red[k] = true;
    oh_shuffle(&rs, axes, na); /* the order of the axis list does not matter */
    const int32_t keep = oh_rand(&rs, 2);
    float *xv = malloc((size_t)n * 4);
    enn_t_fill(xv, n, (unsigned long long)it + 1, -4, 6);
    enn_tensor_desc yd;
    float *y;
    CHECK_OK(run_rm(oh_desc(r, d), xv, na, axes, keep, "rm", &yd, &y));
    if (y) {
      /* expected shape, and the output's dims with reduced axes set to 1 */
      int64_t od[ENN_MAX_RANK], kd[ENN_MAX_RANK];
      int32_t orank = 0;
      long count = 1, nout = 1;
      for (int32_t k = 0; k < r; k++) {
        kd[k] = red[k] ? 1 : d[k];
        if (red[k]) count *= (long)d[k];
        else nout *= (long)d[k];
        if (!red[k] || keep) od[orank++] = kd[k];
      }
      CHECK(oh_shape_is(&yd, orank, od));
      double *acc = calloc((size_t)nout, sizeof(double));
      int64_t idx[ENN_MAX_RANK];
      for (long f = 0; f < n; f++) {
        oh_unravel(f, r, d, idx);
        long o = 0;
        for (int32_t k = 0; k < r; k++) o = o * (long)kd[k] + (red[k] ? 0 : (long)idx[k]);
        acc[o] += (double)xv[f];
      }
      int bad = 0;
      for (long o = 0; o < nout; o++) {
        const double want = acc[o] / (double)count;
        if (!(fabs((double)y[o] - want) <= 1e-5 * fabs(want) + 2e-6)) bad++;
      }
      CHECK_MSG(bad == 0, "iteration %d: %d wrong", it, bad);
      free(acc);
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
  OH_CHECK_FAILS(run_rm(x, z, 1, (int32_t[]){3}, 1, "bad_axis", &yd, &y), ENN_ERR_INVALID_ARG, "bad_axis");
  OH_CHECK_FAILS(run_rm(x, z, 1, (int32_t[]){-4}, 1, "bad_neg", &yd, &y), ENN_ERR_INVALID_ARG, "bad_neg");
  OH_CHECK_FAILS(run_rm(x, z, 2, (int32_t[]){1, -2}, 1, "dup_axis", &yd, &y), ENN_ERR_INVALID_ARG, "dup_axis");
  OH_CHECK_FAILS(run_rm(x, z, 4, (int32_t[]){0, 1, 2, 0}, 1, "too_many", &yd, &y), ENN_ERR_INVALID_ARG, "too_many");
  enn_tensor_desc u8 = x; /* int8 has its own path (test_q8_pool.c); uint8 is refused */
  u8.dtype = ENN_DTYPE_U8;
  OH_CHECK_FAILS(run_rm(u8, z, 0, NULL, 1, "int_rm", &yd, &y), ENN_ERR_UNSUPPORTED, "int_rm");
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
