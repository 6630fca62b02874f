/*
 * A tiny ONNX protobuf writer for tests: builds ModelProto bytes field by
 * field (field numbers as in src/import/onnx/onnx_model.h), so tests can
 * make exactly the models (and the malformed ones) they need without any
 * outside tool. Sub-messages are built in their own buffer and appended
 * with ob_msg (which frees the sub-buffer). Allocation failures abort the
 * test (this is test code).
 */
#ifndef ENN_TESTS_ONNX_BUILD_H
#define ENN_TESTS_ONNX_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ob_buf {
  uint8_t *d;
  size_t n, cap;
} ob_buf;

static inline void ob_raw(ob_buf *b, const void *p, size_t n) {
  if (b->n + n > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 256;
    while (nc < b->n + n) nc *= 2;
    uint8_t *nd = realloc(b->d, nc);
    if (!nd) abort();
    b->d = nd;
    b->cap = nc;
  }
  if (n) memcpy(b->d + b->n, p, n);
  b->n += n;
}
static inline void ob_free(ob_buf *b) {
  free(b->d);
  memset(b, 0, sizeof *b);
}
static inline void ob_varint(ob_buf *b, uint64_t v) {
  do {
    uint8_t c = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) c |= 0x80;
    ob_raw(b, &c, 1);
  } while (v);
}
static inline void ob_tag(ob_buf *b, uint32_t f, uint32_t wire) { ob_varint(b, ((uint64_t)f << 3) | wire); }
static inline void ob_int(ob_buf *b, uint32_t f, int64_t v) {
  ob_tag(b, f, 0);
  ob_varint(b, (uint64_t)v);
}
static inline void ob_float(ob_buf *b, uint32_t f, float v) {
  ob_tag(b, f, 5);
  uint8_t x[4];
  uint32_t u;
  memcpy(&u, &v, 4);
  for (int i = 0; i < 4; i++) x[i] = (uint8_t)(u >> (8 * i));
  ob_raw(b, x, 4);
}
static inline void ob_bytes(ob_buf *b, uint32_t f, const void *p, size_t n) {
  ob_tag(b, f, 2);
  ob_varint(b, n);
  ob_raw(b, p, n);
}
static inline void ob_str(ob_buf *b, uint32_t f, const char *s) { ob_bytes(b, f, s, strlen(s)); }
static inline void ob_msg(ob_buf *b, uint32_t f, ob_buf *sub) {
  ob_bytes(b, f, sub->d, sub->n);
  ob_free(sub);
}
/* packed repeated varints */
static inline void ob_packed_i64(ob_buf *b, uint32_t f, const int64_t *v, int n) {
  ob_buf t = {0};
  for (int i = 0; i < n; i++) ob_varint(&t, (uint64_t)v[i]);
  ob_msg(b, f, &t);
}

/* ------------------------------------------------------------ ONNX parts */
enum { OB_FLOAT = 1, OB_UINT8 = 2, OB_INT8 = 3, OB_INT32 = 6, OB_INT64 = 7, OB_BOOL = 9, OB_DOUBLE = 11 };

/* TensorProto with raw_data (little-endian host assumed, as everywhere). */
static inline ob_buf ob_tensor(const char *name, int32_t dtype, int rank, const int64_t *dims, const void *data,
                               size_t bytes) {
  ob_buf t = {0};
  if (rank) ob_packed_i64(&t, 1, dims, rank);
  ob_int(&t, 2, dtype);
  if (name) ob_str(&t, 8, name);
  ob_bytes(&t, 9, data, bytes);
  return t;
}
static inline ob_buf ob_tensor_f32(const char *name, int rank, const int64_t *dims, const float *data) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  return ob_tensor(name, OB_FLOAT, rank, dims, data, (size_t)n * 4);
}
static inline ob_buf ob_tensor_i64(const char *name, int rank, const int64_t *dims, const int64_t *data) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) n *= dims[i];
  return ob_tensor(name, OB_INT64, rank, dims, data, (size_t)n * 8);
}

/* ValueInfoProto of a tensor; dims < 0 are symbolic ("N"). */
static inline ob_buf ob_value_info(const char *name, int32_t elem, int rank, const int64_t *dims) {
  ob_buf shape = {0}, tt = {0}, tp = {0}, vi = {0};
  for (int i = 0; i < rank; i++) {
    ob_buf d = {0};
    if (dims[i] >= 0) ob_int(&d, 1, dims[i]);
    else ob_str(&d, 2, "N");
    ob_msg(&shape, 1, &d);
  }
  ob_int(&tt, 1, elem);
  ob_msg(&tt, 2, &shape);
  ob_msg(&tp, 1, &tt);
  ob_str(&vi, 1, name);
  ob_msg(&vi, 2, &tp);
  return vi;
}

/* NodeProto; ins / outs are comma-separated ("x,,b": an omitted input). */
static inline void ob_names(ob_buf *b, uint32_t f, const char *list) {
  if (!list) return;
  const char *p = list;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    ob_bytes(b, f, p, n);
    if (!e) break;
    p = e + 1;
  }
}
static inline ob_buf ob_node(const char *op, const char *ins, const char *outs, const char *name) {
  ob_buf n = {0};
  ob_names(&n, 1, ins);
  ob_names(&n, 2, outs);
  if (name) ob_str(&n, 3, name);
  ob_str(&n, 4, op);
  return n;
}
static inline void ob_attr_i(ob_buf *node, const char *name, int64_t v) {
  ob_buf a = {0};
  ob_str(&a, 1, name);
  ob_int(&a, 3, v);
  ob_int(&a, 20, 2);
  ob_msg(node, 5, &a);
}
static inline void ob_attr_f(ob_buf *node, const char *name, float v) {
  ob_buf a = {0};
  ob_str(&a, 1, name);
  ob_float(&a, 2, v);
  ob_int(&a, 20, 1);
  ob_msg(node, 5, &a);
}
static inline void ob_attr_s(ob_buf *node, const char *name, const char *v) {
  ob_buf a = {0};
  ob_str(&a, 1, name);
  ob_str(&a, 4, v);
  ob_int(&a, 20, 3);
  ob_msg(node, 5, &a);
}
static inline void ob_attr_ints(ob_buf *node, const char *name, const int64_t *v, int n) {
  ob_buf a = {0};
  ob_str(&a, 1, name);
  ob_packed_i64(&a, 8, v, n);
  ob_int(&a, 20, 7);
  ob_msg(node, 5, &a);
}
static inline void ob_attr_t(ob_buf *node, const char *name, ob_buf *tensor) {
  ob_buf a = {0};
  ob_str(&a, 1, name);
  ob_msg(&a, 5, tensor);
  ob_int(&a, 20, 4);
  ob_msg(node, 5, &a);
}

/* ModelProto around a finished GraphProto (consumed), default-domain opset. */
static inline ob_buf ob_model(ob_buf *graph, int64_t opset) {
  ob_buf m = {0}, os = {0};
  ob_int(&m, 1, 8);
  ob_str(&m, 2, "edgenn-test");
  ob_str(&os, 1, "");
  ob_int(&os, 2, opset);
  ob_msg(&m, 8, &os);
  ob_msg(&m, 7, graph);
  return m;
}

#endif
