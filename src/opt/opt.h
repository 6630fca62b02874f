/*
 * Graph passes. Each takes a graph it may edit in place (nodes marked dead,
 * constants added) and reports through *changed whether it did anything.
 * The pass manager (optimize.c) runs them to a fixed point and compacts.
 * Every pass keeps the graph's outputs bit-for-bit meaningful: the
 * optimised graph computes the same function (fp32 rounding aside).
 */
#ifndef ENN_OPT_H
#define ENN_OPT_H

#include "ir/ir.h"

/* Evaluates nodes whose inputs are all constant with the reference kernels
 * and replaces their outputs by constants. */
enn_status enn_opt_fold_constants(enn_graph *g, bool *changed);
/* Folds BatchNorm that follows a Conv2D / FullyConnected (sole consumer)
 * into its weights and bias; a lone BatchNorm stays. */
enn_status enn_opt_fold_batch_norm(enn_graph *g, bool *changed);
/* Fuses a following activation (Relu, Clip, HardSwish, ...) into
 * Conv2D / FullyConnected / Add / ... (ops with ENN_OPF_FUSE_ACT). */
enn_status enn_opt_fuse_activations(enn_graph *g, bool *changed);
/* Removes Identity nodes and no-op reshapes/transposes/pads/slices. */
enn_status enn_opt_remove_identity(enn_graph *g, bool *changed);
/* Removes nodes none of whose outputs reach a graph output. */
enn_status enn_opt_remove_dead(enn_graph *g, bool *changed);

#endif
