/* tokenizer_spm.c - SentencePiece BPE as llama.cpp runs it: spaces become
 * U+2581, an optional dummy prefix U+2581 is added, characters are merged
 * pairwise preferring the highest-scoring resulting token (leftmost on
 * ties), and characters that never became a token fall back to <0xXX>
 * byte tokens. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>
#include <string.h>

#define SPACE_MARK "\xe2\x96\x81"   /* U+2581 LOWER ONE EIGHTH BLOCK */


static int try_add(const struct tokenizer *t, const char *s, const struct symbol *sym,
                   int32_t l, int32_t r, struct bigram_heap *h) {
    if (l < 0 || r < 0) return TOK_OK;
    int32_t id = tok_find(t, s + sym[l].off, sym[l].n + sym[r].n);
    if (id < 0) return TOK_OK;
    return heap_push(h, (struct bigram){-(double)t->scores[id], l, r, sym[l].n + sym[r].n});
}

/* Working string: optional prefix mark, then text with ' ' -> U+2581. */
static char *escape(const char *s, size_t n, int add_prefix, size_t *out_len) {
    size_t spaces = 0;
    for (size_t i = 0; i < n; i++) spaces += s[i] == ' ';
    char *w = malloc(n + 2 * spaces + 3 + 1);
    if (!w) return NULL;
    size_t m = 0;
    if (add_prefix) { memcpy(w, SPACE_MARK, 3); m = 3; }
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') { memcpy(w + m, SPACE_MARK, 3); m += 3; }
        else w[m++] = s[i];
    }
    *out_len = m;
    return w;
}

static int emit_symbols(const struct tokenizer *t, const char *s, const struct symbol *sym,
                        struct tok_ids *out) {
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        int32_t id = tok_find(t, s + sym[i].off, sym[i].n);
        if (id >= 0) {
            if (tok_push(out, id)) return TOK_ENOMEM;
            continue;
        }
        for (uint32_t k = 0; k < sym[i].n; k++) {
            id = t->byte_id[(unsigned char)s[sym[i].off + k]];
            if (id < 0) id = t->unk;
            if (id >= 0 && tok_push(out, id)) return TOK_ENOMEM;
        }
    }
    return TOK_OK;
}

int spm_encode(const struct tokenizer *t, const char *text, size_t n, int add_prefix,
               struct tok_ids *out) {
    if (n == 0) return TOK_OK;
    size_t len = 0;
    char *s = escape(text, n, add_prefix, &len);
    struct symbol *sym = malloc(len * sizeof *sym);
    struct bigram_heap h = {0};
    if (!s || !sym) { free(s); free(sym); return TOK_ENOMEM; }
    int32_t ns = 0;
    for (size_t p = 0; p < len; ns++) {
        /* A malformed byte is a symbol of its own (llama.cpp trusts the lead
         * byte and can swallow the following U+2581, which then decodes as
         * raw bytes instead of a space); for valid UTF-8 both agree. */
        uint32_t cp;
        size_t cl = toku_decode((const unsigned char *)s + p, len - p, &cp);
        sym[ns] = (struct symbol){ns - 1, -1, (uint32_t)p, (uint32_t)cl, -1};
        if (ns > 0) sym[ns - 1].next = ns;
        p += cl;
    }
    int rc = TOK_OK;
    for (int32_t i = 0; i + 1 < ns && !rc; i++) rc = try_add(t, s, sym, i, i + 1, &h);
    while (h.n && !rc) {
        struct bigram b = heap_pop(&h);
        struct symbol *L = &sym[b.left], *R = &sym[b.right];
        if (L->n == 0 || R->n == 0 || L->n + R->n != b.size) continue;
        L->n += R->n;
        R->n = 0;
        L->next = R->next;
        if (L->next >= 0) sym[L->next].prev = b.left;
        rc = try_add(t, s, sym, L->prev, b.left, &h);
        if (!rc) rc = try_add(t, s, sym, b.left, L->next, &h);
    }
    if (!rc) rc = emit_symbols(t, s, sym, out);
    heap_free(&h);
    free(sym);
    free(s);
    return rc;
}
