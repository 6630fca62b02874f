/*
 * Protocol-buffers wire decoding (see pb.h). A field is a varint tag
 * (field number << 3 | wire type) followed by its payload; pb_next reads
 * one field and checks that the payload fits inside the current message.
 * Packed repeated scalars are a length-delimited run of varints or fixed
 * words; pb_count_packed and the pb_packed iterator walk such a run with the same
 * bounds checks.
 */
#include "import/onnx/pb.h"

#include <stdio.h>

void pb_init(pb_reader *r, const uint8_t *buf, size_t size, const char *what) {
  r->base = buf;
  r->p = buf;
  r->end = buf + size;
  r->depth = 0;
  r->what = what;
}

enn_status pb_error(const pb_reader *r, const pb_field *f, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f)
    return enn_err(ENN_ERR_BAD_FORMAT, "%s field %u at byte %zu: %s", r->what, f->num, f->offset, msg);
  return enn_err(ENN_ERR_BAD_FORMAT, "%s at byte %zu: %s", r->what, pb_offset(r), msg);
}

/* Reads a varint at *pp (< end); false when truncated or longer than 10 bytes. */
static bool read_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out) {
  const uint8_t *p = *pp;
  uint64_t v = 0;
  for (int i = 0; i < 10; i++) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    if (i == 9 && b > 1) return false; /* more than 64 bits */
    v |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *pp = p;
      *out = v;
      return true;
    }
  }
  return false;
}

static uint64_t load_le(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

enn_status pb_next(pb_reader *r, pb_field *f, bool *more) {
  *more = false;
  if (r->p >= r->end) return ENN_OK;
  f->offset = pb_offset(r);
  f->data = NULL;
  f->len = 0;
  f->u = 0;
  uint64_t tag;
  if (!read_varint(&r->p, r->end, &tag)) return pb_error(r, NULL, "truncated or overlong field tag");
  f->num = (uint32_t)(tag >> 3);
  f->wire = (uint32_t)(tag & 7);
  if ((tag >> 3) == 0 || (tag >> 3) > ((1u << 29) - 1))
    return enn_err(ENN_ERR_BAD_FORMAT, "%s at byte %zu: invalid field number %llu", r->what, f->offset,
                   (unsigned long long)(tag >> 3));
  const size_t left = (size_t)(r->end - r->p);
  switch (f->wire) {
  case PB_VARINT:
    if (!read_varint(&r->p, r->end, &f->u)) return pb_error(r, f, "truncated or overlong varint");
    break;
  case PB_I64:
    if (left < 8) return pb_error(r, f, "fixed64 needs 8 bytes, %zu left", left);
    f->u = load_le(r->p, 8);
    r->p += 8;
    break;
  case PB_I32:
    if (left < 4) return pb_error(r, f, "fixed32 needs 4 bytes, %zu left", left);
    f->u = load_le(r->p, 4);
    r->p += 4;
    break;
  case PB_LEN: {
    uint64_t n;
    if (!read_varint(&r->p, r->end, &n)) return pb_error(r, f, "truncated length");
    const size_t rem = (size_t)(r->end - r->p);
    if (n > rem) return pb_error(r, f, "length %llu runs past the end (%zu bytes left)", (unsigned long long)n, rem);
    f->data = r->p;
    f->len = (size_t)n;
    r->p += n;
    break;
  }
  default: return pb_error(r, f, "unsupported wire type %u (groups are not used by ONNX)", f->wire);
  }
  *more = true;
  return ENN_OK;
}

enn_status pb_sub(const pb_reader *r, const pb_field *f, const char *what, pb_reader *out) {
  if (f->wire != PB_LEN) return pb_error(r, f, "expected a length-delimited %s, got wire type %u", what, f->wire);
  if (r->depth + 1 > PB_MAX_DEPTH) return pb_error(r, f, "messages nested deeper than %d", PB_MAX_DEPTH);
  out->base = r->base;
  out->p = f->data;
  out->end = f->data + f->len;
  out->depth = r->depth + 1;
  out->what = what;
  return ENN_OK;
}

int64_t pb_count_packed(const pb_reader *r, const pb_field *f, uint32_t elem_wire) {
  if (f->wire == elem_wire) return 1;
  if (f->wire != PB_LEN) {
    pb_error(r, f, "repeated scalar with wire type %u (expected %u or packed)", f->wire, elem_wire);
    return -1;
  }
  if (elem_wire == PB_I32 || elem_wire == PB_I64) {
    const size_t w = elem_wire == PB_I32 ? 4 : 8;
    if (f->len % w) {
      pb_error(r, f, "packed run of %zu bytes is not a multiple of %zu", f->len, w);
      return -1;
    }
    return (int64_t)(f->len / w);
  }
  const uint8_t *p = f->data, *end = f->data + f->len;
  int64_t n = 0;
  while (p < end) {
    uint64_t v;
    if (!read_varint(&p, end, &v)) {
      pb_error(r, f, "truncated varint in a packed run");
      return -1;
    }
    n++;
  }
  return n;
}

void pb_packed_begin(const pb_field *f, uint32_t elem_wire, pb_packed *it) {
  it->elem_wire = elem_wire;
  it->single = f->wire != PB_LEN;
  it->done = false;
  it->value = f->u;
  it->p = f->data;
  it->end = f->data ? f->data + f->len : NULL;
}

int pb_packed_next(pb_packed *it, uint64_t *v) {
  if (it->single) {
    if (it->done) return 0;
    it->done = true;
    *v = it->value;
    return 1;
  }
  if (it->p >= it->end) return 0;
  if (it->elem_wire == PB_I32 || it->elem_wire == PB_I64) {
    const int w = it->elem_wire == PB_I32 ? 4 : 8;
    if (it->end - it->p < w) return -1;
    *v = load_le(it->p, w);
    it->p += w;
    return 1;
  }
  return read_varint(&it->p, it->end, v) ? 1 : -1;
}
