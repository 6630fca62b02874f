/*
 * Pass manager: runs the passes to a fixed point, then compacts the graph.
 * Level 1: everything that preserves results to fp32 rounding.
 *
 * The passes trust a verified graph (ids in range, topological order), so
 * the graph is verified first, and again at the end. Order within a round:
 * identity removal first (it makes producers and consumers adjacent), then
 * constant folding, batch-norm folding before activation fusion (so a
 * conv -> bn -> relu chain ends as one conv with a fused relu; the other
 * order also works, as the bn carries the activation into the conv), and
 * dead-node removal last. A pass that changed something is followed by
 * enn_ir_compact, which drops dead nodes and orphaned tensors; rounds
 * repeat until none changes anything.
 */
#include "opt/opt.h"

typedef enn_status (*pass_fn)(enn_graph *g, bool *changed);

enn_status enn_graph_optimize(enn_graph *g, int32_t level) {
  if (!g) return enn_err(ENN_ERR_INVALID_ARG, "graph is NULL");
  if (level <= 0) return ENN_OK;
  enn_status vst = enn_graph_verify(g);
  if (vst) return enn_err_prefix(vst, "cannot optimise an invalid graph");
  static const pass_fn passes[] = {enn_opt_remove_identity, enn_opt_fold_constants, enn_opt_fold_batch_norm,
                                   enn_opt_fuse_activations, enn_opt_remove_dead};
  static const char *const names[] = {"remove-identity", "fold-constants", "fold-batch-norm", "fuse-activations",
                                      "remove-dead"};
  for (int iter = 0; iter < 16; iter++) {
    bool any = false;
    for (size_t i = 0; i < ENN_ARRAY_LEN(passes); i++) {
      bool changed = false;
      enn_status st = passes[i](g, &changed);
      if (st) return enn_err_prefix(st, "pass %s", names[i]);
      if (changed) {
        any = true;
        if ((st = enn_ir_compact(g))) return st;
      }
    }
    if (!any) break;
  }
  return enn_graph_verify(g);
}
