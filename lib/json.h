/* json.h - strict JSON parsing on json-c. */
#ifndef QRSHARE_JSON_H
#define QRSHARE_JSON_H

#include <stddef.h>
#include <json-c/json.h>
#include "util.h"

enum json_status {
    JSON_OK = 0,
    JSON_TOO_LARGE, /* over max_len bytes */
    JSON_TOO_DEEP,  /* nesting over max_depth */
    JSON_SYNTAX,    /* not JSON, truncated, or not an object at the top */
    JSON_TRAILING,  /* data after the value, e.g. {}{} */
    JSON_UTF8,      /* invalid UTF-8, or a lone surrogate escape */
    JSON_DUPKEY,    /* a key twice in one object */
    JSON_NUL,       /* \u0000 in a string or key */
};

/* Parses buf[0..len) (need not be NUL-terminated) strictly: the top value must be
 * an object. On JSON_OK *out is a new reference (caller json_object_put()s it);
 * otherwise *out is NULL. */
enum json_status json_parse_strict(const char *buf, size_t len, size_t max_len, int max_depth,
                                   json_object **out) WUR;

/* A short English description of st, for error_description. Static storage. */
const char *json_status_str(enum json_status st);

/* The string member name of obj and its length in *len, or NULL when obj is not an
 * object, the member is absent or of another type, or the string holds a NUL (strcmp
 * would see a prefix only). */
const char *json_string_member(json_object *obj, const char *name, size_t *len);

#endif
