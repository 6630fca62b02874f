/*
 * Big blocks (enn_alloc_big) and the prepare context's slabs: with the
 * default allocator on Linux a block is its own mapping, 2 MiB-aligned,
 * zero, advised for huge pages (the VmFlags of its /proc/self/smaps entry
 * carry "hg"); with a caller's allocator, or with ENN_HUGEPAGES=0 (in a
 * child process: the setting is read once), it comes from the allocator.
 * Slab-carved prepare blocks are aligned, zero, disjoint, accounted, and
 * all freed; a session's arena and weights follow the same rule.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "rt/rt.h"
#include "test.h"
#include "test_exec.h"

static bool all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

/* 1: the mapping holding p is advised MADV_HUGEPAGE, 0: it is not (or no
 * mapping holds p), -1: no smaps to tell (not Linux, or an emulator's
 * synthetic /proc). */
static int advised_huge(const void *p) {
  if (getenv("ENN_TEST_EMULATOR")) return -1;
  FILE *f = fopen("/proc/self/smaps", "r");
  if (!f) return -1;
  char line[512];
  int in = 0, res = 0; /* not found: not advised */
  const uintptr_t a = (uintptr_t)p;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) in = a >= lo && a < hi;
    else if (in && strncmp(line, "VmFlags:", 8) == 0) {
      res = strstr(line, " hg") != NULL;
      break;
    }
  }
  fclose(f);
  return res;
}

static bool hugepages_off(void) {
  const char *e = getenv("ENN_HUGEPAGES");
  return e && strcmp(e, "0") == 0;
}

static void test_big_default(void) {
  const size_t sizes[] = {1, 4096, 5000, ((size_t)3 << 20) + 100};
  for (size_t i = 0; i < ENN_ARRAY_LEN(sizes); i++) {
    bool mapped = true;
    unsigned char *p = enn_alloc_big(NULL, sizes[i], &mapped);
    CHECK(p != NULL);
    if (!p) continue;
    CHECK(((uintptr_t)p & (ENN_ALIGN - 1)) == 0);
    CHECK(all_zero(p, sizes[i]));
    memset(p, 0x5a, sizes[i]); /* all of it is writable */
#if defined(__linux__)
    if (hugepages_off()) CHECK(!mapped);
    else {
      CHECK_MSG(mapped, "size %zu: not mapped", sizes[i]);
      CHECK_MSG(((uintptr_t)p & ((2u << 20) - 1)) == 0, "size %zu: %p not 2 MiB-aligned", sizes[i], (void *)p);
      const int h = advised_huge(p);
      CHECK_MSG(h != 0, "size %zu: mapping not advised MADV_HUGEPAGE", sizes[i]);
    }
#else
    CHECK(!mapped);
#endif
    enn_free_big(NULL, p, sizes[i], mapped);
  }
}

static void test_big_caller_allocator(void) {
  enn_t_counter c = {0, 0};
  enn_allocator a = {enn_t_count_alloc, enn_t_count_free, &c};
  bool mapped = true;
  unsigned char *p = enn_alloc_big(&a, (size_t)5 << 20, &mapped);
  CHECK(p != NULL && !mapped);
  CHECK(c.allocs == 1);
  if (p) {
    CHECK(((uintptr_t)p & (ENN_ALIGN - 1)) == 0);
    CHECK(all_zero(p, (size_t)5 << 20));
  }
  enn_free_big(&a, p, (size_t)5 << 20, mapped);
  CHECK(c.frees == 1);
}

/* Blocks from a context with (hint > 0) or without slabs: aligned, zero,
 * disjoint (each filled with its own byte, all checked at the end), the
 * byte count, and every allocation freed. */
static void check_ctx(int64_t hint, bool counting) {
  enn_t_counter c = {0, 0};
  enn_allocator ca = {enn_t_count_alloc, enn_t_count_free, &c};
  enn_prepare_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.alloc = counting ? ca : *enn_default_allocator();
  ctx.slab_hint = hint;
  const size_t sizes[] = {1, 63, 64, 65, 5000, (size_t)3 << 20, 7, (size_t)9 << 20, 100000, 0, 12345};
  enum { N = sizeof sizes / sizeof sizes[0] };
  unsigned char *p[N];
  int64_t total = 0;
  for (int i = 0; i < N; i++) {
    p[i] = enn_prepare_alloc(&ctx, sizes[i]);
    CHECK(p[i] != NULL);
    if (!p[i]) return;
    CHECK(((uintptr_t)p[i] & (ENN_ALIGN - 1)) == 0);
    CHECK_MSG(all_zero(p[i], sizes[i]), "block %d (%zu bytes) not zero", i, sizes[i]);
    memset(p[i], i + 1, sizes[i]);
    total += (int64_t)sizes[i];
  }
  for (int i = 0; i < N; i++) {
    bool ok = true;
    for (size_t k = 0; k < sizes[i]; k++) ok &= p[i][k] == (unsigned char)(i + 1);
    CHECK_MSG(ok, "block %d overwritten (hint %lld)", i, (long long)hint);
  }
  CHECK(ctx.n_blocks == N && ctx.bytes == total);
  for (int i = 0; i < N; i++) CHECK(ctx.blocks[i] == p[i] && ctx.sizes[i] == (int64_t)sizes[i]);
  if (hint > 0) {
    CHECK(ctx.n_slabs >= 1 && ctx.n_slabs <= 3);
    CHECK((int64_t)ctx.slabs[0].size >= hint);
  } else
    CHECK(ctx.n_slabs == 0);
  enn_prepare_ctx_release(&ctx);
  CHECK(ctx.n_blocks == 0 && ctx.bytes == 0 && ctx.n_slabs == 0);
  if (counting) CHECK_MSG(c.allocs == c.frees, "%ld allocations, %ld frees", c.allocs, c.frees);
}

static void test_prepare_slabs(void) {
  check_ctx(0, true);
  check_ctx(0, false);
  check_ctx((int64_t)6 << 20, true);  /* one slab, then more */
  check_ctx((int64_t)6 << 20, false); /* mapped slabs */
  check_ctx((int64_t)40 << 20, false);
  check_ctx(1, false); /* a tiny hint: 4 MiB slabs */
}

/* A session's arena comes from enn_alloc_big: advised for huge pages. */
static void test_session_arena(void) {
  enn_graph *g = NULL;
  CHECK_OK(enn_zoo_build_spec("zoo:mobilenet_v2,width=0.35,res=96", NULL, &g));
  if (!g) return;
  enn_session *s = NULL;
  CHECK_OK(enn_session_create(g, NULL, &s));
  if (s) {
    const uint8_t *arena = NULL;
    enn_session_debug_tensors(s, NULL, NULL, &arena);
#if defined(__linux__)
    const int h = advised_huge(arena);
    CHECK_MSG(h == (hugepages_off() ? 0 : 1) || h < 0, "arena advised %d", h);
#endif
    CHECK_OK(enn_session_run(s));
  }
  enn_session_destroy(s);
  enn_graph_destroy(g);
}

static int run_child(const char *self, const char *mode) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setenv("ENN_HUGEPAGES", "0", 1);
    char *const args[] = {(char *)(uintptr_t)self, (char *)(uintptr_t)mode, NULL};
    enn_test_exec_self(args);
    _exit(99);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

static const char *g_self;

static void test_env_off(void) {
  if (hugepages_off()) return; /* this is the child */
  CHECK_MSG(run_child(g_self, "--child-off") == 0, "ENN_HUGEPAGES=0 child failed");
}

int main(int argc, char **argv) {
  g_self = access("/proc/self/exe", X_OK) == 0 ? "/proc/self/exe" : argv[0];
  ENN_RUN(test_big_default);
  ENN_RUN(test_big_caller_allocator);
  ENN_RUN(test_prepare_slabs);
  ENN_RUN(test_session_arena);
  if (!(argc == 2 && strcmp(argv[1], "--child-off") == 0)) ENN_RUN(test_env_off);
  return enn_test_finish();
}
