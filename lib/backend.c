/* backend.c - the handlers the application's backend calls with its client
 * credentials: E1 token, E2 create, E6 decision. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "api.h"
#include "log.h"
#include "session.h"

static const char sql_token[] =
    "SELECT code, application_id, iat, exp FROM qrshare.api_token($1, $2, $3, $4)";

int
session_token(const struct config *cfg, const struct request *req, struct response *resp)
{
    char client_id[256], secret[256], token[TOKEN_LEN + 1], ttl[16];
    char grant[64] = "";
    int have_grant = 0;
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
    if (api_media_type_is(req->content_type, "application/x-www-form-urlencoded")) {
        char *q = xasprintf("?%s", req->body ? req->body : "");
        have_grant = http_query_param(q, "grant_type", grant, sizeof grant) == 0;
        free(q);
    } else {
        if (api_json_body(cfg, req, resp, &body) < 0)
            goto out;
        if (json_object_object_get_ex(body, "grant_type", &g) &&
            json_object_is_type(g, json_type_string)) {
            snprintf(grant, sizeof grant, "%s", json_object_get_string(g));
            have_grant = 1;
        }
    }
    /* RFC 6749 5.2: a grant type we do not issue is not a malformed request */
    if (!have_grant) {
        http_error(resp, ERR_INVALID_REQUEST, "grant_type (once, a string) is required");
        goto out;
    }
    if (strcmp(grant, "client_credentials") != 0) {
        http_error(resp, ERR_UNSUPPORTED_GRANT_TYPE, "grant_type must be client_credentials");
        goto out;
    }
    crypto_token_hash(PURPOSE_CLIENT_SECRET, secret, strlen(secret), secret_hash);
    crypto_token_new(token);
    crypto_token_hash(PURPOSE_ACCESS_TOKEN, token, TOKEN_LEN, token_hash);
    snprintf(ttl, sizeof ttl, "%d", cfg->access_token_ttl);
    api_text(&p, client_id);
    api_bytes(&p, secret_hash, HASH_BYTES);
    api_bytes(&p, token_hash, HASH_BYTES);
    api_text(&p, ttl);
    if (api_call(cfg, sql_token, &p, -1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "access_token", json_object_new_string(token));
    json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
    json_object_object_add(o, "expires_in", json_object_new_int(cfg->access_token_ttl));
    json_object_object_add(o, "exp", json_object_new_int64(strtoll(api_field(res, 3), NULL, 10)));
    json_object_object_add(o, "iat", json_object_new_int64(strtoll(api_field(res, 2), NULL, 10)));
    json_object_object_add(o, "iss", json_object_new_string(cfg->token_issuer));
    json_object_object_add(o, "sub", json_object_new_string(client_id));
    json_object_object_add(o, "client_id", json_object_new_string(client_id));
    json_object_object_add(
        o, "organization_id",
        json_object_new_string(cfg->organization_id ? cfg->organization_id : api_field(res, 1)));
    http_json(resp, 200, o);
out:
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(token, sizeof token);
    json_object_put(body);
    PQclear(res);
    return 0;
}

static const char sql_create[] =
    "SELECT code, detail, session_id, session_number, scope, expires_at, expires_in, replayed,"
    " sealed_token, seal_key_id"
    " FROM qrshare.api_create($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

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
    /* userinfo ("https://shop.example:x@evil.example/") would make the host another one */
    if (memchr(h, '@', strcspn(h, "/?#")))
        return -1;
    for (; h[n] && !strchr("/:?#", h[n]); n++) {
        if (n + 1 >= hostlen)
            return -1;
        host[n] = (char)((h[n] >= 'A' && h[n] <= 'Z') ? h[n] + 32 : h[n]);
    }
    if (n == 0)
        return -1;
    host[n] = '\0';
    return 0;
}

int
session_create(const struct config *cfg, const struct request *req, struct response *resp)
{
    static const char *const allowed[] = {"scope",    "vendor_data", "metadata",
                                          "callback", "expires_in",  NULL};
    json_object *body = NULL, *v = NULL, *o = NULL;
    PGresult *res = NULL;
    struct params p = {0};
    struct app_cred cred;
    char token[TOKEN_LEN + 1], host[256], expires_in[24] = "";
    unsigned char token_hash[HASH_BYTES], digest[32];
    unsigned char *sealed = NULL, *box = NULL, *opened = NULL;
    size_t sealed_len = 0, box_len = 0, opened_len = 0;
    const char *scope, *vendor = NULL, *metadata = NULL, *callback = NULL;
    const char *idem = req->idempotency_key;
    const struct config_seal_key *key = config_seal_key(cfg, cfg->active_seal_key);

    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (http_route(req->uri, SESSION_PATH, NULL, 0) < 0)
        return http_error(resp, ERR_NOT_FOUND, "no such endpoint");
    if (api_app_credential(req, &cred, 1, resp) < 0 || api_json_body(cfg, req, resp, &body) < 0 ||
        api_only_fields(body, allowed, resp) < 0)
        goto out;

    /* Types here; every limit (scope names, sizes, lifetime) is the database's. */
    if (!json_object_object_get_ex(body, "scope", &v) ||
        !json_object_is_type(v, json_type_string)) {
        http_error(resp, ERR_INVALID_REQUEST, "scope (a string) is required");
        goto out;
    }
    scope = json_object_get_string(v);
    if (json_object_object_get_ex(body, "vendor_data", &v) && v) {
        if (!json_object_is_type(v, json_type_string)) {
            http_error(resp, ERR_INVALID_REQUEST, "vendor_data must be a string");
            goto out;
        }
        vendor = json_object_get_string(v);
    }
    if (json_object_object_get_ex(body, "metadata", &v) && v) {
        if (!json_object_is_type(v, json_type_object)) {
            http_error(resp, ERR_INVALID_REQUEST, "metadata must be an object");
            goto out;
        }
        metadata = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
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
        if (!json_object_is_type(v, json_type_int)) {
            http_error(resp, ERR_INVALID_REQUEST, "expires_in must be an integer (seconds)");
            goto out;
        }
        snprintf(expires_in, sizeof expires_in, "%" PRId64, json_object_get_int64(v));
    }

    crypto_token_new(token);
    crypto_token_hash(PURPOSE_SESSION_TOKEN, token, TOKEN_LEN, token_hash);
    /* Idempotency-Key: the database tells the same request (a keyed digest of key and body)
     * from another, and keeps the token sealed, for the first answer to be given again */
    if (idem) {
        crypto_generichash_state h;

        crypto_generichash_init(&h, cfg->pairwise_key, sizeof cfg->pairwise_key, sizeof digest);
        crypto_generichash_update(&h, (const unsigned char *)idem, strlen(idem) + 1);
        crypto_generichash_update(&h, (const unsigned char *)req->body, req->body_len);
        crypto_generichash_final(&h, digest, sizeof digest);
        if (crypto_seal(key->key, (const unsigned char *)token, TOKEN_LEN, digest, sizeof digest,
                        &sealed, &sealed_len) < 0) {
            http_error(resp, ERR_SERVER, "internal error");
            goto out;
        }
    }
    api_cred(&p, &cred);
    api_bytes(&p, token_hash, HASH_BYTES);
    api_text(&p, scope);
    api_text(&p, vendor);
    api_text(&p, metadata);
    api_text(&p, callback);
    api_text(&p, callback ? host : NULL);
    api_text(&p, expires_in[0] ? expires_in : NULL);
    api_text(&p, idem);
    api_bytes(&p, idem ? digest : NULL, sizeof digest);
    api_bytes(&p, sealed, sealed_len);
    api_text(&p, idem ? key->id : NULL);
    if (api_call(cfg, sql_create, &p, 1, ERR_INVALID_REQUEST, &res, resp) < 0)
        goto out;
    if (strcmp(api_field(res, 7), "t") == 0) { /* a replay: the first answer's token */
        key = config_seal_key(cfg, api_field(res, 9));
        box = PQunescapeBytea((const unsigned char *)api_field(res, 8), &box_len);
        if (!key || !box ||
            crypto_open(key->key, box, box_len, digest, sizeof digest, &opened, &opened_len) < 0 ||
            opened_len != TOKEN_LEN) {
            log_error("an Idempotency-Key's token does not open (altered, or its key is gone)");
            http_error(resp, ERR_SERVER, "internal error");
            goto out;
        }
        memcpy(token, opened, TOKEN_LEN);
    }
    o = api_waiting_session(cfg, api_field(res, 2), api_field(res, 3), token, api_field(res, 4),
                            api_field(res, 5), api_field(res, 6));
    json_object_object_add(o, "vendor_data", api_string_or_null(vendor));
    http_json(resp, 201, o);
out:
    sodium_memzero(token, sizeof token);
    if (opened) {
        sodium_memzero(opened, opened_len);
        free(opened);
    }
    PQfreemem(box);
    free(sealed);
    json_object_put(body);
    PQclear(res);
    return 0;
}

static const char sql_decision[] =
    "SELECT code, session_id, session_number, status, vendor_data, scope, requested_scope,"
    " metadata, created_at, decided_at, user_data, seal_key_id, token_hash, application_id,"
    " user_iss, user_sub FROM qrshare.api_decision($1, $2, $3)";

/* Opens the sealed user data of a decision row and adds the pairwise sub. NULL
 * (and a log line naming the session, shortened) when it does not open. */
static json_object *
open_user_data(const struct config *cfg, PGresult *res)
{
    const struct config_seal_key *key = config_seal_key(cfg, api_field(res, 11));
    unsigned char *box = NULL, *plain = NULL, *th = NULL, ad[API_AD_MAX];
    size_t boxlen = 0, thlen = 0, plen = 0, adlen;
    char sub[TOKEN_LEN + 1], sid[9];
    json_object *data = NULL;

    log_short_id(api_field(res, 1), sid);
    if (!key) {
        log_error("session %s: the seal key of its user data is not configured", sid);
        goto out;
    }
    box = PQunescapeBytea((const unsigned char *)api_field(res, 10), &boxlen);
    th = PQunescapeBytea((const unsigned char *)api_field(res, 12), &thlen);
    if (!box || !th || thlen != HASH_BYTES)
        goto out;
    api_seal_ad(th, api_field(res, 14), api_field(res, 15), key->id, ad, &adlen);
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
    crypto_pairwise(cfg->pairwise_key, api_field(res, 13), api_field(res, 14), api_field(res, 15),
                    sub);
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
session_decision(const struct config *cfg, const struct request *req, struct response *resp)
{
    char id[64];
    struct app_cred cred;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o, *data = NULL;

    if (strcmp(req->method, "GET") != 0)
        return http_method_not_allowed(resp, "GET");
    if (api_session_id(req, SESSION_PATH "/{}/decision", id, resp) < 0 ||
        api_app_credential(req, &cred, 1, resp) < 0)
        goto out;
    api_text(&p, id);
    api_cred(&p, &cred);
    if (api_call(cfg, sql_decision, &p, -1, ERR_INVALID_STATE, &res, resp) < 0) {
        if (res && strcmp(api_field(res, 0), "gone") == 0) /* the status is still reported */
            json_object_object_add(resp->json, "status", json_object_new_string(api_field(res, 3)));
        goto out;
    }
    if (api_field(res, 10) && !(data = open_user_data(cfg, res))) {
        http_error(resp, ERR_SERVER, "the user data cannot be read");
        goto out;
    }
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(api_field(res, 1)));
    json_object_object_add(o, "session_number",
                           json_object_new_int64(strtoll(api_field(res, 2), NULL, 10)));
    json_object_object_add(o, "status", json_object_new_string(api_field(res, 3)));
    json_object_object_add(o, "vendor_data", api_string_or_null(api_field(res, 4)));
    json_object_object_add(o, "scope", api_scope_json(api_field(res, 5)));
    json_object_object_add(o, "requested_scope", api_scope_json(api_field(res, 6)));
    json_object_object_add(o, "user_data", data);
    json_object_object_add(o, "metadata",
                           api_field(res, 7) ? json_tokener_parse(api_field(res, 7)) : NULL);
    json_object_object_add(o, "created_at", api_string_or_null(api_field(res, 8)));
    json_object_object_add(o, "decided_at", api_string_or_null(api_field(res, 9)));
    http_json(resp, 200, o);
out:
    PQclear(res);
    return 0;
}
