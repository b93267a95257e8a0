/* arena — bump allocation in chained blocks; see arena.h. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK (64 * 1024)

typedef struct block {
  struct block *next;
  size_t used, cap;
  max_align_t data[]; /* aligned start for any object */
} block;

struct st_arena {
  block *head; /* the block being filled; older blocks follow */
};

st_arena *arena_new(void) { return calloc(1, sizeof(st_arena)); }

void arena_free(st_arena *a) {
  if (!a) return;
  block *b = a->head;
  while (b) {
    block *next = b->next;
    free(b);
    b = next;
  }
  free(a);
}

static block *block_new(size_t cap) {
  block *b = malloc(sizeof(block) + cap);
  if (!b) return NULL;
  b->next = NULL;
  b->used = 0;
  b->cap = cap;
  return b;
}

void *arena_alloc(st_arena *a, size_t n) {
  const size_t align = sizeof(max_align_t);
  n = (n + align - 1) & ~(align - 1);
  if (n == 0) n = align;
  block *b = a->head;
  if (b && b->cap - b->used >= n) {
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
  }
  if (n > ARENA_BLOCK / 4) {
    /* A big object gets a block of its own, linked behind the current one
     * so the current block's free space is not wasted. */
    block *big = block_new(n);
    if (!big) return NULL;
    big->used = n;
    if (b) {
      big->next = b->next;
      b->next = big;
    } else {
      a->head = big;
    }
    return big->data;
  }
  block *nb = block_new(ARENA_BLOCK);
  if (!nb) return NULL;
  nb->next = b;
  a->head = nb;
  nb->used = n;
  return nb->data;
}

char *arena_strndup(st_arena *a, const char *s, size_t n) {
  char *p = arena_alloc(a, n + 1);
  if (!p) return NULL;
  if (n) memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(st_arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

void arena_adopt(st_arena *dst, st_arena *src) {
  if (!src) return;
  block *b = src->head;
  if (b) {
    /* src's blocks go behind dst's current block: dst keeps filling its
     * own head block. */
    block *tail = b;
    while (tail->next) tail = tail->next;
    if (dst->head) {
      tail->next = dst->head->next;
      dst->head->next = b;
    } else {
      dst->head = b;
    }
  }
  src->head = NULL;
  free(src);
}
