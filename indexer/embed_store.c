/* embed_store — dense vector tables, FAISS file naming, building, atomic
 * saving, and verified loading.  See embed_store.h. */
#include "embed_store.h"

#include "embed.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <faiss/c_api/AutoTune_c.h>
#include <faiss/c_api/IndexIVF_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/error_c.h>
#include <faiss/c_api/index_factory_c.h>
#include <faiss/c_api/index_io_c.h>
#include <sqlite3.h>

#define SAMPLE_CHECKS 8
/* k-means trains on up to this many vectors per list: FAISS wants at
 * least 39 (and says so on stderr below that), and more only slow the
 * build (training is most of an IVF build). */
#define IVF_TRAIN_PER_LIST 64

uint64_t ix_fnv1a(const void *p, size_t n, uint64_t h) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static void faiss_err(char *err, size_t errlen, const char *what) {
  const char *m = faiss_get_last_error();
  snprintf(err, errlen, "%s: %s", what, m ? m : "FAISS error");
}

int ix_vec_schema(sqlite3 *db, char *err, size_t errlen) {
  static const char sql[] =
      "CREATE TABLE IF NOT EXISTS dense_meta("
      " id INTEGER PRIMARY KEY CHECK (id = 1),"
      " model_id TEXT NOT NULL, model_path TEXT NOT NULL, arch TEXT NOT NULL,"
      " layers INTEGER NOT NULL, pooling TEXT NOT NULL, dim INTEGER NOT NULL,"
      " generation INTEGER NOT NULL, count INTEGER NOT NULL, id_hash INTEGER NOT NULL,"
      " corpus_hash INTEGER NOT NULL, embedded INTEGER NOT NULL,"
      " index_kind TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS dense_vectors("
      " text_hash INTEGER PRIMARY KEY, vec BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS dense_articles("
      " article_id INTEGER PRIMARY KEY, text_hash INTEGER NOT NULL);";
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "dense schema: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static void copy_col(sqlite3_stmt *st, int col, char *dst, size_t cap) {
  const unsigned char *s = sqlite3_column_text(st, col);
  snprintf(dst, cap, "%s", s ? (const char *)s : "");
}

int ix_vec_meta_read(sqlite3 *db, ix_vec_meta *m, char *err, size_t errlen) {
  memset(m, 0, sizeof *m);
  sqlite3_stmt *st = NULL;
  /* A lexical-only database has no dense_meta table at all. */
  int rc = sqlite3_prepare_v2(
      db,
      "SELECT model_id, model_path, arch, layers, pooling, dim,"
      " generation, count, id_hash, index_kind, corpus_hash, embedded FROM dense_meta"
      " WHERE id = 1",
      -1, &st, NULL);
  if (rc != SQLITE_OK) {
    if (strstr(sqlite3_errmsg(db), "no such table")) return 1;
    snprintf(err, errlen, "dense meta: %s", sqlite3_errmsg(db));
    return -1;
  }
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    copy_col(st, 0, m->model_id, sizeof m->model_id);
    copy_col(st, 1, m->model_path, sizeof m->model_path);
    copy_col(st, 2, m->arch, sizeof m->arch);
    m->layers = sqlite3_column_int(st, 3);
    const unsigned char *pool = sqlite3_column_text(st, 4);
    m->pooling_last = pool && strcmp((const char *)pool, "last") == 0;
    m->dim = sqlite3_column_int(st, 5);
    m->generation = sqlite3_column_int64(st, 6);
    m->count = sqlite3_column_int64(st, 7);
    m->id_hash = (uint64_t)sqlite3_column_int64(st, 8);
    copy_col(st, 9, m->index_kind, sizeof m->index_kind);
    m->corpus_hash = (uint64_t)sqlite3_column_int64(st, 10);
    m->embedded = sqlite3_column_int64(st, 11);
    sqlite3_finalize(st);
    return 0;
  }
  sqlite3_finalize(st);
  if (rc == SQLITE_DONE) return 1;
  snprintf(err, errlen, "dense meta: %s", sqlite3_errmsg(db));
  return -1;
}

int ix_vec_meta_write(sqlite3 *db, const ix_vec_meta *m, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(
          db,
          "INSERT OR REPLACE INTO dense_meta(id, model_id, model_path, arch,"
          " layers, pooling, dim, generation, count, id_hash, index_kind, corpus_hash, embedded)"
          " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "dense meta: %s", sqlite3_errmsg(db));
    return -1;
  }
  sqlite3_bind_text(st, 1, m->model_id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, m->model_path, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, m->arch, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, m->layers);
  sqlite3_bind_text(st, 5, m->pooling_last ? "last" : "mean", -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 6, m->dim);
  sqlite3_bind_int64(st, 7, m->generation);
  sqlite3_bind_int64(st, 8, m->count);
  sqlite3_bind_int64(st, 9, (sqlite3_int64)m->id_hash);
  sqlite3_bind_text(st, 10, m->index_kind, -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 11, (sqlite3_int64)m->corpus_hash);
  sqlite3_bind_int64(st, 12, m->embedded);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "dense meta: %s", sqlite3_errmsg(db));
    return -1;
  }
  return 0;
}

int ix_vec_corpus_hash(sqlite3 *db, uint64_t *out, size_t *count, char *err, size_t errlen) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT a.id, v.content_hash FROM articles a"
                         " JOIN versions v ON v.id = a.version_id"
                         " WHERE v.is_current = 1 ORDER BY a.id",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "reading articles: %s", sqlite3_errmsg(db));
    return -1;
  }
  uint64_t h = IX_FNV_INIT;
  size_t n = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int64_t pair[2] = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1)};
    h = ix_fnv1a(pair, sizeof pair, h);
    n++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    snprintf(err, errlen, "reading articles: %s", sqlite3_errmsg(db));
    return -1;
  }
  *out = h;
  if (count) *count = n;
  return 0;
}

int ix_vec_path(const char *db_path, int64_t gen, char *buf, size_t cap) {
  int n = snprintf(buf, cap, "%s.vec.%" PRId64 ".faiss", db_path, gen);
  return n < 0 || (size_t)n >= cap ? -1 : 0;
}

int ix_vec_set_ef(FaissIndex *idx, int ef, char *err, size_t errlen) {
  FaissParameterSpace *ps = NULL;
  if (faiss_ParameterSpace_new(&ps)) {
    faiss_err(err, errlen, "parameter space");
    return -1;
  }
  /* Flat indexes have no efSearch and FAISS says so as an error: callers
   * ask only for HNSW indexes (see ix_vec_meta.index_kind). */
  int rc = faiss_ParameterSpace_set_index_parameter(ps, idx, "efSearch", ef);
  faiss_ParameterSpace_free(ps);
  if (rc) {
    faiss_err(err, errlen, "efSearch");
    return -1;
  }
  return 0;
}

int ix_vec_nlist(size_t n) {
  int nlist = 1;
  while ((double)nlist * 2 <= 4.0 * sqrt((double)n) && (size_t)nlist * 2 * IVF_TRAIN_PER_LIST <= n)
    nlist *= 2;
  return nlist;
}

/* The IVF inside an IDMap, or NULL for other kinds. */
FaissIndexIVF *ix_vec_ivf(FaissIndex *idx) {
  FaissIndexIDMap *map = faiss_IndexIDMap_cast(idx);
  return map ? faiss_IndexIVF_cast(faiss_IndexIDMap_sub_index(map)) : NULL;
}

/* k-means on an evenly strided sample: vectors come in article id order,
 * grouped by law, so a prefix would see only the first laws. */
static int train_ivf(FaissIndex *idx, const float *x, size_t n, int dim, char *err, size_t errlen) {
  FaissIndexIVF *ivf = ix_vec_ivf(idx);
  size_t nt = ivf ? faiss_IndexIVF_nlist(ivf) * IVF_TRAIN_PER_LIST : 0;
  if (!ivf || nt > n) nt = n;
  float *sample = malloc(nt * (size_t)dim * sizeof *sample);
  if (!sample) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (size_t i = 0; i < nt; i++)
    memcpy(sample + i * (size_t)dim, x + (i * n / nt) * (size_t)dim, (size_t)dim * sizeof *x);
  int rc = faiss_Index_train(idx, (idx_t)nt, sample);
  free(sample);
  if (rc) faiss_err(err, errlen, "training the vector index");
  return rc ? -1 : 0;
}

int ix_vec_build_as(const char *desc, const float *x, const int64_t *ids, size_t n, int dim,
                    FaissIndex **out, char *err, size_t errlen) {
  FaissIndex *idx = NULL;
  *out = NULL;
  if (faiss_index_factory(&idx, dim, desc, METRIC_INNER_PRODUCT)) {
    faiss_err(err, errlen, "index factory");
    return -1;
  }
  FaissIndexIVF *ivf = ix_vec_ivf(idx);
  if (ivf && n && train_ivf(idx, x, n, dim, err, errlen)) {
    faiss_Index_free(idx);
    return -1;
  }
  if (n && faiss_Index_add_with_ids(idx, (idx_t)n, x, (const idx_t *)ids)) {
    faiss_err(err, errlen, "adding vectors");
    faiss_Index_free(idx);
    return -1;
  }
  /* ix_vec_verify reads stored vectors back by position, which an IVF can
   * do only with its direct map (saved in the file). */
  if (ivf && faiss_IndexIVF_make_direct_map(ivf, 1)) {
    faiss_err(err, errlen, "vector index direct map");
    faiss_Index_free(idx);
    return -1;
  }
  *out = idx;
  return 0;
}

/* Why IVF and not HNSW above IX_VEC_FLAT_MAX (docs/dense.md, measured on
 * 60k clustered 896-d vectors with this FAISS build): IVF512 probing 16
 * lists answers in 1.5 ms at recall@10 1.00 and recall@100 0.99, HNSW32
 * needs efSearch 64 for 0.8 ms at recall@10 0.92 and recall@100 0.74, and
 * the IVF builds 8 times faster (7 against 60 CPU seconds). */
int ix_vec_build(const float *x, const int64_t *ids, size_t n, int dim, FaissIndex **out,
                 char *kind, size_t kindcap, char *err, size_t errlen) {
  char desc[64] = "IDMap,Flat";
  if (n > IX_VEC_FLAT_MAX) snprintf(desc, sizeof desc, "IDMap,IVF%d,Flat", ix_vec_nlist(n));
  if (ix_vec_build_as(desc, x, ids, n, dim, out, err, errlen)) return -1;
  snprintf(kind, kindcap, "%s", desc);
  return 0;
}

void ix_vec_open_lists(FaissIndex *idx) {
  FaissIndexIVF *ivf = ix_vec_ivf(idx);
  if (ivf) faiss_IndexIVF_set_nprobe(ivf, faiss_IndexIVF_nlist(ivf));
}

/* The `probes` lists nearest to q are given to FAISS, the rest as -1
 * (which it skips), so each query picks its width on a shared index. */
static int ivf_search(FaissIndex *idx, FaissIndexIVF *ivf, const float *q, size_t k, size_t probes,
                      float *dis, idx_t *lab, char *err, size_t errlen) {
  size_t nlist = faiss_IndexIVF_nlist(ivf);
  idx_t *keys = malloc(nlist * sizeof *keys), *ids = NULL;
  float *cdis = malloc(nlist * sizeof *cdis);
  size_t n = 0;
  int rc = -1;
  if (!keys || !cdis) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (probes > nlist) probes = nlist;
  if (probes < 1) probes = 1;
  for (size_t i = probes; i < nlist; i++)
    keys[i] = -1, cdis[i] = 0;
  if (faiss_IndexIVF_nprobe(ivf) < nlist) {
    snprintf(err, errlen, "vector search: IVF not opened for searching (ix_vec_open_lists)");
    goto out;
  }
  if (faiss_Index_search(faiss_IndexIVF_quantizer(ivf), 1, q, (idx_t)probes, cdis, keys) ||
      faiss_IndexIVF_search_preassigned(ivf, 1, q, (idx_t)k, keys, cdis, dis, lab, 0)) {
    faiss_err(err, errlen, "vector search");
    goto out;
  }
  faiss_IndexIDMap_id_map(faiss_IndexIDMap_cast(idx), &ids, &n);
  for (size_t i = 0; i < k; i++)
    if (lab[i] >= 0) lab[i] = (size_t)lab[i] < n ? ids[lab[i]] : -1;
  rc = 0;
out:
  free(keys);
  free(cdis);
  return rc;
}

int ix_vec_search(FaissIndex *idx, const float *q, size_t k, size_t probes, float *dis, idx_t *lab,
                  char *err, size_t errlen) {
  FaissIndexIVF *ivf = ix_vec_ivf(idx);
  if (ivf) return ivf_search(idx, ivf, q, k, probes, dis, lab, err, errlen);
  if (faiss_Index_search(idx, 1, q, (idx_t)k, dis, lab)) {
    faiss_err(err, errlen, "vector search");
    return -1;
  }
  return 0;
}

/* fsync of the folder makes the rename itself durable. */
static void sync_dir_of(const char *path) {
  char *copy = strdup(path);
  if (!copy) return;
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  free(copy);
}

int ix_vec_save(FaissIndex *idx, const char *path, char *err, size_t errlen) {
  char tmp[4200];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  if (n < 0 || (size_t)n >= sizeof tmp) {
    snprintf(err, errlen, "vector file path too long");
    return -1;
  }
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    return -1;
  }
  int bad = faiss_write_index(idx, f) != 0;
  if (bad) faiss_err(err, errlen, "writing vector file");
  if (!bad && (fflush(f) != 0 || fsync(fileno(f)) != 0)) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    bad = 1;
  }
  if (fclose(f) != 0 && !bad) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    bad = 1;
  }
  if (!bad && rename(tmp, path) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    bad = 1;
  }
  if (bad) {
    unlink(tmp);
    return -1;
  }
  sync_dir_of(path);
  return 0;
}

int ix_vec_id_hash(FaissIndex *idx, uint64_t *out, char *err, size_t errlen) {
  FaissIndexIDMap *map = faiss_IndexIDMap_cast(idx);
  if (!map) {
    snprintf(err, errlen, "vector file is not an id-mapped index");
    return -1;
  }
  idx_t *ids = NULL;
  size_t n = 0;
  faiss_IndexIDMap_id_map(map, &ids, &n);
  *out = ix_fnv1a(ids, n * sizeof *ids, IX_FNV_INIT);
  return 0;
}

/* Compares the vector stored at position pos of the index with the BLOB
 * the database holds for its article. */
static int check_sample(sqlite3 *db, sqlite3_stmt *st, FaissIndex *sub, idx_t pos, int64_t id,
                        int dim, float *buf, char *err, size_t errlen) {
  if (faiss_Index_reconstruct(sub, pos, buf)) {
    faiss_err(err, errlen, "reading vector file");
    return -1;
  }
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    if (rc == SQLITE_DONE)
      snprintf(err, errlen, "vector file is stale: article %" PRId64 " has no stored vector", id);
    else
      snprintf(err, errlen, "dense vectors: %s", sqlite3_errmsg(db));
    return -1;
  }
  const void *blob = sqlite3_column_blob(st, 0);
  int bytes = sqlite3_column_bytes(st, 0);
  if (bytes != dim * (int)sizeof(float) || memcmp(blob, buf, (size_t)bytes) != 0) {
    snprintf(err, errlen,
             "vector file is stale: vector of article %" PRId64 " differs from the database", id);
    return -1;
  }
  return 0;
}

int ix_vec_verify(sqlite3 *db, FaissIndex *idx, const ix_vec_meta *m, char *err, size_t errlen) {
  if (faiss_Index_d(idx) != m->dim) {
    snprintf(err, errlen, "vector file has dimension %d, the database says %d", faiss_Index_d(idx),
             m->dim);
    return -1;
  }
  if (faiss_Index_metric_type(idx) != METRIC_INNER_PRODUCT) {
    snprintf(err, errlen, "vector file does not use inner product");
    return -1;
  }
  if ((int64_t)faiss_Index_ntotal(idx) != m->count) {
    snprintf(err, errlen, "vector file is stale: %" PRId64 " vectors, the database says %" PRId64,
             (int64_t)faiss_Index_ntotal(idx), m->count);
    return -1;
  }
  uint64_t h;
  if (ix_vec_corpus_hash(db, &h, NULL, err, errlen)) return -1;
  if (h != m->corpus_hash) {
    snprintf(err, errlen,
             "vectors are stale: articles changed since they were embedded"
             " (run lawqa index with --model again)");
    return -1;
  }
  if (ix_vec_id_hash(idx, &h, err, errlen)) return -1;
  if (h != m->id_hash) {
    snprintf(err, errlen, "vector file is stale: its articles differ from the database's");
    return -1;
  }
  if (m->count == 0) return 0;
  FaissIndexIDMap *map = faiss_IndexIDMap_cast(idx);
  FaissIndex *sub = faiss_IndexIDMap_sub_index(map);
  idx_t *ids = NULL;
  size_t n = 0;
  faiss_IndexIDMap_id_map(map, &ids, &n);
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db,
                         "SELECT v.vec FROM dense_articles a JOIN dense_vectors v"
                         " ON v.text_hash = a.text_hash WHERE a.article_id = ?",
                         -1, &st, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "dense vectors: %s", sqlite3_errmsg(db));
    return -1;
  }
  float *buf = malloc((size_t)m->dim * sizeof *buf);
  int rc = buf ? 0 : -1;
  if (!buf) snprintf(err, errlen, "out of memory");
  /* Evenly spread positions, first and last included. */
  for (int j = 0; rc == 0 && j < SAMPLE_CHECKS; j++) {
    idx_t pos = (idx_t)((n - 1) * (size_t)j / (SAMPLE_CHECKS - 1));
    rc = check_sample(db, st, sub, pos, ids[pos], m->dim, buf, err, errlen);
  }
  free(buf);
  sqlite3_finalize(st);
  return rc;
}

int ix_vec_load(sqlite3 *db, const char *db_path, const ix_vec_meta *m, FaissIndex **out, char *err,
                size_t errlen) {
  char path[4096];
  *out = NULL;
  if (ix_vec_path(db_path, m->generation, path, sizeof path)) {
    snprintf(err, errlen, "vector file path too long");
    return -1;
  }
  if (access(path, R_OK) != 0) {
    snprintf(err, errlen, "vector file %s is missing or unreadable (%s); run lawqa index again",
             path, strerror(errno));
    return -1;
  }
  /* FAISS 1.7.3 maps only IVF inverted lists (IO_FLAG_MMAP); flat and HNSW
   * indexes are read into memory whatever the flag. */
  FaissIndex *idx = NULL;
  if (faiss_read_index_fname(path, 0, &idx)) {
    faiss_err(err, errlen, path);
    return -1;
  }
  if (ix_vec_verify(db, idx, m, err, errlen)) {
    faiss_Index_free(idx);
    return -1;
  }
  *out = idx;
  return 0;
}

/* Generation numbers of "<base>.vec.<N>.faiss" files in dir. */
static int parse_gen(const char *name, const char *base, int64_t *gen) {
  size_t bl = strlen(base);
  if (strncmp(name, base, bl) != 0 || strncmp(name + bl, ".vec.", 5) != 0) return 0;
  char *end = NULL;
  long long g = strtoll(name + bl + 5, &end, 10);
  if (end == name + bl + 5 || strcmp(end, ".faiss") != 0) return 0;
  *gen = g;
  return 1;
}

void ix_embed_cleanup(const char *final_db_path) {
  sqlite3 *db = NULL;
  ix_vec_meta m;
  char err[256];
  int64_t current = 0;
  if (sqlite3_open_v2(final_db_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      ix_vec_meta_read(db, &m, err, sizeof err) == 0)
    current = m.generation;
  sqlite3_close(db);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", final_db_path);
  char *slash = strrchr(dir, '/');
  const char *base = slash ? slash + 1 : final_db_path;
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    int64_t g;
    /* Keep the current generation and the one before it (a reader that
     * opened the previous database may still be loading it); a newer one
     * is left by a failed build and will be overwritten by the next. */
    if (!parse_gen(e->d_name, base, &g) || g >= current - 1) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    unlink(path);
  }
  closedir(d);
}
