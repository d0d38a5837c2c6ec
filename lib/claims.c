/* claims.c - see claims.h. OIDC Core 5.1 standard claims and OpenID Connect for
 * Identity Assurance verified_claims, compared with the values the phone sends.
 * Nothing here is secret (the claims are the user's own, shown back to them),
 * so plain comparisons do; nothing here logs. */
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "claims.h"
#include "json.h"

enum kind {
    K_NAMES,
    K_EMAIL,
    K_PHONE,
    K_GENDER,
    K_BIRTHDATE,
    K_ADDRESS,
    K_DOCUMENT,
    K_UNBACKED,    /* an object scope no standard claim can back */
    K_IS_VERIFIED, /* boolean scopes from here on */
    K_OVER,
};

struct scope {
    const char *name;
    enum kind kind;
    int years;           /* K_OVER */
    const char *missing; /* boolean scopes: why claims_apply refuses without a source */
};

static const struct scope scopes[] = {
    {"names", K_NAMES, 0, NULL},
    {"email", K_EMAIL, 0, NULL},
    {"phone", K_PHONE, 0, NULL},
    {"gender", K_GENDER, 0, NULL},
    {"birthdate", K_BIRTHDATE, 0, NULL},
    {"address", K_ADDRESS, 0, NULL},
    {"document_detail", K_DOCUMENT, 0, NULL},
    {"bank_account", K_UNBACKED, 0, NULL},
    {"instagram_account", K_UNBACKED, 0, NULL},
    {"x_account", K_UNBACKED, 0, NULL},
    {"tiktok_account", K_UNBACKED, 0, NULL},
    {"is_verified", K_IS_VERIFIED, 0,
     "is_verified needs an is_verified or verified_claims claim signed by your identity "
     "provider"},
    {"is_over_18", K_OVER, 18,
     "is_over_18 needs a birthdate or is_over_18 claim signed by your identity provider"},
    {"is_over_21", K_OVER, 21,
     "is_over_21 needs a birthdate or is_over_21 claim signed by your identity provider"},
};

/* names: the value's field and the OIDC claim that backs it. */
static const char *const name_claims[][2] = {
    {"first_name", "given_name"},
    {"family_name", "family_name"},
    {"full_name", "name"},
};

/* Walks the sources' claims objects (each top level, then the "claims" of each
 * verified_claims element) or their "verification" objects. */
struct walk {
    json_object *const *src;
    size_t n;
    size_t i; /* the source */
    size_t j; /* 0: its top level; j > 0: verified_claims element j - 1 */
};

static const struct scope *
scope_find(const char *name)
{
    size_t i;

    for (i = 0; name && i < sizeof scopes / sizeof scopes[0]; i++)
        if (strcmp(scopes[i].name, name) == 0)
            return &scopes[i];
    return NULL;
}

/* obj's member name when it has that type, else NULL (also for a NULL obj). */
static json_object *
member(json_object *obj, const char *name, json_type type)
{
    json_object *v = NULL;

    if (!obj || !json_object_is_type(obj, json_type_object) ||
        !json_object_object_get_ex(obj, name, &v) || !json_object_is_type(v, type))
        return NULL;
    return v;
}

/* Only the JSON boolean true: OIDC's email_verified "true" as a string is not. */
static int
is_true(json_object *obj, const char *name)
{
    json_object *v = member(obj, name, json_type_boolean);

    return v && json_object_get_boolean(v);
}

static char
ascii_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int
same(const char *a, size_t alen, const char *b, size_t blen, int fold)
{
    size_t i;

    if (!a || !b || alen != blen)
        return 0;
    if (!fold)
        return memcmp(a, b, alen) == 0;
    for (i = 0; i < alen; i++)
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return 0;
    return 1;
}

/* a's string member an equals b's string member bn. */
static int
same_field(json_object *a, const char *an, json_object *b, const char *bn)
{
    size_t alen = 0, blen = 0;
    const char *as = json_string_member(a, an, &alen), *bs = json_string_member(b, bn, &blen);

    return same(as, alen, bs, blen, 0);
}

static size_t
vc_count(json_object *top)
{
    json_object *vc = NULL;

    if (!json_object_object_get_ex(top, "verified_claims", &vc))
        return 0;
    if (json_object_is_type(vc, json_type_object))
        return 1;
    if (json_object_is_type(vc, json_type_array))
        return json_object_array_length(vc);
    return 0;
}

static json_object *
vc_element(json_object *top, size_t k)
{
    json_object *vc = NULL;

    json_object_object_get_ex(top, "verified_claims", &vc);
    if (json_object_is_type(vc, json_type_object))
        return vc;
    return json_object_array_get_idx(vc, k);
}

static void
walk_init(struct walk *w, json_object *const *src, size_t n)
{
    w->src = src;
    w->n = src ? n : 0;
    w->i = 0;
    w->j = 0;
}

/* The next top level (when with_top) or object "what" of a verified_claims
 * element, or NULL at the end. */
static json_object *
walk_next(struct walk *w, int with_top, const char *what)
{
    json_object *top = NULL, *o = NULL;

    for (; w->i < w->n; w->i++, w->j = 0) {
        top = w->src[w->i];
        if (!top || !json_object_is_type(top, json_type_object))
            continue;
        if (w->j == 0) {
            w->j = 1;
            if (with_top)
                return top;
        }
        while (w->j - 1 < vc_count(top)) {
            o = member(vc_element(top, w->j++ - 1), what, json_type_object);
            if (o)
                return o;
        }
    }
    return NULL;
}

static json_object *
next_claims(struct walk *w)
{
    return walk_next(w, 1, "claims");
}

static json_object *
next_verification(struct walk *w)
{
    return walk_next(w, 0, "verification");
}

/* Some claims object has the string claim equal to want (any string when want
 * is NULL) and, when flag is given, the boolean flag true beside it. */
static int
find_claim(json_object *const *src, size_t n, const char *claim, const char *flag, const char *want,
           size_t want_len, int fold)
{
    struct walk w;
    json_object *c = NULL;
    const char *s = NULL;
    size_t len = 0;

    walk_init(&w, src, n);
    while ((c = next_claims(&w))) {
        s = json_string_member(c, claim, &len);
        if (s && (!want || same(want, want_len, s, len, fold)) && (!flag || is_true(c, flag)))
            return 1;
    }
    return 0;
}

/* value's string field equals a signed claim (with its flag). */
static int
field_backed(json_object *const *src, size_t n, json_object *value, const char *field,
             const char *claim, const char *flag, int fold)
{
    size_t len = 0;
    const char *v = json_string_member(value, field, &len);

    return v && find_claim(src, n, claim, flag, v, len, fold);
}

/* Every name the value has, and at least one, equals its signed claim. */
static int
names_backed(json_object *const *src, size_t n, json_object *value)
{
    size_t i, present = 0;

    for (i = 0; i < sizeof name_claims / sizeof name_claims[0]; i++) {
        if (!json_object_object_get_ex(value, name_claims[i][0], NULL))
            continue;
        present++;
        if (!field_backed(src, n, value, name_claims[i][0], name_claims[i][1], NULL, 0))
            return 0;
    }
    return present > 0;
}

/* Every field of the value but the two flags, and at least one, is a string
 * equal to the same field of this one address claim: a region the claim lacks
 * is not vouched for. */
static int
address_equal(json_object *value, json_object *claim)
{
    size_t compared = 0;

    json_object_object_foreach(value, field, v)
    {
        if (strcmp(field, "is_verified") == 0 || strcmp(field, "is_primary") == 0)
            continue;
        if (!json_object_is_type(v, json_type_string) || !same_field(value, field, claim, field))
            return 0;
        compared++;
    }
    return compared > 0;
}

static int
address_backed(json_object *const *src, size_t n, json_object *value)
{
    struct walk w;
    json_object *c = NULL, *addr = NULL;

    walk_init(&w, src, n);
    while ((c = next_claims(&w))) {
        addr = member(c, "address", json_type_object);
        if (addr && (!value || address_equal(value, addr)))
            return 1;
    }
    return 0;
}

/* Some verification's evidence has document_details (equal to value's unless
 * value is NULL). */
static int
document_backed(json_object *const *src, size_t n, json_object *value)
{
    struct walk w;
    json_object *ver = NULL, *ev = NULL, *dd = NULL;
    size_t k, len;

    walk_init(&w, src, n);
    while ((ver = next_verification(&w))) {
        ev = member(ver, "evidence", json_type_array);
        len = ev ? json_object_array_length(ev) : 0;
        for (k = 0; k < len; k++) {
            dd = member(json_object_array_get_idx(ev, k), "document_details", json_type_object);
            if (!dd)
                continue;
            if (!value || (same_field(value, "document_type", dd, "type") &&
                           same_field(value, "document_number", dd, "document_number") &&
                           same_field(value, "issuing_country",
                                      member(dd, "issuer", json_type_object), "country") &&
                           same_field(value, "expiration_date", dd, "date_of_expiry")))
                return 1;
        }
    }
    return 0;
}

static int
leap(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* "YYYY-MM-DD", a real calendar date with year >= 1: 0 and the parts, else -1
 * (OIDC also allows "0000-MM-DD" and "YYYY", which give no age). */
static int
parse_date(const char *s, size_t len, int *y, int *m, int *d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    size_t i;

    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (i = 0; i < len; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    *m = (s[5] - '0') * 10 + (s[6] - '0');
    *d = (s[8] - '0') * 10 + (s[9] - '0');
    if (*y < 1 || *m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1] + (*m == 2 && leap(*y)))
        return -1;
    return 0;
}

/* Whole years from birth to the UTC date of now, 0 and *age (negative for a
 * future birth), or -1. A 29 February birthday falls on 1 March in common years
 * without a special case: 28 February still sorts before 29 February. */
static int
age_on(const char *birth, size_t len, time_t now, int *age)
{
    struct tm tm;
    int by, bm, bd, y, m, d;

    if (parse_date(birth, len, &by, &bm, &bd) != 0 || !gmtime_r(&now, &tm))
        return -1;
    y = tm.tm_year + 1900;
    m = tm.tm_mon + 1;
    d = tm.tm_mday;
    *age = y - by - (m < bm || (m == bm && d < bd));
    return 0;
}

/* 1 and *out when some claims object has the boolean claim: false if any says
 * false. 0 without one. */
static int
boolean_claim(json_object *const *src, size_t n, const char *claim, int *out)
{
    struct walk w;
    json_object *c = NULL, *b = NULL;
    int found = 0;

    *out = 1;
    walk_init(&w, src, n);
    while ((c = next_claims(&w))) {
        b = member(c, claim, json_type_boolean);
        if (!b)
            continue;
        found = 1;
        if (!json_object_get_boolean(b))
            *out = 0;
    }
    if (!found)
        *out = 0;
    return found;
}

/* 1 and *out for a boolean scope backed by a signed source, 0 without one. */
static int
boolean_value(json_object *const *src, size_t n, const struct scope *sc, time_t now, int *out)
{
    struct walk w;
    json_object *c = NULL;
    const char *s = NULL;
    size_t len = 0;
    int age, found = 0;

    *out = 0;
    if (sc->kind == K_IS_VERIFIED) {
        if (boolean_claim(src, n, "is_verified", out))
            return 1;
        walk_init(&w, src, n);
        *out = next_verification(&w) != NULL;
        return *out;
    }
    /* K_OVER: every valid signed birthdate must say old enough */
    *out = 1;
    walk_init(&w, src, n);
    while ((c = next_claims(&w))) {
        s = json_string_member(c, "birthdate", &len);
        if (!s || age_on(s, len, now, &age) != 0)
            continue;
        found = 1;
        if (age < sc->years)
            *out = 0;
    }
    if (found)
        return 1;
    return boolean_claim(src, n, sc->name, out);
}

/* Whether the signed claims vouch for this object value of an object scope. */
static int
object_verified(json_object *const *src, size_t n, enum kind kind, json_object *value)
{
    switch (kind) {
    case K_NAMES:
        return names_backed(src, n, value);
    case K_EMAIL:
        return field_backed(src, n, value, "email", "email", "email_verified", 1);
    case K_PHONE:
        return field_backed(src, n, value, "phone_number", "phone_number", "phone_number_verified",
                            0);
    case K_GENDER:
        return field_backed(src, n, value, "gender", "gender", NULL, 0);
    case K_BIRTHDATE:
        return field_backed(src, n, value, "birthdate", "birthdate", NULL, 0);
    case K_ADDRESS:
        return address_backed(src, n, value);
    case K_DOCUMENT:
        return document_backed(src, n, value);
    case K_UNBACKED:
    case K_IS_VERIFIED:
    case K_OVER:
        break;
    }
    return 0;
}

/* The boolean scope of data that has no signed source, or NULL. */
static const struct scope *
first_unbacked(json_object *const *src, size_t n, json_object *data, time_t now)
{
    const struct scope *sc = NULL;
    int b;

    json_object_object_foreach(data, key, value)
    {
        sc = scope_find(key);
        if (sc && sc->kind >= K_IS_VERIFIED && json_object_is_type(value, json_type_boolean) &&
            !boolean_value(src, n, sc, now, &b))
            return sc;
    }
    return NULL;
}

int
claims_backs(json_object *const *src, size_t n, const char *scope)
{
    const struct scope *sc = scope_find(scope);
    int b;

    if (!sc)
        return 0;
    switch (sc->kind) {
    case K_NAMES:
        return find_claim(src, n, "given_name", NULL, NULL, 0, 0) ||
               find_claim(src, n, "family_name", NULL, NULL, 0, 0) ||
               find_claim(src, n, "name", NULL, NULL, 0, 0);
    case K_EMAIL:
        return find_claim(src, n, "email", "email_verified", NULL, 0, 0);
    case K_PHONE:
        return find_claim(src, n, "phone_number", "phone_number_verified", NULL, 0, 0);
    case K_GENDER:
        return find_claim(src, n, "gender", NULL, NULL, 0, 0);
    case K_BIRTHDATE:
        return find_claim(src, n, "birthdate", NULL, NULL, 0, 0);
    case K_ADDRESS:
        return address_backed(src, n, NULL);
    case K_DOCUMENT:
        return document_backed(src, n, NULL);
    case K_IS_VERIFIED:
    case K_OVER:
        /* any day will do: whether there is a source does not depend on it */
        return boolean_value(src, n, sc, 0, &b);
    case K_UNBACKED:
        break;
    }
    return 0;
}

int
claims_apply(json_object *const *src, size_t n, json_object *data, time_t now, const char **why)
{
    const struct scope *sc = NULL;
    const char *reason = NULL;
    int b, rc = -1;

    if (!data || !json_object_is_type(data, json_type_object)) {
        reason = "user_data must be an object";
        goto out;
    }
    /* Refuse before rewriting anything, so a refused update is left as sent. */
    sc = first_unbacked(src, n, data, now);
    if (sc) {
        reason = sc->missing;
        goto out;
    }
    json_object_object_foreach(data, key, value)
    {
        sc = scope_find(key);
        if (!sc)
            continue;
        if (sc->kind >= K_IS_VERIFIED) {
            if (json_object_is_type(value, json_type_boolean) && boolean_value(src, n, sc, now, &b))
                json_object_set_boolean(value, b);
        } else if (json_object_is_type(value, json_type_object)) {
            /* replaces whatever the phone sent under this key */
            json_object_object_add(
                value, "is_verified",
                json_object_new_boolean(object_verified(src, n, sc->kind, value)));
        }
    }
    rc = 0;
out:
    if (why)
        *why = reason;
    return rc;
}
