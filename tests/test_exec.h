/*
 * Re-running the test binary in a child process (tests that check
 * process-wide settings such as ENN_ISA, read once per process).
 *
 * enn_test_exec_self(argv) replaces the process by the running test
 * binary with argv[1..] (argv[0] names it when /proc/self/exe cannot be
 * read). In a cross build ctest runs the tests under an emulator
 * (CMAKE_CROSSCOMPILING_EMULATOR, e.g. qemu-aarch64 -L SYSROOT), which
 * CMake passes as $ENN_TEST_EMULATOR (words separated by spaces); the
 * child is then started through it too, since the host kernel cannot run
 * the binary itself, and the binary's path is the emulator's view of
 * /proc/self/exe (the guest program, not the emulator). Returns only when
 * the exec failed. Include after <unistd.h>.
 */
#ifndef ENN_TEST_EXEC_H
#define ENN_TEST_EXEC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline void enn_test_exec_self(char *const *argv) {
  static char self[4096], words[1024];
  char *args[64];
  int n = 0;
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  if (len > 0) self[len] = '\0';
  else snprintf(self, sizeof self, "%s", argv[0]);
  const char *emu = getenv("ENN_TEST_EMULATOR");
  if (emu && *emu) {
    snprintf(words, sizeof words, "%s", emu);
    for (char *t = strtok(words, " "); t && n < 16; t = strtok(NULL, " ")) args[n++] = t;
  }
  args[n++] = self;
  for (int i = 1; argv[i] && n < 63; i++) args[n++] = argv[i];
  args[n] = NULL;
  execv(args[0], args);
}

#endif
