/*
 * The .enn attribute key table: one row per enn_attrs field, giving the
 * field its permanent on-disk key id, element type and element count.
 * Rules (docs/format.md, "Attribute keys"): ids are never reused or
 * renumbered; a new enn_attrs field gets the next free id. The size check
 * below trips when enn_attrs changes so this table cannot silently fall
 * behind (tests/fmt/test_format.c also checks the rows cover the struct).
 */
#include <stddef.h>

#include "fmt/fmt.h"

#define I32 ENN_FMT_ATTR_I32
#define I64 ENN_FMT_ATTR_I64
#define F32 ENN_FMT_ATTR_F32
#define CAP(f) ((uint8_t)(sizeof(((enn_attrs *)0)->f) / (sizeof(((enn_attrs *)0)->f[0]))))
#define ROW(k, t, f) {k, t, CAP(f), (uint16_t)offsetof(enn_attrs, f), #f}
#define ROW1(k, t, f) {k, t, 1, (uint16_t)offsetof(enn_attrs, f), #f}

_Static_assert(sizeof(enn_attrs) == 1120, "enn_attrs changed: give the new field a key in src/fmt/attr_keys.c, "
                                          "document it in docs/format.md, then update this size");

const enn_fmt_attr_key enn_fmt_attr_keys[] = {
    ROW(1, I32, kernel),
    ROW(2, I32, stride),
    ROW(3, I32, dilation),
    ROW(4, I32, pads),
    ROW1(5, I32, pad_mode),
    ROW1(6, I32, groups),
    ROW1(7, I32, ceil_mode),
    ROW1(8, I32, count_include_pad),
    ROW1(9, I32, act),
    ROW1(10, F32, act_min),
    ROW1(11, F32, act_max),
    ROW1(12, F32, alpha),
    ROW1(13, F32, beta),
    ROW1(14, F32, epsilon),
    ROW1(15, I32, axis),
    ROW1(16, I32, keepdims),
    ROW1(17, I32, trans_a),
    ROW1(18, I32, trans_b),
    ROW1(19, I32, mode),
    ROW1(20, I32, coord_mode),
    ROW1(21, I32, nearest_mode),
    ROW1(22, F32, value),
    ROW1(23, I32, n_axes),
    ROW(24, I32, axes),
    ROW(25, I64, starts),
    ROW(26, I64, ends),
    ROW(27, I64, steps),
    ROW1(28, I32, shape_rank),
    ROW(29, I64, shape),
    ROW(30, I32, perm),
    ROW(31, I64, pad_begin),
    ROW(32, I64, pad_end),
    ROW(33, I64, size),
    ROW(34, F32, scale),
    ROW1(35, I32, n_splits),
    ROW(36, I64, splits),
    ROW1(37, I32, dtype),
};

const int32_t enn_fmt_attr_key_count = (int32_t)ENN_ARRAY_LEN(enn_fmt_attr_keys);

const enn_fmt_attr_key *enn_fmt_attr_find(uint16_t key) {
  /* rows are stored in key order with ids 1..count */
  if (key >= 1 && key <= (uint16_t)ENN_ARRAY_LEN(enn_fmt_attr_keys) && enn_fmt_attr_keys[key - 1].key == key)
    return &enn_fmt_attr_keys[key - 1];
  for (size_t i = 0; i < ENN_ARRAY_LEN(enn_fmt_attr_keys); i++)
    if (enn_fmt_attr_keys[i].key == key) return &enn_fmt_attr_keys[i];
  return NULL;
}

size_t enn_fmt_attr_type_size(uint8_t type) {
  switch (type) {
  case ENN_FMT_ATTR_I32: return 4;
  case ENN_FMT_ATTR_I64: return 8;
  case ENN_FMT_ATTR_F32: return 4;
  default: return 0;
  }
}
