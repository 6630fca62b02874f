/* Batch-norm folding: hand-computed folded weights, conv variants against
 * an independent conv + batch-norm computed here in double, FullyConnected,
 * borrowed weights left untouched, and every case that must not fold. */
#include "opt_check.h"

/* Independent reference: NHWC conv with SAME_UPPER padding (the padding
 * oc_conv uses), then y = (z - mean) / sqrt(var + eps) * gamma + beta, in
 * double, with an optional relu6. Loops run over output channel groups
 * first, unlike the library kernel. */
typedef struct ref_conv {
  int n, h, w, ic, oc, k, s, groups;
} ref_conv;

static void ref_conv_bn(const ref_conv *c, const float *x, const float *wt, const float *b, const float *gam,
                        const float *bet, const float *mu, const float *var, double eps, int relu6, float *y) {
  const int oh = (c->h + c->s - 1) / c->s, ow = (c->w + c->s - 1) / c->s;
  int th = (oh - 1) * c->s + c->k - c->h, tw = (ow - 1) * c->s + c->k - c->w;
  if (th < 0) th = 0;
  if (tw < 0) tw = 0;
  const int pt = th / 2, pl = tw / 2, icg = c->ic / c->groups, ocg = c->oc / c->groups;
  for (int gi = 0; gi < c->groups; gi++)
    for (int oo = 0; oo < ocg; oo++) {
      const int o = gi * ocg + oo;
      const double sc = (double)gam[o] / sqrt((double)var[o] + eps);
      for (int nn = 0; nn < c->n; nn++)
        for (int yy = 0; yy < oh; yy++)
          for (int xx = 0; xx < ow; xx++) {
            double acc = b ? (double)b[o] : 0.0;
            for (int ci = 0; ci < icg; ci++)
              for (int ky = 0; ky < c->k; ky++)
                for (int kx = 0; kx < c->k; kx++) {
                  int iy = yy * c->s - pt + ky, ix = xx * c->s - pl + kx;
                  if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w) continue;
                  acc += (double)x[((nn * c->h + iy) * c->w + ix) * c->ic + gi * icg + ci] *
                         (double)wt[((o * c->k + ky) * c->k + kx) * icg + ci];
                }
            double v = (acc - (double)mu[o]) * sc + (double)bet[o];
            if (relu6) v = v < 0 ? 0 : (v > 6 ? 6 : v);
            y[((nn * oh + yy) * ow + xx) * c->oc + o] = (float)v;
          }
    }
}

/* 1x1 conv, one input channel, two output channels, eps 0:
 *   s = gamma / sqrt(var) = [1/2, 2/0.5] = [0.5, 4]
 *   w' = w * s = [2 * 0.5, 3 * 4] = [1, 12]
 *   b' = (b - mean) * s + beta = [(1 - 1) * 0.5 + 0.5, (-1 - 2) * 4 + 0] = [0.5, -12]
 * The weights are borrowed from this test's array and must not change. */
static void test_hand_computed_fold(void) {
  NEED_OPS(ENN_OP_BATCH_NORM);
  static float wv[2] = {2, 3};
  const float bv[2] = {1, -1}, gam[2] = {1, 2}, bet[2] = {0.5f, 0}, mu[2] = {1, 2}, var[2] = {4, 0.25f};
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 1, 1, 1}, wd[4] = {2, 1, 1, 1}, cd[1] = {2};
  int32_t x = oc_input(g, "x", 4, xd);
  enn_tensor_desc wdesc = oc_desc(4, wd);
  int32_t w;
  CHECK_OK(enn_graph_add_constant(g, "w", &wdesc, wv, ENN_CONST_BORROW, &w));
  int32_t ci[3] = {x, w, oc_const_v(g, "b", 1, cd, bv)};
  int32_t conv = oc_node(g, ENN_OP_CONV2D, "conv", ci, 3, NULL);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.epsilon = 0.0f;
  int32_t bi[5] = {conv, oc_const_v(g, "gamma", 1, cd, gam), oc_const_v(g, "beta", 1, cd, bet),
                   oc_const_v(g, "mean", 1, cd, mu), oc_const_v(g, "var", 1, cd, var)};
  int32_t y = oc_node(g, ENN_OP_BATCH_NORM, "bn", bi, 5, &a);
  CHECK_OK(enn_graph_add_output(g, y));

  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1 && oc_count_op(o, ENN_OP_CONV2D) == 1);
  const int32_t *in, *out;
  int32_t nin;
  CHECK_OK(enn_graph_node(o, 0, NULL, NULL, NULL, &in, &nin, &out, NULL));
  CHECK(nin == 3);
  CHECK(strcmp(oc_tensor_name(o, out[0]), "bn") == 0);
  const void *pw = NULL, *pb = NULL;
  CHECK_OK(enn_graph_tensor(o, in[1], NULL, NULL, &pw));
  CHECK_OK(enn_graph_tensor(o, in[2], NULL, NULL, &pb));
  const float want_w[2] = {1, 12}, want_b[2] = {0.5f, -12};
  if (pw) CHECK_ALLCLOSE((const float *)pw, want_w, 2, 0, 1e-7);
  if (pb) CHECK_ALLCLOSE((const float *)pb, want_b, 2, 0, 1e-7);
  CHECK(pw != (const void *)wv);
  enn_graph_destroy(o);

  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    *(float *)enn_session_input_buffer(s, 0) = 1.0f;
    CHECK_OK(enn_session_run(s));
    const float want[2] = {1.5f, 0}; /* unfused: conv = [3, 2]; bn = [(3-1)/2+0.5, (2-2)/0.5*2] */
    CHECK_ALLCLOSE((const float *)enn_session_output_buffer(s, 0), want, 2, 1e-6, 1e-6);
    enn_session_destroy(s);
  }
  CHECK(wv[0] == 2 && wv[1] == 3); /* the borrowed weights are untouched */
  const void *orig = NULL;
  CHECK_OK(enn_graph_tensor(g, w, NULL, NULL, &orig));
  CHECK(orig == (const void *)wv);
  check_opt_equiv(g, 21, 1e-6);
  enn_graph_destroy(g);
}

/* Conv variants: strided 3x3 with bias, depthwise without bias (BN gets a
 * relu6 that moves to the conv), grouped 1x1, odd spatial sizes. */
static void test_conv_variants_against_reference(void) {
  NEED_OPS(ENN_OP_BATCH_NORM);
  const ref_conv cfg[4] = {
      {1, 7, 5, 3, 8, 3, 2, 1}, {2, 5, 6, 6, 6, 3, 1, 6}, {1, 4, 3, 4, 6, 1, 1, 2}, {1, 1, 1, 5, 3, 1, 1, 1}};
  for (int ci = 0; ci < 4; ci++) {
    const ref_conv *c = &cfg[ci];
    const int with_bias = ci != 1, relu6 = ci == 1;
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t xd[4] = {c->n, c->h, c->w, c->ic};
    int32_t x = oc_input(g, "x", 4, xd);
    int32_t conv = oc_conv(g, "conv", x, c->ic, c->oc, c->k, c->s, c->groups, with_bias, 100u + (unsigned)ci);
    int32_t bn = oc_bn(g, "bn", conv, c->oc, 200u + (unsigned)ci);
    if (relu6) g->nodes[g->n_nodes - 1].attrs.act = ENN_ACT_RELU6;
    CHECK_OK(enn_graph_add_output(g, bn));

    enn_graph *o = oc_optimized(g);
    CHECK_MSG(enn_graph_num_nodes(o) == 1 && oc_count_op(o, ENN_OP_BATCH_NORM) == 0, "config %d", ci);
    const enn_attrs *at;
    int32_t nin;
    CHECK_OK(enn_graph_node(o, 0, NULL, NULL, &at, NULL, &nin, NULL, NULL));
    CHECK(nin == 3);
    CHECK(at->act == (relu6 ? ENN_ACT_RELU6 : ENN_ACT_NONE));
    enn_graph_destroy(o);

    /* The folded session against the reference on the same input. */
    const enn_node *cn = &g->nodes[0], *bnn = &g->nodes[1];
    const float *wt = g->tensors[cn->inputs[1]].data, *b = with_bias ? g->tensors[cn->inputs[2]].data : NULL;
    const float *p[4];
    for (int k = 0; k < 4; k++) p[k] = g->tensors[bnn->inputs[k + 1]].data;
    enn_session *s;
    CHECK_OK(enn_session_create(g, NULL, &s));
    if (s) {
      const long nx = (long)c->n * c->h * c->w * c->ic;
      float *in = enn_session_input_buffer(s, 0);
      enn_t_fill(in, nx, 300u + (unsigned)ci, -2, 2);
      CHECK_OK(enn_session_run(s));
      enn_tensor_desc od;
      CHECK_OK(enn_session_output_desc(s, 0, &od, NULL));
      long ny = (long)enn_tensor_desc_numel(&od);
      float *want = malloc((size_t)ny * sizeof(float));
      ref_conv_bn(c, in, wt, b, p[0], p[1], p[2], p[3], 1e-5, relu6, want);
      double mx = 0;
      for (long k = 0; k < ny; k++) mx = fmax(mx, fabs((double)want[k]));
      CHECK_MSG(enn_t_allclose(enn_session_output_buffer(s, 0), want, ny, 1e-5 * mx, 1e-5), "config %d", ci);
      free(want);
      enn_session_destroy(s);
    }
    check_opt_equiv(g, 22u + (unsigned)ci, 1e-5);
    enn_graph_destroy(g);
  }
}

/* FullyConnected over a rank-3 input, no bias; the BN's leaky relu moves. */
static void test_fully_connected(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_FULLY_CONNECTED);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[3] = {2, 3, 5}, wd[2] = {4, 5};
  int32_t x = oc_input(g, "x", 3, xd);
  int32_t fi[2] = {x, oc_const(g, "w", 2, wd, 31, -1, 1)};
  int32_t fc = oc_node(g, ENN_OP_FULLY_CONNECTED, "fc", fi, 2, NULL);
  int32_t bn = oc_bn(g, "bn", fc, 4, 32);
  g->nodes[g->n_nodes - 1].attrs.act = ENN_ACT_LEAKY_RELU;
  g->nodes[g->n_nodes - 1].attrs.alpha = 0.1f;
  CHECK_OK(enn_graph_add_output(g, bn));
  enn_graph *o = oc_optimized(g);
  CHECK(enn_graph_num_nodes(o) == 1 && oc_count_op(o, ENN_OP_FULLY_CONNECTED) == 1);
  const enn_attrs *at;
  int32_t nin;
  CHECK_OK(enn_graph_node(o, 0, NULL, NULL, &at, NULL, &nin, NULL, NULL));
  CHECK(nin == 3 && at->act == ENN_ACT_LEAKY_RELU && at->alpha == 0.1f);
  enn_graph_destroy(o);
  /* hand check of one output row: y = leaky((x.w - mean) * s + beta) */
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    float *in = enn_session_input_buffer(s, 0);
    enn_t_fill(in, 30, 33, -1, 1);
    CHECK_OK(enn_session_run(s));
    const float *y = enn_session_output_buffer(s, 0);
    const enn_node *bnn = &g->nodes[1];
    const float *w = g->tensors[g->nodes[0].inputs[1]].data;
    const float *ga = g->tensors[bnn->inputs[1]].data, *be = g->tensors[bnn->inputs[2]].data;
    const float *mu = g->tensors[bnn->inputs[3]].data, *va = g->tensors[bnn->inputs[4]].data;
    float want[24];
    for (int r = 0; r < 6; r++)
      for (int o2 = 0; o2 < 4; o2++) {
        double z = 0;
        for (int k = 0; k < 5; k++) z += (double)in[r * 5 + k] * (double)w[o2 * 5 + k];
        double v = (z - mu[o2]) * ga[o2] / sqrt((double)va[o2] + 1e-5) + be[o2];
        want[r * 4 + o2] = (float)(v < 0 ? 0.1 * v : v);
      }
    CHECK_ALLCLOSE(y, want, 24, 1e-5, 1e-5);
    enn_session_destroy(s);
  }
  check_opt_equiv(g, 34, 1e-5);
  enn_graph_destroy(g);
}

/* Cases that must keep their BatchNorm (and still compute the same). */
static void test_cases_that_stay(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_ADD);
  for (int kase = 0; kase < 6; kase++) {
    enn_graph *g;
    CHECK_OK(enn_graph_create(NULL, &g));
    int64_t xd[4] = {1, 5, 4, 3}, wd[4] = {4, 3, 3, 3}, cd[1] = {4};
    int32_t x = oc_input(g, "x", 4, xd);
    int32_t wgt = kase == 5 ? oc_input(g, "w_in", 4, wd) : oc_const(g, "w", 4, wd, 41, -0.5f, 0.5f);
    enn_attrs ca;
    enn_attrs_init_op(&ca, ENN_OP_CONV2D);
    ca.pad_mode = ENN_PAD_SAME_UPPER;
    if (kase == 2) ca.act = ENN_ACT_RELU; /* conv already has an activation */
    int32_t ci[2] = {x, wgt};
    int32_t conv = oc_node(g, ENN_OP_CONV2D, "conv", ci, 2, &ca);
    int32_t bn_in = kase == 3 ? oc_input(g, "x2", 4, (const int64_t[4]){1, 5, 4, 4}) : conv;
    int32_t bn;
    if (kase == 4) { /* running mean comes from an input */
      int32_t m = oc_input(g, "mean_in", 1, cd);
      int32_t bi[5] = {bn_in, oc_const(g, "g", 1, cd, 42, 0.5f, 1.5f), oc_const(g, "b", 1, cd, 43, -1, 1), m,
                       oc_const(g, "v", 1, cd, 44, 0.5f, 1.5f)};
      bn = oc_node(g, ENN_OP_BATCH_NORM, "bn", bi, 5, NULL);
    } else
      bn = oc_bn(g, "bn", bn_in, 4, 45);
    CHECK_OK(enn_graph_add_output(g, bn));
    if (kase == 0) CHECK_OK(enn_graph_add_output(g, conv)); /* conv output is a graph output */
    if (kase == 1) CHECK_OK(enn_graph_add_output(g, oc_binary(g, ENN_OP_ADD, "other", conv, conv))); /* 2nd reader */
    if (kase == 3) CHECK_OK(enn_graph_add_output(g, conv)); /* lone BN on a graph input */
    enn_graph *o = oc_optimized(g);
    CHECK_MSG(oc_count_op(o, ENN_OP_BATCH_NORM) == 1, "case %d", kase);
    enn_graph_destroy(o);
    CHECK_MSG(check_same_function(g, 0, g, 1, 46u + (unsigned)kase, 1e-6), "case %d", kase);
    check_each_pass(g, 46u + (unsigned)kase, 1e-6);
    enn_graph_destroy(g);
  }
}

/* Two convs share one weight constant; only one is followed by a BN. The
 * other must keep the original weights. */
static void test_shared_weights(void) {
  NEED_OPS(ENN_OP_BATCH_NORM, ENN_OP_ADD);
  enn_graph *g;
  CHECK_OK(enn_graph_create(NULL, &g));
  int64_t xd[4] = {1, 4, 4, 2}, wd[4] = {2, 3, 3, 2};
  int32_t x = oc_input(g, "x", 4, xd);
  int32_t w = oc_const(g, "w", 4, wd, 51, -1, 1);
  enn_attrs ca;
  enn_attrs_init_op(&ca, ENN_OP_CONV2D);
  ca.pad_mode = ENN_PAD_SAME_UPPER;
  int32_t ci[2] = {x, w};
  int32_t c1 = oc_node(g, ENN_OP_CONV2D, "c1", ci, 2, &ca);
  int32_t c2 = oc_node(g, ENN_OP_CONV2D, "c2", ci, 2, &ca);
  int32_t y = oc_binary(g, ENN_OP_ADD, "y", oc_bn(g, "bn", c1, 2, 52), c2);
  CHECK_OK(enn_graph_add_output(g, y));
  enn_graph *o = oc_optimized(g);
  CHECK(oc_count_op(o, ENN_OP_BATCH_NORM) == 0 && oc_count_op(o, ENN_OP_CONV2D) == 2);
  enn_graph_destroy(o);
  check_opt_equiv(g, 53, 1e-5);
  enn_graph_destroy(g);
}

int main(void) {
  ENN_RUN(test_hand_computed_fold);
  ENN_RUN(test_conv_variants_against_reference);
  ENN_RUN(test_fully_connected);
  ENN_RUN(test_cases_that_stay);
  ENN_RUN(test_shared_weights);
  return oc_finish();
}
