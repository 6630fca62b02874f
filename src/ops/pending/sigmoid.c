/* PLACEHOLDER: operator not written yet (delete this file when src/ops adds enn_op_vt_sigmoid). */
#include "ir/ir.h"

const enn_op_vtable enn_op_vt_sigmoid = {0};
