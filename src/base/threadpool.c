/*
 * Thread pool: static chunking, spin-then-block workers (see threadpool.h).
 *
 * Protocol. The caller publishes a job (fn, ctx, n), sets `pending` to the
 * number of workers and bumps the generation counter `gen` (release). A
 * worker that sees a new generation (acquire) runs its chunk and decrements
 * `pending`; the caller runs chunk 0 and waits for `pending` to reach 0.
 * Because the caller waits for every worker before the next bump, a worker
 * sees each generation exactly once.
 *
 * Waiting on either side spins (with a CPU pause hint) for up to spin_ns,
 * then blocks under `mu`:
 *   - a worker sleeps on `wake` while gen is unchanged, counted in
 *     `sleepers`; the caller, after bumping gen, takes `mu` and broadcasts
 *     if anyone sleeps. A worker checks gen under `mu` before waiting, so a
 *     bump cannot fall between its check and its wait.
 *   - the caller sleeps on `done` while pending != 0, flagged by
 *     `caller_waits`; the worker that brings pending to 0 takes `mu` and
 *     signals if the flag is set.
 * When the pool has more threads than online CPUs spinning only steals time
 * from the thread being waited for, so spin_ns is 0 then.
 */
#include "base/threadpool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define ENN_PAUSE() _mm_pause()
#elif defined(__aarch64__) || defined(__arm__)
#define ENN_PAUSE() __asm__ volatile("yield")
#else
#define ENN_PAUSE() ((void)0)
#endif

#define ENN_POOL_SPIN_NS 100000 /* 100 us */

typedef struct worker {
  enn_threadpool *pool;
  int32_t index;
  bool started;
  pthread_t tid;
} worker;

struct enn_threadpool {
  /* written by the caller per job, read by workers after acquiring gen */
  enn_range_fn fn;
  void *ctx;
  int32_t n;
  int32_t threads;
  int64_t spin_ns;
  enn_allocator alloc;
  worker *workers; /* [threads - 1] */
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  int32_t sleepers;  /* under mu */
  bool caller_waits; /* under mu */
  bool sync_ok;      /* mu / wake / done initialised */
  _Alignas(64) atomic_uint gen;
  atomic_int stop;
  _Alignas(64) atomic_int pending;
  char pad_[64 - sizeof(atomic_int)];
};

/* Spins until *gen != seen or the budget runs out; returns the last value. */
static unsigned spin_gen(const enn_threadpool *p, unsigned seen) {
  unsigned g = atomic_load_explicit(&p->gen, memory_order_acquire);
  if (g != seen || p->spin_ns <= 0) return g;
  const int64_t t0 = enn_now_ns();
  for (uint32_t i = 1;; i++) {
    ENN_PAUSE();
    g = atomic_load_explicit(&p->gen, memory_order_acquire);
    if (g != seen) return g;
    if ((i & 63u) == 0 && enn_now_ns() - t0 > p->spin_ns) return g;
  }
}

static void run_chunk(enn_threadpool *p, int32_t t) {
  int32_t b, e;
  enn_threadpool_chunk(p->n, p->threads, t, &b, &e);
  if (b < e) p->fn(p->ctx, b, e, t);
}

static void *worker_main(void *arg) {
  worker *w = arg;
  enn_threadpool *p = w->pool;
  unsigned seen = 0;
  for (;;) {
    unsigned g = spin_gen(p, seen);
    if (g == seen) {
      pthread_mutex_lock(&p->mu);
      while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen) {
        p->sleepers++;
        pthread_cond_wait(&p->wake, &p->mu);
        p->sleepers--;
      }
      pthread_mutex_unlock(&p->mu);
    }
    seen = g;
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
    run_chunk(p, w->index);
    if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
      pthread_mutex_lock(&p->mu);
      if (p->caller_waits) pthread_cond_signal(&p->done);
      pthread_mutex_unlock(&p->mu);
    }
  }
  return NULL;
}

/* Bumps the generation and wakes sleeping workers. */
static void publish(enn_threadpool *p) {
  atomic_fetch_add_explicit(&p->gen, 1u, memory_order_acq_rel);
  pthread_mutex_lock(&p->mu);
  if (p->sleepers) pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
}

void enn_threadpool_destroy(enn_threadpool *p) {
  if (!p) return;
  if (p->workers) {
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    publish(p);
    for (int32_t i = 0; i < p->threads - 1; i++)
      if (p->workers[i].started) pthread_join(p->workers[i].tid, NULL);
  }
  if (p->sync_ok) {
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
  }
  enn_allocator a = p->alloc;
  enn_free(&a, p->workers);
  enn_free(&a, p);
}

enn_status enn_threadpool_create(int32_t threads, const enn_allocator *alloc, enn_threadpool **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_threadpool_create: NULL argument");
  *out = NULL;
  if (threads < 1 || threads > 1024)
    return enn_err(ENN_ERR_INVALID_ARG, "thread pool size must be 1..1024 (got %d)", threads);
  if (!alloc) alloc = enn_default_allocator();
  enn_threadpool *p = enn_alloc_aligned(alloc, sizeof *p, 64);
  if (!p) return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a thread pool");
  p->alloc = *alloc;
  p->threads = threads;
  atomic_init(&p->gen, 0u);
  atomic_init(&p->stop, 0);
  atomic_init(&p->pending, 0);
  if (threads == 1) {
    *out = p;
    return ENN_OK;
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  p->spin_ns = cpus > 0 && threads <= cpus ? ENN_POOL_SPIN_NS : 0;
  if (pthread_mutex_init(&p->mu, NULL)) goto sync_fail;
  if (pthread_cond_init(&p->wake, NULL)) {
    pthread_mutex_destroy(&p->mu);
    goto sync_fail;
  }
  if (pthread_cond_init(&p->done, NULL)) {
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    goto sync_fail;
  }
  p->sync_ok = true;
  p->workers = enn_alloc(alloc, (size_t)(threads - 1) * sizeof(worker));
  if (!p->workers) {
    enn_threadpool_destroy(p);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a thread pool");
  }
  for (int32_t i = 0; i < threads - 1; i++) {
    worker *w = &p->workers[i];
    w->pool = p;
    w->index = i + 1;
    int rc = pthread_create(&w->tid, NULL, worker_main, w);
    if (rc) {
      enn_threadpool_destroy(p);
      return enn_err(ENN_ERR_NO_MEMORY, "cannot start worker thread %d of %d (pthread_create error %d)", i + 1,
                     threads - 1, rc);
    }
    w->started = true;
  }
  *out = p;
  return ENN_OK;
sync_fail:
  enn_free(alloc, p);
  return enn_err(ENN_ERR_NO_MEMORY, "cannot initialise thread pool synchronisation");
}

int32_t enn_threadpool_threads(const enn_threadpool *p) { return p ? p->threads : 1; }

void enn_threadpool_parallel_for(enn_threadpool *p, int32_t n, enn_range_fn fn, void *ctx) {
  if (n <= 0) return;
  if (!p || p->threads == 1 || n == 1) {
    fn(ctx, 0, n, 0);
    return;
  }
  p->fn = fn;
  p->ctx = ctx;
  p->n = n;
  atomic_store_explicit(&p->pending, p->threads - 1, memory_order_relaxed);
  publish(p);
  run_chunk(p, 0);
  if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0) return;
  if (p->spin_ns > 0) {
    const int64_t t0 = enn_now_ns();
    for (uint32_t i = 1;; i++) {
      ENN_PAUSE();
      if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0) return;
      if ((i & 63u) == 0 && enn_now_ns() - t0 > p->spin_ns) break;
    }
  }
  pthread_mutex_lock(&p->mu);
  p->caller_waits = true;
  while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) pthread_cond_wait(&p->done, &p->mu);
  p->caller_waits = false;
  pthread_mutex_unlock(&p->mu);
}
