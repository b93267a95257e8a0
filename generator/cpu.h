/* cpu.h - which SIMD instruction sets this CPU (and OS) can run.
 *
 * The generator library is compiled for baseline x86-64; the files holding
 * AVX2 and AVX-512 kernels are compiled with extra -m flags (see
 * generator/CMakeLists.txt) and are only entered after cpu_simd_level()
 * says the CPU and the OS (XSAVE state enabled via xgetbv) support them.
 *
 * The environment variable LAWQA_SIMD=scalar|avx2|avx512 caps the level
 * (for tests and benchmarks). It can only lower the level: asking for
 * avx512 on a CPU without it gives the best level the CPU has.
 */
#ifndef LAWQA_CPU_H
#define LAWQA_CPU_H

enum cpu_simd {
    CPU_SIMD_SCALAR = 0, /* portable C, the reference */
    CPU_SIMD_AVX2 = 1,   /* AVX2 + FMA + F16C */
    CPU_SIMD_AVX512 = 2, /* AVX-512 F/BW/VL/VNNI (+BF16 when cpu_has_avx512bf16) */
};

/* Feature bits, filled once by cpu_detect(); all 0 on non-x86 builds. */
struct cpu_features {
    int avx2, fma, f16c;
    int avx512f, avx512bw, avx512vl, avx512vnni, avx512bf16;
    int avx_vnni;
};

/* The CPU's features (detected on first call, cached; thread-safe enough:
 * racing first calls compute the same answer). */
const struct cpu_features *cpu_features(void);

/* Best usable level, lowered by LAWQA_SIMD if set. Read once and cached;
 * cpu_simd_reset() forgets the cached value so tests can change the
 * environment variable and re-select. */
enum cpu_simd cpu_simd_level(void);
void cpu_simd_reset(void);

/* Forces a level (clamped to what the CPU supports); returns the level in
 * effect. Used by tests and benchmarks instead of setenv. */
enum cpu_simd cpu_simd_force(enum cpu_simd level);

/* "scalar", "avx2", "avx512". */
const char *cpu_simd_name(enum cpu_simd level);

#endif
