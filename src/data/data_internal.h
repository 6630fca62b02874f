/*
 * Internal interface of the dataset readers (src/data/): the dataset
 * handle's layout, whole-file loading with transparent .xz / .gz
 * decompression, and small path helpers. Host-only code: a microcontroller
 * build leaves src/data out (docs/data.md).
 */
#ifndef ENN_DATA_INTERNAL_H
#define ENN_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edgenn/data.h"

struct enn_dataset {
  const enn_allocator *alloc;
  char kind[16];
  enn_split split;
  char *dir;              /* folder the samples came from */
  int64_t count;
  int32_t n_classes;
  char **class_names;     /* n_classes strings */
  int32_t *labels;        /* count labels */
  /* Memory-resident samples (cifar10, mnist, kws): count records of
   * sample_bytes bytes, HWC, at `pixels` (inside `blob`, which is owned). */
  uint8_t *blob;
  const uint8_t *pixels;
  size_t sample_bytes;
  int32_t h, w, c;
  enn_dtype dtype;
  float scale;
  int32_t zero_point;
  /* Decoded on read (folder): count file paths. */
  char **paths;
};

/* Reads a whole file into memory from alloc. Names ending in ".xz" are
 * decompressed with liblzma, ".gz" with zlib (concatenated streams
 * accepted, trailing garbage / truncation refused). expect_hint is the
 * expected decompressed size (0 = unknown), used only to size the buffer.
 * max_bytes bounds the (decompressed) result. Errors name `path`. */
enn_status enn_data_load_file(const char *path, const enn_allocator *alloc, size_t expect_hint, size_t max_bytes,
                              uint8_t **out, size_t *size);

/* Decompressors on memory buffers (exposed for tests and fuzzing). `name`
 * is used in messages. */
enn_status enn_data_xz_decode(const uint8_t *in, size_t n, const char *name, const enn_allocator *alloc,
                              size_t expect_hint, size_t max_bytes, uint8_t **out, size_t *size);
enn_status enn_data_gz_decode(const uint8_t *in, size_t n, const char *name, const enn_allocator *alloc,
                              size_t expect_hint, size_t max_bytes, uint8_t **out, size_t *size);

/* dir + "/" + name into buf; false if it does not fit. */
bool enn_data_join(char *buf, size_t cap, const char *dir, const char *name);
bool enn_data_is_file(const char *path);
bool enn_data_is_dir(const char *path);
/* Finds dir/name, else dir/name + one of the suffixes (NULL-terminated),
 * into buf. Returns false if none exists. */
bool enn_data_find(char *buf, size_t cap, const char *dir, const char *name, const char *const *suffixes);

/* Kind readers: fill ds (kind, dir, split already set; alloc set). */
enn_status enn_data_open_cifar10(enn_dataset *ds, const char *dir, bool split_explicit);
enn_status enn_data_open_mnist(enn_dataset *ds, const char *dir, bool split_explicit);
enn_status enn_data_open_folder(enn_dataset *ds, const char *dir, bool split_explicit);
enn_status enn_data_open_kws(enn_dataset *ds, const char *dir, bool split_explicit);

/* Image header (stb_image's info): h, w and the channel count enn_image_load
 * delivers (1 or 3); dtype U8, scale 1. Errors name the file. */
enn_status enn_data_image_info(const char *path, enn_sample_info *info);

/* Sets ds->class_names from a NULL-terminated list (copied). */
enn_status enn_data_set_class_names(enn_dataset *ds, const char *const *names, int32_t n);

/* Directory entries of `dir`, sorted by strcmp, hidden names skipped;
 * want_dirs selects sub-folders or regular files. The array and strings
 * come from alloc; free with enn_data_free_list. */
enn_status enn_data_list_dir(const char *dir, bool want_dirs, const enn_allocator *alloc, char ***out, int32_t *n);
void enn_data_free_list(const enn_allocator *alloc, char **list, int32_t n);

/* Picks the folder of a split for kinds without a built-in split (folder,
 * kws): dir/train or dir/test (dir/val) when present, else dir itself
 * unless the split was explicit. *out is from ds->alloc. */
enn_status enn_data_split_dir(enn_dataset *ds, const char *dir, bool split_explicit, char **out);

#endif
