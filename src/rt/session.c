/*
 * Sessions: create does all the work, run does none.
 *
 * create: clone the graph (constants borrowed), optimise, verify, map each
 * tensor to a buffer (views share their input's buffer, in-place ops share
 * a dying input's buffer), plan buffer offsets in one arena, allocate it,
 * resolve every node's input/output pointers and let each op prepare its
 * kernel and state. run: call each node's kernel in order.
 */
#include <string.h>
#include <stdlib.h>

#include "base/cpu.h"
#include "base/prefetch.h"
#include "base/threadpool.h"
#include "opt/opt.h"
#include "rt/rt.h"

struct enn_session {
  enn_allocator alloc;
  enn_session_options opt;
  enn_graph *g;             /* private, optimised */
  enn_exec *execs;          /* one per node */
  int32_t n_exec;
  void **ptrs;              /* all exec pointer arrays (one block) */
  const enn_tensor_desc **descs;
  uint8_t *arena;
  int64_t arena_bytes;
  bool arena_mapped; /* enn_alloc_big's flag */
  void **tensor_ptr;        /* per tensor */
  enn_tensor_layout *layout;/* per tensor: where and when (tests, tools) */
  enn_prepare_ctx pers;     /* persistent per-op memory (enn_prepare_alloc) */
  int64_t weights_bytes;
  int64_t macs;
  int64_t *node_macs;
  double *prof_ns;
  int64_t runs;
  int32_t *pf_block;        /* per exec + 1: first enn_prepare_alloc block of its prepare */
  enn_pf_stream *streams;   /* weight prefetch streams (base/prefetch.h) */
  enn_pf_stream **pf_of;    /* per exec: the stream it feeds, or NULL */
  bool *pf_first;           /* per exec: the first of its stream's window */
  enn_threadpool *pool;     /* threads > 1: workers for the kernels */
};

void enn_session_options_init(enn_session_options *o) {
  memset(o, 0, sizeof *o);
  o->threads = 1;
  o->optimize = 1;
}

void enn_session_destroy(enn_session *s) {
  if (!s) return;
  enn_allocator a = s->alloc;
  enn_threadpool_destroy(s->pool);
  enn_prepare_ctx_release(&s->pers);
  enn_free(&s->alloc, s->pf_block);
  enn_free(&s->alloc, s->streams);
  enn_free(&s->alloc, s->pf_of);
  enn_free(&s->alloc, s->pf_first);
  enn_free(&a, s->execs);
  enn_free(&a, s->ptrs);
  enn_free(&a, s->descs);
  enn_free_big(&a, s->arena, (size_t)s->arena_bytes + ENN_ALIGN, s->arena_mapped);
  enn_free(&a, s->tensor_ptr);
  enn_free(&a, s->layout);
  enn_free(&a, s->node_macs);
  enn_free(&a, s->prof_ns);
  enn_graph_destroy(s->g);
  enn_free(&a, s);
}

/* Union-find over tensors: buffers shared by views and in-place ops. */
static int32_t find_root(int32_t *parent, int32_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

static enn_status plan_memory(enn_session *s) {
  enn_graph *g = s->g;
  const int32_t nt = g->n_tensors, nn = g->n_nodes;
  enn_status st = ENN_OK;
  int32_t *parent = enn_alloc(&s->alloc, (size_t)nt * sizeof(int32_t) + 4);
  int32_t *last_use = enn_alloc(&s->alloc, (size_t)nt * sizeof(int32_t) + 4);
  int32_t *buf_last = enn_alloc(&s->alloc, (size_t)nt * sizeof(int32_t) + 4);
  int32_t *buf_index = enn_alloc(&s->alloc, (size_t)nt * sizeof(int32_t) + 4);
  uint8_t *pinned = enn_alloc(&s->alloc, (size_t)nt + 4); /* graph inputs / outputs: never reused */
  enn_plan_buf *bufs = enn_alloc(&s->alloc, ((size_t)nt + (size_t)nn) * sizeof(enn_plan_buf) + 4);
  if (!parent || !last_use || !buf_last || !buf_index || !pinned || !bufs) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory planning the arena");
    goto done;
  }
  for (int32_t t = 0; t < nt; t++) {
    parent[t] = t;
    last_use[t] = g->tensors[t].producer;
  }
  for (int32_t i = 0; i < nn; i++)
    for (int32_t k = 0; k < g->nodes[i].n_inputs; k++) last_use[g->nodes[i].inputs[k]] = i;
  for (int32_t i = 0; i < g->n_inputs; i++) pinned[g->inputs[i]] = 1;
  for (int32_t i = 0; i < g->n_outputs; i++) pinned[g->outputs[i]] = 1;
  for (int32_t t = 0; t < nt; t++) buf_last[t] = pinned[t] ? nn : last_use[t];

  for (int32_t i = 0; i < nn; i++) {
    const enn_node *n = &g->nodes[i];
    uint32_t fl = enn_op_flags(n->op);
    int32_t in0 = n->n_inputs ? n->inputs[0] : -1, out0 = n->outputs[0];
    if (in0 < 0 || g->tensors[in0].kind == ENN_TK_CONST) continue;
    int32_t r = find_root(parent, in0);
    bool join = false;
    if (fl & ENN_OPF_VIEW) join = true;
    else if ((fl & ENN_OPF_INPLACE) && !pinned[r] && buf_last[r] == i && !pinned[out0] &&
             enn_tensor_desc_bytes(&g->tensors[in0].desc) == enn_tensor_desc_bytes(&g->tensors[out0].desc))
      join = true;
    if (!join) continue;
    parent[out0] = r;
    if (buf_last[out0] > buf_last[r]) buf_last[r] = buf_last[out0];
    if (pinned[out0]) pinned[r] = 1;
  }
  /* One plan buffer per root (non-constant) + one per node scratch. */
  int32_t nb = 0;
  for (int32_t t = 0; t < nt; t++) buf_index[t] = -1;
  for (int32_t t = 0; t < nt; t++) {
    if (g->tensors[t].kind == ENN_TK_CONST) continue;
    int32_t r = find_root(parent, t);
    if (buf_index[r] < 0) {
      buf_index[r] = nb;
      bufs[nb].size = 0;
      bufs[nb].first = g->tensors[r].kind == ENN_TK_INPUT ? 0 : g->tensors[r].producer;
      bufs[nb].last = pinned[r] ? nn : buf_last[r];
      if (bufs[nb].last < bufs[nb].first) bufs[nb].last = bufs[nb].first;
      nb++;
    }
    enn_plan_buf *b = &bufs[buf_index[r]];
    int64_t bytes = (int64_t)enn_tensor_desc_bytes(&g->tensors[t].desc);
    if (bytes > b->size) b->size = bytes;
  }
  int32_t scratch0 = nb;
  for (int32_t i = 0; i < nn; i++) {
    bufs[nb].size = (int64_t)s->execs[i].scratch_bytes;
    bufs[nb].first = bufs[nb].last = i;
    nb++;
  }
  if ((st = enn_plan_offsets(bufs, nb, &s->alloc, &s->arena_bytes))) goto done;
  if (!enn_plan_valid(bufs, nb)) {
    st = enn_err(ENN_ERR_INTERNAL, "memory plan overlaps live buffers");
    goto done;
  }
  s->arena = enn_alloc_big(&s->alloc, (size_t)s->arena_bytes + ENN_ALIGN, &s->arena_mapped);
  if (!s->arena) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory for the %lld-byte arena", (long long)s->arena_bytes);
    goto done;
  }
  for (int32_t t = 0; t < nt; t++) {
    const enn_tensor *tt = &g->tensors[t];
    enn_tensor_layout *L = &s->layout[t];
    L->bytes = (int64_t)enn_tensor_desc_bytes(&tt->desc);
    if (tt->kind == ENN_TK_CONST) {
      s->tensor_ptr[t] = tt->data;
      L->offset = -1;
      L->buffer = -1;
      continue;
    }
    const enn_plan_buf *b = &bufs[buf_index[find_root(parent, t)]];
    s->tensor_ptr[t] = s->arena + b->offset;
    L->offset = b->offset;
    L->buffer = buf_index[find_root(parent, t)];
    L->first = tt->kind == ENN_TK_INPUT ? 0 : tt->producer;
    L->last = pinned[t] ? nn : last_use[t];
    if (L->last < L->first) L->last = L->first;
  }
  /* A view of a constant (only left at optimize = 0; constant folding
   * removes them otherwise) reads the constant's bytes directly. */
  for (int32_t i = 0; i < nn; i++) {
    const enn_node *n = &g->nodes[i];
    if (!(enn_op_flags(n->op) & ENN_OPF_VIEW) || n->n_inputs < 1) continue;
    int32_t in0 = n->inputs[0], out0 = n->outputs[0];
    if (g->tensors[in0].kind == ENN_TK_CONST || s->layout[in0].offset < 0) {
      s->tensor_ptr[out0] = s->tensor_ptr[in0];
      s->layout[out0].offset = -1;
      s->layout[out0].buffer = -1;
    }
  }
  for (int32_t i = 0; i < nn; i++)
    s->execs[i].scratch = s->execs[i].scratch_bytes ? s->arena + bufs[scratch0 + i].offset : NULL;
done:
  enn_free(&s->alloc, parent);
  enn_free(&s->alloc, last_use);
  enn_free(&s->alloc, buf_last);
  enn_free(&s->alloc, buf_index);
  enn_free(&s->alloc, pinned);
  enn_free(&s->alloc, bufs);
  return st;
}

/* Weight prefetch streams (base/prefetch.h), opt-in: ENN_PREFETCH=r with
 * 0 < r <= 1 (unset or 0: none). A node is a target when its largest
 * block of persistent memory (its packed weights) is at least
 * PF_MIN_BYTES and it does at most one multiply-accumulate per byte of
 * it: a batch-1 fully-connected layer (fp32 or int8), which streams its
 * weights once and waits on memory when they are not cached. Its window is the nodes
 * before it, back until their multiply-accumulates reach
 * PF_MACS_PER_LINE / r per cache line of the region (with the AVX-512
 * 7 x 32 tile a k-step is 224 MACs: r = 1 allows one line per k-step,
 * 0.5 one every other step on average; the int8 7 x 48 tile's k-step is
 * 1344 MACs, so its windows are shorter in time), or until the previous target's
 * window. The stream's rate then covers the region over the window with
 * a quarter to spare (the depthwise parts of fused blocks count but claim
 * nothing). Why it is not on by default (docs/architecture.md): on
 * MobileNetV2 the classifier gets twice as fast but the nodes issuing the
 * prefetches lose as much (the prefetched lines evict their weights from
 * L2); whole-model p50s were unchanged within 1%. */
#define PF_MIN_BYTES (256 * 1024)
#define PF_MACS_PER_LINE 224.0
static enn_status plan_prefetch(enn_session *s) {
  const int32_t nn = s->n_exec;
  for (int32_t i = 0; i < nn; i++) s->pf_of[i] = NULL, s->pf_first[i] = false;
  const char *env = getenv("ENN_PREFETCH");
  double rate = 0;
  if (env && *env) {
    char *end = NULL;
    rate = strtod(env, &end);
    if (!end || *end != '\0' || !(rate >= 0 && rate <= 1))
      return enn_err(ENN_ERR_INVALID_ARG, "ENN_PREFETCH must be a number in [0, 1] (got '%s')", env);
  }
  if (!(rate > 0)) return ENN_OK;
  int32_t n_streams = 0, floor_i = 0; /* windows start at or after floor_i */
  for (int32_t j = 1; j < nn; j++) {
    int64_t big = 0;
    int32_t bb = -1;
    for (int32_t b = s->pf_block[j]; b < s->pf_block[j + 1]; b++)
      if (s->pers.sizes[b] > big) big = s->pers.sizes[b], bb = b;
    if (bb < 0 || big < PF_MIN_BYTES || s->node_macs[j] > big) continue;
    const int64_t lines = big / 64;
    const double need = (double)lines * PF_MACS_PER_LINE / rate;
    double have = 0;
    int32_t w0 = j;
    while (w0 > floor_i && have < need) have += (double)s->node_macs[--w0];
    floor_i = j + 1;
    if (w0 == j || have < PF_MACS_PER_LINE) continue;
    enn_pf_stream *ps = &s->streams[n_streams++];
    atomic_store_explicit(&enn_pf_any, 1, memory_order_relaxed); /* kernels start looking (prefetch.h) */
    ps->base = (const char *)s->pers.blocks[bb];
    ps->lines = lines;
    const double q = 1.25 * (double)lines / have; /* lines per MAC */
    ps->rate = (float)(q < 1.0 / PF_MACS_PER_LINE ? q : 1.0 / PF_MACS_PER_LINE);
    atomic_init(&ps->next, 0);
    for (int32_t i = w0; i < j; i++) s->pf_of[i] = ps;
    s->pf_first[w0] = true;
  }
  return ENN_OK;
}

enn_status enn_session_create(const enn_graph *src, const enn_session_options *opt, enn_session **out) {
  if (!src || !out) return enn_err(ENN_ERR_INVALID_ARG, "enn_session_create: NULL argument");
  *out = NULL;
  enn_session_options o;
  if (opt) o = *opt;
  else enn_session_options_init(&o);
  if (o.threads < 1 || o.threads > 1024) return enn_err(ENN_ERR_INVALID_ARG, "threads must be 1..1024 (got %d)", o.threads);
  const enn_allocator *a = o.alloc ? o.alloc : enn_default_allocator();
  enn_session *s = enn_alloc(a, sizeof *s);
  if (!s) return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a session");
  s->alloc = *a;
  s->opt = o;
  s->opt.alloc = NULL;
  s->pers.alloc = *a;
  enn_isa isa;
  enn_status st = enn_cpu_isa(&isa); /* a bad ENN_ISA is reported here */
  if (st) goto fail;
  if (o.threads > 1 && (st = enn_threadpool_create(o.threads, &s->alloc, &s->pool))) goto fail;
  if ((st = enn_graph_verify(src))) goto fail;
  if ((st = enn_ir_clone(src, &s->alloc, false, &s->g))) goto fail;
  if (o.optimize > 0 && (st = enn_graph_optimize(s->g, o.optimize))) goto fail;
  if ((st = enn_graph_verify(s->g))) goto fail;
  enn_graph *g = s->g;
  const int32_t nn = g->n_nodes;
  s->n_exec = nn;
  int64_t const_bytes = 0; /* packed weights go to huge-page slabs when there are enough (rt.h) */
  for (int32_t t = 0; t < g->n_tensors; t++)
    if (g->tensors[t].kind == ENN_TK_CONST) const_bytes += (int64_t)enn_tensor_desc_bytes(&g->tensors[t].desc);
  if (const_bytes >= ((int64_t)1 << 20)) s->pers.slab_hint = const_bytes;
  int64_t nio = 0;
  for (int32_t i = 0; i < nn; i++) nio += g->nodes[i].n_inputs + g->nodes[i].n_outputs;
  s->execs = enn_alloc(&s->alloc, (size_t)nn * sizeof(enn_exec) + 1);
  s->ptrs = enn_alloc(&s->alloc, (size_t)nio * sizeof(void *) + 1);
  s->descs = enn_alloc(&s->alloc, (size_t)nio * sizeof(void *) + 1);
  s->tensor_ptr = enn_alloc(&s->alloc, (size_t)g->n_tensors * sizeof(void *) + 1);
  s->layout = enn_alloc(&s->alloc, (size_t)g->n_tensors * sizeof(enn_tensor_layout) + 1);
  s->node_macs = enn_alloc(&s->alloc, (size_t)nn * sizeof(int64_t) + 1);
  s->prof_ns = enn_alloc(&s->alloc, (size_t)nn * sizeof(double) + 1);
  s->pf_block = enn_alloc(&s->alloc, (size_t)(nn + 1) * sizeof(int32_t));
  s->streams = enn_alloc_aligned(&s->alloc, (size_t)nn * sizeof(enn_pf_stream) + 1, ENN_ALIGN);
  s->pf_of = enn_alloc(&s->alloc, (size_t)nn * sizeof(enn_pf_stream *) + 1);
  s->pf_first = enn_alloc(&s->alloc, (size_t)nn * sizeof(bool) + 1);
  if (!s->execs || !s->ptrs || !s->descs || !s->tensor_ptr || !s->layout || !s->node_macs || !s->prof_ns ||
      !s->pf_block || !s->streams || !s->pf_of || !s->pf_first) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a session");
    goto fail;
  }
  /* Wire descriptors, then prepare (ops pick kernels, request scratch). */
  int64_t k = 0;
  for (int32_t i = 0; i < nn; i++) {
    enn_node *n = &g->nodes[i];
    enn_exec *e = &s->execs[i];
    e->node = n;
    e->n_in = n->n_inputs;
    e->n_out = n->n_outputs;
    e->in_desc = &s->descs[k];
    e->in = (const void **)&s->ptrs[k];
    for (int32_t j = 0; j < n->n_inputs; j++) { /* constants are readable at prepare (weight packing) */
      const enn_tensor *t = &g->tensors[n->inputs[j]];
      s->ptrs[k] = t->kind == ENN_TK_CONST ? t->data : NULL;
      s->descs[k++] = &t->desc;
    }
    e->out_desc = &s->descs[k];
    e->out = &s->ptrs[k];
    for (int32_t j = 0; j < n->n_outputs; j++) s->descs[k++] = &g->tensors[n->outputs[j]].desc;
    e->threads = o.threads;
    e->pool = s->pool;
    e->graph = g;
    e->index = i;
    e->execs = s->execs;
    const enn_op_vtable *vt = enn_op_vtable_get(n->op);
    if (!vt || (!vt->run && !(enn_op_flags(n->op) & ENN_OPF_VIEW))) {
      st = enn_node_err(n, ENN_ERR_UNSUPPORTED, "operator %s is not built into this edgenn", enn_op_name(n->op));
      goto fail;
    }
    e->kernel = vt->run ? "ref" : "view";
    s->pf_block[i] = s->pers.n_blocks;
    if (vt->prepare && (st = vt->prepare(e, &s->pers))) goto fail;
    s->node_macs[i] = enn_graph_node_macs(g, i);
    s->macs += s->node_macs[i];
  }
  s->pf_block[nn] = s->pers.n_blocks;
  if ((st = plan_prefetch(s))) goto fail;
  if ((st = plan_memory(s))) goto fail;
  k = 0;
  for (int32_t i = 0; i < nn; i++) {
    enn_node *n = &g->nodes[i];
    for (int32_t j = 0; j < n->n_inputs; j++, k++) /* a constant keeps what prepare set (ops/f16_weights.h) */
      if (g->tensors[n->inputs[j]].kind != ENN_TK_CONST) s->ptrs[k] = s->tensor_ptr[n->inputs[j]];
    for (int32_t j = 0; j < n->n_outputs; j++) s->ptrs[k++] = s->tensor_ptr[n->outputs[j]];
  }
  enn_graph_stats gs;
  if ((st = enn_graph_stats_get(g, &gs))) goto fail;
  s->weights_bytes = gs.weights_bytes;
  *out = s;
  return ENN_OK;
fail:
  enn_session_destroy(s);
  return st;
}

enn_status enn_session_run(enn_session *s) {
  if (!s) return enn_err(ENN_ERR_INVALID_ARG, "session is NULL");
  const bool prof = s->opt.profile != 0;
  for (int32_t i = 0; i < s->n_exec; i++) {
    const enn_exec *e = &s->execs[i];
    const enn_op_vtable *vt = enn_op_vtable_get(e->node->op);
    if (!vt->run) continue;
    enn_pf_stream *ps = s->pf_of[i];
    if (ps && s->pf_first[i]) atomic_store_explicit(&ps->next, 0, memory_order_relaxed);
    enn_pf_current = ps;
    enn_pf_budget = 0;
    if (prof) {
      int64_t t0 = enn_now_ns();
      vt->run(e);
      s->prof_ns[i] += (double)(enn_now_ns() - t0);
    } else vt->run(e);
  }
  enn_pf_current = NULL;
  s->runs++;
  return ENN_OK;
}

int32_t enn_session_prefetch_streams(const enn_session *s, int64_t *lines, int64_t *claimed) {
  int64_t l = 0, c = 0;
  int32_t n = 0;
  for (int32_t i = 0; s && i < s->n_exec; i++) {
    const enn_pf_stream *ps = s->pf_of[i];
    if (!ps || !s->pf_first[i]) continue;
    const int64_t next = atomic_load_explicit(&ps->next, memory_order_relaxed);
    n++;
    l += ps->lines;
    c += next < ps->lines ? next : ps->lines;
  }
  if (lines) *lines = l;
  if (claimed) *claimed = c;
  return n;
}

int32_t enn_session_num_inputs(const enn_session *s) { return s ? s->g->n_inputs : 0; }
int32_t enn_session_num_outputs(const enn_session *s) { return s ? s->g->n_outputs : 0; }

static enn_status io_desc(const enn_session *s, const int32_t *ids, int32_t n, int32_t i, enn_tensor_desc *d,
                          const char **name, const char *what) {
  if (!s || i < 0 || i >= n) return enn_err(ENN_ERR_NOT_FOUND, "session has no %s %d", what, i);
  const enn_tensor *t = &s->g->tensors[ids[i]];
  if (d) *d = t->desc;
  if (name) *name = t->name;
  return ENN_OK;
}

enn_status enn_session_input_desc(const enn_session *s, int32_t i, enn_tensor_desc *d, const char **name) {
  return io_desc(s, s ? s->g->inputs : NULL, s ? s->g->n_inputs : 0, i, d, name, "input");
}

enn_status enn_session_output_desc(const enn_session *s, int32_t i, enn_tensor_desc *d, const char **name) {
  return io_desc(s, s ? s->g->outputs : NULL, s ? s->g->n_outputs : 0, i, d, name, "output");
}

void *enn_session_input_buffer(enn_session *s, int32_t i) {
  if (!s || i < 0 || i >= s->g->n_inputs) return NULL;
  return s->tensor_ptr[s->g->inputs[i]];
}

const void *enn_session_output_buffer(const enn_session *s, int32_t i) {
  if (!s || i < 0 || i >= s->g->n_outputs) return NULL;
  return s->tensor_ptr[s->g->outputs[i]];
}

enn_status enn_session_stats_get(const enn_session *s, enn_session_stats *st) {
  if (!s || !st) return enn_err(ENN_ERR_INVALID_ARG, "enn_session_stats_get: NULL argument");
  memset(st, 0, sizeof *st);
  st->peak_arena_bytes = s->arena_bytes;
  st->weights_bytes = s->weights_bytes;
  st->persistent_bytes = s->pers.bytes;
  st->macs = s->macs;
  st->nodes = s->n_exec;
  st->threads = s->opt.threads;
  return ENN_OK;
}

int32_t enn_session_num_nodes(const enn_session *s) { return s ? s->n_exec : 0; }

enn_status enn_session_node_profile(const enn_session *s, int32_t i, enn_node_profile *p) {
  if (!s || !p || i < 0 || i >= s->n_exec) return enn_err(ENN_ERR_NOT_FOUND, "session has no node %d", i);
  const enn_exec *e = &s->execs[i];
  memset(p, 0, sizeof *p);
  p->name = e->node->name;
  p->op = e->node->op;
  p->kernel = e->kernel;
  p->macs = s->node_macs[i];
  p->total_ns = s->prof_ns[i];
  p->runs = s->runs;
  p->out = *e->out_desc[0];
  return ENN_OK;
}

void enn_session_profile_reset(enn_session *s) {
  if (!s) return;
  memset(s->prof_ns, 0, (size_t)s->n_exec * sizeof(double));
  s->runs = 0;
}

int32_t enn_session_debug_tensors(const enn_session *s, const enn_graph **g, const enn_tensor_layout **layout,
                                  const uint8_t **arena) {
  if (g) *g = s->g;
  if (layout) *layout = s->layout;
  if (arena) *arena = s->arena;
  return s->g->n_tensors;
}
