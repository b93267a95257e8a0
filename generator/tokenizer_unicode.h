/* tokenizer_unicode.h - UTF-8 decoding and the code point classes that the
 * pre-tokenizer regexes need (\p{L}, \p{N}, \p{P}, \s). Private. */
#ifndef LAWQA_TOKENIZER_UNICODE_H
#define LAWQA_TOKENIZER_UNICODE_H

#include <stddef.h>
#include <stdint.h>

#define TOKU_LETTER 1
#define TOKU_NUMBER 2
#define TOKU_PUNCT  4
#define TOKU_SPACE  8

struct toku_range { uint32_t lo, hi; uint8_t flags; };
extern const struct toku_range toku_ranges[];   /* generated table */
extern const unsigned toku_n_ranges;

/* Class bits of a code point (0 for unassigned, symbols, marks, ...). */
unsigned toku_class(uint32_t cp);

/* Decode one character at s[0..n) (n > 0). Returns its byte length (1..4)
 * and sets *cp. An invalid or truncated sequence counts as one byte with
 * *cp = TOKU_INVALID, so callers keep the original bytes and never lose data. */
#define TOKU_INVALID 0xFFFFFFFFu
size_t toku_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encode cp as UTF-8 into out (4 bytes room); returns the length. */
size_t toku_encode(uint32_t cp, char *out);

/* Length a valid sequence starting with lead byte b would have (1..4), or 0
 * if b cannot start a sequence. */
size_t toku_lead_len(unsigned char b);

#endif
