#!/usr/bin/env bash
# Authentication through lighttpd: the token endpoint, app credentials (client access
# token, X-Api-Key) on the five backend endpoints, and user tokens on the phone endpoints.
. "$(dirname "$0")/lib.sh"
plan 107

WWW_CLIENT='^(Basic|Bearer) .*realm='
WWW_TOKEN='^Bearer .*error="invalid_token"'
UNKNOWN_SECRET=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

# token [curl args...]: POST /auth/v2/token/ with a form body unless the args give one.
token() { req POST /auth/v2/token/ "$@"; }
form=(-H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=client_credentials')
basic_ok="Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" "$QRSHARE_CLIENT_SECRET")"
# access_token_hash TOKEN: the SQL expression of a client access token's stored hash.
access_token_hash() { echo "qrshare.hash_token('$1', 'qrshare access token')"; }

# --- the token endpoint ------------------------------------------------------------------
token -H "$basic_ok" "${form[@]}"
is 200 "$STATUS" "token: Basic and a form body"
ok '[[ $(j .access_token) =~ ^[A-Za-z0-9_-]{43}$ ]]' "token: the access token is 32 bytes base64url"
is "Bearer $QRSHARE_CLIENT_ID $QRSHARE_CLIENT_ID" "$(j .token_type) $(j .sub) $(j .client_id)" "token: token_type, sub, client_id"
ok '[ "$(j .exp)" -eq $(($(j .iat) + $(j .expires_in))) ]' "token: exp is iat + expires_in"
is 1 "$(sql "SELECT count(*) FROM qrshare.client_tokens WHERE token_hash = $(access_token_hash "$(j .access_token)")")" \
    "token: only its hash is stored"
token -H "$basic_ok" -H 'Content-Type: application/json' --data '{"grant_type":"client_credentials"}'
is 200 "$STATUS" "token: a JSON body works too"
ok '[[ $(j .access_token) =~ ^[A-Za-z0-9_-]{43}$ ]]' "token: JSON body, an access token"
token -H "$basic_ok" -H 'Content-Type: application/x-www-form-urlencoded; charset=UTF-8' \
    --data 'scope=&grant_type=client_credentials'
is 200 "$STATUS" "token: a form with a charset and another field first"
token -u "$QRSHARE_CLIENT_ID:$QRSHARE_CLIENT_SECRET" --data grant_type=client_credentials
is 200 "$STATUS" "token: curl -u, no trailing slash needed either way"

token -H "Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" "$UNKNOWN_SECRET")" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: a wrong secret"
token -H "Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" wrong)" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: a wrong secret of the wrong shape"
token -H "Authorization: Basic $(basic "$QRSHARE_CLIENT_ID" "$QRSHARE_CLIENT_SECRET_2")" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: another application's secret"
token -H "Authorization: Basic $(basic qrs_000000000000000000000000 "$QRSHARE_CLIENT_SECRET")" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: an unknown client id"
token -H 'Authorization: Basic %%%not-base64%%%' "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: Basic that is not base64"
token -H "Authorization: Basic $(printf '%s' "$QRSHARE_CLIENT_ID$QRSHARE_CLIENT_SECRET" | base64 -w0)" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: Basic without the colon"
token -H 'Authorization: Basic' "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: Basic with nothing"
token "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: no Authorization"
token -H "Authorization: Bearer $QRSHARE_CLIENT_SECRET" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: a Bearer instead of Basic"
token -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" "${form[@]}"
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: X-Api-Key is no client authentication here"

token -H "$basic_ok" -H 'Content-Type: application/x-www-form-urlencoded' --data 'scope=x'
is_error 400 invalid_request "token: grant_type missing (form)"
token -H "$basic_ok" -H 'Content-Type: application/x-www-form-urlencoded' --data ''
is_error 400 invalid_request "token: an empty form"
token -H "$basic_ok" -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=password'
is_error 400 unsupported_grant_type "token: grant_type password"
token -H "$basic_ok" -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=authorization_code'
is_error 400 unsupported_grant_type "token: grant_type authorization_code"
token -H "$basic_ok" -H 'Content-Type: application/json' --data '{}'
is_error 400 invalid_request "token: grant_type missing (JSON)"
token -H "$basic_ok" -H 'Content-Type: application/json' --data '{"grant_type":"password"}'
is_error 400 unsupported_grant_type "token: grant_type password (JSON)"
token -H "$basic_ok" -H 'Content-Type: application/json' --data '{"grant_type":["client_credentials"]}'
is_error 400 invalid_request "token: grant_type not a string (JSON)"

# --- app credentials on create, status, decision, refresh, cancel ------------------------
app_token


# backend CRED-HEADER...: each of the five backend endpoints once with the credential, on
# a fresh session of application 1; one assertion per endpoint.
backend() {
    local what=$1
    shift
    req POST /auth/v2/session/ "$@" -H 'Content-Type: application/json' --data '{"scope":"email"}'
    is "201 initialized" "$STATUS $(j .status)" "$what: create"
    SID=$(j .session_id)
    req GET "/auth/v2/session/$SID/status/" "$@"
    is "200 initialized" "$STATUS $(j .status)" "$what: status"
    req GET "/auth/v2/session/$SID/decision/" "$@"
    is "200 initialized" "$STATUS $(j .status)" "$what: decision"
    req POST "/auth/v2/session/$SID/refresh/" "$@" --data ''
    is "200 $SID" "$STATUS $(j .session_id)" "$what: refresh"
    req DELETE "/auth/v2/session/$SID/" "$@"
    is "200 cancelled" "$STATUS $(j .status)" "$what: cancel"
}
backend "Bearer client access token" -H "Authorization: Bearer $AT"
backend "X-Api-Key" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
backend "lowercase bearer scheme" -H "Authorization: bearer $AT"

# refused CRED-DESC SESSION-ID CRED-HEADER...: each of the five endpoints answers 401
# invalid_client with WWW-Authenticate; one assertion per endpoint.
refused() {
    local what=$1 sid=$2
    shift 2
    req POST /auth/v2/session/ "$@" -H 'Content-Type: application/json' --data '{"scope":"email"}'
    is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "$what: create"
    req GET "/auth/v2/session/$sid/status/" "$@"
    is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "$what: status"
    req GET "/auth/v2/session/$sid/decision/" "$@"
    is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "$what: decision"
    req POST "/auth/v2/session/$sid/refresh/" "$@" --data ''
    is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "$what: refresh"
    req DELETE "/auth/v2/session/$sid/" "$@"
    is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "$what: cancel"
}
create '{"scope":"email"}'
S1=$SID T1=$STOKEN

app_token
REVOKED=$AT
sql "UPDATE qrshare.client_tokens SET revoked_at = now() WHERE token_hash = $(access_token_hash "$REVOKED")" >/dev/null
refused "revoked token" "$S1" -H "Authorization: Bearer $REVOKED"

app_token
EXPIRED=$AT
sql "UPDATE qrshare.client_tokens SET created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour'
      WHERE token_hash = $(access_token_hash "$EXPIRED")" >/dev/null
refused "expired token" "$S1" -H "Authorization: Bearer $EXPIRED"

refused "malformed bearer" "$S1" -H "Authorization: Bearer not-a-token"
refused "unknown X-Api-Key" "$S1" -H "X-Api-Key: $UNKNOWN_SECRET"
refused "no credential" "$S1"

new_app "Soon Disabled" disabled.example
D_ID=$APP_ID D_SECRET=$APP_SECRET
app_token "$D_ID" "$D_SECRET"
D_AT=$AT
create '{"scope":"email"}' "$D_SECRET"
D_SID=$SID
req GET "/auth/v2/session/$D_SID/status/" -H "Authorization: Bearer $D_AT"
is "200 initialized" "$STATUS $(j .status)" "the application to disable works before"
sql "SELECT qrshare.disable_application('$D_ID')" >/dev/null
refused "disabled application, X-Api-Key" "$D_SID" -H "X-Api-Key: $D_SECRET"
refused "disabled application, its token" "$D_SID" -H "Authorization: Bearer $D_AT"
token -u "$D_ID:$D_SECRET" --data grant_type=client_credentials
is_error_h 401 invalid_client WWW-Authenticate "$WWW_CLIENT" "token: a disabled application"

req GET "/auth/v2/session/$S1/status/" -H "Data-Session-Token: $T1"
is "200 initialized" "$STATUS $(j .status)" "none of the refused calls touched the session"

# --- user tokens on information and update -----------------------------------------------
create '{"scope":"email"}'
T2=$STOKEN
ALICE=$(user_token alice)
# refused_user DESC TOKEN: information and update answer 401 invalid_token with
# WWW-Authenticate: Bearer ... error="invalid_token"; two assertions.
refused_user() {
    information "$T2" "$2"
    is_error_h 401 invalid_token WWW-Authenticate "$WWW_TOKEN" "information: $1"
    update "$T2" "$2" '{"status":"declined"}'
    is_error_h 401 invalid_token WWW-Authenticate "$WWW_TOKEN" "update: $1"
}
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
req GET "/auth/v2/session/$T2/information/"
is_error_h 401 invalid_token WWW-Authenticate "$WWW_TOKEN" "information: no Authorization"
req POST "/auth/v2/session/$T2/update/" -H 'Content-Type: application/json' --data '{"status":"declined"}'
is_error_h 401 invalid_token WWW-Authenticate "$WWW_TOKEN" "update: no Authorization"
refused_user "an empty bearer" ""
refused_user "a malformed bearer" "not.a.jwt"
refused_user "expired 120 s ago" "$(user_token alice EdDSA --ttl -120)"
refused_user "not valid before 5 minutes from now" "$(user_token alice EdDSA --nbf-offset 300)"
refused_user "another audience" "$(user_token alice EdDSA --aud someone-else)"
refused_user "another issuer (EdDSA)" "$(user_token alice EdDSA --iss https://other.example)"
refused_user "another issuer (HS256)" "$(user_token alice HS256 --iss https://other.example)"
refused_user "an unknown kid" "$(user_token alice EdDSA --kid no-such-key)"
sig=${ALICE##*.}
[ "${sig:0:1}" = A ] && c=B || c=A
refused_user "a tampered signature" "${ALICE%.*}.$c${sig:1}"
BOB=$(user_token bob)
IFS=. read -r h _ s <<<"$ALICE"
IFS=. read -r _ p_bob _ <<<"$BOB"
refused_user "alice's signature on bob's claims" "$h.$p_bob.$s"
refused_user "alg none" "$(printf '{"alg":"none","typ":"JWT","kid":"%s"}' "$QRSHARE_ED25519_KID" | b64url).$p_bob."
refused_user "the client access token instead of a user token" "$REVOKED"

information "$T2" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "information: none of the refused tokens bound the session"
information "$T2" "$(user_token alice HS256)"
is "200 retrieved" "$STATUS $(j .status)" "information: the same user with an HS256 token of the same issuer"

done_testing
