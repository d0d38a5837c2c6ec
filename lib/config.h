/* config.h - the qrshare.conf file (INI, read with libinih). */
#ifndef QRSHARE_CONFIG_H
#define QRSHARE_CONFIG_H

#include <stddef.h>
#include "util.h"

#define CONFIG_ENV "QRSHARE_CONF"
#define CONFIG_DEFAULT_PATH SYSCONFDIR "/qrshare.conf"
#define CONFIG_MAX_KEYS 16
#define CONFIG_MAX_SEAL_KEYS 8

enum jwt_alg { JWT_ALG_EDDSA = 1, JWT_ALG_HS256 = 2 };

/* [user_key <kid>]: a key trusted for user tokens, bound to one issuer. */
struct config_user_key {
    char *kid;
    enum jwt_alg alg;
    char *issuer;
    unsigned char key[64]; /* Ed25519 public key (32) or HS256 secret (up to 64) */
    size_t key_len;
};

/* [seal_key <id>]: a key for user data at rest, read from a file. */
struct config_seal_key {
    char *id;
    unsigned char key[32];
};

struct config {
    char *db_conninfo; /* [database] conninfo; default "" (libpq's PG* env) */
    char *public_url;  /* [server] public_url; default "http://localhost" */
    char
        *url_template; /* [server] url_template; default "{public_url}/authorize/{session_token}" */
    size_t max_body;   /* [server] max_body; default 65536 */
    int poll_interval; /* [server] poll_interval seconds; default 2 */
    int access_token_ttl;  /* [server] access_token_ttl seconds; default 86400 */
    char *token_issuer;    /* [server] token_issuer (iss of client tokens); default public_url */
    char *organization_id; /* [server] organization_id; NULL: each application's id */
    char *audience;        /* [users] audience; required for phone endpoints */
    int leeway;            /* [users] leeway seconds, 0..60; default 60 */
    unsigned char pairwise_key[32]; /* [users] pairwise_key_file: 32 raw bytes or base64url */
    int have_pairwise_key;
    struct config_user_key keys[CONFIG_MAX_KEYS];
    size_t nkeys;
    struct config_seal_key seal_keys[CONFIG_MAX_SEAL_KEYS];
    size_t nseal_keys;
    char *active_seal_key; /* [server] active_seal_key: id of the key that seals new data */
    /* [push]: qrshare-push, the WebSocket / Server-Sent Events hub (push/); the
     * executables ignore it. */
    char *push_conninfo;      /* [push] conninfo; default "" (libpq's PG* env) */
    char *push_address;       /* [push] listen_address; default "127.0.0.1" */
    int push_port;            /* [push] listen_port; default 8091 */
    int push_max_connections; /* [push] max_connections; default 20000 */
    int push_header_timeout;  /* [push] header_timeout seconds; default 10 */
    int push_ping_interval;   /* [push] ping_interval seconds, 1..25; default 25 */
    size_t push_max_output;   /* [push] max_output bytes queued per client; default 65536 */
    int push_sse_retry;       /* [push] sse_retry milliseconds; default 3000 */
};

/* Reads path into cfg (defaults first). On error writes "file:line: message" into
 * err (errlen bytes) and returns -1; cfg is then freed. */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen) WUR;

/* The path to read: $QRSHARE_CONF, else CONFIG_DEFAULT_PATH. Borrowed. */
const char *config_path(void);

/* Frees what config_load allocated and wipes the keys. NULL-safe. */
void config_free(struct config *cfg);

/* Lookups; borrowed pointers into cfg, NULL when absent. */
const struct config_user_key *config_user_key(const struct config *cfg, const char *kid);
const struct config_seal_key *config_seal_key(const struct config *cfg, const char *id);

#endif
