/* Turning the gold references of the evaluation sets into database articles.
 * Private to the evaluation library. */
#ifndef LAWQA_EV_RESOLVE_H
#define LAWQA_EV_RESOLVE_H

#include "evaluation.h"

/* The key of a retrieved hit (ev_article_key of its law, number, suffix). */
uint64_t ev_hit_key(const rt_hit *hit);

/* Full title for a law name as written, trying ever shorter tails of it
 * ("民法商法农民专业合作社法" -> 农民专业合作社法) so that a category or
 * other prefix does not hide the name.  malloc'd, or NULL. */
char *ev_resolve_law(rt_handle *h, const char *name, size_t len);

/* A LeCoQA key ("合伙企业法第四条") to its article's key.  Returns 0, or -1
 * with why. */
int ev_resolve_key(rt_handle *h, const char *key, uint64_t *out, char *why, size_t whylen);

/* The article a LawBench 1-1 question asks for ("…XX法第N条的内容是什么？"),
 * looked up directly, in the version in force on as_of (NULL: current).
 * Returns 0 with out filled (rt_hit_clear it), or -1 with why. */
int ev_lookup_question(rt_handle *h, const char *question, const char *as_of, rt_hit *out,
                       char *why, size_t whylen);

/* Keys of the distinct articles cited with a law name in text (《X法》第N条,
 * X法第N条).  Citations that do not resolve are added to r's unresolved
 * list.  Returns 0, or -1 when out of memory. */
int ev_resolve_cited(rt_handle *h, const char *text, size_t len, uint64_t *out, size_t cap,
                     size_t *n, ev_report *r);

/* Adds "ref (why)" to r's unresolved list.  Returns 0 or -1 (no memory). */
int ev_note_unresolved(ev_report *r, const char *ref, const char *why);

#endif
