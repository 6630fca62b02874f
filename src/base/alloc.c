/* The default allocator and allocation helpers. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "base/base.h"

static void *default_alloc(void *ctx, size_t size, size_t align) {
  ENN_UNUSED(ctx);
  if (align < sizeof(void *)) align = sizeof(void *);
  size = enn_align_up(size ? size : 1, align);
  return aligned_alloc(align, size);
}

static void default_free(void *ctx, void *p) {
  ENN_UNUSED(ctx);
  free(p);
}

static const enn_allocator enn_default = {default_alloc, default_free, NULL};

const enn_allocator *enn_default_allocator(void) { return &enn_default; }

#if defined(__linux__)
#define HUGE_BYTES ((size_t)2 << 20)
#define PAGE_BYTES ((size_t)4096)

/* The huge-page path applies: the default allocator, not switched off. */
static bool big_mapped(const enn_allocator *a) {
  static _Atomic int mode = -1; /* -1 unread, 0 off, 1 on */
  int m = atomic_load_explicit(&mode, memory_order_relaxed);
  if (m < 0) {
    const char *e = getenv("ENN_HUGEPAGES");
    m = !(e && e[0] == '0' && e[1] == 0);
    atomic_store_explicit(&mode, m, memory_order_relaxed);
  }
  return m && (!a || (a->alloc == default_alloc && a->free == default_free));
}

void *enn_alloc_big(const enn_allocator *a, size_t size, bool *mapped) {
  *mapped = false;
  const size_t len = enn_align_up(size ? size : 1, PAGE_BYTES);
  size_t span;
  if (big_mapped(a) && len >= size && enn_add_size(len, HUGE_BYTES - PAGE_BYTES, &span)) {
    char *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m != MAP_FAILED) {
      char *p = (char *)(((uintptr_t)m + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1));
      if (p > m) munmap(m, (size_t)(p - m));
      if (m + span > p + len) munmap(p + len, (size_t)(m + span - (p + len)));
      (void)madvise(p, len, MADV_HUGEPAGE); /* advice only: EINVAL without THP support is harmless */
      *mapped = true;
      return p; /* fresh anonymous pages are zero */
    }
  }
  return enn_alloc_aligned(a, size, ENN_ALIGN);
}

void enn_free_big(const enn_allocator *a, void *p, size_t size, bool mapped) {
  if (!p) return;
  if (mapped) munmap(p, enn_align_up(size ? size : 1, PAGE_BYTES));
  else enn_free(a, p);
}
#else
void *enn_alloc_big(const enn_allocator *a, size_t size, bool *mapped) {
  *mapped = false;
  return enn_alloc_aligned(a, size, ENN_ALIGN);
}
void enn_free_big(const enn_allocator *a, void *p, size_t size, bool mapped) {
  ENN_UNUSED(size);
  ENN_UNUSED(mapped);
  enn_free(a, p);
}
#endif

void *enn_alloc_aligned(const enn_allocator *a, size_t size, size_t align) {
  if (!a) a = &enn_default;
  void *p = a->alloc(a->ctx, size ? size : 1, align);
  if (p) memset(p, 0, size);
  return p;
}

void *enn_alloc(const enn_allocator *a, size_t size) { return enn_alloc_aligned(a, size, 16); }

void enn_free(const enn_allocator *a, void *p) {
  if (!p) return;
  if (!a) a = &enn_default;
  a->free(a->ctx, p);
}

enn_status enn_grow(const enn_allocator *a, void **arr, int32_t *cap, int32_t need, size_t esz) {
  if (need <= *cap) return ENN_OK;
  int64_t ncap = *cap ? (int64_t)*cap * 2 : 8;
  while (ncap < need) ncap *= 2;
  if (ncap > INT32_MAX) return enn_err(ENN_ERR_OVERFLOW, "too many elements (%d)", need);
  size_t bytes;
  if (!enn_mul_size((size_t)ncap, esz, &bytes)) return enn_err(ENN_ERR_OVERFLOW, "allocation size overflow");
  void *n = enn_alloc(a, bytes);
  if (!n) return enn_err(ENN_ERR_NO_MEMORY, "out of memory (%zu bytes)", bytes);
  if (*arr) {
    memcpy(n, *arr, (size_t)*cap * esz);
    enn_free(a, *arr);
  }
  *arr = n;
  *cap = (int32_t)ncap;
  return ENN_OK;
}

char *enn_strdup(const enn_allocator *a, const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s);
  char *d = enn_alloc(a, n + 1);
  if (d) memcpy(d, s, n + 1);
  return d;
}

int64_t enn_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

uint16_t enn_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t exp = (x >> 23) & 0xffu;
  uint32_t man = x & 0x7fffffu;
  if (exp == 0xffu) return (uint16_t)(sign | 0x7c00u | (man ? 0x200u : 0u));
  int32_t e = (int32_t)exp - 127 + 15;
  if (e >= 31) return (uint16_t)(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return (uint16_t)sign;
    man |= 0x800000u;
    uint32_t shift = (uint32_t)(14 - e);
    uint32_t half = man >> shift;
    uint32_t rem = man & ((1u << shift) - 1u);
    uint32_t mid = 1u << (shift - 1u);
    if (rem > mid || (rem == mid && (half & 1u))) half++;
    return (uint16_t)(sign | half);
  }
  uint32_t h = sign | ((uint32_t)e << 10) | (man >> 13);
  uint32_t rem = man & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
  return (uint16_t)h;
}

float enn_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t man = h & 0x3ffu;
  uint32_t x;
  if (exp == 0) {
    if (man == 0) x = sign;
    else {
      int32_t e = -1;
      do { man <<= 1; e++; } while (!(man & 0x400u));
      x = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ffu) << 13);
    }
  } else if (exp == 31) x = sign | 0x7f800000u | (man << 13);
  else x = sign | ((exp - 15 + 127) << 23) | (man << 13);
  float f;
  memcpy(&f, &x, 4);
  return f;
}
