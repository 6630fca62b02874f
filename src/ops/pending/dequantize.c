/* PLACEHOLDER: operator not written yet (delete this file when src/ops adds enn_op_vt_dequantize). */
#include "ir/ir.h"

const enn_op_vtable enn_op_vt_dequantize = {0};
