/*
 * Internal definitions of the native .enn model format (docs/format.md is
 * the byte-level specification; this header is its constants table).
 * Everything in a file is little-endian and read byte by byte, so neither
 * the host's alignment rules nor its byte order matter for the metadata.
 */
#ifndef ENN_FMT_H
#define ENN_FMT_H

#include "base/base.h"

/* ----------------------------------------------------------------- header */
#define ENN_FMT_MAGIC "ENNF"
#define ENN_FMT_VERSION_MAJOR 2u     /* written; read: 1 and 2 */
#define ENN_FMT_VERSION_MINOR 0u
#define ENN_FMT_VERSION_MAJOR_MIN 1u /* the oldest major version still read */
#define ENN_FMT_HEADER_FIXED 32u  /* bytes before the section directory */
#define ENN_FMT_SECTION_ENTRY 24u /* u32 id, u32 flags, u64 offset, u64 size */
#define ENN_FMT_MAX_SECTIONS 64u
#define ENN_FMT_CRC_OFFSET 8u /* the u32 CRC-32 field, excluded from the checksum */
#define ENN_FMT_SECTION_ALIGN 8u
#define ENN_FMT_WEIGHT_ALIGN 64u

/* Section ids. */
enum {
  ENN_FMT_SEC_STRINGS = 1,
  ENN_FMT_SEC_TENSORS = 2,
  ENN_FMT_SEC_QUANT = 3,
  ENN_FMT_SEC_NODES = 4,
  ENN_FMT_SEC_GRAPH = 5,
  ENN_FMT_SEC_META = 6,
  ENN_FMT_SEC_WEIGHTS = 7,
  ENN_FMT_SEC_LAST_KNOWN = 7
};
/* Section flag: a reader that does not know this section id must refuse. */
#define ENN_FMT_SECTION_CRITICAL 0x1u

/* ---------------------------------------------------------------- tensors */
/* 1.x: fixed records of at least 104 bytes (record_size in the header). */
#define ENN_FMT_TENSOR_RECORD 104u /* minimum (and written) 1.x record size */
#define ENN_FMT_TENSOR_FLAGS_KNOWN ENN_CONST_BUFFER
/* 2.x: variable records: u32 name, u8 dtype, u8 kind, u8 rank, u8 flags,
 * dims (u32, or u64 with DIMS64), [QUANT: i32 axis, u32 count, u32
 * offset], [constant with data: u32 data_block = (data offset in WEIGHTS)
 * / 64]. */
#define ENN_FMT_T2_FIXED 8u
#define ENN_FMT_T2_BUFFER 0x1u /* constants: ENN_CONST_BUFFER */
#define ENN_FMT_T2_QUANT 0x2u  /* quantisation fields follow the dims */
#define ENN_FMT_T2_DIMS64 0x4u /* dims are u64 (writers: only when one is >= 2^32) */
#define ENN_FMT_T2_FLAGS_KNOWN 0x7u
#define ENN_FMT_NODE_FIXED 24u

/* Hard limits a reader enforces before allocating anything. */
#define ENN_FMT_MAX_TENSORS (1 << 24)
#define ENN_FMT_MAX_NODES (1 << 24)
#define ENN_FMT_MAX_META 4096
#define ENN_FMT_MAX_NUMEL ((int64_t)1 << 40) /* same bound as the graph builder */

/* ------------------------------------------------------------- attributes */
enum { ENN_FMT_ATTR_I32 = 1, ENN_FMT_ATTR_I64 = 2, ENN_FMT_ATTR_F32 = 3 };
#define ENN_FMT_ATTR_HEADER 8u     /* u16 key, u8 type, u8 flags, u32 count */
#define ENN_FMT_ATTR_CRITICAL 0x1u /* a reader that does not know the key must refuse */

typedef struct enn_fmt_attr_key {
  uint16_t key;     /* the stable on-disk id (never reused) */
  uint8_t type;     /* ENN_FMT_ATTR_* */
  uint8_t cap;      /* elements in the enn_attrs field */
  uint16_t offset;  /* offsetof(enn_attrs, field) */
  const char *name; /* the enn_attrs field name */
} enn_fmt_attr_key;

/* The table of every enn_attrs field, in key order (src/fmt/attr_keys.c). */
extern const enn_fmt_attr_key enn_fmt_attr_keys[];
extern const int32_t enn_fmt_attr_key_count;
/* Looks a key up; NULL if this reader does not know it. */
const enn_fmt_attr_key *enn_fmt_attr_find(uint16_t key);
/* Bytes of one element of an attribute type (0 if the type is unknown). */
size_t enn_fmt_attr_type_size(uint8_t type);

/* Writes g as a .enn image of format major version `major` (1: the 1.0
 * layout, every attribute key on every node, as edgenn wrote before 2.0;
 * 2: the current layout; enn_model_save_buffer writes 2). For tests and
 * for producing files older readers load. */
enn_status enn_fmt_save_buffer(const enn_graph *g, uint32_t major, const enn_allocator *alloc, void **data,
                               size_t *size);

/* ---------------------------------------------------------------- CRC-32 */
/* CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, initial value and
 * final XOR 0xFFFFFFFF), chainable like zlib's crc32(): start with crc = 0
 * and feed each piece's result into the next call. */
uint32_t enn_fmt_crc32(uint32_t crc, const void *data, size_t n);
/* The checksum of a whole .enn image: CRC-32 over bytes [0, 8) and
 * [12, n). n must be >= 12. */
uint32_t enn_fmt_file_crc(const uint8_t *data, size_t n);

/* ------------------------------------------------- little-endian helpers */
static inline uint16_t enn_rd_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t enn_rd_u32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t enn_rd_u64(const uint8_t *p) {
  return (uint64_t)enn_rd_u32(p) | ((uint64_t)enn_rd_u32(p + 4) << 32);
}
static inline void enn_wr_u16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void enn_wr_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void enn_wr_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
}

#endif
