/* session.h - the API operations E1-E9 of DESIGN.md, one handler each.
 * A handler reads the request, makes one database round trip and fills the
 * response; it returns 0, or -1 for an internal error (the caller answers 500). */
#ifndef QRSHARE_SESSION_H
#define QRSHARE_SESSION_H

#include "config.h"
#include "http.h"

/* The configuration handlers use; borrowed, must outlive every request. */
void session_configure(const struct config *cfg);

int handle_token(const struct request *req, struct response *resp);
int handle_create(const struct request *req, struct response *resp);
int handle_status(const struct request *req, struct response *resp);
int handle_information(const struct request *req, struct response *resp);
int handle_update(const struct request *req, struct response *resp);
int handle_decision(const struct request *req, struct response *resp);
int handle_refresh(const struct request *req, struct response *resp);
int handle_cancel(const struct request *req, struct response *resp);
int handle_qr(const struct request *req, struct response *resp);

#endif
