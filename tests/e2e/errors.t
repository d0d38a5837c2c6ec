#!/usr/bin/env bash
# Every error of DESIGN §2 a client can provoke, through lighttpd: status, error code and
# the headers that go with it. (slow_down 429 has no trigger yet; unavailable 503 needs
# the database down: dbdown.t; server_error 500 must not be provokable.)
. "$(dirname "$0")/lib.sh"
plan 142

# A session with the minimum lifetime, checked at the end (the rest runs meanwhile).
create '{"scope":"email","expires_in":30}'
EXP_START=$(date +%s) EXP_SID=$SID EXP_TOKEN=$STOKEN
is 201 "$STATUS" "expires_in 30 (the minimum) is accepted"

ALICE=$(user_token alice)
BOB=$(user_token bob)
E_A='{"email":"a@example.org","is_verified":false,"is_primary":true}' # an email value
UNKNOWN_ID=00000000-0000-4000-8000-000000000000
UNKNOWN_TOKEN=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA

# post_create BODY [API-KEY]: POST /auth/v2/session/ with a JSON body.
post_create() {
    req POST /auth/v2/session/ -H "X-Api-Key: ${2:-$QRSHARE_CLIENT_SECRET}" \
        -H 'Content-Type: application/json' --data-binary "$1"
}
# json_of_size N PREFIX: PREFIX, then 'a' up to N bytes in all, then '"}' (N includes it).
json_of_size() {
    local pad=$(($1 - ${#2} - 2))
    printf '%s%s"}' "$2" "$(head -c "$pad" /dev/zero | tr '\0' a)"
}

# --- invalid_request on create -----------------------------------------------------------
post_create '{"scope":"email"'
is_error 400 invalid_request "create: unterminated JSON"
is "application/json; charset=utf-8" "$(header Content-Type)" "an error is JSON"
is "error error_description" "$(j 'keys_unsorted|join(" ")')" "an error has exactly error and error_description"
is no-store "$(header Cache-Control)" "an error has Cache-Control: no-store"
post_create '{"scope":"email"} {}'
is_error 400 invalid_request "create: trailing data after the JSON object"
post_create '["email"]'
is_error 400 invalid_request "create: a JSON array instead of an object"
post_create '{"scope":"email","scope":"names"}'
is_error 400 invalid_request "create: a duplicate key"
post_create '{"scope":"email",}'
is_error 400 invalid_request "create: a trailing comma"
post_create ''
is_error 400 invalid_request "create: an empty body"
post_create "$(printf '{"scope":"email","vendor_data":"\xff\xfe"}')"
is_error 400 invalid_request "create: invalid UTF-8"
post_create '{"scope":"email","vendor_data":"a\u0000b"}'
is_error 400 invalid_request "create: a NUL in a string"
post_create "{\"scope\":\"email\",\"metadata\":$(printf '{"a":%.0s' $(seq 40))1$(printf '}%.0s' $(seq 40))}"
is_error 400 invalid_request "create: JSON nested 40 deep"
post_create '{"scope":"email","colour":"blue"}'
is_error 400 invalid_request "create: an unknown field"
post_create '{}'
is_error 400 invalid_request "create: scope missing"
post_create '{"scope":["email"]}'
is_error 400 invalid_request "create: scope not a string"
post_create '{"scope":"email","vendor_data":42}'
is_error 400 invalid_request "create: vendor_data not a string"
post_create "{\"scope\":\"email\",\"vendor_data\":\"$(head -c 2001 /dev/zero | tr '\0' a)\"}"
is_error 400 invalid_request "create: vendor_data of 2001 bytes"
post_create "{\"scope\":\"email\",\"vendor_data\":\"$(for _ in $(seq 1000); do printf 'é'; done)\"}"
is 201 "$STATUS" "create: vendor_data of 2000 bytes (1000 two-byte characters) is accepted"
post_create "{\"scope\":\"email\",\"vendor_data\":\"$(for _ in $(seq 1001); do printf 'é'; done)\"}"
is_error 400 invalid_request "create: vendor_data of 1001 characters, 2002 bytes"
post_create '{"scope":"email","metadata":"cart=3"}'
is_error 400 invalid_request "create: metadata a string, not an object"
post_create '{"scope":"email","metadata":[1,2]}'
is_error 400 invalid_request "create: metadata an array, not an object"
post_create "{\"scope\":\"email\",\"metadata\":{\"k\":\"$(head -c 4200 /dev/zero | tr '\0' a)\"}}"
is_error 400 invalid_request "create: metadata over 4 KiB"
# 400 small keys: 3601 bytes as sent, well under 4 KiB, however the server reformats it.
META=$(jq -cn '[range(400) | {key: "k\(. + 100)", value: 1}] | from_entries')
post_create "{\"scope\":\"email\",\"metadata\":$META}"
is 201 "$STATUS" "create: metadata of ${#META} bytes with many keys is accepted ($(j .error_description))"
post_create '{"scope":"email","callback":42}'
is_error 400 invalid_request "create: callback not a string"
post_create '{"scope":"email","callback":"not a url"}'
is_error 400 invalid_request "create: callback not a URL"
post_create '{"scope":"email","callback":"javascript:alert(1)"}'
is_error 400 invalid_request "create: callback not http(s)"
post_create '{"scope":"email","callback":"https://evil.example/cb"}'
is_error 400 invalid_request "create: callback on a foreign domain"
post_create '{"scope":"email","callback":"https://evilshop.example/cb"}'
is_error 400 invalid_request "create: callback on a look-alike domain (suffix without a dot)"
post_create '{"scope":"email","callback":"https://shop.example@evil.example/cb"}'
is_error 400 invalid_request "create: callback with userinfo that hides the real host"
post_create '{"scope":"email","callback":"https://shop.example/done?x=1"}'
is 201 "$STATUS" "create: callback on the application's domain is accepted"
for e in 29 3601 '"60"' 60.5 -60 true; do
    post_create "{\"scope\":\"email\",\"expires_in\":$e}"
    is_error 400 invalid_request "create: expires_in $e"
done

# --- invalid_scope -----------------------------------------------------------------------
post_create '{"scope":"email bogus"}'
is_error 400 invalid_scope "create: an unknown scope"
post_create '{"scope":"Email"}'
is_error 400 invalid_scope "create: scope names are lowercase"
new_app Restricted r.example "ARRAY['email'], p_max_lifetime => '5 minutes'"
R_SECRET=$APP_SECRET
post_create '{"scope":"email phone"}' "$R_SECRET"
is_error 400 invalid_scope "create: a scope the application is not allowed"
post_create '{"scope":"email"}' "$R_SECRET"
is 201 "$STATUS" "create: the restricted application's allowed scope works"
post_create '{"scope":"email","expires_in":600}' "$R_SECRET"
is_error 400 invalid_request "create: expires_in over the application's maximum lifetime"

# --- 415 and 413 on create ---------------------------------------------------------------
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: text/plain' \
    --data-binary '{"scope":"email"}'
is_error 415 unsupported_media_type "create: text/plain"
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type:' \
    --data-binary '{"scope":"email"}'
is_error 415 unsupported_media_type "create: no content type"
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" --data '{"scope":"email"}'
is_error 415 unsupported_media_type "create: a form content type"
req POST /auth/v2/session/ -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" -H 'Content-Type: application/jsonp' \
    --data-binary '{"scope":"email"}'
is_error 415 unsupported_media_type "create: application/jsonp is not application/json"
req POST /auth/v2/session -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" \
    -H 'Content-Type: application/json; charset=utf-8' --data-binary '{"scope":"email"}'
is 201 "$STATUS" "create: application/json; charset=utf-8, no trailing slash"
json_of_size 65537 '{"scope":"email","vendor_data":"' > "$tmp/65537"
json_of_size 65536 '{"scope":"email","vendor_data":"' > "$tmp/65536"
is "65537 65536" "$(wc -c < "$tmp/65537") $(wc -c < "$tmp/65536")" "the big bodies have the sizes meant"
post_create "@$tmp/65537"
is_error 413 payload_too_large "create: a body of 65537 bytes"
post_create "@$tmp/65536"
is_error 400 invalid_request "create: a body of exactly 65536 bytes is read (and its vendor_data refused)"
head -c 1000000 /dev/zero | tr '\0' ' ' > "$tmp/1m"
post_create "@$tmp/1m"
is_error 413 payload_too_large "create: a body of 1 MB"

# --- the phone side: 409, 400, 415, 413 on update ----------------------------------------
create '{"scope":"email is_over_18 names"}'
S1=$SID T1=$STOKEN
update "$T1" "$ALICE" '{"status":"declined"}'
is_error 409 invalid_state "update before information"
information "$T1" "$ALICE"
is "200 retrieved" "$STATUS $(j .status)" "information by the first user binds the session"
information "$T1" "$BOB"
is_error 409 already_claimed "information by a second user after the first"
update "$T1" "$BOB" '{"status":"declined"}'
is_error 409 already_claimed "update by a user other than the bound one"
req POST "/auth/v2/session/$S1/refresh/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET" --data ''
is_error 409 invalid_state "refresh after retrieved (app credential)"
req POST "/auth/v2/session/$S1/refresh" -H "Data-Session-Token: $T1" --data ''
is_error 409 invalid_state "refresh after retrieved (session token)"

while IFS='|' read -r body desc; do
    update "$T1" "$ALICE" "$body"
    is_error 400 invalid_request "update: $desc"
done <<'BODIES'
{"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}|unterminated JSON
{"status":"cancelled"}|status cancelled
{"status":"retrieved"}|status retrieved
{"status":"Confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}|status in another case
{"status":true}|status not a string
{"user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}|status missing
{"status":"declined","reason":"no"}|an unknown field
{"status":"declined","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}|declined with user_data
{"status":"confirmed"}|confirmed without user_data
{"status":"confirmed","user_data":{}}|confirmed with empty user_data
{"status":"confirmed","user_data":["email"]}|user_data not an object
{"status":"confirmed","user_data":{"email":"a@example.org"}}|email as a string (Didit's shape is an object)
{"status":"confirmed","user_data":{"email":{"address":"a@example.org","is_verified":false,"is_primary":true}}}|email as an object without its email field
{"status":"confirmed","user_data":{"email":42}}|email as a number
{"status":"confirmed","user_data":{"is_over_18":"yes"}}|is_over_18 as a string
{"status":"confirmed","user_data":{"names":"Alice Liddell"}}|names as a string
{"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true},"phone":{"phone_number":"+442079460958","is_verified":false,"is_primary":true}}}|a key of a scope not requested
{"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true},"shoe_size":"42"}}|a key that is no scope
BODIES
req POST "/auth/v2/session/$T1/update/" -H "Authorization: Bearer $ALICE" -H 'Content-Type: text/plain' \
    --data-binary '{"status":"declined"}'
is_error 415 unsupported_media_type "update: text/plain"
req POST "/auth/v2/session/$T1/update/" -H "Authorization: Bearer $ALICE" -H 'Content-Type:' \
    --data-binary '{"status":"declined"}'
is_error 415 unsupported_media_type "update: no content type"
json_of_size 70000 '{"status":"confirmed","user_data":{"email":"' > "$tmp/70000"
req POST "/auth/v2/session/$T1/update" -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \
    --data-binary "@$tmp/70000"
is_error 413 payload_too_large "update: a body over 64 KiB"
# (alice again, now with a signed birthdate: is_over_18 needs a source)
update "$T1" "$(user_token alice EdDSA --claim birthdate=1990-01-01)" '{"status":"confirmed","user_data":{"email":'"$E_A"',"is_over_18":true}}'
is "200 confirmed" "$STATUS $(j .status)" "after all the refused updates the session still takes a good one"
req DELETE "/auth/v2/session/$S1/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is_error 409 invalid_state "cancel a confirmed session (app credential)"
req DELETE "/auth/v2/session/$S1" -H "Data-Session-Token: $T1"
is_error 409 invalid_state "cancel a confirmed session (session token)"
req GET "/auth/v2/session/$S1/status" -H "Data-Session-Token: $T1"
is "200 confirmed" "$STATUS $(j .status)" "the session is still confirmed"

# --- 404: unknown, malformed and other application's ids look the same ------------------
create '{"scope":"email"}'
A_SID=$SID A_TOKEN=$STOKEN
B2=(-H "X-Api-Key: $QRSHARE_CLIENT_SECRET_2")
for ep in status decision refresh cancel; do
    case $ep in
    status | decision) m=GET suffix=/$ep data=() ;;
    refresh) m=POST suffix=/refresh data=(--data '') ;;
    cancel) m=DELETE suffix="" data=() ;;
    esac
    req "$m" "/auth/v2/session/$UNKNOWN_ID$suffix/" "${B2[@]}" "${data[@]}"
    is_error 404 not_found "$ep: an unknown session id"
    unknown=$BODY
    req "$m" "/auth/v2/session/$A_SID$suffix" "${B2[@]}" "${data[@]}"
    is "$unknown" "$BODY" "$ep: another application's session id gives the very same answer (status $STATUS)"
    req "$m" "/auth/v2/session/not-a-uuid$suffix/" "${B2[@]}" "${data[@]}"
    is "$unknown" "$BODY" "$ep: a malformed id gives the very same answer (status $STATUS)"
done
req GET "/auth/v2/session/$A_SID/status" -H "Data-Session-Token: $A_TOKEN"
is "200 initialized" "$STATUS $(j .status)" "the other application could neither cancel nor refresh it"
req GET "/auth/v2/session/$A_SID/qr.svg" -H "Data-Session-Token: $UNKNOWN_TOKEN"
is_error 404 not_found "qr: an unknown session token"
create '{"scope":"email"}'
req GET "/auth/v2/session/$A_SID/status/" -H "Data-Session-Token: $STOKEN"
is_error 404 not_found "status: the session token of another session"
information "$UNKNOWN_TOKEN" "$ALICE"
is_error 404 not_found "information: an unknown session token"
information "abc" "$ALICE"
is_error 404 not_found "information: a malformed session token"
information "$A_SID" "$ALICE"
is_error 404 not_found "information: the session id instead of its token"
update "$UNKNOWN_TOKEN" "$ALICE" '{"status":"declined"}'
is_error 404 not_found "update: an unknown session token"
update "not.a.token" "$ALICE" '{"status":"declined"}'
is_error 404 not_found "update: a malformed session token"
req GET /auth/v2/nothing
is_error 404 not_found "an unknown path under /auth/v2/"
is "application/json; charset=utf-8" "$(header Content-Type)" "the unknown path answer is JSON"
req POST "/auth/v2/session/$A_SID/approve/" --data ''
is_error 404 not_found "an unknown operation on a session"
req GET "/auth/v2/session/$A_SID/status/extra" -H "Data-Session-Token: $A_TOKEN"
is_error 404 not_found "a path that continues past an endpoint"
req POST /auth/v2/token/extra -u "$QRSHARE_CLIENT_ID:$QRSHARE_CLIENT_SECRET" --data grant_type=client_credentials
is_error 404 not_found "a path that continues past the token endpoint"

# --- 405 with Allow, with and without a trailing slash -----------------------------------
while read -r method path allow; do
    data=()
    [ "$method" = GET ] || [ "$method" = DELETE ] || data=(--data '')
    allow=${allow//_/ }
    for p in "$path" "$path/"; do
        [[ $path == *qr.svg && $p == */ ]] && continue
        req "$method" "$p" "${data[@]}"
        is_error_h 405 method_not_allowed Allow "^$allow\$" "$method $p: 405, Allow: $allow"
    done
done <<PATHS
GET /auth/v2/token POST
PUT /auth/v2/token POST
GET /auth/v2/session POST
DELETE /auth/v2/session POST
POST /auth/v2/session/$A_SID/status GET,_HEAD
POST /auth/v2/session/$A_TOKEN/information GET
GET /auth/v2/session/$A_TOKEN/update POST
POST /auth/v2/session/$A_SID/decision GET
GET /auth/v2/session/$A_SID/refresh POST
GET /auth/v2/session/$A_SID DELETE
POST /auth/v2/session/$A_SID/qr.svg GET,_HEAD
PATHS

# --- 403: a CORS preflight from an origin the application does not list ----------------
req OPTIONS "/auth/v2/session/$A_SID/status" -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: GET'
is_error 403 forbidden "a CORS preflight from a foreign origin"

# --- 410 gone: after the retention window, and after a one-time decision -----------------
new_app "Short Retention" ret.example "p_retention => '1 second'"
RET_SECRET=$APP_SECRET
create '{"scope":"email"}' "$RET_SECRET"
RET_SID=$SID
information "$STOKEN" "$ALICE"
update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":'"$E_A"'}}'
RET_DECIDED=$(date +%s)
is "200 confirmed" "$STATUS $(j .status)" "retention 1 s: confirmed"

new_app "One Time" once.example "p_one_time_decision => true"
create '{"scope":"email"}' "$APP_SECRET"
information "$STOKEN" "$ALICE"
update "$STOKEN" "$ALICE" '{"status":"confirmed","user_data":{"email":'"$E_A"'}}'
req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $APP_SECRET"
is "200 a@example.org" "$STATUS $(j .user_data.email.email)" "one-time decision: the first retrieval has the data"
req GET "/auth/v2/session/$SID/decision" -H "X-Api-Key: $APP_SECRET"
is_error 410 gone "one-time decision: the second retrieval is 410 gone"

sleep_until $((RET_DECIDED + 2))
req GET "/auth/v2/session/$RET_SID/decision/" -H "X-Api-Key: $RET_SECRET"
is_error 410 gone "retention 1 s: the decision 2 s later is 410 gone"
req GET "/auth/v2/session/$RET_SID/decision/" -H "X-Api-Key: $RET_SECRET"
is_error 410 gone "retention 1 s: and stays gone"
req GET "/auth/v2/session/$RET_SID/status/" -H "X-Api-Key: $RET_SECRET"
is "200 confirmed" "$STATUS $(j .status)" "retention 1 s: the status is still confirmed"

# --- 410 expired -------------------------------------------------------------------------
sleep_until $((EXP_START + 31))
req GET "/auth/v2/session/$EXP_SID/status/" -H "Data-Session-Token: $EXP_TOKEN"
is "200 expired" "$STATUS $(j .status)" "expired: status reports expired"
req GET "/auth/v2/session/$EXP_SID/qr.svg?token=$EXP_TOKEN"
is_error 410 expired "expired: the QR code is 410"
req POST "/auth/v2/session/$EXP_SID/refresh/" -H "Data-Session-Token: $EXP_TOKEN" --data ''
is_error 410 expired "expired: refresh is 410"
information "$EXP_TOKEN" "$ALICE"
is_error 410 expired "expired: information is 410"
update "$EXP_TOKEN" "$ALICE" '{"status":"declined"}'
is_error 410 expired "expired: update is 410"
req DELETE "/auth/v2/session/$EXP_SID/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is_error 410 expired "expired: cancel is 410"
req GET "/auth/v2/session/$EXP_SID/decision/" -H "X-Api-Key: $QRSHARE_CLIENT_SECRET"
is "200 expired null" "$STATUS $(j .status) $(j .user_data)" "expired: the decision reports expired, no data"

done_testing
