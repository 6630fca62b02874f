/*
 * Slice (ONNX semantics): the ONNX test-suite cases (slice, slice_neg,
 * out-of-bounds starts / ends, negative steps, default and negative axes),
 * hand-computed 1-D edge cases (INT64_MAX / INT64_MIN ends, huge steps,
 * empty results), random slices against an enumerator written from the
 * Python slice rule, and attribute errors.
 */
#include "op_harness.h"

typedef struct sl {
  int32_t n;
  int32_t axes[ENN_MAX_RANK];
  int64_t starts[ENN_MAX_RANK], ends[ENN_MAX_RANK], steps[ENN_MAX_RANK];
} sl;

static enn_status run_slice(enn_tensor_desc x, const float *xv, const sl *s, const char *name, enn_tensor_desc *yd,
                            float **y) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SLICE);
  a.n_axes = s->n;
  for (int32_t i = 0; i < s->n; i++) {
    a.axes[i] = s->axes[i];
    a.starts[i] = s->starts[i];
    a.ends[i] = s->ends[i];
    a.steps[i] = s->steps[i];
  }
  const oh_in in = oh_input(x, xv, 0);
  return oh_run_n(ENN_OP_SLICE, name, &a, &in, 1, yd, y, 1, NULL);
}

/* Indices one axis selects, per the Python rule (CPython's
 * PySlice_AdjustIndices) with ONNX's one difference: a backward slice whose
 * start lies before the beginning starts at 0 (ONNX clamps start to
 * [0, dim-1]) where Python would select nothing. Returns the count. */
static int64_t axis_indices(int64_t dim, int64_t start, int64_t stop, int64_t step, int64_t *out) {
  if (dim == 0) return 0;
  if (start < 0) {
    start += dim;
    if (start < 0) start = 0; /* Python: step < 0 ? -1 : 0 */
  } else if (start >= dim)
    start = step < 0 ? dim - 1 : dim;
  if (stop < 0) {
    stop += dim;
    if (stop < 0) stop = step < 0 ? -1 : 0;
  } else if (stop >= dim)
    stop = step < 0 ? dim - 1 : dim;
  int64_t n = 0;
  if (step > 0)
    for (int64_t i = start; i < stop; i += step) {
      out[n++] = i;
      if (stop - i <= step) break; /* the next i would pass stop (and might overflow) */
    }
  else
    for (int64_t i = start; i > stop; i += step) {
      out[n++] = i;
      if (i - stop - 1 <= -(step + 1)) break; /* i + step <= stop */
    }
  return n;
}

/* Expected output of x (dense, dims d, rank r) sliced by s. */
static float *naive_slice(const float *xv, int32_t r, const int64_t *d, const sl *s, int64_t *od) {
  static int64_t sel[ENN_MAX_RANK][4096];
  for (int32_t k = 0; k < r; k++) {
    od[k] = d[k];
    for (int64_t i = 0; i < d[k]; i++) sel[k][i] = i;
  }
  for (int32_t i = 0; i < s->n; i++) {
    const int32_t ax = s->axes[i] < 0 ? s->axes[i] + r : s->axes[i];
    od[ax] = axis_indices(d[ax], s->starts[i], s->ends[i], s->steps[i], sel[ax]);
  }
  long n = 1;
  for (int32_t k = 0; k < r; k++) n *= (long)od[k];
  float *out = malloc((size_t)n * 4 + 4);
  int64_t idx[ENN_MAX_RANK];
  for (long f = 0; f < n; f++) {
    oh_unravel(f, r, od, idx);
    long src = 0;
    for (int32_t k = 0; k < r; k++) src = src * (long)d[k] + (long)sel[k][idx[k]];
    out[f] = xv[src];
  }
  return out;
}

static void check_case(const float *xv, int32_t r, const int64_t *d, const sl *s, const int64_t *want_dims,
                       const char *what) {
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_slice(oh_desc(r, d), xv, s, "slice", &yd, &y));
  if (!y) return;
  int64_t od[ENN_MAX_RANK];
  float *want = naive_slice(xv, r, d, s, od);
  if (want_dims) CHECK_MSG(oh_shape_is(&yd, r, want_dims), "%s: shape", what);
  CHECK_MSG(oh_shape_is(&yd, r, od), "%s: shape vs naive", what);
  CHECK_MSG(oh_same_bits(y, want, oh_numel(&yd)), "%s: values", what);
  free(want);
  free(y);
}

static void test_onnx_cases(void) {
  static float x[20 * 10 * 5];
  for (int i = 0; i < 1000; i++) x[i] = (float)i;
  const int64_t d[3] = {20, 10, 5};
  sl s1 = {2, {0, 1}, {0, 0}, {3, 10}, {1, 1}};
  check_case(x, 3, d, &s1, (int64_t[]){3, 10, 5}, "slice");
  sl s2 = {1, {1}, {0}, {-1}, {1}};
  check_case(x, 3, d, &s2, (int64_t[]){20, 9, 5}, "slice_neg");
  sl s3 = {1, {1}, {1000}, {1000}, {1}};
  check_case(x, 3, d, &s3, (int64_t[]){20, 0, 5}, "slice_start_out_of_bounds");
  sl s4 = {1, {1}, {1}, {1000}, {1}};
  check_case(x, 3, d, &s4, (int64_t[]){20, 9, 5}, "slice_end_out_of_bounds");
  sl s5 = {3, {0, 1, 2}, {20, 10, 4}, {0, 0, 1}, {-1, -3, -2}};
  check_case(x, 3, d, &s5, (int64_t[]){19, 3, 2}, "slice_neg_steps");
  sl s6 = {3, {0, 1, 2}, {0, 0, 3}, {20, 10, 4}, {1, 1, 1}};
  check_case(x, 3, d, &s6, (int64_t[]){20, 10, 1}, "slice_default_axes");
  sl s7 = {3, {0, -2, -1}, {0, 0, 3}, {20, 10, 4}, {1, 1, 1}};
  check_case(x, 3, d, &s7, (int64_t[]){20, 10, 1}, "slice_negative_axes");
  /* spot values of slice_neg_steps: y[0,0,0] = x[19,9,4], y[1,2,1] = x[18,3,2] */
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_slice(oh_desc(3, d), x, &s5, "slice", &yd, &y));
  if (y) {
    CHECK(y[0] == x[19 * 50 + 9 * 5 + 4]);
    CHECK(y[(1 * 3 + 2) * 2 + 1] == x[18 * 50 + 3 * 5 + 2]);
    free(y);
  }
  /* n_axes 0: a copy */
  sl s8 = {0, {0}, {0}, {0}, {0}};
  check_case(x, 3, d, &s8, d, "no axes");
}

static void test_1d_edges(void) {
  const float x[5] = {0, 1, 2, 3, 4};
  const struct {
    int64_t start, end, step;
    int64_t n;
    float want[5];
  } cases[] = {
      {1, INT64_MAX, 1, 4, {1, 2, 3, 4}},
      {-1, INT64_MIN, -1, 5, {4, 3, 2, 1, 0}},
      {INT64_MAX, INT64_MIN, -2, 3, {4, 2, 0}},
      {-1000, 1000, 2, 3, {0, 2, 4}},
      {-1000, INT64_MIN, -1, 1, {0}}, /* ONNX: start clamps to 0 going backwards */
      {INT64_MIN, INT64_MAX, 1, 5, {0, 1, 2, 3, 4}},
      {3, 1, 1, 0, {0}},
      {1, 3, -1, 0, {0}},
      {2, 2, 1, 0, {0}},
      {0, 5, INT64_MAX, 1, {0}},
      {4, -6, INT64_MIN, 1, {4}},
      {-2, -1, 1, 1, {3}},
      {-1, -3, -1, 2, {4, 3}},
      {4, 0, -3, 2, {4, 1}},
      {5, 0, -1, 4, {4, 3, 2, 1}},
      {1, 4, 2, 2, {1, 3}},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    sl s = {1, {0}, {cases[c].start}, {cases[c].end}, {cases[c].step}};
    enn_tensor_desc yd;
    float *y;
    CHECK_OK(run_slice(oh_desc(1, (int64_t[]){5}), x, &s, "slice", &yd, &y));
    if (!y) continue;
    CHECK_MSG(yd.rank == 1 && yd.dims[0] == cases[c].n, "case %zu: got %lld elements, want %lld", c,
              (long long)yd.dims[0], (long long)cases[c].n);
    if (yd.dims[0] == cases[c].n)
      for (int64_t i = 0; i < cases[c].n; i++)
        CHECK_MSG(y[i] == cases[c].want[i], "case %zu index %lld", c, (long long)i);
    free(y);
  }
  /* a zero-sized input dimension */
  sl s = {1, {1}, {-1}, {INT64_MIN}, {-1}};
  enn_tensor_desc yd;
  float *y;
  CHECK_OK(run_slice(oh_desc(2, (int64_t[]){3, 0}), x, &s, "slice", &yd, &y));
  if (y) {
    CHECK(oh_shape_is(&yd, 2, (int64_t[]){3, 0}));
    free(y);
  }
}

static void test_random(void) {
  static const int64_t pool[] = {1, 2, 3, 5, 7, 11, 13};
  unsigned long long rs = 1618;
  for (int it = 0; it < 200; it++) {
    const int32_t r = 1 + oh_rand(&rs, 5);
    int64_t d[ENN_MAX_RANK];
    const long n = oh_rand_dims(&rs, r, pool, 7, 5000, d);
    float *xv = malloc((size_t)n * 4);
    for (long i = 0; i < n; i++) xv[i] = (float)i;
    sl s;
    s.n = oh_rand(&rs, r + 1);
    int32_t perm[ENN_MAX_RANK];
    for (int32_t k = 0; k < r; k++) perm[k] = k;
    oh_shuffle(&rs, perm, r);
    for (int32_t i = 0; i < s.n; i++) {
      const int32_t ax = perm[i];
      const int64_t dim = d[ax];
      s.axes[i] = oh_rand(&rs, 2) ? ax : ax - r;
      s.starts[i] = oh_rand(&rs, (int)(4 * dim + 1)) - 2 * dim;
      if (oh_rand(&rs, 8) == 0) s.ends[i] = oh_rand(&rs, 2) ? INT64_MAX : INT64_MIN;
      else s.ends[i] = oh_rand(&rs, (int)(4 * dim + 1)) - 2 * dim;
      s.steps[i] = (1 + oh_rand(&rs, 4)) * (oh_rand(&rs, 2) ? 1 : -1);
    }
    char what[32];
    snprintf(what, sizeof what, "iteration %d", it);
    check_case(xv, r, d, &s, NULL, what);
    free(xv);
  }
}

static void test_errors(void) {
  float z[64] = {0};
  const enn_tensor_desc x = oh_desc(2, (int64_t[]){4, 6});
  enn_tensor_desc yd;
  float *y;
  sl zero_step = {1, {1}, {0}, {6}, {0}};
  OH_CHECK_FAILS(run_slice(x, z, &zero_step, "zero_step", &yd, &y), ENN_ERR_INVALID_ARG, "zero_step");
  sl bad_axis = {1, {2}, {0}, {6}, {1}};
  OH_CHECK_FAILS(run_slice(x, z, &bad_axis, "bad_axis", &yd, &y), ENN_ERR_INVALID_ARG, "bad_axis");
  sl bad_neg = {1, {-3}, {0}, {6}, {1}};
  OH_CHECK_FAILS(run_slice(x, z, &bad_neg, "bad_neg_axis", &yd, &y), ENN_ERR_INVALID_ARG, "bad_neg_axis");
  sl dup = {2, {1, -1}, {0, 0}, {6, 6}, {1, 1}};
  OH_CHECK_FAILS(run_slice(x, z, &dup, "dup_axis", &yd, &y), ENN_ERR_INVALID_ARG, "dup_axis");
  sl many = {3, {0, 1, 0}, {0, 0, 0}, {1, 1, 1}, {1, 1, 1}};
  OH_CHECK_FAILS(run_slice(x, z, &many, "too_many", &yd, &y), ENN_ERR_INVALID_ARG, "too_many");
}

int main(void) {
  ENN_RUN(test_onnx_cases);
  ENN_RUN(test_1d_edges);
  ENN_RUN(test_random);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
