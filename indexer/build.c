/* An index build: new and changed documents go into a temporary copy of the
 * database, which replaces the old one by rename() only once everything
 * (lexical tables, then vectors when a model is given) is written and
 * synced.  A build that dies half-way leaves the old database as it was and
 * a stale temporary file that the next build removes.
 *
 * Unchanged documents (their content hash is already in the database) are
 * skipped without touching anything, so a re-index of an unchanged corpus
 * costs one parse of the corpus and no write at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "embed.h"
#include "internal.h"

typedef struct {
  const char *final_path;
  char tmp_path[4096];
  char lock_path[4096];
  int lock_fd;
  const ix_opts *opts;
  ix_stats *stats;
  uint64_t *hashes; /* content hashes already indexed, sorted */
  size_t n_hashes;
  uint64_t *added; /* hashes added by this build (a batch may repeat a document) */
  size_t n_added, cap_added;
  sqlite3 *db; /* the temporary database, opened at the first change */
  ix_store *store;
  char *err;
  size_t errlen;
  int last_permille;         /* progress bar state */
  ix_expired expired;        /* corpus builds: the metadata's expired laws */
  int apply_expired;         /* 1 for corpus builds (a bulk batch keeps the flags) */
  uint64_t old_expired_hash; /* meta 'expired_hash' of the existing database */
} ix_build;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int file_exists(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0;
}

/* Reads the content hashes of the existing database, if any.  A file that
 * is not a lawqa database is refused rather than overwritten. */
static int load_hashes(ix_build *b) {
  if (!file_exists(b->final_path)) return 0;
  sqlite3 *db = NULL;
  int rc = -1;
  if (sqlite3_open_v2(b->final_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(b->err, b->errlen, "%s: %s", b->final_path, sqlite3_errmsg(db));
    goto out;
  }
  int version = ix_schema_version(db);
  if (version < 0) {
    snprintf(b->err, b->errlen, "%s exists and is not a lawqa database", b->final_path);
    goto out;
  }
  if (version != IX_SCHEMA_VERSION) { /* empty or older schema: rebuild from scratch */
    rc = 1;
    goto out;
  }
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='expired_hash'", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    b->old_expired_hash = (uint64_t)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  st = NULL;
  if (sqlite3_prepare_v2(db, "SELECT content_hash FROM versions ORDER BY 1", -1, &st, NULL) !=
      SQLITE_OK) {
    snprintf(b->err, b->errlen, "%s: %s", b->final_path, sqlite3_errmsg(db));
    goto out;
  }
  size_t cap = 0;
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (b->n_hashes == cap) {
      cap = cap ? 2 * cap : 1024;
      uint64_t *p = realloc(b->hashes, cap * sizeof *p);
      if (!p) {
        sqlite3_finalize(st);
        snprintf(b->err, b->errlen, "out of memory");
        goto out;
      }
      b->hashes = p;
    }
    b->hashes[b->n_hashes++] = (uint64_t)sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  qsort(b->hashes, b->n_hashes, sizeof *b->hashes, cmp_u64); /* signed ORDER BY != unsigned */
  rc = 0;
out:
  sqlite3_close(db);
  return rc;
}

static int copy_file(const char *from, const char *to, char *err, size_t errlen) {
  int in = open(from, O_RDONLY), out = -1, rc = -1;
  char buf[1 << 16];
  if (in < 0) {
    snprintf(err, errlen, "%s: %s", from, strerror(errno));
    return -1;
  }
  out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out < 0) {
    snprintf(err, errlen, "%s: %s", to, strerror(errno));
    goto done;
  }
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0 || write(out, buf, (size_t)n) != n) {
      snprintf(err, errlen, "copying %s: %s", from, strerror(errno));
      goto done;
    }
  }
  rc = 0;
done:
  close(in);
  if (out >= 0) close(out);
  return rc;
}

/* Opens the temporary database: a copy of the current one (when it has the
 * current schema) or a fresh file. */
static int begin_tmp(ix_build *b, int fresh) {
  unlink(b->tmp_path);
  if (!fresh && file_exists(b->final_path) &&
      copy_file(b->final_path, b->tmp_path, b->err, b->errlen))
    return -1;
  if (sqlite3_open(b->tmp_path, &b->db) != SQLITE_OK) {
    snprintf(b->err, b->errlen, "%s: %s", b->tmp_path, sqlite3_errmsg(b->db));
    return -1;
  }
  /* No journal and no syncs while building: a crash only loses the
   * temporary file; the file is synced once before the switch. */
  char *msg = NULL;
  if (ix_register_tokenizer(b->db) != SQLITE_OK ||
      sqlite3_exec(b->db,
                   "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; "
                   "PRAGMA cache_size=-65536; BEGIN",
                   NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(b->err, b->errlen, "%s: %s", b->tmp_path, msg ? msg : sqlite3_errmsg(b->db));
    sqlite3_free(msg);
    return -1;
  }
  if (ix_schema_create(b->db, b->err, b->errlen)) return -1;
  b->store = ix_store_open(b->db, b->err, b->errlen);
  return b->store ? 0 : -1;
}

static void progress(size_t done, size_t total, void *ctx) {
  ix_build *b = ctx;
  if (!b->opts || !b->opts->progress || !isatty(2) || !total) return;
  int permille = (int)(done * 1000 / total);
  if (permille == b->last_permille && done != total) return;
  b->last_permille = permille;
  int filled = permille * 40 / 1000;
  fprintf(stderr, "\rindexing [%.*s%*s] %zu/%zu", filled,
          "########################################", 40 - filled, "", done, total);
  if (done == total) fputc('\n', stderr);
}

static int is_known(const ix_build *b, uint64_t hash) {
  if (b->n_hashes && bsearch(&hash, b->hashes, b->n_hashes, sizeof hash, cmp_u64)) return 1;
  for (size_t i = 0; i < b->n_added; i++)
    if (b->added[i] == hash) return 1;
  return 0;
}

static int remember(ix_build *b, uint64_t hash) {
  if (b->n_added == b->cap_added) {
    size_t cap = b->cap_added ? 2 * b->cap_added : 256;
    uint64_t *p = realloc(b->added, cap * sizeof *p);
    if (!p) {
      snprintf(b->err, b->errlen, "out of memory");
      return -1;
    }
    b->added = p;
    b->cap_added = cap;
  }
  b->added[b->n_added++] = hash;
  return 0;
}

static int add_doc(const st_doc *doc, void *ctx) {
  ix_build *b = ctx;
  b->stats->files_seen++;
  if (is_known(b, doc->content_hash)) {
    b->stats->files_unchanged++;
    return 0;
  }
  if (!b->db && begin_tmp(b, 0)) return 1;
  if (ix_store_doc(b->store, doc, b->err, b->errlen) || remember(b, doc->content_hash)) return 1;
  b->stats->versions_added++;
  return 0;
}

static void skipped(const char *relpath, const char *msg, void *ctx) {
  (void)relpath;
  (void)msg;
  ix_build *b = ctx;
  b->stats->files_skipped++;
}

/* Makes the rename durable: sync the directory that holds the database. */
static void sync_dir(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash)
    *(slash == dir ? slash + 1 : slash) = '\0';
  else
    snprintf(dir, sizeof dir, ".");
  int fd = open(dir, O_RDONLY);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

/* Commits the temporary database, adds vectors, and switches it in. */
static int finish_tmp(ix_build *b) {
  char *msg = NULL;
  if (b->apply_expired && ix_expired_apply(b->db, &b->expired, b->err, b->errlen)) return -1;
  if (ix_store_finish(b->store, b->err, b->errlen)) return -1;
  ix_store_close(b->store);
  b->store = NULL;
  if (sqlite3_exec(b->db, "COMMIT", NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(b->err, b->errlen, "commit: %s", msg ? msg : sqlite3_errmsg(b->db));
    sqlite3_free(msg);
    return -1;
  }
  if (b->opts && b->opts->model_path &&
      ix_embed_update(b->db, b->final_path, b->opts, b->err, b->errlen))
    return -1;
  if (ix_count(b->db, b->stats, b->err, b->errlen)) return -1;
  if (sqlite3_close(b->db) != SQLITE_OK) {
    snprintf(b->err, b->errlen, "closing %s: %s", b->tmp_path, sqlite3_errmsg(b->db));
    return -1;
  }
  b->db = NULL;
  int fd = open(b->tmp_path, O_RDONLY);
  if (fd < 0 || fsync(fd)) {
    snprintf(b->err, b->errlen, "syncing %s: %s", b->tmp_path, strerror(errno));
    if (fd >= 0) close(fd);
    return -1;
  }
  close(fd);
  if (rename(b->tmp_path, b->final_path)) {
    snprintf(b->err, b->errlen, "renaming %s: %s", b->tmp_path, strerror(errno));
    return -1;
  }
  sync_dir(b->final_path);
  return 0;
}

/* Nothing changed: report the counts of the database as it is. */
static int count_existing(ix_build *b) {
  sqlite3 *db = NULL;
  int rc = -1;
  if (sqlite3_open_v2(b->final_path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK)
    rc = ix_count(db, b->stats, b->err, b->errlen);
  else
    snprintf(b->err, b->errlen, "%s: %s", b->final_path, sqlite3_errmsg(db));
  sqlite3_close(db);
  return rc;
}

/* One build at a time per database: a second concurrent build would share
 * the temporary file. */
static int lock_build(ix_build *b) {
  snprintf(b->lock_path, sizeof b->lock_path, "%s.lock", b->final_path);
  b->lock_fd = open(b->lock_path, O_RDWR | O_CREAT, 0644);
  if (b->lock_fd < 0) {
    snprintf(b->err, b->errlen, "%s: %s", b->lock_path, strerror(errno));
    return -1;
  }
  if (flock(b->lock_fd, LOCK_EX | LOCK_NB)) {
    snprintf(b->err, b->errlen, "another build of %s is running", b->final_path);
    close(b->lock_fd);
    b->lock_fd = -1;
    return -1;
  }
  return 0;
}

static int build_begin(ix_build *b, const char *db_path, const ix_opts *opts, ix_stats *stats,
                       char *err, size_t errlen) {
  memset(b, 0, sizeof *b);
  memset(stats, 0, sizeof *stats);
  b->final_path = db_path;
  b->opts = opts;
  b->stats = stats;
  b->err = err;
  b->errlen = errlen;
  b->lock_fd = -1;
  b->last_permille = -1;
  if (snprintf(b->tmp_path, sizeof b->tmp_path, "%s.tmp", db_path) >= (int)sizeof b->tmp_path) {
    snprintf(err, errlen, "database path too long");
    return -1;
  }
  if (lock_build(b)) return -1;
  unlink(b->tmp_path); /* left by a build that was killed */
  int rc = load_hashes(b);
  if (rc < 0) return -1;
  /* a fresh file when there is no usable database yet; and vectors need
   * the temporary database even when no text changed */
  if (rc == 1 || !file_exists(db_path)) return begin_tmp(b, 1);
  if (opts && opts->model_path) return begin_tmp(b, 0);
  return 0;
}

static int build_end(ix_build *b, int failed, double t0) {
  int rc = failed ? -1 : 0;
  if (!failed) rc = b->db ? finish_tmp(b) : count_existing(b);
  ix_store_close(b->store);
  if (b->db) sqlite3_close(b->db);
  if (rc) unlink(b->tmp_path);
  if (!rc) ix_embed_cleanup(b->final_path);
  free(b->hashes);
  free(b->added);
  ix_expired_free(&b->expired);
  if (b->lock_fd >= 0) close(b->lock_fd);
  b->stats->seconds = now_s() - t0;
  return rc;
}

int ix_index_corpus(const char *db_path, const char *corpus_dir, const ix_opts *opts,
                    ix_stats *stats, char *err, size_t errlen) {
  double t0 = now_s();
  ix_build b;
  if (build_begin(&b, db_path, opts, stats, err, errlen)) return build_end(&b, 1, t0);
  b.apply_expired = 1;
  if (ix_expired_read(corpus_dir, &b.expired, err, errlen)) return build_end(&b, 1, t0);
  /* a changed list alone is a change: the flags must follow it */
  if (!b.db && (int64_t)b.expired.hash != (int64_t)b.old_expired_hash && begin_tmp(&b, 0))
    return build_end(&b, 1, t0);
  st_scan_opts so = {opts ? opts->exclude : NULL, opts ? opts->n_exclude : 0};
  char scan_err[512] = "";
  err[0] = '\0';
  int rc =
      st_scan_corpus(corpus_dir, &so, add_doc, skipped, progress, &b, scan_err, sizeof scan_err);
  if (rc < 0) snprintf(err, errlen, "%s", scan_err);
  return build_end(&b, rc != 0, t0);
}

int ix_index_docs(const char *db_path, const st_doc *const *docs, size_t n_docs,
                  const ix_opts *opts, ix_stats *stats, char *err, size_t errlen) {
  double t0 = now_s();
  ix_build b;
  if (build_begin(&b, db_path, opts, stats, err, errlen)) return build_end(&b, 1, t0);
  for (size_t i = 0; i < n_docs; i++) {
    progress(i, n_docs, &b);
    if (add_doc(docs[i], &b)) return build_end(&b, 1, t0);
  }
  progress(n_docs, n_docs, &b);
  return build_end(&b, 0, t0);
}
