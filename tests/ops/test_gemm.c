/* Gemm (ONNX): hand values, every transpose combination with every C
 * broadcast shape against a naive model, alpha/beta defaults, MACs, errors. */
#include "op_harness.h"

/* A stored [M,K] (or [K,M] when ta), B [K,N] (or [N,K] when tb), C of shape
 * (cm, cn) broadcast; y = alpha * A B + beta * C in double. */
static void naive_gemm(const float *a, const float *b, const float *c, long cm, long cn, long m, long n, long k, int ta,
                       int tb, float alpha, float beta, float *y) {
  for (long j = 0; j < n; j++)
    for (long i = 0; i < m; i++) {
      double acc = 0;
      for (long q = 0; q < k; q++) {
        const double av = ta ? a[q * m + i] : a[i * k + q];
        const double bv = tb ? b[j * k + q] : b[q * n + j];
        acc += av * bv;
      }
      double v = (double)alpha * acc;
      if (c) v += (double)beta * (double)c[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
      y[i * n + j] = (float)v;
    }
}

static void test_hand(void) {
  /* A [2,3], B [3,2], C [2]: alpha 2, beta 0.5 */
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 2, -1}, c[2] = {10, -4};
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_GEMM);
  at.alpha = 2;
  at.beta = 0.5f;
  oh_in in[3] = {oh_tensor(2, (int64_t[]){2, 3}, a, 0), oh_tensor(2, (int64_t[]){3, 2}, b, 1),
                 oh_tensor(1, (int64_t[]){2}, c, 1)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_GEMM, "gemm", &at, in, 3, &o));
  /* A B = [[7,-1],[16,-1]] -> 2*AB + 0.5*C = [[19,-4],[37,-4]] */
  const float want[4] = {19, -4, 37, -4};
  CHECK(o.desc.rank == 2 && o.desc.dims[0] == 2 && o.desc.dims[1] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 4, 0, 0);
  CHECK(o.macs == 12);
  CHECK(strcmp(o.kernel, "enn_f32_gemm__ref") == 0);
  oh_out_free(&o);

  /* default attrs (alpha = beta = 1), A^T given as [3,2], no C */
  const float at_[6] = {1, 4, 2, 5, 3, 6};
  enn_attrs t;
  enn_attrs_init_op(&t, ENN_OP_GEMM);
  t.trans_a = 1;
  oh_in in2[2] = {oh_tensor(2, (int64_t[]){3, 2}, at_, 0), in[1]};
  CHECK_OK(oh_run(ENN_OP_GEMM, "gemm_ta", &t, in2, 2, &o));
  const float want2[4] = {7, -1, 16, -1};
  if (o.data) CHECK_ALLCLOSE(o.data, want2, 4, 0, 0);
  oh_out_free(&o);

  /* NULL attrs uses the op defaults alpha = beta = 1 */
  CHECK_OK(oh_run(ENN_OP_GEMM, "gemm_def", NULL, in, 3, &o));
  const float want3[4] = {17, -5, 26, -5};
  if (o.data) CHECK_ALLCLOSE(o.data, want3, 4, 0, 0);
  oh_out_free(&o);
}

static void test_random(void) {
  /* C shapes: none, scalar, [1], [N], [1,N], [M,1], [M,N], [1,1] */
  const int32_t c_rank[] = {-1, 0, 1, 1, 2, 2, 2, 2};
  const long sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {13, 2, 1}, {1, 11, 4}, {6, 6, 17}};
  unsigned long long seed = 21;
  for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        for (size_t ci = 0; ci < sizeof c_rank / sizeof c_rank[0]; ci++) {
          const long m = sizes[si][0], n = sizes[si][1], k = sizes[si][2];
          long cm = 1, cn = 1;
          int64_t cd[2] = {1, 1};
          switch (ci) {
          case 3: cn = n; cd[0] = n; break;
          case 4: cn = n; cd[1] = n; break;
          case 5: cm = m; cd[0] = m; break;
          case 6: cm = m; cn = n; cd[0] = m; cd[1] = n; break;
          default: break;
          }
          float *a = oh_randn(m * k, seed++, -1, 1), *b = oh_randn(k * n, seed++, -1, 1);
          float *c = oh_randn(cm * cn, seed++, -1, 1), *want = malloc((size_t)(m * n) * sizeof(float));
          enn_attrs at;
          enn_attrs_init_op(&at, ENN_OP_GEMM);
          at.trans_a = ta;
          at.trans_b = tb;
          at.alpha = 0.75f;
          at.beta = -1.5f;
          naive_gemm(a, b, c_rank[ci] < 0 ? NULL : c, cm, cn, m, n, k, ta, tb, at.alpha, at.beta, want);
          oh_in in[3] = {oh_tensor(2, ta ? (int64_t[]){k, m} : (int64_t[]){m, k}, a, 0),
                         oh_tensor(2, tb ? (int64_t[]){n, k} : (int64_t[]){k, n}, b, 1),
                         oh_tensor(c_rank[ci] < 0 ? 0 : c_rank[ci], cd, c, (int)(ci & 1))};
          oh_out o;
          CHECK_OK(oh_run(ENN_OP_GEMM, "gemm", &at, in, c_rank[ci] < 0 ? 2 : 3, &o));
          CHECK(o.desc.rank == 2 && o.desc.dims[0] == m && o.desc.dims[1] == n);
          CHECK(o.macs == (int64_t)(m * n * k));
          if (o.data)
            CHECK_MSG(enn_t_allclose(o.data, want, m * n, 1e-5, 1e-5), "m=%ld n=%ld k=%ld ta=%d tb=%d c=%zu", m, n, k,
                      ta, tb, ci);
          oh_out_free(&o);
          free(a);
          free(b);
          free(c);
          free(want);
        }
}

static void test_errors(void) {
  enn_attrs at;
  enn_attrs_init_op(&at, ENN_OP_GEMM);
  oh_in in[3] = {oh_tensor(2, (int64_t[]){2, 3}, NULL, 0), oh_tensor(2, (int64_t[]){2, 4}, NULL, 1),
                 oh_tensor(1, (int64_t[]){4}, NULL, 1)};
  OH_CHECK_ERR(ENN_OP_GEMM, "g_k", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  at.trans_b = 1; /* B^T is [4,2]: still K 3 vs 2 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_kt", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  at.trans_b = 0;
  in[1] = oh_tensor(2, (int64_t[]){3, 4}, NULL, 1);
  in[2] = oh_tensor(1, (int64_t[]){3}, NULL, 1); /* C [3] vs N 4 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_c", &at, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[2] = oh_tensor(2, (int64_t[]){3, 4}, NULL, 1); /* C [3,4] vs M 2 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_cm", &at, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[2] = oh_tensor(3, (int64_t[]){1, 2, 4}, NULL, 1); /* C rank 3 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_c3", &at, in, 3, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(3, (int64_t[]){1, 2, 3}, NULL, 0); /* A rank 3 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_a3", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(1, (int64_t[]){3}, NULL, 0); /* A rank 1 */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_a1", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(2, (int64_t[]){2, 3}, NULL, 0);
  at.trans_a = 2;
  OH_CHECK_ERR(ENN_OP_GEMM, "g_trans", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  at.trans_a = 0;
  at.act = ENN_ACT_RELU; /* Gemm does not fuse */
  OH_CHECK_ERR(ENN_OP_GEMM, "g_act", &at, in, 2, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  at.act = ENN_ACT_NONE;
  OH_CHECK_ERR(ENN_OP_GEMM, "g_f16", &at, in, 2, ENN_DTYPE_F16, ENN_ERR_UNSUPPORTED);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
