/*
 * Constant evaluation at import: the operators that produce or transform
 * constants (Constant, ConstantOfShape, Shape, Size, Cast, Range, the
 * comparisons, Where, Min / Max, ...) and the host kernels the other
 * converters use when all their inputs are constants.
 *
 * PyTorch exports shape arithmetic as Shape -> Gather -> Unsqueeze ->
 * Concat -> Reshape chains on int64 tensors. Every shape is static here
 * (symbolic dims were fixed at the inputs), so Shape of any tensor is a
 * constant and the whole chain folds; no int64 operator reaches the IR.
 * Operators in this file that are only meaningful on constants report
 * "unsupported" when an input is computed at run time.
 *
 * Arithmetic follows the ONNX reference: float values compute in float
 * (one rounding per operation, as the IR kernels do), double in double,
 * integers and bool in int64 and are then narrowed to the element type
 * (integer division truncates toward zero; division by zero gives 0).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "import/onnx/onnx_import.h"

/* ------------------------------------------------------------ load / store */
static bool is_fp(int32_t t) { return t == OX_FLOAT || t == OX_DOUBLE || t == OX_FLOAT16; }

static double ld_f(const ox_val *v, int64_t i) {
  switch (v->dtype) {
  case OX_FLOAT: return (double)((const float *)v->host)[i];
  case OX_DOUBLE: return ((const double *)v->host)[i];
  case OX_FLOAT16: return (double)enn_f16_to_f32(((const uint16_t *)v->host)[i]);
  default: break;
  }
  int64_t x;
  switch (v->dtype) {
  case OX_INT64: x = ((const int64_t *)v->host)[i]; break;
  case OX_INT32: x = ((const int32_t *)v->host)[i]; break;
  case OX_INT16: x = ((const int16_t *)v->host)[i]; break;
  case OX_INT8: x = ((const int8_t *)v->host)[i]; break;
  case OX_UINT16: x = ((const uint16_t *)v->host)[i]; break;
  case OX_UINT32: x = ((const uint32_t *)v->host)[i]; break;
  case OX_UINT64: x = (int64_t)((const uint64_t *)v->host)[i]; break;
  default: x = ((const uint8_t *)v->host)[i]; break; /* uint8, bool */
  }
  return (double)x;
}

static int64_t ld_i(const ox_val *v, int64_t i) {
  switch (v->dtype) {
  case OX_INT64: return ((const int64_t *)v->host)[i];
  case OX_INT32: return ((const int32_t *)v->host)[i];
  case OX_INT16: return ((const int16_t *)v->host)[i];
  case OX_INT8: return ((const int8_t *)v->host)[i];
  case OX_UINT16: return ((const uint16_t *)v->host)[i];
  case OX_UINT32: return ((const uint32_t *)v->host)[i];
  case OX_UINT64: return (int64_t)((const uint64_t *)v->host)[i];
  case OX_UINT8: case OX_BOOL: return ((const uint8_t *)v->host)[i];
  default: {
    const double d = ld_f(v, i);
    if (!(d == d)) return 0;
    if (d >= 9.2e18) return INT64_MAX;
    if (d <= -9.2e18) return INT64_MIN;
    return (int64_t)d; /* truncation toward zero */
  }
  }
}

static void st_i(void *dst, int32_t t, int64_t i, int64_t x) {
  switch (t) {
  case OX_INT64: ((int64_t *)dst)[i] = x; break;
  case OX_INT32: ((int32_t *)dst)[i] = (int32_t)x; break;
  case OX_INT16: ((int16_t *)dst)[i] = (int16_t)x; break;
  case OX_INT8: ((int8_t *)dst)[i] = (int8_t)x; break;
  case OX_UINT16: ((uint16_t *)dst)[i] = (uint16_t)x; break;
  case OX_UINT32: ((uint32_t *)dst)[i] = (uint32_t)x; break;
  case OX_UINT64: ((uint64_t *)dst)[i] = (uint64_t)x; break;
  case OX_BOOL: ((uint8_t *)dst)[i] = x != 0; break;
  case OX_FLOAT: ((float *)dst)[i] = (float)x; break;
  case OX_DOUBLE: ((double *)dst)[i] = (double)x; break;
  case OX_FLOAT16: ((uint16_t *)dst)[i] = enn_f32_to_f16((float)x); break;
  default: ((uint8_t *)dst)[i] = (uint8_t)x; break;
  }
}

static void st_f(void *dst, int32_t t, int64_t i, double x) {
  switch (t) {
  case OX_FLOAT: ((float *)dst)[i] = (float)x; break;
  case OX_DOUBLE: ((double *)dst)[i] = x; break;
  case OX_FLOAT16: ((uint16_t *)dst)[i] = enn_f32_to_f16((float)x); break;
  case OX_BOOL: ((uint8_t *)dst)[i] = x != 0.0; break;
  default: {
    int64_t v = 0;
    if (x == x) v = x >= 9.2e18 ? INT64_MAX : (x <= -9.2e18 ? INT64_MIN : (int64_t)x);
    st_i(dst, t, i, v);
  }
  }
}

/* A fresh host buffer for n elements of type t. */
static void *host_buf(ox_ctx *c, int32_t t, int64_t n) {
  const size_t esz = ox_dtype_size(t);
  if (!esz) {
    ox_unsupported(c, "constants of type %s", ox_dtype_name(t));
    return NULL;
  }
  return ox_arena_alloc(c->arena, (size_t)(n ? n : 1) * esz);
}

static enn_status need_all_host(ox_ctx *c, const ox_node *n) {
  for (int32_t i = 0; i < n->n_in; i++) {
    const ox_val *v = ox_in(c, i);
    if (v && !v->host) /* (no binding: these are data inputs, not parameters) */
      return ox_unsupported(c, "run-time input '%s' (edgenn evaluates this operator only on constants)", v->name);
  }
  return ENN_OK;
}

/* ------------------------------------------------------------ broadcasting */
typedef struct bcast {
  int32_t rank;
  int64_t dims[OX_MAX_RANK];
  int64_t numel;
  int64_t stride[3][OX_MAX_RANK]; /* element strides per operand, 0 = broadcast */
} bcast;

static enn_status bcast_init(ox_ctx *c, const ox_val *const *v, int32_t n, bcast *b) {
  memset(b, 0, sizeof *b);
  for (int32_t i = 0; i < n; i++)
    if (v[i]->rank > b->rank) b->rank = v[i]->rank;
  for (int32_t k = 0; k < b->rank; k++) {
    int64_t d = 1;
    for (int32_t i = 0; i < n; i++) {
      const int32_t j = k - (b->rank - v[i]->rank);
      const int64_t dv = j >= 0 ? v[i]->dims[j] : 1;
      if (dv != 1) {
        if (d != 1 && d != dv) return ox_bad(c, "input shapes do not broadcast");
        d = dv;
      }
    }
    b->dims[k] = d;
  }
  enn_status st = ox_check_numel(c, b->rank, b->dims, &b->numel);
  if (st) return st;
  for (int32_t i = 0; i < n; i++) {
    int64_t s = 1;
    for (int32_t k = b->rank - 1; k >= 0; k--) {
      const int32_t j = k - (b->rank - v[i]->rank);
      const int64_t dv = j >= 0 ? v[i]->dims[j] : 1;
      b->stride[i][k] = dv == 1 ? 0 : s;
      s *= dv;
    }
  }
  return ENN_OK;
}

/* Offsets of output element `flat` in each operand. */
static void bcast_offsets(const bcast *b, int32_t n, int64_t flat, int64_t *off) {
  for (int32_t i = 0; i < n; i++) off[i] = 0;
  for (int32_t k = b->rank - 1; k >= 0; k--) {
    const int64_t idx = flat % b->dims[k];
    flat /= b->dims[k];
    for (int32_t i = 0; i < n; i++) off[i] += idx * b->stride[i][k];
  }
}

/* ------------------------------------------------------------ arithmetic */
static int64_t arith_i(char op, int64_t a, int64_t b) {
  switch (op) {
  case '+': return (int64_t)((uint64_t)a + (uint64_t)b);
  case '-': return (int64_t)((uint64_t)a - (uint64_t)b);
  case '*': return (int64_t)((uint64_t)a * (uint64_t)b);
  case '/': return b == 0 || (a == INT64_MIN && b == -1) ? 0 : a / b;
  case '<': return a < b ? a : b; /* min */
  case '>': return a > b ? a : b; /* max */
  default: return 0;
  }
}

static double arith_d(char op, double a, double b) {
  switch (op) {
  case '+': return a + b;
  case '-': return a - b;
  case '*': return a * b;
  case '/': return a / b;
  case '<': return a != a || b != b ? NAN : (a < b ? a : b);
  case '>': return a != a || b != b ? NAN : (a > b ? a : b);
  default: return 0.0;
  }
}

static float arith_f(char op, float a, float b) {
  switch (op) {
  case '+': return a + b;
  case '-': return a - b;
  case '*': return a * b;
  case '/': return a / b;
  case '<': return a != a || b != b ? NAN : (a < b ? a : b);
  case '>': return a != a || b != b ? NAN : (a > b ? a : b);
  default: return 0.0f;
  }
}

enn_status ox_host_binary(ox_ctx *c, char op, const ox_val *a, const ox_val *b, const char *out) {
  const ox_val *v[2] = {a, b};
  bcast bc;
  enn_status st = bcast_init(c, v, 2, &bc);
  if (st) return st;
  /* the result takes a's type (ONNX requires equal types; a scalar helper
   * constant of another class is converted) */
  const int32_t t = a->dtype;
  void *y = host_buf(c, t, bc.numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  int64_t off[2];
  for (int64_t i = 0; i < bc.numel; i++) {
    bcast_offsets(&bc, 2, i, off);
    if (t == OX_FLOAT) ((float *)y)[i] = arith_f(op, (float)ld_f(a, off[0]), (float)ld_f(b, off[1]));
    else if (is_fp(t)) st_f(y, t, i, arith_d(op, ld_f(a, off[0]), ld_f(b, off[1])));
    else st_i(y, t, i, arith_i(op, ld_i(a, off[0]), ld_i(b, off[1])));
  }
  return ox_def_host(c, out, t, bc.rank, bc.dims, y);
}

/* ---------------------------------------------------- data movement (host) */
enn_status ox_host_transpose(ox_ctx *c, const ox_val *x, const int8_t *perm, const char *out) {
  const size_t esz = ox_dtype_size(x->dtype);
  void *y = host_buf(c, x->dtype, x->numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  ox_permute_host(x->host, y, esz, x->rank, x->dims, perm);
  int64_t dims[OX_MAX_RANK];
  for (int32_t k = 0; k < x->rank; k++) dims[k] = x->dims[perm[k]];
  return ox_def_host(c, out, x->dtype, x->rank, dims, y);
}

enn_status ox_host_slice(ox_ctx *c, const ox_val *x, const int64_t *start, const int64_t *step, const int64_t *count,
                         const char *out) {
  int64_t numel;
  enn_status st = ox_check_numel(c, x->rank, count, &numel);
  if (st) return st;
  const size_t esz = ox_dtype_size(x->dtype);
  uint8_t *y = host_buf(c, x->dtype, numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  int64_t stride[OX_MAX_RANK], idx[OX_MAX_RANK] = {0}, s = 1;
  for (int32_t k = x->rank - 1; k >= 0; k--) {
    stride[k] = s;
    s *= x->dims[k];
  }
  for (int64_t i = 0; i < numel; i++) {
    int64_t off = 0;
    for (int32_t k = 0; k < x->rank; k++) off += (start[k] + idx[k] * step[k]) * stride[k];
    memcpy(y + (size_t)i * esz, (const uint8_t *)x->host + (size_t)off * esz, esz);
    for (int32_t k = x->rank - 1; k >= 0; k--) {
      if (++idx[k] < count[k]) break;
      idx[k] = 0;
    }
  }
  return ox_def_host(c, out, x->dtype, x->rank, count, y);
}

enn_status ox_host_concat(ox_ctx *c, ox_val *const *vals, int32_t n, int32_t axis, const char *out) {
  const ox_val *v0 = vals[0];
  const int32_t t = v0->dtype;
  int64_t dims[OX_MAX_RANK];
  for (int32_t k = 0; k < v0->rank; k++) dims[k] = v0->dims[k];
  dims[axis] = 0;
  for (int32_t i = 0; i < n; i++) {
    if (vals[i]->dtype != t) return ox_bad(c, "inputs have different types");
    dims[axis] += vals[i]->dims[axis];
  }
  int64_t numel, outer = 1, inner = 1;
  enn_status st = ox_check_numel(c, v0->rank, dims, &numel);
  if (st) return st;
  for (int32_t k = 0; k < axis; k++) outer *= dims[k];
  for (int32_t k = axis + 1; k < v0->rank; k++) inner *= dims[k];
  const size_t esz = ox_dtype_size(t);
  uint8_t *y = host_buf(c, t, numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  size_t pos = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int32_t i = 0; i < n; i++) {
      const size_t blk = (size_t)(vals[i]->dims[axis] * inner) * esz;
      if (blk) memcpy(y + pos, (const uint8_t *)vals[i]->host + (size_t)o * blk, blk);
      pos += blk;
    }
  return ox_def_host(c, out, t, v0->rank, dims, y);
}

enn_status ox_host_gather(ox_ctx *c, const ox_val *x, int32_t axis, const ox_val *iv, const char *out) {
  int64_t *idx;
  enn_status st = ox_host_i64(c, iv, "the indices input", &idx);
  if (st) return st;
  const int32_t r = x->rank - 1 + iv->rank;
  if (r > OX_MAX_RANK) return ox_unsupported(c, "an output of rank %d", r);
  int64_t dims[OX_MAX_RANK], outer = 1, inner = 1, numel;
  int32_t j = 0;
  for (int32_t k = 0; k < axis; k++) dims[j++] = x->dims[k];
  for (int32_t k = 0; k < iv->rank; k++) dims[j++] = iv->dims[k];
  for (int32_t k = axis + 1; k < x->rank; k++) dims[j++] = x->dims[k];
  if ((st = ox_check_numel(c, r, dims, &numel))) return st;
  for (int32_t k = 0; k < axis; k++) outer *= x->dims[k];
  for (int32_t k = axis + 1; k < x->rank; k++) inner *= x->dims[k];
  const int64_t dim = x->dims[axis];
  const size_t esz = ox_dtype_size(x->dtype), blk = (size_t)inner * esz;
  uint8_t *y = host_buf(c, x->dtype, numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  size_t pos = 0;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < iv->numel; i++) {
      int64_t k = idx[i] < 0 ? idx[i] + dim : idx[i];
      if (k < 0 || k >= dim) return ox_bad(c, "index %lld out of range for dimension %lld", (long long)idx[i], (long long)dim);
      if (blk) memcpy(y + pos, (const uint8_t *)x->host + ((size_t)(o * dim + k)) * blk, blk);
      pos += blk;
    }
  return ox_def_host(c, out, x->dtype, r, dims, y);
}

enn_status ox_host_expand(ox_ctx *c, const ox_val *x, int32_t rank, const int64_t *dims, const char *out) {
  ox_val shape;
  memset(&shape, 0, sizeof shape);
  shape.rank = rank;
  for (int32_t k = 0; k < rank; k++) shape.dims[k] = dims[k];
  const ox_val *v[2] = {x, &shape};
  bcast bc;
  enn_status st = bcast_init(c, v, 2, &bc);
  if (st) return st;
  const size_t esz = ox_dtype_size(x->dtype);
  uint8_t *y = host_buf(c, x->dtype, bc.numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  int64_t off[2];
  for (int64_t i = 0; i < bc.numel; i++) {
    bcast_offsets(&bc, 1, i, off);
    memcpy(y + (size_t)i * esz, (const uint8_t *)x->host + (size_t)off[0] * esz, esz);
  }
  return ox_def_host(c, out, x->dtype, bc.rank, bc.dims, y);
}

/* -------------------------------------------------------------- converters */
static enn_status def_tensor(ox_ctx *c, const char *out, const ox_tensor *t) {
  const size_t esz = ox_dtype_size(t->dtype);
  if (!esz || t->rank > OX_MAX_RANK || t->numel < 0)
    return ox_unsupported(c, "a constant of type %s and rank %d", ox_dtype_name(t->dtype), t->rank);
  if (t->numel > c->opt.max_tensor_elems) return ox_unsupported(c, "a constant of %lld elements", (long long)t->numel);
  enn_status st = ox_tensor_check(t);
  if (st == ENN_ERR_UNSUPPORTED) return ox_unsupported(c, "%s", enn_last_error());
  if (st) return st;
  void *d = ox_arena_alloc(c->arena, (size_t)(t->numel ? t->numel : 1) * esz);
  if (!d) return ENN_ERR_NO_MEMORY;
  st = ox_tensor_decode(t, d);
  if (st == ENN_ERR_UNSUPPORTED) return ox_unsupported(c, "%s", enn_last_error());
  if (st) return st;
  return ox_def_host(c, out, t->dtype, t->rank, t->dims, d);
}

static enn_status cv_constant(ox_ctx *c, const ox_node *n) {
  const char *out = n->out[0];
  for (int32_t i = 0; i < n->n_attrs; i++) {
    const ox_attr *a = &n->attrs[i];
    if (!strcmp(a->name, "value")) {
      if (!a->t) return ox_bad(c, "attribute 'value' is not a tensor");
      return def_tensor(c, out, a->t);
    }
    if (!strcmp(a->name, "value_float") || !strcmp(a->name, "value_int")) {
      const bool f = a->name[6] == 'f';
      void *d = ox_arena_alloc(c->arena, 8);
      if (!d) return ENN_ERR_NO_MEMORY;
      if (f) *(float *)d = a->f;
      else *(int64_t *)d = a->i;
      return ox_def_host(c, out, f ? OX_FLOAT : OX_INT64, 0, NULL, d);
    }
    if (!strcmp(a->name, "value_floats") || !strcmp(a->name, "value_ints")) {
      const bool f = a->name[6] == 'f';
      const int64_t cnt = f ? a->n_floats : a->n_ints;
      void *d = ox_arena_alloc(c->arena, (size_t)(cnt ? cnt : 1) * 8);
      if (!d) return ENN_ERR_NO_MEMORY;
      if (cnt) memcpy(d, f ? (const void *)a->floats : (const void *)a->ints, (size_t)cnt * (f ? 4 : 8));
      return ox_def_host(c, out, f ? OX_FLOAT : OX_INT64, 1, &cnt, d);
    }
    if (!strncmp(a->name, "value_string", 12) || !strcmp(a->name, "sparse_value"))
      return ox_unsupported(c, "a %s constant", a->name);
  }
  return ox_bad(c, "no value attribute");
}

static enn_status cv_constant_of_shape(ox_ctx *c, const ox_node *n) {
  ox_val *sv = ox_in(c, 0);
  if (!sv) return ox_bad(c, "input 0 is missing");
  int64_t *shape;
  enn_status st;
  if ((st = ox_host_i64(c, sv, "the shape input", &shape))) return st;
  if (sv->rank != 1) return ox_bad(c, "the shape must be 1-D");
  if (sv->numel > OX_MAX_RANK) return ox_unsupported(c, "rank %lld", (long long)sv->numel);
  const ox_attr *va = ox_attr_find(n, "value");
  int32_t t = OX_FLOAT;
  uint8_t val[8] = {0};
  if (va) {
    if (!va->t || va->t->numel != 1) return ox_bad(c, "value must be a one-element tensor");
    t = va->t->dtype;
    const size_t esz = ox_dtype_size(t);
    if (!esz) return ox_unsupported(c, "value of type %s", ox_dtype_name(t));
    if ((st = ox_tensor_decode(va->t, val))) return st == ENN_ERR_UNSUPPORTED ? ox_unsupported(c, "%s", enn_last_error()) : st;
  }
  int64_t numel;
  const int32_t r = (int32_t)sv->numel;
  if ((st = ox_check_numel(c, r, shape, &numel))) return st;
  const size_t esz = ox_dtype_size(t);
  uint8_t *y = host_buf(c, t, numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  bool zero = true;
  for (size_t b = 0; b < esz; b++) zero &= val[b] == 0;
  if (!zero)
    for (int64_t i = 0; i < numel; i++) memcpy(y + (size_t)i * esz, val, esz);
  return ox_def_host(c, n->out[0], t, r, shape, y);
}

static enn_status cv_shape(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t start = 0, end = x->rank;
  enn_status st;
  if (c->opset >= 15 && ((st = ox_attr_i(c, "start", 0, &start)) || (st = ox_attr_i(c, "end", x->rank, &end)))) return st;
  if (start < 0) start += x->rank;
  if (end < 0) end += x->rank;
  start = start < 0 ? 0 : (start > x->rank ? x->rank : start);
  end = end < 0 ? 0 : (end > x->rank ? x->rank : end);
  const int64_t cnt = end > start ? end - start : 0;
  int64_t *y = ox_arena_alloc(c->arena, (size_t)(cnt ? cnt : 1) * sizeof(int64_t));
  if (!y) return ENN_ERR_NO_MEMORY;
  for (int64_t i = 0; i < cnt; i++) y[i] = x->dims[start + i];
  return ox_def_host(c, n->out[0], OX_INT64, 1, &cnt, y);
}

static enn_status cv_size(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t *y = ox_arena_alloc(c->arena, sizeof(int64_t));
  if (!y) return ENN_ERR_NO_MEMORY;
  *y = x->numel;
  return ox_def_host(c, n->out[0], OX_INT64, 0, NULL, y);
}

static enn_status cv_cast(ox_ctx *c, const ox_node *n) {
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  int64_t to;
  enn_status st;
  if ((st = ox_attr_i(c, "to", -1, &to))) return st;
  if (to == x->dtype) return ox_def_alias(c, n->out[0], x);
  if (!x->host && to == OX_FLOAT && (x->dtype == OX_UINT8 || x->dtype == OX_INT8 || x->dtype == OX_INT32)) {
    /* integers to float: the raw form is that float tensor */
    int32_t id;
    int8_t perm[OX_MAX_RANK];
    if ((st = ox_q8_raw_any(c, x, &id, perm))) return st;
    return ox_def_ir(c, n->out[0], OX_FLOAT, id, perm);
  }
  if (!x->host) return ox_unsupported(c, "a run-time cast from %s to %s", ox_dtype_name(x->dtype), ox_dtype_name((int32_t)to));
  if (!ox_dtype_size((int32_t)to) || to == OX_BFLOAT16) return ox_unsupported(c, "casting to %s", ox_dtype_name((int32_t)to));
  void *y = host_buf(c, (int32_t)to, x->numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  for (int64_t i = 0; i < x->numel; i++) {
    if (to == OX_FLOAT) ((float *)y)[i] = (float)ld_f(x, i);
    else if (is_fp(x->dtype)) st_f(y, (int32_t)to, i, ld_f(x, i));
    else st_i(y, (int32_t)to, i, ld_i(x, i));
  }
  return ox_def_host(c, n->out[0], (int32_t)to, x->rank, x->dims, y);
}

static enn_status cv_range(ox_ctx *c, const ox_node *n) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  ox_val *s = ox_in(c, 0), *l = ox_in(c, 1), *d = ox_in(c, 2);
  if (!s || !l || !d || s->numel != 1 || l->numel != 1 || d->numel != 1) return ox_bad(c, "needs scalar start, limit, delta");
  const int32_t t = s->dtype;
  int64_t cnt;
  if (is_fp(t)) {
    const double a = ld_f(s, 0), b = ld_f(l, 0), dl = ld_f(d, 0);
    if (dl == 0.0) return ox_bad(c, "delta is 0");
    const double q = ceil((b - a) / dl);
    if (!(q < 1e12)) return ox_unsupported(c, "a range of %g elements", q);
    cnt = q > 0 ? (int64_t)q : 0;
    if ((st = ox_check_numel(c, 1, &cnt, NULL))) return st;
    void *y = host_buf(c, t, cnt);
    if (!y) return ENN_ERR_NO_MEMORY;
    for (int64_t i = 0; i < cnt; i++) st_f(y, t, i, a + (double)i * dl);
    return ox_def_host(c, n->out[0], t, 1, &cnt, y);
  }
  const int64_t a = ld_i(s, 0), b = ld_i(l, 0), dl = ld_i(d, 0);
  if (dl == 0) return ox_bad(c, "delta is 0");
  const double q = ceil(((double)b - (double)a) / (double)dl);
  if (!(q < 1e12)) return ox_unsupported(c, "a range of %g elements", q);
  cnt = q > 0 ? (int64_t)q : 0;
  if ((st = ox_check_numel(c, 1, &cnt, NULL))) return st;
  void *y = host_buf(c, t, cnt);
  if (!y) return ENN_ERR_NO_MEMORY;
  for (int64_t i = 0; i < cnt; i++) st_i(y, t, i, a + i * dl);
  return ox_def_host(c, n->out[0], t, 1, &cnt, y);
}

/* Comparisons and logic: bool results. */
static enn_status compare(ox_ctx *c, const ox_node *n, char op) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  ox_val *a = ox_in(c, 0), *b = op == '!' ? a : ox_in(c, 1);
  if (!a || !b) return ox_bad(c, "missing input");
  const ox_val *v[2] = {a, b};
  bcast bc;
  if ((st = bcast_init(c, v, 2, &bc))) return st;
  uint8_t *y = ox_arena_alloc(c->arena, (size_t)(bc.numel ? bc.numel : 1));
  if (!y) return ENN_ERR_NO_MEMORY;
  const bool fp = is_fp(a->dtype) || is_fp(b->dtype);
  int64_t off[2];
  for (int64_t i = 0; i < bc.numel; i++) {
    bcast_offsets(&bc, 2, i, off);
    int r;
    if (fp) {
      const double x = ld_f(a, off[0]), z = ld_f(b, off[1]);
      r = op == '=' ? x == z : op == '<' ? x < z : op == '>' ? x > z : op == 'l' ? x <= z : op == 'g' ? x >= z : 0;
    } else {
      const int64_t x = ld_i(a, off[0]), z = ld_i(b, off[1]);
      r = op == '=' ? x == z : op == '<' ? x < z : op == '>' ? x > z : op == 'l' ? x <= z : op == 'g' ? x >= z
          : op == '&' ? (x && z) : op == '|' ? (x || z) : op == '^' ? (!x != !z) : op == '!' ? !x : 0;
    }
    y[i] = (uint8_t)r;
  }
  return ox_def_host(c, n->out[0], OX_BOOL, bc.rank, bc.dims, y);
}
static enn_status cv_equal(ox_ctx *c, const ox_node *n) { return compare(c, n, '='); }
static enn_status cv_less(ox_ctx *c, const ox_node *n) { return compare(c, n, '<'); }
static enn_status cv_greater(ox_ctx *c, const ox_node *n) { return compare(c, n, '>'); }
static enn_status cv_less_eq(ox_ctx *c, const ox_node *n) { return compare(c, n, 'l'); }
static enn_status cv_greater_eq(ox_ctx *c, const ox_node *n) { return compare(c, n, 'g'); }
static enn_status cv_and(ox_ctx *c, const ox_node *n) { return compare(c, n, '&'); }
static enn_status cv_or(ox_ctx *c, const ox_node *n) { return compare(c, n, '|'); }
static enn_status cv_xor(ox_ctx *c, const ox_node *n) { return compare(c, n, '^'); }
static enn_status cv_not(ox_ctx *c, const ox_node *n) { return compare(c, n, '!'); }

static enn_status cv_where(ox_ctx *c, const ox_node *n) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  ox_val *cond = ox_in(c, 0), *x = ox_in(c, 1), *z = ox_in(c, 2);
  if (!cond || !x || !z) return ox_bad(c, "needs condition, X and Y");
  if (x->dtype != z->dtype) return ox_bad(c, "X and Y have different types");
  const ox_val *v[3] = {cond, x, z};
  bcast bc;
  if ((st = bcast_init(c, v, 3, &bc))) return st;
  const size_t esz = ox_dtype_size(x->dtype);
  uint8_t *y = host_buf(c, x->dtype, bc.numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  int64_t off[3];
  for (int64_t i = 0; i < bc.numel; i++) {
    bcast_offsets(&bc, 3, i, off);
    const bool pick = ld_i(cond, off[0]) != 0;
    memcpy(y + (size_t)i * esz, (const uint8_t *)(pick ? x : z)->host + (size_t)(pick ? off[1] : off[2]) * esz, esz);
  }
  return ox_def_host(c, n->out[0], x->dtype, bc.rank, bc.dims, y);
}

static enn_status minmax(ox_ctx *c, const ox_node *n, char op) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  if (n->n_in < 1) return ox_bad(c, "needs an input");
  ox_val *acc = ox_in(c, 0);
  if (!acc) return ox_bad(c, "input 0 is missing");
  if (n->n_in == 1) return ox_def_alias(c, n->out[0], acc);
  for (int32_t i = 1; i < n->n_in; i++) {
    ox_val *b = ox_in(c, i);
    if (!b) return ox_bad(c, "input %d is missing", i);
    char *nm = i == n->n_in - 1 ? (char *)n->out[0] : ox_tmp_name(c, "mm");
    if (!nm) return ENN_ERR_NO_MEMORY;
    if ((st = ox_host_binary(c, op, acc, b, nm))) return st;
    acc = ox_find(c, nm);
  }
  return ENN_OK;
}
static enn_status cv_min(ox_ctx *c, const ox_node *n) { return minmax(c, n, '<'); }
static enn_status cv_max(ox_ctx *c, const ox_node *n) { return minmax(c, n, '>'); }

/* Unary host functions on constants. */
static enn_status host_unary(ox_ctx *c, const ox_node *n, char op) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  ox_val *x = ox_in(c, 0);
  if (!x) return ox_bad(c, "input 0 is missing");
  void *y = host_buf(c, x->dtype, x->numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  for (int64_t i = 0; i < x->numel; i++) {
    if (is_fp(x->dtype)) {
      const double v = ld_f(x, i);
      double r;
      if (x->dtype == OX_FLOAT) {
        const float f = (float)v;
        r = op == 'a' ? fabsf(f) : op == 'f' ? floorf(f) : op == 'c' ? ceilf(f) : op == 's' ? sqrtf(f) : (double)(1.0f / f);
      } else {
        r = op == 'a' ? fabs(v) : op == 'f' ? floor(v) : op == 'c' ? ceil(v) : op == 's' ? sqrt(v) : 1.0 / v;
      }
      st_f(y, x->dtype, i, r);
    } else {
      const int64_t v = ld_i(x, i);
      st_i(y, x->dtype, i, op == 'a' ? (v < 0 ? -v : v) : v);
    }
  }
  return ox_def_host(c, n->out[0], x->dtype, x->rank, x->dims, y);
}
static enn_status cv_abs(ox_ctx *c, const ox_node *n) { return host_unary(c, n, 'a'); }
static enn_status cv_floor(ox_ctx *c, const ox_node *n) { return host_unary(c, n, 'f'); }
static enn_status cv_ceil(ox_ctx *c, const ox_node *n) { return host_unary(c, n, 'c'); }
static enn_status cv_sqrt(ox_ctx *c, const ox_node *n) { return host_unary(c, n, 's'); }
static enn_status cv_reciprocal(ox_ctx *c, const ox_node *n) { return host_unary(c, n, 'r'); }

static enn_status cv_tile(ox_ctx *c, const ox_node *n) {
  enn_status st;
  if ((st = need_all_host(c, n))) return st;
  ox_val *x = ox_in(c, 0), *rv = ox_in(c, 1);
  if (!x || !rv) return ox_bad(c, "needs input and repeats");
  int64_t *rep;
  if ((st = ox_host_i64(c, rv, "the repeats input", &rep))) return st;
  if (rv->numel != x->rank) return ox_bad(c, "repeats has %lld values for rank %d", (long long)rv->numel, x->rank);
  int64_t dims[OX_MAX_RANK], numel;
  for (int32_t k = 0; k < x->rank; k++) {
    if (rep[k] < 0) return ox_bad(c, "negative repeat");
    if (!enn_mul_i64(x->dims[k], rep[k], &dims[k])) return ox_bad(c, "size overflows");
  }
  if ((st = ox_check_numel(c, x->rank, dims, &numel))) return st;
  const size_t esz = ox_dtype_size(x->dtype);
  uint8_t *y = host_buf(c, x->dtype, numel);
  if (!y) return ENN_ERR_NO_MEMORY;
  int64_t idx[OX_MAX_RANK] = {0};
  for (int64_t i = 0; i < numel; i++) {
    int64_t off = 0;
    for (int32_t k = 0; k < x->rank; k++) off = off * x->dims[k] + idx[k] % x->dims[k];
    memcpy(y + (size_t)i * esz, (const uint8_t *)x->host + (size_t)off * esz, esz);
    for (int32_t k = x->rank - 1; k >= 0; k--) {
      if (++idx[k] < dims[k]) break;
      idx[k] = 0;
    }
  }
  return ox_def_host(c, n->out[0], x->dtype, x->rank, dims, y);
}

const ox_op_entry ox_ops_shape[] = {
    {"", "Constant", 1, cv_constant},
    {"", "ConstantOfShape", 9, cv_constant_of_shape},
    {"", "Shape", 1, cv_shape},
    {"", "Size", 1, cv_size},
    {"", "Cast", 6, cv_cast},
    {"", "Range", 11, cv_range},
    {"", "Equal", 7, cv_equal},
    {"", "Less", 7, cv_less},
    {"", "Greater", 7, cv_greater},
    {"", "LessOrEqual", 12, cv_less_eq},
    {"", "GreaterOrEqual", 12, cv_greater_eq},
    {"", "And", 7, cv_and},
    {"", "Or", 7, cv_or},
    {"", "Xor", 7, cv_xor},
    {"", "Not", 1, cv_not},
    {"", "Where", 9, cv_where},
    {"", "Min", 1, cv_min},
    {"", "Max", 1, cv_max},
    {"", "Abs", 6, cv_abs},
    {"", "Floor", 6, cv_floor},
    {"", "Ceil", 6, cv_ceil},
    {"", "Sqrt", 6, cv_sqrt},
    {"", "Reciprocal", 6, cv_reciprocal},
    {"", "Tile", 6, cv_tile},
    {NULL, NULL, 0, NULL},
};
