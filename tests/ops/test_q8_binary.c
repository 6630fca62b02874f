/*
 * int8 Add / Sub / Mul / PRelu: hand-computed values, then random tensors
 * over broadcast patterns (same shape, trailing, two-sided, rank-different,
 * scalar, prime sizes) and parameter sets (equal and unequal scales, power-
 * of-two scales that produce exact rounding ties, extreme zero points),
 * with fused Relu / Relu6 / Clip, compared bit for bit with the test's own
 * statement of TFLite's integer kernels (q8_harness.h fixed point, index
 * arithmetic written independently of the library's stride walk). Also: an
 * in-place chain (the planner aliases the output onto a dying input), the
 * real-valued result within a rounding step, and the errors.
 */
#include "kernels/kernels.h"
#include "q8_chain.h"

/* ------------------------------------------------------------ reference */
typedef struct qp {
  float s;
  int32_t z;
} qp;

/* TFLite ADD / SUB on one element (Sub: input 2's multiplier negated). */
static int32_t ref_addsub(int sub, int32_t a, int32_t b, qp qa, qp qb, qp qy, int32_t lo, int32_t hi) {
  const float twice_f = 2.0f * (qa.s > qb.s ? qa.s : qb.s);
  const double twice = (double)twice_f;
  int32_t ma, ea, mb, eb, my, ey;
  qt_quantize_multiplier((double)qa.s / twice, &ma, &ea);
  qt_quantize_multiplier((double)qb.s / twice, &mb, &eb);
  qt_quantize_multiplier(twice / (double)((float)(1 << 20) * qy.s), &my, &ey);
  if (sub) mb = -mb;
  const int32_t ra = qt_mbqm((a - qa.z) * (1 << 20), ma, ea);
  const int32_t rb = qt_mbqm((b - qb.z) * (1 << 20), mb, eb);
  return qt_clamp((int64_t)qy.z + qt_mbqm(ra + rb, my, ey), lo, hi);
}

static int32_t ref_mul(int32_t a, int32_t b, qp qa, qp qb, qp qy, int32_t lo, int32_t hi) {
  int32_t m, e;
  const float real = qa.s * qb.s / qy.s; /* TFLite forms it in float */
  qt_quantize_multiplier((double)real, &m, &e);
  return qt_clamp((int64_t)qy.z + qt_mbqm((a - qa.z) * (b - qb.z), m, e), lo, hi);
}

static int32_t ref_prelu(int32_t x, int32_t al, qp qx, qp qa, qp qy) {
  int32_t m1, e1, m2, e2;
  const float r1 = qx.s / qy.s, r2 = qx.s * qa.s / qy.s;
  qt_quantize_multiplier((double)r1, &m1, &e1);
  qt_quantize_multiplier((double)r2, &m2, &e2);
  const int32_t d = x - qx.z;
  const int32_t v = d >= 0 ? qt_mbqm(d, m1, e1) : qt_mbqm(d * (al - qa.z), m2, e2);
  return qt_clamp((int64_t)qy.z + v, -128, 127);
}

/* Broadcast shape of a and b (numpy); returns the rank. */
static int32_t bshape(int32_t ra, const int64_t *da, int32_t rb, const int64_t *db, int64_t *out) {
  const int32_t r = ra > rb ? ra : rb;
  for (int32_t k = 0; k < r; k++) {
    const int64_t x = k - (r - ra) >= 0 ? da[k - (r - ra)] : 1, y = k - (r - rb) >= 0 ? db[k - (r - rb)] : 1;
    out[k] = x == 1 ? y : x;
  }
  return r;
}

/* Flat index into an operand of rank ro / dims do for output index idx (rank r). */
static long src_index(const int64_t *idx, int32_t r, int32_t ro, const int64_t *dop) {
  long f = 0;
  for (int32_t k = 0; k < ro; k++) {
    const int64_t i = dop[k] == 1 ? 0 : idx[k + r - ro];
    f = f * (long)dop[k] + (long)i;
  }
  return f;
}

/* ---------------------------------------------------------------- cases */
static enn_attrs act_attrs(enn_op op, int act) {
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  a.act = act;
  if (act == ENN_ACT_CLIP) {
    a.act_min = -0.75f;
    a.act_max = 1.5f;
  }
  return a;
}

static void test_hand(void) {
  const float s05 = 0.5f, s025 = 0.25f;
  const int32_t z0 = 0;
  const enn_quant q05 = qt_quant1(&s05, &z0), q025 = qt_quant1(&s025, &z0);
  const int8_t a[3] = {10, -6, 127}, b[3] = {4, 4, 127};
  qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){3}, a, 0), &s05, &z0),
                     qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){3}, b, 1), &s05, &z0)};
  int8_t y[3];
  qt_opts o = {0};
  /* 5 + 2 = 7 -> 14; -3 + 2 = -1 -> -2; 63.5 + 63.5 = 127 -> 254 saturates to 127 */
  CHECK_OK(qt_run(ENN_OP_ADD, "add", NULL, in, 2, &q05, y, sizeof y, NULL, &o));
  CHECK(y[0] == 14 && y[1] == -2 && y[2] == 127);
  const enn_kernel *kv = enn_kernel_find(ENN_KOP_QS8_VADD, ENN_DTYPE_I8, 0, 0); /* the fast Add / Sub, if any */
  CHECK(strcmp(o.kernel, kv ? kv->name : "enn_qs8_add__ref") == 0);
  /* 5 - 2 = 3 -> 6; -3 - 2 = -5 -> -10; 0 */
  CHECK_OK(qt_run(ENN_OP_SUB, "sub", NULL, in, 2, &q05, y, sizeof y, NULL, &o));
  CHECK(y[0] == 6 && y[1] == -10 && y[2] == 0);
  CHECK(strcmp(o.kernel, kv ? kv->name : "enn_qs8_sub__ref") == 0);
  /* 5 * 2 = 10 -> 40 (scale 0.25); -3 * 2 = -6 -> -24; saturates */
  CHECK_OK(qt_run(ENN_OP_MUL, "mul", NULL, in, 2, &q025, y, sizeof y, NULL, &o));
  CHECK(y[0] == 40 && y[1] == -24 && y[2] == 127);
  CHECK(strcmp(o.kernel, "enn_qs8_mul__ref") == 0);
  /* fused relu on the add: -1 -> 0 */
  enn_attrs at = act_attrs(ENN_OP_ADD, ENN_ACT_RELU);
  CHECK_OK(qt_run(ENN_OP_ADD, "add", &at, in, 2, &q05, y, sizeof y, NULL, NULL));
  CHECK(y[0] == 14 && y[1] == 0 && y[2] == 127);
  /* PRelu, slope 0.25 (q 1 at scale 0.25): 5 -> 10 */
  const int8_t sl[1] = {1};
  qt_tensor pin[2] = {qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){3}, a, 0), &s05, &z0),
                      qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){1}, sl, 1), &s025, &z0)};
  CHECK_OK(qt_run(ENN_OP_PRELU, "prelu", NULL, pin, 2, &q05, y, sizeof y, NULL, &o));
  /* -3 * 0.25 = -0.75 = -1.5 output steps -> -2 (ties away from zero) */
  CHECK(y[0] == 10 && y[1] == -2 && y[2] == 127);
  CHECK(strcmp(o.kernel, "enn_qs8_prelu__ref") == 0);
}

typedef struct shape_pair {
  int32_t ra, rb;
  int64_t da[4], db[4];
} shape_pair;

static const shape_pair kShapes[] = {
    {1, 1, {7}, {7}},                         /* same shape */
    {3, 3, {2, 3, 5}, {2, 3, 5}},             /* same shape, rank 3 */
    {3, 1, {2, 3, 4}, {4}},                   /* trailing vector (per channel) */
    {4, 4, {1, 5, 3, 4}, {1, 1, 1, 4}},       /* NHWC per channel */
    {3, 3, {2, 1, 3}, {1, 4, 1}},             /* two-sided */
    {0, 3, {0}, {3, 1, 2}},                   /* scalar (rank 0) first */
    {2, 0, {13, 7}, {0}},                     /* scalar second, primes */
    {4, 2, {2, 3, 1, 5}, {4, 1}},             /* rank-different, both broadcast */
    {1, 1, {1}, {11}},                        /* size-1 */
};

static const qp kParams[][3] = {
    {{0.05f, -3}, {0.05f, -3}, {0.1f, 5}},
    {{0.5f, 0}, {0.25f, 0}, {0.5f, 0}},          /* powers of two: exact ties */
    {{0.0123f, -128}, {0.321f, 127}, {0.2f, -20}}, /* extreme zero points, unequal scales */
    {{0.02f, 10}, {0.0031f, -7}, {0.0009f, 3}},  /* small output scale (mul saturates) */
    {{1.7f, 1}, {0.0039215689f, -128}, {0.7f, 0}},
};

static void run_case(enn_op op, const shape_pair *sp, const qp *P, int act, unsigned long long seed) {
  int64_t od[4];
  const int32_t r = bshape(sp->ra, sp->da, sp->rb, sp->db, od);
  long na = 1, nb = 1, ny = 1;
  for (int32_t k = 0; k < sp->ra; k++) na *= (long)sp->da[k];
  for (int32_t k = 0; k < sp->rb; k++) nb *= (long)sp->db[k];
  for (int32_t k = 0; k < r; k++) ny *= (long)od[k];
  int8_t *a = qt_rand_i8(na, seed, -128, 127), *b = qt_rand_i8(nb, seed + 1, -128, 127);
  int8_t *y = malloc((size_t)ny + 1), *want = malloc((size_t)ny + 1);
  qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, sp->ra, sp->da, a, 0), &P[0].s, &P[0].z),
                     qt_q(qt_t(ENN_DTYPE_I8, sp->rb, sp->db, b, (int)(seed & 1)), &P[1].s, &P[1].z)};
  const enn_quant qy = qt_quant1(&P[2].s, &P[2].z);
  enn_attrs at = act_attrs(op, act);
  enn_tensor_desc yd;
  CHECK_OK(qt_run(op, "bin", &at, in, 2, &qy, y, (size_t)ny + 1, &yd, NULL));
  CHECK(yd.dtype == ENN_DTYPE_I8 && yd.rank == r);
  int32_t lo, hi;
  qt_act_range(act, at.act_min, at.act_max, P[2].s, P[2].z, &lo, &hi);
  int64_t idx[4];
  for (long f = 0; f < ny; f++) {
    long t = f;
    for (int32_t k = r - 1; k >= 0; k--) {
      idx[k] = t % od[k];
      t /= (long)od[k];
    }
    const int32_t av = a[src_index(idx, r, sp->ra, sp->da)], bv = b[src_index(idx, r, sp->rb, sp->db)];
    want[f] = (int8_t)(op == ENN_OP_MUL ? ref_mul(av, bv, P[0], P[1], P[2], lo, hi)
                                        : ref_addsub(op == ENN_OP_SUB, av, bv, P[0], P[1], P[2], lo, hi));
  }
  const long d = qt_first_diff_i8(y, want, ny);
  CHECK_MSG(d < 0, "%s act %d: element %ld is %d, expected %d", enn_op_name(op), act, d, d >= 0 ? y[d] : 0,
            d >= 0 ? want[d] : 0);
  free(a);
  free(b);
  free(y);
  free(want);
}

static void test_random_bit_exact(void) {
  const enn_op ops[3] = {ENN_OP_ADD, ENN_OP_SUB, ENN_OP_MUL};
  const int acts[4] = {ENN_ACT_NONE, ENN_ACT_RELU, ENN_ACT_RELU6, ENN_ACT_CLIP};
  unsigned long long seed = 1;
  for (int o = 0; o < 3; o++)
    for (size_t s = 0; s < sizeof kShapes / sizeof kShapes[0]; s++)
      for (size_t p = 0; p < sizeof kParams / sizeof kParams[0]; p++)
        run_case(ops[o], &kShapes[s], kParams[p], acts[(s + p) % 4], seed++);
}

/* Every (a, b) pair of int8 values once: exhaustive over the value space for
 * one parameter set per op (covers every rounding tie those scales have). */
static void test_exhaustive_pairs(void) {
  int8_t *a = malloc(65536), *b = malloc(65536), *y = malloc(65536);
  for (int i = 0; i < 65536; i++) {
    a[i] = (int8_t)(i / 256 - 128);
    b[i] = (int8_t)(i % 256 - 128);
  }
  const qp P[3] = {{0.5f, 3}, {0.125f, -9}, {0.25f, -1}};
  const enn_op ops[3] = {ENN_OP_ADD, ENN_OP_SUB, ENN_OP_MUL};
  for (int o = 0; o < 3; o++) {
    qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){65536}, a, 0), &P[0].s, &P[0].z),
                       qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){65536}, b, 0), &P[1].s, &P[1].z)};
    const enn_quant qy = qt_quant1(&P[2].s, &P[2].z);
    CHECK_OK(qt_run(ops[o], "bin", NULL, in, 2, &qy, y, 65536, NULL, NULL));
    long bad = -1;
    for (int i = 0; i < 65536 && bad < 0; i++) {
      const int sub = ops[o] == ENN_OP_SUB;
      const int32_t w = ops[o] == ENN_OP_MUL ? ref_mul(a[i], b[i], P[0], P[1], P[2], -128, 127)
                                             : ref_addsub(sub, a[i], b[i], P[0], P[1], P[2], -128, 127);
      if (y[i] != w) bad = i;
    }
    CHECK_MSG(bad < 0, "%s: pair %ld differs", enn_op_name(ops[o]), bad);
    /* and the real-valued result is within one output step (unsaturated) */
    long far = -1;
    for (int i = 0; i < 65536 && far < 0; i++) {
      const double ra = (double)P[0].s * (a[i] - P[0].z), rb = (double)P[1].s * (b[i] - P[1].z);
      const double r = ops[o] == ENN_OP_ADD ? ra + rb : (ops[o] == ENN_OP_SUB ? ra - rb : ra * rb);
      const double q = r / (double)P[2].s + P[2].z;
      if (q > -128 && q < 127 && fabs((double)y[i] - q) > 1.0) far = i;
    }
    CHECK_MSG(far < 0, "%s: pair %ld is more than one step from the real result", enn_op_name(ops[o]), far);
  }
  free(a);
  free(b);
  free(y);
}

static void test_prelu(void) {
  /* x [2,3,5,4] NHWC, per-channel slope [4] (and a full-shape slope) */
  const int64_t xd[4] = {2, 3, 5, 4};
  const long n = 120;
  int8_t *x = qt_rand_i8(n, 11, -128, 127), *full = qt_rand_i8(n, 12, -128, 127);
  const int8_t sl[4] = {-128, 0, 37, 127};
  const qp P[][3] = {{{0.05f, 4}, {0.01f, 0}, {0.04f, -2}}, {{0.5f, -128}, {0.25f, 9}, {0.5f, 127}}};
  int8_t y[120];
  for (int pi = 0; pi < 2; pi++)
    for (int full_slope = 0; full_slope < 2; full_slope++) {
      qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, 4, xd, x, 0), &P[pi][0].s, &P[pi][0].z),
                         full_slope ? qt_q(qt_t(ENN_DTYPE_I8, 4, xd, full, 1), &P[pi][1].s, &P[pi][1].z)
                                    : qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, sl, 1), &P[pi][1].s, &P[pi][1].z)};
      const enn_quant qy = qt_quant1(&P[pi][2].s, &P[pi][2].z);
      CHECK_OK(qt_run(ENN_OP_PRELU, "prelu", NULL, in, 2, &qy, y, sizeof y, NULL, NULL));
      long bad = -1;
      for (long f = 0; f < n && bad < 0; f++) {
        const int32_t al = full_slope ? full[f] : sl[f % 4];
        if (y[f] != ref_prelu(x[f], al, P[pi][0], P[pi][1], P[pi][2])) bad = f;
      }
      CHECK_MSG(bad < 0, "prelu params %d full %d: element %ld differs", pi, full_slope, bad);
    }
  free(x);
  free(full);
}

/* x -> Add(x, c1) -> t -> Mul(t, c2) -> u -> Sub(u, c3) -> y: t dies at the
 * Mul, which the planner runs in place (u on t's buffer). */
static void test_in_place_chain(void) {
  const int64_t d[2] = {3, 17};
  const long n = 51;
  int8_t *x = qt_rand_i8(n, 21, -128, 127), *c1 = qt_rand_i8(n, 22, -128, 127), *c2 = qt_rand_i8(17, 23, -128, 127);
  const int8_t c3[1] = {-77};
  const qp px = {0.03f, 1}, p1 = {0.07f, -4}, pt = {0.08f, 2}, p2 = {0.02f, 0}, pu = {0.01f, -6}, p3 = {0.05f, 3},
           py = {0.04f, 0};
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc dc1, dc2, dc3;
  enn_tensor_desc_init(&dc1, ENN_DTYPE_I8, 2, d);
  dc1.quant = qt_quant1(&p1.s, &p1.z);
  enn_tensor_desc_init(&dc2, ENN_DTYPE_I8, 1, (int64_t[]){17});
  dc2.quant = qt_quant1(&p2.s, &p2.z);
  enn_tensor_desc_init(&dc3, ENN_DTYPE_I8, 0, NULL);
  dc3.quant = qt_quant1(&p3.s, &p3.z);
  int32_t i1, i2, i3;
  const int32_t ix = qt_chain_input(g, "x", 2, d, &px.s, &px.z);
  CHECK_OK(enn_graph_add_constant(g, "c1", &dc1, c1, ENN_CONST_COPY, &i1));
  CHECK_OK(enn_graph_add_constant(g, "c2", &dc2, c2, ENN_CONST_COPY, &i2));
  CHECK_OK(enn_graph_add_constant(g, "c3", &dc3, c3, ENN_CONST_COPY, &i3));
  const int32_t t = qt_chain_node(g, ENN_OP_ADD, "add", (int32_t[]){ix, i1}, 2, &pt.s, &pt.z);
  const int32_t u = qt_chain_node(g, ENN_OP_MUL, "mul", (int32_t[]){t, i2}, 2, &pu.s, &pu.z);
  const int32_t y = qt_chain_node(g, ENN_OP_SUB, "sub", (int32_t[]){u, i3}, 2, &py.s, &py.z);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_session *s = qt_run_in_place(g, "add", "mul", x, (size_t)n);
  if (s) {
    const int8_t *out = enn_session_output_buffer(s, 0);
    long bad = -1;
    for (long f = 0; f < n && bad < 0; f++) {
      const int32_t tv = ref_addsub(0, x[f], c1[f], px, p1, pt, -128, 127);
      const int32_t uv = ref_mul(tv, c2[f % 17], pt, p2, pu, -128, 127);
      if (out[f] != ref_addsub(1, uv, c3[0], pu, p3, py, -128, 127)) bad = f;
    }
    CHECK_MSG(bad < 0, "element %ld differs", bad);
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
  free(x);
  free(c1);
  free(c2);
}

static void test_errors(void) {
  const float s = 0.1f, tiny = 1e-12f;
  const int32_t z = 0, zbad = 200;
  const int8_t a[4] = {1, 2, 3, 4};
  const float f[4] = {1, 2, 3, 4};
  int8_t y[4];
  const enn_quant q = qt_quant1(&s, &z);
  qt_tensor in[2] = {qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, a, 0), &s, &z),
                     qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, a, 0), &s, &z)};
  /* int8 + f32 */
  qt_tensor mixed[2] = {in[0], qt_t(ENN_DTYPE_F32, 1, (int64_t[]){4}, f, 0)};
  CHECK_STATUS(qt_run(ENN_OP_ADD, "mix", NULL, mixed, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_DTYPE);
  CHECK(strstr(enn_last_error(), "mix") != NULL);
  /* Div has no int8 form */
  CHECK_STATUS(qt_run(ENN_OP_DIV, "div8", NULL, in, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "div8") != NULL);
  /* a non-clamping fused activation */
  enn_attrs at = act_attrs(ENN_OP_ADD, ENN_ACT_SIGMOID);
  CHECK_STATUS(qt_run(ENN_OP_ADD, "sig", &at, in, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "sig") != NULL);
  /* shapes that do not broadcast */
  qt_tensor bad_shape[2] = {in[0], qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){3}, a, 0), &s, &z)};
  CHECK_STATUS(qt_run(ENN_OP_MUL, "shape", NULL, bad_shape, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_SHAPE);
  /* per-axis input */
  const float s4[4] = {0.1f, 0.2f, 0.3f, 0.4f};
  const int32_t z4[4] = {0, 0, 0, 0};
  qt_tensor per_axis[2] = {in[0], qt_qaxis(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, a, 1), 0, s4, z4)};
  CHECK_STATUS(qt_run(ENN_OP_MUL, "axis", NULL, per_axis, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "axis") != NULL);
  /* output without parameters: refused at session create, naming node and tensor */
  CHECK_STATUS(qt_run(ENN_OP_ADD, "noq", NULL, in, 2, NULL, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "noq") != NULL && strstr(enn_last_error(), "output") != NULL);
  /* input without parameters */
  qt_tensor noqin[2] = {qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, a, 0), in[1]};
  CHECK_STATUS(qt_run(ENN_OP_SUB, "noqin", NULL, noqin, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "noqin") != NULL && strstr(enn_last_error(), "input 0") != NULL);
  /* zero point outside int8 */
  const enn_quant qbad = qt_quant1(&s, &zbad);
  CHECK_STATUS(qt_run(ENN_OP_MUL, "zp", NULL, in, 2, &qbad, y, sizeof y, NULL, NULL), ENN_ERR_INVALID_ARG);
  /* an output scale so small that the add's rescale factor is >= 1 (TFLite refuses it) */
  const enn_quant qtiny = qt_quant1(&tiny, &z);
  CHECK_STATUS(qt_run(ENN_OP_ADD, "tiny", NULL, in, 2, &qtiny, y, sizeof y, NULL, NULL), ENN_ERR_UNSUPPORTED);
  CHECK(strstr(enn_last_error(), "tiny") != NULL);
  /* PRelu: slope that does not broadcast to x */
  qt_tensor pbad[2] = {qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){1}, a, 0), &s, &z),
                       qt_q(qt_t(ENN_DTYPE_I8, 1, (int64_t[]){4}, a, 1), &s, &z)};
  CHECK_STATUS(qt_run(ENN_OP_PRELU, "pre", NULL, pbad, 2, &q, y, sizeof y, NULL, NULL), ENN_ERR_SHAPE);
}

int main(void) {
  ENN_RUN(test_hand);
  ENN_RUN(test_random_bit_exact);
  ENN_RUN(test_exhaustive_pairs);
  ENN_RUN(test_prelu);
  ENN_RUN(test_in_place_chain);
  ENN_RUN(test_errors);
  return enn_test_finish();
}
