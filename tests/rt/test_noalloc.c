/*
 * enn_session_run performs no heap allocation. Two independent proofs:
 * 1. every allocation of the library goes through the session's allocator:
 *    a counting allocator sees none during runs;
 * 2. the process's malloc family is interposed (glibc: this executable's
 *    definitions win over libc's) and must not be called during runs.
 * (2) is skipped under AddressSanitizer, which owns malloc itself.
 */
#include <time.h>

#include "test.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ENN_INTERPOSE 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ENN_INTERPOSE 0
#endif
#endif
#ifndef ENN_INTERPOSE
#define ENN_INTERPOSE 1
#endif

static volatile int counting;
static volatile long libc_calls;

#if ENN_INTERPOSE
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void __libc_free(void *);
void *malloc(size_t n) {
  if (counting) libc_calls++;
  return __libc_malloc(n);
}
void *calloc(size_t a, size_t b) {
  if (counting) libc_calls++;
  return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  if (counting) libc_calls++;
  return __libc_realloc(p, n);
}
void *aligned_alloc(size_t al, size_t n) {
  if (counting) libc_calls++;
  return __libc_memalign(al, n);
}
int posix_memalign(void **p, size_t al, size_t n) {
  if (counting) libc_calls++;
  *p = __libc_memalign(al, n);
  return *p ? 0 : 12;
}
void free(void *p) {
  if (counting && p) libc_calls++;
  __libc_free(p);
}
#endif

static void run_model(const char *spec, int profile, int threads) {
  enn_t_counter c = {0, 0};
  enn_allocator a = {enn_t_count_alloc, enn_t_count_free, &c};
  enn_graph *g;
  CHECK_OK(enn_zoo_build_spec(spec, &a, &g));
  if (!g) return;
  enn_session_options o;
  enn_session_options_init(&o);
  o.alloc = &a;
  o.profile = profile;
  o.threads = threads;
  enn_session *s;
  CHECK_OK(enn_session_create(g, &o, &s));
  if (!s) return;
  float *in = enn_session_input_buffer(s, 0);
  enn_tensor_desc d;
  CHECK_OK(enn_session_input_desc(s, 0, &d, NULL));
  enn_t_fill(in, (long)enn_tensor_desc_numel(&d), 3, -1, 1);
  CHECK_OK(enn_session_run(s)); /* warm: nothing lazy may happen here either */
  long before = c.allocs + c.frees;
  libc_calls = 0;
  counting = 1;
  for (int i = 0; i < 3; i++) {
    enn_session_run(s);
    if (threads > 1) { /* idle past the pool's spin window: workers block, then wake */
      struct timespec ts = {0, 2000000};
      nanosleep(&ts, NULL);
    }
  }
  counting = 0;
  CHECK_MSG(c.allocs + c.frees == before, "%s: %ld allocator calls during run", spec, c.allocs + c.frees - before);
  CHECK_MSG(libc_calls == 0, "%s: %ld libc malloc-family calls during run", spec, libc_calls);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  CHECK_MSG(c.allocs == c.frees, "%s: %ld allocations, %ld frees (leak)", spec, c.allocs, c.frees);
}

/* The interposition itself works (otherwise the proof would be vacuous). */
static void test_interposition_counts(void) {
#if ENN_INTERPOSE
  libc_calls = 0;
  counting = 1;
  void *volatile p = malloc(32);
  free(p);
  counting = 0;
  CHECK_MSG(libc_calls == 2, "interposed malloc saw %ld calls, expected 2", libc_calls);
#endif
}

static void test_zoo_runs_allocate_nothing(void) {
  run_model("zoo:resnet8", 0, 1);
  run_model("zoo:mobilenet_v3_small,res=64,classes=10", 1, 1);
  run_model("zoo:shufflenet_v2_x0_5,res=64,classes=10", 0, 1);
  run_model("zoo:squeezenet1_1,res=64,classes=10", 0, 1);
  run_model("zoo:ds_cnn", 1, 1);
}

/* With a thread pool: workers wake, run kernel chunks and go back to
 * sleep (spin window exceeded between runs included) without allocating.
 * Worker threads are created at session create, outside the window. */
static void test_threaded_runs_allocate_nothing(void) {
  run_model("zoo:resnet8", 0, 2);
  run_model("zoo:mobilenet_v3_small,res=64,classes=10", 1, 2);
  run_model("zoo:ds_cnn", 0, 3);
}

int main(void) {
  fprintf(stderr, "libc malloc interposition: %s\n", ENN_INTERPOSE ? "on" : "off (sanitizer build)");
  ENN_RUN(test_interposition_counts);
  ENN_RUN(test_zoo_runs_allocate_nothing);
  ENN_RUN(test_threaded_runs_allocate_nothing);
  return enn_test_finish();
}
