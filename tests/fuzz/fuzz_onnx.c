/*
 * libFuzzer target for the ONNX importer (src/import/onnx/) and the
 * TensorProto reader.
 *
 * Each input is imported as a ModelProto with host-memory and tensor-size
 * limits. A refused input must come back with no graph and a message. An
 * accepted one must verify and, when small enough (activations <= 64 MB,
 * bounded work), create a session and run. The same bytes are also read as
 * a standalone TensorProto (the .pb tensor files), whose result must be
 * self-consistent.
 *
 * Seeds: tests/fuzz/corpus/onnx/ (scripts/make_onnx_corpus.sh).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgenn/edgenn.h"
#include "fuzz_common.h"
#include "import/import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enn_onnx_options o;
  enn_onnx_options_init(&o);
  o.max_host_bytes = (size_t)256 << 20;
  o.max_tensor_elems = (int64_t)4 << 20;
  enn_graph *g = (enn_graph *)(uintptr_t)1; /* must be overwritten */
  enn_status st = enn_onnx_load_ex(data, size, &o, NULL, &g);
  if (st != ENN_OK) {
    require(g == NULL);
    require(st != ENN_ERR_INTERNAL);
    require(enn_last_error()[0] != '\0');
  } else {
    require(g != NULL);
    require(enn_graph_verify(g) == ENN_OK);
    if (small_enough(g)) run_session(g);
    enn_graph_destroy(g);
  }
  /* the same bytes as a tensor file */
  enn_tensor_desc d;
  void *t = (void *)(uintptr_t)1;
  st = enn_tensor_pb_read_buffer(data, size, NULL, &d, &t, NULL);
  if (st != ENN_OK) {
    require(t == NULL && enn_last_error()[0] != '\0');
  } else {
    const size_t bytes = enn_tensor_desc_bytes(&d);
    require(t != NULL && (bytes > 0 || enn_tensor_desc_numel(&d) == 0));
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < bytes; i += 4096) sink ^= ((const uint8_t *)t)[i];
    if (bytes) sink ^= ((const uint8_t *)t)[bytes - 1];
    (void)sink;
    enn_tensor_pb_free(NULL, t);
  }
  return 0;
}
