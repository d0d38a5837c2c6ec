/* auth.h - the credentials of a request: app credentials, session tokens, user tokens. */
#ifndef QRSHARE_AUTH_H
#define QRSHARE_AUTH_H

#include "config.h"
#include "crypto.h"
#include "http.h"
#include "jwt.h"

/* The hashes of the app credential a request carries: Authorization: Bearer
 * <client access token> and/or X-Api-Key: <client secret>. */
struct app_cred {
    unsigned char bearer[HASH_BYTES];
    unsigned char key[HASH_BYTES];
    int has_bearer;
    int has_key;
};

/* Fills c. 0, or -1 when a credential is present but malformed (the caller answers
 * 401 invalid_client). A request may carry none: has_bearer = has_key = 0. */
int auth_app_credential(const struct request *req, struct app_cred *c) WUR;

/* Hashes a session token from the Data-Session-Token header (or token, when not
 * NULL) into out. -1 when absent or not a well-formed token. */
int auth_session_token(const struct request *req, const char *token,
                       unsigned char out[HASH_BYTES]) WUR;

/* Verifies the Authorization: Bearer user token (JWT); its claims go to *claims when
 * claims is not NULL (the caller puts them). 0, or -1 with resp set to 401 invalid_token. */
int auth_user(const struct config *cfg, const struct request *req, struct jwt_user *user,
              json_object **claims, struct response *resp) WUR;

/* HTTP Basic client_id:client_secret into the caller's buffers. 0 / -1. */
int auth_basic(const struct request *req, char *client_id, size_t idlen, char *secret,
               size_t secretlen) WUR;

/* 1 when s is a well-formed token: TOKEN_LEN characters of base64url. */
int auth_is_token(const char *s);

#endif
