/* wire — the replies evhttp writes on its own, turned into our JSON errors.
 *
 * When a request breaks one of evhttp's own limits (a body over
 * evhttp_set_max_body_size, headers over evhttp_set_max_headers_size) or
 * cannot be parsed, libevent 2.1 answers before any callback of ours runs,
 * with a small HTML page and "Connection: close"; 2.2's evhttp_set_errorcb,
 * the proper hook, does not exist in Debian 12's 2.1.12.  Our own limits
 * sit below evhttp's (router.c), so this is the path of requests past
 * those: a Content-Length over the largest body any route takes, headers
 * over four times ours, a malformed request line.
 *
 * Every connection's bufferevent is made here (evhttp_set_bevcb), with a
 * callback on its output buffer.  evhttp writes a reply's status line,
 * headers and body as separate additions, the body last, so the callback
 * sees libevent's page complete in the buffer and replaces it before a
 * byte reaches the socket.  The page is recognised by its exact shape —
 * "Content-Type: text/html" with no charset, and the body ending in
 * "</BODY></HTML>\n" — which no reply of ours has (the portal is served as
 * text/html; charset=utf-8).  It is rewritten only when it is all the
 * buffer holds, as it is in practice (evhttp reads a request only after the
 * previous reply has gone out); otherwise the page goes out as it is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "svc.h"

#define PAGE_END "</BODY></HTML>\n"
#define PAGE_CTYPE "\r\nContent-Type: text/html\r\n"
#define PAGE_MAX 1024 /* libevent's pages are about 250 bytes, headers included */

static bool ends_with_page(struct evbuffer *out, size_t len) {
  char tail[sizeof PAGE_END - 1];
  struct evbuffer_ptr at;
  if (evbuffer_ptr_set(out, &at, len - sizeof tail, EVBUFFER_PTR_SET)) return false;
  return evbuffer_copyout_from(out, &at, tail, sizeof tail) == (ev_ssize_t)sizeof tail &&
         !memcmp(tail, PAGE_END, sizeof tail);
}

/* The status of libevent's page at the start of out, or 0 when out holds
 * anything else. */
static int page_status(struct evbuffer *out, size_t len) {
  if (len < 64 || len > PAGE_MAX || !ends_with_page(out, len)) return 0;
  char buf[PAGE_MAX + 1];
  evbuffer_copyout(out, buf, len);
  buf[len] = '\0';
  int status = 0;
  if (strncmp(buf, "HTTP/1.", 7) || sscanf(buf + 8, " %3d", &status) != 1) return 0;
  char *head_end = strstr(buf, "\r\n\r\n");
  char *ctype = strstr(buf, PAGE_CTYPE);
  if (!head_end || !ctype || ctype > head_end || strncmp(head_end + 4, "<HTML><HEAD>", 12))
    return 0;
  return status >= 400 && status < 600 ? status : 0;
}

static const char *code_of(int status) {
  switch (status) {
  case 400: return "bad_request";
  case 405: return "method_not_allowed";
  case 413: return "body_too_large";
  case 431: return "headers_too_large";
  case 501: return "not_implemented";
  }
  return "http_error";
}

static char *message_of(const svc *s, int status) {
  char msg[256];
  if (status == 413)
    snprintf(msg, sizeof msg, "request body is over %zu bytes, the most any route takes",
             s->o.max_index_body);
  else if (status == 400)
    snprintf(msg, sizeof msg,
             "the request is malformed, or its request line and headers are over %zu bytes",
             4 * s->o.max_headers);
  else if (status == 501)
    snprintf(msg, sizeof msg, "the request method is not supported by this server");
  else snprintf(msg, sizeof msg, "the request was refused by the HTTP parser");
  return error_body(code_of(status), msg);
}

static void rewrite_page(struct evbuffer *out, const struct evbuffer_cb_info *info, void *arg) {
  svc *s = arg;
  if (!info->n_added) return;
  size_t len = evbuffer_get_length(out);
  int status = page_status(out, len);
  if (!status) return;
  char *body = message_of(s, status);
  evbuffer_drain(out, len);
  /* Calls this callback again; the JSON reply does not look like a page. */
  evbuffer_add_printf(out,
                      "HTTP/1.1 %d %s\r\nContent-Type: application/json; charset=utf-8\r\n"
                      "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
                      status, status_reason(status), strlen(body), body);
  log_request(s, "(rejected by the HTTP parser)", "", R_OTHER, status, strlen(body), 0);
  free(body);
}

struct bufferevent *wire_new_bev(struct event_base *base, void *arg) {
  /* Options as evhttp's own default: evhttp closes the socket itself. */
  struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
  if (bev && !evbuffer_add_cb(bufferevent_get_output(bev), rewrite_page, arg)) {
    bufferevent_free(bev);
    return NULL;
  }
  return bev;
}
