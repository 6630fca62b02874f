/* Memory planner: random lifetimes are packed without overlap; sessions of
 * zoo models never place two live tensors of different buffers on the same
 * bytes; in-place and view sharing actually happen; the peak is below the
 * naive sum. */
#include "rt/rt.h"
#include "test.h"

static void test_random_lifetimes(void) {
  enum { N = 300 };
  enn_plan_buf b[N];
  unsigned long long st = 7;
  for (int trial = 0; trial < 20; trial++) {
    int64_t sum = 0, max_live = 0;
    for (int i = 0; i < N; i++) {
      b[i].size = (int64_t)(enn_t_randf(&st, 1, 100000));
      b[i].first = (int32_t)enn_t_randf(&st, 0, 200);
      b[i].last = b[i].first + (int32_t)enn_t_randf(&st, 0, 20);
      sum += (int64_t)enn_align_up((size_t)b[i].size, ENN_ALIGN);
    }
    for (int t = 0; t < 220; t++) {
      int64_t live = 0;
      for (int i = 0; i < N; i++)
        if (b[i].first <= t && t <= b[i].last) live += (int64_t)enn_align_up((size_t)b[i].size, ENN_ALIGN);
      if (live > max_live) max_live = live;
    }
    int64_t peak = 0;
    CHECK_OK(enn_plan_offsets(b, N, NULL, &peak));
    CHECK(enn_plan_valid(b, N));
    CHECK(peak >= max_live); /* lower bound */
    CHECK(peak < sum);
    for (int i = 0; i < N; i++) CHECK(b[i].offset + b[i].size <= peak);
  }
}

static void test_plan_valid_detects_overlap(void) {
  enn_plan_buf b[2] = {{128, 0, 3, 0}, {128, 2, 5, 64}};
  CHECK(!enn_plan_valid(b, 2));
  b[1].first = 4;
  CHECK(enn_plan_valid(b, 2));
}

/* Every pair of tensors in different buffers with intersecting lifetimes
 * occupies disjoint bytes. Returns the number of tensors that share a
 * buffer with another (views / in-place). */
static int check_session_layout(const char *spec) {
  enn_graph *g;
  enn_status st = enn_zoo_build_spec(spec, NULL, &g);
  CHECK_OK(st);
  if (st) return 0;
  enn_session *s;
  CHECK_OK(enn_session_create(g, NULL, &s));
  const enn_graph *sg;
  const enn_tensor_layout *L;
  int32_t n = enn_session_debug_tensors(s, &sg, &L, NULL);
  int shared = 0, bad = 0;
  int64_t sum = 0;
  for (int32_t i = 0; i < n; i++) {
    if (L[i].offset < 0) continue;
    sum += L[i].bytes;
    for (int32_t j = i + 1; j < n; j++) {
      if (L[j].offset < 0) continue;
      if (L[i].buffer == L[j].buffer) {
        shared++;
        continue;
      }
      bool live = L[i].first <= L[j].last && L[j].first <= L[i].last;
      bool mem = L[i].offset < L[j].offset + L[j].bytes && L[j].offset < L[i].offset + L[i].bytes;
      if (live && mem && L[i].bytes && L[j].bytes) bad++;
    }
  }
  CHECK_MSG(bad == 0, "%s: %d overlapping live tensor pairs", spec, bad);
  enn_session_stats ss;
  CHECK_OK(enn_session_stats_get(s, &ss));
  CHECK_MSG(ss.peak_arena_bytes < sum, "%s: peak %lld not below the naive sum %lld", spec, (long long)ss.peak_arena_bytes,
            (long long)sum);
  fprintf(stderr, "  %s: peak arena %lld bytes vs %lld naive, %d shared pairs\n", spec, (long long)ss.peak_arena_bytes,
          (long long)sum, shared);
  enn_session_destroy(s);
  enn_graph_destroy(g);
  return shared;
}

static void test_zoo_layouts(void) {
  CHECK(check_session_layout("zoo:mobilenet_v2,width=0.35,res=64,classes=10") > 0);
  CHECK(check_session_layout("zoo:shufflenet_v2_x0_5,res=64,classes=10") > 0);
  check_session_layout("zoo:resnet8");
  check_session_layout("zoo:squeezenet1_1,res=64,classes=10");
  check_session_layout("zoo:mobilenet_v3_small,res=64,classes=10");
}

int main(void) {
  ENN_RUN(test_random_lifetimes);
  ENN_RUN(test_plan_valid_detects_overlap);
  ENN_RUN(test_zoo_layouts);
  return enn_test_finish();
}
