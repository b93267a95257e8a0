/* test_gguf.c - GGUF reader: valid files from test_gguf_files.py read back
 * exactly; hostile files, truncations and byte flips fail cleanly (run under
 * ASan to catch any out-of-bounds read). argv[1] = directory of the files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gguf.h"

static const char *dir;

static char *path_of(const char *name) {
    static char buf[4096];
    snprintf(buf, sizeof buf, "%s/%s", dir, name);
    return buf;
}

static unsigned char *slurp(const char *name, size_t *n) {
    FILE *f = fopen(path_of(name), "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    *n = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *p = malloc(*n ? *n : 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, *n, f), *n);
    fclose(f);
    return p;
}

static struct gguf *open_ok(const char *name) {
    struct gguf *g;
    char err[256] = "";
    int rc = gguf_open_file(&g, path_of(name), err, sizeof err);
    if (rc) fail_msg("%s: %s", name, err);
    return g;
}

static void check_metadata(struct gguf *g) {
    uint32_t u32; int32_t i32; uint64_t u64; float f; int b; const char *s; size_t n;
    assert_int_equal(gguf_n_kv(g), 18);
    assert_int_equal(gguf_get_u32(g, "t.u32", &u32), GGUF_OK);
    assert_int_equal(u32, 4000000000u);
    assert_int_equal(gguf_get_i32(g, "t.u32", &i32), GGUF_ETYPE);       /* does not fit */
    assert_int_equal(gguf_get_i32(g, "t.i32", &i32), GGUF_OK);
    assert_int_equal(i32, -2000000000);
    assert_int_equal(gguf_get_i32(g, "t.i8", &i32), GGUF_OK);
    assert_int_equal(i32, -100);
    assert_int_equal(gguf_get_u32(g, "t.i8", &u32), GGUF_ETYPE);        /* negative */
    assert_int_equal(gguf_get_u32(g, "t.u8", &u32), GGUF_OK);
    assert_int_equal(u32, 200);
    assert_int_equal(gguf_get_u32(g, "t.u16", &u32), GGUF_OK);
    assert_int_equal(u32, 60000);
    assert_int_equal(gguf_get_i32(g, "t.i16", &i32), GGUF_OK);
    assert_int_equal(i32, -30000);
    assert_int_equal(gguf_get_u64(g, "t.u64", &u64), GGUF_OK);
    assert_true(u64 == (1ull << 40) + 7);
    assert_int_equal(gguf_get_u32(g, "t.u64", &u32), GGUF_ETYPE);
    assert_int_equal(gguf_get_i32(g, "t.i64", &i32), GGUF_OK);
    assert_int_equal(i32, -5);
    assert_int_equal(gguf_get_f32(g, "t.f32", &f), GGUF_OK);
    assert_true(f == 1.5f);
    assert_int_equal(gguf_get_f32(g, "t.f64", &f), GGUF_OK);
    assert_true(f == 0.25f);
    assert_int_equal(gguf_get_u32(g, "t.f32", &u32), GGUF_ETYPE);
    assert_int_equal(gguf_get_bool(g, "t.bool", &b), GGUF_OK);
    assert_true(b);
    assert_int_equal(gguf_get_str(g, "t.str", &s, &n), GGUF_OK);
    assert_string_equal(s, "h\xc3\xa9llo \xe4\xb8\xad\xe6\x96\x87");
    assert_int_equal(n, strlen(s));
    assert_int_equal(gguf_get_str(g, "t.u32", &s, &n), GGUF_ETYPE);
    assert_int_equal(gguf_get_u32(g, "nope", &u32), GGUF_ENOKEY);
    assert_int_equal(gguf_find_key(g, "nope"), -1);

    const struct gguf_str *arr;
    assert_int_equal(gguf_get_arr_str(g, "t.arr_str", &arr, &n), GGUF_OK);
    assert_int_equal(n, 3);
    assert_true(arr[0].len == 1 && arr[0].ptr[0] == 'a');
    assert_true(arr[1].len == 0);
    assert_true(arr[2].len == 3 && memcmp(arr[2].ptr, "\xe4\xb8\xad", 3) == 0);
    assert_int_equal(gguf_get_arr_str(g, "t.arr_f32", &arr, &n), GGUF_ETYPE);
    float fa[4]; int32_t ia[4];
    assert_int_equal(gguf_get_arr_f32(g, "t.arr_f32", fa, 4, &n), GGUF_OK);
    assert_true(n == 3 && fa[0] == 0.5f && fa[1] == -2.0f && fa[2] == 3.25f);
    assert_int_equal(gguf_get_arr_f32(g, "t.arr_f32", fa, 2, &n), GGUF_ETYPE);   /* cap */
    assert_int_equal(gguf_get_arr_i32(g, "t.arr_i32", ia, 4, &n), GGUF_OK);
    assert_true(n == 3 && ia[0] == 1 && ia[1] == -2 && ia[2] == 3);
    assert_int_equal(gguf_get_arr_i32(g, "t.arr_u8", ia, 4, &n), GGUF_OK);
    assert_true(n == 3 && ia[2] == 250);
    assert_int_equal(gguf_get_arr_i32(g, "t.arr_f32", ia, 4, &n), GGUF_ETYPE);
    assert_int_equal(gguf_get_arr_n(g, "t.arr_empty", &n), GGUF_OK);
    assert_int_equal(n, 0);
    int64_t k = gguf_find_key(g, "t.arr_str");
    assert_true(k >= 0);
    assert_int_equal(gguf_kv_type(g, (size_t)k), GGUF_TYPE_ARRAY);
    assert_int_equal(gguf_kv_arr_type(g, (size_t)k), GGUF_TYPE_STRING);
    assert_int_equal(gguf_kv_arr_n(g, (size_t)k), 3);
    assert_string_equal(gguf_kv_key(g, (size_t)k), "t.arr_str");
}

static void check_tensors(struct gguf *g, size_t align) {
    assert_int_equal(gguf_n_tensors(g), 5);
    const struct gguf_tensor *t = gguf_find_tensor(g, "f32");
    assert_non_null(t);
    assert_int_equal(t->type, GGML_TYPE_F32);
    assert_int_equal(t->n_dims, 2);
    assert_true(t->ne[0] == 3 && t->ne[1] == 2 && t->ne[2] == 1 && t->ne[3] == 1);
    assert_int_equal(t->nbytes, 24);
    float v[6];
    memcpy(v, t->data, sizeof v);
    for (int i = 0; i < 6; i++) assert_true(v[i] == (float)i);
    t = gguf_find_tensor(g, "q8");
    assert_true(t && t->type == GGML_TYPE_Q8_0 && t->nbytes == 136 && t->ne[1] == 2);
    t = gguf_find_tensor(g, "q4k");
    assert_true(t && t->type == GGML_TYPE_Q4_K && t->nbytes == 144);
    t = gguf_find_tensor(g, "q6k");
    assert_true(t && t->type == GGML_TYPE_Q6_K && t->nbytes == 420 && t->n_dims == 4);
    assert_null(gguf_find_tensor(g, "nope"));
    const char *base = gguf_data(g);
    size_t seen = 0;
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        t = gguf_tensor_at(g, i);
        assert_non_null(t);
        assert_ptr_equal(gguf_find_tensor(g, t->name), t);
        assert_int_equal(((const char *)t->data - base) % align, 0);
        assert_int_equal((uintptr_t)t->data % align, 0);            /* mmap is page aligned */
        assert_true((const char *)t->data + t->nbytes <= base + gguf_data_size(g));
        seen++;
    }
    assert_int_equal(seen, 5);
    assert_null(gguf_tensor_at(g, 5));
}

static void test_valid(void **state) {
    (void)state;
    struct gguf *g = open_ok("valid.gguf");
    assert_int_equal(gguf_version(g), 3);
    assert_int_equal(gguf_alignment(g), 32);
    check_metadata(g);
    check_tensors(g, 32);
    gguf_close(g);

    g = open_ok("valid_v2.gguf");
    assert_int_equal(gguf_version(g), 2);
    check_tensors(g, 32);
    gguf_close(g);

    g = open_ok("valid_align64.gguf");
    assert_int_equal(gguf_alignment(g), 64);
    check_tensors(g, 64);
    gguf_close(g);

    g = open_ok("valid_notensors.gguf");
    assert_int_equal(gguf_n_tensors(g), 0);
    const char *s;
    assert_int_equal(gguf_get_str(g, "general.name", &s, NULL), GGUF_OK);
    assert_string_equal(s, "vocab only");
    gguf_close(g);
}

static void expect_error(const char *name, const char *msg_part) {
    struct gguf *g = (struct gguf *)1;
    char err[512] = "";
    int rc = gguf_open_file(&g, path_of(name), err, sizeof err);
    if (rc == GGUF_OK) fail_msg("%s: opened, expected an error", name);
    assert_null(g);
    if (!strstr(err, msg_part)) fail_msg("%s: error '%s' lacks '%s'", name, err, msg_part);
}

static void test_hostile_files(void **state) {
    (void)state;
    expect_error("bad_version.gguf", "version 1");
    expect_error("huge_kv_count.gguf", "metadata count");
    expect_error("huge_tensor_count.gguf", "tensor count");
    expect_error("str_beyond_eof.gguf", "string value");
    expect_error("arr_beyond_eof.gguf", "elements");
    expect_error("nested_array.gguf", "nested");
    expect_error("bad_kv_type.gguf", "unknown value type");
    expect_error("dup_key.gguf", "duplicate metadata key 'k'");
    expect_error("bad_alignment.gguf", "alignment 48");
    expect_error("tensor_outside.gguf", "outside");
    expect_error("misaligned.gguf", "not a multiple of the alignment");
    expect_error("unknown_type.gguf", "unknown ggml type 4");
    expect_error("unknown_type99.gguf", "unknown ggml type 99");
    expect_error("dup_tensor.gguf", "duplicate tensor name 'x'");
    expect_error("ndims5.gguf", "n_dims 5");
    expect_error("zero_dim.gguf", "dim 1 is 0");
    expect_error("row_not_block.gguf", "multiple of the Q8_0 block size 32");
    expect_error("dims_overflow.gguf", "overflows");
    expect_error("long_name.gguf", "tensor name");
    expect_error("truncated_data.gguf", "outside");
    expect_error("does_not_exist.gguf", "does_not_exist.gguf");
}

static int open_buf(const unsigned char *p, size_t n, char *err, size_t errlen) {
    /* Exact-size heap copy so ASan flags any read past the end. */
    unsigned char *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    struct gguf *g;
    int rc = gguf_open_buffer(&g, c, n, err, errlen);
    if (rc == GGUF_OK) {
        /* Touch everything the reader hands out. */
        for (size_t i = 0; i < gguf_n_tensors(g); i++) {
            const struct gguf_tensor *t = gguf_tensor_at(g, i);
            volatile unsigned char sink = 0;
            if (t->nbytes) sink ^= ((const unsigned char *)t->data)[t->nbytes - 1];
            (void)sink;
        }
        for (size_t i = 0; i < gguf_n_kv(g); i++) {
            const struct gguf_str *a; size_t m; const char *s;
            volatile char sink = 0;
            if (gguf_get_arr_str(g, gguf_kv_key(g, i), &a, &m) == GGUF_OK)
                for (size_t j = 0; j < m; j++)
                    if (a[j].len) sink ^= a[j].ptr[a[j].len - 1];
            if (gguf_get_str(g, gguf_kv_key(g, i), &s, &m) == GGUF_OK) sink ^= s[m];
            (void)sink;
        }
        gguf_close(g);
    } else {
        assert_null(g);
    }
    free(c);
    return rc;
}

static void test_bad_magic(void **state) {
    (void)state;
    size_t n;
    unsigned char *p = slurp("valid.gguf", &n);
    char err[256];
    assert_int_equal(open_buf(p, n, err, sizeof err), GGUF_OK);
    p[0] = 'X';
    assert_int_equal(open_buf(p, n, err, sizeof err), GGUF_EFORMAT);
    assert_non_null(strstr(err, "bad magic"));
    free(p);
    assert_int_equal(open_buf((const unsigned char *)"GGU", 3, err, sizeof err), GGUF_EFORMAT);
    assert_int_equal(open_buf((const unsigned char *)"", 0, err, sizeof err), GGUF_EFORMAT);
}

/* Every prefix that cuts into the last tensor's data (or anything before it)
 * is invalid; only the trailing alignment padding may go. Checks each 1/8
 * with its message, then every length. */
static void test_truncated(void **state) {
    (void)state;
    size_t n;
    unsigned char *p = slurp("valid.gguf", &n);
    char err[256];
    for (int k = 0; k < 8; k++) {
        err[0] = 0;
        assert_int_equal(open_buf(p, n * (size_t)k / 8, err, sizeof err), GGUF_EFORMAT);
        if (!strstr(err, "truncated") && !strstr(err, "outside") && !strstr(err, "bad magic"))
            fail_msg("cut at %d/8: unexpected message %s", k, err);
    }
    struct gguf *g;
    assert_int_equal(gguf_open_buffer(&g, p, n, err, sizeof err), GGUF_OK);
    size_t end = 0;
    for (size_t i = 0; i < gguf_n_tensors(g); i++) {
        const struct gguf_tensor *t = gguf_tensor_at(g, i);
        size_t e = (size_t)((const unsigned char *)t->data - p) + t->nbytes;
        if (e > end) end = e;
    }
    gguf_close(g);
    assert_true(end > n - 32 && end <= n);
    for (size_t len = 0; len < n; len++) {
        int rc = open_buf(p, len, err, sizeof err);
        if (len < end) assert_int_equal(rc, GGUF_EFORMAT);
        else assert_int_equal(rc, GGUF_OK);
    }
    free(p);
}

/* Random corruption: any result is acceptable except a crash or a sanitizer
 * report; also checks the error message is always set on failure. */
static void test_byte_flips(void **state) {
    (void)state;
    size_t n;
    unsigned char *p = slurp("valid.gguf", &n);
    unsigned char *q = malloc(n);
    assert_non_null(q);
    uint64_t x = 88172645463325252ull;
    int failed = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(q, p, n);
        for (int f = 0; f < 1 + it % 4; f++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            size_t pos = (size_t)(x % n);
            /* Mostly hit the header/metadata region where structure lives. */
            if (it % 2) pos %= 700;
            q[pos] = (unsigned char)(x >> 32);
        }
        char err[256] = "";
        if (open_buf(q, n, err, sizeof err) != GGUF_OK) {
            assert_true(err[0] != 0);
            failed++;
        }
    }
    assert_true(failed > 100);     /* the flips do hit structure */
    free(q);
    free(p);
}

static void test_type_table(void **state) {
    (void)state;
    static const struct { uint32_t type, blck, size; } want[] = {
        {GGML_TYPE_F32, 1, 4}, {GGML_TYPE_F16, 1, 2}, {GGML_TYPE_Q4_0, 32, 18},
        {GGML_TYPE_Q4_1, 32, 20}, {GGML_TYPE_Q5_0, 32, 22}, {GGML_TYPE_Q5_1, 32, 24},
        {GGML_TYPE_Q8_0, 32, 34}, {GGML_TYPE_Q8_1, 32, 36}, {GGML_TYPE_Q2_K, 256, 84},
        {GGML_TYPE_Q3_K, 256, 110}, {GGML_TYPE_Q4_K, 256, 144}, {GGML_TYPE_Q5_K, 256, 176},
        {GGML_TYPE_Q6_K, 256, 210}, {GGML_TYPE_Q8_K, 256, 292}, {GGML_TYPE_BF16, 1, 2},
        {GGML_TYPE_IQ4_NL, 32, 18}, {GGML_TYPE_IQ4_XS, 256, 136},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint32_t b, s;
        assert_int_equal(ggml_type_block(want[i].type, &b, &s), GGUF_OK);
        assert_int_equal(b, want[i].blck);
        assert_int_equal(s, want[i].size);
    }
    uint32_t b, s;
    assert_int_equal(ggml_type_block(4, &b, &s), GGUF_ETYPE);
    assert_int_equal(ggml_type_block(31, &b, &s), GGUF_ETYPE);
    assert_int_equal(ggml_type_block(1000, &b, &s), GGUF_ETYPE);
    assert_string_equal(ggml_type_name(GGML_TYPE_Q4_K), "Q4_K");
    assert_string_equal(ggml_type_name(77), "?");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR (files from test_gguf_files.py)\n", argv[0]);
        return 2;
    }
    dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_bad_magic),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_type_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
