/*
 * A fixed-size pthread pool for data-parallel kernels.
 *
 * A pool of T threads is the caller plus T - 1 workers created once (per
 * session). enn_threadpool_parallel_for(pool, n, fn, ctx) runs the tasks
 * [0, n), each exactly once, and returns when all are done. Tasks are
 * claimed dynamically: the range is cut into T contiguous lanes, lane t =
 * [ceil(n*t/T), ceil(n*(t+1)/T)) (enn_threadpool_chunk); thread t (0 = the
 * caller) runs its own lane's tasks in ascending order, then steals the
 * back half of another lane's not yet started tasks and runs those in
 * ascending order (others may steal from them in turn), until none are
 * left. A thread that is preempted, asleep or slow delays the job by at
 * most the one task it is running, so kernels should make several tasks
 * per thread (enn_par_tasks, enn_split2d) rather than one big one.
 *
 * Each task runs as fn(ctx, i, i + 1, thread) with the index of the thread
 * running it (ranges of several tasks are passed only inline: pool NULL,
 * T == 1 or n == 1 call fn(ctx, 0, n, 0) once). Which thread runs which
 * task depends on timing, so a kernel must compute the same bytes for a
 * task whoever runs it and in whatever order tasks run: per-thread scratch
 * (indexed by `thread`, any index 0..T-1 may occur even when n < T) must be
 * fully rewritten or validated by each task before it is read. Kernels
 * whose per-task work depends only on the task then give identical results
 * for any T and any schedule.
 *
 * Dispatch allocates nothing and makes no system call in the common case:
 * idle workers spin on a generation counter for a short time (about 100
 * microseconds) after each job, then block on a condition variable; the
 * caller spins the same way for the last running tasks, then blocks. See
 * docs/benchmarks.md for the measured dispatch overhead.
 *
 * The caller's weight prefetch stream (enn_pf_current, base/prefetch.h) is
 * handed to the thread running each task: a hint for the kernels, no
 * effect on any result.
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

/* Lane t of n tasks over T threads: [*begin, *end). */
static inline void enn_threadpool_chunk(int32_t n, int32_t T, int32_t t, int32_t *begin, int32_t *end) {
  *begin = (int32_t)(((int64_t)n * t + T - 1) / T);
  *end = (int32_t)(((int64_t)n * (t + 1) + T - 1) / T);
}

/* Task sizing. A split aims at up to ENN_PAR_TASKS_PER_THREAD tasks per
 * thread, so that the share of a stalled thread is picked up by the
 * others in small pieces, but no task smaller than about
 * ENN_PAR_TASK_MIN_WORK units of work (multiply-accumulates for conv / FC;
 * dispatching a task costs some 0.1 us). */
#define ENN_PAR_TASKS_PER_THREAD 4
#define ENN_PAR_TASK_MIN_WORK 32768

/* How many tasks to cut `units` indivisible units (output rows, micro-tiles,
 * ...) of `work` total work into for T threads: 1 for T <= 1 or units <= 1,
 * else work / ENN_PAR_TASK_MIN_WORK clamped to [T, T * TASKS_PER_THREAD]
 * and to units. Whether to go parallel at all (the op's own threshold) is
 * the caller's decision. */
static inline int32_t enn_par_tasks(int64_t units, int64_t work, int32_t threads) {
  if (threads <= 1 || units <= 1) return 1;
  int64_t n = work / ENN_PAR_TASK_MIN_WORK;
  const int64_t most = (int64_t)threads * ENN_PAR_TASKS_PER_THREAD;
  if (n > most) n = most;
  if (n < threads) n = threads;
  return (int32_t)(n < units ? n : units);
}

/* Splitting a rows x cols output (conv: image rows x channels, FC: batch
 * rows x outputs) into parallel_for tasks for T threads: a grid of
 * row_tasks row ranges x `blocks` column blocks, aiming at
 * T * ENN_PAR_TASKS_PER_THREAD tasks. With at least that many rows, task t
 * is the row range [rows*t/tasks, rows*(t+1)/tasks) over all columns;
 * otherwise each row is its own range, cut into
 * min(cols, ceil(target / rows)) column blocks, and task t is row
 * t / blocks, block t % blocks. T == 1 gives one task. The split depends
 * only on (rows, cols, T); ops that use it compute each output element
 * the same way whatever block it falls in. */
typedef struct enn_split2d {
  int64_t rows;
  int32_t cols, blocks, tasks, threads;
  int32_t row_tasks;
} enn_split2d;

static inline enn_split2d enn_split2d_make(int64_t rows, int32_t cols, int32_t threads) {
  enn_split2d s;
  s.rows = rows;
  s.cols = cols;
  s.threads = threads;
  const int64_t target = threads <= 1 ? 1 : (int64_t)threads * ENN_PAR_TASKS_PER_THREAD;
  if (rows >= target || rows < 1 || cols < 1) {
    s.row_tasks = (int32_t)(rows < 1 ? 1 : target);
    s.blocks = 1;
  } else {
    const int64_t want = (target + rows - 1) / rows;
    s.row_tasks = (int32_t)rows;
    s.blocks = (int32_t)(want < cols ? want : cols);
  }
  s.tasks = s.row_tasks * s.blocks;
  return s;
}

/* Task t: rows [*r0, *r1), columns [*c0, *c1) (never empty). */
static inline void enn_split2d_task(const enn_split2d *s, int32_t t, int64_t *r0, int64_t *r1, int32_t *c0,
                                    int32_t *c1) {
  const int32_t r = t / s->blocks, b = t % s->blocks;
  *r0 = s->rows * r / s->row_tasks;
  *r1 = s->rows * (r + 1) / s->row_tasks;
  *c0 = (int32_t)((int64_t)s->cols * b / s->blocks);
  *c1 = (int32_t)((int64_t)s->cols * (b + 1) / s->blocks);
}

#endif
