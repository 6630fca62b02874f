/*
 * Concat: hand-computed joins on every axis (negative too), one input, many
 * inputs, zero-sized pieces; random shapes against a naive per-element
 * gather; error cases.
 */
#include "op_harness.h"

static enn_status run_concat(int32_t n, const enn_tensor_desc *in, const float *const *data, int32_t axis,
                             uint32_t cmask, const char *name, enn_tensor_desc *yd, float **y) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = axis;
  oh_in ins[ENN_MAX_SPLITS];
  for (int32_t i = 0; i < n; i++) ins[i] = oh_input(in[i], data[i], i < 32 && (cmask >> i & 1u));
  return oh_run_n(ENN_OP_CONCAT, name, &a, ins, n, yd, y, 1, NULL);
}

static void test_hand_computed(void) {
  const float a[4] = {1, 2, 3, 4}, b[2] = {5, 6}, c[6] = {7, 8, 9, 10, 11, 12};
  enn_tensor_desc yd;
  float *y;
  /* [2,2] ++ [2,1] on axis 1 (and -1) */
  const enn_tensor_desc in1[2] = {oh_desc(2, (int64_t[]){2, 2}), oh_desc(2, (int64_t[]){2, 1})};
  const float *d1[2] = {a, b};
  for (int32_t ax = -1; ax <= 1; ax += 2) {
    CHECK_OK(run_concat(2, in1, d1, ax, 0, "cat", &yd, &y));
    if (!y) continue;
    const float want[6] = {1, 2, 5, 3, 4, 6};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 3}));
    CHECK_ALLCLOSE(y, want, 6, 0, 0);
    free(y);
  }
  /* [2,2] ++ [1,2] ++ [3,2] on axis 0 (-2), one of them a constant */
  const enn_tensor_desc in2[3] = {oh_desc(2, (int64_t[]){2, 2}), oh_desc(2, (int64_t[]){1, 2}),
                                  oh_desc(2, (int64_t[]){3, 2})};
  const float *d2[3] = {a, b, c};
  CHECK_OK(run_concat(3, in2, d2, -2, 2u, "cat", &yd, &y));
  if (y) {
    const float want[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){6, 2}));
    CHECK_ALLCLOSE(y, want, 12, 0, 0);
    free(y);
  }
  /* NHWC channel concat [1,2,1,1] ++ [1,2,1,2] -> [1,2,1,3] */
  const enn_tensor_desc in3[2] = {oh_desc(4, (int64_t[]){1, 2, 1, 1}), oh_desc(4, (int64_t[]){1, 2, 1, 2})};
  const float *d3[2] = {b, a};
  CHECK_OK(run_concat(2, in3, d3, 3, 0, "cat", &yd, &y));
  if (y) {
    const float want[6] = {5, 1, 2, 6, 3, 4};
    CHECK_ALLCLOSE(y, want, 6, 0, 0);
    free(y);
  }
  /* a single input is a copy */
  CHECK_OK(run_concat(1, &in2[2], &d2[2], 1, 0, "cat", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){3, 2}));
    CHECK_ALLCLOSE(y, c, 6, 0, 0);
    free(y);
  }
  /* the same tensor twice, and a zero-sized piece */
  const enn_tensor_desc in4[3] = {oh_desc(2, (int64_t[]){2, 1}), oh_desc(2, (int64_t[]){2, 0}),
                                  oh_desc(2, (int64_t[]){2, 1})};
  const float *d4[3] = {b, NULL, b};
  CHECK_OK(run_concat(3, in4, d4, 1, 0, "cat", &yd, &y));
  if (y) {
    const float want[4] = {5, 5, 6, 6};
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){2, 2}));
    CHECK_ALLCLOSE(y, want, 4, 0, 0);
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11};
  unsigned long long rs = 31337;
  for (int it = 0; it < 100; it++) {
    const int32_t r = 1 + oh_rand(&rs, 5), axis = oh_rand(&rs, r), n = 1 + oh_rand(&rs, it % 10 == 0 ? 40 : 6);
    int64_t base[ENN_MAX_RANK];
    for (int32_t k = 0; k < r; k++) base[k] = pool[oh_rand(&rs, 6)];
    enn_tensor_desc in[64];
    float *vals[64];
    int64_t off[65];
    off[0] = 0;
    for (int32_t t = 0; t < n; t++) {
      int64_t d[ENN_MAX_RANK];
      memcpy(d, base, sizeof d);
      d[axis] = oh_rand(&rs, 4);
      in[t] = oh_desc(r, d);
      off[t + 1] = off[t] + d[axis];
      vals[t] = malloc((size_t)oh_numel(&in[t]) * 4 + 4);
      for (long i = 0; i < oh_numel(&in[t]); i++) vals[t][i] = (float)(t * 10000 + i);
    }
    enn_tensor_desc yd;
    float *y;
    const int32_t ax_attr = oh_rand(&rs, 2) ? axis : axis - r;
    CHECK_OK(run_concat(n, in, (const float *const *)vals, ax_attr, (uint32_t)rs & 0x5u, "cat", &yd, &y));
    if (y) {
      int64_t od[ENN_MAX_RANK];
      memcpy(od, base, sizeof od);
      od[axis] = off[n];
      CHECK(oh_shape_is(&yd, r, od));
      int64_t idx[ENN_MAX_RANK];
      int bad = 0;
      for (long f = 0; f < oh_numel(&yd); f++) {
        oh_unravel(f, r, od, idx);
        int32_t t = 0;
        while (idx[axis] >= off[t + 1]) t++;
        idx[axis] -= off[t];
        long src = 0;
        for (int32_t k = 0; k < r; k++) src = src * (long)in[t].dims[k] + (long)idx[k];
        if (y[f] != vals[t][src]) bad++;
      }
      CHECK_MSG(bad == 0, "iteration %d: %d wrong", it, bad);
      free(y);
    }
    for (int32_t t = 0; t < n; t++) free(vals[t]);
  }
}

static void test_errors(void) {
  float z[64] = {0};
  const float *d[3] = {z, z, z};
  enn_tensor_desc yd;
  float *y;
  const enn_tensor_desc mism[2] = {oh_desc(3, (int64_t[]){2, 3, 4}), oh_desc(3, (int64_t[]){2, 5, 4})};
  OH_CHECK_FAILS(run_concat(2, mism, d, 2, 0, "bad_cat", &yd, &y), ENN_ERR_SHAPE, "bad_cat");
  CHECK_OK(run_concat(2, mism, d, 1, 0, "good_cat", &yd, &y));
  free(y);
  const enn_tensor_desc ranks[2] = {oh_desc(2, (int64_t[]){2, 3}), oh_desc(3, (int64_t[]){2, 3, 1})};
  OH_CHECK_FAILS(run_concat(2, ranks, d, 0, 0, "rank_cat", &yd, &y), ENN_ERR_SHAPE, "rank_cat");
  OH_CHECK_FAILS(run_concat(2, mism, d, 3, 0, "axis_cat", &yd, &y), ENN_ERR_INVALID_ARG, "axis_cat");
  OH_CHECK_FAILS(run_concat(2, mism, d, -4, 0, "axis_cat2", &yd, &y), ENN_ERR_INVALID_ARG, "axis_cat2");
  enn_tensor_desc i8[2] = {oh_desc(1, (int64_t[]){3}), oh_desc(1, (int64_t[]){3})};
  i8[1].dtype = ENN_DTYPE_I8;
  OH_CHECK_FAILS(run_concat(2, i8, d, 0, 0, "int_cat", &yd, &y), ENN_ERR_UNSUPPORTED, "int_cat");
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
