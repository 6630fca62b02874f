/*
 * The ONNX protobuf messages edgenn reads, as plain C structs, and their
 * parser (onnx_model.c) on top of the wire decoder (pb.h).
 *
 * Field numbers are those of onnx.proto (proto2):
 *   ModelProto        ir_version 1, producer_name 2, producer_version 3,
 *                     graph 7, opset_import 8, metadata_props 14, functions 25
 *   OperatorSetIdProto domain 1, version 2
 *   GraphProto        node 1, name 2, initializer 5, input 11, output 12,
 *                     value_info 13, sparse_initializer 15
 *   NodeProto         input 1, output 2, name 3, op_type 4, attribute 5, domain 7
 *   AttributeProto    name 1, f 2, i 3, s 4, t 5, g 6, floats 7, ints 8,
 *                     strings 9, tensors 10, graphs 11, type 20
 *   ValueInfoProto    name 1, type 2
 *   TypeProto         tensor_type 1 (Tensor: elem_type 1, shape 2)
 *   TensorShapeProto  dim 1 (Dimension: dim_value 1, dim_param 2)
 *   TensorProto       dims 1, data_type 2, segment 3, float_data 4,
 *                     int32_data 5, string_data 6, int64_data 7, name 8,
 *                     raw_data 9, double_data 10, uint64_data 11,
 *                     external_data 13, data_location 14
 *   StringStringEntryProto key 1, value 2
 *
 * Everything parsed lives in an ox_arena (strings are copied and
 * NUL-terminated); tensor payloads stay in the caller's buffer and are
 * decoded on demand by ox_tensor_decode, which checks that the payload
 * size agrees with the dims.
 */
#ifndef ENN_IMPORT_ONNX_MODEL_H
#define ENN_IMPORT_ONNX_MODEL_H

#include "import/onnx/pb.h"

/* ------------------------------------------------------------------ arena */
typedef struct ox_chunk ox_chunk;
typedef struct ox_arena {
  const enn_allocator *alloc;
  ox_chunk *head;     /* small-allocation chunks (bump pointer in head) */
  ox_chunk *big;      /* blocks of their own */
  size_t used, cap;   /* in the current (head) chunk */
  size_t total;       /* bytes handed out */
  size_t limit;       /* refuse allocations beyond this total (0 = none) */
} ox_arena;

void ox_arena_init(ox_arena *a, const enn_allocator *alloc, size_t limit);
/* Zeroed, 64-byte aligned; NULL on failure (the
 * message is set). */
void *ox_arena_alloc(ox_arena *a, size_t bytes);
/* Copy of s[0..n) with a terminating NUL. */
char *ox_arena_str(ox_arena *a, const uint8_t *s, size_t n);
void ox_arena_free(ox_arena *a);

/* ------------------------------------------------------- TensorProto types */
enum {
  OX_UNDEFINED = 0,
  OX_FLOAT = 1,
  OX_UINT8 = 2,
  OX_INT8 = 3,
  OX_UINT16 = 4,
  OX_INT16 = 5,
  OX_INT32 = 6,
  OX_INT64 = 7,
  OX_STRING = 8,
  OX_BOOL = 9,
  OX_FLOAT16 = 10,
  OX_DOUBLE = 11,
  OX_UINT32 = 12,
  OX_UINT64 = 13,
  OX_COMPLEX64 = 14,
  OX_COMPLEX128 = 15,
  OX_BFLOAT16 = 16
};
/* "float", "int64", ... ("type 23" style for unknown ones, static buffer). */
const char *ox_dtype_name(int32_t t);
/* Bytes per element of the C representation ox_tensor_decode produces
 * (float, uint8_t, int8_t, uint16_t, int16_t, int32_t, int64_t, uint8_t for
 * bool, uint16_t bits for float16/bfloat16, double, uint32_t, uint64_t);
 * 0 for types edgenn cannot hold (string, complex, float8, 4-bit). */
size_t ox_dtype_size(int32_t t);

#define OX_MAX_RANK ENN_MAX_RANK

typedef struct ox_tensor {
  const char *name;
  int32_t dtype;
  int32_t rank;                  /* number of dims in the file */
  int64_t dims[OX_MAX_RANK];     /* the first min(rank, 8) */
  int64_t numel;                 /* -1 when rank > 8 or a dim is negative / overflows */
  const uint8_t *msg;            /* the TensorProto payload (to re-scan typed fields) */
  size_t msg_len, offset;        /* offset: of the payload in the whole buffer */
  const uint8_t *raw;            /* raw_data */
  size_t raw_len;
  bool has_raw;
  int64_t n_data[12];            /* element counts of the typed *_data fields, by field number */
  bool external;                 /* data_location = EXTERNAL */
  const char *location;          /* external_data "location" (may be NULL) */
  bool has_segment;
  bool has_strings;
} ox_tensor;

typedef struct ox_valueinfo {
  const char *name;
  bool is_tensor;        /* has a tensor_type (sequence / map / optional are not) */
  int32_t elem_type;
  int32_t rank;          /* -1: shape not given */
  int64_t dims[OX_MAX_RANK];
  bool symbolic[OX_MAX_RANK]; /* dim_param or missing dim_value */
  const char *dim_param[OX_MAX_RANK];
} ox_valueinfo;

enum {
  OX_ATTR_UNDEFINED = 0,
  OX_ATTR_FLOAT = 1,
  OX_ATTR_INT = 2,
  OX_ATTR_STRING = 3,
  OX_ATTR_TENSOR = 4,
  OX_ATTR_GRAPH = 5,
  OX_ATTR_FLOATS = 6,
  OX_ATTR_INTS = 7,
  OX_ATTR_STRINGS = 8,
  OX_ATTR_TENSORS = 9,
  OX_ATTR_GRAPHS = 10,
  OX_ATTR_SPARSE_TENSOR = 11
};

typedef struct ox_attr {
  const char *name;
  int32_t type;      /* OX_ATTR_*; inferred from the fields set when absent (IR 1) */
  float f;
  int64_t i;
  const char *s;     /* NUL-terminated copy */
  ox_tensor *t;
  int32_t n_floats, n_ints, n_strings;
  float *floats;
  int64_t *ints;
  size_t offset;
} ox_attr;

typedef struct ox_node {
  const char *name, *op_type, *domain;
  int32_t n_in, n_out, n_attrs;
  const char **in, **out; /* "" = an omitted optional input / output */
  ox_attr *attrs;
  size_t offset;
} ox_node;

typedef struct ox_graph {
  const char *name;
  int32_t n_nodes, n_inits, n_inputs, n_outputs, n_sparse;
  ox_node *nodes;
  ox_tensor *inits;
  ox_valueinfo *inputs, *outputs;
} ox_graph;

typedef struct ox_opset {
  const char *domain;
  int64_t version;
} ox_opset;

typedef struct ox_model {
  int64_t ir_version;
  int32_t n_opsets;
  ox_opset *opsets;
  const char *producer_name, *producer_version;
  bool has_graph;
  ox_graph graph;
  int32_t n_meta;
  const char **meta_key, **meta_value;
  int32_t n_functions;
} ox_model;

/* Parses a whole ModelProto. */
enn_status ox_parse_model(const uint8_t *buf, size_t size, ox_arena *a, ox_model *m);
/* Parses a standalone serialized TensorProto (a test_data_set_N/input_K.pb). */
enn_status ox_parse_tensor_buffer(const uint8_t *buf, size_t size, ox_arena *a, ox_tensor *t);

/* Decodes t's elements into dst (numel * ox_dtype_size(dtype) bytes, the C
 * representation above), from raw_data (little-endian) or the typed field.
 * Fails with a message naming the tensor when the payload size disagrees
 * with the dims, the data is external, or the type cannot be held. */
enn_status ox_tensor_decode(const ox_tensor *t, void *dst);
/* The checks of ox_tensor_decode alone: call before allocating dst, so a
 * tensor that claims more elements than its payload holds is refused
 * without allocating for the claim. */
enn_status ox_tensor_check(const ox_tensor *t);

/* Attribute lookup on a node (NULL if absent). */
const ox_attr *ox_attr_find(const ox_node *n, const char *name);

#endif
