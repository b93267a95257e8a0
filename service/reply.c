/* reply — replies the loop sends itself, the JSON error shape, and the
 * access log: one JSON line per request on stderr. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "svc.h"

double svc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

const char *status_reason(int status) {
  switch (status) {
  case 200: return "OK";
  case 202: return "Accepted";
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 413: return "Payload Too Large";
  case 415: return "Unsupported Media Type";
  case 422: return "Unprocessable Entity";
  case 431: return "Request Header Fields Too Large";
  case 500: return "Internal Server Error";
  case 501: return "Not Implemented";
  case 503: return "Service Unavailable";
  case 504: return "Gateway Timeout";
  }
  return "";
}

char *error_body(const char *code, const char *msg) {
  cJSON *o = cJSON_CreateObject();
  cJSON *e = o ? cJSON_AddObjectToObject(o, "error") : NULL;
  char *s = NULL;
  if (e) {
    cJSON_AddStringToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", msg);
    s = cJSON_PrintUnformatted(o);
  }
  cJSON_Delete(o);
  return s ? s : strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
}

char *error_bodyv(const char *code, const char *fmt, va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  return error_body(code, msg);
}

/* A JSON string literal of s (for the log line). */
static void log_str(sbuf *b, const char *s) {
  sbuf_puts(b, "\"");
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    if (*p == '"' || *p == '\\') sbuf_printf(b, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f) sbuf_printf(b, "\\u%04x", *p);
    else sbuf_add(b, (const char *)p, 1);
  }
  sbuf_puts(b, "\"");
}

void log_request(svc *s, const char *line, const char *remote, route_id r, int status,
                 size_t bytes, double ms) {
  metrics_observe(&s->m, r, status, ms);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  char when[40];
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
  sbuf b = {0};
  sbuf_printf(&b, "{\"ts\":\"%s.%03ldZ\",\"remote\":", when, ts.tv_nsec / 1000000);
  log_str(&b, remote);
  sbuf_puts(&b, ",\"request\":");
  /* The request line is the client's bytes: never trust it to be UTF-8. */
  if (line && svc_utf8_valid(line, strlen(line))) log_str(&b, line);
  else log_str(&b, "(not UTF-8)");
  sbuf_printf(&b, ",\"route\":\"%s\",\"status\":%d,\"bytes\":%zu,\"ms\":%.3f}\n", route_names[r],
            status, bytes, ms);
  if (b.s) fwrite(b.s, 1, b.len, stderr);
  sbuf_free(&b);
}

const char *method_name(struct evhttp_request *req) {
  switch (evhttp_request_get_command(req)) {
  case EVHTTP_REQ_GET: return "GET";
  case EVHTTP_REQ_POST: return "POST";
  case EVHTTP_REQ_HEAD: return "HEAD";
  case EVHTTP_REQ_PUT: return "PUT";
  case EVHTTP_REQ_DELETE: return "DELETE";
  case EVHTTP_REQ_OPTIONS: return "OPTIONS";
  case EVHTTP_REQ_TRACE: return "TRACE";
  case EVHTTP_REQ_CONNECT: return "CONNECT";
  case EVHTTP_REQ_PATCH: return "PATCH";
  }
  return "?";
}

static void req_line(struct evhttp_request *req, char *line, size_t n, char *remote, size_t rn) {
  const char *uri = evhttp_request_get_uri(req);
  snprintf(line, n, "%s %s", method_name(req), uri ? uri : "");
  remote[0] = '\0';
  struct evhttp_connection *evcon = evhttp_request_get_connection(req);
  if (evcon) {
    char *addr = NULL;
    ev_uint16_t port = 0;
    evhttp_connection_get_peer(evcon, &addr, &port);
    snprintf(remote, rn, "%s", addr ? addr : "");
  }
}

static void on_sent(struct evhttp_request *req, void *arg) {
  (void)req;
  svc *s = arg;
  s->writing--;
}

void track_write(svc *s, struct evhttp_request *req) {
  /* A request whose client is gone is freed at once, never written. */
  if (!evhttp_request_get_connection(req)) return;
  evhttp_request_set_on_complete_cb(req, on_sent, s);
  s->writing++;
}

void reply_raw(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
               const char *ctype, const void *body, size_t len) {
  char line[1024], remote[64];
  req_line(req, line, sizeof line, remote, sizeof remote);
  struct evkeyvalq *h = evhttp_request_get_output_headers(req);
  evhttp_add_header(h, "Content-Type", ctype);
  if (status == 503) evhttp_add_header(h, "Retry-After", "1");
  struct evbuffer *b = evbuffer_new();
  if (b && len) evbuffer_add(b, body, len);
  track_write(s, req);
  evhttp_send_reply(req, status, status_reason(status), b);
  if (b) evbuffer_free(b);
  log_request(s, line, remote, r, status, len, svc_now_ms() - t0);
}

void reply_json(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
                cJSON *body) {
  char *txt = body ? cJSON_PrintUnformatted(body) : NULL;
  cJSON_Delete(body);
  if (!txt) {
    reply_error(s, req, r, t0, 500, "internal", "out of memory");
    return;
  }
  reply_raw(s, req, r, t0, status, "application/json; charset=utf-8", txt, strlen(txt));
  free(txt);
}

void reply_error(svc *s, struct evhttp_request *req, route_id r, double t0, int status,
                 const char *code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *body = error_bodyv(code, fmt, ap);
  va_end(ap);
  reply_raw(s, req, r, t0, status, "application/json; charset=utf-8", body, strlen(body));
  free(body);
}
