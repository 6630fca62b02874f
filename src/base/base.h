/*
 * Internal base layer: error messages, allocation through enn_allocator,
 * checked size arithmetic, small string helpers. The only layer that touches
 * libc allocation and thread-locals.
 */
#ifndef ENN_BASE_H
#define ENN_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edgenn/edgenn.h"

#define ENN_UNUSED(x) ((void)(x))
#define ENN_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ENN_ALIGN 64u

#if defined(__GNUC__)
#define ENN_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define ENN_PRINTF(f, a)
#endif

/* Sets the thread's error message (printf-style) and returns s. */
enn_status enn_err(enn_status s, const char *fmt, ...) ENN_PRINTF(2, 3);
enn_status enn_verr(enn_status s, const char *fmt, va_list ap) ENN_PRINTF(2, 0);
/* Prepends "prefix: " to the current message (for context as errors bubble up). */
enn_status enn_err_prefix(enn_status s, const char *fmt, ...) ENN_PRINTF(2, 3);

/* Allocation through an allocator (NULL = default). Zero-fills. */
void *enn_alloc(const enn_allocator *a, size_t size);
void *enn_alloc_aligned(const enn_allocator *a, size_t size, size_t align);
void enn_free(const enn_allocator *a, void *p);
/* Big long-lived blocks (a session's packed weights and arena): with the
 * default allocator on Linux, a private anonymous mapping that starts on a
 * 2 MiB boundary, advised for transparent huge pages before its first
 * touch (MADV_HUGEPAGE: one TLB entry per 2 MiB instead of 512, so a
 * weight stream does not take a page walk every 4 KiB; the tail past the
 * last whole 2 MiB keeps 4 KiB pages, untouched 2 MiB ranges are never
 * faulted in, a partly used one costs its whole 2 MiB of memory).
 * Otherwise (a caller's allocator, another
 * OS, ENN_HUGEPAGES=0 in the environment, or a failed mapping)
 * enn_alloc_aligned(size, ENN_ALIGN). *mapped says which. Zero-filled.
 * Free with enn_free_big(a, p, size, mapped), the same size and flag. */
void *enn_alloc_big(const enn_allocator *a, size_t size, bool *mapped);
void enn_free_big(const enn_allocator *a, void *p, size_t size, bool mapped);
/* Grows *arr (element size esz) to hold at least need elements. */
enn_status enn_grow(const enn_allocator *a, void **arr, int32_t *cap, int32_t need, size_t esz);
char *enn_strdup(const enn_allocator *a, const char *s);

/* Checked arithmetic: return false on overflow. */
static inline bool enn_mul_size(size_t a, size_t b, size_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool enn_add_size(size_t a, size_t b, size_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline bool enn_mul_i64(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool enn_add_i64(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline size_t enn_align_up(size_t x, size_t a) { return (x + a - 1) & ~(a - 1); }

/* Monotonic clock in nanoseconds. */
int64_t enn_now_ns(void);

/* fp16 <-> fp32 (IEEE binary16, round to nearest even). */
uint16_t enn_f32_to_f16(float f);
float enn_f16_to_f32(uint16_t h);

#endif
