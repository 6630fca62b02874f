/*
 * MLPerf Tiny keyword-spotting feature files (EEMBC kws01 layout).
 *
 * Each sample is one file "<anything>_<label>.bin" of exactly 490 int8
 * values: 49 frames x 10 MFCC coefficients, already quantised with the
 * reference int8 model's input parameters (scale 0.5847029, zero point 83;
 * the files were written by the MLPerf reference scripts as
 * int8(features / scale + zero_point), i.e. truncated). Samples are HWC
 * 49x10x1 int8 with those parameters, so an int8 model takes them as they
 * are and a float model their dequantised values. Other files in the
 * folder (y_labels.csv, ...) are ignored; every .bin file must have the
 * size and a numeric label, or the open fails naming it. Files are sorted
 * by name and loaded at open (1000 files = 490 kB).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#define KWS_FRAMES 49
#define KWS_COEFFS 10
#define KWS_BYTES (KWS_FRAMES * KWS_COEFFS)
#define KWS_SCALE 0.5847029089927673f
#define KWS_ZERO_POINT 83
#define KWS_MAX_LABEL 9999

static const char *const kws_names[12] = {"Down", "Go", "Left", "No",  "Off",     "On",
                                          "Right", "Stop", "Up", "Yes", "Silence", "Unknown"};

/* The number between the last '_' and ".bin"; -1 if there is none. */
static int32_t parse_label(const char *name) {
  size_t n = strlen(name);
  if (n < 5 || strcmp(name + n - 4, ".bin") != 0) return -1;
  const char *us = strrchr(name, '_');
  if (!us) return -1;
  const char *p = us + 1, *end = name + n - 4;
  if (p == end) return -1;
  int32_t v = 0;
  for (; p < end; p++) {
    if (*p < '0' || *p > '9') return -1;
    v = v * 10 + (*p - '0');
    if (v > KWS_MAX_LABEL) return -1;
  }
  return v;
}

static bool is_bin(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".bin") == 0;
}

enn_status enn_data_open_kws(enn_dataset *ds, const char *dir, bool split_explicit) {
  char *sdir = NULL;
  enn_status st = enn_data_split_dir(ds, dir, split_explicit, &sdir);
  if (st) return st;
  ds->dir = sdir;
  char **files = NULL;
  int32_t nf = 0;
  if ((st = enn_data_list_dir(sdir, false, ds->alloc, &files, &nf))) return st;
  int32_t nbin = 0;
  for (int32_t i = 0; i < nf; i++) nbin += is_bin(files[i]);
  if (nbin == 0) {
    enn_data_free_list(ds->alloc, files, nf);
    return enn_err(ENN_ERR_NOT_FOUND, "kws: '%s' has no .bin feature files", sdir);
  }
  ds->blob = enn_alloc_aligned(ds->alloc, (size_t)nbin * KWS_BYTES, ENN_ALIGN);
  ds->labels = enn_alloc(ds->alloc, (size_t)nbin * sizeof *ds->labels);
  if (!ds->blob || !ds->labels) {
    enn_data_free_list(ds->alloc, files, nf);
    return enn_err(ENN_ERR_NO_MEMORY, "kws: out of memory (%d files)", nbin);
  }
  int32_t k = 0, maxl = 11;
  char path[4096];
  for (int32_t i = 0; i < nf && !st; i++) {
    if (!is_bin(files[i])) continue;
    if (!enn_data_join(path, sizeof path, sdir, files[i])) {
      st = enn_err(ENN_ERR_INVALID_ARG, "kws: path too long in '%s'", sdir);
      break;
    }
    int32_t label = parse_label(files[i]);
    if (label < 0) {
      st = enn_err(ENN_ERR_BAD_FORMAT, "kws: '%s': no label in the file name (expected NAME_<label>.bin)", path);
      break;
    }
    uint8_t *buf = NULL;
    size_t n = 0;
    if ((st = enn_data_load_file(path, ds->alloc, 0, 1u << 20, &buf, &n))) break;
    if (n != KWS_BYTES)
      st = enn_err(ENN_ERR_BAD_FORMAT, "kws: '%s' is %zu bytes; a feature file is %d (49x10 int8)", path, n, KWS_BYTES);
    else memcpy(ds->blob + (size_t)k * KWS_BYTES, buf, KWS_BYTES);
    enn_free(ds->alloc, buf);
    ds->labels[k++] = label;
    if (label > maxl) maxl = label;
  }
  enn_data_free_list(ds->alloc, files, nf);
  if (st) return st;
  ds->pixels = ds->blob;
  ds->count = k;
  ds->sample_bytes = KWS_BYTES;
  ds->h = KWS_FRAMES;
  ds->w = KWS_COEFFS;
  ds->c = 1;
  ds->dtype = ENN_DTYPE_I8;
  ds->scale = KWS_SCALE;
  ds->zero_point = KWS_ZERO_POINT;
  /* the 12 MLPerf classes, then numbers for any larger label */
  int32_t nc = maxl + 1;
  ds->class_names = enn_alloc(ds->alloc, (size_t)nc * sizeof *ds->class_names);
  if (!ds->class_names) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t c = 0; c < nc; c++) {
    char num[16];
    snprintf(num, sizeof num, "%d", c);
    ds->class_names[c] = enn_strdup(ds->alloc, c < 12 ? kws_names[c] : num);
    if (!ds->class_names[c]) {
      ds->n_classes = c;
      return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    }
    ds->n_classes = c + 1;
  }
  return ENN_OK;
}
