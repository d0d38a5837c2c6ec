/* session.h - the handlers of the API (DESIGN.md §2), one per endpoint, grouped by
 * caller. Each has the server_main handler shape (server.h): it reads the request,
 * makes one call of an api_* function of sql/migrations and fills the response. */
#ifndef QRSHARE_SESSION_H
#define QRSHARE_SESSION_H

#include "config.h"
#include "http.h"

/* backend.c - the application's backend, with its client credentials. */
int session_token(const struct config *cfg, const struct request *req, struct response *resp);
int session_create(const struct config *cfg, const struct request *req, struct response *resp);
int session_decision(const struct config *cfg, const struct request *req, struct response *resp);

/* browser.c - the page showing the QR code (session token), or the backend. */
int session_status(const struct config *cfg, const struct request *req, struct response *resp);
int session_qr(const struct config *cfg, const struct request *req, struct response *resp);
int session_refresh(const struct config *cfg, const struct request *req, struct response *resp);
int session_cancel(const struct config *cfg, const struct request *req, struct response *resp);
/* OPTIONS on a browser endpoint: the CORS preflight for the session in the path. */
int session_preflight(const struct config *cfg, const struct request *req, struct response *resp);

/* phone.c - the organisation's app, with the user's token. */
int session_information(const struct config *cfg, const struct request *req, struct response *resp);
int session_update(const struct config *cfg, const struct request *req, struct response *resp);

#endif
