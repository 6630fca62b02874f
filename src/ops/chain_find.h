/*
 * Finding fused depthwise-separable blocks in a graph: the detection shared
 * by the f32 (conv2d_chain.c) and int8 (conv2d_q8_chain.c) block runners.
 *
 * A block is a run of consecutive Conv2D nodes: a first layer E (a 1x1:
 * stride 1, no padding, one group; or, where the runner allows it, a stem
 * conv: dense, dilation 1, kw > 1, kh <= ENN_CHAIN_STEM_MAX_K, fewer than
 * 16 input channels) whose output feeds only a depthwise D (3x3 or 5x5,
 * channel multiplier 1, dilation 1, equal strides), optionally followed by
 * a 1x1 P reading only D's output; or D followed by such a P. Linked
 * intermediates are read by that one node and are not graph outputs. The
 * runner's callback says which nodes qualify at all (dtypes, constant
 * weights, activations its kernels compute) and may veto a 1x1 or a stem.
 * A block is kept when its largest intermediate has at least
 * rule.min_inter_bytes and its weights at most rule.max_weight_bytes
 * (elements of rule.elem_bytes). Nodes are grouped greedily in order, so
 * every node of the graph finds the same grouping and knows its role.
 */
#ifndef ENN_OPS_CHAIN_FIND_H
#define ENN_OPS_CHAIN_FIND_H

#include <stdbool.h>

#include "ir/ir.h"
#include "kernels/ref/conv_ref.h"

#define ENN_CHAIN_STEM_MAX_K 7

typedef struct enn_chain_conv {
  const enn_node *n;
  int32_t in, out; /* tensor ids */
  enn_conv2d_params geo;
  bool pw, dw, stem; /* shape classes (set by enn_chain_conv_init, a callback may clear pw / stem) */
} enn_chain_conv;

/* Node i as a block layer: false when it is not a candidate. Callbacks
 * call enn_chain_conv_init first, then add their own checks. */
typedef bool (*enn_chain_conv_fn)(const enn_graph *g, int32_t i, enn_chain_conv *c);

typedef struct enn_chain_rule {
  enn_chain_conv_fn conv;
  int64_t elem_bytes;
  int64_t min_inter_bytes, max_weight_bytes;
} enn_chain_rule;

typedef struct enn_chain_spec {
  int32_t first, len; /* nodes [first, first + len) */
  bool has_e, has_p;
  enn_chain_conv e, d, p; /* e / p valid when has_* */
} enn_chain_spec;

/* The shape facts of Conv2D node i (one output, 2 or 3 inputs, valid
 * geometry); false otherwise. Dtypes are the callback's business. */
bool enn_chain_conv_init(const enn_graph *g, int32_t i, enn_chain_conv *c);

/* The block containing node i, if any. */
bool enn_chain_find(const enn_graph *g, int32_t i, const enn_chain_rule *r, enn_chain_spec *s);

/* Byte ranges [a, a + na) and [b, b + nb) intersect. */
bool enn_chain_overlap(const void *a, size_t na, const void *b, size_t nb);

#endif
