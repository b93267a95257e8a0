/* embed — the dense half of an index build (private to the indexer).
 *
 * The indexer calls ix_embed_update() on the new (temporary) database after
 * its lexical update succeeded and before the atomic switch, when
 * opts->model_path != NULL.  It embeds every current article and case
 * section whose text changed since the last build (per-article text hash),
 * keeps the vectors as BLOBs in the database (so the FAISS index can be
 * rebuilt without re-embedding), drops vectors of removed articles, and
 * writes a new FAISS file next to final_db_path whose name carries a
 * generation number recorded in the database.  The caller's switch of the
 * database makes that file current; the previous generation is deleted by
 * the next build (ix_embed_cleanup) once nobody can need it.
 *
 * A non-zero return aborts the build: the old database and its vector file
 * stay as they were.  Nothing is printed except the progress bar when
 * opts->progress is set and stderr is a terminal. */
#ifndef LAWQA_INDEXER_EMBED_H
#define LAWQA_INDEXER_EMBED_H

#include <stddef.h>

#include "indexer.h"

struct sqlite3;

int ix_embed_update(struct sqlite3 *db, const char *final_db_path, const ix_opts *opts,
                    char *err, size_t errlen);

/* After the switch: removes vector files next to final_db_path whose
 * generation is not the one recorded in the now-current database.  Best
 * effort; never fails a build.  Call it also for lexical-only builds. */
void ix_embed_cleanup(const char *final_db_path);

#endif
