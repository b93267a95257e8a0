/* dense_faiss — the FAISS part of dense_bench (see dense_faiss.c). */
#ifndef LAWQA_BENCH_DENSE_FAISS_H
#define LAWQA_BENCH_DENSE_FAISS_H

#include <stddef.h>

/* Exact flat search, then each kind of `kinds` (factory strings without
 * "IDMap,", ';'-separated, or "default": what lawqa index builds, searched
 * as the dense arm does) over n clustered unit vectors of dimension d;
 * builds use `threads` OpenMP threads, searches one.  0 or 1. */
int dense_faiss_bench(size_t n, int d, int nq, const char *kinds, int threads);

#endif
