/* Session lifecycle on small graphs: conv (direct values), errors, stats. */
#include "test.h"

static void test_conv_1x1_values(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 2, 2, 2}, wd[4] = {3, 1, 1, 2}, bd[1] = {3};
  enn_tensor_desc x, w, b;
  enn_tensor_desc_init(&x, ENN_DTYPE_F32, 4, xd);
  enn_tensor_desc_init(&w, ENN_DTYPE_F32, 4, wd);
  enn_tensor_desc_init(&b, ENN_DTYPE_F32, 1, bd);
  const float wv[6] = {1, 0, 0, 1, 1, -1}, bv[3] = {0, 10, -1};
  int32_t ids[3], y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &ids[0]));
  CHECK_OK(enn_graph_add_constant(g, "w", &w, wv, ENN_CONST_COPY, &ids[1]));
  CHECK_OK(enn_graph_add_constant(g, "b", &b, bv, ENN_CONST_COPY, &ids[2]));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv", ids, 3, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  float *in = enn_session_input_buffer(s, 0);
  for (int i = 0; i < 8; i++) in[i] = (float)(i + 1);
  CHECK_OK(enn_session_run(s));
  const float *o = enn_session_output_buffer(s, 0);
  /* pixel (1,2): [1, 12, -2] ... */
  const float want[12] = {1, 12, -2, 3, 14, -2, 5, 16, -2, 7, 18, -2};
  CHECK_ALLCLOSE(o, want, 12, 0, 0);
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

static void test_bad_shape_named(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 4, 4, 3}, wd[4] = {8, 3, 3, 2};
  enn_tensor_desc x, w;
  enn_tensor_desc_init(&x, ENN_DTYPE_F32, 4, xd);
  enn_tensor_desc_init(&w, ENN_DTYPE_F32, 4, wd);
  int32_t ids[2], y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &ids[0]));
  CHECK_OK(enn_graph_add_constant(g, "w", &w, NULL, ENN_CONST_COPY, &ids[1]));
  CHECK_STATUS(enn_graph_add_node(g, ENN_OP_CONV2D, "bad_conv", ids, 2, NULL, 1, &y), ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "bad_conv") != NULL);
  CHECK_STATUS(enn_session_create(g, NULL, &(enn_session *){NULL}), ENN_ERR_INVALID_ARG); /* no outputs */
  enn_graph_destroy(g);
}

/* optimize = 0 keeps Reshape(constant): the view must read the constant. */
static void test_view_of_constant_unoptimized(void) {
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t cd[2] = {2, 3}, xd[1] = {6};
  enn_tensor_desc c, x;
  enn_tensor_desc_init(&c, ENN_DTYPE_F32, 2, cd);
  enn_tensor_desc_init(&x, ENN_DTYPE_F32, 1, xd);
  const float cv[6] = {1, 2, 3, 4, 5, 6};
  int32_t ci, xi, r, y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &xi));
  CHECK_OK(enn_graph_add_constant(g, "c", &c, cv, ENN_CONST_COPY, &ci));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 1;
  a.shape[0] = 6;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &ci, 1, &a, 1, &r));
  int32_t in[2] = {xi, r};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "add", in, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  for (int optimize = 0; optimize <= 1; optimize++) {
    enn_session_options o;
    enn_session_options_init(&o);
    o.optimize = optimize;
    enn_session *s;
    CHECK_OK(enn_session_create(g, &o, &s));
    float *xin = enn_session_input_buffer(s, 0);
    for (int i = 0; i < 6; i++) xin[i] = 10.0f * (float)i;
    CHECK_OK(enn_session_run(s));
    const float want[6] = {1, 12, 23, 34, 45, 56};
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, 6, 0, 0);
    enn_session_destroy(s);
  }
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_view_of_constant_unoptimized);
  ENN_RUN(test_conv_1x1_values);
  ENN_RUN(test_bad_shape_named);
  return enn_test_finish();
}
