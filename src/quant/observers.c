/*
 * Calibration observers: per-tensor statistics and the four ways of turning
 * them into an int8 clipping range (docs/quantization.md, "Post-training
 * quantisation").
 *
 *   minmax      [min, max] of every value seen.
 *   percentile  two-sided: lo = the (100 - p)% quantile, hi = the p%
 *               quantile of a 2048-bin histogram over [min, max] (linear
 *               inside a bin; exact zeros counted in their bin).
 *   entropy     TensorRT's KL-divergence calibration over a 2048-bin
 *               histogram of |x|: for every candidate number i of kept bins
 *               (from the number of int8 levels to 2048), P = the first i
 *               bins with the mass beyond added to the last one, Q = those i
 *               bins merged into `levels` groups and spread back uniformly
 *               over the bins of each group that are non-empty in P; the i
 *               of least KL(P || Q) gives the threshold T = i * width.
 *               levels = 256 for a tensor with no negative value (all 256
 *               int8 codes cover [0, T]), 128 otherwise (one sign's half);
 *               the range is [max(min, -T), min(max, T)]. KL over a
 *               sparse histogram measures sampling noise rather than shape,
 *               so a tensor with fewer than 4096 non-zero values (2 per
 *               bin) keeps its [min, max].
 *   mse         the range [a * min, b * max] (a, b in (0, 1], searched on a
 *               200-step grid by alternating one-dimensional scans from
 *               a = b = 1) minimising the expected squared error of a
 *               255-step quantiser on the histogram: a value inside the
 *               range costs step^2 / 12 (uniform rounding noise), a value
 *               outside its squared distance to the range; exact zeros cost
 *               nothing (an asymmetric grid holds 0 exactly).
 */
#include <math.h>
#include <string.h>

#include "quant/quant_internal.h"

void enn_qobs_init(enn_qobs *o) {
  memset(o, 0, sizeof *o);
  o->min = INFINITY;
  o->max = -INFINITY;
}

void enn_qobs_free(enn_qobs *o, const enn_allocator *a) {
  if (o->hist) enn_free(a, o->hist);
  o->hist = NULL;
}

void enn_qobs_observe_range(enn_qobs *o, const float *x, int64_t n) {
  float lo = (float)o->min, hi = (float)o->max;
  if (o->count == 0) {
    lo = INFINITY;
    hi = -INFINITY;
  }
  for (int64_t i = 0; i < n; i++) {
    const float v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (n > 0) {
    o->min = lo;
    o->max = hi;
  }
  o->count += n;
}

enn_status enn_qobs_hist_begin(enn_qobs *o, int32_t abs_mode, const enn_allocator *a) {
  if (!o->hist) {
    o->hist = enn_alloc(a, ENN_QOBS_BINS * sizeof(int64_t));
    if (!o->hist) return enn_err(ENN_ERR_NO_MEMORY, "out of memory (calibration histogram)");
  }
  memset(o->hist, 0, ENN_QOBS_BINS * sizeof(int64_t));
  o->zeros = 0;
  o->abs = abs_mode;
  double lo = o->count ? o->min : 0.0, hi = o->count ? o->max : 0.0;
  if (abs_mode) {
    o->hmin = 0.0;
    o->hmax = fmax(fabs(lo), fabs(hi));
  } else {
    o->hmin = fmin(lo, 0.0);
    o->hmax = fmax(hi, 0.0);
  }
  return ENN_OK;
}

void enn_qobs_observe_hist(enn_qobs *o, const float *x, int64_t n) {
  const double span = o->hmax - o->hmin;
  const double inv = span > 0 ? (double)ENN_QOBS_BINS / span : 0.0;
  const double base = o->hmin;
  int64_t *h = o->hist;
  for (int64_t i = 0; i < n; i++) {
    double v = x[i];
    if (v == 0.0) {
      o->zeros++;
      continue;
    }
    if (o->abs) v = fabs(v);
    double f = (v - base) * inv;
    int32_t b = f <= 0.0 ? 0 : (f >= (double)(ENN_QOBS_BINS - 1) ? ENN_QOBS_BINS - 1 : (int32_t)f);
    h[b]++;
  }
}

/* ------------------------------------------------------------- searches */
double enn_qhist_quantile(const int64_t *h, int32_t nb, double hmin, double hmax, double frac) {
  int64_t total = 0;
  for (int32_t j = 0; j < nb; j++) total += h[j];
  if (total == 0) return 0.0;
  if (frac <= 0.0) frac = 0.0;
  if (frac >= 1.0) frac = 1.0;
  const double w = (hmax - hmin) / nb, target = frac * (double)total;
  double cum = 0.0;
  for (int32_t j = 0; j < nb; j++) {
    if (h[j] == 0) continue;
    if (cum + (double)h[j] >= target) {
      double t = (target - cum) / (double)h[j];
      return hmin + ((double)j + t) * w;
    }
    cum += (double)h[j];
  }
  return hmax;
}

double enn_qhist_entropy_threshold(const int64_t *h, int32_t nb, double width, int32_t levels) {
  /* The highest non-empty bin: candidates beyond it cannot change P. */
  int32_t last = nb - 1;
  while (last >= 0 && h[last] == 0) last--;
  if (last < 0) return 0.0;
  if (levels < 1 || last + 1 <= levels || nb > ENN_QOBS_BINS)
    return (last + 1) * width; /* every bin already has its own code */
  double p[ENN_QOBS_BINS], q[ENN_QOBS_BINS];
  double best = INFINITY;
  int32_t best_i = last + 1;
  int64_t outliers = 0; /* sum of h[i..nb) */
  for (int32_t j = last + 1; j < nb; j++) outliers += h[j];
  /* Walk i downwards so the outlier sum grows incrementally. */
  for (int32_t i = last + 1; i >= levels; i--) {
    /* P */
    double psum = 0.0;
    for (int32_t j = 0; j < i; j++) p[j] = (double)h[j];
    p[i - 1] += (double)outliers;
    for (int32_t j = 0; j < i; j++) psum += p[j];
    /* Q: groups [k*i/levels, (k+1)*i/levels) of the bins without outliers */
    double qsum = 0.0;
    for (int32_t k = 0; k < levels; k++) {
      const int32_t s = (int32_t)((int64_t)k * i / levels), e = (int32_t)((int64_t)(k + 1) * i / levels);
      double mass = 0.0;
      int32_t nz = 0;
      for (int32_t j = s; j < e; j++) {
        mass += (double)h[j];
        nz += p[j] > 0.0;
      }
      for (int32_t j = s; j < e; j++) {
        q[j] = p[j] > 0.0 && nz ? mass / nz : 0.0;
        qsum += q[j];
      }
    }
    if (psum <= 0.0 || qsum <= 0.0) continue;
    /* KL(P || Q); a bin with P > 0 but Q = 0 (only outliers landed there)
     * gets a tiny Q rather than an infinite divergence. */
    const double eps = 1e-12;
    double kl = 0.0;
    for (int32_t j = 0; j < i; j++) {
      if (p[j] <= 0.0) continue;
      const double pj = p[j] / psum, qj = q[j] > 0.0 ? q[j] / qsum : eps;
      kl += pj * log(pj / qj);
    }
    if (kl <= best) { /* ties: the smaller threshold (an ascending scan's first minimum) */
      best = kl;
      best_i = i;
    }
    outliers += h[i - 1];
  }
  return best_i * width;
}

double enn_qhist_mse_cost(const int64_t *h, int32_t nb, double hmin, double hmax, int32_t levels, double lo,
                          double hi) {
  const double w = (hmax - hmin) / nb, step = (hi - lo) / levels, inside = step * step / 12.0;
  double cost = 0.0;
  for (int32_t j = 0; j < nb; j++) {
    if (!h[j]) continue;
    const double x = hmin + (j + 0.5) * w;
    double e;
    if (x < lo) e = (lo - x) * (lo - x);
    else if (x > hi) e = (x - hi) * (x - hi);
    else e = inside;
    cost += (double)h[j] * e;
  }
  return cost;
}

void enn_qhist_mse_range(const int64_t *h, int32_t nb, double hmin, double hmax, int32_t levels, double *lo,
                         double *hi) {
  enum { K = 200 };
  double a = 1.0, b = 1.0;
  double best = enn_qhist_mse_cost(h, nb, hmin, hmax, levels, hmin, hmax);
  for (int round = 0; round < 4; round++) {
    const double a0 = a, b0 = b;
    if (hmax > 0.0)
      for (int k = 1; k <= K; k++) {
        const double bb = (double)k / K;
        const double c = enn_qhist_mse_cost(h, nb, hmin, hmax, levels, a * hmin, bb * hmax);
        if (c < best) {
          best = c;
          b = bb;
        }
      }
    if (hmin < 0.0)
      for (int k = 1; k <= K; k++) {
        const double aa = (double)k / K;
        const double c = enn_qhist_mse_cost(h, nb, hmin, hmax, levels, aa * hmin, b * hmax);
        if (c < best) {
          best = c;
          a = aa;
        }
      }
    if (a == a0 && b == b0) break;
  }
  *lo = a * hmin;
  *hi = b * hmax;
}

void enn_qobs_range(const enn_qobs *o, enn_calib_method m, double percentile, double *lo, double *hi) {
  if (o->count == 0) {
    *lo = *hi = 0.0;
    return;
  }
  *lo = o->min;
  *hi = o->max;
  if (m == ENN_CALIB_MINMAX || !o->hist || !(o->hmax > o->hmin)) return;
  const int32_t nb = ENN_QOBS_BINS;
  const double w = (o->hmax - o->hmin) / nb;
  int64_t h[ENN_QOBS_BINS];
  memcpy(h, o->hist, sizeof h);
  if (m == ENN_CALIB_PERCENTILE) { /* zeros go back into the bin holding 0 */
    double f = (0.0 - o->hmin) / w;
    int32_t b = f <= 0.0 ? 0 : (f >= nb - 1 ? nb - 1 : (int32_t)f);
    h[b] += o->zeros;
  }
  switch (m) {
  case ENN_CALIB_PERCENTILE: {
    double p = percentile / 100.0;
    if (!(p > 0.5)) p = 0.5;
    if (p > 1.0) p = 1.0;
    double l = enn_qhist_quantile(h, nb, o->hmin, o->hmax, 1.0 - p), u = enn_qhist_quantile(h, nb, o->hmin, o->hmax, p);
    *lo = fmax(l, o->min);
    *hi = fmin(u, o->max);
    return;
  }
  case ENN_CALIB_ENTROPY: {
    /* KL on a sparse histogram measures sampling noise, not shape: a
     * tensor with fewer than ENN_QOBS_ENTROPY_MIN non-zero values (2 per
     * bin) keeps its min / max range. */
    if (o->count - o->zeros < ENN_QOBS_ENTROPY_MIN) return;
    const int32_t levels = o->min < 0.0 ? 128 : 256;
    double t = o->abs ? enn_qhist_entropy_threshold(h, nb, w, levels) : fmax(fabs(o->min), fabs(o->max));
    *lo = o->min < 0.0 ? fmax(o->min, -t) : o->min;
    *hi = fmin(o->max, t);
    return;
  }
  case ENN_CALIB_MSE: {
    if (o->abs) return;
    enn_qhist_mse_range(h, nb, o->hmin, o->hmax, 255, lo, hi);
    return;
  }
  default: return;
  }
}

/* ---------------------------------------------------------- parameters */
void enn_qparams_from_range(double lo, double hi, float *scale, int32_t *zp) {
  lo = fmin(lo, 0.0);
  hi = fmax(hi, 0.0);
  if (!isfinite(lo) || !isfinite(hi) || !(hi - lo >= 1e-30)) {
    *scale = 1.0f / 255.0f;
    *zp = -128;
    return;
  }
  const float s = (float)((hi - lo) / 255.0);
  double z = -128.0 - lo / (double)s;
  z = round(z);
  if (z < -128.0) z = -128.0;
  if (z > 127.0) z = 127.0;
  *scale = s > 0.0f ? s : 1.0f / 255.0f;
  *zp = (int32_t)z;
}

void enn_quantize_weights_sym(const float *w, int64_t channels, int64_t inner, int32_t per_channel, float *scales,
                              int8_t *q) {
  float all = 0.0f;
  if (!per_channel)
    for (int64_t i = 0; i < channels * inner; i++) all = fmaxf(all, fabsf(w[i]));
  for (int64_t c = 0; c < channels; c++) {
    const float *wc = w + c * inner;
    float m = all;
    if (per_channel) {
      m = 0.0f;
      for (int64_t i = 0; i < inner; i++) m = fmaxf(m, fabsf(wc[i]));
    }
    const float s = m > 0.0f ? m / 127.0f : 1.0f;
    if (per_channel || c == 0) scales[per_channel ? c : 0] = s;
    for (int64_t i = 0; i < inner; i++) {
      float r = roundf(wc[i] / s);
      if (r > 127.0f) r = 127.0f;
      if (r < -127.0f) r = -127.0f;
      q[c * inner + i] = (int8_t)r;
    }
  }
}
