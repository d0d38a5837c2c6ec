/* crypto.h - random tokens, keyed hashing, sealing, pairwise ids; all on libsodium. */
#ifndef QRSHARE_CRYPTO_H
#define QRSHARE_CRYPTO_H

#include <stddef.h>
#include "util.h"

#define TOKEN_BYTES 32
#define TOKEN_LEN 43 /* base64url without padding of 32 bytes */
#define HASH_BYTES 32
#define SEAL_KEY_BYTES 32

/* Purposes of stored hashes: each is the HMAC-SHA-256 key, so a hash of one kind
 * can never stand for another. sql/ computes the same with pgcrypto's hmac(). */
#define PURPOSE_CLIENT_SECRET "qrshare client secret"
#define PURPOSE_ACCESS_TOKEN "qrshare access token"
#define PURPOSE_SESSION_TOKEN "qrshare session token"

/* sodium_init(); aborts when it fails. */
void crypto_init(void);

/* Writes a new 32-byte random token as base64url (TOKEN_LEN chars + NUL) to out. */
void crypto_token_new(char out[TOKEN_LEN + 1]);

/* out = HMAC-SHA-256(key = purpose, message = token). */
void crypto_token_hash(const char *purpose, const char *token, size_t len,
                       unsigned char out[HASH_BYTES]);

/* 1 when a and b (n bytes each) are equal, in constant time; else 0. */
int crypto_equal(const void *a, const void *b, size_t n);

/* How many of the first len bytes of s are base64url characters [A-Za-z0-9_-]. */
size_t crypto_b64url_span(const char *s, size_t len);

/* Strict base64url without padding: refuses '=', other alphabets, whitespace and
 * non-canonical trailing bits. Writes at most max bytes. 0 / -1. */
int crypto_b64url_decode(const char *in, size_t inlen, unsigned char *out, size_t max,
                         size_t *outlen) WUR;
/* Encodes len bytes; out must hold 4*len/3+3 bytes. Returns out. */
char *crypto_b64url_encode(const unsigned char *in, size_t len, char *out);

/* XChaCha20-Poly1305 (IETF). *out is allocated (caller frees), nonce prepended.
 * ad binds the ciphertext to its row. 0 / -1. */
int crypto_seal(const unsigned char key[SEAL_KEY_BYTES], const unsigned char *msg, size_t len,
                const unsigned char *ad, size_t adlen, unsigned char **out, size_t *outlen) WUR;
/* Opens what crypto_seal made; *out is allocated NUL-terminated (caller wipes and frees).
 * -1 when the ciphertext, key or ad do not match. */
int crypto_open(const unsigned char key[SEAL_KEY_BYTES], const unsigned char *box, size_t len,
                const unsigned char *ad, size_t adlen, unsigned char **out, size_t *outlen) WUR;

/* A pairwise subject: base64url(BLAKE2b-256 keyed with key, of app \0 iss \0 sub)
 * written to out (TOKEN_LEN + 1 bytes). */
void crypto_pairwise(const unsigned char key[32], const char *app, const char *iss, const char *sub,
                     char out[TOKEN_LEN + 1]);

#endif
