/* json-t.c - json_parse_strict: a table of inputs and the status each must give. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "tap.h"

#define MAX_LEN 4096
#define MAX_DEPTH 32

struct row {
    int line;
    const char *in;
    size_t len;
    enum json_status want;
};

/* sizeof keeps embedded NUL bytes in the input. */
/* clang-format off */
#define ROW(s, want) {__LINE__, s, sizeof(s) - 1, want}
/* clang-format on */

static const struct row rows[] = {
    /* valid objects */
    ROW("{}", JSON_OK),
    ROW("{\"a\":1}", JSON_OK),
    ROW("{\"a\":{\"b\":[1,2,{\"c\":null}]},\"d\":true,\"e\":false,\"f\":[]}", JSON_OK),
    ROW("{\"a\":0,\"b\":-0,\"c\":1.5,\"d\":-1.25e-3,\"e\":1E+5,\"f\":10,\"g\":0.0}", JSON_OK),
    ROW("{\"a\":\"\\u00e9\\u4E2D\"}", JSON_OK),
    ROW("{\"a\":\"\\ud83d\\ude00\",\"b\":\"\\uD83D\\uDE00\"}", JSON_OK),
    ROW("{\"\xc3\xa9\":\"\xe4\xb8\xad\xf0\x9f\x98\x80\"}", JSON_OK),
    ROW("{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", JSON_OK),
    ROW("{\"a\":\"\\\\u0000\",\"b\":\"\\\\ud800\"}", JSON_OK), /* escaped backslash, then text */
    ROW(" \t\r\n{ \"a\" : 1 , \"b\" : [ ] } \r\n\t ", JSON_OK),
    ROW("{\"\":1}", JSON_OK),
    ROW("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}", JSON_OK),
    ROW("{\"a\":1,\"\\u0062\":2}", JSON_OK),
    ROW("{\"a:\":\"b:\",\"c\":\":\"}", JSON_OK),

    /* not an object, not JSON, or truncated */
    ROW("", JSON_SYNTAX),
    ROW("   ", JSON_SYNTAX),
    ROW("[]", JSON_SYNTAX),
    ROW("1", JSON_SYNTAX),
    ROW("\"x\"", JSON_SYNTAX),
    ROW("null", JSON_SYNTAX),
    ROW("{", JSON_SYNTAX),
    ROW("{\"a\":1", JSON_SYNTAX),
    ROW("{\"a\":", JSON_SYNTAX),
    ROW("{\"a", JSON_SYNTAX),
    ROW("{\"a\":1,}", JSON_SYNTAX),
    ROW("{\"a\":[1,]}", JSON_SYNTAX),
    ROW("{a:1}", JSON_SYNTAX),
    ROW("{'a':1}", JSON_SYNTAX),
    ROW("{\"a\":'b'}", JSON_SYNTAX),
    ROW("{/*c*/}", JSON_SYNTAX),
    ROW("{\"a\":1/*c*/}", JSON_SYNTAX),
    ROW("{\"a\":NaN}", JSON_SYNTAX),
    ROW("{\"a\":Infinity}", JSON_SYNTAX),
    ROW("{\"a\":-Infinity}", JSON_SYNTAX),
    ROW("{\"a\":01}", JSON_SYNTAX),
    ROW("{\"a\":00}", JSON_SYNTAX),
    ROW("{\"a\":-01}", JSON_SYNTAX),
    ROW("{\"a\":1.}", JSON_SYNTAX),
    ROW("{\"a\":1.e5}", JSON_SYNTAX),
    ROW("{\"a\":.5}", JSON_SYNTAX),
    ROW("{\"a\":1e}", JSON_SYNTAX),
    ROW("{\"a\":+1}", JSON_SYNTAX),
    ROW("{\"a\":0x10}", JSON_SYNTAX),
    ROW("{\"a\":1e999}", JSON_SYNTAX),
    ROW("{\"a\":True}", JSON_SYNTAX),
    ROW("{\"a\":\"\t\"}", JSON_SYNTAX),
    ROW("{\"a\x01\":1}", JSON_SYNTAX),
    ROW("{\"a\":\"\\x41\"}", JSON_SYNTAX),
    ROW("{\"a\":\"\\'\"}", JSON_SYNTAX),
    ROW("{\"a\":\"\\u12\"}", JSON_SYNTAX),
    ROW("\xef\xbb\xbf{}", JSON_SYNTAX),
    ROW("\f{}", JSON_SYNTAX),

    /* data after the object */
    ROW("{}{}", JSON_TRAILING),
    ROW("{} x", JSON_TRAILING),
    ROW("{\"a\":1}garbage", JSON_TRAILING),
    ROW("{}]", JSON_TRAILING),
    ROW("{}//c", JSON_TRAILING),

    /* invalid UTF-8 bytes */
    ROW("{\"a\":\"\xff\"}", JSON_UTF8),
    ROW("{\"a\":\"\xc0\x80\"}", JSON_UTF8),
    ROW("{\"a\":\"\xc1\xbf\"}", JSON_UTF8),
    ROW("{\"a\":\"\xe0\x80\xaf\"}", JSON_UTF8),
    ROW("{\"a\":\"\xf0\x80\x80\xaf\"}", JSON_UTF8),
    ROW("{\"a\":\"\xed\xa0\x80\"}", JSON_UTF8),
    ROW("{\"a\":\"\xf4\x90\x80\x80\"}", JSON_UTF8),
    ROW("{\"a\":\"\xe2\x82\"}", JSON_UTF8),
    ROW("{\"a\":\"\x80\"}", JSON_UTF8),
    ROW("{\"\xfe\":1}", JSON_UTF8),
    ROW("{\"a\":1}\xc2", JSON_UTF8),

    /* lone surrogate escapes */
    ROW("{\"a\":\"\\ud800\"}", JSON_UTF8),
    ROW("{\"a\":\"\\ud800x\"}", JSON_UTF8),
    ROW("{\"a\":\"\\ud800\\u0041\"}", JSON_UTF8),
    ROW("{\"a\":\"\\ud800\\ud800\"}", JSON_UTF8),
    ROW("{\"a\":\"\\udc00\"}", JSON_UTF8),
    ROW("{\"a\":\"\\ude00\\ud83d\"}", JSON_UTF8),
    ROW("{\"a\":\"\\\\\\ud800\"}", JSON_UTF8), /* escaped backslash, then a real escape */
    ROW("{\"\\udbff\":1}", JSON_UTF8),

    /* a key twice in one object */
    ROW("{\"a\":1,\"a\":2}", JSON_DUPKEY),
    ROW("{\"a\":1,\"b\":2,\"a\":1}", JSON_DUPKEY),
    ROW("{\"a\":1,\"\\u0061\":2}", JSON_DUPKEY),
    ROW("{\"x\":{\"b\":1,\"b\":2}}", JSON_DUPKEY),
    ROW("{\"l\":[{\"a\":1,\"a\":1}]}", JSON_DUPKEY),
    ROW("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", JSON_DUPKEY),

    /* NUL */
    ROW("{\"a\":\"\\u0000\"}", JSON_NUL),
    ROW("{\"a\":\"x\\u0000y\"}", JSON_NUL),
    ROW("{\"\\u0000\":1}", JSON_NUL),
    ROW("{\"a\\u0000b\":1,\"a\\u0000c\":2}", JSON_NUL),
    ROW("{\"a\":\"x\0y\"}", JSON_NUL),
    ROW("{}\0", JSON_NUL),
};

/* The input with every byte outside printable ASCII shown as \xNN, for diagnostics. */
static const char *
printable(const char *in, size_t len)
{
    static char buf[256];
    size_t n = 0;

    for (size_t i = 0; i < len && n + 5 < sizeof(buf); i++) {
        unsigned char c = (unsigned char)in[i];

        if (c >= 0x20 && c < 0x7f)
            buf[n++] = (char)c;
        else
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", c);
    }
    buf[n] = '\0';
    return buf;
}

/* Parses a private copy without a terminating NUL, so a read past len is caught
 * by the sanitizers. */
static enum json_status
parse(const char *in, size_t len, size_t max_len, int max_depth, json_object **out)
{
    char *copy = malloc(len ? len : 1);
    enum json_status st;

    memcpy(copy, in, len);
    st = json_parse_strict(copy, len, max_len, max_depth, out);
    free(copy);
    return st;
}

/* "{"a":" depth-1 times, then {}, then the closing braces: depth objects. */
static char *
nested(int depth, size_t *len)
{
    char *s = malloc((size_t)depth * 6 + 1);
    size_t n = 0;

    s[n++] = '{';
    for (int i = 1; i < depth; i++) {
        memcpy(s + n, "\"a\":{", 5);
        n += 5;
    }
    for (int i = 0; i < depth; i++)
        s[n++] = '}';
    *len = n;
    return s;
}

int
main(void)
{
    size_t nrows = sizeof(rows) / sizeof(rows[0]);
    json_object *obj = NULL;
    json_object *v = NULL;
    enum json_status st;
    char *deep = NULL;
    size_t len;
    int null_on_error = 1;

    plan((int)nrows + 12);

    for (size_t i = 0; i < nrows; i++) {
        const struct row *r = &rows[i];

        obj = (json_object *)1;
        st = parse(r->in, r->len, MAX_LEN, MAX_DEPTH, &obj);
        is_int(r->want, st, "line %d: %s -> %s", r->line, printable(r->in, r->len),
               json_status_str(r->want));
        if (st != JSON_OK && obj != NULL)
            null_on_error = 0;
        if (st == JSON_OK && !json_object_is_type(obj, json_type_object))
            diag("FAIL on line %d: JSON_OK without an object", r->line);
        json_object_put(st == JSON_OK ? obj : NULL);
    }
    ok(null_on_error, "*out is NULL whenever the status is not JSON_OK");

    st = parse("{\"a\":1}", 7, 7, MAX_DEPTH, &obj);
    is_int(JSON_OK, st, "exactly max_len bytes is accepted");
    json_object_put(obj);
    st = parse("{\"a\":1}", 7, 6, MAX_DEPTH, &obj);
    is_int(JSON_TOO_LARGE, st, "one byte over max_len is too large");
    st = parse("{\"a\":\"\xff\"}", 9, 4, MAX_DEPTH, &obj);
    is_int(JSON_TOO_LARGE, st, "size is judged before anything else");

    deep = nested(MAX_DEPTH, &len);
    st = parse(deep, len, MAX_LEN, MAX_DEPTH, &obj);
    is_int(JSON_OK, st, "%d nested objects with max_depth %d", MAX_DEPTH, MAX_DEPTH);
    json_object_put(obj);
    free(deep);
    deep = nested(MAX_DEPTH + 1, &len);
    st = parse(deep, len, MAX_LEN, MAX_DEPTH, &obj);
    is_int(JSON_TOO_DEEP, st, "%d nested objects with max_depth %d", MAX_DEPTH + 1, MAX_DEPTH);
    free(deep);
    deep = malloc(20000);
    deep[0] = '{';
    memcpy(deep + 1, "\"a\":", 4);
    memset(deep + 5, '[', 9995);
    memset(deep + 10000, ']', 9995);
    deep[19995] = '}';
    st = parse(deep, 19996, 20000, MAX_DEPTH, &obj);
    is_int(JSON_TOO_DEEP, st, "10000 nested arrays");
    free(deep);

    st = parse("{\"a\":\"\\ud83d\\ude00\",\"n\":-1.5e2}", 31, MAX_LEN, MAX_DEPTH, &obj);
    is_int(JSON_OK, st, "surrogate pair parses");
    v = json_object_object_get(obj, "a");
    is_string("\xf0\x9f\x98\x80", json_object_get_string(v), "surrogate pair decodes to U+1F600");
    v = json_object_object_get(obj, "n");
    ok(json_object_get_double(v) == -150.0, "number value is kept");
    json_object_put(obj);

    st = parse("{\"a\":1,\"a\":2}", 13, MAX_LEN, MAX_DEPTH, &obj);
    ok(st == JSON_DUPKEY && obj == NULL, "a duplicate key gives no object");

    ok(strcmp(json_status_str(JSON_DUPKEY), json_status_str(JSON_NUL)) != 0 &&
           strcmp(json_status_str(JSON_TOO_LARGE), json_status_str(JSON_TOO_DEEP)) != 0,
       "json_status_str tells the statuses apart");

    return done_testing();
}
