/* api.c - what every handler shares; see api.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include "api.h"
#include "json.h"
#include "log.h"

#define JSON_DEPTH 32

void
api_text(struct params *p, const char *s)
{
    api_bytes(p, s, 0);
    p->bin[p->n - 1] = 0;
}

void
api_bytes(struct params *p, const void *b, size_t len)
{
    if (p->n == API_MAX_PARAMS) /* a handler with more parameters than API_MAX_PARAMS */
        abort();
    p->v[p->n] = b;
    p->len[p->n] = (int)len;
    p->bin[p->n++] = b != NULL;
}

void
api_cred(struct params *p, const struct app_cred *c)
{
    api_bytes(p, c->has_bearer ? c->bearer : NULL, HASH_BYTES);
    api_bytes(p, c->has_key ? c->key : NULL, HASH_BYTES);
}

const char *
api_field(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

int
api_error(struct response *resp, const char *code, const char *detail)
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
        {"idempotency_conflict", ERR_IDEMPOTENCY_CONFLICT, "the key was used with another request"},
        {"expired", ERR_EXPIRED, "the session has expired"},
        {"gone", ERR_GONE, "the user data is no longer held"},
        {"invalid_scope", ERR_INVALID_SCOPE, "invalid scope"},
        {"invalid_request", ERR_INVALID_REQUEST, "invalid request"},
    };
    size_t i;

    for (i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(code, map[i].code) == 0)
            return http_error(resp, map[i].e, detail && *detail ? detail : map[i].text), -1;
    log_error("unknown result code from the database: %s", code);
    return http_error(resp, ERR_SERVER, "internal error"), -1;
}

int
api_call(const struct config *cfg, const char *sql, const struct params *p, int detail_col,
         enum err on_constraint, PGresult **res, struct response *resp)
{
    enum db_status st = db_exec(cfg->db_conninfo, sql, p->n, p->v, p->len, p->bin, res);

    switch (st) {
    case DB_OK:
        break;
    case DB_UNAVAILABLE:
        return http_error(resp, ERR_UNAVAILABLE, "the database is not available, try again"), -1;
    case DB_CONSTRAINT:
        return http_error(resp, on_constraint,
                          on_constraint == ERR_INVALID_STATE
                              ? "the request conflicts with the session's state"
                              : "the session was refused by a constraint"),
               -1;
    default:
        return http_error(resp, ERR_SERVER, "internal error"), -1;
    }
    if (strcmp(api_field(*res, 0), "ok") != 0)
        return api_error(resp, api_field(*res, 0),
                         detail_col >= 0 ? api_field(*res, detail_col) : NULL);
    return 0;
}

json_object *
api_string_or_null(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

json_object *
api_scope_json(const char *a)
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

char *
api_session_url(const struct config *cfg, const char *token, const char *session_id)
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

json_object *
api_waiting_session(const struct config *cfg, const char *id, const char *number, const char *token,
                    const char *scope, const char *expires_at, const char *expires_in)
{
    json_object *o = json_object_new_object();
    char *url = api_session_url(cfg, token, id);

    json_object_object_add(o, "session_id", json_object_new_string(id));
    json_object_object_add(o, "session_number", json_object_new_int64(strtoll(number, NULL, 10)));
    json_object_object_add(o, "session_token", json_object_new_string(token));
    json_object_object_add(o, "url", json_object_new_string(url));
    json_object_object_add(o, "status", json_object_new_string("initialized"));
    json_object_object_add(o, "scope", api_scope_json(scope));
    json_object_object_add(o, "expires_at", json_object_new_string(expires_at));
    json_object_object_add(o, "expires_in", json_object_new_int(atoi(expires_in)));
    free(url);
    return o;
}

int
api_media_type_is(const char *ct, const char *type)
{
    size_t n = strlen(type);

    return ct && strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int
api_json_body(const struct config *cfg, const struct request *req, struct response *resp,
              json_object **out)
{
    enum json_status st;

    *out = NULL;
    if (!api_media_type_is(req->content_type, "application/json"))
        return http_error(resp, ERR_MEDIA_TYPE, "the body must be application/json"), -1;
    st = json_parse_strict(req->body, req->body_len, cfg->max_body, JSON_DEPTH, out);
    if (st == JSON_TOO_LARGE)
        return http_error(resp, ERR_TOO_LARGE, "request body too large"), -1;
    if (st != JSON_OK)
        return http_error(resp, ERR_INVALID_REQUEST, json_status_str(st)), -1;
    return 0;
}

int
api_only_fields(json_object *obj, const char *const *allowed, struct response *resp)
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

int
api_app_credential(const struct request *req, struct app_cred *c, int required,
                   struct response *resp)
{
    if (auth_app_credential(req, c) < 0 || (required && !c->has_bearer && !c->has_key)) {
        http_error(resp, ERR_INVALID_CLIENT, "a valid client access token or API key is required");
        return -1;
    }
    return 0;
}

int
api_is_uuid(const char *s)
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

int
api_session_id(const struct request *req, const char *pattern, char id[64], struct response *resp)
{
    char *c;

    if (http_route(req->uri, pattern, id, 64) < 0 || !api_is_uuid(id)) {
        http_error(resp, ERR_NOT_FOUND, "no such session");
        return -1;
    }
    for (c = id; *c; c++) /* answered as PostgreSQL writes it */
        if (*c >= 'A' && *c <= 'F')
            *c += 'a' - 'A';
    return 0;
}

void
api_seal_ad(const unsigned char th[HASH_BYTES], const char *iss, const char *sub,
            const char *key_id, unsigned char ad[API_AD_MAX], size_t *adlen)
{
    crypto_generichash_state h;
    size_t kl = strlen(key_id);

    memcpy(ad, th, HASH_BYTES);
    crypto_generichash_init(&h, NULL, 0, HASH_BYTES);
    crypto_generichash_update(&h, (const unsigned char *)iss, strlen(iss) + 1);
    crypto_generichash_update(&h, (const unsigned char *)sub, strlen(sub) + 1);
    crypto_generichash_final(&h, ad + HASH_BYTES, HASH_BYTES);
    memcpy(ad + 2 * HASH_BYTES, key_id, kl);
    *adlen = 2 * HASH_BYTES + kl;
}
