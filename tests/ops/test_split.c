/*
 * Split: explicit sizes and equal parts on every axis (negative too),
 * hand-computed values, random shapes against a naive per-element scatter,
 * Concat(Split(x)) == x, and the size errors.
 */
#include "op_harness.h"

static enn_status run_split(enn_tensor_desc x, const float *xv, int32_t axis, int32_t n_out, int32_t n_splits,
                            const int64_t *splits, const char *name, enn_tensor_desc *yd, float **y) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = axis;
  a.n_splits = n_splits;
  for (int32_t i = 0; i < n_splits; i++) a.splits[i] = splits[i];
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(ENN_OP_SPLIT, name, &a, &in, 1, yd, y, n_out, NULL);
}

static void test_hand_computed(void) {
  const float x[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  enn_tensor_desc yd[8];
  float *y[8];
  /* [2,5] on axis 1 into sizes 2, 3 */
  CHECK_OK(run_split(oh_desc(2, (int64_t[]){2, 5}), x, 1, 2, 2, (int64_t[]){2, 3}, "sp", yd, y));
  if (y[0]) {
    const float w0[4] = {0, 1, 5, 6}, w1[6] = {2, 3, 4, 7, 8, 9};
    CHECK(oh_shape_is(&yd[0], 2, (int64_t[]){2, 2}));
    CHECK(oh_shape_is(&yd[1], 2, (int64_t[]){2, 3}));
    CHECK_ALLCLOSE(y[0], w0, 4, 0, 0);
    CHECK_ALLCLOSE(y[1], w1, 6, 0, 0);
    oh_free(y, 2);
  }
  /* equal parts on axis -2 of [2,5] */
  CHECK_OK(run_split(oh_desc(2, (int64_t[]){2, 5}), x, -2, 2, 0, NULL, "sp", yd, y));
  if (y[0]) {
    CHECK(oh_shape_is(&yd[0], 2, (int64_t[]){1, 5}));
    CHECK_ALLCLOSE(y[0], x, 5, 0, 0);
    CHECK_ALLCLOSE(y[1], x + 5, 5, 0, 0);
    oh_free(y, 2);
  }
  /* [10] into 5 equal parts, and into sizes 0, 4, 6 */
  CHECK_OK(run_split(oh_desc(1, (int64_t[]){10}), x, 0, 5, 0, NULL, "sp", yd, y));
  if (y[0]) {
    for (int t = 0; t < 5; t++) CHECK(y[t][0] == (float)(2 * t) && y[t][1] == (float)(2 * t + 1));
    oh_free(y, 5);
  }
  CHECK_OK(run_split(oh_desc(1, (int64_t[]){10}), x, 0, 3, 3, (int64_t[]){0, 4, 6}, "sp", yd, y));
  if (y[0]) {
    CHECK(oh_shape_is(&yd[0], 1, (int64_t[]){0}));
    CHECK_ALLCLOSE(y[1], x, 4, 0, 0);
    CHECK_ALLCLOSE(y[2], x + 4, 6, 0, 0);
    oh_free(y, 3);
  }
  /* one output: a copy */
  CHECK_OK(run_split(oh_desc(1, (int64_t[]){10}), x, 0, 1, 0, NULL, "sp", yd, y));
  if (y[0]) {
    CHECK_ALLCLOSE(y[0], x, 10, 0, 0);
    oh_free(y, 1);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11, 13};
  unsigned long long rs = 2718;
  for (int it = 0; it < 100; it++) {
    const int32_t r = 1 + oh_rand(&rs, 5), axis = oh_rand(&rs, r);
    int64_t d[ENN_MAX_RANK];
    for (int32_t k = 0; k < r; k++) d[k] = pool[oh_rand(&rs, 7)];
    const int equal = it % 2;
    int32_t n;
    int64_t sizes[ENN_MAX_SPLITS], off[ENN_MAX_SPLITS + 1];
    if (equal) {
      n = 1 + oh_rand(&rs, 4);
      d[axis] *= n;
      for (int32_t t = 0; t < n; t++) sizes[t] = d[axis] / n;
    } else {
      n = 1 + oh_rand(&rs, 6);
      d[axis] = 0;
      for (int32_t t = 0; t < n; t++) d[axis] += sizes[t] = oh_rand(&rs, 5);
    }
    off[0] = 0;
    for (int32_t t = 0; t < n; t++) off[t + 1] = off[t] + sizes[t];
    enn_tensor_desc x = oh_desc(r, d);
    const long nx = oh_numel(&x);
    float *xv = malloc((size_t)nx * 4 + 4);
    for (long i = 0; i < nx; i++) xv[i] = (float)i + 0.5f;
    enn_tensor_desc yd[ENN_MAX_SPLITS];
    float *y[ENN_MAX_SPLITS];
    CHECK_OK(run_split(x, xv, oh_rand(&rs, 2) ? axis : axis - r, n, equal ? 0 : n, sizes, "sp", yd, y));
    if (y[0]) {
      int bad = 0;
      int64_t idx[ENN_MAX_RANK];
      for (int32_t t = 0; t < n; t++) {
        int64_t od[ENN_MAX_RANK];
        memcpy(od, d, sizeof od);
        od[axis] = sizes[t];
        CHECK(oh_shape_is(&yd[t], r, od));
        for (long f = 0; f < oh_numel(&yd[t]); f++) {
          oh_unravel(f, r, od, idx);
          idx[axis] += off[t];
          long src = 0;
          for (int32_t k = 0; k < r; k++) src = src * (long)d[k] + (long)idx[k];
          if (y[t][f] != xv[src]) bad++;
        }
      }
      CHECK_MSG(bad == 0, "iteration %d: %d wrong", it, bad);
      oh_free(y, n);
    }
    free(xv);
  }
}

/* Concat(Split(x)) on the same axis is x. */
static void test_roundtrip(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(4, (int64_t[]){2, 3, 5, 7});
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = 2;
  a.n_splits = 3;
  a.splits[0] = 1, a.splits[1] = 3, a.splits[2] = 1;
  int32_t x, parts[3], y;
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SPLIT, "split", &x, 1, &a, 3, parts));
  enn_attrs c;
  enn_attrs_init_op(&c, ENN_OP_CONCAT);
  c.axis = -2;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONCAT, "concat", parts, 3, &c, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s;
  CHECK_OK(oh_session(g, &s));
  if (s) {
    float xv[210];
    enn_t_fill(xv, 210, 9, -1, 1);
    memcpy(enn_session_input_buffer(s, 0), xv, sizeof xv);
    CHECK_OK(enn_session_run(s));
    CHECK(oh_same_bits(enn_session_output_buffer(s, 0), xv, 210));
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

static void test_errors(void) {
  float z[64] = {0};
  enn_tensor_desc yd[4];
  float *y[4];
  const enn_tensor_desc x = oh_desc(2, (int64_t[]){4, 6});
  /* sizes do not sum to the dimension */
  OH_CHECK_FAILS(run_split(x, z, 1, 2, 2, (int64_t[]){2, 3}, "bad_sum", yd, y), ENN_ERR_SHAPE, "bad_sum");
  /* n_splits != number of outputs */
  OH_CHECK_FAILS(run_split(x, z, 1, 3, 2, (int64_t[]){2, 4}, "bad_count", yd, y), ENN_ERR_INVALID_ARG, "bad_count");
  /* a negative size */
  OH_CHECK_FAILS(run_split(x, z, 1, 2, 2, (int64_t[]){-1, 7}, "bad_neg", yd, y), ENN_ERR_INVALID_ARG, "bad_neg");
  /* equal parts that do not divide */
  OH_CHECK_FAILS(run_split(x, z, 1, 4, 0, NULL, "bad_equal", yd, y), ENN_ERR_SHAPE, "bad_equal");
  OH_CHECK_FAILS(run_split(x, z, 2, 2, 0, NULL, "bad_axis", yd, y), ENN_ERR_INVALID_ARG, "bad_axis");
  CHECK_OK(run_split(x, z, 1, 3, 0, NULL, "ok", yd, y));
  oh_free(y, 3);
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_roundtrip);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
