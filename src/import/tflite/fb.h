/*
 * A bounds-checked reader for FlatBuffers (the binary format .tflite files
 * use), written for untrusted input: every access goes through a function
 * that checks it against the buffer, so no read can leave the file.
 *
 * FlatBuffers layout, as far as this reader needs it (all little-endian):
 *   - The root uoffset (u32) at byte 0 points to the root table; bytes 4..7
 *     hold the file identifier ("TFL3").
 *   - A table starts with an soffset (i32): its vtable lives at
 *     table - soffset. A vtable is u16 vtable_len, u16 table_len, then one
 *     u16 per field: the field's offset inside the table, 0 = absent (the
 *     schema default applies). Fields past vtable_len are absent too.
 *   - Scalars are stored inline. References (tables, vectors, strings) are
 *     stored as a u32 uoffset relative to the field's own position and
 *     always point forward (so data cannot form a cycle through them; an
 *     offset of 0 would make a field refer to itself and is refused).
 *   - A vector is a u32 element count followed by the elements; a vector of
 *     tables holds one uoffset per element (relative to that element). A
 *     string is a vector of bytes followed by a NUL terminator.
 *   - A union is two fields: a u8 type (id k) and a table reference (id k+1).
 *
 * Checks (each failure is ENN_ERR_BAD_FORMAT with a message naming the
 * object path, the field and the byte offset): the vtable and the table
 * body inside the buffer, vtable length even and >= 4, each present field
 * inside the table body, every reference target and vector payload inside
 * the buffer (64-bit arithmetic, no overflow), strings terminated, table
 * nesting no deeper than ENN_FB_MAX_DEPTH.
 */
#ifndef ENN_IMPORT_TFLITE_FB_H
#define ENN_IMPORT_TFLITE_FB_H

#include <string.h>

#include "base/base.h"

#define ENN_FB_MAX_DEPTH 32
#define ENN_FB_PATH 160

typedef struct enn_fb {
  const uint8_t *p;
  size_t n;
  const char *src; /* file name for messages */
} enn_fb;

typedef struct enn_fb_table {
  const enn_fb *b;
  size_t pos;       /* the table (its soffset) */
  size_t vt;        /* its vtable */
  uint16_t vt_len, tbl_len;
  int32_t depth;
  char path[ENN_FB_PATH]; /* "Model.subgraphs[0].tensors[3]" */
} enn_fb_table;

typedef struct enn_fb_vec {
  const enn_fb *b;
  size_t pos;    /* first element */
  uint32_t len;  /* element count */
  size_t elem;   /* element size in bytes */
  int32_t depth; /* depth of the table holding the vector */
  char path[ENN_FB_PATH];
} enn_fb_vec;

/* Little-endian loads (no alignment needed). The caller guarantees range. */
static inline uint16_t enn_fb_ld16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t enn_fb_ld32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t enn_fb_ld64(const uint8_t *p) { return (uint64_t)enn_fb_ld32(p) | ((uint64_t)enn_fb_ld32(p + 4) << 32); }

/* The root table (named `name`, e.g. "Model"). Checks the buffer holds a
 * root offset; the identifier is the caller's business. */
enn_status enn_fb_root(const enn_fb *b, const char *name, enn_fb_table *out);

/* Scalar field `id` (size 1, 2, 4 or 8 bytes) copied into *out (raw
 * little-endian bits, zero-extended into a u64). *present = false (and *out
 * untouched) when the field is absent. */
enn_status enn_fb_scalar(const enn_fb_table *t, int32_t id, const char *field, size_t size, uint64_t *out,
                         bool *present);

/* Typed scalar helpers: the schema default when absent. */
enn_status enn_fb_u8(const enn_fb_table *t, int32_t id, const char *field, uint8_t def, uint8_t *out);
enn_status enn_fb_i8(const enn_fb_table *t, int32_t id, const char *field, int8_t def, int8_t *out);
enn_status enn_fb_i32(const enn_fb_table *t, int32_t id, const char *field, int32_t def, int32_t *out);
enn_status enn_fb_u32(const enn_fb_table *t, int32_t id, const char *field, uint32_t def, uint32_t *out);
enn_status enn_fb_u64(const enn_fb_table *t, int32_t id, const char *field, uint64_t def, uint64_t *out);
enn_status enn_fb_f32(const enn_fb_table *t, int32_t id, const char *field, float def, float *out);
enn_status enn_fb_bool(const enn_fb_table *t, int32_t id, const char *field, bool def, bool *out);

/* Sub-table field. *present = false when absent. */
enn_status enn_fb_table_field(const enn_fb_table *t, int32_t id, const char *field, enn_fb_table *out,
                              bool *present);
/* Vector field of elements of `elem` bytes (4 for a vector of tables or
 * strings). An absent vector reads as present = false, len 0. */
enn_status enn_fb_vec_field(const enn_fb_table *t, int32_t id, const char *field, size_t elem, enn_fb_vec *out,
                            bool *present);
/* String field: *s points into the buffer (NUL-terminated), *len bytes.
 * Absent: *s = NULL, *len = 0. */
enn_status enn_fb_string_field(const enn_fb_table *t, int32_t id, const char *field, const char **s, uint32_t *len);

/* Element i (< v->len) of a vector of tables. */
enn_status enn_fb_vec_table(const enn_fb_vec *v, uint32_t i, enn_fb_table *out);
/* Element i of a scalar vector (the vector's elem must equal the width). */
static inline int32_t enn_fb_vec_i32(const enn_fb_vec *v, uint32_t i) {
  return (int32_t)enn_fb_ld32(v->b->p + v->pos + (size_t)i * 4u);
}
static inline int64_t enn_fb_vec_i64(const enn_fb_vec *v, uint32_t i) {
  return (int64_t)enn_fb_ld64(v->b->p + v->pos + (size_t)i * 8u);
}
static inline float enn_fb_vec_f32(const enn_fb_vec *v, uint32_t i) {
  uint32_t u = enn_fb_ld32(v->b->p + v->pos + (size_t)i * 4u);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

#endif
