/* http.c - request and response types, the error table, routing; see http.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crypto.h"
#include "http.h"

static const struct {
    int status;
    const char *code;
} errors[] = {
    [ERR_INVALID_REQUEST] = {400, "invalid_request"},
    [ERR_INVALID_SCOPE] = {400, "invalid_scope"},
    [ERR_UNSUPPORTED_GRANT_TYPE] = {400, "unsupported_grant_type"},
    [ERR_INVALID_CLIENT] = {401, "invalid_client"},
    [ERR_INVALID_TOKEN] = {401, "invalid_token"},
    [ERR_FORBIDDEN] = {403, "forbidden"},
    [ERR_NOT_FOUND] = {404, "not_found"},
    [ERR_METHOD] = {405, "method_not_allowed"},
    [ERR_INVALID_STATE] = {409, "invalid_state"},
    [ERR_ALREADY_CLAIMED] = {409, "already_claimed"},
    [ERR_IDEMPOTENCY_CONFLICT] = {409, "idempotency_conflict"},
    [ERR_EXPIRED] = {410, "expired"},
    [ERR_GONE] = {410, "gone"},
    [ERR_TOO_LARGE] = {413, "payload_too_large"},
    [ERR_MEDIA_TYPE] = {415, "unsupported_media_type"},
    [ERR_SLOW_DOWN] = {429, "slow_down"},
    [ERR_UNAVAILABLE] = {503, "unavailable"},
    [ERR_SERVER] = {500, "server_error"},
};

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void
http_header(struct response *resp, const char *name, const char *value)
{
    size_t used = strlen(resp->headers);

    if (strpbrk(name, "\r\n") || strpbrk(value, "\r\n"))
        return;
    snprintf(resp->headers + used, sizeof resp->headers - used, "%s: %s\r\n", name, value);
}

int
http_json(struct response *resp, int status, json_object *obj)
{
    json_object_put(resp->json);
    resp->json = obj;
    resp->status = status;
    return 0;
}

int
http_error(struct response *resp, enum err e, const char *description)
{
    json_object *o = json_object_new_object();

    json_object_object_add(o, "error", json_object_new_string(errors[e].code));
    json_object_object_add(o, "error_description", json_object_new_string(description));
    if (e == ERR_INVALID_CLIENT)
        http_header(resp, "WWW-Authenticate", "Bearer realm=\"qrshare\", Basic realm=\"qrshare\"");
    else if (e == ERR_INVALID_TOKEN)
        http_header(resp, "WWW-Authenticate", "Bearer realm=\"qrshare\", error=\"invalid_token\"");
    else if (e == ERR_UNAVAILABLE)
        http_header(resp, "Retry-After", "5");
    return http_json(resp, errors[e].status, o);
}

int
http_method_not_allowed(struct response *resp, const char *allow)
{
    http_header(resp, "Allow", allow);
    return http_error(resp, ERR_METHOD, "method not allowed here");
}

int
http_route(const char *uri, const char *pattern, char *id, size_t idlen)
{
    const char *u = uri, *p = pattern;
    size_t n = 0;

    if (!uri)
        return -1;
    while (*p) {
        if (p[0] == '{' && p[1] == '}') {
            n = crypto_b64url_span(u, strlen(u));
            if (n == 0 || n >= idlen)
                return -1;
            memcpy(id, u, n);
            id[n] = '\0';
            u += n;
            p += 2;
        } else if (*u++ != *p++) {
            return -1;
        }
    }
    if (*u == '/')
        u++;
    return (*u == '\0' || *u == '?') ? 0 : -1;
}

/* Where the value of name starts in the query string q (from its '?' or an '&' on),
 * or NULL when no parameter of that name follows. */
static const char *
query_find(const char *q, const char *name, size_t nlen)
{
    for (; q; q = strchr(q + 1, '&'))
        if (strncmp(q + 1, name, nlen) == 0 && q[1 + nlen] == '=')
            return q + 1 + nlen + 1;
    return NULL;
}

int
http_query_param(const char *uri, const char *name, char *out, size_t outlen)
{
    const char *q = uri ? strchr(uri, '?') : NULL;
    size_t nlen = strlen(name), o = 0;

    /* A parameter given twice is taken as neither (RFC 6749 3.2 for the token form). */
    if (!(q = query_find(q, name, nlen)) || query_find(strchr(q, '&'), name, nlen))
        return -1;
    for (; *q && *q != '&'; q++) {
        int c = (unsigned char)*q;
        if (c == '%') {
            int h = hexval(q[1]), l = h < 0 ? -1 : hexval(q[2]);
            if (l < 0)
                return -1;
            c = h * 16 + l;
            q += 2;
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

void
response_reset(struct response *resp)
{
    json_object_put(resp->json);
    free(resp->body);
    memset(resp, 0, sizeof *resp);
}
