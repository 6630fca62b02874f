/*
 * A small TFLite (FlatBuffer) writer for tests: builds models in memory so
 * the importer can be tested on exact, hand-made graphs and on deliberately
 * broken files, and generates the fuzz seeds (tests/fuzz/corpus/tflite/).
 *
 * Written independently of the importer's reader: objects are described as
 * a tree (tables with scalar / reference fields, vectors, strings) and
 * serialised parent-first, so every reference points forward, each vtable
 * sits just before its table, vectors are aligned to their element size and
 * buffer data to 16 bytes (as the TFLite schema's force_align asks).
 *
 * Field ids are those of tensorflow/lite/schema/schema.fbs (v3).
 */
#ifndef ENN_TESTS_TFLITE_BUILDER_H
#define ENN_TESTS_TFLITE_BUILDER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------ generic objects */
enum { TB_TABLE, TB_VEC, TB_VEC_REF, TB_STRING };

typedef struct tb_obj tb_obj;
typedef struct tb_field {
  int id;
  int size;      /* scalar bytes (1, 2, 4, 8); 0 = reference */
  uint64_t bits; /* scalar value */
  tb_obj *ref;
} tb_field;

struct tb_obj {
  int kind;
  tb_field f[24];
  int nf;
  unsigned char *bytes; /* TB_VEC / TB_STRING payload */
  size_t n, elem, align;
  tb_obj **refs; /* TB_VEC_REF elements */
  int nrefs;
  size_t pos; /* after serialisation */
  tb_obj *next_alloc;
};

typedef struct tb {
  tb_obj *all;
} tb;

static inline tb_obj *tb_new(tb *b, int kind) {
  tb_obj *o = calloc(1, sizeof *o);
  if (!o) abort();
  o->kind = kind;
  o->next_alloc = b->all;
  b->all = o;
  return o;
}

static inline void tb_free(tb *b) {
  while (b->all) {
    tb_obj *o = b->all;
    b->all = o->next_alloc;
    free(o->bytes);
    free(o->refs);
    free(o);
  }
}

static inline tb_obj *tb_table(tb *b) { return tb_new(b, TB_TABLE); }

static inline void tb_scalar(tb_obj *t, int id, int size, uint64_t bits) {
  t->f[t->nf].id = id;
  t->f[t->nf].size = size;
  t->f[t->nf].bits = bits;
  t->f[t->nf].ref = NULL;
  t->nf++;
}
static inline void tb_i32(tb_obj *t, int id, int32_t v) { tb_scalar(t, id, 4, (uint32_t)v); }
static inline void tb_u8(tb_obj *t, int id, uint8_t v) { tb_scalar(t, id, 1, v); }
static inline void tb_f32(tb_obj *t, int id, float v) {
  uint32_t u;
  memcpy(&u, &v, 4);
  tb_scalar(t, id, 4, u);
}
static inline void tb_u64(tb_obj *t, int id, uint64_t v) { tb_scalar(t, id, 8, v); }
static inline void tb_ref(tb_obj *t, int id, tb_obj *child) {
  t->f[t->nf].id = id;
  t->f[t->nf].size = 0;
  t->f[t->nf].ref = child;
  t->nf++;
}

static inline tb_obj *tb_vec(tb *b, const void *data, size_t n, size_t elem, size_t align) {
  tb_obj *o = tb_new(b, TB_VEC);
  o->bytes = malloc(n * elem + 1);
  if (!o->bytes) abort();
  if (n) memcpy(o->bytes, data, n * elem);
  o->n = n;
  o->elem = elem;
  o->align = align < 4 ? 4 : align;
  return o;
}
static inline tb_obj *tb_vec_i32(tb *b, const int32_t *v, size_t n) { return tb_vec(b, v, n, 4, 4); }
static inline tb_obj *tb_string(tb *b, const char *s) {
  tb_obj *o = tb_vec(b, s, strlen(s), 1, 4);
  o->kind = TB_STRING;
  return o;
}
static inline tb_obj *tb_vec_ref(tb *b) { return tb_new(b, TB_VEC_REF); }
static inline void tb_push(tb_obj *v, tb_obj *child) {
  tb_obj **r = realloc(v->refs, (size_t)(v->nrefs + 1) * sizeof *r);
  if (!r) abort();
  v->refs = r;
  v->refs[v->nrefs++] = child;
}

/* ------------------------------------------------------- serialisation */
typedef struct tb_out {
  unsigned char *p;
  size_t n, cap;
} tb_out;

static inline size_t tb_reserve(tb_out *o, size_t bytes, size_t align) {
  size_t pos = (o->n + align - 1) / align * align;
  if (pos + bytes > o->cap) {
    size_t cap = o->cap ? o->cap : 256;
    while (cap < pos + bytes) cap *= 2;
    unsigned char *p = realloc(o->p, cap);
    if (!p) abort();
    memset(p + o->cap, 0, cap - o->cap);
    o->p = p;
    o->cap = cap;
  }
  o->n = pos + bytes;
  return pos;
}
static inline void tb_w32(tb_out *o, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) o->p[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}
static inline void tb_w16(tb_out *o, size_t at, uint16_t v) {
  o->p[at] = (unsigned char)v;
  o->p[at + 1] = (unsigned char)(v >> 8);
}

static void tb_emit(tb_out *o, tb_obj *x);

static inline void tb_emit_children(tb_out *o, tb_obj *x, const size_t *slot_pos) {
  if (x->kind == TB_TABLE) {
    for (int i = 0; i < x->nf; i++)
      if (x->f[i].ref) {
        tb_emit(o, x->f[i].ref);
        tb_w32(o, slot_pos[i], (uint32_t)(x->f[i].ref->pos - slot_pos[i]));
      }
  } else if (x->kind == TB_VEC_REF) {
    for (int i = 0; i < x->nrefs; i++) {
      tb_emit(o, x->refs[i]);
      size_t at = x->pos + 4 * (size_t)i;
      tb_w32(o, at, (uint32_t)(x->refs[i]->pos - at));
    }
  }
}

static void tb_emit(tb_out *o, tb_obj *x) {
  if (x->kind == TB_TABLE) {
    int maxid = -1;
    for (int i = 0; i < x->nf; i++)
      if (x->f[i].id > maxid) maxid = x->f[i].id;
    const size_t vlen = 4 + 2 * (size_t)(maxid + 1);
    size_t vt = tb_reserve(o, vlen, 2);
    /* table body: soffset, then fields in declaration order, each aligned */
    size_t off[24], body = 4;
    for (int i = 0; i < x->nf; i++) {
      size_t sz = x->f[i].size ? (size_t)x->f[i].size : 4;
      body = (body + sz - 1) / sz * sz;
      off[i] = body;
      body += sz;
    }
    size_t tpos = tb_reserve(o, body, 8);
    /* the soffset must fit; the vtable lies before the table */
    tb_w16(o, vt, (uint16_t)vlen);
    tb_w16(o, vt + 2, (uint16_t)body);
    for (int i = 0; i < x->nf; i++) tb_w16(o, vt + 4 + 2 * (size_t)x->f[i].id, (uint16_t)off[i]);
    tb_w32(o, tpos, (uint32_t)(int32_t)(tpos - vt));
    x->pos = tpos;
    size_t slot[24];
    for (int i = 0; i < x->nf; i++) {
      slot[i] = tpos + off[i];
      if (x->f[i].size)
        for (int k = 0; k < x->f[i].size; k++) o->p[slot[i] + (size_t)k] = (unsigned char)(x->f[i].bits >> (8 * k));
    }
    tb_emit_children(o, x, slot);
  } else if (x->kind == TB_VEC_REF) {
    size_t at = tb_reserve(o, 4, 4);
    tb_w32(o, at, (uint32_t)x->nrefs);
    x->pos = tb_reserve(o, 4 * (size_t)x->nrefs, 4); /* first element, for the patches */
    tb_emit_children(o, x, NULL);
    x->pos = at; /* references point at the length word */
  } else {
    /* length word placed so the payload is aligned */
    size_t pay_align = x->align;
    size_t start = o->n + 4;
    start = (start + pay_align - 1) / pay_align * pay_align;
    size_t lenpos = start - 4;
    size_t extra = x->kind == TB_STRING ? 1 : 0;
    o->n = lenpos;
    tb_reserve(o, 4 + x->n * x->elem + extra, 1);
    tb_w32(o, lenpos, (uint32_t)x->n);
    if (x->n) memcpy(o->p + lenpos + 4, x->bytes, x->n * x->elem);
    if (extra) o->p[lenpos + 4 + x->n] = 0;
    x->pos = lenpos;
  }
}

/* Serialises `root` with a 4-byte file identifier; malloc'd result. */
static inline unsigned char *tb_finish(tb_obj *root, const char ident[4], size_t *size) {
  tb_out o = {0};
  size_t at = tb_reserve(&o, 8, 4);
  memcpy(o.p + at + 4, ident, 4);
  tb_emit(&o, root);
  tb_w32(&o, 0, (uint32_t)root->pos);
  *size = o.n;
  return o.p;
}

/* ------------------------------------------------------- TFLite models */
#define TB_MAX 256

typedef struct tfl_builder {
  tb b;
  tb_obj *buffers, *tensors, *ops, *codes;
  int32_t code_of[TB_MAX], n_codes;
  int n_buffers, n_tensors, n_ops;
  int32_t inputs[16], outputs[16];
  int n_in, n_out;
  uint32_t version;
} tfl_builder;

static inline void tfl_b_init(tfl_builder *m) {
  memset(m, 0, sizeof *m);
  m->buffers = tb_vec_ref(&m->b);
  m->tensors = tb_vec_ref(&m->b);
  m->ops = tb_vec_ref(&m->b);
  m->codes = tb_vec_ref(&m->b);
  tb_push(m->buffers, tb_table(&m->b)); /* buffer 0: the empty sentinel */
  m->n_buffers = 1;
  m->version = 3;
}

static inline void tfl_b_free(tfl_builder *m) { tb_free(&m->b); }

/* A constant buffer; returns its index. */
static inline int tfl_b_buffer(tfl_builder *m, const void *data, size_t bytes) {
  tb_obj *t = tb_table(&m->b);
  tb_ref(t, 0, tb_vec(&m->b, data, bytes, 1, 16));
  tb_push(m->buffers, t);
  return m->n_buffers++;
}

typedef struct tfl_b_quant {
  int n;             /* 0 = none */
  const float *scale;
  const int64_t *zp;
  int axis;
} tfl_b_quant;

/* type: TensorType; buffer 0 = activation. Returns the tensor index. */
static inline int tfl_b_tensor_q(tfl_builder *m, const char *name, int type, const int32_t *shape, int rank,
                                 int buffer, const tfl_b_quant *q) {
  tb_obj *t = tb_table(&m->b);
  tb_ref(t, 0, tb_vec_i32(&m->b, shape, (size_t)rank));
  tb_u8(t, 1, (uint8_t)type);
  tb_i32(t, 2, buffer);
  tb_ref(t, 3, tb_string(&m->b, name));
  if (q && q->n) {
    tb_obj *qt = tb_table(&m->b);
    tb_ref(qt, 2, tb_vec(&m->b, q->scale, (size_t)q->n, 4, 4));
    tb_ref(qt, 3, tb_vec(&m->b, q->zp, (size_t)q->n, 8, 8));
    tb_i32(qt, 6, q->axis);
    tb_ref(t, 4, qt);
  }
  tb_push(m->tensors, t);
  return m->n_tensors++;
}

static inline int tfl_b_tensor(tfl_builder *m, const char *name, int type, const int32_t *shape, int rank, int buffer) {
  return tfl_b_tensor_q(m, name, type, shape, rank, buffer, NULL);
}

/* A float32 constant tensor of the given shape. */
static inline int tfl_b_const_f32(tfl_builder *m, const char *name, const int32_t *shape, int rank, const float *v) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  return tfl_b_tensor(m, name, 0, shape, rank, tfl_b_buffer(m, v, n * 4));
}

static inline int tfl_b_const_i32(tfl_builder *m, const char *name, const int32_t *shape, int rank, const int32_t *v) {
  size_t n = 1;
  for (int i = 0; i < rank; i++) n *= (size_t)shape[i];
  return tfl_b_tensor(m, name, 2, shape, rank, tfl_b_buffer(m, v, n * 4));
}

/* New builtin-options table (fill with tb_* then pass to tfl_b_op). */
static inline tb_obj *tfl_b_opts(tfl_builder *m) { return tb_table(&m->b); }

/* An operator: builtin code (> 127 uses the schema-3a builtin_code field),
 * custom = custom_code for CUSTOM (code 32). opt_type 0 = no options. */
static inline int tfl_b_op_ex(tfl_builder *m, int32_t code, const char *custom, const int32_t *in, int nin,
                              const int32_t *out, int nout, int opt_type, tb_obj *opts) {
  int ci = -1;
  for (int i = 0; i < m->n_codes; i++)
    if (m->code_of[i] == code && !custom) ci = i;
  if (ci < 0) {
    tb_obj *c = tb_table(&m->b);
    tb_u8(c, 0, (uint8_t)(code < 127 ? code : 127));
    if (custom) tb_ref(c, 1, tb_string(&m->b, custom));
    tb_i32(c, 2, 1);
    tb_i32(c, 3, code);
    tb_push(m->codes, c);
    ci = m->n_codes;
    m->code_of[m->n_codes++] = custom ? -1000 : code;
  }
  tb_obj *o = tb_table(&m->b);
  tb_i32(o, 0, ci);
  tb_ref(o, 1, tb_vec_i32(&m->b, in, (size_t)nin));
  tb_ref(o, 2, tb_vec_i32(&m->b, out, (size_t)nout));
  if (opt_type) {
    tb_u8(o, 3, (uint8_t)opt_type);
    tb_ref(o, 4, opts ? opts : tb_table(&m->b));
  }
  tb_push(m->ops, o);
  return m->n_ops++;
}

static inline int tfl_b_op(tfl_builder *m, int32_t code, const int32_t *in, int nin, int32_t out, int opt_type,
                           tb_obj *opts) {
  return tfl_b_op_ex(m, code, NULL, in, nin, &out, 1, opt_type, opts);
}

static inline unsigned char *tfl_b_finish(tfl_builder *m, size_t *size) {
  tb_obj *sg = tb_table(&m->b);
  tb_ref(sg, 0, m->tensors);
  tb_ref(sg, 1, tb_vec_i32(&m->b, m->inputs, (size_t)m->n_in));
  tb_ref(sg, 2, tb_vec_i32(&m->b, m->outputs, (size_t)m->n_out));
  tb_ref(sg, 3, m->ops);
  tb_ref(sg, 4, tb_string(&m->b, "main"));
  tb_obj *sgs = tb_vec_ref(&m->b);
  tb_push(sgs, sg);
  tb_obj *model = tb_table(&m->b);
  tb_i32(model, 0, (int32_t)m->version);
  tb_ref(model, 1, m->codes);
  tb_ref(model, 2, sgs);
  tb_ref(model, 3, tb_string(&m->b, "edgenn test model"));
  tb_ref(model, 4, m->buffers);
  return tb_finish(model, "TFL3", size);
}

#endif
