/* jwt.c - see jwt.h. JWS compact serialization (RFC 7515) with EdDSA (Ed25519,
 * RFC 8037) or HS256; keys come only from the conf, chosen by kid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sodium.h>
#include <json-c/json.h>
#include "crypto.h"
#include "json.h"
#include "jwt.h"

#define JWT_MAX_LEEWAY 60
#define JWT_HEADER_DEPTH 4
#define JWT_CLAIMS_DEPTH 16
#define JWT_MAX_NAME 255     /* iss and sub must fit struct jwt_user */
#define JWT_HS256_MIN_KEY 32 /* RFC 7518 3.2: at least the hash size */
#define JWT_SIGN_MAX_CLAIMS (1024 * 1024)

/* Header parameters that would let the token pick or carry its own key, or
 * demand extensions we do not implement (crit, e.g. unencoded payloads). */
static const char *const forbidden_params[] = {"jku", "jwk", "x5u", "x5c", "crit"};

static const char *
alg_name(enum jwt_alg alg)
{
    switch (alg) {
    case JWT_ALG_EDDSA:
        return "EdDSA";
    case JWT_ALG_HS256:
        return "HS256";
    }
    return NULL;
}

/* "typ" is a media type: "JWT", "at+jwt" (RFC 9068), with or without the
 * "application/" prefix, compared case-insensitively (RFC 7515 4.1.9). */
static int
typ_ok(const char *typ)
{
    if (strncasecmp(typ, "application/", 12) == 0)
        typ += 12;
    return strcasecmp(typ, "JWT") == 0 || strcasecmp(typ, "at+jwt") == 0;
}

/* A NumericDate claim: 1 and *out when present and a finite number, 0 when
 * absent, -1 when of another type. */
static int
get_date(json_object *obj, const char *name, double *out)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(obj, name, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
        return -1;
    *out = json_object_get_double(v);
    return isfinite(*out) ? 1 : -1;
}

/* aud is one string or an array of strings (RFC 7519 4.1.3); want must be one. */
static int
aud_ok(json_object *claims, const char *want)
{
    json_object *aud = NULL;
    size_t i, n;
    int found = 0;

    if (!want || !json_object_object_get_ex(claims, "aud", &aud))
        return 0;
    if (json_object_is_type(aud, json_type_string))
        return strlen(json_object_get_string(aud)) == (size_t)json_object_get_string_len(aud) &&
               strcmp(json_object_get_string(aud), want) == 0;
    if (!json_object_is_type(aud, json_type_array))
        return 0;
    n = json_object_array_length(aud);
    for (i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(aud, i);

        if (!json_object_is_type(e, json_type_string))
            return 0; /* a malformed aud is refused, not skipped */
        if (strlen(json_object_get_string(e)) == (size_t)json_object_get_string_len(e) &&
            strcmp(json_object_get_string(e), want) == 0)
            found = 1;
    }
    return found;
}

/* Decodes one non-empty base64url part into a new buffer and parses it as a
 * strict JSON object. */
static int
parse_part(const char *p, size_t len, int depth, json_object **out)
{
    unsigned char *buf = NULL;
    size_t n = 0;
    int rc = -1;

    *out = NULL;
    if (len == 0)
        goto out;
    buf = xmalloc(len); /* decoded is 3/4 of the encoded length */
    if (crypto_b64url_decode(p, len, buf, len, &n) != 0)
        goto out;
    if (json_parse_strict((const char *)buf, n, JWT_MAX_LEN, depth, out) != JSON_OK)
        goto out;
    rc = 0;
out:
    free(buf);
    return rc;
}

static void
hs256(const unsigned char *key, size_t key_len, const char *msg, size_t len,
      unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;

    /* The init/update/final API takes a key of any length, as JWS HS256 does. */
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_memzero(&st, sizeof st);
}

/* Picks the key named by kid and checks the header allows nothing else. */
static int
check_header(const struct config *cfg, json_object *hdr, const struct config_user_key **key,
             const char **why)
{
    const char *alg = NULL, *kid = NULL, *typ = NULL;
    json_object *v = NULL;
    size_t i, len = 0;
    int rc = -1;

    for (i = 0; i < sizeof forbidden_params / sizeof forbidden_params[0]; i++) {
        if (json_object_object_get_ex(hdr, forbidden_params[i], NULL)) {
            *why = "forbidden header parameter";
            goto out;
        }
    }
    alg = json_string_member(hdr, "alg", &len);
    if (!alg) {
        *why = "alg missing";
        goto out;
    }
    if (strcasecmp(alg, "none") == 0) {
        *why = "alg none";
        goto out;
    }
    if (strcmp(alg, "EdDSA") != 0 && strcmp(alg, "HS256") != 0) {
        *why = "unsupported alg";
        goto out;
    }
    if (json_object_object_get_ex(hdr, "typ", &v)) {
        typ = json_string_member(hdr, "typ", &len);
        if (!typ || !typ_ok(typ)) {
            *why = "bad typ";
            goto out;
        }
    }
    kid = json_string_member(hdr, "kid", &len);
    if (!kid || len == 0) {
        *why = "kid missing";
        goto out;
    }
    *key = config_user_key(cfg, kid);
    if (!*key) {
        *why = "unknown kid";
        goto out;
    }
    /* The key decides the algorithm, never the token: no EdDSA key as an
     * HMAC secret, no HS256 secret as a public key. */
    if (strcmp(alg, alg_name((*key)->alg) ? alg_name((*key)->alg) : "") != 0) {
        *why = "alg does not match key";
        goto out;
    }
    rc = 0;
out:
    return rc;
}

/* signing_input is "header.payload" exactly as it appears in the token. */
static int
check_signature(const struct config_user_key *key, const char *signing_input, size_t len,
                const char *sig_b64, size_t sig_b64_len, const char **why)
{
    unsigned char sig[crypto_sign_BYTES];
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    size_t siglen = 0;
    int rc = -1;

    /* Decoding into 64 bytes refuses longer signatures before any length check. */
    if (crypto_b64url_decode(sig_b64, sig_b64_len, sig, sizeof sig, &siglen) != 0) {
        *why = "bad signature encoding";
        goto out;
    }
    switch (key->alg) {
    case JWT_ALG_EDDSA:
        if (key->key_len != crypto_sign_PUBLICKEYBYTES) {
            *why = "bad EdDSA key length";
            goto out;
        }
        if (siglen != crypto_sign_BYTES) {
            *why = "bad signature length";
            goto out;
        }
        if (crypto_sign_verify_detached(sig, (const unsigned char *)signing_input, len, key->key) !=
            0) {
            *why = "bad signature";
            goto out;
        }
        break;
    case JWT_ALG_HS256:
        if (key->key_len < JWT_HS256_MIN_KEY) {
            *why = "HS256 key too short";
            goto out;
        }
        if (siglen != crypto_auth_hmacsha256_BYTES) {
            *why = "bad signature length";
            goto out;
        }
        hs256(key->key, key->key_len, signing_input, len, mac);
        if (sodium_memcmp(mac, sig, sizeof mac) != 0) {
            *why = "bad signature";
            goto out;
        }
        break;
    default:
        *why = "unsupported alg";
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(mac, sizeof mac);
    return rc;
}

static int
check_claims(const struct config *cfg, const struct config_user_key *key, json_object *claims,
             time_t now, struct jwt_user *user, const char **why)
{
    const char *iss = NULL, *sub = NULL;
    size_t iss_len = 0, sub_len = 0;
    double exp = 0, nbf = 0, iat = 0, t = (double)now, leeway;
    int r, rc = -1;

    leeway = cfg->leeway < 0 ? 0 : cfg->leeway > JWT_MAX_LEEWAY ? JWT_MAX_LEEWAY : cfg->leeway;
    iss = json_string_member(claims, "iss", &iss_len);
    if (!iss || iss_len > JWT_MAX_NAME) {
        *why = "iss missing or invalid";
        goto out;
    }
    /* Each key speaks for one issuer only. */
    if (!key->issuer || strcmp(iss, key->issuer) != 0) {
        *why = "iss does not match key";
        goto out;
    }
    if (!cfg->audience) {
        *why = "no audience configured";
        goto out;
    }
    if (!aud_ok(claims, cfg->audience)) {
        *why = "wrong audience";
        goto out;
    }
    r = get_date(claims, "exp", &exp);
    if (r != 1) {
        *why = r == 0 ? "exp missing" : "exp not a number";
        goto out;
    }
    if (t > exp + leeway) {
        *why = "expired";
        goto out;
    }
    r = get_date(claims, "nbf", &nbf);
    if (r < 0) {
        *why = "nbf not a number";
        goto out;
    }
    if (r == 1 && t + leeway < nbf) {
        *why = "not yet valid";
        goto out;
    }
    r = get_date(claims, "iat", &iat);
    if (r < 0) {
        *why = "iat not a number";
        goto out;
    }
    if (r == 1 && iat > t + leeway) {
        *why = "issued in the future";
        goto out;
    }
    sub = json_string_member(claims, "sub", &sub_len);
    if (!sub || sub_len == 0 || sub_len > JWT_MAX_NAME) {
        *why = "sub missing or invalid";
        goto out;
    }
    memcpy(user->iss, iss, iss_len + 1);
    memcpy(user->sub, sub, sub_len + 1);
    rc = 0;
out:
    return rc;
}

int
jwt_verify(const struct config *cfg, const char *token, time_t now, struct jwt_user *user,
           json_object **claims_out, const char **why)
{
    const struct config_user_key *key = NULL;
    json_object *hdr = NULL, *claims = NULL;
    const char *dot1 = NULL, *dot2 = NULL, *end = NULL;
    const char *reason = "malformed token";
    size_t len;
    int rc = -1;

    if (user)
        memset(user, 0, sizeof *user);
    if (claims_out)
        *claims_out = NULL;
    if (!cfg || !token || !user) {
        reason = "no token";
        goto out;
    }
    len = strnlen(token, JWT_MAX_LEN + 1);
    if (len > JWT_MAX_LEN) {
        reason = "token too long";
        goto out;
    }
    end = token + len;
    dot1 = memchr(token, '.', len);
    dot2 = dot1 ? memchr(dot1 + 1, '.', (size_t)(end - dot1 - 1)) : NULL;
    if (!dot2 || memchr(dot2 + 1, '.', (size_t)(end - dot2 - 1))) {
        reason = "not three parts";
        goto out;
    }
    if (dot2 + 1 == end) {
        reason = "unsigned token";
        goto out;
    }
    if (parse_part(token, (size_t)(dot1 - token), JWT_HEADER_DEPTH, &hdr) != 0) {
        reason = "header not a JSON object";
        goto out;
    }
    if (check_header(cfg, hdr, &key, &reason) != 0)
        goto out;
    /* Authenticate before looking at the claims at all. */
    if (check_signature(key, token, (size_t)(dot2 - token), dot2 + 1, (size_t)(end - dot2 - 1),
                        &reason) != 0)
        goto out;
    if (parse_part(dot1 + 1, (size_t)(dot2 - dot1 - 1), JWT_CLAIMS_DEPTH, &claims) != 0) {
        reason = "payload not a JSON object";
        goto out;
    }
    if (check_claims(cfg, key, claims, now, user, &reason) != 0)
        goto out;
    if (claims_out) {
        *claims_out = claims;
        claims = NULL;
    }
    rc = 0;
out:
    if (rc != 0 && user)
        memset(user, 0, sizeof *user);
    if (why)
        *why = rc == 0 ? NULL : reason;
    json_object_put(hdr);
    json_object_put(claims);
    return rc;
}

char *
jwt_sign(enum jwt_alg alg, const char *kid, const unsigned char *key, size_t key_len,
         const char *claims_json)
{
    json_object *hdr = NULL;
    const char *name = alg_name(alg), *hdr_json = NULL;
    unsigned char sig[crypto_sign_BYTES];
    char *tok = NULL, *ret = NULL;
    size_t hlen, clen, cap, n, siglen = 0;

    if (!name || !kid || !key || !claims_json)
        goto out;
    if (alg == JWT_ALG_EDDSA && key_len != crypto_sign_SECRETKEYBYTES)
        goto out;
    if (alg == JWT_ALG_HS256 && key_len == 0)
        goto out;
    clen = strlen(claims_json);
    if (clen > JWT_SIGN_MAX_CLAIMS)
        goto out;
    hdr = json_object_new_object();
    if (!hdr)
        goto out;
    json_object_object_add(hdr, "alg", json_object_new_string(name));
    json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
    json_object_object_add(hdr, "kid", json_object_new_string(kid));
    hdr_json = json_object_to_json_string_ext(hdr, JSON_C_TO_STRING_PLAIN |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!hdr_json)
        goto out;
    hlen = strlen(hdr_json);
    cap = sodium_base64_ENCODED_LEN(hlen, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
          sodium_base64_ENCODED_LEN(clen, sodium_base64_VARIANT_URLSAFE_NO_PADDING) +
          sodium_base64_ENCODED_LEN(sizeof sig, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    tok = xmalloc(cap); /* each ENCODED_LEN counts a NUL: room for the two dots */
    crypto_b64url_encode((const unsigned char *)hdr_json, hlen, tok);
    n = strlen(tok);
    tok[n++] = '.';
    crypto_b64url_encode((const unsigned char *)claims_json, clen, tok + n);
    n += strlen(tok + n);
    if (alg == JWT_ALG_EDDSA) {
        unsigned long long sl = 0;

        if (crypto_sign_detached(sig, &sl, (const unsigned char *)tok, n, key) != 0)
            goto out;
        siglen = (size_t)sl;
    } else {
        hs256(key, key_len, tok, n, sig);
        siglen = crypto_auth_hmacsha256_BYTES;
    }
    tok[n++] = '.';
    crypto_b64url_encode(sig, siglen, tok + n);
    ret = tok;
    tok = NULL;
out:
    sodium_memzero(sig, sizeof sig);
    free(tok);
    json_object_put(hdr);
    return ret;
}
