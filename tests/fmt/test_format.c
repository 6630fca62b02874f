/*
 * The native .enn format: round trips (every tensor, node, attribute and
 * metadata entry compared; both sessions run to bit-identical outputs),
 * zero-copy loading (mmap, aligned and unaligned buffers), the atomic save,
 * and the malformed-file battery: truncation at every length, every
 * single-byte corruption, and hand-edited files whose checksum is
 * recomputed (by this file's own bitwise CRC-32) so that the validation
 * behind the checksum is exercised field by field, in both layouts: 2.0
 * (what the writer produces: variable tensor records, only non-default
 * attribute records, decoded here independently of the reader) and 1.0
 * (still read; written by enn_fmt_save_buffer(g, 1, ...)). The op defaults
 * that 2.0 files leave out are pinned against the documented table.
 *
 * With ENN_WRITE_CORPUS=<dir> in the environment it writes the fuzzer's seed
 * corpus (scripts/make_enn_corpus.sh) instead of testing.
 */
#include <dirent.h>
#include <stddef.h>
#include <unistd.h>

#include "fmt/fmt.h"
#include "ir/ir.h"
#include "test.h"

/* ------------------------------------------------ independent file helpers */
static uint32_t crc_bitwise(const uint8_t *p, size_t n, uint32_t c) {
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c;
}

static uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

/* Recomputes the checksum after an edit (CRC over all but bytes 8..11). */
static void refix(uint8_t *p, size_t n) {
  uint32_t c = crc_bitwise(p, 8, 0xffffffffu);
  c = crc_bitwise(p + 12, n - 12, c);
  put32(p + 8, c ^ 0xffffffffu);
}

/* Directory lookup: the entry index and (offset, size) of section `id`. */
static int find_sec(const uint8_t *p, uint32_t id, uint64_t *off, uint64_t *size) {
  uint32_t n = le32(p + 28);
  for (uint32_t i = 0; i < n; i++) {
    const uint8_t *e = p + 32 + 24 * i;
    if (le32(e) == id) {
      if (off) *off = le64(e + 8);
      if (size) *size = le64(e + 16);
      return (int)i;
    }
  }
  return -1;
}
static size_t sec_off(const uint8_t *p, uint32_t id) {
  uint64_t off = 0;
  find_sec(p, id, &off, NULL);
  return (size_t)off;
}
static size_t tensor_rec(const uint8_t *p, int i) { return sec_off(p, 2) + 8 + 104 * (size_t)i; }
static size_t node_rec(const uint8_t *p, int i) {
  size_t off = sec_off(p, 4) + 8;
  for (int k = 0; k < i; k++) off += le32(p + off);
  return off;
}
/* Offset of attribute record `key` in node i (0 if absent). */
static size_t attr_rec(const uint8_t *p, int node, uint16_t key) {
  size_t rec = node_rec(p, node), end = rec + le32(p + rec);
  size_t cur = rec + 24 + 4 * ((size_t)le32(p + rec + 12) + le32(p + rec + 16));
  while (cur + 8 <= end) {
    uint16_t k = (uint16_t)(p[cur] | p[cur + 1] << 8);
    size_t esz = p[cur + 2] == 2 ? 8 : 4, payload = (size_t)le32(p + cur + 4) * esz;
    if (k == key) return cur;
    cur += 8 + ((payload + 3) & ~(size_t)3);
  }
  return 0;
}
/* Offset of string s inside the file's string table (0 if absent). */
static size_t find_string(const uint8_t *p, const char *s) {
  uint64_t off, size;
  find_sec(p, 1, &off, &size);
  size_t n = strlen(s) + 1;
  for (size_t i = 0; i + n <= size; i++)
    if (memcmp(p + off + i, s, n) == 0 && (i == 0 || p[off + i - 1] == 0)) return (size_t)(off + i);
  return 0;
}

/* 2.0 layout: offset of tensor i's variable record (walked per the spec). */
static size_t tensor_rec2(const uint8_t *p, int i) {
  size_t off = sec_off(p, 2) + 8;
  for (int k = 0; k < i; k++) {
    const uint8_t rank = p[off + 6], flags = p[off + 7];
    size_t n = 8 + (flags & 4 ? 8u : 4u) * rank + (flags & 2 ? 12u : 0u);
    int64_t numel = 1;
    for (int d = 0; d < rank; d++) numel *= flags & 4 ? (int64_t)le64(p + off + 8 + 8 * d) : (int64_t)le32(p + off + 8 + 4 * d);
    if (p[off + 5] == 2 && numel > 0) n += 4; /* a constant with data */
    off += n;
  }
  return off;
}

/* ------------------------------------------------------------ test graphs */
static enn_tensor_desc desc4(int64_t a, int64_t b, int64_t c, int64_t d) {
  enn_tensor_desc t;
  int64_t dims[4] = {a, b, c, d};
  enn_tensor_desc_init(&t, ENN_DTYPE_F32, 4, dims);
  return t;
}
static enn_tensor_desc desc1(enn_dtype dt, int64_t a) {
  enn_tensor_desc t;
  enn_tensor_desc_init(&t, dt, 1, &a);
  return t;
}

static int32_t add_weights(enn_graph *g, const char *name, enn_tensor_desc d, unsigned long long seed) {
  int32_t id = -1;
  long n = (long)enn_tensor_desc_numel(&d);
  float *w = malloc((size_t)(n ? n : 1) * sizeof(float));
  enn_t_fill(w, n, seed, -1.0f, 1.0f);
  CHECK_OK(enn_graph_add_constant(g, name, &d, w, ENN_CONST_COPY, &id));
  free(w);
  return id;
}

/*
 * Two inputs (prime sizes), three Conv2D nodes exercising stride, SAME and
 * explicit padding, dilation, groups (depthwise), a fused activation, with
 * and without bias; odd attribute values in fields conv ignores (they must
 * round-trip bit for bit, NaN payload included); quantisation per tensor
 * and per channel; a BUFFER constant; i8 / i64 / f16 / empty constants;
 * metadata.
 */
static enn_graph *build_full(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc x = desc4(1, 7, 5, 3);
  static const float xs[1] = {0.25f};
  static const int32_t xz[1] = {3};
  x.quant.axis = -1;
  x.quant.count = 1;
  x.quant.scale = xs;
  x.quant.zero_point = xz;
  int32_t xi, x2i, y1, y2, y3;
  CHECK_OK(enn_graph_add_input(g, "image", &x, &xi));
  int32_t w1 = add_weights(g, "conv1.w", desc4(4, 3, 3, 3), 11);
  int32_t b1 = add_weights(g, "conv1.b", desc1(ENN_DTYPE_F32, 4), 12);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.stride[0] = 2;
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.act = ENN_ACT_RELU;
  a.splits[3] = 7;
  a.splits[63] = -5;
  a.perm[0] = 5;
  a.starts[7] = INT64_MIN;
  uint32_t nan_bits = 0x7fc01234u;
  memcpy(&a.value, &nan_bits, 4);
  a.epsilon = 3.5e-3f;
  a.scale[1] = 0.0f;
  int32_t in1[3] = {xi, w1, b1};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "conv1", in1, 3, &a, 1, &y1));
  /* depthwise, dilation 2, explicit asymmetric pads, clip */
  int32_t w2 = add_weights(g, "dw.w", desc4(4, 3, 3, 1), 13);
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.groups = 4;
  a.dilation[0] = a.dilation[1] = 2;
  a.pads[0] = 2;
  a.pads[1] = 1;
  a.pads[2] = 1;
  a.pads[3] = 2;
  a.act = ENN_ACT_CLIP;
  a.act_min = -0.5f;
  a.act_max = 0.75f;
  int32_t in2[2] = {y1, w2};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "dw", in2, 2, &a, 1, &y2));
  /* a second input added after nodes, with its own 1x1 conv */
  enn_tensor_desc x2 = desc4(2, 3, 2, 5);
  CHECK_OK(enn_graph_add_input(g, "aux", &x2, &x2i));
  int32_t w3 = add_weights(g, "pw.w", desc4(6, 1, 1, 5), 14);
  int32_t in3[2] = {x2i, w3};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, NULL, in3, 2, NULL, 1, &y3));
  /* quantised, flagged and odd-typed constants nothing reads */
  enn_tensor_desc q = desc1(ENN_DTYPE_I8, 3);
  static const float qs[3] = {0.5f, 0.0f, 1e-9f};
  static const int32_t qz[3] = {0, -128, 127};
  q.quant.axis = 0;
  q.quant.count = 3;
  q.quant.scale = qs;
  q.quant.zero_point = qz;
  static const int8_t qd[3] = {-1, 2, -128};
  CHECK_OK(enn_graph_add_constant(g, "q8", &q, qd, ENN_CONST_COPY, NULL));
  static const float rs[4] = {1, 2, 3, 4};
  enn_tensor_desc rd = desc1(ENN_DTYPE_F32, 4);
  CHECK_OK(enn_graph_add_constant(g, "running_mean", &rd, rs, ENN_CONST_BUFFER, NULL));
  static const int64_t i64d[2] = {INT64_MIN, 42};
  enn_tensor_desc i64 = desc1(ENN_DTYPE_I64, 2);
  CHECK_OK(enn_graph_add_constant(g, "shape64", &i64, i64d, ENN_CONST_COPY, NULL));
  static const uint16_t hd[5] = {0x3c00, 0xc000, 0x7e00, 1, 0};
  enn_tensor_desc h = desc1(ENN_DTYPE_F16, 5);
  CHECK_OK(enn_graph_add_constant(g, "half", &h, hd, ENN_CONST_COPY, NULL));
  enn_tensor_desc empty = desc1(ENN_DTYPE_F32, 0);
  CHECK_OK(enn_graph_add_constant(g, "empty", &empty, NULL, ENN_CONST_COPY, NULL));
  enn_tensor_desc scalar;
  enn_tensor_desc_init(&scalar, ENN_DTYPE_U8, 0, NULL);
  static const uint8_t sd = 200;
  CHECK_OK(enn_graph_add_constant(g, "scalar", &scalar, &sd, ENN_CONST_COPY, NULL));
  CHECK_OK(enn_graph_add_output(g, y2));
  CHECK_OK(enn_graph_add_output(g, y3));
  CHECK_OK(enn_graph_add_output(g, y2)); /* listed twice */
  CHECK_OK(enn_graph_set_meta(g, "source", "tests/fmt"));
  CHECK_OK(enn_graph_set_meta(g, "labels", "cat\ndog\n"));
  CHECK_OK(enn_graph_set_meta(g, "empty", ""));
  return g;
}

/* The smallest useful model: x[1,1,1,1] -> 1x1 conv -> y. */
static enn_graph *build_tiny(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc x = desc4(1, 1, 1, 1);
  int32_t in[2], y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &in[0]));
  in[1] = add_weights(g, "w", desc4(1, 1, 1, 1), 1);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c", in, 2, NULL, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  return g;
}

/* A chain of two convs, small enough for the exhaustive byte battery. */
static enn_graph *build_chain(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc x = desc4(1, 3, 3, 2);
  int32_t xi, y1, y2;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &xi));
  int32_t w1 = add_weights(g, "w1", desc4(2, 2, 2, 2), 2), b1 = add_weights(g, "b1", desc1(ENN_DTYPE_F32, 2), 3);
  int32_t in1[3] = {xi, w1, b1};
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.act = ENN_ACT_RELU6;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c1", in1, 3, &a, 1, &y1));
  int32_t w2 = add_weights(g, "w2", desc4(3, 1, 1, 2), 4);
  int32_t in2[2] = {y1, w2};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c2", in2, 2, NULL, 1, &y2));
  CHECK_OK(enn_graph_add_output(g, y2));
  CHECK_OK(enn_graph_set_meta(g, "k", "v"));
  return g;
}

/* Many operators, a two-output Split, two graph outputs. */
static enn_graph *build_ops(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc x = desc4(1, 6, 5, 4);
  int32_t xi, c, bn, sp[2], add, mp, cat, gap, rs, fc, sm, sg;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &xi));
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_LOWER;
  int32_t cin[3] = {xi, add_weights(g, "c.w", desc4(8, 3, 3, 4), 21), add_weights(g, "c.b", desc1(ENN_DTYPE_F32, 8), 22)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c", cin, 3, &a, 1, &c));
  float var[8];
  enn_t_fill(var, 8, 23, 0.5f, 2.0f);
  enn_tensor_desc d8 = desc1(ENN_DTYPE_F32, 8);
  int32_t bin[5] = {c, add_weights(g, "bn.g", d8, 24), add_weights(g, "bn.b", d8, 25), add_weights(g, "bn.m", d8, 26), -1};
  CHECK_OK(enn_graph_add_constant(g, "bn.v", &d8, var, ENN_CONST_BUFFER, &bin[4]));
  enn_attrs_init_op(&a, ENN_OP_BATCH_NORM);
  a.act = ENN_ACT_RELU;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_BATCH_NORM, "bn", bin, 5, &a, 1, &bn));
  enn_attrs_init_op(&a, ENN_OP_SPLIT);
  a.axis = 3;
  a.n_splits = 2;
  a.splits[0] = 3;
  a.splits[1] = 5;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SPLIT, "split", &bn, 1, &a, 2, sp));
  enn_attrs_init_op(&a, ENN_OP_SLICE);
  a.n_axes = 1;
  a.axes[0] = 3;
  a.starts[0] = 0;
  a.ends[0] = 3;
  a.steps[0] = 1;
  int32_t sl;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SLICE, "slice", &sp[1], 1, &a, 1, &sl));
  int32_t ain[2] = {sp[0], sl};
  enn_attrs_init_op(&a, ENN_OP_ADD);
  a.act = ENN_ACT_RELU6;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_ADD, "add", ain, 2, &a, 1, &add));
  enn_attrs_init_op(&a, ENN_OP_MAX_POOL);
  a.kernel[0] = a.kernel[1] = 2;
  a.stride[0] = a.stride[1] = 2;
  a.ceil_mode = 1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_MAX_POOL, "pool", &add, 1, &a, 1, &mp));
  int32_t cin2[2] = {mp, mp};
  enn_attrs_init_op(&a, ENN_OP_CONCAT);
  a.axis = -1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONCAT, "cat", cin2, 2, &a, 1, &cat));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_GLOBAL_AVG_POOL, "gap", &cat, 1, NULL, 1, &gap));
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = 1;
  a.shape[1] = -1;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &gap, 1, &a, 1, &rs));
  int32_t fin[3] = {rs, add_weights(g, "fc.w", (enn_tensor_desc){ENN_DTYPE_F32, 2, {5, 6}, {-1, 0, NULL, NULL}}, 27),
                    add_weights(g, "fc.b", desc1(ENN_DTYPE_F32, 5), 28)};
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", fin, 3, NULL, 1, &fc));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SOFTMAX, "prob", &fc, 1, NULL, 1, &sm));
  CHECK_OK(enn_graph_add_node(g, ENN_OP_SIGMOID, "gate", &add, 1, NULL, 1, &sg));
  CHECK_OK(enn_graph_add_output(g, sm));
  CHECK_OK(enn_graph_add_output(g, sg));
  CHECK_OK(enn_graph_set_meta(g, "labels", "a,b,c,d,e"));
  return g;
}

/* --------------------------------------------------------------- compare */
/* Every enn_attrs field, listed here independently of src/fmt/attr_keys.c. */
#define F(f) {#f, offsetof(enn_attrs, f), sizeof(((enn_attrs *)0)->f)}
static const struct {
  const char *name;
  size_t off, size;
} attr_fields[] = {
    F(kernel), F(stride), F(dilation), F(pads),    F(pad_mode),   F(groups),       F(ceil_mode), F(count_include_pad),
    F(act),    F(act_min), F(act_max), F(alpha),   F(beta),       F(epsilon),      F(axis),      F(keepdims),
    F(trans_a), F(trans_b), F(mode),   F(coord_mode), F(nearest_mode), F(value),   F(n_axes),    F(axes),
    F(starts), F(ends),   F(steps),    F(shape_rank), F(shape),   F(perm),         F(pad_begin), F(pad_end),
    F(size),   F(scale),  F(n_splits), F(splits), F(dtype),
};
#undef F

static int attrs_equal(const enn_attrs *a, const enn_attrs *b) {
  for (size_t i = 0; i < ENN_ARRAY_LEN(attr_fields); i++)
    if (memcmp((const char *)a + attr_fields[i].off, (const char *)b + attr_fields[i].off, attr_fields[i].size)) {
      fprintf(stderr, "  attribute '%s' differs\n", attr_fields[i].name);
      return 0;
    }
  return 1;
}

static int quant_equal(const enn_quant *a, const enn_quant *b) {
  if (a->count != b->count) return 0;
  if (!a->count) return 1;
  return a->axis == b->axis && memcmp(a->scale, b->scale, a->count * sizeof(float)) == 0 &&
         memcmp(a->zero_point, b->zero_point, a->count * sizeof(int32_t)) == 0;
}

/* Same ids, names, descriptors, kinds, flags, data, nodes, attrs, io, meta. */
static void check_same_graph(const enn_graph *a, const enn_graph *b) {
  CHECK(a->n_tensors == b->n_tensors);
  CHECK(a->n_nodes == b->n_nodes);
  CHECK(a->n_inputs == b->n_inputs);
  CHECK(a->n_outputs == b->n_outputs);
  CHECK(a->n_meta == b->n_meta);
  if (a->n_tensors != b->n_tensors || a->n_nodes != b->n_nodes || a->n_inputs != b->n_inputs ||
      a->n_outputs != b->n_outputs)
    return;
  for (int32_t i = 0; i < a->n_tensors; i++) {
    const enn_tensor *x = &a->tensors[i], *y = &b->tensors[i];
    CHECK_MSG(strcmp(x->name, y->name) == 0, "tensor %d: '%s' vs '%s'", i, x->name, y->name);
    CHECK_MSG(x->kind == y->kind, "tensor %d kind", i);
    CHECK_MSG(x->desc.dtype == y->desc.dtype && enn_desc_same_shape(&x->desc, &y->desc), "tensor %d desc", i);
    CHECK_MSG(quant_equal(&x->desc.quant, &y->desc.quant), "tensor %d quant", i);
    CHECK_MSG((x->flags & ENN_CONST_BUFFER) == (y->flags & ENN_CONST_BUFFER), "tensor %d flags", i);
    CHECK_MSG(x->producer == y->producer, "tensor %d producer", i);
    if (x->kind == ENN_TK_CONST) {
      size_t n = enn_tensor_desc_bytes(&x->desc);
      CHECK_MSG(n == 0 || memcmp(x->data, y->data, n) == 0, "tensor %d data", i);
    }
  }
  for (int32_t i = 0; i < a->n_nodes; i++) {
    const enn_node *x = &a->nodes[i], *y = &b->nodes[i];
    CHECK_MSG(x->op == y->op && strcmp(x->name, y->name) == 0, "node %d op/name", i);
    CHECK_MSG(x->n_inputs == y->n_inputs && x->n_outputs == y->n_outputs, "node %d arity", i);
    if (x->n_inputs == y->n_inputs)
      CHECK_MSG(memcmp(x->inputs, y->inputs, (size_t)x->n_inputs * 4) == 0, "node %d inputs", i);
    if (x->n_outputs == y->n_outputs)
      CHECK_MSG(memcmp(x->outputs, y->outputs, (size_t)x->n_outputs * 4) == 0, "node %d outputs", i);
    CHECK_MSG(attrs_equal(&x->attrs, &y->attrs), "node %d attrs", i);
  }
  CHECK(memcmp(a->inputs, b->inputs, (size_t)a->n_inputs * 4) == 0);
  CHECK(memcmp(a->outputs, b->outputs, (size_t)a->n_outputs * 4) == 0);
  for (int32_t i = 0; i < a->n_meta; i++) {
    const char *v = enn_graph_get_meta(b, a->meta[i].key);
    CHECK_MSG(v && strcmp(v, a->meta[i].value) == 0, "meta '%s'", a->meta[i].key);
  }
}

static void check_same_tensor(const enn_graph *a, int32_t ia, const enn_graph *b, int32_t ib) {
  const enn_tensor *x = &a->tensors[ia], *y = &b->tensors[ib];
  CHECK_MSG(strcmp(x->name, y->name) == 0, "tensor %d/%d: '%s' vs '%s'", ia, ib, x->name, y->name);
  CHECK_MSG(x->kind == y->kind, "tensor '%s' kind", x->name);
  CHECK_MSG(x->desc.dtype == y->desc.dtype && enn_desc_same_shape(&x->desc, &y->desc), "tensor '%s' desc", x->name);
  CHECK_MSG(quant_equal(&x->desc.quant, &y->desc.quant), "tensor '%s' quant", x->name);
  CHECK_MSG((x->flags & ENN_CONST_BUFFER) == (y->flags & ENN_CONST_BUFFER), "tensor '%s' flags", x->name);
  if (x->kind == ENN_TK_CONST && x->kind == y->kind) {
    size_t n = enn_tensor_desc_bytes(&x->desc);
    CHECK_MSG(n == 0 || memcmp(x->data, y->data, n) == 0, "tensor '%s' data", x->name);
  }
}

/* Equal up to a renumbering of tensor ids (what a graph whose tensors are
 * not in builder order, e.g. after passes, loads to). */
static void check_equivalent_graph(const enn_graph *a, const enn_graph *b) {
  CHECK(a->n_tensors == b->n_tensors && a->n_nodes == b->n_nodes && a->n_inputs == b->n_inputs &&
        a->n_outputs == b->n_outputs && a->n_meta == b->n_meta);
  if (a->n_tensors != b->n_tensors || a->n_nodes != b->n_nodes || a->n_inputs != b->n_inputs ||
      a->n_outputs != b->n_outputs)
    return;
  int32_t *map = malloc(((size_t)a->n_tensors + 1) * sizeof(int32_t));
  uint8_t *hit = calloc((size_t)b->n_tensors + 1, 1);
  for (int32_t i = 0; i < a->n_tensors; i++) map[i] = -1;
  for (int32_t k = 0; k < a->n_inputs; k++) map[a->inputs[k]] = b->inputs[k];
  for (int32_t i = 0; i < a->n_nodes; i++) {
    const enn_node *x = &a->nodes[i], *y = &b->nodes[i];
    CHECK_MSG(x->op == y->op && strcmp(x->name, y->name) == 0, "node %d op/name", i);
    CHECK_MSG(attrs_equal(&x->attrs, &y->attrs), "node %d attrs", i);
    CHECK_MSG(x->n_inputs == y->n_inputs && x->n_outputs == y->n_outputs, "node %d arity", i);
    if (x->n_inputs != y->n_inputs || x->n_outputs != y->n_outputs) continue;
    for (int32_t k = 0; k < x->n_inputs; k++) {
      if (map[x->inputs[k]] < 0) map[x->inputs[k]] = y->inputs[k];
      CHECK_MSG(map[x->inputs[k]] == y->inputs[k], "node %d input %d", i, k);
    }
    for (int32_t k = 0; k < x->n_outputs; k++) map[x->outputs[k]] = y->outputs[k];
  }
  for (int32_t k = 0; k < a->n_outputs; k++) CHECK(map[a->outputs[k]] == b->outputs[k]);
  for (int32_t i = 0; i < a->n_tensors; i++) {
    if (map[i] < 0) { /* read by nothing: match by name */
      for (int32_t j = 0; j < b->n_tensors; j++)
        if (strcmp(b->tensors[j].name, a->tensors[i].name) == 0 && !hit[j]) {
          map[i] = j;
          break;
        }
    }
    CHECK_MSG(map[i] >= 0 && !hit[map[i]], "tensor %d ('%s') has no distinct counterpart", i, a->tensors[i].name);
    if (map[i] < 0 || hit[map[i]]) continue;
    hit[map[i]] = 1;
    check_same_tensor(a, i, b, map[i]);
  }
  for (int32_t i = 0; i < a->n_meta; i++) {
    const char *v = enn_graph_get_meta(b, a->meta[i].key);
    CHECK_MSG(v && strcmp(v, a->meta[i].value) == 0, "meta '%s'", a->meta[i].key);
  }
  free(map);
  free(hit);
}

/* Runs a session on deterministic inputs; returns all outputs concatenated
 * (malloc'd) and their byte count. */
static uint8_t *run_graph(const enn_graph *g, size_t *bytes) {
  enn_session *s = NULL;
  *bytes = 0;
  enn_status st = enn_session_create(g, NULL, &s);
  CHECK_OK(st);
  if (st) return NULL;
  for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
    enn_tensor_desc d;
    CHECK_OK(enn_session_input_desc(s, i, &d, NULL));
    enn_t_fill(enn_session_input_buffer(s, i), (long)enn_tensor_desc_numel(&d), 100u + (unsigned)i, -2.0f, 2.0f);
  }
  CHECK_OK(enn_session_run(s));
  size_t total = 0;
  for (int32_t i = 0; i < enn_session_num_outputs(s); i++) {
    enn_tensor_desc d;
    CHECK_OK(enn_session_output_desc(s, i, &d, NULL));
    total += enn_tensor_desc_bytes(&d);
  }
  uint8_t *out = malloc(total + 1), *p = out;
  for (int32_t i = 0; i < enn_session_num_outputs(s); i++) {
    enn_tensor_desc d;
    CHECK_OK(enn_session_output_desc(s, i, &d, NULL));
    memcpy(p, enn_session_output_buffer(s, i), enn_tensor_desc_bytes(&d));
    p += enn_tensor_desc_bytes(&d);
  }
  enn_session_destroy(s);
  *bytes = total;
  return out;
}

static void check_same_outputs(const enn_graph *a, const enn_graph *b) {
  size_t na, nb;
  uint8_t *oa = run_graph(a, &na), *ob = run_graph(b, &nb);
  CHECK(na == nb && na > 0);
  CHECK_MSG(oa && ob && na == nb && memcmp(oa, ob, na) == 0, "outputs are not bit-identical");
  free(oa);
  free(ob);
}

static void save_buf(const enn_graph *g, uint8_t **p, size_t *n) {
  void *d = NULL;
  *p = NULL;
  *n = 0;
  CHECK_OK(enn_model_save_buffer(g, NULL, &d, n));
  *p = d;
}

static const char *tmp_path(const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ & 3];
  snprintf(b, sizeof buf[0], "%s/fmt_%ld_%s", enn_test_tmp(), (long)getpid(), name);
  return b;
}

/* ----------------------------------------------------------------- tests */
static void test_crc32(void) {
  CHECK(enn_fmt_crc32(0, "123456789", 9) == 0xCBF43926u);
  CHECK(enn_fmt_crc32(0, "", 0) == 0);
  uint8_t buf[1000];
  unsigned long long s = 7;
  for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(enn_t_randf(&s, 0, 256));
  for (size_t n = 0; n <= sizeof buf; n += 37) {
    uint32_t want = crc_bitwise(buf, n, 0xffffffffu) ^ 0xffffffffu;
    CHECK(enn_fmt_crc32(0, buf, n) == want);
    CHECK(enn_fmt_crc32(enn_fmt_crc32(0, buf, n / 3), buf + n / 3, n - n / 3) == want); /* chaining */
  }
}

static void test_attr_table(void) {
  /* the table's rows are exactly the fields listed above, keys 1..N unique */
  CHECK(enn_fmt_attr_key_count == (int32_t)ENN_ARRAY_LEN(attr_fields));
  size_t covered = 0;
  for (int32_t r = 0; r < enn_fmt_attr_key_count; r++) {
    const enn_fmt_attr_key *k = &enn_fmt_attr_keys[r];
    CHECK(enn_fmt_attr_find(k->key) == k);
    CHECK(k->key == (uint16_t)(r + 1));
    int found = 0;
    for (size_t i = 0; i < ENN_ARRAY_LEN(attr_fields); i++)
      if (strcmp(attr_fields[i].name, k->name) == 0) {
        found = 1;
        CHECK_MSG(attr_fields[i].off == k->offset, "%s offset", k->name);
        CHECK_MSG(attr_fields[i].size == k->cap * enn_fmt_attr_type_size(k->type), "%s size", k->name);
      }
    CHECK_MSG(found, "table row '%s' is not an enn_attrs field", k->name);
    covered += k->cap * enn_fmt_attr_type_size(k->type);
  }
  size_t listed = 0;
  for (size_t i = 0; i < ENN_ARRAY_LEN(attr_fields); i++) listed += attr_fields[i].size;
  CHECK(covered == listed);
  CHECK(sizeof(enn_attrs) - listed < 16); /* the rest is alignment padding */
  CHECK(enn_fmt_attr_find(0) == NULL && enn_fmt_attr_find(999) == NULL);
}

static void test_roundtrip_buffer(void) {
  enn_graph *g = build_full();
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  CHECK(p && n > 200);
  CHECK(memcmp(p, "ENNF", 4) == 0);
  CHECK(le64(p + 16) == n);
  CHECK(((uintptr_t)p & 63) == 0);
  /* the stored checksum is the bitwise CRC of everything but itself */
  uint8_t *copy = malloc(n);
  memcpy(copy, p, n);
  refix(copy, n);
  CHECK(memcmp(copy, p, n) == 0);
  free(copy);
  enn_graph *h = NULL;
  CHECK_OK(enn_model_load_buffer(p, n, NULL, &h));
  if (h) {
    check_same_graph(g, h);
    CHECK_OK(enn_graph_verify(h));
    check_same_outputs(g, h);
    /* constants are borrowed from the (aligned) caller's buffer */
    for (int32_t i = 0; i < h->n_tensors; i++)
      if (h->tensors[i].kind == ENN_TK_CONST && enn_tensor_desc_bytes(&h->tensors[i].desc)) {
        const uint8_t *d = h->tensors[i].data;
        CHECK(d >= p && d < p + n && ((uintptr_t)d & 63) == 0);
        CHECK(!h->tensors[i].owned && (h->tensors[i].flags & ENN_CONST_BORROW));
      }
    CHECK(h->blob == NULL && h->mapping == NULL);
    /* saving the loaded graph reproduces the same bytes */
    uint8_t *p2;
    size_t n2;
    save_buf(h, &p2, &n2);
    CHECK(n2 == n && p2 && memcmp(p, p2, n) == 0);
    free(p2);
    enn_graph_destroy(h);
  }
  free(p);
  enn_graph_destroy(g);
}

static void test_unaligned_buffer_copies(void) {
  enn_graph *g = build_full();
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  for (size_t shift = 1; shift < 64; shift += 31) {
    uint8_t *raw = malloc(n + 128);
    if (!raw) continue;
    /* q is `shift` bytes past a 64-byte boundary whatever malloc returned
     * (raw + shift alone was 64-aligned for shift 32 when malloc gave an
     * address 32 past one, as glibc under qemu-aarch64 does) */
    uint8_t *q = raw + (64 - (uintptr_t)raw % 64) % 64 + shift;
    memcpy(q, p, n);
    enn_graph *h = NULL;
    CHECK_OK(enn_model_load_buffer(q, n, NULL, &h));
    if (!h) {
      free(raw);
      continue;
    }
    CHECK(h->blob != NULL && ((uintptr_t)h->blob & 63) == 0);
    for (int32_t i = 0; i < h->n_tensors; i++)
      if (h->tensors[i].kind == ENN_TK_CONST && enn_tensor_desc_bytes(&h->tensors[i].desc)) {
        const uint8_t *d = h->tensors[i].data;
        CHECK(!(d >= q && d < q + n));
        CHECK(((uintptr_t)d & 63) == 0);
      }
    memset(raw, 0xAB, n + 128); /* the graph must not depend on the caller's bytes */
    free(raw);
    check_same_graph(g, h);
    check_same_outputs(g, h);
    enn_graph_destroy(h);
  }
  free(p);
  enn_graph_destroy(g);
}

static void test_file_roundtrip_mmap(void) {
  enn_graph *g = build_full();
  const char *path = tmp_path("full.enn");
  CHECK_OK(enn_model_save(g, path));
  enn_graph *h = NULL;
  CHECK_OK(enn_model_load(path, NULL, &h));
  if (h) {
    CHECK(h->mapping != NULL && h->mapping_size > 0);
    const uint8_t *m = h->mapping;
    for (int32_t i = 0; i < h->n_tensors; i++)
      if (h->tensors[i].kind == ENN_TK_CONST && enn_tensor_desc_bytes(&h->tensors[i].desc)) {
        const uint8_t *d = h->tensors[i].data;
        CHECK_MSG(d >= m && d + enn_tensor_desc_bytes(&h->tensors[i].desc) <= m + h->mapping_size,
                  "constant %d is not in the mapping", i);
      }
    check_same_graph(g, h);
    check_same_outputs(g, h);
    /* the file equals the buffer image */
    uint8_t *p;
    size_t n;
    save_buf(g, &p, &n);
    CHECK(n == h->mapping_size && memcmp(p, m, n) == 0);
    free(p);
    enn_graph_destroy(h);
  }
  remove(path);
  enn_graph_destroy(g);
}

static void test_meta_and_custom_allocator(void) {
  enn_graph *g = build_chain();
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  enn_graph *h = NULL;
  CHECK_OK(enn_model_load_buffer(p, n, enn_default_allocator(), &h));
  if (h) {
    CHECK(enn_graph_get_meta(h, "k") && strcmp(enn_graph_get_meta(h, "k"), "v") == 0);
    CHECK(enn_graph_get_meta(h, "missing") == NULL);
    check_same_graph(g, h);
    check_same_outputs(g, h);
    enn_graph_destroy(h);
  }
  free(p);
  enn_graph_destroy(g);
}

/* Graphs a pass could produce: inputs listed out of tensor order and a
 * constant that appears after the node reading it. They load to an
 * equivalent graph (ids may differ), matched here by name. */
static void test_out_of_order_graph(void) {
  enn_graph *g = build_full();
  /* swap the graph inputs and point conv1 at a constant appended last */
  int32_t t = g->inputs[0];
  g->inputs[0] = g->inputs[1];
  g->inputs[1] = t;
  int32_t late;
  enn_tensor_desc wd = g->tensors[g->nodes[0].inputs[1]].desc;
  float w[108];
  enn_t_fill(w, 108, 99, -1, 1);
  CHECK_OK(enn_graph_add_constant(g, "late.w", &wd, w, ENN_CONST_COPY, &late));
  g->nodes[0].inputs[1] = late;
  CHECK_OK(enn_graph_verify(g));
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  enn_graph *h = NULL;
  CHECK_OK(enn_model_load_buffer(p, n, NULL, &h));
  if (h) {
    CHECK(h->n_tensors == g->n_tensors && h->n_nodes == g->n_nodes);
    CHECK(strcmp(h->tensors[h->inputs[0]].name, "aux") == 0 && strcmp(h->tensors[h->inputs[1]].name, "image") == 0);
    CHECK(strcmp(h->tensors[h->nodes[0].inputs[1]].name, "late.w") == 0);
    for (int32_t i = 0; i < g->n_outputs; i++)
      CHECK(strcmp(h->tensors[h->outputs[i]].name, g->tensors[g->outputs[i]].name) == 0);
    check_equivalent_graph(g, h);
    check_same_outputs(g, h);
    enn_graph_destroy(h);
  }
  free(p);
  enn_graph_destroy(g);
}

static void roundtrip_same(enn_graph *g, const char *what, int exact_ids) {
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  enn_graph *h = NULL;
  enn_status st = enn_model_load_buffer(p, n, NULL, &h);
  CHECK_MSG(st == ENN_OK, "%s: %s", what, enn_last_error());
  if (h) {
    int before = enn_t_failed;
    if (exact_ids) check_same_graph(g, h);
    else check_equivalent_graph(g, h);
    check_same_outputs(g, h);
    if (enn_t_failed != before) fprintf(stderr, "  (in %s)\n", what);
    enn_graph_destroy(h);
  }
  free(p);
}

/* Split (two outputs), slice, broadcasting add, pooling, concat, reshape,
 * fully connected, softmax, sigmoid: every op's attrs survive the trip. */
static void test_roundtrip_many_ops(void) {
  enn_graph *g = build_ops();
  CHECK(g->n_nodes == 12);
  roundtrip_same(g, "ops graph", 1);
  /* after optimisation (folded / fused graphs are saved too) */
  CHECK_OK(enn_graph_optimize(g, 1));
  roundtrip_same(g, "optimised ops graph", 0);
  enn_graph_destroy(g);
}

/* Every zoo architecture, small, as built and optimised. */
static void test_roundtrip_zoo(void) {
  for (int32_t i = 0; i < enn_zoo_count(); i++) {
    const char *name = enn_zoo_name(i);
    enn_zoo_options o;
    enn_zoo_options_init(&o);
    o.width = 0.25f;
    o.resolution = 64;
    o.classes = 7;
    o.seed = 5;
    enn_graph *g = NULL;
    enn_status st = enn_zoo_build(name, &o, NULL, &g);
    if (st != ENN_OK) { /* some architectures fix their width: retry with defaults */
      enn_zoo_options_init(&o);
      o.classes = 7;
      st = enn_zoo_build(name, &o, NULL, &g);
    }
    CHECK_MSG(st == ENN_OK, "zoo %s: %s", name, enn_last_error());
    if (st) continue;
    roundtrip_same(g, name, 1);
    /* a mapped (read-only, borrowed) model optimises like the original */
    const char *path = tmp_path("zoo.enn");
    CHECK_OK(enn_model_save(g, path));
    enn_graph *h = NULL;
    CHECK_OK(enn_model_load(path, NULL, &h));
    CHECK_OK(enn_graph_optimize(g, 1));
    if (h) {
      CHECK_OK(enn_graph_optimize(h, 1));
      check_equivalent_graph(g, h);
      check_same_outputs(g, h);
      enn_graph_destroy(h);
    }
    remove(path);
    roundtrip_same(g, name, 0);
    enn_graph_destroy(g);
  }
}

static void test_save_refuses_invalid(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  enn_tensor_desc x = desc4(1, 2, 2, 1);
  CHECK_OK(enn_graph_add_input(g, "x", &x, NULL));
  void *d = (void *)1;
  size_t n = 1;
  CHECK_STATUS(enn_model_save_buffer(g, NULL, &d, &n), ENN_ERR_INVALID_ARG); /* no outputs */
  CHECK(d == NULL && n == 0);
  CHECK_STATUS(enn_model_save_buffer(NULL, NULL, &d, &n), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_model_save(NULL, "x.enn"), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_model_save(g, NULL), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_model_load_buffer(NULL, 10, NULL, &(enn_graph *){NULL}), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_model_load_buffer("x", 1, NULL, NULL), ENN_ERR_INVALID_ARG);
  enn_graph_destroy(g);
}

static int count_tmp_files(const char *dir, const char *prefix) {
  DIR *dp = opendir(dir);
  int c = 0;
  if (!dp) return -1;
  struct dirent *e;
  while ((e = readdir(dp)))
    if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp.")) c++;
  closedir(dp);
  return c;
}

static void test_atomic_save(void) {
  enn_graph *g = build_chain();
  const char *path = tmp_path("atomic.enn");
  char prefix[128];
  snprintf(prefix, sizeof prefix, "fmt_%ld_atomic.enn", (long)getpid());
  /* an existing destination survives a failed save untouched */
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (f) {
    fputs("previous contents", f);
    fclose(f);
  }
  enn_graph *bad = NULL;
  CHECK_OK(enn_graph_create(NULL, &bad));
  CHECK_STATUS(enn_model_save(bad, path), ENN_ERR_INVALID_ARG);
  enn_graph_destroy(bad);
  char buf[64] = {0};
  f = fopen(path, "rb");
  if (f) {
    CHECK(fread(buf, 1, sizeof buf - 1, f) == 17);
    fclose(f);
  }
  CHECK(strcmp(buf, "previous contents") == 0);
  /* a successful save replaces it and leaves no temporary behind */
  CHECK_OK(enn_model_save(g, path));
  CHECK(count_tmp_files(enn_test_tmp(), prefix) == 0);
  enn_graph *h = NULL;
  CHECK_OK(enn_model_load(path, NULL, &h));
  enn_graph_destroy(h);
  remove(path);
  /* a destination that is a directory: rename fails, temp removed */
  const char *dpath = tmp_path("dir.enn");
  mkdir(dpath, 0755);
  CHECK_STATUS(enn_model_save(g, dpath), ENN_ERR_IO);
  snprintf(prefix, sizeof prefix, "fmt_%ld_dir.enn", (long)getpid());
  CHECK(count_tmp_files(enn_test_tmp(), prefix) == 0);
  struct stat sb;
  CHECK(stat(dpath, &sb) == 0 && S_ISDIR(sb.st_mode));
  rmdir(dpath);
  /* a missing directory */
  char missing[1100];
  snprintf(missing, sizeof missing, "%s/no/such/dir/m.enn", enn_test_tmp());
  CHECK_STATUS(enn_model_save(g, missing), ENN_ERR_IO);
  CHECK(strstr(enn_last_error(), "m.enn") != NULL);
  enn_graph_destroy(g);
}

static void test_load_file_errors(void) {
  enn_graph *h = (enn_graph *)1;
  CHECK_STATUS(enn_model_load("/nonexistent/x.enn", NULL, &h), ENN_ERR_IO);
  CHECK(h == NULL);
  CHECK(strstr(enn_last_error(), "/nonexistent/x.enn") != NULL);
  CHECK_STATUS(enn_model_load(enn_test_tmp(), NULL, &h), ENN_ERR_IO); /* a directory */
  const char *path = tmp_path("trunc.enn");
  enn_graph *g = build_chain();
  uint8_t *p;
  size_t n;
  save_buf(g, &p, &n);
  size_t lens[] = {0, 1, 31, 32, 100, n / 2, n - 1};
  for (size_t i = 0; i < ENN_ARRAY_LEN(lens); i++) {
    FILE *f = fopen(path, "wb");
    if (!f) continue;
    fwrite(p, 1, lens[i], f);
    fclose(f);
    CHECK_STATUS(enn_model_load(path, NULL, &h), ENN_ERR_BAD_FORMAT);
    CHECK_MSG(strstr(enn_last_error(), path) != NULL, "message does not name the file: %s", enn_last_error());
  }
  /* trailing data */
  FILE *f = fopen(path, "wb");
  if (f) {
    fwrite(p, 1, n, f);
    fputc(0, f);
    fclose(f);
    CHECK_STATUS(enn_model_load(path, NULL, &h), ENN_ERR_BAD_FORMAT);
    CHECK(strstr(enn_last_error(), "trailing") != NULL);
  }
  remove(path);
  free(p);
  enn_graph_destroy(g);
}

/* Truncation at every length and every single-byte corruption, of the 2.0
 * file the writer produces and of the 1.0 layout. */
static void truncate_and_flip(uint32_t major) {
  enn_graph *g = build_chain();
  uint8_t *p = NULL;
  size_t n = 0;
  void *d = NULL;
  CHECK_OK(enn_fmt_save_buffer(g, major, NULL, &d, &n));
  p = d;
  if (!p) {
    enn_graph_destroy(g);
    return;
  }
  uint8_t *q = malloc(n);
  int bad_trunc = 0, bad_flip = 0;
  for (size_t len = 0; len < n; len++) {
    memcpy(q, p, len);
    enn_graph *h = NULL;
    enn_status st = enn_model_load_buffer(q, len, NULL, &h);
    if (st != ENN_ERR_BAD_FORMAT || h) {
      if (!bad_trunc++) fprintf(stderr, "  truncated to %zu: %s %s\n", len, enn_status_name(st), enn_last_error());
      enn_graph_destroy(h);
    } else if (!strstr(enn_last_error(), "<buffer>")) {
      bad_trunc++;
    }
  }
  CHECK_MSG(bad_trunc == 0, "v%u: %d truncations not refused cleanly", major, bad_trunc);
  static const uint8_t masks[] = {0x01, 0x80, 0xff, 0x10};
  for (size_t i = 0; i < n; i++)
    for (size_t m = 0; m < ENN_ARRAY_LEN(masks); m++) {
      memcpy(q, p, n);
      q[i] ^= masks[m];
      enn_graph *h = NULL;
      enn_status st = enn_model_load_buffer(q, n, NULL, &h);
      if ((st != ENN_ERR_BAD_FORMAT && st != ENN_ERR_UNSUPPORTED) || h) {
        if (!bad_flip++) fprintf(stderr, "  flip byte %zu ^ 0x%02x: %s\n", i, masks[m], enn_status_name(st));
        enn_graph_destroy(h);
      }
    }
  CHECK_MSG(bad_flip == 0, "v%u: %d single-byte corruptions were accepted", major, bad_flip);
  free(q);
  free(p);
  enn_graph_destroy(g);
}

static void test_truncate_and_flip_every_byte(void) {
  truncate_and_flip(2);
  truncate_and_flip(1);
}

/* ------------------------------------------- edits behind the checksum */
typedef struct image {
  uint8_t *p;
  size_t n;
} image;

/* build_full in the 1.0 layout (fixed 104-byte tensor records, every
 * attribute key on every node): the edits below address its fields at
 * fixed offsets, and they keep the 1.x reading path covered. */
static image fresh(void) {
  enn_graph *g = build_full();
  image im = {NULL, 0};
  void *d = NULL;
  CHECK_OK(enn_fmt_save_buffer(g, 1, NULL, &d, &im.n));
  im.p = d;
  enn_graph_destroy(g);
  return im;
}

/* Loads an edited copy (checksum recomputed) and checks the status and
 * that the message mentions `needle`. */
static void expect(image im, enn_status want, const char *needle, int line) {
  refix(im.p, im.n);
  enn_graph *h = NULL;
  enn_status st = enn_model_load_buffer(im.p, im.n, NULL, &h);
  if (getenv("ENN_FMT_VERBOSE")) fprintf(stderr, "  line %d: %s: %s\n", line, enn_status_name(st), enn_last_error());
  enn_t_checks++;
  if (st != want || (want != ENN_OK && (h || !strstr(enn_last_error(), "<buffer>") ||
                                        (needle && !strstr(enn_last_error(), needle))))) {
    enn_t_failed++;
    fprintf(stderr, "%s:%d: [%s] got %s (%s), expected %s mentioning '%s'\n", __FILE__, line, enn_t_current,
            enn_status_name(st), enn_last_error(), enn_status_name(want), needle ? needle : "");
  }
  if (h) {
    CHECK_OK(enn_graph_verify(h));
    enn_graph_destroy(h);
  }
  free(im.p);
}
#define EXPECT(im, want, needle) expect(im, want, needle, __LINE__)

/* Tensor indices in build_full (builder order). */
enum { T_IMAGE = 0, T_W1 = 1, T_B1 = 2, T_Y1 = 3, T_W2 = 4, T_Y2 = 5, T_AUX = 6, T_W3 = 7, T_Y3 = 8, T_Q8 = 9 };

static void test_header_edits(void) {
  image im;
  im = fresh(), im.p[0] = 'X', EXPECT(im, ENN_ERR_BAD_FORMAT, "magic");
  im = fresh(), im.p[4] = ENN_FMT_VERSION_MAJOR + 1, EXPECT(im, ENN_ERR_UNSUPPORTED, "newer");
  im = fresh(), im.p[4] = 0, EXPECT(im, ENN_ERR_BAD_FORMAT, "version");
  im = fresh(), im.p[6] = 9, EXPECT(im, ENN_OK, NULL); /* newer minor: readable */
  im = fresh(), im.p[12] = 1, EXPECT(im, ENN_ERR_UNSUPPORTED, "flags");
  im = fresh(), put64(im.p + 16, im.n + 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "truncated");
  im = fresh(), put32(im.p + 28, 65), EXPECT(im, ENN_ERR_BAD_FORMAT, "section_count");
  im = fresh(), put32(im.p + 24, 33), EXPECT(im, ENN_ERR_BAD_FORMAT, "header_size");
  /* checksum field itself wrong (no refix: edit after) */
  im = fresh();
  refix(im.p, im.n);
  im.p[8] ^= 1;
  enn_graph *h = NULL;
  CHECK_STATUS(enn_model_load_buffer(im.p, im.n, NULL, &h), ENN_ERR_BAD_FORMAT);
  CHECK(strstr(enn_last_error(), "checksum") != NULL);
  free(im.p);
}

static void test_section_edits(void) {
  image im;
  int e;
  /* section outside the file */
  im = fresh(), e = find_sec(im.p, 4, NULL, NULL), put64(im.p + 32 + 24 * e + 8, im.n),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "outside");
  im = fresh(), e = find_sec(im.p, 4, NULL, NULL), put64(im.p + 32 + 24 * e + 16, UINT64_MAX - 8),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "outside");
  /* inside the header */
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put64(im.p + 32 + 24 * e + 8, 32),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "outside");
  /* overlapping: NODES moved onto TENSORS */
  im = fresh(), e = find_sec(im.p, 4, NULL, NULL), put64(im.p + 32 + 24 * e + 8, sec_off(im.p, 2)),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "overlaps");
  /* misaligned */
  im = fresh(), e = find_sec(im.p, 7, NULL, NULL), put64(im.p + 32 + 24 * e + 8, sec_off(im.p, 7) + 8),
  put64(im.p + 32 + 24 * e + 16, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "not a multiple of 64");
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put64(im.p + 32 + 24 * e + 8, sec_off(im.p, 6) + 4),
  put64(im.p + 32 + 24 * e + 16, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "not a multiple of 8");
  /* duplicate id */
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put32(im.p + 32 + 24 * e, 5),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "twice");
  /* missing required section */
  im = fresh(), e = find_sec(im.p, 4, NULL, NULL), put32(im.p + 32 + 24 * e, 77),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "NODES is missing");
  /* unknown sections: skipped, or refused when critical */
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put32(im.p + 32 + 24 * e, 1000), EXPECT(im, ENN_OK, NULL);
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put32(im.p + 32 + 24 * e, 1000), put32(im.p + 32 + 24 * e + 4, 1),
  EXPECT(im, ENN_ERR_UNSUPPORTED, "critical");
  im = fresh(), e = find_sec(im.p, 6, NULL, NULL), put32(im.p + 32 + 24 * e + 4, 2),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "flags");
  /* string table not terminated */
  uint64_t so, ss;
  im = fresh(), find_sec(im.p, 1, &so, &ss), im.p[so + ss - 1] = 'x', EXPECT(im, ENN_ERR_BAD_FORMAT, "NUL");
}

static void test_tensor_edits(void) {
  image im;
  size_t r;
  im = fresh(), r = tensor_rec(im.p, T_W1), put32(im.p + r, 1u << 30), EXPECT(im, ENN_ERR_BAD_FORMAT, "string offset");
  im = fresh(), r = tensor_rec(im.p, T_W1), im.p[r + 4] = 9, EXPECT(im, ENN_ERR_BAD_FORMAT, "dtype");
  im = fresh(), r = tensor_rec(im.p, T_W1), im.p[r + 5] = 5, EXPECT(im, ENN_ERR_BAD_FORMAT, "kind");
  im = fresh(), r = tensor_rec(im.p, T_W1), im.p[r + 6] = 9, EXPECT(im, ENN_ERR_BAD_FORMAT, "rank");
  im = fresh(), r = tensor_rec(im.p, T_W1), im.p[r + 7] = 1, EXPECT(im, ENN_ERR_BAD_FORMAT, "reserved");
  im = fresh(), r = tensor_rec(im.p, T_W1), put64(im.p + r + 24 + 8, (uint64_t)-5), EXPECT(im, ENN_ERR_BAD_FORMAT, "dims[1]");
  im = fresh(), r = tensor_rec(im.p, T_IMAGE), put64(im.p + r + 24, 1ull << 30), put64(im.p + r + 32, 1ull << 30),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "2^40");
  im = fresh(), r = tensor_rec(im.p, T_IMAGE), put64(im.p + r + 24, (uint64_t)INT64_MAX),
  put64(im.p + r + 32, (uint64_t)INT64_MAX), EXPECT(im, ENN_ERR_BAD_FORMAT, "2^40");
  im = fresh(), r = tensor_rec(im.p, T_B1), put64(im.p + r + 24 + 8, 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "beyond rank");
  /* data: size mismatch, misaligned, outside WEIGHTS, overlapping */
  im = fresh(), r = tensor_rec(im.p, T_W1), put64(im.p + r + 96, 4), EXPECT(im, ENN_ERR_BAD_FORMAT, "data_size");
  im = fresh(), r = tensor_rec(im.p, T_W1), put64(im.p + r + 88, le64(im.p + r + 88) + 4),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "aligned");
  im = fresh(), r = tensor_rec(im.p, T_W1), put64(im.p + r + 88, 64), EXPECT(im, ENN_ERR_BAD_FORMAT, "outside the WEIGHTS");
  im = fresh(), r = tensor_rec(im.p, T_W1), put64(im.p + r + 88, UINT64_MAX - 63),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "outside the WEIGHTS");
  im = fresh(), r = tensor_rec(im.p, T_B1), put64(im.p + r + 88, le64(im.p + tensor_rec(im.p, T_W1) + 88)),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "overlaps");
  im = fresh(), r = tensor_rec(im.p, T_Y1), put64(im.p + r + 96, 16), EXPECT(im, ENN_ERR_BAD_FORMAT, "has data");
  /* flags: unknown bit, or BUFFER on an activation */
  im = fresh(), r = tensor_rec(im.p, T_W1), put32(im.p + r + 8, 0x100), EXPECT(im, ENN_ERR_BAD_FORMAT, "flags");
  im = fresh(), r = tensor_rec(im.p, T_Y1), put32(im.p + r + 8, ENN_CONST_BUFFER), EXPECT(im, ENN_ERR_BAD_FORMAT, "flags");
  /* quantisation */
  im = fresh(), r = tensor_rec(im.p, T_Q8), put32(im.p + r + 16, 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "quant_count");
  im = fresh(), r = tensor_rec(im.p, T_Q8), put32(im.p + r + 12, 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "quant_axis");
  im = fresh(), r = tensor_rec(im.p, T_Q8), put32(im.p + r + 20, 1u << 20), EXPECT(im, ENN_ERR_BAD_FORMAT, "QUANT");
  im = fresh(), r = tensor_rec(im.p, T_Q8), put32(im.p + r + 20, le32(im.p + r + 20) + 2),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "4-aligned");
  im = fresh(), r = tensor_rec(im.p, T_Q8), put32(im.p + sec_off(im.p, 3) + le32(im.p + r + 20), 0x7fc00000u),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "scale");
  im = fresh(), r = tensor_rec(im.p, T_W1), put32(im.p + r + 12, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "not quantised");
  /* record size / count */
  im = fresh(), put32(im.p + sec_off(im.p, 2), le32(im.p + sec_off(im.p, 2)) + 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "count");
  im = fresh(), put32(im.p + sec_off(im.p, 2), 0xffffffffu), EXPECT(im, ENN_ERR_BAD_FORMAT, "count");
  im = fresh(), put32(im.p + sec_off(im.p, 2) + 4, 100), EXPECT(im, ENN_ERR_BAD_FORMAT, "record_size");
  /* an activation whose stored shape disagrees with inference */
  im = fresh(), r = tensor_rec(im.p, T_Y2), put64(im.p + r + 24 + 8, le64(im.p + r + 24 + 8) + 1),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "infers");
  im = fresh(), r = tensor_rec(im.p, T_Y2), im.p[r + 4] = ENN_DTYPE_F16, EXPECT(im, ENN_ERR_BAD_FORMAT, "infers");
  /* an activation no node produces: turn conv1's output into a fresh id */
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 24 + 12, T_Q8), EXPECT(im, ENN_ERR_BAD_FORMAT, "not an activation");
}

static void test_node_edits(void) {
  image im;
  size_t r, a;
  /* ids out of range */
  im = fresh(), r = node_rec(im.p, 1), put32(im.p + r + 24, 1000), EXPECT(im, ENN_ERR_BAD_FORMAT, "out of range");
  im = fresh(), r = node_rec(im.p, 1), put32(im.p + r + 24, 0xffffffffu), EXPECT(im, ENN_ERR_BAD_FORMAT, "out of range");
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 24 + 12, 1000), EXPECT(im, ENN_ERR_BAD_FORMAT, "out of range");
  /* order / cycles: conv1 reads dw's output; dw reads its own output */
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 24, T_Y2), EXPECT(im, ENN_ERR_BAD_FORMAT, "before it is defined");
  im = fresh(), r = node_rec(im.p, 1), put32(im.p + r + 24, T_Y2), EXPECT(im, ENN_ERR_BAD_FORMAT, "before it is defined");
  /* two nodes claim one output */
  im = fresh(), r = node_rec(im.p, 2), put32(im.p + r + 24 + 8, T_Y1), EXPECT(im, ENN_ERR_BAD_FORMAT, "already produced");
  /* unknown op (same length, so nothing moves) */
  im = fresh(), a = find_string(im.p, "Conv2D"), im.p[a + 4] = '9', EXPECT(im, ENN_ERR_UNSUPPORTED, "Conv9D");
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 4, 1u << 30), EXPECT(im, ENN_ERR_BAD_FORMAT, "string offset");
  /* arity */
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 12, 70), EXPECT(im, ENN_ERR_BAD_FORMAT, "inputs");
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r + 16, 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "outputs");
  /* record framing */
  im = fresh(), r = node_rec(im.p, 0), put32(im.p + r, le32(im.p + r) + 4), EXPECT(im, ENN_ERR_BAD_FORMAT, NULL);
  im = fresh(), r = node_rec(im.p, 2), put32(im.p + r, le32(im.p + r) - 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "record_size");
  im = fresh(), r = node_rec(im.p, 2), put32(im.p + r + 20, le32(im.p + r + 20) + 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "past");
  im = fresh(), r = node_rec(im.p, 2), put32(im.p + r + 20, le32(im.p + r + 20) - 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "unused");
  im = fresh(), put32(im.p + sec_off(im.p, 4), 4), EXPECT(im, ENN_ERR_BAD_FORMAT, "past the end");
  im = fresh(), put32(im.p + sec_off(im.p, 4), 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "after its");
  im = fresh(), put32(im.p + sec_off(im.p, 4), 0x7fffffff), EXPECT(im, ENN_ERR_BAD_FORMAT, "cannot fit");
  /* attributes: unknown keys skipped unless critical; type, count, duplicates */
  im = fresh(), a = attr_rec(im.p, 0, 22), im.p[a] = 0xe7, im.p[a + 1] = 0x03, im.p[a + 3] = 0, EXPECT(im, ENN_OK, NULL);
  im = fresh(), a = attr_rec(im.p, 0, 22), im.p[a] = 0xe7, im.p[a + 1] = 0x03, im.p[a + 3] = 1,
  EXPECT(im, ENN_ERR_UNSUPPORTED, "critical");
  im = fresh(), a = attr_rec(im.p, 0, 6), im.p[a + 2] = 3, EXPECT(im, ENN_ERR_BAD_FORMAT, "type");
  im = fresh(), a = attr_rec(im.p, 0, 6), im.p[a + 2] = 7, EXPECT(im, ENN_ERR_BAD_FORMAT, "type");
  im = fresh(), a = attr_rec(im.p, 0, 6), im.p[a + 3] = 4, EXPECT(im, ENN_ERR_BAD_FORMAT, "flags");
  im = fresh(), a = attr_rec(im.p, 0, 7), im.p[a] = 6, EXPECT(im, ENN_ERR_BAD_FORMAT, "twice");
  im = fresh(), a = attr_rec(im.p, 0, 6), put32(im.p + a + 4, 0x40000000u), EXPECT(im, ENN_ERR_BAD_FORMAT, "past the record");
  /* 2 elements for a 1-element field (the next record's header becomes payload) */
  im = fresh(), a = attr_rec(im.p, 0, 6), put32(im.p + a + 4, 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "at most 1");
  /* semantic values are checked by the operator: groups = 0, stride 0 */
  im = fresh(), a = attr_rec(im.p, 0, 6), put32(im.p + a + 8, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "groups");
  im = fresh(), a = attr_rec(im.p, 0, 2), put32(im.p + a + 8, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "stride");
}

/* ------------------------------------------------------- the 2.0 layout */
static image fresh2(void) {
  enn_graph *g = build_full();
  image im;
  save_buf(g, &im.p, &im.n);
  enn_graph_destroy(g);
  return im;
}

/* Decodes build_full's 2.0 image per docs/format.md, independently of the
 * reader: header version, every tensor record against the graph (name,
 * type, dims, flags, quantisation, data at WEIGHTS + 64 * block), the
 * section filled exactly; node attribute records: exactly the keys whose
 * field differs from the op default, trailing defaults dropped. */
static void test_v2_layout(void) {
  enn_graph *g = build_full();
  image im = fresh2();
  const uint8_t *p = im.p;
  CHECK(p[4] == 2 && p[5] == 0 && p[6] == 0 && p[7] == 0);
  uint64_t to, ts, wo, ws, so, qo;
  find_sec(p, 2, &to, &ts);
  find_sec(p, 7, &wo, &ws);
  find_sec(p, 1, &so, NULL);
  find_sec(p, 3, &qo, NULL);
  CHECK(le32(p + to) == (uint32_t)g->n_tensors && le32(p + to + 4) == 0);
  size_t off = (size_t)to + 8;
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_tensor *t = &g->tensors[i];
    CHECK_MSG(off == tensor_rec2(p, i), "tensor %d record offset", i);
    const uint8_t *r = p + off;
    CHECK_MSG(strcmp((const char *)p + so + le32(r), t->name) == 0, "tensor %d name", i);
    CHECK_MSG(r[4] == (uint8_t)t->desc.dtype && r[5] == (uint8_t)t->kind && r[6] == (uint8_t)t->desc.rank,
              "tensor %d type", i);
    const uint8_t want_flags = (uint8_t)((t->kind == ENN_TK_CONST && (t->flags & ENN_CONST_BUFFER) ? 1 : 0) |
                                         (t->desc.quant.count ? 2 : 0));
    CHECK_MSG(r[7] == want_flags, "tensor %d flags 0x%x, expected 0x%x", i, r[7], want_flags);
    size_t f = 8;
    for (int d = 0; d < t->desc.rank; d++, f += 4)
      CHECK_MSG(le32(r + f) == (uint32_t)t->desc.dims[d], "tensor %d dims[%d]", i, d);
    if (t->desc.quant.count) {
      CHECK_MSG((int32_t)le32(r + f) == t->desc.quant.axis && le32(r + f + 4) == t->desc.quant.count,
                "tensor %d quant", i);
      const uint8_t *qa = p + qo + le32(r + f + 8);
      for (uint32_t k = 0; k < t->desc.quant.count; k++) {
        uint32_t sc;
        memcpy(&sc, &t->desc.quant.scale[k], 4);
        CHECK_MSG(le32(qa + 4 * k) == sc && (int32_t)le32(qa + 4 * (t->desc.quant.count + k)) == t->desc.quant.zero_point[k],
                  "tensor %d quant arrays", i);
      }
      f += 12;
    }
    const size_t bytes = enn_tensor_desc_bytes(&t->desc);
    if (t->kind == ENN_TK_CONST && bytes) {
      const uint64_t at = wo + 64ull * le32(r + f);
      CHECK_MSG(at + bytes <= wo + ws && memcmp(p + at, t->data, bytes) == 0, "tensor %d data", i);
      f += 4;
    }
    off += f;
  }
  CHECK_MSG(off == to + ts, "TENSORS: records end at %zu, section at %llu", off, (unsigned long long)(to + ts));
  /* attribute records: keys present, in key order, with their counts */
  static const struct {
    int node;
    uint16_t keys[12];
    uint32_t counts[12];
  } want[] = {
      {0, {2, 5, 9, 14, 22, 25, 30, 34, 36}, {1, 1, 1, 1, 1, 8, 1, 2, 64}},
      {1, {3, 4, 6, 9, 10, 11}, {2, 4, 1, 1, 1, 1}},
      {2, {0}, {0}},
  };
  for (size_t w = 0; w < ENN_ARRAY_LEN(want); w++) {
    size_t rec = node_rec(p, want[w].node), end = rec + le32(p + rec);
    size_t cur = rec + 24 + 4 * ((size_t)le32(p + rec + 12) + le32(p + rec + 16));
    uint32_t k = 0;
    while (cur + 8 <= end) {
      const uint16_t key = (uint16_t)(p[cur] | p[cur + 1] << 8);
      const uint32_t count = le32(p + cur + 4);
      CHECK_MSG(want[w].keys[k] == key && want[w].counts[k] == count && p[cur + 3] == 1,
                "node %d attribute %u: key %u count %u flags %u, expected key %u count %u critical", want[w].node, k,
                key, count, p[cur + 3], want[w].keys[k], want[w].counts[k]);
      cur += 8 + ((count * (p[cur + 2] == 2 ? 8u : 4u) + 3) & ~3u);
      k++;
    }
    CHECK_MSG(cur == end && want[w].keys[k] == 0 && le32(p + rec + 20) == k, "node %d: %u attribute records",
              want[w].node, k);
  }
  free(im.p);
  enn_graph_destroy(g);
}

/* The same graph in both layouts loads to the same graph; 2.0 is smaller;
 * saving a graph loaded from a 1.0 file writes the 2.0 file. */
static void test_v1_v2_same_graph(void) {
  enn_graph *gs[3] = {build_full(), build_ops(), NULL};
  CHECK_OK(enn_zoo_build_spec("zoo:mobilenet_v2,width=0.35,res=32,classes=5", NULL, &gs[2]));
  for (size_t i = 0; i < ENN_ARRAY_LEN(gs); i++) {
    if (!gs[i]) continue;
    void *d1 = NULL, *d2 = NULL;
    size_t n1 = 0, n2 = 0;
    CHECK_OK(enn_fmt_save_buffer(gs[i], 1, NULL, &d1, &n1));
    CHECK_OK(enn_fmt_save_buffer(gs[i], 2, NULL, &d2, &n2));
    CHECK_MSG(n2 < n1, "graph %zu: 2.0 file %zu bytes, 1.0 %zu", i, n2, n1);
    enn_graph *h1 = NULL, *h2 = NULL;
    CHECK_OK(enn_model_load_buffer(d1, n1, NULL, &h1));
    CHECK_OK(enn_model_load_buffer(d2, n2, NULL, &h2));
    if (h1 && h2) {
      check_same_graph(gs[i], h1);
      check_same_graph(gs[i], h2);
      check_same_outputs(h1, h2);
      uint8_t *p;
      size_t n;
      save_buf(h1, &p, &n);
      CHECK_MSG(n == n2 && p && memcmp(p, d2, n) == 0, "graph %zu: re-saving the 1.0 file's graph", i);
      free(p);
    }
    enn_graph_destroy(h1);
    enn_graph_destroy(h2);
    free(d1);
    free(d2);
    enn_graph_destroy(gs[i]);
  }
  void *d = (void *)1;
  size_t n = 1;
  enn_graph *g = build_tiny();
  CHECK_STATUS(enn_fmt_save_buffer(g, 3, NULL, &d, &n), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_fmt_save_buffer(g, 0, NULL, &d, &n), ENN_ERR_INVALID_ARG);
  enn_graph_destroy(g);
}

/* 2.0 files leave out attributes equal to enn_attrs_init_op(op), so the op
 * defaults are part of the format (docs/format.md, the key table's tail
 * column and its per-op list): pinned here, written out independently. */
static void test_op_defaults_pinned(void) {
  for (int op = 0; op < ENN_OP_COUNT; op++) {
    enn_attrs a, w;
    enn_attrs_init_op(&a, (enn_op)op);
    memset(&w, 0, sizeof w);
    w.stride[0] = w.stride[1] = 1;
    w.dilation[0] = w.dilation[1] = 1;
    w.groups = 1;
    w.act_min = -INFINITY;
    w.act_max = INFINITY;
    w.epsilon = 1e-5f;
    w.keepdims = 1;
    for (int i = 0; i < ENN_MAX_RANK; i++) {
      w.steps[i] = 1;
      w.perm[i] = i;
    }
    w.scale[0] = w.scale[1] = 1.0f;
    switch ((enn_op)op) {
    case ENN_OP_LEAKY_RELU: w.alpha = 0.01f; break;
    case ENN_OP_HARD_SIGMOID: w.alpha = 0.2f, w.beta = 0.5f; break;
    case ENN_OP_GEMM: w.alpha = 1.0f, w.beta = 1.0f; break;
    case ENN_OP_SOFTMAX: case ENN_OP_LOG_SOFTMAX: w.axis = -1; break;
    case ENN_OP_FLATTEN: w.axis = 1; break;
    default: break;
    }
    CHECK_MSG(attrs_equal(&a, &w), "op %s: its attribute defaults changed (a format change: see docs/format.md)",
              enn_op_name((enn_op)op));
  }
}

static void test_v2_edits(void) {
  image im;
  size_t r;
  /* header fields of a 2.0 file */
  im = fresh2(), EXPECT(im, ENN_OK, NULL);
  im = fresh2(), im.p[6] = 9, EXPECT(im, ENN_OK, NULL); /* newer minor: readable */
  im = fresh2(), im.p[4] = 1, EXPECT(im, ENN_ERR_BAD_FORMAT, NULL); /* 2.0 bytes read as 1.0 */
  /* record fields */
  im = fresh2(), r = tensor_rec2(im.p, T_W1), put32(im.p + r, 1u << 30), EXPECT(im, ENN_ERR_BAD_FORMAT, "string offset");
  im = fresh2(), r = tensor_rec2(im.p, T_W1), im.p[r + 4] = 9, EXPECT(im, ENN_ERR_BAD_FORMAT, "dtype");
  im = fresh2(), r = tensor_rec2(im.p, T_W1), im.p[r + 5] = 5, EXPECT(im, ENN_ERR_BAD_FORMAT, "kind");
  im = fresh2(), r = tensor_rec2(im.p, T_W1), im.p[r + 6] = 9, EXPECT(im, ENN_ERR_BAD_FORMAT, "rank");
  im = fresh2(), r = tensor_rec2(im.p, T_W1), im.p[r + 7] = 0x08, EXPECT(im, ENN_ERR_BAD_FORMAT, "flags");
  im = fresh2(), r = tensor_rec2(im.p, T_Y1), im.p[r + 7] = 0x01, EXPECT(im, ENN_ERR_BAD_FORMAT, "BUFFER");
  /* DIMS64 on a record written with u32 dims: the framing breaks */
  im = fresh2(), r = tensor_rec2(im.p, T_Y3), im.p[r + 7] |= 0x04, EXPECT(im, ENN_ERR_BAD_FORMAT, NULL);
  im = fresh2(), r = tensor_rec2(im.p, T_IMAGE), put32(im.p + r + 8, 1u << 20), put32(im.p + r + 12, 1u << 20),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "2^40");
  im = fresh2(), r = tensor_rec2(im.p, T_Y2), put32(im.p + r + 12, le32(im.p + r + 12) + 1),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "infers");
  /* data blocks: outside WEIGHTS, shared by two constants */
  im = fresh2(), r = tensor_rec2(im.p, T_B1), put32(im.p + r + 8 + 4, 0xffffffu), EXPECT(im, ENN_ERR_BAD_FORMAT, "outside the WEIGHTS");
  im = fresh2(), r = tensor_rec2(im.p, T_B1), put32(im.p + r + 8 + 4, le32(im.p + tensor_rec2(im.p, T_W1) + 8 + 16)),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "overlaps");
  /* quantisation: the image's record (rank 4: fields at 24), q8's (rank 1: at 12) */
  im = fresh2(), r = tensor_rec2(im.p, T_IMAGE), put32(im.p + r + 24 + 4, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "quant_count is 0");
  im = fresh2(), r = tensor_rec2(im.p, T_Q8), put32(im.p + r + 12 + 4, 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "quant_count");
  im = fresh2(), r = tensor_rec2(im.p, T_Q8), put32(im.p + r + 12, 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "quant_axis");
  im = fresh2(), r = tensor_rec2(im.p, T_Q8), put32(im.p + r + 12 + 8, 1u << 20), EXPECT(im, ENN_ERR_BAD_FORMAT, "QUANT");
  /* table framing */
  size_t t0;
  im = fresh2(), t0 = sec_off(im.p, 2), put32(im.p + t0 + 4, 104), EXPECT(im, ENN_ERR_BAD_FORMAT, "reserved");
  im = fresh2(), t0 = sec_off(im.p, 2), put32(im.p + t0, le32(im.p + t0) + 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "past the end");
  im = fresh2(), t0 = sec_off(im.p, 2), put32(im.p + t0, le32(im.p + t0) - 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "after its");
  im = fresh2(), t0 = sec_off(im.p, 2), put32(im.p + t0, 0x7fffffffu), EXPECT(im, ENN_ERR_BAD_FORMAT, "cannot fit");
  /* an attribute record edited: conv1's stride (the first record) */
  size_t a;
  im = fresh2(), a = attr_rec(im.p, 0, 2), put32(im.p + a + 8, 0), EXPECT(im, ENN_ERR_BAD_FORMAT, "stride");
  im = fresh2(), a = attr_rec(im.p, 0, 2), im.p[a + 3] = 0, EXPECT(im, ENN_OK, NULL); /* CRITICAL is advisory for known keys */
}

static void test_graph_and_meta_edits(void) {
  image im;
  size_t go, mo;
  /* GRAPH: 2 inputs, 3 outputs */
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go + 8 + 20 - 4, 4000), EXPECT(im, ENN_ERR_BAD_FORMAT, "graph output 2");
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go + 12, T_W1), EXPECT(im, ENN_ERR_BAD_FORMAT, "expected an input");
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go + 12, T_IMAGE), EXPECT(im, ENN_ERR_BAD_FORMAT, "already graph input");
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go, 1), put32(im.p + go + 4, 4),
  EXPECT(im, ENN_ERR_BAD_FORMAT, "not a graph input");
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go, 3), EXPECT(im, ENN_ERR_BAD_FORMAT, "GRAPH section");
  im = fresh(), go = sec_off(im.p, 5), put32(im.p + go + 4, 0x7fffffff), EXPECT(im, ENN_ERR_BAD_FORMAT, "GRAPH section");
  /* META: 3 entries */
  im = fresh(), mo = sec_off(im.p, 6), put32(im.p + mo + 16, le32(im.p + mo + 8)), EXPECT(im, ENN_ERR_BAD_FORMAT, "twice");
  im = fresh(), mo = sec_off(im.p, 6), put32(im.p + mo + 12, 0xffffff), EXPECT(im, ENN_ERR_BAD_FORMAT, "string offset");
  im = fresh(), mo = sec_off(im.p, 6), put32(im.p + mo, 2), EXPECT(im, ENN_ERR_BAD_FORMAT, "META count");
  im = fresh(), mo = sec_off(im.p, 6), put32(im.p + mo + 4, 1), EXPECT(im, ENN_ERR_BAD_FORMAT, "reserved");
  /* the meta values themselves are free text: editing one still loads */
  im = fresh(), mo = find_string(im.p, "tests/fmt"), im.p[mo] = 'T', EXPECT(im, ENN_OK, NULL);
}

/* The checked-in seed corpus still means what its names say. */
static void test_seed_corpus(void) {
  const char *src = getenv("ENN_SOURCE_DIR");
  if (!src || !*src) {
    fprintf(stderr, "  (ENN_SOURCE_DIR unset: corpus check skipped)\n");
    return;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/enn", src);
  DIR *dp = opendir(dir);
  CHECK_MSG(dp != NULL, "no seed corpus at %s", dir);
  if (!dp) return;
  int valid = 0, trunc = 0;
  struct dirent *e;
  while ((e = readdir(dp))) {
    int is_valid = strncmp(e->d_name, "valid_", 6) == 0, is_trunc = strncmp(e->d_name, "trunc_", 6) == 0;
    if (!is_valid && !is_trunc) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    enn_graph *h = NULL;
    enn_status st = enn_model_load(path, NULL, &h);
    if (is_valid) {
      valid++;
      CHECK_MSG(st == ENN_OK, "%s: %s", e->d_name, enn_last_error());
      if (h) {
        size_t n;
        free(run_graph(h, &n));
      }
    } else {
      trunc++;
      CHECK_MSG(st == ENN_ERR_BAD_FORMAT, "%s: %s", e->d_name, enn_status_name(st));
    }
    enn_graph_destroy(h);
  }
  closedir(dp);
  CHECK(valid >= 3 && trunc >= 3);
}

/* ENN_WRITE_CORPUS=<dir>: the fuzzer's seeds. */
static int write_corpus(const char *dir) {
  struct {
    const char *name;
    enn_graph *(*build)(void);
  } models[] = {{"tiny", build_tiny}, {"chain", build_chain}, {"full", build_full}, {"ops", build_ops}};
  for (size_t i = 0; i < ENN_ARRAY_LEN(models); i++) {
    enn_graph *g = models[i].build();
    uint8_t *p;
    size_t n;
    save_buf(g, &p, &n);
    enn_graph_destroy(g);
    if (!p) return 1;
    char path[2048];
    snprintf(path, sizeof path, "%s/valid_%s.enn", dir, models[i].name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n) return 1;
    fclose(f);
    /* the same model in the 1.0 layout (still read) */
    void *d1 = NULL;
    size_t n1 = 0;
    g = models[i].build();
    enn_status st = enn_fmt_save_buffer(g, 1, NULL, &d1, &n1);
    enn_graph_destroy(g);
    if (st) return 1;
    snprintf(path, sizeof path, "%s/valid_v1_%s.enn", dir, models[i].name);
    f = fopen(path, "wb");
    if (!f || fwrite(d1, 1, n1, f) != n1) return 1;
    fclose(f);
    free(d1);
    /* a few truncations of the tiny model */
    if (i == 0) {
      size_t lens[] = {16, n / 3, n / 2, n - 1};
      for (size_t k = 0; k < ENN_ARRAY_LEN(lens); k++) {
        snprintf(path, sizeof path, "%s/trunc_%s_%zu.enn", dir, models[i].name, lens[k]);
        f = fopen(path, "wb");
        if (!f || fwrite(p, 1, lens[k], f) != lens[k]) return 1;
        fclose(f);
      }
    }
    free(p);
  }
  return enn_t_failed ? 1 : 0;
}

int main(void) {
  const char *corpus = getenv("ENN_WRITE_CORPUS");
  if (corpus && *corpus) return write_corpus(corpus);
  ENN_RUN(test_crc32);
  ENN_RUN(test_attr_table);
  ENN_RUN(test_roundtrip_buffer);
  ENN_RUN(test_unaligned_buffer_copies);
  ENN_RUN(test_file_roundtrip_mmap);
  ENN_RUN(test_meta_and_custom_allocator);
  ENN_RUN(test_out_of_order_graph);
  ENN_RUN(test_roundtrip_many_ops);
  ENN_RUN(test_roundtrip_zoo);
  ENN_RUN(test_save_refuses_invalid);
  ENN_RUN(test_atomic_save);
  ENN_RUN(test_load_file_errors);
  ENN_RUN(test_truncate_and_flip_every_byte);
  ENN_RUN(test_header_edits);
  ENN_RUN(test_section_edits);
  ENN_RUN(test_tensor_edits);
  ENN_RUN(test_node_edits);
  ENN_RUN(test_graph_and_meta_edits);
  ENN_RUN(test_v2_layout);
  ENN_RUN(test_v1_v2_same_graph);
  ENN_RUN(test_op_defaults_pinned);
  ENN_RUN(test_v2_edits);
  ENN_RUN(test_seed_corpus);
  return enn_test_finish();
}
