/*
 * Dataset readers on generated data: CIFAR-10 batches (raw and .xz, parent
 * or batches folder, class names from batches.meta.txt), MNIST idx (raw and
 * .gz), MLPerf KWS feature files, image folders (hand-written BMP, PNG and
 * JPEG from stb_image_write; numeric class folders; split sub-folders), the
 * SPEC grammar, and refusal of malformed inputs (truncated / corrupt xz and
 * gz, wrong magic, short records, bad labels, undecodable images) with a
 * message naming the file.
 */
#include <stdint.h>
#include <unistd.h>

#include "base/base.h"
#include "data/data_internal.h"
#include "edgenn/data.h"
#include "gen_util.h"
#include "test.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static char root[1024];

static void path_of(char *buf, size_t cap, const char *rel) { snprintf(buf, cap, "%s/%s", root, rel); }

static void mk(const char *rel) {
  char p[2048];
  path_of(p, sizeof p, rel);
  CHECK_MSG(gen_mkdir(p), "mkdir %s", p);
}

static void put(const char *rel, const void *data, size_t n) {
  char p[2048];
  path_of(p, sizeof p, rel);
  CHECK_MSG(gen_write(p, data, n), "write %s", p);
}

/* Opens spec (relative folder after the kind) expecting `want` and, on
 * failure, `needle` in the message. */
static enn_dataset *open_rel(const char *kind, const char *rel, const char *opts, enn_split def, enn_status want,
                             const char *needle) {
  char spec[2048];
  snprintf(spec, sizeof spec, "%s:%s/%s%s", kind, root, rel, opts ? opts : "");
  enn_dataset *ds = (enn_dataset *)1;
  enn_status st = enn_dataset_open(spec, def, NULL, &ds);
  CHECK_MSG(st == want, "open %s -> %s (%s), expected %s", spec, enn_status_name(st), enn_last_error(),
            enn_status_name(want));
  if (st != ENN_OK) {
    CHECK(ds == NULL);
    if (needle) CHECK_MSG(strstr(enn_last_error(), needle) != NULL, "message '%s' lacks '%s'", enn_last_error(), needle);
    return NULL;
  }
  return ds;
}

/* --------------------------------------------------------------- CIFAR */
/* Record r of a generated batch: label, then R, G, B planes where plane k
 * pixel p = (r * 31 + k * 7 + p * 3) & 255. */
static uint8_t cifar_val(int r, int k, int p) { return (uint8_t)((r * 31 + k * 7 + p * 3) & 255); }

static uint8_t *cifar_batch(int n, const int *labels, int first_rec) {
  uint8_t *b = malloc((size_t)n * 3073);
  for (int r = 0; r < n; r++) {
    uint8_t *rec = b + (size_t)r * 3073;
    rec[0] = (uint8_t)labels[r];
    for (int k = 0; k < 3; k++)
      for (int p = 0; p < 1024; p++) rec[1 + k * 1024 + p] = cifar_val(first_rec + r, k, p);
  }
  return b;
}

static void test_cifar_generated(void) {
  mk("c1");
  mk("c1/cifar-10-batches-bin");
  const int tl[3] = {2, 0, 9};
  uint8_t *tb = cifar_batch(3, tl, 0);
  put("c1/cifar-10-batches-bin/test_batch.bin", tb, 3 * 3073);
  /* parent folder and batches folder both work */
  enn_dataset *ds = open_rel("cifar10", "c1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 3);
    CHECK(enn_dataset_num_classes(ds) == 10);
    CHECK(strcmp(enn_dataset_class_name(ds, 3), "cat") == 0);
    CHECK(enn_dataset_class_name(ds, 10) == NULL);
    CHECK(strcmp(enn_dataset_kind(ds), "cifar10") == 0);
    CHECK(enn_dataset_split(ds) == ENN_SPLIT_TEST);
    CHECK(strstr(enn_dataset_dir(ds), "cifar-10-batches-bin") != NULL);
    for (int r = 0; r < 3; r++) CHECK(enn_dataset_label(ds, r) == tl[r]);
    CHECK(enn_dataset_label(ds, 3) == -1);
    uint8_t px[3072];
    enn_sample_info info;
    CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_INVALID, px, sizeof px, &info));
    CHECK(info.h == 32 && info.w == 32 && info.c == 3 && info.dtype == ENN_DTYPE_U8 && info.label == 0);
    int bad = 0;
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 32; x++)
        for (int k = 0; k < 3; k++) bad += px[(y * 32 + x) * 3 + k] != cifar_val(1, k, y * 32 + x);
    CHECK_MSG(bad == 0, "%d HWC pixels differ", bad);
    float f[3072];
    CHECK_OK(enn_dataset_read(ds, 2, ENN_DTYPE_F32, f, sizeof f, &info));
    CHECK(f[5 * 3 + 2] == (float)cifar_val(2, 2, 5));
    CHECK_STATUS(enn_dataset_read(ds, 0, ENN_DTYPE_INVALID, px, 100, NULL), ENN_ERR_INVALID_ARG);
    CHECK_STATUS(enn_dataset_read(ds, 0, ENN_DTYPE_I32, px, sizeof px, NULL), ENN_ERR_UNSUPPORTED);
    CHECK_STATUS(enn_dataset_read(ds, 3, ENN_DTYPE_INVALID, px, sizeof px, NULL), ENN_ERR_INVALID_ARG);
    CHECK_STATUS(enn_dataset_info(ds, -1, &info), ENN_ERR_INVALID_ARG);
    enn_dataset_close(ds);
  }
  ds = open_rel("cifar10", "c1/cifar-10-batches-bin", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) CHECK(enn_dataset_count(ds) == 3);
  enn_dataset_close(ds);
  /* train split missing entirely */
  open_rel("cifar10", "c1", ",split=train", ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "data_batch_1.bin");
  /* train split: batches 1, 3, 5 raw, 2 and 4 xz; 2 records each */
  int next = 0;
  for (int b = 1; b <= 5; b++) {
    int labels[2] = {b, (b * 3) % 10};
    uint8_t *buf = cifar_batch(2, labels, next);
    next += 2;
    char rel[128];
    if (b % 2 == 0) {
      size_t zn = 0;
      uint8_t *z = gen_xz(buf, 2 * 3073, &zn);
      CHECK(z != NULL);
      snprintf(rel, sizeof rel, "c1/cifar-10-batches-bin/data_batch_%d.bin.xz", b);
      if (z) put(rel, z, zn);
      free(z);
    } else {
      snprintf(rel, sizeof rel, "c1/cifar-10-batches-bin/data_batch_%d.bin", b);
      put(rel, buf, 2 * 3073);
    }
    free(buf);
  }
  ds = open_rel("cifar10", "c1", NULL, ENN_SPLIT_TRAIN, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 10);
    CHECK(enn_dataset_split(ds) == ENN_SPLIT_TRAIN);
    for (int b = 1; b <= 5; b++) {
      CHECK(enn_dataset_label(ds, 2 * (b - 1)) == b);
      CHECK(enn_dataset_label(ds, 2 * (b - 1) + 1) == (b * 3) % 10);
    }
    uint8_t px[3072];
    CHECK_OK(enn_dataset_read(ds, 7, ENN_DTYPE_INVALID, px, sizeof px, NULL)); /* batch 4 (xz), record 1 */
    CHECK(px[(10 * 32 + 3) * 3 + 1] == cifar_val(7, 1, 10 * 32 + 3));
    enn_dataset_close(ds);
  }
  /* an explicit split=test overrides the default train */
  ds = open_rel("cifar10", "c1", ",split=test", ENN_SPLIT_TRAIN, ENN_OK, NULL);
  if (ds) CHECK(enn_dataset_count(ds) == 3);
  enn_dataset_close(ds);
  /* class names from batches.meta.txt */
  const char *meta = "a0\nb1\nc2\nd3\ne4\nf5\ng6\nh7\ni8\nj9\n\n";
  put("c1/cifar-10-batches-bin/batches.meta.txt", meta, strlen(meta));
  ds = open_rel("cifar10", "c1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) CHECK(strcmp(enn_dataset_class_name(ds, 4), "e4") == 0);
  enn_dataset_close(ds);
  put("c1/cifar-10-batches-bin/batches.meta.txt", "x\ny\n", 4);
  open_rel("cifar10", "c1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "batches.meta.txt");
  free(tb);
}

static void test_cifar_malformed(void) {
  mk("c2");
  const int tl[2] = {1, 2};
  uint8_t *tb = cifar_batch(2, tl, 0);
  /* short record */
  put("c2/test_batch.bin", tb, 2 * 3073 - 1);
  open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "test_batch.bin");
  CHECK(strstr(enn_last_error(), "3073") != NULL);
  /* empty */
  put("c2/test_batch.bin", tb, 0);
  open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "test_batch.bin");
  /* label out of range */
  tb[3073] = 10;
  put("c2/test_batch.bin", tb, 2 * 3073);
  open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "label 10");
  tb[3073] = 2;
  /* xz: truncated, corrupt, not xz */
  char p[2048];
  path_of(p, sizeof p, "c2/test_batch.bin");
  unlink(p);
  size_t zn = 0;
  uint8_t *z = gen_xz(tb, 2 * 3073, &zn);
  CHECK(z && zn > 40);
  if (z) {
    put("c2/test_batch.bin.xz", z, zn);
    enn_dataset *ds = open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
    if (ds) CHECK(enn_dataset_count(ds) == 2);
    enn_dataset_close(ds);
    put("c2/test_batch.bin.xz", z, zn / 2);
    open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "test_batch.bin.xz");
    CHECK_MSG(strstr(enn_last_error(), "truncated") != NULL, "%s", enn_last_error());
    uint8_t *c = malloc(zn);
    memcpy(c, z, zn);
    c[zn / 2] ^= 0x55;
    put("c2/test_batch.bin.xz", c, zn);
    open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "test_batch.bin.xz");
    c[0] = 'X';
    put("c2/test_batch.bin.xz", c, zn);
    open_rel("cifar10", "c2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "not an xz file");
    free(c);
  }
  free(z);
  free(tb);
  /* nothing there */
  mk("c3");
  open_rel("cifar10", "c3", NULL, ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "no CIFAR-10 batches");
}

/* --------------------------------------------------------------- MNIST */
static size_t idx_images(uint8_t *b, uint32_t n, uint32_t rows, uint32_t cols, uint32_t magic) {
  uint32_t hdr[4] = {magic, n, rows, cols};
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++) b[i * 4 + k] = (uint8_t)(hdr[i] >> (24 - 8 * k));
  for (uint32_t i = 0; i < n * rows * cols; i++) b[16 + i] = (uint8_t)(i * 7 + 1);
  return 16 + (size_t)n * rows * cols;
}

static size_t idx_labels(uint8_t *b, uint32_t n, const uint8_t *labels) {
  uint32_t hdr[2] = {0x801, n};
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < 4; k++) b[i * 4 + k] = (uint8_t)(hdr[i] >> (24 - 8 * k));
  memcpy(b + 8, labels, n);
  return 8 + (size_t)n;
}

static void test_mnist_generated(void) {
  mk("m1");
  uint8_t img[16 + 5 * 12], lab[8 + 5];
  const uint8_t labels[5] = {7, 2, 1, 0, 4};
  size_t in = idx_images(img, 5, 4, 3, 0x803), ln = idx_labels(lab, 5, labels);
  size_t gzn = 0;
  uint8_t *gz = gen_gz(img, in, &gzn);
  CHECK(gz != NULL);
  if (gz) put("m1/t10k-images-idx3-ubyte.gz", gz, gzn);
  put("m1/t10k-labels-idx1-ubyte", lab, ln);
  enn_dataset *ds = open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 5);
    CHECK(enn_dataset_num_classes(ds) == 10);
    CHECK(strcmp(enn_dataset_class_name(ds, 7), "7") == 0);
    for (int i = 0; i < 5; i++) CHECK(enn_dataset_label(ds, i) == labels[i]);
    uint8_t px[12];
    enn_sample_info info;
    CHECK_OK(enn_dataset_read(ds, 3, ENN_DTYPE_INVALID, px, sizeof px, &info));
    CHECK(info.h == 4 && info.w == 3 && info.c == 1 && info.label == 0);
    for (int i = 0; i < 12; i++) CHECK(px[i] == (uint8_t)((3 * 12 + i) * 7 + 1));
    enn_dataset_close(ds);
  }
  /* train split absent: clear error */
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TRAIN, ENN_ERR_NOT_FOUND, "train-images-idx3-ubyte");
  /* truncated gz */
  if (gz) {
    put("m1/t10k-images-idx3-ubyte.gz", gz, gzn - 9);
    open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "t10k-images-idx3-ubyte.gz");
    CHECK_MSG(strstr(enn_last_error(), "truncated") != NULL || strstr(enn_last_error(), "corrupt") != NULL, "%s",
              enn_last_error());
    /* not gzip */
    put("m1/t10k-images-idx3-ubyte.gz", img, in);
    open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "not a gzip file");
    /* two gzip members concatenated = the concatenation */
    size_t h1 = 0, h2 = 0;
    uint8_t *a = gen_gz(img, 30, &h1), *b = gen_gz(img + 30, in - 30, &h2);
    uint8_t *cat = malloc(h1 + h2 + 3);
    memcpy(cat, a, h1);
    memcpy(cat + h1, b, h2);
    put("m1/t10k-images-idx3-ubyte.gz", cat, h1 + h2);
    ds = open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
    if (ds) CHECK(enn_dataset_count(ds) == 5);
    enn_dataset_close(ds);
    memcpy(cat + h1 + h2, "xyz", 3);
    put("m1/t10k-images-idx3-ubyte.gz", cat, h1 + h2 + 3);
    open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "trailing garbage");
    free(a);
    free(b);
    free(cat);
  }
  free(gz);
  char p[2048];
  path_of(p, sizeof p, "m1/t10k-images-idx3-ubyte.gz");
  unlink(p);
  /* raw images: wrong magic, truncated, count mismatch */
  idx_images(img, 5, 4, 3, 0x801);
  put("m1/t10k-images-idx3-ubyte", img, in);
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "bad magic");
  idx_images(img, 5, 4, 3, 0x803);
  put("m1/t10k-images-idx3-ubyte", img, in - 1);
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "truncated");
  put("m1/t10k-images-idx3-ubyte", img, 10);
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "too short");
  put("m1/t10k-images-idx3-ubyte", img, in);
  ln = idx_labels(lab, 4, labels);
  put("m1/t10k-labels-idx1-ubyte", lab, ln);
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "4 labels");
  ln = idx_labels(lab, 5, labels);
  put("m1/t10k-labels-idx1-ubyte", lab, ln - 2);
  open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "t10k-labels-idx1-ubyte");
  /* the ".idx" spelling */
  path_of(p, sizeof p, "m1/t10k-labels-idx1-ubyte");
  unlink(p);
  put("m1/t10k-labels.idx1-ubyte", lab, ln);
  ds = open_rel("mnist", "m1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) CHECK(enn_dataset_label(ds, 4) == 4);
  enn_dataset_close(ds);
}

/* ----------------------------------------------------------------- KWS */
static void test_kws_generated(void) {
  mk("k1");
  int8_t f[490];
  for (int i = 0; i < 490; i++) f[i] = (int8_t)(i % 256 - 128);
  put("k1/tst_000000_Stop_7.bin", f, 490);
  f[0] = 5;
  put("k1/tst_000001_Unknown_11.bin", f, 490);
  put("k1/y_labels.csv", "x,12,1\n", 7);
  enn_dataset *ds = open_rel("kws", "k1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 2);
    CHECK(enn_dataset_label(ds, 0) == 7 && enn_dataset_label(ds, 1) == 11);
    CHECK(enn_dataset_num_classes(ds) == 12);
    CHECK(strcmp(enn_dataset_class_name(ds, 7), "Stop") == 0);
    CHECK(strcmp(enn_dataset_class_name(ds, 11), "Unknown") == 0);
    int8_t q[490];
    enn_sample_info info;
    CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_INVALID, q, sizeof q, &info));
    CHECK(info.h == 49 && info.w == 10 && info.c == 1 && info.dtype == ENN_DTYPE_I8 && info.zero_point == 83);
    CHECK_NEAR(info.scale, 0.584703, 1e-6);
    CHECK(q[0] == 5 && q[1] == -127 && q[489] == (int8_t)(489 % 256 - 128));
    float r[490];
    CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_F32, r, sizeof r, NULL));
    CHECK_NEAR(r[0], 0.5847029 * (5 - 83), 1e-4);
    CHECK_NEAR(r[1], 0.5847029 * (-127 - 83), 1e-4);
    enn_dataset_close(ds);
  }
  put("k1/tst_000002_Bad_x.bin", f, 490);
  open_rel("kws", "k1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "tst_000002_Bad_x.bin");
  char p[2048];
  path_of(p, sizeof p, "k1/tst_000002_Bad_x.bin");
  unlink(p);
  put("k1/tst_000003_Go_1.bin", f, 489);
  open_rel("kws", "k1", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "tst_000003_Go_1.bin");
  CHECK(strstr(enn_last_error(), "489 bytes") != NULL);
  mk("k2");
  open_rel("kws", "k2", NULL, ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "no .bin");
  /* explicit split without a sub-folder */
  open_rel("kws", "k2", ",split=train", ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "'train' sub-folder");
}

/* -------------------------------------------------------------- folder */
static void gradient(uint8_t *px, int w, int h, int c, int seed) {
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++) px[(y * w + x) * c + k] = (uint8_t)((seed * 40 + x * 13 + y * 29 + k * 71) & 255);
}

static void test_folder_generated(void) {
  mk("f1");
  mk("f1/cat");
  mk("f1/dog");
  mk("f1/.hidden");
  char p[2048];
  uint8_t rgb[7 * 5 * 3], gray[6 * 3];
  gradient(rgb, 7, 5, 3, 1);
  gradient(gray, 6, 3, 1, 2);
  path_of(p, sizeof p, "f1/cat/a.bmp");
  CHECK(gen_write_bmp(p, rgb, 7, 5, 3));
  path_of(p, sizeof p, "f1/cat/b.PNG");
  CHECK(stbi_write_png(p, 6, 3, 1, gray, 6) != 0);
  path_of(p, sizeof p, "f1/dog/c.png");
  CHECK(stbi_write_png(p, 7, 5, 3, rgb, 7 * 3) != 0);
  /* a flat-colour JPEG block: near-lossless at quality 100 */
  uint8_t flat[16 * 16 * 3];
  for (int i = 0; i < 16 * 16; i++) {
    flat[3 * i] = 200;
    flat[3 * i + 1] = 100;
    flat[3 * i + 2] = 50;
  }
  path_of(p, sizeof p, "f1/dog/d.jpg");
  CHECK(stbi_write_jpg(p, 16, 16, 3, flat, 100) != 0);
  path_of(p, sizeof p, "f1/dog/e.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  put("f1/dog/README.txt", "hi", 2);
  enn_dataset *ds = open_rel("folder", "f1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_count(ds) == 5);
    CHECK(enn_dataset_num_classes(ds) == 2);
    CHECK(strcmp(enn_dataset_class_name(ds, 0), "cat") == 0 && strcmp(enn_dataset_class_name(ds, 1), "dog") == 0);
    const int want_label[5] = {0, 0, 1, 1, 1};
    for (int i = 0; i < 5; i++) CHECK(enn_dataset_label(ds, i) == want_label[i]);
    uint8_t buf[16 * 16 * 3];
    enn_sample_info info;
    /* a.bmp: exact RGB */
    CHECK_OK(enn_dataset_info(ds, 0, &info));
    CHECK(info.h == 5 && info.w == 7 && info.c == 3);
    CHECK_OK(enn_dataset_read(ds, 0, ENN_DTYPE_INVALID, buf, sizeof buf, &info));
    CHECK(memcmp(buf, rgb, sizeof rgb) == 0);
    /* b.PNG: exact gray, 1 channel */
    CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_INVALID, buf, sizeof buf, &info));
    CHECK(info.h == 3 && info.w == 6 && info.c == 1 && info.label == 0);
    CHECK(memcmp(buf, gray, sizeof gray) == 0);
    /* c.png */
    CHECK_OK(enn_dataset_read(ds, 2, ENN_DTYPE_INVALID, buf, sizeof buf, &info));
    CHECK(info.c == 3 && memcmp(buf, rgb, sizeof rgb) == 0);
    /* d.jpg: close to the flat colour */
    CHECK_OK(enn_dataset_read(ds, 3, ENN_DTYPE_INVALID, buf, sizeof buf, &info));
    CHECK(info.h == 16 && info.w == 16 && info.c == 3);
    int far = 0;
    for (int i = 0; i < 16 * 16 * 3; i++) far += abs((int)buf[i] - (int)flat[i]) > 4;
    CHECK_MSG(far == 0, "%d JPEG values off by more than 4", far);
    /* e.bmp: 8-bit paletted gray comes out with the gray values in every channel */
    CHECK_OK(enn_dataset_read(ds, 4, ENN_DTYPE_INVALID, buf, sizeof buf, &info));
    int bad = 0;
    for (int i = 0; i < 18; i++)
      for (int k = 0; k < info.c; k++) bad += buf[i * info.c + k] != gray[i];
    CHECK_MSG(bad == 0, "%d gray BMP values differ", bad);
    float fl[16 * 16 * 3];
    CHECK_OK(enn_dataset_read(ds, 1, ENN_DTYPE_F32, fl, sizeof fl, NULL));
    CHECK(fl[4] == (float)gray[4]);
    enn_dataset_close(ds);
  }
  /* an undecodable image: open succeeds, reading it fails naming the file */
  put("f1/dog/f.png", "\x89PNG\r\n\x1a\nbroken", 14);
  ds = open_rel("folder", "f1", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    uint8_t buf[64];
    enn_sample_info info;
    CHECK_STATUS(enn_dataset_read(ds, 5, ENN_DTYPE_INVALID, buf, sizeof buf, &info), ENN_ERR_BAD_FORMAT);
    CHECK_MSG(strstr(enn_last_error(), "f.png") != NULL, "%s", enn_last_error());
    enn_dataset_close(ds);
  }
  /* a truncated PNG (valid header, data cut) */
  {
    path_of(p, sizeof p, "f1/dog/f.png");
    CHECK(stbi_write_png(p, 7, 5, 3, rgb, 7 * 3) != 0);
    uint8_t png[4096];
    FILE *f = fopen(p, "rb");
    size_t len = f ? fread(png, 1, sizeof png, f) : 0;
    if (f) fclose(f);
    CHECK(len > 40 && len < sizeof png);
    if (len > 40) {
      CHECK(gen_write(p, png, len / 2));
      uint8_t *px = NULL;
      enn_sample_info info;
      CHECK_STATUS(enn_image_load(p, NULL, &info, &px), ENN_ERR_BAD_FORMAT);
      CHECK(px == NULL);
      CHECK(strstr(enn_last_error(), "f.png") != NULL);
    }
  }
  /* images from memory, and the path test */
  CHECK(enn_image_is_image_path("a/b.JPEG") && enn_image_is_image_path("x.bmp") && !enn_image_is_image_path("x.npy"));
  CHECK(!enn_image_is_image_path("dir.png/file") && !enn_image_is_image_path("png"));
  {
    uint8_t *px = NULL;
    enn_sample_info info;
    CHECK_STATUS(enn_image_decode("BM", 2, "tiny.bmp", NULL, &info, &px), ENN_ERR_BAD_FORMAT);
    CHECK(strstr(enn_last_error(), "tiny.bmp") != NULL);
    CHECK_STATUS(enn_image_load("/nonexistent/x.png", NULL, &info, &px), ENN_ERR_IO);
  }
  /* numeric class folders: the number is the class */
  mk("f2");
  mk("f2/0");
  mk("f2/10");
  mk("f2/2");
  path_of(p, sizeof p, "f2/0/x.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  path_of(p, sizeof p, "f2/10/x.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  path_of(p, sizeof p, "f2/2/x.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  ds = open_rel("folder", "f2", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) {
    CHECK(enn_dataset_num_classes(ds) == 11);
    CHECK(enn_dataset_label(ds, 0) == 0 && enn_dataset_label(ds, 1) == 10 && enn_dataset_label(ds, 2) == 2);
    CHECK(strcmp(enn_dataset_class_name(ds, 10), "10") == 0 && strcmp(enn_dataset_class_name(ds, 5), "5") == 0);
    enn_dataset_close(ds);
  }
  mk("f2/02");
  open_rel("folder", "f2", NULL, ENN_SPLIT_TEST, ENN_ERR_BAD_FORMAT, "same class number 2");
  /* split sub-folders */
  mk("f3");
  mk("f3/train");
  mk("f3/train/a");
  mk("f3/train/b");
  mk("f3/test");
  mk("f3/test/a");
  path_of(p, sizeof p, "f3/train/a/1.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  path_of(p, sizeof p, "f3/train/b/1.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  path_of(p, sizeof p, "f3/test/a/1.bmp");
  CHECK(gen_write_bmp(p, gray, 6, 3, 1));
  ds = open_rel("folder", "f3", NULL, ENN_SPLIT_TEST, ENN_OK, NULL);
  if (ds) CHECK(enn_dataset_count(ds) == 1 && strstr(enn_dataset_dir(ds), "/test") != NULL);
  enn_dataset_close(ds);
  ds = open_rel("folder", "f3", NULL, ENN_SPLIT_TRAIN, ENN_OK, NULL);
  if (ds) CHECK(enn_dataset_count(ds) == 2 && enn_dataset_num_classes(ds) == 2);
  enn_dataset_close(ds);
  /* no classes / no images */
  mk("f4");
  open_rel("folder", "f4", NULL, ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "no class sub-folders");
  mk("f4/a");
  put("f4/a/notes.txt", "x", 1);
  open_rel("folder", "f4", NULL, ENN_SPLIT_TEST, ENN_ERR_NOT_FOUND, "no .png");
}

/* ---------------------------------------------------------------- spec */
static void expect_spec(const char *spec, enn_status want, const char *needle) {
  enn_dataset *ds = (enn_dataset *)1;
  CHECK_STATUS(enn_dataset_open(spec, ENN_SPLIT_TEST, NULL, &ds), want);
  CHECK(ds == NULL);
  CHECK_MSG(strstr(enn_last_error(), needle) != NULL, "spec '%s': message '%s' lacks '%s'", spec, enn_last_error(),
            needle);
}

static void test_spec(void) {
  char s[2048];
  expect_spec("nope:/tmp", ENN_ERR_INVALID_ARG, "unknown kind 'nope'");
  expect_spec("cifar10", ENN_ERR_INVALID_ARG, "KIND:DIR");
  expect_spec(":x", ENN_ERR_INVALID_ARG, "KIND:DIR");
  expect_spec("cifar10:", ENN_ERR_INVALID_ARG, "no folder");
  snprintf(s, sizeof s, "cifar10:%s/c1,split=val", root);
  expect_spec(s, ENN_ERR_INVALID_ARG, "train or test");
  snprintf(s, sizeof s, "cifar10:%s/c1,limit=3", root);
  expect_spec(s, ENN_ERR_INVALID_ARG, "unknown option 'limit=3'");
  snprintf(s, sizeof s, "cifar10:%s/c1,split=test,split=test", root);
  expect_spec(s, ENN_ERR_INVALID_ARG, "split given twice");
  expect_spec("mnist:/nonexistent/dir", ENN_ERR_NOT_FOUND, "not a folder");
  enn_dataset *ds = (enn_dataset *)1;
  CHECK_STATUS(enn_dataset_open("mnist:/tmp", (enn_split)7, NULL, &ds), ENN_ERR_INVALID_ARG);
  CHECK_STATUS(enn_dataset_open(NULL, ENN_SPLIT_TEST, NULL, &ds), ENN_ERR_INVALID_ARG);
  /* a comma inside the folder name is kept */
  mk("a,b");
  mk("a,b/cls");
  char p[2048];
  uint8_t g[4] = {1, 2, 3, 4};
  path_of(p, sizeof p, "a,b/cls/x.bmp");
  CHECK(gen_write_bmp(p, g, 2, 2, 1));
  snprintf(s, sizeof s, "folder:%s/a,b", root);
  CHECK_OK(enn_dataset_open(s, ENN_SPLIT_TEST, NULL, &ds));
  if (ds) CHECK(enn_dataset_count(ds) == 1);
  enn_dataset_close(ds);
  enn_dataset_close(NULL);
  CHECK(enn_dataset_count(NULL) == 0 && enn_dataset_label(NULL, 0) == -1 && enn_dataset_class_name(NULL, 0) == NULL);
}

/* ------------------------------------------------------ decompressors */
static void test_decoders(void) {
  uint8_t data[5000];
  for (int i = 0; i < 5000; i++) data[i] = (uint8_t)(i * i % 251);
  size_t zn = 0, n = 0;
  uint8_t *out = NULL;
  uint8_t *z = gen_xz(data, sizeof data, &zn);
  /* a tiny hint forces the output buffer to grow */
  CHECK_OK(enn_data_xz_decode(z, zn, "t.xz", NULL, 10, 1u << 20, &out, &n));
  CHECK(n == sizeof data && out && memcmp(out, data, n) == 0);
  enn_free(NULL, out);
  /* output limit */
  CHECK_STATUS(enn_data_xz_decode(z, zn, "t.xz", NULL, 0, 4096, &out, &n), ENN_ERR_OVERFLOW);
  CHECK(out == NULL && strstr(enn_last_error(), "t.xz") != NULL);
  CHECK_STATUS(enn_data_xz_decode(z, 0, "t.xz", NULL, 0, 1u << 20, &out, &n), ENN_ERR_BAD_FORMAT);
  free(z);
  z = gen_gz(data, sizeof data, &zn);
  CHECK_OK(enn_data_gz_decode(z, zn, "t.gz", NULL, 7, 1u << 20, &out, &n));
  CHECK(n == sizeof data && out && memcmp(out, data, n) == 0);
  enn_free(NULL, out);
  /* a damaged length trailer (also an absurd size hint) and a damaged CRC
   * are both refused, as is a stream cut before its trailer */
  z[zn - 1] ^= 0xff;
  CHECK_STATUS(enn_data_gz_decode(z, zn, "t.gz", NULL, 0, 1u << 20, &out, &n), ENN_ERR_BAD_FORMAT);
  z[zn - 1] ^= 0xff;
  CHECK_STATUS(enn_data_gz_decode(z, zn - 4, "t.gz", NULL, 0, 1u << 20, &out, &n), ENN_ERR_BAD_FORMAT);
  CHECK(strstr(enn_last_error(), "truncated") != NULL);
  z[zn - 6] ^= 0x01;
  CHECK_STATUS(enn_data_gz_decode(z, zn, "t.gz", NULL, 0, 1u << 20, &out, &n), ENN_ERR_BAD_FORMAT);
  CHECK(strstr(enn_last_error(), "t.gz") != NULL);
  free(z);
}

int main(void) {
  snprintf(root, sizeof root, "%s/datasets_%ld", enn_test_tmp(), (long)getpid());
  gen_rmtree(root);
  if (!gen_mkdir(root)) {
    fprintf(stderr, "cannot create %s\n", root);
    return 1;
  }
  ENN_RUN(test_cifar_generated);
  ENN_RUN(test_cifar_malformed);
  ENN_RUN(test_mnist_generated);
  ENN_RUN(test_kws_generated);
  ENN_RUN(test_folder_generated);
  ENN_RUN(test_spec);
  ENN_RUN(test_decoders);
  int rc = enn_test_finish();
  if (rc == 0) gen_rmtree(root);
  return rc;
}
