/* fuzz-request.c - libFuzzer harness for request parsing: http_route and
 * http_query_param (lib/http.h), and the nine handlers of lib/session.h on a
 * fuzzed request, either called directly or through server_main as a plain CGI
 * request (environment, stdin, stdout), which adds the body framing
 * (CONTENT_LENGTH, max_body, short bodies) and the response writing.
 *
 * There is no database: the conf says host=/nonexistent, so a request that
 * passes validation gets 503 from its one db_exec. Without a database no 2xx,
 * 3xx, 409 or 410 is possible, and 500 would be a bug.
 *
 * Input: a selector byte, then fields separated by '\n', the body last (it may
 * hold '\n' and NUL):
 *   method, uri, content-type, content-length, authorization, x-api-key,
 *   data-session-token, if-none-match, origin, body
 * A field that is exactly "\x01" is absent (NULL, or unset in the environment);
 * missing trailing fields are absent. An authorization of exactly "@user" or
 * "@user-ed" is replaced by "Bearer " and a valid user token (HS256 or EdDSA)
 * minted at start, so the fuzzer gets past jwt_verify into the body checks of
 * update and information; it cannot forge one itself. The HS256 one carries
 * identity-provider claims (a verified email, a birthdate), the EdDSA one none;
 * the first "@claims" string of the body (quotes included) becomes a claims token
 * of the same user minted at start (an update's claims_token).
 * Selector: bits 0-3 the handler (mod 9), bit 4 through server_main (there
 * content-length frames the body; called directly, the handler gets it whole).
 *
 * Asserted, beyond "no sanitizer report":
 *   - http_route agrees with a POSIX regex built from each pattern, and the id
 *     it copies is the matched segment, within idlen;
 *   - http_query_param agrees with a reference decoder written here (a parameter
 *     given twice is absent);
 *   - a handler returns 0, a status from {400 401 404 405 413 415 503} with the
 *     matching error code, WWW-Authenticate on 401, Allow on 405, Retry-After on
 *     503, and well-formed header lines;
 *   - 405 exactly when the method is not the endpoint's (once the path is known);
 *   - 503 (validation passed: a database call was made) only for a request that
 *     a database call may be made for: the right path and method, a well-formed
 *     credential of the endpoint's kind, a user token only when minted here, and
 *     for create and update a complete, strict JSON body of the right shape; for
 *     update also: a session_id only as a UUID string, a claims_token only as the
 *     one minted here, is_over_18 and is_over_21 only with a signed birthdate (the
 *     HS256 token or the claims token), the is_verified scope never (no token here
 *     signs an is_verified claim or verified_claims);
 *   - through server_main: "Status: N", the three hardening headers, Content-Length
 *     equal to the body written (none for HEAD), a JSON body that parses, 413
 *     exactly when CONTENT_LENGTH is over max_body or not a number, and 400 when
 *     fewer bytes arrive than it says. */
#define _GNU_SOURCE /* open_memstream, memmem */
#include <ctype.h>
#include <fcntl.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <fcgiapp.h>
#include <sodium.h>
#include <json-c/json.h>
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "json.h"
#include "jwt.h"
#include "server.h"
#include "session.h"
#include "util.h"

#define MAX_BODY 1024 /* the smallest the conf allows: 413 is cheap to reach */
#define ISS "https://id.test"
#define AUD "qrshare-test"
#define B64 sodium_base64_VARIANT_URLSAFE_NO_PADDING

enum field {
    F_METHOD,
    F_URI,
    F_CTYPE,
    F_CLEN,
    F_AUTH,
    F_APIKEY,
    F_STOKEN,
    F_INM,
    F_ORIGIN,
    F_BODY,
    F_COUNT
};

static const char *const env_names[F_BODY] = {
    "REQUEST_METHOD",          "REQUEST_URI",        "CONTENT_TYPE",
    "CONTENT_LENGTH",          "HTTP_AUTHORIZATION", "HTTP_X_API_KEY",
    "HTTP_DATA_SESSION_TOKEN", "HTTP_IF_NONE_MATCH", "HTTP_ORIGIN",
};

/* The endpoints: pattern, methods ("GET HEAD"), what may reach the database. */
enum cred { CRED_BASIC, CRED_APP, CRED_USER, CRED_BROWSER, CRED_QR };

static const struct endpoint {
    const char *name;
    handler_fn h;
    const char *pattern;
    const char *methods;
    enum cred cred;
    int uuid;      /* the {} segment is a session id (else a session token) */
    int preflight; /* browser-facing: OPTIONS with an Origin asks the database (CORS) */
} endpoints[] = {
    {"token", session_token, "/auth/v2/token", "POST", CRED_BASIC, 0, 0},
    {"create", session_create, "/auth/v2/session", "POST", CRED_APP, 0, 0},
    {"status", session_status, "/auth/v2/session/{}/status", "GET HEAD", CRED_BROWSER, 1, 1},
    {"information", session_information, "/auth/v2/session/{}/information", "GET", CRED_USER, 0, 0},
    {"update", session_update, "/auth/v2/session/{}/update", "POST", CRED_USER, 0, 0},
    {"decision", session_decision, "/auth/v2/session/{}/decision", "GET", CRED_APP, 1, 0},
    {"refresh", session_refresh, "/auth/v2/session/{}/refresh", "POST", CRED_BROWSER, 1, 1},
    {"cancel", session_cancel, "/auth/v2/session/{}", "DELETE", CRED_BROWSER, 1, 1},
    {"qr", session_qr, "/auth/v2/session/{}/qr.svg", "GET HEAD", CRED_QR, 1, 1},
};
#define NENDPOINTS (sizeof endpoints / sizeof endpoints[0])

static regex_t route_re[NENDPOINTS];
static struct config cfg;
static char dir[256], conf_path[300];
static int dir_made;
static char *user_hs, *user_ed; /* "Bearer <minted token>" */
static char *claims_tok;        /* a claims token of user-1 (no "Bearer ") */
/* The identity provider's claims in user_hs and claims_tok. */
#define IDP_CLAIMS ",\"email\":\"a@b.test\",\"email_verified\":true,\"birthdate\":\"1990-02-28\""
/* stderr as it was at start: run with -close_fd_mask=2 (the handlers log every
 * refusal), libFuzzer points fd 2 at /dev/null, and a finding must still be told. */
static FILE *report;

static void remove_dir(void);

static void
fail(const char *what, const char *detail)
{
    fprintf(report ? report : stderr, "fuzz-request: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    remove_dir(); /* abort() skips atexit() */
    abort();
}

/* --- setup ------------------------------------------------------------------------- */

static void
write_file(const char *name, const void *data, size_t len)
{
    char path[300];
    int fd;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) != 0)
        fail("cannot write", path);
}

static void
remove_dir(void)
{
    static const char *const names[] = {"qrshare.conf", "pairwise.key", "seal.key"};
    char path[300];

    if (!dir_made)
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* "^<pattern with {} as a segment>/?(\?.*)?$" */
static void
compile_route(size_t i)
{
    char re[256];
    size_t o = 0;

    re[o++] = '^';
    for (const char *p = endpoints[i].pattern; *p; p++) {
        if (p[0] == '{' && p[1] == '}') {
            o += (size_t)snprintf(re + o, sizeof re - o, "([A-Za-z0-9_-]+)");
            p++;
        } else {
            if (strchr(".[]()*+?{}|^$\\", *p))
                re[o++] = '\\';
            re[o++] = *p;
        }
    }
    snprintf(re + o, sizeof re - o, "/?(\\?.*)?$");
    if (regcomp(&route_re[i], re, REG_EXTENDED) != 0)
        fail("regcomp", re);
}

/* A token of user-1 with the extra claims (a JSON fragment: "" or ",\"k\":v..."),
 * with "Bearer " in front when bearer. */
static char *
mint(enum jwt_alg alg, const char *kid, const unsigned char *key, size_t key_len, const char *extra,
     int bearer)
{
    char claims[512], *tok, *out;
    long now = (long)time(NULL);

    snprintf(claims, sizeof claims,
             "{\"iss\":\"" ISS "\",\"aud\":\"" AUD
             "\",\"sub\":\"user-1\",\"iat\":%ld,\"exp\":%ld%s}",
             now - 10, now + 400L * 86400, extra);
    tok = jwt_sign(alg, kid, key, key_len, claims);
    if (!tok)
        fail("jwt_sign", kid);
    if (!bearer)
        return tok;
    out = xasprintf("Bearer %s", tok);
    free(tok);
    return out;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
    unsigned char ed_sk[crypto_sign_SECRETKEYBYTES], hs[32], raw[32];
    char pk64[64], hs64[64], *conf, err[512];
    const char *tmp;
    int fd;

    (void)argc;
    (void)argv;
    fd = dup(2);
    if (fd < 0 || !(report = fdopen(fd, "w")))
        fail("cannot keep stderr", NULL);
    setvbuf(report, NULL, _IONBF, 0);
    crypto_init();
    /* libfcgi decides CGI or FastCGI by whether fd 0 is a socket: make it /dev/null. */
    fd = open("/dev/null", O_RDONLY);
    if (fd < 0 || dup2(fd, 0) < 0)
        fail("cannot open /dev/null", NULL);
    close(fd);
    if (!FCGX_IsCGI())
        fail("libfcgi does not see plain CGI", NULL);

    memset(seed, 1, sizeof seed);
    crypto_sign_seed_keypair(pk, ed_sk, seed);
    memset(hs, 3, sizeof hs);
    sodium_bin2base64(pk64, sizeof pk64, pk, sizeof pk, B64);
    sodium_bin2base64(hs64, sizeof hs64, hs, sizeof hs, B64);

    tmp = getenv("TMPDIR");
    if ((size_t)snprintf(dir, sizeof dir, "%s/fuzz-request.XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
            sizeof dir ||
        !mkdtemp(dir))
        fail("cannot create a temp directory", NULL);
    dir_made = 1;
    atexit(remove_dir);
    snprintf(conf_path, sizeof conf_path, "%s/qrshare.conf", dir);
    memset(raw, 9, sizeof raw);
    write_file("pairwise.key", raw, sizeof raw);
    memset(raw, 5, sizeof raw);
    write_file("seal.key", raw, sizeof raw);
    conf = xasprintf("[database]\nconninfo = host=/nonexistent\n"
                     "[server]\npublic_url = https://qr.test\nmax_body = %d\n"
                     "active_seal_key = s1\n"
                     "[users]\naudience = " AUD "\npairwise_key_file = pairwise.key\n"
                     "[user_key hs1]\nalg = HS256\nissuer = " ISS "\nkey = %s\n"
                     "[user_key ed1]\nalg = EdDSA\nissuer = " ISS "\nkey = %s\n"
                     "[seal_key s1]\nfile = seal.key\n",
                     MAX_BODY, hs64, pk64);
    write_file("qrshare.conf", conf, strlen(conf));
    free(conf);
    if (config_load(conf_path, &cfg, err, sizeof err) < 0)
        fail("harness conf", err);
    setenv(CONFIG_ENV, conf_path, 1);

    user_hs = mint(JWT_ALG_HS256, "hs1", hs, sizeof hs, IDP_CLAIMS, 1);
    user_ed = mint(JWT_ALG_EDDSA, "ed1", ed_sk, sizeof ed_sk, "", 1);
    claims_tok = mint(JWT_ALG_HS256, "hs1", hs, sizeof hs, IDP_CLAIMS, 0);
    for (size_t i = 0; i < NENDPOINTS; i++)
        compile_route(i);
    return 0;
}

/* --- route and query --------------------------------------------------------------- */

static void
check_route(const char *uri, size_t small_idlen)
{
    regmatch_t m[3];

    for (size_t i = 0; i < NENDPOINTS; i++) {
        int has_id = strstr(endpoints[i].pattern, "{}") != NULL;
        int ref = regexec(&route_re[i], uri, 3, m, 0) == 0;
        size_t seg = ref && has_id ? (size_t)(m[1].rm_eo - m[1].rm_so) : 0;
        size_t idlens[2] = {64, small_idlen};

        for (size_t k = 0; k < 2; k++) {
            size_t idlen = idlens[k];
            char *id = has_id ? xmalloc(idlen) : NULL; /* exact size: ASan sees an overflow */
            int want = ref && (!has_id || seg < idlen) ? 0 : -1;
            int got = http_route(uri, endpoints[i].pattern, id, has_id ? idlen : 0);

            if (got != want) {
                fprintf(report, "pattern %s idlen %zu: http_route %d, regex %d\n",
                        endpoints[i].pattern, idlen, got, want);
                fail("http_route disagrees with the regex", NULL);
            }
            if (got == 0 && has_id && (strlen(id) != seg || memcmp(id, uri + m[1].rm_so, seg) != 0))
                fail("http_route copied another id than the segment", endpoints[i].pattern);
            free(id);
        }
    }
}

static int
hexdigit(int c)
{
    return isxdigit(c) ? (isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10)) : -1;
}

/* The reference: the "name=" parameter after the first '?', decoded; absent when
 * it is not there or there twice (a repeated parameter is taken as neither). */
static int
ref_query_param(const char *uri, const char *name, char *out, size_t outlen)
{
    const char *seg = strchr(uri, '?'), *value = NULL;
    size_t nlen = strlen(name), value_len = 0, o = 0;

    for (; seg; seg = strchr(seg, '&')) {
        const char *end;
        size_t seglen;

        seg++;
        end = strchr(seg, '&');
        seglen = end ? (size_t)(end - seg) : strlen(seg);
        if (seglen > nlen && memcmp(seg, name, nlen) == 0 && seg[nlen] == '=') {
            if (value)
                return -1;
            value = seg + nlen + 1;
            value_len = seglen - nlen - 1;
        }
    }
    if (!value)
        return -1;
    for (size_t i = 0; i < value_len; i++) {
        int c = (unsigned char)value[i];

        if (c == '%') {
            int h = i + 1 < value_len ? hexdigit((unsigned char)value[i + 1]) : -1;
            int l = i + 2 < value_len ? hexdigit((unsigned char)value[i + 2]) : -1;
            if (h < 0 || l < 0)
                return -1;
            c = h * 16 + l;
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0 || o + 1 >= outlen)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return 0;
}

static void
check_query(const char *uri, size_t small_outlen)
{
    static const char *const names[] = {"token", "grant_type"};

    for (size_t i = 0; i < 2; i++) {
        size_t outlens[2] = {TOKEN_LEN + 8, small_outlen};

        for (size_t k = 0; k < 2; k++) {
            char *out = xmalloc(outlens[k]), *ref = xmalloc(outlens[k]);
            int got = http_query_param(uri, names[i], out, outlens[k]);
            int want = ref_query_param(uri, names[i], ref, outlens[k]);

            if (got != want || (got == 0 && strcmp(out, ref) != 0)) {
                fprintf(report, "name %s outlen %zu: http_query_param %d, reference %d\n", names[i],
                        outlens[k], got, want);
                fail("http_query_param disagrees with the reference", NULL);
            }
            free(out);
            free(ref);
        }
    }
}

/* --- handler answers --------------------------------------------------------------- */

static int
is_token(const char *s)
{
    return s && strlen(s) == TOKEN_LEN &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                     "rstuvwxyz0123456789-_") == TOKEN_LEN;
}

static int
method_allowed(const struct endpoint *e, const char *method)
{
    size_t n = strlen(method);
    const char *m = e->methods;

    if (strchr(method, ' ')) /* "GET HEAD" is not a method, nor one of the list */
        return 0;

    for (; *m; m += strcspn(m, " "), m += *m == ' ')
        if (n > 0 && strncmp(m, method, n) == 0 && (m[n] == ' ' || m[n] == '\0'))
            return 1;
    return 0;
}

static const char *
bearer_token(const char *auth)
{
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return NULL;
    return auth + 7 + strspn(auth + 7, " ");
}

/* A canonical UUID, 8-4-4-4-12 hex. */
static int
uuid_ok(const char *s, size_t len)
{
    if (len != 36)
        return 0;
    for (size_t i = 0; i < 36; i++)
        if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The app credential: -1 one is malformed, 0 none, 1 one is there. */
static int
app_cred(const char *auth, const char *apikey)
{
    const char *bt = bearer_token(auth);

    if (auth && !bt && strncasecmp(auth, "Basic ", 6) != 0)
        return -1;
    if ((bt && !is_token(bt)) || (apikey && !is_token(apikey)))
        return -1;
    return bt || apikey;
}

/* The request as a handler saw it, for the checks. */
struct seen {
    const struct endpoint *e;
    const char *method; /* "GET" when absent, as serve() does */
    const char *uri, *ctype, *auth, *apikey, *stoken, *origin;
    int minted; /* auth was replaced by a minted user token */
    const char *body;
    size_t body_len;
    int body_short;
};

/* The path is the endpoint's, with a well-formed id or session token in it. */
static int
path_valid(const struct seen *s)
{
    const struct endpoint *e = s->e;
    regmatch_t m[3];
    size_t seg;

    if (!s->uri || regexec(&route_re[e - endpoints], s->uri, 3, m, 0) != 0)
        return 0;
    if (!strstr(e->pattern, "{}"))
        return 1;
    seg = (size_t)(m[1].rm_eo - m[1].rm_so);
    return e->uuid ? uuid_ok(s->uri + m[1].rm_so, seg) : seg == TOKEN_LEN;
}

/* A CORS preflight: it asks the database whether the Origin may call, with no
 * credential (browsers send none with a preflight). */
static int
is_preflight(const struct seen *s)
{
    return s->e->preflight && strcmp(s->method, "OPTIONS") == 0 && s->origin;
}

static int
is_bool_key(json_object *o, const char *key)
{
    json_object *v = NULL;

    return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean);
}

/* The update's own conditions for a database call (status and user_data checked). */
static const char *
why_no_db_update(const struct seen *s, json_object *body)
{
    json_object *v = NULL, *data = NULL;
    int signed_birthdate = s->auth == user_hs;

    if (json_object_object_get_ex(body, "session_id", &v) &&
        (!json_object_is_type(v, json_type_string) ||
         !uuid_ok(json_object_get_string(v), (size_t)json_object_get_string_len(v))))
        return "a session_id that is no UUID string";
    if (json_object_object_get_ex(body, "claims_token", &v)) {
        if (!json_object_is_type(v, json_type_string) ||
            strcmp(json_object_get_string(v), claims_tok) != 0)
            return "a claims_token not minted here";
        signed_birthdate = 1;
    }
    if (!json_object_object_get_ex(body, "user_data", &data))
        return NULL; /* declined */
    /* (a value of another kind is the database's to refuse) */
    if (!signed_birthdate && (is_bool_key(data, "is_over_18") || is_bool_key(data, "is_over_21")))
        return "is_over_18 or is_over_21 without a signed birthdate";
    if (is_bool_key(data, "is_verified"))
        return "the is_verified scope without a signed claim";
    return NULL;
}

/* Could this request have passed validation, i.e. been sent to the database? */
static const char *
why_no_db(const struct seen *s)
{
    const struct endpoint *e = s->e;
    const char *bt = bearer_token(s->auth);
    json_object *body = NULL, *v = NULL;
    const char *r = NULL;
    char qtok[TOKEN_LEN + 8];

    if (!path_valid(s))
        return "path does not match, or a malformed id in it";
    if (is_preflight(s))
        return NULL;
    if (!method_allowed(e, s->method))
        return "method not allowed";
    switch (e->cred) {
    case CRED_BASIC:
        if (!s->auth || strncasecmp(s->auth, "Basic ", 6) != 0)
            return "no Basic credential";
        break;
    case CRED_APP:
        if (app_cred(s->auth, s->apikey) != 1)
            return "no app credential, or a malformed one";
        break;
    case CRED_USER:
        if (!s->minted)
            return "no user token minted by the harness";
        break;
    case CRED_BROWSER:
        if (app_cred(s->auth, s->apikey) < 0)
            return "a malformed app credential";
        if (!is_token(bt) && !is_token(s->apikey) && !is_token(s->stoken))
            return "no session token or app credential";
        break;
    case CRED_QR:
        if (s->stoken ? !is_token(s->stoken)
                      : ref_query_param(s->uri, "token", qtok, sizeof qtok) < 0 || !is_token(qtok))
            return "no well-formed session token";
        break;
    }
    if (e->h != session_create && e->h != session_update)
        return NULL;
    if (!s->ctype || strncasecmp(s->ctype, "application/json", 16) != 0 ||
        !strchr("; ", s->ctype[16]))
        return "not application/json";
    if (json_parse_strict(s->body, s->body_len, MAX_BODY, 32, &body) != JSON_OK)
        return "body is not strict JSON";
    if (e->h == session_create) {
        if (!json_object_object_get_ex(body, "scope", &v) ||
            !json_object_is_type(v, json_type_string))
            r = "create without a scope string";
    } else {
        const char *st = json_object_object_get_ex(body, "status", &v) &&
                                 json_object_is_type(v, json_type_string)
                             ? json_object_get_string(v)
                             : "";
        if (strcmp(st, "confirmed") != 0 && strcmp(st, "declined") != 0)
            r = "update without a valid status";
        else if (strcmp(st, "confirmed") == 0 &&
                 (!json_object_object_get_ex(body, "user_data", &v) ||
                  !json_object_is_type(v, json_type_object) || json_object_object_length(v) == 0))
            r = "confirmed without user_data";
        else
            r = why_no_db_update(s, body);
    }
    json_object_put(body);
    return r;
}

static void
check_header_lines(const char *h, size_t len)
{
    const char *p = h, *end = h + len;

    while (p < end) {
        const char *crlf = memmem(p, (size_t)(end - p), "\r\n", 2);
        const char *colon;

        if (!crlf)
            fail("header block not made of CRLF lines", NULL);
        colon = memchr(p, ':', (size_t)(crlf - p));
        if (!colon || colon == p || colon[1] != ' ' || memchr(p, '\r', (size_t)(crlf - p)) ||
            memchr(p, '\n', (size_t)(crlf - p)))
            fail("malformed header line", NULL);
        p = crlf + 2;
    }
}

static const char *
error_code_for(int status)
{
    switch (status) {
    case 400:
        return "invalid_request invalid_scope unsupported_grant_type";
    case 401:
        return "invalid_client invalid_token";
    case 404:
        return "not_found";
    case 405:
        return "method_not_allowed";
    case 413:
        return "payload_too_large";
    case 415:
        return "unsupported_media_type";
    case 503:
        return "unavailable";
    default:
        return NULL;
    }
}

static int
word_in(const char *words, const char *w)
{
    size_t n = strlen(w);

    for (const char *p = words; *p; p += strcspn(p, " "), p += *p == ' ')
        if (n > 0 && strncmp(p, w, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* The checks common to both ways in. body is NULL for a HEAD answer (no_body);
 * headers holds the header lines; by_serve: serve() answered, not the handler. */
static void
check_answer(const struct seen *s, int status, json_object *body, int no_body, const char *headers,
             int by_serve)
{
    const char *codes = error_code_for(status), *why;
    json_object *v = NULL;
    char msg[160];
    int allowed = method_allowed(s->e, s->method);

    snprintf(msg, sizeof msg, "%s: status %d", s->e->name, status);
    if (!codes)
        fail("status outside 400 401 404 405 413 415 503", msg);
    if (!no_body) {
        if (!json_object_is_type(body, json_type_object) ||
            !json_object_object_get_ex(body, "error", &v) ||
            !json_object_is_type(v, json_type_string))
            fail("error answer without an \"error\" string", msg);
        if (!word_in(codes, json_object_get_string(v)) ||
            !json_object_object_get_ex(body, "error_description", &v) ||
            !json_object_is_type(v, json_type_string))
            fail("error code does not match the status, or no error_description", msg);
    }
    if ((status == 401 && !strstr(headers, "WWW-Authenticate: ")) ||
        (status == 405 && !strstr(headers, "Allow: ")) ||
        (status == 503 && !strstr(headers, "Retry-After: ")))
        fail("401 without WWW-Authenticate, 405 without Allow or 503 without Retry-After", msg);
    if (by_serve)
        return;
    /* Endpoints look at the path or the method first; with a valid path a method
     * not allowed is a 405 either way, except a CORS preflight. */
    if (status == 405 && allowed)
        fail("405 for an allowed method", msg);
    if (status != 405 && !allowed && !is_preflight(s) && path_valid(s))
        fail("a method not allowed, on a valid path, answered other than 405", msg);
    if (status == 503 && (why = why_no_db(s)) != NULL) {
        fprintf(report, "fuzz-request: %s reached the database although: %s\n", s->e->name, why);
        fail("a request that must be refused passed validation", msg);
    }
}

/* --- the two ways in --------------------------------------------------------------- */

static void
run_direct(struct seen *s, const struct request *in)
{
    struct request req = *in;
    struct response resp = {0};
    int rc;

    rc = s->e->h(&cfg, &req, &resp);
    if (rc != 0)
        fail("handler returned an internal error", s->e->name);
    if (!memchr(resp.headers, '\0', sizeof resp.headers))
        fail("header buffer not terminated", s->e->name);
    check_header_lines(resp.headers, strlen(resp.headers));
    check_answer(s, resp.status, resp.json, 0, resp.headers, 0);
    response_reset(&resp);
}

/* 1 when serve() must answer 413 before reading: CONTENT_LENGTH over the limit or
 * not a number; 0 when it reads *want bytes; -1 when this harness does not say
 * (leading blanks or a sign, which strtoull takes). */
static int
framing(const char *cl, size_t *want)
{
    unsigned long long v = 0;

    *want = 0;
    if (!cl || !*cl)
        return 0;
    if (strspn(cl, "0123456789") == strlen(cl)) {
        for (const char *p = cl; *p; p++) {
            v = v * 10 + (unsigned)(*p - '0');
            if (v > MAX_BODY)
                return 1;
        }
        *want = (size_t)v;
        return 0;
    }
    if (strspn(cl, "0123456789 \t\n\v\f\r+-") == strlen(cl))
        return -1;
    return 1;
}

static void
run_cgi(struct seen *s, const char *const *fields, const uint8_t *body, size_t body_len)
{
    FILE *in = NULL, *out = NULL, *saved_in = stdin, *saved_out = stdout;
    char *buf = NULL, msg[96];
    size_t len = 0, want = 0, clen;
    const char *head_end, *cl;
    char *headers;
    json_object *json = NULL;
    int status, f413;

    for (int f = 0; f < F_BODY; f++) {
        if (fields[f])
            setenv(env_names[f], fields[f], 1);
        else
            unsetenv(env_names[f]);
    }
    f413 = framing(fields[F_CLEN], &want);
    in = fmemopen((void *)body, body_len, "r");
    out = open_memstream(&buf, &len);
    if (!in || !out)
        fail("fmemopen or open_memstream", NULL);
    stdin = in;
    stdout = out;
    server_main("fuzz-request", s->e->h);
    stdin = saved_in;
    stdout = saved_out;
    fclose(in);
    fclose(out);

    /* What the handler saw: serve() reads at most CONTENT_LENGTH bytes. */
    if (f413 == 0) {
        s->body_len = body_len < want ? body_len : want;
        s->body_short = body_len < want;
    }
    snprintf(msg, sizeof msg, "%s through server_main", s->e->name);
    head_end = memmem(buf, len, "\r\n\r\n", 4);
    if (strncmp(buf, "Status: ", 8) != 0 || !head_end)
        fail("output does not start with a Status line and a header block", msg);
    status = atoi(buf + 8);
    check_header_lines(buf, (size_t)(head_end - buf) + 2);
    if (!memmem(buf, (size_t)(head_end - buf), "\r\nCache-Control: no-store\r\n", 27) ||
        !memmem(buf, (size_t)(head_end - buf), "\r\nX-Content-Type-Options: nosniff\r\n", 35) ||
        !memmem(buf, (size_t)(head_end - buf), "\r\nReferrer-Policy: no-referrer\r\n", 32))
        fail("a hardening header is missing", msg);
    cl = memmem(buf, (size_t)(head_end - buf), "\r\nContent-Length: ", 18);
    if (!cl)
        fail("no Content-Length", msg);
    clen = strtoul(cl + 18, NULL, 10);
    len -= (size_t)(head_end + 4 - buf);
    if (strcmp(s->method, "HEAD") == 0 ? len != 0 : len != clen)
        fail("Content-Length is not the length of the body written", msg);
    if (f413 >= 0 && (status == 413) != (f413 == 1))
        fail("413 when CONTENT_LENGTH is within max_body, or none when it is over", msg);
    if (f413 == 0 && s->body_short && status != 400)
        fail("a body shorter than CONTENT_LENGTH not answered 400", msg);
    if (len > 0) {
        char *text = xstrndup(head_end + 4, len);

        json = json_tokener_parse(text);
        free(text);
        if (!json)
            fail("the body is not JSON", msg);
    }
    headers = xstrndup(buf, (size_t)(head_end - buf) + 2);
    /* HEAD: no body to look into. serve() answers a too large (413) or short (400)
     * body itself, without the handler; f413 < 0 (strtoull's leniency): the length
     * is not known here, so a 413 or 400 may be serve()'s. */
    check_answer(s, status, json, strcmp(s->method, "HEAD") == 0, headers,
                 (status == 413 && f413 != 0) || (f413 == 0 && s->body_short) ||
                     (f413 < 0 && status == 400));
    free(headers);
    json_object_put(json);
    free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *fields[F_BODY] = {0};
    char *owned[F_BODY] = {0};
    const uint8_t *p, *end, *body = (const uint8_t *)"";
    uint8_t *with_claims = NULL;
    size_t body_len = 0;
    struct request req = {0};
    struct seen s = {0};
    int sel;

    if (size < 1)
        return 0;
    sel = data[0];
    p = data + 1;
    end = data + size;
    for (int f = 0; f < F_COUNT && p <= end; f++) {
        const uint8_t *nl = f == F_BODY ? NULL : memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

        if (f == F_BODY) {
            body = p;
            body_len = n;
            break;
        }
        if (!(n == 1 && p[0] == 1)) {
            owned[f] = xstrndup((const char *)p, n); /* a NUL cuts it, as in an environment */
            fields[f] = owned[f];
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    if (fields[F_AUTH] &&
        (strcmp(fields[F_AUTH], "@user") == 0 || strcmp(fields[F_AUTH], "@user-ed") == 0)) {
        fields[F_AUTH] = strcmp(fields[F_AUTH], "@user") == 0 ? user_hs : user_ed;
        s.minted = 1;
    }

    /* the first "@claims" of the body: the claims token minted here, quoted */
    {
        static const char mark[] = "\"@claims\"";
        const uint8_t *at = memmem(body, body_len, mark, sizeof mark - 1);

        if (at) {
            size_t pre = (size_t)(at - body), tl = strlen(claims_tok);
            size_t post = body_len - pre - (sizeof mark - 1), n = pre + tl + 2 + post;

            with_claims = xmalloc(n);
            memcpy(with_claims, body, pre);
            with_claims[pre] = '"';
            memcpy(with_claims + pre + 1, claims_tok, tl);
            with_claims[pre + 1 + tl] = '"';
            memcpy(with_claims + pre + 2 + tl, at + sizeof mark - 1, post);
            body = with_claims;
            body_len = n;
        }
    }

    if (fields[F_URI]) {
        check_route(fields[F_URI], 1 + size % 48);
        check_query(fields[F_URI], 1 + size % 20);
    }

    s.e = &endpoints[(sel & 0x0f) % NENDPOINTS];
    s.method = fields[F_METHOD] ? fields[F_METHOD] : "GET";
    s.uri = fields[F_URI];
    s.ctype = fields[F_CTYPE];
    s.auth = fields[F_AUTH];
    s.apikey = fields[F_APIKEY];
    s.stoken = fields[F_STOKEN];
    s.origin = fields[F_ORIGIN];
    s.body = (const char *)body;
    s.body_len = body_len;
    if (sel & 0x10) {
        run_cgi(&s, fields, body, body_len);
    } else {
        char *b = xmalloc(body_len + 1);

        memcpy(b, body, body_len);
        b[body_len] = '\0';
        req.method = s.method;
        req.uri = fields[F_URI];
        req.content_type = fields[F_CTYPE];
        req.authorization = fields[F_AUTH];
        req.api_key = fields[F_APIKEY];
        req.session_token = fields[F_STOKEN];
        req.if_none_match = fields[F_INM];
        req.origin = fields[F_ORIGIN];
        req.body = b;
        req.body_len = body_len;
        s.body = b;
        run_direct(&s, &req);
        free(b);
    }
    for (int f = 0; f < F_BODY; f++)
        free(owned[f]);
    free(with_claims);
    return 0;
}
