/*
 * edgenn post-training quantisation (docs/quantization.md, "Post-training
 * quantisation").
 *
 * enn_quantize_graph takes a float32 graph and a set of calibration
 * samples and returns a new int8 graph:
 *  - a clone of the graph is optimised (batch norm folded, activations
 *    fused) and run over the samples; an observer collects per-tensor
 *    statistics of every activation and picks each tensor's clipping range
 *    (min/max, a percentile, the KL-divergence threshold or the
 *    MSE-optimal threshold);
 *  - weights become int8 symmetric, per output channel (default) or per
 *    tensor; biases int32 with scale in_scale * w_scale[c]; activations
 *    asymmetric int8 per tensor;
 *  - every operator with an int8 kernel is converted; the model's float
 *    inputs and outputs stay float32 (a Quantize node after each input, a
 *    Dequantize node before each output); operators without an int8 kernel
 *    stay float32 between Dequantize / Quantize pairs;
 *  - optional cross-layer equalisation (Nagel et al. 2019) of
 *    conv -> (relu) -> conv pairs (depthwise included) and bias correction
 *    (the expected output shift of the quantised weights on the
 *    calibration data's mean input, removed from the bias);
 *  - metadata "quantized" = "int8", "quant_method", "quant_samples",
 *    "quant_granularity", with "quant_equalized_pairs" / "quant_bias_corrected"
 *    when those were applied; "quant_float_nodes" lists nodes kept float.
 * Errors: an empty calibration set, a sample with NaN / inf, a fill
 * callback failure, an already quantised graph (ENN_ERR_INVALID_ARG /
 * ENN_ERR_UNSUPPORTED with a message); a graph in which no operator can be
 * quantised is refused with ENN_ERR_UNSUPPORTED listing the operators.
 */
#ifndef EDGENN_QUANTIZE_H
#define EDGENN_QUANTIZE_H

#include "edgenn/edgenn.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

typedef enum enn_calib_method {
  ENN_CALIB_MINMAX = 0,     /* observed min / max */
  ENN_CALIB_PERCENTILE = 1, /* two-sided percentile of a histogram (options.percentile) */
  ENN_CALIB_ENTROPY = 2,    /* KL-divergence threshold over a 2048-bin histogram */
  ENN_CALIB_MSE = 3         /* threshold minimising the quantisation MSE */
} enn_calib_method;

typedef struct enn_quantize_options {
  enn_calib_method method; /* default ENN_CALIB_PERCENTILE (docs/quantization.md compares them) */
  int32_t per_channel;     /* 1 (default): per-output-channel weights; 0: per tensor */
  float percentile;        /* ENN_CALIB_PERCENTILE: default 99.99 */
  int32_t equalize;        /* cross-layer equalisation (default 0) */
  int32_t bias_correct;    /* empirical bias correction (default 0) */
  enn_dtype dtype;         /* ENN_DTYPE_I8 (the only one implemented here) */
  int32_t threads;         /* calibration session threads (default 1) */
} enn_quantize_options;

void enn_quantize_options_init(enn_quantize_options *o);

/* "minmax", "percentile", "entropy", "mse" (NULL if out of range) and back. */
const char *enn_calib_method_name(enn_calib_method m);
enn_status enn_calib_method_from_name(const char *name, enn_calib_method *out);

/* Calibration samples: the callback fills the graph's input buffers for
 * sample i (0..n-1) and returns ENN_OK (or an error status, after setting
 * a message with the library's error if it likes: the quantiser prefixes
 * "calibration sample i"). inputs[k] is a buffer of the graph's input k
 * (float32, its declared shape, dense). It is called once per sample and
 * pass (minmax: one pass; the histogram methods: two) and must give the
 * same data each time. */
typedef enn_status (*enn_calib_fill)(void *ctx, int32_t i, void *const *inputs);

/* Optional progress report: called after each calibration pass over a
 * sample (done = samples processed so far of total, over all passes). */
typedef void (*enn_quantize_progress)(void *ctx, int64_t done, int64_t total);

/* Quantises f32_graph (not modified) into *out (a new graph, constants
 * owned; destroy with enn_graph_destroy). */
enn_status enn_quantize_graph(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                              enn_calib_fill fill, void *ctx, enn_graph **out);
/* The same with a progress callback (may be NULL). */
enn_status enn_quantize_graph_ex(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                                 enn_calib_fill fill, void *ctx, enn_quantize_progress progress, void *progress_ctx,
                                 enn_graph **out);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
