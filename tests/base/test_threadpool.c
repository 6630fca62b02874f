/*
 * Thread pool: dynamic claiming (every task exactly once, one task per
 * call, a thread index in [0, T) that is never used by two running tasks
 * at once, index 0 only on the caller, each worker index on one OS thread;
 * a thread blocked inside a task has every task it did not claim taken by
 * the others: its own lane stolen from the back), under many (n, T), many
 * dispatches through the spin and the sleep paths and with more threads
 * than CPUs, create/destroy edge cases; enn_par_tasks bounds; enn_split2d
 * covers every output element once; the conv block kernel writes exactly
 * its block; and sessions give bit-identical outputs for 1, 2, 3 and 5
 * threads (conv with row and channel splits, FC with batch rows fewer /
 * more than threads, zoo models incl. the fused MobileNetV2 blocks), run
 * after run.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "base/threadpool.h"
#include "kernels/ref/conv_ref.h"
#include "test.h"

#define MAX_TASKS 1200
#define MAX_T 8

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* A lost task hangs the caller in parallel_for: a watchdog thread fails
 * the whole test after 20 s in which no job of the stress loops finished. */
static atomic_long g_jobs_done;
static atomic_int g_watch_stop;

static void *watchdog(void *arg) {
  ENN_UNUSED(arg);
  long last = -1;
  double since = mono_s();
  while (!atomic_load(&g_watch_stop)) {
    struct timespec nap = {0, 50000000};
    nanosleep(&nap, NULL);
    const long now = atomic_load(&g_jobs_done);
    if (now != last) {
      last = now;
      since = mono_s();
    } else if (mono_s() - since > 20.0) {
      fprintf(stderr, "FAIL: no thread-pool job finished for 20 s after %ld jobs (a task was lost)\n", now);
      fflush(stderr);
      _exit(1);
    }
  }
  return NULL;
}

typedef struct record {
  atomic_int hits[MAX_TASKS];
  int thread_of[MAX_TASKS];
  atomic_int calls;
  atomic_int bad_range;  /* empty, out-of-bounds or (pooled) multi-task ranges */
  atomic_int busy[MAX_T]; /* a task running with this index */
  atomic_int shared;     /* two running tasks had one index */
  int n, T;
  pthread_t caller;
  pthread_t tid[MAX_T];
  atomic_int tid_set[MAX_T];
  atomic_int tid_bad; /* one index on two OS threads, or 0 off the caller */
} record;

static void record_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  record *r = ctx;
  atomic_fetch_add(&r->calls, 1);
  const bool inline_call = r->T == 1 || r->n == 1;
  if (begin >= end || begin < 0 || end > r->n || thread < 0 || thread >= r->T ||
      (!inline_call && end != begin + 1)) {
    atomic_fetch_add(&r->bad_range, 1);
    return;
  }
  if (atomic_fetch_add(&r->busy[thread], 1) != 0) atomic_fetch_add(&r->shared, 1);
  if (thread == 0 && !pthread_equal(pthread_self(), r->caller)) atomic_fetch_add(&r->tid_bad, 1);
  if (thread > 0) {
    if (atomic_exchange(&r->tid_set[thread], 1)) {
      if (!pthread_equal(r->tid[thread], pthread_self())) atomic_fetch_add(&r->tid_bad, 1);
    } else {
      r->tid[thread] = pthread_self(); /* only this thread writes its slot */
    }
    if (pthread_equal(pthread_self(), r->caller)) atomic_fetch_add(&r->tid_bad, 1);
  }
  for (int32_t i = begin; i < end; i++) {
    atomic_fetch_add(&r->hits[i], 1);
    r->thread_of[i] = thread;
  }
  volatile int spin = 0; /* a little work, so that tasks overlap */
  for (int k = 0; k < 50; k++) spin += k;
  atomic_fetch_sub(&r->busy[thread], 1);
}

static void check_dispatch(enn_threadpool *pool, int T, int n) {
  static record r;
  memset(&r, 0, sizeof r);
  r.n = n;
  r.T = T;
  r.caller = pthread_self();
  enn_threadpool_parallel_for(pool, n, record_fn, &r);
  atomic_fetch_add(&g_jobs_done, 1);
  CHECK_MSG(atomic_load(&r.bad_range) == 0, "T=%d n=%d: bad ranges or thread indices", T, n);
  int ok_once = 1;
  for (int i = 0; i < n; i++)
    if (atomic_load(&r.hits[i]) != 1) ok_once = 0;
  CHECK_MSG(ok_once, "T=%d n=%d: a task did not run exactly once", T, n);
  const int want_calls = n <= 0 ? 0 : (T == 1 || n == 1) ? 1 : n;
  CHECK_MSG(atomic_load(&r.calls) == want_calls, "T=%d n=%d: %d calls, expected %d", T, n, atomic_load(&r.calls),
            want_calls);
  CHECK_MSG(atomic_load(&r.shared) == 0, "T=%d n=%d: two running tasks shared a thread index", T, n);
  CHECK_MSG(atomic_load(&r.tid_bad) == 0, "T=%d n=%d: thread index / OS thread mismatch", T, n);
}

static void test_dispatch(void) {
  const int ts[] = {1, 2, 3, 4, 7};
  const int ns[] = {0, 1, 2, 3, 5, 7, 8, 13, 64, 1000, 1199};
  for (size_t i = 0; i < ENN_ARRAY_LEN(ts); i++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[i], NULL, &pool));
    if (!pool) continue;
    CHECK(enn_threadpool_threads(pool) == ts[i]);
    for (size_t j = 0; j < ENN_ARRAY_LEN(ns); j++) check_dispatch(pool, ts[i], ns[j]);
    enn_threadpool_destroy(pool);
  }
  /* a NULL pool runs inline as one call */
  check_dispatch(NULL, 1, 13);
  CHECK(enn_threadpool_threads(NULL) == 1);
}

/* Dynamic claiming under many (n, T), thousands of jobs each (workers
 * racing the caller for lanes, stealing from each other's backs, lagging
 * behind by whole jobs when they sleep): every task exactly once per job,
 * never two running tasks with one index. */
static void test_claiming_many(void) {
  const int ts[] = {2, 3, 5, 8};
  for (size_t k = 0; k < ENN_ARRAY_LEN(ts); k++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[k], NULL, &pool));
    if (!pool) continue;
    static record r;
    int bad = 0, by_worker = 0;
    for (int it = 0; it < 2000 && !bad; it++) {
      memset(&r, 0, sizeof r);
      r.n = 1 + (it * 7919) % (it % 3 ? 40 : 700); /* mostly small jobs, some large ones */
      r.T = ts[k];
      r.caller = pthread_self();
      enn_threadpool_parallel_for(pool, r.n, record_fn, &r);
      for (int32_t i = 0; i < r.n; i++)
        if (atomic_load(&r.hits[i]) != 1) bad = 1;
      if (atomic_load(&r.bad_range) || atomic_load(&r.shared) || atomic_load(&r.tid_bad)) bad = 1;
      if (atomic_load(&r.calls) != (r.n == 1 ? 1 : r.n)) bad = 1;
      atomic_fetch_add(&g_jobs_done, 1);
      if (bad) fprintf(stderr, "  T=%d job %d (n=%d) failed\n", ts[k], it, r.n);
      for (int32_t i = 0; i < r.n; i++) by_worker += r.thread_of[i] > 0;
      if (it % 400 == 399) { /* let workers fall asleep now and then */
        struct timespec gap = {0, 300000};
        nanosleep(&gap, NULL);
      }
    }
    CHECK_MSG(!bad, "T=%d: a task ran twice or not at all, or with a bad index", ts[k]);
    /* How many tasks workers took depends on the machine's load, so it is
     * reported, not asserted (test_stalled_thread asserts that they can). */
    fprintf(stderr, "  T=%d: %d tasks ran on workers\n", ts[k], by_worker);
    enn_threadpool_destroy(pool);
  }
}

static void count_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  atomic_int *hits = ctx;
  for (int32_t i = begin; i < end; i++) atomic_fetch_add(&hits[i], 1);
}

/* Back-to-back tiny jobs on pools with many workers: workers that ran
 * nothing in a job are often still looking for work when the caller has
 * finished it and refilled every lane for the next one (the race in which
 * a thief publishing stolen work must not lose tasks). */
static void test_turnover_stress(void) {
  const int ts[] = {3, 4, 8};
  static atomic_int hits[64];
  for (size_t k = 0; k < ENN_ARRAY_LEN(ts); k++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[k], NULL, &pool));
    if (!pool) continue;
    int bad = 0;
    for (int it = 0; it < 30000 && !bad; it++) {
      const int32_t n = 2 + it % (2 * ts[k] + 3);
      for (int32_t i = 0; i < n; i++) atomic_store(&hits[i], 0);
      enn_threadpool_parallel_for(pool, n, count_fn, hits);
      for (int32_t i = 0; i < n; i++) bad |= atomic_load(&hits[i]) != 1;
      atomic_fetch_add(&g_jobs_done, 1);
    }
    CHECK_MSG(!bad, "T=%d: a task ran twice or not at all", ts[k]);
    enn_threadpool_destroy(pool);
  }
}

/* Task `blocker` does not return until every other task has run (or 5 s
 * pass): whichever thread runs it is stalled for the rest of the job, so
 * everything it has not claimed (the rest of its lane) must be taken by the
 * others. Static chunking would deadlock here (until the timeout). */
typedef struct stall_ctx {
  int32_t n, blocker;
  atomic_int done, timed_out, hits[64];
} stall_ctx;

static void stall_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  ENN_UNUSED(thread);
  stall_ctx *c = ctx;
  for (int32_t i = begin; i < end; i++) {
    atomic_fetch_add(&c->hits[i], 1);
    if (i == c->blocker) {
      const double t0 = mono_s();
      while (atomic_load(&c->done) < c->n - 1) {
        if (mono_s() - t0 > 5.0) {
          atomic_store(&c->timed_out, 1);
          break;
        }
        struct timespec nap = {0, 20000};
        nanosleep(&nap, NULL);
      }
    }
    atomic_fetch_add(&c->done, 1);
  }
}

static void test_stalled_thread(void) {
  const int ts[] = {2, 3, 5};
  for (size_t k = 0; k < ENN_ARRAY_LEN(ts); k++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[k], NULL, &pool));
    if (!pool) continue;
    const int32_t ns[] = {2, 9, 40};
    int failed = 0;
    for (size_t a = 0; a < ENN_ARRAY_LEN(ns) && !failed; a++)
      for (int32_t blocker = 0; blocker < ns[a] && !failed; blocker += ns[a] > 9 ? 7 : 1) {
        static stall_ctx c;
        memset(&c, 0, sizeof c);
        c.n = ns[a];
        c.blocker = blocker;
        enn_threadpool_parallel_for(pool, c.n, stall_fn, &c);
        atomic_fetch_add(&g_jobs_done, 1);
        int once = 1;
        for (int32_t i = 0; i < c.n; i++) once &= atomic_load(&c.hits[i]) == 1;
        failed = !once || atomic_load(&c.timed_out);
        CHECK_MSG(!failed,
                  "T=%d n=%d: with task %d stalled the other tasks were not all run by the other threads", ts[k],
                  c.n, blocker);
      }
    enn_threadpool_destroy(pool);
  }
}

typedef struct sum_ctx {
  const int32_t *v;
  int64_t partial[MAX_T];
} sum_ctx;

static void sum_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  sum_ctx *c = ctx;
  int64_t s = 0;
  for (int32_t i = begin; i < end; i++) s += c->v[i];
  c->partial[thread] += s; /* per-thread slot: never two running tasks with one index */
}

/* Back-to-back dispatches (workers spinning) and dispatches after idle
 * gaps longer than the spin window (workers asleep on the condvar). */
static void test_many_dispatches(void) {
  enum { N = 999 };
  static int32_t v[N];
  int64_t want = 0;
  for (int i = 0; i < N; i++) want += v[i] = i * 7 - 300;
  const int ts[] = {2, 3};
  for (size_t k = 0; k < ENN_ARRAY_LEN(ts); k++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[k], NULL, &pool));
    if (!pool) continue;
    sum_ctx c;
    memset(&c, 0, sizeof c);
    c.v = v;
    const int fast = 3000, slow = 30;
    for (int it = 0; it < fast; it++) {
      enn_threadpool_parallel_for(pool, N, sum_fn, &c);
      atomic_fetch_add(&g_jobs_done, 1);
    }
    for (int it = 0; it < slow; it++) {
      struct timespec ts_sleep = {0, 400000}; /* 0.4 ms > the 0.1 ms spin window */
      nanosleep(&ts_sleep, NULL);
      enn_threadpool_parallel_for(pool, N, sum_fn, &c);
    }
    int64_t got = 0;
    for (int t = 0; t < MAX_T; t++) got += c.partial[t];
    CHECK_MSG(got == want * (fast + slow), "T=%d: sum %lld, expected %lld", ts[k], (long long)got,
              (long long)(want * (fast + slow)));
    enn_threadpool_destroy(pool);
  }
}

/* enn_par_tasks: 1 without threads or units, else within [min(T, units),
 * min(units, T * ENN_PAR_TASKS_PER_THREAD)], growing with the work. */
static void test_par_tasks(void) {
  CHECK(enn_par_tasks(100, 1 << 30, 1) == 1);
  CHECK(enn_par_tasks(1, 1 << 30, 4) == 1);
  CHECK(enn_par_tasks(0, 1 << 30, 4) == 1);
  CHECK(enn_par_tasks(3, 0, 4) == 3);
  CHECK(enn_par_tasks(100, 0, 4) == 4);
  CHECK(enn_par_tasks(100, (int64_t)ENN_PAR_TASK_MIN_WORK * 6, 4) == 6);
  CHECK(enn_par_tasks(1000, (int64_t)1 << 40, 3) == 3 * ENN_PAR_TASKS_PER_THREAD);
  CHECK(enn_par_tasks(10, (int64_t)1 << 40, 3) == 10);
  for (int32_t T = 2; T <= 9; T++)
    for (int64_t units = 1; units < 300; units += 7)
      for (int64_t work = 0; work < (int64_t)ENN_PAR_TASK_MIN_WORK * 200; work += ENN_PAR_TASK_MIN_WORK * 3 + 11) {
        const int32_t n = enn_par_tasks(units, work, T);
        const int64_t lo = units < T ? units : T;
        const int64_t hi = units < (int64_t)T * ENN_PAR_TASKS_PER_THREAD ? units : (int64_t)T * ENN_PAR_TASKS_PER_THREAD;
        CHECK_MSG(n >= 1 && n >= lo && n <= (hi > 1 ? hi : 1), "enn_par_tasks(%lld, %lld, %d) = %d", (long long)units,
                  (long long)work, T, n);
      }
}

static void test_create_destroy(void) {
  enn_threadpool *p = (enn_threadpool *)&p;
  CHECK_STATUS(enn_threadpool_create(0, NULL, &p), ENN_ERR_INVALID_ARG);
  CHECK(p == NULL);
  CHECK_STATUS(enn_threadpool_create(-3, NULL, &p), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_threadpool_create(1025, NULL, &p), ENN_ERR_INVALID_ARG);
  CHECK(strstr(enn_last_error(), "1025") != NULL);
  CHECK_STATUS(enn_threadpool_create(2, NULL, NULL), ENN_ERR_INVALID_ARG);
  /* destroyed without ever running a job, and right after one */
  for (int i = 0; i < 20; i++) {
    CHECK_OK(enn_threadpool_create(1 + i % 4, NULL, &p));
    if (i % 2) check_dispatch(p, 1 + i % 4, 10);
    enn_threadpool_destroy(p);
  }
  enn_threadpool_destroy(NULL);
}

/* enn_split2d: every (row, col) covered exactly once, for row-heavy and
 * column-heavy shapes, by at most T * ENN_PAR_TASKS_PER_THREAD tasks (or
 * one per row when rows are fewer). */
static void test_split2d(void) {
  const int64_t rows[] = {1, 2, 3, 5, 7, 16, 23, 64};
  const int32_t cols[] = {1, 2, 3, 10, 17};
  const int32_t ts[] = {1, 2, 3, 4, 7};
  static int cover[64 * 17];
  for (size_t a = 0; a < ENN_ARRAY_LEN(rows); a++)
    for (size_t b = 0; b < ENN_ARRAY_LEN(cols); b++)
      for (size_t c = 0; c < ENN_ARRAY_LEN(ts); c++) {
        enn_split2d s = enn_split2d_make(rows[a], cols[b], ts[c]);
        memset(cover, 0, sizeof cover);
        int ok = s.tasks >= 1, nonempty = 1;
        for (int32_t t = 0; t < s.tasks; t++) {
          int64_t r0, r1;
          int32_t c0, c1;
          enn_split2d_task(&s, t, &r0, &r1, &c0, &c1);
          if (r0 >= r1 || c0 >= c1 || r0 < 0 || r1 > rows[a] || c0 < 0 || c1 > cols[b]) {
            nonempty = 0;
            continue;
          }
          for (int64_t r = r0; r < r1; r++)
            for (int32_t cc = c0; cc < c1; cc++) cover[r * cols[b] + cc]++;
        }
        for (int64_t i = 0; i < rows[a] * cols[b]; i++)
          if (cover[i] != 1) ok = 0;
        CHECK_MSG(ok && nonempty, "split %lldx%d over %d threads", (long long)rows[a], cols[b], ts[c]);
        /* enough tasks to occupy every thread when the output allows it */
        const int64_t cells = rows[a] * cols[b];
        CHECK_MSG(s.tasks >= (cells < ts[c] ? cells : ts[c]), "split %lldx%d over %d threads: only %d tasks",
                  (long long)rows[a], cols[b], ts[c], s.tasks);
        const int64_t most = (int64_t)ts[c] * ENN_PAR_TASKS_PER_THREAD;
        CHECK_MSG(ts[c] == 1 ? s.tasks == 1 : s.tasks <= (most > rows[a] ? most + rows[a] : most),
                  "split %lldx%d over %d threads: %d tasks", (long long)rows[a], cols[b], ts[c], s.tasks);
      }
}

/* The block kernel writes its block and nothing else, bit-equal to the
 * whole-output kernel. */
static void test_conv_part_blocks(void) {
  enn_conv2d_params p;
  memset(&p, 0, sizeof p);
  p.n = 2;
  p.ih = 7;
  p.iw = 5;
  p.ic = 6;
  p.oc = 9;
  p.groups = 3;
  p.kh = 3;
  p.kw = 2;
  p.sh = 2;
  p.sw = 1;
  p.dh = 1;
  p.dw = 2;
  p.pt = 1;
  p.pl = 1;
  p.oh = (p.ih + 2 - 3) / 2 + 1; /* bottom pad 1 */
  p.ow = (p.iw + 2 - 3) / 1 + 1; /* right pad 1, dilated kernel extent 3 */
  p.act.act = ENN_ACT_RELU6;
  const long nx = (long)p.n * p.ih * p.iw * p.ic, nw = (long)p.oc * p.kh * p.kw * (p.ic / p.groups);
  const long ny = (long)p.n * p.oh * p.ow * p.oc;
  float *x = malloc(sizeof(float) * (size_t)nx), *w = malloc(sizeof(float) * (size_t)nw);
  float *full = malloc(sizeof(float) * (size_t)ny), *part = malloc(sizeof(float) * (size_t)ny);
  float b[9];
  enn_t_fill(x, nx, 11, -2, 2);
  enn_t_fill(w, nw, 12, -1, 1);
  enn_t_fill(b, 9, 13, -1, 1);
  enn_f32_conv2d__ref(&p, x, w, b, full);
  const int64_t rows = (int64_t)p.n * p.oh;
  const int64_t r0s[] = {0, 1, 3}, r1s[] = {1, 4, rows};
  const int32_t o0s[] = {0, 2, 8}, o1s[] = {9, 5, 9};
  for (size_t i = 0; i < 3; i++)
    for (size_t j = 0; j < 3; j++) {
      for (long k = 0; k < ny; k++) part[k] = -12345.0f;
      enn_f32_conv2d_part__ref(&p, x, w, b, part, r0s[i], r1s[i], o0s[j], o1s[j]);
      int ok = 1;
      for (long k = 0; k < ny; k++) {
        const int64_t r = k / ((long)p.ow * p.oc);
        const int32_t o = (int32_t)(k % p.oc);
        const bool in = r >= r0s[i] && r < r1s[i] && o >= o0s[j] && o < o1s[j];
        if (in ? memcmp(&part[k], &full[k], sizeof(float)) != 0 : part[k] != -12345.0f) ok = 0;
      }
      CHECK_MSG(ok, "block rows [%lld,%lld) channels [%d,%d)", (long long)r0s[i], (long long)r1s[i], o0s[j], o1s[j]);
    }
  free(x);
  free(w);
  free(full);
  free(part);
}

/* ---------------------------------------------- sessions: any thread count */
/* x[batch, h, w, 16] -> conv 3x3 SAME (24 ch, hard-swish) -> conv 1x1 (64
 * ch, relu) -> reshape [batch, h*w*64] -> FC to 37 outputs. The shapes used
 * keep every conv / FC above the ops' 8192-MAC threshold for going
 * parallel (checked below). */
static enn_graph *build_net(int64_t batch, int64_t h, int64_t w) {
  enn_graph *g = NULL;
  CHECK_OK(enn_graph_create(NULL, &g));
  if (!g) return NULL;
  int64_t xd[4] = {batch, h, w, 16};
  enn_tensor_desc x;
  enn_tensor_desc_init(&x, ENN_DTYPE_F32, 4, xd);
  int32_t in[3], t1, t2, t3, y;
  CHECK_OK(enn_graph_add_input(g, "x", &x, &in[0]));
  const int64_t w1[4] = {24, 3, 3, 16}, b1[1] = {24}, w2[4] = {64, 1, 1, 24}, b2[1] = {64};
  in[1] = enn_t_add_const(g, "w1", 4, w1, 1);
  in[2] = enn_t_add_const(g, "b1", 1, b1, 2);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.act = ENN_ACT_HARD_SWISH;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c1", in, 3, &a, 1, &t1));
  in[0] = t1;
  in[1] = enn_t_add_const(g, "w2", 4, w2, 3);
  in[2] = enn_t_add_const(g, "b2", 1, b2, 4);
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.act = ENN_ACT_RELU;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c2", in, 3, &a, 1, &t2));
  enn_attrs_init_op(&a, ENN_OP_RESHAPE);
  a.shape_rank = 2;
  a.shape[0] = batch;
  a.shape[1] = h * w * 64;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_RESHAPE, "flat", &t2, 1, &a, 1, &t3));
  const int64_t wf[2] = {37, h * w * 64}, bf[1] = {37};
  in[0] = t3;
  in[1] = enn_t_add_const(g, "wf", 2, wf, 5);
  in[2] = enn_t_add_const(g, "bf", 1, bf, 6);
  enn_attrs_init_op(&a, ENN_OP_FULLY_CONNECTED);
  CHECK_OK(enn_graph_add_node(g, ENN_OP_FULLY_CONNECTED, "fc", in, 3, &a, 1, &y));
  CHECK_OK(enn_graph_add_output(g, y));
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    enn_op op;
    CHECK_OK(enn_graph_node(g, i, &op, NULL, NULL, NULL, NULL, NULL, NULL));
    if (op == ENN_OP_CONV2D || op == ENN_OP_FULLY_CONNECTED)
      CHECK_MSG(enn_graph_node_macs(g, i) >= 8192, "node %d: %lld MACs run inline", i,
                (long long)enn_graph_node_macs(g, i));
  }
  return g;
}

/* Runs g at each thread count, several times (the schedule, i.e. which
 * thread claims which task, differs from run to run); every output byte of
 * every run must equal threads = 1. */
static void check_thread_invariance(enn_graph *g, const char *what) {
  if (!g) return;
  const int32_t ts[] = {1, 2, 3, 5};
  float *ref = NULL;
  size_t bytes = 0;
  for (size_t i = 0; i < ENN_ARRAY_LEN(ts); i++) {
    enn_session_options o;
    enn_session_options_init(&o);
    o.threads = ts[i];
    enn_session *s = NULL;
    CHECK_OK(enn_session_create(g, &o, &s));
    if (!s) continue;
    enn_tensor_desc d;
    CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
    enn_t_fill(enn_session_input_buffer(s, 0), (long)enn_tensor_desc_numel(&d), 77, -1, 1);
    enn_tensor_desc od;
    CHECK_OK(enn_session_output_desc(s, 0, &od, NULL));
    CHECK_OK(enn_session_run(s));
    const float *out = enn_session_output_buffer(s, 0);
    if (!ref) {
      bytes = enn_tensor_desc_bytes(&od);
      ref = malloc(bytes);
      memcpy(ref, out, bytes);
    }
    for (int rep = 0; rep < 4; rep++) {
      CHECK_MSG(bytes == enn_tensor_desc_bytes(&od) && memcmp(ref, out, bytes) == 0,
                "%s: threads=%d run %d: output differs from threads=1", what, ts[i], rep);
      CHECK_OK(enn_session_run(s));
      atomic_fetch_add(&g_jobs_done, 1);
    }
    enn_session_destroy(s);
  }
  free(ref);
}

static void test_sessions_thread_invariant(void) {
  /* batch x rows: 3x1 (rows < T for the convs: channel split), 1x9 (row
   * split), batch 4 (FC rows >= some T), batch 1 (FC output split). */
  const int64_t shapes[][3] = {{3, 1, 2}, {1, 9, 7}, {4, 3, 3}, {1, 2, 3}};
  for (size_t i = 0; i < ENN_ARRAY_LEN(shapes); i++) {
    enn_graph *g = build_net(shapes[i][0], shapes[i][1], shapes[i][2]);
    char what[64];
    snprintf(what, sizeof what, "net %lldx%lldx%lld", (long long)shapes[i][0], (long long)shapes[i][1],
             (long long)shapes[i][2]);
    check_thread_invariance(g, what);
    enn_graph_destroy(g);
  }
  const char *zoo[] = {"zoo:resnet8", "zoo:mobilenet_v2,width=0.35,res=48,classes=10",
                       "zoo:mobilenet_v2,width=0.35,res=96,classes=10", "zoo:ds_cnn"};
  for (size_t i = 0; i < ENN_ARRAY_LEN(zoo); i++) {
    enn_graph *g = NULL;
    CHECK_OK(enn_zoo_build_spec(zoo[i], NULL, &g));
    check_thread_invariance(g, zoo[i]);
    enn_graph_destroy(g);
  }
}

int main(void) {
  pthread_t wd;
  if (pthread_create(&wd, NULL, watchdog, NULL) != 0) return 1;
  ENN_RUN(test_dispatch);
  ENN_RUN(test_claiming_many);
  ENN_RUN(test_stalled_thread);
  ENN_RUN(test_turnover_stress);
  ENN_RUN(test_many_dispatches);
  ENN_RUN(test_par_tasks);
  ENN_RUN(test_create_destroy);
  ENN_RUN(test_split2d);
  ENN_RUN(test_conv_part_blocks);
  ENN_RUN(test_sessions_thread_invariant);
  atomic_store(&g_watch_stop, 1);
  pthread_join(wd, NULL);
  return enn_test_finish();
}
