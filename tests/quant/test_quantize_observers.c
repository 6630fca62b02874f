/*
 * Calibration observers (src/quant/observers.c) on synthetic data with
 * known answers:
 *   - quantiles of hand-made histograms; two-sided percentile ranges of
 *     uniform data (the p% quantile of U(a, b) is a + p (b - a));
 *   - the entropy (KL) threshold against a brute-force implementation of
 *     the published algorithm written here from the description (float
 *     group boundaries, explicit P and Q arrays) on random histograms; the
 *     entropy range of uniform data with a few huge outliers ignores them;
 *     a histogram with fewer non-empty bins than levels keeps its range,
 *     and so does a tensor with too few values for the search;
 *   - the mse range of Laplace(b = 1) data against the analytic optimum of
 *     the same error model (clip error 2 b^2 e^(-a/b) + step^2 / 12 with
 *     255 steps over [-a, a]: a = 9.88, Banner et al.'s 9.89 b), and the
 *     alternating search against a full 2-D grid search of the cost;
 *   - int8 parameters from ranges and symmetric weight quantisation, hand
 *     computed.
 */
#include <math.h>

#include "quant/quant_internal.h"
#include "test.h"

static unsigned long long rng = 12345;
static double urand(void) {
  rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
  return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static void test_quantile_hand(void) {
  const int64_t h[3] = {1, 1, 2}; /* bins [0,1) [1,2) [2,3) */
  CHECK_NEAR(enn_qhist_quantile(h, 3, 0.0, 3.0, 0.5), 2.0, 1e-12);  /* cum 2 of 4 reached at the end of bin 1 */
  CHECK_NEAR(enn_qhist_quantile(h, 3, 0.0, 3.0, 0.75), 2.5, 1e-12); /* half of bin 2 */
  CHECK_NEAR(enn_qhist_quantile(h, 3, 0.0, 3.0, 0.125), 0.5, 1e-12);
  CHECK_NEAR(enn_qhist_quantile(h, 3, -3.0, 3.0, 1.0), 3.0, 1e-12);
  const int64_t z[3] = {0, 0, 0};
  CHECK_NEAR(enn_qhist_quantile(z, 3, 0.0, 3.0, 0.5), 0.0, 0.0);
}

static void observe_all(enn_qobs *o, const float *x, int64_t n, int32_t abs_mode) {
  enn_qobs_init(o);
  enn_qobs_observe_range(o, x, n / 2); /* in two batches, as samples come */
  enn_qobs_observe_range(o, x + n / 2, n - n / 2);
  CHECK_OK(enn_qobs_hist_begin(o, abs_mode, enn_default_allocator()));
  enn_qobs_observe_hist(o, x, n);
}

static void test_minmax_percentile_uniform(void) {
  const int64_t n = 1000000;
  float *x = malloc((size_t)n * sizeof *x);
  for (int64_t i = 0; i < n; i++) x[i] = (float)(-1.0 + 3.0 * urand()); /* U(-1, 2) */
  x[7] = -1.0f;
  x[99] = 2.0f;
  enn_qobs o;
  observe_all(&o, x, n, 0);
  double lo, hi;
  enn_qobs_range(&o, ENN_CALIB_MINMAX, 0.0, &lo, &hi);
  CHECK(lo == -1.0 && hi == 2.0);
  enn_qobs_range(&o, ENN_CALIB_PERCENTILE, 99.0, &lo, &hi);
  CHECK_NEAR(lo, -1.0 + 0.01 * 3.0, 0.01);
  CHECK_NEAR(hi, -1.0 + 0.99 * 3.0, 0.01);
  enn_qobs_range(&o, ENN_CALIB_PERCENTILE, 90.0, &lo, &hi);
  CHECK_NEAR(lo, -0.7, 0.01);
  CHECK_NEAR(hi, 1.7, 0.01);
  enn_qobs_free(&o, enn_default_allocator());
  /* ReLU-like: half exact zeros, half U(0, 4): the 99% quantile of all
   * values is the 98% quantile of the positive half = 3.92. */
  for (int64_t i = 0; i < n; i++) x[i] = (i & 1) ? (float)(4.0 * urand()) : 0.0f;
  observe_all(&o, x, n, 0);
  CHECK(o.zeros == n / 2);
  enn_qobs_range(&o, ENN_CALIB_PERCENTILE, 99.0, &lo, &hi);
  CHECK(lo >= 0.0 && lo < 0.005); /* inside the bin holding the zeros */
  CHECK_NEAR(hi, 3.92, 0.01);
  enn_qobs_free(&o, enn_default_allocator());
  free(x);
}

/* The published algorithm, written plainly: for i in [levels, nb], P = the
 * first i bins with the tail added to the last; Q merges bins [k*i/levels,
 * (k+1)*i/levels) (boundaries from floating division, floored) and spreads
 * each group's mass evenly over the group's bins where P > 0; both
 * normalised; KL with a tiny floor for Q. Returns the best i (first
 * minimum of an ascending scan). */
static int32_t brute_entropy_bins(const int64_t *h, int32_t nb, int32_t levels) {
  double best = INFINITY;
  int32_t best_i = nb;
  int32_t last = nb - 1;
  while (last >= 0 && h[last] == 0) last--;
  for (int32_t i = levels; i <= last + 1; i++) {
    double *p = calloc((size_t)i, sizeof *p), *q = calloc((size_t)i, sizeof *q);
    for (int32_t j = 0; j < nb; j++) p[j < i ? j : i - 1] += (double)h[j];
    for (int32_t k = 0; k < levels; k++) {
      int32_t s = (int32_t)floor((double)k * i / levels), e = (int32_t)floor((double)(k + 1) * i / levels);
      double mass = 0;
      int nz = 0;
      for (int32_t j = s; j < e; j++) {
        mass += (double)h[j];
        if (p[j] > 0) nz++;
      }
      for (int32_t j = s; j < e; j++) q[j] = p[j] > 0 ? mass / nz : 0;
    }
    double sp = 0, sq = 0, kl = 0;
    for (int32_t j = 0; j < i; j++) {
      sp += p[j];
      sq += q[j];
    }
    for (int32_t j = 0; j < i; j++)
      if (p[j] > 0) kl += p[j] / sp * log((p[j] / sp) / (q[j] > 0 ? q[j] / sq : 1e-12));
    if (kl < best - 1e-12) {
      best = kl;
      best_i = i;
    }
    free(p);
    free(q);
  }
  return best_i;
}

static void test_entropy_brute_force(void) {
  for (int trial = 0; trial < 20; trial++) {
    int64_t h[96];
    const int32_t nb = 96, levels = 8 + 4 * (trial % 3);
    /* decaying random histograms with gaps and a sparse tail */
    for (int32_t j = 0; j < nb; j++) {
      double m = 1000.0 * exp(-(double)j / (6.0 + trial));
      h[j] = urand() < 0.1 ? 0 : (int64_t)(m * (0.5 + urand()));
    }
    h[nb - 1 - trial % 5] += 3;
    const int32_t want = brute_entropy_bins(h, nb, levels);
    const double got = enn_qhist_entropy_threshold(h, nb, 0.5, levels);
    CHECK_MSG(fabs(got - 0.5 * want) < 1e-9, "trial %d: threshold %g, brute force %d bins (%g)", trial, got, want,
              0.5 * want);
  }
  /* fewer non-empty bins than levels: nothing to clip */
  int64_t h2[64] = {0};
  h2[0] = 5;
  h2[20] = 1;
  CHECK_NEAR(enn_qhist_entropy_threshold(h2, 64, 0.25, 128), 21 * 0.25, 1e-12);
}

static double gauss(void) { return sqrt(-2.0 * log(urand())) * cos(6.283185307179586 * urand()); }

/* Normal data with a few far outliers: the threshold ends near the bulk
 * (N(0,1) has 99.99% of its mass within 3.9), not at the outliers, and is
 * the brute-force implementation's. Candidates start at `levels` bins
 * (256 for non-negative data, 128 otherwise) of 2048, i.e. at 1/8 or 1/16
 * of the maximum. */
static void test_entropy_outliers(void) {
  const int64_t n = 400000;
  float *x = malloc((size_t)n * sizeof *x);
  for (int pass = 0; pass < 2; pass++) {
    const int sym = pass == 1;
    for (int64_t i = 0; i < n; i++) x[i] = (float)(sym ? gauss() : fabs(gauss()));
    for (int k = 0; k < 5; k++) x[k * 1000] = (k & 1) && sym ? -20.0f : 20.0f;
    enn_qobs o;
    observe_all(&o, x, n, 1);
    double lo, hi;
    enn_qobs_range(&o, ENN_CALIB_MINMAX, 0.0, &lo, &hi);
    CHECK(hi == 20.0);
    enn_qobs_range(&o, ENN_CALIB_ENTROPY, 0.0, &lo, &hi);
    CHECK_MSG(hi > 2.5 && hi < 6.0, "entropy threshold %g (bulk within ~4, outliers at 20)", hi);
    CHECK(sym ? lo == -hi : (lo >= 0.0 && lo < 1e-3)); /* unsigned: [min, T] */
    const double w = 20.0 / ENN_QOBS_BINS;
    const int32_t want = brute_entropy_bins(o.hist, ENN_QOBS_BINS, sym ? 128 : 256);
    CHECK_MSG(fabs(hi - want * w) < 1e-9, "threshold %g, brute force %g", hi, want * w);
    enn_qobs_free(&o, enn_default_allocator());
  }
  free(x);
}

/* Too few values for a 2048-bin KL search: min / max is kept. */
static void test_entropy_sparse(void) {
  const int64_t n = ENN_QOBS_ENTROPY_MIN - 1;
  float *x = malloc((size_t)n * sizeof *x);
  for (int64_t i = 0; i < n; i++) x[i] = (float)fabs(gauss());
  x[0] = 20.0f;
  enn_qobs o;
  observe_all(&o, x, n, 1);
  double lo, hi;
  enn_qobs_range(&o, ENN_CALIB_ENTROPY, 0.0, &lo, &hi);
  CHECK(hi == 20.0 && lo == o.min);
  enn_qobs_free(&o, enn_default_allocator());
  free(x);
}

static void test_mse_laplace(void) {
  const int64_t n = 2000000;
  float *x = malloc((size_t)n * sizeof *x);
  for (int64_t i = 0; i < n; i++) {
    double u = urand() - 0.5;
    x[i] = (float)(u < 0 ? log(1.0 + 2.0 * u) : -log(1.0 - 2.0 * u)); /* Laplace(0, 1) */
  }
  enn_qobs o;
  observe_all(&o, x, n, 0);
  double lo, hi;
  enn_qobs_range(&o, ENN_CALIB_MSE, 0.0, &lo, &hi);
  /* analytic optimum of 2 e^-a + (2a)^2 / (12 * 255^2): 2 e^-a = 8a / (12 * 255^2) */
  double a = 5.0;
  for (int it = 0; it < 60; it++) a = -log(8.0 * a / (12.0 * 255.0 * 255.0) / 2.0);
  CHECK_NEAR(a, 9.88, 0.02);
  CHECK_MSG(hi > a - 1.0 && hi < a + 1.0 && -lo > a - 1.0 && -lo < a + 1.0, "mse range [%g, %g], optimum +-%g", lo,
            hi, a);
  /* the alternating search is as good as a full grid search */
  const int32_t nb = ENN_QOBS_BINS;
  double best = INFINITY;
  for (int i = 1; i <= 100; i++)
    for (int j = 1; j <= 100; j++) {
      double c = enn_qhist_mse_cost(o.hist, nb, o.hmin, o.hmax, 255, o.hmin * i / 100.0, o.hmax * j / 100.0);
      if (c < best) best = c;
    }
  double got = enn_qhist_mse_cost(o.hist, nb, o.hmin, o.hmax, 255, lo, hi);
  CHECK_MSG(got <= best * 1.001, "alternating search cost %g, grid %g", got, best);
  /* uniform data: nothing worth clipping */
  for (int64_t i = 0; i < n; i++) x[i] = (float)(2.0 * urand() - 1.0);
  enn_qobs_free(&o, enn_default_allocator());
  observe_all(&o, x, n, 0);
  enn_qobs_range(&o, ENN_CALIB_MSE, 0.0, &lo, &hi);
  CHECK(lo < -0.97 && hi > 0.97);
  enn_qobs_free(&o, enn_default_allocator());
  free(x);
}

static void test_params_from_range(void) {
  float s;
  int32_t zp;
  enn_qparams_from_range(0.0, 2.55, &s, &zp);
  CHECK_NEAR(s, 0.01, 1e-7);
  CHECK(zp == -128);
  enn_qparams_from_range(-1.0, 1.0, &s, &zp);
  CHECK_NEAR(s, 2.0 / 255.0, 1e-8);
  CHECK(zp == -1); /* -128 + 127.5 rounds half away from zero */
  enn_qparams_from_range(-3.0, -1.0, &s, &zp);  /* widened to [-3, 0] */
  CHECK_NEAR(s, 3.0 / 255.0, 1e-8);
  CHECK(zp == 127);
  enn_qparams_from_range(0.5, 1.0, &s, &zp); /* widened to [0, 1] */
  CHECK_NEAR(s, 1.0 / 255.0, 1e-9);
  CHECK(zp == -128);
  enn_qparams_from_range(0.0, 0.0, &s, &zp);
  CHECK(s == 1.0f / 255.0f && zp == -128);
  enn_qparams_from_range(-INFINITY, 1.0, &s, &zp);
  CHECK(s == 1.0f / 255.0f && zp == -128);
}

static void test_weights_sym(void) {
  const float w[6] = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -2.0f};
  float sc[2];
  int8_t q[6];
  enn_quantize_weights_sym(w, 2, 3, 1, sc, q);
  CHECK_NEAR(sc[0], 1.0 / 127.0, 1e-9);
  CHECK_NEAR(sc[1], 2.0 / 127.0, 1e-9);
  const int8_t want_pc[6] = {64, -127, 32, 127, 0, -127}; /* 63.5 -> 64, 31.75 -> 32 */
  CHECK(memcmp(q, want_pc, 6) == 0);
  enn_quantize_weights_sym(w, 2, 3, 0, sc, q);
  CHECK_NEAR(sc[0], 2.0 / 127.0, 1e-9);
  const int8_t want_pt[6] = {32, -64, 16, 127, 0, -127}; /* 31.75, -63.5, 15.875 */
  CHECK(memcmp(q, want_pt, 6) == 0);
  const float z[3] = {0, 0, 0};
  enn_quantize_weights_sym(z, 1, 3, 1, sc, q);
  CHECK(sc[0] == 1.0f && q[0] == 0 && q[1] == 0 && q[2] == 0);
}

int main(void) {
  ENN_RUN(test_quantile_hand);
  ENN_RUN(test_minmax_percentile_uniform);
  ENN_RUN(test_entropy_brute_force);
  ENN_RUN(test_entropy_outliers);
  ENN_RUN(test_entropy_sparse);
  ENN_RUN(test_mse_laplace);
  ENN_RUN(test_params_from_range);
  ENN_RUN(test_weights_sym);
  return enn_test_finish();
}
