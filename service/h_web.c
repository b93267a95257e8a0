/* h_web — serves the research portal from the arrays compiled in. */
#include <string.h>

#include "svc.h"
#include "web.h"

void h_web(svc *s, struct evhttp_request *req, const char *path, double t0) {
  if (!strcmp(path, "/index.html")) path = "/";
  for (size_t i = 0; i < web_n_assets; i++) {
    if (strcmp(web_assets[i].path, path)) continue;
    evhttp_add_header(evhttp_request_get_output_headers(req), "Cache-Control", "no-cache");
    reply_raw(s, req, R_WEB, t0, 200, web_assets[i].ctype, web_assets[i].data, web_assets[i].len);
    return;
  }
  reply_error(s, req, R_WEB, t0, 404, "not_found", "no such page: %s", path);
}
