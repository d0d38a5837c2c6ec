/* fuzz-json.c - libFuzzer harness for json_parse_strict (lib/json.h).
 *
 * Input: one byte choosing the limits, then the text. The limits byte picks
 * max_depth (1..32; the request handlers use 32, JWT parts 4 and 16) and
 * max_len (from a handful of sizes, so that JSON_TOO_LARGE is reached with
 * short inputs as well as the real 65536).
 *
 * Asserted, beyond "no sanitizer report":
 *   - the status is one of enum json_status, and *out is set exactly on JSON_OK;
 *   - JSON_OK gives an object, never for len > max_len;
 *   - what is accepted re-serialises (json-c, plain) to text that is accepted
 *     again and gives an equal object (json_object_equal): the checks json.c
 *     adds on top of json-c must not refuse what json-c itself writes, and the
 *     parse must not lose or invent members. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "json.h"

static const size_t max_lens[] = {8, 64, 1024, 65536};

static void
fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "fuzz-json: %s (input of %zu bytes)\n", what, size);
    (void)data;
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_object *obj = NULL, *again = NULL;
    enum json_status st, st2;
    const char *text = NULL;
    size_t max_len, text_len;
    int max_depth;

    if (size < 1)
        return 0;
    max_depth = 1 + (data[0] & 0x1f);
    max_len = max_lens[(data[0] >> 5) & 3];
    data++;
    size--;

    /* data[0..size) is libFuzzer's own heap copy of exactly size bytes, not
     * NUL-terminated: a read past len is an ASan report. */
    st = json_parse_strict((const char *)data, size, max_len, max_depth, &obj);
    if (st > JSON_NUL)
        fail("status outside enum json_status", data, size);
    if ((st == JSON_OK) != (obj != NULL))
        fail("*out set on failure or NULL on success", data, size);
    if (st != JSON_OK)
        goto out;
    if (size > max_len)
        fail("accepted more than max_len bytes", data, size);
    if (!json_object_is_type(obj, json_type_object))
        fail("accepted a top-level value that is not an object", data, size);

    /* Round trip. Plain output drops whitespace but may escape '/' as "\/",
     * so it can be longer than the input: allow for that in max_len. */
    text = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN);
    if (!text)
        fail("accepted object does not serialise", data, size);
    text_len = strlen(text);
    st2 = json_parse_strict(text, text_len, 2 * size + 64, max_depth, &again);
    if (st2 != JSON_OK) {
        fprintf(stderr, "fuzz-json: re-serialised text refused: %s\n", json_status_str(st2));
        fail("round trip refused", data, size);
    }
    if (!json_object_equal(obj, again))
        fail("round trip gives a different object", data, size);
out:
    json_object_put(obj);
    json_object_put(again);
    return 0;
}
