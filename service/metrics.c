/* metrics — counters and latency histograms in Prometheus' text format. */
#include "metrics.h"

const char *const route_names[R_COUNT] = {
    "web",    "healthz", "readyz",     "metrics", "search", "laws",   "law_versions", "article",
    "case",   "answer",  "chat",       "embeddings", "models", "index", "index_job", "other"};

/* Upper bounds in seconds. */
static const double bounds[M_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,    0.25,  0.5,    1,     2.5,  10,    60};

void metrics_observe(metrics *m, route_id r, int status, double ms) {
  m_route *mr = &m->routes[r];
  double s = ms / 1e3;
  int i = 0;
  while (i < M_BUCKETS && s > bounds[i]) i++;
  mr->buckets[i]++;
  mr->sum_s += s;
  mr->count++;
  for (int j = 0; j < M_STATUSES; j++) {
    if (mr->statuses[j].status == status || mr->statuses[j].status == 0) {
      mr->statuses[j].status = status;
      mr->statuses[j].count++;
      return;
    }
  }
  /* More distinct statuses than slots: count them under the last one. */
  mr->statuses[M_STATUSES - 1].count++;
}

void metrics_render(const metrics *m, sbuf *b) {
  sbuf_puts(b, "# HELP lawqa_http_requests_total HTTP requests by route and status.\n"
             "# TYPE lawqa_http_requests_total counter\n");
  for (int r = 0; r < R_COUNT; r++)
    for (int j = 0; j < M_STATUSES && m->routes[r].statuses[j].status; j++)
      sbuf_printf(b, "lawqa_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", route_names[r],
                m->routes[r].statuses[j].status, m->routes[r].statuses[j].count);
  sbuf_puts(b, "# HELP lawqa_http_request_duration_seconds Time from request to reply.\n"
             "# TYPE lawqa_http_request_duration_seconds histogram\n");
  for (int r = 0; r < R_COUNT; r++) {
    const m_route *mr = &m->routes[r];
    if (!mr->count) continue;
    unsigned long long cum = 0;
    for (int i = 0; i < M_BUCKETS; i++) {
      cum += mr->buckets[i];
      sbuf_printf(b, "lawqa_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                route_names[r], bounds[i], cum);
    }
    sbuf_printf(b, "lawqa_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
              route_names[r], mr->count);
    sbuf_printf(b, "lawqa_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
              mr->sum_s);
    sbuf_printf(b, "lawqa_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route_names[r],
              mr->count);
  }
  sbuf_printf(b,
            "# HELP lawqa_tokens_generated_total Tokens sampled by the model.\n"
            "# TYPE lawqa_tokens_generated_total counter\n"
            "lawqa_tokens_generated_total %llu\n"
            "# HELP lawqa_rejected_busy_total Requests refused with 503 because a queue was full.\n"
            "# TYPE lawqa_rejected_busy_total counter\n"
            "lawqa_rejected_busy_total %llu\n"
            "# HELP lawqa_index_jobs_total Bulk index jobs finished, by result.\n"
            "# TYPE lawqa_index_jobs_total counter\n"
            "lawqa_index_jobs_total{result=\"ok\"} %llu\n"
            "lawqa_index_jobs_total{result=\"failed\"} %llu\n",
            (unsigned long long)atomic_load(&m->tokens_generated),
            (unsigned long long)atomic_load(&m->rejected_busy),
            (unsigned long long)atomic_load(&m->index_jobs_ok),
            (unsigned long long)atomic_load(&m->index_jobs_failed));
}
