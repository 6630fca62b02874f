/* Pad: hand-computed constant / reflect / edge / crop cases, random ranks
 * 0..5 with random positive, zero and negative pads in every mode against
 * a naive model built from per-axis index maps (reflection by period
 * folding), and the validation errors. */
#include "op_harness.h"

/* Source index of output index o along an axis of length n, or -1 for the
 * constant value. Reflection folds o - pb into one period of length 2(n-1). */
static long src_index(long o, long n, long pb, int mode) {
  long s = o - pb;
  if (s >= 0 && s < n) return s;
  if (mode == ENN_PADMODE_CONSTANT) return -1;
  if (mode == ENN_PADMODE_EDGE) return s < 0 ? 0 : n - 1;
  const long period = 2 * (n - 1);
  if (period == 0) return 0;
  long t = ((s % period) + period) % period;
  return t < n ? t : period - t;
}

/* Pad copies bits: compare exactly (NaN included). */
static int bits_equal(const float *a, const float *b, long n) {
  return n == 0 || memcmp(a, b, (size_t)n * sizeof(float)) == 0;
}

static void naive_pad(int32_t rank, const int64_t *dims, const float *x, const int64_t *pb, const int64_t *pe, int mode,
                      float value, float *y, int64_t *od) {
  for (int32_t d = 0; d < rank; d++) od[d] = dims[d] + pb[d] + pe[d];
  const long total = oh_dims_numel(rank, od);
  for (long f = 0; f < total; f++) {
    long rem = f, off = 0, stride = 1, outside = 0;
    for (int32_t d = rank - 1; d >= 0; d--) {
      const long o = rem % (long)od[d];
      rem /= (long)od[d];
      const long s = src_index(o, (long)dims[d], (long)pb[d], mode);
      if (s < 0) outside = 1;
      else off += s * stride;
      stride *= (long)dims[d];
    }
    y[f] = outside ? value : x[off];
  }
}

static void run_pad(const char *name, int32_t rank, const int64_t *dims, const float *x, const int64_t *pb,
                    const int64_t *pe, int mode, float value, const float *want, long n_want) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_PAD);
  for (int32_t d = 0; d < rank; d++) {
    a.pad_begin[d] = pb[d];
    a.pad_end[d] = pe[d];
  }
  a.mode = mode;
  a.value = value;
  oh_in in = oh_tensor(rank, dims, x, 0);
  oh_out o;
  CHECK_OK(oh_run(ENN_OP_PAD, name, &a, &in, 1, &o));
  CHECK_MSG(o.numel == n_want, "%s: %ld elements, want %ld", name, o.numel, n_want);
  for (int32_t d = 0; d < rank && o.data; d++) CHECK(o.desc.dims[d] == dims[d] + pb[d] + pe[d]);
  if (o.data && o.numel == n_want) CHECK_MSG(bits_equal(o.data, want, n_want), "%s", name);
  if (o.data) CHECK(strcmp(o.kernel, "enn_f32_pad__ref") == 0);
  oh_out_free(&o);
}

static void test_hand(void) {
  const float x[6] = {1, 2, 3, 4, 5, 6};
  const int64_t d3[1] = {3};
  run_pad("const", 1, d3, x, (int64_t[]){2}, (int64_t[]){1}, ENN_PADMODE_CONSTANT, 9,
          (const float[]){9, 9, 1, 2, 3, 9}, 6);
  run_pad("reflect", 1, d3, x, (int64_t[]){2}, (int64_t[]){2}, ENN_PADMODE_REFLECT, 0,
          (const float[]){3, 2, 1, 2, 3, 2, 1}, 7);
  run_pad("edge", 1, d3, x, (int64_t[]){2}, (int64_t[]){2}, ENN_PADMODE_EDGE, 0, (const float[]){1, 1, 1, 2, 3, 3, 3},
          7);
  run_pad("crop", 1, d3, x, (int64_t[]){-1}, (int64_t[]){1}, ENN_PADMODE_CONSTANT, 0, (const float[]){2, 3, 0}, 3);
  run_pad("crop_reflect", 1, d3, x, (int64_t[]){-1}, (int64_t[]){2}, ENN_PADMODE_REFLECT, 0,
          (const float[]){2, 3, 2, 1}, 4);
  run_pad("crop_both", 1, d3, x, (int64_t[]){-1}, (int64_t[]){-1}, ENN_PADMODE_EDGE, 0, (const float[]){2}, 1);
  run_pad("zero", 1, d3, x, (int64_t[]){0}, (int64_t[]){0}, ENN_PADMODE_REFLECT, 0, x, 3);
  /* [[1,2,3],[4,5,6]] reflect rows (1,1), cols (2,0) */
  run_pad("reflect2d", 2, (int64_t[]){2, 3}, x, (int64_t[]){1, 2}, (int64_t[]){1, 0}, ENN_PADMODE_REFLECT, 0,
          (const float[]){6, 5, 4, 5, 6, 3, 2, 1, 2, 3, 6, 5, 4, 5, 6, 3, 2, 1, 2, 3}, 20);
  /* NHWC spatial zero padding of a 2x2 single-channel image */
  run_pad("nhwc", 4, (int64_t[]){1, 2, 2, 1}, x, (int64_t[]){0, 1, 1, 0}, (int64_t[]){0, 1, 1, 0},
          ENN_PADMODE_CONSTANT, 0, (const float[]){0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0}, 16);
  /* channel padding with a value, edge on another axis */
  run_pad("chan", 2, (int64_t[]){2, 2}, x, (int64_t[]){0, 0}, (int64_t[]){0, 2}, ENN_PADMODE_CONSTANT, -1.5f,
          (const float[]){1, 2, -1.5f, -1.5f, 3, 4, -1.5f, -1.5f}, 8);
  /* rank 0: a copy */
  run_pad("scalar", 0, NULL, x + 4, NULL, NULL, ENN_PADMODE_EDGE, 0, x + 4, 1);
  /* NaN value is written as is */
  const float nanv = NAN;
  run_pad("nan_value", 1, (int64_t[]){1}, x, (int64_t[]){1}, (int64_t[]){0}, ENN_PADMODE_CONSTANT, nanv,
          (const float[]){nanv, 1}, 2);
}

static void test_random(void) {
  static const int64_t lens[] = {1, 2, 3, 5, 7};
  unsigned long long seed = 5;
  int runs = 0;
  for (int32_t rank = 0; rank <= 5; rank++)
    for (int mode = 0; mode < 3; mode++)
      for (int rep = 0; rep < 12; rep++) {
        int64_t dims[ENN_MAX_RANK], pb[ENN_MAX_RANK], pe[ENN_MAX_RANK], od[ENN_MAX_RANK];
        for (int32_t d = 0; d < rank; d++) {
          dims[d] = rank > 3 ? lens[oh_rand(&seed, 3)] : lens[oh_rand(&seed, 5)];
          const long hi = mode == ENN_PADMODE_REFLECT ? (long)dims[d] - 1 : 3; /* reflect: pad < dim */
          pb[d] = (int64_t)(oh_rand(&seed, (int)(hi + 3)) - 2);
          pe[d] = (int64_t)(oh_rand(&seed, (int)(hi + 3)) - 2);
          if (pb[d] > hi) pb[d] = hi;
          if (pe[d] > hi) pe[d] = hi;
          while (dims[d] + pb[d] + pe[d] < 1) { /* keep the output non-empty */
            if (pb[d] < 0) pb[d]++;
            else pe[d]++;
          }
        }
        const long nx = oh_dims_numel(rank, dims);
        float *x = oh_randn(nx, seed++, -5, 5);
        for (int32_t d = 0; d < rank; d++) od[d] = dims[d] + pb[d] + pe[d];
        float *want = malloc((size_t)oh_dims_numel(rank, od) * sizeof(float));
        naive_pad(rank, dims, x, pb, pe, mode, 0.25f, want, od);
        char name[64];
        snprintf(name, sizeof name, "pad_r%d_m%d_%d", rank, mode, rep);
        run_pad(name, rank, dims, x, pb, pe, mode, 0.25f, want, oh_dims_numel(rank, od));
        free(x);
        free(want);
        runs++;
      }
  CHECK(runs == 6 * 3 * 12);
}

static void test_errors(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_PAD);
  oh_in in = oh_tensor(2, (int64_t[]){3, 1}, NULL, 0);
  a.mode = ENN_PADMODE_REFLECT;
  a.pad_begin[0] = 3; /* == dim */
  OH_CHECK_ERR(ENN_OP_PAD, "pad_reflect_big", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  CHECK(strstr(enn_last_error(), "reflect") != NULL);
  a.pad_begin[0] = 2;
  CHECK_OK(oh_add_only(ENN_OP_PAD, "pad_reflect_ok", &a, &in, 1, ENN_DTYPE_F32));
  a.pad_end[1] = 1; /* axis of length 1 cannot reflect */
  OH_CHECK_ERR(ENN_OP_PAD, "pad_reflect_one", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.pad_end[1] = 0;
  a.mode = ENN_PADMODE_CONSTANT;
  a.pad_begin[0] = -2;
  a.pad_end[0] = -2; /* crops 4 of 3 */
  OH_CHECK_ERR(ENN_OP_PAD, "pad_crop", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.pad_begin[0] = (int64_t)1 << 50;
  a.pad_end[0] = 0;
  OH_CHECK_ERR(ENN_OP_PAD, "pad_huge", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.pad_begin[0] = 1;
  a.mode = 3;
  OH_CHECK_ERR(ENN_OP_PAD, "pad_mode", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
  a.mode = ENN_PADMODE_EDGE;
  OH_CHECK_ERR(ENN_OP_PAD, "pad_i32", &a, &in, 1, ENN_DTYPE_I32, ENN_ERR_UNSUPPORTED);
  in = oh_tensor(2, (int64_t[]){0, 2}, NULL, 0); /* edge of an empty axis */
  OH_CHECK_ERR(ENN_OP_PAD, "pad_edge_empty", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_SHAPE);
  a.mode = ENN_PADMODE_CONSTANT;
  a.act = ENN_ACT_RELU; /* Pad does not fuse */
  OH_CHECK_ERR(ENN_OP_PAD, "pad_act", &a, &in, 1, ENN_DTYPE_F32, ENN_ERR_INVALID_ARG);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
