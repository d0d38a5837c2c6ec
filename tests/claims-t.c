/* claims-t.c - what the identity provider's signed claims vouch for: a table of
 * claims, the user_data the phone sends, and what qrshare makes of it. JSON is
 * written with ' for " here; the dates are turned into times with their own
 * arithmetic, not the library's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "claims.h"
#include "json.h"
#include "tap.h"
#include "util.h"

#define NOW "2024-03-01 12:00:00"

/* Claims, as the identity provider signs them. */
#define NAMES_C "{'given_name':'Ann','family_name':'Lee','name':'Ann Lee'}"
#define EMAIL_C(v, flag) "{'email':'" v "','email_verified':" flag "}"
#define PHONE_C(v, flag) "{'phone_number':'" v "','phone_number_verified':" flag "}"
#define ADDR_NOREG                                                                                 \
    "'formatted':'1 Main St, Springfield','street_address':'1 Main St','locality':"                \
    "'Springfield','postal_code':'62701','country':'US'"
#define ADDR_FULL ADDR_NOREG ",'region':'IL'"
#define VER "'verification':{'trust_framework':'eidas'}"
#define VC(claims) "{'verified_claims':{" VER ",'claims':" claims "}}"
#define DOC_EV(type, num, country, exp)                                                            \
    "{'type':'document','document_details':{'type':'" type "','document_number':'" num             \
    "','issuer':{'name':'Gov','country':'" country "'},'date_of_expiry':'" exp "'}}"
#define DOC_ANN DOC_EV("passport", "X123", "DE", "2030-01-31")
#define VC_EV(evidence)                                                                            \
    "{'verified_claims':{'verification':{'trust_framework':'eidas','evidence':[" evidence          \
    "]},'claims':{}}}"
#define BIRTH_C(d) "{'birthdate':'" d "'}"

/* user_data, as the phone sends it. */
#define NAMES(fields) "{'names':{" fields "}}"
#define EMAIL(v, ver, pri) "{'email':{'email':'" v "','is_verified':" ver ",'is_primary':" pri "}}"
#define PHONE(v, ver) "{'phone':{'phone_number':'" v "','is_verified':" ver ",'is_primary':true}}"
#define ADDR(fields, ver) "{'address':{" fields ",'is_verified':" ver ",'is_primary':true}}"
#define DOC(type, num, country, exp, ver)                                                          \
    "{'document_detail':{'document_type':'" type "','document_number':'" num                       \
    "','issuing_country':'" country "','expiration_date':'" exp "','is_verified':" ver "}}"
#define DOC_ANN_V(ver) DOC("passport", "X123", "DE", "2030-01-31", ver)

#define WHY_18 "is_over_18 needs a birthdate or is_over_18 claim signed by your identity provider"
#define WHY_21 "is_over_21 needs a birthdate or is_over_21 claim signed by your identity provider"
#define WHY_VERIFIED                                                                               \
    "is_verified needs an is_verified or verified_claims claim signed by your identity provider"

struct apply_row {
    int line;
    const char *desc;
    const char *src1, *src2; /* the bearer token's and the claims_token's claims, or NULL */
    const char *when;        /* the confirmation time, UTC */
    const char *data;        /* user_data sent */
    const char *why;         /* NULL: accepted */
    const char *out;         /* user_data afterwards (refused: as sent) */
};

/* clang-format off */
#define ACCEPT_AT(when, desc, s1, s2, data, out) {__LINE__, desc, s1, s2, when, data, NULL, out}
#define ACCEPT(desc, s1, s2, data, out) ACCEPT_AT(NOW, desc, s1, s2, data, out)
#define REFUSE(desc, s1, s2, data, why) {__LINE__, desc, s1, s2, NOW, data, why, data}
#define SAME(desc, s1, s2, data) ACCEPT(desc, s1, s2, data, data)
/* clang-format on */

static const struct apply_row apply_rows[] = {
    /* names */
    ACCEPT(
        "all three names signed", NAMES_C, NULL,
        NAMES("'first_name':'Ann','family_name':'Lee','full_name':'Ann Lee','is_verified':false"),
        NAMES("'first_name':'Ann','family_name':'Lee','full_name':'Ann Lee','is_verified':true")),
    ACCEPT("one name sent, signed", NAMES_C, NULL, NAMES("'first_name':'Ann','is_verified':false"),
           NAMES("'first_name':'Ann','is_verified':true")),
    ACCEPT("is_verified added when the phone leaves it out", NAMES_C, NULL,
           NAMES("'full_name':'Ann Lee'"), NAMES("'full_name':'Ann Lee','is_verified':true")),
    ACCEPT("names partially matching", NAMES_C, NULL,
           NAMES("'first_name':'Ann','family_name':'Li','is_verified':true"),
           NAMES("'first_name':'Ann','family_name':'Li','is_verified':false")),
    ACCEPT("a name sent that no claim has", "{'given_name':'Ann'}", NULL,
           NAMES("'first_name':'Ann','full_name':'Ann Lee','is_verified':true"),
           NAMES("'first_name':'Ann','full_name':'Ann Lee','is_verified':false")),
    ACCEPT("names compared exactly (case)", NAMES_C, NULL,
           NAMES("'first_name':'ann','is_verified':true"),
           NAMES("'first_name':'ann','is_verified':false")),
    ACCEPT("first_name is not compared with name", "{'name':'Ann'}", NULL,
           NAMES("'first_name':'Ann','is_verified':true"),
           NAMES("'first_name':'Ann','is_verified':false")),
    ACCEPT("the phone's is_verified true without a claim", "{}", NULL,
           NAMES("'first_name':'Ann','is_verified':true"),
           NAMES("'first_name':'Ann','is_verified':false")),
    ACCEPT("no name at all", NAMES_C, NULL, NAMES("'is_verified':true"),
           NAMES("'is_verified':false")),
    ACCEPT("a name that is not a string", "{'given_name':'1'}", NULL,
           NAMES("'first_name':1,'is_verified':true"), NAMES("'first_name':1,'is_verified':false")),
    ACCEPT("a name claim that is not a string", "{'given_name':1}", NULL,
           NAMES("'first_name':'1','is_verified':true"),
           NAMES("'first_name':'1','is_verified':false")),
    ACCEPT("names from both sources", "{'given_name':'Ann'}", "{'family_name':'Lee'}",
           NAMES("'first_name':'Ann','family_name':'Lee','is_verified':false"),
           NAMES("'first_name':'Ann','family_name':'Lee','is_verified':true")),

    /* email */
    ACCEPT("email signed and verified", EMAIL_C("ann@example.org", "true"), NULL,
           EMAIL("ann@example.org", "false", "false"), EMAIL("ann@example.org", "true", "false")),
    ACCEPT("email compared case-insensitively", EMAIL_C("Ann@Example.ORG", "true"), NULL,
           EMAIL("aNN@example.org", "false", "true"), EMAIL("aNN@example.org", "true", "true")),
    ACCEPT("email_verified false", EMAIL_C("ann@example.org", "false"), NULL,
           EMAIL("ann@example.org", "true", "true"), EMAIL("ann@example.org", "false", "true")),
    ACCEPT("email_verified the string true", EMAIL_C("ann@example.org", "'true'"), NULL,
           EMAIL("ann@example.org", "true", "true"), EMAIL("ann@example.org", "false", "true")),
    ACCEPT("email_verified 1", EMAIL_C("ann@example.org", "1"), NULL,
           EMAIL("ann@example.org", "true", "true"), EMAIL("ann@example.org", "false", "true")),
    ACCEPT("email_verified missing", "{'email':'ann@example.org'}", NULL,
           EMAIL("ann@example.org", "true", "true"), EMAIL("ann@example.org", "false", "true")),
    ACCEPT("another email", EMAIL_C("ann@example.org", "true"), NULL,
           EMAIL("ann@example.com", "true", "true"), EMAIL("ann@example.com", "false", "true")),
    ACCEPT("email_verified of another source's email", "{'email':'ann@example.org'}",
           "{'email':'bob@example.org','email_verified':true}",
           EMAIL("ann@example.org", "true", "true"), EMAIL("ann@example.org", "false", "true")),
    ACCEPT("email verified in the claims_token only", EMAIL_C("ann@example.org", "false"),
           EMAIL_C("ann@example.org", "true"), EMAIL("ann@example.org", "false", "false"),
           EMAIL("ann@example.org", "true", "false")),
    ACCEPT("is_primary kept as sent", "{}", NULL, EMAIL("ann@example.org", "true", "true"),
           EMAIL("ann@example.org", "false", "true")),
    SAME("an email that is not an object is left alone", EMAIL_C("ann@example.org", "true"), NULL,
         "{'email':'ann@example.org'}"),

    /* phone */
    ACCEPT("phone signed and verified", PHONE_C("+441234567890", "true"), NULL,
           PHONE("+441234567890", "false"), PHONE("+441234567890", "true")),
    ACCEPT("phone_number_verified false", PHONE_C("+441234567890", "false"), NULL,
           PHONE("+441234567890", "true"), PHONE("+441234567890", "false")),
    ACCEPT("phone_number_verified the string true", PHONE_C("+441234567890", "'true'"), NULL,
           PHONE("+441234567890", "true"), PHONE("+441234567890", "false")),
    ACCEPT("another phone number", PHONE_C("+441234567890", "true"), NULL,
           PHONE("+441234567891", "true"), PHONE("+441234567891", "false")),
    ACCEPT("email_verified does not verify a phone",
           "{'phone_number':'+441234567890','email_verified':true}", NULL,
           PHONE("+441234567890", "true"), PHONE("+441234567890", "false")),

    /* gender, birthdate */
    ACCEPT("gender signed", "{'gender':'female'}", NULL,
           "{'gender':{'gender':'female','is_verified':false}}",
           "{'gender':{'gender':'female','is_verified':true}}"),
    ACCEPT("another gender", "{'gender':'female'}", NULL,
           "{'gender':{'gender':'male','is_verified':true}}",
           "{'gender':{'gender':'male','is_verified':false}}"),
    ACCEPT("birthdate signed", BIRTH_C("1990-05-17"), NULL,
           "{'birthdate':{'birthdate':'1990-05-17','is_verified':false}}",
           "{'birthdate':{'birthdate':'1990-05-17','is_verified':true}}"),
    ACCEPT("another birthdate", BIRTH_C("1990-05-17"), NULL,
           "{'birthdate':{'birthdate':'1990-05-18','is_verified':true}}",
           "{'birthdate':{'birthdate':'1990-05-18','is_verified':false}}"),

    /* address */
    ACCEPT("address signed", "{'address':{" ADDR_FULL "}}", NULL, ADDR(ADDR_FULL, "false"),
           ADDR(ADDR_FULL, "true")),
    ACCEPT("address without the claim's region", "{'address':{" ADDR_FULL "}}", NULL,
           ADDR(ADDR_NOREG, "false"), ADDR(ADDR_NOREG, "true")),
    ACCEPT("region absent in the claim", "{'address':{" ADDR_NOREG "}}", NULL,
           ADDR(ADDR_FULL, "true"), ADDR(ADDR_FULL, "false")),
    ACCEPT("another postal code", "{'address':{" ADDR_FULL "}}", NULL,
           ADDR(ADDR_NOREG ",'region':'IN'", "true"), ADDR(ADDR_NOREG ",'region':'IN'", "false")),
    ACCEPT("address claim a string", "{'address':'1 Main St'}", NULL,
           ADDR("'formatted':'1 Main St'", "true"), ADDR("'formatted':'1 Main St'", "false")),
    ACCEPT("fields of two address claims not mixed", "{'address':{'locality':'Springfield'}}",
           "{'address':{'country':'US'}}", ADDR("'locality':'Springfield','country':'US'", "true"),
           ADDR("'locality':'Springfield','country':'US'", "false")),
    ACCEPT("address with flags only", "{'address':{" ADDR_FULL "}}", NULL,
           "{'address':{'is_verified':true,'is_primary':false}}",
           "{'address':{'is_verified':false,'is_primary':false}}"),

    /* document_detail */
    ACCEPT("document evidence matches", VC_EV(DOC_ANN), NULL, DOC_ANN_V("false"),
           DOC_ANN_V("true")),
    ACCEPT("document evidence in a verified_claims array",
           "{'verified_claims':[{'verification':{'trust_framework':'x'},'claims':{}},"
           "{'verification':{'trust_framework':'eidas','evidence':[{'type':'electronic_record'},"
           "" DOC_ANN "]},'claims':{}}]}",
           NULL, DOC_ANN_V("false"), DOC_ANN_V("true")),
    ACCEPT("another document number", VC_EV(DOC_ANN), NULL,
           DOC("passport", "X124", "DE", "2030-01-31", "true"),
           DOC("passport", "X124", "DE", "2030-01-31", "false")),
    ACCEPT("another document type", VC_EV(DOC_ANN), NULL,
           DOC("idcard", "X123", "DE", "2030-01-31", "true"),
           DOC("idcard", "X123", "DE", "2030-01-31", "false")),
    ACCEPT("another issuing country", VC_EV(DOC_ANN), NULL,
           DOC("passport", "X123", "AT", "2030-01-31", "true"),
           DOC("passport", "X123", "AT", "2030-01-31", "false")),
    ACCEPT("another expiration date", VC_EV(DOC_ANN), NULL,
           DOC("passport", "X123", "DE", "2030-01-30", "true"),
           DOC("passport", "X123", "DE", "2030-01-30", "false")),
    ACCEPT("fields of two documents not mixed",
           VC_EV(DOC_EV("passport", "X123", "AT", "2030-01-31") "," DOC_EV("idcard", "X123", "DE",
                                                                           "2030-01-31")),
           NULL, DOC_ANN_V("true"), DOC_ANN_V("false")),
    ACCEPT("document_details outside evidence",
           "{'document_details':{'type':'passport','document_number':'X123','issuer':"
           "{'country':'DE'},'date_of_expiry':'2030-01-31'}}",
           NULL, DOC_ANN_V("true"), DOC_ANN_V("false")),
    ACCEPT("evidence in a verified_claims without verification",
           "{'verified_claims':{'evidence':[" DOC_ANN "],'claims':{}}}", NULL, DOC_ANN_V("true"),
           DOC_ANN_V("false")),

    /* scopes no standard claim backs, and scopes without is_verified */
    ACCEPT("bank_account never verified", NAMES_C, NULL,
           "{'bank_account':{'iban':'DE89370400440532013000','account_holder':'Ann Lee',"
           "'is_verified':true,'is_primary':true}}",
           "{'bank_account':{'iban':'DE89370400440532013000','account_holder':'Ann Lee',"
           "'is_verified':false,'is_primary':true}}"),
    ACCEPT("social accounts never verified", "{'preferred_username':'ann','username':'ann'}", NULL,
           "{'instagram_account':{'username':'ann','is_verified':true},"
           "'x_account':{'username':'ann'},'tiktok_account':{'username':'ann','is_verified':true}}",
           "{'instagram_account':{'username':'ann','is_verified':false},"
           "'x_account':{'username':'ann','is_verified':false},"
           "'tiktok_account':{'username':'ann','is_verified':false}}"),
    SAME("user_id, picture, preferences untouched", NAMES_C, NULL,
         "{'user_id':'u-1','picture':'https://pic.test/a.png','preferences':{'language':'en'}}"),
    SAME("unknown scopes untouched", NAMES_C, NULL, "{'pets':{'is_verified':true},'x':1}"),
    SAME("a names value that is not an object", NAMES_C, NULL, "{'names':['Ann']}"),

    /* verified_claims */
    ACCEPT("names in verified_claims as an object", VC("{'given_name':'Ann'}"), NULL,
           NAMES("'first_name':'Ann','is_verified':false"),
           NAMES("'first_name':'Ann','is_verified':true")),
    ACCEPT("names in verified_claims as an array",
           "{'verified_claims':[7,{" VER ",'claims':{'family_name':'Lee'}},{" VER
           ",'claims':{'given_name':'Ann'}}]}",
           NULL, NAMES("'first_name':'Ann','family_name':'Lee','is_verified':false"),
           NAMES("'first_name':'Ann','family_name':'Lee','is_verified':true")),
    ACCEPT("email and its flag inside verified_claims.claims", NULL,
           VC(EMAIL_C("ann@example.org", "true")), EMAIL("ann@example.org", "false", "true"),
           EMAIL("ann@example.org", "true", "true")),
    ACCEPT("verified_claims.claims that is not an object",
           "{'verified_claims':{" VER ",'claims':['Ann']}}", NULL,
           NAMES("'first_name':'Ann','is_verified':true"),
           NAMES("'first_name':'Ann','is_verified':false")),
    ACCEPT("claims nested deeper than verified_claims.claims do not count",
           "{'profile':{'given_name':'Ann'}}", NULL, NAMES("'first_name':'Ann','is_verified':true"),
           NAMES("'first_name':'Ann','is_verified':false")),

    /* is_over_18, is_over_21 */
    ACCEPT("18 today", BIRTH_C("2006-03-01"), NULL, "{'is_over_18':false}", "{'is_over_18':true}"),
    ACCEPT("18 tomorrow", BIRTH_C("2006-03-02"), NULL, "{'is_over_18':true}",
           "{'is_over_18':false}"),
    ACCEPT_AT("2024-02-29 12:00:00", "18 tomorrow (leap day today)", BIRTH_C("2006-03-01"), NULL,
              "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT_AT("2024-02-29 23:59:59", "the UTC date counts: last second before 18",
              BIRTH_C("2006-03-01"), NULL, "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT_AT("2024-03-01 00:00:00", "the UTC date counts: first second of 18",
              BIRTH_C("2006-03-01"), NULL, "{'is_over_18':false}", "{'is_over_18':true}"),
    ACCEPT_AT("2022-02-28 12:00:00", "born 29 February: not 18 on 28 February of a common year",
              BIRTH_C("2004-02-29"), NULL, "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT_AT("2022-03-01 12:00:00", "born 29 February: 18 on 1 March of a common year",
              BIRTH_C("2004-02-29"), NULL, "{'is_over_18':false}", "{'is_over_18':true}"),
    ACCEPT_AT("2025-02-28 12:00:00", "born 29 February: not 21 on 28 February of a common year",
              BIRTH_C("2004-02-29"), NULL, "{'is_over_21':true}", "{'is_over_21':false}"),
    ACCEPT_AT("2025-03-01 12:00:00", "born 29 February: 21 on 1 March of a common year",
              BIRTH_C("2004-02-29"), NULL, "{'is_over_21':false}", "{'is_over_21':true}"),
    ACCEPT_AT("2024-02-29 12:00:00", "born 29 February: over 21 on 29 February of a leap year",
              BIRTH_C("2000-02-29"), NULL, "{'is_over_21':false}", "{'is_over_21':true}"),
    ACCEPT_AT("2021-02-28 12:00:00", "born 29 February 2000: not 21 on 28 February 2021",
              BIRTH_C("2000-02-29"), NULL, "{'is_over_21':true}", "{'is_over_21':false}"),
    ACCEPT("20 is not 21", BIRTH_C("2003-03-02"), NULL, "{'is_over_18':false,'is_over_21':true}",
           "{'is_over_18':true,'is_over_21':false}"),
    ACCEPT("21 today", BIRTH_C("2003-03-01"), NULL, "{'is_over_21':false}", "{'is_over_21':true}"),
    ACCEPT("born in the future", BIRTH_C("2030-01-01"), NULL, "{'is_over_18':true}",
           "{'is_over_18':false}"),
    ACCEPT("is_over_18 claim true", "{'is_over_18':true}", NULL, "{'is_over_18':false}",
           "{'is_over_18':true}"),
    ACCEPT("is_over_18 claim false", "{'is_over_18':false}", NULL, "{'is_over_18':true}",
           "{'is_over_18':false}"),
    ACCEPT("is_over_18 claims disagreeing: the cautious one", "{'is_over_18':true}",
           "{'is_over_18':false}", "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT("a birthdate before the boolean claim", "{'birthdate':'2010-01-01','is_over_18':true}",
           NULL, "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT("birthdates disagreeing: the younger", BIRTH_C("1990-01-01"), BIRTH_C("2010-01-01"),
           "{'is_over_18':true}", "{'is_over_18':false}"),
    ACCEPT("an invalid birthdate gives way to the boolean claim",
           "{'birthdate':'2006','is_over_18':true}", NULL, "{'is_over_18':false}",
           "{'is_over_18':true}"),
    ACCEPT("a birthdate in verified_claims", NULL, VC(BIRTH_C("1990-01-01")),
           "{'is_over_18':false}", "{'is_over_18':true}"),
    ACCEPT("is_over_18 from the claims_token only", NULL, BIRTH_C("1990-01-01"),
           "{'is_over_21':false}", "{'is_over_21':true}"),
    SAME("an is_over_18 that is not a boolean is left alone", NULL, NULL, "{'is_over_18':'yes'}"),
    REFUSE("is_over_18 without a source", NAMES_C, NULL, "{'is_over_18':true}", WHY_18),
    REFUSE("is_over_21 without a source", "{'is_over_18':true}", NULL,
           "{'is_over_18':true,'is_over_21':true}", WHY_21),
    REFUSE("is_over_18 claim a string", "{'is_over_18':'true'}", NULL, "{'is_over_18':true}",
           WHY_18),
    REFUSE("birthdate without the year", BIRTH_C("0000-03-01"), NULL, "{'is_over_18':false}",
           WHY_18),
    REFUSE("birthdate a year only", BIRTH_C("1990"), NULL, "{'is_over_18':false}", WHY_18),
    REFUSE("birthdate 29 February of a common year", BIRTH_C("2005-02-29"), NULL,
           "{'is_over_18':false}", WHY_18),
    REFUSE("birthdate 29 February 1900", BIRTH_C("1900-02-29"), NULL, "{'is_over_18':false}",
           WHY_18),
    REFUSE("birthdate month 13", BIRTH_C("1990-13-01"), NULL, "{'is_over_18':false}", WHY_18),
    REFUSE("birthdate day 31 of April", BIRTH_C("1990-04-31"), NULL, "{'is_over_18':false}",
           WHY_18),
    REFUSE("birthdate with a time", BIRTH_C("1990-04-30T00:00:00Z"), NULL, "{'is_over_18':false}",
           WHY_18),
    REFUSE("birthdate with a digit more", BIRTH_C("1990-04-300"), NULL, "{'is_over_18':false}",
           WHY_18),
    REFUSE("birthdate with a sign", BIRTH_C("+990-04-30"), NULL, "{'is_over_18':false}", WHY_18),
    REFUSE("birthdate a number", "{'birthdate':19900430}", NULL, "{'is_over_18':false}", WHY_18),
    REFUSE("a refusal rewrites nothing", "{}", NULL,
           "{'names':{'first_name':'Ann','is_verified':true},'is_over_18':true}", WHY_18),

    /* is_verified */
    ACCEPT("is_verified claim true", "{'is_verified':true}", NULL, "{'is_verified':false}",
           "{'is_verified':true}"),
    ACCEPT("is_verified claim false", "{'is_verified':false}", NULL, "{'is_verified':true}",
           "{'is_verified':false}"),
    ACCEPT("is_verified claim false beside a verification", VC("{}"), "{'is_verified':false}",
           "{'is_verified':true}", "{'is_verified':false}"),
    ACCEPT("a verification in verified_claims", VC("{}"), NULL, "{'is_verified':false}",
           "{'is_verified':true}"),
    ACCEPT("a verification in a verified_claims array",
           "{'verified_claims':[{'claims':{}},{" VER ",'claims':{}}]}", NULL,
           "{'is_verified':false}", "{'is_verified':true}"),
    REFUSE("verified_claims without a verification", "{'verified_claims':{'claims':{}}}", NULL,
           "{'is_verified':true}", WHY_VERIFIED),
    REFUSE("verification not an object", "{'verified_claims':{'verification':'yes','claims':{}}}",
           NULL, "{'is_verified':true}", WHY_VERIFIED),
    REFUSE("is_verified claim a string", "{'is_verified':'true'}", NULL, "{'is_verified':true}",
           WHY_VERIFIED),
    REFUSE("is_verified without any claim", NAMES_C, NULL, "{'is_verified':true}", WHY_VERIFIED),

    /* no claims at all */
    ACCEPT("both sources NULL", NULL, NULL,
           "{'names':{'first_name':'Ann','is_verified':true},"
           "'email':{'email':'ann@example.org','is_verified':true,'is_primary':true}}",
           "{'names':{'first_name':'Ann','is_verified':false},"
           "'email':{'email':'ann@example.org','is_verified':false,'is_primary':true}}"),
    REFUSE("both sources NULL, is_over_18", NULL, NULL, "{'is_over_18':true}", WHY_18),
    REFUSE("both sources NULL, is_verified", NULL, NULL, "{'is_verified':true}", WHY_VERIFIED),
    ACCEPT("sources that are not objects", "['given_name','Ann']", "{}",
           NAMES("'first_name':'Ann','is_verified':true"),
           NAMES("'first_name':'Ann','is_verified':false")),
};

struct backs_row {
    int line;
    const char *src1, *src2;
    const char *scope;
    int want;
};

/* clang-format off */
#define BACKS(s1, s2, scope, want) {__LINE__, s1, s2, scope, want}
/* clang-format on */

static const struct backs_row backs_rows[] = {
    BACKS("{'given_name':'Ann'}", NULL, "names", 1),
    BACKS("{'family_name':'Lee'}", NULL, "names", 1),
    BACKS("{'name':'Ann Lee'}", NULL, "names", 1),
    BACKS("{'nickname':'Annie'}", NULL, "names", 0),
    BACKS("{'given_name':1}", NULL, "names", 0),
    BACKS(EMAIL_C("ann@example.org", "true"), NULL, "email", 1),
    BACKS(EMAIL_C("ann@example.org", "false"), NULL, "email", 0),
    BACKS(EMAIL_C("ann@example.org", "'true'"), NULL, "email", 0),
    BACKS("{'email':'ann@example.org'}", "{'email_verified':true}", "email", 0),
    BACKS(PHONE_C("+441234567890", "true"), NULL, "phone", 1),
    BACKS("{'phone_number':'+441234567890'}", NULL, "phone", 0),
    BACKS("{'gender':'female'}", NULL, "gender", 1),
    BACKS(NAMES_C, NULL, "gender", 0),
    BACKS(BIRTH_C("1990-05-17"), NULL, "birthdate", 1),
    BACKS(NAMES_C, NULL, "birthdate", 0),
    BACKS("{'address':{'country':'US'}}", NULL, "address", 1),
    BACKS("{'address':'1 Main St'}", NULL, "address", 0),
    BACKS(VC_EV(DOC_ANN), NULL, "document_detail", 1),
    BACKS(VC_EV("{'type':'electronic_record'}"), NULL, "document_detail", 0),
    BACKS("{'document_details':{'type':'passport'}}", NULL, "document_detail", 0),
    BACKS("{'is_verified':true}", NULL, "is_verified", 1),
    BACKS("{'is_verified':false}", NULL, "is_verified", 1),
    BACKS(VC("{}"), NULL, "is_verified", 1),
    BACKS("{'verified_claims':{'claims':{}}}", NULL, "is_verified", 0),
    BACKS(NAMES_C, NULL, "is_verified", 0),
    BACKS(BIRTH_C("2010-01-01"), NULL, "is_over_18", 1),
    BACKS(BIRTH_C("2010-01-01"), NULL, "is_over_21", 1),
    BACKS(BIRTH_C("2010"), NULL, "is_over_18", 0),
    BACKS("{'is_over_18':false}", NULL, "is_over_18", 1),
    BACKS("{'is_over_18':true}", NULL, "is_over_21", 0),
    BACKS("{'is_over_21':true}", NULL, "is_over_21", 1),
    BACKS(NULL, VC("{'given_name':'Ann'}"), "names", 1),
    BACKS(NULL, NULL, "names", 0),
    BACKS(NULL, NULL, "is_over_18", 0),
    BACKS(NAMES_C, NULL, "bank_account", 0),
    BACKS("{'username':'ann'}", NULL, "instagram_account", 0),
    BACKS(NAMES_C, NULL, "x_account", 0),
    BACKS(NAMES_C, NULL, "tiktok_account", 0),
    BACKS(NAMES_C, NULL, "preferences", 0),
    BACKS(NAMES_C, NULL, "user_id", 0),
    BACKS("{'picture':'https://pic.test/a.png'}", NULL, "picture", 0),
    BACKS(NAMES_C, NULL, "Names", 0),
    BACKS(NAMES_C, NULL, NULL, 0),
};

/* text with ' for ", parsed (any JSON value: it is wrapped in an object to
 * suit json_parse_strict); a fixture that does not parse is a bug here. */
static json_object *
parse(const char *text)
{
    json_object *top = NULL, *v = NULL, *obj = NULL;
    char *s = NULL;
    size_t i;

    if (!text)
        goto out;
    s = xasprintf("{\"v\":%s}", text);
    for (i = 0; s[i]; i++)
        if (s[i] == '\'')
            s[i] = '"';
    if (json_parse_strict(s, strlen(s), 1 << 16, 32, &top) != JSON_OK ||
        !json_object_object_get_ex(top, "v", &v)) {
        printf("Bail out! fixture does not parse: %s\n", text);
        exit(255);
    }
    obj = json_object_get(v);
out:
    json_object_put(top);
    free(s);
    return obj;
}

static const char *
text(json_object *obj)
{
    return obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN) : "(null)";
}

/* got equals the JSON of want_text (' for "), objects in any order. */
static int
equal(json_object *got, const char *want_text)
{
    json_object *want = parse(want_text);
    int eq = json_object_equal(want, got);

    if (!eq)
        diag("   wanted: %s\n#      got: %s", text(want), text(got));
    json_object_put(want);
    return eq;
}

/* "YYYY-MM-DD HH:MM:SS" UTC as a time_t (days from the civil date, H. Hinnant). */
static time_t
when(const char *s)
{
    int y, m, d, hh, mm, ss;
    long era, yoe, doy, doe, days;

    if (sscanf(s, "%d-%d-%d %d:%d:%d", &y, &m, &d, &hh, &mm, &ss) != 6) {
        fprintf(stderr, "Bail out! bad time %s\n", s);
        exit(255);
    }
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    days = era * 146097 + doe - 719468;
    return (time_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
}

static void
test_apply(void)
{
    size_t i;

    for (i = 0; i < sizeof apply_rows / sizeof apply_rows[0]; i++) {
        const struct apply_row *r = &apply_rows[i];
        json_object *src[2] = {parse(r->src1), parse(r->src2)};
        json_object *data = parse(r->data), *want = parse(r->out);
        const char *why = "(unset)";
        int rc;

        rc = claims_apply(src, 2, data, when(r->when), &why);
        is_int(r->why ? -1 : 0, rc, "line %d: %s", r->line, r->desc);
        is_string(r->why, why, "line %d: %s: description", r->line, r->desc);
        if (!ok(json_object_equal(want, data), "line %d: %s: user_data", r->line, r->desc))
            diag("   wanted: %s\n#      got: %s", text(want), text(data));
        json_object_put(src[0]);
        json_object_put(src[1]);
        json_object_put(data);
        json_object_put(want);
    }
}

static void
test_backs(void)
{
    size_t i;

    for (i = 0; i < sizeof backs_rows / sizeof backs_rows[0]; i++) {
        const struct backs_row *r = &backs_rows[i];
        json_object *src[2] = {parse(r->src1), parse(r->src2)};

        is_int(r->want, claims_backs(src, 2, r->scope), "line %d: %s backed by %s%s%s", r->line,
               r->scope ? r->scope : "(null)", r->src1 ? r->src1 : "-", r->src2 ? " and " : "",
               r->src2 ? r->src2 : "");
        json_object_put(src[0]);
        json_object_put(src[1]);
    }
}

/* What the tables cannot say: the API's edges. */
static void
test_edges(void)
{
    json_object *src = parse(NAMES_C), *data = parse("{'is_over_18':true}");
    json_object *names = parse(NAMES("'first_name':'Ann','is_verified':false"));
    json_object *arr = parse("[1]");
    const char *why = "(unset)";

    is_int(-1, claims_apply(&src, 1, NULL, when(NOW), &why), "NULL user_data refused");
    is_string("user_data must be an object", why, "NULL user_data: description");
    is_int(-1, claims_apply(&src, 1, arr, when(NOW), &why), "user_data an array refused");
    is_int(-1, claims_apply(NULL, 0, data, when(NOW), NULL), "no sources, why may be NULL");
    is_int(0, claims_apply(&src, 1, names, when(NOW), NULL), "why may be NULL on success");
    ok(equal(names, NAMES("'first_name':'Ann','is_verified':true")), "n = 1 reads src[0]");
    is_int(0, claims_apply(&src, 0, names, when(NOW), &why), "n = 0 reads nothing");
    is_string(NULL, why, "success leaves no description");
    ok(equal(names, NAMES("'first_name':'Ann','is_verified':false")), "n = 0: nothing vouches");
    is_int(0, claims_backs(NULL, 0, "names"), "claims_backs without sources");
    is_int(1, claims_backs(&src, 1, "names"), "claims_backs, one source");
    json_object_put(src);
    json_object_put(data);
    json_object_put(names);
    json_object_put(arr);
}

int
main(void)
{
    size_t napply = sizeof apply_rows / sizeof apply_rows[0];
    size_t nbacks = sizeof backs_rows / sizeof backs_rows[0];

    plan((int)(napply * 3 + nbacks + 11));
    test_apply();
    test_backs();
    test_edges();
    return done_testing();
}
