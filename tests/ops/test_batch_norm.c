/* BatchNorm (inference, channel = last axis): hand values, random ranks and
 * channel counts against a naive model, every fused activation, statistics
 * fed as graph inputs, in-place use (kernel aliasing and a planner-aliased
 * chain), and the validation errors. */
#include "kernels/ref/bn_ref.h"
#include "op_harness.h"

static void naive_bn(const float *x, long rows, long c, const float *g, const float *b, const float *m, const float *v,
                     float eps, const enn_attrs *a, float *y) {
  for (long i = 0; i < rows * c; i++) {
    const long ch = i % c;
    const double t = (double)g[ch] * ((double)x[i] - (double)m[ch]) / sqrt((double)v[ch] + (double)eps) + (double)b[ch];
    y[i] = oh_act(a->act, (float)t, a);
  }
}

static void test_hand(void) {
  /* x [2,3]; gamma [1,2,0.5], beta [0,1,-1], mean [1,0,2], var [3.99999,0.24999,1-eps] */
  const float x[6] = {3, 1, 2, -1, 0.5f, 4};
  const float g[3] = {1, 2, 0.5f}, b[3] = {0, 1, -1}, m[3] = {1, 0, 2};
  const float v[3] = {4.0f - 1e-5f, 0.25f - 1e-5f, 1.0f - 1e-5f};
  oh_in in[5] = {oh_tensor(2, (int64_t[]){2, 3}, x, 0), oh_tensor(1, (int64_t[]){3}, g, 1),
                 oh_tensor(1, (int64_t[]){3}, b, 1), oh_tensor(1, (int64_t[]){3}, m, 1),
                 oh_tensor(1, (int64_t[]){3}, v, 1)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_BATCH_NORM, "bn", NULL, in, 5, &o));
  /* std = 2, 0.5, 1: row0: (3-1)/2=1; 2*(1)/0.5+1=5; 0.5*(0)-1=-1
   *                  row1: (-1-1)/2=-1; 2*0.5/0.5+1=3; 0.5*2-1=0 */
  const float want[6] = {1, 5, -1, -1, 3, 0};
  CHECK(o.desc.rank == 2 && o.desc.dims[0] == 2 && o.desc.dims[1] == 3);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 6, 1e-5, 1e-5);
  CHECK(o.macs == 0);
  CHECK(strcmp(o.kernel, "enn_f32_batch_norm__ref") == 0);
  oh_out_free(&o);

  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.act = ENN_ACT_RELU6;
  CHECK_OK(oh_run(ENN_OP_BATCH_NORM, "bn_relu6", &a, in, 5, &o));
  const float want6[6] = {1, 5, 0, 0, 3, 0};
  if (o.data) CHECK_ALLCLOSE(o.data, want6, 6, 1e-5, 1e-5);
  oh_out_free(&o);

  /* epsilon matters: var 0, eps 0.25 -> divide by 0.5 */
  const float z[3] = {0, 0, 0}, one[3] = {1, 1, 1};
  enn_attrs e;
  enn_attrs_init_op(&e, ENN_OP_BATCH_NORM);
  e.epsilon = 0.25f;
  oh_in in2[5] = {in[0], oh_tensor(1, (int64_t[]){3}, one, 1), oh_tensor(1, (int64_t[]){3}, z, 1),
                  oh_tensor(1, (int64_t[]){3}, z, 1), oh_tensor(1, (int64_t[]){3}, z, 1)};
  CHECK_OK(oh_run(ENN_OP_BATCH_NORM, "bn_eps", &e, in2, 5, &o));
  for (int i = 0; i < 6 && o.data; i++) CHECK_NEAR(o.data[i], 2 * x[i], 1e-6);
  oh_out_free(&o);
}

static void test_random(void) {
  const int64_t shapes[][5] = {{1, 1}, {1, 7}, {2, 3, 5}, {3, 1, 1, 13}, {4, 2, 3, 5, 2}, {3, 2, 7, 3}, {2, 17, 1}};
  unsigned long long seed = 99;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
    for (int act = 0; act < ENN_ACT_COUNT; act++)
      for (int stats_const = 0; stats_const < 2; stats_const++) {
        const int32_t rank = (int32_t)shapes[s][0];
        const int64_t *dims = &shapes[s][1];
        const long c = (long)dims[rank - 1], n = oh_dims_numel(rank, dims);
        float *x = oh_randn(n, seed++, -3, 3), *g = oh_randn(c, seed++, -2, 2), *b = oh_randn(c, seed++, -1, 1);
        float *m = oh_randn(c, seed++, -1, 1), *v = oh_randn(c, seed++, 0, 2);
        float *want = malloc((size_t)n * sizeof(float));
        enn_attrs a;
        enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
        oh_set_act(&a, act);
        a.epsilon = 1e-3f;
        naive_bn(x, n / c, c, g, b, m, v, a.epsilon, &a, want);
        oh_in in[5] = {oh_tensor(rank, dims, x, 0), oh_tensor(1, (int64_t[]){c}, g, stats_const),
                       oh_tensor(1, (int64_t[]){c}, b, stats_const), oh_tensor(1, (int64_t[]){c}, m, stats_const),
                       oh_tensor(1, (int64_t[]){c}, v, stats_const)};
        oh_out o;
        CHECK_OK(oh_run(ENN_OP_BATCH_NORM, "bn", &a, in, 5, &o));
        CHECK(o.desc.rank == rank);
        for (int32_t i = 0; i < rank; i++) CHECK(o.desc.dims[i] == dims[i]);
        if (o.data) CHECK_MSG(enn_t_allclose(o.data, want, n, 1e-5, 1e-5), "shape %zu act %d", s, act);
        oh_out_free(&o);
        free(x);
        free(g);
        free(b);
        free(m);
        free(v);
        free(want);
      }
}

/* The kernel called with y == x gives the same result as out of place. */
static void test_kernel_inplace(void) {
  const long rows = 7, c = 5;
  float *x = oh_randn(rows * c, 1, -2, 2), *g = oh_randn(c, 2, -2, 2), *b = oh_randn(c, 3, -1, 1);
  float *m = oh_randn(c, 4, -1, 1), *v = oh_randn(c, 5, 0, 1), want[35], scale[5];
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.act = ENN_ACT_HARD_SWISH;
  naive_bn(x, rows, c, g, b, m, v, 1e-5f, &a, want);
  enn_batch_norm_params p;
  memset(&p, 0, sizeof p);
  p.rows = rows;
  p.c = c;
  p.eps = 1e-5f;
  p.act = enn_act_params_from(&a);
  enn_f32_batch_norm__ref(&p, x, g, b, m, v, scale, x);
  CHECK_ALLCLOSE(x, want, rows * c, 1e-5, 1e-5);
  free(x);
  free(g);
  free(b);
  free(m);
  free(v);
}

/* x -> Pad(0) -> BatchNorm -> Pad(0) -> y: BatchNorm's input is an
 * intermediate that dies at it, so the planner may run it in place. */
static void test_chain_inplace(void) {
  const long n = 2 * 3 * 4 * 5, c = 5;
  float *x = oh_randn(n, 8, -2, 2), *g = oh_randn(c, 9, -2, 2), *b = oh_randn(c, 10, -1, 1);
  float *m = oh_randn(c, 11, -1, 1), *v = oh_randn(c, 12, 0, 1), want[120];
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.act = ENN_ACT_LEAKY_RELU;
  a.alpha = 0.2f;
  naive_bn(x, n / c, c, g, b, m, v, a.epsilon, &a, want);
  enn_graph *gr;
  CHECK_OK(enn_graph_create(NULL, &gr));
  enn_tensor_desc xd, cd;
  enn_tensor_desc_init(&xd, ENN_DTYPE_F32, 4, (int64_t[]){2, 3, 4, 5});
  enn_tensor_desc_init(&cd, ENN_DTYPE_F32, 1, (int64_t[]){c});
  int32_t ids[5], p1, bn, p2;
  CHECK_OK(enn_graph_add_input(gr, "x", &xd, &ids[0]));
  const float *stats[4] = {g, b, m, v};
  for (int i = 0; i < 4; i++) CHECK_OK(enn_graph_add_constant(gr, NULL, &cd, stats[i], ENN_CONST_COPY, &ids[i + 1]));
  enn_attrs pa;
  enn_attrs_init_op(&pa, ENN_OP_PAD);
  CHECK_OK(enn_graph_add_node(gr, ENN_OP_PAD, "pad1", &ids[0], 1, &pa, 1, &p1));
  ids[0] = p1;
  CHECK_OK(enn_graph_add_node(gr, ENN_OP_BATCH_NORM, "bn", ids, 5, &a, 1, &bn));
  CHECK_OK(enn_graph_add_node(gr, ENN_OP_PAD, "pad2", &bn, 1, &pa, 1, &p2));
  CHECK_OK(enn_graph_add_output(gr, p2));
  enn_session *s;
  CHECK_OK(oh_session(gr, &s));
  if (s) {
    memcpy(enn_session_input_buffer(s, 0), x, sizeof(float) * (size_t)n);
    CHECK_OK(enn_session_run(s));
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, n, 1e-5, 1e-5);
    /* a second run from the same input gives the same answer */
    CHECK_OK(enn_session_run(s));
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, n, 1e-5, 1e-5);
  }
  enn_session_destroy(s);
  enn_graph_destroy(gr);
  free(x);
  free(g);
  free(b);
  free(m);
  free(v);
}

static void test_errors(void) {
  oh_in in[5] = {oh_tensor(4, (int64_t[]){1, 2, 2, 3}, NULL, 0), oh_tensor(1, (int64_t[]){3}, NULL, 1),
                 oh_tensor(1, (int64_t[]){3}, NULL, 1), oh_tensor(1, (int64_t[]){3}, NULL, 1),
                 oh_tensor(1, (int64_t[]){4}, NULL, 1)};
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_var", NULL, in, 5, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "var") != NULL);
  in[4] = oh_tensor(1, (int64_t[]){3}, NULL, 1);
  in[1] = oh_tensor(1, (int64_t[]){2}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_gamma", NULL, in, 5, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "gamma") != NULL);
  in[1] = oh_tensor(2, (int64_t[]){1, 3}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_rank", NULL, in, 5, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[1] = oh_tensor(1, (int64_t[]){3}, NULL, 1);
  /* NCHW-style mismatch: channel is the last axis */
  in[0] = oh_tensor(4, (int64_t[]){1, 3, 2, 2}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_nchw", NULL, in, 5, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(0, NULL, NULL, 0);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_scalar", NULL, in, 5, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(2, (int64_t[]){2, 3}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_u8", NULL, in, 5, ENN_DTYPE_U8, ENN_ERR_UNSUPPORTED);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.epsilon = -1e-3f;
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_eps", &a, in, 5, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.epsilon = NAN;
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_nan", &a, in, 5, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.epsilon = 1e-5f;
  a.act = ENN_ACT_COUNT;
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_act", &a, in, 5, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  OH_CHECK_ERR(ENN_OP_BATCH_NORM, "bn_arity", NULL, in, 4, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_kernel_inplace);
  ENN_RUN(test_chain_inplace);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
