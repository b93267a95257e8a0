/* The dense storage layer with synthetic vectors: FAISS build, atomic
 * save, verified load (every kind of staleness is refused), HNSW search,
 * and removal of old generations. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <faiss/c_api/Index_c.h>
#include <faiss/c_api/MetaIndexes_c.h>
#include <faiss/c_api/index_io_c.h>
#include <sqlite3.h>

#include "embed.h"
#include "embed_store.h"
#include "fixture.h"

#define DIM 16
#define N 50

typedef struct {
  char dir[256], db_path[512];
  sqlite3 *db;
  ix_vec_meta meta;
} env;

/* A database with N articles, their vectors, and a generation-1 file. */
static int setup(void **state) {
  env *e = calloc(1, sizeof *e);
  fx_tmpdir(e->dir, sizeof e->dir);
  snprintf(e->db_path, sizeof e->db_path, "%s/t.db", e->dir);
  e->db = fx_open_db(e->db_path);
  char err[256];
  assert_int_equal(ix_vec_schema(e->db, err, sizeof err), 0);
  fx_exec(e->db, "BEGIN");
  float x[N * DIM];
  int64_t ids[N];
  sqlite3_stmt *pv = NULL, *pa = NULL;
  sqlite3_prepare_v2(e->db, "INSERT INTO dense_vectors VALUES (?, ?)", -1, &pv, NULL);
  sqlite3_prepare_v2(e->db, "INSERT INTO dense_articles VALUES (?, ?)", -1, &pa, NULL);
  for (int i = 0; i < N; i++) {
    ids[i] = 100 + i;
    fx_add_article(e->db, ids[i], "text");
    fx_unit_vector(x + i * DIM, DIM, (uint64_t)i);
    sqlite3_reset(pv);
    sqlite3_bind_int64(pv, 1, 5000 + i);
    sqlite3_bind_blob(pv, 2, x + i * DIM, DIM * sizeof(float), SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(pv), SQLITE_DONE);
    sqlite3_reset(pa);
    sqlite3_bind_int64(pa, 1, ids[i]);
    sqlite3_bind_int64(pa, 2, 5000 + i);
    assert_int_equal(sqlite3_step(pa), SQLITE_DONE);
  }
  sqlite3_finalize(pv);
  sqlite3_finalize(pa);
  fx_exec(e->db, "COMMIT");
  FaissIndex *idx = NULL;
  ix_vec_meta *m = &e->meta;
  assert_int_equal(ix_vec_build(x, ids, N, DIM, &idx, m->index_kind, sizeof m->index_kind, err,
                                sizeof err),
                   0);
  assert_string_equal(m->index_kind, "IDMap,Flat");
  snprintf(m->model_id, sizeof m->model_id, "00112233aabbccdd");
  snprintf(m->arch, sizeof m->arch, "qwen2");
  m->layers = 2;
  m->dim = DIM;
  m->generation = 1;
  m->count = N;
  assert_int_equal(ix_vec_id_hash(idx, &m->id_hash, err, sizeof err), 0);
  assert_int_equal(ix_vec_corpus_hash(e->db, &m->corpus_hash, NULL, err, sizeof err), 0);
  char path[1024];
  assert_int_equal(ix_vec_path(e->db_path, 1, path, sizeof path), 0);
  assert_int_equal(ix_vec_save(idx, path, err, sizeof err), 0);
  faiss_Index_free(idx);
  assert_int_equal(ix_vec_meta_write(e->db, m, err, sizeof err), 0);
  *state = e;
  return 0;
}

static int teardown(void **state) {
  env *e = *state;
  sqlite3_close(e->db);
  fx_rmdir(e->dir);
  free(e);
  return 0;
}

static void test_meta_round_trip(void **state) {
  env *e = *state;
  ix_vec_meta m;
  char err[256];
  assert_int_equal(ix_vec_meta_read(e->db, &m, err, sizeof err), 0);
  assert_string_equal(m.model_id, e->meta.model_id);
  assert_int_equal(m.layers, 2);
  assert_int_equal(m.dim, DIM);
  assert_int_equal(m.count, N);
  assert_true(m.id_hash == e->meta.id_hash);
  assert_true(m.corpus_hash == e->meta.corpus_hash);
  /* a database without the table is lexical only */
  sqlite3 *bare = NULL;
  assert_int_equal(sqlite3_open(":memory:", &bare), SQLITE_OK);
  assert_int_equal(ix_vec_meta_read(bare, &m, err, sizeof err), 1);
  sqlite3_close(bare);
}

static void test_load_and_search(void **state) {
  env *e = *state;
  FaissIndex *idx = NULL;
  char err[512];
  assert_int_equal(ix_vec_load(e->db, e->db_path, &e->meta, &idx, err, sizeof err), 0);
  float q[DIM], dis[3];
  idx_t lab[3];
  fx_unit_vector(q, DIM, 7);
  assert_int_equal(faiss_Index_search(idx, 1, q, 3, dis, lab), 0);
  assert_int_equal(lab[0], 107);
  assert_true(dis[0] > 0.999f && dis[0] < 1.001f);
  assert_true(dis[1] < dis[0]);
  faiss_Index_free(idx);
  /* no temporary file is left next to the saved one */
  char tmp[1024];
  snprintf(tmp, sizeof tmp, "%s.vec.1.faiss.tmp.%ld", e->db_path, (long)getpid());
  assert_false(fx_file_exists(tmp));
}

static void expect_refused(env *e, const char *needle) {
  FaissIndex *idx = NULL;
  char err[512] = "";
  assert_int_equal(ix_vec_load(e->db, e->db_path, &e->meta, &idx, err, sizeof err), -1);
  assert_null(idx);
  if (!strstr(err, needle)) fail_msg("expected '%s' in '%s'", needle, err);
}

static void test_changed_vector_is_stale(void **state) {
  env *e = *state;
  /* position 0 is always sampled: article 100 */
  fx_exec(e->db, "UPDATE dense_vectors SET vec = zeroblob(64) WHERE text_hash = 5000");
  expect_refused(e, "stale");
}

static void test_changed_articles_are_stale(void **state) {
  env *e = *state;
  fx_add_article(e->db, 999, "新条文");
  expect_refused(e, "articles changed");
}

static void test_count_mismatch_is_stale(void **state) {
  env *e = *state;
  e->meta.count = N + 1;
  expect_refused(e, "stale");
}

static void test_id_mismatch_is_stale(void **state) {
  env *e = *state;
  e->meta.id_hash ^= 1;
  expect_refused(e, "stale");
}

static void test_dimension_mismatch(void **state) {
  env *e = *state;
  e->meta.dim = DIM * 2;
  expect_refused(e, "dimension");
}

static void test_missing_file(void **state) {
  env *e = *state;
  e->meta.generation = 2;
  expect_refused(e, "missing");
}

static void test_hnsw_search(void **state) {
  (void)state;
  enum { n = 3000, d = 32 };
  float *x = malloc(sizeof(float) * n * d);
  int64_t *ids = malloc(sizeof(int64_t) * n);
  for (int i = 0; i < n; i++) {
    fx_unit_vector(x + i * d, d, (uint64_t)i + 77);
    ids[i] = 10 * i + 3;
  }
  FaissIndex *idx = NULL;
  char err[256];
  assert_int_equal(ix_vec_build_as("IDMap,HNSW32", x, ids, n, d, &idx, err, sizeof err), 0);
  assert_int_equal(ix_vec_set_ef(idx, 128, err, sizeof err), 0);
  int found = 0;
  for (int i = 0; i < 50; i++) {
    float dis[5];
    idx_t lab[5];
    assert_int_equal(faiss_Index_search(idx, 1, x + (i * 59 % n) * d, 5, dis, lab), 0);
    found += lab[0] == ids[i * 59 % n];
  }
  assert_true(found >= 48); /* a stored vector is its own nearest neighbour */
  faiss_Index_free(idx);
  free(x);
  free(ids);
}

/* Above IX_VEC_FLAT_MAX the build is an IVF; ix_vec_search scans as many
 * lists as asked, and stored vectors can be read back from a saved file
 * (the direct map ix_vec_verify needs). */
static void test_ivf_build_and_search(void **state) {
  (void)state;
  enum { n = IX_VEC_FLAT_MAX + 1000, d = 32, k = 5 };
  float *x = malloc(sizeof(float) * n * d), dis[n], rec[d];
  int64_t *ids = malloc(sizeof(int64_t) * n);
  idx_t lab[n];
  for (int i = 0; i < n; i++) {
    fx_unit_vector(x + i * d, d, (uint64_t)i + 99);
    ids[i] = 7 * i + 1;
  }
  FaissIndex *idx = NULL;
  char err[256], kind[64], want[64];
  assert_int_equal(ix_vec_build(x, ids, n, d, &idx, kind, sizeof kind, err, sizeof err), 0);
  snprintf(want, sizeof want, "IDMap,IVF%d,Flat", ix_vec_nlist(n));
  assert_string_equal(kind, want);
  assert_true(ix_vec_nlist(n) >= 2 && ix_vec_nlist(n) * 64 <= n);
  /* not opened: refused rather than searching too few lists */
  assert_int_equal(ix_vec_search(idx, x, k, 1, dis, lab, err, sizeof err), -1);
  ix_vec_open_lists(idx);
  int found = 0;
  for (int i = 0; i < 50; i++) {
    assert_int_equal(ix_vec_search(idx, x + (i * 59 % n) * d, k, 2, dis, lab, err, sizeof err), 0);
    found += lab[0] == ids[i * 59 % n];
  }
  assert_true(found >= 48); /* a stored vector is its own nearest neighbour */
  /* every list: all n vectors come back, best first */
  assert_int_equal(ix_vec_search(idx, x, n, (size_t)n, dis, lab, err, sizeof err), 0);
  assert_int_equal(lab[0], ids[0]);
  assert_true(lab[n - 1] >= 0 && dis[n - 1] <= dis[0]);
  /* one list holds fewer than n: the rest are -1 */
  assert_int_equal(ix_vec_search(idx, x, n, 1, dis, lab, err, sizeof err), 0);
  assert_int_equal(lab[n - 1], -1);
  char dir[256], path[512];
  fx_tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/ivf.faiss", dir);
  assert_int_equal(ix_vec_save(idx, path, err, sizeof err), 0);
  faiss_Index_free(idx);
  assert_int_equal(faiss_read_index_fname(path, 0, &idx), 0);
  FaissIndex *sub = faiss_IndexIDMap_sub_index(faiss_IndexIDMap_cast(idx));
  assert_int_equal(faiss_Index_reconstruct(sub, 17, rec), 0);
  assert_memory_equal(rec, x + 17 * d, sizeof rec);
  faiss_Index_free(idx);
  unlink(path);
  rmdir(dir);
  free(x);
  free(ids);
}

static void touch(const char *db_path, int64_t gen) {
  char p[1024];
  assert_int_equal(ix_vec_path(db_path, gen, p, sizeof p), 0);
  FILE *f = fopen(p, "w");
  assert_non_null(f);
  fclose(f);
}

static void test_cleanup_keeps_current_and_previous(void **state) {
  env *e = *state;
  for (int g = 2; g <= 6; g++) touch(e->db_path, g);
  e->meta.generation = 4;
  char err[256];
  assert_int_equal(ix_vec_meta_write(e->db, &e->meta, err, sizeof err), 0);
  /* an unrelated file with a similar name survives */
  char other[1024];
  snprintf(other, sizeof other, "%s2.vec.1.faiss", e->db_path);
  FILE *f = fopen(other, "w");
  fclose(f);
  ix_embed_cleanup(e->db_path);
  for (int g = 1; g <= 6; g++) {
    char p[1024];
    ix_vec_path(e->db_path, g, p, sizeof p);
    assert_int_equal(fx_file_exists(p), g >= 3);
  }
  assert_true(fx_file_exists(other));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_meta_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_load_and_search, setup, teardown),
      cmocka_unit_test_setup_teardown(test_changed_vector_is_stale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_changed_articles_are_stale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_count_mismatch_is_stale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_id_mismatch_is_stale, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dimension_mismatch, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
      cmocka_unit_test(test_hnsw_search),
      cmocka_unit_test(test_ivf_build_and_search),
      cmocka_unit_test_setup_teardown(test_cleanup_keeps_current_and_previous, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
