/* session.c - the API operations; see session.h and sql/migrations/0003_api.sql. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <qrencode.h>
#include <sodium.h>
#include "auth.h"
#include "crypto.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "session.h"

#define MAX_PARAMS 12
#define MAX_SCOPES 32
#define JSON_DEPTH 32
#define SESSION_PATH "/auth/v2/session"
#define SCOPE_CHARS "abcdefghijklmnopqrstuvwxyz0123456789_" /* of a scope name */

static const struct config *cfg;

/* Bound parameters of one statement: text, bytea (binary) or NULL. */
struct params {
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int bin[MAX_PARAMS];
    int n;
};

static void
p_text(struct params *p, const char *s)
{
    p->v[p->n] = s;
    p->len[p->n] = 0;
    p->bin[p->n++] = 0;
}

static void
p_bytes(struct params *p, const void *b, size_t len)
{
    p->v[p->n] = b;
    p->len[p->n] = (int)len;
    p->bin[p->n++] = b != NULL;
}

static void
p_cred(struct params *p, const struct app_cred *c)
{
    p_bytes(p, c->has_bearer ? c->bearer : NULL, HASH_BYTES);
    p_bytes(p, c->has_key ? c->key : NULL, HASH_BYTES);
}

static enum db_status
run(const char *sql, const struct params *p, PGresult **res)
{
    return db_exec(sql, p->n, p->v, p->len, p->bin, res);
}

/* The answer to a failed database call. */
static int
db_failed(struct response *resp, enum db_status st)
{
    if (st == DB_UNAVAILABLE)
        return http_error(resp, ERR_UNAVAILABLE, "the database is not available, try again");
    if (st == DB_CONSTRAINT)
        return http_error(resp, ERR_INVALID_STATE,
                          "the request conflicts with the session's state");
    return http_error(resp, ERR_SERVER, "internal error");
}

/* An API error code from SQL (0003_api.sql) as the HTTP answer. */
static int
sql_error(struct response *resp, const char *code, const char *detail)
{
    static const struct {
        const char *code;
        enum err e;
        const char *text;
    } map[] = {
        {"invalid_client", ERR_INVALID_CLIENT, "invalid client credential"},
        {"not_found", ERR_NOT_FOUND, "no such session"},
        {"invalid_state", ERR_INVALID_STATE, "not possible in the session's current state"},
        {"already_claimed", ERR_ALREADY_CLAIMED, "the session belongs to another user"},
        {"expired", ERR_EXPIRED, "the session has expired"},
        {"gone", ERR_GONE, "the user data is no longer held"},
        {"invalid_scope", ERR_INVALID_SCOPE, "invalid scope"},
        {"invalid_request", ERR_INVALID_REQUEST, "invalid request"},
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(code, map[i].code) == 0)
            return http_error(resp, map[i].e, detail && *detail ? detail : map[i].text);
    log_error("unknown result code from the database: %s", code);
    return http_error(resp, ERR_SERVER, "internal error");
}

static const char *
field(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

/* Runs one API function of 0003_api.sql, whose first column is its result code. 0 when
 * it is "ok"; otherwise -1 with resp set: 503/500 (or on_constraint) when the
 * statement failed, the code's error (with column detail_col as its description, if
 * >= 0) when it answered. *res is kept whenever the database answered (caller clears). */
static int
call(const char *sql, const struct params *p, int detail_col, enum err on_constraint,
     PGresult **res, struct response *resp)
{
    enum db_status st = db_exec(sql, p->n, p->v, p->len, p->bin, res);

    if (st == DB_CONSTRAINT && on_constraint != ERR_INVALID_STATE)
        return http_error(resp, on_constraint, "the session was refused by a constraint"), -1;
    if (st != DB_OK)
        return db_failed(resp, st), -1;
    if (strcmp(field(*res, 0), "ok") != 0)
        return sql_error(resp, field(*res, 0), detail_col >= 0 ? field(*res, detail_col) : NULL),
               -1;
    return 0;
}

static json_object *
json_str_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

/* A canonical UUID (8-4-4-4-12 hex); anything else is answered 404 without a query. */
static int
is_uuid(const char *s)
{
    size_t i;

    if (strlen(s) != 36)
        return 0;
    for (i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-'
                 : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
                     (s[i] >= 'A' && s[i] <= 'F')))
            return 0;
    }
    return 1;
}

/* The session id in the path for pattern (with {}), or -1 and a 404. */
static int
session_id_from_path(const struct request *req, const char *pattern, char id[64],
                     struct response *resp)
{
    char *c;

    if (http_route(req->uri, pattern, id, 64) < 0 || !is_uuid(id)) {
        http_error(resp, ERR_NOT_FOUND, "no such session");
        return -1;
    }
    for (c = id; *c; c++) /* answered as PostgreSQL writes it */
        if (*c >= 'A' && *c <= 'F')
            *c += 'a' - 'A';
    return 0;
}

/* A PostgreSQL text[] of simple names ("{a,b}") as a space-separated string. */
static json_object *
pg_array_to_scope(const char *a)
{
    char *s, *p;
    json_object *o;

    if (!a)
        return NULL;
    s = xstrdup(a[0] == '{' ? a + 1 : a);
    if ((p = strrchr(s, '}')))
        *p = '\0';
    for (p = s; *p; p++)
        if (*p == ',')
            *p = ' ';
    o = json_object_new_string(s);
    free(s);
    return o;
}

/* The session url from the configured template. Caller frees. */
static char *
session_url(const char *token, const char *session_id)
{
    const char *t = cfg->url_template;
    size_t cap = strlen(t) + strlen(cfg->public_url) + 128, n = 0;
    char *out = xmalloc(cap);

    while (*t) {
        const char *v = NULL;
        size_t skip = 0;
        if (strncmp(t, "{public_url}", 12) == 0)
            v = cfg->public_url, skip = 12;
        else if (strncmp(t, "{session_token}", 15) == 0)
            v = token, skip = 15;
        else if (strncmp(t, "{session_id}", 12) == 0)
            v = session_id, skip = 12;
        if (v) {
            size_t vl = strlen(v);
            if (n + vl + 1 > cap)
                out = xrealloc(out, cap = (n + vl) * 2 + 1);
            memcpy(out + n, v, vl);
            n += vl;
            t += skip;
        } else {
            if (n + 2 > cap)
                out = xrealloc(out, cap *= 2);
            out[n++] = *t++;
        }
    }
    out[n] = '\0';
    return out;
}

/* 1 when the Content-Type ct is type, with or without parameters (";charset=..."). */
static int
media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Content-Type application/json and a strict parse of the body. -1 with resp set. */
static int
json_body(const struct request *req, struct response *resp, json_object **out)
{
    enum json_status st;

    *out = NULL;
    if (!media_type_is(req->content_type, "application/json"))
        return http_error(resp, ERR_MEDIA_TYPE, "the body must be application/json"), -1;
    st = json_parse_strict(req->body, req->body_len, cfg->max_body, JSON_DEPTH, out);
    if (st == JSON_TOO_LARGE)
        return http_error(resp, ERR_TOO_LARGE, "request body too large"), -1;
    if (st != JSON_OK)
        return http_error(resp, ERR_INVALID_REQUEST, json_status_str(st)), -1;
    return 0;
}

/* -1 with a 400 when obj has a key not in allowed (NULL-terminated). */
static int
only_fields(json_object *obj, const char *const *allowed, struct response *resp)
{
    char msg[128];

    json_object_object_foreach(obj, key, val)
    {
        const char *const *a;
        (void)val;
        for (a = allowed; *a && strcmp(*a, key) != 0; a++)
            ;
        if (!*a) {
            snprintf(msg, sizeof msg, "unknown field: %.64s", key);
            return http_error(resp, ERR_INVALID_REQUEST, msg), -1;
        }
    }
    return 0;
}

/* The app credential, or -1 and a 401 when it is malformed or absent (required). */
static int
app_credential(const struct request *req, struct app_cred *c, int required, struct response *resp)
{
    if (auth_app_credential(req, c) < 0 || (required && !c->has_bearer && !c->has_key)) {
        http_error(resp, ERR_INVALID_CLIENT, "a valid client access token or API key is required");
        return -1;
    }
    return 0;
}

void
session_configure(const struct config *c)
{
    cfg = c;
}

/* E1 -------------------------------------------------------------------------------- */

static const char sql_token[] = "SELECT code, iat, exp FROM qrshare.api_token($1, $2, $3, $4)";

int
handle_token(const struct request *req, struct response *resp)
{
    char client_id[256], secret[256], token[TOKEN_LEN + 1], ttl[16];
    char grant[64] = "";
    unsigned char secret_hash[HASH_BYTES], token_hash[HASH_BYTES];
    json_object *body = NULL, *g = NULL, *o = NULL;
    PGresult *res = NULL;
    struct params p = {0};

    /* The path first: the web server sends every unknown /auth/v2/ path here. */
    if (http_route(req->uri, "/auth/v2/token", NULL, 0) < 0)
        return http_error(resp, ERR_NOT_FOUND, "no such endpoint");
    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (auth_basic(req, client_id, sizeof client_id, secret, sizeof secret) < 0 ||
        !auth_is_token(secret)) {
        http_error(resp, ERR_INVALID_CLIENT, "HTTP Basic client_id:client_secret is required");
        goto out;
    }
    if (media_type_is(req->content_type, "application/x-www-form-urlencoded")) {
        char *q = xasprintf("?%s", req->body ? req->body : "");
        if (http_query_param(q, "grant_type", grant, sizeof grant) < 0)
            grant[0] = '\0';
        free(q);
    } else {
        if (json_body(req, resp, &body) < 0)
            goto out;
        if (json_object_object_get_ex(body, "grant_type", &g) &&
            json_object_is_type(g, json_type_string))
            snprintf(grant, sizeof grant, "%s", json_object_get_string(g));
    }
    if (strcmp(grant, "client_credentials") != 0) {
        http_error(resp, ERR_INVALID_REQUEST, "grant_type must be client_credentials");
        goto out;
    }
    crypto_token_hash(PURPOSE_CLIENT_SECRET, secret, strlen(secret), secret_hash);
    crypto_token_new(token);
    crypto_token_hash(PURPOSE_ACCESS_TOKEN, token, TOKEN_LEN, token_hash);
    snprintf(ttl, sizeof ttl, "%d", cfg->access_token_ttl);
    p_text(&p, client_id);
    p_bytes(&p, secret_hash, HASH_BYTES);
    p_bytes(&p, token_hash, HASH_BYTES);
    p_text(&p, ttl);
    if (call(sql_token, &p, -1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_in", json_object_new_int(cfg->access_token_ttl));
    json_object_object_add(o, "exp", json_object_new_int64(strtoll(field(res, 2), NULL, 10)));
    json_object_object_add(o, "iat", json_object_new_int64(strtoll(field(res, 1), NULL, 10)));
    json_object_object_add(o, "iss", json_object_new_string(cfg->token_issuer));
    json_object_object_add(o, "sub", json_object_new_string(client_id));
    json_object_object_add(o, "client_id", json_object_new_string(client_id));
    http_json(resp, 200, o);
out:
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(token, sizeof token);
    json_object_put(body);
    PQclear(res);
    return 0;
}

/* E2 -------------------------------------------------------------------------------- */

static const char sql_create[] =
    "SELECT code, detail, session_id, session_number, expires_at, expires_in"
    " FROM qrshare.api_create($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/* "email names" -> "{email,names}", each name [a-z0-9_], duplicates dropped. */
static int
scope_to_pg_array(const char *scope, char *out, size_t outlen)
{
    char names[MAX_SCOPES][64];
    size_t n = 0, i, o = 0;
    const char *s = scope;

    while (*s) {
        size_t len;
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        len = strcspn(s, " ");
        if (len > 63 || strspn(s, SCOPE_CHARS) < len)
            return -1;
        for (i = 0; i < n && !(strlen(names[i]) == len && strncmp(names[i], s, len) == 0); i++)
            ;
        if (i == n) {
            if (n == MAX_SCOPES)
                return -1;
            memcpy(names[n], s, len);
            names[n++][len] = '\0';
        }
        s += len;
    }
    if (n == 0)
        return -1;
    out[o++] = '{';
    for (i = 0; i < n; i++) {
        size_t l = strlen(names[i]);
        if (o + l + 3 > outlen)
            return -1;
        if (i)
            out[o++] = ',';
        memcpy(out + o, names[i], l);
        o += l;
    }
    out[o++] = '}';
    out[o] = '\0';
    return 0;
}

/* The host of an http(s) URL, lowercased into host. -1 when it is not one. */
static int
url_host(const char *url, char *host, size_t hostlen)
{
    const char *h;
    size_t n = 0;

    if (strncmp(url, "https://", 8) == 0)
        h = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        h = url + 7;
    else
        return -1;
    if (strlen(url) > 2048 || strpbrk(url, " \t\r\n\"<>\\"))
        return -1;
    for (; h[n] && !strchr("/:?#@", h[n]); n++) {
        if (n + 1 >= hostlen)
            return -1;
        host[n] = (char)((h[n] >= 'A' && h[n] <= 'Z') ? h[n] + 32 : h[n]);
    }
    if (n == 0 || h[n] == '@')
        return -1;
    host[n] = '\0';
    return 0;
}

int
handle_create(const struct request *req, struct response *resp)
{
    static const char *const allowed[] = {"scope",    "vendor_data", "metadata",
                                          "callback", "expires_in",  NULL};
    json_object *body = NULL, *v = NULL, *o = NULL;
    PGresult *res = NULL;
    struct params p = {0};
    struct app_cred cred;
    char token[TOKEN_LEN + 1], scopes[1024], host[256], expires_in[16] = "";
    unsigned char token_hash[HASH_BYTES];
    const char *vendor = NULL, *metadata = NULL, *callback = NULL;
    char *url = NULL;

    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (http_route(req->uri, SESSION_PATH, NULL, 0) < 0)
        return http_error(resp, ERR_NOT_FOUND, "no such endpoint");
    if (app_credential(req, &cred, 1, resp) < 0 || json_body(req, resp, &body) < 0 ||
        only_fields(body, allowed, resp) < 0)
        goto out;

    if (!json_object_object_get_ex(body, "scope", &v) ||
        !json_object_is_type(v, json_type_string)) {
        http_error(resp, ERR_INVALID_REQUEST, "scope (a string) is required");
        goto out;
    }
    if (scope_to_pg_array(json_object_get_string(v), scopes, sizeof scopes) < 0) {
        http_error(resp, ERR_INVALID_SCOPE, "scope must be space-separated scope names");
        goto out;
    }
    if (json_object_object_get_ex(body, "vendor_data", &v) && v) {
        if (!json_object_is_type(v, json_type_string) || json_object_get_string_len(v) > 2000) {
            http_error(resp, ERR_INVALID_REQUEST,
                       "vendor_data must be a string of at most 2000 bytes");
            goto out;
        }
        vendor = json_object_get_string(v);
    }
    if (json_object_object_get_ex(body, "metadata", &v) && v) {
        if (!json_object_is_type(v, json_type_object) ||
            strlen(metadata = json_object_to_json_string_ext(
                       v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) > 4096) {
            http_error(resp, ERR_INVALID_REQUEST, "metadata must be an object of at most 4 KiB");
            goto out;
        }
    }
    if (json_object_object_get_ex(body, "callback", &v) && v) {
        if (!json_object_is_type(v, json_type_string) ||
            url_host(json_object_get_string(v), host, sizeof host) < 0) {
            http_error(resp, ERR_INVALID_REQUEST, "callback must be an http(s) URL");
            goto out;
        }
        callback = json_object_get_string(v);
    }
    if (json_object_object_get_ex(body, "expires_in", &v) && v) {
        int64_t e = json_object_get_int64(v);
        if (!json_object_is_type(v, json_type_int) || e < 30 || e > 3600) {
            http_error(resp, ERR_INVALID_REQUEST, "expires_in must be an integer from 30 to 3600");
            goto out;
        }
        snprintf(expires_in, sizeof expires_in, "%d", (int)e);
    }

    crypto_token_new(token);
    crypto_token_hash(PURPOSE_SESSION_TOKEN, token, TOKEN_LEN, token_hash);
    p_cred(&p, &cred);
    p_bytes(&p, token_hash, HASH_BYTES);
    p_text(&p, scopes);
    p_text(&p, vendor);
    p_text(&p, metadata);
    p_text(&p, callback);
    p_text(&p, callback ? host : NULL);
    p_text(&p, expires_in[0] ? expires_in : NULL);
    if (call(sql_create, &p, 1, ERR_INVALID_REQUEST, &res, resp) < 0)
        goto out;
    url = session_url(token, field(res, 2));
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(field(res, 2)));
    json_object_object_add(o, "session_number",
                           json_object_new_int64(strtoll(field(res, 3), NULL, 10)));
    json_object_object_add(o, "session_token", json_object_new_string(token));
    json_object_object_add(o, "url", json_object_new_string(url));
    json_object_object_add(o, "status", json_object_new_string("initialized"));
    json_object_object_add(o, "scope", pg_array_to_scope(scopes));
    json_object_object_add(o, "vendor_data", json_str_or_null(vendor));
    json_object_object_add(o, "expires_at", json_object_new_string(field(res, 4)));
    json_object_object_add(o, "expires_in", json_object_new_int(atoi(field(res, 5))));
    http_json(resp, 201, o);
out:
    free(url);
    json_object_put(body);
    PQclear(res);
    return 0;
}

/* E3, E9 ---------------------------------------------------------------------------- */

/* One indexed row; the app credential lookup runs only when one was sent. */
static const char sql_status[] =
    "SELECT c.app IS NOT NULL OR ($3::bytea IS NULL AND $4::bytea IS NULL), s.id IS NOT NULL,"
    " qrshare.effective_status(s.status, s.expires_at), qrshare.iso8601(s.expires_at),"
    " extract(epoch FROM s.expires_at)::bigint,"
    " CASE WHEN $5::text IS NULL THEN false ELSE qrshare.cors_allowed(s.application_id, $5) END"
    " FROM (SELECT CASE WHEN $3::bytea IS NULL AND $4::bytea IS NULL THEN NULL"
    "       ELSE qrshare.app_by_credential($3, $4) END AS app) c"
    " LEFT JOIN qrshare.sessions s ON s.id = $1::uuid"
    "  AND (s.token_hash = $2::bytea OR s.application_id = c.app)";

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

static const char sql_preflight[] = "SELECT qrshare.cors_allowed(s.application_id, $2) FROM "
                                    "qrshare.sessions s WHERE s.id = $1::uuid";

/* OPTIONS: a CORS preflight for the session in the path, answered for the origins
 * its application allows and refused (403) for any other. */
static int
preflight(const struct request *req, struct response *resp, const char *id, const char *methods)
{
    struct params p = {0};
    PGresult *res = NULL;
    enum db_status st;

    if (!req->origin)
        return http_method_not_allowed(resp, methods);
    p_text(&p, id);
    p_text(&p, req->origin);
    if ((st = run(sql_preflight, &p, &res)) != DB_OK)
        return db_failed(resp, st);
    if (PQntuples(res) == 1 && strcmp(field(res, 0), "t") == 0) {
        cors(req, resp, "t");
        http_header(resp, "Access-Control-Allow-Methods", methods);
        http_header(resp, "Access-Control-Allow-Headers",
                    "Data-Session-Token, Authorization, X-Api-Key, Content-Type, If-None-Match");
        http_header(resp, "Access-Control-Max-Age", "600");
        resp->status = 204;
    } else {
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
    if (allow_app && app_credential(req, cred, 0, resp) < 0)
        return -1;
    if (!has_token && !cred->has_bearer && !cred->has_key) {
        if (req->session_token || token)
            return http_error(resp, ERR_NOT_FOUND, "no such session"), -1;
        return http_error(resp, ERR_INVALID_CLIENT,
                          "a session token or an app credential is required"),
               -1;
    }
    p_text(p, id);
    p_bytes(p, has_token ? th : NULL, HASH_BYTES);
    p_cred(p, cred);
    return 0;
}

/* Looks the session up for a browser or backend. 0 with *res, or -1 with resp set. */
static int
browser_lookup(const struct request *req, const char *id, const char *token, int allow_app,
               struct response *resp, PGresult **res)
{
    struct app_cred cred;
    unsigned char th[HASH_BYTES];
    struct params p = {0};
    enum db_status st;

    *res = NULL;
    if (browser_params(req, id, token, allow_app, &p, th, &cred, resp) < 0)
        return -1;
    p_text(&p, req->origin);
    if ((st = run(sql_status, &p, res)) != DB_OK)
        return db_failed(resp, st), -1;
    if (strcmp(field(*res, 0), "t") != 0)
        return sql_error(resp, "invalid_client", NULL), -1;
    if (strcmp(field(*res, 1), "t") != 0)
        return sql_error(resp, "not_found", NULL), -1;
    cors(req, resp, field(*res, 5));
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
handle_status(const struct request *req, struct response *resp)
{
    char id[64], etag[96];
    PGresult *res = NULL;
    json_object *o;

    if (session_id_from_path(req, SESSION_PATH "/{}/status", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp, id, "GET, HEAD");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return http_method_not_allowed(resp, "GET, HEAD");
    if (browser_lookup(req, id, NULL, 1, resp, &res) < 0)
        goto out;
    /* The status and the expiry are all a poll can see change. */
    snprintf(etag, sizeof etag, "\"%s-%s\"", field(res, 2), field(res, 4));
    http_header(resp, "ETag", etag);
    if (etag_matches(req->if_none_match, etag)) {
        resp->status = 304;
        goto out;
    }
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string(field(res, 2)));
    json_object_object_add(o, "expires_at", json_object_new_string(field(res, 3)));
    json_object_object_add(o, "interval", json_object_new_int(cfg->poll_interval));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}

/* The QR code of text as an SVG document. Caller frees. */
static char *
qr_svg(const char *text, size_t *len)
{
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    const int quiet = 4;
    size_t cap, n;
    char *svg;
    int x, y, w;

    if (!qr)
        return NULL;
    w = qr->width + 2 * quiet;
    cap = 512 + (size_t)qr->width * (size_t)qr->width * 24;
    svg = xmalloc(cap);
    n = (size_t)snprintf(svg, cap,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                         "width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\">"
                         "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                         w, w, w * 8, w * 8, w, w);
    for (y = 0; y < qr->width; y++)
        for (x = 0; x < qr->width; x++)
            if (qr->data[y * qr->width + x] & 1)
                n += (size_t)snprintf(svg + n, cap - n, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    n += (size_t)snprintf(svg + n, cap - n, "\"/></svg>\n");
    QRcode_free(qr);
    *len = n;
    return svg;
}

int
handle_qr(const struct request *req, struct response *resp)
{
    char id[64], token[TOKEN_LEN + 8];
    const char *t = req->session_token, *status;
    PGresult *res = NULL;
    char *url = NULL;

    if (session_id_from_path(req, SESSION_PATH "/{}/qr.svg", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp, id, "GET, HEAD");
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
        return http_method_not_allowed(resp, "GET, HEAD");
    if (!t && http_query_param(req->uri, "token", token, sizeof token) == 0)
        t = token;
    if (!t) {
        http_error(resp, ERR_INVALID_CLIENT, "the session token is required");
        goto out;
    }
    if (browser_lookup(req, id, t, 0, resp, &res) < 0)
        goto out;
    status = field(res, 2);
    if (strcmp(status, "initialized") != 0) {
        sql_error(resp, strcmp(status, "expired") == 0 ? "expired" : "invalid_state",
                  "the session is no longer waiting for a scan");
        goto out;
    }
    url = session_url(t, id);
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

/* E4 -------------------------------------------------------------------------------- */

static const char sql_information[] =
    "SELECT code, session_id, status, scope, expires_at, app_name, app_domain, logo_url,"
    " privacy_policy_url, terms_url, scopes FROM qrshare.api_information($1, $2, $3)";

/* The session token in a phone path, hashed; -1 and a 404 when malformed. */
static int
phone_token(const struct request *req, const char *pattern, unsigned char th[HASH_BYTES],
            struct response *resp)
{
    char token[64];

    if (http_route(req->uri, pattern, token, sizeof token) < 0 ||
        auth_session_token(req, token, th) < 0) {
        http_error(resp, ERR_NOT_FOUND, "no such session");
        return -1;
    }
    return 0;
}

int
handle_information(const struct request *req, struct response *resp)
{
    unsigned char th[HASH_BYTES];
    struct jwt_user user;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o, *app;

    if (strcmp(req->method, "GET") != 0)
        return http_method_not_allowed(resp, "GET");
    if (phone_token(req, SESSION_PATH "/{}/information", th, resp) < 0 ||
        auth_user(cfg, req, &user, resp) < 0)
        goto out;
    p_bytes(&p, th, HASH_BYTES);
    p_text(&p, user.iss);
    p_text(&p, user.sub);
    if (call(sql_information, &p, -1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    app = json_object_new_object();
    json_object_object_add(app, "name", json_object_new_string(field(res, 5)));
    json_object_object_add(app, "domain", json_object_new_string(field(res, 6)));
    json_object_object_add(app, "logo_url", json_str_or_null(field(res, 7)));
    json_object_object_add(app, "privacy_policy_url", json_str_or_null(field(res, 8)));
    json_object_object_add(app, "terms_url", json_str_or_null(field(res, 9)));
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(field(res, 1)));
    json_object_object_add(o, "status", json_object_new_string(field(res, 2)));
    json_object_object_add(o, "application", app);
    json_object_object_add(o, "scope", pg_array_to_scope(field(res, 3)));
    json_object_object_add(o, "scopes", json_tokener_parse(field(res, 10)));
    json_object_object_add(o, "expires_at", json_object_new_string(field(res, 4)));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}

/* E5 -------------------------------------------------------------------------------- */

static const char sql_update[] =
    "SELECT code, detail, session_id, status FROM qrshare.api_update($1, $2, $3, $4, $5, $6, $7,"
    " $8, $9)";

/* Associated data of sealed user data: the session's token hash (fixed once the
 * session is retrieved, unique per row) and the key id. */
static void
seal_ad(const unsigned char th[HASH_BYTES], const char *key_id, unsigned char *ad, size_t *adlen)
{
    size_t kl = strlen(key_id);

    memcpy(ad, th, HASH_BYTES);
    memcpy(ad + HASH_BYTES, key_id, kl);
    *adlen = HASH_BYTES + kl;
}

int
handle_update(const struct request *req, struct response *resp)
{
    static const char *const allowed[] = {"status", "user_data", NULL};
    unsigned char th[HASH_BYTES], digest[32], ad[HASH_BYTES + 64];
    unsigned char *box = NULL;
    size_t boxlen = 0, adlen;
    char names[MAX_SCOPES * 65 + 3] = "{", types[MAX_SCOPES * 8 + 3] = "{";
    struct jwt_user user;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *body = NULL, *v = NULL, *data = NULL, *o;
    const char *status, *plain = NULL;
    const struct config_seal_key *key = NULL;
    crypto_generichash_state h;
    int nkeys = 0;

    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (phone_token(req, SESSION_PATH "/{}/update", th, resp) < 0 ||
        auth_user(cfg, req, &user, resp) < 0 || json_body(req, resp, &body) < 0 ||
        only_fields(body, allowed, resp) < 0)
        goto out;
    if (!json_object_object_get_ex(body, "status", &v) ||
        !json_object_is_type(v, json_type_string) ||
        (strcmp(status = json_object_get_string(v), "confirmed") != 0 &&
         strcmp(status, "declined") != 0)) {
        http_error(resp, ERR_INVALID_REQUEST, "status must be \"confirmed\" or \"declined\"");
        goto out;
    }
    json_object_object_get_ex(body, "user_data", &data);
    if (strcmp(status, "declined") == 0 && data) {
        http_error(resp, ERR_INVALID_REQUEST, "a declined session carries no user_data");
        goto out;
    }
    if (strcmp(status, "confirmed") == 0) {
        if (!data || !json_object_is_type(data, json_type_object) ||
            json_object_object_length(data) == 0) {
            http_error(resp, ERR_INVALID_REQUEST, "user_data (a non-empty object) is required");
            goto out;
        }
        json_object_object_foreach(data, key_name, val)
        {
            enum json_type t = json_object_get_type(val);
            const char *tn = t == json_type_string    ? "string"
                             : t == json_type_object  ? "object"
                             : t == json_type_boolean ? "boolean"
                                                      : NULL;
            size_t kl = strlen(key_name);
            if (!tn || nkeys == MAX_SCOPES || kl == 0 || kl > 63 ||
                strspn(key_name, SCOPE_CHARS) != kl) {
                http_error(
                    resp, ERR_INVALID_REQUEST,
                    "user_data must map requested scope names to strings, objects or booleans");
                goto out;
            }
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", nkeys ? "," : "",
                     key_name);
            snprintf(types + strlen(types), sizeof types - strlen(types), "%s%s", nkeys ? "," : "",
                     tn);
            nkeys++;
        }
        strcat(names, "}");
        strcat(types, "}");
        if (!cfg->active_seal_key || !(key = config_seal_key(cfg, cfg->active_seal_key))) {
            log_error("no active seal key configured: cannot accept user data");
            http_error(resp, ERR_SERVER, "the service cannot store user data");
            goto out;
        }
        plain = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN);
        seal_ad(th, key->id, ad, &adlen);
        if (crypto_seal(key->key, (const unsigned char *)plain, strlen(plain), ad, adlen, &box,
                        &boxlen) < 0) {
            http_error(resp, ERR_SERVER, "internal error");
            goto out;
        }
    }
    /* A keyed digest of the decision, so that a retry of the same request is
     * recognised without keeping the plaintext. */
    crypto_generichash_init(&h, cfg->pairwise_key, sizeof cfg->pairwise_key, sizeof digest);
    crypto_generichash_update(&h, (const unsigned char *)"update", 7);
    crypto_generichash_update(&h, (const unsigned char *)status, strlen(status) + 1);
    if (plain)
        crypto_generichash_update(&h, (const unsigned char *)plain, strlen(plain));
    crypto_generichash_final(&h, digest, sizeof digest);

    p_bytes(&p, th, HASH_BYTES);
    p_text(&p, user.iss);
    p_text(&p, user.sub);
    p_text(&p, status);
    p_text(&p, key ? names : NULL);
    p_text(&p, key ? types : NULL);
    p_bytes(&p, box, boxlen);
    p_text(&p, key ? key->id : NULL);
    p_bytes(&p, digest, sizeof digest);
    if (call(sql_update, &p, 1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(field(res, 2)));
    json_object_object_add(o, "status", json_object_new_string(field(res, 3)));
    http_json(resp, 200, o);
out:
    if (plain)
        sodium_memzero((void *)plain, strlen(plain));
    free(box);
    json_object_put(body);
    PQclear(res);
    return 0;
}

/* E6 -------------------------------------------------------------------------------- */

static const char sql_decision[] =
    "SELECT code, session_id, session_number, status, vendor_data, scope, requested_scope,"
    " metadata, created_at, decided_at, user_data, seal_key_id, token_hash, application_id,"
    " user_iss, user_sub FROM qrshare.api_decision($1, $2, $3)";

/* Opens the sealed user data of a decision row and adds the pairwise sub. NULL
 * (and a log line naming the session, shortened) when it does not open. */
static json_object *
open_user_data(PGresult *res)
{
    const struct config_seal_key *key = config_seal_key(cfg, field(res, 11));
    unsigned char *box = NULL, *plain = NULL, *th = NULL, ad[HASH_BYTES + 64];
    size_t boxlen = 0, thlen = 0, plen = 0, adlen;
    char sub[TOKEN_LEN + 1], sid[9];
    json_object *data = NULL;

    log_short_id(field(res, 1), sid);
    if (!key) {
        log_error("session %s: the seal key of its user data is not configured", sid);
        goto out;
    }
    if (!cfg->have_pairwise_key) {
        log_error("no [users] pairwise_key_file is configured: cannot derive user_data.sub");
        goto out;
    }
    box = PQunescapeBytea((const unsigned char *)field(res, 10), &boxlen);
    th = PQunescapeBytea((const unsigned char *)field(res, 12), &thlen);
    if (!box || !th || thlen != HASH_BYTES)
        goto out;
    seal_ad(th, key->id, ad, &adlen);
    if (crypto_open(key->key, box, boxlen, ad, adlen, &plain, &plen) < 0) {
        log_error("session %s: user data does not open (altered, moved or wrong key)", sid);
        goto out;
    }
    data = json_tokener_parse((const char *)plain);
    if (!json_object_is_type(data, json_type_object)) {
        json_object_put(data);
        data = NULL;
        goto out;
    }
    crypto_pairwise(cfg->pairwise_key, field(res, 13), field(res, 14), field(res, 15), sub);
    json_object_object_add(data, "sub", json_object_new_string(sub));
out:
    if (plain) {
        sodium_memzero(plain, plen);
        free(plain);
    }
    PQfreemem(box);
    PQfreemem(th);
    return data;
}

int
handle_decision(const struct request *req, struct response *resp)
{
    char id[64];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o, *data = NULL;

    if (strcmp(req->method, "GET") != 0)
        return http_method_not_allowed(resp, "GET");
    if (session_id_from_path(req, SESSION_PATH "/{}/decision", id, resp) < 0 ||
        app_credential(req, &cred, 1, resp) < 0)
        goto out;
    p_text(&p, id);
    p_cred(&p, &cred);
    if (call(sql_decision, &p, -1, ERR_INVALID_STATE, &res, resp) < 0) {
        if (res && strcmp(field(res, 0), "gone") == 0) /* the status is still reported */
            json_object_object_add(resp->json, "status", json_object_new_string(field(res, 3)));
        goto out;
    }
    if (field(res, 10) && !(data = open_user_data(res))) {
        http_error(resp, ERR_SERVER, "the user data cannot be read");
        goto out;
    }
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(field(res, 1)));
    json_object_object_add(o, "session_number",
                           json_object_new_int64(strtoll(field(res, 2), NULL, 10)));
    json_object_object_add(o, "status", json_object_new_string(field(res, 3)));
    json_object_object_add(o, "vendor_data", json_str_or_null(field(res, 4)));
    json_object_object_add(o, "scope", pg_array_to_scope(field(res, 5)));
    json_object_object_add(o, "requested_scope", pg_array_to_scope(field(res, 6)));
    json_object_object_add(o, "user_data", data);
    json_object_object_add(o, "metadata", field(res, 7) ? json_tokener_parse(field(res, 7)) : NULL);
    json_object_object_add(o, "created_at", json_str_or_null(field(res, 8)));
    json_object_object_add(o, "decided_at", json_str_or_null(field(res, 9)));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}

/* E7, E8 ---------------------------------------------------------------------------- */

static const char sql_refresh[] =
    "SELECT code, detail, session_number, scope, expires_at, expires_in, cors"
    " FROM qrshare.api_refresh($1, $2, $3, $4, $5, $6)";
static const char sql_cancel[] =
    "SELECT code, status, cors FROM qrshare.api_cancel($1, $2, $3, $4, $5)";

int
handle_refresh(const struct request *req, struct response *resp)
{
    char id[64], token[TOKEN_LEN + 1];
    unsigned char th[HASH_BYTES], nth[HASH_BYTES];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o;
    char *url = NULL;
    int rc;

    if (session_id_from_path(req, SESSION_PATH "/{}/refresh", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp, id, "POST");
    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (browser_params(req, id, NULL, 1, &p, th, &cred, resp) < 0)
        goto out;
    crypto_token_new(token);
    crypto_token_hash(PURPOSE_SESSION_TOKEN, token, TOKEN_LEN, nth);
    p_bytes(&p, nth, HASH_BYTES);
    p_text(&p, req->origin);
    rc = call(sql_refresh, &p, 1, ERR_INVALID_STATE, &res, resp);
    if (res)
        cors(req, resp, field(res, 6));
    if (rc < 0)
        goto out;
    url = session_url(token, id);
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "session_number",
                           json_object_new_int64(strtoll(field(res, 2), NULL, 10)));
    json_object_object_add(o, "session_token", json_object_new_string(token));
    json_object_object_add(o, "url", json_object_new_string(url));
    json_object_object_add(o, "status", json_object_new_string("initialized"));
    json_object_object_add(o, "scope", pg_array_to_scope(field(res, 3)));
    json_object_object_add(o, "expires_at", json_object_new_string(field(res, 4)));
    json_object_object_add(o, "expires_in", json_object_new_int(atoi(field(res, 5))));
    http_json(resp, 200, o);
out:
    free(url);
    PQclear(res);
    return 0;
}

int
handle_cancel(const struct request *req, struct response *resp)
{
    char id[64];
    unsigned char th[HASH_BYTES];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o;
    int rc;

    if (session_id_from_path(req, SESSION_PATH "/{}", id, resp) < 0)
        goto out;
    if (strcmp(req->method, "OPTIONS") == 0)
        return preflight(req, resp, id, "DELETE");
    if (strcmp(req->method, "DELETE") != 0)
        return http_method_not_allowed(resp, "DELETE");
    if (browser_params(req, id, NULL, 1, &p, th, &cred, resp) < 0)
        goto out;
    p_text(&p, req->origin);
    rc = call(sql_cancel, &p, -1, ERR_INVALID_STATE, &res, resp);
    if (res)
        cors(req, resp, field(res, 2));
    if (rc < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "status", json_object_new_string(field(res, 1)));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}
