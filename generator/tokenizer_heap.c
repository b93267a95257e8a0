/* tokenizer_heap.c - binary min-heap of merge candidates shared by the BPE
 * and SentencePiece mergers: O(log n) per merge keeps encoding linearithmic
 * instead of rescanning all pairs after every merge. */
#include "tokenizer_internal.h"

#include <stdlib.h>

static int before(const struct bigram *a, const struct bigram *b) {
    return a->prio < b->prio || (a->prio == b->prio && a->left < b->left);
}

int heap_push(struct bigram_heap *h, struct bigram b) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        struct bigram *a = realloc(h->a, cap * sizeof *a);
        if (!a) return TOK_ENOMEM;
        h->a = a;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && before(&b, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = b;
    return TOK_OK;
}

/* Caller checks h->n > 0. */
struct bigram heap_pop(struct bigram_heap *h) {
    struct bigram top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && before(&h->a[c + 1], &h->a[c])) c++;
        if (!before(&h->a[c], &last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

void heap_free(struct bigram_heap *h) {
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}
