/*
 * enn_quantize_graph: post-training int8 quantisation of a float graph
 * (include/edgenn/quantize.h; docs/quantization.md, "Post-training
 * quantisation"). The steps:
 *   1. checks: a float32 graph (no int8 / uint8 / float16 tensor, no
 *      Quantize / Dequantize node, no "quantized" metadata), float32
 *      inputs, at least one calibration sample, a fill callback;
 *   2. a private copy is optimised (batch norm folded, activations fused);
 *      fused activations that are not clamps are split off again
 *      (enn_quant_unfuse) so each gets its own int8 table;
 *   3. optional cross-layer equalisation (equalize.c);
 *   4. calibration (calibrate.c) and the int8 graph (quantize_graph.c);
 *   5. metadata: quantized, quant_method, quant_samples,
 *      quant_granularity, and (when used) quant_equalized_pairs,
 *      quant_bias_corrected.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "quant/quant_internal.h"

void enn_quantize_options_init(enn_quantize_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->method = ENN_CALIB_PERCENTILE;
  o->per_channel = 1;
  o->percentile = 99.99f;
  o->dtype = ENN_DTYPE_I8;
  o->threads = 1;
  o->accuracy_budget = NAN;
  o->mixed_weights = ENN_DTYPE_F16;
  o->sensitivity_samples = 32;
}

static const char *const method_names[] = {"minmax", "percentile", "entropy", "mse"};

const char *enn_calib_method_name(enn_calib_method m) {
  return (unsigned)m < ENN_ARRAY_LEN(method_names) ? method_names[m] : NULL;
}

enn_status enn_calib_method_from_name(const char *name, enn_calib_method *out) {
  for (size_t i = 0; name && i < ENN_ARRAY_LEN(method_names); i++)
    if (strcmp(name, method_names[i]) == 0) {
      *out = (enn_calib_method)i;
      return ENN_OK;
    }
  return enn_err(ENN_ERR_INVALID_ARG, "unknown calibration method '%s' (minmax, percentile, entropy, mse)",
                 name ? name : "(null)");
}

/* ------------------------------------------------------------- unfuse */
static enn_op act_op(int32_t act) {
  switch (act) {
  case ENN_ACT_LEAKY_RELU: return ENN_OP_LEAKY_RELU;
  case ENN_ACT_SIGMOID: return ENN_OP_SIGMOID;
  case ENN_ACT_HARD_SIGMOID: return ENN_OP_HARD_SIGMOID;
  case ENN_ACT_HARD_SWISH: return ENN_OP_HARD_SWISH;
  case ENN_ACT_SWISH: return ENN_OP_SWISH;
  case ENN_ACT_TANH: return ENN_OP_TANH;
  default: return ENN_OP_COUNT;
  }
}

enn_status enn_quant_unfuse(const enn_graph *g, enn_graph **out) {
  *out = NULL;
  bool any = false;
  for (int32_t i = 0; i < g->n_nodes; i++) any |= act_op(g->nodes[i].attrs.act) != ENN_OP_COUNT;
  if (!any) return ENN_OK;
  enn_graph *r = NULL;
  int32_t *map = enn_alloc(&g->alloc, (size_t)g->n_tensors * sizeof(int32_t) + 1);
  enn_status st = map ? enn_graph_create(&g->alloc, &r) : enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t t = 0; t < g->n_tensors && !st; t++) {
    const enn_tensor *tt = &g->tensors[t];
    map[t] = -1;
    if (tt->kind == ENN_TK_CONST)
      st = enn_graph_add_constant(r, tt->name, &tt->desc, tt->data, tt->flags & ~ENN_CONST_BORROW, &map[t]);
  }
  for (int32_t i = 0; i < g->n_inputs && !st; i++) {
    const enn_tensor *tt = &g->tensors[g->inputs[i]];
    st = enn_graph_add_input(r, tt->name, &tt->desc, &map[g->inputs[i]]);
  }
  for (int32_t i = 0; i < g->n_nodes && !st; i++) {
    const enn_node *n = &g->nodes[i];
    int32_t in[ENN_MAX_SPLITS], o[ENN_MAX_SPLITS];
    for (int32_t k = 0; k < n->n_inputs; k++) in[k] = map[n->inputs[k]];
    const enn_op aop = act_op(n->attrs.act);
    if (aop == ENN_OP_COUNT || n->n_outputs != 1) {
      if (!(st = enn_graph_add_node(r, n->op, n->name, in, n->n_inputs, &n->attrs, n->n_outputs, o)))
        for (int32_t k = 0; k < n->n_outputs; k++) map[n->outputs[k]] = o[k];
      continue;
    }
    enn_attrs pre = n->attrs, act;
    pre.act = ENN_ACT_NONE;
    enn_attrs_init_op(&act, aop);
    if (aop == ENN_OP_LEAKY_RELU || aop == ENN_OP_HARD_SIGMOID) {
      act.alpha = n->attrs.alpha;
      act.beta = n->attrs.beta;
    }
    char name[300];
    snprintf(name, sizeof name, "%s/pre_act", n->name);
    int32_t mid;
    if ((st = enn_graph_add_node(r, n->op, name, in, n->n_inputs, &pre, 1, &mid))) break;
    if ((st = enn_graph_add_node(r, aop, g->tensors[n->outputs[0]].name, &mid, 1, &act, 1, &o[0]))) break;
    map[n->outputs[0]] = o[0];
  }
  for (int32_t i = 0; i < g->n_outputs && !st; i++) st = enn_graph_add_output(r, map[g->outputs[i]]);
  for (int32_t i = 0; i < g->n_meta && !st; i++) st = enn_graph_set_meta(r, g->meta[i].key, g->meta[i].value);
  enn_free(&g->alloc, map);
  if (st) {
    enn_graph_destroy(r);
    return st;
  }
  *out = r;
  return ENN_OK;
}

/* -------------------------------------------------------------- checks */
static enn_status check_float_graph(const enn_graph *g) {
  const char *q = enn_graph_get_meta(g, "quantized");
  if (q) return enn_err(ENN_ERR_INVALID_ARG, "the graph is already quantised (metadata quantized = %s)", q);
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n = &g->nodes[i];
    if (n->op == ENN_OP_QUANTIZE || n->op == ENN_OP_DEQUANTIZE)
      return enn_err(ENN_ERR_INVALID_ARG, "the graph is already quantised (it has a %s node, '%s'); quantise the "
                     "float model", enn_op_name(n->op), n->name);
  }
  for (int32_t t = 0; t < g->n_tensors; t++) {
    const enn_tensor *tt = &g->tensors[t];
    const enn_dtype d = tt->desc.dtype;
    if (d == ENN_DTYPE_I8 || d == ENN_DTYPE_U8 || tt->desc.quant.count)
      return enn_err(ENN_ERR_INVALID_ARG, "the graph is already quantised (tensor '%s' is %s%s); quantise the "
                     "float model", tt->name, enn_dtype_name(d), tt->desc.quant.count ? " with quantisation "
                     "parameters" : "");
    if (d == ENN_DTYPE_F16)
      return enn_err(ENN_ERR_INVALID_ARG, "tensor '%s' is float16; quantise the float32 model", tt->name);
  }
  for (int32_t i = 0; i < g->n_inputs; i++) {
    const enn_tensor *tt = &g->tensors[g->inputs[i]];
    if (tt->desc.dtype != ENN_DTYPE_F32)
      return enn_err(ENN_ERR_UNSUPPORTED, "input '%s' is %s; calibration feeds float32 inputs", tt->name,
                     enn_dtype_name(tt->desc.dtype));
  }
  if (g->n_inputs < 1) return enn_err(ENN_ERR_INVALID_ARG, "the graph has no inputs to calibrate");
  return ENN_OK;
}

/* --------------------------------------------------------------- entry */
enn_status enn_quant_check_args(const enn_quantize_options *o, int32_t n_samples, enn_calib_fill fill) {
  if ((unsigned)o->method > ENN_CALIB_MSE)
    return enn_err(ENN_ERR_INVALID_ARG, "unknown calibration method %d", (int)o->method);
  if (o->method == ENN_CALIB_PERCENTILE && !(o->percentile > 50.0f && o->percentile <= 100.0f))
    return enn_err(ENN_ERR_INVALID_ARG, "percentile %g is outside (50, 100]", (double)o->percentile);
  if (o->dtype != ENN_DTYPE_I8)
    return enn_err(ENN_ERR_UNSUPPORTED, "enn_quantize_graph makes int8 graphs (dtype %s requested)",
                   enn_dtype_name(o->dtype));
  if (n_samples < 1)
    return enn_err(ENN_ERR_INVALID_ARG, "the calibration set is empty (%d samples); give at least one", n_samples);
  if (!fill) return enn_err(ENN_ERR_INVALID_ARG, "enn_quantize_graph: no calibration fill callback");
  return ENN_OK;
}

enn_status enn_quant_prepare(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                             enn_calib_fill fill, void *ctx, enn_quantize_progress progress, void *pctx,
                             enn_qcal *c, int32_t *pairs) {
  memset(c, 0, sizeof *c);
  *pairs = 0;
  enn_status st = enn_graph_verify(f32_graph);
  if (st) return enn_err_prefix(st, "cannot quantise an invalid graph");
  if ((st = check_float_graph(f32_graph))) return st;
  if ((st = enn_ir_clone(f32_graph, NULL, true, &c->g))) return st;
  if ((st = enn_graph_optimize(c->g, 1))) goto fail;
  enn_graph *split = NULL;
  if ((st = enn_quant_unfuse(c->g, &split))) goto fail;
  if (split) {
    enn_graph_destroy(c->g);
    c->g = split;
  }
  if (o->equalize && (st = enn_quant_equalize(c->g, pairs))) goto fail;
  if ((st = enn_qcal_run(c, o, n_samples, fill, ctx, progress, pctx))) goto fail;
  return ENN_OK;
fail:
  enn_qcal_free(c);
  return st;
}

enn_status enn_quant_set_meta(enn_graph *q, const enn_quantize_options *o, int32_t n_samples, int32_t pairs,
                              bool set_quantized) {
  char buf[64];
  snprintf(buf, sizeof buf, "%d", n_samples);
  char method[64];
  if (o->method == ENN_CALIB_PERCENTILE) snprintf(method, sizeof method, "percentile(%g)", (double)o->percentile);
  else snprintf(method, sizeof method, "%s", enn_calib_method_name(o->method));
  char pbuf2[32];
  snprintf(pbuf2, sizeof pbuf2, "%d", pairs);
  enn_status st;
  if ((set_quantized && (st = enn_graph_set_meta(q, "quantized", "int8"))) ||
      (st = enn_graph_set_meta(q, "quant_method", method)) || (st = enn_graph_set_meta(q, "quant_samples", buf)) ||
      (st = enn_graph_set_meta(q, "quant_granularity", o->per_channel ? "per-channel" : "per-tensor")) ||
      (o->equalize && (st = enn_graph_set_meta(q, "quant_equalized_pairs", pbuf2))) ||
      (o->bias_correct && (st = enn_graph_set_meta(q, "quant_bias_corrected", "1"))))
    return st;
  return ENN_OK;
}

enn_status enn_quantize_graph_ex(const enn_graph *f32_graph, const enn_quantize_options *opt, int32_t n_samples,
                                 enn_calib_fill fill, void *ctx, enn_quantize_progress progress, void *progress_ctx,
                                 enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_quantize_graph: out is NULL");
  *out = NULL;
  if (!f32_graph) return enn_err(ENN_ERR_INVALID_ARG, "enn_quantize_graph: graph is NULL");
  enn_quantize_options o;
  if (opt) o = *opt;
  else enn_quantize_options_init(&o);
  enn_status st = enn_quant_check_args(&o, n_samples, fill);
  if (st) return st;
  if (!isnan(o.accuracy_budget))
    return enn_err(ENN_ERR_INVALID_ARG, "options.accuracy_budget (%g points) is used only by mixed precision "
                   "(enn_quantize_graph_mixed, with an evaluation set); leave it NAN for int8",
                   o.accuracy_budget);
  enn_qcal c;
  int32_t pairs = 0;
  if ((st = enn_quant_prepare(f32_graph, &o, n_samples, fill, ctx, progress, progress_ctx, &c, &pairs))) return st;
  enn_graph *q = NULL;
  if ((st = enn_quant_build(&c, &o, NULL, &q))) goto done;
  if ((st = enn_quant_set_meta(q, &o, n_samples, pairs, true))) {
    enn_graph_destroy(q);
    goto done;
  }
  *out = q;
done:
  enn_qcal_free(&c);
  return st;
}

enn_status enn_quantize_graph(const enn_graph *f32_graph, const enn_quantize_options *o, int32_t n_samples,
                              enn_calib_fill fill, void *ctx, enn_graph **out) {
  return enn_quantize_graph_ex(f32_graph, o, n_samples, fill, ctx, NULL, NULL, out);
}
