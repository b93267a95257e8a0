/* arena — the bump allocator that owns every string of one st_doc.
 * A document's strings all die together, so one arena per document lets
 * st_doc_free release everything in a handful of free() calls. */
#ifndef LAWQA_STATUTES_ARENA_H
#define LAWQA_STATUTES_ARENA_H

#include <stddef.h>

#include "statutes.h"

st_arena *arena_new(void);
void arena_free(st_arena *a);
/* Returns NULL only when malloc fails. */
void *arena_alloc(st_arena *a, size_t n);
/* Copies n bytes and appends a NUL. */
char *arena_strndup(st_arena *a, const char *s, size_t n);
char *arena_strdup(st_arena *a, const char *s);
/* Moves every block of src into dst and frees src: used when the parts of
 * a multi-file law are merged into one document. */
void arena_adopt(st_arena *dst, st_arena *src);

#endif
