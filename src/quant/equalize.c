/*
 * Cross-layer equalisation (Nagel, van Baalen, Blankevoort, Welling,
 * "Data-Free Quantization Through Weight Equalization and Bias
 * Correction", ICCV 2019), in place on a float graph.
 *
 * For two convolutions L1 -> L2 where L1's output feeds only L2, with no
 * activation or a ReLU fused into L1 (ReLU(x / s) = ReLU(x) / s for s > 0;
 * Relu6 / Clip do not commute with a scale and are left alone), each
 * channel i between them can be rescaled: L1's output channel i (weights
 * and bias) divided by s_i and L2's weights reading input channel i
 * multiplied by s_i compute the same function. With r1_i = max|W1[i]| and
 * r2_i = max over L2's weights reading channel i, s_i = sqrt(r1_i / r2_i)
 * gives both the range sqrt(r1_i * r2_i): the per-tensor weight ranges of
 * both layers get as even as the pair allows, which is what per-tensor
 * int8 weights need (a depthwise layer's channels often differ by orders
 * of magnitude). L2 may be grouped or depthwise (input channel i = group
 * g's j-th: weights W2[o, :, :, j] for the group's outputs o). Chains
 * (L1 -> L2 -> L3) share layers, so the pass sweeps every pair until the
 * scales settle (at most 32 sweeps, until every s_i is within 1e-4 of 1).
 * Channels with a zero range keep s_i = 1, and so do (nearly) dead ones:
 * a channel of L1 whose weights are below 1/1000 of the layer's largest
 * outputs about its bias, and dividing it by a tiny s_i would blow up the
 * activation's range (seen on MLPerf VWW: activation scales of 1e10);
 * a channel L2 barely reads needs no equalisation.
 */
#include <math.h>

#include "quant/quant_internal.h"

/* Channels whose range is below this fraction of the layer's largest are
 * left alone (see equalize_pair). */
#define CLE_DEAD 1e-3f

typedef struct cle_pair {
  int32_t l1, l2;
} cle_pair;

static bool writable_const(enn_graph *g, int32_t t) {
  return t >= 0 && g->tensors[t].kind == ENN_TK_CONST && g->tensors[t].desc.dtype == ENN_DTYPE_F32 &&
         enn_graph_constant_data(g, t) != NULL && enn_ir_use_count(g, t) == 1;
}

static bool cle_conv(enn_graph *g, const enn_node *n) {
  return n->op == ENN_OP_CONV2D && n->n_inputs >= 2 && g->tensors[n->inputs[1]].desc.rank == 4 &&
         writable_const(g, n->inputs[1]) && (n->n_inputs < 3 || writable_const(g, n->inputs[2]));
}

/* One equalisation of a pair; returns max |log s_i|. */
static double equalize_pair(enn_graph *g, const enn_node *n1, const enn_node *n2) {
  float *w1 = enn_graph_constant_data(g, n1->inputs[1]);
  float *b1 = n1->n_inputs > 2 ? enn_graph_constant_data(g, n1->inputs[2]) : NULL;
  float *w2 = enn_graph_constant_data(g, n2->inputs[1]);
  const enn_tensor_desc *d1 = &g->tensors[n1->inputs[1]].desc, *d2 = &g->tensors[n2->inputs[1]].desc;
  const int64_t C = d1->dims[0], in1 = d1->dims[1] * d1->dims[2] * d1->dims[3];
  const int64_t O2 = d2->dims[0], K2 = d2->dims[1] * d2->dims[2], ICG = d2->dims[3];
  const int64_t G = n2->attrs.groups > 0 ? n2->attrs.groups : 1, OCG = O2 / G;
  double worst = 0.0;
  float m1 = 0.0f, m2 = 0.0f; /* the layers' largest channel ranges */
  for (int64_t k = 0; k < C * in1; k++) m1 = fmaxf(m1, fabsf(w1[k]));
  for (int64_t k = 0; k < O2 * K2 * ICG; k++) m2 = fmaxf(m2, fabsf(w2[k]));
  for (int64_t i = 0; i < C; i++) {
    float r1 = 0.0f, r2 = 0.0f;
    for (int64_t k = 0; k < in1; k++) r1 = fmaxf(r1, fabsf(w1[i * in1 + k]));
    const int64_t grp = i / ICG, j = i % ICG;
    for (int64_t o = grp * OCG; o < (grp + 1) * OCG; o++)
      for (int64_t k = 0; k < K2; k++) r2 = fmaxf(r2, fabsf(w2[(o * K2 + k) * ICG + j]));
    /* A (nearly) dead channel of L1 outputs about its bias: scaling it
     * up by 1 / s would inflate the activation's range without helping any
     * weight; one L2 ignores needs no care. Both keep s = 1. */
    if (!(r1 > CLE_DEAD * m1) || !(r2 > CLE_DEAD * m2)) continue;
    const double s = sqrt((double)r1 / (double)r2);
    if (!isfinite(s) || s <= 0.0) continue;
    worst = fmax(worst, fabs(log(s)));
    const float inv = (float)(1.0 / s), sf = (float)s;
    for (int64_t k = 0; k < in1; k++) w1[i * in1 + k] *= inv;
    if (b1) b1[i] *= inv;
    for (int64_t o = grp * OCG; o < (grp + 1) * OCG; o++)
      for (int64_t k = 0; k < K2; k++) w2[(o * K2 + k) * ICG + j] *= sf;
  }
  return worst;
}

enn_status enn_quant_equalize(enn_graph *g, int32_t *pairs) {
  *pairs = 0;
  cle_pair *p = enn_alloc(&g->alloc, (size_t)g->n_nodes * sizeof(cle_pair) + 1);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory (equalisation)");
  int32_t np = 0;
  for (int32_t i = 0; i < g->n_nodes; i++) {
    const enn_node *n1 = &g->nodes[i];
    if (!cle_conv(g, n1) || (n1->attrs.act != ENN_ACT_NONE && n1->attrs.act != ENN_ACT_RELU)) continue;
    const int32_t y = n1->outputs[0];
    if (enn_ir_use_count(g, y) != 1 || enn_ir_is_output(g, y)) continue;
    for (int32_t k = i + 1; k < g->n_nodes; k++) {
      const enn_node *n2 = &g->nodes[k];
      bool reads = false;
      for (int32_t m = 0; m < n2->n_inputs; m++) reads |= n2->inputs[m] == y;
      if (!reads) continue;
      if (cle_conv(g, n2) && n2->inputs[0] == y && g->tensors[n1->inputs[1]].desc.dims[0] ==
                                                       g->tensors[y].desc.dims[3])
        p[np++] = (cle_pair){i, k};
      break;
    }
  }
  for (int32_t sweep = 0; sweep < 32 && np; sweep++) {
    double worst = 0.0;
    for (int32_t k = 0; k < np; k++) worst = fmax(worst, equalize_pair(g, &g->nodes[p[k].l1], &g->nodes[p[k].l2]));
    if (worst < 1e-4) break;
  }
  *pairs = np;
  enn_free(&g->alloc, p);
  return ENN_OK;
}
