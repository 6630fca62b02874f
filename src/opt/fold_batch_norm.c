/*
 * Batch-norm folding. For y = BN(P(x)) with P a Conv2D or FullyConnected
 * whose output only the BatchNorm reads, and every parameter constant,
 *
 *   BN(z)[o] = (z[o] - mean[o]) * s[o] + beta[o],  s[o] = gamma[o] / sqrt(var[o] + eps)
 *   z[o]     = b[o] + sum_j w[o, j] x_j                     (conv: j over kh, kw, ic)
 *
 * so BN(P(x)) = P'(x) with w'[o, j] = w[o, j] * s[o] and
 * b'[o] = (b[o] - mean[o]) * s[o] + beta[o] (b = 0 when P has no bias).
 * The output channel is dimension 0 of both weight layouts (conv OHWI, FC
 * [out, in]) and the last axis of the BatchNorm's input. s and b' are
 * computed in double and rounded once.
 *
 * The rewrite adds new constants (a borrowed or shared weight is never
 * changed in place), points P at them, moves the BatchNorm's fused
 * activation to P and makes P write the BatchNorm's output tensor, so
 * graph outputs and tensor names are unchanged. A BatchNorm whose input
 * comes from anything else (or from a P that already has an activation, or
 * whose output others also read) stays as it is.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "opt/opt.h"

static bool is_plain_f32_const(const enn_graph *g, int32_t id) {
  const enn_tensor *t = &g->tensors[id];
  return t->kind == ENN_TK_CONST && t->desc.dtype == ENN_DTYPE_F32 && t->desc.quant.count == 0 &&
         (t->data || enn_tensor_desc_bytes(&t->desc) == 0);
}

static const float *const_f32(const enn_graph *g, int32_t id) { return (const float *)g->tensors[id].data; }

/* Can BatchNorm node bi be folded into the node producing its input? */
static int32_t foldable_producer(const enn_graph *g, int32_t bi) {
  const enn_node *bn = &g->nodes[bi];
  if (bn->n_inputs != 5 || bn->n_outputs != 1) return -1;
  const int32_t x = bn->inputs[0];
  const int32_t pi = enn_opt_producer(g, x);
  if (pi < 0 || !enn_opt_sole_use(g, x)) return -1;
  const enn_node *p = &g->nodes[pi];
  if ((p->op != ENN_OP_CONV2D && p->op != ENN_OP_FULLY_CONNECTED) || p->attrs.act != ENN_ACT_NONE) return -1;
  if (p->n_outputs != 1 || p->n_inputs < 2 || p->n_inputs > 3) return -1;
  if (!enn_opt_same_desc(&g->tensors[x].desc, &g->tensors[bn->outputs[0]].desc)) return -1;
  if (g->tensors[x].desc.dtype != ENN_DTYPE_F32 || g->tensors[p->inputs[0]].desc.dtype != ENN_DTYPE_F32)
    return -1; /* float only: int8 weights cannot absorb a per-channel scale exactly */
  for (int32_t k = 1; k < p->n_inputs; k++)
    if (!is_plain_f32_const(g, p->inputs[k])) return -1;
  const enn_tensor_desc *w = &g->tensors[p->inputs[1]].desc;
  if (w->rank < 1 || w->dims[0] < 1) return -1;
  const int64_t oc = w->dims[0];
  if (g->tensors[x].desc.rank < 1 || g->tensors[x].desc.dims[g->tensors[x].desc.rank - 1] != oc) return -1;
  if (p->n_inputs == 3 && enn_tensor_desc_numel(&g->tensors[p->inputs[2]].desc) != oc) return -1;
  for (int32_t k = 1; k < 5; k++)
    if (!is_plain_f32_const(g, bn->inputs[k]) || enn_tensor_desc_numel(&g->tensors[bn->inputs[k]].desc) != oc)
      return -1;
  /* A non-positive variance + epsilon makes the BatchNorm produce inf/NaN;
   * leave such a node to compute exactly what it computes. */
  const float *var = const_f32(g, bn->inputs[4]);
  for (int64_t o = 0; o < oc; o++) {
    double v = (double)var[o] + (double)bn->attrs.epsilon;
    if (!(v > 0.0) || !isfinite(v)) return -1;
  }
  return pi;
}

static enn_status fold_one(enn_graph *g, int32_t bi, int32_t pi) {
  enn_status st = ENN_OK;
  const int32_t w_id = g->nodes[pi].inputs[1];
  const int32_t b_id = g->nodes[pi].n_inputs == 3 ? g->nodes[pi].inputs[2] : -1;
  const enn_tensor_desc wd = g->tensors[w_id].desc;
  const int64_t oc = wd.dims[0], wn = enn_tensor_desc_numel(&wd), per = oc ? wn / oc : 0;
  const float eps = g->nodes[bi].attrs.epsilon;
  const float *w = const_f32(g, w_id), *b = b_id >= 0 ? const_f32(g, b_id) : NULL;
  const float *gamma = const_f32(g, g->nodes[bi].inputs[1]), *beta = const_f32(g, g->nodes[bi].inputs[2]);
  const float *mean = const_f32(g, g->nodes[bi].inputs[3]), *var = const_f32(g, g->nodes[bi].inputs[4]);

  float *nw = enn_alloc_aligned(&g->alloc, (size_t)wn * sizeof(float), ENN_ALIGN);
  float *nb = enn_alloc_aligned(&g->alloc, (size_t)oc * sizeof(float), ENN_ALIGN);
  if (!nw || !nb) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory folding batch norm");
    goto done;
  }
  for (int64_t o = 0; o < oc; o++) {
    const double s = (double)gamma[o] / sqrt((double)var[o] + (double)eps);
    for (int64_t j = 0; j < per; j++) nw[o * per + j] = (float)((double)w[o * per + j] * s);
    nb[o] = (float)(((b ? (double)b[o] : 0.0) - (double)mean[o]) * s + (double)beta[o]);
  }
  char name[256];
  int32_t nw_id, nb_id;
  snprintf(name, sizeof name, "%s.w_bn", g->nodes[pi].name);
  if ((st = enn_opt_adopt_const(g, name, &wd, nw, 0, &nw_id))) goto done;
  nw = NULL; /* the graph owns it now */
  enn_tensor_desc bd;
  enn_tensor_desc_init(&bd, ENN_DTYPE_F32, 1, &oc);
  snprintf(name, sizeof name, "%s.b_bn", g->nodes[pi].name);
  if ((st = enn_opt_adopt_const(g, name, &bd, nb, 0, &nb_id))) goto done;
  nb = NULL;

  enn_node *p = &g->nodes[pi];
  enn_node *bn = &g->nodes[bi];
  if (p->n_inputs == 2) {
    int32_t *new_inputs = enn_alloc(&g->alloc, 3 * sizeof(int32_t) + 1);
    if (!new_inputs) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory folding batch norm");
      goto done;
    }
    new_inputs[0] = p->inputs[0];
    enn_free(&g->alloc, p->inputs);
    p->inputs = new_inputs;
    p->n_inputs = 3;
  }
  p->inputs[1] = nw_id;
  p->inputs[2] = nb_id;
  p->attrs.act = bn->attrs.act;
  p->attrs.act_min = bn->attrs.act_min;
  p->attrs.act_max = bn->attrs.act_max;
  p->attrs.alpha = bn->attrs.alpha;
  p->attrs.beta = bn->attrs.beta;
  enn_opt_take_output(g, pi, bn->inputs[0], bn->outputs[0]);
  bn->dead = true;
done:
  enn_free(&g->alloc, nw);
  enn_free(&g->alloc, nb);
  return st;
}

enn_status enn_opt_fold_batch_norm(enn_graph *g, bool *changed) {
  for (int32_t i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].dead || g->nodes[i].op != ENN_OP_BATCH_NORM) continue;
    const int32_t pi = foldable_producer(g, i);
    if (pi < 0) continue;
    enn_status st = fold_one(g, i, pi);
    if (st) return enn_err_prefix(st, "folding batch norm '%s'", g->nodes[i].name);
    *changed = true;
  }
  return ENN_OK;
}
