/*
 * edgenn public API.
 *
 * Lifecycle: build or load an enn_graph -> enn_session_create (verify,
 * optimise, choose kernels, plan memory) -> enn_session_run (no allocation,
 * no validation) -> enn_session_destroy.
 *
 * Errors are values: every fallible call returns enn_status; on failure a
 * one-line human message (naming the file / node / field at fault) is kept
 * per thread and read with enn_last_error().
 *
 * Layout: activations are NHWC at run time. Conv weights are OHWI
 * [out, kh, kw, in/groups]; fully-connected weights are [out, in].
 */
#ifndef EDGENN_EDGENN_H
#define EDGENN_EDGENN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
/* The library is built with hidden visibility; this header's declarations
 * are the shared library's only exports. */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

#define EDGENN_VERSION_MAJOR 0
#define EDGENN_VERSION_MINOR 1
#define EDGENN_VERSION_PATCH 0
const char *enn_version(void);

/* ---------------------------------------------------------------- status */
typedef enum enn_status {
  ENN_OK = 0,
  ENN_ERR_INVALID_ARG,  /* a caller passed something impossible */
  ENN_ERR_NO_MEMORY,    /* the allocator said no */
  ENN_ERR_IO,           /* open/read/write/rename failed */
  ENN_ERR_BAD_FORMAT,   /* a file is malformed (truncated, bad magic, ...) */
  ENN_ERR_UNSUPPORTED,  /* valid, but edgenn cannot do it (op, dtype, ...) */
  ENN_ERR_SHAPE,        /* shapes do not agree */
  ENN_ERR_DTYPE,        /* element types do not agree */
  ENN_ERR_OVERFLOW,     /* a size computation would overflow */
  ENN_ERR_NOT_FOUND,    /* a named thing does not exist */
  ENN_ERR_INTERNAL      /* a bug in edgenn: please report */
} enn_status;

/* "ENN_OK", "ENN_ERR_SHAPE", ... (never NULL). */
const char *enn_status_name(enn_status s);
/* The message of the last failure on this thread ("" if none). Valid until
 * the next edgenn call on this thread. */
const char *enn_last_error(void);
void enn_clear_error(void);

/* ---------------------------------------------------------------- dtypes */
typedef enum enn_dtype {
  ENN_DTYPE_INVALID = 0,
  ENN_DTYPE_F32 = 1,
  ENN_DTYPE_F16 = 2,
  ENN_DTYPE_I8 = 3,
  ENN_DTYPE_U8 = 4,
  ENN_DTYPE_I32 = 5,
  ENN_DTYPE_I64 = 6
} enn_dtype;
#define ENN_DTYPE_COUNT 7

size_t enn_dtype_size(enn_dtype t);      /* 0 for invalid */
const char *enn_dtype_name(enn_dtype t); /* "f32", "i8", ... */

#define ENN_MAX_RANK 8

/* Quantisation parameters: real = scale * (q - zero_point).
 * axis < 0: per tensor (count 1); otherwise one (scale, zp) per index of
 * dimension `axis` (count = dims[axis]). Arrays are owned by whoever owns
 * the descriptor (the graph copies them on add). */
typedef struct enn_quant {
  int32_t axis;
  uint32_t count; /* 0 = not quantised */
  const float *scale;
  const int32_t *zero_point;
} enn_quant;

typedef struct enn_tensor_desc {
  enn_dtype dtype;
  int32_t rank;
  int64_t dims[ENN_MAX_RANK];
  enn_quant quant;
} enn_tensor_desc;

/* Fills a desc of `rank` dims (quant cleared). */
void enn_tensor_desc_init(enn_tensor_desc *d, enn_dtype t, int32_t rank, const int64_t *dims);
/* Element count; 0 on overflow or rank < 0. */
int64_t enn_tensor_desc_numel(const enn_tensor_desc *d);
/* Bytes of the dense tensor; 0 on overflow. */
size_t enn_tensor_desc_bytes(const enn_tensor_desc *d);

/* ------------------------------------------------------------- allocator */
/* All heap memory edgenn uses goes through one of these. alloc must return
 * memory aligned to `align` (a power of two <= 4096) or NULL. */
typedef struct enn_allocator {
  void *(*alloc)(void *ctx, size_t size, size_t align);
  void (*free)(void *ctx, void *ptr);
  void *ctx;
} enn_allocator;
/* The default (aligned malloc/free). */
const enn_allocator *enn_default_allocator(void);

/* ------------------------------------------------------------------- ops */
typedef enum enn_op {
#define ENN_OP(ID, name, disp, mi, ma, mo, mao, fl) ENN_OP_##ID,
#include "edgenn/ops.def"
#undef ENN_OP
  ENN_OP_COUNT
} enn_op;

const char *enn_op_name(enn_op op);          /* "Conv2D"; NULL if out of range */
enn_status enn_op_from_name(const char *name, enn_op *out);
uint32_t enn_op_flags(enn_op op);

/* Fused / standalone activation kinds. */
typedef enum enn_act {
  ENN_ACT_NONE = 0,
  ENN_ACT_RELU,
  ENN_ACT_RELU6,        /* min(max(x,0),6) */
  ENN_ACT_CLIP,         /* min(max(x,act_min),act_max) */
  ENN_ACT_LEAKY_RELU,   /* x<0 ? alpha*x : x */
  ENN_ACT_SIGMOID,
  ENN_ACT_HARD_SIGMOID, /* max(0,min(1,alpha*x+beta)) */
  ENN_ACT_HARD_SWISH,   /* x*relu6(x+3)/6 */
  ENN_ACT_SWISH,        /* x*sigmoid(x) */
  ENN_ACT_TANH
} enn_act;
#define ENN_ACT_COUNT 10
const char *enn_act_name(enn_act a);

typedef enum enn_pad_mode {
  ENN_PAD_EXPLICIT = 0, /* attrs.pads */
  ENN_PAD_SAME_UPPER,   /* out = ceil(in/stride); extra pad at the end (TF SAME) */
  ENN_PAD_SAME_LOWER,   /* extra pad at the beginning */
  ENN_PAD_VALID         /* no padding */
} enn_pad_mode;

typedef enum enn_padop_mode { ENN_PADMODE_CONSTANT = 0, ENN_PADMODE_REFLECT, ENN_PADMODE_EDGE } enn_padop_mode;

typedef enum enn_resize_mode { ENN_RESIZE_NEAREST = 0, ENN_RESIZE_BILINEAR } enn_resize_mode;

typedef enum enn_coord_mode {
  ENN_COORD_HALF_PIXEL = 0,
  ENN_COORD_ALIGN_CORNERS,
  ENN_COORD_ASYMMETRIC,
  ENN_COORD_PYTORCH_HALF_PIXEL
} enn_coord_mode;

typedef enum enn_nearest_mode {
  ENN_NEAREST_ROUND_PREFER_FLOOR = 0,
  ENN_NEAREST_ROUND_PREFER_CEIL,
  ENN_NEAREST_FLOOR,
  ENN_NEAREST_CEIL
} enn_nearest_mode;

#define ENN_MAX_SPLITS 64

/* Every operator's attributes live in this one plain struct; each op reads
 * the fields its ops.def comment names and ignores the rest. Call
 * enn_attrs_init first: it sets the defaults noted below. */
typedef struct enn_attrs {
  int32_t kernel[2];   /* pooling window h, w (conv takes it from the weights) */
  int32_t stride[2];   /* default 1, 1 */
  int32_t dilation[2]; /* default 1, 1 */
  int32_t pads[4];     /* top, left, bottom, right (ENN_PAD_EXPLICIT) */
  int32_t pad_mode;    /* enn_pad_mode */
  int32_t groups;      /* conv groups, default 1; depthwise = in channels */
  int32_t ceil_mode;   /* pooling output size rounding */
  int32_t count_include_pad; /* avg pool */
  int32_t act;         /* enn_act fused into the output (FUSE_ACT ops) */
  float act_min, act_max; /* ENN_ACT_CLIP bounds; CLIP op bounds (default -inf, +inf) */
  float alpha;         /* leaky slope (0.01), hard-sigmoid alpha (0.2), gemm alpha (1) */
  float beta;          /* hard-sigmoid beta (0.5), gemm beta (1) */
  float epsilon;       /* batch-norm epsilon (1e-5) */
  int32_t axis;        /* concat/split/softmax/flatten axis (default 1 for flatten, -1 softmax) */
  int32_t keepdims;    /* reduce ops, default 1 */
  int32_t trans_a, trans_b; /* gemm */
  int32_t mode;        /* pad: enn_padop_mode; resize: enn_resize_mode; quantize: rounding
                          (0 half away from zero, 1 half to even) */
  int32_t coord_mode;  /* resize: enn_coord_mode */
  int32_t nearest_mode;/* resize: enn_nearest_mode */
  float value;         /* pad constant */
  int32_t n_axes;      /* squeeze/unsqueeze/reduce/slice */
  int32_t axes[ENN_MAX_RANK];
  int64_t starts[ENN_MAX_RANK], ends[ENN_MAX_RANK], steps[ENN_MAX_RANK]; /* slice, per axes[i] */
  int32_t shape_rank;  /* reshape target */
  int64_t shape[ENN_MAX_RANK];
  int32_t perm[ENN_MAX_RANK];       /* transpose */
  int64_t pad_begin[ENN_MAX_RANK];  /* pad op, per dimension */
  int64_t pad_end[ENN_MAX_RANK];
  int64_t size[2];     /* resize output h, w (0 = use scale) */
  float scale[2];      /* resize scale h, w */
  int32_t dtype;       /* quantize: output enn_dtype (i8 or u8) */
  int32_t n_splits;    /* split: sizes along axis (0 = equal parts) */
  int64_t splits[ENN_MAX_SPLITS];
} enn_attrs;

/* Generic defaults (alpha = beta = 0, axis 0). */
void enn_attrs_init(enn_attrs *a);
/* The op's own defaults: leaky alpha 0.01, hard-sigmoid 0.2/0.5, gemm 1/1,
 * softmax axis -1, flatten axis 1. enn_graph_add_node uses these when its
 * attrs argument is NULL. */
void enn_attrs_init_op(enn_attrs *a, enn_op op);

/* ----------------------------------------------------------------- graph */
/* A graph is a list of tensors (inputs, constants, intermediates) and a
 * topologically ordered list of nodes. Tensor ids are small integers. */
typedef struct enn_graph enn_graph;

enn_status enn_graph_create(const enn_allocator *alloc, enn_graph **out);
void enn_graph_destroy(enn_graph *g);

enn_status enn_graph_add_input(enn_graph *g, const char *name, const enn_tensor_desc *desc, int32_t *out_id);

/* Constant flags */
#define ENN_CONST_COPY 0x0u   /* copy `data` into the graph */
#define ENN_CONST_BORROW 0x1u /* keep the pointer; caller keeps it alive and unchanged */
#define ENN_CONST_BUFFER 0x2u /* not a learnable parameter (BN running stats): not counted in params */
/* data may be NULL with ENN_CONST_COPY: the tensor is zero-filled and its
 * storage is writable through enn_graph_constant_data. */
enn_status enn_graph_add_constant(enn_graph *g, const char *name, const enn_tensor_desc *desc, const void *data,
                                  uint32_t flags, int32_t *out_id);
/* Writable storage of a COPY constant (NULL otherwise). */
void *enn_graph_constant_data(enn_graph *g, int32_t id);

/* Appends a node; its outputs are new tensors whose shapes are inferred now
 * (so a bad shape is reported at the node that causes it). name may be NULL
 * (a name is generated). attrs may be NULL (defaults). */
enn_status enn_graph_add_node(enn_graph *g, enn_op op, const char *name, const int32_t *inputs, int32_t n_inputs,
                              const enn_attrs *attrs, int32_t n_outputs, int32_t *out_ids);
enn_status enn_graph_add_output(enn_graph *g, int32_t tensor_id);
/* Sets (copies) the quantisation parameters of any tensor: quantised
 * operators read their output scale / zero point from the output tensor
 * (as TFLite does), so importers and the quantiser set them after adding
 * the node. count 0 clears. Checked against the tensor's shape. */
enn_status enn_graph_set_quant(enn_graph *g, int32_t tensor_id, const enn_quant *q);
/* Sets a free-form metadata string (e.g. "source", "labels", "preprocess"). */
enn_status enn_graph_set_meta(enn_graph *g, const char *key, const char *value);
const char *enn_graph_get_meta(const enn_graph *g, const char *key);

/* Introspection. */
int32_t enn_graph_num_tensors(const enn_graph *g);
int32_t enn_graph_num_nodes(const enn_graph *g);
int32_t enn_graph_num_inputs(const enn_graph *g);
int32_t enn_graph_num_outputs(const enn_graph *g);
int32_t enn_graph_input(const enn_graph *g, int32_t i);  /* tensor id, -1 if out of range */
int32_t enn_graph_output(const enn_graph *g, int32_t i);
enn_status enn_graph_tensor(const enn_graph *g, int32_t id, const char **name, enn_tensor_desc *desc,
                            const void **const_data);
enn_status enn_graph_node(const enn_graph *g, int32_t i, enn_op *op, const char **name, const enn_attrs **attrs,
                          const int32_t **inputs, int32_t *n_inputs, const int32_t **outputs, int32_t *n_outputs);
/* Re-runs shape inference and checks every invariant (ids, order, types). */
enn_status enn_graph_verify(const enn_graph *g);

typedef struct enn_graph_stats {
  int64_t params;        /* learnable constant elements (BN running stats excluded) */
  int64_t macs;          /* conv + fully-connected + matmul multiply-accumulates */
  int64_t weights_bytes; /* bytes of all constant tensors */
  int32_t nodes;
} enn_graph_stats;
enn_status enn_graph_stats_get(const enn_graph *g, enn_graph_stats *st);
/* MACs of one node (0 for ops that are not conv/fc/matmul/gemm). */
int64_t enn_graph_node_macs(const enn_graph *g, int32_t node);

/* Graph optimisation (constant folding, batch-norm folding, activation
 * fusion, identity/dead-node removal) in place. level 0 = none. */
enn_status enn_graph_optimize(enn_graph *g, int32_t level);

/* --------------------------------------------------------------- session */
typedef struct enn_session enn_session;

typedef struct enn_session_options {
  int32_t threads;              /* >= 1; default 1 */
  int32_t optimize;             /* graph optimisation level, default 1 */
  int32_t profile;              /* record per-node timings */
  const enn_allocator *alloc;   /* NULL = default */
} enn_session_options;
void enn_session_options_init(enn_session_options *o);

/* Plans and prepares everything. The graph must outlive the session (its
 * constants are borrowed, not copied); it is not modified. */
enn_status enn_session_create(const enn_graph *g, const enn_session_options *opt, enn_session **out);
void enn_session_destroy(enn_session *s);

int32_t enn_session_num_inputs(const enn_session *s);
int32_t enn_session_num_outputs(const enn_session *s);
enn_status enn_session_input_desc(const enn_session *s, int32_t i, enn_tensor_desc *d, const char **name);
enn_status enn_session_output_desc(const enn_session *s, int32_t i, enn_tensor_desc *d, const char **name);
/* Buffers inside the session's arena: write inputs, run, read outputs.
 * Input buffers keep their contents across runs; outputs are valid until
 * the next run. */
void *enn_session_input_buffer(enn_session *s, int32_t i);
const void *enn_session_output_buffer(const enn_session *s, int32_t i);
/* Runs the plan. Allocates nothing. */
enn_status enn_session_run(enn_session *s);

typedef struct enn_session_stats {
  int64_t peak_arena_bytes;  /* the planned activation + scratch arena */
  int64_t weights_bytes;     /* constants used by the plan (after folding) */
  int64_t persistent_bytes;  /* per-op state (packed weights etc.) */
  int64_t macs;
  int32_t nodes;             /* nodes in the plan (views included) */
  int32_t threads;
} enn_session_stats;
enn_status enn_session_stats_get(const enn_session *s, enn_session_stats *st);

/* Per-node profile (after runs with options.profile). */
typedef struct enn_node_profile {
  const char *name;
  enn_op op;
  const char *kernel;    /* kernel chosen at create ("enn_f32_conv2d__ref") */
  int64_t macs;
  double total_ns;       /* summed over runs */
  int64_t runs;
  enn_tensor_desc out;   /* output 0 */
} enn_node_profile;
int32_t enn_session_num_nodes(const enn_session *s);
enn_status enn_session_node_profile(const enn_session *s, int32_t i, enn_node_profile *p);
void enn_session_profile_reset(enn_session *s);

/* ------------------------------------------------------------------- cpu */
/* This CPU as the library sees it (detected once per process). Kernels use
 * the level `isa`: the best the CPU and OS support, lowered by the ENN_ISA
 * environment variable (ref|avx2|avx512|neon; a level above the CPU's is
 * clamped). An unknown ENN_ISA value makes this call (which still fills
 * *out) and every enn_session_create fail with ENN_ERR_INVALID_ARG.
 * Strings are static. */
typedef struct enn_cpu_info {
  const char *arch;     /* "x86_64", "aarch64" or "other" */
  const char *model;    /* /proc/cpuinfo model name, "" if unknown */
  const char *features; /* space-separated: "sse4.1 avx avx2 fma f16c avx512f ..." */
  const char *isa;      /* kernel level in use: "ref", "avx2", "avx512", "neon" */
  const char *isa_best; /* highest level available */
} enn_cpu_info;
enn_status enn_cpu_info_get(enn_cpu_info *out);

/* ----------------------------------------------------------- model files */
/* Native .enn (docs/format.md). load maps the file (zero-copy constants);
 * the graph owns the mapping. */
enn_status enn_model_load(const char *path, const enn_allocator *alloc, enn_graph **out);
/* Parses a .enn image in memory; constants are borrowed from `data`,
 * which must stay alive and 64-byte aligned for zero-copy (otherwise they
 * are copied). */
enn_status enn_model_load_buffer(const void *data, size_t size, const enn_allocator *alloc, enn_graph **out);
/* Writes atomically (temp file in the same directory + rename). */
enn_status enn_model_save(const enn_graph *g, const char *path);
/* Serialises into a buffer from alloc (free with alloc->free / free()). */
enn_status enn_model_save_buffer(const enn_graph *g, const enn_allocator *alloc, void **data, size_t *size);

/* ------------------------------------------------------------------- zoo */
typedef struct enn_zoo_options {
  float width;        /* width multiplier (default 1.0) */
  int32_t resolution; /* input height = width (0 = architecture default) */
  int32_t classes;    /* 0 = architecture default */
  uint64_t seed;      /* random weights (He-uniform style), BN stats identity-ish */
  int32_t batch;      /* default 1 */
} enn_zoo_options;
void enn_zoo_options_init(enn_zoo_options *o);

int32_t enn_zoo_count(void);
/* name and one-line description of architecture i; NULL if out of range */
const char *enn_zoo_name(int32_t i);
const char *enn_zoo_description(int32_t i);
/* Builds architecture `name` with random weights. */
enn_status enn_zoo_build(const char *name, const enn_zoo_options *o, const enn_allocator *alloc, enn_graph **out);
/* Parses "NAME[,width=W][,res=R][,classes=C][,seed=S]" (optionally prefixed
 * "zoo:") and builds it. */
enn_status enn_zoo_build_spec(const char *spec, const enn_allocator *alloc, enn_graph **out);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
