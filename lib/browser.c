/* browser.c - the handlers the page showing the QR code calls with its session token
 * (the backend may call them with its app credential): E3 status, E9 qr, E7 refresh,
 * E8 cancel, and their CORS preflight. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "qr.h"
#include "session.h"

static const char sql_status[] = "SELECT code, status, expires_at, expires_epoch, cors"
                                 " FROM qrshare.api_status($1, $2, $3, $4, $5)";
static const char sql_preflight[] = "SELECT code, cors FROM qrshare.api_preflight($1, $2)";
static const char sql_refresh[] =
    "SELECT code, detail, session_number, scope, expires_at, expires_in, cors"
    " FROM qrshare.api_refresh($1, $2, $3, $4, $5, $6)";
static const char sql_cancel[] =
    "SELECT code, status, cors FROM qrshare.api_cancel($1, $2, $3, $4, $5)";

/* CORS headers for the browser-facing endpoints when the database said the
 * request's Origin is one of the application's (allowed = "t"). */
static void
cors(const struct request *req, struct response *resp, const char *allowed)
{
    if (!req->origin || !allowed || strcmp(allowed, "t") != 0)
        return;
    http_header(resp, "Access-Control-Allow-Origin", req->origin);
    http_header(resp, "Access-Control-Expose-Headers", "ETag");
    http_header(resp, "Vary", "Origin");
}

/* The methods each browser endpoint allows, for the preflight's answer. */
static const struct {
    const char *pattern, *methods;
} browser_routes[] = {
    {SESSION_PATH "/{}/status", "GET, HEAD"},
    {SESSION_PATH "/{}/qr.svg", "GET, HEAD"},
    {SESSION_PATH "/{}/refresh", "POST"},
    {SESSION_PATH "/{}", "DELETE"},
};

int
session_preflight(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64];
    const char *methods;
    struct params p = {0};
    PGresult *res = NULL;
    size_t i;

    for (i = 0; i < sizeof browser_routes / sizeof browser_routes[0] &&
                http_route(req->uri, browser_routes[i].pattern, id, sizeof id) < 0;
         i++)
        ;
    if (i == sizeof browser_routes / sizeof browser_routes[0])
        return http_error(resp, ERR_NOT_FOUND, "no such session");
    if (api_session_id(req, browser_routes[i].pattern, id, resp) < 0)
        return 0; /* not a session id: resp is the 404 */
    methods = browser_routes[i].methods;
    if (!req->origin)
        return http_method_not_allowed(resp, methods);
    api_text(&p, id);
    api_text(&p, req->origin);
    if (api_call(cfg, sql_preflight, &p, -1, ERR_INVALID_STATE, &res, resp) == 0 &&
        strcmp(api_field(res, 1), "t") == 0) {
        cors(req, resp, "t");
        http_header(resp, "Access-Control-Allow-Methods", methods);
        http_header(resp, "Access-Control-Allow-Headers",
                    "Data-Session-Token, Authorization, X-Api-Key, Content-Type, If-None-Match");
        http_header(resp, "Access-Control-Max-Age", "600");
        resp->status = 204;
    } else if (res) {
        /* an unknown session and a foreign origin look the same */
        http_error(resp, ERR_FORBIDDEN, "this origin may not call this endpoint");
    }
    PQclear(res);
    return 0;
}

/* The parameters every browser operation starts with: the session id, the session
 * token hash (from the Data-Session-Token header, or token when not NULL), and the app
 * credential when allow_app. -1 with resp set when no usable credential was sent. */
static int
browser_params(const struct request *req, const char *id, const char *token, int allow_app,
               struct params *p, unsigned char th[HASH_BYTES], struct app_cred *cred,
               struct response *resp)
{
    int has_token = auth_session_token(req, token, th) == 0;

    memset(cred, 0, sizeof *cred);
    if (allow_app && api_app_credential(req, cred, 0, resp) < 0)
        return -1;
    if (!has_token && !cred->has_bearer && !cred->has_key) {
        if (req->session_token || token)
            return http_error(resp, ERR_NOT_FOUND, "no such session"), -1;
        return http_error(resp, ERR_INVALID_CLIENT,
                          "a session token or an app credential is required"),
               -1;
    }
    api_text(p, id);
    api_bytes(p, has_token ? th : NULL, HASH_BYTES);
    api_cred(p, cred);
    return 0;
}

/* Looks the session up for a browser or backend. 0 with *res, or -1 with resp set. */
static int
browser_lookup(const struct config *cfg, const struct request *req, const char *id,
               const char *token, int allow_app, struct response *resp, PGresult **res)
{
    struct app_cred cred;
    unsigned char th[HASH_BYTES];
    struct params p = {0};

    *res = NULL;
    if (browser_params(req, id, token, allow_app, &p, th, &cred, resp) < 0)
        return -1;
    api_text(&p, req->origin);
    if (api_call(cfg, sql_status, &p, -1, ERR_INVALID_STATE, res, resp) < 0)
        return -1;
    cors(req, resp, api_field(*res, 4));
    return 0;
}

/* 1 when the If-None-Match header lists etag (or is "*"). */
static int
etag_matches(const char *inm, const char *etag)
{
    size_t n = strlen(etag);
    const char *s;

    if (!inm)
        return 0;
    if (strcmp(inm, "*") == 0)
        return 1;
    for (s = strstr(inm, etag); s; s = strstr(s + 1, etag))
        if ((s == inm || s[-1] == ' ' || s[-1] == ',' || s[-1] == '/') &&
            (s[n] == '\0' || s[n] == ',' || s[n] == ' '))
            return 1;
    return 0;
}

int
session_status(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64], etag[96];
    PGresult *res = NULL;
    json_object *o;

    if (api_session_id(req, SESSION_PATH "/{}/status", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return session_preflight(cfg, req, resp);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return http_method_not_allowed(resp, "GET, HEAD");
    if (browser_lookup(cfg, req, id, NULL, 1, resp, &res) < 0)
        goto out;
    /* The status and the expiry are all a poll can see change. */
    snprintf(etag, sizeof etag, "\"%s-%s\"", api_field(res, 1), api_field(res, 3));
    http_header(resp, "ETag", etag);
    if (etag_matches(req->if_none_match, etag)) {
        resp->status = 304;
        goto out;
    }
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string(api_field(res, 1)));
    json_object_object_add(o, "expires_at", json_object_new_string(api_field(res, 2)));
    json_object_object_add(o, "interval", json_object_new_int(cfg->poll_interval));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}

int
session_qr(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64], token[TOKEN_LEN + 8];
    const char *t = req->session_token, *status;
    PGresult *res = NULL;
    char *url = NULL;

    if (api_session_id(req, SESSION_PATH "/{}/qr.svg", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return session_preflight(cfg, req, resp);
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return http_method_not_allowed(resp, "GET, HEAD");
    if (!t && http_query_param(req->uri, "token", token, sizeof token) == 0)
        t = token;
    if (!t) {
        http_error(resp, ERR_INVALID_CLIENT, "the session token is required");
        goto out;
    }
    if (browser_lookup(cfg, req, id, t, 0, resp, &res) < 0)
        goto out;
    status = api_field(res, 1);
    if (strcmp(status, "initialized") != 0) {
        api_error(resp, strcmp(status, "expired") == 0 ? "expired" : "invalid_state",
                  "the session is no longer waiting for a scan");
        goto out;
    }
    url = api_session_url(cfg, t, id);
    if (!(resp->body = qr_svg(url, &resp->body_len))) {
        http_error(resp, ERR_SERVER, "cannot encode the QR code");
        goto out;
    }
    resp->content_type = "image/svg+xml";
    resp->status = 200;
out:
    free(url);
    PQclear(res);
    return 0;
}

int
session_refresh(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64], token[TOKEN_LEN + 1];
    unsigned char th[HASH_BYTES], nth[HASH_BYTES];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o;
    int rc;

    if (api_session_id(req, SESSION_PATH "/{}/refresh", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return session_preflight(cfg, req, resp);
    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (browser_params(req, id, NULL, 1, &p, th, &cred, resp) < 0)
        goto out;
    crypto_token_new(token);
    crypto_token_hash(PURPOSE_SESSION_TOKEN, token, TOKEN_LEN, nth);
    api_bytes(&p, nth, HASH_BYTES);
    api_text(&p, req->origin);
    rc = api_call(cfg, sql_refresh, &p, 1, ERR_INVALID_STATE, &res, resp);
    if (res)
        cors(req, resp, api_field(res, 6));
    if (rc < 0)
        goto out;
    o = api_waiting_session(cfg, id, api_field(res, 2), token, api_field(res, 3), api_field(res, 4),
                            api_field(res, 5));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}

int
session_cancel(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64];
    unsigned char th[HASH_BYTES];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o;
    int rc;

    if (api_session_id(req, SESSION_PATH "/{}", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return session_preflight(cfg, req, resp);
    if (strcmp(req->method, "DELETE") != 0)
        return http_method_not_allowed(resp, "DELETE");
    if (browser_params(req, id, NULL, 1, &p, th, &cred, resp) < 0)
        goto out;
    api_text(&p, req->origin);
    rc = api_call(cfg, sql_cancel, &p, -1, ERR_INVALID_STATE, &res, resp);
    if (res)
        cors(req, resp, api_field(res, 2));
    if (rc < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string(api_field(res, 1)));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}
