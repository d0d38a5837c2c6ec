/* crypto.c - see crypto.h. Every primitive here is libsodium's. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "crypto.h"

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

void
crypto_init(void)
{
    if (sodium_init() < 0)
        abort();
}

void
crypto_token_new(char out[TOKEN_LEN + 1])
{
    unsigned char raw[TOKEN_BYTES];

    randombytes_buf(raw, sizeof raw);
    crypto_b64url_encode(raw, sizeof raw, out);
    sodium_memzero(raw, sizeof raw);
}

void
crypto_token_hash(const char *purpose, const char *token, size_t len, unsigned char out[HASH_BYTES])
{
    crypto_auth_hmacsha256_state st;

    /* The purpose is the HMAC key, as pgcrypto's hmac(token, purpose, 'sha256'). */
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)purpose, strlen(purpose));
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)token, len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof st);
}

int
crypto_equal(const void *a, const void *b, size_t n)
{
    return sodium_memcmp(a, b, n) == 0;
}

size_t
crypto_b64url_span(const char *s, size_t len)
{
    size_t n;

    for (n = 0; n < len; n++) {
        unsigned char c = (unsigned char)s[n];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            break;
    }
    return n;
}

int
crypto_b64url_decode(const char *in, size_t inlen, unsigned char *out, size_t max, size_t *outlen)
{
    size_t n = 0;
    int rc = -1;

    /* libsodium's decoder stops at the first character outside the alphabet and
     * then fails; checking first makes the refusal explicit and independent of the
     * libsodium version ('=' and whitespace included). */
    if (crypto_b64url_span(in, inlen) != inlen)
        goto out;
    /* No ignore set and no end pointer: anything left undecoded is an error.
     * libsodium (>= 1.0.14) also refuses a length of 1 mod 4 and non-zero unused
     * trailing bits, so each value has one spelling; tests/crypto-t pins that. */
    if (sodium_base642bin(out, max, in, inlen, NULL, &n, NULL, B64URL) != 0)
        goto out;
    rc = 0;
out:
    if (outlen)
        *outlen = rc == 0 ? n : 0;
    return rc;
}

char *
crypto_b64url_encode(const unsigned char *in, size_t len, char *out)
{
    return sodium_bin2base64(out, sodium_base64_ENCODED_LEN(len, B64URL), in, len, B64URL);
}

int
crypto_seal(const unsigned char key[SEAL_KEY_BYTES], const unsigned char *msg, size_t len,
            const unsigned char *ad, size_t adlen, unsigned char **out, size_t *outlen)
{
    unsigned char *box = NULL;
    unsigned long long clen = 0;
    int rc = -1;

    *out = NULL;
    *outlen = 0;
    if (len > SIZE_MAX - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES -
                  crypto_aead_xchacha20poly1305_ietf_ABYTES)
        goto out;
    box = xmalloc(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + len +
                  crypto_aead_xchacha20poly1305_ietf_ABYTES);
    /* A random 192-bit nonce never repeats in practice, so no counter is kept. */
    randombytes_buf(box, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    if (crypto_aead_xchacha20poly1305_ietf_encrypt(box +
                                                       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
                                                   &clen, msg, len, ad, adlen, NULL, box, key) != 0)
        goto out;
    *out = box;
    *outlen = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + (size_t)clen;
    box = NULL;
    rc = 0;
out:
    free(box);
    return rc;
}

int
crypto_open(const unsigned char key[SEAL_KEY_BYTES], const unsigned char *box, size_t len,
            const unsigned char *ad, size_t adlen, unsigned char **out, size_t *outlen)
{
    unsigned char *msg = NULL;
    unsigned long long mlen = 0;
    size_t cap = 0;
    int rc = -1;

    *out = NULL;
    *outlen = 0;
    if (len <
        crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        goto out;
    cap = len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES -
          crypto_aead_xchacha20poly1305_ietf_ABYTES;
    msg = xmalloc(cap + 1); /* + NUL: callers parse the plaintext as a string */
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            msg, &mlen, NULL, box + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            len - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, adlen, box, key) != 0)
        goto out;
    msg[mlen] = '\0';
    *out = msg;
    *outlen = (size_t)mlen;
    msg = NULL;
    rc = 0;
out:
    if (msg) {
        sodium_memzero(msg, cap + 1);
        free(msg);
    }
    return rc;
}

void
crypto_pairwise(const unsigned char key[32], const char *app, const char *iss, const char *sub,
                char out[TOKEN_LEN + 1])
{
    crypto_generichash_state st;
    unsigned char h[32];

    /* NUL separators: ("ab","c") and ("a","bc") must not give the same input. */
    crypto_generichash_init(&st, key, 32, sizeof h);
    crypto_generichash_update(&st, (const unsigned char *)app, strlen(app) + 1);
    crypto_generichash_update(&st, (const unsigned char *)iss, strlen(iss) + 1);
    crypto_generichash_update(&st, (const unsigned char *)sub, strlen(sub));
    crypto_generichash_final(&st, h, sizeof h);
    crypto_b64url_encode(h, sizeof h, out);
    sodium_memzero(&st, sizeof st);
}
