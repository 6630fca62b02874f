/*
 * int8 Softmax against the test's own statement of TFLite's int8 softmax
 * (its CPU kernel: a float table t[255 - v] = expf(-in_scale * v) of the
 * 256 possible differences from the lane maximum, a float sum in index
 * order, p = t * (1 / (sum * out_scale)), round half away from zero + zp):
 * bit for bit over shapes (classifier rows, odd sizes, a single element,
 * inner axes), several input scales and output parameters. Every output is
 * also within one step of the exact softmax and the input's argmax keeps
 * the largest output. Plus in-place execution and errors.
 */
#include "q8_chain.h"

typedef struct qp {
  float s;
  int32_t z;
} qp;

/* TFLite-layout table: index 255 - v holds exp(-s * v). */
static void make_table(float *t, float in_s) {
  const float sc = -in_s * 1.0f;
  for (int v = 0; v <= 255; v++) t[255 - v] = expf(sc * (float)v);
}

/* Reference over [outer, n, inner] with the lane along the middle axis. */
static void ref_softmax(const int8_t *x, int8_t *y, long outer, long n, long inner, qp in, qp out) {
  float t[256];
  make_table(t, in.s);
  for (long o = 0; o < outer; o++)
    for (long i = 0; i < inner; i++) {
      int mx = -128;
      for (long k = 0; k < n; k++) mx = x[(o * n + k) * inner + i] > mx ? x[(o * n + k) * inner + i] : mx;
      const float *to = t + (255 - mx); /* to[v] = exp(-s * (mx - v)) for v <= mx */
      float sum = 0.0f;
      for (long k = 0; k < n; k++) sum += to[x[(o * n + k) * inner + i]];
      const float inv = 1.0f / (sum * out.s);
      for (long k = 0; k < n; k++) {
        const float p = to[x[(o * n + k) * inner + i]] * inv;
        const float r = floorf(p + 0.5f); /* p >= 0: half away from zero */
        y[(o * n + k) * inner + i] = (int8_t)qt_clamp((int64_t)r + out.z, -128, 127);
      }
    }
}

static void check_case(int32_t rank, const int64_t *dims, int32_t axis, qp in, qp out, unsigned long long seed,
                       int lo, int hi) {
  long n = 1;
  for (int32_t k = 0; k < rank; k++) n *= (long)dims[k];
  int8_t *x = qt_rand_i8(n, seed, lo, hi), *y = malloc((size_t)n + 1), *want = malloc((size_t)n + 1);
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, rank, dims, x, 0), &in.s, &in.z);
  const enn_quant qy = qt_quant1(&out.s, &out.z);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SOFTMAX);
  a.axis = axis;
  qt_opts o = {0};
  CHECK_OK(qt_run(ENN_OP_SOFTMAX, "sm", &a, &t, 1, &qy, y, (size_t)n + 1, NULL, &o));
  CHECK(strcmp(o.kernel, "enn_qs8_softmax__ref") == 0);
  const int32_t ax = axis < 0 ? axis + rank : axis;
  long outer = 1, inner = 1;
  for (int32_t k = 0; k < ax; k++) outer *= (long)dims[k];
  for (int32_t k = ax + 1; k < rank; k++) inner *= (long)dims[k];
  const long len = (long)dims[ax];
  ref_softmax(x, want, outer, len, inner, in, out);
  const long d = qt_first_diff_i8(y, want, n);
  CHECK_MSG(d < 0, "rank %d axis %d scale %g: element %ld is %d, expected %d", rank, axis, (double)in.s, d,
            d >= 0 ? y[d] : 0, d >= 0 ? want[d] : 0);
  /* within one step of the exact softmax; the input argmax holds the largest output */
  long far = -1, lost = -1;
  for (long oo = 0; oo < outer; oo++)
    for (long i = 0; i < inner; i++) {
      double m = -1e300, sum = 0.0;
      long am = 0;
      int8_t ymax = -128;
      for (long k = 0; k < len; k++) {
        const double v = (double)in.s * x[(oo * len + k) * inner + i];
        if (v > m) {
          m = v;
          am = k;
        }
      }
      for (long k = 0; k < len; k++) sum += exp((double)in.s * x[(oo * len + k) * inner + i] - m);
      for (long k = 0; k < len; k++) {
        const long f = (oo * len + k) * inner + i;
        const double p = exp((double)in.s * x[f] - m) / sum / (double)out.s + out.z;
        const double pc = p > 127 ? 127 : (p < -128 ? -128 : p);
        if (far < 0 && fabs(y[f] - pc) > 1.0) far = f;
        if (y[f] > ymax) ymax = y[f];
      }
      if (lost < 0 && y[(oo * len + am) * inner + i] != ymax) lost = oo;
    }
  CHECK_MSG(far < 0, "element %ld is more than one step from the exact softmax", far);
  CHECK_MSG(lost < 0, "lane %ld: the argmax does not hold the largest output", lost);
  free(x);
  free(y);
  free(want);
}

static const qp kIn[5] = {{0.1f, 0}, {0.0625f, -10}, {0.00390625f, -128}, {0.5f, 3}, {1.25f, 17}};
static const qp kOut[3] = {{1.0f / 256.0f, -128}, {1.0f / 255.0f, -128}, {0.01f, -100}};

static void test_shapes(void) {
  unsigned long long seed = 100;
  for (int p = 0; p < 5; p++)
    for (int q = 0; q < 3; q++) {
      check_case(2, (int64_t[]){1, 10}, -1, kIn[p], kOut[q], seed++, -128, 127);  /* classifier row */
      check_case(2, (int64_t[]){3, 1001}, 1, kIn[p], kOut[q], seed++, -128, 127); /* ImageNet width */
      check_case(3, (int64_t[]){2, 3, 7}, -1, kIn[p], kOut[q], seed++, -20, 20);  /* narrow range */
      check_case(3, (int64_t[]){2, 5, 3}, 1, kIn[p], kOut[q], seed++, -128, 127); /* inner axis */
      check_case(3, (int64_t[]){4, 2, 3}, 0, kIn[p], kOut[q], seed++, -128, 127); /* outermost axis */
      check_case(1, (int64_t[]){1}, 0, kIn[p], kOut[q], seed++, -128, 127);       /* one element */
      check_case(1, (int64_t[]){13}, -1, kIn[p], kOut[q], seed++, 120, 127);      /* near-uniform */
    }
}

/* Hand-computed: one element -> probability 1 -> 256 steps -> saturates at
 * 127; two equal values -> 0.5 each -> 0; [x, x - 1/s] at scale s: e and 1
 * -> p = e / (1 + e) = 0.731059 -> 187.15 -> 187 - 128 = 59, and 68.85 -> 69 - 128. */
static void test_hand(void) {
  const float s = 0.5f, so = 1.0f / 256.0f;
  const int32_t z = 0, zo = -128;
  const enn_quant qy = qt_quant1(&so, &zo);
  int8_t y[2];
  const int8_t one[1] = {5}, two[2] = {7, 7}, pair[2] = {4, 2};
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){1}, one, 0), &s, &z);
  CHECK_OK(qt_run(ENN_OP_SOFTMAX, "sm", NULL, &t, 1, &qy, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 127);
  t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){2}, two, 0), &s, &z);
  CHECK_OK(qt_run(ENN_OP_SOFTMAX, "sm", NULL, &t, 1, &qy, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 0 && y[1] == 0);
  t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){2}, pair, 0), &s, &z);
  CHECK_OK(qt_run(ENN_OP_SOFTMAX, "sm", NULL, &t, 1, &qy, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 59 && y[1] == -59);
}

/* x -> Relu -> t -> Softmax -> u -> Relu -> y: the Softmax runs in place. */
static void test_in_place(void) {
  const int64_t d[2] = {3, 10};
  const long n = 30;
  int8_t *x = qt_rand_i8(n, 9, -128, 127);
  const qp px = {0.1f, -5}, pt = {0.1f, -5}, pu = {1.0f / 256.0f, -128}, py = {1.0f / 256.0f, -128};
  const qt_stage st[3] = {
      {ENN_OP_RELU, "r1", pt.s, pt.z}, {ENN_OP_SOFTMAX, "sm", pu.s, pu.z}, {ENN_OP_RELU, "r2", py.s, py.z}};
  enn_graph *g = qt_unary_chain(2, d, px.s, px.z, st, 3);
  enn_session *s = g ? qt_run_in_place(g, "r1", "sm", x, (size_t)n) : NULL;
  if (s) {
    int8_t r[30], want[30];
    for (long f = 0; f < n; f++) r[f] = x[f] > px.z ? x[f] : (int8_t)px.z; /* relu at equal params */
    ref_softmax(r, want, 3, 10, 1, pt, pu);
    CHECK(memcmp(enn_session_output_buffer(s, 0), want, (size_t)n) == 0);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(x);
}

static void test_errors(void) {
  const int8_t x[4] = {0};
  int8_t y[4];
  const float s = 0.1f, so = 1.0f / 256.0f;
  const int32_t z = 0, zo = -128;
  const enn_quant qy = qt_quant1(&so, &zo);
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 2, (int64_t[]){2, 2}, x, 0), &s, &z);
  CHECK_STATUS(qt_run(ENN_OP_LOG_SOFTMAX, "lsm", NULL, &t, 1, &qy, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "lsm") != NULL);
  CHECK_STATUS(qt_run(ENN_OP_SOFTMAX, "noq", NULL, &t, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "noq") && strstr(enn_last_error(), "output"));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SOFTMAX);
  a.axis = 2;
  CHECK_STATUS(qt_run(ENN_OP_SOFTMAX, "ax", &a, &t, 1, &qy, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "ax") != NULL);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_shapes);
  ENN_RUN(test_in_place);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
