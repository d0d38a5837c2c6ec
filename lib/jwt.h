/* jwt.h - verification of user access tokens (JWS compact, EdDSA or HS256). */
#ifndef QRSHARE_JWT_H
#define QRSHARE_JWT_H

#include <stddef.h>
#include <time.h>
#include <json-c/json.h>
#include "config.h"

#define JWT_MAX_LEN 8192

struct jwt_user {
    char iss[256];
    char sub[256];
};

/* Verifies token against the keys and audience in cfg at time now.
 * Refuses: over JWT_MAX_LEN, not three base64url parts, alg none or unknown, a kid
 * not configured, an iss other than the key's issuer, jku/jwk/x5u/x5c/crit headers,
 * bad signature or wrong length, aud not containing cfg->audience, exp missing or
 * past (leeway), nbf/iat in the future (leeway), sub missing or empty.
 * On success fills *user, hands the claims object to *claims when claims is not NULL
 * (the caller puts it), and returns 0; else -1, *claims NULL, and a static reason in
 * *why (for the log; never token content). */
int jwt_verify(const struct config *cfg, const char *token, time_t now, struct jwt_user *user,
               json_object **claims, const char **why) WUR;

/* Mints a token (for qrshare-jwt and tests). key is the Ed25519 secret key (64
 * bytes) or the HS256 secret. Returns a malloc'd string (caller frees) or NULL. */
char *jwt_sign(enum jwt_alg alg, const char *kid, const unsigned char *key, size_t key_len,
               const char *claims_json);

#endif
