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
 * callback failure, an already quantised graph, an accuracy_budget set
 * (it belongs to mixed precision) (ENN_ERR_INVALID_ARG /
 * ENN_ERR_UNSUPPORTED with a message); a graph in which no operator can be
 * quantised is refused with ENN_ERR_UNSUPPORTED listing the operators.
 *
 * Mixed precision (enn_quantize_graph_mixed; docs/quantization.md, "Mixed
 * precision"): the same int8 graph, then, on an evaluation set and within
 * options.accuracy_budget points of the float model's accuracy, the
 * layers whose int8 form hurts the output most are kept float (fp16
 * weights by default, f32 arithmetic), most sensitive first, until the
 * budget is met.
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
  /* Mixed precision (enn_quantize_graph_mixed only): */
  double accuracy_budget;  /* points of accuracy (top-1 %, or % agreement with the float model) the
                              result may lose against the float model; >= 0. Default NAN = unset
                              (enn_quantize_graph_ex refuses a set budget: it is mixed-only) */
  enn_dtype mixed_weights; /* weights of the layers kept float: ENN_DTYPE_F16 (default; a tensor
                              f16 cannot hold stays f32) or ENN_DTYPE_F32 */
  int32_t sensitivity_samples; /* calibration samples (spread over the set) on which each layer's
                              sensitivity is measured (default 32) */
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

/* ------------------------------------------------------ mixed precision */
/* The evaluation set of the mixed-precision search. fill has the
 * calibration callback's contract (inputs[k] = buffer of input k, float32;
 * the same data on every call for the same i). labels[i] (>= 0) is sample
 * i's class: accuracy = top-1 of output 0 (argmax over all its values,
 * ties to the lower index) against the labels. labels = NULL: accuracy =
 * top-1 agreement with the float model (the float model scores 100). */
typedef struct enn_quantize_eval {
  int32_t n; /* samples (>= 1) */
  enn_calib_fill fill;
  void *ctx;
  const int32_t *labels; /* [n] or NULL */
} enn_quantize_eval;

/* Progress of the mixed search, by stage ("calibrating", "float model",
 * "int8 accuracy", "sensitivity", "search: N float"): done of total
 * samples of that stage. */
typedef void (*enn_quantize_stage_progress)(void *ctx, const char *stage, int64_t done, int64_t total);

/* One candidate layer: a node of the optimised float graph that has an
 * int8 form (Conv2D, FullyConnected, Add, pools, Softmax, ...; views that
 * only move bytes are not candidates). */
typedef struct enn_quantize_layer {
  char *name;          /* node name (a fused activation split off is "NAME/pre_act" + "NAME") */
  enn_op op;
  double sqnr_db;      /* SQNR of output 0, in dB, with only this layer int8 (the rest float32) against
                          the float model, on the sensitivity samples: lower = more sensitive.
                          INFINITY: no error; NAN: not measured (int8 already met the budget) */
  int32_t rank;        /* 0 = most sensitive; -1 when not measured */
  enn_dtype precision; /* ENN_DTYPE_I8, or the kept-float layer's weight dtype (F16 / F32; f32
                          arithmetic; a layer without weights reports the mixed_weights choice) */
  double accuracy;     /* accuracy (%) of the configuration with this layer and every more
                          sensitive one float; NAN when that configuration was not evaluated */
} enn_quantize_layer;

typedef struct enn_quantize_mixed_report {
  int32_t labelled;     /* 1: top-1 against labels; 0: agreement with the float model */
  int32_t n_eval;       /* evaluation samples */
  double budget;        /* points */
  double float_acc;     /* the float model's accuracy (%) */
  double int8_acc;      /* every candidate int8 */
  double final_acc;     /* the returned graph */
  int32_t budget_met;   /* 1 when float_acc - final_acc <= budget */
  int32_t n_float;      /* candidates kept float in the returned graph */
  int32_t evaluations;  /* configurations scored on the evaluation set */
  int32_t n_layers;
  enn_quantize_layer *layers; /* [n_layers], in graph order */
} enn_quantize_mixed_report;

/* Frees report->layers and their names (the report itself is the
 * caller's). */
void enn_quantize_mixed_report_free(enn_quantize_mixed_report *report);

/* Mixed-precision quantisation:
 *  1. calibration and the int8 graph as enn_quantize_graph_ex (same
 *     options); its accuracy on eval;
 *  2. if float_acc - int8_acc > o->accuracy_budget: each candidate's
 *     sensitivity = the SQNR of output 0 with only that layer int8, on
 *     o->sensitivity_samples calibration samples;
 *  3. the k most sensitive layers kept float (weights o->mixed_weights), k
 *     grown 1, 2, 3, 4, then by half (6, 9, 13, ...) until the budget is
 *     met, then bisected down to the smallest evaluated k that meets it;
 *  4. when no k meets it (not even every candidate float: fp16 weights
 *     can cost accuracy too; with mixed_weights F32 every-candidate-float
 *     is the float model), the result is the evaluated configuration with
 *     the best accuracy (ties: fewer float layers) and report->budget_met
 *     = 0: still ENN_OK, the caller decides.
 * The graph's metadata adds quant_mixed_float (the kept layers and their
 * weight dtype), quant_mixed_budget, quant_mixed_metric ("top1" /
 * "agreement"), quant_mixed_eval_samples, quant_mixed_float_acc,
 * quant_mixed_int8_acc, quant_mixed_acc, quant_mixed_budget_met.
 * "quantized" is "int8" while any int8 node remains ("f16" / unset when
 * everything is float). report may be NULL; on success free it with
 * enn_quantize_mixed_report_free (on failure it holds nothing).
 * Errors (ENN_ERR_INVALID_ARG): no eval set / fill / samples, a negative
 * label, an unset or negative budget, mixed_weights not F16 / F32, output
 * 0 not float32; and those of enn_quantize_graph_ex. */
enn_status enn_quantize_graph_mixed(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                                    enn_calib_fill fill, void *ctx, const enn_quantize_eval *eval,
                                    enn_quantize_stage_progress progress, void *progress_ctx,
                                    enn_quantize_mixed_report *report, enn_graph **out);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
