#!/bin/bash
# demo/cgi/idp.cgi - the DEMO identity provider: it signs a user token (EdDSA JWT, the
# stack's demo key) for whoever asks, so that the demo phone app can sign in. It stands for
# the organisation's own identity provider and must never run on a real installation: it
# answers 404 unless its conf ($QRSHARE_DEMO_STATE/demo/idp.conf, written by demo/setup)
# says QRSHARE_DEMO_IDP=on.
#
#   POST /demo-idp/token   body username=NAME (form) or {"username": "NAME"} (JSON)
#                          -> {access_token, token_type, expires_in, sub}; sub is "demo-NAME"
#
# Every demo user has the demo phone app's profile (demo/phone/fixture.json). The token
# carries, signed, the OpenID Connect claims an identity provider holds about its user, taken
# from that profile's primary values: email + email_verified, phone_number +
# phone_number_verified, given_name, family_name, name, birthdate, gender, address, and an
# OpenID Connect for Identity Assurance verified_claims (the identity document it "checked",
# which also backs the is_verified scope). qrshare marks a shared value is_verified only when
# it equals one of these, so the profile's second email, phone or address, which the
# identity provider does not vouch for, arrive with is_verified false. That difference is
# what the demo shows.
set -u -f
PATH=/usr/local/bin:/usr/bin:/bin

reply() { # STATUS JSON [HEADER...]
    local status=$1 body=$2 h
    shift 2
    printf 'Status: %s\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n' "$status"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    printf '\r\n%s\n' "$body"
    exit 0
}

fail() { # STATUS CODE DESCRIPTION [HEADER...]
    local status=$1 code=$2 desc=$3
    shift 3
    reply "$status" "$(jq -nc --arg e "$code" --arg d "$desc" '{error: $e, error_description: $d}')" "$@"
}

conf=${QRSHARE_DEMO_STATE:-/nonexistent}/demo/idp.conf
QRSHARE_DEMO_IDP=off
# shellcheck disable=SC1090
[ -r "$conf" ] && . "$conf"
[ "$QRSHARE_DEMO_IDP" = on ] || fail 404 not_found "the demo identity provider is not enabled"

uri=${REQUEST_URI:-/}
case "${uri%%\?*}" in
    /demo-idp/token | /demo-idp/token/) ;;
    *) fail 404 not_found "no such path" ;;
esac
[ "${REQUEST_METHOD:-}" = POST ] || fail 405 method_not_allowed "use POST" 'Allow: POST'

len=${CONTENT_LENGTH:-0}
[[ $len =~ ^[0-9]+$ ]] || len=0
[ "$len" -le 1024 ] || fail 413 payload_too_large "the request is too large"
body=
[ "$len" -gt 0 ] && body=$(head -c "$len")
case "${CONTENT_TYPE:-}" in
    application/json*)
        user=$(jq -er '.username | strings' <<<"$body" 2>/dev/null) || user= ;;
    *)
        user=
        for kv in ${body//&/ }; do
            [[ $kv == username=* ]] && user=${kv#username=}
        done ;;
esac
user=${user,,}
[[ $user =~ ^[a-z0-9][a-z0-9._-]{0,31}$ ]] ||
    fail 400 invalid_request "username: 1 to 32 letters, digits, dot, dash or underscore"

# The claims, one JSON object, from the profile's primary values.
profile=$(dirname "${BASH_SOURCE[0]}")/../phone/fixture.json
claims=$(jq -c '
    def primary: if type == "array" then (map(select(.is_primary == true)) + .)[0] else . end;
    (.email | primary) as $email | (.phone | primary) as $phone | (.address | primary) as $addr
    | .names as $names | .birthdate.birthdate as $birthdate
    | {
        email: $email.email, email_verified: true,
        phone_number: $phone.phone_number, phone_number_verified: true,
        given_name: .names.first_name, family_name: .names.family_name, name: .names.full_name,
        birthdate: .birthdate.birthdate, gender: .gender.gender,
        address: ($addr | objects | del(.is_primary, .is_verified)),
        verified_claims: (.document_detail | objects | {
            verification: {
                trust_framework: "uk_tfida",
                evidence: [{
                    type: "document",
                    document_details: {
                        type: .document_type, document_number: .document_number,
                        issuer: {country: .issuing_country}, date_of_expiry: .expiration_date
                    }
                }]
            },
            claims: {given_name: $names.first_name, family_name: $names.family_name,
                     birthdate: $birthdate}
        })
      }
    | with_entries(select(.value != null))' "$profile" 2>/dev/null) && [ -n "$claims" ] || {
    echo "idp.cgi: cannot read the demo profile $profile" >&2
    fail 500 server_error "the demo profile is missing"
}

ttl=${QRSHARE_DEMO_IDP_TTL:-900}
token=$(QRSHARE_JWT_KEY=$QRSHARE_DEMO_IDP_KEY "$QRSHARE_JWT" sign --alg EdDSA \
    --kid "$QRSHARE_DEMO_IDP_KID" --iss "$QRSHARE_DEMO_IDP_ISS" --aud "$QRSHARE_DEMO_IDP_AUD" \
    --sub "demo-$user" --ttl "$ttl" --claims-json "$claims") || {
    echo "idp.cgi: qrshare-jwt failed" >&2
    fail 500 server_error "cannot sign a token"
}
reply 200 "$(jq -nc --arg t "$token" --argjson ttl "$ttl" --arg sub "demo-$user" \
    '{access_token: $t, token_type: "Bearer", expires_in: $ttl, sub: $sub}')"
