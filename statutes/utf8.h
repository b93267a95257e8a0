/* utf8 — the little UTF-8 handling the parsers need. */
#ifndef LAWQA_STATUTES_UTF8_H
#define LAWQA_STATUTES_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes the code point at s[0..len); stores its byte length in *n.
 * Invalid or truncated sequences yield -1 with *n = 1. */
int32_t utf8_decode(const char *s, size_t len, size_t *n);

/* Number of invalid sequences in s. */
size_t utf8_count_invalid(const char *s, size_t len);

/* Copies s to out, replacing each invalid sequence by U+FFFD; out must
 * hold len * 3 bytes (one bad byte becomes three).  Returns the length. */
size_t utf8_sanitize(const char *s, size_t len, char *out);

/* Blank as far as statutes are concerned: ASCII space/tab/CR/LF/FF/VT,
 * U+3000 ideographic space, U+00A0 no-break space, U+FEFF BOM and the
 * zero-width spaces (some corpus lines hold nothing else). */
bool utf8_is_blank(int32_t c);

/* CJK ideographs, the code points law names are written with. */
bool utf8_is_cjk(int32_t c);

/* Trims blanks on both sides of [*s, *s + *len). */
void utf8_trim(const char **s, size_t *len);

#endif
