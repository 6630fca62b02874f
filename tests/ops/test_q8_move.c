/*
 * int8 data movement: Transpose, Slice, Pad, Split, Concat, nearest Resize,
 * GlobalMaxPool and the views (Reshape, Flatten, Squeeze).
 *   - pure moves are compared with the f32 operator run on the same values
 *     as floats (an independent kernel; moves are exact) and, for
 *     Transpose / GlobalMaxPool / Split, with index loops written here;
 *   - the output inherits the input's quantisation at infer, a different
 *     output quantisation is refused at session create;
 *   - Pad fills the pad constant quantised with the output's parameters
 *     (the zero point for 0.0);
 *   - Concat copies inputs with the output's parameters and requantises the
 *     others as TFLite's uint8 ConcatenationWithScaling (in the uint8
 *     domain q + 128), checked bit for bit and against the real values.
 */
#include "op_harness.h"
#include "q8_harness.h"

typedef struct qp {
  float s;
  int32_t z;
} qp;

/* Runs op on an f32 copy of x (values = the int8 values) and returns the
 * result converted back to int8 (exact for moves). */
static int8_t *f32_oracle(enn_op op, const enn_attrs *a, int32_t rank, const int64_t *dims, const int8_t *x,
                          long *n_out) {
  const long n = oh_dims_numel(rank, dims);
  float *xf = malloc((size_t)n * sizeof(float) + 4);
  for (long i = 0; i < n; i++) xf[i] = (float)x[i];
  const oh_in in = oh_tensor(rank, dims, xf, 0);
  oh_out o;
  int8_t *r = NULL;
  if (oh_run(op, "f32", a, &in, 1, &o) == ENN_OK) {
    r = malloc((size_t)o.numel + 1);
    for (long i = 0; i < o.numel; i++) r[i] = (int8_t)o.data[i];
    *n_out = o.numel;
    oh_out_free(&o);
  } else
    *n_out = -1;
  free(xf);
  return r;
}

/* Adds ins -> op to a graph and reports whether output 0 got exactly
 * (s, z) from infer (qt_run's descriptor outlives the session, so its
 * parameter arrays cannot be read). */
static int inherits(enn_op op, const enn_attrs *a, const qt_tensor *ins, int32_t n_in, float s, int32_t z) {
  enn_graph *g = NULL;
  if (enn_graph_create(NULL, &g)) return 0;
  int32_t ids[8], y = -1;
  int ok = 1;
  for (int32_t i = 0; i < n_in && ok; i++) {
    const enn_tensor_desc d = qt_desc(&ins[i]);
    ok = enn_graph_add_input(g, NULL, &d, &ids[i]) == ENN_OK;
  }
  enn_tensor_desc od;
  ok = ok && enn_graph_add_node(g, op, "inh", ids, n_in, a, 1, &y) == ENN_OK &&
       enn_graph_tensor(g, y, NULL, &od, NULL) == ENN_OK;
  ok = ok && od.dtype == ENN_DTYPE_I8 && od.quant.count == 1 && od.quant.scale[0] == s && od.quant.zero_point[0] == z;
  enn_graph_destroy(g);
  return ok;
}

/* int8 run with the input's parameters on the output (out_q NULL keeps
 * what infer propagated). */
static long run_q8(enn_op op, const enn_attrs *a, int32_t rank, const int64_t *dims, const int8_t *x, qp q,
                   int8_t *y, size_t cap, enn_tensor_desc *yd, qt_opts *opt) {
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, rank, dims, x, 0), &q.s, &q.z);
  enn_tensor_desc d;
  const enn_status st = qt_run(op, "mv", a, &t, 1, NULL, y, cap, &d, opt);
  CHECK_OK(st);
  if (st) return -1;
  if (yd) *yd = d;
  CHECK(d.dtype == ENN_DTYPE_I8);
  CHECK_MSG(inherits(op, a, &t, 1, q.s, q.z), "%s: the output did not inherit the input's parameters", enn_op_name(op));
  return (long)enn_tensor_desc_numel(&d);
}

static void compare_with_f32(enn_op op, const enn_attrs *a, int32_t rank, const int64_t *dims, const char *kernel) {
  const long n = oh_dims_numel(rank, dims);
  int8_t *x = qt_rand_i8(n, (unsigned long long)n * 7 + (unsigned long long)op, -128, 127);
  long nw = 0;
  int8_t *want = f32_oracle(op, a, rank, dims, x, &nw);
  CHECK(want != NULL);
  int8_t *y = malloc((size_t)(nw > 0 ? nw : 1) + 1);
  const qp q = {0.037f, -11};
  qt_opts o = {0};
  const long ny = run_q8(op, a, rank, dims, x, q, y, (size_t)(nw > 0 ? nw : 1) + 1, NULL, &o);
  CHECK(ny == nw);
  if (want && ny == nw)
    CHECK_MSG(qt_first_diff_i8(y, want, ny) < 0, "%s differs from the f32 operator", enn_op_name(op));
  CHECK_MSG(strcmp(o.kernel, kernel) == 0, "kernel %s", o.kernel);
  free(x);
  free(y);
  free(want);
}

static void test_transpose(void) {
  /* hand loop: [2,3,5] with perm (2,0,1) */
  const int64_t d[3] = {2, 3, 5};
  int8_t x[30], y[30];
  for (int i = 0; i < 30; i++) x[i] = (int8_t)(i * 7 - 100);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
  a.perm[0] = 2;
  a.perm[1] = 0;
  a.perm[2] = 1;
  const qp q = {0.5f, 3};
  enn_tensor_desc yd;
  CHECK(run_q8(ENN_OP_TRANSPOSE, &a, 3, d, x, q, y, sizeof y, &yd, NULL) == 30);
  CHECK(yd.rank == 3 && yd.dims[0] == 5 && yd.dims[1] == 2 && yd.dims[2] == 3);
  int ok = 1;
  for (int k = 0; k < 5; k++)
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) ok &= y[(k * 2 + i) * 3 + j] == x[(i * 3 + j) * 5 + k];
  CHECK(ok);
  /* more permutations and odd shapes against the f32 operator */
  const int64_t d4[4] = {3, 1, 7, 2};
  const int32_t perms[3][4] = {{0, 2, 3, 1}, {3, 2, 1, 0}, {0, 1, 2, 3}};
  for (int p = 0; p < 3; p++) {
    for (int k = 0; k < 4; k++) a.perm[k] = perms[p][k];
    compare_with_f32(ENN_OP_TRANSPOSE, &a, 4, d4, "enn_qs8_transpose__ref");
  }
}

static void test_slice(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SLICE);
  const int64_t d[3] = {4, 7, 5};
  a.n_axes = 2;
  a.axes[0] = 1;
  a.starts[0] = 1;
  a.ends[0] = 6;
  a.steps[0] = 2;
  a.axes[1] = -1;
  a.starts[1] = -1;
  a.ends[1] = INT64_MIN;
  a.steps[1] = -1; /* reversed */
  compare_with_f32(ENN_OP_SLICE, &a, 3, d, "enn_qs8_slice__ref");
  a.n_axes = 1;
  a.axes[0] = 0;
  a.starts[0] = 1;
  a.ends[0] = 3;
  a.steps[0] = 1;
  compare_with_f32(ENN_OP_SLICE, &a, 3, d, "enn_qs8_slice__ref");
}

static void test_pad(void) {
  const int64_t d[4] = {1, 3, 4, 2};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_PAD);
  a.pad_begin[1] = 1;
  a.pad_end[1] = 2;
  a.pad_begin[2] = 2;
  a.pad_end[2] = 1;
  /* reflect / edge modes against the f32 operator */
  a.mode = ENN_PADMODE_REFLECT;
  compare_with_f32(ENN_OP_PAD, &a, 4, d, "enn_qs8_pad__ref");
  a.mode = ENN_PADMODE_EDGE;
  compare_with_f32(ENN_OP_PAD, &a, 4, d, "enn_qs8_pad__ref");
  /* constant: 0.0 pads with the zero point; 1.0 with round(1/s) + zp */
  int8_t x[24], y[120];
  for (int i = 0; i < 24; i++) x[i] = (int8_t)(i - 12);
  a.mode = ENN_PADMODE_CONSTANT;
  const qp q = {0.25f, -7};
  const float values[3] = {0.0f, 1.0f, -100.0f};
  const int8_t fill[3] = {-7, -3, -128};
  for (int v = 0; v < 3; v++) {
    a.value = values[v];
    CHECK(run_q8(ENN_OP_PAD, &a, 4, d, x, q, y, sizeof y, NULL, NULL) == 84);
    int ok = 1;
    for (int h = 0; h < 6; h++)
      for (int w = 0; w < 7; w++)
        for (int c = 0; c < 2; c++) {
          const int sh = h - 1, sw = w - 2;
          const int8_t want = (sh >= 0 && sh < 3 && sw >= 0 && sw < 4) ? x[(sh * 4 + sw) * 2 + c] : fill[v];
          ok &= y[(h * 7 + w) * 2 + c] == want;
        }
    CHECK_MSG(ok, "constant pad value %g", (double)values[v]);
  }
  /* negative pads crop */
  a.pad_begin[1] = -1;
  a.pad_end[2] = -2;
  a.mode = ENN_PADMODE_EDGE;
  compare_with_f32(ENN_OP_PAD, &a, 4, d, "enn_qs8_pad__ref");
}

static void test_resize_and_gmax(void) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  a.mode = ENN_RESIZE_NEAREST;
  const int64_t d[4] = {2, 3, 5, 3};
  const int coords[3] = {ENN_COORD_HALF_PIXEL, ENN_COORD_ALIGN_CORNERS, ENN_COORD_ASYMMETRIC};
  for (int c = 0; c < 3; c++) {
    a.coord_mode = coords[c];
    a.nearest_mode = c == 1 ? ENN_NEAREST_ROUND_PREFER_CEIL : ENN_NEAREST_FLOOR;
    a.size[0] = 7;
    a.size[1] = 4;
    compare_with_f32(ENN_OP_RESIZE, &a, 4, d, "enn_qs8_resize_nearest__ref");
    a.size[0] = a.size[1] = 0;
    a.scale[0] = 2.0f;
    a.scale[1] = 0.6f;
    compare_with_f32(ENN_OP_RESIZE, &a, 4, d, "enn_qs8_resize_nearest__ref");
  }
  /* GlobalMaxPool: hand loop */
  const int64_t g[4] = {2, 3, 1, 5};
  int8_t *x = qt_rand_i8(30, 77, -128, 127), y[10];
  const qp q = {0.2f, 0};
  enn_tensor_desc yd;
  qt_opts o = {0};
  CHECK(run_q8(ENN_OP_GLOBAL_MAX_POOL, NULL, 4, g, x, q, y, sizeof y, &yd, &o) == 10);
  CHECK(yd.rank == 4 && yd.dims[1] == 1 && yd.dims[2] == 1 && yd.dims[3] == 5);
  CHECK(strcmp(o.kernel, "enn_qs8_global_max_pool__ref") == 0);
  int ok = 1;
  for (int n = 0; n < 2; n++)
    for (int c = 0; c < 5; c++) {
      int m = -128;
      for (int p = 0; p < 3; p++) m = x[(n * 3 + p) * 5 + c] > m ? x[(n * 3 + p) * 5 + c] : m;
      ok &= y[n * 5 + c] == m;
    }
  CHECK(ok);
  free(x);
  compare_with_f32(ENN_OP_GLOBAL_MAX_POOL, NULL, 4, (int64_t[]){1, 7, 11, 3}, "enn_qs8_global_max_pool__ref");
}

/* Split into 3 outputs (sizes 1, 3, 2 along axis 1 of [2, 6, 3]): each
 * output is its block, with the input's parameters. */
static void test_split(void) {
  const int64_t d[3] = {2, 6, 3};
  int8_t *x = qt_rand_i8(36, 5, -128, 127);
  const qp q = {0.1f, 4};
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc dx;
  enn_tensor_desc_init(&dx, ENN_DTYPE_I8, 3, d);
  dx.quant = qt_quant1(&q.s, &q.z);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = 1;
  a.n_splits = 3;
  a.splits[0] = 1;
  a.splits[1] = 3;
  a.splits[2] = 2;
  int32_t ix, outs[3];
  CHECK_OK(enn_graph_add_input(g, "x", &dx, &ix));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SPLIT, "split", &ix, 1, &a, 3, outs));
  for (int k = 0; k < 3; k++) {
    enn_tensor_desc od;
    CHECK_OK(enn_graph_tensor(g, outs[k], NULL, &od, NULL));
    CHECK(od.dtype == ENN_DTYPE_I8 && od.quant.count == 1 && od.quant.scale[0] == q.s && od.quant.zero_point[0] == q.z);
    CHECK_OK(enn_graph_add_output(g, outs[k]));
  }
  enn_session_options o;
  enn_session_options_init(&o);
  o.optimize = 0;
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, &o, &s));
  if (s) {
    memcpy(enn_session_input_buffer(s, 0), x, 36);
    CHECK_OK(enn_session_run(s));
    int ok = 1, off = 0;
    for (int k = 0; k < 3; k++) {
      const int8_t *y = enn_session_output_buffer(s, k);
      const int w = (int)a.splits[k];
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < w; j++)
          for (int c = 0; c < 3; c++) ok &= y[(i * w + j) * 3 + c] == x[(i * 6 + off + j) * 3 + c];
      off += w;
    }
    CHECK(ok);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(x);
}

/* TFLite ConcatenationWithScaling on the uint8 view of one value. */
static int8_t ref_rescale(int8_t v, qp in, qp out) {
  if (in.s == out.s && in.z == out.z) return v;
  const float scale = in.s * (1.0f / out.s);
  const float bias = -(float)(in.z + 128) * scale;
  const float t = (float)(v + 128) * scale + bias;
  const float r = t >= 0.0f ? floorf(t + 0.5f) : -floorf(-t + 0.5f);
  return (int8_t)(qt_clamp((int64_t)r + out.z + 128, 0, 255) - 128);
}

static void test_concat(void) {
  /* three inputs along axis 2 of [2, 3, w, 2] (w = 1, 4, 2): the first with
   * the output's parameters, the others rescaled */
  const int64_t w[3] = {1, 4, 2};
  const qp qi[3] = {{0.05f, -3}, {0.1f, 10}, {0.0123f, -128}}, qo = {0.05f, -3};
  int8_t *x[3];
  qt_tensor in[3];
  for (int t = 0; t < 3; t++) {
    x[t] = qt_rand_i8(12 * w[t], 30 + (unsigned long long)t, -128, 127);
    in[t] = qt_q(qt_t(ENN_DTYPE_I8, 4, (int64_t[]){2, 3, w[t], 2}, x[t], t == 2), &qi[t].s, &qi[t].z);
  }
  x[1][0] = 127; /* saturates after rescaling */
  x[1][1] = -128;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = 2;
  const enn_quant q = qt_quant1(&qo.s, &qo.z);
  int8_t y[84];
  enn_tensor_desc yd;
  qt_opts o = {0};
  CHECK_OK(qt_run(ENN_OP_CONCAT, "cat", &a, in, 3, &q, y, sizeof y, &yd, &o));
  CHECK(yd.rank == 4 && yd.dims[2] == 7);
  CHECK(strcmp(o.kernel, "enn_qs8_concat_requant__ref") == 0);
  long bad = -1, far = -1;
  for (int i = 0; i < 6; i++)
    for (int j = 0, off = 0; j < 3; off += (int)w[j], j++)
      for (int k = 0; k < w[j]; k++)
        for (int c = 0; c < 2; c++) {
          const long f = (i * 7 + off + k) * 2 + c;
          const int8_t v = x[j][(i * w[j] + k) * 2 + c];
          if (bad < 0 && y[f] != ref_rescale(v, qi[j], qo)) bad = f;
          const double real = (double)qi[j].s * (v - qi[j].z) / (double)qo.s + qo.z;
          const double rc = real > 127 ? 127 : (real < -128 ? -128 : real);
          if (far < 0 && fabs(y[f] - rc) > 0.5 + 1e-4) far = f;
        }
  CHECK_MSG(bad < 0, "element %ld differs", bad);
  CHECK_MSG(far < 0, "element %ld is off by more than half a step", far);
  /* all parameters equal: a plain copy, and the output inherits them at infer */
  const qp qs = {0.05f, -3};
  for (int t = 0; t < 3; t++) in[t] = qt_q(in[t], &qs.s, &qs.z);
  CHECK_OK(qt_run(ENN_OP_CONCAT, "cat", &a, in, 3, NULL, y, sizeof y, &yd, &o));
  CHECK(strcmp(o.kernel, "enn_qs8_concat__ref") == 0);
  CHECK(inherits(ENN_OP_CONCAT, &a, in, 3, qs.s, qs.z));
  CHECK(!inherits(ENN_OP_CONCAT, &a, (qt_tensor[]){in[0], qt_q(in[1], &qi[1].s, &qi[1].z)}, 2, qs.s, qs.z));
  int ok = 1;
  for (int i = 0; i < 6; i++)
    for (int j = 0, off = 0; j < 3; off += (int)w[j], j++)
      for (int k = 0; k < w[j]; k++)
        for (int c = 0; c < 2; c++) ok &= y[(i * 7 + off + k) * 2 + c] == x[j][(i * w[j] + k) * 2 + c];
  CHECK(ok);
  /* different parameters and no output parameters: refused, naming the node */
  in[1] = qt_q(in[1], &qi[1].s, &qi[1].z);
  CHECK_STATUS(qt_run(ENN_OP_CONCAT, "cat2", &a, in, 3, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "cat2") && strstr(enn_last_error(), "output"));
  for (int t = 0; t < 3; t++) free(x[t]);
}

static void test_views(void) {
  const int64_t d[4] = {1, 2, 3, 4};
  int8_t x[24], y[24];
  for (int i = 0; i < 24; i++) x[i] = (int8_t)(3 * i - 40);
  const qp q = {0.3f, 2};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 6;
  a.shape[1] = -1;
  enn_tensor_desc yd;
  CHECK(run_q8(ENN_OP_RESHAPE, &a, 4, d, x, q, y, sizeof y, &yd, NULL) == 24);
  CHECK(yd.rank == 2 && yd.dims[1] == 4 && memcmp(x, y, 24) == 0);
  enn_attrs_init_op(&a, ENN_OP_FLATTEN);
  CHECK(run_q8(ENN_OP_FLATTEN, &a, 4, d, x, q, y, sizeof y, &yd, NULL) == 24);
  CHECK(yd.rank == 2 && yd.dims[0] == 1 && yd.dims[1] == 24 && memcmp(x, y, 24) == 0);
  enn_attrs_init_op(&a, ENN_OP_SQUEEZE);
  CHECK(run_q8(ENN_OP_SQUEEZE, &a, 4, d, x, q, y, sizeof y, &yd, NULL) == 24);
  CHECK(yd.rank == 3 && memcmp(x, y, 24) == 0);
  /* per-axis parameters cannot pass through a reshape */
  const float s2[2] = {0.1f, 0.2f};
  const int32_t z2[2] = {0, 0};
  qt_tensor t = qt_qaxis(qt_t(ENN_DTYPE_I8, 4, d, x, 1), 1, s2, z2);
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 1;
  a.shape[0] = 24;
  CHECK_STATUS(qt_run(ENN_OP_RESHAPE, "rs", &a, &t, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "rs") != NULL);
}

static void test_errors(void) {
  const int64_t d[2] = {2, 3};
  int8_t x[6] = {0}, y[64];
  const float s = 0.1f, s2 = 0.2f;
  const int32_t z = 0;
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 2, d, x, 0), &s, &z);
  const enn_quant other = qt_quant1(&s2, &z);
  enn_attrs a;
  /* a move cannot requantise: a different output parameter set is refused */
  enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
  a.perm[0] = 1;
  a.perm[1] = 0;
  CHECK_STATUS(qt_run(ENN_OP_TRANSPOSE, "tr", &a, &t, 1, &other, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "tr") && strstr(enn_last_error(), "output 0"));
  enn_attrs_init_op(&a, ENN_OP_PAD);
  a.pad_begin[0] = 1;
  CHECK_STATUS(qt_run(ENN_OP_PAD, "pad", &a, &t, 1, &other, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  /* an input without parameters */
  qt_tensor nq = qt_t(ENN_DTYPE_I8, 2, d, x, 0);
  CHECK_STATUS(qt_run(ENN_OP_PAD, "padq", &a, &nq, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "padq") && strstr(enn_last_error(), "input 0"));
  /* bilinear int8 resize */
  const int64_t d4[4] = {1, 2, 3, 1};
  qt_tensor t4 = qt_q(qt_t(ENN_DTYPE_I8, 4, d4, x, 0), &s, &z);
  enn_attrs_init_op(&a, ENN_OP_RESIZE);
  a.mode = ENN_RESIZE_BILINEAR;
  a.size[0] = 4;
  a.size[1] = 6;
  CHECK_STATUS(qt_run(ENN_OP_RESIZE, "bil", &a, &t4, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "bil") != NULL);
  /* mixed dtypes in a concat */
  const float f[6] = {0};
  qt_tensor mix[2] = {t, qt_t(ENN_DTYPE_F32, 2, d, f, 0)};
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  CHECK(qt_run(ENN_OP_CONCAT, "mix", &a, mix, 2, NULL, y, sizeof y, NULL, NULL) != ENN_OK);
  CHECK(strstr(enn_last_error(), "mix") != NULL);
}

int main(void) {
  ENN_RUN(test_transpose);
  ENN_RUN(test_slice);
  ENN_RUN(test_pad);
  ENN_RUN(test_resize_and_gmax);
  ENN_RUN(test_split);
  ENN_RUN(test_concat);
  ENN_RUN(test_views);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
