/*
 * View operators (Reshape, Flatten, Squeeze, Unsqueeze, Identity): inferred
 * shapes for the ONNX rules (0 = copy, -1 = infer, flatten axis 0 / rank /
 * negative, squeeze all or named axes, unsqueeze positions in the output),
 * data passing through unchanged (from a graph input and from an
 * intermediate), no kernel, and the shape / attribute errors.
 */
#include "ir/ir.h"
#include "op_harness.h"

static enn_status run_view(enn_op op, const enn_attrs *a, enn_tensor_desc x, const float *xv, const char *name,
                           enn_tensor_desc *yd, float **y) {
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(op, name, a, &in, 1, yd, y, 1, NULL);
}

/* Runs a view on x = 0, 1, 2, ... and checks the shape and that the data is unchanged. */
static void expect_shape(enn_op op, const enn_attrs *a, int32_t r, const int64_t *d, int32_t wr, const int64_t *wd,
                         const char *what) {
  enn_tensor_desc x = oh_desc(r, d);
  const long n = oh_numel(&x);
  float *xv = malloc((size_t)n * 4 + 4);
  for (long i = 0; i < n; i++) xv[i] = (float)i * 0.5f - 3.0f;
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_view(op, a, x, xv, "view", &yd, &y));
  if (y) {
    char b[96];
    CHECK_MSG(oh_shape_is(&yd, wr, wd), "%s: got %s", what, enn_desc_str(&yd, b, sizeof b));
    CHECK_MSG(oh_numel(&yd) == n && oh_same_bits(y, xv, n), "%s: data", what);
    free(y);
  }
  free(xv);
}

static void test_reshape(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  const int64_t d[4] = {2, 3, 5, 7};
  a.shape_rank = 2, a.shape[0] = 6, a.shape[1] = 35;
  expect_shape(ENN_OP_RESHAPE, &a, 4, d, 2, (int64_t[]){6, 35}, "[6,35]");
  a.shape_rank = 3, a.shape[0] = 0, a.shape[1] = -1, a.shape[2] = 7;
  expect_shape(ENN_OP_RESHAPE, &a, 4, d, 3, (int64_t[]){2, 15, 7}, "[0,-1,7]");
  a.shape_rank = 4, a.shape[0] = 0, a.shape[1] = 0, a.shape[2] = 0, a.shape[3] = 0;
  expect_shape(ENN_OP_RESHAPE, &a, 4, d, 4, d, "[0,0,0,0]");
  a.shape_rank = 1, a.shape[0] = -1;
  expect_shape(ENN_OP_RESHAPE, &a, 4, d, 1, (int64_t[]){210}, "[-1]");
  a.shape_rank = 5, a.shape[0] = 1, a.shape[1] = 210, a.shape[2] = 1, a.shape[3] = 1, a.shape[4] = 1;
  expect_shape(ENN_OP_RESHAPE, &a, 4, d, 5, (int64_t[]){1, 210, 1, 1, 1}, "[1,210,1,1,1]");
  a.shape_rank = 0;
  expect_shape(ENN_OP_RESHAPE, &a, 3, (int64_t[]){1, 1, 1}, 0, NULL, "to a scalar");
  a.shape_rank = 2, a.shape[0] = -1, a.shape[1] = 1;
  expect_shape(ENN_OP_RESHAPE, &a, 0, NULL, 2, (int64_t[]){1, 1}, "from a scalar");
  a.shape_rank = 2, a.shape[0] = -1, a.shape[1] = 8;
  expect_shape(ENN_OP_RESHAPE, &a, 3, (int64_t[]){0, 4, 2}, 2, (int64_t[]){0, 8}, "empty [-1,8]");
}

static void test_flatten(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FLATTEN); /* default axis 1 */
  const int64_t d[4] = {2, 3, 5, 7};
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){2, 105}, "default");
  expect_shape(ENN_OP_FLATTEN, NULL, 4, d, 2, (int64_t[]){2, 105}, "NULL attrs");
  a.axis = 0;
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){1, 210}, "axis 0");
  a.axis = 4;
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){210, 1}, "axis rank");
  a.axis = -1;
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){30, 7}, "axis -1");
  a.axis = -4;
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){1, 210}, "axis -4");
  a.axis = 2;
  expect_shape(ENN_OP_FLATTEN, &a, 4, d, 2, (int64_t[]){6, 35}, "axis 2");
  a.axis = 0;
  expect_shape(ENN_OP_FLATTEN, &a, 0, NULL, 2, (int64_t[]){1, 1}, "scalar");
}

static void test_squeeze(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SQUEEZE);
  const int64_t d[5] = {1, 3, 1, 1, 7};
  expect_shape(ENN_OP_SQUEEZE, &a, 5, d, 2, (int64_t[]){3, 7}, "all");
  a.n_axes = 1, a.axes[0] = 2;
  expect_shape(ENN_OP_SQUEEZE, &a, 5, d, 4, (int64_t[]){1, 3, 1, 7}, "axis 2");
  a.n_axes = 2, a.axes[0] = -2, a.axes[1] = 0;
  expect_shape(ENN_OP_SQUEEZE, &a, 5, d, 3, (int64_t[]){3, 1, 7}, "axes -2, 0");
  a.n_axes = 0;
  expect_shape(ENN_OP_SQUEEZE, &a, 2, (int64_t[]){1, 1}, 0, NULL, "to a scalar");
  expect_shape(ENN_OP_SQUEEZE, &a, 2, (int64_t[]){2, 3}, 2, (int64_t[]){2, 3}, "nothing to squeeze");
}

static void test_unsqueeze(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_UNSQUEEZE);
  const int64_t d[2] = {3, 5};
  a.n_axes = 1, a.axes[0] = 0;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 2, d, 3, (int64_t[]){1, 3, 5}, "axis 0");
  a.axes[0] = 2;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 2, d, 3, (int64_t[]){3, 5, 1}, "axis 2");
  a.axes[0] = -1;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 2, d, 3, (int64_t[]){3, 5, 1}, "axis -1");
  /* ONNX example: [3,4,5] with axes [2,4,5] -> [3,4,1,5,1,1] */
  a.n_axes = 3, a.axes[0] = 2, a.axes[1] = 4, a.axes[2] = 5;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 3, (int64_t[]){3, 4, 5}, 6, (int64_t[]){3, 4, 1, 5, 1, 1}, "[2,4,5]");
  a.n_axes = 2, a.axes[0] = 3, a.axes[1] = 0; /* unsorted */
  expect_shape(ENN_OP_UNSQUEEZE, &a, 2, d, 4, (int64_t[]){1, 3, 5, 1}, "[3,0]");
  a.n_axes = 2, a.axes[0] = -1, a.axes[1] = -4;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 2, d, 4, (int64_t[]){1, 3, 5, 1}, "[-1,-4]");
  a.n_axes = 1, a.axes[0] = 0;
  expect_shape(ENN_OP_UNSQUEEZE, &a, 0, NULL, 1, (int64_t[]){1}, "scalar");
}

static void test_identity(void) {
  expect_shape(ENN_OP_IDENTITY, NULL, 3, (int64_t[]){2, 3, 5}, 3, (int64_t[]){2, 3, 5}, "identity");
  for (enn_op op = ENN_OP_RESHAPE; op <= ENN_OP_IDENTITY; op = (enn_op)(op + 1)) {
    const enn_op_vtable *vt = enn_op_vtable_get(op);
    CHECK(vt != NULL && vt->infer != NULL && vt->run == NULL);
    CHECK(enn_op_flags(op) & ENN_OPF_VIEW);
  }
}

/* Views of an intermediate (after Relu), chained, feeding Sigmoid. */
static void test_chain(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(4, (int64_t[]){1, 3, 1, 5});
  int32_t x, t[6];
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RELU, "relu", &x, 1, NULL, 1, &t[0]));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SQUEEZE, "sq", &t[0], 1, NULL, 1, &t[1]));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_UNSQUEEZE);
  a.n_axes = 1, a.axes[0] = 1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_UNSQUEEZE, "unsq", &t[1], 1, &a, 1, &t[2]));
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2, a.shape[0] = 5, a.shape[1] = -1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "resh", &t[2], 1, &a, 1, &t[3]));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_IDENTITY, "id", &t[3], 1, NULL, 1, &t[4]));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FLATTEN, "flat", &t[4], 1, NULL, 1, &t[5]));
  int32_t y;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SIGMOID, "sig", &t[5], 1, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  CHECK_OK(enn_graph_add_output(g, t[2]));
  enn_tensor_desc d;
  CHECK_OK(enn_graph_tensor(g, t[2], NULL, &d, NULL));
  CHECK(oh_shape_is(&d, 3, (int64_t[]){3, 1, 5}));
  CHECK_OK(enn_graph_tensor(g, y, NULL, &d, NULL));
  CHECK(oh_shape_is(&d, 2, (int64_t[]){5, 3}));
  enn_session *s;
  CHECK_OK(oh_session(g, &s));
  if (s) {
    float xv[15];
    enn_t_fill(xv, 15, 3, -2, 2);
    memcpy(enn_session_input_buffer(s, 0), xv, sizeof xv);
    CHECK_OK(enn_session_run(s));
    const float *o0 = enn_session_output_buffer(s, 0), *o1 = enn_session_output_buffer(s, 1);
    for (int i = 0; i < 15; i++) {
      const float r = xv[i] > 0 ? xv[i] : 0;
      CHECK(o1[i] == r);
      CHECK_NEAR(o0[i], 1.0 / (1.0 + exp(-(double)r)), 1e-6);
    }
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

/* Views carry any element type (no data is touched). */
static void test_other_dtype(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc xd = oh_desc(2, (int64_t[]){4, 6});
  xd.dtype = ENN_DTYPE_I8;
  int32_t x, y;
  CHECK_OK(enn_graph_add_input(g, "x", &xd, &x));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FLATTEN, "flat", &x, 1, NULL, 1, &y));
  enn_tensor_desc d;
  CHECK_OK(enn_graph_tensor(g, y, NULL, &d, NULL));
  CHECK(d.dtype == ENN_DTYPE_I8 && oh_shape_is(&d, 2, (int64_t[]){4, 6}));
  enn_graph_destroy(g);
}

static void expect_err(enn_op op, const enn_attrs *a, int32_t r, const int64_t *d, enn_status want, const char *name) {
  float z[256] = {0};
  enn_clear_error();
  enn_tensor_desc yd;
  float *y;
  OH_CHECK_FAILS(run_view(op, a, oh_desc(r, d), z, name, &yd, &y), want, name);
}

static void test_errors(void) {
  const int64_t d[3] = {2, 3, 5};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2, a.shape[0] = 4, a.shape[1] = 8;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_SHAPE, "count_mismatch");
  a.shape[0] = -1, a.shape[1] = 7;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_SHAPE, "not_divisible");
  a.shape[0] = -1, a.shape[1] = -1;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_INVALID_ARG, "two_minus_one");
  a.shape[0] = -2, a.shape[1] = -15;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_INVALID_ARG, "negative");
  a.shape_rank = 4, a.shape[0] = 0, a.shape[1] = 0, a.shape[2] = 0, a.shape[3] = 0;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_SHAPE, "zero_past_rank");
  a.shape_rank = 9;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_INVALID_ARG, "rank_9");
  a.shape_rank = 2, a.shape[0] = -1, a.shape[1] = 0;
  expect_err(ENN_OP_RESHAPE, &a, 3, (int64_t[]){0, 0, 5}, ENN_ERR_SHAPE, "infer_over_zero");
  a.shape_rank = 3, a.shape[0] = INT64_MAX / 2, a.shape[1] = 4, a.shape[2] = -1;
  expect_err(ENN_OP_RESHAPE, &a, 3, d, ENN_ERR_SHAPE, "overflow");
  enn_attrs_init_op(&a, ENN_OP_FLATTEN);
  a.axis = 4;
  expect_err(ENN_OP_FLATTEN, &a, 3, d, ENN_ERR_INVALID_ARG, "flat_axis");
  a.axis = -4;
  expect_err(ENN_OP_FLATTEN, &a, 3, d, ENN_ERR_INVALID_ARG, "flat_axis_neg");
  enn_attrs_init_op(&a, ENN_OP_SQUEEZE);
  a.n_axes = 1, a.axes[0] = 1;
  expect_err(ENN_OP_SQUEEZE, &a, 3, (int64_t[]){1, 3, 1}, ENN_ERR_SHAPE, "squeeze_not_one");
  a.axes[0] = 3;
  expect_err(ENN_OP_SQUEEZE, &a, 3, (int64_t[]){1, 3, 1}, ENN_ERR_INVALID_ARG, "squeeze_range");
  a.n_axes = 2, a.axes[0] = 0, a.axes[1] = -3;
  expect_err(ENN_OP_SQUEEZE, &a, 3, (int64_t[]){1, 3, 1}, ENN_ERR_INVALID_ARG, "squeeze_twice");
  enn_attrs_init_op(&a, ENN_OP_UNSQUEEZE);
  a.n_axes = 1, a.axes[0] = 4;
  expect_err(ENN_OP_UNSQUEEZE, &a, 3, d, ENN_ERR_INVALID_ARG, "unsq_range");
  a.n_axes = 2, a.axes[0] = 1, a.axes[1] = -3;
  expect_err(ENN_OP_UNSQUEEZE, &a, 2, d, ENN_ERR_INVALID_ARG, "unsq_twice");
  a.n_axes = 0;
  expect_err(ENN_OP_UNSQUEEZE, &a, 2, d, ENN_ERR_INVALID_ARG, "unsq_none");
  a.n_axes = 6, a.axes[0] = 0, a.axes[1] = 1, a.axes[2] = 2, a.axes[3] = 3, a.axes[4] = 4, a.axes[5] = 5;
  expect_err(ENN_OP_UNSQUEEZE, &a, 3, d, ENN_ERR_INVALID_ARG, "unsq_rank9");
}

int main(void) {
  ENN_RUN(test_reshape);
  ENN_RUN(test_flatten);
  ENN_RUN(test_squeeze);
  ENN_RUN(test_unsqueeze);
  ENN_RUN(test_identity);
  ENN_RUN(test_chain);
  ENN_RUN(test_other_dtype);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
