/* gguf.c - GGUF v2/v3 parser and validator.
 *
 * The whole file is validated in gguf_parse() before the struct gguf is
 * handed out, so the getters can trust every pointer and length they keep.
 * All reads go through struct rd, which refuses to step past the end.
 */
#include "gguf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sanity limits: far above any real model, low enough that a hostile count
 * cannot make us allocate gigabytes before the file runs out. */
#define MAX_KV          (1u << 20)
#define MAX_TENSORS     (1u << 20)
#define MAX_KEY_LEN     65535u
#define MAX_NAME_LEN    256u
#define MAX_ALIGNMENT   (1u << 24)

struct kv {
    char *key;
    uint32_t type;
    uint32_t arr_type;         /* arrays only */
    uint64_t n;                /* arrays only: element count */
    const uint8_t *val;        /* scalar value or first array element */
    char *str;                 /* scalar string: owned NUL-terminated copy */
    uint64_t str_len;
    struct gguf_str *strs;     /* string arrays: owned index */
};

/* Open-addressing set of indices keyed by a string, for kv keys and tensor
 * names: lookups are O(1) and duplicate detection is not quadratic. */
struct strmap {
    int64_t *slot;             /* -1 empty, else index */
    size_t mask;
};

struct gguf {
    const uint8_t *base;
    size_t size;
    int mapped;
    size_t map_len;            /* bytes to munmap (the copy is rounded up) */
    uint32_t version;
    size_t alignment;
    size_t data_off;
    struct kv *kv;
    size_t n_kv;
    struct gguf_tensor *tensors;
    size_t n_tensors;
    struct strmap kv_map, tensor_map;
};

/* ---- ggml type table ---- */

struct type_info { const char *name; uint32_t blck, size; };

static const struct type_info type_table[GGML_TYPE_COUNT] = {
    [GGML_TYPE_F32] = {"F32", 1, 4},
    [GGML_TYPE_F16] = {"F16", 1, 2},
    [GGML_TYPE_Q4_0] = {"Q4_0", 32, 18},
    [GGML_TYPE_Q4_1] = {"Q4_1", 32, 20},
    [GGML_TYPE_Q5_0] = {"Q5_0", 32, 22},
    [GGML_TYPE_Q5_1] = {"Q5_1", 32, 24},
    [GGML_TYPE_Q8_0] = {"Q8_0", 32, 34},
    [GGML_TYPE_Q8_1] = {"Q8_1", 32, 36},
    [GGML_TYPE_Q2_K] = {"Q2_K", 256, 84},
    [GGML_TYPE_Q3_K] = {"Q3_K", 256, 110},
    [GGML_TYPE_Q4_K] = {"Q4_K", 256, 144},
    [GGML_TYPE_Q5_K] = {"Q5_K", 256, 176},
    [GGML_TYPE_Q6_K] = {"Q6_K", 256, 210},
    [GGML_TYPE_Q8_K] = {"Q8_K", 256, 292},
    [GGML_TYPE_IQ2_XXS] = {"IQ2_XXS", 256, 66},
    [GGML_TYPE_IQ2_XS] = {"IQ2_XS", 256, 74},
    [GGML_TYPE_IQ3_XXS] = {"IQ3_XXS", 256, 98},
    [GGML_TYPE_IQ1_S] = {"IQ1_S", 256, 50},
    [GGML_TYPE_IQ4_NL] = {"IQ4_NL", 32, 18},
    [GGML_TYPE_IQ3_S] = {"IQ3_S", 256, 110},
    [GGML_TYPE_IQ2_S] = {"IQ2_S", 256, 82},
    [GGML_TYPE_IQ4_XS] = {"IQ4_XS", 256, 136},
    [GGML_TYPE_I8] = {"I8", 1, 1},
    [GGML_TYPE_I16] = {"I16", 1, 2},
    [GGML_TYPE_I32] = {"I32", 1, 4},
    [GGML_TYPE_I64] = {"I64", 1, 8},
    [GGML_TYPE_F64] = {"F64", 1, 8},
    [GGML_TYPE_IQ1_M] = {"IQ1_M", 256, 56},
    [GGML_TYPE_BF16] = {"BF16", 1, 2},
    [GGML_TYPE_TQ1_0] = {"TQ1_0", 256, 54},
    [GGML_TYPE_TQ2_0] = {"TQ2_0", 256, 66},
};

int ggml_type_block(uint32_t type, uint32_t *block_size, uint32_t *type_size) {
    if (type >= GGML_TYPE_COUNT || type_table[type].name == NULL) return GGUF_ETYPE;
    if (block_size) *block_size = type_table[type].blck;
    if (type_size) *type_size = type_table[type].size;
    return GGUF_OK;
}

const char *ggml_type_name(uint32_t type) {
    if (type >= GGML_TYPE_COUNT || type_table[type].name == NULL) return "?";
    return type_table[type].name;
}

/* Size in bytes of a scalar metadata value; 0 for string/array/unknown. */
static size_t scalar_size(uint32_t t) {
    switch (t) {
    case GGUF_TYPE_UINT8: case GGUF_TYPE_INT8: case GGUF_TYPE_BOOL: return 1;
    case GGUF_TYPE_UINT16: case GGUF_TYPE_INT16: return 2;
    case GGUF_TYPE_UINT32: case GGUF_TYPE_INT32: case GGUF_TYPE_FLOAT32: return 4;
    case GGUF_TYPE_UINT64: case GGUF_TYPE_INT64: case GGUF_TYPE_FLOAT64: return 8;
    default: return 0;
    }
}

/* ---- string map ---- */

static uint64_t hash_bytes(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;           /* FNV-1a */
    for (size_t i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h;
}

static int strmap_init(struct strmap *m, size_t n) {
    size_t cap = 16;
    while (cap < n * 2) cap <<= 1;
    m->slot = malloc(cap * sizeof *m->slot);
    if (!m->slot) return GGUF_ENOMEM;
    for (size_t i = 0; i < cap; i++) m->slot[i] = -1;
    m->mask = cap - 1;
    return GGUF_OK;
}

/* Find name; names[] gives the string of each stored index. Returns the slot
 * holding it, or the empty slot where it would go. */
static size_t strmap_probe(const struct strmap *m, const char *name,
                           const char *(*name_of)(const void *, int64_t), const void *ctx) {
    size_t i = hash_bytes(name, strlen(name)) & m->mask;
    while (m->slot[i] >= 0 && strcmp(name_of(ctx, m->slot[i]), name) != 0)
        i = (i + 1) & m->mask;
    return i;
}

static const char *kv_name_of(const void *ctx, int64_t i) {
    return ((const struct gguf *)ctx)->kv[i].key;
}
static const char *tensor_name_of(const void *ctx, int64_t i) {
    return ((const struct gguf *)ctx)->tensors[i].name;
}

/* ---- bounded reader ---- */

struct rd {
    const uint8_t *p;
    size_t size, pos;
    char *err;
    size_t errlen;
};

static int fail(struct rd *r, const char *fmt, ...) {
    if (r->err && r->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return GGUF_EFORMAT;
}

static size_t left(const struct rd *r) { return r->size - r->pos; }

static int rd_bytes(struct rd *r, void *dst, size_t n, const char *what) {
    if (left(r) < n)
        return fail(r, "truncated file: %s at offset %zu needs %zu bytes, %zu left",
                    what, r->pos, n, left(r));
    memcpy(dst, r->p + r->pos, n);
    r->pos += n;
    return GGUF_OK;
}

static int rd_u32(struct rd *r, uint32_t *v, const char *what) { return rd_bytes(r, v, 4, what); }
static int rd_u64(struct rd *r, uint64_t *v, const char *what) { return rd_bytes(r, v, 8, what); }

/* A string: u64 length then bytes. Returns a pointer into the file. */
static int rd_str(struct rd *r, const char **s, uint64_t *len, uint64_t max, const char *what) {
    int rc = rd_u64(r, len, what);
    if (rc) return rc;
    if (*len > max)
        return fail(r, "%s at offset %zu: length %llu exceeds limit %llu", what, r->pos - 8,
                    (unsigned long long)*len, (unsigned long long)max);
    if (*len > left(r))
        return fail(r, "truncated file: %s at offset %zu has length %llu, only %zu bytes left",
                    what, r->pos - 8, (unsigned long long)*len, left(r));
    *s = (const char *)r->p + r->pos;
    r->pos += (size_t)*len;
    return GGUF_OK;
}

static char *dup_n(const char *s, size_t n) {
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

/* ---- parsing ---- */

static int parse_value(struct gguf *g, struct rd *r, struct kv *kv) {
    kv->val = r->p + r->pos;
    if (kv->type == GGUF_TYPE_STRING) {
        const char *s;
        int rc = rd_str(r, &s, &kv->str_len, r->size, "string value");
        if (rc) return rc;
        kv->str = dup_n(s, (size_t)kv->str_len);
        return kv->str ? GGUF_OK : GGUF_ENOMEM;
    }
    if (kv->type != GGUF_TYPE_ARRAY) {
        size_t sz = scalar_size(kv->type);
        if (sz == 0) return fail(r, "key '%s': unknown value type %u", kv->key, kv->type);
        if (left(r) < sz) return fail(r, "truncated file: value of key '%s'", kv->key);
        r->pos += sz;
        return GGUF_OK;
    }
    int rc = rd_u32(r, &kv->arr_type, "array type");
    if (!rc) rc = rd_u64(r, &kv->n, "array length");
    if (rc) return rc;
    kv->val = r->p + r->pos;
    if (kv->arr_type == GGUF_TYPE_ARRAY)
        return fail(r, "key '%s': nested arrays are not supported", kv->key);
    if (kv->arr_type == GGUF_TYPE_STRING) {
        /* Each element needs at least its 8-byte length. */
        if (kv->n > left(r) / 8)
            return fail(r, "key '%s': array of %llu strings cannot fit in the %zu bytes left",
                        kv->key, (unsigned long long)kv->n, left(r));
        kv->strs = malloc((size_t)(kv->n ? kv->n : 1) * sizeof *kv->strs);
        if (!kv->strs) return GGUF_ENOMEM;
        for (uint64_t i = 0; i < kv->n; i++) {
            rc = rd_str(r, &kv->strs[i].ptr, &kv->strs[i].len, r->size, "array string");
            if (rc) return rc;
        }
        return GGUF_OK;
    }
    size_t sz = scalar_size(kv->arr_type);
    if (sz == 0) return fail(r, "key '%s': unknown array element type %u", kv->key, kv->arr_type);
    if (kv->n > left(r) / sz)
        return fail(r, "truncated file: key '%s' has %llu elements of %zu bytes, %zu bytes left",
                    kv->key, (unsigned long long)kv->n, sz, left(r));
    r->pos += (size_t)kv->n * sz;
    (void)g;
    return GGUF_OK;
}

static int parse_kvs(struct gguf *g, struct rd *r, uint64_t n_kv) {
    /* key len (8) + key (>=1) + type (4) + smallest value (1) */
    if (n_kv > MAX_KV)
        return fail(r, "implausible metadata count %llu", (unsigned long long)n_kv);
    if (n_kv > left(r) / 14)
        return fail(r, "truncated file: metadata count %llu cannot fit in the %zu bytes left",
                    (unsigned long long)n_kv, left(r));
    g->kv = calloc((size_t)(n_kv ? n_kv : 1), sizeof *g->kv);
    if (!g->kv || strmap_init(&g->kv_map, (size_t)n_kv)) return GGUF_ENOMEM;
    for (uint64_t i = 0; i < n_kv; i++) {
        struct kv *kv = &g->kv[i];
        const char *key;
        uint64_t klen;
        int rc = rd_str(r, &key, &klen, MAX_KEY_LEN, "metadata key");
        if (rc) return rc;
        if (klen == 0) return fail(r, "metadata key %llu is empty", (unsigned long long)i);
        if (memchr(key, 0, (size_t)klen)) return fail(r, "metadata key %llu contains NUL", (unsigned long long)i);
        kv->key = dup_n(key, (size_t)klen);
        if (!kv->key) return GGUF_ENOMEM;
        g->n_kv = (size_t)i + 1;            /* so gguf_close frees it */
        size_t slot = strmap_probe(&g->kv_map, kv->key, kv_name_of, g);
        if (g->kv_map.slot[slot] >= 0) return fail(r, "duplicate metadata key '%s'", kv->key);
        g->kv_map.slot[slot] = (int64_t)i;
        rc = rd_u32(r, &kv->type, "value type");
        if (!rc) rc = parse_value(g, r, kv);
        if (rc) return rc;
    }
    return GGUF_OK;
}

static int get_alignment(struct gguf *g, struct rd *r) {
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    uint64_t a = 0;
    int rc = gguf_get_u64(g, "general.alignment", &a);
    if (rc == GGUF_ENOKEY) return GGUF_OK;
    if (rc) return fail(r, "general.alignment has a non-integer type");
    if (a == 0 || (a & (a - 1)) || a > MAX_ALIGNMENT)
        return fail(r, "general.alignment %llu is not a power of two <= %u",
                    (unsigned long long)a, MAX_ALIGNMENT);
    g->alignment = (size_t)a;
    return GGUF_OK;
}

static int parse_tensor_info(struct gguf *g, struct rd *r, size_t i) {
    struct gguf_tensor *t = &g->tensors[i];
    const char *name;
    uint64_t nlen;
    int rc = rd_str(r, &name, &nlen, MAX_NAME_LEN, "tensor name");
    if (rc) return rc;
    if (nlen == 0 || memchr(name, 0, (size_t)nlen))
        return fail(r, "tensor %zu has an empty name or one containing NUL", i);
    t->name = dup_n(name, (size_t)nlen);
    if (!t->name) return GGUF_ENOMEM;
    g->n_tensors = i + 1;
    size_t slot = strmap_probe(&g->tensor_map, t->name, tensor_name_of, g);
    if (g->tensor_map.slot[slot] >= 0) return fail(r, "duplicate tensor name '%s'", t->name);
    g->tensor_map.slot[slot] = (int64_t)i;

    if ((rc = rd_u32(r, &t->n_dims, "tensor n_dims"))) return rc;
    if (t->n_dims < 1 || t->n_dims > GGUF_MAX_DIMS)
        return fail(r, "tensor '%s': n_dims %u not in 1..%d", t->name, t->n_dims, GGUF_MAX_DIMS);
    for (uint32_t d = 0; d < GGUF_MAX_DIMS; d++) t->ne[d] = 1;
    for (uint32_t d = 0; d < t->n_dims; d++) {
        if ((rc = rd_u64(r, &t->ne[d], "tensor dim"))) return rc;
        if (t->ne[d] == 0 || t->ne[d] > INT64_MAX)
            return fail(r, "tensor '%s': dim %u is %llu", t->name, d, (unsigned long long)t->ne[d]);
    }
    if ((rc = rd_u32(r, &t->type, "tensor type"))) return rc;
    if ((rc = rd_u64(r, &t->offset, "tensor offset"))) return rc;

    uint32_t blck, tsize;
    if (ggml_type_block(t->type, &blck, &tsize))
        return fail(r, "tensor '%s': unknown ggml type %u", t->name, t->type);
    if (t->ne[0] % blck)
        return fail(r, "tensor '%s': row length %llu is not a multiple of the %s block size %u",
                    t->name, (unsigned long long)t->ne[0], ggml_type_name(t->type), blck);
    /* nbytes = ne0/blck*tsize * ne1*ne2*ne3, checked against SIZE_MAX. */
    uint64_t nb = t->ne[0] / blck * tsize;
    if (t->ne[0] / blck > UINT64_MAX / tsize) nb = UINT64_MAX;
    for (uint32_t d = 1; d < GGUF_MAX_DIMS && nb != UINT64_MAX; d++)
        nb = (nb > UINT64_MAX / t->ne[d]) ? UINT64_MAX : nb * t->ne[d];
    if (nb == UINT64_MAX || nb > SIZE_MAX)
        return fail(r, "tensor '%s': size overflows", t->name);
    t->nbytes = (size_t)nb;
    if (t->offset % g->alignment)
        return fail(r, "tensor '%s': offset %llu is not a multiple of the alignment %zu",
                    t->name, (unsigned long long)t->offset, g->alignment);
    return GGUF_OK;
}

/* After the infos are read: place the data section and check each tensor
 * lies inside the file. */
static int place_tensors(struct gguf *g, struct rd *r) {
    size_t a = g->alignment;
    size_t off = r->pos + (a - r->pos % a) % a;
    if (g->n_tensors == 0) {
        g->data_off = off < r->size ? off : r->size;
        return GGUF_OK;
    }
    if (off > r->size)
        return fail(r, "truncated file: data section would start at %zu, file has %zu bytes",
                    off, r->size);
    g->data_off = off;
    size_t data_size = r->size - off;
    for (size_t i = 0; i < g->n_tensors; i++) {
        struct gguf_tensor *t = &g->tensors[i];
        if (t->offset > data_size || t->nbytes > data_size - t->offset)
            return fail(r, "tensor '%s' (offset %llu, %zu bytes) lies outside the %zu-byte data section",
                        t->name, (unsigned long long)t->offset, t->nbytes, data_size);
        t->data = g->base + off + t->offset;
    }
    return GGUF_OK;
}

static int gguf_parse(struct gguf *g, char *err, size_t errlen) {
    struct rd r = {g->base, g->size, 0, err, errlen};
    uint32_t magic = 0;
    uint64_t n_tensors = 0, n_kv = 0;
    int rc = rd_u32(&r, &magic, "magic");
    if (rc) return rc;
    if (memcmp(&magic, "GGUF", 4) != 0) return fail(&r, "bad magic: not a GGUF file");
    if ((rc = rd_u32(&r, &g->version, "version"))) return rc;
    if (g->version != 2 && g->version != 3)
        return fail(&r, "unsupported GGUF version %u (need 2 or 3; big-endian files are not supported)",
                    g->version);
    if ((rc = rd_u64(&r, &n_tensors, "tensor count"))) return rc;
    if ((rc = rd_u64(&r, &n_kv, "metadata count"))) return rc;
    if ((rc = parse_kvs(g, &r, n_kv))) return rc;
    if ((rc = get_alignment(g, &r))) return rc;
    /* name len (8) + name (>=1) + n_dims (4) + one dim (8) + type (4) + offset (8) */
    if (n_tensors > MAX_TENSORS)
        return fail(&r, "implausible tensor count %llu", (unsigned long long)n_tensors);
    if (n_tensors > left(&r) / 33)
        return fail(&r, "truncated file: tensor count %llu cannot fit in the %zu bytes left",
                    (unsigned long long)n_tensors, left(&r));
    g->tensors = calloc((size_t)(n_tensors ? n_tensors : 1), sizeof *g->tensors);
    if (!g->tensors || strmap_init(&g->tensor_map, (size_t)n_tensors)) return GGUF_ENOMEM;
    for (size_t i = 0; i < n_tensors; i++)
        if ((rc = parse_tensor_info(g, &r, i))) return rc;
    return place_tensors(g, &r);
}

/* ---- open / close ---- */

static int open_common(struct gguf **out, struct gguf *g, char *err, size_t errlen) {
    int rc = gguf_parse(g, err, errlen);
    if (rc) {
        if (rc == GGUF_ENOMEM && err && errlen) snprintf(err, errlen, "out of memory");
        gguf_close(g);
        return rc;
    }
    *out = g;
    return GGUF_OK;
}

int gguf_open_buffer(struct gguf **out, const void *data, size_t size, char *err, size_t errlen) {
    *out = NULL;
    struct gguf *g = calloc(1, sizeof *g);
    if (!g) {
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return GGUF_ENOMEM;
    }
    g->base = data;
    g->size = data ? size : 0;
    return open_common(out, g, err, errlen);
}

#define HUGE_PAGE (2u << 20)

/* The file copied into anonymous memory backed by 2 MiB pages.  Decode
 * reads every weight once per token: with 4 KiB pages of the file mapping
 * the TLB misses cost about a fifth of the rate (the kernel here cannot map
 * a regular file with huge pages: MADV_COLLAPSE refuses file memory).  The
 * copy costs load time and a second copy in memory while the page cache
 * keeps the file, so it is an option.  Returns MAP_FAILED with errno set. */
static void *copy_huge(int fd, size_t size, size_t *map_len) {
    size_t len = (size + HUGE_PAGE - 1) & ~(size_t)(HUGE_PAGE - 1);
    /* reserve one huge page more, so the copy can start on a 2 MiB boundary */
    uint8_t *raw = mmap(NULL, len + HUGE_PAGE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (raw == MAP_FAILED) return MAP_FAILED;
    uint8_t *p = (uint8_t *)(((uintptr_t)raw + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (p > raw) munmap(raw, (size_t)(p - raw));
    if (p + len < raw + len + HUGE_PAGE) munmap(p + len, (size_t)(raw + len + HUGE_PAGE - (p + len)));
    madvise(p, len, MADV_HUGEPAGE); /* a hint: without THP the copy still works */
    for (size_t done = 0; done < size;) {
        ssize_t n = pread(fd, p + done, size - done > (64u << 20) ? (64u << 20) : size - done,
                          (off_t)done);
        if (n <= 0) {
            int e = n < 0 ? errno : EIO;
            munmap(p, len);
            errno = e;
            return MAP_FAILED;
        }
        done += (size_t)n;
    }
    mprotect(p, len, PROT_READ); /* as read-only as the file mapping */
    *map_len = len;
    return p;
}

int gguf_open_file(struct gguf **out, const char *path, char *err, size_t errlen) {
    return gguf_open_file_flags(out, path, 0, err, errlen);
}

int gguf_open_file_flags(struct gguf **out, const char *path, int flags, char *err,
                         size_t errlen) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (err && errlen) snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return GGUF_EIO;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
        if (err && errlen) snprintf(err, errlen, "%s: not a non-empty regular file", path);
        close(fd);
        return GGUF_EIO;
    }
    size_t map_len = (size_t)st.st_size;
    void *p = flags & GGUF_HUGE_PAGES
                  ? copy_huge(fd, (size_t)st.st_size, &map_len)
                  : mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);                                /* the mapping keeps the file */
    if (p == MAP_FAILED) {
        if (err && errlen)
            snprintf(err, errlen, "%s: %s: %s", path,
                     flags & GGUF_HUGE_PAGES ? "reading into huge pages" : "mmap", strerror(e));
        return GGUF_EIO;
    }
    struct gguf *g = calloc(1, sizeof *g);
    if (!g) {
        munmap(p, map_len);
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return GGUF_ENOMEM;
    }
    g->base = p;
    g->size = (size_t)st.st_size;
    g->mapped = 1;
    g->map_len = map_len;
    int rc = open_common(out, g, err, errlen);
    if (rc && err && errlen) {
        /* Prefix the path so the caller's message is self-contained. */
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", err);
        snprintf(err, errlen, "%s: %s", path, tmp);
    }
    return rc;
}

void gguf_close(struct gguf *g) {
    if (!g) return;
    for (size_t i = 0; i < g->n_kv; i++) {
        free(g->kv[i].key);
        free(g->kv[i].str);
        free(g->kv[i].strs);
    }
    for (size_t i = 0; i < g->n_tensors; i++) free((char *)g->tensors[i].name);
    free(g->kv);
    free(g->tensors);
    free(g->kv_map.slot);
    free(g->tensor_map.slot);
    if (g->mapped) munmap((void *)g->base, g->map_len);
    free(g);
}

/* ---- accessors ---- */

uint32_t gguf_version(const struct gguf *g) { return g->version; }
size_t gguf_alignment(const struct gguf *g) { return g->alignment; }
const void *gguf_data(const struct gguf *g) { return g->base + g->data_off; }
size_t gguf_data_size(const struct gguf *g) { return g->size - g->data_off; }
size_t gguf_n_kv(const struct gguf *g) { return g->n_kv; }
size_t gguf_n_tensors(const struct gguf *g) { return g->n_tensors; }

int64_t gguf_find_key(const struct gguf *g, const char *key) {
    if (!g->kv_map.slot) return -1;
    return g->kv_map.slot[strmap_probe(&g->kv_map, key, kv_name_of, g)];
}

const char *gguf_kv_key(const struct gguf *g, size_t i) { return i < g->n_kv ? g->kv[i].key : NULL; }
enum gguf_type gguf_kv_type(const struct gguf *g, size_t i) {
    return i < g->n_kv ? (enum gguf_type)g->kv[i].type : GGUF_TYPE_COUNT;
}
enum gguf_type gguf_kv_arr_type(const struct gguf *g, size_t i) {
    if (i >= g->n_kv || g->kv[i].type != GGUF_TYPE_ARRAY) return GGUF_TYPE_COUNT;
    return (enum gguf_type)g->kv[i].arr_type;
}
uint64_t gguf_kv_arr_n(const struct gguf *g, size_t i) {
    if (i >= g->n_kv || g->kv[i].type != GGUF_TYPE_ARRAY) return 0;
    return g->kv[i].n;
}

const struct gguf_tensor *gguf_tensor_at(const struct gguf *g, size_t i) {
    return i < g->n_tensors ? &g->tensors[i] : NULL;
}

const struct gguf_tensor *gguf_find_tensor(const struct gguf *g, const char *name) {
    if (!g->tensor_map.slot) return NULL;
    int64_t i = g->tensor_map.slot[strmap_probe(&g->tensor_map, name, tensor_name_of, g)];
    return i < 0 ? NULL : &g->tensors[i];
}

/* One numeric value of type t at p, as both a signed/unsigned integer and a
 * double. is_int tells whether it is an integer type; neg whether < 0. */
struct num { int is_int, neg; uint64_t u; int64_t i; double d; };

static int read_num(uint32_t t, const uint8_t *p, struct num *n) {
    memset(n, 0, sizeof *n);
    n->is_int = 1;
    switch (t) {
    case GGUF_TYPE_UINT8: { uint8_t v; memcpy(&v, p, 1); n->u = v; break; }
    case GGUF_TYPE_BOOL: { uint8_t v; memcpy(&v, p, 1); n->u = v != 0; break; }
    case GGUF_TYPE_UINT16: { uint16_t v; memcpy(&v, p, 2); n->u = v; break; }
    case GGUF_TYPE_UINT32: { uint32_t v; memcpy(&v, p, 4); n->u = v; break; }
    case GGUF_TYPE_UINT64: { uint64_t v; memcpy(&v, p, 8); n->u = v; break; }
    case GGUF_TYPE_INT8: { int8_t v; memcpy(&v, p, 1); n->i = v; n->neg = v < 0; break; }
    case GGUF_TYPE_INT16: { int16_t v; memcpy(&v, p, 2); n->i = v; n->neg = v < 0; break; }
    case GGUF_TYPE_INT32: { int32_t v; memcpy(&v, p, 4); n->i = v; n->neg = v < 0; break; }
    case GGUF_TYPE_INT64: { int64_t v; memcpy(&v, p, 8); n->i = v; n->neg = v < 0; break; }
    case GGUF_TYPE_FLOAT32: { float v; memcpy(&v, p, 4); n->d = v; n->is_int = 0; return 0; }
    case GGUF_TYPE_FLOAT64: { double v; memcpy(&v, p, 8); n->d = v; n->is_int = 0; return 0; }
    default: return -1;
    }
    if (t == GGUF_TYPE_INT8 || t == GGUF_TYPE_INT16 || t == GGUF_TYPE_INT32 || t == GGUF_TYPE_INT64) {
        n->u = n->neg ? 0 : (uint64_t)n->i;
        n->d = (double)n->i;
    } else {
        n->i = n->u > INT64_MAX ? INT64_MAX : (int64_t)n->u;
        n->d = (double)n->u;
    }
    return 0;
}

static const struct kv *find_scalar(const struct gguf *g, const char *key, struct num *n, int *rc) {
    int64_t i = gguf_find_key(g, key);
    if (i < 0) { *rc = GGUF_ENOKEY; return NULL; }
    const struct kv *kv = &g->kv[i];
    if (read_num(kv->type, kv->val, n)) { *rc = GGUF_ETYPE; return NULL; }
    *rc = GGUF_OK;
    return kv;
}

int gguf_get_u64(const struct gguf *g, const char *key, uint64_t *out) {
    struct num n; int rc;
    if (!find_scalar(g, key, &n, &rc)) return rc;
    if (!n.is_int || n.neg) return GGUF_ETYPE;
    *out = n.u;
    return GGUF_OK;
}

int gguf_get_u32(const struct gguf *g, const char *key, uint32_t *out) {
    struct num n; int rc;
    if (!find_scalar(g, key, &n, &rc)) return rc;
    if (!n.is_int || n.neg || n.u > UINT32_MAX) return GGUF_ETYPE;
    *out = (uint32_t)n.u;
    return GGUF_OK;
}

static int num_to_i32(const struct num *n, int32_t *out) {
    if (!n->is_int) return GGUF_ETYPE;
    if (n->neg ? n->i < INT32_MIN : n->u > INT32_MAX) return GGUF_ETYPE;
    *out = (int32_t)(n->neg ? n->i : (int64_t)n->u);
    return GGUF_OK;
}

int gguf_get_i32(const struct gguf *g, const char *key, int32_t *out) {
    struct num n; int rc;
    if (!find_scalar(g, key, &n, &rc)) return rc;
    return num_to_i32(&n, out);
}

int gguf_get_f32(const struct gguf *g, const char *key, float *out) {
    struct num n; int rc;
    if (!find_scalar(g, key, &n, &rc)) return rc;
    *out = (float)n.d;
    return GGUF_OK;
}

int gguf_get_bool(const struct gguf *g, const char *key, int *out) {
    struct num n; int rc;
    if (!find_scalar(g, key, &n, &rc)) return rc;
    if (!n.is_int) return GGUF_ETYPE;
    *out = n.u != 0 || n.neg;
    return GGUF_OK;
}

int gguf_get_str(const struct gguf *g, const char *key, const char **out, size_t *len) {
    int64_t i = gguf_find_key(g, key);
    if (i < 0) return GGUF_ENOKEY;
    if (g->kv[i].type != GGUF_TYPE_STRING) return GGUF_ETYPE;
    *out = g->kv[i].str;
    if (len) *len = (size_t)g->kv[i].str_len;
    return GGUF_OK;
}

static const struct kv *find_array(const struct gguf *g, const char *key, int *rc) {
    int64_t i = gguf_find_key(g, key);
    if (i < 0) { *rc = GGUF_ENOKEY; return NULL; }
    if (g->kv[i].type != GGUF_TYPE_ARRAY) { *rc = GGUF_ETYPE; return NULL; }
    *rc = GGUF_OK;
    return &g->kv[i];
}

int gguf_get_arr_n(const struct gguf *g, const char *key, size_t *n) {
    int rc;
    const struct kv *kv = find_array(g, key, &rc);
    if (kv) *n = (size_t)kv->n;
    return rc;
}

int gguf_get_arr_str(const struct gguf *g, const char *key, const struct gguf_str **arr, size_t *n) {
    int rc;
    const struct kv *kv = find_array(g, key, &rc);
    if (!kv) return rc;
    if (kv->arr_type != GGUF_TYPE_STRING) return GGUF_ETYPE;
    *arr = kv->strs;
    *n = (size_t)kv->n;
    return GGUF_OK;
}

int gguf_get_arr_f32(const struct gguf *g, const char *key, float *dst, size_t cap, size_t *n) {
    int rc;
    const struct kv *kv = find_array(g, key, &rc);
    if (!kv) return rc;
    size_t sz = scalar_size(kv->arr_type);
    if (sz == 0 || kv->arr_type == GGUF_TYPE_BOOL || kv->n > cap) return GGUF_ETYPE;
    for (size_t i = 0; i < kv->n; i++) {
        struct num v;
        read_num(kv->arr_type, kv->val + i * sz, &v);
        dst[i] = (float)v.d;
    }
    *n = (size_t)kv->n;
    return GGUF_OK;
}

int gguf_get_arr_i32(const struct gguf *g, const char *key, int32_t *dst, size_t cap, size_t *n) {
    int rc;
    const struct kv *kv = find_array(g, key, &rc);
    if (!kv) return rc;
    size_t sz = scalar_size(kv->arr_type);
    if (sz == 0 || kv->n > cap) return GGUF_ETYPE;
    for (size_t i = 0; i < kv->n; i++) {
        struct num v;
        read_num(kv->arr_type, kv->val + i * sz, &v);
        if (num_to_i32(&v, &dst[i])) return GGUF_ETYPE;
    }
    *n = (size_t)kv->n;
    return GGUF_OK;
}
