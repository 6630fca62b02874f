/* Small graph queries and rewires shared by the passes. */
#include <string.h>

#include "opt/opt.h"

int32_t enn_opt_producer(const enn_graph *g, int32_t id) {
  if (id < 0 || id >= g->n_tensors) return -1;
  const enn_tensor *t = &g->tensors[id];
  if (t->kind != ENN_TK_ACT || t->producer < 0 || t->producer >= g->n_nodes) return -1;
  return g->nodes[t->producer].dead ? -1 : t->producer;
}

bool enn_opt_sole_use(const enn_graph *g, int32_t id) {
  return enn_opt_producer(g, id) >= 0 && !enn_ir_is_output(g, id) && enn_ir_use_count(g, id) == 1;
}

void enn_opt_take_output(enn_graph *g, int32_t ni, int32_t from, int32_t to) {
  enn_node *n = &g->nodes[ni];
  for (int32_t k = 0; k < n->n_outputs; k++)
    if (n->outputs[k] == from) n->outputs[k] = to;
  g->tensors[to].producer = ni;
  g->tensors[from].producer = -1;
}

/* Same quantisation parameters: both none, or the same count, axis (when
 * per axis), scales bit for bit and zero points. */
static bool same_quant(const enn_quant *a, const enn_quant *b) {
  if (a->count != b->count) return false;
  if (a->count == 0) return true;
  if (a->count > 1 && a->axis != b->axis) return false;
  return memcmp(a->scale, b->scale, a->count * sizeof(float)) == 0 &&
         memcmp(a->zero_point, b->zero_point, a->count * sizeof(int32_t)) == 0;
}

bool enn_opt_same_desc(const enn_tensor_desc *a, const enn_tensor_desc *b) {
  return a->dtype == b->dtype && enn_desc_same_shape(a, b) && same_quant(&a->quant, &b->quant);
}

enn_status enn_opt_adopt_const(enn_graph *g, const char *name, const enn_tensor_desc *d, void *buf, uint32_t flags,
                               int32_t *out) {
  /* Added as borrowed (no copy), then marked graph-owned. */
  enn_status st = enn_graph_add_constant(g, name, d, buf, flags | ENN_CONST_BORROW, out);
  if (st) return st;
  g->tensors[*out].flags = flags & ~ENN_CONST_BORROW;
  g->tensors[*out].owned = true;
  return ENN_OK;
}
