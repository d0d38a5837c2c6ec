/* server.h - the serving loop every executable runs: FastCGI when started by spawn-fcgi
 * or the web server, one request when started as plain CGI. */
#ifndef QRSHARE_SERVER_H
#define QRSHARE_SERVER_H

#include "config.h"
#include "http.h"

/* A handler: reads req, makes its one database round trip, fills resp. Returns 0, or
 * -1 for an internal error (answered 500). cfg and req are borrowed for the call. */
typedef int (*handler_fn)(const struct config *cfg, const struct request *req,
                          struct response *resp);

/* Loads the conf (QRSHARE_CONF or the default path), then calls h once per request
 * and writes its answer; a request in flight is finished on SIGTERM. The database is
 * connected lazily by the first request. Returns the process exit status. */
int server_main(const char *prog, handler_fn h);

#endif
