/*
 * ONNX ModelProto / TensorProto parsing (field numbers in onnx_model.h).
 *
 * Each message is read with pb_next in one pass; repeated sub-messages are
 * first counted (a cheap scan of the tags) so their arrays are allocated
 * once at the right size. Unknown fields are skipped, as protobuf requires.
 * Nothing is recursive: sub-graphs inside attributes (If / Loop bodies) are
 * not parsed, only noted, and a TypeProto is only looked at one level deep
 * (tensor_type), so the nesting of the input cannot drive the parser's
 * stack. Element counts are bounded by the input size (every element takes
 * at least one byte), so no allocation exceeds a small multiple of it.
 */
#include "import/onnx/onnx_model.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------------ arena */
struct ox_chunk {
  ox_chunk *next;
  size_t size;
};
#define OX_CHUNK_HDR 64u /* keeps the payload 64-byte aligned */
#define OX_CHUNK_SIZE ((size_t)64 << 10)

void ox_arena_init(ox_arena *a, const enn_allocator *alloc, size_t limit) {
  memset(a, 0, sizeof *a);
  a->alloc = alloc;
  a->limit = limit;
}

/* A chunk of `payload` bytes pushed on *list. */
static void *new_chunk(ox_arena *a, ox_chunk **list, size_t payload) {
  size_t bytes;
  if (!enn_add_size(payload, OX_CHUNK_HDR, &bytes)) return NULL;
  ox_chunk *c = enn_alloc_aligned(a->alloc, bytes, 64);
  if (!c) return NULL;
  c->size = payload;
  c->next = *list;
  *list = c;
  return (uint8_t *)c + OX_CHUNK_HDR;
}

void *ox_arena_alloc(ox_arena *a, size_t bytes) {
  if (bytes == 0) bytes = 1;
  if (a->limit && (bytes > a->limit || a->total > a->limit - bytes)) {
    enn_err(ENN_ERR_NO_MEMORY, "onnx: the model needs more than the import limit of %zu MiB of host memory",
            a->limit >> 20);
    return NULL;
  }
  const size_t need = enn_align_up(bytes, 64);
  void *p = NULL;
  if (need < bytes) {
    enn_err(ENN_ERR_OVERFLOW, "onnx: allocation size overflows");
    return NULL;
  }
  if (need > OX_CHUNK_SIZE / 4) {
    p = new_chunk(a, &a->big, need); /* a block of its own */
  } else {
    if (!a->head || a->cap - a->used < need) {
      if (new_chunk(a, &a->head, OX_CHUNK_SIZE)) {
        a->used = 0;
        a->cap = OX_CHUNK_SIZE;
      }
    }
    if (a->head && a->cap - a->used >= need) {
      p = (uint8_t *)a->head + OX_CHUNK_HDR + a->used;
      a->used += need;
    }
  }
  if (!p) {
    enn_err(ENN_ERR_NO_MEMORY, "onnx: out of memory (%zu bytes)", bytes);
    return NULL;
  }
  a->total += need;
  return p;
}

char *ox_arena_str(ox_arena *a, const uint8_t *s, size_t n) {
  char *d = ox_arena_alloc(a, n + 1);
  if (!d) return NULL;
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

static void free_list(ox_arena *a, ox_chunk *c) {
  while (c) {
    ox_chunk *n = c->next;
    enn_free(a->alloc, c);
    c = n;
  }
}

void ox_arena_free(ox_arena *a) {
  free_list(a, a->head);
  free_list(a, a->big);
  a->head = a->big = NULL;
  a->used = a->cap = a->total = 0;
}

/* ------------------------------------------------------------------ types */
const char *ox_dtype_name(int32_t t) {
  static const char *const names[] = {"undefined", "float", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                      "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
                                      "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
                                      "float8e5m2fnuz", "uint4", "int4"};
  if (t >= 0 && t < (int32_t)ENN_ARRAY_LEN(names)) return names[t];
  return "unknown type";
}

size_t ox_dtype_size(int32_t t) {
  switch (t) {
  case OX_FLOAT: case OX_INT32: case OX_UINT32: return 4;
  case OX_UINT8: case OX_INT8: case OX_BOOL: return 1;
  case OX_UINT16: case OX_INT16: case OX_FLOAT16: case OX_BFLOAT16: return 2;
  case OX_INT64: case OX_DOUBLE: case OX_UINT64: return 8;
  default: return 0;
  }
}

/* ---------------------------------------------------------------- helpers */
static enn_status get_str(const pb_reader *r, const pb_field *f, ox_arena *a, const char **out) {
  if (f->wire != PB_LEN) return pb_error(r, f, "expected a string, got wire type %u", f->wire);
  char *s = ox_arena_str(a, f->data, f->len);
  if (!s) return ENN_ERR_NO_MEMORY;
  *out = s;
  return ENN_OK;
}

static enn_status get_varint(const pb_reader *r, const pb_field *f, uint64_t *out) {
  if (f->wire != PB_VARINT) return pb_error(r, f, "expected a varint, got wire type %u", f->wire);
  *out = f->u;
  return ENN_OK;
}

/* Counts the fields numbered num in the message of reader r (from its start). */
static enn_status count_fields(const pb_reader *r, const uint32_t *nums, int32_t n_nums, int64_t *counts) {
  pb_reader c = *r;
  for (int32_t i = 0; i < n_nums; i++) counts[i] = 0;
  pb_field f;
  bool more;
  enn_status st;
  while (!(st = pb_next(&c, &f, &more)) && more)
    for (int32_t i = 0; i < n_nums; i++)
      if (f.num == nums[i]) counts[i]++;
  return st;
}

static void *alloc_array(ox_arena *a, int64_t n, size_t esz) {
  size_t bytes;
  if (n < 0 || !enn_mul_size((size_t)n, esz, &bytes)) {
    enn_err(ENN_ERR_OVERFLOW, "onnx: array size overflows");
    return NULL;
  }
  return ox_arena_alloc(a, bytes);
}

/* ------------------------------------------------------------ TensorProto */
static enn_status parse_tensor_msg(pb_reader *r, ox_arena *a, ox_tensor *t) {
  memset(t, 0, sizeof *t);
  t->msg = r->p;
  t->msg_len = (size_t)(r->end - r->p);
  t->offset = pb_offset(r);
  t->name = "";
  pb_field f;
  bool more;
  enn_status st;
  bool bad_dim = false;
  while (!(st = pb_next(r, &f, &more)) && more) {
    uint64_t u = 0;
    switch (f.num) {
    case 1: { /* dims */
      if (pb_count_packed(r, &f, PB_VARINT) < 0) return ENN_ERR_BAD_FORMAT;
      pb_packed it;
      pb_packed_begin(&f, PB_VARINT, &it);
      int rc;
      while ((rc = pb_packed_next(&it, &u)) == 1) {
        if (t->rank < OX_MAX_RANK) t->dims[t->rank] = (int64_t)u;
        if ((int64_t)u < 0) bad_dim = true;
        if (t->rank < INT32_MAX) t->rank++;
      }
      if (rc < 0) return pb_error(r, &f, "malformed dims");
      break;
    }
    case 2:
      if ((st = get_varint(r, &f, &u))) return st;
      t->dtype = (int32_t)u;
      break;
    case 3: t->has_segment = true; break;
    case 4: case 5: case 7: case 10: case 11: {
      const uint32_t w = f.num == 4 ? PB_I32 : (f.num == 10 ? PB_I64 : PB_VARINT);
      int64_t c = pb_count_packed(r, &f, w);
      if (c < 0) return ENN_ERR_BAD_FORMAT;
      t->n_data[f.num] += c;
      break;
    }
    case 6: t->has_strings = true; break;
    case 8:
      if ((st = get_str(r, &f, a, &t->name))) return st;
      break;
    case 9:
      if (f.wire != PB_LEN) return pb_error(r, &f, "raw_data must be length-delimited");
      t->raw = f.data;
      t->raw_len = f.len;
      t->has_raw = true;
      break;
    case 13: { /* external_data: StringStringEntryProto */
      pb_reader e;
      if ((st = pb_sub(r, &f, "StringStringEntryProto", &e))) return st;
      const char *key = NULL, *value = NULL;
      pb_field g;
      bool m2;
      while (!(st = pb_next(&e, &g, &m2)) && m2) {
        if (g.num == 1 && (st = get_str(&e, &g, a, &key))) return st;
        if (g.num == 2 && (st = get_str(&e, &g, a, &value))) return st;
      }
      if (st) return st;
      if (key && value && strcmp(key, "location") == 0) t->location = value;
      t->external = true;
      break;
    }
    case 14:
      if ((st = get_varint(r, &f, &u))) return st;
      if (u == 1) t->external = true;
      break;
    default: break;
    }
  }
  if (st) return st;
  t->numel = -1;
  if (t->rank <= OX_MAX_RANK && !bad_dim) {
    int64_t n = 1;
    bool ok = true;
    for (int32_t i = 0; i < t->rank && ok; i++) ok = enn_mul_i64(n, t->dims[i], &n) && n <= ((int64_t)1 << 40);
    if (ok) t->numel = n;
  }
  return ENN_OK;
}

static enn_status parse_tensor(const pb_reader *parent, const pb_field *f, ox_arena *a, ox_tensor *t) {
  pb_reader r;
  enn_status st = pb_sub(parent, f, "TensorProto", &r);
  if (st) return st;
  return parse_tensor_msg(&r, a, t);
}

enn_status ox_parse_tensor_buffer(const uint8_t *buf, size_t size, ox_arena *a, ox_tensor *t) {
  pb_reader r;
  pb_init(&r, buf, size, "TensorProto");
  return parse_tensor_msg(&r, a, t);
}

static bool host_is_le(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

/* Stores the uint64 payload v of a typed field element as element i of dst. */
static void store_typed(int32_t dtype, uint64_t v, void *dst, int64_t i) {
  switch (dtype) {
  case OX_FLOAT: {
    float x = pb_u32_to_float(v);
    memcpy((uint8_t *)dst + 4 * i, &x, 4);
    break;
  }
  case OX_DOUBLE: {
    double x = pb_u64_to_double(v);
    memcpy((uint8_t *)dst + 8 * i, &x, 8);
    break;
  }
  case OX_INT64: {
    int64_t x = (int64_t)v;
    memcpy((uint8_t *)dst + 8 * i, &x, 8);
    break;
  }
  case OX_UINT64: memcpy((uint8_t *)dst + 8 * i, &v, 8); break;
  case OX_INT32: {
    int32_t x = (int32_t)(int64_t)v;
    memcpy((uint8_t *)dst + 4 * i, &x, 4);
    break;
  }
  case OX_UINT32: {
    uint32_t x = (uint32_t)v;
    memcpy((uint8_t *)dst + 4 * i, &x, 4);
    break;
  }
  case OX_INT16: {
    int16_t x = (int16_t)(int64_t)v;
    memcpy((uint8_t *)dst + 2 * i, &x, 2);
    break;
  }
  case OX_UINT16: case OX_FLOAT16: case OX_BFLOAT16: {
    uint16_t x = (uint16_t)v;
    memcpy((uint8_t *)dst + 2 * i, &x, 2);
    break;
  }
  case OX_INT8: ((int8_t *)dst)[i] = (int8_t)(int64_t)v; break;
  case OX_BOOL: ((uint8_t *)dst)[i] = v != 0; break;
  default: ((uint8_t *)dst)[i] = (uint8_t)v; break; /* uint8 */
  }
}

/* The typed field that holds t's elements when there is no raw_data. */
static void typed_field(int32_t dtype, uint32_t *field, uint32_t *wire) {
  switch (dtype) {
  case OX_FLOAT: *field = 4; *wire = PB_I32; break;
  case OX_INT64: *field = 7; *wire = PB_VARINT; break;
  case OX_DOUBLE: *field = 10; *wire = PB_I64; break;
  case OX_UINT32: case OX_UINT64: *field = 11; *wire = PB_VARINT; break;
  default: *field = 5; *wire = PB_VARINT; break; /* int32_data holds the narrow types */
  }
}

enn_status ox_tensor_check(const ox_tensor *t) {
  const char *nm = t->name && *t->name ? t->name : "(unnamed)";
  const size_t esz = ox_dtype_size(t->dtype);
  if (t->external)
    return enn_err(ENN_ERR_UNSUPPORTED,
                   "onnx: tensor '%s' keeps its data in the external file '%s'; edgenn reads self-contained models "
                   "only (re-save it with onnx.save_model(model, path, save_as_external_data=False))",
                   nm, t->location ? t->location : "?");
  if (esz == 0 || t->has_strings)
    return enn_err(ENN_ERR_UNSUPPORTED, "onnx: tensor '%s' has element type %s, which edgenn cannot hold", nm,
                   ox_dtype_name(t->dtype));
  if (t->has_segment) return enn_err(ENN_ERR_UNSUPPORTED, "onnx: tensor '%s' is segmented", nm);
  if (t->rank > OX_MAX_RANK)
    return enn_err(ENN_ERR_UNSUPPORTED, "onnx: tensor '%s' has rank %d (edgenn supports up to %d)", nm, t->rank,
                   OX_MAX_RANK);
  if (t->numel < 0) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: tensor '%s' has negative or overflowing dims", nm);
  size_t bytes;
  if (!enn_mul_size((size_t)t->numel, esz, &bytes)) return enn_err(ENN_ERR_OVERFLOW, "onnx: tensor '%s' is too large", nm);
  if (t->has_raw) {
    if (t->raw_len != bytes)
      return enn_err(ENN_ERR_BAD_FORMAT, "onnx: tensor '%s' (%s, %lld elements) has %zu bytes of raw_data, expected %zu",
                     nm, ox_dtype_name(t->dtype), (long long)t->numel, t->raw_len, bytes);
    return ENN_OK;
  }
  uint32_t field, wire;
  typed_field(t->dtype, &field, &wire);
  if (t->n_data[field] != t->numel)
    return enn_err(ENN_ERR_BAD_FORMAT, "onnx: tensor '%s' (%s) has %lld elements in its data field, expected %lld", nm,
                   ox_dtype_name(t->dtype), (long long)t->n_data[field], (long long)t->numel);
  return ENN_OK;
}

enn_status ox_tensor_decode(const ox_tensor *t, void *dst) {
  const char *nm = t->name && *t->name ? t->name : "(unnamed)";
  enn_status st0 = ox_tensor_check(t);
  if (st0) return st0;
  const size_t esz = ox_dtype_size(t->dtype), bytes = (size_t)t->numel * esz;
  if (t->has_raw) {
    if (esz == 1 || host_is_le()) {
      if (bytes) memcpy(dst, t->raw, bytes);
    } else {
      for (int64_t i = 0; i < t->numel; i++)
        for (size_t b = 0; b < esz; b++) ((uint8_t *)dst)[(size_t)i * esz + b] = t->raw[(size_t)i * esz + esz - 1 - b];
    }
    if (t->dtype == OX_BOOL)
      for (int64_t i = 0; i < t->numel; i++) ((uint8_t *)dst)[i] = ((uint8_t *)dst)[i] != 0;
    return ENN_OK;
  }
  uint32_t field, wire;
  typed_field(t->dtype, &field, &wire);
  if (t->numel == 0) return ENN_OK;
  pb_reader r;
  pb_init(&r, t->msg, t->msg_len, "TensorProto");
  r.base = t->msg - t->offset;
  pb_field f;
  bool more;
  enn_status st;
  int64_t i = 0;
  while (!(st = pb_next(&r, &f, &more)) && more) {
    if (f.num != field) continue;
    pb_packed it;
    pb_packed_begin(&f, wire, &it);
    uint64_t v;
    int rc;
    while ((rc = pb_packed_next(&it, &v)) == 1 && i < t->numel) store_typed(t->dtype, v, dst, i++);
    if (rc < 0) return pb_error(&r, &f, "malformed data of tensor '%s'", nm);
  }
  if (st) return st;
  if (i != t->numel) return enn_err(ENN_ERR_INTERNAL, "onnx: tensor '%s': decoded %lld of %lld elements", nm, (long long)i, (long long)t->numel);
  return ENN_OK;
}

/* ---------------------------------------------------------- ValueInfoProto */
static enn_status parse_shape(pb_reader *r, ox_valueinfo *v) {
  v->rank = 0;
  pb_field f;
  bool more;
  enn_status st;
  while (!(st = pb_next(r, &f, &more)) && more) {
    if (f.num != 1) continue;
    pb_reader d;
    if ((st = pb_sub(r, &f, "TensorShapeProto.Dimension", &d))) return st;
    int64_t value = -1;
    const char *param = NULL;
    pb_field g;
    bool m2;
    while (!(st = pb_next(&d, &g, &m2)) && m2) {
      if (g.num == 1) {
        uint64_t u = 0;
        if ((st = get_varint(&d, &g, &u))) return st;
        value = (int64_t)u;
      } else if (g.num == 2 && g.wire == PB_LEN) {
        param = "?";
      }
    }
    if (st) return st;
    if (v->rank < OX_MAX_RANK) {
      v->dims[v->rank] = value < 0 ? 1 : value;
      v->symbolic[v->rank] = value < 0;
      v->dim_param[v->rank] = param;
    }
    if (v->rank < INT32_MAX) v->rank++;
  }
  return st;
}

static enn_status parse_valueinfo(const pb_reader *parent, const pb_field *pf, ox_arena *a, ox_valueinfo *v) {
  memset(v, 0, sizeof *v);
  v->name = "";
  v->rank = -1;
  pb_reader r;
  enn_status st = pb_sub(parent, pf, "ValueInfoProto", &r);
  if (st) return st;
  pb_field f;
  bool more;
  while (!(st = pb_next(&r, &f, &more)) && more) {
    if (f.num == 1) {
      if ((st = get_str(&r, &f, a, &v->name))) return st;
    } else if (f.num == 2) {
      pb_reader tp;
      if ((st = pb_sub(&r, &f, "TypeProto", &tp))) return st;
      pb_field g;
      bool m2;
      while (!(st = pb_next(&tp, &g, &m2)) && m2) {
        if (g.num != 1) continue;
        pb_reader tt;
        if ((st = pb_sub(&tp, &g, "TypeProto.Tensor", &tt))) return st;
        v->is_tensor = true;
        pb_field h;
        bool m3;
        while (!(st = pb_next(&tt, &h, &m3)) && m3) {
          if (h.num == 1) {
            uint64_t u = 0;
            if ((st = get_varint(&tt, &h, &u))) return st;
            v->elem_type = (int32_t)u;
          } else if (h.num == 2) {
            pb_reader sh;
            if ((st = pb_sub(&tt, &h, "TensorShapeProto", &sh))) return st;
            if ((st = parse_shape(&sh, v))) return st;
          }
        }
        if (st) return st;
      }
      if (st) return st;
    }
  }
  return st;
}

/* ---------------------------------------------------------- AttributeProto */
static enn_status parse_attr(const pb_reader *parent, const pb_field *pf, ox_arena *a, ox_attr *at) {
  memset(at, 0, sizeof *at);
  at->name = "";
  at->offset = pf->offset;
  pb_reader r;
  enn_status st = pb_sub(parent, pf, "AttributeProto", &r);
  if (st) return st;
  /* pass 1: counts of the repeated scalars */
  int64_t nf = 0, ni = 0, ns = 0;
  bool has_f = false, has_i = false, has_s = false, has_t = false, has_g = false, has_tensors = false, has_graphs = false;
  int64_t type = -1;
  pb_reader c = r;
  pb_field f;
  bool more;
  while (!(st = pb_next(&c, &f, &more)) && more) {
    int64_t k;
    switch (f.num) {
    case 2: has_f = true; break;
    case 3: has_i = true; break;
    case 4: has_s = true; break;
    case 5: has_t = true; break;
    case 6: has_g = true; break;
    case 7:
      if ((k = pb_count_packed(&c, &f, PB_I32)) < 0) return ENN_ERR_BAD_FORMAT;
      nf += k;
      break;
    case 8:
      if ((k = pb_count_packed(&c, &f, PB_VARINT)) < 0) return ENN_ERR_BAD_FORMAT;
      ni += k;
      break;
    case 9: ns++; break;
    case 10: has_tensors = true; break;
    case 11: has_graphs = true; break;
    case 20:
      if (f.wire != PB_VARINT) return pb_error(&c, &f, "attribute type must be a varint");
      type = (int64_t)f.u;
      break;
    default: break;
    }
  }
  if (st) return st;
  if (nf > INT32_MAX || ni > INT32_MAX || ns > INT32_MAX) return pb_error(&r, NULL, "too many attribute values");
  at->floats = nf ? alloc_array(a, nf, sizeof(float)) : NULL;
  at->ints = ni ? alloc_array(a, ni, sizeof(int64_t)) : NULL;
  if ((nf && !at->floats) || (ni && !at->ints)) return ENN_ERR_NO_MEMORY;
  at->n_strings = (int32_t)ns;
  /* pass 2: values */
  while (!(st = pb_next(&r, &f, &more)) && more) {
    pb_packed it;
    uint64_t v;
    int rc = 0;
    switch (f.num) {
    case 1:
      if ((st = get_str(&r, &f, a, &at->name))) return st;
      break;
    case 2:
      if (f.wire != PB_I32) return pb_error(&r, &f, "attribute f must be fixed32");
      at->f = pb_u32_to_float(f.u);
      break;
    case 3:
      if ((st = get_varint(&r, &f, &v))) return st;
      at->i = (int64_t)v;
      break;
    case 4:
      if ((st = get_str(&r, &f, a, &at->s))) return st;
      break;
    case 5:
      at->t = ox_arena_alloc(a, sizeof *at->t);
      if (!at->t) return ENN_ERR_NO_MEMORY;
      if ((st = parse_tensor(&r, &f, a, at->t))) return st;
      break;
    case 7:
      pb_packed_begin(&f, PB_I32, &it);
      while ((rc = pb_packed_next(&it, &v)) == 1 && at->n_floats < nf) at->floats[at->n_floats++] = pb_u32_to_float(v);
      break;
    case 8:
      pb_packed_begin(&f, PB_VARINT, &it);
      while ((rc = pb_packed_next(&it, &v)) == 1 && at->n_ints < ni) at->ints[at->n_ints++] = (int64_t)v;
      break;
    default: break;
    }
    if (rc < 0) return pb_error(&r, &f, "malformed repeated attribute value");
  }
  if (st) return st;
  if (type >= 0) at->type = type > 100 ? -1 : (int32_t)type;
  else if (has_g) at->type = OX_ATTR_GRAPH; /* IR version 1: infer from the field present */
  else if (has_graphs) at->type = OX_ATTR_GRAPHS;
  else if (has_t) at->type = OX_ATTR_TENSOR;
  else if (has_tensors) at->type = OX_ATTR_TENSORS;
  else if (has_s) at->type = OX_ATTR_STRING;
  else if (ns) at->type = OX_ATTR_STRINGS;
  else if (nf) at->type = OX_ATTR_FLOATS;
  else if (ni) at->type = OX_ATTR_INTS;
  else if (has_f) at->type = OX_ATTR_FLOAT;
  else if (has_i) at->type = OX_ATTR_INT;
  return ENN_OK;
}

/* --------------------------------------------------------------- NodeProto */
static enn_status parse_node(const pb_reader *parent, const pb_field *pf, ox_arena *a, ox_node *n) {
  memset(n, 0, sizeof *n);
  n->name = n->op_type = n->domain = "";
  n->offset = pf->offset;
  pb_reader r;
  enn_status st = pb_sub(parent, pf, "NodeProto", &r);
  if (st) return st;
  static const uint32_t nums[3] = {1, 2, 5};
  int64_t cnt[3];
  if ((st = count_fields(&r, nums, 3, cnt))) return st;
  if (cnt[0] > INT32_MAX || cnt[1] > INT32_MAX || cnt[2] > INT32_MAX) return pb_error(&r, NULL, "too many fields");
  n->in = alloc_array(a, cnt[0], sizeof(char *));
  n->out = alloc_array(a, cnt[1], sizeof(char *));
  n->attrs = alloc_array(a, cnt[2], sizeof(ox_attr));
  if (!n->in || !n->out || !n->attrs) return ENN_ERR_NO_MEMORY;
  pb_field f;
  bool more;
  while (!(st = pb_next(&r, &f, &more)) && more) {
    switch (f.num) {
    case 1: st = get_str(&r, &f, a, &n->in[n->n_in++]); break;
    case 2: st = get_str(&r, &f, a, &n->out[n->n_out++]); break;
    case 3: st = get_str(&r, &f, a, &n->name); break;
    case 4: st = get_str(&r, &f, a, &n->op_type); break;
    case 5: st = parse_attr(&r, &f, a, &n->attrs[n->n_attrs++]); break;
    case 7: st = get_str(&r, &f, a, &n->domain); break;
    default: break;
    }
    if (st) return st;
  }
  return st;
}

/* -------------------------------------------------------------- GraphProto */
static enn_status parse_graph(const pb_reader *parent, const pb_field *pf, ox_arena *a, ox_graph *g) {
  memset(g, 0, sizeof *g);
  g->name = "";
  pb_reader r;
  enn_status st = pb_sub(parent, pf, "GraphProto", &r);
  if (st) return st;
  static const uint32_t nums[5] = {1, 5, 11, 12, 15};
  int64_t cnt[5];
  if ((st = count_fields(&r, nums, 5, cnt))) return st;
  for (int i = 0; i < 5; i++)
    if (cnt[i] > INT32_MAX) return pb_error(&r, NULL, "too many fields");
  g->nodes = alloc_array(a, cnt[0], sizeof(ox_node));
  g->inits = alloc_array(a, cnt[1], sizeof(ox_tensor));
  g->inputs = alloc_array(a, cnt[2], sizeof(ox_valueinfo));
  g->outputs = alloc_array(a, cnt[3], sizeof(ox_valueinfo));
  if (!g->nodes || !g->inits || !g->inputs || !g->outputs) return ENN_ERR_NO_MEMORY;
  g->n_sparse = (int32_t)cnt[4];
  pb_field f;
  bool more;
  while (!(st = pb_next(&r, &f, &more)) && more) {
    switch (f.num) {
    case 1: st = parse_node(&r, &f, a, &g->nodes[g->n_nodes++]); break;
    case 2: st = get_str(&r, &f, a, &g->name); break;
    case 5: st = parse_tensor(&r, &f, a, &g->inits[g->n_inits++]); break;
    case 11: st = parse_valueinfo(&r, &f, a, &g->inputs[g->n_inputs++]); break;
    case 12: st = parse_valueinfo(&r, &f, a, &g->outputs[g->n_outputs++]); break;
    default: break;
    }
    if (st) return st;
  }
  return st;
}

/* -------------------------------------------------------------- ModelProto */
enn_status ox_parse_model(const uint8_t *buf, size_t size, ox_arena *a, ox_model *m) {
  memset(m, 0, sizeof *m);
  m->producer_name = m->producer_version = "";
  pb_reader r;
  pb_init(&r, buf, size, "ModelProto");
  static const uint32_t nums[3] = {8, 14, 25};
  int64_t cnt[3];
  enn_status st;
  if ((st = count_fields(&r, nums, 3, cnt))) return st;
  if (cnt[0] > INT32_MAX || cnt[1] > INT32_MAX || cnt[2] > INT32_MAX) return pb_error(&r, NULL, "too many fields");
  m->opsets = alloc_array(a, cnt[0], sizeof(ox_opset));
  m->meta_key = alloc_array(a, cnt[1], sizeof(char *));
  m->meta_value = alloc_array(a, cnt[1], sizeof(char *));
  if (!m->opsets || !m->meta_key || !m->meta_value) return ENN_ERR_NO_MEMORY;
  m->n_functions = (int32_t)cnt[2];
  pb_field f;
  bool more;
  while (!(st = pb_next(&r, &f, &more)) && more) {
    uint64_t u = 0;
    switch (f.num) {
    case 1:
      if ((st = get_varint(&r, &f, &u))) return st;
      m->ir_version = (int64_t)u;
      break;
    case 2: st = get_str(&r, &f, a, &m->producer_name); break;
    case 3: st = get_str(&r, &f, a, &m->producer_version); break;
    case 7:
      if (m->has_graph) return pb_error(&r, &f, "more than one graph");
      st = parse_graph(&r, &f, a, &m->graph);
      m->has_graph = true;
      break;
    case 8: {
      pb_reader o;
      if ((st = pb_sub(&r, &f, "OperatorSetIdProto", &o))) return st;
      ox_opset *op = &m->opsets[m->n_opsets++];
      op->domain = "";
      pb_field g;
      bool m2;
      while (!(st = pb_next(&o, &g, &m2)) && m2) {
        if (g.num == 1 && (st = get_str(&o, &g, a, &op->domain))) return st;
        if (g.num == 2) {
          if ((st = get_varint(&o, &g, &u))) return st;
          op->version = (int64_t)u;
        }
      }
      break;
    }
    case 14: {
      pb_reader e;
      if ((st = pb_sub(&r, &f, "StringStringEntryProto", &e))) return st;
      const char *k = "", *v = "";
      pb_field g;
      bool m2;
      while (!(st = pb_next(&e, &g, &m2)) && m2) {
        if (g.num == 1 && (st = get_str(&e, &g, a, &k))) return st;
        if (g.num == 2 && (st = get_str(&e, &g, a, &v))) return st;
      }
      m->meta_key[m->n_meta] = k;
      m->meta_value[m->n_meta] = v;
      m->n_meta++;
      break;
    }
    default: break;
    }
    if (st) return st;
  }
  if (st) return st;
  if (!m->has_graph) return enn_err(ENN_ERR_BAD_FORMAT, "onnx: the model has no graph (is this an ONNX ModelProto?)");
  return ENN_OK;
}

const ox_attr *ox_attr_find(const ox_node *n, const char *name) {
  for (int32_t i = 0; i < n->n_attrs; i++)
    if (strcmp(n->attrs[i].name, name) == 0) return &n->attrs[i];
  return NULL;
}
