/*
 * MNIST-style IDX files.
 *
 * Images: big-endian u32 magic 0x00000803 (u8 data, 3 dims), count, rows,
 * cols, then count*rows*cols bytes. Labels: magic 0x00000801, count, then
 * count bytes. The split picks the prefix "train" or "t10k"; the names
 * <prefix>-images-idx3-ubyte / <prefix>-labels-idx1-ubyte (or with '.'
 * before "idx", as some mirrors spell them) are looked for, each optionally
 * gzip-compressed (.gz). Headers, exact sizes and matching counts are
 * checked at open; the image bytes are used in place (HWC with c = 1).
 * Classes: "0".."9" (more if a label file uses larger values).
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#define MNIST_MAX_FILE ((size_t)1 << 31)

static uint32_t be32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Finds <prefix>-<what>-idxN-ubyte or <prefix>-<what>.idxN-ubyte (+ .gz)
 * in dir; the split names the error when neither is there. */
static enn_status find_idx(char *buf, size_t cap, const char *dir, const char *prefix, const char *what, int dims,
                           const char *split) {
  static const char *const gz[] = {".gz", NULL};
  for (int f = 0; f < 2; f++) {
    char name[64];
    const int len = snprintf(name, sizeof name, "%s-%s%cidx%d-ubyte", prefix, what, f ? '.' : '-', dims);
    if (len < 0 || (size_t)len >= sizeof name)
      return enn_err(ENN_ERR_INTERNAL, "mnist: the file name %s-%s-idx%d-ubyte is longer than %zu bytes", prefix, what,
                     dims, sizeof name - 1);
    if (enn_data_find(buf, cap, dir, name, gz)) return ENN_OK;
  }
  return enn_err(ENN_ERR_NOT_FOUND, "mnist: '%s' has no %s-%s-idx%d-ubyte[.gz] (the %s split's %s)", dir, prefix, what,
                 dims, split, what);
}

enn_status enn_data_open_mnist(enn_dataset *ds, const char *dir, bool split_explicit) {
  ENN_UNUSED(split_explicit);
  const bool train = ds->split == ENN_SPLIT_TRAIN;
  const char *prefix = train ? "train" : "t10k", *split = train ? "train" : "test";
  char ipath[4096], lpath[4096];
  enn_status st = find_idx(ipath, sizeof ipath, dir, prefix, "images", 3, split);
  if (!st) st = find_idx(lpath, sizeof lpath, dir, prefix, "labels", 1, split);
  if (st) return st;
  uint8_t *lab = NULL;
  size_t ln = 0, in = 0;
  st = enn_data_load_file(ipath, ds->alloc, 0, MNIST_MAX_FILE, &ds->blob, &in);
  if (st) return st;
  if ((st = enn_data_load_file(lpath, ds->alloc, 0, MNIST_MAX_FILE, &lab, &ln))) return st;
  const uint8_t *ib = ds->blob;
  if (in < 16) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': %zu bytes is too short for an IDX image header (16)", ipath, in);
    goto done;
  }
  if (be32(ib) != 0x00000803u) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': bad magic 0x%08x (IDX u8 images are 0x00000803)", ipath, be32(ib));
    goto done;
  }
  uint32_t n = be32(ib + 4), rows = be32(ib + 8), cols = be32(ib + 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': implausible image size %ux%u", ipath, rows, cols);
    goto done;
  }
  size_t per = (size_t)rows * cols, need;
  if (!enn_mul_size(per, n, &need) || !enn_add_size(need, 16, &need) || need != in) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': %s: the header says %u images of %ux%u (%zu bytes) but the data is %zu bytes",
                 ipath, in < need ? "truncated" : "wrong size", n, rows, cols, (size_t)n * per, in - 16);
    goto done;
  }
  if (ln < 8) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': %zu bytes is too short for an IDX label header (8)", lpath, ln);
    goto done;
  }
  if (be32(lab) != 0x00000801u) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': bad magic 0x%08x (IDX u8 labels are 0x00000801)", lpath, be32(lab));
    goto done;
  }
  uint32_t nl = be32(lab + 4);
  if ((size_t)nl + 8 != ln) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': %s: the header says %u labels but the data is %zu bytes", lpath,
                 ln - 8 < nl ? "truncated" : "wrong size", nl, ln - 8);
    goto done;
  }
  if (nl != n) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "mnist: '%s' has %u images but '%s' has %u labels", ipath, n, lpath, nl);
    goto done;
  }
  ds->labels = enn_alloc(ds->alloc, (size_t)(n ? n : 1) * sizeof *ds->labels);
  if (!ds->labels) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  int32_t maxl = 9;
  for (uint32_t i = 0; i < n; i++) {
    ds->labels[i] = lab[8 + i];
    if (ds->labels[i] > maxl) maxl = ds->labels[i];
  }
  ds->pixels = ds->blob + 16;
  ds->count = n;
  ds->sample_bytes = per;
  ds->h = (int32_t)rows;
  ds->w = (int32_t)cols;
  ds->c = 1;
  ds->dtype = ENN_DTYPE_U8;
  ds->scale = 1.0f;
  ds->zero_point = 0;
  {
    char names[256][12]; /* labels are bytes (0..255), but room for any int's "%d" */
    const char *ptrs[256];
    for (int k = 0; k <= maxl; k++) {
      snprintf(names[k], sizeof names[k], "%d", k);
      ptrs[k] = names[k];
    }
    st = enn_data_set_class_names(ds, ptrs, maxl + 1);
  }
done:
  enn_free(ds->alloc, lab);
  return st;
}
