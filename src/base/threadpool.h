/*
 * A fixed-size pthread pool for data-parallel kernels.
 *
 * A pool of T threads is the caller plus T - 1 workers created once (per
 * session). enn_threadpool_parallel_for(pool, n, fn, ctx) splits the task
 * range [0, n) statically into T contiguous chunks, chunk t =
 * [ceil(n*t/T), ceil(n*(t+1)/T)) (sizes differ by at most one; with n < T
 * the empty chunks are the last ones), runs chunk 0 on the calling thread
 * and chunk t on worker t, and returns when all are done. There is no work stealing and no
 * queue: which thread computes which tasks depends only on (n, T), so a
 * kernel whose per-task work does not depend on the split gives identical
 * results for any T. Empty chunks are not called.
 *
 * Dispatch allocates nothing and makes no system call in the common case:
 * idle workers spin on a generation counter for a short time (about 100
 * microseconds) after each job, then block on a condition variable; the
 * caller spins the same way for the workers to finish, then blocks. See
 * docs/benchmarks.md for the measured dispatch overhead.
 *
 * One caller at a time: parallel_for is not re-entrant (fn must not call it
 * on the same pool) and must not be called from two threads at once.
 */
#ifndef ENN_BASE_THREADPOOL_H
#define ENN_BASE_THREADPOOL_H

#include "base/base.h"

typedef struct enn_threadpool enn_threadpool;

/* Called with a non-empty task range [begin, end) and the index of the
 * thread running it (0 = the caller, 1..T-1 = workers). */
typedef void (*enn_range_fn)(void *ctx, int32_t begin, int32_t end, int32_t thread);

/* threads >= 1 (1 creates no thread; parallel_for then runs inline).
 * alloc NULL = default. */
enn_status enn_threadpool_create(int32_t threads, const enn_allocator *alloc, enn_threadpool **out);
/* Joins the workers and frees the pool. NULL is a no-op. */
void enn_threadpool_destroy(enn_threadpool *pool);
/* T (1 for a NULL pool). */
int32_t enn_threadpool_threads(const enn_threadpool *pool);

/* Runs fn over [0, n_tasks) as described above. pool NULL, T == 1 or
 * n_tasks == 1 run fn(ctx, 0, n_tasks, 0) inline; n_tasks <= 0 does
 * nothing. */
void enn_threadpool_parallel_for(enn_threadpool *pool, int32_t n_tasks, enn_range_fn fn, void *ctx);

/* Chunk t of n tasks over T threads: [*begin, *end). */
static inline void enn_threadpool_chunk(int32_t n, int32_t T, int32_t t, int32_t *begin, int32_t *end) {
  *begin = (int32_t)(((int64_t)n * t + T - 1) / T);
  *end = (int32_t)(((int64_t)n * (t + 1) + T - 1) / T);
}

/* Splitting a rows x cols output (conv: image rows x channels, FC: batch
 * rows x outputs) into parallel_for tasks for T threads. With rows >= T,
 * task t is the row range [rows*t/T, rows*(t+1)/T) over all columns;
 * otherwise each row is cut into min(cols, T) column blocks and task t is
 * row t / blocks, block t % blocks. The split depends only on (rows, cols,
 * T). */
typedef struct enn_split2d {
  int64_t rows;
  int32_t cols, blocks, tasks, threads;
} enn_split2d;

static inline enn_split2d enn_split2d_make(int64_t rows, int32_t cols, int32_t threads) {
  enn_split2d s;
  s.rows = rows;
  s.cols = cols;
  s.threads = threads;
  if (rows >= threads) {
    s.blocks = 1;
    s.tasks = threads;
  } else {
    s.blocks = cols < threads ? cols : threads;
    s.tasks = (int32_t)rows * s.blocks;
  }
  return s;
}

/* Task t: rows [*r0, *r1), columns [*c0, *c1) (never empty in columns). */
static inline void enn_split2d_task(const enn_split2d *s, int32_t t, int64_t *r0, int64_t *r1, int32_t *c0,
                                    int32_t *c1) {
  if (s->blocks == 1 && s->rows >= s->threads) {
    *r0 = s->rows * t / s->tasks;
    *r1 = s->rows * (t + 1) / s->tasks;
    *c0 = 0;
    *c1 = s->cols;
    return;
  }
  const int32_t r = t / s->blocks, b = t % s->blocks;
  *r0 = r;
  *r1 = r + 1;
  *c0 = (int32_t)((int64_t)s->cols * b / s->blocks);
  *c1 = (int32_t)((int64_t)s->cols * (b + 1) / s->blocks);
}

#endif
