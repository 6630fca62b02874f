/*
 * Bounds-checked FlatBuffers access (see fb.h for the layout and the
 * checks). All offsets are computed in uint64_t and compared with the
 * buffer size before any byte is read, so a hostile file can only make a
 * call fail with ENN_ERR_BAD_FORMAT.
 */
#include <stdio.h>

#include "import/tflite/fb.h"

static enn_status fb_bad(const enn_fb *b, const char *path, const char *field, uint64_t at, const char *fmt, ...)
    ENN_PRINTF(5, 6);
static enn_status fb_bad(const enn_fb *b, const char *path, const char *field, uint64_t at, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return enn_err(ENN_ERR_BAD_FORMAT, "%s: %s%s%s: %s (at byte %llu of %zu)", b->src ? b->src : "tflite", path,
                 field ? "." : "", field ? field : "", msg, (unsigned long long)at, b->n);
}

/* dst = a + sep + b, truncated to ENN_FB_PATH (paths are only for messages). */
static void path_join(char *dst, const char *a, const char *sep, const char *b) {
  size_t n = 0;
  const char *parts[3] = {a, sep, b};
  for (int i = 0; i < 3; i++)
    for (const char *p = parts[i]; p && *p && n + 1 < ENN_FB_PATH; p++) dst[n++] = *p;
  dst[n] = '\0';
}

static bool in_range(const enn_fb *b, uint64_t pos, uint64_t len) { return pos <= b->n && len <= b->n - pos; }

/* Opens the table whose soffset is at `pos`. */
static enn_status table_at(const enn_fb *b, uint64_t pos, int32_t depth, const char *path, enn_fb_table *out) {
  memset(out, 0, sizeof *out);
  path_join(out->path, path, NULL, NULL);
  if (depth > ENN_FB_MAX_DEPTH) return fb_bad(b, path, NULL, pos, "tables nested deeper than %d", ENN_FB_MAX_DEPTH);
  if (!in_range(b, pos, 4)) return fb_bad(b, path, NULL, pos, "table starts outside the file");
  int32_t so = (int32_t)enn_fb_ld32(b->p + pos);
  int64_t vt = (int64_t)pos - (int64_t)so;
  if (vt < 0 || !in_range(b, (uint64_t)vt, 4))
    return fb_bad(b, path, NULL, pos, "vtable offset %d points outside the file", so);
  uint16_t vl = enn_fb_ld16(b->p + vt), tl = enn_fb_ld16(b->p + vt + 2);
  if (vl < 4 || (vl & 1u)) return fb_bad(b, path, NULL, (uint64_t)vt, "vtable length %u is not an even number >= 4", vl);
  if (!in_range(b, (uint64_t)vt, vl)) return fb_bad(b, path, NULL, (uint64_t)vt, "vtable of %u bytes runs past the end", vl);
  if (tl < 4) return fb_bad(b, path, NULL, (uint64_t)vt, "table length %u is smaller than its 4-byte header", tl);
  if (!in_range(b, pos, tl)) return fb_bad(b, path, NULL, pos, "table of %u bytes runs past the end", tl);
  out->b = b;
  out->pos = (size_t)pos;
  out->vt = (size_t)vt;
  out->vt_len = vl;
  out->tbl_len = tl;
  out->depth = depth;
  return ENN_OK;
}

enn_status enn_fb_root(const enn_fb *b, const char *name, enn_fb_table *out) {
  if (b->n < 8) return fb_bad(b, name, NULL, 0, "file is %zu bytes, too small for a FlatBuffer header", b->n);
  uint32_t root = enn_fb_ld32(b->p);
  if (root < 8) return fb_bad(b, name, NULL, 0, "root offset %u points into the file header", root);
  return table_at(b, root, 0, name, out);
}

/* Offset of field `id` inside the table (0 = absent), checked to hold
 * `size` bytes inside the table body. */
static enn_status field_off(const enn_fb_table *t, int32_t id, const char *field, size_t size, uint16_t *off) {
  *off = 0;
  if (id < 0) return enn_err(ENN_ERR_INTERNAL, "flatbuffer field id %d", id);
  uint64_t slot = 4u + 2u * (uint64_t)id;
  if (slot + 2 > t->vt_len) return ENN_OK;
  uint16_t o = enn_fb_ld16(t->b->p + t->vt + slot);
  if (o == 0) return ENN_OK;
  if (o < 4 || (uint64_t)o + size > t->tbl_len)
    return fb_bad(t->b, t->path, field, t->pos, "field at table offset %u (%zu bytes) lies outside the %u-byte table", o,
                  size, t->tbl_len);
  *off = o;
  return ENN_OK;
}

enn_status enn_fb_scalar(const enn_fb_table *t, int32_t id, const char *field, size_t size, uint64_t *out,
                         bool *present) {
  uint16_t o;
  *present = false;
  enn_status st = field_off(t, id, field, size, &o);
  if (st || !o) return st;
  const uint8_t *p = t->b->p + t->pos + o;
  switch (size) {
  case 1: *out = p[0]; break;
  case 2: *out = enn_fb_ld16(p); break;
  case 4: *out = enn_fb_ld32(p); break;
  case 8: *out = enn_fb_ld64(p); break;
  default: return enn_err(ENN_ERR_INTERNAL, "flatbuffer scalar of %zu bytes", size);
  }
  *present = true;
  return ENN_OK;
}

enn_status enn_fb_u8(const enn_fb_table *t, int32_t id, const char *field, uint8_t def, uint8_t *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 1, &v, &has);
  *out = has ? (uint8_t)v : def;
  return st;
}

enn_status enn_fb_i8(const enn_fb_table *t, int32_t id, const char *field, int8_t def, int8_t *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 1, &v, &has);
  *out = has ? (int8_t)(uint8_t)v : def;
  return st;
}

enn_status enn_fb_i32(const enn_fb_table *t, int32_t id, const char *field, int32_t def, int32_t *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 4, &v, &has);
  *out = has ? (int32_t)(uint32_t)v : def;
  return st;
}

enn_status enn_fb_u32(const enn_fb_table *t, int32_t id, const char *field, uint32_t def, uint32_t *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 4, &v, &has);
  *out = has ? (uint32_t)v : def;
  return st;
}

enn_status enn_fb_u64(const enn_fb_table *t, int32_t id, const char *field, uint64_t def, uint64_t *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 8, &v, &has);
  *out = has ? v : def;
  return st;
}

enn_status enn_fb_f32(const enn_fb_table *t, int32_t id, const char *field, float def, float *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 4, &v, &has);
  if (has) {
    uint32_t u = (uint32_t)v;
    memcpy(out, &u, sizeof *out);
  } else {
    *out = def;
  }
  return st;
}

enn_status enn_fb_bool(const enn_fb_table *t, int32_t id, const char *field, bool def, bool *out) {
  uint64_t v = 0;
  bool has;
  enn_status st = enn_fb_scalar(t, id, field, 1, &v, &has);
  *out = has ? v != 0 : def;
  return st;
}

/* Follows the uoffset stored at absolute position `at` (already checked to
 * hold 4 bytes). */
static enn_status follow(const enn_fb *b, const char *path, const char *field, size_t at, uint64_t *target) {
  uint32_t u = enn_fb_ld32(b->p + at);
  if (u == 0) return fb_bad(b, path, field, at, "offset 0 would make the reference point at itself");
  uint64_t tg = (uint64_t)at + u;
  if (tg > b->n || b->n - tg < 4) return fb_bad(b, path, field, at, "offset %u points outside the file", u);
  *target = tg;
  return ENN_OK;
}

enn_status enn_fb_table_field(const enn_fb_table *t, int32_t id, const char *field, enn_fb_table *out,
                              bool *present) {
  uint16_t o;
  *present = false;
  enn_status st = field_off(t, id, field, 4, &o);
  if (st || !o) return st;
  uint64_t tg = 0;
  if ((st = follow(t->b, t->path, field, t->pos + o, &tg))) return st;
  char path[ENN_FB_PATH];
  path_join(path, t->path, ".", field);
  if ((st = table_at(t->b, tg, t->depth + 1, path, out))) return st;
  *present = true;
  return ENN_OK;
}

enn_status enn_fb_vec_field(const enn_fb_table *t, int32_t id, const char *field, size_t elem, enn_fb_vec *out,
                            bool *present) {
  uint16_t o;
  memset(out, 0, sizeof *out);
  out->b = t->b;
  out->elem = elem;
  out->depth = t->depth;
  path_join(out->path, t->path, ".", field);
  *present = false;
  enn_status st = field_off(t, id, field, 4, &o);
  if (st || !o) return st;
  uint64_t tg = 0;
  if ((st = follow(t->b, t->path, field, t->pos + o, &tg))) return st;
  uint32_t len = enn_fb_ld32(t->b->p + tg);
  uint64_t bytes = (uint64_t)len * (uint64_t)elem; /* < 2^32 * 8: no overflow */
  if (!in_range(t->b, tg + 4, bytes))
    return fb_bad(t->b, t->path, field, tg, "vector of %u elements of %zu bytes runs past the end", len, elem);
  out->pos = (size_t)(tg + 4);
  out->len = len;
  *present = true;
  return ENN_OK;
}

enn_status enn_fb_string_field(const enn_fb_table *t, int32_t id, const char *field, const char **s, uint32_t *len) {
  enn_fb_vec v;
  bool has;
  *s = NULL;
  *len = 0;
  enn_status st = enn_fb_vec_field(t, id, field, 1, &v, &has);
  if (st || !has) return st;
  if (!in_range(t->b, v.pos, (uint64_t)v.len + 1) || t->b->p[v.pos + v.len] != 0)
    return fb_bad(t->b, t->path, field, v.pos, "string of %u bytes has no terminating NUL", v.len);
  *s = (const char *)(t->b->p + v.pos);
  *len = v.len;
  return ENN_OK;
}

enn_status enn_fb_vec_table(const enn_fb_vec *v, uint32_t i, enn_fb_table *out) {
  char path[ENN_FB_PATH], idx[16];
  snprintf(idx, sizeof idx, "[%u]", i);
  path_join(path, v->path, idx, NULL);
  if (i >= v->len || v->elem != 4) return enn_err(ENN_ERR_INTERNAL, "%s: bad vector access", path);
  uint64_t tg = 0;
  enn_status st = follow(v->b, path, NULL, v->pos + (size_t)i * 4u, &tg);
  if (st) return st;
  return table_at(v->b, tg, v->depth + 1, path, out);
}
