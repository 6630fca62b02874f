/*
 * Dataset handles: SPEC parsing, dispatch to the kind readers, accessors
 * and sample reads.
 *
 * SPEC is "KIND:DIR[,split=train|test]". Options are peeled off the end of
 * the string (",split=..." as long as the tail has that form), so a folder
 * name may itself contain commas. Readers fill the handle: memory-resident
 * kinds (cifar10, mnist, kws) leave count records of sample_bytes HWC
 * values at ds->pixels; the folder kind leaves one path per sample and
 * decodes on read.
 */
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#define SPEC_MAX 4096

enn_status enn_data_set_class_names(enn_dataset *ds, const char *const *names, int32_t n) {
  ds->class_names = enn_alloc(ds->alloc, (size_t)(n > 0 ? n : 1) * sizeof *ds->class_names);
  if (!ds->class_names) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  for (int32_t i = 0; i < n; i++) {
    ds->class_names[i] = enn_strdup(ds->alloc, names[i]);
    if (!ds->class_names[i]) {
      ds->n_classes = i;
      return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    }
  }
  ds->n_classes = n;
  return ENN_OK;
}

enn_status enn_data_split_dir(enn_dataset *ds, const char *dir, bool split_explicit, char **out) {
  *out = NULL;
  char buf[SPEC_MAX];
  const char *cands[2] = {ds->split == ENN_SPLIT_TRAIN ? "train" : "test", ds->split == ENN_SPLIT_TRAIN ? NULL : "val"};
  for (int i = 0; i < 2; i++) {
    if (!cands[i]) continue;
    if (!enn_data_join(buf, sizeof buf, dir, cands[i]))
      return enn_err(ENN_ERR_INVALID_ARG, "%s: folder name too long", ds->kind);
    if (enn_data_is_dir(buf)) {
      *out = enn_strdup(ds->alloc, buf);
      return *out ? ENN_OK : enn_err(ENN_ERR_NO_MEMORY, "out of memory");
    }
  }
  if (split_explicit)
    return enn_err(ENN_ERR_NOT_FOUND, "%s: split=%s was asked for but '%s' has no '%s' sub-folder%s", ds->kind,
                   cands[0], dir, cands[0], ds->split == ENN_SPLIT_TEST ? " (nor 'val')" : "");
  *out = enn_strdup(ds->alloc, dir);
  return *out ? ENN_OK : enn_err(ENN_ERR_NO_MEMORY, "out of memory");
}

/* ------------------------------------------------------------- open */
enn_status enn_dataset_open(const char *spec, enn_split default_split, const enn_allocator *alloc,
                            enn_dataset **out) {
  if (!out) return enn_err(ENN_ERR_INVALID_ARG, "enn_dataset_open: out is NULL");
  *out = NULL;
  if (!spec) return enn_err(ENN_ERR_INVALID_ARG, "enn_dataset_open: spec is NULL");
  if (default_split != ENN_SPLIT_TRAIN && default_split != ENN_SPLIT_TEST)
    return enn_err(ENN_ERR_INVALID_ARG, "enn_dataset_open: bad default split %d", (int)default_split);
  const char *colon = strchr(spec, ':');
  if (!colon || colon == spec)
    return enn_err(ENN_ERR_INVALID_ARG,
                   "dataset spec '%s': expected KIND:DIR[,split=train|test] with KIND cifar10, mnist, folder or kws",
                   spec);
  size_t kl = (size_t)(colon - spec);
  static const char *const kinds[] = {"cifar10", "mnist", "folder", "kws"};
  int kind = -1;
  for (int i = 0; i < 4; i++)
    if (strlen(kinds[i]) == kl && strncmp(spec, kinds[i], kl) == 0) kind = i;
  if (kind < 0)
    return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': unknown kind '%.*s' (cifar10, mnist, folder, kws)", spec,
                   (int)kl, spec);
  char dir[SPEC_MAX];
  if (strlen(colon + 1) >= sizeof dir) return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': too long", spec);
  strcpy(dir, colon + 1);
  enn_split split = default_split;
  bool explicit_split = false;
  for (;;) { /* peel ",key=value" options off the end */
    char *comma = strrchr(dir, ',');
    if (!comma) break;
    const char *opt = comma + 1;
    if (strncmp(opt, "split=", 6) != 0) {
      if (strchr(opt, '=') && !strchr(opt, '/'))
        return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': unknown option '%s' (only split=train|test)", spec, opt);
      break;
    }
    if (explicit_split) return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': split given twice", spec);
    if (strcmp(opt + 6, "train") == 0) split = ENN_SPLIT_TRAIN;
    else if (strcmp(opt + 6, "test") == 0) split = ENN_SPLIT_TEST;
    else return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': split must be train or test, not '%s'", spec, opt + 6);
    explicit_split = true;
    *comma = '\0';
  }
  if (!dir[0]) return enn_err(ENN_ERR_INVALID_ARG, "dataset spec '%s': no folder after '%s:'", spec, kinds[kind]);
  if (!enn_data_is_dir(dir)) return enn_err(ENN_ERR_NOT_FOUND, "dataset spec '%s': '%s' is not a folder", spec, dir);

  enn_dataset *ds = enn_alloc(alloc, sizeof *ds);
  if (!ds) return enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  ds->alloc = alloc;
  strcpy(ds->kind, kinds[kind]);
  ds->split = split;
  ds->scale = 1.0f;
  enn_status st;
  switch (kind) {
    case 0: st = enn_data_open_cifar10(ds, dir, explicit_split); break;
    case 1: st = enn_data_open_mnist(ds, dir, explicit_split); break;
    case 2: st = enn_data_open_folder(ds, dir, explicit_split); break;
    default: st = enn_data_open_kws(ds, dir, explicit_split); break;
  }
  if (!st && !ds->dir && !(ds->dir = enn_strdup(alloc, dir))) st = enn_err(ENN_ERR_NO_MEMORY, "out of memory");
  if (!st && ds->count <= 0)
    st = enn_err(ENN_ERR_NOT_FOUND, "%s: '%s' holds no samples", ds->kind, ds->dir ? ds->dir : dir);
  if (st) {
    enn_dataset_close(ds);
    return st;
  }
  *out = ds;
  return ENN_OK;
}

void enn_dataset_close(enn_dataset *ds) {
  if (!ds) return;
  const enn_allocator *a = ds->alloc;
  enn_data_free_list(a, ds->class_names, ds->n_classes);
  if (ds->paths) enn_data_free_list(a, ds->paths, (int32_t)ds->count);
  enn_free(a, ds->labels);
  enn_free(a, ds->blob);
  enn_free(a, ds->dir);
  enn_free(a, ds);
}

/* ------------------------------------------------------- accessors */
const char *enn_dataset_kind(const enn_dataset *ds) { return ds ? ds->kind : ""; }
enn_split enn_dataset_split(const enn_dataset *ds) { return ds ? ds->split : ENN_SPLIT_TEST; }
const char *enn_dataset_dir(const enn_dataset *ds) { return ds && ds->dir ? ds->dir : ""; }
int64_t enn_dataset_count(const enn_dataset *ds) { return ds ? ds->count : 0; }
int32_t enn_dataset_num_classes(const enn_dataset *ds) { return ds ? ds->n_classes : 0; }

const char *enn_dataset_class_name(const enn_dataset *ds, int32_t k) {
  if (!ds || k < 0 || k >= ds->n_classes) return NULL;
  return ds->class_names[k];
}

int32_t enn_dataset_label(const enn_dataset *ds, int64_t i) {
  if (!ds || i < 0 || i >= ds->count) return -1;
  return ds->labels[i];
}

enn_status enn_dataset_info(const enn_dataset *ds, int64_t i, enn_sample_info *info) {
  if (!ds || !info) return enn_err(ENN_ERR_INVALID_ARG, "enn_dataset_info: NULL argument");
  if (i < 0 || i >= ds->count)
    return enn_err(ENN_ERR_INVALID_ARG, "%s: sample %lld out of range (0..%lld)", ds->kind, (long long)i,
                   (long long)ds->count - 1);
  memset(info, 0, sizeof *info);
  info->label = ds->labels[i];
  if (!ds->paths) {
    info->h = ds->h;
    info->w = ds->w;
    info->c = ds->c;
    info->dtype = ds->dtype;
    info->scale = ds->scale;
    info->zero_point = ds->zero_point;
    return ENN_OK;
  }
  enn_status st = enn_data_image_info(ds->paths[i], info);
  info->label = ds->labels[i];
  return st;
}

/* Stored values (HWC, `n` elements of dtype info->dtype) to the requested
 * type: the stored type itself or f32 real values. */
static enn_status convert_out(const enn_dataset *ds, const enn_sample_info *info, const uint8_t *src, size_t n,
                              enn_dtype as, void *buf, size_t cap) {
  if (as == ENN_DTYPE_INVALID || as == info->dtype) {
    if (cap < n) return enn_err(ENN_ERR_INVALID_ARG, "%s: buffer of %zu bytes is too small (%zu)", ds->kind, cap, n);
    memcpy(buf, src, n);
    return ENN_OK;
  }
  if (as != ENN_DTYPE_F32)
    return enn_err(ENN_ERR_UNSUPPORTED, "%s: samples can be read as %s or f32, not %s", ds->kind,
                   enn_dtype_name(info->dtype), enn_dtype_name(as));
  if (cap / sizeof(float) < n)
    return enn_err(ENN_ERR_INVALID_ARG, "%s: buffer of %zu bytes is too small (%zu floats)", ds->kind, cap, n);
  float *o = buf;
  for (size_t k = 0; k < n; k++) {
    int32_t q = info->dtype == ENN_DTYPE_I8 ? (int32_t)(int8_t)src[k] : (int32_t)src[k];
    o[k] = info->scale * (float)(q - info->zero_point);
  }
  return ENN_OK;
}

enn_status enn_dataset_read(const enn_dataset *ds, int64_t i, enn_dtype as, void *buf, size_t cap,
                            enn_sample_info *info) {
  enn_sample_info tmp;
  if (!info) info = &tmp;
  if (!buf) return enn_err(ENN_ERR_INVALID_ARG, "enn_dataset_read: buf is NULL");
  enn_status st = enn_dataset_info(ds, i, info);
  if (st) return st;
  if (!ds->paths) {
    size_t n = (size_t)info->h * (size_t)info->w * (size_t)info->c;
    return convert_out(ds, info, ds->pixels + (size_t)i * ds->sample_bytes, n, as, buf, cap);
  }
  uint8_t *px = NULL;
  enn_sample_info got;
  if ((st = enn_image_load(ds->paths[i], ds->alloc, &got, &px))) return st;
  if (got.h != info->h || got.w != info->w || got.c != info->c) {
    enn_image_free(ds->alloc, px);
    return enn_err(ENN_ERR_IO, "'%s' changed while being read", ds->paths[i]);
  }
  st = convert_out(ds, info, px, (size_t)got.h * (size_t)got.w * (size_t)got.c, as, buf, cap);
  enn_image_free(ds->alloc, px);
  return st;
}
