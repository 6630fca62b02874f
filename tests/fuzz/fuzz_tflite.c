/*
 * libFuzzer target for the TFLite importer (src/import/tflite/).
 *
 * Each input goes to enn_tflite_load_buffer. A refused input must come
 * back with no graph, a known status (malformed, unsupported, out of
 * memory) and a message. An accepted one must verify; when small enough
 * (activations <= 64 MB, bounded work) a session is created and run on
 * fixed inputs. Seeds: tests/fuzz/corpus/tflite/ (written by
 * `import_test_tflite --write-seeds DIR`); tests/fuzz/fuzz_tflite.dict
 * names the file identifier and common field values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgenn/edgenn.h"
#include "edgenn/import.h"

#define MAX_ACT_BYTES ((int64_t)64 << 20)
#define MAX_WORK ((int64_t)20 * 1000 * 1000) /* MACs + elements touched, per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(int cond) {
  if (!cond) abort();
}

/* Activation bytes and a rough bound of the work a run would do. */
static int small_enough(const enn_graph *g) {
  int64_t act = 0, work = 0;
  for (int32_t i = 0; i < enn_graph_num_tensors(g); i++) {
    enn_tensor_desc d;
    const void *cd = NULL;
    if (enn_graph_tensor(g, i, NULL, &d, &cd) != ENN_OK) return 0;
    int64_t b = (int64_t)enn_tensor_desc_bytes(&d);
    if (enn_tensor_desc_numel(&d) > 0 && b == 0) return 0;
    if (!cd) act += b;
    if (act > MAX_ACT_BYTES) return 0;
  }
  for (int32_t i = 0; i < enn_graph_num_nodes(g); i++) {
    const enn_attrs *a;
    const int32_t *in, *out;
    int32_t ni, no;
    if (enn_graph_node(g, i, NULL, NULL, &a, &in, &ni, &out, &no) != ENN_OK) return 0;
    int64_t elems = 0;
    for (int32_t k = 0; k < ni + no; k++) {
      enn_tensor_desc d;
      enn_graph_tensor(g, k < ni ? in[k] : out[k - ni], NULL, &d, NULL);
      elems += enn_tensor_desc_numel(&d);
    }
    int64_t win = (int64_t)(a->kernel[0] > 1 ? a->kernel[0] : 1) * (int64_t)(a->kernel[1] > 1 ? a->kernel[1] : 1);
    work += elems * win + enn_graph_node_macs(g, i);
    if (work > MAX_WORK || work < 0) return 0;
  }
  return 1;
}

static void run_session(const enn_graph *g) {
  enn_session *s = NULL;
  if (enn_session_create(g, NULL, &s) != ENN_OK) {
    require(s == NULL && enn_last_error()[0] != '\0');
    return;
  }
  for (int32_t i = 0; i < enn_session_num_inputs(s); i++) {
    enn_tensor_desc d;
    require(enn_session_input_desc(s, i, &d, NULL) == ENN_OK);
    uint8_t *p = enn_session_input_buffer(s, i);
    size_t n = enn_tensor_desc_bytes(&d);
    if (d.dtype == ENN_DTYPE_F32) {
      for (size_t k = 0; k < n / 4; k++) ((float *)(void *)p)[k] = (float)((int)(k % 17) - 8) * 0.125f;
    } else if (n) {
      memset(p, 1, n);
    }
  }
  require(enn_session_run(s) == ENN_OK);
  enn_session_destroy(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enn_graph *g = (enn_graph *)(uintptr_t)1; /* must be overwritten */
  enn_clear_error();
  enn_status st = enn_tflite_load_buffer(data, size, NULL, &g);
  if (st != ENN_OK) {
    require(g == NULL);
    require(st == ENN_ERR_BAD_FORMAT || st == ENN_ERR_UNSUPPORTED || st == ENN_ERR_NO_MEMORY);
    require(enn_last_error()[0] != '\0');
    return 0;
  }
  require(g != NULL);
  require(enn_graph_verify(g) == ENN_OK);
  if (small_enough(g)) run_session(g);
  enn_graph_destroy(g);
  return 0;
}
