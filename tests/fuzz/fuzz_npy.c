/*
 * libFuzzer target for the .npy reader. Any input must either parse into a
 * descriptor whose byte size matches the returned array, or fail with a
 * message; a parsed array must survive write -> read unchanged (the writer
 * and reader agree on every shape and dtype the reader accepts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "edgenn/data.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enn_tensor_desc d;
  void *arr = NULL;
  enn_status st = enn_npy_read_buffer(data, size, NULL, &d, &arr);
  if (st != ENN_OK) {
    if (arr != NULL || enn_last_error()[0] == '\0') abort();
    return 0;
  }
  if (!arr || d.rank < 0 || d.rank > ENN_MAX_RANK) abort();
  size_t bytes = enn_tensor_desc_bytes(&d);
  if (enn_tensor_desc_numel(&d) > 0 && bytes == 0) abort();
  if (bytes) {
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < bytes; i += 4096) sink ^= ((const uint8_t *)arr)[i];
    sink ^= ((const uint8_t *)arr)[bytes - 1];
    (void)sink;
  }
  void *img = NULL;
  size_t isz = 0;
  if (enn_npy_write_buffer(&d, arr, NULL, &img, &isz) != ENN_OK) abort();
  enn_tensor_desc d2;
  void *arr2 = NULL;
  if (enn_npy_read_buffer(img, isz, NULL, &d2, &arr2) != ENN_OK) abort();
  if (d2.dtype != d.dtype || d2.rank != d.rank) abort();
  for (int32_t i = 0; i < d.rank; i++)
    if (d2.dims[i] != d.dims[i]) abort();
  if (bytes && memcmp(arr, arr2, bytes) != 0) abort();
  enn_npy_free(NULL, arr2);
  enn_npy_free(NULL, img);
  enn_npy_free(NULL, arr);
  return 0;
}
