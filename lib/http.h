/* http.h - one request in, one response out: their types, the API's error table, routing. */
#ifndef QRSHARE_HTTP_H
#define QRSHARE_HTTP_H

#include <stddef.h>
#include <json-c/json.h>

/* Borrowed strings from the server's parameters; valid during one request. */
struct request {
    const char *method;          /* REQUEST_METHOD */
    const char *uri;             /* REQUEST_URI: raw path and query as sent */
    const char *content_type;    /* CONTENT_TYPE */
    const char *authorization;   /* HTTP_AUTHORIZATION */
    const char *api_key;         /* HTTP_X_API_KEY */
    const char *session_token;   /* HTTP_DATA_SESSION_TOKEN */
    const char *if_none_match;   /* HTTP_IF_NONE_MATCH */
    const char *origin;          /* HTTP_ORIGIN */
    const char *idempotency_key; /* HTTP_IDEMPOTENCY_KEY */
    const char *body;            /* NUL-terminated; NULL when too large */
    size_t body_len;
    int body_too_large; /* CONTENT_LENGTH over the limit: not read */
    int body_short;     /* fewer bytes arrived than CONTENT_LENGTH said */
};

#define RESP_HEADERS 512

struct response {
    int status;
    json_object *json; /* owned; serialised as the body */
    char *body;        /* owned; a raw body (e.g. SVG) when json is NULL */
    size_t body_len;
    const char *content_type;   /* for body; static */
    char headers[RESP_HEADERS]; /* extra "Name: value\r\n" lines */
};

enum err {
    ERR_INVALID_REQUEST,
    ERR_INVALID_SCOPE,
    ERR_UNSUPPORTED_GRANT_TYPE,
    ERR_INVALID_CLIENT,
    ERR_INVALID_TOKEN,
    ERR_FORBIDDEN,
    ERR_NOT_FOUND,
    ERR_METHOD,
    ERR_INVALID_STATE,
    ERR_ALREADY_CLAIMED,
    ERR_IDEMPOTENCY_CONFLICT,
    ERR_EXPIRED,
    ERR_GONE,
    ERR_TOO_LARGE,
    ERR_MEDIA_TYPE,
    ERR_SLOW_DOWN,
    ERR_UNAVAILABLE,
    ERR_SERVER,
};

/* Sets resp to the error body {"error","error_description"} with the matching status
 * and its headers (WWW-Authenticate, Retry-After). Returns 0. */
int http_error(struct response *resp, enum err e, const char *description);
/* 405 with Allow: allow. */
int http_method_not_allowed(struct response *resp, const char *allow);
/* Takes ownership of obj as the body with status. Returns 0. */
int http_json(struct response *resp, int status, json_object *obj);
/* Appends a header line; name and value must not contain CR or LF. */
void http_header(struct response *resp, const char *name, const char *value);

/* Matches the raw REQUEST_URI against pattern, e.g. "/auth/v2/session/{}/status":
 * literal characters must match exactly, {} matches one segment of [A-Za-z0-9_-]
 * (copied to id, at most idlen-1 bytes; no percent-decoding: ids are plain), and one
 * trailing slash and a query string are allowed. 0 when it matches, else -1. */
int http_route(const char *uri, const char *pattern, char *id, size_t idlen);
/* The value of name in the query string of uri, percent-decoded into out; -1 if absent. */
int http_query_param(const char *uri, const char *name, char *out, size_t outlen);

/* Frees what resp owns and zeroes it. */
void response_reset(struct response *resp);

#endif
