/*
 * Internals of the post-training quantiser (include/edgenn/quantize.h):
 * observers and their threshold searches (observers.c), calibration
 * (calibrate.c), cross-layer equalisation (equalize.c) and the int8 graph
 * builder (quantize_graph.c). docs/quantization.md, "Post-training
 * quantisation", describes the algorithms.
 */
#ifndef ENN_QUANT_INTERNAL_H
#define ENN_QUANT_INTERNAL_H

#include "edgenn/quantize.h"
#include "ir/ir.h"

/* ------------------------------------------------------------ observers */
/* Histogram resolution of the percentile / entropy / mse observers. */
#define ENN_QOBS_BINS 2048
/* Fewest non-zero values the entropy method needs (else min / max). */
#define ENN_QOBS_ENTROPY_MIN 4096

/* Statistics of one float tensor over the calibration set. Pass 1 records
 * the range; pass 2 (histogram methods) a histogram over that range:
 * values of x over [hmin, hmax] (percentile, mse) or of |x| over
 * [0, hmax] (entropy, abs = 1). Exact zeros are counted apart (`zeros`):
 * they are represented exactly by any asymmetric int8 grid. */
typedef struct enn_qobs {
  double min, max; /* pass 1 */
  int64_t count;   /* values seen in pass 1 */
  int32_t abs;     /* histogram of |x| */
  double hmin, hmax;
  int64_t zeros;   /* pass 2: exact zeros (not in hist) */
  int64_t *hist;   /* pass 2: ENN_QOBS_BINS counts (NULL until begun) */
} enn_qobs;

void enn_qobs_init(enn_qobs *o);
void enn_qobs_free(enn_qobs *o, const enn_allocator *a);
/* Pass 1: range of n finite values (the caller has checked finiteness). */
void enn_qobs_observe_range(enn_qobs *o, const float *x, int64_t n);
/* Pass 2 set-up: allocates and clears the histogram over the pass-1
 * range. */
enn_status enn_qobs_hist_begin(enn_qobs *o, int32_t abs_mode, const enn_allocator *a);
void enn_qobs_observe_hist(enn_qobs *o, const float *x, int64_t n);
/* The clipping range [*lo, *hi] the method picks (lo <= 0 <= hi is NOT
 * implied; enn_qparams_from_range widens to include 0). percentile is the
 * two-sided coverage in percent (ENN_CALIB_PERCENTILE). */
void enn_qobs_range(const enn_qobs *o, enn_calib_method m, double percentile, double *lo, double *hi);

/* Threshold searches on a histogram h[0..nb) of bins of equal width over
 * [hmin, hmax] (exported for tests). */
/* The value below which a fraction `frac` of the mass lies (linear inside
 * the bin). */
double enn_qhist_quantile(const int64_t *h, int32_t nb, double hmin, double hmax, double frac);
/* TensorRT's entropy calibration on a histogram of |x| over [0, nb*width):
 * for each candidate i in [levels, nb], the reference P (the first i bins,
 * the outliers added to bin i-1) against Q (those i bins merged into
 * `levels` groups and expanded back over the non-empty bins), both
 * normalised; returns i * width for the i of least KL(P||Q) (the end of
 * the kept bins; TensorRT's write-up adds half a bin). */
double enn_qhist_entropy_threshold(const int64_t *h, int32_t nb, double width, int32_t levels);
/* The range [lo, hi] (lo = hmin * a, hi = hmax * b with a, b in (0, 1]
 * searched by alternating 1-D scans) that minimises the expected squared
 * error of an asymmetric quantiser with `levels` steps: values inside
 * cost step^2 / 12, values outside (x - clip)^2. `zeros` exact zeros cost
 * nothing. hmin <= 0 <= hmax required. */
void enn_qhist_mse_range(const int64_t *h, int32_t nb, double hmin, double hmax, int32_t levels, double *lo,
                         double *hi);
/* Expected squared error of that model for one range (for tests). */
double enn_qhist_mse_cost(const int64_t *h, int32_t nb, double hmin, double hmax, int32_t levels, double lo,
                          double hi);

/* Asymmetric int8 parameters of a clipping range: the range is widened to
 * contain 0, scale = (hi - lo) / 255, zp = round(-128 - lo / scale) clamped
 * to [-128, 127] (TFLite's nudged ChooseQuantizationParams). A degenerate
 * range (hi - lo < 1e-30 or not finite) gets scale 1/255, zp -128. */
void enn_qparams_from_range(double lo, double hi, float *scale, int32_t *zp);

/* Symmetric int8 weights: w[outer = channels][inner] quantised with one
 * scale per channel (per_channel) or one for all: s = max|w| / 127 (1 when
 * max|w| is 0), q = clamp(round_half_away(w / s), -127, 127). scales gets
 * `channels` (or 1) entries. */
void enn_quantize_weights_sym(const float *w, int64_t channels, int64_t inner, int32_t per_channel, float *scales,
                              int8_t *q);

/* --------------------------------------------------------- calibration */
/* The float graph prepared for quantisation and its statistics. */
typedef struct enn_qcal {
  enn_graph *g;       /* optimised (and equalised) float graph, owned */
  enn_qobs *obs;      /* [g->n_tensors]; observed[t] says which are valid */
  uint8_t *observed;  /* float activations and inputs */
  double **mean;      /* bias correction: per-element mean of selected tensors ([n_tensors], NULL = none) */
  int32_t n_samples;
} enn_qcal;

/* Runs g over the samples: pass 1 (ranges, and the element means of the
 * inputs of Conv2D / FullyConnected when bias_correct), then pass 2
 * (histograms) unless the method is minmax. */
enn_status enn_qcal_run(enn_qcal *c, const enn_quantize_options *o, int32_t n_samples, enn_calib_fill fill,
                        void *ctx, enn_quantize_progress progress, void *pctx);
void enn_qcal_free(enn_qcal *c);

/* ---------------------------------------------------------- transforms */
/* Makes a graph whose fused activations are all clamps (none, Relu, Relu6,
 * Clip): a node with another fused activation is split into the node and
 * a separate activation node, so int8 can compute both. *out = NULL when
 * nothing needed splitting. */
enn_status enn_quant_unfuse(const enn_graph *g, enn_graph **out);
/* Cross-layer equalisation (equalize.c) of the graph's conv -> conv
 * chains, in place. *pairs = number of pairs equalised. */
enn_status enn_quant_equalize(enn_graph *g, int32_t *pairs);

/* ----------------------------------------------------------- builder */
/* What the builder may change from the all-int8 default (mixed precision;
 * NULL = the default). */
typedef struct enn_qbuild {
  const uint8_t *keep_float; /* [c->g->n_nodes]: 1 = emit that node float (NULL: none) */
  enn_dtype float_weights;   /* weights of kept-float Conv2D / FullyConnected: ENN_DTYPE_F16 (those
                                that fit f16) or F32 / INVALID (unchanged f32) */
  int32_t allow_no_int8;     /* 1: a graph left with no int8 node is not an error */
  uint8_t *int8_nodes;       /* out, optional [c->g->n_nodes]: 1 for the nodes emitted as int8
                                compute (the mixed-precision candidates) */
} enn_qbuild;

/* Builds the int8 graph from the calibrated float graph. */
enn_status enn_quant_build(const enn_qcal *c, const enn_quantize_options *o, const enn_qbuild *cfg,
                           enn_graph **out);

/* The mixed-precision search over k = number of the most sensitive
 * candidates kept float (mixed.c): hits[0..n] (-1 = not evaluated;
 * hits[0], all int8, is given) are filled as score(ctx, k, &hits[k])
 * evaluates configurations; a configuration meets the budget when its
 * hits >= need. k = 1, 2, 3, 4, then k += k / 2 (capped at n) until one
 * meets; the gap after the last miss is bisected. *best = the smallest
 * evaluated k that meets (*met = 1), else the evaluated k with the most
 * hits, the smallest among equals (*met = 0). k = 0 when hits[0] meets. */
typedef enn_status (*enn_qmixed_score)(void *ctx, int32_t k, int64_t *hits);
enn_status enn_quant_mixed_search(int32_t n, int64_t need, int64_t *hits, enn_qmixed_score score, void *ctx,
                                  int32_t *best, bool *met);

/* ----------------------------------------------------- shared steps */
/* Validates o (method, percentile, dtype), n_samples and fill. */
enn_status enn_quant_check_args(const enn_quantize_options *o, int32_t n_samples, enn_calib_fill fill);
/* Steps 1-4 of enn_quantize_graph_ex up to calibration: checks the float
 * graph, makes c->g (optimised, unfused, optionally equalised: *pairs) and
 * calibrates it. On failure c is freed. */
enn_status enn_quant_prepare(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                             enn_calib_fill fill, void *ctx, enn_quantize_progress progress, void *pctx,
                             enn_qcal *c, int32_t *pairs);
/* The quant_* metadata of enn_quantize_graph_ex (quantized = int8 when
 * set_quantized). */
enn_status enn_quant_set_meta(enn_graph *q, const enn_quantize_options *o, int32_t n_samples, int32_t pairs,
                              bool set_quantized);

#endif
