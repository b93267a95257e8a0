/* h_metrics — GET /metrics in Prometheus' text exposition format. */
#include <sys/stat.h>

#include "svc.h"

void h_metrics(svc *s, struct evhttp_request *req, double t0) {
  sbuf b = {0};
  metrics_render(&s->m, &b);
  struct stat st;
  long long db_bytes = stat(s->o.db_path, &st) ? -1 : (long long)st.st_size;
  sbuf_printf(&b,
            "# HELP lawqa_queue_depth Requests waiting for a thread.\n"
            "# TYPE lawqa_queue_depth gauge\n"
            "lawqa_queue_depth{queue=\"retrieval\"} %zu\n"
            "lawqa_queue_depth{queue=\"generation\"} %zu\n"
            "# HELP lawqa_requests_in_flight Requests accepted and not yet finished.\n"
            "# TYPE lawqa_requests_in_flight gauge\n"
            "lawqa_requests_in_flight %d\n"
            "# HELP lawqa_connections_open Client connections held (after their first request).\n"
            "# TYPE lawqa_connections_open gauge\n"
            "lawqa_connections_open %d\n"
            "# HELP lawqa_index_size_bytes Size of the database file.\n"
            "# TYPE lawqa_index_size_bytes gauge\n"
            "lawqa_index_size_bytes %lld\n"
            "# HELP lawqa_index_epoch Database switches by bulk indexing since start.\n"
            "# TYPE lawqa_index_epoch counter\n"
            "lawqa_index_epoch %u\n"
            "# HELP lawqa_search_cache_total Search responses served from the cache, or not.\n"
            "# TYPE lawqa_search_cache_total counter\n"
            "lawqa_search_cache_total{result=\"hit\"} %llu\n"
            "lawqa_search_cache_total{result=\"miss\"} %llu\n"
            "# HELP lawqa_workers_ready Retrieval workers with an open database.\n"
            "# TYPE lawqa_workers_ready gauge\n"
            "lawqa_workers_ready %d\n",
            tq_depth(&s->work), s->model ? tq_depth(&s->genq) : (size_t)0, s->inflight,
            s->n_conns, db_bytes,
            atomic_load(&s->db_epoch), s->cache.hits, s->cache.misses,
            atomic_load(&s->workers_ready));
  if (!b.s) {
    reply_error(s, req, R_METRICS, t0, 500, "internal", "out of memory");
    return;
  }
  reply_raw(s, req, R_METRICS, t0, 200, "text/plain; version=0.0.4; charset=utf-8", b.s, b.len);
  sbuf_free(&b);
}
