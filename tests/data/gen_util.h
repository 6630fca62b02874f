/*
 * Helpers for the data tests: scratch folders, whole-file writes, a
 * hand-written BMP encoder (24-bit BGR or 8-bit paletted gray, bottom-up
 * rows padded to 4 bytes), and in-memory xz / gzip compression of
 * generated payloads (liblzma / zlib, so reader tests can build .xz / .gz
 * files without external tools).
 */
#ifndef ENN_TEST_DATA_GEN_UTIL_H
#define ENN_TEST_DATA_GEN_UTIL_H

#include <errno.h>
#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "test.h"

static inline int gen_mkdir(const char *p) { return mkdir(p, 0755) == 0 || errno == EEXIST; }

/* rm -rf of a scratch folder (only ever under enn_test_tmp()). */
static inline void gen_rmtree(const char *p) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", p);
}

static inline int gen_write(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

static inline void gen_le16(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void gen_le32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes an RGB (c == 3, pixels HWC R,G,B) or gray (c == 1) BMP. */
static inline int gen_write_bmp(const char *path, const uint8_t *px, int w, int h, int c) {
  const int bpp = c == 3 ? 24 : 8;
  const size_t row = ((size_t)w * (size_t)bpp / 8 + 3) & ~(size_t)3;
  const size_t pal = c == 3 ? 0 : 256 * 4, off = 14 + 40 + pal, size = off + row * (size_t)h;
  uint8_t *b = calloc(1, size);
  if (!b) return 0;
  b[0] = 'B';
  b[1] = 'M';
  gen_le32(b + 2, (uint32_t)size);
  gen_le32(b + 10, (uint32_t)off);
  gen_le32(b + 14, 40);
  gen_le32(b + 18, (uint32_t)w);
  gen_le32(b + 22, (uint32_t)h); /* positive: bottom-up */
  gen_le16(b + 26, 1);
  gen_le16(b + 28, (uint32_t)bpp);
  gen_le32(b + 34, (uint32_t)(row * (size_t)h));
  if (c == 1) {
    gen_le32(b + 46, 256);
    for (int i = 0; i < 256; i++) b[54 + 4 * i] = b[55 + 4 * i] = b[56 + 4 * i] = (uint8_t)i;
  }
  for (int y = 0; y < h; y++) {
    uint8_t *r = b + off + (size_t)(h - 1 - y) * row;
    for (int x = 0; x < w; x++) {
      const uint8_t *p = px + ((size_t)y * (size_t)w + (size_t)x) * (size_t)c;
      if (c == 3) {
        r[3 * x + 0] = p[2];
        r[3 * x + 1] = p[1];
        r[3 * x + 2] = p[0];
      } else {
        r[x] = p[0];
      }
    }
  }
  int ok = gen_write(path, b, size);
  free(b);
  return ok;
}

/* xz-compresses buf into a malloc'd buffer. */
static inline uint8_t *gen_xz(const uint8_t *buf, size_t n, size_t *out_n) {
  size_t cap = lzma_stream_buffer_bound(n);
  uint8_t *o = malloc(cap);
  size_t pos = 0;
  if (!o || lzma_easy_buffer_encode(1, LZMA_CHECK_CRC64, NULL, buf, n, o, &pos, cap) != LZMA_OK) {
    free(o);
    return NULL;
  }
  *out_n = pos;
  return o;
}

/* gzip-compresses buf into a malloc'd buffer. */
static inline uint8_t *gen_gz(const uint8_t *buf, size_t n, size_t *out_n) {
  z_stream z;
  memset(&z, 0, sizeof z);
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
  size_t cap = deflateBound(&z, (uLong)n) + 64;
  uint8_t *o = malloc(cap);
  if (!o) {
    deflateEnd(&z);
    return NULL;
  }
  z.next_in = (Bytef *)(uintptr_t)buf;
  z.avail_in = (uInt)n;
  z.next_out = o;
  z.avail_out = (uInt)cap;
  int r = deflate(&z, Z_FINISH);
  *out_n = cap - z.avail_out;
  deflateEnd(&z);
  if (r != Z_STREAM_END) {
    free(o);
    return NULL;
  }
  return o;
}

#endif
