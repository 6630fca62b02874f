/*
 * Shared by the loader fuzz targets: `require` (abort = a finding), the
 * size gate that keeps a valid-but-huge model from exhausting the fuzzer
 * (activations <= 64 MB, bounded work), and a session create + run on
 * fixed inputs for a graph that passed the gate.
 */
#ifndef ENN_FUZZ_COMMON_H
#define ENN_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgenn/edgenn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ACT_BYTES ((int64_t)64 << 20)
#define MAX_WORK ((int64_t)20 * 1000 * 1000) /* MACs + elements touched, per input */

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

#endif
