/* tokenizer_pre.c - the pre-tokenizer regexes of byte-level BPE vocabs,
 * matched by hand. At each position the alternatives are tried in regex
 * order and the first that matches wins, exactly as a backtracking regex
 * engine would; comments show the alternative each branch implements.
 *
 * Invalid UTF-8 bytes are single "characters" of class 0 (like U+FFFD, a
 * symbol), but their original bytes are kept in the emitted word. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>

struct text {
    const char *s;
    size_t n;                   /* characters */
    uint32_t *cp;               /* code point of each character */
    uint32_t *off;              /* byte offset of each character, off[n] = end */
};

static unsigned cls(const struct text *t, size_t i) { return toku_class(t->cp[i]); }
static int is_l(const struct text *t, size_t i) { return i < t->n && (cls(t, i) & TOKU_LETTER); }
static int is_n(const struct text *t, size_t i) { return i < t->n && (cls(t, i) & TOKU_NUMBER); }
static int is_s(const struct text *t, size_t i) { return i < t->n && (cls(t, i) & TOKU_SPACE); }
/* [^\s\p{L}\p{N}] */
static int is_other(const struct text *t, size_t i) {
    return i < t->n && !(cls(t, i) & (TOKU_SPACE | TOKU_LETTER | TOKU_NUMBER));
}
static int is_crlf(const struct text *t, size_t i) {
    return i < t->n && (t->cp[i] == '\r' || t->cp[i] == '\n');
}
static uint32_t lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static size_t run(const struct text *t, size_t i, int (*pred)(const struct text *, size_t)) {
    while (pred(t, i)) i++;
    return i;
}

/* 's|'t|'re|'ve|'m|'ll|'d, optionally case-insensitive. Returns the end or 0. */
static size_t contraction(const struct text *t, size_t i, int icase) {
    if (t->cp[i] != '\'' || i + 1 >= t->n) return 0;
    uint32_t a = icase ? lower(t->cp[i + 1]) : t->cp[i + 1];
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
    if (i + 2 >= t->n) return 0;
    uint32_t b = icase ? lower(t->cp[i + 2]) : t->cp[i + 2];
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
    return 0;
}

/* \s+(?!\S)|\s+ at a whitespace run starting at i: leave the last
 * whitespace character for the next word unless the run ends the text. */
static size_t space_run(const struct text *t, size_t i) {
    size_t k = run(t, i, is_s);
    if (k == t->n || k - 1 == i) return k;
    return k - 1;
}

/* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static size_t match_gpt2(const struct text *t, size_t i) {
    size_t k = contraction(t, i, 0);
    if (k) return k;
    size_t j = t->cp[i] == ' ' ? i + 1 : i;
    if (is_l(t, j)) return run(t, j, is_l);
    if (is_n(t, j)) return run(t, j, is_n);
    if (is_other(t, j)) return run(t, j, is_other);
    return space_run(t, i);
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}
 * | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static size_t match_llama3(const struct text *t, size_t i, size_t max_digits) {
    size_t k = contraction(t, i, 1);
    if (k) return k;
    if (is_l(t, i)) return run(t, i, is_l);
    if (!is_crlf(t, i) && !is_n(t, i) && is_l(t, i + 1)) return run(t, i + 1, is_l);
    if (is_n(t, i)) {
        for (k = i; k < t->n && k - i < max_digits && is_n(t, k); k++) {}
        return k;
    }
    size_t j = t->cp[i] == ' ' ? i + 1 : i;
    if (is_other(t, j)) return run(t, run(t, j, is_other), is_crlf);
    /* \s*[\r\n]+ : up to the last CR/LF inside the whitespace run */
    size_t end = run(t, i, is_s), last = end;
    for (k = i; k < end; k++)
        if (is_crlf(t, k)) last = k;
    if (last != end) return last + 1;
    return space_run(t, i);
}

int pre_split(enum tok_pre pre, const char *s, size_t len, pre_emit_fn emit, void *ctx) {
    if (len == 0) return 0;
    struct text t = {s, 0, malloc(len * sizeof(uint32_t)), malloc((len + 1) * sizeof(uint32_t))};
    if (!t.cp || !t.off) { free(t.cp); free(t.off); return TOK_ENOMEM; }
    for (size_t p = 0; p < len; t.n++) {
        t.off[t.n] = (uint32_t)p;
        p += toku_decode((const unsigned char *)s + p, len - p, &t.cp[t.n]);
    }
    t.off[t.n] = (uint32_t)len;
    int rc = 0;
    for (size_t i = 0; i < t.n && rc == 0;) {
        size_t j;
        if (pre == TOK_PRE_QWEN2) j = match_llama3(&t, i, 1);
        else if (pre == TOK_PRE_LLAMA3) j = match_llama3(&t, i, 3);
        else j = match_gpt2(&t, i);
        rc = emit(ctx, s + t.off[i], t.off[j] - t.off[i]);
        i = j;
    }
    free(t.cp);
    free(t.off);
    return rc;
}
