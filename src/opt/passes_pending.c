/* PLACEHOLDER while the passes are being written: each reports "no change".
 * The passes helper deletes this file as it adds the real passes. */
#include "opt/opt.h"

enn_status enn_opt_fold_constants(enn_graph *g, bool *changed) { ENN_UNUSED(g); ENN_UNUSED(changed); return ENN_OK; }
enn_status enn_opt_fold_batch_norm(enn_graph *g, bool *changed) { ENN_UNUSED(g); ENN_UNUSED(changed); return ENN_OK; }
enn_status enn_opt_fuse_activations(enn_graph *g, bool *changed) { ENN_UNUSED(g); ENN_UNUSED(changed); return ENN_OK; }
enn_status enn_opt_remove_identity(enn_graph *g, bool *changed) { ENN_UNUSED(g); ENN_UNUSED(changed); return ENN_OK; }
