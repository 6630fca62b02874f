/* Dead-node removal: a node none of whose outputs is read (transitively) by
 * a graph output is marked dead. One backward sweep over the topological
 * order suffices. */
#include "opt/opt.h"

enn_status enn_opt_remove_dead(enn_graph *g, bool *changed) {
  uint8_t *live = enn_alloc(&g->alloc, (size_t)g->n_tensors + 1);
  if (!live) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t i = 0; i < g->n_outputs; i++) live[g->outputs[i]] = 1;
  for (int32_t i = g->n_nodes - 1; i >= 0; i--) {
    enn_node *n = &g->nodes[i];
    if (n->dead) continue;
    bool used = false;
    for (int32_t k = 0; k < n->n_outputs; k++) used |= live[n->outputs[k]] != 0;
    if (!used) {
      n->dead = true;
      *changed = true;
      continue;
    }
    for (int32_t k = 0; k < n->n_inputs; k++) live[n->inputs[k]] = 1;
  }
  enn_free(&g->alloc, live);
  return ENN_OK;
}
