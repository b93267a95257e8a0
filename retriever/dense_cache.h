/* dense_cache — one copy per process of each FAISS file in use, shared by
 * every handle (private to the retriever).
 *
 * A service opens one rt_handle per worker thread; without sharing, each
 * would hold its own copy of the vectors (215 MB for 60k 896-d vectors).
 * Entries are keyed by the file's path, device and inode, so a rebuilt
 * file (a new generation, or the same name replaced) is a new entry.
 * A shared index is never modified after loading: concurrent searches on
 * it are safe.  Each handle still verifies the index against its own
 * database before using it. */
#ifndef LAWQA_RETRIEVER_DENSE_CACHE_H
#define LAWQA_RETRIEVER_DENSE_CACHE_H

#include <stddef.h>

#include <faiss/c_api/Index_c.h>

#include "embed_store.h"

struct sqlite3;

/* The verified index of m's generation, loaded or shared; efSearch set to
 * ef for HNSW, nprobe to every list for IVF (rt_dense_search chooses the
 * lists itself).  NULL with err. */
FaissIndex *rt_dense_cache_get(struct sqlite3 *db, const char *db_path, const ix_vec_meta *m,
                               int ef, char *err, size_t errlen);
/* Gives back one reference; the last one frees the index. */
void rt_dense_cache_put(FaissIndex *idx);

#endif
