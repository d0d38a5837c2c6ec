/* http-t.c - routing, query strings and error answers (table-driven). */
#include <string.h>
#include "http.h"
#include "tap.h"

static const struct {
    const char *uri, *pattern;
    int want;
    const char *id;
} routes[] = {
    {"/auth/v2/token", "/auth/v2/token", 0, ""},
    {"/auth/v2/token/", "/auth/v2/token", 0, ""},
    {"/auth/v2/token/?x=1", "/auth/v2/token", 0, ""},
    {"/auth/v2/token?x=1", "/auth/v2/token", 0, ""},
    {"/auth/v2/token//", "/auth/v2/token", -1, NULL},
    {"/auth/v2/tokens", "/auth/v2/token", -1, NULL},
    {"/auth/v2/toke", "/auth/v2/token", -1, NULL},
    {"/AUTH/v2/token", "/auth/v2/token", -1, NULL},
    {"/auth/v2/session/abc-DEF_9/status", "/auth/v2/session/{}/status", 0, "abc-DEF_9"},
    {"/auth/v2/session/abc/status/", "/auth/v2/session/{}/status", 0, "abc"},
    {"/auth/v2/session/abc/status?t=1", "/auth/v2/session/{}/status", 0, "abc"},
    {"/auth/v2/session//status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/a%2Fb/status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/..%2f/status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/a%00/status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/a.b/status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/a/b/status", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/abc/statusx", "/auth/v2/session/{}/status", -1, NULL},
    {"/auth/v2/session/abc", "/auth/v2/session/{}", 0, "abc"},
    {"/auth/v2/session/abc/", "/auth/v2/session/{}", 0, "abc"},
    {"/auth/v2/session/abc/status", "/auth/v2/session/{}", -1, NULL},
    {"/auth/v2/session/abc/qr.svg", "/auth/v2/session/{}/qr.svg", 0, "abc"},
    {"/auth/v2/session/abc/qrXsvg", "/auth/v2/session/{}/qr.svg", -1, NULL},
    {"/auth/v2/session/0123456789012345678901234567890123456789012345678901234567890123/status",
     "/auth/v2/session/{}/status", -1, NULL}, /* 64 characters: over the id buffer */
    {"", "/auth/v2/token", -1, NULL},
    {NULL, "/auth/v2/token", -1, NULL},
};

static const struct {
    const char *uri, *name;
    int want;
    const char *value;
} queries[] = {
    {"/x?token=abc", "token", 0, "abc"},
    {"/x?a=1&token=abc&b=2", "token", 0, "abc"},
    {"/x?token=a%2Db", "token", 0, "a-b"},
    {"/x?token=a+b", "token", 0, "a b"},
    {"/x?token=", "token", 0, ""},
    {"/x?xtoken=abc", "token", -1, NULL},
    {"/x?token", "token", -1, NULL},
    {"/x", "token", -1, NULL},
    {"/x?token=a%00b", "token", -1, NULL},
    {"/x?token=a%zz", "token", -1, NULL},
    {"/x?token=a%2", "token", -1, NULL},
    {"/x?token=0123456789abcdef", "token", -1, NULL}, /* longer than the buffer of 16 */
    {"/x?token=a&token=b", "token", -1, NULL},        /* given twice: neither */
    {"/x?token=a&b=1&token=a", "token", -1, NULL},
    {"/x?token=a&xtoken=b", "token", 0, "a"},
};

static const struct {
    enum err e;
    int status;
    const char *code, *header;
} answers[] = {
    {ERR_INVALID_REQUEST, 400, "invalid_request", NULL},
    {ERR_INVALID_SCOPE, 400, "invalid_scope", NULL},
    {ERR_UNSUPPORTED_GRANT_TYPE, 400, "unsupported_grant_type", NULL},
    {ERR_INVALID_CLIENT, 401, "invalid_client", "WWW-Authenticate: Bearer realm=\"qrshare\""},
    {ERR_INVALID_TOKEN, 401, "invalid_token", "error=\"invalid_token\""},
    {ERR_FORBIDDEN, 403, "forbidden", NULL},
    {ERR_NOT_FOUND, 404, "not_found", NULL},
    {ERR_INVALID_STATE, 409, "invalid_state", NULL},
    {ERR_ALREADY_CLAIMED, 409, "already_claimed", NULL},
    {ERR_EXPIRED, 410, "expired", NULL},
    {ERR_GONE, 410, "gone", NULL},
    {ERR_TOO_LARGE, 413, "payload_too_large", NULL},
    {ERR_MEDIA_TYPE, 415, "unsupported_media_type", NULL},
    {ERR_SLOW_DOWN, 429, "slow_down", NULL},
    {ERR_UNAVAILABLE, 503, "unavailable", "Retry-After: "},
    {ERR_SERVER, 500, "server_error", NULL},
};

int
main(void)
{
    char id[64], val[16];
    struct response resp;
    json_object *v;
    size_t i;
    int rc;

    plan((int)(sizeof routes / sizeof routes[0]) * 2 +
         (int)(sizeof queries / sizeof queries[0]) * 2 +
         (int)(sizeof answers / sizeof answers[0]) * 4 + 3);

    for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        strcpy(id, "-");
        rc = http_route(routes[i].uri, routes[i].pattern, id, sizeof id);
        is_int(routes[i].want, rc, "route line %zu: %s", i + 1,
               routes[i].uri ? routes[i].uri : "(null)");
        if (routes[i].want == 0 && strchr(routes[i].pattern, '{'))
            is_string(routes[i].id, id, "route line %zu: the id", i + 1);
        else if (routes[i].want == 0)
            is_string("-", id, "route line %zu: no {}: id untouched", i + 1);
        else /* a refused path may leave part of the id: still a string inside the buffer */
            ok(memchr(id, '\0', sizeof id) != NULL, "route line %zu: id stays terminated", i + 1);
    }
    for (i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        rc = http_query_param(queries[i].uri, queries[i].name, val, sizeof val);
        is_int(queries[i].want, rc, "query line %zu: %s", i + 1, queries[i].uri);
        if (rc == 0)
            is_string(queries[i].value, val, "query line %zu: the value", i + 1);
        else
            ok(queries[i].want == -1, "query line %zu: no value", i + 1);
    }
    for (i = 0; i < sizeof answers / sizeof answers[0]; i++) {
        memset(&resp, 0, sizeof resp);
        http_error(&resp, answers[i].e, "why");
        is_int(answers[i].status, resp.status, "%s: status", answers[i].code);
        ok(json_object_object_get_ex(resp.json, "error", &v) &&
               strcmp(json_object_get_string(v), answers[i].code) == 0,
           "%s: the error code", answers[i].code);
        ok(json_object_object_get_ex(resp.json, "error_description", &v) &&
               strcmp(json_object_get_string(v), "why") == 0 &&
               json_object_object_length(resp.json) == 2,
           "%s: error_description and nothing else", answers[i].code);
        ok(answers[i].header ? strstr(resp.headers, answers[i].header) != NULL
                             : resp.headers[0] == '\0',
           "%s: headers", answers[i].code);
        response_reset(&resp);
    }
    memset(&resp, 0, sizeof resp);
    http_method_not_allowed(&resp, "GET, HEAD");
    is_int(405, resp.status, "405");
    ok(strstr(resp.headers, "Allow: GET, HEAD\r\n") != NULL, "405 has Allow");
    http_header(&resp, "X-Evil", "a\r\nSet-Cookie: x");
    ok(strstr(resp.headers, "Set-Cookie") == NULL, "a header value with CR LF is dropped");
    response_reset(&resp);
    return done_testing();
}
