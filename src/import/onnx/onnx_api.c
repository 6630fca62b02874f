/*
 * Public entry points of the ONNX importer (include/edgenn/import.h): file
 * reading, model import, and the TensorProto (.pb) tensor reader used by
 * `edgenn verify` and `edgenn run`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "edgenn/data.h"
#include "import/onnx/onnx_import.h"

enn_status enn_import_read_file(const char *path, const enn_allocator *alloc, const char *what, void **data,
                                size_t *size) {
  *data = NULL;
  *size = 0;
  if (!path) return enn_err(ENN_ERR_INVALID_ARG, "%s: path is NULL", what);
  FILE *f = fopen(path, "rb");
  if (!f) return enn_err(ENN_ERR_IO, "cannot open %s '%s': %s", what, path, strerror(errno));
  struct stat sb;
  if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
    fclose(f);
    return enn_err(ENN_ERR_IO, "%s '%s' is not a regular file", what, path);
  }
  const size_t n = (size_t)sb.st_size;
  void *buf = enn_alloc_aligned(alloc, n ? n : 1, 64);
  if (!buf) {
    fclose(f);
    return enn_err(ENN_ERR_NO_MEMORY, "out of memory reading %s '%s' (%zu bytes)", what, path, n);
  }
  const size_t got = n ? fread(buf, 1, n, f) : 0;
  const int err = ferror(f);
  fclose(f);
  if (got != n || err) {
    enn_free(alloc, buf);
    return enn_err(ENN_ERR_IO, "cannot read %s '%s'", what, path);
  }
  *data = buf;
  *size = n;
  return ENN_OK;
}

enn_status enn_onnx_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out) {
  return enn_onnx_load_ex(data, size, NULL, alloc, out);
}

enn_status enn_onnx_load_file_ex(const char *path, const enn_onnx_options *o, const enn_allocator *alloc,
                                 enn_graph **out) {
  if (out) *out = NULL;
  void *buf;
  size_t size;
  enn_status st = enn_import_read_file(path, alloc, "ONNX model", &buf, &size);
  if (st) return st;
  st = enn_onnx_load_ex(buf, size, o, alloc, out);
  enn_free(alloc, buf);
  if (st) return enn_err_prefix(st, "%s", path);
  return ENN_OK;
}

enn_status enn_onnx_load(const char *path, const enn_allocator *alloc, enn_graph **out) {
  return enn_onnx_load_file_ex(path, NULL, alloc, out);
}

enn_status enn_onnx_load_bound(const char *path, const enn_onnx_binding *bind, int32_t n_bind,
                               const enn_allocator *alloc, enn_graph **out) {
  if (n_bind < 0 || (n_bind && !bind)) return enn_err(ENN_ERR_INVALID_ARG, "enn_onnx_load_bound: bad bindings");
  enn_onnx_options o;
  enn_onnx_options_init(&o);
  o.bind = bind;
  o.n_bind = n_bind;
  return enn_onnx_load_file_ex(path, &o, alloc, out);
}

/* ------------------------------------------------------------ TensorProto */
enn_status enn_onnx_read_tensor_pb(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                                   void **data, const char **name, int32_t *onnx_dtype) {
  if (!desc || !data) return enn_err(ENN_ERR_INVALID_ARG, "enn_tensor_pb_read: NULL argument");
  *data = NULL;
  if (name) *name = NULL;
  if (!buf && size) return enn_err(ENN_ERR_INVALID_ARG, "enn_tensor_pb_read: buffer is NULL");
  ox_arena arena;
  ox_arena_init(&arena, alloc, 0);
  ox_tensor t;
  enn_status st = ox_parse_tensor_buffer(buf ? buf : (const void *)"", size, &arena, &t);
  void *out = NULL;
  if (st) goto done;
  if (onnx_dtype) *onnx_dtype = t.dtype;
  enn_dtype dt;
  switch (t.dtype) {
  case OX_FLOAT: case OX_DOUBLE: dt = ENN_DTYPE_F32; break;
  case OX_FLOAT16: dt = ENN_DTYPE_F16; break;
  case OX_INT8: dt = ENN_DTYPE_I8; break;
  case OX_UINT8: case OX_BOOL: dt = ENN_DTYPE_U8; break;
  case OX_INT32: dt = ENN_DTYPE_I32; break;
  case OX_INT64: dt = ENN_DTYPE_I64; break;
  default:
    st = enn_err(ENN_ERR_UNSUPPORTED, "tensor '%s' has element type %s, which edgenn cannot hold", t.name,
                 ox_dtype_name(t.dtype));
    goto done;
  }
  if (t.rank > ENN_MAX_RANK) {
    st = enn_err(ENN_ERR_UNSUPPORTED, "tensor '%s' has rank %d (at most %d)", t.name, t.rank, ENN_MAX_RANK);
    goto done;
  }
  if (t.numel < 0) {
    st = enn_err(ENN_ERR_BAD_FORMAT, "tensor '%s' has negative or overflowing dims", t.name);
    goto done;
  }
  enn_tensor_desc_init(desc, dt, t.rank, t.dims);
  const size_t esz = ox_dtype_size(t.dtype), nlen = strlen(t.name) + 1;
  size_t bytes, total;
  if (!enn_mul_size((size_t)t.numel, esz, &bytes) || !enn_add_size(bytes, 64 + nlen, &total)) {
    st = enn_err(ENN_ERR_OVERFLOW, "tensor '%s' is too large", t.name);
    goto done;
  }
  if ((st = ox_tensor_check(&t))) goto done;
  /* one block: the elements, then the name */
  out = enn_alloc_aligned(alloc, enn_align_up(total, 64), 64);
  if (!out) {
    st = enn_err(ENN_ERR_NO_MEMORY, "out of memory for tensor '%s' (%zu bytes)", t.name, bytes);
    goto done;
  }
  if ((st = ox_tensor_decode(&t, out))) goto done;
  if (t.dtype == OX_DOUBLE) {
    const double *d = out;
    float *f = out;
    for (int64_t i = 0; i < t.numel; i++) f[i] = (float)d[i]; /* forward in place: f[i] never passes d[i] */
  }
  char *nm = (char *)out + enn_align_up(bytes, 64);
  memcpy(nm, t.name, nlen);
  if (name) *name = nm;
  *data = out;
  out = NULL;
done:
  enn_free(alloc, out);
  ox_arena_free(&arena);
  return st;
}

enn_status enn_tensor_pb_read_buffer(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                                     void **data, const char **name) {
  return enn_onnx_read_tensor_pb(buf, size, alloc, desc, data, name, NULL);
}

enn_status enn_tensor_pb_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data,
                              const char **name) {
  if (data) *data = NULL;
  void *buf;
  size_t size;
  enn_status st = enn_import_read_file(path, alloc, "tensor file", &buf, &size);
  if (st) return st;
  st = enn_tensor_pb_read_buffer(buf, size, alloc, desc, data, name);
  enn_free(alloc, buf);
  if (st) return enn_err_prefix(st, "%s", path);
  return ENN_OK;
}

void enn_tensor_pb_free(const enn_allocator *alloc, void *data) { enn_free(alloc, data); }

enn_status enn_tensor_file_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data) {
  if (!path) return enn_err(ENN_ERR_INVALID_ARG, "enn_tensor_file_read: path is NULL");
  const size_t n = strlen(path);
  if (n > 3 && strcmp(path + n - 3, ".pb") == 0) return enn_tensor_pb_read(path, alloc, desc, data, NULL);
  return enn_npy_read(path, alloc, desc, data);
}
