/*
 * int8 activations (lookup tables): each operator runs on a tensor holding
 * all 256 int8 values, for several (input, output) parameter sets, and must
 * equal bit for bit the test's own statement of the definition it follows:
 *   Relu / Clip / Relu6 and LeakyRelu: TFLite's integer formulas (q8_harness
 *     fixed point);
 *   Sigmoid / Tanh / HardSigmoid / Swish: TFLite's float table
 *     (round(f(x) * (1 / out_scale)) + zp in float);
 *   HardSwish: TFLite's int16 fixed-point reference, re-derived here with
 *     64-bit arithmetic.
 * Every result is also within one output step of the exact real function
 * (double precision). Plus an in-place chain, odd shapes, and errors.
 */
#include "q8_chain.h"

typedef struct qp {
  float s;
  int32_t z;
} qp;

static int32_t clamp8(int64_t v) { return qt_clamp(v, -128, 127); }

/* --------------------------------------------------- reference: integer */
static int32_t ref_relux(int32_t q, qp in, qp out, float lo_real, float hi_real) {
  int32_t m, e;
  const float r = in.s / out.s;
  qt_quantize_multiplier((double)r, &m, &e);
  int32_t lo = -128, hi = 127;
  if (!isinf(lo_real)) {
    const int32_t v = qt_quantize(lo_real, out.s, out.z, -100000, 100000);
    if (v > lo) lo = v;
  }
  if (!isinf(hi_real)) {
    const int32_t v = qt_quantize(hi_real, out.s, out.z, -100000, 100000);
    if (v < hi) hi = v;
  }
  return qt_clamp((int64_t)out.z + qt_mbqm(q - in.z, m, e), lo, hi);
}

static int32_t ref_leaky(int32_t q, qp in, qp out, float alpha) {
  int32_t mi, ei, ma, ea;
  const float ri = in.s / out.s, ra = in.s * alpha / out.s;
  qt_quantize_multiplier((double)ri, &mi, &ei);
  qt_quantize_multiplier((double)ra, &ma, &ea);
  const int32_t d = q - in.z;
  return clamp8((int64_t)out.z + (d >= 0 ? qt_mbqm(d, mi, ei) : qt_mbqm(d, ma, ea)));
}

/* ------------------------------------------- reference: float tables */
static float f_act(enn_op op, float x, float alpha, float beta) {
  switch (op) {
  case ENN_OP_SIGMOID: return 1.0f / (1.0f + expf(-x));
  case ENN_OP_TANH: return tanhf(x);
  case ENN_OP_HARD_SIGMOID: {
    const float v = alpha * x + beta;
    return v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
  }
  default: return x / (1.0f + expf(-x)); /* swish */
  }
}

static int32_t ref_table(enn_op op, int32_t q, qp in, qp out, float alpha, float beta) {
  const float x = in.s * (float)(q - in.z);
  const float inv = 1.0f / out.s;
  const float t = f_act(op, x, alpha, beta) * inv;
  const float r = t >= 0.0f ? floorf(t + 0.5f) : -floorf(-t + 0.5f);
  return clamp8((int64_t)r + out.z);
}

/* ------------------------------------------- reference: hard-swish int16 */
static int64_t s16(int64_t v) { return v > 32767 ? 32767 : (v < -32768 ? -32768 : v); }
/* gemmlowp's int16 rounding doubling high mul: the nudge (2^14, or 1 - 2^14
 * for a negative product) then a division truncating toward zero, which
 * amounts to floor((a*b + 2^14) / 2^15): ties round up. */
static int64_t rdhm16(int64_t a, int64_t b) {
  if (a == -32768 && b == -32768) return 32767;
  return qt_floor_shift(a * b + (1 << 14), 15);
}
static int64_t dhm16(int64_t a, int64_t b) { /* truncating */
  if (a == -32768 && b == -32768) return 32767;
  const int64_t ab = a * b;
  const int64_t q = llabs(ab) >> 15;
  return ab < 0 ? -q : q;
}
static int64_t rdiv16(int64_t x, int e) { /* e <= 15 in these tests: plain round half away */
  if (e <= 0) return x;
  const int64_t q = (llabs(x) + ((int64_t)1 << (e - 1))) >> e;
  return x < 0 ? -q : q;
}
static void mult16(float real, int64_t *m16, int *e) {
  int32_t m;
  qt_quantize_multiplier((double)real, &m, e);
  *m16 = m >= 2147483647 - 32768 ? 32767 : ((int64_t)m + 32768) >> 16;
}

static int32_t ref_hard_swish(int32_t q, qp in, qp out) {
  const float hires = in.s / 128.0f;
  int64_t mo, mr;
  int eo, er;
  mult16(hires / out.s, &mo, &eo);
  mult16(hires / (3.0f / 32768.0f), &mr, &er);
  const int64_t x = (int64_t)(q - in.z) * 128;
  const int64_t pre = rdhm16(x, mo);
  int64_t r = x;
  if (er > 0) r = s16(r * ((int64_t)1 << (er - 1)));
  r = rdhm16(r, mr);
  if (er > 0) r = s16(r * 2);
  if (er < 0) r = rdiv16(r, -er);
  r = (r + 32768) >> 1;
  const int64_t o = rdiv16(dhm16(r, pre), -eo);
  return clamp8(o + out.z);
}

/* ------------------------------------------------------ exact reals */
static double exact(enn_op op, double x, const enn_attrs *a) {
  switch (op) {
  case ENN_OP_RELU: return x > 0 ? x : 0;
  case ENN_OP_CLIP: return fmin(fmax(x, (double)a->act_min), (double)a->act_max);
  case ENN_OP_LEAKY_RELU: return x >= 0 ? x : (double)a->alpha * x;
  case ENN_OP_SIGMOID: return 1.0 / (1.0 + exp(-x));
  case ENN_OP_TANH: return tanh(x);
  case ENN_OP_HARD_SIGMOID: return fmax(0.0, fmin(1.0, (double)a->alpha * x + (double)a->beta));
  case ENN_OP_HARD_SWISH: return x * fmin(fmax(x + 3.0, 0.0), 6.0) / 6.0;
  default: return x / (1.0 + exp(-x));
  }
}

static int32_t reference(enn_op op, int32_t q, qp in, qp out, const enn_attrs *a) {
  switch (op) {
  case ENN_OP_RELU: return ref_relux(q, in, out, 0.0f, INFINITY);
  case ENN_OP_CLIP: return ref_relux(q, in, out, a->act_min, a->act_max);
  case ENN_OP_LEAKY_RELU: return ref_leaky(q, in, out, a->alpha);
  case ENN_OP_HARD_SWISH: return ref_hard_swish(q, in, out);
  default: return ref_table(op, q, in, out, a->alpha, a->beta);
  }
}

/* ---------------------------------------------------------------- tests */
static const enn_op kOps[8] = {ENN_OP_RELU,         ENN_OP_CLIP,       ENN_OP_LEAKY_RELU, ENN_OP_SIGMOID,
                               ENN_OP_TANH,         ENN_OP_HARD_SIGMOID, ENN_OP_HARD_SWISH, ENN_OP_SWISH};

static enn_attrs attrs_for(enn_op op, int variant) {
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  if (op == ENN_OP_CLIP) {
    const float lo[3] = {0.0f, -1.0f, -INFINITY}, hi[3] = {6.0f, 1.0f, 0.5f}; /* relu6, relu_n1_to_1, max only */
    a.act_min = lo[variant % 3];
    a.act_max = hi[variant % 3];
  }
  if (op == ENN_OP_LEAKY_RELU) a.alpha = variant % 2 ? 0.2f : 0.01f;
  if (op == ENN_OP_HARD_SIGMOID) {
    a.alpha = 0.2f;
    a.beta = 0.5f;
  }
  return a;
}

/* (input, output) parameter sets; the TFLite-mandated sigmoid / tanh
 * outputs are among them. */
static const qp kIn[4] = {{0.05f, -7}, {0.0235f, 127}, {0.125f, 0}, {0.01f, -128}};
static const qp kOut[4][2] = {
    {{0.05f, -7}, {1.0f / 256.0f, -128}}, /* same as input / sigmoid's */
    {{0.03f, 20}, {1.0f / 128.0f, 0}},     /* tanh's */
    {{0.0625f, -128}, {0.1f, 3}},
    {{0.004f, 0}, {0.02f, -50}},
};

static void test_all_values(void) {
  int8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
  for (int o = 0; o < 8; o++)
    for (int p = 0; p < 4; p++)
      for (int k = 0; k < 2; k++) {
        const enn_op op = kOps[o];
        const qp in = kIn[p], out = kOut[p][k];
        const enn_attrs a = attrs_for(op, p + k);
        qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){256}, x, 0), &in.s, &in.z);
        const enn_quant qy = qt_quant1(&out.s, &out.z);
        qt_opts opt = {0};
        CHECK_OK(qt_run(op, "act", &a, &t, 1, &qy, y, sizeof y, NULL, &opt));
        CHECK(strcmp(opt.kernel, "enn_qs8_lut__ref") == 0);
        int bad = -1, far = -1;
        for (int i = 0; i < 256; i++) {
          if (bad < 0 && y[i] != reference(op, x[i], in, out, &a)) bad = i;
          const double real = exact(op, (double)in.s * (x[i] - in.z), &a);
          const double want = real / (double)out.s + out.z;
          const double wc = want < -128 ? -128 : (want > 127 ? 127 : want);
          if (far < 0 && fabs(y[i] - wc) > 1.0) far = i;
        }
        CHECK_MSG(bad < 0, "%s params %d/%d: q = %d gives %d, expected %d", enn_op_name(op), p, k, bad - 128,
                  bad >= 0 ? y[bad] : 0, bad >= 0 ? reference(op, bad - 128, in, out, &a) : 0);
        CHECK_MSG(far < 0, "%s params %d/%d: q = %d gives %d, exact %g", enn_op_name(op), p, k, far - 128,
                  far >= 0 ? y[far] : 0,
                  far >= 0 ? exact(op, (double)in.s * (far - 128 - in.z), &a) / (double)out.s + out.z : 0.0);
      }
}

/* HardSwish and the float tables over many parameter sets: output scales
 * in a sweep, so the fixed-point steps meet their rounding ties. */
static void test_sweep(void) {
  int8_t x[256], y[256];
  for (int i = 0; i < 256; i++) x[i] = (int8_t)(i - 128);
  const qp ins[4] = {{0.125f, 0}, {0.0625f, -128}, {0.1f, 5}, {0.031f, 64}};
  const enn_op ops[3] = {ENN_OP_HARD_SWISH, ENN_OP_SIGMOID, ENN_OP_SWISH};
  int runs = 0, bad_runs = 0;
  for (int o = 0; o < 3; o++)
    for (int p = 0; p < 4; p++)
      for (int k = 0; k < 24; k++) {
        const qp in = ins[p], out = {0.003f + 0.0071f * (float)k, (int32_t)(k % 5) * 30 - 60};
        const enn_attrs a = attrs_for(ops[o], 0);
        qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){256}, x, 0), &in.s, &in.z);
        const enn_quant qy = qt_quant1(&out.s, &out.z);
        if (qt_run(ops[o], "act", &a, &t, 1, &qy, y, sizeof y, NULL, NULL) != ENN_OK) {
          bad_runs++;
          continue;
        }
        runs++;
        int bad = -1;
        for (int i = 0; i < 256 && bad < 0; i++)
          if (y[i] != reference(ops[o], x[i], in, out, &a)) bad = i;
        CHECK_MSG(bad < 0, "%s in (%g, %d) out (%g, %d): q = %d gives %d, expected %d", enn_op_name(ops[o]),
                  (double)in.s, in.z, (double)out.s, out.z, bad - 128, bad >= 0 ? y[bad] : 0,
                  bad >= 0 ? reference(ops[o], bad - 128, in, out, &a) : 0);
      }
  CHECK(bad_runs == 0 && runs == 3 * 4 * 24);
}

/* Hand-computed: sigmoid(0) = 0.5 -> 128 steps of 1/256 -> 0 with zp -128;
 * relu6 at equal params clamps to [zp, zp + 6/s]; tanh(0) = 0. */
static void test_hand(void) {
  const int8_t x[4] = {0, 127, -128, 20};
  int8_t y[4];
  const float s = 0.1f, so = 1.0f / 256.0f, st = 1.0f / 128.0f;
  const int32_t z = 0, zo = -128;
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, x, 0), &s, &z);
  enn_quant q = qt_quant1(&so, &zo);
  CHECK_OK(qt_run(ENN_OP_SIGMOID, "sig", NULL, &t, 1, &q, y, sizeof y, NULL, NULL));
  /* sigmoid(0) = .5 -> 0; sigmoid(12.7) -> 127; sigmoid(-12.8) -> -128; sigmoid(2) = .8808 * 256 = 225.48 -> 97 */
  CHECK(y[0] == 0 && y[1] == 127 && y[2] == -128);
  CHECK(y[3] == (int8_t)(lround(256.0 / (1.0 + exp(-2.0))) - 128));
  q = qt_quant1(&st, &z);
  CHECK_OK(qt_run(ENN_OP_TANH, "tanh", NULL, &t, 1, &q, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 0 && y[1] == 127 && y[2] == -128 && y[3] == (int8_t)lround(128.0 * tanh(2.0)));
  enn_attrs a = attrs_for(ENN_OP_CLIP, 0);
  q = qt_quant1(&s, &z);
  CHECK_OK(qt_run(ENN_OP_CLIP, "relu6", &a, &t, 1, &q, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 0 && y[1] == 60 && y[2] == 0 && y[3] == 20);
  CHECK_OK(qt_run(ENN_OP_RELU, "relu", NULL, &t, 1, &q, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 0 && y[1] == 127 && y[2] == 0 && y[3] == 20);
}

/* An odd-shaped tensor (3 x 7 x 5) through a chain Relu -> Sigmoid -> Tanh:
 * the Sigmoid runs in place; each stage equals its reference. */
static void test_chain_in_place(void) {
  const int64_t d[3] = {3, 7, 5};
  const long n = 105;
  int8_t *x = qt_rand_i8(n, 5, -128, 127);
  const qp px = {0.07f, 9}, pr = {0.05f, -128}, ps = {1.0f / 256.0f, -128}, pt = {1.0f / 128.0f, 0};
  const qt_stage st[3] = {
      {ENN_OP_RELU, "relu", pr.s, pr.z}, {ENN_OP_SIGMOID, "sig", ps.s, ps.z}, {ENN_OP_TANH, "tanh", pt.s, pt.z}};
  enn_graph *g = qt_unary_chain(3, d, px.s, px.z, st, 3);
  enn_session *s = g ? qt_run_in_place(g, "relu", "sig", x, (size_t)n) : NULL;
  if (s) {
    const int8_t *out = enn_session_output_buffer(s, 0);
    const enn_attrs none = attrs_for(ENN_OP_RELU, 0);
    long bad = -1;
    for (long f = 0; f < n && bad < 0; f++) {
      const int32_t v1 = reference(ENN_OP_RELU, x[f], px, pr, &none);
      const int32_t v2 = reference(ENN_OP_SIGMOID, v1, pr, ps, &none);
      if (out[f] != reference(ENN_OP_TANH, v2, ps, pt, &none)) bad = f;
    }
    CHECK_MSG(bad < 0, "element %ld differs", bad);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(x);
}

static void test_errors(void) {
  const int8_t x[4] = {0};
  const uint8_t xu[4] = {0};
  int8_t y[4];
  const float s = 0.1f, s4[4] = {0.1f, 0.1f, 0.1f, 0.1f}, tiny = 0.0001f;
  const int32_t z = 0, z4[4] = {0};
  const enn_quant q = qt_quant1(&s, &z);
  qt_tensor t = qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, x, 0), &s, &z);
  /* no output parameters: refused at session create naming the node and the output */
  CHECK_STATUS(qt_run(ENN_OP_SIGMOID, "sg0", NULL, &t, 1, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "sg0") && strstr(enn_last_error(), "output"));
  /* per-axis input */
  qt_tensor pa = qt_qaxis(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, x, 0), 0, s4, z4);
  CHECK_STATUS(qt_run(ENN_OP_RELU, "pax", NULL, &pa, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "pax") != NULL);
  /* uint8 input (importers convert to int8) */
  qt_tensor u = qt_q(qt_t(ENN_DTYPE_U8, 1, (int64_t[]){4}, xu, 0), &s, &z);
  CHECK(qt_run(ENN_OP_TANH, "u8", NULL, &u, 1, &q, y, sizeof y, NULL, NULL) != ENN_OK);
  CHECK(strstr(enn_last_error(), "u8") != NULL);
  /* HardSwish with an output scale below input_scale / 128 (TFLite refuses it) */
  const enn_quant qt = qt_quant1(&tiny, &z);
  CHECK_STATUS(qt_run(ENN_OP_HARD_SWISH, "hsw", NULL, &t, 1, &qt, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "hsw") != NULL);
  /* inverted clip bounds */
  enn_attrs a = attrs_for(ENN_OP_CLIP, 0);
  a.act_min = 2.0f;
  a.act_max = 1.0f;
  CHECK_STATUS(qt_run(ENN_OP_CLIP, "clip", &a, &t, 1, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  /* int8 output parameters with an absurd scale */
  const float bad = -1.0f;
  const enn_quant qb = qt_quant1(&bad, &z);
  CHECK(qt_run(ENN_OP_RELU, "neg", NULL, &t, 1, &qb, y, sizeof y, NULL, NULL) != ENN_OK);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_all_values);
  ENN_RUN(test_sweep);
  ENN_RUN(test_chain_in_place);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
