/*
 * TFLite -> graph IR.
 *
 * Algorithm:
 *   1. Decode and validate the file (tflite_model.c).
 *   2. Refuse the model, in one message, if any operator of subgraph 0 has
 *      no converter: each such operator is listed with its name, index and
 *      output tensor name.
 *   3. Add the subgraph inputs. TFLite is NHWC like the runtime, so shapes
 *      are kept as they are. uint8 inputs stay uint8 for the user; a
 *      Quantize node converts them to the int8 the graph runs on.
 *   4. Convert the operators in file order (TFLite stores them in execution
 *      order; an operator reading a tensor no earlier operator wrote is
 *      refused, which also rules out cycles). Constants are created when an
 *      operator first reads them and always copied, so the caller's buffer
 *      may be freed after the import. Every operator's final node is
 *      checked against the file: the shape and type edgenn infers must equal
 *      the declared output, and the declared quantisation parameters are
 *      set on it (enn_graph_set_quant).
 *   5. Add the subgraph outputs (a Quantize node back to uint8 for uint8
 *      outputs) and verify the graph.
 *
 * uint8 -> int8: every uint8 tensor inside the graph becomes int8 with
 * values and zero points minus 128 (real = scale * (q - zp) is unchanged,
 * docs/quantization.md); int32 biases are kept as they are.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "edgenn/import.h"
#include "import/tflite/tflite.h"

/* ----------------------------------------------------------- messages */
static const char *out_name(const tfl_imp *c) {
  const tfl_op *o = &c->m->ops[c->k];
  return o->n_out > 0 ? c->m->t[o->out[0]].name : "";
}

enn_status enn_tfl_err(tfl_imp *c, enn_status s, const char *fmt, ...) {
  char msg[640];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return enn_err(s, "%s: operator %d (%s -> '%.120s'): %s", c->m->fb.src, c->k, c->opname, out_name(c), msg);
}

const tfl_tensor *enn_tfl_in(const tfl_imp *c, int32_t slot) {
  const tfl_op *o = &c->m->ops[c->k];
  if (slot < 0 || slot >= o->n_in || o->in[slot] < 0) return NULL;
  return &c->m->t[o->in[slot]];
}

const tfl_tensor *enn_tfl_out(const tfl_imp *c, int32_t slot) {
  const tfl_op *o = &c->m->ops[c->k];
  if (slot < 0 || slot >= o->n_out) return NULL;
  return &c->m->t[o->out[slot]];
}

/* ------------------------------------------------------ tensor mapping */
/* IR dtype a TFLite tensor has inside the graph. */
static enn_status map_dtype(const tfl_model *m, const tfl_tensor *t, enn_dtype *d) {
  switch (t->type) {
  case TFL_FLOAT32: *d = ENN_DTYPE_F32; return ENN_OK;
  case TFL_INT8: case TFL_UINT8: *d = ENN_DTYPE_I8; return ENN_OK;
  case TFL_INT32: *d = ENN_DTYPE_I32; return ENN_OK;
  case TFL_INT64: *d = ENN_DTYPE_I64; return ENN_OK;
  case TFL_FLOAT16:
    if (t->data) {
      *d = ENN_DTYPE_F32; /* float16 constants are widened at import */
      return ENN_OK;
    }
    break;
  default: break;
  }
  return enn_err(ENN_ERR_UNSUPPORTED,
                 "%s: tensor '%s' has type %s%s (edgenn imports float32, int8, uint8, int32 and int64 tensors, and "
                 "float16 constants)",
                 m->fb.src, t->name, enn_tfl_type_name(t->type),
                 t->type == TFL_INT16 ? ": 16x8 quantised models are not supported" : "");
}

/* Quantisation parameters in IR form. u8 shifts zero points by -128.
 * axis_override >= 0 replaces the per-axis dimension. Arrays come from
 * the import's allocator and are freed by the caller. */
typedef struct qbuf {
  enn_quant q;
  float *s;
  int32_t *z;
} qbuf;

static void qbuf_free(tfl_imp *c, qbuf *b) {
  enn_free(c->a, b->s);
  enn_free(c->a, b->z);
  memset(b, 0, sizeof *b);
}

static enn_status make_quant(tfl_imp *c, const tfl_tensor *t, int32_t axis_override, qbuf *b) {
  memset(b, 0, sizeof *b);
  b->q.axis = -1;
  if (t->q_count == 0 || (t->type != TFL_INT8 && t->type != TFL_UINT8 && t->type != TFL_INT32)) return ENN_OK;
  b->s = enn_alloc(c->a, t->q_count * sizeof(float));
  b->z = enn_alloc(c->a, t->q_count * sizeof(int32_t));
  if (!b->s || !b->z) {
    qbuf_free(c, b);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  }
  int64_t lo = INT32_MIN, hi = INT32_MAX;
  if (t->type == TFL_INT8) lo = -128, hi = 127;
  if (t->type == TFL_UINT8) lo = 0, hi = 255;
  for (uint32_t i = 0; i < t->q_count; i++) {
    int64_t z = t->q_zp[i];
    if (z < lo || z > hi) {
      qbuf_free(c, b);
      return enn_err(ENN_ERR_BAD_FORMAT, "%s: tensor '%s' (%s): zero_point[%u] = %lld is outside %lld..%lld",
                     c->m->fb.src, t->name, enn_tfl_type_name(t->type), i, (long long)z, (long long)lo, (long long)hi);
    }
    b->s[i] = t->q_scale[i];
    b->z[i] = (int32_t)(t->type == TFL_UINT8 ? z - 128 : z);
  }
  b->q.count = t->q_count;
  b->q.axis = t->q_count > 1 ? (axis_override >= 0 ? axis_override : t->q_axis) : -1;
  b->q.scale = b->s;
  b->q.zero_point = b->z;
  return ENN_OK;
}

static enn_status tensor_desc(tfl_imp *c, const tfl_tensor *t, enn_tensor_desc *d) {
  enn_dtype dt = ENN_DTYPE_INVALID;
  enn_status st = map_dtype(c->m, t, &dt);
  if (st) return st;
  enn_tensor_desc_init(d, dt, t->rank, t->dims);
  return ENN_OK;
}

/* Element i of a constant as a real number. */
static double const_real(const tfl_tensor *t, int64_t i, int64_t inner) {
  const uint8_t *p = t->data;
  double q;
  switch (t->type) {
  case TFL_FLOAT32: {
    float f;
    memcpy(&f, p + 4 * i, 4);
    return (double)f;
  }
  case TFL_FLOAT16: {
    uint16_t h;
    memcpy(&h, p + 2 * i, 2);
    return (double)enn_f16_to_f32(h);
  }
  case TFL_INT8: q = (double)(int8_t)p[i]; break;
  case TFL_UINT8: q = (double)p[i]; break;
  case TFL_INT32: {
    int32_t v;
    memcpy(&v, p + 4 * i, 4);
    q = (double)v;
    break;
  }
  case TFL_INT64: {
    int64_t v;
    memcpy(&v, p + 8 * i, 8);
    q = (double)v;
    break;
  }
  default: return 0.0;
  }
  if (t->q_count == 0) return q;
  int64_t ch = 0;
  if (t->q_count > 1) ch = (i / inner) % t->dims[t->q_axis];
  return (double)t->q_scale[ch] * (q - (double)t->q_zp[ch]);
}

static int64_t numel(const tfl_tensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->rank; i++) n *= t->dims[i]; /* bounded: the bytes are inside the file */
  return n;
}

/* Elements after the quantised axis (for per-axis lookups). */
static int64_t quant_inner(const tfl_tensor *t) {
  int64_t inner = 1;
  if (t->q_count > 1)
    for (int32_t i = t->q_axis + 1; i < t->rank; i++) inner *= t->dims[i];
  return inner;
}

/* Adds a constant for tensor t in the given form. */
static enn_status add_const(tfl_imp *c, const tfl_tensor *t, tfl_wform form, int32_t *id) {
  enn_tensor_desc d;
  enn_status st;
  const bool dw = form == TFL_W_DW || form == TFL_W_DW_F32;
  const bool deq = form == TFL_W_F32 || form == TFL_W_DW_F32;
  if (deq && t->type != TFL_FLOAT32 && t->type != TFL_FLOAT16 && t->q_count == 0)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "constant '%s' (%s) has no quantisation parameters to dequantise it",
                       t->name, enn_tfl_type_name(t->type));
  if ((st = tensor_desc(c, t, &d))) return st;
  if (deq) d.dtype = ENN_DTYPE_F32;
  if (dw) {
    if (t->rank != 4 || t->dims[0] != 1)
      return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "depthwise filter '%s' must be [1,KH,KW,C*M] (rank %d, dims[0] %lld)",
                         t->name, t->rank, (long long)(t->rank > 0 ? t->dims[0] : 0));
    if (t->q_count > 1 && t->q_axis != 3)
      return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "depthwise filter '%s' is quantised along axis %d (expected 3)",
                         t->name, t->q_axis);
    d.dims[0] = t->dims[3];
    d.dims[3] = 1;
  }
  qbuf qb;
  memset(&qb, 0, sizeof qb);
  if (!deq) {
    if ((st = make_quant(c, t, dw ? 0 : -1, &qb))) return st;
    d.quant = qb.q;
  }
  const int64_t n = numel(t), inner = quant_inner(t);
  const size_t es = enn_dtype_size(d.dtype);
  uint8_t *buf = enn_alloc(c->a, (size_t)n * es + 1);
  if (!buf) {
    qbuf_free(c, &qb);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory for constant '%s'", t->name);
  }
  /* source index i (file layout) -> destination index j */
  const int64_t oc = dw ? t->dims[3] : 1, khw = dw ? t->dims[1] * t->dims[2] : 1;
  for (int64_t i = 0; i < n; i++) {
    const int64_t j = dw ? (i % oc) * khw + i / oc : i;
    if (deq) {
      float f = (float)const_real(t, i, inner);
      memcpy(buf + 4 * j, &f, 4);
    } else if (t->type == TFL_UINT8) {
      buf[j] = (uint8_t)(int8_t)((int32_t)t->data[i] - 128);
    } else if (t->type == TFL_FLOAT16) {
      float f = (float)const_real(t, i, 1);
      memcpy(buf + 4 * j, &f, 4);
    } else {
      memcpy(buf + (size_t)j * es, t->data + (size_t)i * es, es);
    }
  }
  char name[200];
  snprintf(name, sizeof name, "%.180s%s", t->name[0] ? t->name : "const", dw ? (deq ? "/ohwi_f32" : "/ohwi") : (deq ? "/f32" : ""));
  st = enn_graph_add_constant(c->g, name, &d, buf, ENN_CONST_COPY, id);
  enn_free(c->a, buf);
  qbuf_free(c, &qb);
  if (st) return enn_tfl_err(c, st, "constant '%s': %s", t->name, enn_last_error());
  return ENN_OK;
}

static enn_status operand_of(tfl_imp *c, int32_t slot, int32_t *ti_out, const tfl_tensor **t_out) {
  const tfl_op *o = &c->m->ops[c->k];
  if (slot < 0 || slot >= o->n_in || o->in[slot] < 0)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "input %d is missing (the operator has %d inputs)", slot, o->n_in);
  *ti_out = o->in[slot];
  *t_out = &c->m->t[*ti_out];
  if ((*t_out)->is_variable)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "input %d reads variable tensor '%s' (stateful models are not supported)",
                       slot, (*t_out)->name);
  if ((*t_out)->sparse)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "input %d reads sparse tensor '%s'", slot, (*t_out)->name);
  return ENN_OK;
}

enn_status enn_tfl_operand(tfl_imp *c, int32_t slot, int32_t *id) {
  int32_t ti = -1;
  const tfl_tensor *t = NULL;
  enn_status st = operand_of(c, slot, &ti, &t);
  if (st) return st;
  if (c->map[ti] >= 0) {
    *id = c->map[ti];
    return ENN_OK;
  }
  if (!t->data)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT,
                       "input %d reads tensor %d '%s', which no earlier operator writes and which is neither a "
                       "subgraph input nor a constant",
                       slot, ti, t->name);
  if ((st = add_const(c, t, TFL_W_PLAIN, id))) return st;
  c->map[ti] = *id;
  return ENN_OK;
}

enn_status enn_tfl_weight(tfl_imp *c, int32_t slot, tfl_wform form, int32_t *id) {
  if (form == TFL_W_PLAIN) return enn_tfl_operand(c, slot, id);
  int32_t ti = -1;
  const tfl_tensor *t = NULL;
  enn_status st = operand_of(c, slot, &ti, &t);
  if (st) return st;
  if (!t->data)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "input %d ('%s') must be a constant for this form of the operator",
                       slot, t->name);
  return add_const(c, t, form, id);
}

enn_status enn_tfl_ints(tfl_imp *c, int32_t slot, const char *what, int64_t *v, int32_t cap, int32_t *n) {
  int32_t ti = -1;
  const tfl_tensor *t = NULL;
  enn_status st = operand_of(c, slot, &ti, &t);
  if (st) return st;
  if (!t->data)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "%s (input %d, '%s') is computed at run time; edgenn needs a constant",
                       what, slot, t->name);
  if (t->type != TFL_INT32 && t->type != TFL_INT64)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "%s (input %d, '%s') has type %s; expected int32 or int64", what, slot,
                       t->name, enn_tfl_type_name(t->type));
  int64_t cnt = numel(t);
  if (cnt > cap)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "%s (input %d) has %lld values; at most %d make sense", what, slot,
                       (long long)cnt, cap);
  for (int64_t i = 0; i < cnt; i++) {
    if (t->type == TFL_INT32) {
      int32_t x;
      memcpy(&x, t->data + 4 * i, 4);
      v[i] = x;
    } else {
      memcpy(&v[i], t->data + 8 * i, 8);
    }
  }
  *n = (int32_t)cnt;
  return ENN_OK;
}

enn_status enn_tfl_scalar(tfl_imp *c, int32_t slot, const char *what, float *v) {
  int32_t ti = -1;
  const tfl_tensor *t = NULL;
  enn_status st = operand_of(c, slot, &ti, &t);
  if (st) return st;
  if (!t->data || numel(t) < 1)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "%s (input %d, '%s') must be a non-empty constant", what, slot, t->name);
  if (t->type != TFL_FLOAT32 && t->type != TFL_FLOAT16 && t->type != TFL_INT8 && t->type != TFL_UINT8 &&
      t->type != TFL_INT32)
    return enn_tfl_err(c, ENN_ERR_UNSUPPORTED, "%s (input %d) has type %s", what, slot, enn_tfl_type_name(t->type));
  *v = (float)const_real(t, 0, quant_inner(t));
  return ENN_OK;
}

/* ---------------------------------------------------------------- nodes */
static void node_name(const tfl_imp *c, const char *suffix, char *buf, size_t cap) {
  const tfl_op *o = &c->m->ops[c->k];
  const char *base = out_name(c);
  char fallback[64];
  if (!base[0]) {
    snprintf(fallback, sizeof fallback, "%s_%d", c->opname, c->k);
    base = fallback;
  }
  const bool boundary = o->n_out > 0 && c->u8_out[o->out[0]];
  if (suffix) snprintf(buf, cap, "%.140s/%s", base, suffix);
  else snprintf(buf, cap, "%.140s%s", base, boundary ? "/int8" : "");
}

static enn_status check_declared(tfl_imp *c, const tfl_tensor *t, int32_t id) {
  enn_tensor_desc got, want;
  enn_status st = tensor_desc(c, t, &want);
  if (st) return enn_tfl_err(c, st, "%s", enn_last_error());
  if ((st = enn_graph_tensor(c->g, id, NULL, &got, NULL))) return st;
  if (!t->has_shape) return got.dtype == want.dtype ? ENN_OK : ENN_ERR_DTYPE;
  if (got.dtype != want.dtype || !enn_desc_same_shape(&got, &want)) {
    char a[96], b[96];
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "the file declares output '%s' as %s %s, but the inputs give %s %s",
                       t->name, enn_dtype_name(want.dtype), enn_desc_str(&want, a, sizeof a),
                       enn_dtype_name(got.dtype), enn_desc_str(&got, b, sizeof b));
  }
  return ENN_OK;
}

static enn_status finish_output(tfl_imp *c, int32_t id) {
  const tfl_op *o = &c->m->ops[c->k];
  const int32_t ti = o->out[0];
  const tfl_tensor *t = &c->m->t[ti];
  enn_status st = check_declared(c, t, id);
  if (st == ENN_ERR_DTYPE)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "output '%s' has type %s, which the operator does not produce", t->name,
                       enn_tfl_type_name(t->type));
  if (st) return st;
  qbuf qb;
  if ((st = make_quant(c, t, -1, &qb))) return enn_tfl_err(c, st, "%s", enn_last_error());
  if (qb.q.count) st = enn_graph_set_quant(c->g, id, &qb.q);
  qbuf_free(c, &qb);
  if (st) return enn_tfl_err(c, st, "output quantisation: %s", enn_last_error());
  c->map[ti] = id;
  return ENN_OK;
}

/* The graph refusing a node means the file's operator does not fit its
 * inputs (a malformed file), except for element types edgenn does not run
 * (unsupported) and resource failures. */
static enn_status file_status(enn_status st) {
  switch (st) {
  case ENN_ERR_SHAPE: case ENN_ERR_INVALID_ARG: case ENN_ERR_OVERFLOW: return ENN_ERR_BAD_FORMAT;
  case ENN_ERR_DTYPE: return ENN_ERR_UNSUPPORTED;
  default: return st;
  }
}

enn_status enn_tfl_node(tfl_imp *c, enn_op op, const int32_t *in, int32_t n_in, const enn_attrs *a,
                        const char *suffix, int32_t *out) {
  char name[200];
  node_name(c, suffix, name, sizeof name);
  int32_t id;
  enn_status st = enn_graph_add_node(c->g, op, name, in, n_in, a, 1, &id);
  if (st) return enn_tfl_err(c, file_status(st), "%s", enn_last_error());
  if (out) *out = id;
  return suffix ? ENN_OK : finish_output(c, id);
}

enn_status enn_tfl_alias(tfl_imp *c, int32_t id) { return finish_output(c, id); }

/* -------------------------------------------------------------- options */
enn_status enn_tfl_options(tfl_imp *c, uint8_t expect, const char *table, const enn_fb_table **opt) {
  const tfl_op *o = &c->m->ops[c->k];
  *opt = NULL;
  if (!o->has_opt) return ENN_OK;
  if (o->opt_type != expect)
    return enn_tfl_err(c, ENN_ERR_BAD_FORMAT, "builtin_options_type is %u, expected %s (%u)", o->opt_type, table,
                       expect);
  *opt = &o->opt;
  return ENN_OK;
}

enn_status enn_tfl_opt_i32(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, int32_t def,
                           int32_t *out) {
  *out = def;
  ENN_UNUSED(c);
  return opt ? enn_fb_i32(opt, id, field, def, out) : ENN_OK;
}

enn_status enn_tfl_opt_u8(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, uint8_t def,
                          uint8_t *out) {
  *out = def;
  ENN_UNUSED(c);
  return opt ? enn_fb_u8(opt, id, field, def, out) : ENN_OK;
}

enn_status enn_tfl_opt_f32(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, float def,
                           float *out) {
  *out = def;
  ENN_UNUSED(c);
  return opt ? enn_fb_f32(opt, id, field, def, out) : ENN_OK;
}

/* --------------------------------------------------------------- driver */
/* Whether tensor t has an element type edgenn imports. */
static bool type_ok(const tfl_tensor *t) {
  switch (t->type) {
  case TFL_FLOAT32: case TFL_INT8: case TFL_UINT8: case TFL_INT32: case TFL_INT64: return true;
  case TFL_FLOAT16: return t->data != NULL;
  default: return false;
  }
}

/* Why operator k cannot be imported: NULL = it can; "" = no converter;
 * otherwise the first tensor of an element type edgenn does not take. */
static const char *unsupported_reason(const tfl_model *m, int32_t k, char *buf, size_t cap) {
  const tfl_op *o = &m->ops[k];
  if (!enn_tfl_converter(o->code)) return "";
  for (int32_t i = 0; i < o->n_in + o->n_out; i++) {
    const int32_t ti = i < o->n_in ? o->in[i] : o->out[i - o->n_in];
    if (ti >= 0 && !type_ok(&m->t[ti])) {
      snprintf(buf, cap, "%s tensor '%.40s'", enn_tfl_type_name(m->t[ti].type), m->t[ti].name);
      return buf;
    }
  }
  return NULL;
}

/* One message listing every operator edgenn cannot import (no converter,
 * or tensors of a type it does not take, e.g. the int16 of 16x8 models). */
static enn_status refuse_unsupported(const tfl_model *m) {
  int32_t bad = 0;
  char why[96];
  for (int32_t k = 0; k < m->nops; k++)
    if (unsupported_reason(m, k, why, sizeof why)) bad++;
  if (!bad) return ENN_OK;
  char msg[1024];
  size_t n = (size_t)snprintf(msg, sizeof msg, "%s: %d of %d operators are not supported by edgenn:", m->fb.src, bad,
                              m->nops);
  int32_t listed = 0;
  for (int32_t k = 0; k < m->nops; k++) {
    const tfl_op *o = &m->ops[k];
    const char *r = unsupported_reason(m, k, why, sizeof why);
    if (!r) continue;
    char nb[32], item[300];
    const char *on = enn_tfl_op_name(o->code, nb, sizeof nb);
    const char *tn = o->n_out > 0 ? m->t[o->out[0]].name : "";
    int len = snprintf(item, sizeof item, "%s %s%s%.40s (operator %d, output '%.60s'%s%s)", listed ? ";" : "", on,
                       o->custom ? ":" : "", o->custom ? o->custom : "", k, tn, r[0] ? ": " : "", r);
    if (len < 0 || n + (size_t)len + 40 >= sizeof msg) break;
    memcpy(msg + n, item, (size_t)len + 1);
    n += (size_t)len;
    listed++;
  }
  if (listed < bad) snprintf(msg + n, sizeof msg - n, "; and %d more", bad - listed);
  return enn_err(ENN_ERR_UNSUPPORTED, "%s", msg);
}

static enn_status add_inputs(tfl_imp *c) {
  const tfl_model *m = c->m;
  for (int32_t i = 0; i < m->n_in; i++) {
    const int32_t ti = m->in[i];
    const tfl_tensor *t = &m->t[ti];
    if (c->map[ti] >= 0) continue; /* listed twice */
    if (t->data)
      return enn_err(ENN_ERR_BAD_FORMAT, "%s: subgraph input %d (tensor %d '%s') is a constant", m->fb.src, i, ti,
                     t->name);
    enn_tensor_desc d;
    enn_status st = tensor_desc(c, t, &d);
    if (st) return st;
    if (t->type != TFL_FLOAT32 && t->type != TFL_INT8 && t->type != TFL_UINT8 && t->type != TFL_INT32)
      return enn_err(ENN_ERR_UNSUPPORTED, "%s: subgraph input '%s' has type %s", m->fb.src, t->name,
                     enn_tfl_type_name(t->type));
    qbuf qb;
    if ((st = make_quant(c, t, -1, &qb))) return st;
    if (t->type == TFL_UINT8) {
      /* the user's view: uint8 with the file's parameters */
      d.dtype = ENN_DTYPE_U8;
      for (uint32_t k = 0; k < qb.q.count; k++) qb.z[k] += 128;
    }
    d.quant = qb.q;
    int32_t id;
    st = enn_graph_add_input(c->g, t->name[0] ? t->name : "input", &d, &id);
    if (!st && t->type == TFL_UINT8) {
      for (uint32_t k = 0; k < qb.q.count; k++) qb.z[k] -= 128;
      enn_attrs a;
      enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
      a.dtype = ENN_DTYPE_I8;
      char name[200];
      snprintf(name, sizeof name, "%.180s/int8", t->name[0] ? t->name : "input");
      int32_t q;
      st = enn_graph_add_node(c->g, ENN_OP_QUANTIZE, name, &id, 1, &a, 1, &q);
      if (!st && qb.q.count) st = enn_graph_set_quant(c->g, q, &qb.q);
      id = q;
      if (st) st = enn_err_prefix(st, "%s: uint8 input '%s'", m->fb.src, t->name);
    }
    qbuf_free(c, &qb);
    if (st) return st;
    c->map[ti] = id;
  }
  return ENN_OK;
}

static bool is_constant(const enn_graph *g, int32_t id) {
  const void *data = NULL;
  return enn_graph_tensor(g, id, NULL, NULL, &data) == ENN_OK && data != NULL;
}

static bool is_graph_input(const enn_graph *g, int32_t id) {
  for (int32_t i = 0; i < enn_graph_num_inputs(g); i++)
    if (enn_graph_input(g, i) == id) return true;
  return false;
}

static enn_status add_outputs(tfl_imp *c) {
  const tfl_model *m = c->m;
  for (int32_t i = 0; i < m->n_out; i++) {
    const int32_t ti = m->out[i];
    const tfl_tensor *t = &m->t[ti];
    int32_t id = c->map[ti];
    if (id < 0) {
      if (t->data)
        return enn_err(ENN_ERR_UNSUPPORTED, "%s: subgraph output %d ('%s') is a constant", m->fb.src, i, t->name);
      return enn_err(ENN_ERR_BAD_FORMAT, "%s: subgraph output %d (tensor %d '%s') is never written by an operator",
                     m->fb.src, i, ti, t->name);
    }
    enn_status st = ENN_OK;
    if (t->type == TFL_UINT8) {
      qbuf qb;
      if ((st = make_quant(c, t, -1, &qb))) return st;
      for (uint32_t k = 0; k < qb.q.count; k++) qb.z[k] += 128;
      enn_attrs a;
      enn_attrs_init_op(&a, ENN_OP_QUANTIZE);
      a.dtype = ENN_DTYPE_U8;
      int32_t q;
      st = enn_graph_add_node(c->g, ENN_OP_QUANTIZE, t->name[0] ? t->name : "output", &id, 1, &a, 1, &q);
      if (!st && qb.q.count) st = enn_graph_set_quant(c->g, q, &qb.q);
      qbuf_free(c, &qb);
      if (st) return enn_err_prefix(st, "%s: uint8 output '%s'", m->fb.src, t->name);
      id = q;
    } else if (is_graph_input(c->g, id) || enn_ir_is_output(c->g, id) || is_constant(c->g, id)) {
      /* an input, a folded constant or an already listed tensor used as an
       * output: a view keeps graph outputs distinct activations */
      if ((st = enn_graph_add_node(c->g, ENN_OP_IDENTITY, t->name[0] ? t->name : "output", &id, 1, NULL, 1, &id)))
        return enn_err_prefix(st, "%s: output '%s'", m->fb.src, t->name);
    }
    if ((st = enn_graph_add_output(c->g, id))) return st;
  }
  return ENN_OK;
}

static enn_status build(const tfl_model *m, const enn_allocator *alloc, enn_graph **out) {
  enn_status st = refuse_unsupported(m);
  if (st) return st;
  tfl_imp c;
  memset(&c, 0, sizeof c);
  c.m = m;
  c.a = alloc;
  c.map = enn_alloc(alloc, (size_t)m->nt * sizeof(int32_t) + 1);
  c.u8_out = enn_alloc(alloc, (size_t)m->nt * sizeof(bool) + 1);
  if (!c.map || !c.u8_out) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  for (int32_t i = 0; i < m->nt; i++) c.map[i] = -1;
  for (int32_t i = 0; i < m->n_out; i++)
    if (m->t[m->out[i]].type == TFL_UINT8) c.u8_out[m->out[i]] = true;
  if ((st = enn_graph_create(alloc, &c.g))) goto done;
  if ((st = enn_graph_set_meta(c.g, "source", "tflite"))) goto done;
  if (m->description && m->description[0]) {
    char d[256];
    snprintf(d, sizeof d, "%s", m->description);
    if ((st = enn_graph_set_meta(c.g, "description", d))) goto done;
  }
  if ((st = add_inputs(&c))) goto done;
  for (c.k = 0; c.k < m->nops; c.k++) {
    const tfl_op *o = &m->ops[c.k];
    char nb[32];
    snprintf(c.opname, sizeof c.opname, "%s", enn_tfl_op_name(o->code, nb, sizeof nb));
    /* operators are stored in execution order: every activation an operator
     * reads must already exist (this also refuses cycles) */
    for (int32_t i = 0; i < o->n_in; i++) {
      const int32_t ti = o->in[i];
      if (ti >= 0 && c.map[ti] < 0 && !m->t[ti].data) {
        st = enn_tfl_err(&c, ENN_ERR_BAD_FORMAT,
                         "input %d reads tensor %d '%s', which no earlier operator writes and which is neither a "
                         "subgraph input nor a constant",
                         i, ti, m->t[ti].name);
        goto done;
      }
    }
    if ((st = enn_tfl_converter(o->code)(&c))) goto done;
  }
  if ((st = add_outputs(&c))) goto done;
  if (enn_graph_num_outputs(c.g) == 0) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "%s: the subgraph has no outputs", m->fb.src);
    goto done;
  }
  if ((st = enn_graph_verify(c.g))) {
    st = enn_err_prefix(st, "%s: imported graph does not verify", m->fb.src);
    goto done;
  }
  *out = c.g;
  c.g = NULL;
done:
  enn_graph_destroy(c.g);
  enn_free(alloc, c.map);
  enn_free(alloc, c.u8_out);
  return st;
}

static enn_status load(const void *data, size_t size, const char *src, const enn_allocator *alloc, enn_graph **out) {
  tfl_model m;
  enn_status st = enn_tfl_parse(data, size, src, alloc, &m);
  if (st) return st;
  st = build(&m, alloc, out);
  enn_tfl_free(&m);
  return st;
}

enn_status enn_tflite_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_tflite_load_buffer: out is NULL");
  *out = NULL;
  if (!data && size) return enn_err(ENN_ERR_INVALID_ARG, "enn_tflite_load_buffer: data is NULL");
  return load(data, size, "tflite buffer", alloc, out);
}

enn_status enn_tflite_load(const char *path, const enn_allocator *alloc, enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_tflite_load: out is NULL");
  *out = NULL;
  if (!path) return enn_err(ENN_ERR_INVALID_ARG, "enn_tflite_load: path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return enn_err(ENN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return enn_err(ENN_ERR_IO, "%s: not a regular file", path);
  }
  if (sb.st_size < 8) {
    close(fd);
    return enn_err(ENN_ERR_BAD_FORMAT, "%s: %lld bytes is too small for a TFLite file (truncated?)", path,
                   (long long)sb.st_size);
  }
  if ((uint64_t)sb.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return enn_err(ENN_ERR_NO_MEMORY, "%s: file too large to map", path);
  }
  size_t size = (size_t)sb.st_size;
  void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (p == MAP_FAILED) return enn_err(ENN_ERR_IO, "%s: cannot map %zu bytes: %s", path, size, strerror(e));
  enn_status st = load(p, size, path, alloc, out);
  munmap(p, size);
  return st;
}
