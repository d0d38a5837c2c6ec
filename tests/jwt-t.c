/* jwt-t.c - user access token verification: a table of tokens and verdicts.
 * Tokens are assembled here with libsodium directly (not with jwt_sign), so a
 * bug shared by signer and verifier cannot hide; jwt_sign has its own rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include "config.h"
#include "crypto.h"
#include "jwt.h"
#include "tap.h"
#include "util.h"

#define NOW 1700000000L
#define ISS "https://id.test"
#define ISS2 "https://other.test"
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING
#define ALPHABET "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

/* Headers. */
#define H_ED "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"ed1\"}"
#define H_ED2 "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"ed2\"}"
#define H_HS "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"hs1\"}"
#define H_ED_WITH(extra) "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"ed1\"," extra "}"
#define H_KID(kid) "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":" kid "}"

/* Claims: NOW = 1700000000, leeway 60. */
#define C_ISS "\"iss\":\"" ISS "\""
#define C_AUD "\"aud\":\"qrshare-test\""
#define C_SUB "\"sub\":\"user-1\""
#define C_EXP "\"exp\":1700000300"
#define C_IAT "\"iat\":1700000000"
#define C_OK "{" C_ISS "," C_AUD "," C_SUB "," C_EXP "," C_IAT "}"
#define C_WITH(extra) "{" C_ISS "," C_AUD "," C_SUB "," C_EXP "," C_IAT "," extra "}"
#define C_ISS2_OK "{\"iss\":\"" ISS2 "\"," C_AUD "," C_SUB "," C_EXP "," C_IAT "}"
#define C_NO_ISS "{" C_AUD "," C_SUB "," C_EXP "}"
#define C_NO_AUD "{" C_ISS "," C_SUB "," C_EXP "}"
#define C_NO_SUB "{" C_ISS "," C_AUD "," C_EXP "}"
#define C_NO_EXP "{" C_ISS "," C_AUD "," C_SUB "}"
#define C_ISS_IS(v) "{\"iss\":" v "," C_AUD "," C_SUB "," C_EXP "}"
#define C_AUD_IS(v) "{" C_ISS ",\"aud\":" v "," C_SUB "," C_EXP "}"
#define C_SUB_IS(v) "{" C_ISS "," C_AUD ",\"sub\":" v "," C_EXP "}"
#define C_EXP_IS(v) "{" C_ISS "," C_AUD "," C_SUB ",\"exp\":" v "}"

enum signer {
    S_ED1,        /* Ed25519 secret key of kid ed1 */
    S_ED2,        /* Ed25519 secret key of kid ed2 (other issuer) */
    S_HS1,        /* HMAC with the secret of kid hs1 */
    S_HS_SHORT,   /* HMAC with the 16-byte secret of kid hs-short */
    S_HS_ED1_PUB, /* HMAC keyed with ed1's public key: the classic confusion */
    S_NONE,       /* empty signature */
    S_RAW,        /* header is the whole token */
    S_API_ED1,    /* jwt_sign(EdDSA, "ed1") */
    S_API_HS1,    /* jwt_sign(HS256, "hs1") */
};

enum mutation {
    M_NONE,
    M_SIG_FLIP,     /* one bit of the signature */
    M_SIG_63,       /* one byte short */
    M_SIG_65,       /* one byte long */
    M_SIG_31,       /* HS256 one byte short */
    M_SIG_DOUBLE,   /* the signature twice */
    M_SIG_PAD,      /* signature with '=' padding */
    M_SIG_NONCANON, /* unused trailing bits of the signature set */
    M_SIG_STD,      /* signature in the standard alphabet (+ /) */
    M_HDR_PAD,      /* header with '=' padding, then signed */
    M_PAY_PAD,      /* payload with '=' padding, then signed */
    M_PAY_NONCANON, /* payload with unused trailing bits set, then signed */
    M_PAY_STD,      /* payload in the standard alphabet, then signed */
    M_TWO_PARTS,    /* header.payload */
    M_FOUR_PARTS,   /* header.payload.signature.signature */
    M_EMPTY_HDR,    /* .payload.signature, signed as such */
    M_EMPTY_PAY,    /* header..signature, signed as such */
    M_SWAP_PAY,     /* payload replaced by claims2 after signing */
};

struct row {
    const char *desc;
    const char *header; /* JSON text; for S_RAW the whole token */
    const char *claims; /* JSON text; "%s" is replaced by fill copies of 'x' */
    enum signer sign;
    enum mutation mut;
    size_t fill;         /* copies of 'x' for "%s" */
    size_t length;       /* when non-zero: grow fill until the token is this long */
    const char *claims2; /* M_SWAP_PAY */
    int want;            /* 0 accepted, -1 refused */
    const char *why;     /* expected reason (NULL when accepted) */
    const char *iss;     /* expected on success */
    const char *sub;     /* expected on success; "%s" = the fill */
};

static const struct row rows[] = {
    /* accepted */
    {"valid EdDSA", H_ED, C_OK, S_ED1, M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"valid HS256", H_HS, C_OK, S_HS1, M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"valid EdDSA of the second issuer", H_ED2, C_ISS2_OK, S_ED2, M_NONE, 0, 0, NULL, 0, NULL, ISS2,
     "user-1"},
    {"valid EdDSA via jwt_sign", NULL, C_OK, S_API_ED1, M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"valid HS256 via jwt_sign", NULL, C_OK, S_API_HS1, M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"aud as array containing ours", H_ED, C_AUD_IS("[\"other\",\"qrshare-test\"]"), S_ED1, M_NONE,
     0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"typ at+jwt", "{\"alg\":\"EdDSA\",\"typ\":\"at+jwt\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0,
     0, NULL, 0, NULL, ISS, "user-1"},
    {"typ application/AT+JWT", "{\"alg\":\"EdDSA\",\"typ\":\"application/AT+JWT\",\"kid\":\"ed1\"}",
     C_OK, S_ED1, M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"typ jwt lowercase", "{\"alg\":\"EdDSA\",\"typ\":\"jwt\",\"kid\":\"ed1\"}", C_OK, S_ED1,
     M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},
    {"no typ", "{\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, 0, NULL, ISS,
     "user-1"},
    {"unknown header parameter x5t ignored", H_ED_WITH("\"x5t\":\"abc\""), C_OK, S_ED1, M_NONE, 0,
     0, NULL, 0, NULL, ISS, "user-1"},
    {"expired within leeway (exp = now - 60)", H_ED, C_EXP_IS("1699999940"), S_ED1, M_NONE, 0, 0,
     NULL, 0, NULL, ISS, "user-1"},
    {"fractional exp", H_ED, C_EXP_IS("1700000300.5"), S_ED1, M_NONE, 0, 0, NULL, 0, NULL, ISS,
     "user-1"},
    {"nbf within leeway (now + 60)", H_ED, C_WITH("\"nbf\":1700000060"), S_ED1, M_NONE, 0, 0, NULL,
     0, NULL, ISS, "user-1"},
    {"iat within leeway (now + 60)", H_ED,
     "{" C_ISS "," C_AUD "," C_SUB "," C_EXP ",\"iat\":1700000060}", S_ED1, M_NONE, 0, 0, NULL, 0,
     NULL, ISS, "user-1"},
    {"sub of 255 bytes", H_ED, C_SUB_IS("\"%s\""), S_ED1, M_NONE, 255, 0, NULL, 0, NULL, ISS, "%s"},
    {"token of exactly 8192 bytes", H_ED, C_WITH("\"pad\":\"%s\""), S_ED1, M_NONE, 0, 8192, NULL, 0,
     NULL, ISS, "user-1"},
    {"nested claims allowed", H_ED, C_WITH("\"realm\":{\"roles\":[\"a\",{\"b\":[1]}]}"), S_ED1,
     M_NONE, 0, 0, NULL, 0, NULL, ISS, "user-1"},

    /* algorithm */
    {"alg none, empty signature", "{\"alg\":\"none\",\"kid\":\"ed1\"}", C_OK, S_NONE, M_NONE, 0, 0,
     NULL, -1, "unsigned token", NULL, NULL},
    {"alg none with an EdDSA signature", "{\"alg\":\"none\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE,
     0, 0, NULL, -1, "alg none", NULL, NULL},
    {"alg None", "{\"alg\":\"None\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "alg none", NULL, NULL},
    {"alg RS256", "{\"alg\":\"RS256\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "unsupported alg", NULL, NULL},
    {"alg ES256", "{\"alg\":\"ES256\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "unsupported alg", NULL, NULL},
    {"alg eddsa (case matters)", "{\"alg\":\"eddsa\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0,
     NULL, -1, "unsupported alg", NULL, NULL},
    {"alg missing", "{\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "alg missing", NULL,
     NULL},
    {"alg not a string", "{\"alg\":1,\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "alg missing", NULL, NULL},
    {"HS256 keyed with the Ed25519 public key, kid of the EdDSA key",
     "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ed1\"}", C_OK, S_HS_ED1_PUB, M_NONE, 0, 0, NULL,
     -1, "alg does not match key", NULL, NULL},
    {"HS256 token (right secret) with kid of the EdDSA key",
     "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"ed1\"}", C_OK, S_HS1, M_NONE, 0, 0, NULL, -1,
     "alg does not match key", NULL, NULL},
    {"EdDSA token with kid of the HS256 key", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"hs1\"}",
     C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "alg does not match key", NULL, NULL},
    {"HS256 key shorter than 32 bytes", "{\"alg\":\"HS256\",\"kid\":\"hs-short\"}", C_OK,
     S_HS_SHORT, M_NONE, 0, 0, NULL, -1, "HS256 key too short", NULL, NULL},

    /* kid */
    {"unknown kid", H_KID("\"nope\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "unknown kid", NULL,
     NULL},
    {"kid with ../", H_KID("\"../../ed1\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "unknown kid",
     NULL, NULL},
    {"kid with SQL", H_KID("\"ed1' OR 1=1 --\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "unknown kid", NULL, NULL},
    {"kid differing in case", H_KID("\"ED1\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "unknown kid",
     NULL, NULL},
    {"kid with an escaped NUL", H_KID("\"ed1\\u0000x\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "header not a JSON object", NULL, NULL},
    {"kid missing", "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "kid missing", NULL, NULL},
    {"kid empty", H_KID("\"\""), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "kid missing", NULL, NULL},
    {"kid a number", H_KID("1"), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "kid missing", NULL, NULL},
    {"EdDSA signed by ed2 under kid ed1", H_ED, C_OK, S_ED2, M_NONE, 0, 0, NULL, -1,
     "bad signature", NULL, NULL},

    /* header parameters */
    {"jku header", H_ED_WITH("\"jku\":\"https://evil.test/jwks\""), C_OK, S_ED1, M_NONE, 0, 0, NULL,
     -1, "forbidden header parameter", NULL, NULL},
    {"jwk header", H_ED_WITH("\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"}"), C_OK,
     S_ED1, M_NONE, 0, 0, NULL, -1, "forbidden header parameter", NULL, NULL},
    {"x5u header", H_ED_WITH("\"x5u\":\"https://evil.test/cert\""), C_OK, S_ED1, M_NONE, 0, 0, NULL,
     -1, "forbidden header parameter", NULL, NULL},
    {"x5c header", H_ED_WITH("\"x5c\":[\"MIIB\"]"), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "forbidden header parameter", NULL, NULL},
    {"crit header", H_ED_WITH("\"crit\":[\"b64\"],\"b64\":false"), C_OK, S_ED1, M_NONE, 0, 0, NULL,
     -1, "forbidden header parameter", NULL, NULL},
    {"jku null still refused", H_ED_WITH("\"jku\":null"), C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "forbidden header parameter", NULL, NULL},
    {"typ JOSE", "{\"alg\":\"EdDSA\",\"typ\":\"JOSE\",\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0,
     NULL, -1, "bad typ", NULL, NULL},
    {"typ not a string", "{\"alg\":\"EdDSA\",\"typ\":1,\"kid\":\"ed1\"}", C_OK, S_ED1, M_NONE, 0, 0,
     NULL, -1, "bad typ", NULL, NULL},
    {"header not JSON", "not json", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1, "header not a JSON object",
     NULL, NULL},
    {"header a JSON array", "[\"EdDSA\",\"ed1\"]", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "header not a JSON object", NULL, NULL},
    {"header with trailing data", H_ED "{}", C_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "header not a JSON object", NULL, NULL},
    /* json_parse_strict refuses duplicate keys, so "which alg wins" never arises. */
    {"header with alg twice", "{\"alg\":\"HS256\",\"alg\":\"EdDSA\",\"kid\":\"ed1\"}", C_OK, S_ED1,
     M_NONE, 0, 0, NULL, -1, "header not a JSON object", NULL, NULL},
    {"header with invalid UTF-8", "{\"alg\":\"EdDSA\",\"kid\":\"ed1\",\"x\":\"\xc3\x28\"}", C_OK,
     S_ED1, M_NONE, 0, 0, NULL, -1, "header not a JSON object", NULL, NULL},

    /* signature and encoding */
    {"flipped signature bit", H_ED, C_OK, S_ED1, M_SIG_FLIP, 0, 0, NULL, -1, "bad signature", NULL,
     NULL},
    {"flipped HS256 signature bit", H_HS, C_OK, S_HS1, M_SIG_FLIP, 0, 0, NULL, -1, "bad signature",
     NULL, NULL},
    {"payload swapped after signing", H_ED, C_OK, S_ED1, M_SWAP_PAY, 0, 0,
     "{" C_ISS "," C_AUD ",\"sub\":\"admin\"," C_EXP "}", -1, "bad signature", NULL, NULL},
    {"63-byte signature", H_ED, C_OK, S_ED1, M_SIG_63, 0, 0, NULL, -1, "bad signature length", NULL,
     NULL},
    {"65-byte signature", H_ED, C_OK, S_ED1, M_SIG_65, 0, 0, NULL, -1, "bad signature encoding",
     NULL, NULL},
    {"31-byte HS256 signature", H_HS, C_OK, S_HS1, M_SIG_31, 0, 0, NULL, -1, "bad signature length",
     NULL, NULL},
    {"64-byte HS256 signature", H_HS, C_OK, S_HS1, M_SIG_DOUBLE, 0, 0, NULL, -1,
     "bad signature length", NULL, NULL},
    {"padded signature", H_ED, C_OK, S_ED1, M_SIG_PAD, 0, 0, NULL, -1, "bad signature encoding",
     NULL, NULL},
    {"non-canonical signature", H_ED, C_OK, S_ED1, M_SIG_NONCANON, 0, 0, NULL, -1,
     "bad signature encoding", NULL, NULL},
    {"signature in standard base64", H_ED, C_OK, S_ED1, M_SIG_STD, 0, 0, NULL, -1,
     "bad signature encoding", NULL, NULL},
    {"padded header", H_ED, C_OK, S_ED1, M_HDR_PAD, 0, 0, NULL, -1, "header not a JSON object",
     NULL, NULL},
    {"padded payload", H_ED, C_OK, S_ED1, M_PAY_PAD, 0, 0, NULL, -1, "payload not a JSON object",
     NULL, NULL},
    {"non-canonical payload", H_ED, C_OK, S_ED1, M_PAY_NONCANON, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},
    {"payload in standard base64", H_ED, C_WITH("\"note\":\"?\?\?>>>\""), S_ED1, M_PAY_STD, 0, 0,
     NULL, -1, "payload not a JSON object", NULL, NULL},
    {"two parts only", H_ED, C_OK, S_ED1, M_TWO_PARTS, 0, 0, NULL, -1, "not three parts", NULL,
     NULL},
    {"four parts", H_ED, C_OK, S_ED1, M_FOUR_PARTS, 0, 0, NULL, -1, "not three parts", NULL, NULL},
    {"empty header part", H_ED, C_OK, S_ED1, M_EMPTY_HDR, 0, 0, NULL, -1,
     "header not a JSON object", NULL, NULL},
    {"empty payload part", H_ED, C_OK, S_ED1, M_EMPTY_PAY, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},
    {"empty token", "", NULL, S_RAW, M_NONE, 0, 0, NULL, -1, "not three parts", NULL, NULL},
    {"no dots", "eyJhbGciOiJFZERTQSJ9", NULL, S_RAW, M_NONE, 0, 0, NULL, -1, "not three parts",
     NULL, NULL},
    {"only dots", "..", NULL, S_RAW, M_NONE, 0, 0, NULL, -1, "unsigned token", NULL, NULL},
    {"token of 8193 bytes", H_ED, C_WITH("\"pad\":\"%s\""), S_ED1, M_NONE, 0, 8193, NULL, -1,
     "token too long", NULL, NULL},
    {"payload not JSON", H_ED, "{\"iss\":", S_ED1, M_NONE, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},
    {"payload a JSON array", H_ED, "[" C_ISS "]", S_ED1, M_NONE, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},
    {"payload with trailing data", H_ED, C_OK " x", S_ED1, M_NONE, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},
    {"payload with sub twice", H_ED, C_WITH("\"sub\":\"admin\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "payload not a JSON object", NULL, NULL},

    /* time */
    {"expired beyond leeway (exp = now - 61)", H_ED, C_EXP_IS("1699999939"), S_ED1, M_NONE, 0, 0,
     NULL, -1, "expired", NULL, NULL},
    {"long expired", H_ED, C_EXP_IS("1000"), S_ED1, M_NONE, 0, 0, NULL, -1, "expired", NULL, NULL},
    {"nbf beyond leeway (now + 61)", H_ED, C_WITH("\"nbf\":1700000061"), S_ED1, M_NONE, 0, 0, NULL,
     -1, "not yet valid", NULL, NULL},
    {"nbf a string", H_ED, C_WITH("\"nbf\":\"0\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "nbf not a number", NULL, NULL},
    {"iat in the future (now + 61)", H_ED,
     "{" C_ISS "," C_AUD "," C_SUB "," C_EXP ",\"iat\":1700000061}", S_ED1, M_NONE, 0, 0, NULL, -1,
     "issued in the future", NULL, NULL},
    {"iat a string", H_ED, "{" C_ISS "," C_AUD "," C_SUB "," C_EXP ",\"iat\":\"1\"}", S_ED1, M_NONE,
     0, 0, NULL, -1, "iat not a number", NULL, NULL},
    {"exp missing", H_ED, C_NO_EXP, S_ED1, M_NONE, 0, 0, NULL, -1, "exp missing", NULL, NULL},
    {"exp a string", H_ED, C_EXP_IS("\"1700000300\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "exp not a number", NULL, NULL},
    {"exp true", H_ED, C_EXP_IS("true"), S_ED1, M_NONE, 0, 0, NULL, -1, "exp not a number", NULL,
     NULL},
    {"exp null", H_ED, C_EXP_IS("null"), S_ED1, M_NONE, 0, 0, NULL, -1, "exp not a number", NULL,
     NULL},

    /* issuer */
    {"wrong iss", H_ED, C_ISS_IS("\"https://evil.test\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "iss does not match key", NULL, NULL},
    {"iss of the other issuer with this key", H_ED, C_ISS2_OK, S_ED1, M_NONE, 0, 0, NULL, -1,
     "iss does not match key", NULL, NULL},
    {"iss of this issuer with the other issuer's key", H_ED2, C_OK, S_ED2, M_NONE, 0, 0, NULL, -1,
     "iss does not match key", NULL, NULL},
    {"iss with trailing slash", H_ED, C_ISS_IS("\"https://id.test/\""), S_ED1, M_NONE, 0, 0, NULL,
     -1, "iss does not match key", NULL, NULL},
    {"iss missing", H_ED, C_NO_ISS, S_ED1, M_NONE, 0, 0, NULL, -1, "iss missing or invalid", NULL,
     NULL},
    {"iss an array", H_ED, C_ISS_IS("[\"" ISS "\"]"), S_ED1, M_NONE, 0, 0, NULL, -1,
     "iss missing or invalid", NULL, NULL},

    /* audience */
    {"aud missing", H_ED, C_NO_AUD, S_ED1, M_NONE, 0, 0, NULL, -1, "wrong audience", NULL, NULL},
    {"aud foreign", H_ED, C_AUD_IS("\"other-app\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "wrong audience", NULL, NULL},
    {"aud a prefix of ours", H_ED, C_AUD_IS("\"qrshare\""), S_ED1, M_NONE, 0, 0, NULL, -1,
     "wrong audience", NULL, NULL},
    {"aud array without ours", H_ED, C_AUD_IS("[\"a\",\"b\"]"), S_ED1, M_NONE, 0, 0, NULL, -1,
     "wrong audience", NULL, NULL},
    {"aud empty array", H_ED, C_AUD_IS("[]"), S_ED1, M_NONE, 0, 0, NULL, -1, "wrong audience", NULL,
     NULL},
    {"aud array with a non-string", H_ED, C_AUD_IS("[1,\"qrshare-test\"]"), S_ED1, M_NONE, 0, 0,
     NULL, -1, "wrong audience", NULL, NULL},
    {"aud an object", H_ED, C_AUD_IS("{\"qrshare-test\":1}"), S_ED1, M_NONE, 0, 0, NULL, -1,
     "wrong audience", NULL, NULL},

    /* subject */
    {"sub missing", H_ED, C_NO_SUB, S_ED1, M_NONE, 0, 0, NULL, -1, "sub missing or invalid", NULL,
     NULL},
    {"sub empty", H_ED, C_SUB_IS("\"\""), S_ED1, M_NONE, 0, 0, NULL, -1, "sub missing or invalid",
     NULL, NULL},
    {"sub a number", H_ED, C_SUB_IS("42"), S_ED1, M_NONE, 0, 0, NULL, -1, "sub missing or invalid",
     NULL, NULL},
    {"sub of 256 bytes", H_ED, C_SUB_IS("\"%s\""), S_ED1, M_NONE, 256, 0, NULL, -1,
     "sub missing or invalid", NULL, NULL},
    {"sub with an escaped NUL", H_ED, C_SUB_IS("\"user-1\\u0000admin\""), S_ED1, M_NONE, 0, 0, NULL,
     -1, "payload not a JSON object", NULL, NULL},
};

static struct config cfg;
static char audience[] = "qrshare-test";
static char iss1[] = ISS, iss2[] = ISS2;
static char kid_ed1[] = "ed1", kid_ed2[] = "ed2", kid_hs1[] = "hs1", kid_short[] = "hs-short";
static unsigned char ed1_sk[crypto_sign_SECRETKEYBYTES], ed2_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char hs1_key[32], short_key[16];

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

/* Fixed keys, so a failure reproduces. */
static void
setup(void)
{
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];

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
    cfg.leeway = 60;
}

static char *
b64(const void *data, size_t len, int variant)
{
    size_t cap = sodium_base64_ENCODED_LEN(len, variant);
    char *s = xmalloc(cap);

    return sodium_bin2base64(s, cap, data, len, variant);
}

/* Sets an unused low bit of the last character: the same bytes, spelled differently. */
static int
noncanonical(char *s)
{
    size_t len = strlen(s);
    const char *p = NULL;
    unsigned int v;

    if (len % 4 != 2 && len % 4 != 3)
        return -1;
    p = strchr(ALPHABET, s[len - 1]);
    v = (unsigned int)(p - ALPHABET) | 1U;
    s[len - 1] = ALPHABET[v];
    return 0;
}

/* text with "%s" replaced by n copies of 'x' (n = 0: "%s" stays out). */
static char *
fill(const char *text, size_t n)
{
    const char *at = strstr(text, "%s");
    size_t len = strlen(text);
    char *s = xmalloc(len + n + 1);

    if (!at) {
        memcpy(s, text, len + 1);
        return s;
    }
    memcpy(s, text, (size_t)(at - text));
    memset(s + (at - text), 'x', n);
    strcpy(s + (at - text) + n, at + 2);
    return s;
}

/* text with n spaces after its first character (JSON whitespace). */
static char *
spaced(const char *text, size_t n)
{
    size_t len = strlen(text);
    char *s = xmalloc(len + n + 1);

    s[0] = text[0];
    memset(s + 1, ' ', n);
    memcpy(s + 1 + n, text + 1, len);
    return s;
}

static char *
assemble(const struct row *r, const char *hjson, const char *cjson)
{
    unsigned char sig[2 * crypto_sign_BYTES + 1];
    unsigned long long sl = 0;
    size_t siglen = 0, n;
    char *h = NULL, *p = NULL, *s = NULL, *input = NULL, *tok = NULL, *c;
    int hvar = B64, pvar = B64, svar = B64;

    if (r->mut == M_HDR_PAD)
        hvar = sodium_base64_VARIANT_URLSAFE;
    if (r->mut == M_PAY_PAD)
        pvar = sodium_base64_VARIANT_URLSAFE;
    if (r->mut == M_PAY_STD)
        pvar = sodium_base64_VARIANT_ORIGINAL_NO_PADDING;
    if (r->mut == M_SIG_PAD)
        svar = sodium_base64_VARIANT_URLSAFE;
    h = r->mut == M_EMPTY_HDR ? xstrdup("") : b64(hjson, strlen(hjson), hvar);
    p = r->mut == M_EMPTY_PAY ? xstrdup("") : b64(cjson, strlen(cjson), pvar);
    if (r->mut == M_PAY_NONCANON && noncanonical(p) != 0)
        goto out;
    if (r->mut == M_PAY_STD && !strpbrk(p, "+/"))
        goto out;
    if ((r->mut == M_HDR_PAD && !strchr(h, '=')) || (r->mut == M_PAY_PAD && !strchr(p, '=')))
        goto out;
    input = xasprintf("%s.%s", h, p);
    n = strlen(input);
    switch (r->sign) {
    case S_ED1:
    case S_ED2:
        crypto_sign_detached(sig, &sl, (unsigned char *)input, n,
                             r->sign == S_ED1 ? ed1_sk : ed2_sk);
        siglen = (size_t)sl;
        break;
    case S_HS1:
    case S_HS_SHORT:
    case S_HS_ED1_PUB: {
        crypto_auth_hmacsha256_state st;
        const struct config_user_key *k = &cfg.keys[r->sign == S_HS1        ? 2
                                                    : r->sign == S_HS_SHORT ? 3
                                                                            : 0];

        crypto_auth_hmacsha256_init(&st, k->key, k->key_len);
        crypto_auth_hmacsha256_update(&st, (unsigned char *)input, n);
        crypto_auth_hmacsha256_final(&st, sig);
        siglen = crypto_auth_hmacsha256_BYTES;
        break;
    }
    default:
        siglen = 0;
    }
    switch (r->mut) {
    case M_SIG_FLIP:
        sig[siglen / 2] ^= 0x10;
        break;
    case M_SIG_63:
    case M_SIG_31:
        siglen--;
        break;
    case M_SIG_65:
        sig[siglen++] = 0;
        break;
    case M_SIG_DOUBLE:
        memcpy(sig + siglen, sig, siglen);
        siglen *= 2;
        break;
    default:
        break;
    }
    s = b64(sig, siglen, svar);
    if (r->mut == M_SIG_NONCANON && noncanonical(s) != 0)
        goto out;
    if (r->mut == M_SIG_STD) {
        if (!strpbrk(s, "-_"))
            goto out; /* this signature reads the same in both alphabets */
        for (c = s; *c; c++)
            *c = *c == '-' ? '+' : *c == '_' ? '/' : *c;
    }
    if (r->mut == M_SWAP_PAY) {
        free(p);
        p = b64(r->claims2, strlen(r->claims2), B64);
    }
    if (r->mut == M_TWO_PARTS)
        tok = xasprintf("%s.%s", h, p);
    else if (r->mut == M_FOUR_PARTS)
        tok = xasprintf("%s.%s.%s.%s", h, p, s, s);
    else
        tok = xasprintf("%s.%s.%s", h, p, s);
out:
    free(h);
    free(p);
    free(s);
    free(input);
    return tok;
}

/* The token a row describes, or NULL when the row cannot be built as asked. */
static char *
build(const struct row *r, char **sub_fill)
{
    char *hjson = NULL, *cjson = NULL, *tok = NULL;
    size_t spaces, f;

    *sub_fill = fill("%s", r->fill);
    if (r->sign == S_RAW)
        return xstrdup(r->header);
    if (r->sign == S_API_ED1 || r->sign == S_API_HS1)
        return r->sign == S_API_ED1
                   ? jwt_sign(JWT_ALG_EDDSA, "ed1", ed1_sk, sizeof ed1_sk, r->claims)
                   : jwt_sign(JWT_ALG_HS256, "hs1", hs1_key, sizeof hs1_key, r->claims);
    if (r->length == 0) {
        /* Padding and a non-canonical spelling need a partial last group: a
         * length that is not a multiple of 3, reached with JSON whitespace. */
        hjson = xstrdup(r->header);
        for (spaces = 1; r->mut == M_HDR_PAD && strlen(hjson) % 3 == 0; spaces++) {
            free(hjson);
            hjson = spaced(r->header, spaces);
        }
        cjson = fill(r->claims, r->fill);
        for (spaces = 1;
             (r->mut == M_PAY_PAD || r->mut == M_PAY_NONCANON) && strlen(cjson) % 3 == 0;
             spaces++) {
            free(cjson);
            cjson = spaced(r->claims, spaces);
        }
        tok = assemble(r, hjson, cjson);
        free(hjson);
        free(cjson);
        return tok;
    }
    /* Base64 lengths skip some values: vary the header's whitespace as well. */
    for (spaces = 0; spaces < 3; spaces++) {
        hjson = spaced(r->header, spaces);
        /* Start well short of the target: header, signature and claims fit in 600. */
        for (f = r->length * 3 / 4 > 600 ? r->length * 3 / 4 - 600 : 0; f < r->length; f++) {
            cjson = fill(r->claims, f);
            tok = assemble(r, hjson, cjson);
            free(cjson);
            if (!tok || strlen(tok) >= r->length)
                break;
            free(tok);
            tok = NULL;
        }
        free(hjson);
        if (tok && strlen(tok) == r->length)
            return tok;
        free(tok);
        tok = NULL;
    }
    return NULL;
}

static void
test_table(void)
{
    size_t i;

    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct jwt_user user;
        const char *why = "(unset)";
        char *sub_fill = NULL;
        char *tok = build(r, &sub_fill);
        int rc;

        if (!tok) {
            ok(0, "%s: token could not be built (FAIL on line %d of the table)", r->desc,
               (int)i + 1);
            ok(0, "%s: reason", r->desc);
            if (r->want == 0) {
                ok(0, "%s: iss", r->desc);
                ok(0, "%s: sub", r->desc);
            }
            free(sub_fill);
            continue;
        }
        memset(&user, 'Z', sizeof user);
        rc = jwt_verify(&cfg, tok, (time_t)NOW, &user, NULL, &why);
        if (!is_int(r->want, rc, "%s", r->desc))
            diag("row %zu, reason: %s", i + 1, why ? why : "(none)");
        is_string(r->why, why, "%s: reason", r->desc);
        if (r->want == 0) {
            is_string(r->iss, rc == 0 ? user.iss : NULL, "%s: iss", r->desc);
            is_string(strcmp(r->sub, "%s") == 0 ? sub_fill : r->sub, rc == 0 ? user.sub : NULL,
                      "%s: sub", r->desc);
        }
        free(sub_fill);
        free(tok);
    }
}

/* What the table cannot say: the config side and the API's edges. */
static void
test_edges(void)
{
    struct jwt_user user;
    const char *why = NULL;
    char *good = jwt_sign(JWT_ALG_EDDSA, "ed1", ed1_sk, sizeof ed1_sk, C_OK);
    char *late = jwt_sign(JWT_ALG_EDDSA, "ed1", ed1_sk, sizeof ed1_sk, C_EXP_IS("1699999900"));
    char *now = jwt_sign(JWT_ALG_EDDSA, "ed1", ed1_sk, sizeof ed1_sk, C_EXP_IS("1700000000"));
    char *bad = NULL;
    json_object *claims = NULL, *v = NULL;

    ok(good && late && now, "jwt_sign mints tokens");
    is_int(0, jwt_verify(&cfg, good, (time_t)NOW, &user, NULL, NULL), "why may be NULL");

    cfg.audience = NULL;
    is_int(-1, jwt_verify(&cfg, good, (time_t)NOW, &user, NULL, &why), "no audience configured");
    is_string("no audience configured", why, "no audience: reason");
    cfg.audience = audience;

    cfg.leeway = 3600;
    is_int(-1, jwt_verify(&cfg, late, (time_t)NOW, &user, NULL, &why),
           "leeway over 60 is clamped to 60 (expired 100 s ago)");
    cfg.leeway = -5;
    is_int(0, jwt_verify(&cfg, now, (time_t)NOW, &user, NULL, &why),
           "negative leeway is 0: exp = now");
    is_int(-1, jwt_verify(&cfg, now, (time_t)NOW + 1, &user, NULL, &why),
           "negative leeway is 0: exp = now - 1");
    cfg.leeway = 0;
    is_int(0, jwt_verify(&cfg, now, (time_t)NOW, &user, NULL, &why),
           "leeway 0: exp = now accepted");
    cfg.leeway = 60;

    is_int(0, jwt_verify(&cfg, good, (time_t)NOW, &user, &claims, &why), "claims asked for");
    ok(claims && json_object_object_get_ex(claims, "sub", &v) &&
           strcmp(json_object_get_string(v), user.sub) == 0,
       "the claims are handed over: the token's sub");
    json_object_put(claims);

    memset(&user, 'Z', sizeof user);
    claims = v = json_object_new_object(); /* not NULL before the call */
    is_int(-1, jwt_verify(&cfg, late, (time_t)NOW + 1000, &user, &claims, &why), "refused");
    ok(user.iss[0] == '\0' && user.sub[0] == '\0' && claims == NULL,
       "a refusal leaves no identity and no claims behind");
    json_object_put(v);
    is_int(-1, jwt_verify(&cfg, NULL, (time_t)NOW, &user, NULL, &why), "NULL token refused");

    bad = jwt_sign(JWT_ALG_EDDSA, "ed1", ed1_sk, 32, C_OK);
    ok(bad == NULL, "jwt_sign refuses an Ed25519 key that is not 64 bytes");
    free(bad);
    bad = jwt_sign((enum jwt_alg)0, "ed1", ed1_sk, sizeof ed1_sk, C_OK);
    ok(bad == NULL, "jwt_sign refuses an unknown alg");
    free(bad);
    bad = jwt_sign(JWT_ALG_HS256, "hs1", hs1_key, 0, C_OK);
    ok(bad == NULL, "jwt_sign refuses an empty HS256 secret");
    free(bad);
    free(good);
    free(late);
    free(now);
}

int
main(void)
{
    size_t i, n = 0;

    crypto_init();
    setup();
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++)
        n += rows[i].want == 0 ? 4 : 2;
    plan((int)n + 16);
    test_table();
    test_edges();
    return done_testing();
}
