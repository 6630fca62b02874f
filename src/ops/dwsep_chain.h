/*
 * Fused depthwise-separable blocks, the parts shared by the f32
 * (conv2d_chain.c) and int8 (conv2d_q8_chain.c) block runners: finding the
 * blocks in a graph, and the dtype-free row pipeline (enn_chain_pipe).
 *
 * Detection.
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
#ifndef ENN_OPS_DWSEP_CHAIN_H
#define ENN_OPS_DWSEP_CHAIN_H

#include <stdbool.h>

#include "ir/ir.h"
#include "kernels/ref/conv_ref.h"

struct enn_threadpool;

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

/* ------------------------------------------------------ the row pipeline
 * Per output row of the depthwise, the k input rows it needs come from the
 * block input (no first layer) or from a per-thread ring of k rows that
 * `expand` fills, each slot tagged with the input row it holds (reused by
 * the next output row; tags reset once per run, so a thread that runs
 * adjacent ranges keeps its ring across them); `dw` turns them into one
 * row, written to the output or, with a project layer, to a per-thread row
 * that `project` turns into the block's output row. Padding rows are
 * `zero`. Rows are plain bytes: the runner's callbacks know the dtype and
 * get the runner's state. Each element is computed by the same callback
 * from the same operands whoever computes it, so any split gives the same
 * bytes. Per-thread scratch: ring, depthwise row, tags. */
#define ENN_CHAIN_RING_MAX 5 /* k <= 5 */

typedef struct enn_chain_pipe {
  int32_t nb, h, oh, k, stride, pt; /* depthwise: input rows per image, output rows, window, stride, top pad */
  bool has_e, has_p;
  size_t x_row;   /* bytes of a block-input row (no first layer: a depthwise input row) */
  size_t x_bytes; /* bytes of the block input */
  size_t d_row;   /* bytes of a depthwise input row (a ring row) */
  size_t dw_row;  /* bytes of a depthwise output row */
  size_t y_row;   /* bytes of a block output row */
  size_t ring_bytes, row_bytes, per_thread; /* per-thread scratch: ring, depthwise row, tags */
  const void *zero;                        /* a padding row (d_row bytes) */
  /* input row iy of image nbi of x -> ring row dst, on thread `thread` */
  void (*expand)(const void *st, const char *x, int32_t nbi, int32_t iy, char *dst, int32_t thread);
  /* the k rows of one depthwise output row -> out */
  void (*dw)(const void *st, const void *const *rows, char *out);
  /* a depthwise output row -> a block output row */
  void (*project)(const void *st, const char *drow, char *yrow);
} enn_chain_pipe;

/* The geometry and scratch layout of block s for elements of elem bytes,
 * padding row zero; the runner then sets the three steps. */
void enn_chain_pipe_init(enn_chain_pipe *p, const enn_chain_spec *s, size_t elem, const void *zero);

/* Runs all nb * oh output rows through the pipeline in `tasks` ranges
 * (at most ENN_CHAIN_PIPE_TASKS_PER_THREAD per thread) over e's pool
 * (inline when tasks <= 1), with e's scratch (per_thread bytes per
 * thread), when the buffers allow it: the block input x must overlap
 * neither the output y nor the scratch it needs, and the scratch must be
 * big enough (the memory plan sees the block's nodes as separate steps, so
 * the input may share bytes with either). Returns whether it ran; if not,
 * the runner goes layer by layer through the nodes' planned buffers. */
#define ENN_CHAIN_PIPE_TASKS_PER_THREAD 2
bool enn_chain_pipe_try(const enn_chain_pipe *p, const void *st, const void *x, void *y, const enn_exec *e,
                        int32_t tasks);

/* The depthwise layer alone (the runners' layer-by-layer path): output
 * rows of the whole tensor `in` (nb * h rows of d_row bytes) into out
 * (nb * oh rows of dw_row bytes), in `tasks` ranges over pool. */
void enn_chain_dw_pass(const enn_chain_pipe *p, const void *st, const void *in, void *out,
                       struct enn_threadpool *pool, int32_t tasks);

#endif
