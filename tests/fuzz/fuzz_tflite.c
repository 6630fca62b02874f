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
#include "fuzz_common.h"
#include "edgenn/import.h"

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
