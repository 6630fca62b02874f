/*
 * Memory planner. Every activation, graph input/output and per-node scratch
 * area is a buffer with a lifetime [first, last] in execution steps. Buffers
 * are placed largest first; each goes to the lowest offset where it fits
 * between the already placed buffers whose lifetimes intersect its own
 * (the "greedy by size" strategy; near optimal on CNN chains, O(n^2)).
 */
#include <stdlib.h>
#include <string.h>

#include "rt/rt.h"

static _Thread_local const enn_plan_buf *sort_base;

static int by_size_desc(const void *a, const void *b) {
  const enn_plan_buf *x = &sort_base[*(const int32_t *)a], *y = &sort_base[*(const int32_t *)b];
  if (x->size != y->size) return x->size > y->size ? -1 : 1;
  if (x->first != y->first) return x->first < y->first ? -1 : 1;
  return *(const int32_t *)a < *(const int32_t *)b ? -1 : 1;
}

static int by_offset(const void *a, const void *b) {
  const enn_plan_buf *x = &sort_base[*(const int32_t *)a], *y = &sort_base[*(const int32_t *)b];
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return 0;
}

static bool lifetimes_meet(const enn_plan_buf *a, const enn_plan_buf *b) {
  return a->first <= b->last && b->first <= a->last;
}

enn_status enn_plan_offsets(enn_plan_buf *bufs, int32_t n, const enn_allocator *alloc, int64_t *peak) {
  *peak = 0;
  if (n <= 0) return ENN_OK;
  int32_t *order = enn_alloc(alloc, (size_t)n * sizeof(int32_t));
  int32_t *placed = enn_alloc(alloc, (size_t)n * sizeof(int32_t));
  int32_t *conflict = enn_alloc(alloc, (size_t)n * sizeof(int32_t));
  if (!order || !placed || !conflict) {
    enn_free(alloc, order);
    enn_free(alloc, placed);
    enn_free(alloc, conflict);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory planning the arena");
  }
  for (int32_t i = 0; i < n; i++) {
    order[i] = i;
    bufs[i].size = (int64_t)enn_align_up((size_t)bufs[i].size, ENN_ALIGN);
    bufs[i].offset = -1;
  }
  sort_base = bufs;
  qsort(order, (size_t)n, sizeof(int32_t), by_size_desc);
  int32_t n_placed = 0;
  for (int32_t k = 0; k < n; k++) {
    enn_plan_buf *b = &bufs[order[k]];
    int32_t nc = 0;
    for (int32_t j = 0; j < n_placed; j++)
      if (lifetimes_meet(b, &bufs[placed[j]])) conflict[nc++] = placed[j];
    qsort(conflict, (size_t)nc, sizeof(int32_t), by_offset);
    int64_t off = 0;
    for (int32_t j = 0; j < nc; j++) {
      const enn_plan_buf *c = &bufs[conflict[j]];
      if (c->offset >= off + b->size) break; /* fits in the gap before c */
      if (c->offset + c->size > off) off = c->offset + c->size;
    }
    b->offset = off;
    if (off + b->size > *peak) *peak = off + b->size;
    placed[n_placed++] = order[k];
  }
  enn_free(alloc, order);
  enn_free(alloc, placed);
  enn_free(alloc, conflict);
  return ENN_OK;
}

bool enn_plan_valid(const enn_plan_buf *bufs, int32_t n) {
  for (int32_t i = 0; i < n; i++) {
    if (bufs[i].offset < 0 || bufs[i].offset % ENN_ALIGN) return false;
    for (int32_t j = i + 1; j < n; j++) {
      if (!lifetimes_meet(&bufs[i], &bufs[j]) || bufs[i].size == 0 || bufs[j].size == 0) continue;
      if (bufs[i].offset < bufs[j].offset + bufs[j].size && bufs[j].offset < bufs[i].offset + bufs[i].size)
        return false;
    }
  }
  return true;
}
