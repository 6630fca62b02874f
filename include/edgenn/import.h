/*
 * edgenn importers: models from other frameworks into an enn_graph, and
 * their tensor files.
 *
 * ONNX (docs/onnx.md): opsets 1..18 of the default domain for the CNN
 * operator set, plus com.microsoft QLinearAdd / QLinearGlobalAveragePool.
 * The model's NCHW layout is converted to edgenn's NHWC once, at import
 * (weights repacked, transposes only where a layout-sensitive operator
 * needs them); the graph's inputs and outputs keep the shapes and layout
 * the model declares, so a caller feeds NCHW and gets what the exporting
 * framework returns. Symbolic dimensions (a batch "N") become 1.
 * Initializers that are also listed as graph inputs (IR version < 4) are
 * constants. A model edgenn cannot run is refused with ENN_ERR_UNSUPPORTED
 * and one message listing every unsupported node (operator, opset, node
 * name, reason); a malformed file with ENN_ERR_BAD_FORMAT naming the byte
 * offset and message; tensors stored as external data are refused naming
 * the tensor and the external file.
 */
#ifndef EDGENN_IMPORT_H
#define EDGENN_IMPORT_H

#include "edgenn/edgenn.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* --------------------------------------------------------------- ONNX */
/* Imports the .onnx file at path. alloc NULL = default. The graph owns
 * everything it needs (the file is not kept). */
enn_status enn_onnx_load(const char *path, const enn_allocator *alloc, enn_graph **out);
/* The same from a serialized ModelProto in memory (only read; nothing is
 * borrowed from it). */
enn_status enn_onnx_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out);

/* ------------------------------------------------------------- TFLite */
/* Imports a .tflite file (FlatBuffer schema v3, subgraph 0; docs/tflite.md).
 * TFLite is NHWC like edgenn, so shapes are kept. float32, int8 and uint8
 * models: int8 tensors keep their per-tensor / per-axis quantisation;
 * uint8 tensors become int8 (values and zero points - 128, exact) with
 * Quantize nodes at the graph's uint8 inputs and outputs, so the caller
 * still feeds and reads uint8. Constants are copied: the file is not kept.
 * Errors: ENN_ERR_BAD_FORMAT for a malformed file (the message names the
 * table, field and byte offset), ENN_ERR_UNSUPPORTED with one message
 * listing every operator edgenn cannot run (name, operator index, output
 * tensor), ENN_ERR_IO when the file cannot be read. */
enn_status enn_tflite_load(const char *path, const enn_allocator *alloc, enn_graph **out);
/* The same from a .tflite image in memory (read only; nothing is borrowed). */
enn_status enn_tflite_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out);

/* A value for a graph input that is known in advance. */
typedef struct enn_onnx_binding {
  const char *name;            /* the ONNX graph input */
  const enn_tensor_desc *desc; /* its dtype and shape (must match the model's) */
  const void *data;            /* dense elements; only read during the call */
} enn_onnx_binding;
/* As enn_onnx_load, but the inputs in bind[0..n_bind) may be baked in as
 * constants wherever an operator needs a constant (a Reshape's shape,
 * Resize's scales, Clip's bounds, a ConstantOfShape's shape, ...), which
 * specialises the model to those values. Bound inputs stay inputs of the
 * graph (the input list is unchanged; the value fed there at run time is
 * then ignored by the operators that took the constant). The graph's
 * metadata "onnx.bound_inputs" lists the inputs actually baked in
 * (comma-separated). */
enn_status enn_onnx_load_bound(const char *path, const enn_onnx_binding *bind, int32_t n_bind,
                               const enn_allocator *alloc, enn_graph **out);

/* Reads a serialized ONNX TensorProto (the .pb files of the ONNX test
 * suites: test_data_set_N/input_K.pb). Element types map to edgenn's:
 * float -> f32, float16 -> f16, int8 -> i8, uint8 -> u8, bool -> u8 (0/1),
 * int32 -> i32, int64 -> i64, double -> f32 (rounded to nearest; precision
 * beyond f32 is lost); others are ENN_ERR_UNSUPPORTED. On success *desc
 * describes the tensor (quant cleared) and *data holds its dense row-major
 * elements, 64-byte aligned from alloc (NULL = default); free it with
 * enn_tensor_pb_free(alloc, *data). *name (may be NULL) receives the
 * tensor's name, owned by *data's block (valid until it is freed). */
enn_status enn_tensor_pb_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data,
                              const char **name);
enn_status enn_tensor_pb_read_buffer(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                                     void **data, const char **name);
void enn_tensor_pb_free(const enn_allocator *alloc, void *data);

/* Reads a tensor file by its extension: .npy (enn_npy_read) or .pb
 * (enn_tensor_pb_read); free with enn_tensor_pb_free. */
enn_status enn_tensor_file_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
