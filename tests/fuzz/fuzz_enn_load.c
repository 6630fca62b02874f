/*
 * libFuzzer target for the .enn reader (src/fmt/enn_read.c).
 *
 * Each input is loaded twice:
 *   1. as given (almost always refused by the checksum, which is the point:
 *      no input may crash the reader before or at that check);
 *   2. copied to a 64-byte-aligned buffer (the zero-copy path) with the
 *      header's file_size and CRC-32 patched to match, so mutations reach
 *      the validation behind the checksum.
 * A refused input must come back with no graph and a message. An accepted
 * one must verify, survive save -> load -> save byte for byte, and (when
 * small enough: activations <= 64 MB, bounded work) create a session and
 * run it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgenn/edgenn.h"
#include "fuzz_common.h"
#include "fmt/fmt.h"

static void exercise(const uint8_t *data, size_t size) {
  enn_graph *g = (enn_graph *)data; /* must be overwritten */
  enn_status st = enn_model_load_buffer(data, size, NULL, &g);
  if (st != ENN_OK) {
    require(g == NULL);
    require(st == ENN_ERR_BAD_FORMAT || st == ENN_ERR_UNSUPPORTED || st == ENN_ERR_NO_MEMORY);
    require(enn_last_error()[0] != '\0');
    return;
  }
  require(g != NULL);
  require(enn_graph_verify(g) == ENN_OK);
  /* what loads can be saved, and saving is a fixed point */
  void *img = NULL, *img2 = NULL;
  size_t n = 0, n2 = 0;
  require(enn_model_save_buffer(g, NULL, &img, &n) == ENN_OK);
  enn_graph *g2 = NULL;
  require(enn_model_load_buffer(img, n, NULL, &g2) == ENN_OK);
  require(enn_model_save_buffer(g2, NULL, &img2, &n2) == ENN_OK);
  require(n == n2 && memcmp(img, img2, n) == 0);
  enn_graph_destroy(g2);
  free(img);
  free(img2);
  if (small_enough(g)) run_session(g);
  enn_graph_destroy(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  exercise(data, size);
  if (size < ENN_FMT_HEADER_FIXED) return 0;
  uint8_t *buf = aligned_alloc(64, (size + 63) & ~(size_t)63);
  if (!buf) return 0;
  memcpy(buf, data, size);
  enn_wr_u64(buf + 16, (uint64_t)size);
  enn_wr_u32(buf + ENN_FMT_CRC_OFFSET, enn_fmt_file_crc(buf, size));
  exercise(buf, size);
  free(buf);
  return 0;
}
