/* claims.h - what the organisation's identity provider vouches for (DESIGN §2.1).
 *
 * The caller has verified the JWTs (signature, iss, sub, aud, exp) and hands over
 * their parsed claims: src[0..n), each NULL (skipped) or a JSON object, all of
 * the same iss and sub. Everything is borrowed; nothing is kept after a call.
 *
 * A claim counts wherever it is signed: at the top level of a source, or in the
 * "claims" object of an OpenID Connect for Identity Assurance "verified_claims"
 * element (verified_claims is one object or an array of objects, each with
 * "claims" {…} and "verification" {…, "evidence": […]}). A flag goes with its
 * value: email_verified (phone_number_verified) must be true in the same claims
 * object as the email (phone_number) it vouches for; an address is compared with
 * one address claim as a whole; a document with one evidence entry as a whole.
 * Where sources disagree on an age or on is_verified, the answer is the most
 * cautious one (false if any of them says so). */
#ifndef QRSHARE_CLAIMS_H
#define QRSHARE_CLAIMS_H

#include <stddef.h>
#include <time.h>
#include <json-c/json.h>
#include "util.h"

/* 1 when these claims can back the value of scope (for the consent screen's
 * "backed_by_token"): names (given_name, family_name or name), email (with
 * email_verified true), phone (phone_number with phone_number_verified true),
 * gender, birthdate, address (an object), document_detail (a document_details
 * evidence), is_verified (the boolean claim or a verification), is_over_18 and
 * is_over_21 (a valid birthdate or the boolean claim of that name); else 0,
 * also for a NULL scope. */
int claims_backs(json_object *const *src, size_t n, const char *scope) WUR;

/* Rewrites data, the update's user_data object, in place, per scope key:
 * - names, email, phone, gender, birthdate, address, document_detail: sets
 *   "is_verified" (added or overwritten: what the phone sent is ignored) to
 *   whether the value equals signed claims; bank_account, instagram_account,
 *   x_account, tiktok_account: sets it to false (no standard claim backs them).
 *   is_primary and the other fields are kept as sent.
 * - is_over_18, is_over_21: replaced by the age on the UTC date of now (the
 *   confirmation time) from a signed birthdate "YYYY-MM-DD", else by the signed
 *   boolean claim of the same name.
 * - is_verified: replaced by the signed boolean claim is_verified, else true
 *   when a verified_claims element has a verification object.
 * A value of the wrong kind (not an object, not a boolean) and every other key
 * are left untouched: the database refuses bad shapes with a better message.
 * Returns 0, or -1 with data untouched and *why a static user-facing description
 * that names what is missing (never a value): a boolean scope without a signed
 * source, or data not an object. why may be NULL; on success *why is NULL. */
int claims_apply(json_object *const *src, size_t n, json_object *data, time_t now,
                 const char **why) WUR;

#endif
