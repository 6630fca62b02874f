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

/* ------------------------------------------------ helpers shared by passes */
/* Index of the live node producing tensor id, or -1 (input, constant, or a
 * producer already marked dead). */
int32_t enn_opt_producer(const enn_graph *g, int32_t id);
/* True if tensor id is an activation that exactly one live node reads and
 * that is not a graph output: its producer may be rewritten freely. */
bool enn_opt_sole_use(const enn_graph *g, int32_t id);
/* Makes node `ni` write tensor `to` in place of its output `from` (which
 * then has no producer and must be unreferenced). `to` keeps its name, so
 * graph outputs and the names users address them by stay stable. The
 * caller guarantees `to` has the same dtype and shape as `from` and that
 * every reader of `to` comes after node ni. */
void enn_opt_take_output(enn_graph *g, int32_t ni, int32_t from, int32_t to);
/* Adds a constant that takes ownership of `buf` (from enn_alloc_aligned
 * with g's allocator, ENN_ALIGN-aligned) on success; on failure the caller
 * still owns it. */
enn_status enn_opt_adopt_const(enn_graph *g, const char *name, const enn_tensor_desc *d, void *buf, uint32_t flags,
                               int32_t *out);
/* True if every dimension of a and b, their dtypes and their quantisation
 * parameters (bit for bit) agree: a tensor may then stand for the other. */
bool enn_opt_same_desc(const enn_tensor_desc *a, const enn_tensor_desc *b);

#endif
