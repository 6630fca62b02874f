/*
 * Whole-file loading for the dataset readers, with transparent
 * decompression, plus directory helpers.
 *
 * A file is read in one piece (its size from fstat, then read() until that
 * many bytes arrived: a file that shrinks under us is an error). Names
 * ending in ".xz" go through liblzma's stream decoder (LZMA_CONCATENATED,
 * no memory limit beyond max_bytes on the output), ".gz" through zlib's
 * inflate in gzip mode, member after member. Both decoders write into a
 * buffer that starts at the expected size (or a multiple of the input) and
 * doubles while the stream still has output, up to max_bytes; a stream
 * that ends before its end marker is "truncated", one whose checks fail is
 * "corrupt", bytes after the last member are refused. Every message names
 * the file.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/base.h"
#include "data/data_internal.h"

/* ------------------------------------------------------------ paths */
bool enn_data_join(char *buf, size_t cap, const char *dir, const char *name) {
  size_t dl = strlen(dir);
  while (dl > 1 && dir[dl - 1] == '/') dl--;
  int n = snprintf(buf, cap, "%.*s/%s", (int)dl, dir, name);
  return n >= 0 && (size_t)n < cap;
}

bool enn_data_is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

bool enn_data_is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

bool enn_data_find(char *buf, size_t cap, const char *dir, const char *name, const char *const *suffixes) {
  if (!enn_data_join(buf, cap, dir, name)) return false;
  if (enn_data_is_file(buf)) return true;
  size_t base = strlen(buf);
  for (int i = 0; suffixes && suffixes[i]; i++) {
    size_t sl = strlen(suffixes[i]);
    if (base + sl + 1 > cap) continue;
    memcpy(buf + base, suffixes[i], sl + 1);
    if (enn_data_is_file(buf)) return true;
    buf[base] = '\0';
  }
  return false;
}

/* ------------------------------------------------------ output buffer */
typedef struct obuf {
  const enn_allocator *alloc;
  uint8_t *p;
  size_t len, cap, max;
} obuf;

/* Makes room for at least one more byte (doubling, bounded by max). */
static enn_status obuf_grow(obuf *b, const char *name) {
  if (b->cap >= b->max)
    return enn_err(ENN_ERR_OVERFLOW, "'%s': decompressed data exceeds the limit of %zu bytes", name, b->max);
  size_t nc = b->cap ? b->cap : 4096;
  if (b->cap) nc = b->cap > b->max / 2 ? b->max : b->cap * 2;
  if (nc > b->max) nc = b->max;
  uint8_t *n = enn_alloc_aligned(b->alloc, nc, ENN_ALIGN);
  if (!n) return enn_err(ENN_ERR_NO_MEMORY, "'%s': out of memory decompressing (%zu bytes)", name, nc);
  if (b->p) {
    memcpy(n, b->p, b->len);
    enn_free(b->alloc, b->p);
  }
  b->p = n;
  b->cap = nc;
  return ENN_OK;
}

static enn_status obuf_start(obuf *b, const enn_allocator *alloc, size_t hint, size_t in_size, size_t max,
                             const char *name) {
  memset(b, 0, sizeof *b);
  b->alloc = alloc;
  b->max = max;
  size_t first = hint;
  if (!first) first = in_size <= max / 4 ? in_size * 4 : max;
  if (first < 4096) first = 4096;
  if (first > max) first = max;
  b->cap = 0;
  uint8_t *n = enn_alloc_aligned(alloc, first ? first : 1, ENN_ALIGN);
  if (!n) return enn_err(ENN_ERR_NO_MEMORY, "'%s': out of memory decompressing (%zu bytes)", name, first);
  b->p = n;
  b->cap = first;
  return ENN_OK;
}

/* ----------------------------------------------------------------- xz */
enn_status enn_data_xz_decode(const uint8_t *in, size_t n, const char *name, const enn_allocator *alloc,
                              size_t expect_hint, size_t max_bytes, uint8_t **out, size_t *size) {
  *out = NULL;
  *size = 0;
  obuf b;
  enn_status st = obuf_start(&b, alloc, expect_hint ? expect_hint + 1 : 0, n, max_bytes, name);
  if (st) return st;
  lzma_stream strm = LZMA_STREAM_INIT;
  lzma_ret r = lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED);
  if (r != LZMA_OK) {
    enn_free(alloc, b.p);
    return enn_err(r == LZMA_MEM_ERROR ? ENN_ERR_NO_MEMORY : ENN_ERR_INTERNAL,
                   "'%s': cannot start the xz decoder (lzma error %d)", name, (int)r);
  }
  strm.next_in = in;
  strm.avail_in = n;
  for (;;) {
    if (b.len == b.cap && (st = obuf_grow(&b, name))) goto fail;
    strm.next_out = b.p + b.len;
    strm.avail_out = b.cap - b.len;
    r = lzma_code(&strm, LZMA_FINISH);
    b.len = b.cap - strm.avail_out;
    if (r == LZMA_STREAM_END) break;
    if (r == LZMA_OK) continue;
    if (r == LZMA_BUF_ERROR && strm.avail_out > 0) {
      st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': truncated xz stream (ends after %zu of %zu input bytes were used)", name,
                   n - strm.avail_in, n);
      goto fail;
    }
    if (r == LZMA_BUF_ERROR) continue;
    switch (r) {
      case LZMA_FORMAT_ERROR: st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': not an xz file (bad magic)", name); break;
      case LZMA_DATA_ERROR:
        st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': corrupt xz data near input byte %zu", name, n - strm.avail_in);
        break;
      case LZMA_OPTIONS_ERROR: st = enn_err(ENN_ERR_UNSUPPORTED, "'%s': unsupported xz options", name); break;
      case LZMA_MEM_ERROR: st = enn_err(ENN_ERR_NO_MEMORY, "'%s': out of memory in the xz decoder", name); break;
      default: st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': xz decoding failed (lzma error %d)", name, (int)r); break;
    }
    goto fail;
  }
  lzma_end(&strm);
  *out = b.p;
  *size = b.len;
  return ENN_OK;
fail:
  lzma_end(&strm);
  enn_free(alloc, b.p);
  return st;
}

/* ----------------------------------------------------------------- gz */
enn_status enn_data_gz_decode(const uint8_t *in, size_t n, const char *name, const enn_allocator *alloc,
                              size_t expect_hint, size_t max_bytes, uint8_t **out, size_t *size) {
  *out = NULL;
  *size = 0;
  if (n < 2 || in[0] != 0x1f || in[1] != 0x8b) return enn_err(ENN_ERR_BAD_FORMAT, "'%s': not a gzip file (bad magic)", name);
  size_t hint = expect_hint;
  if (!hint && n >= 18) /* ISIZE of the last member: the size mod 2^32 */
    hint = (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 | (size_t)in[n - 1] << 24;
  if (hint / 1032u > n) hint = 0; /* beyond deflate's maximum ratio: a damaged trailer */
  obuf b;
  enn_status st = obuf_start(&b, alloc, hint ? hint + 1 : 0, n, max_bytes, name);
  if (st) return st;
  z_stream z;
  memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 15 + 16) != Z_OK) {
    enn_free(alloc, b.p);
    return enn_err(ENN_ERR_NO_MEMORY, "'%s': cannot start the gzip decoder", name);
  }
  size_t used = 0; /* input consumed */
  for (;;) {
    if (b.len == b.cap && (st = obuf_grow(&b, name))) goto fail;
    size_t in_left = n - used, out_left = b.cap - b.len;
    uInt in_chunk = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
    uInt out_chunk = out_left > 0x40000000u ? 0x40000000u : (uInt)out_left;
    z.next_in = (Bytef *)(uintptr_t)(in + used);
    z.avail_in = in_chunk;
    z.next_out = b.p + b.len;
    z.avail_out = out_chunk;
    int r = inflate(&z, Z_NO_FLUSH);
    used += in_chunk - z.avail_in;
    b.len += out_chunk - z.avail_out;
    if (r == Z_STREAM_END) {
      if (used == n) break;
      if (n - used >= 2 && in[used] == 0x1f && in[used + 1] == 0x8b) { /* another member */
        inflateReset(&z);
        continue;
      }
      st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': %zu bytes of trailing garbage after the gzip data", name, n - used);
      goto fail;
    }
    if (r == Z_OK) continue;
    if (r == Z_BUF_ERROR) {
      if (z.avail_out == 0) continue; /* needs more output room */
      st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': truncated gzip stream (%zu compressed bytes)", name, n);
      goto fail;
    }
    if (r == Z_MEM_ERROR) st = enn_err(ENN_ERR_NO_MEMORY, "'%s': out of memory in the gzip decoder", name);
    else
      st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': corrupt gzip data near input byte %zu (%s)", name, used,
                   z.msg ? z.msg : "data error");
    goto fail;
  }
  inflateEnd(&z);
  *out = b.p;
  *size = b.len;
  return ENN_OK;
fail:
  inflateEnd(&z);
  enn_free(alloc, b.p);
  return st;
}

/* ---------------------------------------------------------- raw files */
static bool ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && strcmp(s + a - b, suf) == 0;
}

static enn_status read_raw(const char *path, const enn_allocator *alloc, size_t max_bytes, uint8_t **out,
                           size_t *size) {
  *out = NULL;
  *size = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return enn_err(ENN_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat sb;
  if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
    close(fd);
    return enn_err(ENN_ERR_IO, "'%s' is not a regular file", path);
  }
  if ((uint64_t)sb.st_size > (uint64_t)max_bytes) {
    close(fd);
    return enn_err(ENN_ERR_OVERFLOW, "'%s' is %lld bytes, more than the limit of %zu", path, (long long)sb.st_size,
                   max_bytes);
  }
  size_t n = (size_t)sb.st_size;
  uint8_t *p = enn_alloc_aligned(alloc, n ? n : 1, ENN_ALIGN);
  if (!p) {
    close(fd);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory reading '%s' (%zu bytes)", path, n);
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, p + got, n - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      enn_status st = r < 0 ? enn_err(ENN_ERR_IO, "cannot read '%s': %s", path, strerror(errno))
                            : enn_err(ENN_ERR_IO, "'%s' shrank while being read (%zu of %zu bytes)", path, got, n);
      close(fd);
      enn_free(alloc, p);
      return st;
    }
    got += (size_t)r;
  }
  close(fd);
  *out = p;
  *size = n;
  return ENN_OK;
}

enn_status enn_data_load_file(const char *path, const enn_allocator *alloc, size_t expect_hint, size_t max_bytes,
                              uint8_t **out, size_t *size) {
  bool xz = ends_with(path, ".xz"), gz = ends_with(path, ".gz");
  if (!xz && !gz) return read_raw(path, alloc, max_bytes, out, size);
  uint8_t *raw = NULL;
  size_t n = 0;
  enn_status st = read_raw(path, alloc, max_bytes, &raw, &n);
  if (st) return st;
  st = xz ? enn_data_xz_decode(raw, n, path, alloc, expect_hint, max_bytes, out, size)
          : enn_data_gz_decode(raw, n, path, alloc, expect_hint, max_bytes, out, size);
  enn_free(alloc, raw);
  return st;
}

/* ---------------------------------------------------------- listings */
void enn_data_free_list(const enn_allocator *alloc, char **list, int32_t n) {
  if (!list) return;
  for (int32_t i = 0; i < n; i++) enn_free(alloc, list[i]);
  enn_free(alloc, list);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

enn_status enn_data_list_dir(const char *dir, bool want_dirs, const enn_allocator *alloc, char ***out, int32_t *n) {
  *out = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return enn_err(ENN_ERR_IO, "cannot open folder '%s': %s", dir, strerror(errno));
  char **list = NULL;
  int32_t cnt = 0, cap = 0;
  enn_status st = ENN_OK;
  char path[4096];
  for (;;) {
    errno = 0;
    struct dirent *e = readdir(d);
    if (!e) {
      if (errno) st = enn_err(ENN_ERR_IO, "cannot list folder '%s': %s", dir, strerror(errno));
      break;
    }
    if (e->d_name[0] == '.') continue;
    if (!enn_data_join(path, sizeof path, dir, e->d_name)) {
      st = enn_err(ENN_ERR_INVALID_ARG, "path too long in '%s'", dir);
      break;
    }
    if (want_dirs ? !enn_data_is_dir(path) : !enn_data_is_file(path)) continue;
    if ((st = enn_grow(alloc, (void **)&list, &cap, cnt + 1, sizeof *list))) break;
    list[cnt] = enn_strdup(alloc, e->d_name);
    if (!list[cnt]) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory listing '%s'", dir);
      break;
    }
    cnt++;
  }
  closedir(d);
  if (st) {
    enn_data_free_list(alloc, list, cnt);
    return st;
  }
  if (cnt > 1) qsort(list, (size_t)cnt, sizeof *list, cmp_str);
  *out = list;
  *n = cnt;
  return ENN_OK;
}
