/*
 * Thread pool: dynamic task claiming over per-thread lanes, spin-then-block
 * workers (see threadpool.h).
 *
 * Lanes. A job of n tasks is cut into T lanes, lane t = chunk t of
 * enn_threadpool_chunk(n, T, t). Each lane is one 64-bit atomic word
 * holding the half-open range [begin, end) of its tasks not yet claimed
 * (begin in the low 32 bits, end in the high 32). Thread t claims its own
 * lane's tasks from the front, one at a time (CAS begin -> begin + 1), so
 * a thread that is not disturbed runs its chunk in order as before. When
 * its lane is empty it steals the back half of another lane's range (CAS
 * end -> mid; lanes t+1, t+2, ... in turn), keeps the first stolen task
 * and stores the rest as its own lane's range, which it then works through
 * from the front (and which others may steal from in turn), until every
 * lane is empty. A preempted or sleeping thread therefore delays a job by
 * at most the one task it is running: everything it has not claimed yet
 * is taken by the others; and tasks still run in ascending runs of
 * neighbours (what kernels that carry state from a task to the next one,
 * like the fused conv pipeline's row ring, profit from). Each claimed task
 * runs as fn(ctx, i, i + 1, t) with the index t of the thread running it,
 * so per-thread scratch is never shared by two running tasks.
 *
 * Why a claim needs no generation tag. Invariant: while a job is live, the
 * lane words hold unclaimed tasks of that job only (a thief's stolen range
 * is out of every word between its stealing CAS and the CAS that publishes
 * it in its own lane, a few instructions, and those tasks are the
 * thief's); between jobs every word is empty. A thief publishes only into
 * its own lane and only over the empty value it saw there, so it never
 * overwrites tasks. The caller may be refilling the lanes for a new job
 * while a worker that ran nothing still looks at the old one: such a
 * worker can steal from a lane already refilled and publish into its own
 * lane before the caller refills that one; so the caller refills with an
 * exchange, and runs itself any range it finds there (tasks of the new
 * job that nobody else can see any more). The
 * caller writes the job (fn, ctx) and then the words (release), and
 * rewrites them only after the job completed, i.e. after every task was
 * claimed and run. A CAS that takes a task from a non-empty word therefore
 * took an unclaimed task of the live job and synchronised (acquire, through
 * the chain of release stores / RMWs back to the caller's) with the
 * caller's writes of that job, and the job cannot complete before that
 * task is counted done, so the job fields read after the claim are the
 * right ones. This holds even for a worker that loaded a word during an
 * earlier job and was descheduled (the ABA case: equal bits in a word of
 * the live job are a legitimate claim in the live job).
 *
 * Completion. `pending` starts at n; a thread that ran k > 0 tasks
 * subtracts k once it finds every lane empty (it cannot claim across a job
 * boundary in between: its uncounted tasks keep the job alive), and the
 * caller returns when pending is 0. A worker that claimed nothing touches
 * nothing.
 *
 * Waiting on either side spins (with a CPU pause hint) for up to spin_ns,
 * then blocks under `mu`, with a Dekker-style handshake on sequentially
 * consistent atomics so that the common path takes no lock:
 *   - a worker sleeps on `wake` while gen is unchanged: under `mu` it
 *     increments `sleepers`, re-checks gen and waits; the caller stores gen
 *     and then takes `mu` to broadcast only if it reads sleepers > 0.
 *   - the caller sleeps on `done` while pending != 0: under `mu` it sets
 *     `caller_waits` and re-checks pending; the thread that brings pending
 *     to 0 takes `mu` and signals only if it reads caller_waits set.
 * In both, either the sleeper sees the new value before waiting or the
 * waker sees the flag (seq_cst store / load on both sides), and the waker
 * signals under `mu`, which the sleeper releases only inside the wait.
 * When the pool has more threads than online CPUs spinning only steals
 * time from the thread being waited for, so spin_ns is 0 then.
 */
#include "base/threadpool.h"
#include "base/prefetch.h"

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

/* One lane's unclaimed tasks: [lo 32 bits, hi 32 bits), own cache line. */
typedef struct lane {
  _Alignas(64) _Atomic uint64_t range;
  char pad_[64 - sizeof(uint64_t)];
} lane;

typedef struct worker {
  enn_threadpool *pool;
  int32_t index;
  bool started;
  pthread_t tid;
} worker;

struct enn_threadpool {
  /* written by the caller per job, read by a thread only after it claimed
   * one of the job's tasks */
  enn_range_fn fn;
  void *ctx;
  enn_pf_stream *pf; /* the caller's weight prefetch stream (base/prefetch.h) */
  int32_t threads;
  int64_t spin_ns;
  enn_allocator alloc;
  worker *workers;  /* [threads - 1] */
  lane *lanes;      /* [threads] */
  uint64_t *orphan; /* [threads]: ranges found in lanes when refilling them */
  pthread_mutex_t mu;
  pthread_cond_t wake, done;
  bool sync_ok; /* mu / wake / done initialised */
  _Alignas(64) atomic_uint gen;
  atomic_int stop;
  atomic_int sleepers;     /* workers blocked (or about to block) on wake */
  atomic_int caller_waits; /* the caller is blocked (or about to) on done */
  _Alignas(64) atomic_int pending;
  char pad_[64 - sizeof(atomic_int)];
};

static inline uint64_t pack_range(uint32_t lo, uint32_t hi) { return (uint64_t)lo | ((uint64_t)hi << 32); }

/* Takes the first unclaimed task of lane l into *task; false when the
 * lane is empty. */
static bool claim(lane *l, int32_t *task) {
  uint64_t v = atomic_load_explicit(&l->range, memory_order_relaxed);
  for (;;) {
    const uint32_t lo = (uint32_t)v, hi = (uint32_t)(v >> 32);
    if (lo >= hi) return false;
    if (atomic_compare_exchange_weak_explicit(&l->range, &v, pack_range(lo + 1u, hi), memory_order_acq_rel,
                                              memory_order_relaxed)) {
      *task = (int32_t)lo;
      return true;
    }
  }
}

/* Takes the back half (the larger half when odd) of lane l's unclaimed
 * tasks, [*lo, *hi); false when the lane is empty. */
static bool steal(lane *l, uint32_t *lo, uint32_t *hi) {
  uint64_t v = atomic_load_explicit(&l->range, memory_order_relaxed);
  for (;;) {
    const uint32_t b = (uint32_t)v, e = (uint32_t)(v >> 32);
    if (b >= e) return false;
    const uint32_t mid = b + (e - b) / 2;
    if (atomic_compare_exchange_weak_explicit(&l->range, &v, pack_range(b, mid), memory_order_acq_rel,
                                              memory_order_relaxed)) {
      *lo = mid;
      *hi = e;
      return true;
    }
  }
}

/* Runs tasks as thread `self` until every lane is empty; returns how many
 * this thread ran. */
static int32_t run_tasks(enn_threadpool *p, int32_t self) {
  int32_t ran = 0, t;
  lane *own = &p->lanes[self];
  for (;;) {
    while (claim(own, &t)) {
      enn_pf_current = p->pf;
      p->fn(p->ctx, t, t + 1, self);
      ran++;
    }
    uint64_t empty = atomic_load_explicit(&own->range, memory_order_relaxed);
    if ((uint32_t)empty < (uint32_t)(empty >> 32)) continue; /* refilled: a new job (see below) */
    uint32_t lo = 0, hi = 0;
    bool got = false;
    for (int32_t k = 1; k < p->threads && !got; k++) {
      int32_t victim = self + k;
      if (victim >= p->threads) victim -= p->threads;
      got = steal(&p->lanes[victim], &lo, &hi);
    }
    if (!got) return ran;
    /* Publish the rest of the stolen range in the own lane, for others to
     * take from, only if the lane still holds the empty value seen above:
     * a worker that ran nothing may be looking at a job that completed
     * meanwhile, and the caller may have refilled every lane for the next
     * one (whose tasks the steal then took, legitimately); overwriting that
     * would lose tasks. Otherwise run the stolen range here. */
    if (atomic_compare_exchange_strong_explicit(&own->range, &empty, pack_range(lo + 1u, hi), memory_order_acq_rel,
                                                memory_order_relaxed))
      hi = lo + 1u;
    enn_pf_current = p->pf;
    for (uint32_t i = lo; i < hi; i++) {
      p->fn(p->ctx, (int32_t)i, (int32_t)i + 1, self);
      ran++;
    }
  }
}

/* Counts `ran` tasks done; the thread completing the job wakes the caller
 * if it sleeps. */
static void tasks_done(enn_threadpool *p, int32_t ran) {
  if (atomic_fetch_sub(&p->pending, ran) == ran && atomic_load(&p->caller_waits)) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_signal(&p->done);
    pthread_mutex_unlock(&p->mu);
  }
}

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

static void *worker_main(void *arg) {
  worker *w = arg;
  enn_threadpool *p = w->pool;
  unsigned seen = 0;
  for (;;) {
    unsigned g = spin_gen(p, seen);
    if (g == seen) {
      pthread_mutex_lock(&p->mu);
      atomic_fetch_add(&p->sleepers, 1);
      while ((g = atomic_load(&p->gen)) == seen) pthread_cond_wait(&p->wake, &p->mu);
      atomic_fetch_sub(&p->sleepers, 1);
      pthread_mutex_unlock(&p->mu);
    }
    seen = g;
    if (atomic_load_explicit(&p->stop, memory_order_acquire)) break;
    const int32_t ran = run_tasks(p, w->index);
    if (ran) tasks_done(p, ran);
  }
  return NULL;
}

/* Stores generation g and wakes sleeping workers. */
static void publish(enn_threadpool *p, unsigned g) {
  atomic_store(&p->gen, g);
  /* A full fence between the store and the load of the handshake: the C11
   * seq_cst store/load pair already orders them, but qemu-user's
   * translation of AArch64 STLR;LDAR onto an x86 host does not (observed:
   * a lost wake-up under qemu-aarch64); the fence costs nothing on x86
   * (the seq_cst store is already a locked op) and keeps the handshake
   * right under emulation. */
  atomic_thread_fence(memory_order_seq_cst);
  if (atomic_load(&p->sleepers) > 0) {
    pthread_mutex_lock(&p->mu);
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->mu);
  }
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
  enn_free(&a, p->lanes);
  enn_free(&a, p->orphan);
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
  atomic_init(&p->sleepers, 0);
  atomic_init(&p->caller_waits, 0);
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
  p->lanes = enn_alloc_aligned(alloc, (size_t)threads * sizeof(lane), 64);
  p->orphan = enn_alloc(alloc, (size_t)threads * sizeof(uint64_t));
  p->workers = enn_alloc_aligned(alloc, (size_t)(threads - 1) * sizeof(worker), 64);
  if (!p->lanes || !p->orphan || !p->workers) {
    enn_free(alloc, p->workers);
    p->workers = NULL;
    enn_threadpool_destroy(p);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory creating a thread pool");
  }
  for (int32_t t = 0; t < threads; t++) atomic_init(&p->lanes[t].range, 0u);
  for (int32_t i = 0; i < threads - 1; i++) {
    worker *w = &p->workers[i];
    w->pool = p;
    w->index = i + 1;
    w->started = false;
  }
  for (int32_t i = 0; i < threads - 1; i++) {
    worker *w = &p->workers[i];
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
  p->pf = enn_pf_current;
  atomic_store_explicit(&p->pending, n, memory_order_relaxed);
  int32_t orphans = 0;
  for (int32_t t = 0; t < p->threads; t++) {
    int32_t b, e;
    enn_threadpool_chunk(n, p->threads, t, &b, &e);
    const uint64_t old = atomic_exchange_explicit(&p->lanes[t].range, pack_range((uint32_t)b, (uint32_t)e),
                                                  memory_order_acq_rel);
    if ((uint32_t)old < (uint32_t)(old >> 32)) p->orphan[orphans++] = old; /* see the top of this file */
  }
  publish(p, atomic_load_explicit(&p->gen, memory_order_relaxed) + 1u); /* only the caller writes gen */
  int32_t ran = 0;
  for (int32_t k = 0; k < orphans; k++)
    for (uint32_t i = (uint32_t)p->orphan[k]; i < (uint32_t)(p->orphan[k] >> 32); i++, ran++)
      fn(ctx, (int32_t)i, (int32_t)i + 1, 0);
  ran += run_tasks(p, 0);
  if (atomic_fetch_sub(&p->pending, ran) == ran) return;
  if (p->spin_ns > 0) {
    const int64_t t0 = enn_now_ns();
    for (uint32_t i = 1;; i++) {
      ENN_PAUSE();
      if (atomic_load_explicit(&p->pending, memory_order_acquire) == 0) return;
      if ((i & 63u) == 0 && enn_now_ns() - t0 > p->spin_ns) break;
    }
  }
  pthread_mutex_lock(&p->mu);
  atomic_store(&p->caller_waits, 1);
  atomic_thread_fence(memory_order_seq_cst); /* see publish() */
  while (atomic_load(&p->pending) != 0) pthread_cond_wait(&p->done, &p->mu);
  atomic_store(&p->caller_waits, 0);
  pthread_mutex_unlock(&p->mu);
}
