/* Helpers shared by the dense tests: a scratch folder, and a minimal
 * database with the indexer's laws/versions/articles columns that the
 * dense code reads. */
#ifndef LAWQA_TESTS_DENSE_FIXTURE_H
#define LAWQA_TESTS_DENSE_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;

/* mkdtemp under TMPDIR or /tmp; path written into buf. */
void fx_tmpdir(char *buf, size_t cap);
/* rm -r of a folder made by fx_tmpdir. */
void fx_rmdir(const char *dir);
/* Opens (creating) a database with the minimal schema, one law with one
 * current version of content hash 7. */
struct sqlite3 *fx_open_db(const char *path);
void fx_exec(struct sqlite3 *db, const char *sql);
void fx_add_article(struct sqlite3 *db, int64_t id, const char *text);
/* Deterministic pseudo-random unit vector. */
void fx_unit_vector(float *v, int dim, uint64_t seed);
int fx_file_exists(const char *path);

#endif
