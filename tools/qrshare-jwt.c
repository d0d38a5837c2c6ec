/* qrshare-jwt - make user keys and mint user access tokens, for operators
 * testing an installation and for the demo. Not an identity provider. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <json-c/json.h>
#include "crypto.h"
#include "jwt.h"

#define PROG "qrshare-jwt"
#define KEY_ENV "QRSHARE_JWT_KEY"
#define EXIT_USAGE 2
#define MAX_KID 64
#define MAX_OFFSET 315360000LL /* ten years, either way */
#define HS256_MIN_KEY 32       /* what jwt_verify accepts */
#define HS256_MAX_KEY 64       /* what the conf can hold */
#define DEFAULT_TTL 300

enum {
    OPT_KID = 256,
    OPT_ISS,
    OPT_ALG,
    OPT_KEY,
    OPT_AUD,
    OPT_SUB,
    OPT_TTL,
    OPT_NBF,
    OPT_CLAIM,
    OPT_CLAIM_JSON,
    OPT_CLAIMS_JSON,
};

static const struct option keygen_opts[] = {
    {"kid", required_argument, NULL, OPT_KID},
    {"iss", required_argument, NULL, OPT_ISS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const struct option sign_opts[] = {
    {"alg", required_argument, NULL, OPT_ALG},
    {"kid", required_argument, NULL, OPT_KID},
    {"key", required_argument, NULL, OPT_KEY},
    {"iss", required_argument, NULL, OPT_ISS},
    {"aud", required_argument, NULL, OPT_AUD},
    {"sub", required_argument, NULL, OPT_SUB},
    {"ttl", required_argument, NULL, OPT_TTL},
    {"nbf-offset", required_argument, NULL, OPT_NBF},
    {"claim", required_argument, NULL, OPT_CLAIM},
    {"claim-json", required_argument, NULL, OPT_CLAIM_JSON},
    {"claims-json", required_argument, NULL, OPT_CLAIMS_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *f)
{
    fputs("usage: " PROG " keygen ed25519|hs256 [--kid KID] [--iss ISS]\n"
          "       " PROG " sign --alg EdDSA|HS256 --kid KID [--key B64URL] --iss ISS --aud AUD\n"
          "                   --sub SUB [--ttl SECONDS] [--nbf-offset SECONDS]\n"
          "                   [--claim NAME=STRING]... [--claim-json NAME=JSON]...\n"
          "                   [--claims-json JSON-OBJECT]...\n"
          "       " PROG " --help\n"
          "\n"
          "keygen prints shell lines (QRSHARE_ED25519_* or QRSHARE_HS256_*) with a new key,\n"
          "and, commented out, the [user_key KID] section for qrshare.conf.\n"
          "\n"
          "sign prints a token: iat = now, exp = now + ttl (default 300), nbf = now + offset\n"
          "when --nbf-offset is given. --key is the Ed25519 secret key (64 bytes) or the HS256\n"
          "secret, in base64url; without --key it is read from $" KEY_ENV ", which keeps it\n"
          "off the command line. --claim, --claim-json and --claims-json (each member of an\n"
          "object) add claims or replace earlier ones, in the order given: the identity\n"
          "provider's claims qrshare checks values against (email, email_verified,\n"
          "birthdate, verified_claims...), or a changed iss/exp to test a refusal.\n"
          "\n"
          "Exit status: 0 done, 1 failure, 2 usage error.\n",
          f);
}

/* After a usage error: a pointer to --help, not the whole text. */
static void
hint(void)
{
    fputs("Try '" PROG " --help'.\n", stderr);
}

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
errmsg(const char *fmt, ...)
{
    va_list ap;

    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* getopt's own messages would name the subcommand as the program. */
static int
bad_option(int c, char **argv)
{
    if (c == ':')
        errmsg("option %s needs a value", argv[optind - 1]);
    else
        errmsg("unknown option %s", argv[optind - 1]);
    hint();
    return EXIT_USAGE;
}

/* A kid printed into shell lines and an INI section name: keep it plain. */
static int
kid_ok(const char *kid)
{
    size_t len = strlen(kid);

    return len > 0 && len <= MAX_KID &&
           strspn(kid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == len;
}

/* Printed in a comment line: a newline would end the comment. */
static int
printable(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

static int
parse_offset(const char *s, long long *out)
{
    char *end = NULL;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < -MAX_OFFSET || v > MAX_OFFSET)
        return -1;
    *out = v;
    return 0;
}

static int
cmd_keygen(int argc, char **argv)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    unsigned char secret[32], rnd[6];
    char pk64[sodium_base64_ENCODED_LEN(sizeof pk, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    char sk64[sodium_base64_ENCODED_LEN(sizeof sk, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    char kidbuf[16];
    const char *kid = NULL, *iss = NULL, *type = NULL;
    int c, rc = 1;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", keygen_opts, NULL)) != -1) {
        switch (c) {
        case OPT_KID:
            kid = optarg;
            break;
        case OPT_ISS:
            iss = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_option(c, argv);
        }
    }
    if (optind != argc - 1) {
        errmsg("keygen needs one key type: ed25519 or hs256");
        hint();
        return EXIT_USAGE;
    }
    type = argv[optind];
    if (strcmp(type, "ed25519") != 0 && strcmp(type, "hs256") != 0) {
        errmsg("unknown key type \"%s\" (ed25519 or hs256)", type);
        return EXIT_USAGE;
    }
    if (kid && !kid_ok(kid)) {
        errmsg("--kid: 1 to %d characters of A-Z a-z 0-9 . _ -", MAX_KID);
        return EXIT_USAGE;
    }
    if (iss && (!*iss || !printable(iss))) {
        errmsg("--iss: empty or with control characters");
        return EXIT_USAGE;
    }
    if (!kid) {
        /* A random kid: two installations' keys never share a name by accident. */
        randombytes_buf(rnd, sizeof rnd);
        memcpy(kidbuf, type[0] == 'e' ? "ed-" : "hs-", 3);
        crypto_b64url_encode(rnd, sizeof rnd, kidbuf + 3);
        kid = kidbuf;
    }
    if (!iss)
        iss = "<the iss your identity provider puts in its tokens>";
    if (type[0] == 'e') {
        crypto_sign_keypair(pk, sk);
        crypto_b64url_encode(pk, sizeof pk, pk64);
        crypto_b64url_encode(sk, sizeof sk, sk64);
        printf("QRSHARE_ED25519_KID=%s\n"
               "QRSHARE_ED25519_SECRET_KEY=%s\n"
               "QRSHARE_ED25519_PUBLIC_KEY=%s\n"
               "# [user_key %s]\n"
               "# alg = EdDSA\n"
               "# issuer = %s\n"
               "# key = %s\n",
               kid, sk64, pk64, kid, iss, pk64);
    } else {
        randombytes_buf(secret, sizeof secret);
        crypto_b64url_encode(secret, sizeof secret, sk64);
        printf("QRSHARE_HS256_KID=%s\n"
               "QRSHARE_HS256_SECRET=%s\n"
               "# [user_key %s]\n"
               "# alg = HS256\n"
               "# issuer = %s\n"
               "# key = %s\n",
               kid, sk64, kid, iss, sk64);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        errmsg("cannot write the key");
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(sk, sizeof sk);
    sodium_memzero(sk64, sizeof sk64);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

enum claim_kind { CLAIM_STRING, CLAIM_JSON, CLAIM_OBJECT };

/* Adds to claims: NAME=STRING, NAME=JSON, or each member of a JSON object; a claim
 * given again replaces the earlier value. */
static int
add_claim(json_object *claims, const char *arg, enum claim_kind kind)
{
    static const char *const opt[] = {"--claim", "--claim-json", "--claims-json"};
    const char *eq = strchr(arg, '='), *text = kind == CLAIM_OBJECT ? arg : eq + 1;
    json_tokener *tok = NULL;
    json_object *v = NULL, *arr = NULL;
    char *name = NULL, *wrapped = NULL;
    size_t vlen;
    int rc = -1;

    if (kind != CLAIM_OBJECT && (!eq || eq == arg)) {
        errmsg("%s: NAME=VALUE expected", opt[kind]);
        goto out;
    }
    if (kind == CLAIM_STRING) {
        v = json_object_new_string(text);
    } else {
        /* Inside [ ] a bare number has an end; json-c would otherwise wait for more. */
        wrapped = xasprintf("[%s]", text);
        vlen = strlen(wrapped);
        tok = json_tokener_new();
        if (!tok || vlen > INT_MAX)
            goto out;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        arr = json_tokener_parse_ex(tok, wrapped, (int)vlen);
        if (json_tokener_get_error(tok) != json_tokener_success ||
            json_tokener_get_parse_end(tok) != vlen || json_object_array_length(arr) != 1 ||
            (kind == CLAIM_OBJECT &&
             !json_object_is_type(json_object_array_get_idx(arr, 0), json_type_object))) {
            errmsg("%s: not one JSON %s", opt[kind], kind == CLAIM_OBJECT ? "object" : "value");
            goto out;
        }
        v = json_object_get(json_object_array_get_idx(arr, 0));
    }
    if (kind == CLAIM_OBJECT) {
        json_object_object_foreach(v, k, member)
            json_object_object_add(claims, k, json_object_get(member));
        json_object_put(v);
    } else {
        name = xstrndup(arg, (size_t)(eq - arg));
        json_object_object_add(claims, name, v);
    }
    rc = 0;
out:
    if (tok)
        json_tokener_free(tok);
    json_object_put(arr);
    free(wrapped);
    free(name);
    return rc;
}

/* The signing key from --key or the environment, checked against alg. */
static int
read_key(const char *b64, enum jwt_alg alg, unsigned char *key, size_t *len)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], seed[crypto_sign_SEEDBYTES];
    unsigned char sk[crypto_sign_SECRETKEYBYTES];
    int rc = -1;

    if (crypto_b64url_decode(b64, strlen(b64), key, crypto_sign_SECRETKEYBYTES, len) != 0) {
        errmsg("the key is not base64url of at most 64 bytes");
        goto out;
    }
    if (alg == JWT_ALG_EDDSA) {
        if (*len != crypto_sign_SECRETKEYBYTES) {
            errmsg("an EdDSA key is the 64-byte Ed25519 secret key (keygen ed25519)");
            goto out;
        }
        /* A mangled key would sign tokens no public key verifies. */
        crypto_sign_ed25519_sk_to_seed(seed, key);
        crypto_sign_seed_keypair(pk, sk, seed);
        if (sodium_memcmp(sk, key, sizeof sk) != 0) {
            errmsg("the Ed25519 secret key is inconsistent");
            goto out;
        }
    } else if (*len < HS256_MIN_KEY || *len > HS256_MAX_KEY) {
        errmsg("an HS256 secret is %d to %d bytes", HS256_MIN_KEY, HS256_MAX_KEY);
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(seed, sizeof seed);
    sodium_memzero(sk, sizeof sk);
    return rc;
}

static int
cmd_sign(int argc, char **argv)
{
    const char *alg_s = NULL, *kid = NULL, *key_b64 = NULL, *iss = NULL, *aud = NULL;
    const char *sub = NULL, *claims_json = NULL;
    unsigned char key[crypto_sign_SECRETKEYBYTES];
    size_t key_len = 0;
    long long ttl = DEFAULT_TTL, nbf_off = 0;
    int have_nbf = 0, c, i, rc = EXIT_USAGE;
    enum jwt_alg alg = JWT_ALG_EDDSA;
    json_object *claims = NULL;
    char **extra = NULL;
    enum claim_kind *extra_kind = NULL;
    int nextra = 0;
    char *token = NULL;
    time_t now;

    extra = xcalloc((size_t)argc, sizeof *extra);
    extra_kind = xcalloc((size_t)argc, sizeof *extra_kind);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", sign_opts, NULL)) != -1) {
        switch (c) {
        case OPT_ALG:
            alg_s = optarg;
            break;
        case OPT_KID:
            kid = optarg;
            break;
        case OPT_KEY:
            key_b64 = optarg;
            break;
        case OPT_ISS:
            iss = optarg;
            break;
        case OPT_AUD:
            aud = optarg;
            break;
        case OPT_SUB:
            sub = optarg;
            break;
        case OPT_TTL:
            if (parse_offset(optarg, &ttl) != 0) {
                errmsg("--ttl: a whole number of seconds expected");
                goto out;
            }
            break;
        case OPT_NBF:
            if (parse_offset(optarg, &nbf_off) != 0) {
                errmsg("--nbf-offset: a whole number of seconds expected");
                goto out;
            }
            have_nbf = 1;
            break;
        case OPT_CLAIM:
        case OPT_CLAIM_JSON:
        case OPT_CLAIMS_JSON:
            extra_kind[nextra] = c == OPT_CLAIM        ? CLAIM_STRING
                                 : c == OPT_CLAIM_JSON ? CLAIM_JSON
                                                       : CLAIM_OBJECT;
            extra[nextra++] = optarg;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            rc = bad_option(c, argv);
            goto out;
        }
    }
    if (optind != argc) {
        errmsg("unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if (!alg_s || !kid || !iss || !aud || !sub) {
        errmsg("sign needs --alg, --kid, --iss, --aud and --sub");
        hint();
        goto out;
    }
    if (strcmp(alg_s, "EdDSA") == 0) {
        alg = JWT_ALG_EDDSA;
    } else if (strcmp(alg_s, "HS256") == 0) {
        alg = JWT_ALG_HS256;
    } else {
        errmsg("--alg: EdDSA or HS256");
        goto out;
    }
    if (!key_b64)
        key_b64 = getenv(KEY_ENV);
    if (!key_b64 || !*key_b64) {
        errmsg("no key: give --key or set " KEY_ENV);
        goto out;
    }
    rc = 1;
    if (read_key(key_b64, alg, key, &key_len) != 0)
        goto out;

    now = time(NULL);
    claims = json_object_new_object();
    if (!claims)
        goto out;
    json_object_object_add(claims, "iss", json_object_new_string(iss));
    json_object_object_add(claims, "aud", json_object_new_string(aud));
    json_object_object_add(claims, "sub", json_object_new_string(sub));
    json_object_object_add(claims, "iat", json_object_new_int64((int64_t)now));
    json_object_object_add(claims, "exp", json_object_new_int64((int64_t)now + ttl));
    if (have_nbf)
        json_object_object_add(claims, "nbf", json_object_new_int64((int64_t)now + nbf_off));
    for (i = 0; i < nextra; i++)
        if (add_claim(claims, extra[i], extra_kind[i]) != 0) {
            rc = EXIT_USAGE;
            goto out;
        }
    claims_json = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    token = claims_json ? jwt_sign(alg, kid, key, key_len, claims_json) : NULL;
    if (!token) {
        errmsg("cannot sign the token");
        goto out;
    }
    if (strlen(token) > JWT_MAX_LEN)
        errmsg("warning: the token is over %d bytes; qrshare will refuse it", JWT_MAX_LEN);
    if (printf("%s\n", token) < 0 || fflush(stdout) != 0) {
        errmsg("cannot write the token");
        goto out;
    }
    rc = 0;
out:
    sodium_memzero(key, sizeof key);
    json_object_put(claims);
    free(token);
    free(extra);
    free(extra_kind);
    return rc;
}

int
main(int argc, char **argv)
{
    crypto_init();
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    if (strcmp(argv[1], "sign") == 0)
        return cmd_sign(argc - 1, argv + 1);
    errmsg("unknown command \"%s\"", argv[1]);
    hint();
    return EXIT_USAGE;
}
