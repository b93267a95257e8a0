/* dense — the vector arm of the retriever (private to the retriever).
 *
 * Opens the FAISS file that the database names (generation recorded in the
 * dense_meta table by the indexer's embed step), checks that it matches the
 * database and that the model at hand is the model that embedded the
 * vectors, and answers kNN queries on a query's embedding.
 *
 * The index holds the current version of each article and case section; ids
 * are article row ids (articles.id).  Filtering by law, date or kind is done
 * by the caller through the `keep` callback: rt_dense_search over-fetches
 * (k, then 4k, 16k … up to 8192 or the whole index; an IVF file scans 16
 * of its lists, then 64, 256 …) until k kept hits are found, so --law /
 * --as-of filter this arm like the others.  A filter that
 * rejects nearly everything (an --as-of date before most current versions)
 * can leave fewer than k dense hits: the index holds current versions only. */
#ifndef LAWQA_RETRIEVER_DENSE_H
#define LAWQA_RETRIEVER_DENSE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct rt_dense;

/* Returns NULL with a clear reason in note when the database has no vectors
 * (lexical-only index), the vector file is missing or stale, or the model
 * cannot be loaded or differs from the one that embedded the vectors.
 * model_override: a GGUF path to use instead of the one recorded in the
 * database (it must still be the same model: identity is checked).
 * db stays owned by the caller and must outlive the returned handle. */
struct rt_dense *rt_dense_open(struct sqlite3 *db, const char *db_path,
                               const char *model_override, char *note, size_t notelen);

/* Return non-zero to keep an article id (e.g. a prepared SQL check of law,
 * as_of and kind).  A negative return aborts the search with an error. */
typedef int (*rt_dense_keep_fn)(int64_t id, void *ctx);

/* Embeds query and writes up to k best hits (article ids, cosine scores,
 * best first) into ids/scores; *n is the number written.  keep may be NULL
 * (no filter).  Returns 0 or -1 with err. */
int rt_dense_search(struct rt_dense *d, const char *query, size_t k, rt_dense_keep_fn keep,
                    void *keep_ctx, int64_t *ids, float *scores, size_t *n, char *err,
                    size_t errlen);

void rt_dense_close(struct rt_dense *d);

#endif
