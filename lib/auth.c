/* auth.c - see auth.h. */
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sodium.h>
#include "auth.h"
#include "log.h"

/* The token after "Bearer " in an Authorization header, or NULL. */
static const char *
bearer(const struct request *req)
{
    const char *a = req->authorization;

    if (!a || strncasecmp(a, "Bearer ", 7) != 0)
        return NULL;
    for (a += 7; *a == ' '; a++)
        ;
    return a;
}

int
auth_is_token(const char *s)
{
    return s && strlen(s) == TOKEN_LEN && crypto_b64url_span(s, TOKEN_LEN) == TOKEN_LEN;
}

int
auth_app_credential(const struct request *req, struct app_cred *c)
{
    const char *b = bearer(req);

    memset(c, 0, sizeof *c);
    if (req->authorization && !b && strncasecmp(req->authorization, "Basic ", 6) != 0)
        return -1;
    if (b) {
        if (!auth_is_token(b))
            return -1;
        crypto_token_hash(PURPOSE_ACCESS_TOKEN, b, TOKEN_LEN, c->bearer);
        c->has_bearer = 1;
    }
    if (req->api_key) {
        if (!auth_is_token(req->api_key))
            return -1;
        crypto_token_hash(PURPOSE_CLIENT_SECRET, req->api_key, TOKEN_LEN, c->key);
        c->has_key = 1;
    }
    return 0;
}

int
auth_session_token(const struct request *req, const char *token, unsigned char out[HASH_BYTES])
{
    const char *t = token ? token : req->session_token;

    if (!auth_is_token(t))
        return -1;
    crypto_token_hash(PURPOSE_SESSION_TOKEN, t, TOKEN_LEN, out);
    return 0;
}

int
auth_user(const struct config *cfg, const struct request *req, struct jwt_user *user,
          json_object **claims, struct response *resp)
{
    const char *t = bearer(req), *why = "no bearer token";

    if (claims)
        *claims = NULL;
    if (t && jwt_verify(cfg, t, time(NULL), user, claims, &why) == 0)
        return 0;
    log_info("user token refused: %s", why);
    http_error(resp, ERR_INVALID_TOKEN, "the user access token is missing or not valid");
    return -1;
}

int
auth_basic(const struct request *req, char *client_id, size_t idlen, char *secret, size_t secretlen)
{
    const char *a = req->authorization;
    const unsigned char *colon;
    unsigned char buf[512];
    size_t len = 0, idn;
    int ret = -1;

    if (!a || strncasecmp(a, "Basic ", 6) != 0)
        return -1;
    for (a += 6; *a == ' '; a++)
        ;
    if (sodium_base642bin(buf, sizeof buf - 1, a, strlen(a), NULL, &len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        goto out;
    buf[len] = '\0';
    colon = memchr(buf, ':', len);
    if (!colon || memchr(buf, '\0', len))
        goto out;
    idn = (size_t)(colon - buf); /* client_id is before the first colon, the secret after */
    if (idn >= idlen || len - idn > secretlen)
        goto out;
    memcpy(client_id, buf, idn);
    client_id[idn] = '\0';
    strcpy(secret, (const char *)colon + 1);
    ret = 0;
out:
    sodium_memzero(buf, sizeof buf);
    return ret;
}
