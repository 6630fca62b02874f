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

#endif
