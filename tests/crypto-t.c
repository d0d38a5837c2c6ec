/* crypto-t.c - tokens, token hashes, strict base64url, sealing, pairwise ids. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "crypto.h"
#include "tap.h"

#define NTOKENS 256

/* HMAC-SHA-256 known answers, from
 *   echo -n TOKEN | openssl dgst -sha256 -hmac PURPOSE
 * which is what pgcrypto's hmac(convert_to(token,'UTF8'), convert_to(purpose,'UTF8'),
 * 'sha256') gives the SQL admin functions. */
#define KAT_TOKEN "q8Jd0Yp3_Vx-2mRkLw9ZtA7eHnC4uBsF1gIoPjK6yQE"
static const struct {
    const char *purpose;
    const char *hex;
} kat[] = {
    {PURPOSE_CLIENT_SECRET, "8a36265c05dd9b56aa07d6fbd68a26adab35a0838631cb8c23f4b98f3d569486"},
    {PURPOSE_ACCESS_TOKEN, "20933c178963867e5c60048759694c9636e9d813646f82539d6b953714e1c85f"},
    {PURPOSE_SESSION_TOKEN, "45c03ef8dc1ebc00852f49740d2aebdae0ad1dc21994f26446f1fcc8e8efb652"},
};

/* len < 0: strlen(in). hex: expected output when rc is 0. */
static const struct {
    const char *in;
    int len;
    size_t max;
    int rc;
    const char *hex;
    const char *desc;
} dec[] = {
    {"", -1, 8, 0, "", "empty decodes to nothing"},
    {"Zg", -1, 8, 0, "66", "one byte"},
    {"Zm8", -1, 8, 0, "666f", "two bytes"},
    {"Zm9v", -1, 8, 0, "666f6f", "three bytes"},
    {"Zm9vYmFy", -1, 8, 0, "666f6f626172", "six bytes"},
    {"-_-_", -1, 8, 0, "fbffbf", "url alphabet - and _"},
    {"AA", -1, 8, 0, "00", "canonical AA"},
    {"AB", -1, 8, -1, NULL, "non-canonical AB (4 unused bits set)"},
    {"AP", -1, 8, -1, NULL, "non-canonical AP"},
    {"QQ", -1, 8, 0, "41", "canonical QQ"},
    {"QR", -1, 8, -1, NULL, "non-canonical QR"},
    {"AAE", -1, 8, 0, "0001", "canonical AAE"},
    {"AAF", -1, 8, -1, NULL, "non-canonical AAF (2 unused bits set)"},
    {"AAD", -1, 8, -1, NULL, "non-canonical AAD"},
    {"A", -1, 8, -1, NULL, "single character"},
    {"Zm9vY", -1, 8, -1, NULL, "length 1 mod 4"},
    {"Zg==", -1, 8, -1, NULL, "padded =="},
    {"Zg=", -1, 8, -1, NULL, "padded ="},
    {"Zm8=", -1, 8, -1, NULL, "padded two bytes"},
    {"=", -1, 8, -1, NULL, "lone ="},
    {"+/+/", -1, 8, -1, NULL, "standard alphabet + and /"},
    {"Zm+v", -1, 8, -1, NULL, "a + inside"},
    {"Zm/v", -1, 8, -1, NULL, "a / inside"},
    {"Zm9 v", -1, 8, -1, NULL, "space inside"},
    {" Zm9v", -1, 8, -1, NULL, "leading space"},
    {"Zm9v\n", -1, 8, -1, NULL, "trailing newline"},
    {"Zm9v\t", -1, 8, -1, NULL, "trailing tab"},
    {"Zm\0v", 4, 8, -1, NULL, "embedded NUL"},
    {"Zm9\xc3\xa9", -1, 8, -1, NULL, "non-ASCII byte"},
    {"Zm9v.", -1, 8, -1, NULL, "a dot"},
    {"Zm9vYmFy", -1, 6, 0, "666f6f626172", "exactly max bytes"},
    {"Zm9vYmFy", -1, 5, -1, NULL, "one byte over max"},
    {"Zm9vYmE", -1, 5, 0, "666f6f6261", "five bytes from 7 characters fit max 5"},
    {"Zm9vYmE", -1, 4, -1, NULL, "five bytes too long for max 4"},
    {"Zm9v", -1, 0, -1, NULL, "max 0"},
    {"Zm9vYmFy", 4, 8, 0, "666f6f", "inlen is respected"},
};

static const struct {
    const char *in;
    const char *out;
} enc[] = {
    {"", ""},        {"f", "Zg"},        {"fo", "Zm8"},
    {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"\xfb\xff\xbf", "-_-_"},
};

static int
url_alphabet(const char *s)
{
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
           strlen(s);
}

static void
to_hex(const unsigned char *b, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, b, n);
}

static void
test_tokens(void)
{
    static char toks[NTOKENS][TOKEN_LEN + 1];
    unsigned char raw[TOKEN_BYTES + 1];
    size_t i, j, n = 0;
    int shape = 1, dup = 0, decodes = 1;

    for (i = 0; i < NTOKENS; i++) {
        memset(toks[i], 'X', sizeof toks[i]);
        crypto_token_new(toks[i]);
        if (strlen(toks[i]) != TOKEN_LEN || !url_alphabet(toks[i]))
            shape = 0;
        if (crypto_b64url_decode(toks[i], strlen(toks[i]), raw, sizeof raw, &n) != 0 ||
            n != TOKEN_BYTES)
            decodes = 0;
    }
    for (i = 0; i < NTOKENS; i++)
        for (j = i + 1; j < NTOKENS; j++)
            if (strcmp(toks[i], toks[j]) == 0)
                dup = 1;
    ok(shape, "%d tokens are %d base64url characters", NTOKENS, TOKEN_LEN);
    ok(decodes, "each token decodes strictly to %d bytes", TOKEN_BYTES);
    ok(!dup, "%d tokens are all different", NTOKENS);
}

static void
test_hash(void)
{
    unsigned char h[HASH_BYTES], h2[HASH_BYTES];
    char hex[2 * HASH_BYTES + 1];
    size_t i;

    for (i = 0; i < sizeof kat / sizeof kat[0]; i++) {
        crypto_token_hash(kat[i].purpose, KAT_TOKEN, strlen(KAT_TOKEN), h);
        to_hex(h, sizeof h, hex);
        is_string(kat[i].hex, hex, "token hash for \"%s\" matches openssl/pgcrypto",
                  kat[i].purpose);
    }
    crypto_token_hash(PURPOSE_SESSION_TOKEN, KAT_TOKEN, strlen(KAT_TOKEN) - 1, h2);
    ok(!crypto_equal(h, h2, sizeof h), "the hash covers exactly len bytes");
}

static void
test_equal(void)
{
    ok(crypto_equal("abcdef", "abcdef", 6) == 1, "equal buffers compare equal");
    ok(crypto_equal("abcdef", "abcdeg", 6) == 0, "last byte differs");
    ok(crypto_equal("xbcdef", "abcdef", 6) == 0, "first byte differs");
    ok(crypto_equal("abcdef", "abcdeg", 5) == 1, "only n bytes compared");
}

static void
test_decode(void)
{
    unsigned char out[16];
    char hex[2 * sizeof out + 1];
    size_t i, n;
    int rc;

    for (i = 0; i < sizeof dec / sizeof dec[0]; i++) {
        size_t len = dec[i].len < 0 ? strlen(dec[i].in) : (size_t)dec[i].len;

        n = 99;
        memset(out, 0xee, sizeof out);
        rc = crypto_b64url_decode(dec[i].in, len, out, dec[i].max, &n);
        if (rc == 0 && n <= dec[i].max && out[n] == 0xee)
            to_hex(out, n, hex);
        else
            strcpy(hex, rc == 0 ? "(wrote past the output)" : "(refused)");
        if (dec[i].rc == 0)
            is_string(dec[i].hex, hex, "decode: %s", dec[i].desc);
        else
            ok(rc == -1 && n == 0, "decode refused: %s", dec[i].desc);
    }
}

static void
test_encode(void)
{
    char out[16];
    size_t i;

    for (i = 0; i < sizeof enc / sizeof enc[0]; i++) {
        crypto_b64url_encode((const unsigned char *)enc[i].in, strlen(enc[i].in), out);
        is_string(enc[i].out, out, "encode \"%s\"", enc[i].out);
    }
}

/* Opens box after flipping one bit at pos (pos < 0: untouched). */
static int
open_flipped(const unsigned char *key, const unsigned char *box, size_t len, long pos,
             const char *ad)
{
    unsigned char *copy = NULL, *msg = NULL;
    size_t mlen = 0;
    int rc;

    copy = malloc(len ? len : 1);
    memcpy(copy, box, len);
    if (pos >= 0)
        copy[pos] ^= 0x01;
    rc = crypto_open(key, copy, len, (const unsigned char *)ad, strlen(ad), &msg, &mlen);
    if (rc != 0 && (msg != NULL || mlen != 0))
        rc = -2; /* a refusal must not hand anything back */
    if (msg) {
        sodium_memzero(msg, mlen);
        free(msg);
    }
    free(copy);
    return rc;
}

static void
test_seal(void)
{
    unsigned char key[SEAL_KEY_BYTES], key2[SEAL_KEY_BYTES];
    const char *ad = "session 1234|app 5";
    const char *text = "{\"email\":\"a@example.org\"}";
    unsigned char *box = NULL, *box2 = NULL, *msg = NULL;
    size_t blen = 0, blen2 = 0, mlen = 0, tlen = strlen(text);
    const size_t over =
        crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    const struct {
        long pos; /* bit to flip; < 0 none */
        const char *what;
    } flips[] = {
        {0, "nonce"},
        {(long)crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "first ciphertext byte"},
        {(long)(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + 5), "inner ciphertext byte"},
        {-2, "last tag byte"},
    };
    size_t i;

    randombytes_buf(key, sizeof key);
    memcpy(key2, key, sizeof key2);
    key2[31] ^= 0x80;

    is_int(0,
           crypto_seal(key, (const unsigned char *)text, tlen, (const unsigned char *)ad,
                       strlen(ad), &box, &blen),
           "seal");
    is_int((long)(tlen + over), (long)blen, "box is nonce + ciphertext + tag");
    is_int(0, crypto_open(key, box, blen, (const unsigned char *)ad, strlen(ad), &msg, &mlen),
           "open");
    is_int((long)tlen, (long)mlen, "opened length");
    is_string(text, msg ? (const char *)msg : NULL, "opened text, NUL-terminated");
    if (msg) {
        sodium_memzero(msg, mlen);
        free(msg);
        msg = NULL;
    }

    for (i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        long pos = flips[i].pos == -2 ? (long)blen - 1 : flips[i].pos;

        is_int(-1, open_flipped(key, box, blen, pos, ad), "tampered %s refused", flips[i].what);
    }
    is_int(-1, open_flipped(key, box, blen, -1, "session 1234|app 6"), "wrong ad refused");
    is_int(-1, open_flipped(key, box, blen, -1, ""), "empty ad refused");
    is_int(-1, open_flipped(key2, box, blen, -1, ad), "wrong key refused");
    is_int(-1, open_flipped(key, box, blen - 1, -1, ad), "truncated by one byte refused");
    is_int(-1, open_flipped(key, box, over - 1, -1, ad), "shorter than nonce + tag refused");
    is_int(-1, open_flipped(key, box, 0, -1, ad), "empty box refused");

    is_int(0,
           crypto_seal(key, (const unsigned char *)text, tlen, (const unsigned char *)ad,
                       strlen(ad), &box2, &blen2),
           "seal the same text again");
    ok(blen == blen2 && memcmp(box, box2, blen) != 0, "a fresh nonce each time");
    free(box2);
    box2 = NULL;

    is_int(0, crypto_seal(key, (const unsigned char *)"", 0, NULL, 0, &box2, &blen2),
           "seal empty text without ad");
    is_int(0, crypto_open(key, box2, blen2, NULL, 0, &msg, &mlen), "open empty text");
    ok(mlen == 0 && msg && msg[0] == '\0', "empty text comes back empty");
    free(msg);
    free(box2);
    free(box);
}

static void
test_pairwise(void)
{
    unsigned char key[32], key2[32];
    char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
    const struct {
        int other_key;
        const char *app, *iss, *sub;
        const char *what;
    } differ[] = {
        {0, "app-2", "https://id.test", "user-1", "another application"},
        {0, "app-1", "https://id2.test", "user-1", "another issuer"},
        {0, "app-1", "https://id.test", "user-2", "another user"},
        {1, "app-1", "https://id.test", "user-1", "another key"},
        {0, "app-1https://id.test", "", "user-1", "fields shifted across the separator"},
    };
    size_t i;

    memset(key, 7, sizeof key);
    memset(key2, 8, sizeof key2);
    crypto_pairwise(key, "app-1", "https://id.test", "user-1", a);
    ok(strlen(a) == TOKEN_LEN && url_alphabet(a), "pairwise id is %d base64url chars", TOKEN_LEN);
    crypto_pairwise(key, "app-1", "https://id.test", "user-1", b);
    is_string(a, b, "pairwise id is stable");
    for (i = 0; i < sizeof differ / sizeof differ[0]; i++) {
        crypto_pairwise(differ[i].other_key ? key2 : key, differ[i].app, differ[i].iss,
                        differ[i].sub, b);
        ok(strcmp(a, b) != 0, "pairwise id differs for %s", differ[i].what);
    }
}

int
main(void)
{
    crypto_init();
    plan(3 + (int)(sizeof kat / sizeof kat[0]) + 1 + 4 + (int)(sizeof dec / sizeof dec[0]) +
         (int)(sizeof enc / sizeof enc[0]) + 20 + 7);
    test_tokens();
    test_hash();
    test_equal();
    test_decode();
    test_encode();
    test_seal();
    test_pairwise();
    return done_testing();
}
