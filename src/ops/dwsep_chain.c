/*
 * Fused depthwise-separable blocks (see dwsep_chain.h): detection (node
 * shape classes from Conv2D's own geometry rules, greedy grouping in node
 * order, the size rule) and the dtype-free row pipeline.
 */
#include "ops/dwsep_chain.h"

#include <string.h>

#include "base/threadpool.h"
#include "ops/qs8_ops.h"

bool enn_chain_conv_init(const enn_graph *g, int32_t i, enn_chain_conv *c) {
  if (i < 0 || i >= g->n_nodes) return false;
  const enn_node *n = &g->nodes[i];
  if (n->op != ENN_OP_CONV2D || n->n_inputs < 2 || n->n_inputs > 3 || n->n_outputs != 1) return false;
  const enn_tensor *x = &g->tensors[n->inputs[0]], *w = &g->tensors[n->inputs[1]];
  const enn_tensor *b = n->n_inputs > 2 ? &g->tensors[n->inputs[2]] : NULL;
  if (x->desc.rank != 4 || w->desc.rank != 4 || (b && b->desc.rank != 1)) return false;
  const enn_tensor_desc *in[3] = {&x->desc, &w->desc, b ? &b->desc : NULL};
  int64_t oh, ow;
  memset(c, 0, sizeof *c);
  if (enn_conv2d_geometry(n, in, &c->geo, &oh, &ow)) {
    enn_clear_error();
    return false;
  }
  c->n = n;
  c->in = n->inputs[0];
  c->out = n->outputs[0];
  const enn_conv2d_params *p = &c->geo;
  c->pw = p->kh == 1 && p->kw == 1 && p->sh == 1 && p->sw == 1 && p->pt == 0 && p->pl == 0 && p->oh == p->ih &&
          p->ow == p->iw && p->groups == 1;
  c->dw = p->groups == p->ic && p->oc == p->ic && p->kh == p->kw && (p->kh == 3 || p->kh == 5) && p->dh == 1 &&
          p->dw == 1 && p->sh == p->sw;
  c->stem = !c->pw && !c->dw && p->groups == 1 && p->ic < 16 && p->kw > 1 && p->kh <= ENN_CHAIN_STEM_MAX_K &&
            p->dh == 1 && p->dw == 1;
  return true;
}

/* q reads p's output and nothing else does. */
static bool linked(const enn_graph *g, const enn_chain_conv *p, const enn_chain_conv *q) {
  return q->in == p->out && q->geo.ic == p->geo.oc && q->geo.n == p->geo.n && enn_ir_use_count(g, p->out) == 1 &&
         !enn_ir_is_output(g, p->out);
}

/* The block starting at node j, if any: its length (0 = none). */
static int32_t try_chain(const enn_graph *g, int32_t j, const enn_chain_rule *r, enn_chain_spec *s) {
  enn_chain_conv a, b, c;
  memset(s, 0, sizeof *s);
  if (!r->conv(g, j, &a)) return 0;
  if ((a.pw || a.stem) && r->conv(g, j + 1, &b) && b.dw && linked(g, &a, &b)) {
    s->has_e = true;
    s->e = a;
    s->d = b;
    s->len = 2;
    if (r->conv(g, j + 2, &c) && c.pw && linked(g, &b, &c)) {
      s->has_p = true;
      s->p = c;
      s->len = 3;
    }
  } else if (a.dw && r->conv(g, j + 1, &b) && b.pw && linked(g, &a, &b)) {
    s->d = a;
    s->has_p = true;
    s->p = b;
    s->len = 2;
  } else
    return 0;
  s->first = j;
  const enn_conv2d_params *d = &s->d.geo;
  int64_t inter = 0, weights = (int64_t)d->oc * d->kh * d->kw;
  if (s->has_e) {
    const enn_conv2d_params *e = &s->e.geo;
    inter = (int64_t)d->n * d->ih * d->iw * d->ic;
    weights += (int64_t)e->oc * e->kh * e->kw * e->ic;
  }
  if (s->has_p) {
    const int64_t db = (int64_t)d->n * d->oh * d->ow * d->oc;
    inter = db > inter ? db : inter;
    weights += (int64_t)s->p.geo.oc * s->p.geo.ic;
  }
  if (inter * r->elem_bytes < r->min_inter_bytes || weights * r->elem_bytes > r->max_weight_bytes) return 0;
  return s->len;
}

bool enn_chain_find(const enn_graph *g, int32_t i, const enn_chain_rule *r, enn_chain_spec *s) {
  for (int32_t j = 0; j <= i;) {
    const int32_t len = try_chain(g, j, r, s);
    if (len && i < j + len) return true;
    j += len ? len : 1;
  }
  return false;
}

bool enn_chain_overlap(const void *a, size_t na, const void *b, size_t nb) {
  const char *pa = a, *pb = b;
  return na && nb && pa < pb + nb && pb < pa + na;
}

/* ------------------------------------------------------ the row pipeline */
#define TAG_BYTES ((size_t)ENN_ALIGN) /* ENN_CHAIN_RING_MAX int64 tags, padded */

void enn_chain_pipe_init(enn_chain_pipe *p, const enn_chain_spec *s, size_t elem, const void *zero) {
  const enn_conv2d_params *d = &s->d.geo, *x = s->has_e ? &s->e.geo : d;
  memset(p, 0, sizeof *p);
  p->nb = d->n;
  p->h = d->ih;
  p->oh = d->oh;
  p->k = d->kh;
  p->stride = d->sh;
  p->pt = d->pt;
  p->has_e = s->has_e;
  p->has_p = s->has_p;
  p->x_row = (size_t)x->iw * (size_t)x->ic * elem;
  p->x_bytes = (size_t)x->n * (size_t)x->ih * p->x_row;
  p->d_row = (size_t)d->iw * (size_t)d->ic * elem;
  p->dw_row = (size_t)d->ow * (size_t)d->oc * elem;
  p->y_row = s->has_p ? (size_t)d->ow * (size_t)s->p.geo.oc * elem : p->dw_row;
  p->zero = zero;
  p->ring_bytes = p->has_e ? enn_align_up((size_t)p->k * p->d_row, ENN_ALIGN) : 0;
  p->row_bytes = p->has_p ? enn_align_up(p->dw_row, ENN_ALIGN) : 0;
  p->per_thread = p->ring_bytes + p->row_bytes + TAG_BYTES;
}

static int64_t *thread_tags(const enn_chain_pipe *p, char *scratch, int32_t t) {
  return (int64_t *)(void *)(scratch + (size_t)t * p->per_thread + p->ring_bytes + p->row_bytes);
}

/* The k input rows of output row r: from `in` (nb * h rows of d_row
 * bytes), or, with ring != NULL, from the thread's ring (filled from x). */
static void window_rows(const enn_chain_pipe *p, const void *st, const char *in, char *ring, int64_t *tag,
                        int32_t thread, int64_t r, const void **rows) {
  const int32_t nbi = (int32_t)(r / p->oh), oy = (int32_t)(r % p->oh);
  for (int32_t ky = 0; ky < p->k; ky++) {
    const int32_t iy = oy * p->stride - p->pt + ky;
    if (iy < 0 || iy >= p->h) {
      rows[ky] = p->zero;
      continue;
    }
    const int64_t src = (int64_t)nbi * p->h + iy;
    if (!ring) {
      rows[ky] = in + (size_t)src * p->d_row;
      continue;
    }
    const int32_t slot = iy % p->k;
    char *dst = ring + (size_t)slot * p->d_row;
    if (tag[slot] != src) {
      p->expand(st, in, nbi, iy, dst, thread);
      tag[slot] = src;
    }
    rows[ky] = dst;
  }
}

typedef struct pipe_job {
  const enn_chain_pipe *p;
  const void *st;
  const char *x;
  char *y, *scratch;
  int32_t tasks;
  int64_t rows;
} pipe_job;

static void pipe_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const pipe_job *j = ctx;
  const enn_chain_pipe *p = j->p;
  char *sc = j->scratch + (size_t)thread * p->per_thread;
  char *ring = p->has_e ? sc : NULL, *drow = sc + p->ring_bytes;
  int64_t *tag = thread_tags(p, j->scratch, thread);
  const void *rows[ENN_CHAIN_RING_MAX];
  for (int32_t t = begin; t < end; t++)
    for (int64_t r = j->rows * t / j->tasks; r < j->rows * (t + 1) / j->tasks; r++) {
      window_rows(p, j->st, j->x, ring, tag, thread, r, rows);
      if (!p->has_p) {
        p->dw(j->st, rows, j->y + (size_t)r * p->y_row);
        continue;
      }
      p->dw(j->st, rows, drow);
      p->project(j->st, drow, j->y + (size_t)r * p->y_row);
    }
}

bool enn_chain_pipe_try(const enn_chain_pipe *p, const void *st, const void *x, void *y, const enn_exec *e,
                        int32_t tasks) {
  /* Fewer, longer ranges than the layer-by-layer split: a thread's ring
   * carries over between the consecutive ranges of its own lane, but a
   * stolen range starts a cold ring and recomputes its first kernel rows
   * (in a 14-row block cut into 8 ranges that doubles a stolen range's
   * expand work). MobileNetV2 1.0/224 at 2 threads, median of 14
   * alternating p50s of 200 runs: 3.65 ms with up to 4 ranges per thread,
   * 3.55 with 2, 3.55 with 1 (2 keeps some balancing for a preempted
   * thread). */
  const int32_t T = enn_threadpool_threads(e->pool);
  if (tasks > ENN_CHAIN_PIPE_TASKS_PER_THREAD * T) tasks = ENN_CHAIN_PIPE_TASKS_PER_THREAD * T;
  const int32_t used = tasks > 1 ? T : 1; /* any thread index < T may run a task */
  const size_t need = p->per_thread * (size_t)used;
  const size_t y_bytes = (size_t)p->nb * (size_t)p->oh * p->y_row;
  char *scratch = e->scratch;
  if (enn_chain_overlap(x, p->x_bytes, y, y_bytes) || enn_chain_overlap(x, p->x_bytes, scratch, need) ||
      need > e->scratch_bytes)
    return false;
  for (int32_t t = 0; t < used; t++) {
    int64_t *tag = thread_tags(p, scratch, t);
    for (int32_t s = 0; s < ENN_CHAIN_RING_MAX; s++) tag[s] = -1;
  }
  pipe_job j = {p, st, x, y, scratch, tasks, (int64_t)p->nb * p->oh};
  if (tasks <= 1) pipe_task(&j, 0, 1, 0);
  else enn_threadpool_parallel_for(e->pool, tasks, pipe_task, &j);
  return true;
}

static void dw_pass_task(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  const pipe_job *j = ctx;
  const void *rows[ENN_CHAIN_RING_MAX];
  for (int32_t t = begin; t < end; t++)
    for (int64_t r = j->rows * t / j->tasks; r < j->rows * (t + 1) / j->tasks; r++) {
      window_rows(j->p, j->st, j->x, NULL, NULL, thread, r, rows);
      j->p->dw(j->st, rows, j->y + (size_t)r * j->p->dw_row);
    }
}

void enn_chain_dw_pass(const enn_chain_pipe *p, const void *st, const void *in, void *out,
                       struct enn_threadpool *pool, int32_t tasks) {
  pipe_job j = {p, st, in, out, NULL, tasks, (int64_t)p->nb * p->oh};
  if (tasks <= 1) dw_pass_task(&j, 0, 1, 0);
  else enn_threadpool_parallel_for(pool, tasks, dw_pass_task, &j);
}
