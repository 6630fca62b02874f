/* Runtime internals: the memory planner (exposed for tests). */
#ifndef ENN_RT_H
#define ENN_RT_H

#include "ir/ir.h"

/* One planned buffer: live from step `first` to step `last` inclusive. */
typedef struct enn_plan_buf {
  int64_t size;   /* bytes (rounded up to ENN_ALIGN by the planner) */
  int32_t first;
  int32_t last;
  int64_t offset; /* out: byte offset in the arena, ENN_ALIGN-aligned */
} enn_plan_buf;

/* Greedy-by-size placement: largest buffers first, each at the lowest
 * offset that does not overlap any already placed buffer whose lifetime
 * intersects its own. *peak = arena bytes needed. */
enn_status enn_plan_offsets(enn_plan_buf *bufs, int32_t n, const enn_allocator *alloc, int64_t *peak);

/* Checks that no two buffers with intersecting lifetimes overlap in memory. */
bool enn_plan_valid(const enn_plan_buf *bufs, int32_t n);

/* Owner of the persistent per-op memory handed out by enn_prepare_alloc
 * (zero-filled, ENN_ALIGN-aligned blocks): a session keeps one for its
 * lifetime, enn_rt_eval_node a temporary one. Set alloc (and slab_hint),
 * zero the rest.
 *
 * With slab_hint > 0 (a session whose constants make at least 1 MiB; the
 * hint is their byte count) blocks are carved one after another from a few
 * big slabs (enn_alloc_big: 2 MiB huge pages where the OS gives them), so
 * the packed weights of a network lie contiguous in node order on a few
 * hundred TLB entries' worth of huge pages instead of thousands of 4 KiB
 * pages; a new slab is max(block, hint - bytes so far, 4 MiB) bytes. */
typedef struct enn_slab {
  char *p;
  size_t size, used;
  bool mapped; /* enn_alloc_big's flag */
} enn_slab;
struct enn_prepare_ctx {
  enn_allocator alloc;
  int64_t slab_hint; /* > 0: carve from slabs (see above) */
  void **blocks;
  int64_t *sizes; /* bytes of each block */
  int32_t n_blocks, cap_blocks, cap_sizes;
  int64_t bytes; /* total handed out */
  enn_slab *slabs;
  int32_t n_slabs, cap_slabs;
};
/* Frees every block; the context is empty (and reusable) afterwards. */
void enn_prepare_ctx_release(enn_prepare_ctx *c);

/* Evaluates one node outside any session (constant folding). Every input
 * must be a constant of g. out_desc[n->n_outputs] are the node's inferred
 * output descriptors and outputs[k] caller-owned buffers of
 * enn_tensor_desc_bytes(&out_desc[k]) bytes. The op's own prepare/run are
 * used (a VIEW op copies its input's bytes); per-op state and scratch are
 * allocated from g's allocator and freed before returning. */
enn_status enn_rt_eval_node(const enn_graph *g, const enn_node *n, const enn_tensor_desc *out_desc,
                            void *const *outputs);

/* Where one tensor of a session lives: arena byte offset (-1 for
 * constants), its size, the planned buffer it belongs to (tensors sharing a
 * buffer are views or in-place results of one another), and its own
 * lifetime [first, last] in execution steps. */
typedef struct enn_tensor_layout {
  int64_t offset, bytes;
  int32_t buffer;
  int32_t first, last;
} enn_tensor_layout;

/* Weight prefetch streams the session planned (base/prefetch.h): their
 * count; *lines (may be NULL) = their regions' 64-byte lines in all,
 * *claimed (may be NULL) = the lines kernels claimed in the last run. */
int32_t enn_session_prefetch_streams(const enn_session *s, int64_t *lines, int64_t *claimed);

/* For tests and tools: the session's private optimised graph and the
 * layout of each of its tensors. Returns the tensor count. */
int32_t enn_session_debug_tensors(const enn_session *s, const enn_graph **g, const enn_tensor_layout **layout,
                                  const uint8_t **arena);

#endif
