#!/usr/bin/env bash
# No plaintext anywhere else: full flows whose user data holds unique canary strings, then
# a binary-safe search of everything the stack writes (PostgreSQL's log and data
# directory, lighttpd's access and error logs, which hold the executables' stderr, each
# executable's own log, temp files) for the canaries and for every token and secret used.
# PostgreSQL logs every statement with all its parameters meanwhile, as an operator
# chasing a problem would have it; the update sends the plaintext user data as a
# parameter (the database checks its shape), and the executables' role has parameter
# logging off (0006), which this must not be able to undo.
. "$(dirname "$0")/lib.sh"
plan 35

export LC_ALL=C
touch -d '-2 seconds' "$tmp/start"
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
rnd() { head -c 8 /dev/urandom | od -An -v -tx1 | tr -d ' \n'; }

# An application of this test's own: its secret is used nowhere else (another test may
# well send the demo application's secret in a URL on purpose).
row=$(sql "SELECT client_id || ' ' || client_secret FROM qrshare.add_application('Canary Shop', 'canary.example')")
ID=${row% *} KEY=${row#* }

PGLOG_FROM=$(stat -c %s "$QRSHARE_STATE/postgres.log")
pg_log_everything
trap 'pg_log_reset; rm -rf "$tmp"' EXIT

# --- the canaries ----------------------------------------------------------------------
C_EMAIL=canary-$(rnd)@example.org
C_FIRST=canary-$(rnd) C_LAST=canary-$(rnd)
C_STREET="canary-$(rnd) Street 1" C_CITY=canary-$(rnd)
C_PHONE=+41$(od -An -N8 -tu8 /dev/urandom | tr -dc 0-9 | cut -c1-12) # E.164: digits only
C_BAD=canary-$(rnd)   # only in requests that are refused
C_RETRY=canary-$(rnd) # only in a different retry (refused)
C_CLAIM=canary-$(rnd) # a claim of a refused user token
VENDOR=vendor-marker-$(rnd) # vendor_data: stored as it is, by design (a control)
USER_DATA=$(jq -cn --arg e "$C_EMAIL" --arg f "$C_FIRST" --arg l "$C_LAST" --arg s "$C_STREET" \
    --arg c "$C_CITY" --arg p "$C_PHONE" \
    '{email: {email: $e, is_verified: false, is_primary: true},
      names: {first_name: $f, family_name: $l, is_verified: false},
      address: {formatted: "\($s), 8000 \($c)", street_address: $s, locality: $c, postal_code: "8000",
        country: "CH", is_verified: false, is_primary: true},
      phone: {phone_number: $p, is_verified: false, is_primary: true}, is_over_18: true}')

# --- a confirmed flow, with a client access token ------------------------------------
app_token "$ID" "$KEY"
AT_A=$AT
is 200 "$STATUS" "token: a client access token"
req POST /auth/v2/session/ -H "Authorization: Bearer $AT_A" -H 'Content-Type: application/json' \
    --data "{\"scope\":\"email names address phone is_over_18\",\"vendor_data\":\"$VENDOR\"}"
is 201 "$STATUS" "confirmed flow: create"
SID_A=$(j .session_id) ST_A=$(j .session_token)
req GET "/auth/v2/session/$SID_A/status/" -H "Data-Session-Token: $ST_A"
is "200 initialized" "$STATUS $(j .status)" "confirmed flow: status by session token"
U_A=$(user_token "user-$(rnd)" EdDSA --claim birthdate=1990-01-01) # backs is_over_18
information "$ST_A" "$U_A"
is "200 retrieved" "$STATUS $(j .status)" "confirmed flow: information"
update "$ST_A" "$U_A" "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"$C_BAD\",\"is_verified\":false,\"is_primary\":true},\"names\":\"$C_BAD\"}}"
is_error 400 invalid_request "confirmed flow: an update with a wrong shape (no address, a string for names) is refused"
update "$ST_A" "$U_A" "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"$C_BAD@example.org\",\"is_verified\":false,\"is_primary\":true},\"bank_account\":{\"iban\":\"$C_BAD\"}}}"
is_error 400 invalid_request "confirmed flow: an update with a scope not requested is refused"
update "$ST_A" "$U_A" "{\"status\":\"confirmed\",\"user_data\":$USER_DATA}"
is "200 confirmed" "$STATUS $(j .status)" "confirmed flow: update confirmed, with the canaries"
update "$ST_A" "$U_A" "{\"status\":\"confirmed\",\"user_data\":{\"email\":{\"email\":\"$C_RETRY@example.org\",\"is_verified\":false,\"is_primary\":true}}}"
is_error 409 invalid_state "confirmed flow: a different retry is refused"
req GET "/auth/v2/session/$SID_A/status/" -H "X-Api-Key: $KEY"
is "200 confirmed" "$STATUS $(j .status)" "confirmed flow: status by API key"
req GET "/auth/v2/session/$SID_A/decision/" -H "X-Api-Key: $KEY"
# (compared without printing them: a failure message would carry them into the logs)
want="200 $C_EMAIL $C_FIRST $C_LAST $C_STREET $C_CITY $C_PHONE true"
got="$STATUS $(j '[.user_data.email.email, .user_data.names.first_name, .user_data.names.family_name,
    .user_data.address.street_address, .user_data.address.locality, .user_data.phone.phone_number,
    .user_data.is_over_18] | join(" ")')"
ok '[ "$got" = "$want" ]' "confirmed flow: every canary comes back in the decision (so a search would find them)"

# --- a declined flow, with an HS256 user token ---------------------------------------
create '{"scope":"email names"}' "$KEY"
SID_B=$SID ST_B=$STOKEN
U_B=$(user_token "user-$(rnd)" HS256)
information "$ST_B" "$U_B"
update "$ST_B" "$U_B" '{"status":"declined"}'
is "200 declined" "$STATUS $(j .status)" "declined flow: update declined"
req GET "/auth/v2/session/$SID_B/decision/" -H "X-Api-Key: $KEY"
is "200 declined null" "$STATUS $(j .status) $(j .user_data)" "declined flow: decision"

# --- a refresh: the old token is used in headers only, the new one on the phone ----------
create '{"scope":"email","expires_in":120}' "$KEY"
SID_C=$SID ST_C=$STOKEN
req POST "/auth/v2/session/$SID_C/refresh/" -H "Data-Session-Token: $ST_C" --data ''
ST_C2=$(j .session_token)
is 200 "$STATUS" "refresh: 200"
req GET "/auth/v2/session/$SID_C/status/" -H "Data-Session-Token: $ST_C"
is_error 404 not_found "refresh: the old token is dead"
req GET "/auth/v2/session/$SID_C/qr.svg" -H "Data-Session-Token: $ST_C2"
is 200 "$STATUS" "refresh: the QR code by header"
information "$ST_C2" "$U_A"
is "200 retrieved" "$STATUS $(j .status)" "refresh: information with the new token"
req DELETE "/auth/v2/session/$SID_C/" -H "Data-Session-Token: $ST_C2"
is "200 cancelled" "$STATUS $(j .status)" "refresh: cancel"

# --- a QR code by ?token= (the documented way for an <img>), refused credentials -------
create '{"scope":"email"}' "$KEY"
SID_D=$SID ST_D=$STOKEN
req GET "/auth/v2/session/$SID_D/qr.svg?token=$ST_D"
is 200 "$STATUS" "qr: by ?token="
U_X=$(user_token "user-$(rnd)" EdDSA --claim "note=$C_CLAIM" --claim-json "exp=$(($(date +%s) - 3600))")
information "$ST_D" "$U_X"
is_error 401 invalid_token "an expired user token carrying a canary claim is refused"
BAD_SECRET=$(head -c 32 /dev/urandom | b64url)
app_token "$ID" "$BAD_SECRET"
is_error 401 invalid_client "a wrong client secret is refused"
req GET "/auth/v2/session/$SID_D/status/" -H "X-Api-Key: $BAD_SECRET"
is_error 401 invalid_client "a wrong API key is refused"

pg_log_reset
sql CHECKPOINT >/dev/null # the data files and the WAL hold all that was written
# The web server may buffer its access log for a few seconds: a last request, then wait for it.
FLUSH_ID=00000000-0000-4000-8000-$(rnd | cut -c1-12)
req GET "/auth/v2/session/$FLUSH_ID/status/" -H "Data-Session-Token: $ST_D"
for i in $(seq 100); do
    grep -qF "$FLUSH_ID" "$QRSHARE_STATE/logs/access.log" 2>/dev/null && break
    sleep 0.2
done

# --- search ----------------------------------------------------------------------------
# A control file outside this test's $tmp: the search must find what is in it.
CONTROL=control-$(rnd)
control_file=$(mktemp /tmp/qrshare-canary-control.XXXXXX)
printf 'x%sx\n' "$CONTROL" >"$control_file"
leak_corpus "$tmp/start" >"$tmp/corpus"

CANARIES=("$C_EMAIL" "$C_FIRST" "$C_LAST" "$C_STREET" "$C_CITY" "$C_PHONE" "$C_BAD" "$C_RETRY" "$C_CLAIM")
SECRETS=("$KEY" "$AT_A" "$BAD_SECRET" "$U_A" "$U_B" "$U_X" "$QRSHARE_HS256_SECRET"
    "$QRSHARE_ED25519_SECRET_KEY" "${U_A%.*}" "${U_B##*.}")
SESSION_TOKENS=("$ST_A" "$ST_B" "$ST_C2" "$ST_D")
# Each also spelled in hex, as PostgreSQL logs a bytea parameter.
for c in "${CANARIES[@]}" "${SECRETS[@]}" "$ST_C" "${SESSION_TOKENS[@]}"; do printf '%s\n%s\n' "$c" "$(hex "$c")"; done \
    >"$tmp/needles"
printf '%s\n' "$VENDOR" "$SID_A" "user token refused" "$CONTROL" "qrshare.api_update(" >>"$tmp/needles"
leak_search "$tmp/corpus" "$tmp/needles" >"$tmp/hits"
rm -f "$control_file"
# in_hits NEEDLE [FILE-ERE]: the files (matching FILE-ERE) where NEEDLE was found.
in_hits() { awk -F '\t' -v n="$1" -v x="$(hex "$1")" -v f="${2:-.}" '($2 == n || $2 == x) && $1 ~ f { print $1 }' "$tmp/hits"; }

ok '[ -n "$(in_hits "$CONTROL" "^/tmp/qrshare-canary-control")" ]' \
    "control: the search finds a marker in a new file under /tmp"
ok '[ -n "$(in_hits "$VENDOR" "/pgdata/")" ]' \
    "control: the search finds vendor_data (stored as it is) in PostgreSQL's data directory"
ok '[ -n "$(in_hits "$SID_A" "/access\.log$")" ] && grep -qF "$FLUSH_ID" "$QRSHARE_STATE/logs/access.log"' \
    "control: the search finds the session id in the access log (flushed)"
pglog=$(tail -c +$((PGLOG_FROM + 1)) "$QRSHARE_STATE/postgres.log")
ok '[ -n "$(in_hits "qrshare.api_update(" "/postgres\.log$")" ] && ! grep -q "parameters: " <<<"$pglog"' \
    "PostgreSQL's log has the executables' statements (the search finds them there), never their parameters"
missing=$(for f in "$QRSHARE_STATE"/logs/*.log "$QRSHARE_STATE"/postgres.log; do grep -qxF "$f" "$tmp/corpus" || echo "$f"; done)
is "" "$missing" "control: every log of the stack is searched"
ok '[ -n "$(in_hits "user token refused" "/$QRSHARE_SERVER-error\.log$")" ]' \
    "control: the executables' stderr (a refused user token) is in the web server's error log, which is searched"

found=$(for c in "${CANARIES[@]}"; do in_hits "$c"; done | sort -u)
is "" "$found" "no canary in any log, data file or temp file (files listed)"
found=$(for c in "${SECRETS[@]}" "$ST_C"; do in_hits "$c"; done | sort -u)
is "" "$found" "no client secret, client access token, user token (or part of one), conf secret or replaced session token anywhere (files listed)"
found=$(for c in "${SESSION_TOKENS[@]}"; do in_hits "$c"; done | sort -u)
is "" "$found" "no session token anywhere, the access log included (files listed)"
# By the API's design the phone's paths carry the session token
# (/auth/v2/session/{session_token}/information|update), and so does the QR code's
# ?token=: the access log has those requests, with the token masked
# (conf/qrshare-access-log.sed).
ok 'grep -aqE "\"(GET /auth/v2/session/\(token\)/information/?|POST /auth/v2/session/\(token\)/update/?) HTTP/1\.[01]\"" "$QRSHARE_STATE/logs/access.log" &&
    grep -aqE "\"GET /auth/v2/session/[0-9a-f-]{36}/qr\.svg\?token=\(masked\) HTTP/1\.[01]\"" "$QRSHARE_STATE/logs/access.log"' \
    "the access log has the phone's requests and qr.svg?token=, each token masked"

# --- the database itself ---------------------------------------------------------------
# (after the file search: these statements name the canaries, as hex)
q=$(for c in "${CANARIES[@]}"; do printf "position(decode('%s', 'hex') IN coalesce(user_data, '')) > 0 OR " "$(hex "$c")"; done)
is 0 "$(sql "SELECT count(*) FROM qrshare.sessions WHERE ${q% OR }")" "user_data holds none of the canaries' bytes"
is 1 "$(sql "SELECT count(*) FROM qrshare.sessions WHERE id = '$SID_A' AND octet_length(user_data) > ${#USER_DATA}")" \
    "the confirmed session's user_data is there, sealed (longer than the plaintext)"
PATH=$QRSHARE_PGBIN:$PATH pg_dump -d "$QRSHARE_PSQL" >"$tmp/dump.sql" 2>"$tmp/dump.err"
ok '[ -s "$tmp/dump.sql" ] && grep -qF "$VENDOR" "$tmp/dump.sql"' "pg_dump works (and shows vendor_data)"
found=$(for c in "${CANARIES[@]}"; do grep -aFe "$c" -e "$(hex "$c")" "$tmp/dump.sql"; done | cut -c1-60)
is "" "$found" "a dump of the database holds no canary, as text or as hex"

done_testing
