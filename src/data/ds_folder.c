/*
 * Image folders: DIR/<class>/<image>, PNG / JPEG / BMP.
 *
 * Classes are the sub-folders (hidden ones skipped), sorted by name (byte
 * order); class index = position. When every sub-folder name is a decimal
 * number the number itself is the class index instead (so "0".."10" sort
 * numerically and a folder "281" can hold one ImageNet class), and classes
 * without a folder get their number as name. Inside a class folder the
 * files with an image extension (.png .jpg .jpeg .bmp, any case) are
 * samples, sorted by name; other files are ignored, as are deeper folders.
 * Images are decoded when read; a file stb_image cannot decode fails that
 * read with a message naming it.
 */
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#define FOLDER_MAX_CLASS 1000000

/* The folder name as a class number, or -1. */
static int32_t numeric_name(const char *s) {
  if (!*s) return -1;
  int32_t v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v >= FOLDER_MAX_CLASS) return -1;
  }
  return v;
}

enn_status enn_data_open_folder(enn_dataset *ds, const char *dir, bool split_explicit) {
  char *sdir = NULL;
  enn_status st = enn_data_split_dir(ds, dir, split_explicit, &sdir);
  if (st) return st;
  ds->dir = sdir;
  char **classes = NULL;
  int32_t nc = 0;
  if ((st = enn_data_list_dir(sdir, true, ds->alloc, &classes, &nc))) return st;
  if (nc == 0) {
    enn_data_free_list(ds->alloc, classes, nc);
    return enn_err(ENN_ERR_NOT_FOUND, "folder: '%s' has no class sub-folders (expected DIR/<class>/<image>)", sdir);
  }
  /* class index of each sub-folder */
  int32_t *idx = enn_alloc(ds->alloc, (size_t)nc * sizeof *idx);
  if (!idx) {
    enn_data_free_list(ds->alloc, classes, nc);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  }
  bool numeric = true;
  int32_t n_classes = nc;
  for (int32_t k = 0; k < nc && numeric; k++) numeric = numeric_name(classes[k]) >= 0;
  if (numeric) {
    n_classes = 0;
    for (int32_t k = 0; k < nc; k++) {
      idx[k] = numeric_name(classes[k]);
      if (idx[k] + 1 > n_classes) n_classes = idx[k] + 1;
      for (int32_t j = 0; j < k; j++)
        if (idx[j] == idx[k]) {
          st = enn_err(ENN_ERR_BAD_FORMAT, "folder: '%s': sub-folders '%s' and '%s' are the same class number %d", sdir,
                       classes[j], classes[k], idx[k]);
          goto done;
        }
    }
  } else {
    for (int32_t k = 0; k < nc; k++) idx[k] = k;
  }
  ds->class_names = enn_alloc(ds->alloc, (size_t)n_classes * sizeof *ds->class_names);
  if (!ds->class_names) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  ds->n_classes = n_classes;
  for (int32_t k = 0; k < nc; k++)
    if (!(ds->class_names[idx[k]] = enn_strdup(ds->alloc, classes[k]))) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  for (int32_t c = 0; c < n_classes; c++) {
    if (ds->class_names[c]) continue;
    char num[16];
    snprintf(num, sizeof num, "%d", c);
    if (!(ds->class_names[c] = enn_strdup(ds->alloc, num))) {
      st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
  /* samples */
  int32_t cap = 0, lcap = 0, count = 0;
  char cdir[4096], path[4096];
  for (int32_t k = 0; k < nc && !st; k++) {
    if (!enn_data_join(cdir, sizeof cdir, sdir, classes[k])) {
      st = enn_err(ENN_ERR_INVALID_ARG, "folder: path too long in '%s'", sdir);
      break;
    }
    char **files = NULL;
    int32_t nf = 0;
    if ((st = enn_data_list_dir(cdir, false, ds->alloc, &files, &nf))) break;
    for (int32_t f = 0; f < nf && !st; f++) {
      if (!enn_image_is_image_path(files[f])) continue;
      if (!enn_data_join(path, sizeof path, cdir, files[f])) {
        st = enn_err(ENN_ERR_INVALID_ARG, "folder: path too long in '%s'", cdir);
        break;
      }
      if ((st = enn_grow(ds->alloc, (void **)&ds->paths, &cap, count + 1, sizeof *ds->paths))) break;
      if ((st = enn_grow(ds->alloc, (void **)&ds->labels, &lcap, count + 1, sizeof *ds->labels))) break;
      if (!(ds->paths[count] = enn_strdup(ds->alloc, path))) {
        st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
        break;
      }
      ds->labels[count] = idx[k];
      count++;
      ds->count = count;
    }
    enn_data_free_list(ds->alloc, files, nf);
  }
  if (!st && count == 0)
    st = enn_err(ENN_ERR_NOT_FOUND, "folder: the class sub-folders of '%s' hold no .png/.jpg/.jpeg/.bmp images", sdir);
done:
  enn_free(ds->alloc, idx);
  enn_data_free_list(ds->alloc, classes, nc);
  return st;
}
