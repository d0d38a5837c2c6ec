#!/usr/bin/env bash
# qrshare, not the phone, says what is verified (DESIGN §2.1): every is_verified flag is
# what claims signed by the user's identity provider back, from the bearer token or from
# a claims_token in the update body (same iss and sub, else 400); is_primary is kept as
# sent; is_over_18 and is_over_21 are computed from a signed birthdate or the signed
# boolean claim, the is_verified scope from a signed claim, and without a source all
# three are refused; information tells per scope whether this token can back it.
. "$(dirname "$0")/lib.sh"
plan 39

export LC_ALL=C
KEY=$QRSHARE_CLIENT_SECRET
# email_v ADDR VERIFIED PRIMARY, phone_v NUMBER VERIFIED PRIMARY: values as a phone sends them.
email_v() { printf '{"email":"%s","is_verified":%s,"is_primary":%s}' "$1" "$2" "$3"; }
phone_v() { printf '{"phone_number":"%s","is_verified":%s,"is_primary":%s}' "$1" "$2" "$3"; }
# bound SCOPE TOKEN: a new session of SCOPE, opened (bound) by TOKEN's user.
bound() {
    create "{\"scope\":\"$1\"}"
    information "$STOKEN" "$2"
}
# confirm SCOPE TOKEN USER_DATA [MORE-BODY-FIELDS]: bound, then confirmed with USER_DATA;
# UPD is "status .status" of the update; then the decision is the last answer.
confirm() {
    bound "$1" "$2"
    update "$STOKEN" "$2" "{\"status\":\"confirmed\",\"user_data\":$3${4:+,$4}}"
    UPD="$STATUS $(j .status)"
    req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $KEY"
}
# db_status: the status of the last session, as stored.
db_status() { sql "SELECT status FROM qrshare.sessions WHERE id = '$SID'"; }

# --- the phone's is_verified counts for nothing --------------------------------------
PLAIN=$(user_token v-plain)
confirm "email phone" "$PLAIN" "{\"email\":$(email_v plain@example.org true true),\"phone\":$(phone_v +442079460958 true true)}"
is "200 confirmed" "$UPD" "a phone claiming both verified, with no claims in its token: confirmed"
is "false false true true" "$(j '[.user_data.email.is_verified, .user_data.phone.is_verified, .user_data.email.is_primary, .user_data.phone.is_primary] | map(tostring) | join(" ")')" \
    "... both come back is_verified false (is_primary as sent)"

# --- claims in the bearer token --------------------------------------------------------
T=$(user_token v-email EdDSA --claim email=ada@example.org --claim-json email_verified=true)
confirm email "$T" "{\"email\":$(email_v ada@example.org false false)}"
is "200 confirmed true false" "$UPD $(j '[.user_data.email.is_verified, .user_data.email.is_primary] | map(tostring) | join(" ")')" \
    "bearer email + email_verified true, the same email sent as not verified: true (is_primary false kept)"
T=$(user_token v-email-unverified EdDSA --claim email=ada@example.org --claim-json email_verified=false)
confirm email "$T" "{\"email\":$(email_v ada@example.org true true)}"
is "200 confirmed false" "$UPD $(j .user_data.email.is_verified)" "bearer email_verified false: false"
T=$(user_token v-email-other EdDSA --claim email=ada@example.org --claim-json email_verified=true)
confirm email "$T" "{\"email\":$(email_v someone.else@example.org true true)}"
is "200 confirmed false someone.else@example.org" "$UPD $(j .user_data.email.is_verified) $(j .user_data.email.email)" \
    "bearer email verified, but another email shared: false (and the shared one is kept)"
T=$(user_token v-email-only EdDSA --claim email=ada@example.org)
confirm email "$T" "{\"email\":$(email_v ada@example.org true true)}"
is "200 confirmed false" "$UPD $(j .user_data.email.is_verified)" "bearer email without email_verified: false"
T=$(user_token v-phone EdDSA --claim phone_number=+442079460958 --claim-json phone_number_verified=true)
confirm phone "$T" "{\"phone\":$(phone_v +442079460958 false true)}"
is "200 confirmed true true" "$UPD $(j '[.user_data.phone.is_verified, .user_data.phone.is_primary] | map(tostring) | join(" ")')" \
    "bearer phone_number + phone_number_verified true, the same number: true"

# --- claims_token ----------------------------------------------------------------------
CT=$(user_token v-ct HS256 --claim email=grace@example.org --claim-json email_verified=true)
T=$(user_token v-ct)
OTHER_SID=$SID
bound email "$T"
update "$STOKEN" "$T" "{\"status\":\"confirmed\",\"session_id\":\"$OTHER_SID\",\"claims_token\":\"$CT\",\"user_data\":{\"email\":$(email_v grace@example.org false true)}}"
is "400 invalid_request retrieved" "$STATUS $(j .error) $(db_status)" "a valid claims_token, but another session's session_id: 400 (session_id must match)"
update "$STOKEN" "$T" "{\"status\":\"confirmed\",\"session_id\":\"$SID\",\"claims_token\":\"$CT\",\"user_data\":{\"email\":$(email_v grace@example.org false true)}}"
is "200 confirmed" "$STATUS $(j .status)" "claims_token of the same iss and sub (and the session's own session_id): confirmed"
req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $KEY"
is true "$(j .user_data.email.is_verified)" "... its signed email backs the value: true"

bound email "$T"
CT_SID=$SID CT_TOKEN=$STOKEN
# refused CLAIMS-TOKEN-JSON DESC: an update with that claims_token (a JSON value) is 400 and
# leaves the session retrieved.
refused() {
    update "$CT_TOKEN" "$T" "{\"status\":\"confirmed\",\"claims_token\":$1,\"user_data\":{\"email\":$(email_v grace@example.org false true)}}"
    is "400 invalid_request retrieved" "$STATUS $(j .error) $(sql "SELECT status FROM qrshare.sessions WHERE id = '$CT_SID'")" "$2"
}
refused "\"$(user_token v-someone-else HS256 --claim email=grace@example.org --claim-json email_verified=true)\"" \
    "claims_token about another sub: 400, nothing written"
refused "\"$(jwt_forge '{"alg":"none","typ":"JWT"}' "$(jwt_claims '.sub = "v-ct" | .email = "grace@example.org" | .email_verified = true')" none)\"" \
    "claims_token unsigned (alg none): 400"
refused "\"$(jwt_sig_edit "$CT" flip)\"" "claims_token with its signature altered: 400"
refused '"garbled.claims.token"' "claims_token garbled: 400"
refused '42' "claims_token not a string: 400"
refused "\"$(jwt_forge "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"$QRSHARE_ED25519_KID\"}" \
    "$(jwt_claims '.iss = "https://idp.not-configured.example" | .sub = "v-ct" | .email = "grace@example.org" | .email_verified = true')" ed)\"" \
    "claims_token from an issuer not configured (signed with a configured key): 400"
refused "\"$(jwt_forge "{\"alg\":\"EdDSA\",\"typ\":\"JWT\",\"kid\":\"$QRSHARE_ED25519_KID\"}" \
    "$(jwt_claims '.sub = "v-ct" | .exp = .iat - 3600 | .email = "grace@example.org" | .email_verified = true')" ed)\"" \
    "claims_token expired: 400"
update "$CT_TOKEN" "$T" "{\"status\":\"confirmed\",\"claims_token\":\"$CT\",\"user_data\":{\"email\":$(email_v grace@example.org false true)}}"
is "200 confirmed" "$STATUS $(j .status)" "after the refused claims_tokens the session takes a good one"

# --- is_over_18, is_over_21: computed at confirmation ---------------------------------------
Y=$(date -u +%Y)
# age TOKEN-ARGS...: a session of "is_over_18 is_over_21" confirmed by a phone that says
# true to both; the decision's two values (or the update's error).
ages() {
    confirm "is_over_18 is_over_21" "$(user_token "v-age-$RANDOM" EdDSA "$@")" '{"is_over_18":true,"is_over_21":true}'
    if [ "$UPD" = "200 confirmed" ]; then AGES="$(j .user_data.is_over_18) $(j .user_data.is_over_21)"; else AGES="update: $UPD"; fi
}
ages --claim "birthdate=$((Y - 20))-01-01"
is "true false" "$AGES" "signed birthdate 20 years ago: over 18, not over 21 (the phone said true to both)"
ages --claim "birthdate=$((Y - 10))-01-01"
is "false false" "$AGES" "signed birthdate 10 years ago: neither (the phone said true to both)"
ages --claim "birthdate=$((Y - 40))-06-30"
is "true true" "$AGES" "signed birthdate 40 years ago: both"
TODAY=$(date -u +%F) TOMORROW=$(date -u -d tomorrow +%F)
if [ "${TODAY:5}" = 02-29 ] || [ "${TOMORROW:5}" = 02-29 ]; then
    pass_or_fail 0 "18th birthday today # SKIP no such day 18 years ago"
    pass_or_fail 0 "18th birthday tomorrow # SKIP no such day 18 years ago"
else
    ages --claim "birthdate=$((${TODAY:0:4} - 18))${TODAY:4}"
    is "true false" "$AGES" "18th birthday today (UTC): over 18"
    ages --claim "birthdate=$((${TOMORROW:0:4} - 18))${TOMORROW:4}"
    is "false false" "$AGES" "18th birthday tomorrow (UTC): not over 18"
fi
confirm "is_over_18 is_over_21" "$(user_token v-age-bool EdDSA --claim-json is_over_18=true --claim-json is_over_21=false)" \
    '{"is_over_18":false,"is_over_21":true}'
is "200 confirmed true false" "$UPD $(j .user_data.is_over_18) $(j .user_data.is_over_21)" \
    "signed boolean claims is_over_18 true, is_over_21 false: so (the phone said the opposite)"
T=$(user_token v-age-ct)
confirm is_over_18 "$T" '{"is_over_18":false}' "\"claims_token\":\"$(user_token v-age-ct HS256 --claim "birthdate=$((Y - 30))-03-03")\""
is "200 confirmed true" "$UPD $(j .user_data.is_over_18)" "a birthdate signed in a claims_token: over 18"
# without a source: 400, with a description, and the session stays retrieved
for s in is_over_18 is_over_21 is_verified; do
    bound "$s" "$PLAIN"
    update "$STOKEN" "$PLAIN" "{\"status\":\"confirmed\",\"user_data\":{\"$s\":true}}"
    ok '[ "$STATUS $(j .error)" = "400 invalid_request" ] && [[ "$(j .error_description)" == *"$s"* ]] && [ "$(db_status)" = retrieved ]' \
        "$s without a signed source: 400 invalid_request, a description naming it, nothing written"
    echo "#   ($(j .error_description))"
done
# a birthdate claim that is no date is no source
B=$(user_token v-age-bad EdDSA --claim birthdate=1990-02-30)
bound is_over_18 "$B"
update "$STOKEN" "$B" '{"status":"confirmed","user_data":{"is_over_18":true}}'
is_error 400 invalid_request "a signed birthdate that is no calendar date is no source: 400"

# --- the is_verified scope ---------------------------------------------------------------
confirm is_verified "$(user_token v-iv-true EdDSA --claim-json is_verified=true)" '{"is_verified":false}'
is "200 confirmed true" "$UPD $(j .user_data.is_verified)" "signed is_verified true: true (the phone said false)"
confirm is_verified "$(user_token v-iv-false EdDSA --claim-json is_verified=false)" '{"is_verified":true}'
is "200 confirmed false" "$UPD $(j .user_data.is_verified)" "signed is_verified false: false (the phone said true)"
VC='{"verification":{"trust_framework":"eidas","assurance_level":"high"},"claims":{"given_name":"Ada","family_name":"Lovelace"}}'
confirm is_verified "$(user_token v-iv-vc EdDSA --claim-json "verified_claims=$VC")" '{"is_verified":false}'
is "200 confirmed true" "$UPD $(j .user_data.is_verified)" "verified_claims with a verification: true"

# --- names and birthdate against OIDC claims -----------------------------------------------
T=$(user_token v-names EdDSA --claim given_name=Ada --claim family_name=Lovelace --claim "name=Ada Lovelace" --claim birthdate=1815-12-10)
confirm "names birthdate" "$T" \
    '{"names":{"first_name":"Ada","family_name":"Lovelace","full_name":"Ada Lovelace","is_verified":false},"birthdate":{"birthdate":"1815-12-10","is_verified":false}}'
is "200 confirmed true true" "$UPD $(j .user_data.names.is_verified) $(j .user_data.birthdate.is_verified)" \
    "names and birthdate equal to the signed given_name, family_name, name, birthdate: true"
confirm "names birthdate" "$T" \
    '{"names":{"first_name":"Augusta","family_name":"Lovelace","is_verified":true},"birthdate":{"birthdate":"1815-12-11","is_verified":true}}'
is "200 confirmed false false" "$UPD $(j .user_data.names.is_verified) $(j .user_data.birthdate.is_verified)" \
    "another first name, another birthdate: false"

# --- the consent screen: can this token back each scope? -----------------------------------
S="email phone birthdate is_over_18 is_over_21 is_verified names bank_account instagram_account"
backed() { j '[.scopes[] | "\(.name):\(.backed_by_token)"] | join(" ")'; }
T=$(user_token v-info EdDSA --claim email=ada@example.org --claim-json email_verified=true \
    --claim phone_number=+442079460958 --claim birthdate=1990-05-17 --claim given_name=Ada)
bound "$S" "$T"
is 200 "$STATUS" "information with a token carrying claims"
is "email:true phone:false birthdate:true is_over_18:true is_over_21:true is_verified:false names:true bank_account:false instagram_account:false" \
    "$(backed)" "backed_by_token per scope: a verified email, a phone number not verified, a birthdate (and the ages), a given name"
is "email:true phone:true birthdate:true is_over_18:true is_over_21:true is_verified:true names:true bank_account:false instagram_account:false" \
    "$(j '[.scopes[] | "\(.name):\(.verified)"] | join(" ")')" "verified (the catalog's \"can be verified\") per scope"
bound "$S" "$PLAIN"
is "email:false phone:false birthdate:false is_over_18:false is_over_21:false is_verified:false names:false bank_account:false instagram_account:false" \
    "$(backed)" "backed_by_token: a token without claims backs nothing"
bound "email is_over_18 is_verified" "$(user_token v-info-2 EdDSA --claim email=ada@example.org --claim-json email_verified=false --claim-json is_over_18=true --claim-json is_verified=true)"
is "email:false is_over_18:true is_verified:true" "$(backed)" \
    "backed_by_token: email_verified false backs no email; the boolean claims back their scopes"

done_testing
