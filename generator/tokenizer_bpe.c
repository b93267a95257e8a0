/* tokenizer_bpe.c - byte-level BPE of one pre-tokenized word.
 *
 * Each raw byte starts as the token of its GPT-2 alphabet character; the
 * adjacent pair with the lowest merge rank (leftmost on ties) is merged
 * until no pair is in the merge table. Candidates sit in a heap and are
 * re-validated when popped, since a neighbour may have merged meanwhile. */
#include "tokenizer_internal.h"
#include "tokenizer_unicode.h"

#include <stdlib.h>
#include <string.h>

static int try_add(const struct tokenizer *t, const struct symbol *sym, int32_t l, int32_t r,
                   struct bigram_heap *h) {
    if (l < 0 || r < 0) return TOK_OK;
    int32_t merged;
    int32_t rank = tok_merge_rank(t, sym[l].id, sym[r].id, &merged);
    if (rank < 0) return TOK_OK;
    return heap_push(h, (struct bigram){(double)rank, l, r, sym[l].n + sym[r].n});
}

/* llama-3 style vocabs take a word whole when it is a token. */
static int32_t whole_word(const struct tokenizer *t, const char *w, size_t n) {
    char stackbuf[256];
    char *buf = n * 2 <= sizeof stackbuf ? stackbuf : malloc(n * 2);
    if (!buf) return -1;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += toku_encode(bpe_byte_to_cp((unsigned char)w[i]), buf + m);
    int32_t id = tok_find(t, buf, m);
    if (buf != stackbuf) free(buf);
    return id;
}

static int emit_symbols(const struct tokenizer *t, const struct symbol *sym, const char *w,
                        struct tok_ids *out) {
    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        if (sym[i].id >= 0) {
            if (tok_push(out, sym[i].id)) return TOK_ENOMEM;
            continue;
        }
        for (uint32_t k = 0; k < sym[i].n; k++) {     /* vocab lacks a byte */
            int32_t id = t->byte_id[(unsigned char)w[sym[i].off + k]];
            if (id < 0) id = t->unk;
            if (id >= 0 && tok_push(out, id)) return TOK_ENOMEM;
        }
    }
    return TOK_OK;
}

int bpe_encode_word(const struct tokenizer *t, const char *w, size_t n, struct tok_ids *out) {
    if (n == 0) return TOK_OK;
    if (t->ignore_merges) {
        int32_t id = whole_word(t, w, n);
        if (id >= 0) return tok_push(out, id);
    }
    struct symbol *sym = malloc(n * sizeof *sym);
    struct bigram_heap h = {0};
    if (!sym) return TOK_ENOMEM;
    int rc = TOK_OK;
    for (size_t i = 0; i < n; i++)
        sym[i] = (struct symbol){(int32_t)i - 1, i + 1 < n ? (int32_t)i + 1 : -1, (uint32_t)i, 1,
                                 t->byte_id[(unsigned char)w[i]]};
    for (size_t i = 0; i + 1 < n && !rc; i++) rc = try_add(t, sym, (int32_t)i, (int32_t)i + 1, &h);
    while (h.n && !rc) {
        struct bigram b = heap_pop(&h);
        struct symbol *L = &sym[b.left], *R = &sym[b.right];
        if (L->n == 0 || R->n == 0 || L->n + R->n != b.size || L->next != b.right) continue;
        int32_t merged;
        tok_merge_rank(t, L->id, R->id, &merged);
        L->id = merged;
        L->n += R->n;
        R->n = 0;
        L->next = R->next;
        if (L->next >= 0) sym[L->next].prev = b.left;
        rc = try_add(t, sym, L->prev, b.left, &h);
        if (!rc) rc = try_add(t, sym, b.left, L->next, &h);
    }
    if (!rc) rc = emit_symbols(t, sym, w, out);
    heap_free(&h);
    free(sym);
    return rc;
}
