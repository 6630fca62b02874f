/*
 * Image decoding (PNG, JPEG, BMP, and whatever else stb_image reads) with
 * the system's stb_image (Debian libstb-dev: header + libstb.so; not
 * vendored).
 *
 * Pixels come out 8-bit HWC: gray and gray+alpha images as 1 channel,
 * everything else as 3 (alpha dropped, 16-bit samples reduced to 8 by
 * stb). The file is read by us (so I/O errors are reported as such), then
 * decoded from memory; sizes are bounded (each side <= 32768, at most 2^28
 * pixels) before decoding. stb's failure reason is put in the message
 * together with the file name.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/base.h"
#include "data/data_internal.h"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <stb/stb_image.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#define IMG_MAX_SIDE 32768
#define IMG_MAX_PIXELS ((int64_t)1 << 28)
#define IMG_MAX_FILE ((size_t)1 << 30)

int enn_image_is_image_path(const char *path) {
  if (!path) return 0;
  const char *dot = strrchr(path, '.');
  if (!dot || strchr(dot, '/')) return 0;
  static const char *const ext[] = {".png", ".jpg", ".jpeg", ".bmp"};
  for (size_t i = 0; i < ENN_ARRAY_LEN(ext); i++) {
    size_t n = strlen(ext[i]);
    if (strlen(dot) != n) continue;
    size_t k = 0;
    while (k < n && tolower((unsigned char)dot[k]) == ext[i][k]) k++;
    if (k == n) return 1;
  }
  return 0;
}

static enn_status check_dims(const char *name, int w, int h) {
  if (w <= 0 || h <= 0 || w > IMG_MAX_SIDE || h > IMG_MAX_SIDE || (int64_t)w * h > IMG_MAX_PIXELS)
    return enn_err(ENN_ERR_UNSUPPORTED, "'%s': image size %dx%d is outside the supported range (sides <= %d, <= %lld pixels)",
                   name, w, h, IMG_MAX_SIDE, (long long)IMG_MAX_PIXELS);
  return ENN_OK;
}

static void fill_info(enn_sample_info *info, int w, int h, int comp) {
  memset(info, 0, sizeof *info);
  info->h = h;
  info->w = w;
  info->c = comp <= 2 ? 1 : 3;
  info->dtype = ENN_DTYPE_U8;
  info->scale = 1.0f;
  info->zero_point = 0;
  info->label = -1;
}

enn_status enn_data_image_info(const char *path, enn_sample_info *info) {
  FILE *f = fopen(path, "rb");
  if (!f) return enn_err(ENN_ERR_IO, "cannot open image '%s'", path);
  int w = 0, h = 0, comp = 0;
  int ok = stbi_info_from_file(f, &w, &h, &comp);
  fclose(f);
  if (!ok) {
    const char *why = stbi_failure_reason();
    return enn_err(ENN_ERR_BAD_FORMAT, "'%s': not a readable image (%s)", path, why ? why : "unknown format");
  }
  enn_status st = check_dims(path, w, h);
  if (st) return st;
  fill_info(info, w, h, comp);
  return ENN_OK;
}

enn_status enn_image_decode(const void *data, size_t size, const char *name, const enn_allocator *alloc,
                            enn_sample_info *info, uint8_t **pixels) {
  if (!pixels || !info) return enn_err(ENN_ERR_INVALID_ARG, "enn_image_decode: NULL argument");
  *pixels = NULL;
  if (!name) name = "(memory)";
  if (!data || size == 0) return enn_err(ENN_ERR_BAD_FORMAT, "'%s': empty image file", name);
  if (size > (size_t)0x7fffffff) return enn_err(ENN_ERR_UNSUPPORTED, "'%s': image file too large", name);
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(data, (int)size, &w, &h, &comp)) {
    const char *why = stbi_failure_reason();
    return enn_err(ENN_ERR_BAD_FORMAT, "'%s': not a readable image (%s)", name, why ? why : "unknown format");
  }
  enn_status st = check_dims(name, w, h);
  if (st) return st;
  fill_info(info, w, h, comp);
  int dw = 0, dh = 0, dc = 0;
  stbi_uc *px = stbi_load_from_memory(data, (int)size, &dw, &dh, &dc, info->c);
  if (!px) {
    const char *why = stbi_failure_reason();
    return enn_err(ENN_ERR_BAD_FORMAT, "'%s': cannot decode image (%s)", name, why ? why : "corrupt data");
  }
  if (dw != w || dh != h) {
    stbi_image_free(px);
    return enn_err(ENN_ERR_BAD_FORMAT, "'%s': decoded size %dx%d differs from the header's %dx%d", name, dw, dh, w, h);
  }
  size_t n = (size_t)w * (size_t)h * (size_t)info->c;
  uint8_t *out = enn_alloc_aligned(alloc, n, ENN_ALIGN);
  if (!out) {
    stbi_image_free(px);
    return enn_err(ENN_ERR_NO_MEMORY, "'%s': out of memory (%zu bytes)", name, n);
  }
  memcpy(out, px, n);
  stbi_image_free(px);
  *pixels = out;
  return ENN_OK;
}

enn_status enn_image_load(const char *path, const enn_allocator *alloc, enn_sample_info *info, uint8_t **pixels) {
  if (!path || !pixels || !info) return enn_err(ENN_ERR_INVALID_ARG, "enn_image_load: NULL argument");
  *pixels = NULL;
  uint8_t *raw = NULL;
  size_t n = 0;
  enn_status st = enn_data_load_file(path, alloc, 0, IMG_MAX_FILE, &raw, &n);
  if (st) return st;
  st = enn_image_decode(raw, n, path, alloc, info, pixels);
  enn_free(alloc, raw);
  return st;
}

void enn_image_free(const enn_allocator *alloc, uint8_t *pixels) { enn_free(alloc, pixels); }
