/* phone.c - the handlers the organisation's app calls with the user's token: E4
 * information (binds the session to the user) and E5 update (confirm or decline). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "api.h"
#include "claims.h"
#include "log.h"
#include "session.h"

static const char sql_information[] =
    "SELECT code, session_id, status, scope, expires_at, app_name, app_domain, logo_url,"
    " privacy_policy_url, terms_url, scopes FROM qrshare.api_information($1, $2, $3)";
static const char sql_update[] = "SELECT code, detail, session_id, status"
                                 " FROM qrshare.api_update($1, $2, $3, $4, $5, $6, $7, $8, $9)";

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
session_information(const struct config *cfg, const struct request *req, struct response *resp)
{
    unsigned char th[HASH_BYTES];
    struct jwt_user user;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *o, *app, *scopes, *claims = NULL;

    if (strcmp(req->method, "GET") != 0)
        return http_method_not_allowed(resp, "GET");
    if (phone_token(req, SESSION_PATH "/{}/information", th, resp) < 0 ||
        auth_user(cfg, req, &user, &claims, resp) < 0)
        goto out;
    api_bytes(&p, th, HASH_BYTES);
    api_text(&p, user.iss);
    api_text(&p, user.sub);
    if (api_call(cfg, sql_information, &p, -1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    app = json_object_new_object();
    json_object_object_add(app, "name", json_object_new_string(api_field(res, 5)));
    json_object_object_add(app, "domain", json_object_new_string(api_field(res, 6)));
    json_object_object_add(app, "logo_url", api_string_or_null(api_field(res, 7)));
    json_object_object_add(app, "privacy_policy_url", api_string_or_null(api_field(res, 8)));
    json_object_object_add(app, "terms_url", api_string_or_null(api_field(res, 9)));
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(api_field(res, 1)));
    json_object_object_add(o, "status", json_object_new_string(api_field(res, 2)));
    json_object_object_add(o, "application", app);
    json_object_object_add(o, "scope", api_scope_json(api_field(res, 3)));
    /* the consent screen: per scope, whether this user's token can vouch for it */
    scopes = json_tokener_parse(api_field(res, 10));
    for (size_t i = 0; i < json_object_array_length(scopes); i++) {
        json_object *sc = json_object_array_get_idx(scopes, i), *name = NULL;

        json_object_object_get_ex(sc, "name", &name);
        json_object_object_add(
            sc, "backed_by_token",
            json_object_new_boolean(claims_backs(&claims, 1, json_object_get_string(name))));
    }
    json_object_object_add(o, "scopes", scopes);
    json_object_object_add(o, "expires_at", json_object_new_string(api_field(res, 4)));
    http_json(resp, 200, o);
out:
    json_object_put(claims);
    PQclear(res);
    return 0;
}

/* The update's optional claims_token: more claims of the user's identity provider,
 * verified like the bearer token, and about the same user. 0 (and *claims, or NULL
 * when there is none), or -1 with resp set. */
static int
claims_token(const struct config *cfg, json_object *body, const struct jwt_user *user,
             json_object **claims, struct response *resp)
{
    struct jwt_user other;
    json_object *v;
    const char *why = "not a string";

    if (!json_object_object_get_ex(body, "claims_token", &v))
        return 0;
    if (json_object_is_type(v, json_type_string) &&
        jwt_verify(cfg, json_object_get_string(v), time(NULL), &other, claims, &why) == 0) {
        if (strcmp(other.iss, user->iss) == 0 && strcmp(other.sub, user->sub) == 0)
            return 0;
        why = "another user's";
        json_object_put(*claims);
        *claims = NULL;
    }
    log_info("claims_token refused: %s", why);
    http_error(resp, ERR_INVALID_REQUEST,
               "claims_token must be a token of your identity provider about this user");
    return -1;
}

int
session_update(const struct config *cfg, const struct request *req, struct response *resp)
{
    static const char *const allowed[] = {"status", "user_data", "session_id", "claims_token",
                                          NULL};
    unsigned char th[HASH_BYTES], digest[32], ad[API_AD_MAX];
    unsigned char *box = NULL;
    size_t boxlen = 0, adlen;
    struct jwt_user user;
    struct params p = {0};
    PGresult *res = NULL;
    json_object *body = NULL, *v = NULL, *data = NULL, *claims[2] = {NULL, NULL}, *o;
    const char *status, *plain = NULL, *why;
    const struct config_seal_key *key = NULL;
    crypto_generichash_state h;
    const char *session_id = NULL;

    if (strcmp(req->method, "POST") != 0)
        return http_method_not_allowed(resp, "POST");
    if (phone_token(req, SESSION_PATH "/{}/update", th, resp) < 0 ||
        auth_user(cfg, req, &user, &claims[0], resp) < 0 ||
        api_json_body(cfg, req, resp, &body) < 0 || api_only_fields(body, allowed, resp) < 0 ||
        claims_token(cfg, body, &user, &claims[1], resp) < 0)
        goto out;
    if (!json_object_object_get_ex(body, "status", &v) ||
        !json_object_is_type(v, json_type_string) ||
        (strcmp(status = json_object_get_string(v), "confirmed") != 0 &&
         strcmp(status, "declined") != 0)) {
        http_error(resp, ERR_INVALID_REQUEST, "status must be \"confirmed\" or \"declined\"");
        goto out;
    }
    /* Didit's update may name the session too: then the database checks it is this one */
    if (json_object_object_get_ex(body, "session_id", &v)) {
        if (!json_object_is_type(v, json_type_string) ||
            !api_is_uuid(session_id = json_object_get_string(v))) {
            http_error(resp, ERR_INVALID_REQUEST, "session_id must be the session's identifier");
            goto out;
        }
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
        /* qrshare, not the phone, says what the identity provider vouches for */
        if (claims_apply(claims, 2, data, time(NULL), &why) < 0) {
            http_error(resp, ERR_INVALID_REQUEST, why);
            goto out;
        }
        key = config_seal_key(cfg, cfg->active_seal_key);
        plain = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN);
        api_seal_ad(th, user.iss, user.sub, key->id, ad, &adlen);
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
    crypto_generichash_update(&h, th, HASH_BYTES); /* per session: equal data, other digests */
    crypto_generichash_update(&h, (const unsigned char *)status, strlen(status) + 1);
    if (plain)
        crypto_generichash_update(&h, (const unsigned char *)plain, strlen(plain));
    crypto_generichash_final(&h, digest, sizeof digest);

    /* the database checks the shapes of the values (user_data is not stored: the box is) */
    api_bytes(&p, th, HASH_BYTES);
    api_text(&p, user.iss);
    api_text(&p, user.sub);
    api_text(&p, session_id);
    api_text(&p, status);
    api_text(&p, plain);
    api_bytes(&p, box, boxlen);
    api_text(&p, key ? key->id : NULL);
    api_bytes(&p, digest, sizeof digest);
    if (api_call(cfg, sql_update, &p, 1, ERR_INVALID_STATE, &res, resp) < 0)
        goto out;
    o = json_object_new_object();
    json_object_object_add(o, "session_id", json_object_new_string(api_field(res, 2)));
    json_object_object_add(o, "status", json_object_new_string(api_field(res, 3)));
    http_json(resp, 200, o);
out:
    if (plain)
        sodium_memzero((void *)plain, strlen(plain));
    free(box);
    json_object_put(claims[0]);
    json_object_put(claims[1]);
    json_object_put(body);
    PQclear(res);
    return 0;
}
