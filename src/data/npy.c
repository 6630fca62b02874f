/*
 * NumPy .npy reader and writer.
 *
 * File layout: "\x93NUMPY", major, minor, a little-endian header length
 * (u16 for 1.0, u32 for 2.0 / 3.0), the header text, then the raw array.
 * The header is a Python dict literal such as
 *
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *
 * padded with spaces and ended by '\n'. Instead of evaluating Python we
 * parse exactly that grammar with a small cursor: the dict must hold the
 * three keys once each (any order), strings are quoted without escapes,
 * shape is a tuple of decimal integers (a 1-tuple needs its comma). Every
 * syntactic problem is ENN_ERR_BAD_FORMAT; a well-formed header that edgenn
 * cannot represent (big-endian, other dtypes, Fortran order, rank > 8) is
 * ENN_ERR_UNSUPPORTED. Sizes are computed with checked arithmetic and the
 * data must exactly fill the rest of the file.
 *
 * Element bytes are little-endian in the file; on a big-endian host they
 * are byte-swapped after reading / while writing. '<f8' is narrowed to f32.
 *
 * Writing builds the header in a stack buffer (rank <= 8 keeps it far below
 * the 1.0 limit), then writes header + data to "<path>.tmp.<pid>.<n>"
 * (O_EXCL), fsyncs and renames it over the destination.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"
#include "edgenn/data.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6u
#define NPY_MAX_HEADER (1u << 20) /* far above anything numpy writes for rank <= 32 */
#define NPY_MAX_PARSE_RANK 64     /* dims parsed before refusing the tuple as malformed */

typedef struct npy_info {
  enn_dtype dtype;     /* dtype delivered to the caller */
  size_t src_esize;    /* element size in the file */
  bool from_f64;       /* '<f8' narrowed to f32 */
  int32_t rank;
  int64_t dims[ENN_MAX_RANK];
  size_t data_offset;  /* first data byte in the file */
  size_t src_bytes;    /* data bytes in the file */
  size_t out_bytes;    /* bytes delivered */
} npy_info;

static bool host_is_le(void) {
  const uint16_t one = 1;
  uint8_t b;
  memcpy(&b, &one, 1);
  return b == 1;
}

static void swap_elems(uint8_t *p, size_t n_elems, size_t esize) {
  if (esize < 2) return;
  for (size_t i = 0; i < n_elems; i++, p += esize)
    for (size_t a = 0, b = esize - 1; a < b; a++, b--) {
      uint8_t t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
}

/* ------------------------------------------------------------ descr table */
typedef struct npy_type {
  const char *descr;
  enn_dtype dtype;
  size_t src_esize;
} npy_type;

static const npy_type npy_types[] = {
    {"<f4", ENN_DTYPE_F32, 4}, {"<f2", ENN_DTYPE_F16, 2}, {"|i1", ENN_DTYPE_I8, 1}, {"|u1", ENN_DTYPE_U8, 1},
    {"<i4", ENN_DTYPE_I32, 4}, {"<i8", ENN_DTYPE_I64, 8}, {"<f8", ENN_DTYPE_F32, 8},
};

const char *enn_npy_descr(enn_dtype t) {
  for (size_t i = 0; i < ENN_ARRAY_LEN(npy_types); i++)
    if (npy_types[i].dtype == t && npy_types[i].src_esize == enn_dtype_size(t)) return npy_types[i].descr;
  return NULL;
}

/* ------------------------------------------------------- header grammar */
typedef struct cursor {
  const char *s;
  size_t n, i;
} cursor;

static void skip_sp(cursor *c) {
  while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t')) c->i++;
}

static bool eat(cursor *c, char ch) {
  skip_sp(c);
  if (c->i < c->n && c->s[c->i] == ch) {
    c->i++;
    return true;
  }
  return false;
}

static bool peek(cursor *c, char ch) {
  skip_sp(c);
  return c->i < c->n && c->s[c->i] == ch;
}

/* What is at the cursor, for messages: "'x' at offset 12" or "end of header". */
static const char *where(const cursor *c, char *buf, size_t cap) {
  if (c->i >= c->n) snprintf(buf, cap, "the end of the header");
  else {
    unsigned char ch = (unsigned char)c->s[c->i];
    if (ch >= 0x20 && ch < 0x7f) snprintf(buf, cap, "'%c' at header offset %zu", (char)ch, c->i);
    else snprintf(buf, cap, "byte 0x%02x at header offset %zu", ch, c->i);
  }
  return buf;
}

static enn_status expected(const cursor *c, const char *what) {
  char w[64];
  return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: expected %s, found %s", what, where(c, w, sizeof w));
}

/* A quoted string without escapes into out (NUL-terminated, cap bytes). */
static enn_status parse_string(cursor *c, char *out, size_t cap, const char *what) {
  skip_sp(c);
  if (c->i >= c->n || (c->s[c->i] != '\'' && c->s[c->i] != '"')) return expected(c, what);
  char q = c->s[c->i++];
  size_t len = 0;
  while (c->i < c->n && c->s[c->i] != q) {
    unsigned char ch = (unsigned char)c->s[c->i];
    if (ch == '\\' || ch < 0x20 || ch >= 0x7f)
      return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: unsupported character 0x%02x in %s at header offset %zu",
                     ch, what, c->i);
    if (len + 1 >= cap) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: %s is too long", what);
    out[len++] = (char)ch;
    c->i++;
  }
  if (c->i >= c->n) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: unterminated string in %s", what);
  c->i++;
  out[len] = '\0';
  return ENN_OK;
}

static bool eat_word(cursor *c, const char *w) {
  skip_sp(c);
  size_t l = strlen(w);
  if (c->n - c->i < l || memcmp(c->s + c->i, w, l) != 0) return false;
  /* the word must end here (no "Falsey") */
  if (c->i + l < c->n) {
    char nx = c->s[c->i + l];
    if ((nx >= 'a' && nx <= 'z') || (nx >= 'A' && nx <= 'Z') || (nx >= '0' && nx <= '9') || nx == '_') return false;
  }
  c->i += l;
  return true;
}

/* A non-negative decimal integer (Python 2 'L' suffix tolerated). */
static enn_status parse_dim(cursor *c, int64_t *out) {
  skip_sp(c);
  if (c->i >= c->n || c->s[c->i] < '0' || c->s[c->i] > '9') {
    if (c->i < c->n && c->s[c->i] == '-')
      return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: negative dimension in 'shape' at header offset %zu", c->i);
    return expected(c, "a dimension (non-negative integer) in 'shape'");
  }
  size_t start = c->i;
  int64_t v = 0;
  while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9') {
    if (!enn_mul_i64(v, 10, &v) || !enn_add_i64(v, (int64_t)(c->s[c->i] - '0'), &v))
      return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: dimension at header offset %zu does not fit in 64 bits",
                     start);
    c->i++;
  }
  if (c->i - start > 1 && c->s[start] == '0')
    return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: dimension with a leading zero at header offset %zu", start);
  if (c->i < c->n && c->s[c->i] == 'L') c->i++;
  *out = v;
  return ENN_OK;
}

static enn_status parse_shape(cursor *c, int32_t *rank, int64_t *dims) {
  if (!eat(c, '(')) {
    if (peek(c, '[')) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: 'shape' must be a tuple, not a list");
    return expected(c, "'(' starting the 'shape' tuple");
  }
  int32_t r = 0;
  if (eat(c, ')')) {
    *rank = 0;
    return ENN_OK;
  }
  for (;;) {
    int64_t d = 0;
    enn_status st = parse_dim(c, &d);
    if (st) return st;
    if (r >= NPY_MAX_PARSE_RANK) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: 'shape' has too many dimensions");
    if (r < ENN_MAX_RANK) dims[r] = d;
    r++;
    if (eat(c, ')')) {
      if (r == 1) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: 'shape' (N) is not a tuple: a 1-tuple is written (N,)");
      break;
    }
    if (!eat(c, ',')) return expected(c, "',' or ')' in 'shape'");
    if (eat(c, ')')) break;
  }
  *rank = r;
  return ENN_OK;
}

typedef struct npy_fields {
  char descr[32];
  bool fortran;
  int32_t rank;
  int64_t dims[ENN_MAX_RANK];
} npy_fields;

/* Parses the dict text s[0..n) (the whole header, padding and '\n' included). */
static enn_status parse_dict(const char *s, size_t n, npy_fields *f) {
  if (n == 0 || s[n - 1] != '\n')
    return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: not terminated by a newline");
  cursor c = {s, n - 1, 0};
  for (size_t i = 0; i < c.n; i++) {
    unsigned char ch = (unsigned char)s[i];
    if (ch < 0x20 && ch != '\t')
      return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: control byte 0x%02x at header offset %zu", ch, i);
    if (ch >= 0x7f)
      return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: non-ASCII byte 0x%02x at header offset %zu", ch, i);
  }
  if (!eat(&c, '{')) return expected(&c, "'{' starting the header dict");
  bool have_descr = false, have_fortran = false, have_shape = false;
  enn_status st;
  while (!eat(&c, '}')) {
    char key[32];
    if ((st = parse_string(&c, key, sizeof key, "a dict key"))) return st;
    bool *seen;
    if (strcmp(key, "descr") == 0) seen = &have_descr;
    else if (strcmp(key, "fortran_order") == 0) seen = &have_fortran;
    else if (strcmp(key, "shape") == 0) seen = &have_shape;
    else return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: unknown key '%s'", key);
    if (*seen) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: duplicate key '%s'", key);
    *seen = true;
    if (!eat(&c, ':')) return expected(&c, "':' after a dict key");
    if (seen == &have_descr) {
      if (peek(&c, '[') || peek(&c, '('))
        return enn_err(ENN_ERR_UNSUPPORTED, "unsupported .npy dtype: structured arrays (descr is a list) are not supported");
      if ((st = parse_string(&c, f->descr, sizeof f->descr, "the 'descr' string"))) return st;
    } else if (seen == &have_fortran) {
      if (eat_word(&c, "True")) f->fortran = true;
      else if (eat_word(&c, "False")) f->fortran = false;
      else return expected(&c, "True or False for 'fortran_order'");
    } else {
      if ((st = parse_shape(&c, &f->rank, f->dims))) return st;
    }
    if (!eat(&c, ',')) {
      if (!eat(&c, '}')) return expected(&c, "',' or '}' after a dict value");
      break;
    }
  }
  skip_sp(&c);
  if (c.i != c.n) {
    char w[64];
    return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: unexpected %s after the dict", where(&c, w, sizeof w));
  }
  if (!have_descr) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: missing key 'descr'");
  if (!have_fortran) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: missing key 'fortran_order'");
  if (!have_shape) return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: missing key 'shape'");
  return ENN_OK;
}

/* ------------------------------------------------------ header checking */
/* Preamble: needs the first min(total, 12) bytes in p. */
static enn_status parse_preamble(const uint8_t *p, size_t total, size_t *prefix, size_t *hlen) {
  if (total < NPY_MAGIC_LEN || memcmp(p, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
    if (total < NPY_MAGIC_LEN && memcmp(p, NPY_MAGIC, total) == 0)
      return enn_err(ENN_ERR_BAD_FORMAT, "truncated .npy file: %zu bytes, not even the magic", total);
    return enn_err(ENN_ERR_BAD_FORMAT, "not a .npy file (bad magic; expected \\x93NUMPY)");
  }
  if (total < 8) return enn_err(ENN_ERR_BAD_FORMAT, "truncated .npy file: %zu bytes, no version", total);
  unsigned major = p[6], minor = p[7];
  size_t lsize;
  if (major == 1 && minor == 0) lsize = 2;
  else if ((major == 2 || major == 3) && minor == 0) lsize = 4;
  else return enn_err(ENN_ERR_UNSUPPORTED, "unsupported .npy format version %u.%u (1.0, 2.0 and 3.0 are supported)", major, minor);
  if (total < 8 + lsize) return enn_err(ENN_ERR_BAD_FORMAT, "truncated .npy file: %zu bytes, no header length", total);
  uint32_t l = (uint32_t)p[8] | ((uint32_t)p[9] << 8);
  if (lsize == 4) l |= ((uint32_t)p[10] << 16) | ((uint32_t)p[11] << 24);
  if (l > NPY_MAX_HEADER)
    return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy header: length %u exceeds the %u-byte limit", l, NPY_MAX_HEADER);
  *prefix = 8 + lsize;
  *hlen = l;
  if (total - *prefix < *hlen)
    return enn_err(ENN_ERR_BAD_FORMAT, "truncated .npy file: header needs %zu bytes, the file has %zu after the preamble",
                   *hlen, total - *prefix);
  return ENN_OK;
}

/* Semantic checks and sizes, given the parsed fields and the file size. */
static enn_status finish_info(const npy_fields *f, size_t data_offset, size_t total, npy_info *info) {
  memset(info, 0, sizeof *info);
  const npy_type *t = NULL;
  for (size_t i = 0; i < ENN_ARRAY_LEN(npy_types); i++)
    if (strcmp(npy_types[i].descr, f->descr) == 0) t = &npy_types[i];
  if (!t) {
    if (f->descr[0] == '>') {
      for (size_t i = 0; i < ENN_ARRAY_LEN(npy_types); i++)
        if (strcmp(npy_types[i].descr + 1, f->descr + 1) == 0)
          return enn_err(ENN_ERR_UNSUPPORTED, "unsupported .npy dtype '%s': big-endian data (save as '<%s')", f->descr,
                         f->descr + 1);
    }
    return enn_err(ENN_ERR_UNSUPPORTED,
                   "unsupported .npy dtype '%s' (supported: <f4 <f2 |i1 |u1 <i4 <i8, and <f8 read as f32)", f->descr);
  }
  if (f->fortran)
    return enn_err(ENN_ERR_UNSUPPORTED,
                   "unsupported .npy layout: fortran_order is True (only C order is supported; "
                   "save numpy.ascontiguousarray(x))");
  if (f->rank > ENN_MAX_RANK)
    return enn_err(ENN_ERR_UNSUPPORTED, "unsupported .npy shape: rank %d exceeds the maximum %d", f->rank, ENN_MAX_RANK);
  int64_t numel = 1;
  for (int32_t i = 0; i < f->rank; i++)
    if (!enn_mul_i64(numel, f->dims[i], &numel))
      return enn_err(ENN_ERR_OVERFLOW, ".npy shape is too large: the element count overflows");
  size_t src_bytes, out_bytes;
  if ((uint64_t)numel > SIZE_MAX || !enn_mul_size((size_t)numel, t->src_esize, &src_bytes) ||
      !enn_mul_size((size_t)numel, enn_dtype_size(t->dtype), &out_bytes))
    return enn_err(ENN_ERR_OVERFLOW, ".npy shape is too large: the byte count overflows");
  size_t have = total - data_offset;
  if (have < src_bytes)
    return enn_err(ENN_ERR_BAD_FORMAT, "truncated .npy file: the data needs %zu bytes (%lld x %s), the file has %zu",
                   src_bytes, (long long)numel, t->descr, have);
  if (have > src_bytes)
    return enn_err(ENN_ERR_BAD_FORMAT, "bad .npy file: %zu unexpected bytes after the %zu data bytes", have - src_bytes,
                   src_bytes);
  info->dtype = t->dtype;
  info->src_esize = t->src_esize;
  info->from_f64 = t->src_esize == 8 && t->dtype == ENN_DTYPE_F32;
  info->rank = f->rank;
  for (int32_t i = 0; i < f->rank; i++) info->dims[i] = f->dims[i];
  info->data_offset = data_offset;
  info->src_bytes = src_bytes;
  info->out_bytes = out_bytes;
  return ENN_OK;
}

/* Converts n little-endian f64 values at src into f32 at dst. */
static void f64le_to_f32(const uint8_t *src, float *dst, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint64_t u = 0;
    for (int b = 7; b >= 0; b--) u = (u << 8) | src[8 * i + (size_t)b];
    double d;
    memcpy(&d, &u, 8);
    dst[i] = (float)d;
  }
}

static enn_status alloc_out(const enn_allocator *alloc, const npy_info *info, void **data) {
  *data = enn_alloc_aligned(alloc, info->out_bytes ? info->out_bytes : 1, ENN_ALIGN);
  if (!*data) return enn_err(ENN_ERR_NO_MEMORY, "out of memory reading a .npy array (%zu bytes)", info->out_bytes);
  return ENN_OK;
}

static void fill_desc(const npy_info *info, enn_tensor_desc *desc) {
  enn_tensor_desc_init(desc, info->dtype, info->rank, info->dims);
}

/* --------------------------------------------------------------- reading */
enn_status enn_npy_read_buffer(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                               void **data) {
  if (data) *data = NULL;
  if ((!buf && size) || !desc || !data) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_read_buffer: NULL argument");
  const uint8_t *p = buf;
  size_t prefix, hlen;
  enn_status st = parse_preamble(p ? p : (const uint8_t *)"", size, &prefix, &hlen);
  if (st) return st;
  npy_fields f;
  memset(&f, 0, sizeof f);
  if ((st = parse_dict((const char *)p + prefix, hlen, &f))) return st;
  npy_info info;
  if ((st = finish_info(&f, prefix + hlen, size, &info))) return st;
  if ((st = alloc_out(alloc, &info, data))) return st;
  const uint8_t *src = p + info.data_offset;
  size_t n = info.src_esize ? info.src_bytes / info.src_esize : 0;
  if (info.from_f64) f64le_to_f32(src, *data, n);
  else {
    if (info.src_bytes) memcpy(*data, src, info.src_bytes);
    if (!host_is_le()) swap_elems(*data, n, info.src_esize);
  }
  fill_desc(&info, desc);
  return ENN_OK;
}

/* Reads exactly n bytes at the current position. */
static enn_status read_exact(FILE *fp, void *dst, size_t n, const char *what) {
  if (n && fread(dst, 1, n, fp) != n)
    return enn_err(ferror(fp) ? ENN_ERR_IO : ENN_ERR_BAD_FORMAT, "%s reading the %s",
                   ferror(fp) ? strerror(errno) : "unexpected end of file", what);
  return ENN_OK;
}

static enn_status read_file(FILE *fp, size_t total, const enn_allocator *alloc, enn_tensor_desc *desc, void **data) {
  uint8_t pre[12];
  size_t npre = total < sizeof pre ? total : sizeof pre;
  enn_status st = read_exact(fp, pre, npre, "preamble");
  if (st) return st;
  size_t prefix, hlen;
  if ((st = parse_preamble(pre, total, &prefix, &hlen))) return st;
  char *hdr = enn_alloc(alloc, hlen + 1);
  if (!hdr) return enn_err(ENN_ERR_NO_MEMORY, "out of memory reading a .npy header");
  npy_fields f;
  memset(&f, 0, sizeof f);
  npy_info info;
  if (fseek(fp, (long)prefix, SEEK_SET) != 0) st = enn_err(ENN_ERR_IO, "seek failed: %s", strerror(errno));
  if (!st) st = read_exact(fp, hdr, hlen, "header");
  if (!st) st = parse_dict(hdr, hlen, &f);
  enn_free(alloc, hdr);
  if (!st) st = finish_info(&f, prefix + hlen, total, &info);
  if (st) return st;
  if ((st = alloc_out(alloc, &info, data))) return st;
  if (info.from_f64) {
    /* stream through a small buffer so f64 data never needs twice the memory */
    uint8_t chunk[8 * 512];
    size_t n = info.src_bytes / 8, done = 0;
    while (done < n && !st) {
      size_t k = n - done < 512 ? n - done : 512;
      if (!(st = read_exact(fp, chunk, k * 8, "data"))) f64le_to_f32(chunk, (float *)*data + done, k);
      done += k;
    }
  } else {
    st = read_exact(fp, *data, info.src_bytes, "data");
    if (!st && !host_is_le()) swap_elems(*data, info.src_bytes / info.src_esize, info.src_esize);
  }
  if (st) {
    enn_free(alloc, *data);
    *data = NULL;
    return st;
  }
  fill_desc(&info, desc);
  return ENN_OK;
}

enn_status enn_npy_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data) {
  if (data) *data = NULL;
  if (!path || !desc || !data) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_read: NULL argument");
  FILE *fp = fopen(path, "rb");
  if (!fp) return enn_err(ENN_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  struct stat sb;
  enn_status st = ENN_OK;
  if (fstat(fileno(fp), &sb) != 0) st = enn_err(ENN_ERR_IO, "cannot stat '%s': %s", path, strerror(errno));
  else if (!S_ISREG(sb.st_mode)) st = enn_err(ENN_ERR_IO, "'%s' is not a regular file", path);
  else if (sb.st_size < 0 || (uint64_t)sb.st_size > SIZE_MAX)
    st = enn_err(ENN_ERR_OVERFLOW, "'%s' is too large", path);
  else {
    st = read_file(fp, (size_t)sb.st_size, alloc, desc, data);
    if (st) enn_err_prefix(st, "'%s'", path);
  }
  fclose(fp);
  return st;
}

void enn_npy_free(const enn_allocator *alloc, void *data) { enn_free(alloc, data); }

/* --------------------------------------------------------------- writing */
/* Validates desc and builds preamble + header text (a multiple of 64 bytes). */
static enn_status build_header(const enn_tensor_desc *desc, const void *data, char *hdr, size_t cap, size_t *len,
                               size_t *data_bytes) {
  if (!desc) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_write: NULL desc");
  const char *descr = enn_npy_descr(desc->dtype);
  if (!descr) return enn_err(ENN_ERR_UNSUPPORTED, "cannot write dtype %s as .npy", enn_dtype_name(desc->dtype));
  if (desc->rank < 0 || desc->rank > ENN_MAX_RANK)
    return enn_err(ENN_ERR_INVALID_ARG, "cannot write a .npy of rank %d", desc->rank);
  int64_t numel = 1;
  for (int32_t i = 0; i < desc->rank; i++) {
    if (desc->dims[i] < 0) return enn_err(ENN_ERR_INVALID_ARG, "cannot write a .npy with dimension %d = %lld", i, (long long)desc->dims[i]);
    if (!enn_mul_i64(numel, desc->dims[i], &numel)) return enn_err(ENN_ERR_OVERFLOW, ".npy element count overflows");
  }
  if ((uint64_t)numel > SIZE_MAX || !enn_mul_size((size_t)numel, enn_dtype_size(desc->dtype), data_bytes))
    return enn_err(ENN_ERR_OVERFLOW, ".npy byte count overflows");
  if (!data && *data_bytes) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_write: NULL data for a non-empty array");
  char shape[ENN_MAX_RANK * 24 + 4];
  size_t sl = 0;
  shape[sl++] = '(';
  for (int32_t i = 0; i < desc->rank; i++)
    sl += (size_t)snprintf(shape + sl, sizeof shape - sl, i ? ", %lld" : "%lld", (long long)desc->dims[i]);
  if (desc->rank == 1) shape[sl++] = ',';
  shape[sl++] = ')';
  shape[sl] = '\0';
  const size_t prefix = 10;
  int n = snprintf(hdr + prefix, cap - prefix, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape);
  if (n < 0 || (size_t)n + prefix + 1 + 64 > cap) return enn_err(ENN_ERR_INTERNAL, "npy header buffer too small");
  size_t total = enn_align_up(prefix + (size_t)n + 1, 64);
  memset(hdr + prefix + n, ' ', total - prefix - (size_t)n - 1);
  hdr[total - 1] = '\n';
  memcpy(hdr, NPY_MAGIC, NPY_MAGIC_LEN);
  hdr[6] = 1;
  hdr[7] = 0;
  size_t hl = total - prefix;
  hdr[8] = (char)(hl & 0xffu);
  hdr[9] = (char)((hl >> 8) & 0xffu);
  *len = total;
  return ENN_OK;
}

enn_status enn_npy_write_buffer(const enn_tensor_desc *desc, const void *data, const enn_allocator *alloc, void **out,
                                size_t *size) {
  if (!out || !size) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_write_buffer: NULL argument");
  *out = NULL;
  *size = 0;
  char hdr[512];
  size_t hl, db;
  enn_status st = build_header(desc, data, hdr, sizeof hdr, &hl, &db);
  if (st) return st;
  size_t total;
  if (!enn_add_size(hl, db, &total)) return enn_err(ENN_ERR_OVERFLOW, ".npy size overflows");
  uint8_t *b = enn_alloc_aligned(alloc, total, ENN_ALIGN);
  if (!b) return enn_err(ENN_ERR_NO_MEMORY, "out of memory serialising a .npy (%zu bytes)", total);
  memcpy(b, hdr, hl);
  if (db) memcpy(b + hl, data, db);
  if (!host_is_le()) swap_elems(b + hl, db / enn_dtype_size(desc->dtype), enn_dtype_size(desc->dtype));
  *out = b;
  *size = total;
  return ENN_OK;
}

static bool write_all(int fd, const void *p, size_t n) {
  const uint8_t *b = p;
  while (n) {
    ssize_t w = write(fd, b, n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    b += w;
    n -= (size_t)w;
  }
  return true;
}

static atomic_uint npy_tmp_counter;

enn_status enn_npy_write(const char *path, const enn_tensor_desc *desc, const void *data) {
  if (!path || !*path) return enn_err(ENN_ERR_INVALID_ARG, "enn_npy_write: empty path");
  char hdr[512];
  size_t hl, db;
  enn_status st = build_header(desc, data, hdr, sizeof hdr, &hl, &db);
  if (st) return st;
  size_t plen = strlen(path), tcap = plen + 64;
  char *tmp = enn_alloc(NULL, tcap);
  if (!tmp) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
    snprintf(tmp, tcap, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&npy_tmp_counter, 1u));
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    st = enn_err(ENN_ERR_IO, "cannot create a temporary file for '%s': %s", path, strerror(errno));
    enn_free(NULL, tmp);
    return st;
  }
  bool ok = write_all(fd, hdr, hl);
  if (ok && db) {
    if (host_is_le()) ok = write_all(fd, data, db);
    else {
      /* swap through a bounce buffer, element-aligned */
      uint8_t chunk[4096];
      size_t es = enn_dtype_size(desc->dtype);
      for (size_t off = 0; ok && off < db; off += sizeof chunk) {
        size_t k = db - off < sizeof chunk ? db - off : sizeof chunk;
        memcpy(chunk, (const uint8_t *)data + off, k);
        swap_elems(chunk, k / es, es);
        ok = write_all(fd, chunk, k);
      }
    }
  }
  if (ok) ok = fsync(fd) == 0;
  int err = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    err = errno;
  }
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp);
    st = enn_err(ENN_ERR_IO, "cannot write '%s': %s", path, strerror(err));
  }
  enn_free(NULL, tmp);
  return st;
}
