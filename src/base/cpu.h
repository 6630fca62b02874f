/*
 * CPU features, detected once per process, and the kernel ISA level.
 *
 * x86-64: cpuid leaves 1 and 7 (sub-leaves 0 and 1); a vector feature only
 * counts when the OS saves its registers (CPUID.1:ECX.OSXSAVE and XCR0: bits
 * 1-2 for the YMM state of AVX/AVX2/FMA/F16C, bits 5-7 for the opmask and
 * ZMM state of AVX-512). AArch64: getauxval(AT_HWCAP) (asimd, asimddp,
 * fphp/asimdhp). Other targets have no features and the "ref" level.
 *
 * Levels, per architecture, lowest first:
 *   x86-64:  ref < avx2 (AVX + AVX2 + FMA) < avx512 (avx2 + AVX-512 F/DQ/BW/VL)
 *   aarch64: ref < neon (ASIMD)
 * The ENN_ISA environment variable (ref|avx2|avx512|neon, read once with
 * the detection) can only lower the level: a level above what the CPU
 * supports is clamped to the best supported one, a level of another
 * architecture or an unknown word is an error that every session create
 * reports (enn_cpu_isa returns it).
 */
#ifndef ENN_BASE_CPU_H
#define ENN_BASE_CPU_H

#include "base/base.h"

typedef enum enn_isa {
  ENN_ISA_REF = 0,
  ENN_ISA_AVX2 = 1,
  ENN_ISA_AVX512 = 2,
  ENN_ISA_NEON = 3,
  /* Not a level: the tag of kernels of the avx512 level that also need
   * AVX512-VNNI (kernels/select.c skips them on CPUs without it). */
  ENN_ISA_AVX512VNNI = 4,
  /* Likewise: kernels of the neon level that need the ARMv8.2 dot
   * product (asimddp; kernels/select.c skips them on CPUs without it). */
  ENN_ISA_NEONDOT = 5,
  /* Likewise: kernels of the neon level that need ARMv8.2 half-precision
   * arithmetic (fphp + asimdhp, ENN_CPU_FPHP). */
  ENN_ISA_NEONFP16 = 6
} enn_isa;

/* Feature bits (enn_cpu.features). */
enum {
  ENN_CPU_SSE41 = 1u << 0,
  ENN_CPU_AVX = 1u << 1,
  ENN_CPU_AVX2 = 1u << 2,
  ENN_CPU_FMA = 1u << 3,
  ENN_CPU_F16C = 1u << 4,
  ENN_CPU_AVX512F = 1u << 5,
  ENN_CPU_AVX512DQ = 1u << 6,
  ENN_CPU_AVX512BW = 1u << 7,
  ENN_CPU_AVX512VL = 1u << 8,
  ENN_CPU_AVX512VNNI = 1u << 9,
  ENN_CPU_AVX512BF16 = 1u << 10,
  ENN_CPU_ASIMD = 1u << 16,
  ENN_CPU_ASIMDDP = 1u << 17,
  ENN_CPU_FPHP = 1u << 18 /* fp16 arithmetic (FPHP and ASIMDHP) */
};

typedef struct enn_cpu {
  uint32_t features;
  enn_isa best;       /* highest level the CPU and OS support */
  enn_isa isa;        /* the level kernels use (best, lowered by ENN_ISA) */
  enn_status isa_status; /* ENN_OK, or the error for a bad ENN_ISA */
  char isa_error[160];   /* its message */
  char model[128];    /* /proc/cpuinfo "model name" (or similar), "" if unknown */
  char feature_str[160]; /* space-separated names of `features` */
} enn_cpu;

/* The process-wide detection (done on first call, thread-safe). */
const enn_cpu *enn_cpu_get(void);
/* The kernel level; fails (message set) when ENN_ISA was unusable. */
enn_status enn_cpu_isa(enn_isa *out);
static inline bool enn_cpu_has(uint32_t features) { return (enn_cpu_get()->features & features) == features; }

/* "ref", "avx2", "avx512", "neon" ("avx512vnni", "neondot" for the kernel tags). */
const char *enn_isa_name(enn_isa isa);

/* ------------------------------------------ pure helpers (tested directly) */
/* Feature bits from raw x86 cpuid / xgetbv results: regs are {eax, ebx, ecx,
 * edx}; leaf7 / leaf7_1 are ignored when max_leaf < 7; xcr0 is ignored
 * unless leaf 1 reports OSXSAVE. */
uint32_t enn_cpu_decode_x86(uint32_t max_leaf, const uint32_t leaf1[4], const uint32_t leaf7[4],
                            const uint32_t leaf7_1[4], uint64_t xcr0);
/* Feature bits from the AArch64 Linux AT_HWCAP word. */
uint32_t enn_cpu_decode_arm64(uint64_t hwcap);
/* Best level for features on x86 (arm = false) or AArch64 (arm = true). */
enn_isa enn_cpu_best_isa(uint32_t features, bool arm);
/* Applies an ENN_ISA value (NULL or "" = no override) to `best`. On error
 * writes a message into err[cap] and returns ENN_ERR_INVALID_ARG. */
enn_status enn_cpu_select_isa(const char *env, enn_isa best, bool arm, enn_isa *out, char *err, size_t cap);
/* Space-separated names of the feature bits into buf ("" for none). */
void enn_cpu_feature_names(uint32_t features, char *buf, size_t cap);

#endif
