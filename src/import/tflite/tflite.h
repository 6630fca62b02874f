/*
 * TFLite importer internals: the schema facts this reader relies on (field
 * ids of tensorflow/lite/schema/schema.fbs, version 3), the decoded model
 * (tflite_model.c) and the conversion to the graph IR (tflite_import.c,
 * tflite_ops.c).
 *
 * Field ids count the schema's fields in declaration order from 0; a union
 * takes two ids (its u8 type, then the table).
 */
#ifndef ENN_IMPORT_TFLITE_TFLITE_H
#define ENN_IMPORT_TFLITE_TFLITE_H

#include "import/tflite/fb.h"
#include "ir/ir.h"

/* ------------------------------------------------------------ field ids */
enum {
  TFL_MODEL_VERSION = 0,
  TFL_MODEL_OPERATOR_CODES = 1,
  TFL_MODEL_SUBGRAPHS = 2,
  TFL_MODEL_DESCRIPTION = 3,
  TFL_MODEL_BUFFERS = 4,

  TFL_SUBGRAPH_TENSORS = 0,
  TFL_SUBGRAPH_INPUTS = 1,
  TFL_SUBGRAPH_OUTPUTS = 2,
  TFL_SUBGRAPH_OPERATORS = 3,
  TFL_SUBGRAPH_NAME = 4,

  TFL_TENSOR_SHAPE = 0,
  TFL_TENSOR_TYPE = 1,
  TFL_TENSOR_BUFFER = 2,
  TFL_TENSOR_NAME = 3,
  TFL_TENSOR_QUANTIZATION = 4,
  TFL_TENSOR_IS_VARIABLE = 5,
  TFL_TENSOR_SPARSITY = 6,

  TFL_QUANT_MIN = 0,
  TFL_QUANT_MAX = 1,
  TFL_QUANT_SCALE = 2,
  TFL_QUANT_ZERO_POINT = 3,
  TFL_QUANT_DETAILS_TYPE = 4,
  TFL_QUANT_DETAILS = 5,
  TFL_QUANT_QUANTIZED_DIMENSION = 6,

  TFL_OPCODE_DEPRECATED_BUILTIN_CODE = 0,
  TFL_OPCODE_CUSTOM_CODE = 1,
  TFL_OPCODE_VERSION = 2,
  TFL_OPCODE_BUILTIN_CODE = 3,

  TFL_OP_OPCODE_INDEX = 0,
  TFL_OP_INPUTS = 1,
  TFL_OP_OUTPUTS = 2,
  TFL_OP_BUILTIN_OPTIONS_TYPE = 3,
  TFL_OP_BUILTIN_OPTIONS = 4,
  TFL_OP_CUSTOM_OPTIONS = 5,
  TFL_OP_INTERMEDIATES = 8,

  TFL_BUFFER_DATA = 0,
  TFL_BUFFER_OFFSET = 1,
  TFL_BUFFER_SIZE = 2
};

/* TensorType */
enum {
  TFL_FLOAT32 = 0,
  TFL_FLOAT16 = 1,
  TFL_INT32 = 2,
  TFL_UINT8 = 3,
  TFL_INT64 = 4,
  TFL_STRING = 5,
  TFL_BOOL = 6,
  TFL_INT16 = 7,
  TFL_COMPLEX64 = 8,
  TFL_INT8 = 9,
  TFL_FLOAT64 = 10
};

/* BuiltinOperator codes the importer maps (the full name table is in
 * tflite_model.c). */
enum {
  TFL_OP_ADD = 0,
  TFL_OP_AVERAGE_POOL_2D = 1,
  TFL_OP_CONCATENATION = 2,
  TFL_OP_CONV_2D = 3,
  TFL_OP_DEPTHWISE_CONV_2D = 4,
  TFL_OP_DEQUANTIZE = 6,
  TFL_OP_FULLY_CONNECTED = 9,
  TFL_OP_LOGISTIC = 14,
  TFL_OP_MAX_POOL_2D = 17,
  TFL_OP_MUL = 18,
  TFL_OP_RELU = 19,
  TFL_OP_RELU_N1_TO_1 = 20,
  TFL_OP_RELU6 = 21,
  TFL_OP_RESHAPE = 22,
  TFL_OP_RESIZE_BILINEAR = 23,
  TFL_OP_SOFTMAX = 25,
  TFL_OP_TANH = 28,
  TFL_OP_CUSTOM = 32,
  TFL_OP_PAD = 34,
  TFL_OP_TRANSPOSE = 39,
  TFL_OP_MEAN = 40,
  TFL_OP_SUB = 41,
  TFL_OP_DIV = 42,
  TFL_OP_SQUEEZE = 43,
  TFL_OP_STRIDED_SLICE = 45,
  TFL_OP_LOG_SOFTMAX = 50,
  TFL_OP_PRELU = 54,
  TFL_OP_PADV2 = 60,
  TFL_OP_EXPAND_DIMS = 70,
  TFL_OP_RESIZE_NEAREST_NEIGHBOR = 97,
  TFL_OP_LEAKY_RELU = 98,
  TFL_OP_QUANTIZE = 114,
  TFL_OP_HARD_SWISH = 117,
  TFL_OP_PLACEHOLDER_FOR_GREATER_OP_CODES = 127
};

/* BuiltinOptions union type values (1-based position in the union). */
enum {
  TFL_OPT_CONV2D = 1,
  TFL_OPT_DEPTHWISE_CONV2D = 2,
  TFL_OPT_POOL2D = 5,
  TFL_OPT_FULLY_CONNECTED = 8,
  TFL_OPT_SOFTMAX = 9,
  TFL_OPT_CONCATENATION = 10,
  TFL_OPT_ADD = 11,
  TFL_OPT_RESIZE_BILINEAR = 15,
  TFL_OPT_RESHAPE = 17,
  TFL_OPT_MUL = 21,
  TFL_OPT_PAD = 22,
  TFL_OPT_TRANSPOSE = 26,
  TFL_OPT_REDUCER = 27,
  TFL_OPT_SUB = 28,
  TFL_OPT_DIV = 29,
  TFL_OPT_SQUEEZE = 30,
  TFL_OPT_STRIDED_SLICE = 32,
  TFL_OPT_LOG_SOFTMAX = 36,
  TFL_OPT_DEQUANTIZE = 38,
  TFL_OPT_PADV2 = 43,
  TFL_OPT_EXPAND_DIMS = 52,
  TFL_OPT_RESIZE_NEAREST_NEIGHBOR = 74,
  TFL_OPT_LEAKY_RELU = 75,
  TFL_OPT_QUANTIZE = 89,
  TFL_OPT_HARD_SWISH = 91
};

/* Padding and ActivationFunctionType */
enum { TFL_PAD_SAME = 0, TFL_PAD_VALID = 1 };
enum { TFL_ACT_NONE = 0, TFL_ACT_RELU = 1, TFL_ACT_RELU_N1_TO_1 = 2, TFL_ACT_RELU6 = 3, TFL_ACT_TANH = 4,
       TFL_ACT_SIGN_BIT = 5 };

/* --------------------------------------------------------- decoded model */
#define TFL_MAX_TENSORS (1 << 20)
#define TFL_MAX_OPS (1 << 20)
#define TFL_MAX_IO 4096
#define TFL_MAX_ELEMS ((int64_t)1 << 40) /* per tensor, as the graph IR */ /* inputs / outputs of one operator or subgraph */

typedef struct tfl_tensor {
  const char *name;     /* NUL-terminated, inside the file ("" if absent) */
  int8_t type;          /* TensorType */
  int32_t rank;         /* <= ENN_MAX_RANK, or -1 when the file's rank is larger */
  int32_t file_rank;
  int64_t dims[ENN_MAX_RANK];
  bool has_shape;       /* the shape vector is present */
  bool is_variable;
  bool sparse;
  uint32_t buffer;
  const uint8_t *data;  /* constant bytes inside the file, NULL = not constant */
  uint64_t data_size;
  /* quantisation: count 0 = none; count 1 = per tensor; else per axis */
  uint32_t q_count;
  int32_t q_axis;       /* quantized_dimension */
  float *q_scale;       /* owned */
  int64_t *q_zp;        /* owned */
  bool q_custom;        /* QuantizationDetails set (unsupported) */
} tfl_tensor;

typedef struct tfl_op {
  int32_t code;         /* BuiltinOperator */
  const char *custom;   /* custom_code for CUSTOM ops, else NULL */
  int32_t version;
  int32_t n_in, n_out;
  int32_t *in, *out;    /* owned; -1 = optional input absent */
  uint8_t opt_type;     /* BuiltinOptions type, 0 = none */
  bool has_opt;
  enn_fb_table opt;     /* valid when has_opt */
} tfl_op;

typedef struct tfl_model {
  const enn_allocator *a;
  enn_fb fb;
  uint32_t version;
  const char *description;
  int32_t n_subgraphs;
  int32_t nt, nops, n_in, n_out;
  tfl_tensor *t;
  tfl_op *ops;
  int32_t *in, *out;
} tfl_model;

/* Decodes and validates the model's structure (subgraph 0): every index in
 * range, every constant's bytes inside the file and of the right size,
 * quantisation arrays consistent. ENN_ERR_BAD_FORMAT on any fault (message
 * names the field), ENN_ERR_UNSUPPORTED for valid files it cannot take
 * (schema version != 3). On failure m is freed. */
enn_status enn_tfl_parse(const void *data, size_t size, const char *src, const enn_allocator *a, tfl_model *m);
void enn_tfl_free(tfl_model *m);

/* "CONV_2D", ...; "BUILTIN_<n>" buffers for unknown codes. */
const char *enn_tfl_op_name(int32_t code, char *buf, size_t cap);
/* "float32", ... */
const char *enn_tfl_type_name(int32_t type);

/* ------------------------------------------------------------ conversion */
/* State of one import (tflite_import.c); the per-operator converters in
 * tflite_ops.c work on operator c->k through the helpers below. */
typedef struct tfl_imp {
  const tfl_model *m;
  enn_graph *g;
  const enn_allocator *a;
  int32_t *map;       /* [nt] IR tensor id of each TFLite tensor, -1 = none yet */
  bool *u8_out;       /* [nt] a uint8 subgraph output (gets a boundary node) */
  int32_t k;          /* the operator being converted */
  char opname[48];
} tfl_imp;

/* Error about operator c->k: "<file>: operator 3 (CONV_2D -> 'out'): <msg>". */
enn_status enn_tfl_err(tfl_imp *c, enn_status s, const char *fmt, ...) ENN_PRINTF(3, 4);
/* The TFLite tensor read by input `slot` of the operator, NULL when the
 * slot is absent or -1 (optional input not given). */
const tfl_tensor *enn_tfl_in(const tfl_imp *c, int32_t slot);
const tfl_tensor *enn_tfl_out(const tfl_imp *c, int32_t slot);
/* The IR tensor of input `slot`: earlier operator outputs, graph inputs, or
 * constants (created on first use; uint8 becomes int8 with values and zero
 * points - 128, float16 becomes float32). */
enn_status enn_tfl_operand(tfl_imp *c, int32_t slot, int32_t *id);

/* Constant weights in the form an IR op wants. */
typedef enum tfl_wform {
  TFL_W_PLAIN = 0,  /* as enn_tfl_operand */
  TFL_W_F32 = 1,    /* dequantised to float32 (weights-only quantised "hybrid" models) */
  TFL_W_DW = 2,     /* depthwise [1,KH,KW,C*M] -> OHWI [C*M,KH,KW,1], per-axis quant axis 3 -> 0 */
  TFL_W_DW_F32 = 3  /* both */
} tfl_wform;
enn_status enn_tfl_weight(tfl_imp *c, int32_t slot, tfl_wform form, int32_t *id);

/* Values of a constant int32 / int64 input (shapes, axes, paddings ...):
 * at most cap values; `what` names it in messages. */
enn_status enn_tfl_ints(tfl_imp *c, int32_t slot, const char *what, int64_t *v, int32_t cap, int32_t *n);
/* Real value of element 0 of a constant (float, or dequantised). */
enn_status enn_tfl_scalar(tfl_imp *c, int32_t slot, const char *what, float *v);

/* Adds an IR node for the operator. suffix NULL = the node that produces
 * the operator's output 0: its inferred shape and type must equal the
 * file's declaration, it gets the file's quantisation parameters and
 * becomes the tensor's IR id. Otherwise an intermediate node named
 * "<output name>/<suffix>". */
enn_status enn_tfl_node(tfl_imp *c, enn_op op, const int32_t *in, int32_t n_in, const enn_attrs *a,
                        const char *suffix, int32_t *out);
/* Makes an existing IR tensor the operator's output 0 (constant folding). */
enn_status enn_tfl_alias(tfl_imp *c, int32_t id);

/* The operator's builtin options if present and of the expected union
 * type (ENN_ERR_BAD_FORMAT when of another type); *opt = NULL when absent. */
enn_status enn_tfl_options(tfl_imp *c, uint8_t expect, const char *table, const enn_fb_table **opt);
/* Option readers that return the schema default when the table is absent. */
enn_status enn_tfl_opt_i32(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, int32_t def,
                           int32_t *out);
enn_status enn_tfl_opt_u8(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, uint8_t def,
                          uint8_t *out);
enn_status enn_tfl_opt_f32(tfl_imp *c, const enn_fb_table *opt, int32_t id, const char *field, float def,
                           float *out);

/* Per-operator converters (tflite_ops.c). NULL = operator not supported. */
typedef enn_status (*tfl_convert_fn)(tfl_imp *c);
tfl_convert_fn enn_tfl_converter(int32_t code);

#endif
