/* fuzz-config.c - libFuzzer harness for config_load (lib/config.h).
 *
 * config_load reads a path (libinih over its own fgets reader), so each input is
 * written to one temp file of this process, in a temp directory (under $TMPDIR,
 * else /tmp) that also holds key files the input may name: pairwise.key and
 * seal.raw (32 raw bytes), seal.b64 (43 base64url characters and a newline),
 * short.key (31 bytes).
 *
 * Inputs naming device, proc, sys or run paths are skipped (returned -1, kept out
 * of the corpus): a key file such as /dev/tty or a FIFO would block the read,
 * and blocking there is the operator's choice, not a bug.
 *
 * Asserted, beyond "no sanitizer report":
 *   - a refusal returns -1 with "path:line: message", 1 <= line <= the lines
 *     of the input, and leaves cfg zeroed;
 *   - an acceptance returns 0, only for a file whose lines hold at most 198
 *     characters (199 for a last line without a newline), with every documented
 *     range and rule holding:
 *     strings set, public_url http(s) without a trailing '/', url_template with
 *     {session_token}, max_body, poll_interval, access_token_ttl and leeway in
 *     range, user keys with valid unique kids, an issuer, and a key length that
 *     fits their alg, seal keys with valid unique ids, active_seal_key naming
 *     one of them. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "config.h"
#include "crypto.h"

static char dir[256];
static int dir_made;
static char conf_path[300];

static void remove_dir(void);

static void
fail(const char *what, const char *detail)
{
    fprintf(stderr, "fuzz-config: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    remove_dir(); /* abort() skips atexit() */
    abort();
}

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
    static const char *const names[] = {"qrshare.conf", "pairwise.key", "seal.raw", "seal.b64",
                                        "short.key"};
    char path[300];

    if (!dir_made)
        return;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    unsigned char raw[32];
    const char *tmp;

    (void)argc;
    (void)argv;
    crypto_init();
    tmp = getenv("TMPDIR");
    if ((size_t)snprintf(dir, sizeof dir, "%s/fuzz-config.XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
            sizeof dir ||
        !mkdtemp(dir))
        fail("cannot create a temp directory", NULL);
    dir_made = 1;
    atexit(remove_dir);
    snprintf(conf_path, sizeof conf_path, "%s/qrshare.conf", dir);
    memset(raw, 7, sizeof raw);
    write_file("pairwise.key", raw, 32);
    write_file("seal.raw", raw, 32);
    write_file("short.key", raw, 31);
    write_file("seal.b64", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc\n", 44);
    return 0;
}

static int
valid_id(const char *s)
{
    size_t n = s ? strlen(s) : 0;

    return n >= 1 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static void
check_loaded(const struct config *cfg)
{
    size_t n;

    if (!cfg->db_conninfo || !cfg->public_url || !cfg->url_template || !cfg->token_issuer)
        fail("accepted with a string left NULL", NULL);
    if (strncmp(cfg->public_url, "http://", 7) != 0 && strncmp(cfg->public_url, "https://", 8) != 0)
        fail("accepted a public_url that is not http(s)", cfg->public_url);
    n = strlen(cfg->public_url);
    if (n == 0 || cfg->public_url[n - 1] == '/')
        fail("accepted a public_url ending in '/'", cfg->public_url);
    if (!strstr(cfg->url_template, "{session_token}"))
        fail("accepted a url_template without {session_token}", NULL);
    if (!*cfg->token_issuer || (cfg->audience && !*cfg->audience))
        fail("accepted an empty token_issuer or audience", NULL);
    if (cfg->max_body < 1024 || cfg->max_body > 16777216 || cfg->poll_interval < 1 ||
        cfg->poll_interval > 60 || cfg->access_token_ttl < 60 || cfg->access_token_ttl > 2592000 ||
        cfg->leeway < 0 || cfg->leeway > 60)
        fail("accepted a number out of its range", NULL);
    if (cfg->nkeys > CONFIG_MAX_KEYS || cfg->nseal_keys > CONFIG_MAX_SEAL_KEYS)
        fail("too many keys", NULL);
    for (size_t i = 0; i < cfg->nkeys; i++) {
        const struct config_user_key *k = &cfg->keys[i];

        if (!valid_id(k->kid) || config_user_key(cfg, k->kid) != k)
            fail("accepted a bad or repeated kid", k->kid);
        if (!k->issuer || !*k->issuer)
            fail("accepted a user key without issuer", k->kid);
        if (k->alg == JWT_ALG_EDDSA   ? k->key_len != 32
            : k->alg == JWT_ALG_HS256 ? k->key_len < 32 || k->key_len > 64
                                      : 1)
            fail("accepted a user key whose length does not fit its alg", k->kid);
    }
    for (size_t i = 0; i < cfg->nseal_keys; i++)
        if (!valid_id(cfg->seal_keys[i].id) ||
            config_seal_key(cfg, cfg->seal_keys[i].id) != &cfg->seal_keys[i])
            fail("accepted a bad or repeated seal key id", cfg->seal_keys[i].id);
    if (cfg->active_seal_key && !config_seal_key(cfg, cfg->active_seal_key))
        fail("accepted an active_seal_key with no [seal_key]", cfg->active_seal_key);
}

static void
check_refused(const struct config *cfg, const char *err, size_t nlines)
{
    static const struct config zero;
    size_t plen = strlen(conf_path);
    char *end = NULL;
    long line;

    if (memcmp(cfg, &zero, sizeof zero) != 0)
        fail("refused but cfg is not zeroed", err);
    if (strncmp(err, conf_path, plen) != 0 || err[plen] != ':')
        fail("error does not start with \"path:\"", err);
    line = strtol(err + plen + 1, &end, 10);
    if (end == err + plen + 1 || line < 1 || (size_t)line > nlines || strncmp(end, ": ", 2) != 0 ||
        !end[2])
        fail("error is not \"path:line: message\" with a line of the input", err);
}

/* The longest line, without its newline; a last line without one counts one less,
 * as fgets(200) still reads 199 characters of it whole. */
static size_t
longest_line(const uint8_t *data, size_t size)
{
    size_t longest = 0, start = 0;

    for (size_t i = 0; i < size; i++) {
        if (data[i] == '\n') {
            if (i - start > longest)
                longest = i - start;
            start = i + 1;
        }
    }
    if (start < size && size - start - 1 > longest)
        longest = size - start - 1;
    return longest;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const blocked[] = {"dev", "proc", "sys", "run"};
    struct config cfg;
    char err[512];
    size_t nlines = 0;

    for (size_t i = 0; i < sizeof blocked / sizeof blocked[0]; i++)
        if (memmem(data, size, blocked[i], strlen(blocked[i])))
            return -1;
    for (size_t i = 0; i < size; i++)
        nlines += data[i] == '\n';
    if (size > 0 && data[size - 1] != '\n')
        nlines++;
    if (nlines == 0)
        nlines = 1;

    write_file("qrshare.conf", data, size);
    memset(&cfg, 0x55, sizeof cfg);
    memset(err, 0x55, sizeof err);
    if (config_load(conf_path, &cfg, err, sizeof err) == 0) {
        if (err[0] != '\0')
            fail("accepted with an error message", err);
        if (longest_line(data, size) > 198)
            fail("accepted a line longer than 198 characters", NULL);
        check_loaded(&cfg);
        config_free(&cfg);
    } else {
        if (!memchr(err, '\0', sizeof err))
            fail("error message not terminated", NULL);
        check_refused(&cfg, err, nlines);
    }
    return 0;
}
