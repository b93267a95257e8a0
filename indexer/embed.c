/* embed — ix_embed_update: embeds new or changed units of the current
 * versions, keeps every vector as a BLOB keyed by the hash of its text,
 * and writes the FAISS file of the next generation.  See embed.h. */
#include "embed.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "embed_store.h"
#include "embed_text.h"
#include "generator.h"

/* Windows embedded by one gen_embed call: enough to keep the matrix-matrix
 * path busy, small enough that one batch's activations stay in cache. */
#define EMBED_BATCH 16

typedef struct {
  int64_t id;
  uint64_t hash; /* of the embedded text (embed_text.h) */
  int todo;      /* 1: no stored vector yet */
} unit;

typedef struct {
  sqlite3 *db;
  gen_model *model;
  const gen_info *gi;
  ix_vec_meta meta; /* being built */
  unit *units;
  size_t n, cap;
  size_t n_todo;
  ix_progress progress;
  char *err;
  size_t errlen;
} embed_job;

static int sql_fail(embed_job *j, const char *what) {
  snprintf(j->err, j->errlen, "%s: %s", what, sqlite3_errmsg(j->db));
  return -1;
}

static int exec(embed_job *j, const char *sql) {
  char *msg = NULL;
  if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(j->err, j->errlen, "%s", msg ? msg : sqlite3_errmsg(j->db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

static int pragma_int(sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  int v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  return v;
}

/* Keeps the first error message: a failed rollback adds nothing useful. */
static void rollback(sqlite3 *db) {
  if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

static int push_unit(embed_job *j, int64_t id, uint64_t hash) {
  if (j->n == j->cap) {
    size_t cap = j->cap ? j->cap * 2 : 1024;
    unit *u = realloc(j->units, cap * sizeof *u);
    if (!u) {
      snprintf(j->err, j->errlen, "out of memory");
      return -1;
    }
    j->units = u;
    j->cap = cap;
  }
  j->units[j->n++] = (unit){id, hash, 0};
  return 0;
}

/* Settings that change every vector: a different model, layer count or
 * pooling invalidates all stored vectors. */
static int same_settings(const ix_vec_meta *a, const ix_vec_meta *b) {
  return strcmp(a->model_id, b->model_id) == 0 && a->layers == b->layers &&
         a->pooling_last == b->pooling_last && a->dim == b->dim;
}

/* Lists the current units with the hash of their embedding text and marks
 * those without a stored vector. */
static int list_units(embed_job *j) {
  sqlite3_stmt *st = NULL, *has = NULL;
  if (sqlite3_prepare_v2(j->db, IX_VEC_CURRENT_SQL, -1, &st, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(j->db, "SELECT 1 FROM dense_vectors WHERE text_hash = ?", -1, &has,
                         NULL) != SQLITE_OK) {
    sqlite3_finalize(st);
    return sql_fail(j, "reading articles");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    uint64_t h = ix_embed_text_hash(
        (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
        (const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4));
    if (push_unit(j, sqlite3_column_int64(st, 0), h)) break;
    sqlite3_reset(has);
    sqlite3_bind_int64(has, 1, (sqlite3_int64)h);
    int r = sqlite3_step(has);
    if (r == SQLITE_DONE) {
      j->units[j->n - 1].todo = 1;
      j->n_todo++;
    } else if (r != SQLITE_ROW) {
      rc = r;
      break;
    }
  }
  sqlite3_finalize(st);
  sqlite3_finalize(has);
  if (rc != SQLITE_DONE) return j->err[0] ? -1 : sql_fail(j, "reading articles");
  return 0;
}

/* Records which vectors the new FAISS file holds and forgets vectors that
 * no current unit uses any more. */
static int write_articles(embed_job *j) {
  if (exec(j, "DELETE FROM dense_articles")) return -1;
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(j->db, "INSERT INTO dense_articles(article_id, text_hash) VALUES (?, ?)",
                         -1, &st, NULL) != SQLITE_OK)
    return sql_fail(j, "dense articles");
  for (size_t i = 0; i < j->n; i++) {
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, j->units[i].id);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)j->units[i].hash);
    if (sqlite3_step(st) != SQLITE_DONE) {
      sqlite3_finalize(st);
      return sql_fail(j, "dense articles");
    }
  }
  sqlite3_finalize(st);
  return exec(j, "DELETE FROM dense_vectors WHERE text_hash NOT IN"
                 " (SELECT text_hash FROM dense_articles)");
}

/* Reads every vector of dense_articles, in id order, for the FAISS build. */
static int read_vectors(embed_job *j, float **xo, int64_t **ido, size_t *no) {
  size_t dim = (size_t)j->meta.dim, n = 0;
  float *x = malloc((j->n ? j->n : 1) * dim * sizeof *x);
  int64_t *ids = malloc((j->n ? j->n : 1) * sizeof *ids);
  sqlite3_stmt *st = NULL;
  int rc = -1;
  if (!x || !ids) {
    snprintf(j->err, j->errlen, "out of memory");
    goto out;
  }
  if (sqlite3_prepare_v2(j->db,
                         "SELECT a.article_id, v.vec FROM dense_articles a JOIN dense_vectors v"
                         " ON v.text_hash = a.text_hash ORDER BY a.article_id",
                         -1, &st, NULL) != SQLITE_OK) {
    sql_fail(j, "dense vectors");
    goto out;
  }
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW && n < j->n) {
    if ((size_t)sqlite3_column_bytes(st, 1) != dim * sizeof(float)) {
      snprintf(j->err, j->errlen, "stored vector of article %" PRId64 " has a wrong size",
               (int64_t)sqlite3_column_int64(st, 0));
      goto out;
    }
    ids[n] = sqlite3_column_int64(st, 0);
    memcpy(x + n * dim, sqlite3_column_blob(st, 1), dim * sizeof(float));
    n++;
  }
  if (r != SQLITE_DONE || n != j->n) {
    if (r == SQLITE_DONE || r == SQLITE_ROW)
      snprintf(j->err, j->errlen, "dense vectors: %zu of %zu units have a vector", n, j->n);
    else
      sql_fail(j, "dense vectors");
    goto out;
  }
  rc = 0;
out:
  sqlite3_finalize(st);
  if (rc) {
    free(x);
    free(ids);
    return -1;
  }
  *xo = x;
  *ido = ids;
  *no = n;
  return 0;
}

/* Builds and saves the FAISS file of the next generation. */
static int write_index(embed_job *j, const char *db_path) {
  float *x = NULL;
  int64_t *ids = NULL;
  size_t n = 0;
  FaissIndex *idx = NULL;
  char path[4096];
  if (read_vectors(j, &x, &ids, &n)) return -1;
  int rc = ix_vec_build(x, ids, n, j->meta.dim, &idx, j->meta.index_kind, sizeof j->meta.index_kind,
                        j->err, j->errlen);
  free(x);
  free(ids);
  if (rc) return -1;
  j->meta.count = (int64_t)n;
  rc = ix_vec_id_hash(idx, &j->meta.id_hash, j->err, j->errlen);
  if (!rc && ix_vec_path(db_path, j->meta.generation, path, sizeof path)) {
    snprintf(j->err, j->errlen, "vector file path too long");
    rc = -1;
  }
  if (!rc) rc = ix_vec_save(idx, path, j->err, j->errlen);
  faiss_Index_free(idx);
  return rc;
}

static int load_model(embed_job *j, const ix_opts *opts) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  gen_load_params lp = {.n_threads = cpus < 1 ? 1 : (int)cpus, .n_ctx = IX_EMBED_CTX};
  char msg[512];
  j->model = gen_load(opts->model_path, &lp, msg, sizeof msg);
  if (!j->model) {
    snprintf(j->err, j->errlen, "loading %s: %s", opts->model_path, msg);
    return -1;
  }
  j->gi = gen_model_info(j->model);
  int layers = opts->embed_layers ? opts->embed_layers : j->gi->n_layers;
  if (layers < 1 || layers > j->gi->n_layers) {
    snprintf(j->err, j->errlen, "--embed-layers %d: the model has %d layers", opts->embed_layers,
             j->gi->n_layers);
    return -1;
  }
  ix_vec_meta *m = &j->meta;
  snprintf(m->model_id, sizeof m->model_id, "%s", j->gi->identity);
  /* An absolute path, so that searches from another folder find it. */
  char *abs = realpath(opts->model_path, NULL);
  snprintf(m->model_path, sizeof m->model_path, "%s", abs ? abs : opts->model_path);
  free(abs);
  snprintf(m->arch, sizeof m->arch, "%s", j->gi->architecture);
  m->layers = layers;
  m->pooling_last = opts->pooling_last != 0;
  m->dim = j->gi->dim;
  return 0;
}

/* Embeds the units marked todo, storing each vector as it is made. */
static int embed_todo(embed_job *j);

int ix_embed_update(sqlite3 *db, const char *final_db_path, const ix_opts *opts, char *err,
                    size_t errlen) {
  embed_job j = {.db = db, .err = err, .errlen = errlen};
  err[0] = '\0';
  /* The temporary database is fsync'd by the indexer before its switch and
   * thrown away if the build dies, so the many small commits of the
   * embedding loop need not each reach the disk. */
  int sync = pragma_int(db, "PRAGMA synchronous");
  exec(&j, "PRAGMA synchronous=OFF");
  ix_vec_meta old;
  int rc = -1, have_old;
  if (ix_vec_schema(db, err, errlen)) return -1;
  have_old = ix_vec_meta_read(db, &old, err, errlen);
  if (have_old < 0 || load_model(&j, opts)) goto out;
  if (ix_vec_corpus_hash(db, &j.meta.corpus_hash, NULL, err, errlen)) goto out;
  if (have_old == 0 && !same_settings(&old, &j.meta) && exec(&j, "DELETE FROM dense_vectors"))
    goto out;
  /* Nothing to do when the same model already embedded these very units
   * and their file is in place: keep the current generation. */
  if (have_old == 0 && old.generation > 0 && same_settings(&old, &j.meta) &&
      old.corpus_hash == j.meta.corpus_hash) {
    char path[4096];
    if (ix_vec_path(final_db_path, old.generation, path, sizeof path) == 0 &&
        access(path, R_OK) == 0) {
      rc = exec(&j, "UPDATE dense_meta SET embedded = 0");
      goto out;
    }
  }
  j.meta.generation = (have_old == 0 ? old.generation : 0) + 1;
  if (list_units(&j)) goto out;
  j.meta.embedded = (int64_t)j.n_todo;
  ix_progress_begin(&j.progress, opts->progress, j.n_todo);
  if (embed_todo(&j)) goto out;
  if (exec(&j, "BEGIN")) goto out;
  if (write_articles(&j) || write_index(&j, final_db_path) ||
      ix_vec_meta_write(db, &j.meta, err, errlen)) {
    rollback(db);
    goto out;
  }
  if (exec(&j, "COMMIT")) goto out;
  rc = 0;
out:
  if (sync >= 0) {
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%d", sync);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
  }
  ix_progress_end(&j.progress);
  free(j.units);
  gen_free(j.model);
  return rc;
}

/* Windows gathered for one gen_embed call and the units they belong to. */
typedef struct {
  ix_windows win[EMBED_BATCH * 4];
  uint64_t hash[EMBED_BATCH * 4];
  int n_units, n_windows, tokens;
} batch;

/* Embeds the batch's windows, pools each unit's windows (weighted by their
 * share of its text), renormalizes, and stores the vectors. */
static int flush(embed_job *j, batch *b, sqlite3_stmt *put, float *out, float *vec) {
  int dim = j->meta.dim, k = 0, rc = 0;
  /* one long unit alone can have any number of windows */
  const char **texts = malloc((size_t)b->n_windows * sizeof *texts);
  if (!texts) {
    snprintf(j->err, j->errlen, "out of memory");
    rc = -1;
  }
  for (int u = 0; texts && u < b->n_units; u++)
    for (int i = 0; i < b->win[u].n; i++)
      texts[k++] = b->win[u].texts[i];
  if (!rc &&
      gen_embed(j->model, texts, k, j->meta.layers,
                j->meta.pooling_last ? GEN_POOL_LAST : GEN_POOL_MEAN, out, j->err, j->errlen))
    rc = -1;
  free(texts);
  int began = !rc && exec(j, "BEGIN") == 0;
  if (!began) rc = -1;
  k = 0;
  for (int u = 0; !rc && u < b->n_units; u++) {
    memset(vec, 0, (size_t)dim * sizeof *vec);
    for (int i = 0; i < b->win[u].n; i++, k++)
      for (int c = 0; c < dim; c++)
        vec[c] += b->win[u].weights[i] * out[(size_t)k * dim + c];
    double norm = 0;
    for (int c = 0; c < dim; c++)
      norm += (double)vec[c] * vec[c];
    float inv = norm > 0 ? (float)(1.0 / sqrt(norm)) : 0.0f;
    for (int c = 0; c < dim; c++)
      vec[c] *= inv;
    sqlite3_reset(put);
    sqlite3_bind_int64(put, 1, (sqlite3_int64)b->hash[u]);
    sqlite3_bind_blob(put, 2, vec, dim * (int)sizeof *vec, SQLITE_STATIC);
    if (sqlite3_step(put) != SQLITE_DONE) rc = sql_fail(j, "storing vector");
  }
  if (!rc && exec(j, "COMMIT")) rc = -1;
  if (rc && began) rollback(j->db);
  if (!rc) ix_progress_add(&j->progress, (size_t)b->n_units, b->tokens);
  for (int u = 0; u < b->n_units; u++)
    ix_windows_free(&b->win[u]);
  b->n_units = b->n_windows = b->tokens = 0;
  return rc;
}

/* Adds one unit's windows to the batch, reading its text by id. */
static int gather(embed_job *j, batch *b, sqlite3_stmt *get, const unit *u) {
  sqlite3_reset(get);
  sqlite3_bind_int64(get, 1, u->id);
  if (sqlite3_step(get) != SQLITE_ROW) return sql_fail(j, "reading article");
  ix_windows *w = &b->win[b->n_units];
  if (ix_embed_windows(j->model, ix_embed_window(j->gi), (const char *)sqlite3_column_text(get, 0),
                       (const char *)sqlite3_column_text(get, 1),
                       (const char *)sqlite3_column_text(get, 2),
                       (const char *)sqlite3_column_text(get, 3), w, j->err, j->errlen))
    return -1;
  b->hash[b->n_units++] = u->hash;
  b->n_windows += w->n;
  for (int i = 0; i < w->n; i++)
    b->tokens += w->tokens[i];
  return 0;
}

static int embed_todo(embed_job *j) {
  if (!j->n_todo) return 0;
  sqlite3_stmt *get = NULL, *put = NULL;
  batch *b = calloc(1, sizeof *b);
  size_t dim = (size_t)j->meta.dim;
  float *vec = malloc(dim * sizeof *vec);
  float *out = NULL;
  size_t out_cap = 0;
  int rc = -1;
  if (!b || !vec) {
    snprintf(j->err, j->errlen, "out of memory");
    goto done;
  }
  if (sqlite3_prepare_v2(j->db,
                         "SELECT l.title, a.path, a.label, a.text FROM articles a"
                         " JOIN versions v ON v.id = a.version_id"
                         " JOIN laws l ON l.id = v.law_id WHERE a.id = ?",
                         -1, &get, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(j->db,
                         "INSERT OR REPLACE INTO dense_vectors(text_hash, vec) VALUES (?, ?)", -1,
                         &put, NULL) != SQLITE_OK) {
    sql_fail(j, "preparing embedding");
    goto done;
  }
  rc = 0;
  for (size_t i = 0; !rc && i < j->n; i++) {
    if (!j->units[i].todo) continue;
    rc = gather(j, b, get, &j->units[i]);
    /* Flush when the batch is full (a long unit may overfill it alone). */
    int full = b->n_windows >= EMBED_BATCH || b->n_units == EMBED_BATCH * 4;
    if (rc || (!full && i + 1 < j->n)) continue;
    if ((size_t)b->n_windows > out_cap) {
      float *o = realloc(out, (size_t)b->n_windows * dim * sizeof *o);
      if (!o) {
        snprintf(j->err, j->errlen, "out of memory");
        rc = -1;
        break;
      }
      out = o;
      out_cap = (size_t)b->n_windows;
    }
    rc = flush(j, b, put, out, vec);
  }
  /* the last todo unit may not be the last unit */
  if (!rc && b->n_units) {
    float *o = realloc(out, (size_t)b->n_windows * dim * sizeof *o);
    if (!o) {
      snprintf(j->err, j->errlen, "out of memory");
      rc = -1;
    } else {
      out = o;
      rc = flush(j, b, put, out, vec);
    }
  }
done:
  if (b)
    for (int u = 0; u < b->n_units; u++)
      ix_windows_free(&b->win[u]);
  sqlite3_finalize(get);
  sqlite3_finalize(put);
  free(b);
  free(vec);
  free(out);
  return rc;
}
