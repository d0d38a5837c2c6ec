#!/usr/bin/env bash
# Didit's public demo client (github.com/didit-protocol/didit-demo-center, its "Data
# Transfer" tab), replayed call for call against qrshare: the same methods, paths,
# headers and body, with a phone confirming in between; then the decision is read as an
# integration reads it, user_data.email.email and user_data.names.full_name.
#
# What the demo does (files and lines at its commit b94b9c1):
# - app/hooks/useAuth.ts:259-264 joins the ticked scopes with " " in the order of
#   lib/scopes.ts's ScopeItems (user_id, picture, names, email, ...), and useAuth.ts:100-108
#   POSTs {scope} to its own backend, app/api/auth/route.ts:75-92, which forwards the body
#   as it is to POST {BASE_URL}/auth/v2/session/ with X-Api-Key (API_KEY, the client
#   secret: .env.example) and Content-Type: application/json; a non-2xx is a failure.
# - useAuth.ts:194-236 polls at once and then on a timer through route.ts:19-45:
#   GET {BASE_URL}/auth/v2/session/{session_id}/status/ with X-Api-Key,
#   Data-Session-Token and Content-Type: application/json; useAuth.ts:146-157 stops on
#   confirmed (then fetches the decision), declined or expired.
# - route.ts:46-66: GET {BASE_URL}/auth/v2/session/{session_id}/decision/ with X-Api-Key
#   and Content-Type: application/json; the whole answer is the decision
#   (components/home/tab/data-transfer/index.tsx:64 renders it as JSON).
. "$(dirname "$0")/lib.sh"
plan 15

API_KEY=$QRSHARE_CLIENT_SECRET
# The scope as useAuth.ts:259-262 builds it with user_id (ticked by default,
# lib/scopes.ts DEFAULT_SCOPE_ITEMS), names and email ticked.
SCOPE=$(jq -rn '["user_id", "picture", "names", "email", "phone"] as $order
    | {user_id: true, picture: false, names: true, email: true, phone: false} as $ticked
    | [$order[] | select($ticked[.])] | join(" ")')
is "user_id names email" "$SCOPE" "the scope string the demo sends"

# create: route.ts:79-86, the body as JSON.stringify({scope}) makes it (useAuth.ts:107)
req POST /auth/v2/session/ -H "X-Api-Key: $API_KEY" -H 'Content-Type: application/json' \
    --data-binary "$(jq -cn --arg s "$SCOPE" '{scope: $s}')"
ok '[[ $STATUS == 2?? ]]' "create: response.ok (HTTP $STATUS)"
SID=$(j .session_id) STOKEN=$(j .session_token) SURL=$(j .url)
ok '[ -n "$SID" ] && [ "$SID" != null ] && [ -n "$STOKEN" ] && [ "$STOKEN" != null ] && [[ $SURL == http* ]]' \
    "create: session_id, session_token and url, what useAuth.ts's SessionData reads"

# poll: route.ts:27-37, as checkSessionStatus calls it (useAuth.ts:128-135, 223)
poll() {
    req GET "/auth/v2/session/$SID/status/" -H "X-Api-Key: $API_KEY" -H "Data-Session-Token: $STOKEN" \
        -H 'Content-Type: application/json'
}
poll
is "200 initialized" "$STATUS $(j .status)" "poll: initialized (the QR code of url is shown)"

# The phone scans the QR code, opens the session and confirms.
PHONE=$(user_token didit-demo-user)
information "$STOKEN" "$PHONE"
is "200 user_id names email" "$STATUS $(j '[.scopes[].name] | join(" ")')" "phone: the consent screen lists the three scopes"
poll
is "200 retrieved" "$STATUS $(j .status)" "poll: retrieved (the demo keeps polling)"
update "$STOKEN" "$PHONE" '{"status":"confirmed","session_id":"'"$SID"'","user_data":{
    "user_id":"ada-1815",
    "names":{"first_name":"Ada","family_name":"Lovelace","full_name":"Ada Lovelace","is_verified":false},
    "email":{"email":"ada@example.org","is_verified":false,"is_primary":true}}}'
is "200 confirmed" "$STATUS $(j .status)" "phone: confirmed"
poll
is "200 confirmed" "$STATUS $(j .status)" "poll: confirmed, the demo stops polling and fetches the decision"

# decision: route.ts:48-57
req GET "/auth/v2/session/$SID/decision/" -H "X-Api-Key: $API_KEY" -H 'Content-Type: application/json'
ok '[[ $STATUS == 2?? ]]' "decision: response.ok (HTTP $STATUS)"
is "$SID confirmed" "$(j .session_id) $(j .status)" "decision: session_id and status"
is ada@example.org "$(j .user_data.email.email)" "decision: user_data.email.email"
is "Ada Lovelace" "$(j .user_data.names.full_name)" "decision: user_data.names.full_name"
is "ada-1815 false true" "$(j '[.user_data.user_id, .user_data.email.is_verified, .user_data.email.is_primary] | map(tostring) | join(" ")')" \
    "decision: user_data.user_id, email.is_verified (qrshare's) and is_primary"
is "user_id names email" "$(j .scope)" "decision: the granted scope"

# The demo would poll again on its timer (useAuth.ts:225-235) had it not stopped: the
# status stays confirmed.
poll
is "200 confirmed" "$STATUS $(j .status)" "poll again: still confirmed"
done_testing
