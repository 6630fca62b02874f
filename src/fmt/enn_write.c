/*
 * .enn writer (docs/format.md is the byte-level spec).
 *
 * The graph is verified first (a file this writer produces must load).
 * Format 2.0 (the default): tensor records of variable size (dims as u32
 * unless one needs u64, quantisation fields only on quantised tensors, a
 * 64-byte block index only on constants with data) and only the attribute
 * records whose field differs from the op's default (enn_attrs_init_op),
 * trailing default elements of arrays dropped. enn_fmt_save_buffer can
 * still write the 1.0 layout (104-byte tensor records, every attribute key
 * on every node) for readers older than 2.0.
 * Every section except WEIGHTS is assembled in one zeroed "head" buffer
 * laid out exactly as in the file: header, section directory, STRINGS,
 * TENSORS, QUANT, NODES, GRAPH, META, each at an 8-byte-aligned offset,
 * padded with zeros up to the 64-byte-aligned WEIGHTS offset. Constant data
 * is then streamed straight from the graph, each tensor at the next
 * 64-byte boundary. The CRC-32 is computed over the head (minus its
 * checksum field) and the weight stream before anything is written, so a
 * file is written in one sequential pass.
 *
 * enn_model_save writes "<path>.tmp.<pid>.<n>" in the destination's
 * directory, fsyncs it, renames it over the destination and fsyncs the
 * directory; on any error the temporary is removed and the destination is
 * left untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fmt/fmt.h"
#include "ir/ir.h"

#define N_SECTIONS 7u

typedef struct wbuf {
  uint8_t *p;
  size_t n, cap;
  const enn_allocator *a;
  bool failed;
} wbuf;

/* Appends n zero bytes; returns their address (NULL after a failure). */
static uint8_t *wb_put(wbuf *b, size_t n) {
  if (b->failed) return NULL;
  size_t need;
  if (!enn_add_size(b->n, n, &need)) {
    b->failed = true;
    return NULL;
  }
  if (need > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
      if (cap > SIZE_MAX / 2) {
        b->failed = true;
        return NULL;
      }
      cap *= 2;
    }
    uint8_t *np = enn_alloc(b->a, cap);
    if (!np) {
      b->failed = true;
      return NULL;
    }
    if (b->n) memcpy(np, b->p, b->n);
    enn_free(b->a, b->p);
    b->p = np;
    b->cap = cap;
  }
  uint8_t *r = b->p + b->n;
  memset(r, 0, n);
  b->n = need;
  return r;
}

static uint32_t wb_str(wbuf *b, const char *s) {
  size_t n = strlen(s) + 1, off = b->n;
  uint8_t *d = wb_put(b, n);
  if (!d) return 0;
  memcpy(d, s, n);
  if (off > UINT32_MAX) b->failed = true;
  return (uint32_t)off;
}

typedef struct layout {
  uint8_t *head; /* [0, weights offset) of the file */
  size_t head_size;
  size_t total;
  uint64_t *rel;   /* per tensor: data offset inside WEIGHTS */
  uint32_t *name;  /* per tensor: its name's string reference */
  size_t *rec;     /* 1.x: per tensor: its record's offset inside TENSORS */
  uint32_t crc;
} layout;

static void layout_free(const enn_allocator *a, layout *L) {
  enn_free(a, L->head);
  enn_free(a, L->rel);
  enn_free(a, L->name);
  enn_free(a, L->rec);
  memset(L, 0, sizeof *L);
}

static bool has_data(const enn_tensor *t) { return t->kind == ENN_TK_CONST && enn_tensor_desc_bytes(&t->desc) > 0; }

/* Calls fn on each piece of the WEIGHTS section in file order. */
typedef enn_status (*chunk_fn)(void *ctx, const void *p, size_t n);
static enn_status each_weight_chunk(const enn_graph *g, const layout *L, chunk_fn fn, void *ctx) {
  static const uint8_t zeros[ENN_FMT_WEIGHT_ALIGN];
  uint64_t cur = 0;
  enn_status st;
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_tensor *t = &g->tensors[i];
    if (!has_data(t)) continue;
    if (L->rel[i] > cur && (st = fn(ctx, zeros, (size_t)(L->rel[i] - cur)))) return st;
    size_t bytes = enn_tensor_desc_bytes(&t->desc);
    if ((st = fn(ctx, t->data, bytes))) return st;
    cur = L->rel[i] + bytes;
  }
  return ENN_OK;
}

static enn_status crc_chunk(void *ctx, const void *p, size_t n) {
  uint32_t *c = ctx;
  *c = enn_fmt_crc32(*c, p, n);
  return ENN_OK;
}

static bool attr_elem_equal(const enn_attrs *a, const enn_attrs *b, const enn_fmt_attr_key *k, uint32_t e) {
  size_t esz = enn_fmt_attr_type_size(k->type), off = k->offset + e * esz;
  return memcmp((const uint8_t *)a + off, (const uint8_t *)b + off, esz) == 0;
}

/* Appends one node record (docs/format.md, "NODES"). all_keys (1.x): a
 * record for every key; otherwise only for fields that differ from the op
 * default (the reader starts from it). */
static void put_node(wbuf *nb, const enn_node *n, uint32_t op_ref, uint32_t name_ref, bool all_keys) {
  enn_attrs generic, opdef;
  enn_attrs_init(&generic);
  enn_attrs_init_op(&opdef, n->op);
  size_t start = nb->n;
  uint8_t *h = wb_put(nb, ENN_FMT_NODE_FIXED + 4 * ((size_t)n->n_inputs + (size_t)n->n_outputs));
  if (!h) return;
  enn_wr_u32(h + 4, op_ref);
  enn_wr_u32(h + 8, name_ref);
  enn_wr_u32(h + 12, (uint32_t)n->n_inputs);
  enn_wr_u32(h + 16, (uint32_t)n->n_outputs);
  for (int32_t k = 0; k < n->n_inputs; k++) enn_wr_u32(h + ENN_FMT_NODE_FIXED + 4 * (size_t)k, (uint32_t)n->inputs[k]);
  for (int32_t k = 0; k < n->n_outputs; k++)
    enn_wr_u32(h + ENN_FMT_NODE_FIXED + 4 * ((size_t)n->n_inputs + (size_t)k), (uint32_t)n->outputs[k]);
  uint32_t n_attrs = 0;
  for (int32_t r = 0; r < enn_fmt_attr_key_count; r++) {
    const enn_fmt_attr_key *k = &enn_fmt_attr_keys[r];
    size_t esz = enn_fmt_attr_type_size(k->type);
    uint32_t count = k->cap;
    /* arrays: drop trailing elements equal to the enn_attrs_init value */
    if (k->cap > 1)
      while (count > 0 && attr_elem_equal(&n->attrs, &generic, k, count - 1)) count--;
    bool critical = false;
    for (uint32_t e = 0; e < k->cap; e++) critical |= !attr_elem_equal(&n->attrs, &opdef, k, e);
    if (!critical && !all_keys) continue; /* the op default: the reader's starting value */
    n_attrs++;
    size_t payload = count * esz;
    uint8_t *a = wb_put(nb, ENN_FMT_ATTR_HEADER + enn_align_up(payload, 4));
    if (!a) return;
    enn_wr_u16(a, k->key);
    a[2] = k->type;
    a[3] = critical ? (uint8_t)ENN_FMT_ATTR_CRITICAL : 0u;
    enn_wr_u32(a + 4, count);
    for (uint32_t e = 0; e < count; e++) {
      const uint8_t *src = (const uint8_t *)&n->attrs + k->offset + e * esz;
      if (esz == 8) {
        uint64_t v;
        memcpy(&v, src, 8);
        enn_wr_u64(a + ENN_FMT_ATTR_HEADER + e * esz, v);
      } else {
        uint32_t v;
        memcpy(&v, src, 4);
        enn_wr_u32(a + ENN_FMT_ATTR_HEADER + e * esz, v);
      }
    }
  }
  if (!nb->failed) {
    enn_wr_u32(nb->p + start, (uint32_t)(nb->n - start));
    enn_wr_u32(nb->p + start + 20, n_attrs);
  }
}

/* Appends tensor i's 1.0 record (104 bytes; data_offset patched later). */
static void put_tensor_v1(wbuf *T, wbuf *Q, const enn_tensor *t, uint32_t name, bool data, size_t bytes) {
  uint8_t *r = wb_put(T, ENN_FMT_TENSOR_RECORD);
  if (!r) return;
  enn_wr_u32(r, name);
  r[4] = (uint8_t)t->desc.dtype;
  r[5] = (uint8_t)t->kind;
  r[6] = (uint8_t)t->desc.rank;
  enn_wr_u32(r + 8, t->kind == ENN_TK_CONST ? (t->flags & ENN_FMT_TENSOR_FLAGS_KNOWN) : 0u);
  const enn_quant *q = &t->desc.quant;
  if (q->count) {
    size_t qoff = Q->n;
    uint8_t *qd = wb_put(Q, 8 * (size_t)q->count);
    if (!qd) return;
    for (uint32_t k = 0; k < q->count; k++) {
      uint32_t u;
      memcpy(&u, &q->scale[k], 4);
      enn_wr_u32(qd + 4 * (size_t)k, u);
      enn_wr_u32(qd + 4 * ((size_t)q->count + k), (uint32_t)q->zero_point[k]);
    }
    if (qoff > UINT32_MAX) {
      Q->failed = true;
      return;
    }
    enn_wr_u32(r + 12, (uint32_t)q->axis);
    enn_wr_u32(r + 16, q->count);
    enn_wr_u32(r + 20, (uint32_t)qoff);
  } else {
    enn_wr_u32(r + 12, UINT32_MAX); /* axis -1 */
  }
  for (int32_t d = 0; d < t->desc.rank; d++) enn_wr_u64(r + 24 + 8 * (size_t)d, (uint64_t)t->desc.dims[d]);
  if (data) enn_wr_u64(r + 96, bytes); /* data_offset (r + 88) is patched once WEIGHTS is placed */
}

/* Appends tensor i's 2.0 record (docs/format.md, "TENSORS"); rel: its data
 * offset inside WEIGHTS (a multiple of 64) when data. */
static void put_tensor_v2(wbuf *T, wbuf *Q, const enn_tensor *t, uint32_t name, bool data, uint64_t rel) {
  const enn_quant *q = &t->desc.quant;
  bool wide = false;
  for (int32_t d = 0; d < t->desc.rank; d++) wide |= (uint64_t)t->desc.dims[d] > UINT32_MAX;
  const size_t dsz = wide ? 8 : 4;
  uint8_t *r = wb_put(T, ENN_FMT_T2_FIXED + dsz * (size_t)t->desc.rank + (q->count ? 12 : 0) + (data ? 4 : 0));
  if (!r) return;
  enn_wr_u32(r, name);
  r[4] = (uint8_t)t->desc.dtype;
  r[5] = (uint8_t)t->kind;
  r[6] = (uint8_t)t->desc.rank;
  r[7] = (uint8_t)((t->kind == ENN_TK_CONST && (t->flags & ENN_CONST_BUFFER) ? ENN_FMT_T2_BUFFER : 0u) |
                   (q->count ? ENN_FMT_T2_QUANT : 0u) | (wide ? ENN_FMT_T2_DIMS64 : 0u));
  uint8_t *f = r + ENN_FMT_T2_FIXED;
  for (int32_t d = 0; d < t->desc.rank; d++, f += dsz) {
    if (wide) enn_wr_u64(f, (uint64_t)t->desc.dims[d]);
    else enn_wr_u32(f, (uint32_t)t->desc.dims[d]);
  }
  if (q->count) {
    size_t qoff = Q->n;
    uint8_t *qd = wb_put(Q, 8 * (size_t)q->count);
    if (!qd) return;
    for (uint32_t k = 0; k < q->count; k++) {
      uint32_t u;
      memcpy(&u, &q->scale[k], 4);
      enn_wr_u32(qd + 4 * (size_t)k, u);
      enn_wr_u32(qd + 4 * ((size_t)q->count + k), (uint32_t)q->zero_point[k]);
    }
    if (qoff > UINT32_MAX) {
      Q->failed = true;
      return;
    }
    enn_wr_u32(f, (uint32_t)q->axis);
    enn_wr_u32(f + 4, q->count);
    enn_wr_u32(f + 8, (uint32_t)qoff);
    f += 12;
  }
  if (data) {
    if (rel / ENN_FMT_WEIGHT_ALIGN > UINT32_MAX) T->failed = true; /* WEIGHTS over 256 GiB */
    enn_wr_u32(f, (uint32_t)(rel / ENN_FMT_WEIGHT_ALIGN));
  }
}

static enn_status check_graph(const enn_graph *g) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  return enn_err(ENN_ERR_UNSUPPORTED, ".enn weights are little-endian; big-endian hosts are not supported");
#endif
  for (int32_t i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].dead)
      return enn_err(ENN_ERR_INVALID_ARG, "cannot save: node %d ('%s') is marked dead (compact the graph first)", i,
                     g->nodes[i].name);
  enn_status st = enn_graph_verify(g);
  if (st) return enn_err_prefix(st, "cannot save an invalid graph");
  if (g->n_tensors > ENN_FMT_MAX_TENSORS || g->n_nodes > ENN_FMT_MAX_NODES || g->n_meta > ENN_FMT_MAX_META)
    return enn_err(ENN_ERR_UNSUPPORTED, "cannot save: %d tensors / %d nodes / %d metadata entries exceed the format's "
                   "limits (%d / %d / %d)", g->n_tensors, g->n_nodes, g->n_meta, ENN_FMT_MAX_TENSORS,
                   ENN_FMT_MAX_NODES, ENN_FMT_MAX_META);
  for (int32_t i = 0; i < g->n_tensors; i++) {
    const enn_quant *q = &g->tensors[i].desc.quant;
    for (uint32_t k = 0; k < q->count; k++)
      if (!(isfinite(q->scale[k]) && q->scale[k] >= 0.0f))
        return enn_err(ENN_ERR_INVALID_ARG, "cannot save: tensor '%s' has quantisation scale %u = %g (must be finite "
                       "and >= 0)", g->tensors[i].name, k, (double)q->scale[k]);
  }
  return ENN_OK;
}

/* Builds the head buffer, the weight layout and the checksum of a file of
 * format major version `major` (1 or 2). */
static enn_status build_layout(const enn_graph *g, const enn_allocator *a, uint32_t major, layout *L) {
  memset(L, 0, sizeof *L);
  enn_status st = check_graph(g);
  if (st) return st;
  const bool v1 = major == 1;
  wbuf S = {.a = a}, T = {.a = a}, Q = {.a = a}, N = {.a = a}, G = {.a = a}, M = {.a = a};
  L->rel = enn_alloc(a, ((size_t)g->n_tensors + 1) * sizeof(uint64_t));
  L->name = enn_alloc(a, ((size_t)g->n_tensors + 1) * sizeof(uint32_t));
  L->rec = enn_alloc(a, ((size_t)g->n_tensors + 1) * sizeof(size_t));
  if (!L->rel || !L->name || !L->rec) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory saving the model");
    goto done;
  }
  /* STRINGS starts with "" so offset 0 is the empty string */
  wb_put(&S, 1);
  uint32_t op_ref[ENN_OP_COUNT];
  for (int i = 0; i < ENN_OP_COUNT; i++) op_ref[i] = UINT32_MAX;

  /* TENSORS (+ QUANT, + weight layout relative to the section) */
  uint8_t *th = wb_put(&T, 8);
  if (th) {
    enn_wr_u32(th, (uint32_t)g->n_tensors);
    enn_wr_u32(th + 4, v1 ? ENN_FMT_TENSOR_RECORD : 0u); /* 2.x: reserved */
  }
  uint64_t wcur = 0;
  for (int32_t i = 0; i < g->n_tensors && !T.failed && !Q.failed; i++) {
    const enn_tensor *t = &g->tensors[i];
    L->name[i] = wb_str(&S, t->name ? t->name : "");
    L->rec[i] = T.n;
    L->rel[i] = 0;
    const bool data = has_data(t);
    const size_t bytes = data ? enn_tensor_desc_bytes(&t->desc) : 0;
    if (data) {
      wcur = enn_align_up((size_t)wcur, ENN_FMT_WEIGHT_ALIGN);
      L->rel[i] = wcur;
      wcur += bytes;
    }
    if (v1) put_tensor_v1(&T, &Q, t, L->name[i], data, bytes);
    else put_tensor_v2(&T, &Q, t, L->name[i], data, L->rel[i]);
  }

  /* NODES */
  uint8_t *nh = wb_put(&N, 8);
  if (nh) enn_wr_u32(nh, (uint32_t)g->n_nodes);
  for (int32_t i = 0; i < g->n_nodes && !N.failed && !S.failed; i++) {
    const enn_node *n = &g->nodes[i];
    if (op_ref[n->op] == UINT32_MAX) op_ref[n->op] = wb_str(&S, enn_op_name(n->op));
    /* a node named like its first output (the usual case) shares that string */
    const int32_t o0 = n->n_outputs > 0 ? n->outputs[0] : -1;
    const bool same = o0 >= 0 && o0 < g->n_tensors && !T.failed && n->name && g->tensors[o0].name &&
                      strcmp(n->name, g->tensors[o0].name) == 0;
    put_node(&N, n, op_ref[n->op], same ? L->name[o0] : wb_str(&S, n->name ? n->name : ""), v1);
  }

  /* GRAPH */
  uint8_t *gh = wb_put(&G, 8 + 4 * ((size_t)g->n_inputs + (size_t)g->n_outputs));
  if (gh) {
    enn_wr_u32(gh, (uint32_t)g->n_inputs);
    enn_wr_u32(gh + 4, (uint32_t)g->n_outputs);
    for (int32_t k = 0; k < g->n_inputs; k++) enn_wr_u32(gh + 8 + 4 * (size_t)k, (uint32_t)g->inputs[k]);
    for (int32_t k = 0; k < g->n_outputs; k++)
      enn_wr_u32(gh + 8 + 4 * ((size_t)g->n_inputs + (size_t)k), (uint32_t)g->outputs[k]);
  }

  /* META */
  uint8_t *mh = wb_put(&M, 8 + 8 * (size_t)g->n_meta);
  if (mh) {
    enn_wr_u32(mh, (uint32_t)g->n_meta);
    for (int32_t k = 0; k < g->n_meta; k++) {
      uint32_t key = wb_str(&S, g->meta[k].key), val = wb_str(&S, g->meta[k].value);
      enn_wr_u32(mh + 8 + 8 * (size_t)k, key);
      enn_wr_u32(mh + 12 + 8 * (size_t)k, val);
    }
  }
  if (S.failed || T.failed || Q.failed || N.failed || G.failed || M.failed) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory (or a table over 4 GiB) saving the model");
    goto done;
  }

  /* layout */
  const wbuf *secs[N_SECTIONS - 1] = {&S, &T, &Q, &N, &G, &M};
  const uint32_t ids[N_SECTIONS] = {ENN_FMT_SEC_STRINGS, ENN_FMT_SEC_TENSORS, ENN_FMT_SEC_QUANT,  ENN_FMT_SEC_NODES,
                                    ENN_FMT_SEC_GRAPH,   ENN_FMT_SEC_META,    ENN_FMT_SEC_WEIGHTS};
  size_t offs[N_SECTIONS], sizes[N_SECTIONS];
  size_t cur = ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * N_SECTIONS;
  for (unsigned s = 0; s < N_SECTIONS - 1; s++) {
    cur = enn_align_up(cur, ENN_FMT_SECTION_ALIGN);
    offs[s] = cur;
    sizes[s] = secs[s]->n;
    cur += sizes[s];
  }
  size_t woff = enn_align_up(cur, ENN_FMT_WEIGHT_ALIGN);
  offs[N_SECTIONS - 1] = woff;
  sizes[N_SECTIONS - 1] = (size_t)wcur;
  L->head_size = woff;
  if (!enn_add_size(woff, (size_t)wcur, &L->total)) {
    st = enn_err(ENN_ERR_OVERFLOW, "model too large to save");
    goto done;
  }
  L->head = enn_alloc(a, woff);
  if (!L->head) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory saving the model");
    goto done;
  }
  uint8_t *h = L->head;
  memcpy(h, ENN_FMT_MAGIC, 4);
  enn_wr_u16(h + 4, (uint16_t)major);
  enn_wr_u16(h + 6, ENN_FMT_VERSION_MINOR);
  enn_wr_u64(h + 16, (uint64_t)L->total);
  enn_wr_u32(h + 24, ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * N_SECTIONS);
  enn_wr_u32(h + 28, N_SECTIONS);
  for (unsigned s = 0; s < N_SECTIONS; s++) {
    uint8_t *e = h + ENN_FMT_HEADER_FIXED + ENN_FMT_SECTION_ENTRY * s;
    enn_wr_u32(e, ids[s]);
    enn_wr_u64(e + 8, offs[s]);
    enn_wr_u64(e + 16, sizes[s]);
    if (s < N_SECTIONS - 1 && sizes[s]) memcpy(h + offs[s], secs[s]->p, sizes[s]);
  }
  /* 1.x: patch absolute data offsets into the tensor records */
  for (int32_t i = 0; v1 && i < g->n_tensors; i++)
    if (has_data(&g->tensors[i])) enn_wr_u64(h + offs[1] + L->rec[i] + 88, (uint64_t)woff + L->rel[i]);
  uint32_t crc = enn_fmt_file_crc(h, woff);
  each_weight_chunk(g, L, crc_chunk, &crc);
  enn_wr_u32(h + ENN_FMT_CRC_OFFSET, crc);
  L->crc = crc;
done:
  enn_free(a, S.p);
  enn_free(a, T.p);
  enn_free(a, Q.p);
  enn_free(a, N.p);
  enn_free(a, G.p);
  enn_free(a, M.p);
  if (st) layout_free(a, L);
  return st;
}

typedef struct mem_sink {
  uint8_t *p;
  size_t pos;
} mem_sink;

static enn_status mem_chunk(void *ctx, const void *p, size_t n) {
  mem_sink *m = ctx;
  memcpy(m->p + m->pos, p, n);
  m->pos += n;
  return ENN_OK;
}

enn_status enn_fmt_save_buffer(const enn_graph *g, uint32_t major, const enn_allocator *alloc, void **data,
                               size_t *size) {
  if (!g || !data || !size) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_save_buffer: NULL argument");
  *data = NULL;
  *size = 0;
  if (major < ENN_FMT_VERSION_MAJOR_MIN || major > ENN_FMT_VERSION_MAJOR)
    return enn_err(ENN_ERR_INVALID_ARG, "cannot write .enn format version %u (this writer: %u..%u)", major,
                   ENN_FMT_VERSION_MAJOR_MIN, ENN_FMT_VERSION_MAJOR);
  const enn_allocator *a = alloc ? alloc : enn_default_allocator();
  layout L;
  enn_status st = build_layout(g, &g->alloc, major, &L);
  if (st) return st;
  uint8_t *out = enn_alloc_aligned(a, L.total, ENN_FMT_WEIGHT_ALIGN);
  if (!out) {
    layout_free(&g->alloc, &L);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory for the %zu-byte model image", L.total);
  }
  mem_sink m = {out, 0};
  mem_chunk(&m, L.head, L.head_size);
  each_weight_chunk(g, &L, mem_chunk, &m);
  *data = out;
  *size = L.total;
  layout_free(&g->alloc, &L);
  return ENN_OK;
}

enn_status enn_model_save_buffer(const enn_graph *g, const enn_allocator *alloc, void **data, size_t *size) {
  return enn_fmt_save_buffer(g, ENN_FMT_VERSION_MAJOR, alloc, data, size);
}

/* ----------------------------------------------------------- atomic save */
typedef struct file_sink {
  int fd;
  const char *path;
} file_sink;

static enn_status file_chunk(void *ctx, const void *p, size_t n) {
  file_sink *f = ctx;
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(f->fd, b, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return enn_err(ENN_ERR_IO, "%s: write failed: %s", f->path, strerror(errno));
    }
    if (w == 0) return enn_err(ENN_ERR_IO, "%s: write wrote nothing", f->path);
    b += w;
    n -= (size_t)w;
  }
  return ENN_OK;
}

enn_status enn_model_save(const enn_graph *g, const char *path) {
  if (!g || !path || !*path) return enn_err(ENN_ERR_INVALID_ARG, "enn_model_save: NULL graph or empty path");
  const enn_allocator *a = &g->alloc;
  layout L;
  enn_status st = build_layout(g, a, ENN_FMT_VERSION_MAJOR, &L);
  if (st) return st;
  size_t plen = strlen(path), cap = plen + 64;
  char *tmp = enn_alloc(a, cap), *dir = enn_alloc(a, plen + 2);
  int fd = -1;
  bool created = false;
  if (!tmp || !dir) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  /* the directory (for the fsync after rename) */
  const char *slash = strrchr(path, '/');
  if (!slash) memcpy(dir, ".", 2);
  else if (slash == path) memcpy(dir, "/", 2);
  else {
    memcpy(dir, path, (size_t)(slash - path));
    dir[slash - path] = '\0';
  }
  for (int attempt = 0; attempt < 64 && fd < 0; attempt++) {
    snprintf(tmp, cap, "%s.tmp.%ld.%lld", path, (long)getpid(), (long long)(enn_now_ns() + attempt));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    st = enn_err(ENN_ERR_IO, "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
    goto done;
  }
  created = true;
  file_sink f = {fd, tmp};
  if ((st = file_chunk(&f, L.head, L.head_size))) goto done;
  if ((st = each_weight_chunk(g, &L, file_chunk, &f))) goto done;
  if (fsync(fd) != 0) {
    st = enn_err(ENN_ERR_IO, "%s: fsync failed: %s", tmp, strerror(errno));
    goto done;
  }
  int rc = close(fd);
  fd = -1;
  if (rc != 0) {
    st = enn_err(ENN_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
    goto done;
  }
  if (rename(tmp, path) != 0) {
    st = enn_err(ENN_ERR_IO, "%s: cannot rename the temporary file over it: %s", path, strerror(errno));
    goto done;
  }
  created = false;
  /* make the rename durable (best effort: some file systems refuse) */
  int dfd = open(dir, O_RDONLY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
done:
  if (fd >= 0) close(fd);
  if (created) unlink(tmp);
  enn_free(a, tmp);
  enn_free(a, dir);
  layout_free(a, &L);
  return st;
}
