/* internal — what the statutes module's files share privately. */
#ifndef LAWQA_STATUTES_INTERNAL_H
#define LAWQA_STATUTES_INTERNAL_H

#include <stdarg.h>
#include <stdint.h>

#include "statutes.h"

/* FNV-1a 64: start from FNV_OFFSET and feed bytes; chaining calls hashes
 * the concatenation (how a multi-file law gets one content hash). */
#define FNV_OFFSET 0xcbf29ce484222325ULL
uint64_t fnv1a64(uint64_t h, const void *data, size_t len);

/* st_parse_markdown, also telling the part name: the first '# ' heading
 * after the title (民法典/总则.md has "# 总则"), NULL if there is none.
 * That is how the scanner recognises the part files of one law. */
st_doc *md_parse(const char *buf, size_t len, const char *source_path, const char *category,
                 const char **part, char *err, size_t errlen);

/* Merges parsed part files (already in article order) into one document
 * named after folder; takes ownership of the parts, which are freed. */
st_doc *doc_merge(st_doc **parts, size_t n, const char *folder, uint64_t hash, char *err,
                  size_t errlen);

/* Reads a whole file; *len gets its size.  Caller frees. */
char *read_file(const char *path, size_t *len, char *err, size_t errlen);

/* snprintf into a caller's error buffer, tolerating a NULL one. */
void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
