/* api.h - what every handler shares: the parameters of an api_* call, the call itself
 * with its result code turned into the HTTP answer, and the small request helpers.
 * Each function that can answer for the handler returns -1 with resp set. */
#ifndef QRSHARE_API_H
#define QRSHARE_API_H

#include <libpq-fe.h>
#include "auth.h"
#include "config.h"
#include "db.h"
#include "http.h"

#define API_MAX_PARAMS 16
#define SESSION_PATH "/auth/v2/session"

/* Bound parameters of one call: text, bytea (binary) or NULL. Values are borrowed. */
struct params {
    const char *v[API_MAX_PARAMS];
    int len[API_MAX_PARAMS];
    int bin[API_MAX_PARAMS];
    int n;
};

void api_text(struct params *p, const char *s);
void api_bytes(struct params *p, const void *b, size_t len); /* NULL b: SQL NULL */
void api_cred(struct params *p, const struct app_cred *c);   /* bearer hash, key hash */

/* Runs one api_* function (sql: a static "SELECT ... FROM qrshare.api_x($1, ...)"),
 * whose first column is its result code. 0 when the code is "ok". Otherwise -1 with
 * resp set: 503 or 500 when the call failed (on_constraint for a constraint error),
 * else the code's error, described by column detail_col when >= 0 and not NULL.
 * *res is kept whenever the database answered (caller PQclear()s). */
int api_call(const struct config *cfg, const char *sql, const struct params *p, int detail_col,
             enum err on_constraint, PGresult **res, struct response *resp) WUR;

/* The HTTP answer of an API result code ("not_found", "expired", ...) of
 * sql/migrations; detail (may be NULL) replaces the default description. Returns -1. */
int api_error(struct response *resp, const char *code, const char *detail);

/* Column col of the first row; NULL for SQL NULL. Borrowed from res. */
const char *api_field(PGresult *res, int col);

/* A PostgreSQL text[] of scope names ("{a,b}") as the JSON string "a b"; NULL for NULL. */
json_object *api_scope_json(const char *pg_array);
/* A JSON string, or JSON null for NULL. */
json_object *api_string_or_null(const char *s);

/* The session url from cfg's url_template. Caller frees. */
char *api_session_url(const struct config *cfg, const char *token, const char *session_id);
/* The answer of create and refresh: a session waiting to be scanned, with its new
 * session token and url. Borrowed strings; scope is a PostgreSQL text[]. */
json_object *api_waiting_session(const struct config *cfg, const char *id, const char *number,
                                 const char *token, const char *scope, const char *expires_at,
                                 const char *expires_in);

/* Content-Type application/json and a strict parse of the body into *out (caller
 * puts). -1 with 415, 413 or 400. */
int api_json_body(const struct config *cfg, const struct request *req, struct response *resp,
                  json_object **out) WUR;
/* -1 with a 400 when obj has a key not in allowed (NULL-terminated). */
int api_only_fields(json_object *obj, const char *const *allowed, struct response *resp) WUR;
/* 1 when the Content-Type ct is type, with or without parameters. */
int api_media_type_is(const char *ct, const char *type);

/* The app credential of req into c; -1 with a 401 when it is malformed, or absent
 * and required. */
int api_app_credential(const struct request *req, struct app_cred *c, int required,
                       struct response *resp) WUR;
/* The session id in the path for pattern (with {}), lowercased into id; -1 with a
 * 404 when the path does not match or the id is not a UUID. */
int api_session_id(const struct request *req, const char *pattern, char id[64],
                   struct response *resp) WUR;

/* The associated data of sealed user data: the session's token hash (fixed once the
 * session is retrieved, unique per row), a hash of the bound user (iss, sub: frozen at
 * retrieval) and the key id (< 64 bytes). ad holds API_AD_MAX bytes. */
#define API_AD_MAX (2 * HASH_BYTES + 64)
void api_seal_ad(const unsigned char th[HASH_BYTES], const char *iss, const char *sub,
                 const char *key_id, unsigned char ad[API_AD_MAX], size_t *adlen);

/* 1 when s is a canonical UUID (8-4-4-4-12 hex digits). */
int api_is_uuid(const char *s);

#endif
