/* dense_cache — process-wide sharing of loaded FAISS files.  See
 * dense_cache.h. */
#include "dense_cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

typedef struct entry {
  struct entry *next;
  char *path;
  dev_t dev;
  ino_t ino;
  FaissIndex *idx;
  int refs;
} entry;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry *entries;

static entry *find(const char *path, const struct stat *sb) {
  for (entry *e = entries; e; e = e->next)
    if (e->dev == sb->st_dev && e->ino == sb->st_ino && strcmp(e->path, path) == 0) return e;
  return NULL;
}

/* Loads and verifies a new entry (called with mu held: a second handle
 * waits rather than loading the same file twice). */
static entry *load(sqlite3 *db, const char *db_path, const ix_vec_meta *m, int ef, const char *path,
                   const struct stat *sb, char *err, size_t errlen) {
  entry *e = calloc(1, sizeof *e);
  if (!e || !(e->path = strdup(path))) {
    free(e);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  if (ix_vec_load(db, db_path, m, &e->idx, err, errlen) ||
      (strstr(m->index_kind, "HNSW") && ix_vec_set_ef(e->idx, ef, err, errlen))) {
    if (e->idx) faiss_Index_free(e->idx);
    free(e->path);
    free(e);
    return NULL;
  }
  /* Before the index is shared: searches must never modify it. */
  ix_vec_open_lists(e->idx);
  e->dev = sb->st_dev;
  e->ino = sb->st_ino;
  e->next = entries;
  entries = e;
  return e;
}

FaissIndex *rt_dense_cache_get(sqlite3 *db, const char *db_path, const ix_vec_meta *m, int ef,
                               char *err, size_t errlen) {
  char path[4096];
  struct stat sb;
  if (ix_vec_path(db_path, m->generation, path, sizeof path)) {
    snprintf(err, errlen, "vector file path too long");
    return NULL;
  }
  if (stat(path, &sb) != 0) {
    snprintf(err, errlen, "vector file %s is missing (%s); run lawqa index again", path,
             strerror(errno));
    return NULL;
  }
  pthread_mutex_lock(&mu);
  entry *e = find(path, &sb);
  if (e && ix_vec_verify(db, e->idx, m, err, errlen))
    e = NULL;
  else if (!e)
    e = load(db, db_path, m, ef, path, &sb, err, errlen);
  if (e) e->refs++;
  pthread_mutex_unlock(&mu);
  return e ? e->idx : NULL;
}

void rt_dense_cache_put(FaissIndex *idx) {
  if (!idx) return;
  pthread_mutex_lock(&mu);
  for (entry **p = &entries; *p; p = &(*p)->next) {
    entry *e = *p;
    if (e->idx != idx) continue;
    if (--e->refs == 0) {
      *p = e->next;
      faiss_Index_free(e->idx);
      free(e->path);
      free(e);
    }
    break;
  }
  pthread_mutex_unlock(&mu);
}
