/* fuzz-jwt.c - libFuzzer harness for jwt_verify (lib/jwt.h).
 *
 * The keys are those of tests/jwt-t.c (fixed seeds): ed1 and ed2 (EdDSA, two
 * issuers), hs1 (HS256, 32 bytes), hs-short (HS256, 16 bytes: must never verify).
 * The clock is fixed at NOW, so a finding reproduces.
 *
 * Input: one mode byte, then
 *   mode & 1 == 0  the token itself, as sent after "Bearer ";
 *   mode & 1 == 1  header JSON, '\n', claims JSON: the harness encodes both and
 *                  signs them with the key (mode >> 1) & 3 (ed1, ed2, hs1,
 *                  hs-short), so the fuzzer gets past the signature and into
 *                  the header and claims checks. Bit 3 flips a signature bit.
 *
 * Asserted, beyond "no sanitizer report":
 *   - a refusal sets a reason and leaves *user zeroed; an acceptance sets no
 *     reason and NUL-terminated, non-empty iss and sub;
 *   - an accepted token, decoded here independently with libsodium and json-c,
 *     has a kid naming a configured key whose alg equals the header's alg, no
 *     jku/jwk/x5u/x5c/crit, a signature that libsodium verifies with that key,
 *     iss equal to the key's issuer and to user->iss, sub equal to user->sub,
 *     aud naming the audience, and exp not past (leeway);
 *   - a key shorter than 32 bytes (hs-short) and a flipped signature bit never
 *     verify;
 *   - an accepted token with one character of its signature changed is refused. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <json-c/json.h>
#include "config.h"
#include "crypto.h"
#include "jwt.h"
#include "util.h"

#define NOW 1700000000L
#define LEEWAY 60
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

static struct config cfg;
static char audience[] = "qrshare-test";
static char iss1[] = "https://id.test", iss2[] = "https://other.test";
static char kid_ed1[] = "ed1", kid_ed2[] = "ed2", kid_hs1[] = "hs1", kid_short[] = "hs-short";
static unsigned char ed1_sk[crypto_sign_SECRETKEYBYTES], ed2_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char hs1_key[32], short_key[16];

static void
fail(const char *what)
{
    fprintf(stderr, "fuzz-jwt: %s\n", what);
    abort();
}

static void
add_key(char *kid, enum jwt_alg alg, char *issuer, const unsigned char *key, size_t len)
{
    struct config_user_key *k = &cfg.keys[cfg.nkeys++];

    k->kid = kid;
    k->alg = alg;
    k->issuer = issuer;
    memcpy(k->key, key, len);
    k->key_len = len;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];

    (void)argc;
    (void)argv;
    crypto_init();
    memset(seed, 1, sizeof seed);
    crypto_sign_seed_keypair(pk, ed1_sk, seed);
    add_key(kid_ed1, JWT_ALG_EDDSA, iss1, pk, sizeof pk);
    memset(seed, 2, sizeof seed);
    crypto_sign_seed_keypair(pk, ed2_sk, seed);
    add_key(kid_ed2, JWT_ALG_EDDSA, iss2, pk, sizeof pk);
    memset(hs1_key, 3, sizeof hs1_key);
    add_key(kid_hs1, JWT_ALG_HS256, iss1, hs1_key, sizeof hs1_key);
    memset(short_key, 4, sizeof short_key);
    add_key(kid_short, JWT_ALG_HS256, iss1, short_key, sizeof short_key);
    cfg.audience = audience;
    cfg.leeway = LEEWAY;
    return 0;
}

/* base64url of len bytes appended at *pos in buf. */
static void
put_b64(char *buf, size_t *pos, const void *data, size_t len)
{
    sodium_bin2base64(buf + *pos, sodium_base64_ENCODED_LEN(len, B64), data, len, B64);
    *pos += strlen(buf + *pos);
}

/* header.claims.signature, signed with key k (0 ed1, 1 ed2, 2 hs1, 3 hs-short). */
static char *
sign_token(const uint8_t *hdr, size_t hlen, const uint8_t *claims, size_t clen, int k, int flip)
{
    unsigned char sig[crypto_sign_BYTES];
    size_t siglen = 0, pos = 0;
    size_t cap = sodium_base64_ENCODED_LEN(hlen, B64) + sodium_base64_ENCODED_LEN(clen, B64) +
                 sodium_base64_ENCODED_LEN(sizeof sig, B64) + 2;
    char *tok = xmalloc(cap);

    put_b64(tok, &pos, hdr, hlen);
    tok[pos++] = '.';
    put_b64(tok, &pos, claims, clen);
    if (k < 2) {
        unsigned long long sl = 0;

        crypto_sign_detached(sig, &sl, (const unsigned char *)tok, pos, k == 0 ? ed1_sk : ed2_sk);
        siglen = (size_t)sl;
    } else {
        const unsigned char *key = k == 2 ? hs1_key : short_key;
        size_t key_len = k == 2 ? sizeof hs1_key : sizeof short_key;
        crypto_auth_hmacsha256_state st;

        crypto_auth_hmacsha256_init(&st, key, key_len);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, pos);
        crypto_auth_hmacsha256_final(&st, sig);
        siglen = crypto_auth_hmacsha256_BYTES;
    }
    if (flip)
        sig[hlen % siglen] ^= (unsigned char)(1u << (clen % 8));
    tok[pos++] = '.';
    put_b64(tok, &pos, sig, siglen);
    return tok;
}

/* One part of the token decoded and parsed, independently of lib/. */
static json_object *
decode_part(const char *p, size_t len)
{
    unsigned char *buf = xmalloc(len + 1);
    size_t n = 0;
    json_object *o = NULL;

    if (sodium_base642bin(buf, len, p, len, NULL, &n, NULL, B64) == 0) {
        buf[n] = '\0';
        o = json_tokener_parse((const char *)buf);
    }
    free(buf);
    return o;
}

static const char *
str_member(json_object *o, const char *name)
{
    json_object *v = NULL;

    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static int
aud_names(json_object *claims, const char *want)
{
    json_object *aud = NULL;

    if (!json_object_object_get_ex(claims, "aud", &aud))
        return 0;
    if (json_object_is_type(aud, json_type_string))
        return strcmp(json_object_get_string(aud), want) == 0;
    if (json_object_is_type(aud, json_type_array))
        for (size_t i = 0; i < json_object_array_length(aud); i++) {
            json_object *e = json_object_array_get_idx(aud, i);
            if (json_object_is_type(e, json_type_string) &&
                strcmp(json_object_get_string(e), want) == 0)
                return 1;
        }
    return 0;
}

/* What must hold of a token jwt_verify accepted. */
static void
check_accepted(const char *tok, const struct jwt_user *user)
{
    static const char *const forbidden[] = {"jku", "jwk", "x5u", "x5c", "crit"};
    const char *d1 = strchr(tok, '.'), *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    const char *kid, *alg, *iss, *sub;
    const struct config_user_key *key = NULL;
    json_object *hdr = NULL, *claims = NULL, *exp = NULL;
    unsigned char sig[crypto_sign_BYTES];
    size_t siglen = 0;
    char *changed;

    if (!d2 || strchr(d2 + 1, '.'))
        fail("accepted a token that is not three parts");
    hdr = decode_part(tok, (size_t)(d1 - tok));
    claims = decode_part(d1 + 1, (size_t)(d2 - d1 - 1));
    if (!json_object_is_type(hdr, json_type_object) ||
        !json_object_is_type(claims, json_type_object))
        fail("accepted a token whose parts are not JSON objects");
    for (size_t i = 0; i < sizeof forbidden / sizeof forbidden[0]; i++)
        if (json_object_object_get_ex(hdr, forbidden[i], NULL))
            fail("accepted a token with a forbidden header parameter");
    kid = str_member(hdr, "kid");
    alg = str_member(hdr, "alg");
    if (kid)
        key = config_user_key(&cfg, kid);
    if (!kid || !alg || !key)
        fail("accepted a token without a configured kid or without alg");
    if (strcmp(alg, key->alg == JWT_ALG_EDDSA ? "EdDSA" : "HS256") != 0)
        fail("accepted a token whose alg is not its key's");
    if (sodium_base642bin(sig, sizeof sig, d2 + 1, strlen(d2 + 1), NULL, &siglen, NULL, B64) != 0)
        fail("accepted a signature that does not decode");
    if (key->alg == JWT_ALG_EDDSA) {
        if (siglen != crypto_sign_BYTES ||
            crypto_sign_verify_detached(sig, (const unsigned char *)tok, (size_t)(d2 - tok),
                                        key->key) != 0)
            fail("accepted an EdDSA signature libsodium refuses");
    } else {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        crypto_auth_hmacsha256_state st;

        if (key->key_len < 32)
            fail("accepted an HS256 token under a key shorter than 32 bytes");
        crypto_auth_hmacsha256_init(&st, key->key, key->key_len);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)tok, (size_t)(d2 - tok));
        crypto_auth_hmacsha256_final(&st, mac);
        if (siglen != sizeof mac || sodium_memcmp(mac, sig, sizeof mac) != 0)
            fail("accepted an HS256 signature that does not match");
    }
    iss = str_member(claims, "iss");
    sub = str_member(claims, "sub");
    if (!iss || strcmp(iss, key->issuer) != 0 || strcmp(iss, user->iss) != 0)
        fail("accepted an iss other than the key's, or reported another one");
    if (!sub || !*sub || strcmp(sub, user->sub) != 0)
        fail("accepted a missing sub, or reported another one");
    if (!aud_names(claims, cfg.audience))
        fail("accepted a token whose aud does not name the audience");
    if (!json_object_object_get_ex(claims, "exp", &exp) ||
        json_object_get_double(exp) + LEEWAY < (double)NOW)
        fail("accepted a token without exp, or expired");

    /* One signature character changed must be refused. */
    changed = xstrdup(tok);
    {
        char *c = changed + (d2 - tok) + 1 + (strlen(d2 + 1) / 2);
        struct jwt_user u2;
        const char *why = NULL;

        *c = *c == 'A' ? 'B' : 'A';
        if (jwt_verify(&cfg, changed, (time_t)NOW, &u2, NULL, &why) == 0)
            fail("accepted a token with a changed signature character");
    }
    free(changed);
    json_object_put(hdr);
    json_object_put(claims);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct jwt_user user;
    const char *why = NULL;
    const uint8_t *nl;
    char *tok = NULL;
    int mode, rc, k = 0, flip = 0;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    if (mode & 1) {
        nl = memchr(data, '\n', size);
        if (!nl)
            return 0;
        k = (mode >> 1) & 3;
        flip = (mode >> 3) & 1;
        tok =
            sign_token(data, (size_t)(nl - data), nl + 1, size - (size_t)(nl - data) - 1, k, flip);
    } else {
        tok = xstrndup((const char *)data, size); /* stops at a NUL, as a header would */
    }

    memset(&user, 0x55, sizeof user);
    rc = jwt_verify(&cfg, tok, (time_t)NOW, &user, NULL, &why);
    if (rc == 0) {
        if (why)
            fail("accepted with a reason set");
        if (!memchr(user.iss, '\0', sizeof user.iss) || !memchr(user.sub, '\0', sizeof user.sub) ||
            !user.iss[0] || !user.sub[0])
            fail("accepted with an empty or unterminated iss or sub");
        if ((mode & 1) && (k == 3 || flip))
            fail("accepted a token signed with the short key, or with a flipped signature bit");
        check_accepted(tok, &user);
    } else {
        static const struct jwt_user zero;

        if (rc != -1 || !why || !*why)
            fail("refused without -1 and a reason");
        if (memcmp(&user, &zero, sizeof user) != 0)
            fail("refused but *user is not zeroed");
    }
    free(tok);
    return 0;
}
