/* The zoo builder kit (see zoo.h): sticky-error graph construction helpers
 * and deterministic random weights. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "zoo/zoo.h"

void enn_zb_begin(enn_zb *zb, enn_graph *g, uint64_t seed) {
  memset(zb, 0, sizeof *zb);
  zb->g = g;
  zb->rng = seed ^ 0x9e3779b97f4a7c15ULL;
  zb->bn_stats_random = true;
}

static uint64_t next_u64(enn_zb *zb) {
  /* splitmix64 */
  uint64_t z = (zb->rng += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

float enn_zb_uniform(enn_zb *zb, float lo, float hi) {
  double u = (double)(next_u64(zb) >> 11) * (1.0 / 9007199254740992.0);
  return (float)((double)lo + ((double)hi - (double)lo) * u);
}

static const char *auto_name(enn_zb *zb, const char *name, const char *kind, char *buf, size_t cap) {
  if (name && *name) return name;
  snprintf(buf, cap, "%s_%d", kind, zb->counter++);
  return buf;
}

int32_t enn_zb_input(enn_zb *zb, const char *name, int64_t n, int64_t h, int64_t w, int64_t c) {
  if (zb->st) return -1;
  int64_t d[4] = {n, h, w, c};
  enn_tensor_desc desc;
  enn_tensor_desc_init(&desc, ENN_DTYPE_F32, 4, d);
  int32_t id = -1;
  zb->st = enn_graph_add_input(zb->g, name, &desc, &id);
  return zb->st ? -1 : id;
}

int32_t enn_zb_node(enn_zb *zb, enn_op op, const char *name, const int32_t *in, int32_t n_in, const enn_attrs *a) {
  if (zb->st) return -1;
  for (int32_t i = 0; i < n_in; i++)
    if (in[i] < 0) {
      zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: node '%s' given an invalid input", name ? name : "?");
      return -1;
    }
  int32_t out = -1;
  zb->st = enn_graph_add_node(zb->g, op, name, in, n_in, a, 1, &out);
  return zb->st ? -1 : out;
}

int32_t enn_zb_param(enn_zb *zb, const char *name, int32_t rank, const int64_t *dims, int64_t fan_in, float lo,
                     float hi, uint32_t flags) {
  if (zb->st) return -1;
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  int32_t id = -1;
  if ((zb->st = enn_graph_add_constant(zb->g, name, &d, NULL, ENN_CONST_COPY | flags, &id))) return -1;
  float *p = enn_graph_constant_data(zb->g, id);
  int64_t n = enn_tensor_desc_numel(&d);
  if (fan_in > 0) {
    float bound = (float)sqrt(6.0 / (double)fan_in);
    lo = -bound;
    hi = bound;
  }
  for (int64_t i = 0; i < n; i++) p[i] = enn_zb_uniform(zb, lo, hi);
  return id;
}

const enn_tensor_desc *enn_zb_desc(enn_zb *zb, int32_t t) {
  static const enn_tensor_desc empty;
  if (t < 0 || t >= zb->g->n_tensors) return &empty;
  return &zb->g->tensors[t].desc;
}

int64_t enn_zb_channels(enn_zb *zb, int32_t t) {
  const enn_tensor_desc *d = enn_zb_desc(zb, t);
  return d->rank > 0 ? d->dims[d->rank - 1] : 0;
}

static void set_pad(enn_attrs *a, int32_t pad) {
  if (pad == ENN_ZB_SAME) a->pad_mode = ENN_PAD_SAME_UPPER;
  else if (pad == ENN_ZB_VALID) a->pad_mode = ENN_PAD_VALID;
  else a->pads[0] = a->pads[1] = a->pads[2] = a->pads[3] = pad;
}

int32_t enn_zb_conv(enn_zb *zb, int32_t x, const char *name, int64_t oc, int32_t kh, int32_t kw, int32_t stride,
                    int32_t pad, int32_t groups, bool bias) {
  if (zb->st) return -1;
  char nb[64], wn[96], bn[96];
  name = auto_name(zb, name, "conv", nb, sizeof nb);
  int64_t ic = enn_zb_channels(zb, x);
  if (groups < 1 || ic % groups) {
    zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: conv '%s': %lld channels not divisible by %d groups", name, (long long)ic, groups);
    return -1;
  }
  int64_t wd[4] = {oc, kh, kw, ic / groups};
  snprintf(wn, sizeof wn, "%s.weight", name);
  snprintf(bn, sizeof bn, "%s.bias", name);
  int32_t in[3];
  in[0] = x;
  in[1] = enn_zb_param(zb, wn, 4, wd, (int64_t)kh * kw * (ic / groups), 0, 0, 0);
  int32_t n_in = 2;
  if (bias) {
    int64_t bd[1] = {oc};
    in[2] = enn_zb_param(zb, bn, 1, bd, 0, -0.05f, 0.05f, 0);
    n_in = 3;
  }
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.stride[0] = a.stride[1] = stride;
  a.groups = groups;
  set_pad(&a, pad);
  return enn_zb_node(zb, ENN_OP_CONV2D, name, in, n_in, &a);
}

int32_t enn_zb_bn(enn_zb *zb, int32_t x, const char *name) { return enn_zb_bn_eps(zb, x, name, 1e-5f); }

int32_t enn_zb_bn_eps(enn_zb *zb, int32_t x, const char *name, float epsilon) {
  if (zb->st) return -1;
  char nb[64], pn[4][96];
  name = auto_name(zb, name, "bn", nb, sizeof nb);
  static const char *const suffix[4] = {"weight", "bias", "running_mean", "running_var"};
  for (int i = 0; i < 4; i++) snprintf(pn[i], sizeof pn[i], "%s.%s", name, suffix[i]);
  int64_t c[1] = {enn_zb_channels(zb, x)};
  bool r = zb->bn_stats_random;
  int32_t in[5] = {x,
                   enn_zb_param(zb, pn[0], 1, c, 0, r ? 0.8f : 1.0f, r ? 1.2f : 1.0f, 0),
                   enn_zb_param(zb, pn[1], 1, c, 0, r ? -0.1f : 0.0f, r ? 0.1f : 0.0f, 0),
                   enn_zb_param(zb, pn[2], 1, c, 0, r ? -0.1f : 0.0f, r ? 0.1f : 0.0f, ENN_CONST_BUFFER),
                   enn_zb_param(zb, pn[3], 1, c, 0, r ? 0.8f : 1.0f, r ? 1.2f : 1.0f, ENN_CONST_BUFFER)};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.epsilon = epsilon;
  return enn_zb_node(zb, ENN_OP_BATCH_NORM, name, in, 5, &a);
}

int32_t enn_zb_act(enn_zb *zb, int32_t x, enn_act act, const char *name) {
  if (zb->st || act == ENN_ACT_NONE) return zb->st ? -1 : x;
  enn_op op;
  enn_attrs a;
  switch (act) {
  case ENN_ACT_RELU: op = ENN_OP_RELU; break;
  case ENN_ACT_RELU6: op = ENN_OP_CLIP; break;
  case ENN_ACT_SIGMOID: op = ENN_OP_SIGMOID; break;
  case ENN_ACT_HARD_SIGMOID: op = ENN_OP_HARD_SIGMOID; break;
  case ENN_ACT_HARD_SWISH: op = ENN_OP_HARD_SWISH; break;
  case ENN_ACT_SWISH: op = ENN_OP_SWISH; break;
  case ENN_ACT_TANH: op = ENN_OP_TANH; break;
  default: zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: unsupported standalone activation %s", enn_act_name(act)); return -1;
  }
  enn_attrs_init_op(&a, op);
  if (act == ENN_ACT_RELU6) {
    a.act_min = 0.0f;
    a.act_max = 6.0f;
  }
  if (act == ENN_ACT_HARD_SIGMOID) { /* PyTorch's Hardsigmoid: relu6(x + 3) / 6 */
    a.alpha = 1.0f / 6.0f;
    a.beta = 0.5f;
  }
  return enn_zb_node(zb, op, name, &x, 1, &a);
}

int32_t enn_zb_conv_bn_act(enn_zb *zb, int32_t x, const char *name, int64_t oc, int32_t k, int32_t stride,
                           int32_t groups, enn_act act) {
  if (zb->st) return -1;
  char nb[64], cn[96], bn[96], an[96];
  name = auto_name(zb, name, "block", nb, sizeof nb);
  snprintf(cn, sizeof cn, "%s.conv", name);
  snprintf(bn, sizeof bn, "%s.bn", name);
  snprintf(an, sizeof an, "%s.act", name);
  int32_t y = enn_zb_conv(zb, x, cn, oc, k, k, stride, (k - 1) / 2, groups, false);
  y = enn_zb_bn(zb, y, bn);
  return enn_zb_act(zb, y, act, an);
}

int32_t enn_zb_fc(enn_zb *zb, int32_t x, const char *name, int64_t out, bool bias) {
  if (zb->st) return -1;
  char nb[64], wn[96], bn[96];
  name = auto_name(zb, name, "fc", nb, sizeof nb);
  snprintf(wn, sizeof wn, "%s.weight", name);
  snprintf(bn, sizeof bn, "%s.bias", name);
  int64_t k = enn_zb_channels(zb, x);
  int64_t wd[2] = {out, k}, bd[1] = {out};
  int32_t in[3] = {x, enn_zb_param(zb, wn, 2, wd, k, 0, 0, 0), -1};
  int32_t n_in = 2;
  if (bias) {
    float bb = (float)(1.0 / sqrt((double)k));
    in[2] = enn_zb_param(zb, bn, 1, bd, 0, -bb, bb, 0);
    n_in = 3;
  }
  return enn_zb_node(zb, ENN_OP_FULLY_CONNECTED, name, in, n_in, NULL);
}

int32_t enn_zb_add(enn_zb *zb, int32_t a, int32_t b, const char *name) {
  int32_t in[2] = {a, b};
  return enn_zb_node(zb, ENN_OP_ADD, name, in, 2, NULL);
}

int32_t enn_zb_mul(enn_zb *zb, int32_t a, int32_t b, const char *name) {
  int32_t in[2] = {a, b};
  return enn_zb_node(zb, ENN_OP_MUL, name, in, 2, NULL);
}

int32_t enn_zb_global_avg_pool(enn_zb *zb, int32_t x, const char *name) {
  return enn_zb_node(zb, ENN_OP_GLOBAL_AVG_POOL, name, &x, 1, NULL);
}

int32_t enn_zb_max_pool(enn_zb *zb, int32_t x, const char *name, int32_t k, int32_t stride, int32_t pad, bool ceil_mode) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = k;
  a.stride[0] = a.stride[1] = stride;
  set_pad(&a, pad);
  a.ceil_mode = ceil_mode;
  return enn_zb_node(zb, ENN_OP_MAX_POOL, name, &x, 1, &a);
}

int32_t enn_zb_avg_pool(enn_zb *zb, int32_t x, const char *name, int32_t k, int32_t stride, int32_t pad,
                        bool count_include_pad) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_AVG_POOL);
  a.kernel[0] = a.kernel[1] = k;
  a.stride[0] = a.stride[1] = stride;
  set_pad(&a, pad);
  a.count_include_pad = count_include_pad;
  return enn_zb_node(zb, ENN_OP_AVG_POOL, name, &x, 1, &a);
}

int32_t enn_zb_concat(enn_zb *zb, const int32_t *xs, int32_t n, int32_t axis, const char *name) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = axis;
  return enn_zb_node(zb, ENN_OP_CONCAT, name, xs, n, &a);
}

int32_t enn_zb_flatten(enn_zb *zb, int32_t x, const char *name) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_FLATTEN);
  a.axis = 1;
  return enn_zb_node(zb, ENN_OP_FLATTEN, name, &x, 1, &a);
}

int32_t enn_zb_softmax(enn_zb *zb, int32_t x, const char *name) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SOFTMAX);
  a.axis = -1;
  return enn_zb_node(zb, ENN_OP_SOFTMAX, name, &x, 1, &a);
}

enn_status enn_zb_finish(enn_zb *zb, int32_t out) {
  if (zb->st) return zb->st;
  if (out < 0) return zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: no output");
  return zb->st = enn_graph_add_output(zb->g, out);
}

int64_t enn_make_divisible(double v, int64_t divisor, int64_t min_value) {
  if (min_value <= 0) min_value = divisor;
  int64_t nv = (int64_t)(v + (double)divisor / 2.0) / divisor * divisor;
  if (nv < min_value) nv = min_value;
  if ((double)nv < 0.9 * v) nv += divisor;
  return nv;
}

int32_t enn_zb_split(enn_zb *zb, int32_t x, int32_t axis, int32_t n, int32_t *outs, const char *name) {
  for (int32_t i = 0; i < n; i++) outs[i] = -1;
  if (zb->st) return -1;
  char nb[64];
  name = auto_name(zb, name, "split", nb, sizeof nb);
  if (x < 0 || n < 1 || n > ENN_MAX_SPLITS) {
    zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: split '%s': bad input or %d parts", name, n);
    return -1;
  }
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = axis;
  zb->st = enn_graph_add_node(zb->g, ENN_OP_SPLIT, name, &x, 1, &a, n, outs);
  return zb->st ? -1 : outs[0];
}

int32_t enn_zb_reshape(enn_zb *zb, int32_t x, int32_t rank, const int64_t *shape, const char *name) {
  if (zb->st) return -1;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  if (rank < 1 || rank > ENN_MAX_RANK) {
    zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: reshape '%s': rank %d", name ? name : "?", rank);
    return -1;
  }
  a.shape_rank = rank;
  for (int32_t i = 0; i < rank; i++) a.shape[i] = shape[i];
  return enn_zb_node(zb, ENN_OP_RESHAPE, name, &x, 1, &a);
}

int32_t enn_zb_transpose(enn_zb *zb, int32_t x, int32_t rank, const int32_t *perm, const char *name) {
  if (zb->st) return -1;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_TRANSPOSE);
  if (rank < 1 || rank > ENN_MAX_RANK) {
    zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: transpose '%s': rank %d", name ? name : "?", rank);
    return -1;
  }
  for (int32_t i = 0; i < rank; i++) a.perm[i] = perm[i];
  return enn_zb_node(zb, ENN_OP_TRANSPOSE, name, &x, 1, &a);
}

/* torchvision's channel_shuffle in NCHW is view(N, g, C/g, H, W) ->
 * transpose(1, 2) -> view(N, C, H, W): input channel c = i*(C/g) + k lands
 * at output channel k*g + i. In NHWC the channel axis is last, and
 * [N,H,W,C] -> [N,H,W,g,C/g] splits it the same way (c = i*(C/g) + k), so
 * swapping the last two axes and merging them again gives the same order. */
int32_t enn_zb_channel_shuffle(enn_zb *zb, int32_t x, int32_t groups, const char *name) {
  if (zb->st) return -1;
  char nb[64], n1[96], n2[96], n3[96];
  name = auto_name(zb, name, "shuffle", nb, sizeof nb);
  const enn_tensor_desc *d = enn_zb_desc(zb, x);
  if (d->rank != 4 || groups < 1 || d->dims[3] % groups) {
    zb->st = enn_err(ENN_ERR_INTERNAL, "zoo: channel shuffle '%s' needs NHWC input with channels divisible by %d", name,
                     groups);
    return -1;
  }
  const int64_t n = d->dims[0], h = d->dims[1], w = d->dims[2], c = d->dims[3];
  const int64_t s5[5] = {n, h, w, groups, c / groups}, s4[4] = {n, h, w, c};
  const int32_t perm[5] = {0, 1, 2, 4, 3};
  snprintf(n1, sizeof n1, "%s.reshape_in", name);
  snprintf(n2, sizeof n2, "%s.transpose", name);
  snprintf(n3, sizeof n3, "%s.reshape_out", name);
  int32_t y = enn_zb_reshape(zb, x, 5, s5, n1);
  y = enn_zb_transpose(zb, y, 5, perm, n2);
  return enn_zb_reshape(zb, y, 4, s4, n3);
}
