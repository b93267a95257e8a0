/* gguf.h - validated, read-only access to GGUF v2/v3 model files.
 *
 * Private header of the generator module (not part of generator.h).
 *
 * A GGUF file is: header (magic "GGUF", version, tensor count, kv count),
 * key/value metadata, tensor infos, padding to general.alignment, then the
 * tensor data section. gguf_open_file() maps the file read-only; every count,
 * length, type, offset and size is checked before anything is dereferenced,
 * so a truncated or hostile file yields an error message, never a crash.
 *
 * Ownership: the struct gguf owns the mapping (or borrows the caller's buffer
 * for gguf_open_buffer) plus copies of keys, tensor names and scalar string
 * values (NUL-terminated). Pointers returned by getters and tensor data
 * pointers stay valid until gguf_close().
 *
 * Error convention: functions returning int give 0 on success and a negative
 * GGUF_E* code on failure; open functions also write a message into err.
 */
#ifndef LAWQA_GGUF_H
#define LAWQA_GGUF_H

#include <stddef.h>
#include <stdint.h>

#define GGUF_MAX_DIMS 4
#define GGUF_DEFAULT_ALIGNMENT 32

/* Error codes. */
#define GGUF_OK        0
#define GGUF_ENOKEY   -1   /* key not present */
#define GGUF_ETYPE    -2   /* present but of an incompatible type / out of range */
#define GGUF_EFORMAT  -3   /* malformed file */
#define GGUF_EIO      -4   /* open/stat/mmap failed */
#define GGUF_ENOMEM   -5

/* Metadata value types as stored in the file. */
enum gguf_type {
    GGUF_TYPE_UINT8 = 0,
    GGUF_TYPE_INT8 = 1,
    GGUF_TYPE_UINT16 = 2,
    GGUF_TYPE_INT16 = 3,
    GGUF_TYPE_UINT32 = 4,
    GGUF_TYPE_INT32 = 5,
    GGUF_TYPE_FLOAT32 = 6,
    GGUF_TYPE_BOOL = 7,
    GGUF_TYPE_STRING = 8,
    GGUF_TYPE_ARRAY = 9,
    GGUF_TYPE_UINT64 = 10,
    GGUF_TYPE_INT64 = 11,
    GGUF_TYPE_FLOAT64 = 12,
    GGUF_TYPE_COUNT
};

/* Tensor element types (ggml type ids, as stored in GGUF tensor infos).
 * Ids 4, 5 and 31..33 were removed from ggml and are rejected. */
enum ggml_type {
    GGML_TYPE_F32 = 0,
    GGML_TYPE_F16 = 1,
    GGML_TYPE_Q4_0 = 2,
    GGML_TYPE_Q4_1 = 3,
    GGML_TYPE_Q5_0 = 6,
    GGML_TYPE_Q5_1 = 7,
    GGML_TYPE_Q8_0 = 8,
    GGML_TYPE_Q8_1 = 9,
    GGML_TYPE_Q2_K = 10,
    GGML_TYPE_Q3_K = 11,
    GGML_TYPE_Q4_K = 12,
    GGML_TYPE_Q5_K = 13,
    GGML_TYPE_Q6_K = 14,
    GGML_TYPE_Q8_K = 15,
    GGML_TYPE_IQ2_XXS = 16,
    GGML_TYPE_IQ2_XS = 17,
    GGML_TYPE_IQ3_XXS = 18,
    GGML_TYPE_IQ1_S = 19,
    GGML_TYPE_IQ4_NL = 20,
    GGML_TYPE_IQ3_S = 21,
    GGML_TYPE_IQ2_S = 22,
    GGML_TYPE_IQ4_XS = 23,
    GGML_TYPE_I8 = 24,
    GGML_TYPE_I16 = 25,
    GGML_TYPE_I32 = 26,
    GGML_TYPE_I64 = 27,
    GGML_TYPE_F64 = 28,
    GGML_TYPE_IQ1_M = 29,
    GGML_TYPE_BF16 = 30,
    GGML_TYPE_TQ1_0 = 34,
    GGML_TYPE_TQ2_0 = 35,
    GGML_TYPE_COUNT = 36
};

/* Block geometry of a ggml type: a row of ne0 elements takes
 * ne0 / block_size * type_size bytes (ne0 must be a multiple of block_size).
 * Returns 0 and fills the outputs for known types, GGUF_ETYPE otherwise. */
int ggml_type_block(uint32_t type, uint32_t *block_size, uint32_t *type_size);
/* "F32", "Q4_K", ...; "?" for unknown ids. */
const char *ggml_type_name(uint32_t type);

/* A length-delimited string pointing into the file (NOT NUL-terminated:
 * GGUF strings may in principle contain NUL bytes). */
struct gguf_str {
    const char *ptr;
    uint64_t len;
};

struct gguf_tensor {
    const char *name;          /* NUL-terminated, owned by the gguf */
    uint32_t type;             /* enum ggml_type */
    uint32_t n_dims;           /* 1..4 */
    uint64_t ne[GGUF_MAX_DIMS];/* ne[0] = row length (fastest), unused dims = 1 */
    uint64_t offset;           /* relative to the start of the data section */
    const void *data;          /* aligned to general.alignment within the file */
    size_t nbytes;
};

struct gguf;

/* Map and validate a file. On failure returns a GGUF_E* code, *out = NULL,
 * and a message in err (err may be NULL). */
int gguf_open_file(struct gguf **out, const char *path, char *err, size_t errlen);
/* Same; with GGUF_HUGE_PAGES the file is read into anonymous memory backed
 * by 2 MiB pages instead of mapped (faster decode, slower load, a private
 * copy of the file in memory). */
#define GGUF_HUGE_PAGES 1
int gguf_open_file_flags(struct gguf **out, const char *path, int flags, char *err,
                         size_t errlen);
/* Validate a file image held in memory. The buffer is borrowed: it must stay
 * valid and unchanged until gguf_close(). Used by tests and the fuzzer.
 * Tensor offsets are aligned relative to the buffer start, so data pointers
 * are only absolutely aligned if the buffer itself is. */
int gguf_open_buffer(struct gguf **out, const void *data, size_t size,
                     char *err, size_t errlen);
void gguf_close(struct gguf *g);

uint32_t gguf_version(const struct gguf *g);
size_t gguf_alignment(const struct gguf *g);
/* Start of the tensor data section and its size (to end of file). */
const void *gguf_data(const struct gguf *g);
size_t gguf_data_size(const struct gguf *g);

/* ---- metadata ---- */

size_t gguf_n_kv(const struct gguf *g);
/* Index of key, or -1. */
int64_t gguf_find_key(const struct gguf *g, const char *key);
const char *gguf_kv_key(const struct gguf *g, size_t i);
enum gguf_type gguf_kv_type(const struct gguf *g, size_t i);
/* For arrays: element type and count (0 and GGUF_TYPE_COUNT for scalars). */
enum gguf_type gguf_kv_arr_type(const struct gguf *g, size_t i);
uint64_t gguf_kv_arr_n(const struct gguf *g, size_t i);

/* Typed scalar getters. Integer getters accept any integer type (and bool)
 * whose value fits the requested type; writers disagree on u32 vs i32 vs u64.
 * f32 accepts float32, float64 and integers. Return GGUF_OK, GGUF_ENOKEY or
 * GGUF_ETYPE; *out is untouched on failure. */
int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out);
int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out);
int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out);
int gguf_get_f32(const struct gguf *g, const char *key, float *out);
int gguf_get_bool(const struct gguf *g, const char *key, int *out);
/* String value: NUL-terminated copy owned by the gguf; *len excludes the NUL
 * (len may be NULL). */
int gguf_get_str(const struct gguf *g, const char *key, const char **out, size_t *len);

/* Arrays. gguf_get_arr_n gives the element count of any array. */
int gguf_get_arr_n(const struct gguf *g, const char *key, size_t *n);
/* Array of strings: *arr points to n gguf_str owned by the gguf. */
int gguf_get_arr_str(const struct gguf *g, const char *key,
                     const struct gguf_str **arr, size_t *n);
/* Numeric arrays are copied (converted) into dst, which holds cap elements;
 * fails with GGUF_ETYPE if cap < count or an element does not fit.
 * f32 accepts float32/float64/integer arrays; i32 any integer array. */
int gguf_get_arr_f32(const struct gguf *g, const char *key, float *dst, size_t cap, size_t *n);
int gguf_get_arr_i32(const struct gguf *g, const char *key, int32_t *dst, size_t cap, size_t *n);

/* ---- tensors ---- */

size_t gguf_n_tensors(const struct gguf *g);
const struct gguf_tensor *gguf_tensor_at(const struct gguf *g, size_t i);
/* NULL when absent. */
const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name);

#endif
