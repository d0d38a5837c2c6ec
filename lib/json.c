/* json.c - see json.h.
 *
 * json-c parses the structure and enforces the depth limit. Its strict mode in
 * 0.16 still takes things RFC 8259 forbids, so the text json-c accepted is
 * checked once more: UTF-8 (json-c takes overlong forms, encoded surrogates and
 * code points over U+10FFFF), lone surrogate escapes (json-c turns them into
 * U+FFFD), \u0000 (json-c cuts a key at it), 'single quoted' strings, NaN and
 * Infinity, numbers like 00, -01 and 1., raw control characters in strings, and
 * keys given twice (json-c keeps the last). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "log.h"

static int
is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 3629: shortest form only, no surrogates, nothing over U+10FFFF. */
static int
utf8_valid(const unsigned char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned int c = s[i];
        unsigned int cp;
        unsigned int min;
        size_t more;

        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            more = 1, cp = c & 0x1f, min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2, cp = c & 0x0f, min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (len - i <= more)
            return 0;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += more + 1;
    }
    return 1;
}

/* The value of the 4 hex digits at p[i..i+4), or -1. */
static long
hex4(const char *p, size_t len, size_t i)
{
    long v = 0;

    if (len < 4 || i > len - 4)
        return -1;
    for (size_t k = i; k < i + 4; k++) {
        char c = p[k];

        v <<= 4;
        if (is_digit(c))
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return -1;
    }
    return v;
}

/* The string whose opening quote is at p[*pos]; leaves *pos after its closing quote. */
static enum json_status
scan_string(const char *p, size_t len, size_t *pos)
{
    size_t i = *pos + 1;

    while (i < len && p[i] != '"') {
        long u;
        long lo;

        if ((unsigned char)p[i] < 0x20)
            return JSON_SYNTAX;
        if (p[i] != '\\') {
            i++;
            continue;
        }
        if (i + 1 >= len || p[i + 1] == '\0' || strchr("\"\\/bfnrtu", p[i + 1]) == NULL)
            return JSON_SYNTAX;
        if (p[i + 1] != 'u') {
            i += 2;
            continue;
        }
        u = hex4(p, len, i + 2);
        i += 6;
        if (u < 0)
            return JSON_SYNTAX;
        if (u == 0)
            return JSON_NUL;
        if (u >= 0xdc00 && u <= 0xdfff)
            return JSON_UTF8; /* a low surrogate with no high one before it */
        if (u >= 0xd800 && u <= 0xdbff) {
            lo = (i + 1 < len && p[i] == '\\' && p[i + 1] == 'u') ? hex4(p, len, i + 2) : -1;
            if (lo < 0xdc00 || lo > 0xdfff)
                return JSON_UTF8;
            i += 6;
        }
    }
    if (i >= len)
        return JSON_SYNTAX;
    *pos = i + 1;
    return JSON_OK;
}

/* One or more digits at p[*pos]; 0 when there are none. */
static int
scan_digits(const char *p, size_t len, size_t *pos)
{
    size_t start = *pos;

    while (*pos < len && is_digit(p[*pos]))
        (*pos)++;
    return *pos > start;
}

/* RFC 8259 number: -? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?, then a delimiter. */
static int
scan_number(const char *p, size_t len, size_t *pos)
{
    size_t i = *pos;

    if (i < len && p[i] == '-')
        i++;
    if (i < len && p[i] == '0')
        i++;
    else if (!scan_digits(p, len, &i))
        return -1;
    if (i < len && p[i] == '.') {
        i++;
        if (!scan_digits(p, len, &i))
            return -1;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-'))
            i++;
        if (!scan_digits(p, len, &i))
            return -1;
    }
    if (i < len && !is_ws(p[i]) && p[i] != ',' && p[i] != '}' && p[i] != ']')
        return -1;
    *pos = i;
    return 0;
}

static int
scan_literal(const char *p, size_t len, size_t *pos, const char *word)
{
    size_t n = strlen(word);

    if (len - *pos < n || memcmp(p + *pos, word, n) != 0)
        return 0;
    *pos += n;
    return 1;
}

/* Checks every token of p[0..len) against RFC 8259 and counts the object
 * members written in the text: a string followed by ':' is a key. */
static enum json_status
scan(const char *p, size_t len, size_t *nkeys)
{
    size_t i = 0;
    enum json_status st;

    *nkeys = 0;
    while (i < len) {
        char c = p[i];

        if (c == '"') {
            st = scan_string(p, len, &i);
            if (st != JSON_OK)
                return st;
            for (size_t j = i; j < len && (is_ws(p[j]) || p[j] == ':'); j++) {
                if (p[j] == ':') {
                    (*nkeys)++;
                    break;
                }
            }
        } else if (c == '-' || is_digit(c)) {
            if (scan_number(p, len, &i) < 0)
                return JSON_SYNTAX;
        } else if (is_ws(c) || (c != '\0' && strchr("{}[]:,", c) != NULL)) {
            i++;
        } else if (!scan_literal(p, len, &i, "true") && !scan_literal(p, len, &i, "false") &&
                   !scan_literal(p, len, &i, "null")) {
            return JSON_SYNTAX;
        }
    }
    return JSON_OK;
}

/* Counts the members of every object under o; refuses numbers json-c made
 * infinite (1e999). Recursion is bounded by the tokener's depth limit. */
static enum json_status
walk(json_object *o, size_t *nkeys)
{
    enum json_status st = JSON_OK;

    switch (json_object_get_type(o)) {
    case json_type_object: {
        json_object_object_foreach(o, key, val)
        {
            (void)key;
            (*nkeys)++;
            st = walk(val, nkeys);
            if (st != JSON_OK)
                return st;
        }
        break;
    }
    case json_type_array:
        for (size_t i = 0; i < json_object_array_length(o); i++) {
            st = walk(json_object_array_get_idx(o, i), nkeys);
            if (st != JSON_OK)
                return st;
        }
        break;
    case json_type_double:
        if (!isfinite(json_object_get_double(o)))
            return JSON_SYNTAX;
        break;
    default:
        break;
    }
    return st;
}

static json_tokener *
tokener_new(int max_depth)
{
    json_tokener *tok = json_tokener_new_ex(max_depth);

    if (tok == NULL) {
        log_error("out of memory (json_tokener_new_ex)");
        abort();
    }
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    return tok;
}

/* 1 when buf[0..len) alone is a complete JSON value: json-c stopped at len
 * because what follows is a second value, not because the first one is broken. */
static int
complete_before(const char *buf, size_t len, int max_depth)
{
    json_tokener *tok = tokener_new(max_depth);
    json_object *o = json_tokener_parse_ex(tok, buf, (int)len);
    int complete = o != NULL && json_tokener_get_error(tok) == json_tokener_success;

    json_object_put(o);
    json_tokener_free(tok);
    return complete;
}

enum json_status
json_parse_strict(const char *buf, size_t len, size_t max_len, int max_depth, json_object **out)
{
    json_tokener *tok = NULL;
    json_object *obj = NULL;
    enum json_status st = JSON_SYNTAX;
    enum json_tokener_error err;
    size_t end;
    size_t text_keys = 0;
    size_t tree_keys = 0;

    *out = NULL;
    if (len > max_len || len > INT_MAX) {
        st = JSON_TOO_LARGE;
        goto out;
    }
    if (max_depth < 1) {
        st = JSON_TOO_DEEP;
        goto out;
    }
    if (memchr(buf, '\0', len) != NULL) {
        st = JSON_NUL;
        goto out;
    }
    if (!utf8_valid((const unsigned char *)buf, len)) {
        st = JSON_UTF8;
        goto out;
    }

    tok = tokener_new(max_depth);
    obj = json_tokener_parse_ex(tok, buf, (int)len);
    err = json_tokener_get_error(tok);
    end = json_tokener_get_parse_end(tok);
    if (err == json_tokener_error_depth) {
        st = JSON_TOO_DEEP;
        goto out;
    }
    if (err != json_tokener_success) {
        st = (err != json_tokener_continue && end > 0 && complete_before(buf, end, max_depth))
                 ? JSON_TRAILING
                 : JSON_SYNTAX;
        goto out;
    }
    for (; end < len; end++) {
        if (!is_ws(buf[end])) {
            st = JSON_TRAILING;
            goto out;
        }
    }
    if (!json_object_is_type(obj, json_type_object)) {
        st = JSON_SYNTAX;
        goto out;
    }
    st = scan(buf, len, &text_keys);
    if (st != JSON_OK)
        goto out;
    st = walk(obj, &tree_keys);
    if (st != JSON_OK)
        goto out;
    /* json-c keeps one member per key, so a key given twice leaves fewer in the tree. */
    if (tree_keys != text_keys) {
        st = JSON_DUPKEY;
        goto out;
    }
    *out = obj;
    obj = NULL;
    st = JSON_OK;
out:
    json_object_put(obj);
    if (tok != NULL)
        json_tokener_free(tok);
    return st;
}

const char *
json_status_str(enum json_status st)
{
    switch (st) {
    case JSON_OK:
        return "valid JSON";
    case JSON_TOO_LARGE:
        return "the JSON body is too large";
    case JSON_TOO_DEEP:
        return "the JSON body is nested too deeply";
    case JSON_SYNTAX:
        return "the body is not a well-formed JSON object";
    case JSON_TRAILING:
        return "data after the JSON object";
    case JSON_UTF8:
        return "the JSON body is not valid UTF-8";
    case JSON_DUPKEY:
        return "a key appears twice in a JSON object";
    case JSON_NUL:
        return "a JSON string contains a NUL character";
    }
    return "invalid JSON";
}

const char *
json_string_member(json_object *obj, const char *name, size_t *len)
{
    json_object *v = NULL;
    const char *s;

    if (!json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    s = json_object_get_string(v);
    *len = (size_t)json_object_get_string_len(v);
    return strlen(s) == *len ? s : NULL;
}
