/* FullyConnected: hand-computed values, a naive double-precision model over
 * random shapes (rank 1..4, sizes 1 / primes), every fused activation,
 * MACs, the kernel chosen, and the validation errors. */
#include "op_harness.h"

/* y[r][o] = act(b[o] + sum_k x[r][k] w[o][k]) accumulated in double, k descending. */
static void naive_fc(const float *x, const float *w, const float *b, long rows, long k, long n, const enn_attrs *a,
                     float *y) {
  for (long o = 0; o < n; o++)
    for (long r = 0; r < rows; r++) {
      double acc = 0.0;
      for (long i = k - 1; i >= 0; i--) acc += (double)x[r * k + i] * (double)w[o * k + i];
      if (b) acc += (double)b[o];
      y[r * n + o] = oh_act(a->act, (float)acc, a);
    }
}

static void test_hand(void) {
  const float x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 0, -1, 0.5f, 0.5f, 0.5f}, b[2] = {1, -1};
  oh_in in[3] = {oh_tensor(2, (int64_t[]){2, 3}, x, 0), oh_tensor(2, (int64_t[]){2, 3}, w, 1),
                 oh_tensor(1, (int64_t[]){2}, b, 1)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc", NULL, in, 3, &o));
  const float want[4] = {-1, 2, -1, 6.5f};
  CHECK(o.desc.rank == 2 && o.desc.dims[0] == 2 && o.desc.dims[1] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 4, 1e-6, 0);
  CHECK(o.macs == 2 * 2 * 3);
  CHECK(strcmp(o.kernel, "enn_f32_fully_connected__ref") == 0);
  oh_out_free(&o);

  /* fused relu, no bias */
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  a.act = ENN_ACT_RELU;
  CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc_relu", &a, in, 2, &o));
  const float want2[4] = {0, 3, 0, 7.5f};
  if (o.data) CHECK_ALLCLOSE(o.data, want2, 4, 1e-6, 0);
  oh_out_free(&o);

  /* 1-D input: x[3] -> y[2] */
  oh_in in1[3] = {oh_tensor(1, (int64_t[]){3}, x + 3, 0), in[1], in[2]};
  CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc_1d", NULL, in1, 3, &o));
  CHECK(o.desc.rank == 1 && o.desc.dims[0] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want + 2, 2, 1e-6, 0);
  CHECK(o.macs == 6);
  oh_out_free(&o);
}

static void test_random(void) {
  const long ks[] = {1, 2, 3, 13, 64}, ns[] = {1, 5, 17};
  const int32_t ranks[] = {1, 2, 3, 4};
  const int64_t lead[3][3] = {{2, 1, 3}, {1, 7, 1}, {3, 2, 5}};
  unsigned long long seed = 11;
  for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++)
    for (size_t ni = 0; ni < sizeof ns / sizeof ns[0]; ni++)
      for (size_t ri = 0; ri < sizeof ranks / sizeof ranks[0]; ri++)
        for (int bias = 0; bias < 2; bias++) {
          const int32_t rank = ranks[ri];
          int64_t xd[ENN_MAX_RANK];
          const int64_t *ld = lead[(ki + ni + ri) % 3];
          for (int32_t i = 0; i < rank - 1; i++) xd[i] = ld[i];
          xd[rank - 1] = ks[ki];
          const long rows = oh_dims_numel(rank - 1, xd), k = ks[ki], n = ns[ni];
          float *x = oh_randn(rows * k, seed++, -1, 1), *w = oh_randn(n * k, seed++, -1, 1);
          float *b = oh_randn(n, seed++, -1, 1), *want = malloc((size_t)(rows * n) * sizeof(float));
          enn_attrs a;
          enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
          naive_fc(x, w, bias ? b : NULL, rows, k, n, &a, want);
          oh_in in[3] = {oh_tensor(rank, xd, x, 0), oh_tensor(2, (int64_t[]){n, k}, w, 1),
                         oh_tensor(1, (int64_t[]){n}, b, 1)};
          oh_out o;
          CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc", &a, in, bias ? 3 : 2, &o));
          CHECK(o.desc.rank == rank && o.desc.dims[rank - 1] == n);
          for (int32_t i = 0; i < rank - 1; i++) CHECK(o.desc.dims[i] == xd[i]);
          CHECK(o.macs == (int64_t)(rows * n * k));
          if (o.data) CHECK_MSG(enn_t_allclose(o.data, want, rows * n, 1e-5, 1e-5), "k=%ld n=%ld rank=%d bias=%d", k, n,
                                rank, bias);
          oh_out_free(&o);
          free(x);
          free(w);
          free(b);
          free(want);
        }
}

static void test_activations(void) {
  const long rows = 3, k = 7, n = 5;
  float *x = oh_randn(rows * k, 5, -2, 2), *w = oh_randn(n * k, 6, -1, 1), *b = oh_randn(n, 7, -1, 1);
  float want[15];
  for (int act = 0; act < ENN_ACT_COUNT; act++) {
    enn_attrs a;
    enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
    oh_set_act(&a, act);
    naive_fc(x, w, b, rows, k, n, &a, want);
    oh_in in[3] = {oh_tensor(2, (int64_t[]){rows, k}, x, 0), oh_tensor(2, (int64_t[]){n, k}, w, 1),
                   oh_tensor(1, (int64_t[]){n}, b, 1)};
    oh_out o;
    CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc_act", &a, in, 3, &o));
    if (o.data) CHECK_MSG(enn_t_allclose(o.data, want, rows * n, 1e-5, 1e-5), "act %s", enn_act_name((enn_act)act));
    oh_out_free(&o);
  }
  free(x);
  free(w);
  free(b);
}

/* Weights fed as a graph input (not a constant) work the same. */
static void test_weights_as_input(void) {
  const float x[4] = {1, -2, 3, 0.5f}, w[8] = {1, 1, 1, 1, 0, 1, 0, -2};
  oh_in in[2] = {oh_tensor(2, (int64_t[]){1, 4}, x, 0), oh_tensor(2, (int64_t[]){2, 4}, w, 0)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_FULLY_CONNECTED, "fc_in", NULL, in, 2, &o));
  const float want[2] = {2.5f, -3};
  if (o.data) CHECK_ALLCLOSE(o.data, want, 2, 1e-6, 0);
  oh_out_free(&o);
}

static void test_errors(void) {
  oh_in in[3] = {oh_tensor(2, (int64_t[]){2, 3}, NULL, 0), oh_tensor(2, (int64_t[]){4, 5}, NULL, 1),
                 oh_tensor(1, (int64_t[]){4}, NULL, 1)};
  /* K mismatch */
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_k", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  /* bias size */
  in[1] = oh_tensor(2, (int64_t[]){4, 3}, NULL, 1);
  in[2] = oh_tensor(1, (int64_t[]){3}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_bias", NULL, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  /* bias rank */
  in[2] = oh_tensor(2, (int64_t[]){1, 4}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_bias_rank", NULL, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  /* weight rank */
  in[1] = oh_tensor(3, (int64_t[]){4, 3, 1}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_wrank", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  /* scalar input */
  in[0] = oh_tensor(0, NULL, NULL, 0);
  in[1] = oh_tensor(2, (int64_t[]){4, 1}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_scalar", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  /* dtype (int8 has its own path, tests/ops/test_q8_fully_connected.c; uint8 is refused) */
  in[0] = oh_tensor(2, (int64_t[]){2, 1}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_u8", NULL, in, 2, ENN_DTYPE_U8, ENN_ERR_UNSUPPORTED);
  /* unknown activation; bad clip bounds */
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  a.act = 99;
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_act", &a, in, 2, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.act = ENN_ACT_CLIP;
  a.act_min = 2;
  a.act_max = 1;
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_clip", &a, in, 2, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  /* arity: one input */
  OH_CHECK_ERR(ENN_OP_FULLY_CONNECTED, "fc_arity", NULL, in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_activations);
  ENN_RUN(test_weights_as_input);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
