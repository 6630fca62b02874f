/*
 * Internal entry points of the importers (src/import/). The public API in
 * include/edgenn/import.h wraps these; fuzz targets and tests call them
 * directly to set resource limits.
 */
#ifndef ENN_IMPORT_IMPORT_H
#define ENN_IMPORT_IMPORT_H

#include "edgenn/import.h"
#include "ir/ir.h"

/* ------------------------------------------------------------------ ONNX */
typedef struct enn_onnx_options {
  /* Host memory the importer may use for decoded and folded constants
   * (weights, shape arithmetic, ConstantOfShape results). 0 = default
   * (ENN_ONNX_DEFAULT_HOST_LIMIT). */
  size_t max_host_bytes;
  /* Largest element count of any single tensor (constant or computed). */
  int64_t max_tensor_elems;
  /* graph inputs that may be baked in as constants (enn_onnx_load_bound) */
  const enn_onnx_binding *bind;
  int32_t n_bind;
} enn_onnx_options;

#define ENN_ONNX_DEFAULT_HOST_LIMIT ((size_t)4 << 30)
#define ENN_ONNX_DEFAULT_MAX_ELEMS ((int64_t)1 << 30)

void enn_onnx_options_init(enn_onnx_options *o);

/* Imports a serialized ModelProto (see include/edgenn/import.h). o may be
 * NULL (defaults). */
enn_status enn_onnx_load_ex(const void *data, size_t size, const enn_onnx_options *o, const enn_allocator *alloc,
                            enn_graph **out);
/* The same as enn_onnx_load(path, ...) reading the file first. */
enn_status enn_onnx_load_file_ex(const char *path, const enn_onnx_options *o, const enn_allocator *alloc,
                                 enn_graph **out);

/* Reads a serialized TensorProto; as enn_tensor_pb_read_buffer, plus the
 * ONNX element type of the file (TensorProto.DataType) in *onnx_dtype. */
enn_status enn_onnx_read_tensor_pb(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                                   void **data, const char **name, int32_t *onnx_dtype);

/* ---------------------------------------------------------------- TFLite */
/* BuiltinOperator name of a TFLite operator code ("CONV_2D"); unknown codes
 * are written into buf as "BUILTIN_<n>" (src/import/tflite/tflite_model.c). */
const char *enn_tfl_op_name(int32_t code, char *buf, size_t cap);

/* Reads a whole file into memory from alloc (free with enn_free(alloc, .)).
 * Errors name the path. */
enn_status enn_import_read_file(const char *path, const enn_allocator *alloc, const char *what, void **data,
                                size_t *size);

#endif
