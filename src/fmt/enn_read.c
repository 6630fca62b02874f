/*
 * .enn reader: the untrusted-input boundary for native model files.
 *
 * Algorithm (docs/format.md is the byte-level spec):
 *   1. Header: size, magic, version, declared file size, the directory
 *      size; then the CRC-32 over everything but the checksum field.
 *   2. Directory: every section inside the file, aligned, not overlapping
 *      the header or another section; each known id at most once.
 *   3. Tables are decoded into a temporary array (tensors: the 1.x fixed
 *      104-byte records or the 2.x variable ones, by the header's major
 *      version) and a list of record offsets (nodes), checking every
 *      field: string references,
 *      dtypes, ranks, dims (overflow-checked element counts), quantisation
 *      arrays, constant data ranges (inside WEIGHTS, 64-byte aligned, not
 *      overlapping), tensor ids, op names, attribute records. Each
 *      activation must be the output of exactly one node.
 *   4. The graph is rebuilt through the public builder (add_input /
 *      add_constant / add_node / add_output) walking the tensor table in
 *      file order, so a graph that was built in order gets the same ids
 *      back; every node's outputs are re-inferred and must equal the
 *      descriptors stored in the file. A node that reads an activation of a
 *      later (or its own) node is refused: that is how cycles are caught.
 *   5. enn_graph_verify on the result.
 * Constants are borrowed (ENN_CONST_BORROW) from the mapping / caller's
 * buffer, or from one 64-byte-aligned copy of the WEIGHTS section when the
 * caller's buffer is not 64-byte aligned. Every failure is
 * ENN_ERR_BAD_FORMAT (ENN_ERR_UNSUPPORTED for a newer version, an unknown
 * op or an unknown critical section / attribute) with a message naming
 * the file, the record, the field and its offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt/fmt.h"
#include "ir/ir.h"

enn_status enn_op_arity(enn_op op, int32_t *min_in, int32_t *max_in, int32_t *min_out, int32_t *max_out);

typedef struct sec {
  uint64_t off, size;
  bool present;
} sec;

typedef struct ftensor {
  size_t rec;            /* file offset of the record (for messages) */
  size_t data_field;     /* file offset of its data offset / block field (messages) */
  const char *name;
  enn_tensor_desc desc;  /* quant arrays left NULL; count / axis set */
  uint8_t kind;
  uint32_t flags;
  uint64_t qoff;         /* file offset of the scales (zero points follow) */
  uint64_t data_off, data_size;
  int32_t producer;      /* node index, -1 = none yet */
  int32_t input_pos;     /* index in the graph inputs, -1 = not an input */
  int32_t id;            /* builder id, -1 = not added yet */
} ftensor;

typedef struct fnode {
  size_t rec;
  enn_op op;
  const char *name;
  uint32_t n_in, n_out;
  size_t in_off, out_off; /* file offsets of the id arrays */
} fnode;

typedef struct reader {
  const uint8_t *p;
  size_t n;
  const char *src;
  const enn_allocator *a;
  uint32_t major; /* format major version of the file */
  sec s[ENN_FMT_SEC_LAST_KNOWN + 1];
  ftensor *t;
  int32_t nt;
  size_t *node_off;
  int32_t nn;
  uint32_t n_gin, n_gout;
  size_t gin_off, gout_off;
  enn_graph *g;
  const uint8_t *wbase; /* bytes of the WEIGHTS section (borrowed or copied) */
  uint32_t inputs_added;
  int32_t next_node;
} reader;

static const char *const sec_names[ENN_FMT_SEC_LAST_KNOWN + 1] = {"?",     "STRINGS", "TENSORS", "QUANT",
                                                                  "NODES", "GRAPH",   "META",    "WEIGHTS"};

/* Storage for zero-byte constants (add_constant wants a non-NULL pointer). */
static const uint64_t zero_dummy[8];

static enn_status ferr(const reader *r, enn_status st, size_t off, const char *fmt, ...) ENN_PRINTF(4, 5);
static enn_status ferr(const reader *r, enn_status st, size_t off, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return enn_err(st, "%s: %s (at file offset %zu)", r->src, msg, off);
}

/* Wraps an error from the builder: keeps its message, names the file and
 * record, and maps it to BAD_FORMAT unless it is memory / unsupported. */
static enn_status wrap(const reader *r, enn_status st, size_t off, const char *what) {
  enn_status out = (st == ENN_ERR_NO_MEMORY || st == ENN_ERR_UNSUPPORTED) ? st : ENN_ERR_BAD_FORMAT;
  return enn_err_prefix(out, "%s: %s (at file offset %zu)", r->src, what, off);
}

static bool is_finite_nonneg(float f) { return isfinite(f) && f >= 0.0f; }

static float rd_f32(const uint8_t *p) {
  uint32_t u = enn_rd_u32(p);
  float f;
  memcpy(&f, &u, 4);
  return f;
}

static enn_status get_str(const reader *r, uint32_t ref, size_t field, const char *what, const char **out) {
  const sec *s = &r->s[ENN_FMT_SEC_STRINGS];
  if ((uint64_t)ref >= s->size)
    return ferr(r, ENN_ERR_BAD_FORMAT, field, "%s: string offset %u is outside the %llu-byte string table", what, ref,
                (unsigned long long)s->size);
  *out = (const char *)(r->p + s->off + ref); /* the table ends with NUL (checked) */
  return ENN_OK;
}

/* -------------------------------------------------------------- header */
static enn_status parse_header(reader *r) {
  const uint8_t *p = r->p;
  if (r->n < ENN_FMT_HEADER_FIXED)
    return ferr(r, ENN_ERR_BAD_FORMAT, 0, "file is %zu bytes, smaller than the %u-byte header (truncated?)", r->n,
                ENN_FMT_HEADER_FIXED);
  if (memcmp(p, ENN_FMT_MAGIC, 4) != 0)
    return ferr(r, ENN_ERR_BAD_FORMAT, 0, "bad magic: expected 45 4e 4e 46 (\"ENNF\"), found %02x %02x %02x %02x",
                p[0], p[1], p[2], p[3]);
  uint16_t major = enn_rd_u16(p + 4), minor = enn_rd_u16(p + 6);
  if (major > ENN_FMT_VERSION_MAJOR)
    return ferr(r, ENN_ERR_UNSUPPORTED, 4, "format version %u.%u is newer than this reader (%u.x); upgrade edgenn",
                major, minor, ENN_FMT_VERSION_MAJOR);
  if (major < ENN_FMT_VERSION_MAJOR_MIN)
    return ferr(r, ENN_ERR_BAD_FORMAT, 4, "format version %u.%u: expected major version %u..%u", major, minor,
                ENN_FMT_VERSION_MAJOR_MIN, ENN_FMT_VERSION_MAJOR);
  r->major = major;
  uint64_t fsize = enn_rd_u64(p + 16);
  if (fsize != (uint64_t)r->n)
    return ferr(r, ENN_ERR_BAD_FORMAT, 16, "header file_size is %llu but the file has %zu bytes (%s)",
                (unsigned long long)fsize, r->n, fsize > (uint64_t)r->n ? "truncated" : "trailing data");
  uint32_t hsize = enn_rd_u32(p + 24), nsec = enn_rd_u32(p + 28);
  if (nsec > ENN_FMT_MAX_SECTIONS)
    return ferr(r, ENN_ERR_BAD_FORMAT, 28, "section_count %u: expected at most %u", nsec, ENN_FMT_MAX_SECTIONS);
  if (hsize != ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * nsec)
    return ferr(r, ENN_ERR_BAD_FORMAT, 24, "header_size %u: expected %u for %u sections", hsize,
                ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * nsec, nsec);
  if ((uint64_t)hsize > (uint64_t)r->n)
    return ferr(r, ENN_ERR_BAD_FORMAT, 24, "header_size %u is larger than the %zu-byte file", hsize, r->n);
  uint32_t stored = enn_rd_u32(p + ENN_FMT_CRC_OFFSET), crc = enn_fmt_file_crc(p, r->n);
  if (stored != crc)
    return ferr(r, ENN_ERR_BAD_FORMAT, ENN_FMT_CRC_OFFSET,
                "checksum mismatch: stored CRC-32 0x%08x, computed 0x%08x (file corrupted)", stored, crc);
  uint32_t flags = enn_rd_u32(p + 12);
  if (flags)
    return ferr(r, ENN_ERR_UNSUPPORTED, 12, "header flags 0x%08x: this reader knows none (expected 0)", flags);

  /* directory */
  uint64_t offs[ENN_FMT_MAX_SECTIONS], ends[ENN_FMT_MAX_SECTIONS];
  uint32_t ids[ENN_FMT_MAX_SECTIONS];
  for (uint32_t i = 0; i < nsec; i++) {
    size_t e = ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * (size_t)i;
    uint32_t id = enn_rd_u32(p + e), sflags = enn_rd_u32(p + e + 4);
    uint64_t off = enn_rd_u64(p + e + 8), size = enn_rd_u64(p + e + 16), end;
    if (sflags & ~ENN_FMT_SECTION_CRITICAL)
      return ferr(r, ENN_ERR_BAD_FORMAT, e + 4, "section %u (id %u): flags 0x%08x: only bit 0 is defined", i, id,
                  sflags);
    uint64_t align = id == ENN_FMT_SEC_WEIGHTS ? ENN_FMT_WEIGHT_ALIGN : ENN_FMT_SECTION_ALIGN;
    if (__builtin_add_overflow(off, size, &end) || off < hsize || end > (uint64_t)r->n)
      return ferr(r, ENN_ERR_BAD_FORMAT, e + 8,
                  "section %u (id %u): bytes [%llu, +%llu) are outside the data area [%u, %zu)", i, id,
                  (unsigned long long)off, (unsigned long long)size, hsize, r->n);
    if (off % align)
      return ferr(r, ENN_ERR_BAD_FORMAT, e + 8, "section %u (id %u): offset %llu is not a multiple of %llu", i, id,
                  (unsigned long long)off, (unsigned long long)align);
    offs[i] = off;
    ends[i] = end;
    ids[i] = id;
    if (id >= 1 && id <= ENN_FMT_SEC_LAST_KNOWN) {
      if (r->s[id].present)
        return ferr(r, ENN_ERR_BAD_FORMAT, e, "section %s appears twice in the directory", sec_names[id]);
      r->s[id].present = true;
      r->s[id].off = off;
      r->s[id].size = size;
    } else if (sflags & ENN_FMT_SECTION_CRITICAL) {
      return ferr(r, ENN_ERR_UNSUPPORTED, e,
                  "section id %u is unknown to this reader and marked critical (written by a newer edgenn?)", id);
    }
  }
  /* no two sections overlap (n <= 64: compare all pairs) */
  for (uint32_t i = 0; i < nsec; i++)
    for (uint32_t j = i + 1; j < nsec; j++)
      if (offs[i] < ends[j] && offs[j] < ends[i])
        return ferr(r, ENN_ERR_BAD_FORMAT, ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * (size_t)j + 8,
                    "section %u (id %u) [%llu, %llu) overlaps section %u (id %u) [%llu, %llu)", j, ids[j],
                    (unsigned long long)offs[j], (unsigned long long)ends[j], i, ids[i], (unsigned long long)offs[i],
                    (unsigned long long)ends[i]);
  static const int required[] = {ENN_FMT_SEC_STRINGS, ENN_FMT_SEC_TENSORS, ENN_FMT_SEC_NODES, ENN_FMT_SEC_GRAPH};
  for (size_t i = 0; i < ENN_ARRAY_LEN(required); i++)
    if (!r->s[required[i]].present)
      return ferr(r, ENN_ERR_BAD_FORMAT, 28, "required section %s is missing from the directory",
                  sec_names[required[i]]);
  const sec *st = &r->s[ENN_FMT_SEC_STRINGS];
  if (st->size == 0 || p[st->off + st->size - 1] != 0)
    return ferr(r, ENN_ERR_BAD_FORMAT, (size_t)(st->off + (st->size ? st->size - 1 : 0)),
                "string table must end with a NUL byte (string not terminated)");
  return ENN_OK;
}

/* ------------------------------------------------------------- tensors */
static const char *kind_name(uint8_t k) { return k == 0 ? "activation" : k == 1 ? "input" : "constant"; }

/* Quantisation fields of tensor i (t->desc dims set): quant_axis,
 * quant_count, quant_offset at file offsets f, f + 4, f + 8. */
static enn_status check_quant(const reader *r, int32_t i, ftensor *t, const int64_t *dims, int32_t qaxis,
                              uint32_t qcount, uint32_t qrel, size_t f) {
  const int32_t rank = t->desc.rank;
  if (qcount == 0) {
    if (qaxis != -1 || qrel != 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, f,
                  "tensor %d ('%s'): not quantised (count 0) but quant_axis %d / quant_offset %u, expected -1 / 0", i,
                  t->name, qaxis, qrel);
    return ENN_OK;
  }
  int64_t need = 1;
  if (qaxis < -1 || qaxis >= rank)
    return ferr(r, ENN_ERR_BAD_FORMAT, f, "tensor %d ('%s'): quant_axis %d, expected -1..%d", i, t->name, qaxis,
                (int)rank - 1);
  if (qaxis >= 0) need = dims[qaxis];
  if ((int64_t)qcount != need)
    return ferr(r, ENN_ERR_BAD_FORMAT, f + 4, "tensor %d ('%s'): quant_count %u, expected %lld", i, t->name, qcount,
                (long long)need);
  const sec *q = &r->s[ENN_FMT_SEC_QUANT];
  uint64_t bytes = (uint64_t)qcount * 8u;
  if (qrel % 4)
    return ferr(r, ENN_ERR_BAD_FORMAT, f + 8, "tensor %d ('%s'): quant_offset %u is not 4-aligned", i, t->name, qrel);
  if (!q->present || (uint64_t)qrel > q->size || bytes > q->size - qrel)
    return ferr(r, ENN_ERR_BAD_FORMAT, f + 8,
                "tensor %d ('%s'): quantisation arrays [%u, +%llu) are outside the %llu-byte QUANT section", i,
                t->name, qrel, (unsigned long long)bytes, q->present ? (unsigned long long)q->size : 0ull);
  t->qoff = q->off + qrel;
  for (uint32_t k = 0; k < qcount; k++) {
    float sc = rd_f32(r->p + t->qoff + 4 * (uint64_t)k);
    if (!is_finite_nonneg(sc))
      return ferr(r, ENN_ERR_BAD_FORMAT, (size_t)(t->qoff + 4 * (uint64_t)k),
                  "tensor %d ('%s'): quantisation scale %u is %g, expected finite and >= 0", i, t->name, k,
                  (double)sc);
  }
  t->desc.quant.axis = qaxis;
  t->desc.quant.count = qcount;
  return ENN_OK;
}

/* dtype / kind / rank of tensor i's record at rec (the same bytes 4..6 in
 * both layouts). */
static enn_status check_type(const reader *r, int32_t i, const ftensor *t, size_t rec) {
  const uint8_t *p = r->p + rec;
  uint8_t dtype = p[4], kind = p[5], rank = p[6];
  if (dtype < 1 || dtype > 6)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 4, "tensor %d ('%s'): dtype code %u, expected 1..6", i, t->name, dtype);
  if (kind > 2)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 5, "tensor %d ('%s'): kind %u, expected 0 (activation), 1 (input) or 2 "
                "(constant)", i, t->name, kind);
  if (rank > ENN_MAX_RANK)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 6, "tensor %d ('%s'): rank %u, expected 0..%d", i, t->name, rank,
                ENN_MAX_RANK);
  return ENN_OK;
}

/* One dimension (at file offset f): >= 0, the running element count
 * *numel within 2^40. */
static enn_status check_dim(const reader *r, int32_t i, const ftensor *t, int d, int64_t v, size_t f,
                            int64_t *numel) {
  if (v < 0)
    return ferr(r, ENN_ERR_BAD_FORMAT, f, "tensor %d ('%s'): dims[%d] = %lld, expected >= 0", i, t->name, d,
                (long long)v);
  if (!enn_mul_i64(*numel, v, numel) || *numel > ENN_FMT_MAX_NUMEL)
    return ferr(r, ENN_ERR_BAD_FORMAT, f, "tensor %d ('%s'): dims[%d] = %lld makes the element count exceed 2^40", i,
                t->name, d, (long long)v);
  return ENN_OK;
}

/* A constant's data [t->data_off, + bytes) (field at file offset f): inside
 * WEIGHTS and 64-byte aligned. */
static enn_status check_data_range(const reader *r, int32_t i, const ftensor *t, uint64_t bytes, size_t f) {
  const sec *w = &r->s[ENN_FMT_SEC_WEIGHTS];
  if (!w->present || t->data_off < w->off || t->data_off - w->off > w->size || bytes > w->size - (t->data_off - w->off))
    return ferr(r, ENN_ERR_BAD_FORMAT, f,
                "tensor %d ('%s'): data [%llu, +%llu) is outside the WEIGHTS section [%llu, +%llu)", i, t->name,
                (unsigned long long)t->data_off, (unsigned long long)bytes, (unsigned long long)w->off,
                (unsigned long long)w->size);
  if (t->data_off % ENN_FMT_WEIGHT_ALIGN)
    return ferr(r, ENN_ERR_BAD_FORMAT, f, "tensor %d ('%s'): data_offset %llu is not 64-byte aligned", i, t->name,
                (unsigned long long)t->data_off);
  return ENN_OK;
}

/* 1.x: the fixed record at rec. */
static enn_status parse_tensor(reader *r, int32_t i, size_t rec) {
  const uint8_t *p = r->p + rec;
  ftensor *t = &r->t[i];
  memset(t, 0, sizeof *t);
  t->rec = rec;
  t->producer = -1;
  t->input_pos = -1;
  t->id = -1;
  enn_status st;
  char what[64];
  snprintf(what, sizeof what, "tensor %d name", i);
  if ((st = get_str(r, enn_rd_u32(p), rec, what, &t->name))) return st;
  uint8_t dtype = p[4], kind = p[5], rank = p[6];
  if ((st = check_type(r, i, t, rec))) return st;
  t->data_field = rec + 88;
  if (p[7])
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 7, "tensor %d ('%s'): reserved byte is %u, expected 0", i, t->name, p[7]);
  t->kind = kind;
  t->flags = enn_rd_u32(p + 8);
  uint32_t allowed = kind == ENN_TK_CONST ? ENN_FMT_TENSOR_FLAGS_KNOWN : 0u;
  if (t->flags & ~allowed)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 8, "tensor %d ('%s'): flags 0x%x not allowed on %s %s tensor", i,
                t->name, t->flags, kind == ENN_TK_CONST ? "a" : "an", kind_name(kind));
  int64_t dims[ENN_MAX_RANK], numel = 1;
  for (int d = 0; d < ENN_MAX_RANK; d++) {
    dims[d] = (int64_t)enn_rd_u64(p + 24 + 8 * d);
    if (d >= rank) {
      if (dims[d] != 0)
        return ferr(r, ENN_ERR_BAD_FORMAT, rec + 24 + 8 * (size_t)d,
                    "tensor %d ('%s'): dims[%d] = %lld beyond rank %u, expected 0", i, t->name, d, (long long)dims[d],
                    rank);
      continue;
    }
    if ((st = check_dim(r, i, t, d, dims[d], rec + 24 + 8 * (size_t)d, &numel))) return st;
  }
  enn_tensor_desc_init(&t->desc, (enn_dtype)dtype, rank, dims);
  /* quantisation */
  if ((st = check_quant(r, i, t, dims, (int32_t)enn_rd_u32(p + 12), enn_rd_u32(p + 16), enn_rd_u32(p + 20), rec + 12)))
    return st;
  /* data */
  t->data_off = enn_rd_u64(p + 88);
  t->data_size = enn_rd_u64(p + 96);
  if (kind != ENN_TK_CONST) {
    if (t->data_off || t->data_size)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + 88, "tensor %d ('%s'): an %s tensor has data (offset %llu, size %llu)",
                  i, t->name, kind_name(kind), (unsigned long long)t->data_off,
                  (unsigned long long)t->data_size);
    return ENN_OK;
  }
  uint64_t bytes = (uint64_t)numel * enn_dtype_size((enn_dtype)dtype);
  if (t->data_size != bytes)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 96, "tensor %d ('%s'): data_size %llu, expected %llu (%lld x %s)", i,
                t->name, (unsigned long long)t->data_size, (unsigned long long)bytes, (long long)numel,
                enn_dtype_name((enn_dtype)dtype));
  if (bytes == 0) {
    if (t->data_off)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + 88, "tensor %d ('%s'): empty constant has data_offset %llu, expected 0",
                  i, t->name, (unsigned long long)t->data_off);
    return ENN_OK;
  }
  return check_data_range(r, i, t, bytes, rec + 88);
}

/* 2.x: the variable record at rec, which must end by `end`; *size: its
 * bytes. */
static enn_status parse_tensor_v2(reader *r, int32_t i, size_t rec, size_t end, size_t *size) {
  const uint8_t *p = r->p + rec;
  ftensor *t = &r->t[i];
  memset(t, 0, sizeof *t);
  t->rec = rec;
  t->producer = -1;
  t->input_pos = -1;
  t->id = -1;
  enn_status st;
  if (end - rec < ENN_FMT_T2_FIXED)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec, "tensor %d: record runs past the end of the TENSORS section", i);
  char what[64];
  snprintf(what, sizeof what, "tensor %d name", i);
  if ((st = get_str(r, enn_rd_u32(p), rec, what, &t->name))) return st;
  if ((st = check_type(r, i, t, rec))) return st;
  const uint8_t dtype = p[4], kind = p[5], rank = p[6], flags = p[7];
  t->kind = kind;
  if (flags & ~ENN_FMT_T2_FLAGS_KNOWN)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 7, "tensor %d ('%s'): flags 0x%x, expected only bits 0x%x", i, t->name,
                flags, ENN_FMT_T2_FLAGS_KNOWN);
  if ((flags & ENN_FMT_T2_BUFFER) && kind != ENN_TK_CONST)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 7, "tensor %d ('%s'): flags 0x%x: BUFFER not allowed on an %s tensor", i,
                t->name, flags, kind_name(kind));
  t->flags = (flags & ENN_FMT_T2_BUFFER) ? (uint32_t)ENN_CONST_BUFFER : 0u;
  const size_t dsz = (flags & ENN_FMT_T2_DIMS64) ? 8 : 4;
  size_t need = ENN_FMT_T2_FIXED + dsz * rank + ((flags & ENN_FMT_T2_QUANT) ? 12 : 0);
  if (need > end - rec)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec, "tensor %d ('%s'): its %zu-byte record runs past the end of the TENSORS "
                "section", i, t->name, need);
  int64_t dims[ENN_MAX_RANK] = {0}, numel = 1;
  size_t f = rec + ENN_FMT_T2_FIXED;
  for (int d = 0; d < rank; d++, f += dsz) {
    dims[d] = dsz == 8 ? (int64_t)enn_rd_u64(r->p + f) : (int64_t)enn_rd_u32(r->p + f);
    if ((st = check_dim(r, i, t, d, dims[d], f, &numel))) return st;
  }
  enn_tensor_desc_init(&t->desc, (enn_dtype)dtype, rank, dims);
  if (flags & ENN_FMT_T2_QUANT) {
    const uint32_t qcount = enn_rd_u32(r->p + f + 4);
    if (qcount == 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, f + 4, "tensor %d ('%s'): QUANT flag set but quant_count is 0", i, t->name);
    if ((st = check_quant(r, i, t, dims, (int32_t)enn_rd_u32(r->p + f), qcount, enn_rd_u32(r->p + f + 8), f)))
      return st;
    f += 12;
  }
  const uint64_t bytes = (uint64_t)numel * enn_dtype_size((enn_dtype)dtype);
  if (kind == ENN_TK_CONST && bytes > 0) {
    if (end - f < 4)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "tensor %d ('%s'): the constant's data_block runs past the end of the "
                  "TENSORS section", i, t->name);
    const sec *w = &r->s[ENN_FMT_SEC_WEIGHTS];
    t->data_field = f;
    /* w->off < the file size and the block < 2^32: no overflow */
    t->data_off = w->off + (uint64_t)enn_rd_u32(r->p + f) * ENN_FMT_WEIGHT_ALIGN;
    t->data_size = bytes;
    if ((st = check_data_range(r, i, t, bytes, f))) return st;
    f += 4;
  }
  *size = f - rec;
  return ENN_OK;
}

typedef struct span {
  uint64_t off, end;
  int32_t idx;
} span;

static int span_cmp(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off ? 1 : 0;
}

static enn_status check_data_overlap(reader *r);

/* 2.x TENSORS: u32 count, u32 reserved, variable records filling the rest. */
static enn_status parse_tensors_v2(reader *r, uint32_t count, uint32_t reserved) {
  const sec *s = &r->s[ENN_FMT_SEC_TENSORS];
  size_t base = (size_t)s->off, end = (size_t)(s->off + s->size);
  if (reserved) return ferr(r, ENN_ERR_BAD_FORMAT, base + 4, "TENSORS reserved field is %u, expected 0", reserved);
  if (count > ENN_FMT_MAX_TENSORS || (uint64_t)count * ENN_FMT_T2_FIXED > s->size - 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "tensor count %u cannot fit in the %llu-byte TENSORS section", count,
                (unsigned long long)s->size);
  r->nt = (int32_t)count;
  r->t = enn_alloc(r->a, ((size_t)count + 1) * sizeof(ftensor));
  if (!r->t) return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory for %u tensors", r->src, count);
  enn_status st;
  size_t off = base + 8;
  for (int32_t i = 0; i < r->nt; i++) {
    size_t n = 0;
    if ((st = parse_tensor_v2(r, i, off, end, &n))) return st;
    off += n;
  }
  if (off != end)
    return ferr(r, ENN_ERR_BAD_FORMAT, off, "TENSORS section has %zu bytes after its %d records", end - off, r->nt);
  return check_data_overlap(r);
}

static enn_status parse_tensors(reader *r) {
  const sec *s = &r->s[ENN_FMT_SEC_TENSORS];
  size_t base = (size_t)s->off;
  if (s->size < 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "TENSORS section is %llu bytes, expected at least 8",
                (unsigned long long)s->size);
  uint32_t count = enn_rd_u32(r->p + base), rsize = enn_rd_u32(r->p + base + 4);
  if (r->major >= 2) return parse_tensors_v2(r, count, rsize);
  if (rsize < ENN_FMT_TENSOR_RECORD || rsize % 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base + 4, "tensor record_size %u, expected a multiple of 8 >= %u", rsize,
                ENN_FMT_TENSOR_RECORD);
  if (count > ENN_FMT_MAX_TENSORS || 8u + (uint64_t)count * rsize != s->size)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "tensor count %u x %u bytes does not fill the %llu-byte TENSORS section",
                count, rsize, (unsigned long long)s->size);
  r->nt = (int32_t)count;
  r->t = enn_alloc(r->a, ((size_t)count + 1) * sizeof(ftensor));
  if (!r->t) return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory for %u tensors", r->src, count);
  enn_status st;
  for (int32_t i = 0; i < r->nt; i++)
    if ((st = parse_tensor(r, i, base + 8 + (size_t)i * rsize))) return st;
  return check_data_overlap(r);
}

/* Constant data ranges must not overlap. */
static enn_status check_data_overlap(reader *r) {
  enn_status st;
  size_t nconst = 0;
  for (int32_t i = 0; i < r->nt; i++) nconst += r->t[i].data_size > 0;
  span *sp = enn_alloc(r->a, (nconst + 1) * sizeof(span));
  if (!sp) return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory", r->src);
  size_t k = 0;
  for (int32_t i = 0; i < r->nt; i++)
    if (r->t[i].data_size > 0) sp[k++] = (span){r->t[i].data_off, r->t[i].data_off + r->t[i].data_size, i};
  qsort(sp, nconst, sizeof(span), span_cmp);
  st = ENN_OK;
  for (size_t j = 1; j < nconst && !st; j++)
    if (sp[j].off < sp[j - 1].end)
      st = ferr(r, ENN_ERR_BAD_FORMAT, r->t[sp[j].idx].data_field,
                "tensor %d ('%s'): data [%llu, %llu) overlaps tensor %d ('%s') [%llu, %llu)", sp[j].idx,
                r->t[sp[j].idx].name, (unsigned long long)sp[j].off, (unsigned long long)sp[j].end, sp[j - 1].idx,
                r->t[sp[j - 1].idx].name, (unsigned long long)sp[j - 1].off, (unsigned long long)sp[j - 1].end);
  enn_free(r->a, sp);
  return st;
}

/* --------------------------------------------------------------- graph */
static enn_status parse_graph_io(reader *r) {
  const sec *s = &r->s[ENN_FMT_SEC_GRAPH];
  size_t base = (size_t)s->off;
  if (s->size < 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "GRAPH section is %llu bytes, expected at least 8",
                (unsigned long long)s->size);
  r->n_gin = enn_rd_u32(r->p + base);
  r->n_gout = enn_rd_u32(r->p + base + 4);
  if (8u + 4u * ((uint64_t)r->n_gin + r->n_gout) != s->size)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "GRAPH section: %u inputs and %u outputs need %llu bytes, section has %llu",
                r->n_gin, r->n_gout, 8u + 4u * ((unsigned long long)r->n_gin + r->n_gout),
                (unsigned long long)s->size);
  r->gin_off = base + 8;
  r->gout_off = base + 8 + 4 * (size_t)r->n_gin;
  for (uint32_t k = 0; k < r->n_gin; k++) {
    size_t f = r->gin_off + 4 * (size_t)k;
    uint32_t id = enn_rd_u32(r->p + f);
    if (id >= (uint32_t)r->nt)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "graph input %u: tensor id %u out of range 0..%d", k, id, r->nt - 1);
    ftensor *t = &r->t[id];
    if (t->kind != ENN_TK_INPUT)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "graph input %u: tensor %u ('%s') is a %s, expected an input", k, id,
                  t->name, kind_name(t->kind));
    if (t->input_pos >= 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "graph input %u: tensor %u ('%s') is already graph input %d", k, id,
                  t->name, t->input_pos);
    t->input_pos = (int32_t)k;
  }
  for (int32_t i = 0; i < r->nt; i++)
    if (r->t[i].kind == ENN_TK_INPUT && r->t[i].input_pos < 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, r->t[i].rec + 5, "tensor %d ('%s') is an input but not a graph input", i,
                  r->t[i].name);
  if (r->n_gout == 0) return ferr(r, ENN_ERR_BAD_FORMAT, base + 4, "graph has no outputs");
  for (uint32_t k = 0; k < r->n_gout; k++) {
    size_t f = r->gout_off + 4 * (size_t)k;
    uint32_t id = enn_rd_u32(r->p + f);
    if (id >= (uint32_t)r->nt)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "graph output %u: tensor id %u out of range 0..%d", k, id, r->nt - 1);
  }
  return ENN_OK;
}

/* --------------------------------------------------------------- nodes */
static void set_elem(enn_attrs *a, const enn_fmt_attr_key *k, uint32_t e, const uint8_t *src) {
  uint8_t *dst = (uint8_t *)a + k->offset + e * enn_fmt_attr_type_size(k->type);
  if (k->type == ENN_FMT_ATTR_I64) {
    uint64_t v = enn_rd_u64(src);
    memcpy(dst, &v, 8);
  } else {
    uint32_t v = enn_rd_u32(src);
    memcpy(dst, &v, 4);
  }
}

/* Parses node record i at file offset rec (record_size rs). pass 1 also
 * records which node produces each activation. */
static enn_status parse_node(reader *r, int32_t i, size_t rec, size_t rs, int pass, fnode *nv, enn_attrs *attrs) {
  const uint8_t *p = r->p + rec;
  enn_status st;
  char what[64];
  const char *opname = "";
  snprintf(what, sizeof what, "node %d op", i);
  if ((st = get_str(r, enn_rd_u32(p + 4), rec + 4, what, &opname))) return st;
  snprintf(what, sizeof what, "node %d name", i);
  nv->name = "";
  if ((st = get_str(r, enn_rd_u32(p + 8), rec + 8, what, &nv->name))) return st;
  nv->rec = rec;
  if (enn_op_from_name(opname, &nv->op) != ENN_OK)
    return ferr(r, ENN_ERR_UNSUPPORTED, rec + 4, "node %d ('%s'): unknown operator '%s'", i, nv->name, opname);
  nv->n_in = enn_rd_u32(p + 12);
  nv->n_out = enn_rd_u32(p + 16);
  uint32_t n_attrs = enn_rd_u32(p + 20);
  int32_t mi, ma, mo, mao;
  if ((st = enn_op_arity(nv->op, &mi, &ma, &mo, &mao))) return st;
  if (ma <= 0 || ma > ENN_MAX_SPLITS) ma = ENN_MAX_SPLITS;
  if (mao <= 0 || mao > ENN_MAX_SPLITS) mao = ENN_MAX_SPLITS;
  if (nv->n_in < (uint32_t)mi || nv->n_in > (uint32_t)ma)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 12, "node %d ('%s', %s): %u inputs, expected %d..%d", i, nv->name, opname,
                nv->n_in, mi, ma);
  if (nv->n_out < (uint32_t)mo || nv->n_out > (uint32_t)mao)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + 16, "node %d ('%s', %s): %u outputs, expected %d..%d", i, nv->name,
                opname, nv->n_out, mo, mao);
  size_t cur = ENN_FMT_NODE_FIXED + 4 * ((size_t)nv->n_in + nv->n_out);
  if (cur > rs)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec, "node %d ('%s'): record_size %zu cannot hold %u input and %u output ids",
                i, nv->name, rs, nv->n_in, nv->n_out);
  nv->in_off = rec + ENN_FMT_NODE_FIXED;
  nv->out_off = nv->in_off + 4 * (size_t)nv->n_in;
  for (uint32_t k = 0; k < nv->n_in; k++) {
    uint32_t id = enn_rd_u32(r->p + nv->in_off + 4 * (size_t)k);
    if (id >= (uint32_t)r->nt)
      return ferr(r, ENN_ERR_BAD_FORMAT, nv->in_off + 4 * (size_t)k,
                  "node %d ('%s'): input %u is tensor id %u, out of range 0..%d", i, nv->name, k, id, r->nt - 1);
  }
  for (uint32_t k = 0; k < nv->n_out; k++) {
    size_t f = nv->out_off + 4 * (size_t)k;
    uint32_t id = enn_rd_u32(r->p + f);
    if (id >= (uint32_t)r->nt)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "node %d ('%s'): output %u is tensor id %u, out of range 0..%d", i,
                  nv->name, k, id, r->nt - 1);
    ftensor *t = &r->t[id];
    if (t->kind != ENN_TK_ACT)
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "node %d ('%s'): output %u is tensor %u ('%s'), a %s, not an activation", i,
                  nv->name, k, id, t->name, kind_name(t->kind));
    if (pass == 1) {
      if (t->producer >= 0)
        return ferr(r, ENN_ERR_BAD_FORMAT, f, "node %d ('%s'): output %u is tensor %u ('%s'), already produced by node %d",
                    i, nv->name, k, id, t->name, t->producer);
      t->producer = i;
    }
  }
  /* attribute records */
  enn_attrs defaults;
  enn_attrs_init(&defaults);
  enn_attrs_init_op(attrs, nv->op);
  uint8_t seen[256] = {0};
  for (uint32_t k = 0; k < n_attrs; k++) {
    if (rs - cur < ENN_FMT_ATTR_HEADER)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur, "node %d ('%s'): attribute %u of %u runs past the record end", i,
                  nv->name, k, n_attrs);
    const uint8_t *a = p + cur;
    uint16_t key = enn_rd_u16(a);
    uint8_t type = a[2], aflags = a[3];
    uint32_t count = enn_rd_u32(a + 4);
    size_t esz = enn_fmt_attr_type_size(type);
    if (!esz)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur + 2, "node %d ('%s'): attribute key %u has type %u, expected 1..3",
                  i, nv->name, key, type);
    if (aflags & ~ENN_FMT_ATTR_CRITICAL)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur + 3, "node %d ('%s'): attribute key %u flags 0x%x, expected 0 or 1",
                  i, nv->name, key, aflags);
    uint64_t payload = (uint64_t)count * esz, padded = (payload + 3u) & ~(uint64_t)3u;
    if (padded > rs - cur - ENN_FMT_ATTR_HEADER)
      return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur + 4,
                  "node %d ('%s'): attribute key %u count %u (%llu bytes) runs past the record end", i, nv->name, key,
                  count, (unsigned long long)payload);
    const uint8_t *data = a + ENN_FMT_ATTR_HEADER;
    for (uint64_t b = payload; b < padded; b++)
      if (data[b])
        return ferr(r, ENN_ERR_BAD_FORMAT, (size_t)(rec + cur + ENN_FMT_ATTR_HEADER + b),
                    "node %d ('%s'): attribute key %u padding byte is %u, expected 0", i, nv->name, key, data[b]);
    const enn_fmt_attr_key *kd = enn_fmt_attr_find(key);
    if (!kd) {
      if (aflags & ENN_FMT_ATTR_CRITICAL)
        return ferr(r, ENN_ERR_UNSUPPORTED, rec + cur,
                    "node %d ('%s'): attribute key %u is unknown to this reader and marked critical (written by a "
                    "newer edgenn?)",
                    i, nv->name, key);
    } else {
      if (type != kd->type)
        return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur + 2, "node %d ('%s'): attribute '%s' (key %u) has type %u, expected %u",
                    i, nv->name, kd->name, key, type, kd->type);
      if (count > kd->cap)
        return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur + 4,
                    "node %d ('%s'): attribute '%s' (key %u) has %u elements, expected at most %u", i, nv->name,
                    kd->name, key, count, kd->cap);
      size_t row = (size_t)(kd - enn_fmt_attr_keys);
      if (row < sizeof seen && seen[row])
        return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur, "node %d ('%s'): attribute '%s' (key %u) appears twice", i,
                    nv->name, kd->name, key);
      if (row < sizeof seen) seen[row] = 1;
      for (uint32_t e = 0; e < count; e++) set_elem(attrs, kd, e, data + e * esz);
      /* elements past count take the enn_attrs_init value */
      size_t off = kd->offset + count * esz, len = (kd->cap - count) * esz;
      memcpy((uint8_t *)attrs + off, (const uint8_t *)&defaults + off, len);
    }
    cur += ENN_FMT_ATTR_HEADER + (size_t)padded;
  }
  if (cur != rs)
    return ferr(r, ENN_ERR_BAD_FORMAT, rec + cur, "node %d ('%s'): %zu unused bytes at the end of the record", i,
                nv->name, rs - cur);
  return ENN_OK;
}

static enn_status parse_nodes(reader *r) {
  const sec *s = &r->s[ENN_FMT_SEC_NODES];
  size_t base = (size_t)s->off, end = (size_t)(s->off + s->size);
  if (s->size < 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "NODES section is %llu bytes, expected at least 8",
                (unsigned long long)s->size);
  uint32_t count = enn_rd_u32(r->p + base), reserved = enn_rd_u32(r->p + base + 4);
  if (reserved) return ferr(r, ENN_ERR_BAD_FORMAT, base + 4, "NODES reserved field is %u, expected 0", reserved);
  if (count > ENN_FMT_MAX_NODES || (uint64_t)count * ENN_FMT_NODE_FIXED > s->size - 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "node count %u cannot fit in the %llu-byte NODES section", count,
                (unsigned long long)s->size);
  r->nn = (int32_t)count;
  r->node_off = enn_alloc(r->a, ((size_t)count + 1) * sizeof(size_t));
  if (!r->node_off) return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory for %u nodes", r->src, count);
  size_t off = base + 8;
  enn_status st;
  enn_attrs attrs;
  for (int32_t i = 0; i < r->nn; i++) {
    if (end - off < ENN_FMT_NODE_FIXED)
      return ferr(r, ENN_ERR_BAD_FORMAT, off, "node %d: record runs past the end of the NODES section", i);
    uint32_t rs = enn_rd_u32(r->p + off);
    if (rs < ENN_FMT_NODE_FIXED || rs % 4 || rs > end - off)
      return ferr(r, ENN_ERR_BAD_FORMAT, off,
                  "node %d: record_size %u, expected a multiple of 4 in %u..%zu (the rest of the NODES section)", i, rs,
                  ENN_FMT_NODE_FIXED, end - off);
    r->node_off[i] = off;
    fnode nv;
    if ((st = parse_node(r, i, off, rs, 1, &nv, &attrs))) return st;
    off += rs;
  }
  if (off != end)
    return ferr(r, ENN_ERR_BAD_FORMAT, off, "NODES section has %zu bytes after its %d records", end - off, r->nn);
  for (int32_t i = 0; i < r->nt; i++)
    if (r->t[i].kind == ENN_TK_ACT && r->t[i].producer < 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, r->t[i].rec + 5, "tensor %d ('%s') is an activation no node produces", i,
                  r->t[i].name);
  return ENN_OK;
}

/* ------------------------------------------------------------ building */
static enn_status load_quant(const reader *r, const ftensor *t, enn_tensor_desc *d, float **sc, int32_t **zp) {
  *d = t->desc;
  *sc = NULL;
  *zp = NULL;
  uint32_t n = t->desc.quant.count;
  if (!n) return ENN_OK;
  *sc = enn_alloc(r->a, (size_t)n * sizeof(float));
  *zp = enn_alloc(r->a, (size_t)n * sizeof(int32_t));
  if (!*sc || !*zp) {
    enn_free(r->a, *sc);
    enn_free(r->a, *zp);
    *sc = NULL;
    *zp = NULL;
    return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory for quantisation parameters", r->src);
  }
  for (uint32_t k = 0; k < n; k++) {
    (*sc)[k] = rd_f32(r->p + t->qoff + 4 * (uint64_t)k);
    (*zp)[k] = (int32_t)enn_rd_u32(r->p + t->qoff + 4 * ((uint64_t)n + k));
  }
  d->quant.scale = *sc;
  d->quant.zero_point = *zp;
  return ENN_OK;
}

static enn_status add_inputs_upto(reader *r, uint32_t pos) {
  while (r->inputs_added <= pos) {
    uint32_t fid = enn_rd_u32(r->p + r->gin_off + 4 * (size_t)r->inputs_added);
    ftensor *t = &r->t[fid];
    enn_tensor_desc d;
    float *sc;
    int32_t *zp;
    enn_status st = load_quant(r, t, &d, &sc, &zp);
    if (st) return st;
    st = enn_graph_add_input(r->g, t->name, &d, &t->id);
    enn_free(r->a, sc);
    enn_free(r->a, zp);
    if (st) return wrap(r, st, t->rec, "cannot add input tensor");
    r->inputs_added++;
  }
  return ENN_OK;
}

static enn_status add_const(reader *r, int32_t i) {
  ftensor *t = &r->t[i];
  const void *data = zero_dummy;
  if (t->data_size) data = r->wbase + (t->data_off - r->s[ENN_FMT_SEC_WEIGHTS].off);
  enn_tensor_desc d;
  float *sc;
  int32_t *zp;
  enn_status st = load_quant(r, t, &d, &sc, &zp);
  if (st) return st;
  st = enn_graph_add_constant(r->g, t->name, &d, data, t->flags | ENN_CONST_BORROW, &t->id);
  enn_free(r->a, sc);
  enn_free(r->a, zp);
  if (st) return wrap(r, st, t->rec, "cannot add constant tensor");
  return ENN_OK;
}

static enn_status ensure_tensor(reader *r, int32_t i) {
  ftensor *t = &r->t[i];
  if (t->id >= 0) return ENN_OK;
  if (t->kind == ENN_TK_INPUT) return add_inputs_upto(r, (uint32_t)t->input_pos);
  if (t->kind == ENN_TK_CONST) return add_const(r, i);
  return ENN_OK; /* activations are created by their node */
}

static enn_status add_node(reader *r, int32_t i) {
  size_t rec = r->node_off[i];
  fnode nv;
  enn_attrs attrs;
  enn_status st = parse_node(r, i, rec, enn_rd_u32(r->p + rec), 2, &nv, &attrs);
  if (st) return st;
  int32_t in[ENN_MAX_SPLITS], out[ENN_MAX_SPLITS];
  for (uint32_t k = 0; k < nv.n_in; k++) {
    size_t f = nv.in_off + 4 * (size_t)k;
    int32_t fid = (int32_t)enn_rd_u32(r->p + f);
    ftensor *t = &r->t[fid];
    if (t->kind == ENN_TK_ACT && t->id < 0)
      return ferr(r, ENN_ERR_BAD_FORMAT, f,
                  "node %d ('%s'): input %u reads tensor %d ('%s') before it is defined (its producer is node %d; "
                  "cycle or bad node order)",
                  i, nv.name, k, fid, t->name, t->producer);
    if ((st = ensure_tensor(r, fid))) return st;
    in[k] = t->id;
  }
  st = enn_graph_add_node(r->g, nv.op, nv.name, in, (int32_t)nv.n_in, &attrs, (int32_t)nv.n_out, out);
  if (st) {
    char what[96];
    snprintf(what, sizeof what, "node %d", i);
    return wrap(r, st, rec, what);
  }
  for (uint32_t k = 0; k < nv.n_out; k++) {
    size_t f = nv.out_off + 4 * (size_t)k;
    int32_t fid = (int32_t)enn_rd_u32(r->p + f);
    ftensor *t = &r->t[fid];
    enn_tensor *gt = &r->g->tensors[out[k]];
    t->id = out[k];
    if (gt->desc.dtype != t->desc.dtype || !enn_desc_same_shape(&gt->desc, &t->desc)) {
      char a[128], b[128];
      return ferr(r, ENN_ERR_BAD_FORMAT, t->rec,
                  "node %d ('%s') output %u: the file declares tensor %d ('%s') as %s %s but the node infers %s %s", i,
                  nv.name, k, fid, t->name, enn_dtype_name(t->desc.dtype), enn_desc_str(&t->desc, a, sizeof a),
                  enn_dtype_name(gt->desc.dtype), enn_desc_str(&gt->desc, b, sizeof b));
    }
    if (t->name[0] && strcmp(t->name, gt->name) != 0) {
      char *nm = enn_strdup(&r->g->alloc, t->name);
      if (!nm) return enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory", r->src);
      enn_free(&r->g->alloc, gt->name);
      gt->name = nm;
    }
    enn_tensor_desc d;
    float *sc;
    int32_t *zp;
    if ((st = load_quant(r, t, &d, &sc, &zp))) return st;
    st = enn_ir_set_quant(r->g, gt, &d.quant);
    enn_free(r->a, sc);
    enn_free(r->a, zp);
    if (st) return st;
  }
  return ENN_OK;
}

static enn_status add_nodes_upto(reader *r, int32_t last) {
  enn_status st;
  while (r->next_node <= last) {
    if ((st = add_node(r, r->next_node))) return st;
    r->next_node++;
  }
  return ENN_OK;
}

static enn_status parse_meta(reader *r) {
  const sec *s = &r->s[ENN_FMT_SEC_META];
  if (!s->present) return ENN_OK;
  size_t base = (size_t)s->off;
  if (s->size < 8)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "META section is %llu bytes, expected at least 8",
                (unsigned long long)s->size);
  uint32_t count = enn_rd_u32(r->p + base), reserved = enn_rd_u32(r->p + base + 4);
  if (reserved) return ferr(r, ENN_ERR_BAD_FORMAT, base + 4, "META reserved field is %u, expected 0", reserved);
  if (count > ENN_FMT_MAX_META || 8u + 8u * (uint64_t)count != s->size)
    return ferr(r, ENN_ERR_BAD_FORMAT, base, "META count %u (at most %d) does not fill the %llu-byte section", count,
                ENN_FMT_MAX_META, (unsigned long long)s->size);
  enn_status st;
  for (uint32_t k = 0; k < count; k++) {
    size_t f = base + 8 + 8 * (size_t)k;
    const char *key = "", *val = "";
    if ((st = get_str(r, enn_rd_u32(r->p + f), f, "metadata key", &key))) return st;
    if ((st = get_str(r, enn_rd_u32(r->p + f + 4), f + 4, "metadata value", &val))) return st;
    if (enn_graph_get_meta(r->g, key))
      return ferr(r, ENN_ERR_BAD_FORMAT, f, "metadata key '%s' appears twice", key);
    if ((st = enn_graph_set_meta(r->g, key, val))) return wrap(r, st, f, "cannot set metadata");
  }
  return ENN_OK;
}

static enn_status build(reader *r) {
  enn_status st;
  for (int32_t i = 0; i < r->nt; i++) {
    ftensor *t = &r->t[i];
    if (t->kind == ENN_TK_ACT) st = add_nodes_upto(r, t->producer);
    else st = ensure_tensor(r, i);
    if (st) return st;
  }
  if ((st = add_nodes_upto(r, r->nn - 1))) return st;
  if (r->n_gin && (st = add_inputs_upto(r, r->n_gin - 1))) return st;
  for (uint32_t k = 0; k < r->n_gout; k++) {
    size_t f = r->gout_off + 4 * (size_t)k;
    ftensor *t = &r->t[enn_rd_u32(r->p + f)];
    if (t->id < 0) return ferr(r, ENN_ERR_INTERNAL, f, "graph output %u was never added", k);
    if ((st = enn_graph_add_output(r->g, t->id))) return wrap(r, st, f, "cannot add graph output");
  }
  if ((st = parse_meta(r))) return st;
  if ((st = enn_graph_verify(r->g))) return wrap(r, st, 0, "the rebuilt graph does not verify");
  return ENN_OK;
}

/* Parses an image. Takes ownership of `mapping` (munmap on failure or by
 * the graph). copy: weights are copied into graph->blob. */
static enn_status load_image(const uint8_t *p, size_t n, const char *src, const enn_allocator *alloc, void *mapping,
                             size_t mapping_size, bool copy, enn_graph **out) {
  reader r;
  memset(&r, 0, sizeof r);
  r.p = p;
  r.n = n;
  r.src = src;
  r.a = alloc ? alloc : enn_default_allocator();
  enn_status st = enn_graph_create(r.a, &r.g);
  if (st) {
    if (mapping) munmap(mapping, mapping_size);
    return st;
  }
  r.g->mapping = mapping;
  r.g->mapping_size = mapping_size;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  st = enn_err(ENN_ERR_UNSUPPORTED, "%s: .enn weights are little-endian; big-endian hosts are not supported", src);
  goto done;
#endif
  if ((st = parse_header(&r))) goto done;
  if ((st = parse_tensors(&r))) goto done;
  if ((st = parse_graph_io(&r))) goto done;
  if ((st = parse_nodes(&r))) goto done;
  const sec *w = &r.s[ENN_FMT_SEC_WEIGHTS];
  if (copy && w->present && w->size > 0) {
    if (w->size > (uint64_t)SIZE_MAX - ENN_ALIGN) {
      st = enn_err(ENN_ERR_NO_MEMORY, "%s: WEIGHTS section too large", src);
      goto done;
    }
    r.g->blob = enn_alloc_aligned(r.a, (size_t)w->size, ENN_FMT_WEIGHT_ALIGN);
    if (!r.g->blob) {
      st = enn_err(ENN_ERR_NO_MEMORY, "%s: out of memory copying %llu bytes of weights", src,
                   (unsigned long long)w->size);
      goto done;
    }
    memcpy(r.g->blob, p + w->off, (size_t)w->size);
    r.wbase = r.g->blob;
  } else if (w->present) {
    r.wbase = p + w->off;
  }
  st = build(&r);
done:
  enn_free(r.a, r.t);
  enn_free(r.a, r.node_off);
  if (st) {
    enn_graph_destroy(r.g);
    return st;
  }
  *out = r.g;
  return ENN_OK;
}

enn_status enn_model_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_load_buffer: out is NULL");
  *out = NULL;
  if (!data && size) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_load_buffer: data is NULL");
  static const uint8_t empty[1];
  const uint8_t *p = data ? data : empty;
  bool aligned = ((uintptr_t)p % ENN_FMT_WEIGHT_ALIGN) == 0;
  return load_image(p, size, "<buffer>", alloc, NULL, 0, !aligned, out);
}

enn_status enn_model_load(const char *path, const enn_allocator *alloc, enn_graph **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_load: out is NULL");
  *out = NULL;
  if (!path) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_load: path is NULL");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return enn_err(ENN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0) {
    int e = errno;
    close(fd);
    return enn_err(ENN_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(sb.st_mode)) {
    close(fd);
    return enn_err(ENN_ERR_IO, "%s: not a regular file", path);
  }
  if (sb.st_size < (off_t)ENN_FMT_HEADER_FIXED) {
    close(fd);
    return enn_err(ENN_ERR_BAD_FORMAT, "%s: file is %lld bytes, smaller than the %u-byte header (truncated?) (at file "
                   "offset 0)", path, (long long)sb.st_size, ENN_FMT_HEADER_FIXED);
  }
  if ((uint64_t)sb.st_size > (uint64_t)SIZE_MAX) {
    close(fd);
    return enn_err(ENN_ERR_NO_MEMORY, "%s: file too large to map", path);
  }
  size_t size = (size_t)sb.st_size;
  void *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
  int e = errno;
  close(fd);
  if (m == MAP_FAILED) return enn_err(ENN_ERR_IO, "%s: cannot map %zu bytes: %s", path, size, strerror(e));
  return load_image(m, size, path, alloc, m, size, false, out);
}
