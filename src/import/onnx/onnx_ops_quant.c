/*
 * ONNX converters for quantised models (QDQ and QOperator forms).
 * (Work in progress: filled in once the IR Quantize / Dequantize
 * operators exist.)
 */
#include "import/onnx/onnx_import.h"

enn_status ox_q8_tensor(ox_ctx *c, ox_val *v, const int8_t *perm, int32_t *id) {
  (void)perm;
  (void)id;
  return ox_unsupported(c, "quantised tensor '%s'", v->name);
}

const ox_op_entry ox_ops_quant[] = {
    {NULL, NULL, 0, NULL},
};
