/* dense — the vector arm: query embedding with the model that embedded the
 * corpus, kNN in the FAISS file the database names, filtering by the
 * caller's predicate with growing over-fetch.  See dense.h. */
#include "dense.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "dense_cache.h"
#include "embed_store.h"
#include "generator.h"
#include "internal.h"

/* HNSW search depth, for vector files built before the IVF (the
 * index is never modified after it is loaded, which keeps concurrent
 * searches on it safe).  64: 0.8 ms at 60k vectors, where 128 took 2.1 ms
 * for little more recall (0.93 against 0.92 at 10; docs/dense.md). */
#define DENSE_EF 64
/* IVF lists scanned for a query's first fetch (of ix_vec_nlist's 512 at
 * 60k vectors): 1.5 ms, recall@10 1.00 and recall@100 0.99 on clustered
 * vectors, where 8 lists gave recall@100 0.94 and 32 took 2.5 ms
 * (docs/dense.md).  Each over-fetch round scans 4 times more lists. */
#define DENSE_NPROBE 16
/* Over-fetch stops here even when the filter kept fewer than k hits (a
 * restrictive --as-of can reject most of the current-version vectors). */
#define DENSE_FETCH_MAX 8192
/* Queries are short; the KV cache only needs room for one query. */
#define DENSE_QUERY_CTX 512

struct rt_dense {
  FaissIndex *idx;
  gen_model *model;
  ix_vec_meta meta;
};

static int query_threads(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 8 ? 8 : (int)n;
}

/* The model at hand must be the one whose vectors the database holds:
 * same weights (identity), and the layer count and width it was used with. */
static int check_model(const gen_info *gi, const ix_vec_meta *m, const char *path, char *note,
                       size_t notelen) {
  if (strcmp(gi->identity, m->model_id) != 0) {
    snprintf(note, notelen,
             "model %s (identity %s) is not the model that embedded the vectors (%s, identity %s)",
             path, gi->identity, m->model_path, m->model_id);
    return -1;
  }
  if (gi->dim != m->dim || m->layers < 1 || m->layers > gi->n_layers) {
    snprintf(note, notelen, "model %s does not fit the vectors (dimension %d, %d layers)", path,
             m->dim, m->layers);
    return -1;
  }
  return 0;
}

struct rt_dense *rt_dense_open(sqlite3 *db, const char *db_path, const char *model_override,
                               char *note, size_t notelen) {
  ix_vec_meta meta;
  char err[1024];
  int rc = ix_vec_meta_read(db, &meta, err, sizeof err);
  if (rc == 1 || (rc == 0 && meta.generation == 0)) {
    snprintf(note, notelen, "no dense vectors in this database (indexed without --model)");
    return NULL;
  }
  if (rc < 0) {
    snprintf(note, notelen, "%s", err);
    return NULL;
  }
  const char *path = model_override ? model_override : meta.model_path;
  gen_load_params lp = {.n_threads = query_threads(), .n_ctx = DENSE_QUERY_CTX};
  gen_model *model = gen_load(path, &lp, err, sizeof err);
  if (!model) {
    snprintf(note, notelen, "dense arm off: cannot load model %s: %s", path, err);
    return NULL;
  }
  if (check_model(gen_model_info(model), &meta, path, note, notelen)) {
    gen_free(model);
    return NULL;
  }
  FaissIndex *idx = rt_dense_cache_get(db, db_path, &meta, DENSE_EF, err, sizeof err);
  if (!idx) {
    snprintf(note, notelen, "dense arm off: %s", err);
    gen_free(model);
    return NULL;
  }
  struct rt_dense *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(note, notelen, "out of memory");
    rt_dense_cache_put(idx);
    gen_free(model);
    return NULL;
  }
  d->idx = idx;
  d->model = model;
  d->meta = meta;
  return d;
}

void rt_dense_close(struct rt_dense *d) {
  if (!d) return;
  rt_dense_cache_put(d->idx);
  gen_free(d->model);
  free(d);
}

/* One kNN call of `fetch` results into dis/lab; an IVF scans `probes`
 * lists. */
static int knn(struct rt_dense *d, const float *q, size_t fetch, size_t probes, float *dis,
               idx_t *lab, char *err, size_t errlen) {
  return ix_vec_search(d->idx, q, fetch, probes, dis, lab, err, errlen);
}

/* Filters one result list into ids/scores; returns kept count or -1. */
static long take(const float *dis, const idx_t *lab, size_t fetch, size_t k, rt_dense_keep_fn keep,
                 void *ctx, int64_t *ids, float *scores, char *err, size_t errlen) {
  size_t kept = 0;
  for (size_t i = 0; i < fetch && kept < k; i++) {
    if (lab[i] < 0) break; /* fewer vectors than asked for */
    int r = keep ? keep(lab[i], ctx) : 1;
    if (r < 0) {
      snprintf(err, errlen, "dense filter failed");
      return -1;
    }
    if (r) {
      ids[kept] = lab[i];
      scores[kept] = dis[i];
      kept++;
    }
  }
  return (long)kept;
}

int rt_dense_search(struct rt_dense *d, const char *query, size_t k, rt_dense_keep_fn keep,
                    void *keep_ctx, int64_t *ids, float *scores, size_t *n, char *err,
                    size_t errlen) {
  *n = 0;
  size_t total = (size_t)d->meta.count;
  if (k == 0 || total == 0) return 0;
  float *q = malloc((size_t)d->meta.dim * sizeof *q);
  if (!q) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  if (gen_embed(d->model, &query, 1, d->meta.layers,
                d->meta.pooling_last ? GEN_POOL_LAST : GEN_POOL_MEAN, q, err, errlen)) {
    free(q);
    return -1;
  }
  size_t cap = total < DENSE_FETCH_MAX ? total : DENSE_FETCH_MAX;
  size_t fetch = k < cap ? k : cap, probes = DENSE_NPROBE;
  float *dis = NULL;
  idx_t *lab = NULL;
  int rc = 0;
  for (;;) {
    float *nd = realloc(dis, fetch * sizeof *dis);
    idx_t *nl = nd ? realloc(lab, fetch * sizeof *lab) : NULL;
    if (nd) dis = nd;
    if (nl) lab = nl;
    if (!nd || !nl) {
      snprintf(err, errlen, "out of memory");
      rc = -1;
      break;
    }
    if (knn(d, q, fetch, probes, dis, lab, err, errlen)) {
      rc = -1;
      break;
    }
    long kept = take(dis, lab, fetch, k, keep, keep_ctx, ids, scores, err, errlen);
    if (kept < 0) {
      rc = -1;
      break;
    }
    *n = (size_t)kept;
    if (*n >= k || fetch >= cap) break;
    /* A filter rejected most hits: ask for more, and let an IVF scan more
     * lists (its first lists may hold fewer than fetch vectors). */
    fetch = fetch * 4 < cap ? fetch * 4 : cap;
    probes *= 4;
  }
  if (rc) *n = 0;
  free(q);
  free(dis);
  free(lab);
  return rc;
}

/* rt_attach_model (retriever.h): replaces the handle's dense arm, or its
 * note, with one using model_path. */
int rt_attach_model(rt_handle *h, const char *model_path, char *err, size_t errlen) {
  char note[1024] = "";
  struct rt_dense *d = rt_dense_open(h->db, h->db_path, model_path, note, sizeof note);
  if (!d) {
    snprintf(err, errlen, "%s", note[0] ? note : "dense retrieval unavailable");
    return -1;
  }
  rt_dense_close(h->dense);
  free(h->dense_note);
  h->dense = d;
  h->dense_note = NULL;
  return 0;
}
