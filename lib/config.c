/* config.c - see config.h.
 *
 * The file is INI, read with libinih. Lines are "name = value" under a
 * "[section]" header; lines starting with ';' or '#' are comments, and " ;"
 * starts a comment at the end of a line. Names, section names and values are
 * case-sensitive. Keys must not be indented (libinih reads an indented line after
 * a key as a continuation of its value); a line holds at most 198 characters.
 * Every section may appear once and must hold at least one key; every key at
 * most once per section. Relative file paths are relative to the directory of
 * this file. Key files hold 32 raw bytes, or those 32 bytes as 43 base64url
 * characters without padding, optionally followed by one newline.
 *
 *   [database]
 *   conninfo = <libpq connection string>   default "": libpq's PG* environment
 *
 *   [server]
 *   public_url = http(s)://host[/path]      default http://localhost; no trailing '/'
 *   url_template = <url>                    default {public_url}/authorize/{session_token};
 *                                           must contain {session_token}
 *   max_body = <bytes>                      1024..16777216, default 65536
 *   poll_interval = <seconds>               1..60, default 2
 *   access_token_ttl = <seconds>            60..2592000, default 86400
 *   token_issuer = <iss of client tokens>   default public_url
 *   organization_id = <text>                the token answer's organization_id;
 *                                           default: the application's id
 *   active_seal_key = <id>                  required; a [seal_key <id>] below
 *
 *   [users]
 *   audience = <aud of user tokens>         no default; the phone endpoints need it
 *   leeway = <seconds>                      0..60, default 60
 *   pairwise_key_file = <path>              required; key file
 *
 *   [user_key <kid>]                        up to 16; kid: 1..64 of A-Z a-z 0-9 . _ -
 *   alg = EdDSA | HS256                     required
 *   issuer = <iss>                          required
 *   key = <base64url, no padding>           required; EdDSA: the 32-byte Ed25519 public
 *                                           key; HS256: a 32..64-byte secret
 *
 *   [seal_key <id>]                         up to 8; id like kid
 *   file = <path>                           required; key file
 *
 *   [push]                                  qrshare-push only (the executables ignore it)
 *   conninfo = <libpq connection string>    default "": libpq's PG* environment; log in
 *                                           as qrshare_push
 *   listen_address = <IPv4 or IPv6 address> default 127.0.0.1
 *   listen_port = <port>                    1..65535, default 8091
 *   max_connections = <n>                   16..1000000, default 20000
 *   header_timeout = <seconds>              1..60, default 10
 *   ping_interval = <seconds>               1..25, default 25
 *   max_output = <bytes>                    1024..16777216, default 65536
 *   sse_retry = <milliseconds>              100..600000, default 3000
 *
 * The file must be owned by root or by the user reading it (the service user), and
 * not be writable by others: whoever can change it chooses the database, the keys and
 * the trusted issuers. A key file must not be readable or writable by others (it may
 * be group-readable: root:qrshare 0640). Both are judged on the opened file (fstat),
 * and reported at line 1 for the conf, at the naming line for a key file.
 *
 * Errors read "path:line: message"; a section that lacks a key is reported at
 * its header. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ini.h>
#include <sodium.h>
#include "config.h"

#define ID_MAX 64

enum section_kind {
    SEC_NONE, /* before the first header */
    SEC_BAD,  /* a header already reported as an error: its keys are skipped */
    SEC_DATABASE,
    SEC_SERVER,
    SEC_USERS,
    SEC_USER_KEY,
    SEC_SEAL_KEY,
    SEC_PUSH,
};

enum key_name {
    K_CONNINFO,
    K_PUBLIC_URL,
    K_URL_TEMPLATE,
    K_MAX_BODY,
    K_POLL_INTERVAL,
    K_ACCESS_TOKEN_TTL,
    K_TOKEN_ISSUER,
    K_ORGANIZATION_ID,
    K_ACTIVE_SEAL_KEY,
    K_AUDIENCE,
    K_LEEWAY,
    K_PAIRWISE_KEY_FILE,
    K_ALG,
    K_ISSUER,
    K_KEY,
    K_FILE,
    K_PUSH_CONNINFO,
    K_PUSH_ADDRESS,
    K_PUSH_PORT,
    K_PUSH_MAX_CONNECTIONS,
    K_PUSH_HEADER_TIMEOUT,
    K_PUSH_PING_INTERVAL,
    K_PUSH_MAX_OUTPUT,
    K_PUSH_SSE_RETRY,
    K_COUNT
};

static const struct {
    enum section_kind section;
    const char *name;
} keys[K_COUNT] = {
    [K_CONNINFO] = {SEC_DATABASE, "conninfo"},
    [K_PUBLIC_URL] = {SEC_SERVER, "public_url"},
    [K_URL_TEMPLATE] = {SEC_SERVER, "url_template"},
    [K_MAX_BODY] = {SEC_SERVER, "max_body"},
    [K_POLL_INTERVAL] = {SEC_SERVER, "poll_interval"},
    [K_ACCESS_TOKEN_TTL] = {SEC_SERVER, "access_token_ttl"},
    [K_TOKEN_ISSUER] = {SEC_SERVER, "token_issuer"},
    [K_ORGANIZATION_ID] = {SEC_SERVER, "organization_id"},
    [K_ACTIVE_SEAL_KEY] = {SEC_SERVER, "active_seal_key"},
    [K_AUDIENCE] = {SEC_USERS, "audience"},
    [K_LEEWAY] = {SEC_USERS, "leeway"},
    [K_PAIRWISE_KEY_FILE] = {SEC_USERS, "pairwise_key_file"},
    [K_ALG] = {SEC_USER_KEY, "alg"},
    [K_ISSUER] = {SEC_USER_KEY, "issuer"},
    [K_KEY] = {SEC_USER_KEY, "key"},
    [K_FILE] = {SEC_SEAL_KEY, "file"},
    [K_PUSH_CONNINFO] = {SEC_PUSH, "conninfo"},
    [K_PUSH_ADDRESS] = {SEC_PUSH, "listen_address"},
    [K_PUSH_PORT] = {SEC_PUSH, "listen_port"},
    [K_PUSH_MAX_CONNECTIONS] = {SEC_PUSH, "max_connections"},
    [K_PUSH_HEADER_TIMEOUT] = {SEC_PUSH, "header_timeout"},
    [K_PUSH_PING_INTERVAL] = {SEC_PUSH, "ping_interval"},
    [K_PUSH_MAX_OUTPUT] = {SEC_PUSH, "max_output"},
    [K_PUSH_SSE_RETRY] = {SEC_PUSH, "sse_retry"},
};

/* What config_load knows while libinih reads the file. */
struct ctx {
    const char *path;
    FILE *f;
    struct config *cfg;
    int line;                       /* of the line libinih is handling */
    int indented;                   /* that line starts with blanks */
    char header[256];               /* the name in the last [header] read */
    int header_line;                /* its line */
    int header_pending;             /* no key seen since that header */
    int header_content;             /* a line other than a comment since that header */
    unsigned sections;              /* bit per SEC_* already seen, for the singletons */
    int section_line[SEC_PUSH + 1]; /* header line of each singleton section */
    int active_line;                /* of active_seal_key */
    int fail_line;                  /* first line where the handler failed */
    struct {
        enum section_kind kind;
        int line;
        unsigned keys_seen; /* bit per K_* */
        int key_line;
        struct config_user_key *user_key;
        struct config_seal_key *seal_key;
    } cur;
    int err_line; /* 0: no error yet */
    char err[256];
};

static void set_error(struct ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Keeps the error on the earliest line: the one to fix first. */
static void
set_error(struct ctx *c, int line, const char *fmt, ...)
{
    va_list ap;

    if (c->err_line != 0 && c->err_line <= line)
        return;
    c->err_line = line;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
}

static int
valid_id(const char *s)
{
    static const char allowed[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";
    size_t n = strlen(s);

    return n >= 1 && n <= ID_MAX && strspn(s, allowed) == n;
}

/* For "<kind> <id>" sections: the id, or NULL when name is not of that kind. */
static const char *
section_id(const char *name, const char *kind)
{
    size_t n = strlen(kind);

    if (strncmp(name, kind, n) != 0 || (name[n] != ' ' && name[n] != '\0'))
        return NULL;
    return name[n] == ' ' ? name + n + 1 : name + n;
}

static char *
resolve(const struct ctx *c, const char *file)
{
    const char *slash = strrchr(c->path, '/');

    if (file[0] == '/' || slash == NULL)
        return xstrdup(file);
    return xasprintf("%.*s/%s", (int)(slash - c->path), c->path, file);
}

/* Reads a key file: 32 raw bytes, or 43 base64url characters and maybe a newline. */
static int
read_key_file(struct ctx *c, const char *what, const char *file, unsigned char key[32])
{
    char *path = NULL;
    FILE *f = NULL;
    unsigned char buf[46];
    struct stat st;
    size_t n = 0;
    size_t len = 0;
    int ret = -1;

    if (file[0] == '\0') {
        set_error(c, c->line, "%s: empty path", what);
        goto out;
    }
    path = resolve(c, file);
    f = fopen(path, "rb");
    if (f == NULL) {
        set_error(c, c->line, "%s: cannot open %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) != 0) {
        set_error(c, c->line, "%s: cannot stat %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (st.st_mode & (S_IROTH | S_IWOTH)) {
        set_error(c, c->line, "%s: %s is %s by others (mode %04o): chmod o-rwx it", what, file,
                  st.st_mode & S_IROTH ? "readable" : "writable", (unsigned)(st.st_mode & 07777));
        goto out;
    }
    n = fread(buf, 1, sizeof(buf), f);
    if (ferror(f)) {
        set_error(c, c->line, "%s: cannot read %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (n == 32) {
        memcpy(key, buf, 32);
        ret = 0;
        goto out;
    }
    if (n == 44 && buf[43] == '\n')
        n = 43;
    if (n == 43 &&
        sodium_base642bin(key, 32, (const char *)buf, n, NULL, &len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
        len == 32) {
        ret = 0;
        goto out;
    }
    set_error(c, c->line, "%s: %s must hold 32 bytes, or 43 base64url characters", what, path);
out:
    sodium_memzero(buf, sizeof(buf));
    if (f != NULL)
        fclose(f);
    free(path);
    return ret;
}

static int
set_int(struct ctx *c, const char *name, const char *value, long min, long max, long *out)
{
    char *end = NULL;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || errno != 0 || *end != '\0' || v < min || v > max) {
        set_error(c, c->line, "%s must be a whole number from %ld to %ld", name, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static int
set_string(struct ctx *c, const char *name, const char *value, int may_be_empty, char **out)
{
    if (!may_be_empty && value[0] == '\0') {
        set_error(c, c->line, "%s must not be empty", name);
        return -1;
    }
    free(*out);
    *out = xstrdup(value);
    return 0;
}

/* Checks the section just read as a whole: called at the next header and at the
 * end of the file. */
static void
section_end(struct ctx *c)
{
    struct config_user_key *k = c->cur.user_key;
    unsigned seen = c->cur.keys_seen;

    if (c->header_pending && !c->header_content)
        set_error(c, c->header_line, "empty section");
    c->header_pending = 0;
    if (c->cur.kind == SEC_USER_KEY) {
        const char *missing = !(seen & (1u << K_ALG))      ? "alg"
                              : !(seen & (1u << K_ISSUER)) ? "issuer"
                              : !(seen & (1u << K_KEY))    ? "key"
                                                           : NULL;

        if (missing != NULL)
            set_error(c, c->cur.line, "[%s] has no %s", c->header, missing);
        else if (k->alg == JWT_ALG_EDDSA && k->key_len != 32)
            set_error(c, c->cur.key_line, "key: an EdDSA key is 32 bytes, this one %zu",
                      k->key_len);
        else if (k->alg == JWT_ALG_EDDSA && !crypto_core_ed25519_is_valid_point(k->key))
            set_error(c, c->cur.key_line, "key: not a usable Ed25519 public key");
        else if (k->alg == JWT_ALG_HS256 && (k->key_len < 32 || k->key_len > 64))
            set_error(c, c->cur.key_line, "key: an HS256 secret is 32 to 64 bytes, this one %zu",
                      k->key_len);
    }
    memset(&c->cur, 0, sizeof(c->cur));
}

static void
section_begin(struct ctx *c)
{
    struct config *cfg = c->cfg;
    const char *name = c->header;
    enum section_kind kind = SEC_BAD;
    const char *id = NULL;

    c->header_pending = 0;
    c->cur.line = c->header_line;
    c->cur.kind = SEC_BAD;
    if (strcmp(name, "database") == 0) {
        kind = SEC_DATABASE;
    } else if (strcmp(name, "server") == 0) {
        kind = SEC_SERVER;
    } else if (strcmp(name, "users") == 0) {
        kind = SEC_USERS;
    } else if (strcmp(name, "push") == 0) {
        kind = SEC_PUSH;
    } else if ((id = section_id(name, "user_key")) != NULL) {
        kind = SEC_USER_KEY;
    } else if ((id = section_id(name, "seal_key")) != NULL) {
        kind = SEC_SEAL_KEY;
    } else {
        set_error(c, c->header_line, "unknown section [%s]", name);
        return;
    }

    if (id != NULL && !valid_id(id)) {
        set_error(c, c->header_line, "[%s]: an id is 1 to %d of A-Z a-z 0-9 . _ -", name, ID_MAX);
        return;
    }
    if (kind == SEC_USER_KEY) {
        if (config_user_key(cfg, id) != NULL) {
            set_error(c, c->header_line, "[%s] appears twice", name);
            return;
        }
        if (cfg->nkeys == CONFIG_MAX_KEYS) {
            set_error(c, c->header_line, "more than %d [user_key] sections", CONFIG_MAX_KEYS);
            return;
        }
        c->cur.user_key = &cfg->keys[cfg->nkeys++];
        c->cur.user_key->kid = xstrdup(id);
    } else if (kind == SEC_SEAL_KEY) {
        if (config_seal_key(cfg, id) != NULL) {
            set_error(c, c->header_line, "[%s] appears twice", name);
            return;
        }
        if (cfg->nseal_keys == CONFIG_MAX_SEAL_KEYS) {
            set_error(c, c->header_line, "more than %d [seal_key] sections", CONFIG_MAX_SEAL_KEYS);
            return;
        }
        c->cur.seal_key = &cfg->seal_keys[cfg->nseal_keys++];
        c->cur.seal_key->id = xstrdup(id);
    } else {
        if (c->sections & (1u << kind)) {
            set_error(c, c->header_line, "[%s] appears twice", name);
            return;
        }
        c->sections |= 1u << kind;
        c->section_line[kind] = c->header_line;
    }
    c->cur.kind = kind;
}

static int
set_key(struct ctx *c, enum key_name k, const char *value)
{
    struct config *cfg = c->cfg;
    struct config_user_key *uk = c->cur.user_key;
    long v = 0;
    size_t len = 0;

    switch (k) {
    case K_CONNINFO:
        return set_string(c, "conninfo", value, 1, &cfg->db_conninfo);
    case K_PUBLIC_URL:
        if (strncmp(value, "http://", 7) != 0 && strncmp(value, "https://", 8) != 0) {
            set_error(c, c->line, "public_url must start with http:// or https://");
            return -1;
        }
        if (value[strlen(value) - 1] == '/') {
            set_error(c, c->line, "public_url must not end with '/'");
            return -1;
        }
        return set_string(c, "public_url", value, 0, &cfg->public_url);
    case K_URL_TEMPLATE:
        if (strstr(value, "{session_token}") == NULL) {
            set_error(c, c->line, "url_template must contain {session_token}");
            return -1;
        }
        return set_string(c, "url_template", value, 0, &cfg->url_template);
    case K_MAX_BODY:
        if (set_int(c, "max_body", value, 1024, 16777216, &v) < 0)
            return -1;
        cfg->max_body = (size_t)v;
        return 0;
    case K_POLL_INTERVAL:
        if (set_int(c, "poll_interval", value, 1, 60, &v) < 0)
            return -1;
        cfg->poll_interval = (int)v;
        return 0;
    case K_ACCESS_TOKEN_TTL:
        if (set_int(c, "access_token_ttl", value, 60, 2592000, &v) < 0)
            return -1;
        cfg->access_token_ttl = (int)v;
        return 0;
    case K_TOKEN_ISSUER:
        return set_string(c, "token_issuer", value, 0, &cfg->token_issuer);
    case K_ORGANIZATION_ID:
        return set_string(c, "organization_id", value, 0, &cfg->organization_id);
    case K_ACTIVE_SEAL_KEY:
        if (!valid_id(value)) {
            set_error(c, c->line, "active_seal_key: an id is 1 to %d of A-Z a-z 0-9 . _ -", ID_MAX);
            return -1;
        }
        c->active_line = c->line;
        return set_string(c, "active_seal_key", value, 0, &cfg->active_seal_key);
    case K_AUDIENCE:
        return set_string(c, "audience", value, 0, &cfg->audience);
    case K_LEEWAY:
        if (set_int(c, "leeway", value, 0, 60, &v) < 0)
            return -1;
        cfg->leeway = (int)v;
        return 0;
    case K_PAIRWISE_KEY_FILE:
        if (read_key_file(c, "pairwise_key_file", value, cfg->pairwise_key) < 0)
            return -1;
        cfg->have_pairwise_key = 1;
        return 0;
    case K_ALG:
        if (strcmp(value, "EdDSA") == 0) {
            uk->alg = JWT_ALG_EDDSA;
        } else if (strcmp(value, "HS256") == 0) {
            uk->alg = JWT_ALG_HS256;
        } else {
            set_error(c, c->line, "alg must be EdDSA or HS256");
            return -1;
        }
        return 0;
    case K_ISSUER:
        return set_string(c, "issuer", value, 0, &uk->issuer);
    case K_KEY:
        /* The length is checked against alg at the end of the section. */
        c->cur.key_line = c->line;
        if (sodium_base642bin(uk->key, sizeof(uk->key), value, strlen(value), NULL, &len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
            len == 0) {
            set_error(c, c->line, "key must be base64url without padding, at most %zu bytes",
                      sizeof(uk->key));
            return -1;
        }
        uk->key_len = len;
        return 0;
    case K_FILE:
        return read_key_file(c, "file", value, c->cur.seal_key->key);
    case K_PUSH_CONNINFO:
        return set_string(c, "conninfo", value, 1, &cfg->push_conninfo);
    case K_PUSH_ADDRESS:
        return set_string(c, "listen_address", value, 0, &cfg->push_address);
    case K_PUSH_PORT:
        if (set_int(c, "listen_port", value, 1, 65535, &v) < 0)
            return -1;
        cfg->push_port = (int)v;
        return 0;
    case K_PUSH_MAX_CONNECTIONS:
        if (set_int(c, "max_connections", value, 16, 1000000, &v) < 0)
            return -1;
        cfg->push_max_connections = (int)v;
        return 0;
    case K_PUSH_HEADER_TIMEOUT:
        if (set_int(c, "header_timeout", value, 1, 60, &v) < 0)
            return -1;
        cfg->push_header_timeout = (int)v;
        return 0;
    case K_PUSH_PING_INTERVAL:
        /* 25 s at most: proxies and NAT boxes drop idle connections after 30 s or more */
        if (set_int(c, "ping_interval", value, 1, 25, &v) < 0)
            return -1;
        cfg->push_ping_interval = (int)v;
        return 0;
    case K_PUSH_MAX_OUTPUT:
        if (set_int(c, "max_output", value, 1024, 16777216, &v) < 0)
            return -1;
        cfg->push_max_output = (size_t)v;
        return 0;
    case K_PUSH_SSE_RETRY:
        if (set_int(c, "sse_retry", value, 100, 600000, &v) < 0)
            return -1;
        cfg->push_sse_retry = (int)v;
        return 0;
    case K_COUNT:
        break;
    }
    return -1;
}

/* One name = value line. 0 / -1. */
static int
take_key(struct ctx *c, const char *section, const char *name, const char *value)
{
    int k;

    (void)section; /* cut at 49 bytes by libinih: the reader keeps it whole */
    if (c->header_pending)
        section_begin(c);
    if (c->cur.kind == SEC_BAD)
        return 0;
    if (c->cur.kind == SEC_NONE) {
        set_error(c, c->line, "%s is outside any [section]", name);
        return -1;
    }
    for (k = 0; k < K_COUNT; k++) {
        if (keys[k].section == c->cur.kind && strcmp(keys[k].name, name) == 0)
            break;
    }
    if (k == K_COUNT) {
        set_error(c, c->line, "unknown key %s in [%s]", name, c->header);
        return -1;
    }
    if (c->cur.keys_seen & (1u << k)) {
        if (c->indented)
            set_error(c, c->line, "indented line: keys must start at the beginning of the line");
        else
            set_error(c, c->line, "%s is set twice in [%s]", name, c->header);
        return -1;
    }
    c->cur.keys_seen |= 1u << k;
    return set_key(c, (enum key_name)k, value);
}

/* libinih's handler: 0 on error, so that libinih counts it. */
static int
handler(void *user, const char *section, const char *name, const char *value)
{
    struct ctx *c = user;

    if (take_key(c, section, name, value) == 0)
        return 1;
    if (c->fail_line == 0)
        c->fail_line = c->line;
    return 0;
}

/* libinih's reader: one line as fgets would read it, plus what the handler cannot
 * see by itself: the line number, where sections start and their whole names,
 * indentation, NUL bytes (fgets would hide what follows one) and lines too long for
 * libinih. */
static char *
reader(char *str, int num, void *user)
{
    struct ctx *c = user;
    const char *p = str;
    const char *end = NULL;
    size_t len = 0;
    int ch = EOF;

    while (len + 1 < (size_t)num && (ch = getc(c->f)) != EOF) {
        if (ch == '\0') {
            set_error(c, c->line + 1, "NUL byte in the file");
            c->header_content = 1; /* the rest is unread: not an empty section */
            return NULL;
        }
        str[len++] = (char)ch;
        if (ch == '\n')
            break;
    }
    if (len == 0)
        return NULL;
    str[len] = '\0';
    c->line++;
    if (c->line == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    c->indented = *p == ' ' || *p == '\t';
    p += strspn(p, " \t");
    if (*p == '[') {
        section_end(c);
        size_t name_len;

        end = strchr(p, ']');
        name_len = end != NULL ? (size_t)(end - p - 1) : 0;
        if (name_len >= sizeof(c->header))
            set_error(c, c->line, "section name too long");
        snprintf(c->header, sizeof(c->header), "%.*s", (int)name_len, p + 1);
        c->header_line = c->line;
        c->header_pending = 1;
        c->header_content = 0;
    } else if (strchr(";#\r\n", *p) == NULL) { /* not blank, not a comment */
        c->header_content = 1;
    }
    if (len == (size_t)num - 1 && str[len - 1] != '\n') {
        if ((ch = getc(c->f)) != EOF) {
            set_error(c, c->line, "line too long (at most %d characters)", num - 2);
            return NULL; /* libinih would read the rest as a line of its own */
        }
    }
    return str;
}

void
config_free(struct config *cfg)
{
    if (cfg == NULL)
        return;
    free(cfg->db_conninfo);
    free(cfg->public_url);
    free(cfg->url_template);
    free(cfg->token_issuer);
    free(cfg->organization_id);
    free(cfg->audience);
    free(cfg->active_seal_key);
    free(cfg->push_conninfo);
    free(cfg->push_address);
    for (size_t i = 0; i < cfg->nkeys; i++) {
        free(cfg->keys[i].kid);
        free(cfg->keys[i].issuer);
    }
    for (size_t i = 0; i < cfg->nseal_keys; i++)
        free(cfg->seal_keys[i].id);
    sodium_memzero(cfg, sizeof(*cfg));
}

int
config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
    struct ctx c;
    struct stat st;
    int line;
    int ret = -1;

    memset(cfg, 0, sizeof(*cfg));
    memset(&c, 0, sizeof(c));
    c.path = path;
    c.cfg = cfg;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (sodium_init() < 0) {
        snprintf(err, errlen, "%s: libsodium cannot start", path);
        goto out;
    }
    cfg->db_conninfo = xstrdup("");
    cfg->public_url = xstrdup("http://localhost");
    cfg->url_template = xstrdup("{public_url}/authorize/{session_token}");
    cfg->max_body = 65536;
    cfg->poll_interval = 2;
    cfg->access_token_ttl = 86400;
    cfg->leeway = 60;
    cfg->push_conninfo = xstrdup("");
    cfg->push_address = xstrdup("127.0.0.1");
    cfg->push_port = 8091;
    cfg->push_max_connections = 20000;
    cfg->push_header_timeout = 10;
    cfg->push_ping_interval = 25;
    cfg->push_max_output = 65536;
    cfg->push_sse_retry = 3000;

    c.f = fopen(path, "r");
    if (c.f == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fileno(c.f), &st) != 0) {
        snprintf(err, errlen, "%s:1: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "%s:1: owned by uid %u: it must be owned by root or uid %u (the user reading it)",
                 path, (unsigned)st.st_uid, (unsigned)geteuid());
        goto out;
    }
    if (st.st_mode & S_IWOTH) {
        snprintf(err, errlen, "%s:1: writable by others (mode %04o): chmod o-w it", path,
                 (unsigned)(st.st_mode & 07777));
        goto out;
    }
    line = ini_parse_stream(reader, &c, handler, &c);
    section_end(&c);
    /* libinih gives the first line it could not parse or the handler refused. */
    if (line > 0 && line != c.fail_line && (c.err_line == 0 || line <= c.err_line)) {
        c.err_line = 0;
        set_error(&c, line, "syntax error: expected [section] or name = value");
    }
    if (c.err_line == 0 && cfg->active_seal_key != NULL &&
        config_seal_key(cfg, cfg->active_seal_key) == NULL)
        set_error(&c, c.active_line, "active_seal_key %s: there is no [seal_key %s]",
                  cfg->active_seal_key, cfg->active_seal_key);
    /* Both keys are required: nothing may be sealed or keyed with zeros. A missing key is
     * reported at its section's header, or at the last line when the section is missing. */
    if (c.err_line == 0 && cfg->active_seal_key == NULL)
        set_error(&c, c.section_line[SEC_SERVER] ? c.section_line[SEC_SERVER] : c.line + !c.line,
                  "[server] has no active_seal_key: user data could not be sealed");
    if (c.err_line == 0 && !cfg->have_pairwise_key)
        set_error(&c, c.section_line[SEC_USERS] ? c.section_line[SEC_USERS] : c.line + !c.line,
                  "[users] has no pairwise_key_file: decisions could not be recorded");
    if (c.err_line != 0) {
        snprintf(err, errlen, "%s:%d: %s", path, c.err_line, c.err);
        goto out;
    }
    if (cfg->token_issuer == NULL)
        cfg->token_issuer = xstrdup(cfg->public_url);
    ret = 0;
out:
    if (c.f != NULL)
        fclose(c.f);
    if (ret < 0)
        config_free(cfg);
    return ret;
}

const char *
config_path(void)
{
    const char *p = getenv(CONFIG_ENV);

    return p != NULL && p[0] != '\0' ? p : CONFIG_DEFAULT_PATH;
}

const struct config_user_key *
config_user_key(const struct config *cfg, const char *kid)
{
    for (size_t i = 0; i < cfg->nkeys; i++) {
        if (strcmp(cfg->keys[i].kid, kid) == 0)
            return &cfg->keys[i];
    }
    return NULL;
}

const struct config_seal_key *
config_seal_key(const struct config *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->nseal_keys; i++) {
        if (strcmp(cfg->seal_keys[i].id, id) == 0)
            return &cfg->seal_keys[i];
    }
    return NULL;
}
