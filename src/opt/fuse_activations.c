/*
 * Activation fusion. A standalone activation A whose input is produced by
 * a node P that can apply an activation to its own output (ENN_OPF_FUSE_ACT:
 * Conv2D, FullyConnected, BatchNorm, Add/Sub/Mul/Div, pools) is folded into
 * P's attrs.act when P has no activation yet and A is the only reader of
 * P's output (which must not be a graph output either: its pre-activation
 * values would be lost). P then writes A's output tensor directly, so the
 * tensor's name and its place among the graph outputs are unchanged, and A
 * is marked dead.
 *
 * Mapping (act.h defines the fused functions):
 *   Relu -> RELU;  Clip(0, 6) -> RELU6;  Clip(0, +inf) -> RELU;
 *   Clip(lo, hi) -> CLIP(lo, hi);  LeakyRelu(alpha) -> LEAKY_RELU(alpha);
 *   HardSigmoid(alpha, beta) -> HARD_SIGMOID(alpha, beta);
 *   Sigmoid, HardSwish, Swish, Tanh -> the same kind.
 *
 * Integer (int8) tensors: fusion must give the same bits. A producer's
 * int8 path applies its fused activation as an integer clamp of its
 * requantised output (enn_act_range_q on the output's parameters), and the
 * int8 Relu / Clip operators with equal input and output parameters compute
 * exactly that clamp (their rescale is then the identity). So an int8
 * activation is fused only when it is Relu or Clip (Relu6), its output
 * carries the same parameters as its input (enn_opt_same_desc compares
 * them), and the producer is one whose int8 path honours a fused clamp
 * (Conv2D, FullyConnected, pools, GlobalAvgPool, Add, Sub, Mul). Tables
 * (sigmoid, hard-swish, ...) and rescaling activations stay separate.
 */
#include <math.h>

#include "opt/opt.h"

/* Fills the fused-activation fields of `a` for activation node n; false if
 * n is not an activation that can be fused. */
static bool act_of(const enn_node *n, enn_attrs *a) {
  a->act = ENN_ACT_NONE;
  a->act_min = -INFINITY;
  a->act_max = INFINITY;
  a->alpha = 0.0f;
  a->beta = 0.0f;
  switch (n->op) {
  case ENN_OP_RELU: a->act = ENN_ACT_RELU; return true;
  case ENN_OP_CLIP: {
    const float lo = n->attrs.act_min, hi = n->attrs.act_max;
    if (!(lo <= hi)) return false; /* NaN or inverted bounds: leave the node alone */
    if (lo == 0.0f && hi == 6.0f)
      a->act = ENN_ACT_RELU6;
    else if (lo == 0.0f && isinf(hi) && hi > 0.0f)
      a->act = ENN_ACT_RELU;
    else {
      a->act = ENN_ACT_CLIP;
      a->act_min = lo;
      a->act_max = hi;
    }
    return true;
  }
  case ENN_OP_LEAKY_RELU:
    a->act = ENN_ACT_LEAKY_RELU;
    a->alpha = n->attrs.alpha;
    return true;
  case ENN_OP_SIGMOID: a->act = ENN_ACT_SIGMOID; return true;
  case ENN_OP_HARD_SIGMOID:
    a->act = ENN_ACT_HARD_SIGMOID;
    a->alpha = n->attrs.alpha;
    a->beta = n->attrs.beta;
    return true;
  case ENN_OP_HARD_SWISH: a->act = ENN_ACT_HARD_SWISH; return true;
  case ENN_OP_SWISH: a->act = ENN_ACT_SWISH; return true;
  case ENN_OP_TANH: a->act = ENN_ACT_TANH; return true;
  default: return false;
  }
}

/* Producers whose int8 path applies attrs.act as an integer clamp. */
static bool q8_clamp_producer(enn_op op) {
  switch (op) {
  case ENN_OP_CONV2D:
  case ENN_OP_FULLY_CONNECTED:
  case ENN_OP_MAX_POOL:
  case ENN_OP_AVG_POOL:
  case ENN_OP_GLOBAL_AVG_POOL:
  case ENN_OP_ADD:
  case ENN_OP_SUB:
  case ENN_OP_MUL: return true;
  default: return false;
  }
}

enn_status enn_opt_fuse_activations(enn_graph *g, bool *changed) {
  for (int32_t i = 0; i < g->n_nodes; i++) {
    enn_node *an = &g->nodes[i];
    if (an->dead || an->n_inputs != 1 || an->n_outputs != 1) continue;
    enn_attrs act;
    if (!act_of(an, &act)) continue;
    const int32_t x = an->inputs[0], y = an->outputs[0];
    const int32_t pi = enn_opt_producer(g, x);
    if (pi < 0 || !enn_opt_sole_use(g, x)) continue;
    enn_node *p = &g->nodes[pi];
    if (!(enn_op_flags(p->op) & ENN_OPF_FUSE_ACT) || p->attrs.act != ENN_ACT_NONE || p->n_outputs != 1) continue;
    if (!enn_opt_same_desc(&g->tensors[x].desc, &g->tensors[y].desc)) continue;
    if (g->tensors[x].desc.dtype != ENN_DTYPE_F32 &&
        (!(act.act == ENN_ACT_RELU || act.act == ENN_ACT_RELU6 || act.act == ENN_ACT_CLIP) || !q8_clamp_producer(p->op)))
      continue;
    p->attrs.act = act.act;
    p->attrs.act_min = act.act_min;
    p->attrs.act_max = act.act_max;
    p->attrs.alpha = act.alpha;
    p->attrs.beta = act.beta;
    enn_opt_take_output(g, pi, x, y);
    an->dead = true;
    *changed = true;
  }
  return ENN_OK;
}
