/*
 * A bounded protocol-buffers wire-format decoder (no schema, no code
 * generation): the ONNX reader walks messages field by field with it.
 *
 * Wire types: 0 varint (at most 10 bytes), 1 fixed64, 2 length-delimited,
 * 5 fixed32. Groups (3, 4) and unknown wire types are malformed. Every
 * length is checked against the bytes that remain in the enclosing message
 * before it is used, so a reader never looks outside [begin, end). Field
 * numbers must be in 1..2^29-1.
 *
 * Nesting: a reader is created on the payload of a length-delimited field
 * with pb_sub(), which counts depth; pb_sub fails past PB_MAX_DEPTH, so no
 * input can drive unbounded recursion in a caller.
 *
 * Errors are ENN_ERR_BAD_FORMAT with a message naming the byte offset in the
 * whole buffer and what was being read.
 */
#ifndef ENN_IMPORT_ONNX_PB_H
#define ENN_IMPORT_ONNX_PB_H

#include "base/base.h"

#define PB_MAX_DEPTH 32

enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

typedef struct pb_reader {
  const uint8_t *base; /* start of the whole buffer (for offsets in messages) */
  const uint8_t *p, *end;
  int32_t depth;
  const char *what; /* message being read, for errors ("TensorProto") */
} pb_reader;

typedef struct pb_field {
  uint32_t num;
  uint32_t wire;
  uint64_t u;          /* varint / fixed32 / fixed64 payload */
  const uint8_t *data; /* length-delimited payload */
  size_t len;
  size_t offset;       /* offset of the field's tag in the buffer */
} pb_field;

/* A reader over buf[0..size). */
void pb_init(pb_reader *r, const uint8_t *buf, size_t size, const char *what);
/* A reader over the payload of length-delimited field f of r (depth + 1). */
enn_status pb_sub(const pb_reader *r, const pb_field *f, const char *what, pb_reader *out);
/* Reads the next field. *more = false (and ENN_OK) at the end of the message. */
enn_status pb_next(pb_reader *r, pb_field *f, bool *more);

/* Offset of the reader's cursor in the whole buffer. */
static inline size_t pb_offset(const pb_reader *r) { return (size_t)(r->p - r->base); }

/* Elements of a repeated scalar field f: a packed field (wire PB_LEN) holds
 * several, an unpacked one (wire = elem_wire) exactly one. elem_wire is
 * PB_VARINT, PB_I32 or PB_I64. Returns the count, or -1 (and an error) when
 * the field has another wire type or a packed payload is malformed. */
int64_t pb_count_packed(const pb_reader *r, const pb_field *f, uint32_t elem_wire);
/* Iterates the elements of repeated scalar field f (packed or not) as
 * uint64 payloads (varints raw, fixed32 zero-extended, fixed64 raw). Call
 * pb_count_packed first: the iterator trusts the wire type. */
typedef struct pb_packed {
  const uint8_t *p, *end;
  uint32_t elem_wire;
  bool single, done;
  uint64_t value;
} pb_packed;
void pb_packed_begin(const pb_field *f, uint32_t elem_wire, pb_packed *it);
/* 1 = *v holds the next element, 0 = no more, -1 = malformed. */
int pb_packed_next(pb_packed *it, uint64_t *v);

/* Error at the given field: "<what> field <num> at byte <off>: <msg>". */
enn_status pb_error(const pb_reader *r, const pb_field *f, const char *fmt, ...) ENN_PRINTF(3, 4);

static inline float pb_u32_to_float(uint64_t u) {
  union {
    uint32_t u;
    float f;
  } c;
  c.u = (uint32_t)u;
  return c.f;
}
static inline double pb_u64_to_double(uint64_t u) {
  union {
    uint64_t u;
    double d;
  } c;
  c.u = u;
  return c.d;
}

#endif
