/*
 * .npy reader / writer: round trips of every dtype and edge shapes (files
 * and buffers), exact header bytes against numpy's layout, hand-built files
 * in each format version, f8 narrowing, and refusal of malformed headers,
 * truncated and over-long files with the expected status and message.
 */
#include <dirent.h>
#include <stdint.h>
#include <unistd.h>

#include "edgenn/data.h"
#include "test.h"

/* ------------------------------------------------------------- helpers */
static size_t dtype_sz(enn_dtype t) { return enn_dtype_size(t); }

/* Builds a .npy image by hand: version major.0, the given header text (padded
 * with spaces to 64 and '\n'-terminated unless raw), then data. */
static size_t make_npy(uint8_t *out, size_t cap, int major, const char *dict, int raw, const void *data, size_t nbytes) {
  size_t lsize = major == 1 ? 2 : 4, prefix = 8 + lsize;
  size_t dl = strlen(dict);
  size_t hlen = raw ? dl : ((prefix + dl + 1 + 63) / 64) * 64 - prefix;
  if (prefix + hlen + nbytes > cap) return 0;
  memcpy(out, "\x93NUMPY", 6);
  out[6] = (uint8_t)major;
  out[7] = 0;
  for (size_t i = 0; i < lsize; i++) out[8 + i] = (uint8_t)(hlen >> (8 * i));
  memcpy(out + prefix, dict, dl);
  if (!raw) {
    memset(out + prefix + dl, ' ', hlen - dl - 1);
    out[prefix + hlen - 1] = '\n';
  }
  if (nbytes) memcpy(out + prefix + hlen, data, nbytes);
  return prefix + hlen + nbytes;
}

static void tmp_path(char *buf, size_t cap, const char *name) {
  snprintf(buf, cap, "%s/npy_%ld_%s", enn_test_tmp(), (long)getpid(), name);
}

static int write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) return 0;
  int ok = fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok;
}

/* Reads a hand-built buffer and expects status `want` and `needle` in the message. */
#define EXPECT_FAIL(buf, n, want, needle)                                                      \
  do {                                                                                         \
    enn_tensor_desc d_;                                                                        \
    void *p_ = (void *)1;                                                                      \
    CHECK_STATUS(enn_npy_read_buffer((buf), (n), NULL, &d_, &p_), (want));                     \
    CHECK(p_ == NULL);                                                                         \
    CHECK_MSG(strstr(enn_last_error(), (needle)) != NULL, "message '%s' lacks '%s'", enn_last_error(), (needle)); \
  } while (0)

static void fill_pattern(uint8_t *p, size_t n, unsigned seed) {
  uint32_t s = seed * 2654435761u + 7u;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    p[i] = (uint8_t)(s >> 24);
  }
}

/* ----------------------------------------------------------- round trips */
static void roundtrip_one(enn_dtype t, int32_t rank, const int64_t *dims, unsigned seed) {
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, t, rank, dims);
  size_t n = 1;
  for (int32_t i = 0; i < rank; i++) n *= (size_t)dims[i];
  size_t bytes = n * dtype_sz(t);
  uint8_t *src = malloc(bytes + 1);
  fill_pattern(src, bytes, seed);
  if (t == ENN_DTYPE_F32) /* keep floats free of NaN payload surprises: plain values */
    for (size_t i = 0; i < n; i++) {
      float v = (float)((int)(i * 37 % 101) - 50) * 0.125f;
      memcpy(src + 4 * i, &v, 4);
    }

  /* file */
  char path[512];
  tmp_path(path, sizeof path, "rt.npy");
  CHECK_OK(enn_npy_write(path, &d, src));
  enn_tensor_desc r;
  void *back = NULL;
  CHECK_OK(enn_npy_read(path, NULL, &r, &back));
  CHECK(r.dtype == t);
  CHECK(r.rank == rank);
  for (int32_t i = 0; i < rank && i < r.rank; i++) CHECK(r.dims[i] == dims[i]);
  CHECK(back != NULL);
  CHECK(((uintptr_t)back & 63u) == 0);
  if (back && bytes) CHECK_MSG(memcmp(back, src, bytes) == 0, "file round trip of %s rank %d differs", enn_dtype_name(t), rank);
  enn_npy_free(NULL, back);

  /* buffer: same bytes as the file */
  void *img = NULL;
  size_t isz = 0;
  CHECK_OK(enn_npy_write_buffer(&d, src, NULL, &img, &isz));
  CHECK(isz >= 64 && (isz - bytes) % 64 == 0);
  FILE *f = fopen(path, "rb");
  CHECK(f != NULL);
  if (f && img) {
    uint8_t *fb = malloc(isz + 16);
    size_t got = fread(fb, 1, isz + 16, f);
    CHECK(got == isz);
    CHECK(memcmp(fb, img, isz) == 0);
    free(fb);
    fclose(f);
  } else if (f) fclose(f);
  back = NULL;
  CHECK_OK(enn_npy_read_buffer(img, isz, NULL, &r, &back));
  CHECK(r.dtype == t && r.rank == rank);
  if (back && bytes) CHECK(memcmp(back, src, bytes) == 0);
  enn_npy_free(NULL, back);
  enn_npy_free(NULL, img);
  unlink(path);
  free(src);
}

static void test_roundtrip_all_dtypes(void) {
  const enn_dtype types[] = {ENN_DTYPE_F32, ENN_DTYPE_F16, ENN_DTYPE_I8, ENN_DTYPE_U8, ENN_DTYPE_I32, ENN_DTYPE_I64};
  const int64_t s1[1] = {7}, s2[2] = {3, 5}, s4[4] = {1, 13, 11, 3}, s8[8] = {2, 1, 3, 1, 2, 1, 1, 5}, s0[3] = {4, 0, 3},
                s1x[1] = {1};
  for (size_t k = 0; k < sizeof types / sizeof types[0]; k++) {
    unsigned seed = (unsigned)k * 10u;
    roundtrip_one(types[k], 0, NULL, seed + 1);
    roundtrip_one(types[k], 1, s1, seed + 2);
    roundtrip_one(types[k], 1, s1x, seed + 3);
    roundtrip_one(types[k], 2, s2, seed + 4);
    roundtrip_one(types[k], 4, s4, seed + 5);
    roundtrip_one(types[k], 8, s8, seed + 6);
    roundtrip_one(types[k], 3, s0, seed + 7);
  }
}

/* The header text and padding numpy writes for a (2, 3) float32 array. */
static void test_header_bytes(void) {
  const float v[6] = {1, 2, 3, 4, 5, 6};
  int64_t dims[2] = {2, 3};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 2, dims);
  void *img = NULL;
  size_t n = 0;
  CHECK_OK(enn_npy_write_buffer(&d, v, NULL, &img, &n));
  const char *text = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  CHECK(n == 128 + 24);
  if (!img || n != 152) return;
  const uint8_t *b = img;
  CHECK(memcmp(b, "\x93NUMPY\x01\x00", 8) == 0);
  CHECK(b[8] == 118 && b[9] == 0); /* header length 128 - 10 */
  CHECK(memcmp(b + 10, text, strlen(text)) == 0);
  for (size_t i = 10 + strlen(text); i < 127; i++) CHECK(b[i] == ' ');
  CHECK(b[127] == '\n');
  /* little-endian 1.0f = 00 00 80 3f */
  CHECK(b[128] == 0x00 && b[129] == 0x00 && b[130] == 0x80 && b[131] == 0x3f);
  enn_npy_free(NULL, img);

  /* rank 1 writes a 1-tuple, rank 0 an empty tuple; i8 uses '|i1' */
  int64_t one = 5;
  enn_tensor_desc_init(&d, ENN_DTYPE_I8, 1, &one);
  const int8_t iv[5] = {-1, 2, -3, 4, -5};
  CHECK_OK(enn_npy_write_buffer(&d, iv, NULL, &img, &n));
  if (img) {
    CHECK(strstr((const char *)img + 10, "{'descr': '|i1', 'fortran_order': False, 'shape': (5,), }") == (const char *)img + 10);
    CHECK(n == 133 && memcmp((const uint8_t *)img + 128, iv, 5) == 0);
    enn_npy_free(NULL, img);
  }
  enn_tensor_desc_init(&d, ENN_DTYPE_I64, 0, NULL);
  const int64_t sv = -2;
  CHECK_OK(enn_npy_write_buffer(&d, &sv, NULL, &img, &n));
  if (img) {
    CHECK(strstr((const char *)img + 10, "'shape': (), }") != NULL);
    CHECK(n == 136 && ((const uint8_t *)img)[128] == 0xfe && ((const uint8_t *)img)[135] == 0xff);
    enn_npy_free(NULL, img);
  }
  CHECK(strcmp(enn_npy_descr(ENN_DTYPE_F16), "<f2") == 0);
  CHECK(enn_npy_descr(ENN_DTYPE_INVALID) == NULL);
}

/* Hand-built files: versions 2.0 / 3.0, other key order and quoting, '<f8'. */
static void test_read_variants(void) {
  uint8_t buf[1024];
  const uint8_t i32le[8] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}; /* 1, -1 */
  const char *dicts[] = {
      "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",
      "{\"shape\": (2,), \"descr\": \"<i4\", \"fortran_order\": False}",
      "{'fortran_order':False,'shape':(2L,),'descr':'<i4'}",
      "{ 'descr' : '<i4' , 'fortran_order' : False , 'shape' : ( 2 , ) , }",
  };
  for (int major = 1; major <= 3; major++)
    for (size_t k = 0; k < sizeof dicts / sizeof dicts[0]; k++) {
      size_t n = make_npy(buf, sizeof buf, major, dicts[k], 0, i32le, 8);
      enn_tensor_desc d;
      void *p = NULL;
      CHECK_OK(enn_npy_read_buffer(buf, n, NULL, &d, &p));
      CHECK(d.dtype == ENN_DTYPE_I32 && d.rank == 1 && d.dims[0] == 2);
      if (p) CHECK(((int32_t *)p)[0] == 1 && ((int32_t *)p)[1] == -1);
      enn_npy_free(NULL, p);
    }
  /* f8 -> f32: values written as little-endian IEEE doubles by hand */
  const double dv[4] = {0.5, -3.25, 1e300, 1.0 / 3.0};
  uint8_t le[32];
  for (int i = 0; i < 4; i++) {
    uint64_t u;
    memcpy(&u, &dv[i], 8);
    for (int b = 0; b < 8; b++) le[8 * i + b] = (uint8_t)(u >> (8 * b));
  }
  size_t n = make_npy(buf, sizeof buf, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 0, le, 32);
  enn_tensor_desc d;
  void *p = NULL;
  CHECK_OK(enn_npy_read_buffer(buf, n, NULL, &d, &p));
  CHECK(d.dtype == ENN_DTYPE_F32 && d.rank == 2 && d.dims[0] == 2 && d.dims[1] == 2);
  if (p) {
    const float *f = p;
    CHECK(f[0] == 0.5f && f[1] == -3.25f && isinf(f[2]) && f[2] > 0 && f[3] == (float)(1.0 / 3.0));
  }
  enn_npy_free(NULL, p);
  /* the same through the file path (chunked conversion) with > 512 values */
  static uint8_t big[8 * 1500 + 128];
  uint8_t *vals = malloc(8 * 1500);
  for (int i = 0; i < 1500; i++) {
    double v = (double)i * 0.25 - 100.0;
    uint64_t u;
    memcpy(&u, &v, 8);
    for (int b = 0; b < 8; b++) vals[8 * i + b] = (uint8_t)(u >> (8 * b));
  }
  n = make_npy(big, sizeof big, 1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1500,), }", 0, vals, 8 * 1500);
  char path[512];
  tmp_path(path, sizeof path, "f8.npy");
  CHECK(write_bytes(path, big, n));
  p = NULL;
  CHECK_OK(enn_npy_read(path, NULL, &d, &p));
  if (p) {
    int bad = 0;
    for (int i = 0; i < 1500; i++) bad += ((float *)p)[i] != (float)((double)i * 0.25 - 100.0);
    CHECK(bad == 0);
  }
  enn_npy_free(NULL, p);
  unlink(path);
  free(vals);
}

/* ------------------------------------------------------- malformed input */
static void test_malformed_headers(void) {
  uint8_t buf[1024];
  const uint8_t data[24] = {0};
  size_t n;
  struct {
    const char *dict;
    enn_status want;
    const char *needle;
  } cases[] = {
      {"{'descr': '<f4', 'fortran_order': False}", ENN_ERR_BAD_FORMAT, "missing key 'shape'"},
      {"{'fortran_order': False, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "missing key 'descr'"},
      {"{'descr': '<f4', 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "missing key 'fortran_order'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "duplicate key 'descr'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1}", ENN_ERR_BAD_FORMAT, "unknown key 'extra'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "',' or '}' after"},
      {"{'descr': '<f4', 'fortran_order': false, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "True or False"},
      {"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "True or False"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6)}", ENN_ERR_BAD_FORMAT, "1-tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [6]}", ENN_ERR_BAD_FORMAT, "tuple, not a list"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-6,)}", ENN_ERR_BAD_FORMAT, "negative dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,,3)}", ENN_ERR_BAD_FORMAT, "a dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (06,)}", ENN_ERR_BAD_FORMAT, "leading zero"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,)}", ENN_ERR_BAD_FORMAT, "64 bits"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)} x", ENN_ERR_BAD_FORMAT, "after the dict"},
      {"{'descr': '<f4' 'fortran_order': False, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "',' or '}'"},
      {"['descr', '<f4']", ENN_ERR_BAD_FORMAT, "'{'"},
      {"{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,)}", ENN_ERR_BAD_FORMAT, "unsupported character"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,)", ENN_ERR_BAD_FORMAT, "',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", ENN_ERR_UNSUPPORTED, "fortran_order is True"},
      {"{'descr': '>f4', 'fortran_order': False, 'shape': (6,), }", ENN_ERR_UNSUPPORTED, "big-endian"},
      {"{'descr': '<c8', 'fortran_order': False, 'shape': (3,), }", ENN_ERR_UNSUPPORTED, "'<c8'"},
      {"{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", ENN_ERR_UNSUPPORTED, "'|O'"},
      {"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (6,), }", ENN_ERR_UNSUPPORTED, "structured"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,6), }", ENN_ERR_UNSUPPORTED, "rank 9"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4294967296), }", ENN_ERR_OVERFLOW,
       "too large"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (7,), }", ENN_ERR_BAD_FORMAT, "truncated"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", ENN_ERR_BAD_FORMAT, "unexpected bytes after"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    n = make_npy(buf, sizeof buf, 1, cases[k].dict, 0, data, 24); /* 24 bytes = 6 floats */
    EXPECT_FAIL(buf, n, cases[k].want, cases[k].needle);
  }
  /* header not ending in '\n', control and non-ASCII bytes */
  n = make_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }   ", 1, data, 24);
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "newline");
  n = make_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,),\x01}", 0, data, 24);
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "control byte");
  n = make_npy(buf, sizeof buf, 3, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), '\xc3\xa9': 1}", 0, data, 24);
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "non-ASCII");
  /* magic, version, header length */
  n = make_npy(buf, sizeof buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 0, data, 24);
  buf[1] = 'M';
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "bad magic");
  buf[1] = 'N';
  buf[6] = 4;
  EXPECT_FAIL(buf, n, ENN_ERR_UNSUPPORTED, "version 4.0");
  buf[6] = 1;
  buf[7] = 1;
  EXPECT_FAIL(buf, n, ENN_ERR_UNSUPPORTED, "version 1.1");
  buf[7] = 0;
  buf[8] = 0xff;
  buf[9] = 0xff;
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "truncated");
  n = make_npy(buf, sizeof buf, 2, "{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 0, data, 24);
  buf[11] = 0x80; /* 2 GiB header */
  EXPECT_FAIL(buf, n, ENN_ERR_BAD_FORMAT, "limit");
  EXPECT_FAIL("PK\x03\x04", 4, ENN_ERR_BAD_FORMAT, "bad magic");
  EXPECT_FAIL(NULL, 0, ENN_ERR_BAD_FORMAT, "truncated");
}

/* Every prefix of a valid file is refused (never read past the end). */
static void test_truncated(void) {
  int64_t dims[3] = {2, 3, 5};
  enn_tensor_desc d;
  enn_tensor_desc_init(&d, ENN_DTYPE_I32, 3, dims);
  int32_t v[30];
  for (int i = 0; i < 30; i++) v[i] = i * 1000 - 7;
  void *img = NULL;
  size_t n = 0;
  CHECK_OK(enn_npy_write_buffer(&d, v, NULL, &img, &n));
  if (!img) return;
  int ok_prefix = 0;
  for (size_t k = 0; k < n; k++) {
    /* a heap copy of exactly k bytes so ASan catches any over-read */
    uint8_t *cut = malloc(k ? k : 1);
    memcpy(cut, img, k);
    enn_tensor_desc r;
    void *p = NULL;
    enn_status st = enn_npy_read_buffer(cut, k, NULL, &r, &p);
    if (st == ENN_OK) ok_prefix++;
    if (st != ENN_OK && !strstr(enn_last_error(), "truncated") && !strstr(enn_last_error(), "newline"))
      CHECK_MSG(0, "prefix %zu: unexpected message '%s'", k, enn_last_error());
    enn_npy_free(NULL, p);
    free(cut);
  }
  CHECK(ok_prefix == 0);
  /* truncated in the data, through the file reader */
  char path[512];
  tmp_path(path, sizeof path, "trunc.npy");
  CHECK(write_bytes(path, img, n - 3));
  void *p = (void *)1;
  CHECK_STATUS(enn_npy_read(path, NULL, &d, &p), ENN_ERR_BAD_FORMAT);
  CHECK(p == NULL);
  CHECK(strstr(enn_last_error(), "truncated") != NULL && strstr(enn_last_error(), path) != NULL);
  /* ... and one byte too many */
  uint8_t *longer = malloc(n + 1);
  memcpy(longer, img, n);
  longer[n] = 0;
  CHECK(write_bytes(path, longer, n + 1));
  CHECK_STATUS(enn_npy_read(path, NULL, &d, &p), ENN_ERR_BAD_FORMAT);
  CHECK(strstr(enn_last_error(), "1 unexpected bytes") != NULL);
  /* an empty file */
  CHECK(write_bytes(path, "", 0));
  CHECK_STATUS(enn_npy_read(path, NULL, &d, &p), ENN_ERR_BAD_FORMAT);
  unlink(path);
  free(longer);
  enn_npy_free(NULL, img);
}

/* Writer arguments, atomic replace, missing files and directories. */
static void test_files(void) {
  char path[1024], dir[512];
  enn_tensor_desc d;
  void *p = (void *)1;
  CHECK_STATUS(enn_npy_read("/nonexistent/dir/x.npy", NULL, &d, &p), ENN_ERR_IO);
  CHECK(p == NULL && strstr(enn_last_error(), "/nonexistent/dir/x.npy") != NULL);
  CHECK_STATUS(enn_npy_read(enn_test_tmp(), NULL, &d, &p), ENN_ERR_IO); /* a directory */

  int64_t dims[1] = {4};
  const float a[4] = {1, 2, 3, 4}, b[4] = {-1, -2, -3, -4};
  enn_tensor_desc_init(&d, ENN_DTYPE_F32, 1, dims);
  CHECK_STATUS(enn_npy_write("/nonexistent/dir/x.npy", &d, a), ENN_ERR_IO);
  CHECK(strstr(enn_last_error(), "/nonexistent/dir/x.npy") != NULL);
  CHECK_STATUS(enn_npy_write(enn_test_tmp(), &d, a), ENN_ERR_IO); /* rename over a directory */

  /* overwrite: the new contents replace the old and no temporary remains */
  snprintf(dir, sizeof dir, "%s/npy_dir_%ld", enn_test_tmp(), (long)getpid());
  mkdir(dir, 0777);
  snprintf(path, sizeof path, "%s/x.npy", dir);
  CHECK_OK(enn_npy_write(path, &d, a));
  CHECK_OK(enn_npy_write(path, &d, b));
  void *back = NULL;
  CHECK_OK(enn_npy_read(path, NULL, &d, &back));
  if (back) CHECK(memcmp(back, b, sizeof b) == 0);
  enn_npy_free(NULL, back);
  int entries = 0;
  DIR *dh = opendir(dir);
  CHECK(dh != NULL);
  if (dh) {
    struct dirent *e;
    while ((e = readdir(dh)))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) entries++;
    closedir(dh);
  }
  CHECK(entries == 1);
  unlink(path);
  rmdir(dir);

  /* invalid descriptors */
  enn_tensor_desc bad;
  enn_tensor_desc_init(&bad, ENN_DTYPE_INVALID, 1, dims);
  CHECK_STATUS(enn_npy_write(path, &bad, a), ENN_ERR_UNSUPPORTED);
  enn_tensor_desc_init(&bad, ENN_DTYPE_F32, 1, dims);
  bad.dims[0] = -1;
  CHECK_STATUS(enn_npy_write(path, &bad, a), ENN_ERR_INVALID_ARG);
  bad.dims[0] = 4;
  CHECK_STATUS(enn_npy_write(path, &bad, NULL), ENN_ERR_INVALID_ARG);
  bad.rank = 9;
  CHECK_STATUS(enn_npy_write(path, &bad, a), ENN_ERR_INVALID_ARG);
  CHECK(access(path, F_OK) != 0);
  /* an empty array needs no data */
  int64_t z[2] = {0, 3};
  enn_tensor_desc_init(&d, ENN_DTYPE_U8, 2, z);
  tmp_path(path, sizeof path, "empty.npy");
  CHECK_OK(enn_npy_write(path, &d, NULL));
  back = NULL;
  CHECK_OK(enn_npy_read(path, NULL, &d, &back));
  CHECK(d.rank == 2 && d.dims[0] == 0 && d.dims[1] == 3 && back != NULL);
  enn_npy_free(NULL, back);
  unlink(path);
}

int main(void) {
  ENN_RUN(test_roundtrip_all_dtypes);
  ENN_RUN(test_header_bytes);
  ENN_RUN(test_read_variants);
  ENN_RUN(test_malformed_headers);
  ENN_RUN(test_truncated);
  ENN_RUN(test_files);
  return enn_test_finish();
}
