#!/usr/bin/env bash
# Idempotency-Key on create: a backend that did not hear the answer sends the same request
# again and gets the first answer back (its session and session token), not a second
# session; the same key with another body is 409 idempotency_conflict.
. "$(dirname "$0")/lib.sh"
plan 15

icreate() { # KEY BODY [CREDENTIAL-HEADER]
    req POST /auth/v2/session/ -H "${3:-X-Api-Key: $QRSHARE_CLIENT_SECRET}" \
        -H "Idempotency-Key: $1" -H 'Content-Type: application/json' --data "$2"
    SID=$(j .session_id) STOKEN=$(j .session_token)
}
count_sessions() { sql "SELECT count(*) FROM qrshare.sessions WHERE vendor_data = '$1'"; }

K=order-$RANDOM-$$
icreate "$K" '{"scope":"email","vendor_data":"'"$K"'"}'
is 201 "$STATUS" "a create with an Idempotency-Key"
FIRST=$BODY A=$SID ST1=$STOKEN
icreate "$K" '{"scope":"email","vendor_data":"'"$K"'"}'
is 201 "$STATUS" "the same request again: 201"
is "$FIRST" "$BODY" "... and the first answer, byte for byte (session_id, session_token, url)"
is 1 "$(count_sessions "$K")" "... and one session, not two"
app_token
icreate "$K" '{"scope":"email","vendor_data":"'"$K"'"}' "Authorization: Bearer $AT"
is "201 $A" "$STATUS $SID" "the same application with its access token instead of its key: the first session"
req GET "/auth/v2/session/$A/status/" -H "Data-Session-Token: $STOKEN"
is "200 initialized" "$STATUS $(j .status)" "the token given back works"

icreate "$K" '{"scope":"email names","vendor_data":"'"$K"'"}'
is_error 409 idempotency_conflict "the same key with another body: 409 idempotency_conflict"
is 1 "$(count_sessions "$K")" "... and nothing is created"
icreate "$K" '{"scope":"email", "vendor_data":"'"$K"'"}'
is_error 409 idempotency_conflict "the body is compared as sent: one more space is another body"

new_app "Idem Other" "idem-$RANDOM.example"
icreate "$K" '{"scope":"email","vendor_data":"'"$K"'"}' "X-Api-Key: $APP_SECRET"
is 201 "$STATUS" "another application's key of the same name is its own"
isnt "$A" "$SID" "... with its own session"

icreate "a b" '{"scope":"email"}'
is_error 400 invalid_request "a key with a space is refused"
icreate "$(printf 'k%.0s' {1..256})" '{"scope":"email"}'
is_error 400 invalid_request "a key of 256 characters is refused"

# the key is never stored or logged as sent next to the token: the table holds the token sealed
is 0 "$(sql "SELECT count(*) FROM qrshare.idempotency_keys WHERE position(convert_to('$ST1', 'UTF8') IN sealed_token) > 0")" \
    "the stored token is sealed, not the token"
icreate "bad-$K" '{"scope":"nonsense"}'
is "400 0" "$STATUS $(sql "SELECT count(*) FROM qrshare.idempotency_keys WHERE key = 'bad-$K'")" \
    "a create that fails records no key"
done_testing
