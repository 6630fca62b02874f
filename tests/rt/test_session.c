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

int main(void) {
  ENN_RUN(test_conv_1x1_values);
  ENN_RUN(test_bad_shape_named);
  return enn_test_finish();
}
