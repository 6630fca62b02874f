/*
 * ONNX converters for the neural-network operators: element-wise
 * arithmetic and activations (any layout: they run in the layout their
 * input already has), Conv / pooling / BatchNormalization (channels-last,
 * with 1-D variants mapped onto the 2-D operators through an H = 1 view),
 * Gemm / MatMul (FullyConnected when the weights are constant), Softmax.
 *
 * Version differences handled here: legacy broadcasting of Add/Sub/Mul/Div
 * (opset < 7: attributes broadcast / axis), PRelu's per-channel slope
 * (opset < 7), Clip bounds as attributes (< 11) or inputs (>= 11),
 * Softmax's 2-D coercion (< 13), BatchNormalization's spatial / is_test /
 * training_mode, Dropout's ratio / training_mode inputs (>= 12).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_import.h"

/* ---------------------------------------------------------- element-wise */
static enn_status binary_sfx(ox_ctx *c, enn_op op, ox_val *a, ox_val *b, const char *out_name, int32_t act,
                             const char *suffix) {
  const int32_t r = a->rank > b->rank ? a->rank : b->rank;
  int8_t perm[OX_MAX_RANK];
  ox_val *vs[2] = {a, b};
  ox_pick_layout(c, vs, 2, r, perm);
  int32_t ids[2], y;
  enn_status st;
  if ((st = ox_get_bcast(c, a, r, perm, &ids[0])) || (st = ox_get_bcast(c, b, r, perm, &ids[1]))) return st;
  enn_attrs at;
  enn_attrs_init_op(&at, op);
  at.act = act;
  if ((st = ox_add(c, op, suffix, ids, 2, &at, 1, &y))) return st;
  return ox_def_ir(c, out_name, OX_FLOAT, y, perm);
}

enn_status ox_binary(ox_ctx *c, enn_op op, ox_val *a, ox_val *b, const char *out_name, int32_t act) {
  return binary_sfx(c, op, a, b, out_name, act, NULL);
}

enn_status ox_unary(ox_ctx *c, enn_op op, ox_val *x, const enn_attrs *attrs, const char *out_name) {
  int32_t id, y;
  int8_t perm[OX_MAX_RANK];
  enn_status st;
  if ((st = ox_get_any(c, x, &id, perm))) return st;
  if ((st = ox_add(c, op, NULL, &id, 1, attrs, 1, &y))) return st;
  return ox_def_ir(c, out_name, OX_FLOAT, y, perm);
}

/* A value with v's elements under another shape (host: shared data; IR: a
 * Reshape of the identity form). */
static enn_status reshaped(ox_ctx *c, ox_val *v, int32_t rank, const int64_t *dims, ox_val **out) {
  ox_val *t = ox_arena_alloc(c->arena, sizeof *t);
  if (!t) return ENN_ERR_NO_MEMORY;
  t->name = v->name;
  t->dtype = v->dtype;
  t->rank = rank;
  t->numel = v->numel;
  for (int32_t k = 0; k < rank; k++) t->dims[k] = dims[k];
  if (v->host) t->host = v->host;
  else {
    int32_t id, r;
    enn_status st;
    if ((st = ox_get(c, v, NULL, &id)) || (st = ox_reshape(c, id, rank, dims, ".bcast", &r))) return st;
    t->n_forms = 1;
    t->forms[0].id = r;
    ox_perm_identity(rank, t->forms[0].perm);
  }
  *out = t;
  return ENN_OK;
}

static char host_opchar(enn_op op) {
  switch (op) {
  case ENN_OP_SUB: return '-';
  case ENN_OP_MUL: return '*';
  case ENN_OP_DIV: return '/';
  default: return '+';
  }
}

static enn_status cv_arith(ox_ctx *c, const ox_node *n, enn_op op) {
  ox_val *a = ox_in(c, 0), *b = ox_in(c, 1);
  if (!a || !b) return ox_bad(c, "needs two inputs");
  enn_status st;
  if (c->opset < 7) {
    int64_t bc, axis;
    if ((st = ox_attr_i(c, "broadcast", 0, &bc)) || (st = ox_attr_i(c, "axis", -1, &axis))) return st;
    if (bc && b->rank < a->rank) {
      /* legacy: B matches A's dims from `axis` on; pad B with trailing 1s */
      if (axis < 0) axis = a->rank - b->rank;
      if (axis < 0 || axis + b->rank > a->rank) return ox_bad(c, "broadcast axis %lld out of range", (long long)axis);
      int64_t dims[OX_MAX_RANK];
      const int32_t r = (int32_t)(a->rank - axis);
      for (int32_t k = 0; k < r; k++) dims[k] = k < b->rank ? b->dims[k] : 1;
      if ((st = reshaped(c, b, r, dims, &b))) return st;
    }
  }
  if (a->host && b->host) return ox_host_binary(c, host_opchar(op), a, b, n->out[0]);
  return ox_binary(c, op, a, b, n->out[0], ENN_ACT_NONE);
}

static enn_status cv_add(ox_ctx *c, const ox_node *n) { return cv_arith(c, n, ENN_OP_ADD); }
static enn_status cv_sub(ox_ctx *c, const ox_node *n) { return cv_arith(c, n, ENN_OP_SUB); }
static enn_status cv_mul(ox_ctx *c, const ox_node *n) { return cv_arith(c, n, ENN_OP_MUL); }
static enn_status cv_div(ox_ctx *c, const ox_node *n) { return cv_arith(c, n, ENN_OP_DIV); }

/* Sum / Mean: a left-to-right chain of Adds (Mean then divides by the count). */
static enn_status cv_sum_mean(ox_ctx *c, const ox_node *n, bool mean) {
  if (n->n_in < 1) return ox_bad(c, "needs at least one input");
  ox_val *acc = ox_in(c, 0);
  if (!acc) return ox_bad(c, "input 0 is missing");
  enn_status st;
  if (n->n_in == 1 && !mean) return ox_def_alias(c, n->out[0], acc);
  for (int32_t i = 1; i < n->n_in; i++) {
    ox_val *b = ox_in(c, i);
    if (!b) return ox_bad(c, "input %d is missing", i);
    const bool last = i == n->n_in - 1 && !mean;
    char *nm = last ? (char *)n->out[0] : ox_tmp_name(c, "sum");
    if (!nm) return ENN_ERR_NO_MEMORY;
    char sfx[32];
    snprintf(sfx, sizeof sfx, ".add%d", i);
    if (acc->host && b->host) st = ox_host_binary(c, '+', acc, b, nm);
    else st = binary_sfx(c, ENN_OP_ADD, acc, b, nm, ENN_ACT_NONE, last ? NULL : sfx);
    if (st) return st;
    acc = ox_find(c, nm);
  }
  if (!mean) return ENN_OK;
  ox_val *k;
  char *kname = ox_tmp_name(c, "mean");
  float *cnt = ox_arena_alloc(c->arena, sizeof(float));
  if (!kname || !cnt) return ENN_ERR_NO_MEMORY;
  *cnt = (float)n->n_in;
  if ((st = ox_def_host(c, kname, OX_FLOAT, 0, NULL, cnt))) return st;
  k = ox_find(c, kname);
  if (acc->host) return ox_host_binary(c, '/', acc, k, n->out[0]);
  return ox_binary(c, ENN_OP_DIV, acc, k, n->out[0], ENN_ACT_NONE);
}
static enn_status cv_sum(ox_ctx *c, const ox_node *n) { return cv_sum_mean(c, n, false); }
static enn_status cv_mean(ox_ctx *c, const ox_node *n) { return cv_sum_mean(c, n, true); }

/* Neg(x) = x * -1 (exact, including the sign of zero). */
static enn_status cv_neg(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  char *kname = ox_tmp_name(c, "neg");
  if (!kname) return ENN_ERR_NO_MEMORY;
  enn_status st;
  if (x->host) {
    int64_t *m1 = ox_arena_alloc(c->arena, sizeof(int64_t));
    if (!m1) return ENN_ERR_NO_MEMORY;
    *m1 = -1;
    if ((st = ox_def_host(c, kname, OX_INT64, 0, NULL, m1))) return st;
    return ox_host_binary(c, '*', x, ox_find(c, kname), n->out[0]);
  }
  float *m1 = ox_arena_alloc(c->arena, sizeof(float));
  if (!m1) return ENN_ERR_NO_MEMORY;
  *m1 = -1.0f;
  if ((st = ox_def_host(c, kname, OX_FLOAT, 0, NULL, m1))) return st;
  return ox_binary(c, ENN_OP_MUL, x, ox_find(c, kname), n->out[0], ENN_ACT_NONE);
}

static enn_status cv_prelu(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0), *s = ox_in(c, 1);
  if (!x || !s) return ox_bad(c, "needs X and slope");
  enn_status st;
  if (c->opset < 7 && s->rank == 1 && x->rank >= 2 && s->dims[0] == x->dims[1] && s->dims[0] != 1) {
    /* PRelu-6: a 1-D slope is per channel (axis 1) */
    int64_t dims[OX_MAX_RANK];
    dims[0] = s->dims[0];
    for (int32_t k = 1; k < x->rank - 1; k++) dims[k] = 1;
    if ((st = reshaped(c, s, x->rank - 1, dims, &s))) return st;
  }
  if (s->rank > x->rank) return ox_bad(c, "slope has a higher rank than X");
  int8_t perm[OX_MAX_RANK];
  int32_t ids[2], y;
  if ((st = ox_get_any(c, x, &ids[0], perm)) || (st = ox_get_bcast(c, s, x->rank, perm, &ids[1]))) return st;
  if ((st = ox_add(c, ENN_OP_PRELU, NULL, ids, 2, NULL, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
}

/* ----------------------------------------------------------- activations */
static enn_status act_op(ox_ctx *c, const ox_node *n, enn_op op) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  enn_status st;
  if (op == ENN_OP_LEAKY_RELU && (st = ox_attr_f(c, "alpha", 0.01f, &a.alpha))) return st;
  if (op == ENN_OP_HARD_SIGMOID &&
      ((st = ox_attr_f(c, "alpha", 0.2f, &a.alpha)) || (st = ox_attr_f(c, "beta", 0.5f, &a.beta))))
    return st;
  return ox_unary(c, op, x, &a, n->out[0]);
}
static enn_status cv_relu(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_RELU); }
static enn_status cv_sigmoid(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_SIGMOID); }
static enn_status cv_tanh(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_TANH); }
static enn_status cv_leaky(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_LEAKY_RELU); }
static enn_status cv_hsigmoid(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_HARD_SIGMOID); }
static enn_status cv_hswish(ox_ctx *c, const ox_node *n) { return act_op(c, n, ENN_OP_HARD_SWISH); }

static enn_status scalar_f32(ox_ctx *c, ox_val *v, const char *what, float *out) {
  float *f;
  enn_status st = ox_host_f32(c, v, what, &f);
  if (st) return st;
  if (v->numel != 1) return ox_bad(c, "%s must be a scalar (has %lld elements)", what, (long long)v->numel);
  *out = f[0];
  return ENN_OK;
}

static enn_status cv_clip(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CLIP);
  a.act_min = -INFINITY;
  a.act_max = INFINITY;
  enn_status st;
  if (c->opset < 11) {
    if ((st = ox_attr_f(c, "min", -INFINITY, &a.act_min)) || (st = ox_attr_f(c, "max", INFINITY, &a.act_max)))
      return st;
  } else {
    ox_val *lo = ox_in(c, 1), *hi = ox_in(c, 2);
    if (lo && (st = scalar_f32(c, lo, "Clip min", &a.act_min))) return st;
    if (hi && (st = scalar_f32(c, hi, "Clip max", &a.act_max))) return st;
  }
  if (isnan(a.act_min) || isnan(a.act_max)) return ox_unsupported(c, "NaN clip bounds");
  if (a.act_min > a.act_max) a.act_min = a.act_max; /* ONNX: every value becomes max */
  return ox_unary(c, ENN_OP_CLIP, x, &a, n->out[0]);
}

static enn_status cv_identity(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  return ox_def_alias(c, n->out[0], x);
}

static enn_status cv_dropout(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  enn_status st;
  ox_val *tm = ox_in(c, 2); /* (is_test / ratio are ignored: inference never drops) */
  if (tm) {
    int64_t *t;
    if ((st = ox_host_i64(c, tm, "Dropout training_mode", &t))) return st;
    if (tm->numel != 1) return ox_bad(c, "training_mode must be a scalar");
    if (t[0]) return ox_unsupported(c, "training mode (random dropout)");
  }
  if ((st = ox_def_alias(c, n->out[0], x))) return st;
  if (n->n_out > 1 && n->out[1][0]) {
    /* the mask of an inference-mode dropout is all true */
    uint8_t *m = ox_arena_alloc(c->arena, (size_t)(x->numel ? x->numel : 1));
    if (!m) return ENN_ERR_NO_MEMORY;
    memset(m, 1, (size_t)x->numel);
    if ((st = ox_def_host(c, n->out[1], OX_BOOL, x->rank, x->dims, m))) return st;
  }
  return ENN_OK;
}

/* ------------------------------------------------------------ spatial ops */
typedef struct ox_win {
  int32_t nsp;                          /* spatial dims: 1 or 2 */
  int64_t k[2], s[2], d[2], pb[2], pe[2];
  int32_t pad_mode;
} ox_win;

static enn_status parse_window(ox_ctx *c, int32_t nsp, const int64_t *wk, ox_win *w) {
  memset(w, 0, sizeof *w);
  w->nsp = nsp;
  int64_t v[4];
  int32_t nv;
  enn_status st;
  if ((st = ox_attr_ints(c, "kernel_shape", v, 4, &nv))) return st;
  if (nv >= 0 && nv != nsp) return ox_bad(c, "kernel_shape has %d values for %d spatial dims", nv, nsp);
  for (int32_t i = 0; i < nsp; i++) {
    w->k[i] = nv >= 0 ? v[i] : (wk ? wk[i] : -1);
    if (wk && w->k[i] != wk[i]) return ox_bad(c, "kernel_shape disagrees with the weights");
    if (w->k[i] < 1) return ox_bad(c, "kernel_shape is missing or not positive");
  }
  static const char *const names[2] = {"strides", "dilations"};
  int64_t *dst[2] = {w->s, w->d};
  for (int32_t j = 0; j < 2; j++) {
    if ((st = ox_attr_ints(c, names[j], v, 4, &nv))) return st;
    if (nv >= 0 && nv != nsp) return ox_bad(c, "%s has %d values for %d spatial dims", names[j], nv, nsp);
    for (int32_t i = 0; i < nsp; i++) {
      dst[j][i] = nv >= 0 ? v[i] : 1;
      if (dst[j][i] < 1 || dst[j][i] > (1 << 20)) return ox_bad(c, "%s value %lld out of range", names[j], (long long)dst[j][i]);
    }
  }
  if ((st = ox_attr_ints(c, "pads", v, 4, &nv))) return st;
  if (nv >= 0 && nv != 2 * nsp) return ox_bad(c, "pads has %d values for %d spatial dims", nv, nsp);
  for (int32_t i = 0; i < nsp; i++) {
    w->pb[i] = nv >= 0 ? v[i] : 0;
    w->pe[i] = nv >= 0 ? v[nsp + i] : 0;
    if (w->pb[i] < 0 || w->pe[i] < 0 || w->pb[i] > (1 << 20) || w->pe[i] > (1 << 20))
      return ox_unsupported(c, "pads %lld, %lld", (long long)w->pb[i], (long long)w->pe[i]);
  }
  const char *ap;
  if ((st = ox_attr_s(c, "auto_pad", "NOTSET", &ap))) return st;
  if (!strcmp(ap, "NOTSET") || !ap[0]) w->pad_mode = ENN_PAD_EXPLICIT;
  else if (!strcmp(ap, "SAME_UPPER")) w->pad_mode = ENN_PAD_SAME_UPPER;
  else if (!strcmp(ap, "SAME_LOWER")) w->pad_mode = ENN_PAD_SAME_LOWER;
  else if (!strcmp(ap, "VALID")) w->pad_mode = ENN_PAD_VALID;
  else return ox_bad(c, "unknown auto_pad '%s'", ap);
  return ENN_OK;
}

/* Fills the 2-D window attributes; a 1-D window is the W axis with H = 1. */
static void window_attrs(const ox_win *w, enn_attrs *a) {
  const int32_t o = w->nsp == 1 ? 1 : 0;
  for (int32_t i = 0; i < 2; i++) {
    a->kernel[i] = 1;
    a->stride[i] = 1;
    a->dilation[i] = 1;
  }
  a->pads[0] = a->pads[1] = a->pads[2] = a->pads[3] = 0;
  for (int32_t i = 0; i < w->nsp; i++) {
    a->kernel[i + o] = (int32_t)w->k[i];
    a->stride[i + o] = (int32_t)w->s[i];
    a->dilation[i + o] = (int32_t)w->d[i];
    a->pads[i + o] = (int32_t)w->pb[i];
    a->pads[i + o + 2] = (int32_t)w->pe[i];
  }
  a->pad_mode = w->pad_mode;
}

/* X (rank 3 or 4, ONNX N C [H] W) as a 4-D NHWC IR tensor (for a
 * quantised X: its raw form). */
static enn_status spatial_in(ox_ctx *c, ox_val *x, int32_t *id, int32_t *nsp) {
  if (x->rank != 3 && x->rank != 4)
    return ox_unsupported(c, "%d-D input (edgenn runs 1-D and 2-D spatial operators)", x->rank - 2);
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(x->rank, cl);
  enn_status st = ox_is_q8_rt(x) ? ox_q8_raw(c, x, cl, id) : ox_get(c, x, cl, id);
  if (st) return st;
  *nsp = x->rank - 2;
  if (*nsp == 1) {
    const int64_t d[4] = {x->dims[0], 1, x->dims[2], x->dims[1]};
    return ox_reshape(c, *id, 4, d, ".2d", id);
  }
  return ENN_OK;
}

/* Defines the node's output from a 4-D NHWC result (1-D: drops H); a
 * quantised result (dtype) is requantised from its raw values. */
static enn_status spatial_out_t(ox_ctx *c, int32_t y, int32_t nsp, const char *name, int32_t dtype) {
  int8_t cl[OX_MAX_RANK];
  enn_status st;
  if (nsp == 1) {
    const enn_tensor_desc *d = ox_desc(c, y);
    const int64_t dims[3] = {d->dims[0], d->dims[2], d->dims[3]};
    if ((st = ox_reshape(c, y, 3, dims, NULL, &y))) return st;
  }
  ox_perm_cl(nsp + 2, cl);
  if (ox_is_q8(dtype)) return ox_q8_from_raw(c, y, dtype, name, cl);
  return ox_def_ir(c, name, OX_FLOAT, y, cl);
}

static enn_status spatial_out(ox_ctx *c, int32_t y, int32_t nsp, const char *name) {
  return spatial_out_t(c, y, nsp, name, OX_FLOAT);
}

enn_status ox_conv_attrs(ox_ctx *c, int32_t nsp, const int64_t *wk, enn_attrs *a) {
  ox_win win;
  int64_t group;
  enn_status st;
  if ((st = parse_window(c, nsp, wk, &win)) || (st = ox_attr_i(c, "group", 1, &group))) return st;
  if (group < 1 || group > INT32_MAX) return ox_bad(c, "group %lld", (long long)group);
  enn_attrs_init_op(a, ENN_OP_CONV2D);
  window_attrs(&win, a);
  a->groups = (int32_t)group;
  return ENN_OK;
}

static enn_status cv_conv(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0), *w = ox_in(c, 1), *b = ox_in(c, 2);
  if (!x || !w) return ox_bad(c, "needs X and W");
  if (w->rank != x->rank) return ox_bad(c, "W has rank %d, X rank %d", w->rank, x->rank);
  if (ox_is_q8_rt(x)) return ox_unsupported(c, "a quantised input");
  int32_t xin = 0, nsp = 0;
  enn_status st;
  if ((st = spatial_in(c, x, &xin, &nsp))) return st;
  ox_win win;
  if ((st = parse_window(c, nsp, w->dims + 2, &win))) return st;
  int64_t group;
  if ((st = ox_attr_i(c, "group", 1, &group))) return st;
  if (group < 1 || group > INT32_MAX) return ox_bad(c, "group %lld", (long long)group);
  int32_t ids[3], y;
  ids[0] = xin;
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(w->rank, cl);
  if ((st = ox_get(c, w, cl, &ids[1]))) return st; /* OIHW -> OHWI */
  if (nsp == 1) {
    const int64_t d[4] = {w->dims[0], 1, w->dims[2], w->dims[1]};
    if ((st = ox_reshape(c, ids[1], 4, d, ".w2d", &ids[1]))) return st;
  }
  if (b && (st = ox_get(c, b, NULL, &ids[2]))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  window_attrs(&win, &a);
  a.groups = (int32_t)group;
  if ((st = ox_add(c, ENN_OP_CONV2D, nsp == 1 ? ".2d_out" : NULL, ids, b ? 3 : 2, &a, 1, &y))) return st;
  return spatial_out(c, y, nsp, n->out[0]);
}

static enn_status cv_pool(ox_ctx *c, const ox_node *n, enn_op op) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  if (n->n_out > 1 && n->out[1][0]) return ox_unsupported(c, "the Indices output of MaxPool");
  if (ox_is_q8_rt(x) && op != ENN_OP_MAX_POOL) return ox_unsupported(c, "a quantised input");
  int32_t xin = 0, nsp = 0, y = 0;
  enn_status st;
  if ((st = spatial_in(c, x, &xin, &nsp))) return st;
  ox_win win;
  if ((st = parse_window(c, nsp, NULL, &win))) return st;
  int64_t ceil_mode = 0, cip = 0, so = 0;
  if ((st = ox_attr_i(c, "ceil_mode", 0, &ceil_mode)) || (st = ox_attr_i(c, "count_include_pad", 0, &cip)) ||
      (st = ox_attr_i(c, "storage_order", 0, &so)))
    return st;
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  window_attrs(&win, &a);
  a.ceil_mode = ceil_mode != 0;
  a.count_include_pad = cip != 0;
  if ((st = ox_add(c, op, nsp == 1 || ox_is_q8_rt(x) ? ".2d_out" : NULL, &xin, 1, &a, 1, &y))) return st;
  return spatial_out_t(c, y, nsp, n->out[0], ox_is_q8_rt(x) ? x->dtype : OX_FLOAT);
}
static enn_status cv_maxpool(ox_ctx *c, const ox_node *n) { return cv_pool(c, n, ENN_OP_MAX_POOL); }
static enn_status cv_avgpool(ox_ctx *c, const ox_node *n) { return cv_pool(c, n, ENN_OP_AVG_POOL); }

static enn_status cv_gpool(ox_ctx *c, const ox_node *n, enn_op op) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  if (ox_is_q8_rt(x)) return ox_unsupported(c, "a quantised input");
  int32_t xin = 0, nsp = 0, y = 0;
  enn_status st;
  if ((st = spatial_in(c, x, &xin, &nsp))) return st;
  if ((st = ox_add(c, op, nsp == 1 ? ".2d_out" : NULL, &xin, 1, NULL, 1, &y))) return st;
  return spatial_out(c, y, nsp, n->out[0]);
}
static enn_status cv_gap(ox_ctx *c, const ox_node *n) { return cv_gpool(c, n, ENN_OP_GLOBAL_AVG_POOL); }
static enn_status cv_gmp(ox_ctx *c, const ox_node *n) { return cv_gpool(c, n, ENN_OP_GLOBAL_MAX_POOL); }

static enn_status cv_batchnorm(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x || n->n_in < 5) return ox_bad(c, "needs X, scale, B, mean, var");
  enn_status st;
  int64_t spatial = 1, training = 0;
  if (c->opset < 9 && (st = ox_attr_i(c, "spatial", 1, &spatial))) return st;
  if (c->opset >= 14 && (st = ox_attr_i(c, "training_mode", 0, &training))) return st;
  if (!spatial) return ox_unsupported(c, "spatial = 0 (per-activation statistics)");
  if (training) return ox_unsupported(c, "training mode (batch statistics)");
  for (int32_t i = 1; i < n->n_out; i++)
    if (n->out[i][0]) return ox_unsupported(c, "the training outputs (running / saved statistics)");
  if (x->rank < 2) return ox_bad(c, "X has rank %d", x->rank);
  float eps;
  if ((st = ox_attr_f(c, "epsilon", 1e-5f, &eps))) return st;
  int32_t ids[5], y;
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(x->rank, cl);
  if ((st = ox_get(c, x, cl, &ids[0]))) return st;
  for (int32_t i = 1; i < 5; i++) {
    ox_val *p = ox_in(c, i);
    if (!p) return ox_bad(c, "input %d is missing", i);
    if (p->rank != 1) return ox_unsupported(c, "statistics of rank %d", p->rank);
    if ((st = ox_get(c, p, NULL, &ids[i]))) return st;
  }
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.epsilon = eps;
  if ((st = ox_add(c, ENN_OP_BATCH_NORM, NULL, ids, 5, &a, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, cl);
}

/* ------------------------------------------------------------- Gemm, MatMul */
static enn_status cv_gemm(ox_ctx *c, const ox_node *n) {
  ox_val *A = ox_in(c, 0), *B = ox_in(c, 1), *C = ox_in(c, 2);
  if (!A || !B) return ox_bad(c, "needs A and B");
  if (A->rank != 2 || B->rank != 2) return ox_bad(c, "A and B must be 2-D");
  int64_t ta, tb;
  float alpha, beta;
  enn_status st;
  if ((st = ox_attr_i(c, "transA", 0, &ta)) || (st = ox_attr_i(c, "transB", 0, &tb)) ||
      (st = ox_attr_f(c, "alpha", 1.0f, &alpha)) || (st = ox_attr_f(c, "beta", 1.0f, &beta)))
    return st;
  const int64_t N = tb ? B->dims[0] : B->dims[1];
  int32_t ids[3], y;
  const bool c_vec = C && C->host && C->numel == N && (C->rank == 1 || (C->rank == 2 && C->dims[0] == 1));
  if (B->host && !ta && alpha == 1.0f && (!C || (beta == 1.0f && c_vec))) {
    /* FullyConnected: w [N, K] (= B^T unless transB) */
    const int8_t t[OX_MAX_RANK] = {1, 0};
    if ((st = ox_get(c, A, NULL, &ids[0])) || (st = ox_get(c, B, tb ? NULL : t, &ids[1]))) return st;
    if (C) {
      ox_val *cv;
      const int64_t d1[1] = {N};
      if ((st = reshaped(c, C, 1, d1, &cv)) || (st = ox_get(c, cv, NULL, &ids[2]))) return st;
    }
    if ((st = ox_add(c, ENN_OP_FULLY_CONNECTED, NULL, ids, C ? 3 : 2, NULL, 1, &y))) return st;
    return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
  }
  if ((st = ox_get(c, A, NULL, &ids[0])) || (st = ox_get(c, B, NULL, &ids[1]))) return st;
  if (C && (st = ox_get(c, C, NULL, &ids[2]))) return st;
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_GEMM);
  a.trans_a = ta != 0;
  a.trans_b = tb != 0;
  a.alpha = alpha;
  a.beta = beta;
  if ((st = ox_add(c, ENN_OP_GEMM, NULL, ids, C ? 3 : 2, &a, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
}

static enn_status cv_matmul(ox_ctx *c, const ox_node *n) {
  ox_val *A = ox_in(c, 0), *B = ox_in(c, 1);
  if (!A || !B) return ox_bad(c, "needs A and B");
  if (A->rank < 1 || B->rank < 1) return ox_bad(c, "operands must have rank >= 1");
  int32_t ids[2], y;
  enn_status st;
  if (B->host && B->rank == 2) {
    const int8_t t[OX_MAX_RANK] = {1, 0};
    if ((st = ox_get(c, A, NULL, &ids[0])) || (st = ox_get(c, B, t, &ids[1]))) return st;
    if ((st = ox_add(c, ENN_OP_FULLY_CONNECTED, NULL, ids, 2, NULL, 1, &y))) return st;
    return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
  }
  if ((st = ox_get(c, A, NULL, &ids[0])) || (st = ox_get(c, B, NULL, &ids[1]))) return st;
  if ((st = ox_add(c, ENN_OP_MATMUL, NULL, ids, 2, NULL, 1, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
}

/* ---------------------------------------------------------------- Softmax */
static enn_status cv_softmax_any(ox_ctx *c, const ox_node *n, enn_op op) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  const int32_t r = x->rank;
  int64_t axis;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", c->opset < 13 ? 1 : -1, &axis))) return st;
  if (r == 0) return ox_unsupported(c, "a scalar input");
  if (axis < -r || axis >= r) return ox_bad(c, "axis %lld out of range for rank %d", (long long)axis, r);
  if (axis < 0) axis += r;
  enn_attrs a;
  enn_attrs_init_op(&a, op);
  int32_t id, y;
  if (c->opset >= 13 || axis == r - 1) {
    int8_t perm[OX_MAX_RANK];
    if ((st = ox_get_any(c, x, &id, perm))) return st;
    a.axis = ox_perm_pos(r, perm, (int32_t)axis);
    if ((st = ox_add(c, op, NULL, &id, 1, &a, 1, &y))) return st;
    return ox_def_ir(c, n->out[0], OX_FLOAT, y, perm);
  }
  /* opset < 13: softmax over the flattened dims [axis, r) */
  int64_t d2[2] = {1, 1};
  for (int32_t k = 0; k < r; k++) d2[k < axis ? 0 : 1] *= x->dims[k];
  if ((st = ox_get(c, x, NULL, &id)) || (st = ox_reshape(c, id, 2, d2, ".2d", &id))) return st;
  a.axis = 1;
  if ((st = ox_add(c, op, ".2d_out", &id, 1, &a, 1, &y))) return st;
  if ((st = ox_reshape(c, y, r, x->dims, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], OX_FLOAT, y, NULL);
}
static enn_status cv_softmax(ox_ctx *c, const ox_node *n) { return cv_softmax_any(c, n, ENN_OP_SOFTMAX); }
static enn_status cv_logsoftmax(ox_ctx *c, const ox_node *n) { return cv_softmax_any(c, n, ENN_OP_LOG_SOFTMAX); }

const ox_op_entry ox_ops_nn[] = {
    {"", "Add", 1, cv_add},
    {"", "Sub", 1, cv_sub},
    {"", "Mul", 1, cv_mul},
    {"", "Div", 1, cv_div},
    {"", "Sum", 1, cv_sum},
    {"", "Mean", 1, cv_mean},
    {"", "Neg", 1, cv_neg},
    {"", "PRelu", 1, cv_prelu},
    {"", "Relu", 1, cv_relu},
    {"", "Sigmoid", 1, cv_sigmoid},
    {"", "Tanh", 1, cv_tanh},
    {"", "LeakyRelu", 1, cv_leaky},
    {"", "HardSigmoid", 1, cv_hsigmoid},
    {"", "HardSwish", 14, cv_hswish},
    {"", "Clip", 1, cv_clip},
    {"", "Identity", 1, cv_identity},
    {"", "Dropout", 1, cv_dropout},
    {"", "Conv", 1, cv_conv},
    {"", "MaxPool", 1, cv_maxpool},
    {"", "AveragePool", 1, cv_avgpool},
    {"", "GlobalAveragePool", 1, cv_gap},
    {"", "GlobalMaxPool", 1, cv_gmp},
    {"", "BatchNormalization", 1, cv_batchnorm},
    {"", "Gemm", 1, cv_gemm},
    {"", "MatMul", 1, cv_matmul},
    {"", "Softmax", 1, cv_softmax},
    {"", "LogSoftmax", 1, cv_logsoftmax},
    {NULL, NULL, 0, NULL},
};
