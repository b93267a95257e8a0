/* label — recognises the numbered labels that start units: 第X条[之Y] for
 * articles, 一、 / （一） / 1. for the sections of interpretations. */
#ifndef LAWQA_STATUTES_LABEL_H
#define LAWQA_STATUTES_LABEL_H

#include <stddef.h>

typedef enum { NUM_NONE = 0, NUM_CN, NUM_PAREN_CN, NUM_DIGIT } num_style;

/* Bytes of the longest numeral at s (Chinese digits and units, ASCII or
 * full-width digits), 0 if none.  ASCII/full-width digits and Chinese
 * characters are not mixed in one numeral. */
size_t numeral_prefix(const char *s, size_t n);

/* 第X条 with an optional 之Y at s.  Returns the bytes consumed, 0 if s does
 * not start that way or X is not a valid number >= 1. */
size_t label_article(const char *s, size_t n, long *num, int *suffix);

/* Like label_article, but also takes what the corpus's typos look like:
 * 笫 for 第, and blanks around the number ("第一百二十八 条").  The parser
 * only believes it where the number is the one expected next. */
size_t label_article_loose(const char *s, size_t n, long *num, int *suffix);

/* 一、 / （一） / (一) / 1. / 1、 / １． at s.  Returns the bytes of the label,
 * 0 if none; *style says which form. */
size_t label_section(const char *s, size_t n, num_style *style, long *num);

#endif
