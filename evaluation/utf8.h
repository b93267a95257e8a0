/* UTF-8 helpers private to the evaluation library. */
#ifndef LAWQA_EV_UTF8_H
#define LAWQA_EV_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes s into malloc'd code points (invalid bytes become U+FFFD), *n set
 * to their count.  NULL s decodes as empty.  Returns NULL when out of memory. */
uint32_t *ev_utf8_decode(const char *s, size_t *n);

/* Length in bytes of the character starting at s (1 for invalid bytes). */
size_t ev_utf8_len(const char *s);

#endif
