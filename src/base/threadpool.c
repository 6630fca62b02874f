/*
 * Thread pool: static chunking, spin-then-block workers (see threadpool.h).
 *
 * Protocol. For generation g the caller publishes the job (fn, ctx, n),
 * marks every empty chunk as already claimed for g, sets `pending` to the
 * number of non-empty worker chunks and stores gen = g (release). Chunk t
 * (t >= 1) is run by whoever first moves claim[t] to g with a CAS: worker t
 * when it wakes, or the caller, which after its own chunk 0 tries every
 * other chunk in turn, so a worker that is asleep or descheduled (another
 * process on its CPU) costs at most that chunk run serially, never a
 * scheduler time slice of waiting. Chunk t runs with thread index t
 * whoever runs it, so per-thread scratch is never shared and results do not
 * depend on who ran what. Each run chunk decrements `pending`; the caller
 * returns at 0. Claims only move forward, so a successful claim for g
 * proves job g is still in progress (it cannot finish without that chunk):
 * a late worker reads the job fields only after claiming, and one that
 * loses the claim just waits for the next generation (it may skip
 * generations entirely).
 *
 * Waiting on either side spins (with a CPU pause hint) for up to spin_ns,
 * then blocks under `mu`:
 *   - a worker sleeps on `wake` while gen is unchanged, counted in
 *     `sleepers`; the caller, after storing gen, takes `mu` and broadcasts
 *     if anyone sleeps. A worker checks gen under `mu` before waiting, so a
 *     store cannot fall between its check and its wait.
 *   - the caller sleeps on `done` while pending != 0, flagged by
 *     `caller_waits`; the thread that brings pending to 0 takes `mu` and
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
  _Alignas(64) atomic_uint claim; /* last generation whose chunk `index` was claimed */
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

/* Claims chunk w->index of generation g; true if this thread got it.
 * Claims only move forward: a worker still holding an old generation (it
 * was descheduled while the caller finished that job and later ones) sees
 * a newer claim and backs off. Wrap-around safe (serial-number compare). */
static bool claim(worker *w, unsigned g) {
  unsigned c = atomic_load_explicit(&w->claim, memory_order_relaxed);
  return (int32_t)(g - c) > 0 &&
         atomic_compare_exchange_strong_explicit(&w->claim, &c, g, memory_order_acq_rel, memory_order_relaxed);
}

/* After running a claimed worker chunk. */
static void chunk_done(enn_threadpool *p) {
  if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
    pthread_mutex_lock(&p->mu);
    if (p->caller_waits) pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mu);
  }
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
    if (!claim(w, g)) continue; /* empty, or the caller took it */
    run_chunk(p, w->index);
    chunk_done(p);
  }
  return NULL;
}

/* Stores generation g and wakes sleeping workers. */
static void publish(enn_threadpool *p, unsigned g) {
  atomic_store_explicit(&p->gen, g, memory_order_release);
  pthread_mutex_lock(&p->mu);
  if (p->sleepers) pthread_cond_broadcast(&p->wake);
  pthread_mutex_unlock(&p->mu);
}

void enn_threadpool_destroy(enn_threadpool *p) {
  if (!p) return;
  if (p->workers) {
    atomic_store_explicit(&p->stop, 1, memory_order_release);
    publish(p, atomic_load_explicit(&p->gen, memory_order_relaxed) + 1u);
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
  p->workers = enn_alloc_aligned(alloc, (size_t)(threads - 1) * sizeof(worker), 64);
  if (!p->workers) {
    enn_threadpool_destroy(p);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a thread pool");
  }
  for (int32_t i = 0; i < threads - 1; i++) {
    worker *w = &p->workers[i];
    w->pool = p;
    w->index = i + 1;
    atomic_init(&w->claim, 0u);
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
  const unsigned g = atomic_load_explicit(&p->gen, memory_order_relaxed) + 1u; /* only the caller writes gen */
  int32_t active = 0;
  for (int32_t t = 1; t < p->threads; t++) {
    int32_t b, e;
    enn_threadpool_chunk(n, p->threads, t, &b, &e);
    if (b < e) active++;
    else atomic_store_explicit(&p->workers[t - 1].claim, g, memory_order_relaxed); /* nothing to claim */
  }
  atomic_store_explicit(&p->pending, active, memory_order_relaxed);
  publish(p, g);
  run_chunk(p, 0);
  /* take over chunks no worker has started */
  for (int32_t t = 1; t < p->threads; t++) {
    if (!claim(&p->workers[t - 1], g)) continue;
    run_chunk(p, t);
    atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel);
  }
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
