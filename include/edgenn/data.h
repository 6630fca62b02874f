/*
 * edgenn data I/O: NumPy .npy arrays (below), labelled datasets, image
 * decoding and sample preprocessing (further down; docs/data.md). The
 * dataset / image / preprocessing parts are host-only (liblzma, zlib,
 * stb_image) and not part of a microcontroller build.
 *
 * .npy:
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

/* --------------------------------------------------------------- datasets
 * Labelled sample collections for evaluation, calibration and training
 * (docs/data.md). A dataset is opened from a SPEC string
 *
 *   KIND:DIR[,split=train|test]
 *
 *   cifar10:DIR  CIFAR-10 binary batches (data_batch_1..5.bin = train,
 *                test_batch.bin = test; each may be .bin.xz). DIR is the
 *                cifar-10-batches-bin folder or its parent. 32x32x3 u8.
 *   mnist:DIR    MNIST idx files (train-/t10k-images-idx3-ubyte and
 *                -labels-idx1-ubyte; each may be .gz). 28x28x1 u8.
 *   folder:DIR   one sub-folder per class holding PNG/JPEG/BMP images;
 *                classes are the sorted sub-folder names (all-numeric
 *                names: the number is the class index). Gray images are
 *                1 channel, colour images 3 (alpha dropped).
 *   kws:DIR      MLPerf Tiny keyword-spotting feature files (*.bin, 490
 *                int8 values = 49x10x1; label = the number after the last
 *                '_' of the file name).
 *
 * `folder` and `kws` have no built-in split: DIR/train or DIR/test (test
 * also DIR/val) is used when it exists, otherwise DIR itself (an explicit
 * split=... that has no such sub-folder is an error).
 *
 * Samples are HWC. Every file is validated at open (sizes, magic numbers,
 * record counts; compressed files are decompressed into memory once), except
 * folder images, which are decoded at read. Errors name the file. A handle
 * is read-only after open: concurrent enn_dataset_read calls are safe. */
typedef struct enn_dataset enn_dataset;

typedef enum enn_split { ENN_SPLIT_TRAIN = 0, ENN_SPLIT_TEST = 1 } enn_split;

typedef struct enn_sample_info {
  int32_t h, w, c;    /* HWC geometry */
  enn_dtype dtype;    /* ENN_DTYPE_U8 (pixels) or ENN_DTYPE_I8 (kws features) */
  float scale;        /* real value = scale * (stored - zero_point): pixels 1, 0; */
  int32_t zero_point; /* kws 0.5847029 (= the reference int8 model's input), 83 */
  int32_t label;      /* class index */
} enn_sample_info;

/* Opens SPEC; default_split applies when SPEC names none (evaluation uses
 * test, calibration / training train). alloc may be NULL (default). */
enn_status enn_dataset_open(const char *spec, enn_split default_split, const enn_allocator *alloc,
                            enn_dataset **out);
void enn_dataset_close(enn_dataset *ds);

const char *enn_dataset_kind(const enn_dataset *ds); /* "cifar10", "mnist", "folder", "kws" */
enn_split enn_dataset_split(const enn_dataset *ds);
const char *enn_dataset_dir(const enn_dataset *ds); /* the folder the samples came from */
int64_t enn_dataset_count(const enn_dataset *ds);
int32_t enn_dataset_num_classes(const enn_dataset *ds);
/* Class k's name ("cat", "Yes", the sub-folder name); NULL if out of range. */
const char *enn_dataset_class_name(const enn_dataset *ds, int32_t k);
/* Sample i's label (-1 if i is out of range); no decoding. */
int32_t enn_dataset_label(const enn_dataset *ds, int64_t i);
/* Sample i's geometry, dtype and label without its values (folder: reads
 * the image header only). */
enn_status enn_dataset_info(const enn_dataset *ds, int64_t i, enn_sample_info *info);
/* Reads sample i as HWC into buf (cap bytes). as = ENN_DTYPE_INVALID keeps
 * the stored type (info->dtype, h*w*c bytes); ENN_DTYPE_F32 writes the real
 * values (scale * (stored - zero_point): pixels 0..255, kws dequantised
 * features), h*w*c floats. info (may be NULL) receives the sample's info
 * (its dtype / scale / zero_point describe the stored values). */
enn_status enn_dataset_read(const enn_dataset *ds, int64_t i, enn_dtype as, void *buf, size_t cap,
                            enn_sample_info *info);

/* ----------------------------------------------------------------- images */
/* Decodes a PNG, JPEG or BMP file (stb_image) into 8-bit HWC pixels from
 * alloc (NULL = default): 1 channel for gray (+alpha) images, 3 for colour
 * (alpha dropped). info gets h, w, c, dtype U8, scale 1, zero_point 0,
 * label -1. Free with enn_image_free(alloc, *pixels). */
enn_status enn_image_load(const char *path, const enn_allocator *alloc, enn_sample_info *info, uint8_t **pixels);
/* The same from an encoded image in memory; `name` is used in messages. */
enn_status enn_image_decode(const void *data, size_t size, const char *name, const enn_allocator *alloc,
                            enn_sample_info *info, uint8_t **pixels);
void enn_image_free(const enn_allocator *alloc, uint8_t *pixels);
/* 1 if path ends in .png, .jpg, .jpeg or .bmp (any case). */
int enn_image_is_image_path(const char *path);

/* ----------------------------------------------------------- preprocessing
 * Turns one sample (enn_sample_info + stored values) into one model input:
 *
 *   1. real values (pixels 0..255; kws: dequantised features);
 *   2. channels adapted to the input's: gray -> RGB by copying, RGB -> gray
 *      by luma 0.299 R + 0.587 G + 0.114 B;
 *   3. resize: if `resize` > 0 the shorter side becomes `resize` (aspect
 *      kept, as torchvision's Resize(int)); then `center_crop` > 0 crops an
 *      N x N centre; then, if the result is not the input's H x W, a final
 *      resize to H x W. Resizing is bilinear with half-pixel centres,
 *      antialiased when shrinking (a triangle filter widened by the scale
 *      factor, as PIL's BILINEAR);
 *   4. normalisation x = (v * scale - mean[c]) / std[c], with mean / std in
 *      the model's channel order (after the BGR swap of step 5);
 *   5. `bgr`: channels reversed (RGB -> BGR);
 *   6. conversion to the input's dtype: f32 (and f16) directly; i8 / u8
 *      inputs are quantised with the input's (per-tensor) parameters,
 *      q = clamp(round_half_away(x / s) + zp). Exception (`normalize` not
 *      set, i.e. no mean / std / scale given anywhere): an integer input is
 *      fed the stored sample values themselves, the convention of quantised
 *      image models (TFLite / Coral / TFLM): u8 input = pixel, i8 input =
 *      pixel - 128; int8 kws features go in unchanged when the input's
 *      quantisation equals theirs (otherwise requantised);
 *   7. written NHWC, or NCHW for a rank-4 input [1,C,H,W] (layout NCHW, or
 *      AUTO when dims[1] is 1, 3 or 4 and dims[3] is not). A rank-3 input is
 *      [H,W,C] ([C,H,W] for NCHW); an input of another rank takes the
 *      sample's h*w*c values as they are (it must have that many elements
 *      and no resize or crop is possible). Batch must be 1. */
typedef enum enn_layout { ENN_LAYOUT_AUTO = 0, ENN_LAYOUT_NHWC, ENN_LAYOUT_NCHW } enn_layout;

#define ENN_PP_MAX_CH 4
typedef struct enn_preprocess {
  float scale;                 /* default 1 */
  float mean[ENN_PP_MAX_CH];   /* default 0 */
  float std[ENN_PP_MAX_CH];    /* default 1 */
  int32_t n_mean, n_std;       /* values given: 0 (default), 1 (all channels) or one per channel */
  int32_t normalize;           /* set when scale / mean / std were given */
  int32_t bgr;                 /* feed B,G,R (3-channel inputs) */
  int32_t resize;              /* shorter side first resized to this (0 = no) */
  int32_t center_crop;         /* N x N centre crop (0 = no) */
  int32_t layout;              /* enn_layout */
} enn_preprocess;

void enn_preprocess_init(enn_preprocess *p);
/* Sets one field from text, the syntax of the model metadata and CLI:
 *   "mean" / "std": "R,G,B" or one value; "scale": a number (or "1/255");
 *   "channel_order": "rgb" | "bgr"; "layout": "nhwc" | "nchw" | "auto";
 *   "resize" / "center_crop": a positive integer (0 = off).
 * Unknown keys and bad values are ENN_ERR_INVALID_ARG naming key and value. */
enn_status enn_preprocess_set(enn_preprocess *p, const char *key, const char *value);
/* Applies the graph's metadata "preprocess.<key>" for each key above
 * (docs/data.md); fields whose key is absent are left as they are. */
enn_status enn_preprocess_from_graph(const enn_graph *g, enn_preprocess *p);
/* Converts one sample (stored values `src`, described by info) into `dst`,
 * a dense tensor described by `dst_desc` (e.g. enn_session_input_desc).
 * Temporary buffers come from alloc (NULL = default). */
enn_status enn_preprocess_apply(const enn_preprocess *p, const enn_sample_info *info, const void *src,
                                const enn_tensor_desc *dst_desc, void *dst, const enn_allocator *alloc);
/* Bilinear (antialiased when shrinking) resize of float HWC images, the
 * filter of step 3 above. */
enn_status enn_resize_bilinear_f32(const float *src, int32_t sh, int32_t sw, int32_t c, float *dst, int32_t dh,
                                   int32_t dw, const enn_allocator *alloc);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
