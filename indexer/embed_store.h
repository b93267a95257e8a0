/* embed_store — the on-disk form of lawqa's dense vectors, shared by the
 * indexer's embed step (writer) and the retriever's dense arm (reader), so
 * that both sides agree on one definition.
 *
 * In the database:
 *   dense_meta     one row: which model embedded the vectors (identity,
 *                  architecture, layers, pooling, dimension), the generation
 *                  of the current FAISS file, and a fingerprint of its ids.
 *   dense_vectors  text_hash -> float32 vector BLOB.  Keyed by the hash of
 *                  the embedded text, so an article whose row id changes but
 *                  whose text does not is not embedded again, and the FAISS
 *                  file can be rebuilt without the model.
 *   dense_articles article_id -> text_hash: what the FAISS file holds.
 *
 * Next to the database: "<db>.vec.<generation>.faiss", an IDMap'd FAISS
 * index over dense_articles with article ids as labels, inner product
 * metric (vectors are L2-normalized, so scores are cosines). */
#ifndef LAWQA_INDEXER_EMBED_STORE_H
#define LAWQA_INDEXER_EMBED_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/Index_c.h>

struct sqlite3;

/* Up to this many vectors an exact flat scan answers within ~2 ms with
 * Debian's scalar FAISS build (5.4 ms of CPU per query at 10k vectors of
 * dimension 896, see docs/dense.md); above it, an IVF (inverted lists). */
#define IX_VEC_FLAT_MAX 3000

typedef struct {
  char model_id[80];   /* generator's identity of the weights (hex hash) */
  char model_path[1024];
  char arch[32];       /* "qwen2" … */
  int layers;          /* encoder layers used (resolved, never 0) */
  int pooling_last;    /* 0 mean, 1 last token */
  int dim;
  int64_t generation;  /* of the current FAISS file, 0 = none yet */
  int64_t count;       /* vectors in it */
  uint64_t id_hash;    /* FNV-1a of its id list, in index order */
  uint64_t corpus_hash; /* ix_vec_corpus_hash when the vectors were made */
  int64_t embedded;    /* units the last build embedded (the rest were kept) */
  char index_kind[32]; /* factory string used */
} ix_vec_meta;

uint64_t ix_fnv1a(const void *p, size_t n, uint64_t h);
#define IX_FNV_INIT 0xcbf29ce484222325ULL

/* Creates the three tables if missing.  0 or -1 with err. */
int ix_vec_schema(struct sqlite3 *db, char *err, size_t errlen);

/* 0 found, 1 when the database has no dense_meta row (lexical only), -1. */
int ix_vec_meta_read(struct sqlite3 *db, ix_vec_meta *m, char *err, size_t errlen);
int ix_vec_meta_write(struct sqlite3 *db, const ix_vec_meta *m, char *err, size_t errlen);

/* Fingerprint of what should be embedded: FNV-1a over (article id,
 * version content hash) of every unit of every current version, in id
 * order.  A lexical-only build that changes articles after an embedding
 * build changes it, which makes the vectors stale rather than wrong.
 * count (may be NULL) receives the number of units. */
int ix_vec_corpus_hash(struct sqlite3 *db, uint64_t *out, size_t *count, char *err,
                       size_t errlen);

/* The units to embed, in id order: id, law title, path, label, text. */
#define IX_VEC_CURRENT_SQL                                                         \
  "SELECT a.id, l.title, a.path, a.label, a.text, v.content_hash FROM articles a" \
  " JOIN versions v ON v.id = a.version_id JOIN laws l ON l.id = v.law_id"        \
  " WHERE v.is_current = 1 ORDER BY a.id"

/* "<db_path>.vec.<gen>.faiss"; returns 0 or -1 when it does not fit. */
int ix_vec_path(const char *db_path, int64_t gen, char *buf, size_t cap);

/* Builds an index over n vectors (row-major, dim floats each) labelled
 * with ids: flat inner product up to IX_VEC_FLAT_MAX, above it
 * "IDMap,IVF<ix_vec_nlist(n)>,Flat" (k-means trained on a sample of the
 * vectors, with the direct map that ix_vec_verify needs).  kind receives
 * the factory string.  0 or -1 with err. */
int ix_vec_build(const float *x, const int64_t *ids, size_t n, int dim, FaissIndex **out,
                 char *kind, size_t kindcap, char *err, size_t errlen);

/* The same with an explicit FAISS factory description ("IDMap,Flat",
 * "IDMap,HNSW32", "IDMap,IVF64,Flat"), for tests and benchmarks. */
int ix_vec_build_as(const char *desc, const float *x, const int64_t *ids, size_t n, int dim,
                    FaissIndex **out, char *err, size_t errlen);

/* Inverted lists for n vectors: the largest power of two up to 4·sqrt(n)
 * (FAISS's rule of thumb) that leaves 64 training vectors a list. */
int ix_vec_nlist(size_t n);

/* The IVF inside an id-mapped index, or NULL when idx is another kind. */
FaissIndexIVF *ix_vec_ivf(FaissIndex *idx);

/* Makes an IVF searchable through any number of its lists by
 * ix_vec_search (sets nprobe to every list); no-op for other kinds.  Call
 * once after loading, before the index is shared between threads. */
void ix_vec_open_lists(FaissIndex *idx);

/* The k best of one query into dis/lab (article ids, -1 past the last
 * hit).  An IVF (opened by ix_vec_open_lists) scans the `probes` lists
 * whose centres are nearest to q; other kinds ignore probes.  Does not
 * modify idx, so threads may search one index at once.  0 or -1 with err. */
int ix_vec_search(FaissIndex *idx, const float *q, size_t k, size_t probes, float *dis,
                  idx_t *lab, char *err, size_t errlen);

/* Writes idx to path atomically: a temporary file in the same folder,
 * fsync'd, renamed over path, folder fsync'd. */
int ix_vec_save(FaissIndex *idx, const char *path, char *err, size_t errlen);

/* FNV-1a over the index's id list; 0 or -1 if idx is not an IDMap. */
int ix_vec_id_hash(FaissIndex *idx, uint64_t *out, char *err, size_t errlen);

/* Reads the FAISS file of m->generation and checks it is the one the
 * database describes: dimension, count, id fingerprint, and a sample of
 * stored vectors compared bit for bit with dense_vectors.  Any mismatch
 * is an error naming the problem ("stale", "missing" …). */
int ix_vec_load(struct sqlite3 *db, const char *db_path, const ix_vec_meta *m,
                FaissIndex **out, char *err, size_t errlen);

/* The checks of ix_vec_load on an index already in memory. */
int ix_vec_verify(struct sqlite3 *db, FaissIndex *idx, const ix_vec_meta *m, char *err,
                  size_t errlen);

/* Sets the HNSW search depth (no-op for flat indexes). */
int ix_vec_set_ef(FaissIndex *idx, int ef, char *err, size_t errlen);

#endif
