/*
 * Fused depthwise-separable block detection (see chain_find.h): node shape
 * classes from Conv2D's own geometry rules, greedy grouping in node order,
 * and the size rule.
 */
#include "ops/chain_find.h"

#include <string.h>

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
