/*
 * Thread pool: static chunking (every task exactly once, contiguous,
 * balanced chunks in thread order, chunk t always runs with index t, the
 * caller runs chunk 0, workers are distinct OS threads and do run chunks),
 * many dispatches through the spin and the sleep paths and with more
 * threads than CPUs (the caller taking over chunks of sleeping workers),
 * create/destroy edge cases; enn_split2d covers every output element
 * once; the conv block kernel writes exactly its block; and sessions give
 * bit-identical outputs for 1, 2, 3 and 5 threads (conv with row and channel
 * splits, FC with batch rows fewer / more than threads, zoo models).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "base/threadpool.h"
#include "kernels/ref/conv_ref.h"
#include "test.h"

#define MAX_TASKS 1200
#define MAX_T 8

typedef struct record {
  atomic_int hits[MAX_TASKS];
  int thread_of[MAX_TASKS];
  atomic_int calls;
  atomic_int bad_range; /* empty or out-of-bounds ranges */
  int n;
  pthread_t tid[MAX_T];
  atomic_int tid_set[MAX_T];
} record;

static void record_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  record *r = ctx;
  atomic_fetch_add(&r->calls, 1);
  if (begin >= end || begin < 0 || end > r->n || thread < 0 || thread >= MAX_T) {
    atomic_fetch_add(&r->bad_range, 1);
    return;
  }
  r->tid[thread] = pthread_self();
  atomic_store(&r->tid_set[thread], 1);
  for (int32_t i = begin; i < end; i++) {
    atomic_fetch_add(&r->hits[i], 1);
    r->thread_of[i] = thread;
  }
}

static void check_dispatch(enn_threadpool *pool, int T, int n) {
  static record r;
  memset(&r, 0, sizeof r);
  r.n = n;
  enn_threadpool_parallel_for(pool, n, record_fn, &r);
  CHECK_MSG(atomic_load(&r.bad_range) == 0, "T=%d n=%d: bad ranges", T, n);
  int ok_once = 1, ok_order = 1;
  int size[MAX_T] = {0};
  for (int i = 0; i < n; i++) {
    if (atomic_load(&r.hits[i]) != 1) ok_once = 0;
    if (i > 0 && r.thread_of[i] < r.thread_of[i - 1]) ok_order = 0;
    if (r.thread_of[i] >= 0 && r.thread_of[i] < MAX_T) size[r.thread_of[i]]++;
  }
  CHECK_MSG(ok_once, "T=%d n=%d: a task did not run exactly once", T, n);
  CHECK_MSG(ok_order, "T=%d n=%d: chunks are not contiguous in thread order", T, n);
  /* balanced: chunk sizes are floor(n/T) or ceil(n/T) */
  int lo = n / T, hi = (n + T - 1) / T, used = 0;
  for (int t = 0; t < T; t++) {
    if (size[t]) used++;
    CHECK_MSG(size[t] == lo || size[t] == hi, "T=%d n=%d: thread %d ran %d tasks", T, n, t, size[t]);
  }
  const int want_used = n < T ? n : T;
  CHECK_MSG(used == want_used, "T=%d n=%d: %d threads ran tasks, expected %d", T, n, used, want_used);
  CHECK_MSG(atomic_load(&r.calls) == want_used, "T=%d n=%d: %d calls, expected %d (one per non-empty chunk)", T, n,
            atomic_load(&r.calls), want_used);
  if (n > 0) {
    CHECK_MSG(atomic_load(&r.tid_set[0]) && pthread_equal(r.tid[0], pthread_self()),
              "T=%d n=%d: chunk 0 did not run on the caller", T, n);
  }
  /* two chunks share an OS thread only when the caller took a chunk over */
  for (int a = 1; a < T; a++)
    for (int b = a + 1; b < T; b++)
      if (atomic_load(&r.tid_set[a]) && atomic_load(&r.tid_set[b]) && pthread_equal(r.tid[a], r.tid[b]))
        CHECK_MSG(pthread_equal(r.tid[a], pthread_self()), "T=%d n=%d: workers %d and %d are one OS thread", T, n,
                  a, b);
}

static void test_chunking(void) {
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

typedef struct sum_ctx {
  const int32_t *v;
  int64_t partial[MAX_T];
} sum_ctx;

static void sum_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  sum_ctx *c = ctx;
  int64_t s = 0;
  for (int32_t i = begin; i < end; i++) s += c->v[i];
  c->partial[thread] += s;
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
    for (int it = 0; it < fast; it++) enn_threadpool_parallel_for(pool, N, sum_fn, &c);
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

typedef struct stress_ctx {
  atomic_int hits[64];
  atomic_int bad;
  int32_t n, T;
  pthread_t caller;
  atomic_int by_worker; /* chunks run on a thread other than the caller */
} stress_ctx;

static void stress_fn(void *ctx, int32_t begin, int32_t end, int32_t thread) {
  stress_ctx *c = ctx;
  int32_t b, e;
  enn_threadpool_chunk(c->n, c->T, thread, &b, &e); /* chunk `thread` is exactly [begin, end) */
  if (b != begin || e != end) atomic_fetch_add(&c->bad, 1);
  if (!pthread_equal(pthread_self(), c->caller)) atomic_fetch_add(&c->by_worker, 1);
  for (int32_t i = begin; i < end; i++) atomic_fetch_add(&c->hits[i], 1);
  volatile int spin = 0; /* a little work, so that chunks overlap */
  for (int k = 0; k < 200; k++) spin += k;
}

/* Many small jobs with empty chunks, on pools with up to 2x more threads
 * than CPUs (workers sleep and lag; the caller takes their chunks over):
 * every task exactly once per job, chunk t always with index t. */
static void test_takeover_stress(void) {
  const int ts[] = {2, 3, 5};
  for (size_t k = 0; k < ENN_ARRAY_LEN(ts); k++) {
    enn_threadpool *pool = NULL;
    CHECK_OK(enn_threadpool_create(ts[k], NULL, &pool));
    if (!pool) continue;
    static stress_ctx c;
    int ok = 1, workers_ran = 0;
    for (int it = 0; it < 3000 && ok; it++) {
      memset(&c, 0, sizeof c);
      c.n = 1 + it % 9;
      c.T = ts[k];
      c.caller = pthread_self();
      enn_threadpool_parallel_for(pool, c.n, stress_fn, &c);
      for (int32_t i = 0; i < c.n; i++)
        if (atomic_load(&c.hits[i]) != 1) ok = 0;
      if (atomic_load(&c.bad)) ok = 0;
      workers_ran += atomic_load(&c.by_worker);
      if (it % 500 == 499) { /* let workers fall asleep now and then */
        struct timespec gap = {0, 300000};
        nanosleep(&gap, NULL);
      }
    }
    CHECK_MSG(ok, "T=%d: a task ran twice or not at all, or with the wrong index", ts[k]);
    /* How many chunks workers took depends on the machine's load (the caller
     * takes over chunks of lagging workers), so it is reported, not asserted. */
    fprintf(stderr, "  T=%d: %d chunks ran on workers\n", ts[k], workers_ran);
    enn_threadpool_destroy(pool);
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
 * column-heavy shapes. */
static void test_split2d(void) {
  const int64_t rows[] = {1, 2, 3, 5, 7, 16};
  const int32_t cols[] = {1, 2, 3, 10, 17};
  const int32_t ts[] = {1, 2, 3, 4, 7};
  static int cover[16 * 17];
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
static int32_t add_const(enn_graph *g, const char *name, int rank, const int64_t *dims, unsigned long long seed) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, rank, dims);
  const long n = (long)enn_tensor_desc_numel(&d);
  float *v = malloc(sizeof(float) * (size_t)n);
  enn_t_fill(v, n, seed, -0.5f, 0.5f);
  int32_t id = -1;
  CHECK_OK(enn_graph_add_constant(g, name, &d, v, ENN_CONST_COPY, &id));
  free(v);
  return id;
}

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
  in[1] = add_const(g, "w1", 4, w1, 1);
  in[2] = add_const(g, "b1", 1, b1, 2);
  enn_attrs a;
  enn_attrs_init_op(&a, ENN_OP_CONV2D);
  a.pad_mode = ENN_PAD_SAME_UPPER;
  a.act = ENN_ACT_HARD_SWISH;
  CHECK_OK(enn_graph_add_node(g, ENN_OP_CONV2D, "c1", in, 3, &a, 1, &t1));
  in[0] = t1;
  in[1] = add_const(g, "w2", 4, w2, 3);
  in[2] = add_const(g, "b2", 1, b2, 4);
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
  in[1] = add_const(g, "wf", 2, wf, 5);
  in[2] = add_const(g, "bf", 1, bf, 6);
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

/* Runs g at each thread count; every output byte must equal threads = 1. */
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
    for (int rep = 0; rep < 2; rep++) CHECK_OK(enn_session_run(s));
    const float *out = enn_session_output_buffer(s, 0);
    if (!ref) {
      bytes = enn_tensor_desc_bytes(&od);
      ref = malloc(bytes);
      memcpy(ref, out, bytes);
    } else {
      CHECK_MSG(bytes == enn_tensor_desc_bytes(&od) && memcmp(ref, out, bytes) == 0,
                "%s: threads=%d output differs from threads=1", what, ts[i]);
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
  const char *zoo[] = {"zoo:resnet8", "zoo:mobilenet_v2,width=0.35,res=48,classes=10", "zoo:ds_cnn"};
  for (size_t i = 0; i < ENN_ARRAY_LEN(zoo); i++) {
    enn_graph *g = NULL;
    CHECK_OK(enn_zoo_build_spec(zoo[i], NULL, &g));
    check_thread_invariance(g, zoo[i]);
    enn_graph_destroy(g);
  }
}

int main(void) {
  ENN_RUN(test_chunking);
  ENN_RUN(test_many_dispatches);
  ENN_RUN(test_takeover_stress);
  ENN_RUN(test_create_destroy);
  ENN_RUN(test_split2d);
  ENN_RUN(test_conv_part_blocks);
  ENN_RUN(test_sessions_thread_invariant);
  return enn_test_finish();
}
