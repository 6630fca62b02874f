/* MatMul (numpy semantics): hand values, 1-D promotion, batch broadcasting
 * against an element-by-element naive model, MACs and errors. */
#include "op_harness.h"

/* Flat offset of a (batch..., r, c) element in a row-major tensor of the
 * given (promoted) shape, broadcasting batch dims of size 1; out_idx holds
 * the output's batch index (obr dims), right-aligned with the tensor's. */
static long offset_of(int32_t rank, const int64_t *dims, const int64_t *out_idx, int32_t obr, long r, long c) {
  long off = 0, stride = 1;
  for (int32_t d = rank - 1; d >= 0; d--) {
    long i;
    if (d == rank - 1) i = c;
    else if (d == rank - 2) i = r;
    else {
      const int32_t od = d - (rank - 2) + obr; /* aligned output batch dim */
      i = dims[d] == 1 ? 0 : (long)out_idx[od];
    }
    off += i * stride;
    stride *= (long)dims[d];
  }
  return off;
}

/* numpy.matmul in double. Returns the output shape in od/orank. */
static void naive_matmul(int32_t ra, const int64_t *da, const float *a, int32_t rb, const int64_t *db, const float *b,
                         float *y, int32_t *orank, int64_t *od) {
  int64_t pa[ENN_MAX_RANK], pb[ENN_MAX_RANK];
  int32_t pra = ra, prb = rb;
  if (ra == 1) {
    pa[0] = 1;
    pa[1] = da[0];
    pra = 2;
  } else memcpy(pa, da, sizeof(int64_t) * (size_t)ra);
  if (rb == 1) {
    pb[0] = db[0];
    pb[1] = 1;
    prb = 2;
  } else memcpy(pb, db, sizeof(int64_t) * (size_t)rb);
  const int32_t obr = (pra > prb ? pra : prb) - 2;
  int64_t bd[ENN_MAX_RANK];
  for (int32_t i = 0; i < obr; i++) {
    const int32_t ia = i - (obr - (pra - 2)), ib = i - (obr - (prb - 2));
    const int64_t x = ia >= 0 ? pa[ia] : 1, z = ib >= 0 ? pb[ib] : 1;
    bd[i] = x > z ? x : z;
  }
  const long m = (long)pa[pra - 2], k = (long)pa[pra - 1], n = (long)pb[prb - 1];
  const long batch = oh_dims_numel(obr, bd);
  for (long t = 0; t < batch; t++) {
    int64_t idx[ENN_MAX_RANK];
    long rem = t;
    for (int32_t d = obr - 1; d >= 0; d--) {
      idx[d] = rem % bd[d];
      rem /= (long)bd[d];
    }
    for (long i = 0; i < m; i++)
      for (long j = 0; j < n; j++) {
        double acc = 0;
        for (long q = 0; q < k; q++)
          acc += (double)a[offset_of(pra, pa, idx, obr, i, q)] * (double)b[offset_of(prb, pb, idx, obr, q, j)];
        y[(t * m + i) * n + j] = (float)acc;
      }
  }
  *orank = 0;
  for (int32_t i = 0; i < obr; i++) od[(*orank)++] = bd[i];
  if (ra > 1) od[(*orank)++] = m;
  if (rb > 1) od[(*orank)++] = n;
}

static void test_hand(void) {
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 2, -1};
  oh_in in[2] = {oh_tensor(2, (int64_t[]){2, 3}, a, 0), oh_tensor(2, (int64_t[]){3, 2}, b, 1)};
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_MATMUL, "mm", NULL, in, 2, &o));
  /* [1 2 3] . cols: [1,0,2] -> 7, [0,1,-1] -> -1; [4 5 6] -> 16, -1 */
  const float want[4] = {7, -1, 16, -1};
  CHECK(o.desc.rank == 2 && o.desc.dims[0] == 2 && o.desc.dims[1] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 4, 0, 0);
  CHECK(o.macs == 2 * 2 * 3);
  CHECK(strcmp(o.kernel, "enn_f32_matmul__ref") == 0);
  oh_out_free(&o);

  /* vector . vector -> scalar (rank 0) */
  oh_in v[2] = {oh_tensor(1, (int64_t[]){3}, a, 0), oh_tensor(1, (int64_t[]){3}, a + 3, 0)};
  CHECK_OK(oh_run(ENN_OP_MATMUL, "dot", NULL, v, 2, &o));
  CHECK(o.desc.rank == 0 && o.numel == 1);
  if (o.data) CHECK_NEAR(o.data[0], 4 + 10 + 18, 0);
  CHECK(o.macs == 3);
  oh_out_free(&o);

  /* vector [3] @ matrix [3,2] -> [2] */
  oh_in vm[2] = {oh_tensor(1, (int64_t[]){3}, a, 0), in[1]};
  CHECK_OK(oh_run(ENN_OP_MATMUL, "vm", NULL, vm, 2, &o));
  CHECK(o.desc.rank == 1 && o.desc.dims[0] == 2);
  if (o.data) CHECK_ALLCLOSE(o.data, want, 2, 0, 0);
  oh_out_free(&o);

  /* matrix [2,3] @ vector [3] -> [2] */
  const float col[3] = {1, 0, 2};
  oh_in mv[2] = {in[0], oh_tensor(1, (int64_t[]){3}, col, 1)};
  CHECK_OK(oh_run(ENN_OP_MATMUL, "mv", NULL, mv, 2, &o));
  CHECK(o.desc.rank == 1 && o.desc.dims[0] == 2);
  const float want_mv[2] = {7, 16};
  if (o.data) CHECK_ALLCLOSE(o.data, want_mv, 2, 0, 0);
  oh_out_free(&o);

  /* broadcast: a [2,1,2,2] (two batches), b [3,2,2] (three) -> [2,3,2,2] */
  float A[8], B[12];
  for (int i = 0; i < 8; i++) A[i] = (float)(i + 1);
  for (int i = 0; i < 12; i++) B[i] = (float)(i % 5) - 2;
  oh_in bb[2] = {oh_tensor(4, (int64_t[]){2, 1, 2, 2}, A, 0), oh_tensor(3, (int64_t[]){3, 2, 2}, B, 1)};
  CHECK_OK(oh_run(ENN_OP_MATMUL, "bcast", NULL, bb, 2, &o));
  CHECK(o.desc.rank == 4 && o.desc.dims[0] == 2 && o.desc.dims[1] == 3 && o.desc.dims[2] == 2 && o.desc.dims[3] == 2);
  if (o.data) {
    /* output (1, 2): A batch 1 = [[5,6],[7,8]], B batch 2 = [[1,2],[-2,-1]] -> [[-7,4],[-9,6]] */
    const float w12[4] = {-7, 4, -9, 6};
    CHECK_ALLCLOSE(o.data + (1 * 3 + 2) * 4, w12, 4, 0, 0);
  }
  CHECK(o.macs == 2 * 3 * 2 * 2 * 2);
  oh_out_free(&o);
}

static void test_random(void) {
  /* {rank a, dims a..., rank b, dims b...} */
  static const int64_t cases[][2 + 2 * ENN_MAX_RANK] = {
      {1, 5, 0, 0, 0, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0},
      {1, 1, 0, 0, 0, 0, 0, 0, 0, 2, 1, 7, 0, 0, 0, 0, 0, 0},
      {2, 7, 3, 0, 0, 0, 0, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0},
      {2, 1, 1, 0, 0, 0, 0, 0, 0, 2, 1, 1, 0, 0, 0, 0, 0, 0},
      {2, 13, 11, 0, 0, 0, 0, 0, 0, 2, 11, 5, 0, 0, 0, 0, 0, 0},
      {3, 3, 4, 5, 0, 0, 0, 0, 0, 2, 5, 2, 0, 0, 0, 0, 0, 0},
      {2, 4, 5, 0, 0, 0, 0, 0, 0, 3, 3, 5, 2, 0, 0, 0, 0, 0},
      {1, 5, 0, 0, 0, 0, 0, 0, 0, 3, 3, 5, 2, 0, 0, 0, 0, 0},
      {3, 3, 4, 5, 0, 0, 0, 0, 0, 1, 5, 0, 0, 0, 0, 0, 0, 0},
      {4, 2, 1, 3, 7, 0, 0, 0, 0, 3, 5, 7, 3, 0, 0, 0, 0, 0},
      {4, 1, 3, 2, 2, 0, 0, 0, 0, 4, 2, 1, 2, 1, 0, 0, 0, 0},
      {5, 2, 1, 3, 1, 4, 0, 0, 0, 4, 1, 3, 4, 3, 0, 0, 0, 0},
      {3, 1, 17, 1, 0, 0, 0, 0, 0, 3, 4, 1, 19, 0, 0, 0, 0, 0},
  };
  unsigned long long seed = 3;
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    const int32_t ra = (int32_t)cases[c][0], rb = (int32_t)cases[c][1 + ENN_MAX_RANK];
    const int64_t *da = &cases[c][1], *db = &cases[c][2 + ENN_MAX_RANK];
    float *a = oh_randn(oh_dims_numel(ra, da), seed++, -1, 1), *b = oh_randn(oh_dims_numel(rb, db), seed++, -1, 1);
    float want[4096];
    int32_t orank;
    int64_t od[ENN_MAX_RANK];
    naive_matmul(ra, da, a, rb, db, b, want, &orank, od);
    for (int bconst = 0; bconst < 2; bconst++) {
      oh_in in[2] = {oh_tensor(ra, da, a, 0), oh_tensor(rb, db, b, bconst)};
      oh_out o;
      CHECK_OK(oh_run(ENN_OP_MATMUL, "mm", NULL, in, 2, &o));
      CHECK_MSG(o.desc.rank == orank, "case %zu: rank %d vs %d", c, o.desc.rank, orank);
      for (int32_t i = 0; i < orank && i < o.desc.rank; i++) CHECK(o.desc.dims[i] == od[i]);
      const long k = (long)da[ra - 1];
      CHECK(o.macs == (int64_t)(oh_dims_numel(orank, od) * k));
      if (o.data) CHECK_MSG(enn_t_allclose(o.data, want, oh_dims_numel(orank, od), 1e-5, 1e-5), "case %zu", c);
      oh_out_free(&o);
    }
    free(a);
    free(b);
  }
}

static void test_errors(void) {
  oh_in in[2] = {oh_tensor(2, (int64_t[]){2, 3}, NULL, 0), oh_tensor(2, (int64_t[]){4, 2}, NULL, 1)};
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_k", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(3, (int64_t[]){2, 2, 3}, NULL, 0);
  in[1] = oh_tensor(3, (int64_t[]){3, 3, 2}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_batch", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(1, (int64_t[]){3}, NULL, 0);
  in[1] = oh_tensor(1, (int64_t[]){4}, NULL, 1);
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_vec", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(0, NULL, NULL, 0);
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_scalar", NULL, in, 2, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  in[0] = oh_tensor(1, (int64_t[]){4}, NULL, 0);
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_i32", NULL, in, 2, ENN_DTYPE_I32, ENN_ERR_UNSUPPORTED);
  /* MatMul does not fuse activations */
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MATMUL);
  a.act = ENN_ACT_RELU;
  OH_CHECK_ERR(ENN_OP_MATMUL, "mm_act", &a, in, 2, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
