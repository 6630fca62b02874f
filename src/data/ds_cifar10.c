/*
 * CIFAR-10 binary batches.
 *
 * Each batch file holds records of 3073 bytes: a label byte (0..9), then the
 * 32x32 red plane, the green plane and the blue plane (row-major). The
 * train split is data_batch_1..5.bin, the test split test_batch.bin; each
 * may instead be stored as <name>.xz (decompressed in memory once). The
 * folder given may be cifar-10-batches-bin itself or its parent.
 *
 * At open every file is loaded and checked (a whole number of records,
 * labels in range) and the planes are interleaved into HWC order, so
 * reading a sample is a copy. Class names come from batches.meta.txt when
 * the folder has it (the official archive does), else the standard list.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#define CIFAR_SIDE 32
#define CIFAR_PLANE (CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_PIXELS (3 * CIFAR_PLANE)
#define CIFAR_RECORD (1 + CIFAR_PIXELS)
#define CIFAR_BATCH_BYTES ((size_t)10000 * CIFAR_RECORD)
#define CIFAR_MAX_FILE ((size_t)1 << 31)

static const char *const cifar_names[10] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                            "dog",      "frog",       "horse", "ship", "truck"};

static bool has_batches(const char *dir) {
  static const char *const xz[] = {".xz", NULL};
  char buf[4096];
  return enn_data_find(buf, sizeof buf, dir, "test_batch.bin", xz) ||
         enn_data_find(buf, sizeof buf, dir, "data_batch_1.bin", xz);
}

/* Class names from batches.meta.txt (10 non-empty lines), if present. */
static enn_status read_meta_names(enn_dataset *ds, const char *dir, bool *done) {
  *done = false;
  char path[4096];
  if (!enn_data_join(path, sizeof path, dir, "batches.meta.txt") || !enn_data_is_file(path)) return ENN_OK;
  uint8_t *txt = NULL;
  size_t n = 0;
  enn_status st = enn_data_load_file(path, ds->alloc, 0, 1u << 20, &txt, &n);
  if (st) return st;
  char names[10][64];
  int cnt = 0;
  size_t i = 0;
  while (i < n && cnt <= 10) {
    size_t j = i;
    while (j < n && txt[j] != '\n') j++;
    size_t e = j;
    while (e > i && (txt[e - 1] == '\r' || txt[e - 1] == ' ')) e--;
    if (e > i) {
      if (cnt == 10) {
        cnt++;
        break;
      }
      size_t l = e - i < 63 ? e - i : 63;
      memcpy(names[cnt], txt + i, l);
      names[cnt][l] = '\0';
      cnt++;
    }
    i = j + 1;
  }
  enn_free(ds->alloc, txt);
  if (cnt != 10) return enn_err(ENN_ERR_BAD_FORMAT, "'%s': expected 10 class names, found %s%d", path, cnt > 10 ? "more than " : "", cnt > 10 ? 10 : cnt);
  const char *ptrs[10];
  for (int k = 0; k < 10; k++) ptrs[k] = names[k];
  *done = true;
  return enn_data_set_class_names(ds, ptrs, 10);
}

enn_status enn_data_open_cifar10(enn_dataset *ds, const char *dir, bool split_explicit) {
  ENN_UNUSED(split_explicit);
  static const char *const xz[] = {".xz", NULL};
  char bdir[4096];
  if (has_batches(dir)) snprintf(bdir, sizeof bdir, "%s", dir);
  else if (!enn_data_join(bdir, sizeof bdir, dir, "cifar-10-batches-bin") || !has_batches(bdir))
    return enn_err(ENN_ERR_NOT_FOUND,
                   "cifar10: '%s' has no CIFAR-10 batches (test_batch.bin / data_batch_N.bin, optionally .xz), "
                   "neither directly nor in cifar-10-batches-bin/",
                   dir);
  const bool train = ds->split == ENN_SPLIT_TRAIN;
  const int n_files = train ? 5 : 1;
  char paths[5][4096];
  for (int f = 0; f < n_files; f++) {
    char name[32];
    if (train) snprintf(name, sizeof name, "data_batch_%d.bin", f + 1);
    else snprintf(name, sizeof name, "test_batch.bin");
    if (!enn_data_find(paths[f], sizeof paths[f], bdir, name, xz))
      return enn_err(ENN_ERR_NOT_FOUND, "cifar10: '%s' has no %s or %s.xz (needed for the %s split)", bdir, name, name,
                     train ? "train" : "test");
  }
  if (!(ds->dir = enn_strdup(ds->alloc, bdir))) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");

  uint8_t *bufs[5] = {0};
  size_t sizes[5] = {0};
  enn_status st = ENN_OK;
  size_t records = 0;
  /* Files are loaded one at a time, checked, interleaved into the blob
   * (sized for 10000 records per batch, grown if a batch is larger) and
   * freed, so the peak is the blob plus one batch. */
  size_t cap_records = 0;
  for (int f = 0; f < n_files && !st; f++) {
    if ((st = enn_data_load_file(paths[f], ds->alloc, CIFAR_BATCH_BYTES, CIFAR_MAX_FILE, &bufs[f], &sizes[f]))) break;
    if (sizes[f] == 0 || sizes[f] % CIFAR_RECORD != 0) {
      st = enn_err(ENN_ERR_BAD_FORMAT,
                   "'%s': %zu bytes is not a whole number of %d-byte CIFAR-10 records (truncated or not a batch file)",
                   paths[f], sizes[f], CIFAR_RECORD);
      break;
    }
    size_t nrec = sizes[f] / CIFAR_RECORD;
    const uint8_t *src = bufs[f];
    for (size_t r = 0; r < nrec; r++)
      if (src[r * CIFAR_RECORD] > 9) {
        st = enn_err(ENN_ERR_BAD_FORMAT, "'%s': record %zu has label %u (CIFAR-10 labels are 0..9)", paths[f], r,
                     (unsigned)src[r * CIFAR_RECORD]);
        break;
      }
    if (st) break;
    /* grow the pixel blob and label array */
    if (records + nrec > cap_records) {
      size_t want = records + nrec;
      if (want < (size_t)n_files * 10000u) want = (size_t)n_files * 10000u;
      uint8_t *nb = enn_alloc_aligned(ds->alloc, want * CIFAR_PIXELS, ENN_ALIGN);
      int32_t *nl = enn_alloc(ds->alloc, want * sizeof *nl);
      if (!nb || !nl) {
        enn_free(ds->alloc, nb);
        enn_free(ds->alloc, nl);
        st = enn_err(ENN_ERR_NO_MEMORY, "cifar10: out of memory (%zu records)", want);
        break;
      }
      if (ds->blob) memcpy(nb, ds->blob, records * CIFAR_PIXELS);
      if (ds->labels) memcpy(nl, ds->labels, records * sizeof *nl);
      enn_free(ds->alloc, ds->blob);
      enn_free(ds->alloc, ds->labels);
      ds->blob = nb;
      ds->labels = nl;
      cap_records = want;
    }
    for (size_t r = 0; r < nrec; r++) {
      const uint8_t *rec = src + r * CIFAR_RECORD;
      uint8_t *o = ds->blob + (records + r) * CIFAR_PIXELS;
      ds->labels[records + r] = rec[0];
      for (int p = 0; p < CIFAR_PLANE; p++) {
        o[3 * p + 0] = rec[1 + p];
        o[3 * p + 1] = rec[1 + CIFAR_PLANE + p];
        o[3 * p + 2] = rec[1 + 2 * CIFAR_PLANE + p];
      }
    }
    records += nrec;
    enn_free(ds->alloc, bufs[f]);
    bufs[f] = NULL;
  }
  for (int f = 0; f < n_files; f++) enn_free(ds->alloc, bufs[f]);
  if (st) return st;
  ds->pixels = ds->blob;
  ds->count = (int64_t)records;
  ds->sample_bytes = CIFAR_PIXELS;
  ds->h = ds->w = CIFAR_SIDE;
  ds->c = 3;
  ds->dtype = ENN_DTYPE_U8;
  ds->scale = 1.0f;
  ds->zero_point = 0;
  bool named = false;
  if ((st = read_meta_names(ds, bdir, &named))) return st;
  if (!named) st = enn_data_set_class_names(ds, cifar_names, 10);
  return st;
}
