/*
 * ONNX converters for quantised models: QDQ graphs (QuantizeLinear /
 * DequantizeLinear around float operators) and QOperator graphs
 * (QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger and the
 * com.microsoft QLinearAdd / QLinearGlobalAveragePool).
 *
 * Representation. A quantised ONNX value (uint8 / int8; int32 for the
 * *Integer operators' results) has forms of two kinds:
 *   - an IR u8/i8 tensor carrying per-tensor (scale, zero point): what
 *     QuantizeLinear produces (the IR Quantize with half-to-even rounding,
 *     attrs.mode = 1) and DequantizeLinear reads (the IR Dequantize), so a
 *     QDQ pair maps onto exactly that pair;
 *   - an f32 tensor holding the integers themselves ("raw"), derived when
 *     needed as Dequantize(q) / scale + zero_point. That is exact: scale *
 *     (q - zp) is one rounding of a product whose integer factor has at
 *     most 9 bits, so dividing by the scale again recovers q - zp exactly.
 * Graph inputs of type uint8 / int8 are IR tensors with parameters (1, 0).
 *
 * QOperator numerics follow the ONNX reference implementation: e.g.
 * QLinearConv computes the convolution of (x - x_zp) and (w - w_zp) exactly
 * (integer-valued floats; exact while partial sums stay below 2^24, which
 * int8 convolutions of up to ~250 taps at full range always do, larger ones
 * with the value ranges trained networks have), adds the int32 bias,
 * multiplies by x_scale * w_scale / y_scale (computed in float32 as the
 * reference does), adds y_zp and rounds half to even with saturation. The
 * reference multiplies in float64; a float32 product differs only when it
 * lands within one float32 step of a rounding tie.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_import.h"

static bool is_qint(int32_t t) { return t == OX_UINT8 || t == OX_INT8 || t == OX_INT32; }

static enn_dtype q8_enn(int32_t t) { return t == OX_INT8 ? ENN_DTYPE_I8 : ENN_DTYPE_U8; }

/* ------------------------------------------------------------- helpers */
static void push_form(ox_val *v, int32_t id, const int8_t *perm) {
  for (int32_t i = 0; i < v->n_forms; i++)
    if (v->forms[i].id == id) return;
  if (v->n_forms >= OX_MAX_FORMS) return;
  v->forms[v->n_forms].id = id;
  memcpy(v->forms[v->n_forms].perm, perm, OX_MAX_RANK);
  v->n_forms++;
}

/* A stand-in float value holding v's f32 (raw) forms, so ox_get can
 * change their layout; the caller copies new forms back. */
static void float_view(const ox_ctx *c, const ox_val *v, ox_val *t) {
  memset(t, 0, sizeof *t);
  t->name = v->name;
  t->dtype = OX_FLOAT;
  t->rank = v->rank;
  t->numel = v->numel;
  memcpy(t->dims, v->dims, sizeof t->dims);
  for (int32_t i = 0; i < v->n_forms; i++)
    if (ox_desc(c, v->forms[i].id)->dtype == ENN_DTYPE_F32) t->forms[t->n_forms++] = v->forms[i];
}

static void adopt_forms(ox_val *v, const ox_val *t) {
  for (int32_t i = 0; i < t->n_forms; i++) push_form(v, t->forms[i].id, t->forms[i].perm);
}

static enn_status scalar_const(ox_ctx *c, const char *suffix, float x, int32_t *id) {
  return ox_const_f32(c, suffix, 0, NULL, &x, id);
}

/* Adds Quantize(x) -> dtype with per-tensor (scale, zp), ONNX rounding. */
static enn_status quantize_node(ox_ctx *c, int32_t x, enn_dtype dt, const float *scale, const int32_t *zp, int32_t count,
                                int32_t axis, const char *suffix, int32_t *out) {
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
  a.dtype = dt;
  a.mode = 1; /* round half to even (ONNX QuantizeLinear) */
  enn_status st = ox_add(c, ENN_OP_QUANTIZE, suffix, &x, 1, &a, 1, out);
  if (st) return st;
  enn_quant q = {count > 1 ? axis : -1, (uint32_t)count, scale, zp};
  return enn_graph_set_quant(c->g, *out, &q);
}

/* Per-tensor parameters of an IR u8/i8 tensor. */
static bool ir_params(const ox_ctx *c, int32_t id, float *s, int32_t *z) {
  const enn_tensor_desc *d = ox_desc(c, id);
  if (d->quant.count != 1) return false;
  *s = d->quant.scale[0];
  *z = d->quant.zero_point[0];
  return true;
}

enn_status ox_q8_raw(ox_ctx *c, ox_val *v, const int8_t *perm_in, int32_t *id) {
  int8_t perm[OX_MAX_RANK];
  if (perm_in) memcpy(perm, perm_in, OX_MAX_RANK);
  else ox_perm_identity(v->rank, perm);
  if (!is_qint(v->dtype)) return ox_unsupported(c, "value '%s' of type %s used as quantised", v->name, ox_dtype_name(v->dtype));
  ox_val t;
  float_view(c, v, &t);
  enn_status st;
  if (v->host) {
    float *f;
    if ((st = ox_host_f32(c, v, v->name, &f))) return st;
    t.host = f;
    st = ox_get(c, &t, perm, id);
    if (!st) adopt_forms(v, &t);
    return st;
  }
  if (t.n_forms == 0) {
    /* derive from a u8/i8 form: Dequantize(q) / scale + zp */
    const ox_form *src = NULL;
    for (int32_t i = 0; i < v->n_forms && !src; i++)
      if (ox_desc(c, v->forms[i].id)->dtype != ENN_DTYPE_F32) src = &v->forms[i];
    float s;
    int32_t z, r;
    if (!src || !ir_params(c, src->id, &s, &z))
      return ox_unsupported(c, "'%s' (%s) as integers: it has no quantisation parameters", v->name, ox_dtype_name(v->dtype));
    int8_t q[OX_MAX_RANK];
    memcpy(q, src->perm, OX_MAX_RANK);
    if ((st = ox_add(c, ENN_OP_DEQUANTIZE, ".deq", &src->id, 1, NULL, 1, &r))) return st;
    if (s != 1.0f) {
      int32_t in2[2] = {r, 0};
      if ((st = scalar_const(c, ".qs", s, &in2[1])) || (st = ox_add(c, ENN_OP_DIV, ".unscale", in2, 2, NULL, 1, &r)))
        return st;
    }
    if (z != 0) {
      int32_t in2[2] = {r, 0};
      if ((st = scalar_const(c, ".qzp", (float)z, &in2[1])) || (st = ox_add(c, ENN_OP_ADD, ".raw", in2, 2, NULL, 1, &r)))
        return st;
    }
    push_form(v, r, q);
    float_view(c, v, &t);
  }
  st = ox_get(c, &t, perm, id);
  if (!st) adopt_forms(v, &t);
  return st;
}

enn_status ox_q8_raw_any(ox_ctx *c, ox_val *v, int32_t *id, int8_t *perm) {
  ox_perm_identity(v->rank, perm);
  if (!v->host && v->n_forms) memcpy(perm, v->forms[0].perm, OX_MAX_RANK);
  return ox_q8_raw(c, v, perm, id);
}

enn_status ox_q8_tensor(ox_ctx *c, ox_val *v, const int8_t *perm_in, int32_t *id) {
  int8_t perm[OX_MAX_RANK];
  if (perm_in) memcpy(perm, perm_in, OX_MAX_RANK);
  else ox_perm_identity(v->rank, perm);
  if (!ox_is_q8(v->dtype)) return ox_unsupported(c, "value '%s' of type %s as an 8-bit tensor", v->name, ox_dtype_name(v->dtype));
  for (int32_t i = 0; i < v->n_forms; i++)
    if (ox_desc(c, v->forms[i].id)->dtype != ENN_DTYPE_F32 && ox_perm_eq(v->rank, v->forms[i].perm, perm)) {
      *id = v->forms[i].id;
      return ENN_OK;
    }
  const float one = 1.0f;
  const int32_t zero = 0;
  enn_status st;
  if (v->host) {
    int64_t dims[OX_MAX_RANK];
    for (int32_t k = 0; k < v->rank; k++) dims[k] = v->dims[perm[k]];
    uint8_t *b = ox_arena_alloc(c->arena, (size_t)(v->numel ? v->numel : 1));
    if (!b) return ENN_ERR_NO_MEMORY;
    ox_permute_host(v->host, b, 1, v->rank, v->dims, perm);
    enn_tensor_desc d;
    enn_tensor_desc_init(&d, q8_enn(v->dtype), v->rank, dims);
    d.quant.axis = -1;
    d.quant.count = 1;
    d.quant.scale = &one;
    d.quant.zero_point = &zero;
    char nm[300];
    snprintf(nm, sizeof nm, "%s.q8", v->name);
    if ((st = enn_graph_add_constant(c->g, nm, &d, b, ENN_CONST_COPY, id))) return st;
    push_form(v, *id, perm);
    return ENN_OK;
  }
  int32_t raw;
  if ((st = ox_q8_raw(c, v, perm, &raw))) return st;
  if ((st = quantize_node(c, raw, q8_enn(v->dtype), &one, &zero, 1, -1, ".q8", id))) return st;
  push_form(v, *id, perm);
  return ENN_OK;
}

enn_status ox_q8_from_raw(ox_ctx *c, int32_t raw, int32_t dtype, const char *name, const int8_t *perm_in) {
  int8_t perm[OX_MAX_RANK];
  if (perm_in) memcpy(perm, perm_in, OX_MAX_RANK);
  else ox_perm_identity(ox_desc(c, raw)->rank, perm);
  const float one = 1.0f;
  const int32_t zero = 0;
  int32_t q;
  enn_status st = quantize_node(c, raw, q8_enn(dtype), &one, &zero, 1, -1, ".q8", &q);
  if (st) return st;
  if ((st = ox_def_ir(c, name, dtype, q, perm))) return st;
  ox_val *v = ox_find(c, name);
  if (v) push_form(v, raw, perm); /* raw holds exact integers in range: the same values */
  return ENN_OK;
}

/* --------------------------------------------------------- parameters */
typedef struct qparams {
  int32_t dtype; /* OX_UINT8 / OX_INT8 / OX_INT32 (the zero point's type; uint8 when absent) */
  int32_t n;     /* 1 = per tensor */
  int32_t axis;  /* normalised ONNX axis when n > 1 */
  float *scale;
  int32_t *zp;
} qparams;

static enn_status get_qp(ox_ctx *c, ox_val *s, ox_val *z, int64_t axis, int32_t rank, const int64_t *dims,
                         const char *what, qparams *q) {
  memset(q, 0, sizeof *q);
  if (!s) return ox_bad(c, "the %s scale is missing", what);
  char w[80];
  snprintf(w, sizeof w, "the %s scale", what);
  enn_status st;
  if ((st = ox_host_f32(c, s, w, &q->scale))) return st;
  if (s->numel < 1 || (s->numel > 1 && s->rank != 1)) return ox_bad(c, "%s must be a scalar or 1-D", w);
  q->n = (int32_t)s->numel;
  q->dtype = OX_UINT8;
  q->zp = ox_arena_alloc(c->arena, (size_t)q->n * sizeof(int32_t));
  if (!q->zp) return ENN_ERR_NO_MEMORY;
  if (z) {
    int64_t *zv;
    snprintf(w, sizeof w, "the %s zero point", what);
    if ((st = ox_host_i64(c, z, w, &zv))) return st;
    if (z->dtype != OX_UINT8 && z->dtype != OX_INT8 && z->dtype != OX_INT32)
      return ox_unsupported(c, "%s of type %s", w, ox_dtype_name(z->dtype));
    if (z->numel != s->numel) return ox_bad(c, "%s has %lld values, the scale %d", w, (long long)z->numel, q->n);
    q->dtype = z->dtype;
    for (int32_t i = 0; i < q->n; i++) q->zp[i] = (int32_t)zv[i];
  }
  for (int32_t i = 0; i < q->n; i++)
    if (!(q->scale[i] > 0.0f) || isinf(q->scale[i])) return ox_unsupported(c, "a %s scale of %g", what, (double)q->scale[i]);
  if (q->n > 1) {
    if (axis < -rank || axis >= rank) return ox_bad(c, "axis %lld out of range", (long long)axis);
    q->axis = (int32_t)(axis < 0 ? axis + rank : axis);
    if (dims && dims[q->axis] != q->n) return ox_bad(c, "%d %s scales for a dimension of %lld", q->n, what, (long long)dims[q->axis]);
  }
  return ENN_OK;
}

static void qrange(int32_t dtype, int32_t *lo, int32_t *hi) {
  *lo = dtype == OX_INT8 ? -128 : 0;
  *hi = dtype == OX_INT8 ? 127 : 255;
}

/* Element i's channel for per-axis parameters over a row-major tensor. */
static int64_t chan_of(const ox_val *v, int32_t axis, int64_t i) {
  int64_t inner = 1;
  for (int32_t k = axis + 1; k < v->rank; k++) inner *= v->dims[k];
  return (i / inner) % v->dims[axis];
}

static float rne(float v) {
  const float f = floorf(v), d = v - f;
  if (d > 0.5f) return f + 1.0f;
  if (d < 0.5f) return f;
  return fmodf(f, 2.0f) == 0.0f ? f : f + 1.0f;
}

/* A host FLOAT value (internal name) of shape `dims`: for broadcasting
 * per-axis parameters. */
static enn_status host_float_val(ox_ctx *c, const char *tag, int32_t rank, const int64_t *dims, float *data,
                                 ox_val **out) {
  char *name = ox_tmp_name(c, tag);
  if (!name) return ENN_ERR_NO_MEMORY;
  enn_status st = ox_def_host(c, name, OX_FLOAT, rank, dims, data);
  if (st) return st;
  *out = ox_find(c, name);
  return ENN_OK;
}

/* Parameter vector p[n] as a value broadcasting along `axis` of a rank-r
 * tensor (per tensor: a scalar). */
static enn_status param_val(ox_ctx *c, const char *tag, const float *p, int32_t n, int32_t axis, int32_t r, ox_val **out) {
  float *d = ox_arena_alloc(c->arena, (size_t)n * sizeof(float));
  if (!d) return ENN_ERR_NO_MEMORY;
  memcpy(d, p, (size_t)n * sizeof(float));
  if (n == 1) return host_float_val(c, tag, 0, NULL, d, out);
  int64_t dims[OX_MAX_RANK];
  for (int32_t k = 0; k < r - axis; k++) dims[k] = k == 0 ? n : 1;
  return host_float_val(c, tag, r - axis, dims, d, out);
}

/* ------------------------------------------------------ Quantize / Dequantize */
static enn_status cv_quantize_linear(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t axis, sat;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", 1, &axis)) || (st = ox_attr_i(c, "saturate", 1, &sat))) return st;
  if (ox_attr_find(n, "output_dtype") || ox_attr_find(n, "block_size")) return ox_unsupported(c, "output_dtype / block_size");
  qparams q;
  if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), axis, x->rank, x->dims, "output", &q))) return st;
  if (q.dtype == OX_INT32) return ox_unsupported(c, "an int32 output");
  int32_t lo, hi;
  qrange(q.dtype, &lo, &hi);
  if (x->host) {
    float *f;
    if ((st = ox_host_f32(c, x, "X", &f))) return st;
    uint8_t *y = ox_arena_alloc(c->arena, (size_t)(x->numel ? x->numel : 1));
    if (!y) return ENN_ERR_NO_MEMORY;
    for (int64_t i = 0; i < x->numel; i++) {
      const int64_t k = q.n > 1 ? chan_of(x, q.axis, i) : 0;
      float v = f[i] / q.scale[k];
      if (!(v == v)) v = 0.0f;
      v = v > 2e9f ? 2e9f : (v < -2e9f ? -2e9f : v);
      int64_t r = (int64_t)rne(v) + q.zp[k];
      r = r < lo ? lo : (r > hi ? hi : r);
      if (q.dtype == OX_INT8) ((int8_t *)y)[i] = (int8_t)r;
      else y[i] = (uint8_t)r;
    }
    return ox_def_host(c, n->out[0], q.dtype, x->rank, x->dims, y);
  }
  int32_t id, y;
  int8_t perm[OX_MAX_RANK];
  if ((st = ox_get_any(c, x, &id, perm))) return st;
  const int32_t ax = q.n > 1 ? ox_perm_pos(x->rank, perm, q.axis) : -1;
  if ((st = quantize_node(c, id, q8_enn(q.dtype), q.scale, q.zp, q.n, ax, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], q.dtype, y, perm);
}

/* real = (raw - zp) * scale on the f32 raw form of x, broadcasting
 * per-axis parameters. */
static enn_status dequant_raw(ox_ctx *c, ox_val *x, const qparams *q, const char *out) {
  if (q->n == 1) /* the QDQ case: x came from a QuantizeLinear with these parameters */
    for (int32_t i = 0; i < x->n_forms; i++) {
      float s;
      int32_t z, y;
      if (ox_desc(c, x->forms[i].id)->dtype == ENN_DTYPE_F32 || !ir_params(c, x->forms[i].id, &s, &z)) continue;
      if (s != q->scale[0] || z != q->zp[0]) continue;
      enn_status st = ox_add(c, ENN_OP_DEQUANTIZE, ".deq", &x->forms[i].id, 1, NULL, 1, &y);
      if (st) return st;
      return ox_def_ir(c, out, OX_FLOAT, y, x->forms[i].perm);
    }
  ox_val t;
  float_view(c, x, &t);
  int32_t raw;
  int8_t perm[OX_MAX_RANK];
  ox_perm_identity(x->rank, perm);
  if (t.n_forms) memcpy(perm, t.forms[0].perm, OX_MAX_RANK);
  enn_status st = ox_q8_raw(c, x, perm, &raw);
  if (st) return st;
  float_view(c, x, &t);
  float *mz = ox_arena_alloc(c->arena, (size_t)q->n * sizeof(float));
  if (!mz) return ENN_ERR_NO_MEMORY;
  bool zero = true;
  for (int32_t i = 0; i < q->n; i++) {
    mz[i] = -(float)q->zp[i];
    zero &= q->zp[i] == 0;
  }
  ox_val *zv, *sv, *cur = &t;
  char *cname = ox_tmp_name(c, "centered");
  if (!cname) return ENN_ERR_NO_MEMORY;
  if (!zero) {
    if ((st = param_val(c, "zp", mz, q->n, q->axis, x->rank, &zv)) || (st = ox_binary(c, ENN_OP_ADD, &t, zv, cname, 0)))
      return st;
    cur = ox_find(c, cname);
  }
  if ((st = param_val(c, "scale", q->scale, q->n, q->axis, x->rank, &sv))) return st;
  return ox_binary(c, ENN_OP_MUL, cur, sv, out, 0);
}

static enn_status cv_dequantize_linear(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  if (!is_qint(x->dtype)) return ox_unsupported(c, "input of type %s", ox_dtype_name(x->dtype));
  int64_t axis;
  enn_status st;
  if ((st = ox_attr_i(c, "axis", 1, &axis))) return st;
  if (ox_attr_find(n, "block_size")) return ox_unsupported(c, "block_size");
  qparams q;
  if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), axis, x->rank, x->dims, "input", &q))) return st;
  if (x->host) {
    float *y = ox_arena_alloc(c->arena, (size_t)(x->numel ? x->numel : 1) * sizeof(float));
    int64_t *iv;
    if (!y) return ENN_ERR_NO_MEMORY;
    if ((st = ox_host_i64(c, x, "X", &iv))) return st;
    for (int64_t i = 0; i < x->numel; i++) {
      const int64_t k = q.n > 1 ? chan_of(x, q.axis, i) : 0;
      y[i] = (float)((double)q.scale[k] * (double)(iv[i] - q.zp[k]));
    }
    return ox_def_host(c, n->out[0], OX_FLOAT, x->rank, x->dims, y);
  }
  return dequant_raw(c, x, &q, n->out[0]);
}

/* ------------------------------------------------------------ QOperator */
/* (x - zp) as an f32 tensor in layout perm. */
static enn_status centered(ox_ctx *c, ox_val *x, int32_t zp, const int8_t *perm, int32_t *id) {
  enn_status st = ox_q8_raw(c, x, perm, id);
  if (st || zp == 0) return st;
  int32_t in2[2] = {*id, 0};
  if ((st = scalar_const(c, ".xzp", -(float)zp, &in2[1]))) return st;
  return ox_add(c, ENN_OP_ADD, ".centered", in2, 2, NULL, 1, id);
}

/* Host weights (w - w_zp[channel along axis 0]) as floats, then permuted. */
static enn_status centered_weights(ox_ctx *c, ox_val *w, const qparams *wq, const int8_t *perm, float **out,
                                   int64_t *dims) {
  int64_t *iv;
  enn_status st = ox_host_i64(c, w, "the weights", &iv);
  if (st) return st;
  if (wq->n > 1 && wq->n != w->dims[0]) return ox_bad(c, "%d weight zero points for %lld output channels", wq->n, (long long)w->dims[0]);
  float *f = ox_arena_alloc(c->arena, (size_t)(w->numel ? w->numel : 1) * sizeof(float));
  float *p = ox_arena_alloc(c->arena, (size_t)(w->numel ? w->numel : 1) * sizeof(float));
  if (!f || !p) return ENN_ERR_NO_MEMORY;
  const int64_t per = w->dims[0] ? w->numel / w->dims[0] : 0;
  for (int64_t i = 0; i < w->numel; i++) f[i] = (float)(iv[i] - wq->zp[wq->n > 1 ? i / per : 0]);
  ox_permute_host(f, p, sizeof(float), w->rank, w->dims, perm);
  for (int32_t k = 0; k < w->rank; k++) dims[k] = w->dims[perm[k]];
  *out = p;
  return ENN_OK;
}

/* y = saturate(round_half_even(acc * M + y_zp)) as a quantised value of
 * type y->dtype; M per output channel (last axis of acc) or scalar. */
static enn_status requant_out(ox_ctx *c, int32_t acc, const float *m, int32_t nm, const qparams *yq, const char *name,
                              const int8_t *perm) {
  const enn_tensor_desc *d = ox_desc(c, acc);
  int32_t in2[2] = {acc, 0}, r;
  enn_status st;
  if (nm == 1) st = scalar_const(c, ".m", m[0], &in2[1]);
  else {
    const int64_t dm[1] = {nm};
    if (d->dims[d->rank - 1] != nm) return ox_bad(c, "%d output scales for %lld channels", nm, (long long)d->dims[d->rank - 1]);
    st = ox_const_f32(c, ".m", 1, dm, m, &in2[1]);
  }
  if (st || (st = ox_add(c, ENN_OP_MUL, ".scaled", in2, 2, NULL, 1, &r))) return st;
  if (yq->zp[0] != 0) {
    in2[0] = r;
    if ((st = scalar_const(c, ".yzp", (float)yq->zp[0], &in2[1])) || (st = ox_add(c, ENN_OP_ADD, ".shifted", in2, 2, NULL, 1, &r)))
      return st;
  }
  const float one = 1.0f;
  const int32_t zero = 0;
  int32_t q;
  if ((st = quantize_node(c, r, q8_enn(yq->dtype), &one, &zero, 1, -1, NULL, &q))) return st;
  return ox_def_ir(c, name, yq->dtype, q, perm);
}

static enn_status per_tensor(ox_ctx *c, const qparams *q, const char *what) {
  if (q->n != 1) return ox_unsupported(c, "per-axis %s parameters", what);
  return ENN_OK;
}

/* QLinearConv / ConvInteger: conv of the centered integers. */
static enn_status qconv(ox_ctx *c, const ox_node *n, bool qlinear) {
  ox_val *x = ox_in(c, 0), *w = ox_in(c, qlinear ? 3 : 1);
  if (!x || !w) return ox_bad(c, "needs X and W");
  if (!ox_is_q8(x->dtype) || !ox_is_q8(w->dtype)) return ox_unsupported(c, "X / W of types %s / %s", ox_dtype_name(x->dtype), ox_dtype_name(w->dtype));
  if (x->rank != 4 && x->rank != 3) return ox_unsupported(c, "%d-D input", x->rank - 2);
  if (w->rank != x->rank) return ox_bad(c, "W has rank %d, X rank %d", w->rank, x->rank);
  enn_status st0;
  if ((st0 = ox_need_host(c, w, "W"))) return st0;
  qparams xq, wq, yq;
  enn_status st;
  if (qlinear) {
    if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), 0, x->rank, NULL, "input", &xq)) ||
        (st = get_qp(c, ox_in(c, 4), ox_in(c, 5), 0, w->rank, w->dims, "weight", &wq)) ||
        (st = get_qp(c, ox_in(c, 6), ox_in(c, 7), 0, x->rank, NULL, "output", &yq)) || (st = per_tensor(c, &xq, "input")) ||
        (st = per_tensor(c, &yq, "output")))
      return st;
  } else {
    /* ConvInteger: zero points only (inputs 2, 3) */
    static float one = 1.0f;
    memset(&xq, 0, sizeof xq);
    memset(&wq, 0, sizeof wq);
    xq.n = wq.n = 1;
    xq.scale = wq.scale = &one;
    int32_t *xz = ox_arena_alloc(c->arena, sizeof(int32_t)), *wz;
    if (!xz) return ENN_ERR_NO_MEMORY;
    xq.zp = xz;
    ox_val *xzv = ox_in(c, 2), *wzv = ox_in(c, 3);
    if (xzv) {
      int64_t *v;
      if ((st = ox_host_i64(c, xzv, "the input zero point", &v))) return st;
      if (xzv->numel != 1) return ox_unsupported(c, "a per-axis input zero point");
      *xz = (int32_t)v[0];
    }
    wq.n = wzv ? (int32_t)wzv->numel : 1;
    wz = ox_arena_alloc(c->arena, (size_t)(wq.n > 0 ? wq.n : 1) * sizeof(int32_t));
    if (!wz) return ENN_ERR_NO_MEMORY;
    wq.zp = wz;
    if (wzv) {
      int64_t *v;
      if ((st = ox_host_i64(c, wzv, "the weight zero point", &v))) return st;
      for (int32_t i = 0; i < wq.n; i++) wz[i] = (int32_t)v[i];
    }
  }
  const int32_t nsp = x->rank - 2;
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(x->rank, cl);
  int32_t ids[3], y;
  if ((st = centered(c, x, xq.zp[0], cl, &ids[0]))) return st;
  if (nsp == 1) {
    const int64_t d4[4] = {x->dims[0], 1, x->dims[2], x->dims[1]};
    if ((st = ox_reshape(c, ids[0], 4, d4, ".2d", &ids[0]))) return st;
  }
  float *wf = NULL;
  int64_t wd[OX_MAX_RANK] = {0};
  if ((st = centered_weights(c, w, &wq, cl, &wf, wd))) return st;
  if (nsp == 1) {
    const int64_t d4[4] = {wd[0], 1, wd[1], wd[2]};
    st = ox_const_f32(c, ".w", 4, d4, wf, &ids[1]);
  } else st = ox_const_f32(c, ".w", 4, wd, wf, &ids[1]);
  if (st) return st;
  ox_val *b = qlinear ? ox_in(c, 8) : NULL;
  if (b) {
    float *bf;
    if ((st = ox_host_f32(c, b, "the bias", &bf))) return st;
    if (b->numel != w->dims[0]) return ox_bad(c, "bias has %lld values for %lld channels", (long long)b->numel, (long long)w->dims[0]);
    const int64_t bd[1] = {b->numel};
    if ((st = ox_const_f32(c, ".b", 1, bd, bf, &ids[2]))) return st;
  }
  enn_attrs a;
  if ((st = ox_conv_attrs(c, nsp, w->dims + 2, &a))) return st;
  if ((st = ox_add(c, ENN_OP_CONV2D, ".acc", ids, b ? 3 : 2, &a, 1, &y))) return st;
  if (nsp == 1) {
    const enn_tensor_desc *d = ox_desc(c, y);
    const int64_t d3[3] = {d->dims[0], d->dims[2], d->dims[3]};
    if ((st = ox_reshape(c, y, 3, d3, ".acc1d", &y))) return st;
  }
  if (!qlinear) return ox_def_ir(c, n->out[0], OX_INT32, y, cl); /* exact integers (see the top) */
  float *m = ox_arena_alloc(c->arena, (size_t)wq.n * sizeof(float));
  if (!m) return ENN_ERR_NO_MEMORY;
  for (int32_t i = 0; i < wq.n; i++) {
    const float xw = xq.scale[0] * wq.scale[i]; /* float32, as the reference computes */
    m[i] = xw / yq.scale[0];
  }
  return requant_out(c, y, m, wq.n, &yq, n->out[0], cl);
}
static enn_status cv_qlinear_conv(ox_ctx *c, const ox_node *n) { return qconv(c, n, true); }
static enn_status cv_conv_integer(ox_ctx *c, const ox_node *n) { return qconv(c, n, false); }

/* QLinearMatMul / MatMulInteger. */
static enn_status qmatmul(ox_ctx *c, const ox_node *n, bool qlinear) {
  ox_val *a = ox_in(c, 0), *b = ox_in(c, qlinear ? 3 : 1);
  if (!a || !b) return ox_bad(c, "needs A and B");
  if (!ox_is_q8(a->dtype) || !ox_is_q8(b->dtype)) return ox_unsupported(c, "A / B of types %s / %s", ox_dtype_name(a->dtype), ox_dtype_name(b->dtype));
  if (a->rank < 1 || b->rank < 1) return ox_bad(c, "operands must have rank >= 1");
  qparams aq, bq, yq;
  enn_status st;
  static float one = 1.0f;
  if (qlinear) {
    if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), 0, a->rank, NULL, "A", &aq)) ||
        (st = get_qp(c, ox_in(c, 4), ox_in(c, 5), -1, b->rank, b->dims, "B", &bq)) ||
        (st = get_qp(c, ox_in(c, 6), ox_in(c, 7), 0, a->rank, NULL, "output", &yq)) || (st = per_tensor(c, &aq, "A")) ||
        (st = per_tensor(c, &yq, "output")))
      return st;
  } else {
    ox_val *az = ox_in(c, 2), *bz = ox_in(c, 3);
    memset(&aq, 0, sizeof aq);
    memset(&bq, 0, sizeof bq);
    aq.n = bq.n = 1;
    aq.scale = bq.scale = &one;
    aq.zp = ox_arena_alloc(c->arena, sizeof(int32_t));
    bq.n = bz ? (int32_t)bz->numel : 1;
    bq.zp = ox_arena_alloc(c->arena, (size_t)(bq.n > 0 ? bq.n : 1) * sizeof(int32_t));
    if (!aq.zp || !bq.zp) return ENN_ERR_NO_MEMORY;
    int64_t *v;
    if (az) {
      if ((st = ox_host_i64(c, az, "the A zero point", &v))) return st;
      if (az->numel != 1) return ox_unsupported(c, "a per-row A zero point");
      aq.zp[0] = (int32_t)v[0];
    }
    if (bz) {
      if ((st = ox_host_i64(c, bz, "the B zero point", &v))) return st;
      for (int32_t i = 0; i < bq.n; i++) bq.zp[i] = (int32_t)v[i];
    }
  }
  const int64_t N = b->dims[b->rank - 1];
  if (bq.n != 1 && (b->rank != 2 || bq.n != N)) return ox_unsupported(c, "B parameters of %d values", bq.n);
  int32_t ids[2], y;
  if ((st = centered(c, a, aq.zp[0], NULL, &ids[0]))) return st;
  if (b->host && b->rank == 2) {
    /* FullyConnected with w = (B - zp)^T */
    int64_t *iv;
    if ((st = ox_host_i64(c, b, "B", &iv))) return st;
    const int64_t K = b->dims[0];
    float *wt = ox_arena_alloc(c->arena, (size_t)(b->numel ? b->numel : 1) * sizeof(float));
    if (!wt) return ENN_ERR_NO_MEMORY;
    for (int64_t k = 0; k < K; k++)
      for (int64_t j = 0; j < N; j++) wt[j * K + k] = (float)(iv[k * N + j] - bq.zp[bq.n > 1 ? j : 0]);
    const int64_t wd[2] = {N, K};
    if ((st = ox_const_f32(c, ".w", 2, wd, wt, &ids[1])) ||
        (st = ox_add(c, ENN_OP_FULLY_CONNECTED, ".acc", ids, 2, NULL, 1, &y)))
      return st;
  } else {
    if (bq.n != 1) return ox_unsupported(c, "per-column parameters of a run-time B");
    if ((st = centered(c, b, bq.zp[0], NULL, &ids[1])) || (st = ox_add(c, ENN_OP_MATMUL, ".acc", ids, 2, NULL, 1, &y)))
      return st;
  }
  if (!qlinear) return ox_def_ir(c, n->out[0], OX_INT32, y, NULL);
  float *m = ox_arena_alloc(c->arena, (size_t)bq.n * sizeof(float));
  if (!m) return ENN_ERR_NO_MEMORY;
  for (int32_t i = 0; i < bq.n; i++) {
    const float ab = aq.scale[0] * bq.scale[i];
    m[i] = ab / yq.scale[0];
  }
  return requant_out(c, y, m, bq.n, &yq, n->out[0], NULL);
}
static enn_status cv_qlinear_matmul(ox_ctx *c, const ox_node *n) { return qmatmul(c, n, true); }
static enn_status cv_matmul_integer(ox_ctx *c, const ox_node *n) { return qmatmul(c, n, false); }

/* com.microsoft QLinearAdd: quantize(A_real + B_real) with (C_scale, C_zp). */
static enn_status cv_qlinear_add(ox_ctx *c, const ox_node *n) {
  ox_val *A = ox_in(c, 0), *B = ox_in(c, 3);
  if (!A || !B) return ox_bad(c, "needs A and B");
  if (!ox_is_q8(A->dtype) || !ox_is_q8(B->dtype)) return ox_unsupported(c, "inputs of types %s / %s", ox_dtype_name(A->dtype), ox_dtype_name(B->dtype));
  qparams aq, bq, cq;
  enn_status st;
  if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), 0, A->rank, NULL, "A", &aq)) ||
      (st = get_qp(c, ox_in(c, 4), ox_in(c, 5), 0, B->rank, NULL, "B", &bq)) ||
      (st = get_qp(c, ox_in(c, 6), ox_in(c, 7), 0, A->rank, NULL, "output", &cq)) || (st = per_tensor(c, &aq, "A")) ||
      (st = per_tensor(c, &bq, "B")) || (st = per_tensor(c, &cq, "output")))
    return st;
  char *pa = ox_tmp_name(c, "qa"), *pb = ox_tmp_name(c, "qb"), *ps = ox_tmp_name(c, "qsum");
  if (!pa || !pb || !ps) return ENN_ERR_NO_MEMORY;
  /* each side dequantised (the IR Dequantize when the parameters match the tensor's) */
  if ((st = dequant_raw(c, A, &aq, pa)) || (st = dequant_raw(c, B, &bq, pb))) return st;
  if ((st = ox_binary(c, ENN_OP_ADD, ox_find(c, pa), ox_find(c, pb), ps, 0))) return st;
  ox_val *sum = ox_find(c, ps);
  int32_t id, y;
  int8_t perm[OX_MAX_RANK];
  if ((st = ox_get_any(c, sum, &id, perm))) return st;
  if ((st = quantize_node(c, id, q8_enn(cq.dtype), cq.scale, cq.zp, 1, -1, NULL, &y))) return st;
  return ox_def_ir(c, n->out[0], cq.dtype, y, perm);
}

/* com.microsoft QLinearGlobalAveragePool: mean of (x - x_zp), times
 * x_scale / y_scale, plus y_zp, rounded. */
static enn_status cv_qlinear_gap(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  if (!ox_is_q8(x->dtype)) return ox_unsupported(c, "input of type %s", ox_dtype_name(x->dtype));
  int64_t channels_last;
  enn_status st;
  if ((st = ox_attr_i(c, "channels_last", 0, &channels_last))) return st;
  if (channels_last) return ox_unsupported(c, "channels_last = 1");
  if (x->rank != 4) return ox_unsupported(c, "a rank-%d input", x->rank);
  qparams xq, yq;
  if ((st = get_qp(c, ox_in(c, 1), ox_in(c, 2), 0, 4, NULL, "input", &xq)) ||
      (st = get_qp(c, ox_in(c, 3), ox_in(c, 4), 0, 4, NULL, "output", &yq)) || (st = per_tensor(c, &xq, "input")) ||
      (st = per_tensor(c, &yq, "output")))
    return st;
  int8_t cl[OX_MAX_RANK];
  ox_perm_cl(4, cl);
  int32_t id, y;
  if ((st = centered(c, x, xq.zp[0], cl, &id)) || (st = ox_add(c, ENN_OP_GLOBAL_AVG_POOL, ".mean", &id, 1, NULL, 1, &y)))
    return st;
  const float m = xq.scale[0] / yq.scale[0];
  return requant_out(c, y, &m, 1, &yq, n->out[0], cl);
}

const ox_op_entry ox_ops_quant[] = {
    {"", "QuantizeLinear", 10, cv_quantize_linear},
    {"", "DequantizeLinear", 10, cv_dequantize_linear},
    {"", "QLinearConv", 10, cv_qlinear_conv},
    {"", "QLinearMatMul", 10, cv_qlinear_matmul},
    {"", "ConvInteger", 10, cv_conv_integer},
    {"", "MatMulInteger", 10, cv_matmul_integer},
    {"com.microsoft", "QLinearAdd", 1, cv_qlinear_add},
    {"com.microsoft", "QLinearGlobalAveragePool", 1, cv_qlinear_gap},
    {NULL, NULL, 0, NULL},
};
