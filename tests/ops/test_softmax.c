/*
 * Softmax / LogSoftmax: hand-computed values, numerical stability on large
 * inputs, random shapes and axes against a per-element double computation,
 * in-place kernel calls and an in-place node in a session, errors.
 */
#include "kernels/ref/softmax_ref.h"
#include "op_harness.h"

static enn_status run_sm(enn_op op, enn_tensor_desc x, const float *xv, const enn_attrs *a, const char *name,
                         enn_tensor_desc *yd, float **y) {
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(op, name, a, &in, 1, yd, y, 1, NULL);
}

static enn_attrs axis_attrs(enn_op op, int32_t axis) {
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.axis = axis;
  return a;
}

static void test_hand_computed(void) {
  const float x[3] = {1, 2, 3}, big[3] = {1000, 1001, 1002}, neg[3] = {-1002, -1001, -1000};
  const float sm[3] = {0.0900305732f, 0.244728471f, 0.665240955f};
  const float lsm[3] = {-2.40760596f, -1.40760596f, -0.407605964f};
  const float *inputs[3] = {x, big, neg};
  enn_tensor_desc yd;
  float *y;
  for (int i = 0; i < 3; i++) {
    CHECK_OK(run_sm(ENN_OP_SOFTMAX, oh_desc(1, (int64_t[]){3}), inputs[i], NULL, "sm", &yd, &y));
    if (y) {
      CHECK_ALLCLOSE(y, sm, 3, 1e-7, 1e-6);
      free(y);
    }
    CHECK_OK(run_sm(ENN_OP_LOG_SOFTMAX, oh_desc(1, (int64_t[]){3}), inputs[i], NULL, "lsm", &yd, &y));
    if (y) {
      CHECK_ALLCLOSE(y, lsm, 3, 1e-6, 1e-6);
      free(y);
    }
  }
  /* [2,3] along axis 0: each column is a softmax of two values */
  const float m[6] = {0, 1, 2, 0, 3, 2};
  enn_attrs a = axis_attrs(ENN_OP_SOFTMAX, 0);
  CHECK_OK(run_sm(ENN_OP_SOFTMAX, oh_desc(2, (int64_t[]){2, 3}), m, &a, "sm", &yd, &y));
  if (y) {
    const float e = 0.119202922f, f = 0.880797078f; /* softmax of (0, 2) */
    const float want[6] = {0.5f, e, 0.5f, 0.5f, f, 0.5f};
    CHECK_ALLCLOSE(y, want, 6, 1e-7, 1e-6);
    free(y);
  }
  /* a size-1 axis: softmax 1, log_softmax 0 */
  a = axis_attrs(ENN_OP_SOFTMAX, 1);
  CHECK_OK(run_sm(ENN_OP_SOFTMAX, oh_desc(2, (int64_t[]){3, 1}), x, &a, "sm", &yd, &y));
  if (y) {
    for (int i = 0; i < 3; i++) CHECK(y[i] == 1.0f);
    free(y);
  }
  a = axis_attrs(ENN_OP_LOG_SOFTMAX, -1);
  CHECK_OK(run_sm(ENN_OP_LOG_SOFTMAX, oh_desc(2, (int64_t[]){3, 1}), x, &a, "lsm", &yd, &y));
  if (y) {
    for (int i = 0; i < 3; i++) CHECK(y[i] == 0.0f);
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11, 13, 1000};
  unsigned long long rs = 555;
  for (int it = 0; it < 120; it++) {
    const int32_t r = 1 + oh_rand(&rs, 4);
    int64_t d[ENN_MAX_RANK];
    const long n = oh_rand_dims(&rs, r, pool, 8, 6000, d);
    const int32_t axis = oh_rand(&rs, r);
    const enn_op op = it % 2 ? ENN_OP_LOG_SOFTMAX : ENN_OP_SOFTMAX;
    enn_attrs a = axis_attrs(op, oh_rand(&rs, 2) ? axis : axis - r);
    float *xv = malloc((size_t)n * 4);
    enn_t_fill(xv, n, (unsigned long long)it + 7, -20, 20);
    enn_tensor_desc yd;
    float *y;
    CHECK_OK(run_sm(op, oh_desc(r, d), xv, &a, "sm", &yd, &y));
    if (y) {
      CHECK(oh_shape_is(&yd, r, d));
      int bad = 0;
      int64_t idx[ENN_MAX_RANK];
      long stride = 1;
      for (int32_t k = axis + 1; k < r; k++) stride *= (long)d[k];
      for (long f = 0; f < n; f++) {
        oh_unravel(f, r, d, idx);
        const long first = f - (long)idx[axis] * stride; /* lane element 0 */
        double m = -INFINITY, s = 0;
        for (long k = 0; k < d[axis]; k++) m = fmax(m, (double)xv[first + k * stride]);
        for (long k = 0; k < d[axis]; k++) s += exp((double)xv[first + k * stride] - m);
        const double want = op == ENN_OP_SOFTMAX ? exp((double)xv[f] - m) / s : (double)xv[f] - m - log(s);
        if (!(fabs((double)y[f] - want) <= 2e-6 * fabs(want) + 1e-6)) bad++;
      }
      CHECK_MSG(bad == 0, "iteration %d: %d wrong", it, bad);
      free(y);
    }
    free(xv);
  }
}

static void test_inplace(void) {
  float x[5 * 7 * 3], ref[5 * 7 * 3], io[5 * 7 * 3];
  enn_t_fill(x, 105, 3, -5, 5);
  for (int lg = 0; lg < 2; lg++)
    for (int ax = 0; ax < 3; ax++) {
      const int64_t d[3] = {5, 7, 3};
      enn_softmax_params p = {1, d[ax], 1, lg};
      for (int k = 0; k < ax; k++) p.outer *= d[k];
      for (int k = ax + 1; k < 3; k++) p.inner *= d[k];
      enn_f32_softmax__ref(&p, x, ref);
      memcpy(io, x, sizeof x);
      enn_f32_softmax__ref(&p, io, io);
      CHECK_MSG(oh_same_bits(io, ref, 105), "log %d axis %d", lg, ax);
    }
  /* x -> Relu -> Softmax (runs in place) -> Sigmoid -> y */
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(3, (int64_t[]){5, 7, 3});
  int32_t xi, t1, t2, y;
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &xi));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "relu", &xi, 1, NULL, 1, &t1));
  enn_attrs a = axis_attrs(ENN_OP_SOFTMAX, 1);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SOFTMAX, "sm", &t1, 1, &a, 1, &t2));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SIGMOID, "sig", &t2, 1, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s;
  CHECK_OK(oh_session(g, &s));
  if (s) {
    memcpy(enn_session_input_buffer(s, 0), x, sizeof x);
    CHECK_OK(enn_session_run(s));
    const float *out = enn_session_output_buffer(s, 0);
    for (int i = 0; i < 5; i++)
      for (int k = 0; k < 3; k++) {
        double sum = 0;
        for (int j = 0; j < 7; j++) sum += exp(fmax((double)x[(i * 7 + j) * 3 + k], 0));
        for (int j = 0; j < 7; j++) {
          const double sm = exp(fmax((double)x[(i * 7 + j) * 3 + k], 0)) / sum;
          CHECK_NEAR(out[(i * 7 + j) * 3 + k], 1 / (1 + exp(-sm)), 1e-6);
        }
      }
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

static void test_errors(void) {
  float z[64] = {0};
  enn_tensor_desc yd;
  float *y;
  enn_attrs a = axis_attrs(ENN_OP_SOFTMAX, 2);
  OH_CHECK_FAILS(run_sm(ENN_OP_SOFTMAX, oh_desc(2, (int64_t[]){2, 3}), z, &a, "bad_axis", &yd, &y),
                 ENN_ERR_INVALID_ARG, "bad_axis");
  a = axis_attrs(ENN_OP_LOG_SOFTMAX, -3);
  OH_CHECK_FAILS(run_sm(ENN_OP_LOG_SOFTMAX, oh_desc(2, (int64_t[]){2, 3}), z, &a, "bad_axis2", &yd, &y),
                 ENN_ERR_INVALID_ARG, "bad_axis2");
  OH_CHECK_FAILS(run_sm(ENN_OP_SOFTMAX, oh_desc(0, NULL), z, NULL, "scalar_sm", &yd, &y),
                 ENN_ERR_INVALID_ARG, "scalar_sm");
  enn_tensor_desc i32 = oh_desc(1, (int64_t[]){3}); /* no i32 form (int8: test_q8_softmax.c) */
  i32.dtype = ENN_DTYPE_I32;
  OH_CHECK_FAILS(run_sm(ENN_OP_SOFTMAX, i32, z, NULL, "int_sm", &yd, &y), ENN_ERR_UNSUPPORTED, "int_sm");
}

int main(void) {
  ENN_RUN(test_hand_computed);
  ENN_RUN(test_random);
  ENN_RUN(test_inplace);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
