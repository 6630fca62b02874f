/*
 * edgenn data I/O: NumPy .npy arrays.
 *
 * Reading accepts format versions 1.0, 2.0 and 3.0 with these descr values
 * (little-endian or byte-sized only):
 *
 *   '<f4' -> ENN_DTYPE_F32     '<f2' -> ENN_DTYPE_F16
 *   '|i1' -> ENN_DTYPE_I8      '|u1' -> ENN_DTYPE_U8
 *   '<i4' -> ENN_DTYPE_I32     '<i8' -> ENN_DTYPE_I64
 *   '<f8' -> ENN_DTYPE_F32     (note: float64 has no edgenn dtype, so the
 *                               values are rounded to the nearest float32;
 *                               precision beyond f32 is lost)
 *
 * The header is parsed strictly: it must be a dict literal with exactly the
 * keys 'descr', 'fortran_order' and 'shape' (any order, each once), shape a
 * tuple of non-negative integers of rank <= ENN_MAX_RANK, terminated by a
 * newline. fortran_order True is refused with ENN_ERR_UNSUPPORTED (edgenn
 * tensors are C order; re-save with numpy.ascontiguousarray). The data must
 * be exactly numel * itemsize bytes: a short file is ENN_ERR_BAD_FORMAT
 * ("truncated"), and so are trailing bytes after the data.
 *
 * Errors: ENN_ERR_IO (open/read/write), ENN_ERR_BAD_FORMAT (malformed),
 * ENN_ERR_UNSUPPORTED (valid .npy that edgenn cannot represent: big-endian,
 * complex, object, Fortran order, rank > 8, ...), ENN_ERR_OVERFLOW (sizes),
 * ENN_ERR_NO_MEMORY. The message (enn_last_error) names the file and field.
 */
#ifndef EDGENN_DATA_H
#define EDGENN_DATA_H

#include "edgenn/edgenn.h"

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* Reads the .npy file at `path`. On success *desc describes the array
 * (quant cleared; rank 0 for a scalar) and *data points to its dense C-order
 * elements, allocated 64-byte aligned from `alloc` (NULL = default); release
 * it with enn_npy_free(alloc, *data). On failure *data is NULL. */
enn_status enn_npy_read(const char *path, const enn_allocator *alloc, enn_tensor_desc *desc, void **data);

/* The same from an in-memory image of a whole .npy file (the fuzzing
 * entry point). `buf` is only read; nothing is borrowed from it. */
enn_status enn_npy_read_buffer(const void *buf, size_t size, const enn_allocator *alloc, enn_tensor_desc *desc,
                               void **data);

/* Frees data returned by enn_npy_read / enn_npy_read_buffer /
 * enn_npy_write_buffer (alloc must be the one passed there). NULL is a no-op. */
void enn_npy_free(const enn_allocator *alloc, void *data);

/* Writes `data` (dense C order, enn_tensor_desc_bytes(desc) bytes; may be
 * NULL when the array is empty) as a version 1.0 .npy file with numpy.save's
 * header text ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"),
 * space padded and newline terminated so the data starts at offset 64*k.
 * Atomic: the bytes go to a temporary file in the same directory that is
 * renamed over `path` only after a successful write (and fsync), so readers
 * see the old file or the complete new one, never a partial one; on failure
 * the temporary file is removed. desc->quant is ignored (.npy has no place
 * for it). */
enn_status enn_npy_write(const char *path, const enn_tensor_desc *desc, const void *data);

/* Serialises into a buffer from `alloc` (NULL = default); release it with
 * enn_npy_free(alloc, *out). */
enn_status enn_npy_write_buffer(const enn_tensor_desc *desc, const void *data, const enn_allocator *alloc, void **out,
                                size_t *size);

/* The .npy descr string for a dtype ("<f4"), or NULL if it has none. */
const char *enn_npy_descr(enn_dtype t);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
