/* Status names and the per-thread error message. */
#include <stdio.h>
#include <string.h>

#include "base/base.h"

#define ENN_MSG_CAP 1024
static _Thread_local char enn_msg[ENN_MSG_CAP];

const char *enn_version(void) { return "0.1.0"; }

const char *enn_status_name(enn_status s) {
  switch (s) {
  case ENN_OK: return "ENN_OK";
  case ENN_ERR_INVALID_ARG: return "ENN_ERR_INVALID_ARG";
  case ENN_ERR_NO_MEMORY: return "ENN_ERR_NO_MEMORY";
  case ENN_ERR_IO: return "ENN_ERR_IO";
  case ENN_ERR_BAD_FORMAT: return "ENN_ERR_BAD_FORMAT";
  case ENN_ERR_UNSUPPORTED: return "ENN_ERR_UNSUPPORTED";
  case ENN_ERR_SHAPE: return "ENN_ERR_SHAPE";
  case ENN_ERR_DTYPE: return "ENN_ERR_DTYPE";
  case ENN_ERR_OVERFLOW: return "ENN_ERR_OVERFLOW";
  case ENN_ERR_NOT_FOUND: return "ENN_ERR_NOT_FOUND";
  case ENN_ERR_INTERNAL: return "ENN_ERR_INTERNAL";
  }
  return "ENN_ERR_UNKNOWN";
}

const char *enn_last_error(void) { return enn_msg; }
void enn_clear_error(void) { enn_msg[0] = '\0'; }

enn_status enn_verr(enn_status s, const char *fmt, va_list ap) {
  vsnprintf(enn_msg, sizeof enn_msg, fmt, ap);
  return s;
}

enn_status enn_err(enn_status s, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  enn_verr(s, fmt, ap);
  va_end(ap);
  return s;
}

enn_status enn_err_prefix(enn_status s, const char *fmt, ...) {
  char old[ENN_MSG_CAP];
  memcpy(old, enn_msg, sizeof old);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(enn_msg, sizeof enn_msg, fmt, ap);
  va_end(ap);
  if (n < 0 || !old[0]) return s;
  size_t used = (size_t)n < sizeof enn_msg - 1 ? (size_t)n : sizeof enn_msg - 1;
  const char sep[] = ": ";
  for (size_t i = 0; i < 2 && used < sizeof enn_msg - 1; i++) enn_msg[used++] = sep[i];
  size_t len = strlen(old);
  size_t room = sizeof enn_msg - 1 - used;
  if (len > room) len = room;
  memcpy(enn_msg + used, old, len);
  enn_msg[used + len] = '\0';
  return s;
}
