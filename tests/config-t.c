/* config-t.c - config_load: a table of conf files and what each must give. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "tap.h"

/* An Ed25519 public key (RFC 8037, A.1), and HS256 secrets of bytes 0, 1, 2, ... */
#define ED "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define HS31 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg"
#define HS32 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define HS64                                                                                       \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define HS65                                                                                       \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A"
#define ID64 "a123456789b123456789c123456789d123456789e123456789f123456789g123"

struct row {
    int line;
    const char *text;
    int want;
    const char *err; /* a part of the message, for errors */
    int mode;        /* of the conf file; 0: 0600 */
    int owner;       /* chown the conf file to this uid (root only); 0: leave it */
};

/* clang-format off */
/* What every conf must hold: an active seal key and the pairwise key. SERVER_KEYS ends a
 * row whose last section is [server]. */
#define SERVER_KEYS                                                                                \
    "active_seal_key = k\n[users]\npairwise_key_file = pairwise.key\n[seal_key k]\nfile = seal.raw\n"
#define KEYS "[server]\n" SERVER_KEYS
#define OK(text) {__LINE__, text, 0, "", 0, 0}
#define BAD(text, err) {__LINE__, text, -1, err, 0, 0}
/* the conf file with that mode, or owned by that uid */
#define OK_MODE(text, mode) {__LINE__, text, 0, "", mode, 0}
#define BAD_MODE(text, mode, err) {__LINE__, text, -1, err, mode, 0}
#define BAD_OWNER(text, uid, err) {__LINE__, text, -1, err, 0, uid}
/* clang-format on */

static const struct row rows[] = {
    OK("[database]\nconninfo = host=db dbname=qrshare\n"
       "[server]\npublic_url = https://qr.example.org\n"
       "url_template = https://qr.example.org/s/{session_token}\nmax_body = 1024\n"
       "poll_interval = 60\naccess_token_ttl = 2592000\ntoken_issuer = https://qr.example.org\n"
       "organization_id = example-org\nactive_seal_key = s1\n"
       "[users]\naudience = qrshare\nleeway = 0\npairwise_key_file = pairwise.key\n"
       "[user_key k1]\nalg = EdDSA\nissuer = https://idp.example.org\nkey = " ED "\n"
       "[user_key k2]\nalg = HS256\nissuer = https://idp.example.org\nkey = " HS64 "\n"
       "[seal_key s1]\nfile = seal.raw\n[seal_key s2]\nfile = seal.b64\n"),
    OK("; only comments\n# here\n\n" KEYS),
    OK("[database]\nconninfo =\n" KEYS),
    OK("[server]\nmax_body = 16777216\npoll_interval = 1\naccess_token_ttl = 60\n" SERVER_KEYS),
    OK("[users]\nleeway = 60\npairwise_key_file = pairwise.key\n"
       "[server]\nactive_seal_key = k\n[seal_key k]\nfile = seal.raw\n"),
    OK("[user_key a.B_c-9]\nalg = HS256\nissuer = i\nkey = " HS32 "\n" KEYS),
    OK("[user_key " ID64 "]\nalg = HS256\nissuer = i\nkey = " HS32 "\n" KEYS),
    OK("[server]\r\npoll_interval = 5\r\n" SERVER_KEYS),
    OK("\xef\xbb\xbf[server]\npoll_interval = 5\n" SERVER_KEYS),
    OK("[server]\npoll_interval = 5 ; seconds\n" SERVER_KEYS),
    OK("[seal_key s1]\nfile = seal.nonl\n" KEYS),
    OK("[seal_key s1]\nfile = keys/seal.key\n" KEYS),

    /* the keys are required: reported at the section's header, else at the last line */
    BAD("", ":1: [server] has no active_seal_key: user data could not be sealed"),
    BAD("; only comments\n# here\n\n", ":3: [server] has no active_seal_key"),
    BAD("[users]\npairwise_key_file = pairwise.key\n[server]\npoll_interval = 5\n",
        ":3: [server] has no active_seal_key"),
    BAD("[server]\nactive_seal_key = k\n[seal_key k]\nfile = seal.raw\n",
        ":4: [users] has no pairwise_key_file: decisions could not be recorded"),
    BAD("[server]\nactive_seal_key = k\n[users]\naudience = a\n[seal_key k]\nfile = seal.raw\n",
        ":3: [users] has no pairwise_key_file"),
    BAD("[server]\npoll_interval = 0\n", ":2: poll_interval must be"), /* the first error wins */

    BAD("[bogus]\nx = 1\n", ":1: unknown section [bogus]"),
    BAD("[Server]\npoll_interval = 5\n", ":1: unknown section [Server]"),
    BAD("[server]\nbogus = 1\n", ":2: unknown key bogus in [server]"),
    BAD("[database]\nconninfo = a\n[server]\nconninfo = b\n", ":4: unknown key conninfo"),
    BAD("x = 1\n[server]\n", ":1: x is outside any [section]"),
    BAD("[server]\nmax_body = 1023\n", ":2: max_body must be a whole number from 1024 to 16777216"),
    BAD("[server]\nmax_body = 16777217\n", ":2: max_body must be"),
    BAD("[server]\nmax_body = 64k\n", ":2: max_body must be"),
    BAD("[server]\nmax_body = +2048\n", ":2: max_body must be"),
    BAD("[server]\nmax_body =\n", ":2: max_body must be"),
    BAD("[server]\npoll_interval = 0\n", ":2: poll_interval must be"),
    BAD("[server]\npoll_interval = 61\n", ":2: poll_interval must be"),
    BAD("[server]\npoll_interval = 99999999999999999999\n", ":2: poll_interval must be"),
    BAD("[server]\naccess_token_ttl = 59\n", ":2: access_token_ttl must be"),
    BAD("[server]\naccess_token_ttl = 2592001\n", ":2: access_token_ttl must be"),
    BAD("[users]\nleeway = 61\n", ":2: leeway must be"),
    BAD("[users]\nleeway = -1\n", ":2: leeway must be"),
    BAD("[server]\npublic_url = ftp://x\n", ":2: public_url must start with http"),
    BAD("[server]\npublic_url = https://x/\n", ":2: public_url must not end with '/'"),
    BAD("[server]\nurl_template = https://x/{token}\n", ":2: url_template must contain"),
    BAD("[server]\ntoken_issuer =\n", ":2: token_issuer must not be empty"),
    BAD("[server]\norganization_id =\n", ":2: organization_id must not be empty"),
    BAD("[users]\naudience =\n", ":2: audience must not be empty"),
    BAD("[server]\npoll_interval = 2\npoll_interval = 3\n", ":3: poll_interval is set twice"),
    BAD("[server]\npoll_interval = 2\n[server]\nmax_body = 2048\n", ":3: [server] appears twice"),
    BAD("[server]\n", ":1: empty section"),
    BAD("[server]\n; poll_interval = 2\n[users]\naudience = x\n", ":1: empty section"),
    BAD("[server]\n  public_url = https://a\n  poll_interval = 3\n", ":3: indented line"),
    BAD("[server]\nnot a key\n", ":2: syntax error"),
    BAD("[server\npoll_interval = 2\n", ":1: syntax error"),
    BAD("[database]\nconninfo = "
        "host=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
        ":2: line too long"),

    BAD("[user_key k1]\nalg = EdDSA\nissuer = https://idp\n", ":1: [user_key k1] has no key"),
    BAD("[user_key k1]\nissuer = x\nkey = " ED "\n", ":1: [user_key k1] has no alg"),
    BAD("[user_key k1]\nalg = EdDSA\nkey = " ED "\n", ":1: [user_key k1] has no issuer"),
    BAD("[user_key k1]\nalg = RS256\nissuer = x\nkey = " ED "\n", ":2: alg must be EdDSA or HS256"),
    BAD("[user_key k1]\nalg = eddsa\nissuer = x\nkey = " ED "\n", ":2: alg must be"),
    BAD("[user_key k1]\nalg = none\nissuer = x\nkey = " ED "\n", ":2: alg must be"),
    BAD("[user_key k1]\nissuer =\nalg = EdDSA\nkey = " ED "\n", ":2: issuer must not be empty"),
    BAD("[user_key k1]\nalg = EdDSA\nissuer = x\nkey = " HS64 "\n", ":4: key: an EdDSA key is 32"),
    BAD("[user_key k1]\nkey = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nalg = EdDSA\nissuer = "
        "x\n",
        ":2: key: not a usable Ed25519 public key"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS31 "\n", ":4: key: an HS256 secret is"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS65 "\n", ":4: key must be base64url"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS32 "=\n", ":4: key must be base64url"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS31 "+/\n", ":4: key must be base64url"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\n"
        "key = AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9\n",
        ":4: key must be base64url"), /* non-zero trailing bits */
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey =\n", ":4: key must be base64url"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS32 "\n"
        "[user_key k1]\nalg = HS256\nissuer = y\nkey = " HS32 "\n",
        ":5: [user_key k1] appears twice"),
    BAD("[user_key bad/kid]\nalg = HS256\n", ":1: [user_key bad/kid]: an id is 1 to 64"),
    BAD("[user_key]\nalg = HS256\n", ":1: [user_key]: an id is"),
    BAD("[user_key " ID64 "x]\nalg = HS256\n", ":1: [user_key " ID64 "x]: an id is"),
    BAD("[user_key k1]\nalg = HS256\nissuer = x\nkey = " HS32 "\nfile = seal.raw\n",
        ":5: unknown key file in [user_key k1]"),

    BAD("[seal_key s1]\nfile = missing.key\n", ":2: file: cannot open "),
    BAD("[seal_key s1]\nfile = short.raw\n", ":2: file: "),
    BAD("[seal_key s1]\nfile = bad.b64\n", ":2: file: "),
    BAD("[seal_key s1]\nfile = pad.b64\n", ":2: file: "),
    BAD("[seal_key s1]\nfile =\n", ":2: file: empty path"),
    BAD("[seal_key s1]\nfile = .\n", ":2: file: cannot read "),
    BAD("[seal_key s1]\nfile = seal.raw\n[seal_key s1]\nfile = seal.b64\n",
        ":3: [seal_key s1] appears twice"),
    BAD("[server]\nactive_seal_key = s9\n[seal_key s1]\nfile = seal.raw\n",
        ":2: active_seal_key s9: there is no [seal_key s9]"),
    BAD("[server]\nactive_seal_key = bad id\n", ":2: active_seal_key: an id is"),
    BAD("[users]\npairwise_key_file = missing.key\n", ":2: pairwise_key_file: cannot open "),
    BAD("[users]\npairwise_key_file = short.raw\n", ":2: pairwise_key_file: "),

    /* who may change the conf, who may read the keys: refused at start, file:line */
    OK_MODE(KEYS, 0640),
    OK_MODE(KEYS, 0644), /* the conf may be read by others (a key file may not) */
    OK_MODE(KEYS, 0660),
    BAD_MODE(KEYS, 0666, ":1: writable by others (mode 0666): chmod o-w it"),
    BAD_MODE(KEYS, 0602, ":1: writable by others (mode 0602)"),
    BAD_OWNER(KEYS, 4242, ":1: owned by uid 4242: it must be owned by root or uid "),
    OK("[seal_key s1]\nfile = group.key\n" KEYS), /* root:qrshare 0640, as the package has it */
    BAD("[seal_key s1]\nfile = open.key\n" KEYS,
        ":2: file: open.key is readable by others (mode 0644): chmod o-rwx it"),
    BAD("[seal_key s1]\nfile = owrite.key\n" KEYS,
        ":2: file: owrite.key is writable by others (mode 0602)"),
    BAD("[server]\nactive_seal_key = k\n[users]\npairwise_key_file = open.key\n[seal_key k]\nfile "
        "= seal.raw\n",
        ":4: pairwise_key_file: open.key is readable by others"),

    /* the earliest error is the one reported */
    BAD("[server]\nbogus = 1\nmax_body = 1\n", ":2: unknown key bogus"),
    BAD("[user_key k]\nalg = HS256\n[server]\nbogus = 1\n", ":1: [user_key k] has no issuer"),
    BAD("[server]\nbogus = 1\n[user_key k]\nalg = HS256\n", ":2: unknown key bogus"),
    BAD("[server]\nnot a key\nbogus = 1\n", ":2: syntax error"),

    /* [push]: the hub's section */
    OK("[push]\nconninfo = host=db user=qrshare_push\nlisten_address = ::1\nlisten_port = 1\n"
       "max_connections = 16\nheader_timeout = 1\nping_interval = 1\nmax_output = 1024\n"
       "sse_retry = 100\n" KEYS),
    OK("[push]\nconninfo =\nlisten_port = 65535\nmax_connections = 1000000\n"
       "header_timeout = 60\nping_interval = 25\nmax_output = 16777216\nsse_retry = 600000\n" KEYS),
    BAD("[push]\nlisten_port = 0\n" KEYS, ":2: listen_port must be a whole number from 1 to 65535"),
    BAD("[push]\nlisten_port = 65536\n" KEYS, ":2: listen_port must be"),
    BAD("[push]\nlisten_port = http\n" KEYS, ":2: listen_port must be"),
    BAD("[push]\nlisten_address =\n" KEYS, ":2: listen_address must not be empty"),
    BAD("[push]\nmax_connections = 15\n" KEYS, ":2: max_connections must be"),
    BAD("[push]\nheader_timeout = 0\n" KEYS, ":2: header_timeout must be"),
    BAD("[push]\nheader_timeout = 61\n" KEYS, ":2: header_timeout must be"),
    BAD("[push]\nping_interval = 26\n" KEYS,
        ":2: ping_interval must be a whole number from 1 to 25"),
    BAD("[push]\nping_interval = 0\n" KEYS, ":2: ping_interval must be"),
    BAD("[push]\nmax_output = 1023\n" KEYS, ":2: max_output must be"),
    BAD("[push]\nsse_retry = 99\n" KEYS, ":2: sse_retry must be"),
    BAD("[push]\nlisten_port = 80\nlisten_port = 81\n" KEYS, ":3: listen_port is set twice"),
    BAD("[push]\nlisten_port = 80\n[push]\nping_interval = 5\n" KEYS, ":3: [push] appears twice"),
    BAD("[push]\npoll_interval = 2\n" KEYS, ":2: unknown key poll_interval in [push]"),
    BAD("[server]\nlisten_port = 80\n" SERVER_KEYS, ":2: unknown key listen_port in [server]"),
    BAD("[push]\n" KEYS, ":1: empty section"),
};

static char dir[] = "/tmp/config-t.XXXXXX";

static const unsigned char seal_bytes[32] = {
    0xc0, 0xff, 0xee, 0x00, 0x0a, 0x0d, 0x20, 0x3d, 0x5b, 0x5d, 0x3b, 0x23, 0x01, 0x02, 0x03, 0x04,
    0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x0a,
};
/* seal_bytes in base64url */
#define SEAL_B64 "wP_uAAoNID1bXTsjAQIDBAUGBwgJCgsMDQ4PEBESEwo"

static const char *files[] = {
    "qrshare.conf", "seal.raw", "seal.b64", "seal.nonl", "keys/seal.key", "pairwise.key",
    "short.raw",    "bad.b64",  "pad.b64",  "group.key", "open.key",      "owrite.key",
};

static void
write_file(const char *name, const void *data, size_t len)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        printf("Bail out! cannot write %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* A file of dir with that mode. */
static void
set_mode(const char *name, mode_t mode)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (chmod(path, mode) != 0) {
        printf("Bail out! chmod %s: %s\n", path, strerror(errno));
        exit(1);
    }
}

/* text as dir/qrshare.conf (mode 0600, or mode; owned by owner, or by this user), loaded. */
static int
load_as(const char *text, int mode, int owner, struct config *cfg, char *err, size_t errlen)
{
    char path[256];

    write_file("qrshare.conf", text, strlen(text));
    snprintf(path, sizeof(path), "%s/qrshare.conf", dir);
    set_mode("qrshare.conf", mode ? (mode_t)mode : 0600);
    if (chown(path, owner ? (uid_t)owner : geteuid(), (gid_t)-1) != 0) {
        printf("Bail out! chown %s: %s\n", path, strerror(errno));
        exit(1);
    }
    return config_load(path, cfg, err, errlen);
}

static int
load(const char *text, struct config *cfg, char *err, size_t errlen)
{
    return load_as(text, 0, 0, cfg, err, errlen);
}

int
main(void)
{
    size_t nrows = sizeof(rows) / sizeof(rows[0]);
    struct config cfg;
    const struct config_user_key *uk = NULL;
    const struct config_seal_key *sk = NULL;
    char err[512];
    char path[256];
    char want[300];
    char *text = NULL;
    size_t n = 0;
    int ret;
    int good;

    plan((int)nrows * 2 + 42 + 11);
    if (mkdtemp(dir) == NULL) {
        printf("Bail out! mkdtemp: %s\n", strerror(errno));
        return 1;
    }
    snprintf(path, sizeof(path), "%s/keys", dir);
    mkdir(path, 0700);
    write_file("seal.raw", seal_bytes, 32);
    write_file("seal.b64", SEAL_B64 "\n", 44);
    write_file("seal.nonl", SEAL_B64, 43);
    write_file("keys/seal.key", seal_bytes, 32);
    write_file("pairwise.key", HS32 "\n", 44);
    write_file("short.raw", seal_bytes, 31);
    write_file("bad.b64", "wP+uAAoNID1bXTsjAQIDBAUGBwgJCgsMDQ4PEBESEwo\n", 44);
    write_file("pad.b64", SEAL_B64 "=", 44);
    write_file("group.key", seal_bytes, 32);
    write_file("open.key", seal_bytes, 32);
    write_file("owrite.key", seal_bytes, 32);
    /* Key files are for their owner (and group) only. */
    for (size_t i = 1; i < sizeof(files) / sizeof(files[0]); i++)
        set_mode(files[i], 0600);
    set_mode("group.key", 0640);
    set_mode("open.key", 0644);
    set_mode("owrite.key", 0602);
    /* Relative key files must be found next to the conf file, not in the cwd. */
    if (chdir("/") != 0)
        diag("chdir /: %s", strerror(errno));

    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];

        if (r->owner && geteuid() != 0) {
            ok(1, "line %d: # SKIP only root can give the conf file another owner", r->line);
            ok(1, "line %d: # SKIP only root can give the conf file another owner", r->line);
            continue;
        }
        ret = load_as(r->text, r->mode, r->owner, &cfg, err, sizeof(err));
        is_int(r->want, ret, "line %d: config_load gives %d", r->line, r->want);
        if (r->want == 0) {
            is_string("", err, "line %d: no error message", r->line);
            config_free(&cfg);
        } else {
            ok(strstr(err, "qrshare.conf") == err + strlen(dir) + 1 && strstr(err, r->err) != NULL,
               "line %d: error has \"%s\"", r->line, r->err);
            if (strstr(err, r->err) == NULL)
                diag("FAIL on line %d: error was \"%s\"", r->line, err);
        }
    }

    /* defaults */
    ret = load(KEYS, &cfg, err, sizeof(err));
    is_int(0, ret, "a file with only the keys loads");
    is_string("", cfg.db_conninfo, "conninfo defaults to \"\"");
    is_string("http://localhost", cfg.public_url, "public_url default");
    is_string("{public_url}/authorize/{session_token}", cfg.url_template, "url_template default");
    is_int(65536, (long)cfg.max_body, "max_body default");
    is_int(2, cfg.poll_interval, "poll_interval default");
    is_int(86400, cfg.access_token_ttl, "access_token_ttl default");
    is_string("http://localhost", cfg.token_issuer, "token_issuer defaults to public_url");
    ok(cfg.audience == NULL, "no audience");
    ok(cfg.organization_id == NULL, "no organization_id: each application's id");
    is_int(60, cfg.leeway, "leeway default");
    ok(cfg.nkeys == 0, "no user keys by default");
    is_string("", cfg.push_conninfo, "[push] conninfo defaults to \"\"");
    is_string("127.0.0.1", cfg.push_address, "[push] listen_address default");
    is_int(8091, cfg.push_port, "[push] listen_port default");
    is_int(20000, cfg.push_max_connections, "[push] max_connections default");
    is_int(10, cfg.push_header_timeout, "[push] header_timeout default");
    is_int(25, cfg.push_ping_interval, "[push] ping_interval default");
    is_int(65536, (long)cfg.push_max_output, "[push] max_output default");
    is_int(3000, cfg.push_sse_retry, "[push] sse_retry default");
    config_free(&cfg);

    /* [push] values, beside [database] conninfo: each section keeps its own */
    ret = load("[database]\nconninfo = user=qrshare_api\n"
               "[push]\nconninfo = user=qrshare_push ; the hub's role\nlisten_address = 0.0.0.0\n"
               "listen_port = 9000\nmax_connections = 50000\nheader_timeout = 5\n"
               "ping_interval = 20\nmax_output = 4096\nsse_retry = 2500\n" KEYS,
               &cfg, err, sizeof(err));
    is_int(0, ret, "a [push] section loads");
    ok(ret == 0 && strcmp(cfg.db_conninfo, "user=qrshare_api") == 0 &&
           strcmp(cfg.push_conninfo, "user=qrshare_push") == 0,
       "[push] conninfo is the hub's, [database] conninfo the executables'");
    ok(ret == 0 && strcmp(cfg.push_address, "0.0.0.0") == 0 && cfg.push_port == 9000 &&
           cfg.push_max_connections == 50000 && cfg.push_header_timeout == 5 &&
           cfg.push_ping_interval == 20 && cfg.push_max_output == 4096 &&
           cfg.push_sse_retry == 2500,
       "[push] values are read");
    if (ret == 0)
        config_free(&cfg);

    /* values */
    ret = load("[database]\nconninfo = host=a;b password=x ; comment\n"
               "[server]\npublic_url = https://qr.example.org/base\nmax_body = 2048\n"
               "active_seal_key = s2\norganization_id = org 1\n"
               "[users]\naudience = qrshare-app\npairwise_key_file = pairwise.key\n"
               "[user_key ed]\nalg = EdDSA\nissuer = https://idp\nkey = " ED "\n"
               "[user_key hs]\nissuer = https://other\nkey = " HS32 "\nalg = HS256\n"
               "[seal_key s1]\nfile = seal.raw\n"
               "[seal_key s2]\nfile = seal.b64\n"
               "[seal_key s3]\nfile = keys/seal.key\n",
               &cfg, err, sizeof(err));
    is_int(0, ret, "a full file loads");
    if (ret != 0)
        diag("%s", err);
    is_string("host=a;b password=x", cfg.db_conninfo, "';' inside a value is kept, \" ;\" ends it");
    is_string("https://qr.example.org/base", cfg.token_issuer, "token_issuer follows public_url");
    is_int(2048, (long)cfg.max_body, "max_body is read");
    is_string("org 1", cfg.organization_id, "organization_id is read");
    is_string("qrshare-app", cfg.audience, "audience is read");
    good = cfg.have_pairwise_key;
    for (int i = 0; i < 32; i++)
        good = good && cfg.pairwise_key[i] == i;
    ok(good, "pairwise key decoded from base64url and a newline");
    uk = config_user_key(&cfg, "hs");
    ok(uk != NULL && uk->alg == JWT_ALG_HS256 && uk->key_len == 32 && uk->key[0] == 0 &&
           uk->key[31] == 31 && strcmp(uk->issuer, "https://other") == 0,
       "HS256 key found by kid, decoded, with its issuer");
    uk = config_user_key(&cfg, "ed");
    ok(uk != NULL && uk->alg == JWT_ALG_EDDSA && uk->key_len == 32 && uk->key[0] == 0xd7 &&
           uk->key[31] == 0x1a,
       "EdDSA key found by kid and decoded");
    ok(config_user_key(&cfg, "none") == NULL && config_user_key(&cfg, "e") == NULL,
       "an unknown kid is not found");
    sk = config_seal_key(&cfg, "s1");
    ok(sk != NULL && memcmp(sk->key, seal_bytes, 32) == 0, "raw seal key file read");
    sk = config_seal_key(&cfg, "s2");
    ok(sk != NULL && memcmp(sk->key, seal_bytes, 32) == 0, "base64url seal key file read");
    sk = config_seal_key(&cfg, "s3");
    ok(sk != NULL && memcmp(sk->key, seal_bytes, 32) == 0,
       "relative path resolved against the conf file's directory");
    is_string("s2", cfg.active_seal_key, "active_seal_key is read");
    ok(config_seal_key(&cfg, "s4") == NULL, "an unknown seal key id is not found");
    config_free(&cfg);
    ok(cfg.public_url == NULL && cfg.nkeys == 0 && cfg.keys[0].key[0] == 0,
       "config_free frees and wipes");
    config_free(&cfg);
    config_free(NULL);

    ret = load("[user_key " ID64 "]\nalg = HS256\nissuer = i\nkey = " HS32 "\n" KEYS, &cfg, err,
               sizeof(err));
    ok(ret == 0 && config_user_key(&cfg, ID64) != NULL, "a 64-character kid is kept whole");
    config_free(&cfg);

    /* an absolute key file path, and a conf path without a directory */
    snprintf(want, sizeof(want), "[seal_key s1]\nfile = %s/seal.raw\n" KEYS, dir);
    ret = load(want, &cfg, err, sizeof(err));
    ok(ret == 0 && memcmp(cfg.seal_keys[0].key, seal_bytes, 32) == 0, "absolute key file path");
    config_free(&cfg);
    if (chdir(dir) != 0)
        diag("chdir %s: %s", dir, strerror(errno));
    write_file("qrshare.conf", "[seal_key s1]\nfile = seal.raw\n" KEYS,
               strlen("[seal_key s1]\nfile = seal.raw\n" KEYS));
    ret = config_load("qrshare.conf", &cfg, err, sizeof(err));
    ok(ret == 0 && memcmp(cfg.seal_keys[0].key, seal_bytes, 32) == 0,
       "conf path without a directory");
    config_free(&cfg);

    /* errors about the whole file */
    snprintf(path, sizeof(path), "%s/missing.conf", dir);
    ret = config_load(path, &cfg, err, sizeof(err));
    snprintf(want, sizeof(want), "%s: cannot open: %s", path, strerror(ENOENT));
    ok(ret == -1 && strcmp(err, want) == 0, "missing file: \"%s\"", err);
    ok(cfg.public_url == NULL, "cfg is freed after an error");
    ret = load("[server]\nmax_body = 1\n", &cfg, err, sizeof(err));
    snprintf(want, sizeof(want),
             "%s/qrshare.conf:2: max_body must be a whole number from 1024 to "
             "16777216",
             dir);
    is_string(want, err, "an error is exactly path:line: message");
    ret = load("[server]\nmax_body = 1\n", &cfg, err, 12);
    ok(ret == -1 && strlen(err) == 11, "the message is cut to errlen");

    text = malloc(4096);
    for (int i = 0; i <= CONFIG_MAX_KEYS; i++)
        n += (size_t)snprintf(text + n, 4096 - n,
                              "[user_key k%d]\nalg = HS256\nissuer = i\nkey = %s\n", i, HS32);
    ret = load(text, &cfg, err, sizeof(err));
    ok(ret == -1 && strstr(err, ":65: more than 16 [user_key] sections") != NULL,
       "at most %d user keys: %s", CONFIG_MAX_KEYS, err);
    n = 0;
    for (int i = 0; i <= CONFIG_MAX_SEAL_KEYS; i++)
        n += (size_t)snprintf(text + n, 4096 - n, "[seal_key s%d]\nfile = seal.raw\n", i);
    ret = load(text, &cfg, err, sizeof(err));
    ok(ret == -1 && strstr(err, ":17: more than 8 [seal_key] sections") != NULL,
       "at most %d seal keys: %s", CONFIG_MAX_SEAL_KEYS, err);
    free(text);

    /* A NUL byte: fgets would end the line there and parse what follows the 198th
     * byte as a line of its own (found by tests/fuzz/fuzz-config). */
    {
        static const char nul[] = "[server]\npoll_interval = 5\0xxxx\nmax_body = 2048\n";
        char nul_path[256];

        write_file("qrshare.conf", nul, sizeof nul - 1);
        snprintf(nul_path, sizeof(nul_path), "%s/qrshare.conf", dir);
        is_int(-1, config_load(nul_path, &cfg, err, sizeof(err)),
               "a NUL byte in the file is refused");
        ok(strstr(err, "qrshare.conf:2: NUL byte") != NULL, "... at its line: %s", err);
    }

    /* config_path */
    setenv(CONFIG_ENV, "/srv/qrshare/test.conf", 1);
    is_string("/srv/qrshare/test.conf", config_path(), "config_path honours " CONFIG_ENV);
    setenv(CONFIG_ENV, "", 1);
    is_string(CONFIG_DEFAULT_PATH, config_path(), "an empty " CONFIG_ENV " is ignored");
    unsetenv(CONFIG_ENV);
    is_string(CONFIG_DEFAULT_PATH, config_path(), "config_path default");

    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/keys", dir);
    rmdir(path);
    rmdir(dir);
    return done_testing();
}
