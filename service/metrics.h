/* metrics — request counts and latencies by route and status, kept by the
 * event loop alone (so no locks), rendered in Prometheus' text format. */
#ifndef LAWQA_SVC_METRICS_H
#define LAWQA_SVC_METRICS_H

#include <stdatomic.h>
#include <stddef.h>

#include "sbuf.h"

typedef enum {
  R_WEB, R_HEALTHZ, R_READYZ, R_METRICS, R_SEARCH, R_LAWS, R_LAW_VERSIONS, R_ARTICLE, R_CASE,
  R_ANSWER, R_CHAT, R_EMBEDDINGS, R_MODELS, R_INDEX, R_INDEX_JOB, R_OTHER, R_COUNT
} route_id;

extern const char *const route_names[R_COUNT];

#define M_BUCKETS 14
#define M_STATUSES 16

typedef struct {
  int status;
  unsigned long long count;
} m_status;

typedef struct {
  m_status statuses[M_STATUSES];
  unsigned long long buckets[M_BUCKETS + 1]; /* last: +Inf */
  double sum_s;
  unsigned long long count;
} m_route;

typedef struct {
  m_route routes[R_COUNT];
  atomic_ullong tokens_generated;
  atomic_ullong index_jobs_ok, index_jobs_failed;
  atomic_ullong rejected_busy; /* 503 because a queue was full */
} metrics;

void metrics_observe(metrics *m, route_id r, int status, double ms);
/* Adds the request metrics to b in Prometheus' text format. */
void metrics_render(const metrics *m, sbuf *b);

#endif
