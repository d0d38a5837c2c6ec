#!/usr/bin/env bash
# Hostile input through the real lighttpd: one table of requests, each with the 4xx it must
# get (never a 5xx, never a crash), and not one of them may write to the database.
#
# Table columns, separated by "|" (spaces around a value do not count):
#   name | method | path | headers | body | status | error
# - path, headers and literal bodies may name {{PLACEHOLDERS}} (the map P below).
# - headers: ";;"-separated; shorthands: KEY, KEY2 (X-Api-Key of app 1, 2), BASIC (app 1's
#   client_id:client_secret), AT (app 1's client access token), ST1 (the session token of
#   S1), JSON, FORM (Content-Type), JWT:NAME (Authorization: Bearer with the user token
#   TOK[NAME]); anything else is one "Name: value" header ("Name:" alone removes a header
#   curl would send).
# - body: @NAME for the generated file $tmp/hostile/NAME, NONE for no body at all, else
#   literal (empty: Content-Length: 0, as browsers send on a POST without a body).
# - method RAW / RAW-HALF: the body file is sent as it is on a TCP connection (RAW-HALF
#   then closes the sending side), for framing curl will not produce.
# - status: an extended regex of the HTTP status, "," between alternatives; 000 means no
#   answer within 5 s.
# - error: the JSON .error ("," between alternatives); "-" when lighttpd answers by itself
#   (its own HTML page: the request never reaches an executable); for a 405,
#   "method_not_allowed:ALLOW" also checks the Allow header. Every JSON answer must be
#   {"error", "error_description"} with the JSON Content-Type and Cache-Control: no-store;
#   a 401 must carry its WWW-Authenticate.
# - apache (optional): "STATUS ERROR" wanted instead under Apache, where Apache answers by
#   itself differently from lighttpd (each documented in conf/apache-qrshare.conf).
# Sessions: S1 initialized, S2 retrieved by alice, S3 confirmed (all app 1), S4 app 2.
. "$(dirname "$0")/lib.sh"
plan 351

export LC_ALL=C
mkdir -p "$tmp/hostile"
command -v openssl >/dev/null || echo "# openssl is needed to forge user tokens (jwt_forge): the controls will fail"
command -v perl >/dev/null || echo "# perl is needed for the raw requests (raw_http): the framing rows will fail"

# --- what the rows need, made before the first snapshot ------------------------------
# Two applications of this test's own (the snapshot covers what belongs to them, so a
# sweep or another test touching other rows cannot disturb it): app 1 allows some
# scopes only, app 2 all of them.
row=$(sql "SELECT client_id || ' ' || client_secret FROM qrshare.add_application('Hostile One', 'hostile.example', ARRAY['email', 'names', 'phone'])")
ID1=${row% *} KEY1=${row#* }
row=$(sql "SELECT client_id || ' ' || client_secret FROM qrshare.add_application('Hostile Two', 'hostile-two.example')")
ID2=${row% *} KEY2=${row#* }
app_token "$ID1" "$KEY1"
AT_OK=$STATUS
create '{"scope":"email names"}' "$KEY1"
SID1=$SID ST1=$STOKEN
# tokens that outlive this long test on a busy machine
ALICE=$(user_token alice EdDSA --ttl 3600) BOB=$(user_token bob EdDSA --ttl 3600)
create '{"scope":"email names"}' "$KEY1"
SID2=$SID ST2=$STOKEN
information "$ST2" "$ALICE"
create '{"scope":"email names"}' "$KEY1"
SID3=$SID ST3=$STOKEN
information "$ST3" "$ALICE"
update "$ST3" "$ALICE" '{"status":"confirmed","user_data":{"email":{"email":"alice@example.org","is_verified":false,"is_primary":true}}}'
S3_OK=$STATUS
create '{"scope":"email"}' "$KEY2"
SID4=$SID ST4=$STOKEN
is "200 200 initialized retrieved confirmed initialized" \
    "$AT_OK $S3_OK $(sql "SELECT string_agg(status, ' ' ORDER BY session_number) FROM qrshare.sessions WHERE id IN ('$SID1', '$SID2', '$SID3', '$SID4')")" \
    "setup: a client token; S1 initialized, S2 retrieved, S3 confirmed, S4 (app 2) initialized"

PUB=$(ed25519_public_key)
HDR_ED='{"alg":"EdDSA","typ":"JWT","kid":"'$QRSHARE_ED25519_KID'"}'
HDR_HS='{"alg":"HS256","typ":"JWT","kid":"'$QRSHARE_HS256_KID'"}'
# hdr JQ-FILTER: the header HDR_ED changed by JQ-FILTER.
hdr() { jq -c "$1" <<<"$HDR_ED"; }

# The forging works: the same recipes with nothing wrong are accepted (on sessions of
# their own, bound here, before the snapshot).
create '{"scope":"email"}' "$KEY1"
information "$STOKEN" "$(jwt_forge "$HDR_ED" "$(jwt_claims)" ed)"
is "200 retrieved" "$STATUS $(j .status)" "control: an EdDSA token forged here with the users' key is accepted"
create '{"scope":"email"}' "$KEY1"
information "$STOKEN" "$(jwt_forge "$HDR_HS" "$(jwt_claims)" "hs:$QRSHARE_HS256_SECRET")"
is "200 retrieved" "$STATUS $(j .status)" "control: an HS256 token forged here with the users' secret is accepted"
printf 'GET /auth/v2/session/%s/status HTTP/1.1\r\nHost: 127.0.0.1\r\nData-Session-Token: %s\r\nConnection: close\r\n\r\n' \
    "$SID1" "$ST1" >"$tmp/hostile/raw-control"
raw_http "$tmp/hostile/raw-control"
is "200 initialized" "$STATUS $(j .status)" "control: a well-formed raw request is answered"

# --- user tokens: each is valid but for one thing ------------------------------------
declare -A TOK
GOOD=$(user_token mallory)
TOK[alice]=$ALICE
TOK[bob]=$BOB
TOK[none]=$(jwt_forge '{"alg":"none","typ":"JWT"}' "$(jwt_claims)" none)
TOK[none-kid]=$(jwt_forge "$(hdr '.alg = "none"')" "$(jwt_claims)" none)
TOK[none-signed]=$(jwt_forge "$(hdr '.alg = "none"')" "$(jwt_claims)" ed)
TOK[None-upper]=$(jwt_forge "$(hdr '.alg = "NONE"')" "$(jwt_claims)" ed)
TOK[hs-pubkey]=$(jwt_forge "$(hdr '.alg = "HS256"')" "$(jwt_claims)" "hs:$PUB")
TOK[hs-pubkey-text]=$(jwt_forge "$(hdr '.alg = "HS256"')" "$(jwt_claims)" "hs:$(printf '%s' "$PUB" | b64url)")
TOK[hs-pubkey-hskid]=$(jwt_forge "$HDR_HS" "$(jwt_claims)" "hs:$PUB")
TOK[hs-secret-edkid]=$(jwt_forge "$(hdr '.alg = "HS256"')" "$(jwt_claims)" "hs:$QRSHARE_HS256_SECRET")
TOK[ed-hskid]=$(jwt_forge "$(hdr ".kid = \"$QRSHARE_HS256_KID\"")" "$(jwt_claims)" ed)
TOK[rs256]=$(jwt_forge "$(hdr '.alg = "RS256"')" "$(jwt_claims)" rs)
TOK[es256]=$(jwt_forge "$(hdr '.alg = "ES256"')" "$(jwt_claims)" ed)
TOK[alg-missing]=$(jwt_forge "$(hdr 'del(.alg)')" "$(jwt_claims)" ed)
TOK[kid-unknown]=$(jwt_forge "$(hdr '.kid = "nobody"')" "$(jwt_claims)" ed)
TOK[kid-missing]=$(jwt_forge "$(hdr 'del(.kid)')" "$(jwt_claims)" ed)
TOK[kid-path]=$(jwt_forge "$(hdr '.kid = "../../../../etc/passwd"')" "$(jwt_claims)" ed)
TOK[kid-path-keys]=$(jwt_forge "$(hdr '.kid = "../keys/ed25519.env"')" "$(jwt_claims)" ed)
TOK[kid-sql]=$(jwt_forge "$(hdr ".kid = \"' OR 1=1--\"")" "$(jwt_claims)" ed)
TOK[kid-nul]=$(jwt_forge "$(hdr ".kid = \"$QRSHARE_ED25519_KID\\u0000x\"")" "$(jwt_claims)" ed)
TOK[kid-number]=$(jwt_forge "$(hdr '.kid = 1')" "$(jwt_claims)" ed)
TOK[jku]=$(jwt_forge "$(hdr '.jku = "https://evil.example/jwks.json"')" "$(jwt_claims)" ed)
TOK[jwk]=$(jwt_forge "$(hdr ".jwk = {kty: \"OKP\", crv: \"Ed25519\", x: \"$PUB\"}")" "$(jwt_claims)" ed)
TOK[x5u]=$(jwt_forge "$(hdr '.x5u = "https://evil.example/cert.pem"')" "$(jwt_claims)" ed)
TOK[x5c]=$(jwt_forge "$(hdr '.x5c = ["MIIB"]')" "$(jwt_claims)" ed)
TOK[crit]=$(jwt_forge "$(hdr '.crit = ["b64"] | .b64 = false')" "$(jwt_claims)" ed)
TOK[typ-bad]=$(jwt_forge "$(hdr '.typ = "JOSE+JSON"')" "$(jwt_claims)" ed)
TOK[sig-flip]=$(jwt_sig_edit "$GOOD" flip)
TOK[sig-63]=$(jwt_sig_edit "$GOOD" drop)
TOK[sig-65]=$(printf '%s.%s\n' "${GOOD%.*}" "$({ printf '%s' "${GOOD##*.}" | b64url_decode; printf 'x'; } | b64url)")
TOK[sig-padded]=$(jwt_sig_edit "$GOOD" pad)
TOK[sig-noncanonical]=$(jwt_sig_edit "$GOOD" noncanonical)
TOK[sig-empty]="${GOOD%.*}."
TOK[hdr-padded]=$(jwt_forge "$HDR_ED" "$(jwt_claims)" ed | sed 's/\./=./')
# The same bytes spelled in standard base64 ("+" "/"): find a header whose base64url has
# a "-" or "_", sign it, and respell the header.
for n in $(seq 64); do
    h=$(hdr ".nonce = \"$n~~?>\"")
    [[ $(printf '%s' "$h" | b64url) == *[-_]* ]] && break
done
t=$(jwt_forge "$h" "$(jwt_claims)" ed)
TOK[hdr-std-base64]=$(printf '%s' "${t%%.*}" | tr -- '-_' '+/').${t#*.}
TOK[two-parts]=${GOOD%.*}
TOK[four-parts]=$GOOD.${GOOD##*.}
TOK[hdr-not-json]=$(printf 'not json' | b64url).${GOOD#*.}
TOK[claims-not-object]=$(jwt_forge "$HDR_ED" '"mallory"' ed)
TOK[claims-dup-sub]=$(jwt_forge "$HDR_ED" "$(jwt_claims | sed 's/}$/,"sub":"alice"}/')" ed)
TOK[claims-trailing]=$(jwt_forge "$HDR_ED" "$(jwt_claims){}" ed)
TOK[expired]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.iat -= 7200 | .exp = .iat + 3600')" ed)
TOK[expired-tool]=$(user_token mallory EdDSA --claim-json exp=$(($(date +%s) - 120)))
TOK[exp-missing]=$(jwt_forge "$HDR_ED" "$(jwt_claims 'del(.exp)')" ed)
TOK[exp-string]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.exp |= tostring')" ed)
TOK[exp-inf]=$(jwt_forge "$HDR_ED" "$(jwt_claims | sed -E 's/"exp":[0-9]+/"exp":1e999/')" ed)
TOK[nbf-future]=$(user_token mallory EdDSA --nbf-offset 3600)
TOK[iat-future]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.iat += 3600 | .exp += 3600')" ed)
TOK[iss-wrong]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.iss = "https://evil.example/idp"')" ed)
TOK[iss-slash]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.iss += "/"')" ed)
TOK[iss-missing]=$(jwt_forge "$HDR_ED" "$(jwt_claims 'del(.iss)')" ed)
TOK[aud-missing]=$(jwt_forge "$HDR_ED" "$(jwt_claims 'del(.aud)')" ed)
TOK[aud-foreign]=$(user_token mallory EdDSA --aud another-service)
TOK[aud-array-foreign]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.aud = ["another-service", "a-third"]')" ed)
TOK[aud-array-number]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.aud = [.aud, 1]')" ed)
TOK[aud-null]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.aud = null')" ed)
TOK[sub-missing]=$(jwt_forge "$HDR_ED" "$(jwt_claims 'del(.sub)')" ed)
TOK[sub-empty]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.sub = ""')" ed)
TOK[sub-number]=$(jwt_forge "$HDR_ED" "$(jwt_claims '.sub = 42')" ed)
TOK[sub-256]=$(jwt_forge "$HDR_ED" "$(jwt_claims ".sub = \"$(head -c 256 /dev/zero | tr '\0' s)\"")" ed)
TOK[over-8k]=$(user_token mallory EdDSA --claim "pad=$(head -c 6500 /dev/zero | tr '\0' p)" 2>/dev/null)
TOK[client-secret]=$KEY1
TOK[client-token]=$AT
TOK[empty]=
sig_len() { printf '%s' "${1##*.}" | b64url_decode | wc -c; }
is "std:yes flip:yes 63 65 over:yes" \
    "std:$([[ ${TOK[hdr-std-base64]%%.*} == *[+/]* ]] && echo yes) flip:$([ "${TOK[sig-flip]}" != "$GOOD" ] && echo yes) $(sig_len "${TOK[sig-63]}") $(sig_len "${TOK[sig-65]}") over:$([ ${#TOK[over-8k]} -gt 8192 ] && echo yes)" \
    "setup: the edited tokens are what their rows say"

# --- generated bodies and raw requests -----------------------------------------------
# shellcheck disable=SC2059 # the format holds the bytes, as \x escapes
body() { printf "$2" >"$tmp/hostile/$1"; } # body NAME PRINTF-FORMAT
rep() { head -c "$2" /dev/zero | tr '\0' "$1"; } # rep CHAR N
# pad_json NAME SIZE PREFIX SUFFIX: PREFIX, "x" repeated, SUFFIX: exactly SIZE bytes.
pad_json() { { printf '%s' "$3"; rep x $(($2 - ${#3} - ${#4})); printf '%s' "$4"; } >"$tmp/hostile/$1"; }
{ rep '[' 10000; rep ']' 10000; } >"$tmp/hostile/depth-10000-array"
{ printf '{"scope":"email","metadata":'; for i in $(seq 10000); do printf '{"a":'; done; printf 1; rep '}' 10001; } \
    >"$tmp/hostile/depth-10000-metadata"
{ printf '{"scope":"email","metadata":'; for i in $(seq 99); do printf '{"a":'; done; printf 1; rep '}' 100; } \
    >"$tmp/hostile/depth-100-metadata"
{ printf '{"status":"confirmed","user_data":{"names":'; for i in $(seq 10000); do printf '{"a":'; done; printf '"x"'; rep '}' 10002; } \
    >"$tmp/hostile/depth-10000-user-data"
body utf8-ff '{"scope":"email","vendor_data":"\xff"}'
body utf8-overlong '{"scope":"email","vendor_data":"\xc0\xaf"}'
body utf8-surrogate '{"scope":"email","vendor_data":"\xed\xa0\x80"}'
body utf8-truncated '{"scope":"email","vendor_data":"\xe2\x82"}'
body utf8-above-max '{"scope":"email","vendor_data":"\xf4\x90\x80\x80"}'
body utf8-key '{"scope":"email","\xff":1}'
body utf8-update '{"status":"confirmed","user_data":{"email":{"email":"\xfe\xff@example.org","is_verified":false,"is_primary":true}}}'
body nul-raw '{"scope":"email","vendor_data":"a\0b"}'
body nul-after '{"scope":"email"}\0'
body bom '\xef\xbb\xbf{"scope":"email"}'
body ctrl-raw '{"scope":"email","vendor_data":"a\001b"}'
pad_json size-65536 65536 '{"scope":"email","vendor_data":"' '"}'
pad_json size-65537 65537 '{"scope":"email","vendor_data":"' '"}'
pad_json size-65537-update 65537 '{"status":"confirmed","user_data":{"email":{"email":"' '@example.org","is_verified":false,"is_primary":true}}}'
pad_json size-65536-ws 65536 '{"scope":"email","unknown":true' '}'
sed -i 's/x/ /g' "$tmp/hostile/size-65536-ws"
printf '{"scope":"%s"}' "$(for i in $(seq 33); do printf 's%d ' "$i"; done)" >"$tmp/hostile/scope-33"
printf '{"scope":"email","vendor_data":"%s"}' "$(rep v 2001)" >"$tmp/hostile/vendor-2001"
printf '{"scope":"email","metadata":{"m":"%s"}}' "$(rep m 4100)" >"$tmp/hostile/metadata-4k"
printf '{"status":"confirmed","user_data":{%s"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}}' \
    "$(for i in $(seq 33); do printf '"s%d":"x",' "$i"; done)" >"$tmp/hostile/user-data-33"
raw() { # raw NAME HEADERS BODY: a POST to create with app 1's key, as given
    printf 'POST /auth/v2/session/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: %s\r\nContent-Type: application/json\r\nConnection: close\r\n%s\r\n%s' \
        "$KEY1" "$2" "$3" >"$tmp/hostile/$1"
}
raw cl-longer $'Content-Length: 100\r\n' '{"scope":"email"}'
raw cl-huge $'Content-Length: 99999999999\r\n' '{"scope":"email"}'
raw cl-shorter $'Content-Length: 5\r\n' '{"scope":"email"}'
raw cl-negative $'Content-Length: -17\r\n' '{"scope":"email"}'
raw cl-overflow $'Content-Length: 184467440737095516160\r\n' '{"scope":"email"}'
raw cl-not-a-number $'Content-Length: 17x\r\n' '{"scope":"email"}'
raw cl-twice $'Content-Length: 17\r\nContent-Length: 5\r\n' '{"scope":"email"}'
# Both framings: lighttpd refuses it; Apache lets Transfer-Encoding win (RFC 9112 §6.1)
# and passes the de-chunked body on, which names an unknown scope so nothing is written.
raw cl-and-chunked $'Content-Length: 21\r\nTransfer-Encoding: chunked\r\n' $'15\r\n{"scope":"email ssn"}\r\n0\r\n\r\n'
raw chunked-bad-size $'Transfer-Encoding: chunked\r\n' $'zz\r\n{"scope":"email"}\r\n0\r\n\r\n'
raw chunked-truncated $'Transfer-Encoding: chunked\r\n' $'ff\r\n{"scope":"email"}'
# two chunks: 8 bytes, then 0x12 = 18 bytes
raw chunked-unknown-field $'Transfer-Encoding: chunked\r\n' $'8\r\n{"scope"\r\n12\r\n:"email","x":true}\r\n0\r\n\r\n'

declare -A P=(
    [SID1]=$SID1 [ST1]=$ST1 [SID2]=$SID2 [ST2]=$ST2 [SID3]=$SID3 [ST3]=$ST3 [SID4]=$SID4 [ST4]=$ST4
    [SECRET]=$KEY1 [CLIENT_ID]=$ID1 [AT]=$AT [ALICE]=$ALICE [BOB]=$BOB
    [LONG]=$(rep a 1000) [LONG4K]=$(rep A 4000) [LONG_TOKEN]=$(rep A 1000) [RANDOM_TOKEN]=$(head -c 32 /dev/urandom | b64url)
    [UUID0]=00000000-0000-0000-0000-000000000000 [SID1_UPPER_BRACES]="%7B$SID1%7D"
    [SID1_NODASH]=${SID1//-/} [SQL_BASIC]=$(basic "' OR 1=1--" "$KEY1")
    [WRONG_BASIC]=$(basic "$ID1" "$(head -c 32 /dev/urandom | b64url)")
    [NUL_BASIC]=$(printf '%s\0:%s' "$ID1" "$KEY1" | base64 -w0)
    [SECRET2_BASIC]=$(basic "$ID1" "$KEY2")
)
expand() { # expand VAR TEXT: VAR is TEXT with each {{NAME}} of P replaced
    local -n out=$1
    local k
    out=$2
    for k in "${!P[@]}"; do out=${out//"{{$k}}"/${P[$k]}}; done
}

# --- the table -------------------------------------------------------------------------
rows=$(cat <<'TABLE'
json: truncated object | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email" | 400 | invalid_request
json: truncated in a string | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"em | 400 | invalid_request
json: empty body | POST | /auth/v2/session/ | KEY ;; JSON |  | 400 | invalid_request
framing: POST without Content-Length | POST | /auth/v2/session/ | KEY ;; JSON | NONE | 411 | - | 400 invalid_request
json: trailing data | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email"} x | 400 | invalid_request
json: {}{} | POST | /auth/v2/session/ | KEY ;; JSON | {}{} | 400 | invalid_request
json: two valid objects | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email"}{"scope":"email"} | 400 | invalid_request
json: top level array | POST | /auth/v2/session/ | KEY ;; JSON | [{"scope":"email"}] | 400 | invalid_request
json: top level string | POST | /auth/v2/session/ | KEY ;; JSON | "email" | 400 | invalid_request
json: single quotes | POST | /auth/v2/session/ | KEY ;; JSON | {'scope':'email'} | 400 | invalid_request
json: comment | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email"/*x*/} | 400 | invalid_request
json: trailing comma | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email",} | 400 | invalid_request
json: byte order mark | POST | /auth/v2/session/ | KEY ;; JSON | @bom | 400 | invalid_request
json: nesting depth 10000 (arrays) | POST | /auth/v2/session/ | KEY ;; JSON | @depth-10000-array | 400 | invalid_request
json: nesting depth 10000 in metadata | POST | /auth/v2/session/ | KEY ;; JSON | @depth-10000-metadata | 400 | invalid_request
json: nesting depth 100 | POST | /auth/v2/session/ | KEY ;; JSON | @depth-100-metadata | 400 | invalid_request
json: invalid UTF-8 \xff | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-ff | 400 | invalid_request
json: overlong UTF-8 | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-overlong | 400 | invalid_request
json: UTF-8 encoded surrogate | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-surrogate | 400 | invalid_request
json: truncated UTF-8 sequence | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-truncated | 400 | invalid_request
json: UTF-8 above U+10FFFF | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-above-max | 400 | invalid_request
json: invalid UTF-8 in a key | POST | /auth/v2/session/ | KEY ;; JSON | @utf8-key | 400 | invalid_request
json: lone high surrogate \ud800 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":"\ud800"} | 400 | invalid_request
json: lone low surrogate \udc00 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":"\udc00"} | 400 | invalid_request
json: high surrogate then a letter | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":"\ud800\u0041"} | 400 | invalid_request
json: \u0000 in a string | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":"a\u0000b"} | 400 | invalid_request
json: \u0000 in a key | POST | /auth/v2/session/ | KEY ;; JSON | {"scope\u0000x":"email"} | 400 | invalid_request
json: \u0000 in scope | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email\u0000 phone"} | 400 | invalid_request
json: raw NUL in a string | POST | /auth/v2/session/ | KEY ;; JSON | @nul-raw | 400 | invalid_request
json: NUL after the object | POST | /auth/v2/session/ | KEY ;; JSON | @nul-after | 400 | invalid_request
json: raw control character | POST | /auth/v2/session/ | KEY ;; JSON | @ctrl-raw | 400 | invalid_request
json: duplicate key | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","scope":"names"} | 400 | invalid_request
json: duplicate key in metadata | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","metadata":{"a":1,"a":2}} | 400 | invalid_request
json: duplicate key spelled with an escape | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","\u0073cope":"names"} | 400 | invalid_request
json: NaN | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":NaN} | 400 | invalid_request
json: leading zero | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":060} | 400 | invalid_request
create: mass assignment status | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","status":"confirmed"} | 400 | invalid_request
create: mass assignment session_id | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","session_id":"{{SID1}}"} | 400 | invalid_request
create: mass assignment session_token | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","session_token":"{{ST1}}"} | 400 | invalid_request
create: mass assignment user_data | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","user_data":{"email":"x@example.org"}} | 400 | invalid_request
create: mass assignment application_id | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","application_id":"{{UUID0}}"} | 400 | invalid_request
create: mass assignment expires_at | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_at":"2999-01-01T00:00:00Z"} | 400 | invalid_request
create: scope missing | POST | /auth/v2/session/ | KEY ;; JSON | {"vendor_data":"x"} | 400 | invalid_request
create: scope a number | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":1} | 400 | invalid_request
create: scope an array | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":["email"]} | 400 | invalid_request
create: scope an object | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":{"email":true}} | 400 | invalid_request
create: scope a boolean | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":true} | 400 | invalid_request
create: scope null | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":null} | 400 | invalid_request
create: scope empty | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":""} | 400 | invalid_scope
create: scope unknown | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email ssn"} | 400 | invalid_scope
create: scope not allowed for the application | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email bank_account"} | 400 | invalid_scope
create: scope upper case | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"EMAIL"} | 400 | invalid_scope
create: scope comma-separated | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email,names"} | 400 | invalid_scope
create: scope with SQL | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email'); DELETE FROM qrshare.sessions;--"} | 400 | invalid_scope
create: 33 scopes | POST | /auth/v2/session/ | KEY ;; JSON | @scope-33 | 400 | invalid_scope
create: vendor_data a number | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":42} | 400 | invalid_request
create: vendor_data an object | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":{"a":1}} | 400 | invalid_request
create: vendor_data an array | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":["a"]} | 400 | invalid_request
create: vendor_data a boolean | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","vendor_data":false} | 400 | invalid_request
create: vendor_data 2001 bytes | POST | /auth/v2/session/ | KEY ;; JSON | @vendor-2001 | 400 | invalid_request
create: metadata a string | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","metadata":"{}"} | 400 | invalid_request
create: metadata an array | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","metadata":[1]} | 400 | invalid_request
create: metadata a number | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","metadata":1} | 400 | invalid_request
create: metadata a boolean | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","metadata":true} | 400 | invalid_request
create: metadata over 4 KiB | POST | /auth/v2/session/ | KEY ;; JSON | @metadata-4k | 400 | invalid_request
create: callback a number | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":1} | 400 | invalid_request
create: callback an object | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":{"url":"https://hostile.example/"}} | 400 | invalid_request
create: callback an array | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":["https://hostile.example/"]} | 400 | invalid_request
create: callback a boolean | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":false} | 400 | invalid_request
create: callback javascript: | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":"javascript:alert(1)"} | 400 | invalid_request
create: callback with userinfo | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":"https://hostile.example@evil.example/"} | 400 | invalid_request
create: callback with user:password | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":"https://hostile.example:x@evil.example/"} | 400 | invalid_request
create: callback on another domain | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":"https://evil.example/cb"} | 400 | invalid_request
create: callback on a look-alike domain | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","callback":"https://hostile.example.evil.example/cb"} | 400 | invalid_request
create: expires_in a string | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":"60"} | 400 | invalid_request
create: expires_in a fraction | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":30.5} | 400 | invalid_request
create: expires_in a boolean | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":true} | 400 | invalid_request
create: expires_in an array | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":[60]} | 400 | invalid_request
create: expires_in 1e999 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":1e999} | 400 | invalid_request
create: expires_in 99999999999999999999 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":99999999999999999999} | 400 | invalid_request
create: expires_in 2^32 + 60 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":4294967356} | 400 | invalid_request
create: expires_in -1 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":-1} | 400 | invalid_request
create: expires_in 0 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":0} | 400 | invalid_request
create: expires_in 29 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":29} | 400 | invalid_request
create: expires_in 3601 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":3601} | 400 | invalid_request
create: expires_in 6e1 | POST | /auth/v2/session/ | KEY ;; JSON | {"scope":"email","expires_in":6e1} | 400 | invalid_request
update: status missing | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: status a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":1} | 400 | invalid_request
update: status an array | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":["declined"]} | 400 | invalid_request
update: status a boolean | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":true} | 400 | invalid_request
update: status null | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":null} | 400 | invalid_request
update: status Confirmed | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"Confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: status cancelled | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"cancelled"} | 400 | invalid_request
update: status expired | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"expired"} | 400 | invalid_request
update: status "confirmed\u0000" | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed\u0000","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: duplicate status | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined","status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: user_data a string | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":"a@example.org"} | 400 | invalid_request
update: user_data an array | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":[{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}]} | 400 | invalid_request
update: user_data a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":1} | 400 | invalid_request
update: user_data a boolean | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":true} | 400 | invalid_request
update: user_data null with confirmed | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":null} | 400 | invalid_request
update: user_data empty | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{}} | 400 | invalid_request
update: user_data missing | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed"} | 400 | invalid_request
update: user_data with declined | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: email a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":5}} | 400 | invalid_request
update: email null | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":null}} | 400 | invalid_request
update: email an array | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":["a@example.org"]}} | 400 | invalid_request
update: email an object of other fields | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"v":"a@example.org"}}} | 400 | invalid_request
update: email a string (the shape is an object) | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":"a@example.org"}} | 400 | invalid_request
update: email.email a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":5,"is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: email with an extra field | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true,"x":1}}} | 400 | invalid_request
update: email.is_primary a string | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":"yes"}}} | 400 | invalid_request
update: names with no name | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"names":{"is_verified":false}}} | 400 | invalid_request
update: email.email no address | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"alice at example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: claims_token a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}},"claims_token":1} | 400 | invalid_request
update: claims_token not a JWT | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}},"claims_token":"a.b.c"} | 400 | invalid_request
update: claims_token of another user | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true}},"claims_token":"{{BOB}}"} | 400 | invalid_request
update: email a boolean | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":true}} | 400 | invalid_request
update: names a string | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"names":"Alice Liddell"}} | 400 | invalid_request
update: names an array | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"names":["Alice","Liddell"]}} | 400 | invalid_request
update: names a number | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"names":1}} | 400 | invalid_request
update: a scope not requested | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true},"phone":{"phone_number":"+442079460958","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: a name outside the catalog | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true},"ssn":"1"}} | 400 | invalid_request
update: user_data.sub (server-set) | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a@example.org","is_verified":false,"is_primary":true},"sub":"alice"}} | 400 | invalid_request
update: a key with path characters | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"../email":{"email":"a@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: 34 user_data keys | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | @user-data-33 | 400 | invalid_request
update: mass assignment granted_scopes | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined","granted_scopes":["email"]} | 400 | invalid_request
update: mass assignment session_id | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined","session_id":"{{SID1}}"} | 400 | invalid_request
update: mass assignment user_sub | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined","user_sub":"bob"} | 400 | invalid_request
update: nesting depth 10000 in user_data | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | @depth-10000-user-data | 400 | invalid_request
update: invalid UTF-8 in user_data | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | @utf8-update | 400 | invalid_request
update: \u0000 in user_data | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"a\u0000@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: lone surrogate in user_data | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"confirmed","user_data":{"email":{"email":"\udfff@example.org","is_verified":false,"is_primary":true}}} | 400 | invalid_request
update: trailing data | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined"}{"status":"confirmed"} | 400 | invalid_request
update: another user | POST | /auth/v2/session/{{ST2}}/update/ | JWT:bob ;; JSON | {"status":"declined"} | 409 | already_claimed
update: a decided session | POST | /auth/v2/session/{{ST3}}/update/ | JWT:alice ;; JSON | {"status":"declined"} | 409 | invalid_state
update: an initialized session | POST | /auth/v2/session/{{ST1}}/update/ | JWT:alice ;; JSON | {"status":"declined"} | 409 | invalid_state
size: body of exactly 65536 bytes is parsed | POST | /auth/v2/session/ | KEY ;; JSON | @size-65536 | 400 | invalid_request
size: 65536 bytes, mostly spaces, unknown field | POST | /auth/v2/session/ | KEY ;; JSON | @size-65536-ws | 400 | invalid_request
size: body one byte over 65536 | POST | /auth/v2/session/ | KEY ;; JSON | @size-65537 | 413 | payload_too_large
size: update body one byte over | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | @size-65537-update | 413 | payload_too_large
size: over the limit, no credential at all | POST | /auth/v2/session/ | JSON | @size-65537 | 413 | payload_too_large
size: chunked, one byte over | POST | /auth/v2/session/ | KEY ;; JSON ;; Transfer-Encoding: chunked | @size-65537 | 413 | payload_too_large
framing: huge Content-Length, tiny body | RAW | - | - | @cl-huge | 413 | payload_too_large,- | 413,408 payload_too_large,invalid_request
framing: Content-Length larger than the body | RAW-HALF | - | - | @cl-longer | 4..,000 | -
framing: Content-Length smaller than the body | RAW | - | - | @cl-shorter | 400 | invalid_request
framing: negative Content-Length | RAW | - | - | @cl-negative | 400 | -
framing: Content-Length over 2^64 | RAW | - | - | @cl-overflow | 400 | -
framing: Content-Length not a number | RAW | - | - | @cl-not-a-number | 400 | -
framing: two Content-Lengths | RAW | - | - | @cl-twice | 400 | -
framing: Content-Length and chunked | RAW | - | - | @cl-and-chunked | 400 | - | 400 invalid_scope
framing: bad chunk size | RAW | - | - | @chunked-bad-size | 400 | -
framing: chunked body cut short | RAW-HALF | - | - | @chunked-truncated | 4..,000 | -
framing: chunked body is validated as well | RAW | - | - | @chunked-unknown-field | 400 | invalid_request
media type: missing on create | POST | /auth/v2/session/ | KEY ;; Content-Type: | {"scope":"email"} | 415 | unsupported_media_type
media type: text/plain on create | POST | /auth/v2/session/ | KEY ;; Content-Type: text/plain | {"scope":"email"} | 415 | unsupported_media_type
media type: form on create | POST | /auth/v2/session/ | KEY ;; FORM | {"scope":"email"} | 415 | unsupported_media_type
media type: application/jsonx | POST | /auth/v2/session/ | KEY ;; Content-Type: application/jsonx | {"scope":"email"} | 415 | unsupported_media_type
media type: application/json-patch+json | POST | /auth/v2/session/ | KEY ;; Content-Type: application/json-patch+json | {"scope":"email"} | 415 | unsupported_media_type
media type: multipart/form-data | POST | /auth/v2/session/ | KEY ;; Content-Type: multipart/form-data; boundary=x | {"scope":"email"} | 415 | unsupported_media_type
media type: text/json | POST | /auth/v2/session/ | KEY ;; Content-Type: text/json | {"scope":"email"} | 415 | unsupported_media_type
media type: missing on update | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; Content-Type: | {"status":"declined"} | 415 | unsupported_media_type
media type: form on update | POST | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; FORM | status=declined | 415 | unsupported_media_type
media type: text/plain on token | POST | /auth/v2/token/ | BASIC ;; Content-Type: text/plain | grant_type=client_credentials | 415 | unsupported_media_type
media type: form type with a suffix on token | POST | /auth/v2/token/ | BASIC ;; Content-Type: application/x-www-form-urlencodedx | grant_type=client_credentials | 415 | unsupported_media_type
method: GET token | GET | /auth/v2/token/ | BASIC | | 405 | method_not_allowed:POST
method: PUT token | PUT | /auth/v2/token/ | BASIC ;; FORM | grant_type=client_credentials | 405 | method_not_allowed:POST
method: PATCH token | PATCH | /auth/v2/token/ | BASIC ;; FORM | grant_type=client_credentials | 405 | method_not_allowed:POST
method: DELETE token | DELETE | /auth/v2/token/ | BASIC | | 405 | method_not_allowed:POST
method: GET create | GET | /auth/v2/session/ | KEY | | 405 | method_not_allowed:POST
method: PUT create | PUT | /auth/v2/session/ | KEY ;; JSON | {"scope":"email"} | 405 | method_not_allowed:POST
method: PATCH create | PATCH | /auth/v2/session/ | KEY ;; JSON | {"scope":"email"} | 405 | method_not_allowed:POST
method: DELETE create | DELETE | /auth/v2/session/ | KEY | | 405 | method_not_allowed:POST
method: POST status | POST | /auth/v2/session/{{SID1}}/status/ | ST1 ;; JSON | {} | 405 | method_not_allowed:GET, HEAD
method: PUT status | PUT | /auth/v2/session/{{SID1}}/status/ | ST1 | | 405 | method_not_allowed:GET, HEAD
method: PATCH status | PATCH | /auth/v2/session/{{SID1}}/status/ | ST1 | | 405 | method_not_allowed:GET, HEAD
method: DELETE status | DELETE | /auth/v2/session/{{SID1}}/status/ | ST1 | | 405 | method_not_allowed:GET, HEAD
method: POST information | POST | /auth/v2/session/{{ST1}}/information/ | JWT:alice | | 405 | method_not_allowed:GET
method: PUT information | PUT | /auth/v2/session/{{ST1}}/information/ | JWT:alice | | 405 | method_not_allowed:GET
method: PATCH information | PATCH | /auth/v2/session/{{ST1}}/information/ | JWT:alice | | 405 | method_not_allowed:GET
method: DELETE information | DELETE | /auth/v2/session/{{ST1}}/information/ | JWT:alice | | 405 | method_not_allowed:GET
method: GET update | GET | /auth/v2/session/{{ST2}}/update/ | JWT:alice | | 405 | method_not_allowed:POST
method: PUT update | PUT | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined"} | 405 | method_not_allowed:POST
method: PATCH update | PATCH | /auth/v2/session/{{ST2}}/update/ | JWT:alice ;; JSON | {"status":"declined"} | 405 | method_not_allowed:POST
method: DELETE update | DELETE | /auth/v2/session/{{ST2}}/update/ | JWT:alice | | 405 | method_not_allowed:POST
method: POST decision | POST | /auth/v2/session/{{SID3}}/decision/ | KEY | | 405 | method_not_allowed:GET
method: PUT decision | PUT | /auth/v2/session/{{SID3}}/decision/ | KEY | | 405 | method_not_allowed:GET
method: PATCH decision | PATCH | /auth/v2/session/{{SID3}}/decision/ | KEY | | 405 | method_not_allowed:GET
method: DELETE decision | DELETE | /auth/v2/session/{{SID3}}/decision/ | KEY | | 405 | method_not_allowed:GET
method: GET refresh | GET | /auth/v2/session/{{SID1}}/refresh/ | ST1 | | 405 | method_not_allowed:POST
method: PUT refresh | PUT | /auth/v2/session/{{SID1}}/refresh/ | ST1 | | 405 | method_not_allowed:POST
method: PATCH refresh | PATCH | /auth/v2/session/{{SID1}}/refresh/ | ST1 | | 405 | method_not_allowed:POST
method: DELETE refresh | DELETE | /auth/v2/session/{{SID1}}/refresh/ | ST1 | | 405 | method_not_allowed:POST
method: GET cancel | GET | /auth/v2/session/{{SID1}}/ | ST1 | | 405 | method_not_allowed:DELETE
method: POST cancel | POST | /auth/v2/session/{{SID1}}/ | ST1 | | 405 | method_not_allowed:DELETE
method: PUT cancel | PUT | /auth/v2/session/{{SID1}}/ | ST1 | | 405 | method_not_allowed:DELETE
method: PATCH cancel | PATCH | /auth/v2/session/{{SID1}}/ | ST1 | | 405 | method_not_allowed:DELETE
method: POST qr | POST | /auth/v2/session/{{SID1}}/qr.svg | ST1 | | 405 | method_not_allowed:GET, HEAD
method: PUT qr | PUT | /auth/v2/session/{{SID1}}/qr.svg | ST1 | | 405 | method_not_allowed:GET, HEAD
method: PATCH qr | PATCH | /auth/v2/session/{{SID1}}/qr.svg | ST1 | | 405 | method_not_allowed:GET, HEAD
method: DELETE qr | DELETE | /auth/v2/session/{{SID1}}/qr.svg | ST1 | | 405 | method_not_allowed:GET, HEAD
method: TRACE status | TRACE | /auth/v2/session/{{SID1}}/status/ | ST1 | | 405 | method_not_allowed:GET, HEAD
method: PROPFIND cancel | PROPFIND | /auth/v2/session/{{SID1}}/ | ST1 | | 405 | method_not_allowed:DELETE
id: 1000 characters (status) | GET | /auth/v2/session/{{LONG}}/status | ST1 | | 404 | not_found
id: 1000 characters (cancel) | DELETE | /auth/v2/session/{{LONG}}/ | KEY | | 404 | not_found
id: 1000-character token (information) | GET | /auth/v2/session/{{LONG_TOKEN}}/information | JWT:alice | | 404 | not_found
id: 1000-character token (update) | POST | /auth/v2/session/{{LONG_TOKEN}}/update | JWT:alice ;; JSON | {"status":"declined"} | 404 | not_found
id: unknown well-formed token (information) | GET | /auth/v2/session/{{RANDOM_TOKEN}}/information | JWT:alice | | 404 | not_found
id: the session id where the token goes | GET | /auth/v2/session/{{SID1}}/information | JWT:alice | | 404 | not_found
id: the token where the session id goes | GET | /auth/v2/session/{{ST1}}/status | ST1 | | 404 | not_found
id: all-zero UUID | GET | /auth/v2/session/{{UUID0}}/decision | KEY | | 404 | not_found
id: UUID in braces | GET | /auth/v2/session/{{SID1_UPPER_BRACES}}/status | ST1 | | 404 | not_found
id: UUID without dashes | GET | /auth/v2/session/{{SID1_NODASH}}/status | ST1 | | 404 | not_found
id: SQL | GET | /auth/v2/session/'%20OR%201=1--/decision | KEY | | 404 | not_found
id: unicode (percent-encoded) | GET | /auth/v2/session/%C3%A9t%C3%A9/status | ST1 | | 404 | not_found
id: unicode (raw UTF-8) | GET | /auth/v2/session/été/status | ST1 | | 404 | not_found
id: %00 after the id | GET | /auth/v2/session/{{SID1}}%00/status | ST1 | | 400 | - | 404 -
id: %00 in a token | GET | /auth/v2/session/{{ST1}}%00/information | JWT:alice | | 400 | - | 404 -
id: ..%2f in the id | GET | /auth/v2/session/..%2f{{SID1}}/status | ST1 | | 404 | not_found | 404 -
id: ..%2f..%2f up to the token endpoint | POST | /auth/v2/session/..%2f..%2ftoken | BASIC ;; FORM | grant_type=client_credentials | 404 | -
id: another session's token | GET | /auth/v2/session/{{SID1}}/status | Data-Session-Token: {{ST3}} | | 404 | not_found
id: another application's session | GET | /auth/v2/session/{{SID4}}/decision | KEY | | 404 | not_found
id: another application's key on cancel | DELETE | /auth/v2/session/{{SID1}}/ | KEY2 | | 404 | not_found
id: another application's key on refresh | POST | /auth/v2/session/{{SID1}}/refresh | KEY2 | | 404 | not_found
path: /../ to the token endpoint | POST | /auth/v2/session/{{SID1}}/../../token | BASIC ;; FORM | grant_type=client_credentials | 404 | not_found
path: /auth/v2/session/../token | POST | /auth/v2/session/../token | BASIC ;; FORM | grant_type=client_credentials | 404 | not_found
path: /../ to another session | GET | /auth/v2/session/{{SID4}}/../{{SID1}}/status | ST1 | | 404 | not_found
path: %2e%2e to the token endpoint | POST | /auth/v2/session/%2e%2e/token | BASIC ;; FORM | grant_type=client_credentials | 404 | not_found
path: %2e%2e/ to another session | GET | /auth/v2/session/{{SID4}}/%2e%2e/{{SID1}}/status | ST1 | | 404 | not_found
path: double slash before the id | GET | /auth/v2/session//{{SID1}}/status | ST1 | | 404 | not_found
path: double slash after the id | GET | /auth/v2/session/{{SID1}}//status | ST1 | | 404 | not_found
path: double slash before the token | POST | /auth/v2//token | BASIC ;; FORM | grant_type=client_credentials | 404 | not_found
path: extra segment | GET | /auth/v2/session/{{SID1}}/status/x | ST1 | | 404 | not_found
path: matrix parameter | GET | /auth/v2/session/{{SID1}}/status;x | ST1 | | 404 | not_found
path: backslash | DELETE | /auth/v2/session/..\{{SID1}} | KEY | | 404 | not_found
path: unknown endpoint | GET | /auth/v2/session/{{SID1}}/user_data | KEY | | 404 | not_found
query: ?api_key on status | GET | /auth/v2/session/{{SID1}}/status?api_key={{SECRET}} | | | 401 | invalid_client
query: ?api_key on decision | GET | /auth/v2/session/{{SID3}}/decision?api_key={{SECRET}} | | | 401 | invalid_client
query: ?access_token on decision | GET | /auth/v2/session/{{SID3}}/decision?access_token={{AT}} | | | 401 | invalid_client
query: ?X-Api-Key on decision | GET | /auth/v2/session/{{SID3}}/decision?X-Api-Key={{SECRET}} | | | 401 | invalid_client
query: ?api_key on create | POST | /auth/v2/session/?api_key={{SECRET}} | JSON | {"scope":"email"} | 401 | invalid_client
query: ?token on refresh | POST | /auth/v2/session/{{SID1}}/refresh?token={{ST1}} | | | 401 | invalid_client
query: ?token on cancel | DELETE | /auth/v2/session/{{SID1}}/?token={{ST1}} | | | 401 | invalid_client
query: ?access_token on information | GET | /auth/v2/session/{{ST1}}/information?access_token={{ALICE}} | | | 401 | invalid_token
query: client secret on token | POST | /auth/v2/token/?client_id={{CLIENT_ID}}&client_secret={{SECRET}}&grant_type=client_credentials | FORM | | 401 | invalid_client
query: client secret in the token body | POST | /auth/v2/token/ | FORM | grant_type=client_credentials&client_id={{CLIENT_ID}}&client_secret={{SECRET}} | 401 | invalid_client
app: no credential on create | POST | /auth/v2/session/ | JSON | {"scope":"email"} | 401 | invalid_client
app: unknown well-formed API key | POST | /auth/v2/session/ | X-Api-Key: {{RANDOM_TOKEN}} ;; JSON | {"scope":"email"} | 401 | invalid_client
app: malformed API key | POST | /auth/v2/session/ | X-Api-Key: ' OR 1=1-- ;; JSON | {"scope":"email"} | 401 | invalid_client
app: client secret as a Bearer token | POST | /auth/v2/session/ | Authorization: Bearer {{SECRET}} ;; JSON | {"scope":"email"} | 401 | invalid_client
app: user token as a Bearer token | POST | /auth/v2/session/ | JWT:alice ;; JSON | {"scope":"email"} | 401 | invalid_client
app: Basic on create | POST | /auth/v2/session/ | BASIC ;; JSON | {"scope":"email"} | 401 | invalid_client
app: valid key and a bad Bearer | POST | /auth/v2/session/ | KEY ;; Authorization: Bearer x ;; JSON | {"scope":"email"} | 401 | invalid_client
app: session token on decision | GET | /auth/v2/session/{{SID3}}/decision | Data-Session-Token: {{ST3}} | | 401 | invalid_client
app: user token on decision | GET | /auth/v2/session/{{SID3}}/decision | JWT:alice | | 401 | invalid_client
token: wrong secret | POST | /auth/v2/token/ | Authorization: Basic {{WRONG_BASIC}} ;; FORM | grant_type=client_credentials | 401 | invalid_client
token: another application's secret | POST | /auth/v2/token/ | Authorization: Basic {{SECRET2_BASIC}} ;; FORM | grant_type=client_credentials | 401 | invalid_client
token: SQL in client_id | POST | /auth/v2/token/ | Authorization: Basic {{SQL_BASIC}} ;; FORM | grant_type=client_credentials | 401 | invalid_client
token: NUL in client_id | POST | /auth/v2/token/ | Authorization: Basic {{NUL_BASIC}} ;; FORM | grant_type=client_credentials | 401 | invalid_client
token: Basic not base64 | POST | /auth/v2/token/ | Authorization: Basic !!!! ;; FORM | grant_type=client_credentials | 401 | invalid_client
token: grant_type password | POST | /auth/v2/token/ | BASIC ;; FORM | grant_type=password | 400 | unsupported_grant_type
token: grant_type missing | POST | /auth/v2/token/ | BASIC ;; FORM | scope=email | 400 | invalid_request
token: grant_type twice | POST | /auth/v2/token/ | BASIC ;; FORM | grant_type=client_credentials&grant_type=password | 400 | invalid_request
token: grant_type with %00 | POST | /auth/v2/token/ | BASIC ;; FORM | grant_type=client_credentials%00 | 400 | invalid_request
token: JSON grant_type a number | POST | /auth/v2/token/ | BASIC ;; JSON | {"grant_type":1} | 400 | invalid_request
token: JSON duplicate grant_type | POST | /auth/v2/token/ | BASIC ;; JSON | {"grant_type":"password","grant_type":"client_credentials"} | 400 | invalid_request
browser: cancel a decided session | DELETE | /auth/v2/session/{{SID3}}/ | KEY | | 409 | invalid_state
browser: refresh a retrieved session | POST | /auth/v2/session/{{SID2}}/refresh | KEY | | 409 | invalid_state
browser: qr of a retrieved session | GET | /auth/v2/session/{{SID2}}/qr.svg | Data-Session-Token: {{ST2}} | | 409 | invalid_state
browser: cancel with the session token sent twice | DELETE | /auth/v2/session/{{SID1}}/ | ST1 ;; ST1 | | 404 | not_found
browser: cancel with a 4000-character session token | DELETE | /auth/v2/session/{{SID1}}/ | Data-Session-Token: {{LONG4K}} | | 404 | not_found
app: two API keys | POST | /auth/v2/session/ | KEY ;; KEY2 ;; JSON | {"scope":"email"} | 401 | invalid_client
app: a 4000-character API key | POST | /auth/v2/session/ | X-Api-Key: {{LONG4K}} ;; JSON | {"scope":"email"} | 401 | invalid_client
user token: two Authorization headers | GET | /auth/v2/session/{{ST1}}/information | JWT:alice ;; JWT:bob | | 401 | invalid_token
browser: refresh with a malformed session token | POST | /auth/v2/session/{{SID1}}/refresh | Data-Session-Token: ../{{ST1}} | | 404 | not_found
user token: none | GET | /auth/v2/session/{{ST1}}/information | | | 401 | invalid_token
user token: empty Bearer | GET | /auth/v2/session/{{ST1}}/information | JWT:empty | | 401 | invalid_token
user token: Basic scheme | GET | /auth/v2/session/{{ST1}}/information | Authorization: Basic {{ALICE}} | | 401 | invalid_token
user token: alg none, no signature | GET | /auth/v2/session/{{ST1}}/information | JWT:none | | 401 | invalid_token
user token: alg none with a kid | GET | /auth/v2/session/{{ST1}}/information | JWT:none-kid | | 401 | invalid_token
user token: alg none, signed | GET | /auth/v2/session/{{ST1}}/information | JWT:none-signed | | 401 | invalid_token
user token: alg NONE | GET | /auth/v2/session/{{ST1}}/information | JWT:None-upper | | 401 | invalid_token
user token: HS256 keyed with the Ed25519 public key | GET | /auth/v2/session/{{ST1}}/information | JWT:hs-pubkey | | 401 | invalid_token
user token: HS256 keyed with the public key as in the conf | GET | /auth/v2/session/{{ST1}}/information | JWT:hs-pubkey-text | | 401 | invalid_token
user token: HS256 kid of the HS key, keyed with the public key | GET | /auth/v2/session/{{ST1}}/information | JWT:hs-pubkey-hskid | | 401 | invalid_token
user token: HS256 with the EdDSA kid | GET | /auth/v2/session/{{ST1}}/information | JWT:hs-secret-edkid | | 401 | invalid_token
user token: EdDSA with the HS256 kid | GET | /auth/v2/session/{{ST1}}/information | JWT:ed-hskid | | 401 | invalid_token
user token: RS256 | GET | /auth/v2/session/{{ST1}}/information | JWT:rs256 | | 401 | invalid_token
user token: ES256 | GET | /auth/v2/session/{{ST1}}/information | JWT:es256 | | 401 | invalid_token
user token: alg missing | GET | /auth/v2/session/{{ST1}}/information | JWT:alg-missing | | 401 | invalid_token
user token: unknown kid | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-unknown | | 401 | invalid_token
user token: kid missing | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-missing | | 401 | invalid_token
user token: kid ../../../../etc/passwd | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-path | | 401 | invalid_token
user token: kid ../keys/ed25519.env | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-path-keys | | 401 | invalid_token
user token: kid ' OR 1=1-- | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-sql | | 401 | invalid_token
user token: kid with \u0000 | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-nul | | 401 | invalid_token
user token: kid a number | GET | /auth/v2/session/{{ST1}}/information | JWT:kid-number | | 401 | invalid_token
user token: jku header | GET | /auth/v2/session/{{ST1}}/information | JWT:jku | | 401 | invalid_token
user token: jwk header | GET | /auth/v2/session/{{ST1}}/information | JWT:jwk | | 401 | invalid_token
user token: x5u header | GET | /auth/v2/session/{{ST1}}/information | JWT:x5u | | 401 | invalid_token
user token: x5c header | GET | /auth/v2/session/{{ST1}}/information | JWT:x5c | | 401 | invalid_token
user token: crit header | GET | /auth/v2/session/{{ST1}}/information | JWT:crit | | 401 | invalid_token
user token: typ JOSE+JSON | GET | /auth/v2/session/{{ST1}}/information | JWT:typ-bad | | 401 | invalid_token
user token: flipped signature bit | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-flip | | 401 | invalid_token
user token: 63-byte signature | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-63 | | 401 | invalid_token
user token: 65-byte signature | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-65 | | 401 | invalid_token
user token: empty signature | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-empty | | 401 | invalid_token
user token: signature padded with = | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-padded | | 401 | invalid_token
user token: non-canonical base64url signature | GET | /auth/v2/session/{{ST1}}/information | JWT:sig-noncanonical | | 401 | invalid_token
user token: header padded with = | GET | /auth/v2/session/{{ST1}}/information | JWT:hdr-padded | | 401 | invalid_token
user token: header in standard base64 | GET | /auth/v2/session/{{ST1}}/information | JWT:hdr-std-base64 | | 401 | invalid_token
user token: two parts | GET | /auth/v2/session/{{ST1}}/information | JWT:two-parts | | 401 | invalid_token
user token: four parts | GET | /auth/v2/session/{{ST1}}/information | JWT:four-parts | | 401 | invalid_token
user token: header not JSON | GET | /auth/v2/session/{{ST1}}/information | JWT:hdr-not-json | | 401 | invalid_token
user token: claims not an object | GET | /auth/v2/session/{{ST1}}/information | JWT:claims-not-object | | 401 | invalid_token
user token: claims with sub twice | GET | /auth/v2/session/{{ST1}}/information | JWT:claims-dup-sub | | 401 | invalid_token
user token: claims with trailing data | GET | /auth/v2/session/{{ST1}}/information | JWT:claims-trailing | | 401 | invalid_token
user token: expired an hour ago | GET | /auth/v2/session/{{ST1}}/information | JWT:expired | | 401 | invalid_token
user token: expired beyond the leeway | GET | /auth/v2/session/{{ST1}}/information | JWT:expired-tool | | 401 | invalid_token
user token: exp missing | GET | /auth/v2/session/{{ST1}}/information | JWT:exp-missing | | 401 | invalid_token
user token: exp a string | GET | /auth/v2/session/{{ST1}}/information | JWT:exp-string | | 401 | invalid_token
user token: exp 1e999 | GET | /auth/v2/session/{{ST1}}/information | JWT:exp-inf | | 401 | invalid_token
user token: not yet valid | GET | /auth/v2/session/{{ST1}}/information | JWT:nbf-future | | 401 | invalid_token
user token: issued in the future | GET | /auth/v2/session/{{ST1}}/information | JWT:iat-future | | 401 | invalid_token
user token: wrong iss | GET | /auth/v2/session/{{ST1}}/information | JWT:iss-wrong | | 401 | invalid_token
user token: iss with a trailing slash | GET | /auth/v2/session/{{ST1}}/information | JWT:iss-slash | | 401 | invalid_token
user token: iss missing | GET | /auth/v2/session/{{ST1}}/information | JWT:iss-missing | | 401 | invalid_token
user token: aud missing | GET | /auth/v2/session/{{ST1}}/information | JWT:aud-missing | | 401 | invalid_token
user token: aud foreign | GET | /auth/v2/session/{{ST1}}/information | JWT:aud-foreign | | 401 | invalid_token
user token: aud array, all foreign | GET | /auth/v2/session/{{ST1}}/information | JWT:aud-array-foreign | | 401 | invalid_token
user token: aud array with a number | GET | /auth/v2/session/{{ST1}}/information | JWT:aud-array-number | | 401 | invalid_token
user token: aud null | GET | /auth/v2/session/{{ST1}}/information | JWT:aud-null | | 401 | invalid_token
user token: sub missing | GET | /auth/v2/session/{{ST1}}/information | JWT:sub-missing | | 401 | invalid_token
user token: sub empty | GET | /auth/v2/session/{{ST1}}/information | JWT:sub-empty | | 401 | invalid_token
user token: sub a number | GET | /auth/v2/session/{{ST1}}/information | JWT:sub-number | | 401 | invalid_token
user token: sub of 256 characters | GET | /auth/v2/session/{{ST1}}/information | JWT:sub-256 | | 401 | invalid_token
user token: a client secret | GET | /auth/v2/session/{{ST1}}/information | JWT:client-secret | | 401 | invalid_token
user token: a client access token | GET | /auth/v2/session/{{ST1}}/information | JWT:client-token | | 401 | invalid_token
user token: over 8 KiB | GET | /auth/v2/session/{{ST1}}/information | JWT:over-8k | | 431,401 | -,invalid_token | 400 -
user token: update with a forged token | POST | /auth/v2/session/{{ST2}}/update | JWT:hs-pubkey ;; JSON | {"status":"declined"} | 401 | invalid_token
user token: another user on a retrieved session | GET | /auth/v2/session/{{ST2}}/information | JWT:bob | | 409 | already_claimed
TABLE
)

# --- one loop ------------------------------------------------------------------------
trim() { # trim VAR...: each VAR without its leading and trailing spaces
    local -n v
    for v in "$@"; do v=${v#"${v%%[! ]*}"} v=${v%"${v##*[! ]}"}; done
}
text=''
logs_mark
PIDS=$(stack_pids)
BEFORE=$(db_snapshot "$ID1" "$ID2")
n5xx=0
# Apache may wait for a body it was promised before it answers (408 after
# RequestReadTimeout's 10 s), where lighttpd answers at once.
[ "$QRSHARE_SERVER" != apache ] || export RAW_WAIT=12
while IFS= read -r row; do
    [ -n "$row" ] || continue
    IFS='|' read -r name method path hdrs body want_status want_error apache <<<"$row"
    trim name method path hdrs body want_status want_error apache
    [ "$QRSHARE_SERVER" != apache ] || [ -z "$apache" ] || read -r want_status want_error <<<"$apache"
    want_status=${want_status//,/|}
    args=(--path-as-is)
    while IFS= read -r hd; do
        trim hd
        case $hd in
        '' | -) ;;
        KEY) args+=(-H "X-Api-Key: $KEY1") ;;
        KEY2) args+=(-H "X-Api-Key: $KEY2") ;;
        AT) args+=(-H "Authorization: Bearer $AT") ;;
        BASIC) args+=(-H "Authorization: Basic $(basic "$ID1" "$KEY1")") ;;
        ST1) args+=(-H "Data-Session-Token: $ST1") ;;
        JSON) args+=(-H 'Content-Type: application/json') ;;
        FORM) args+=(-H 'Content-Type: application/x-www-form-urlencoded') ;;
        JWT:*) args+=(-H "Authorization: Bearer ${TOK[${hd#JWT:}]}") ;;
        *) expand hd "$hd" && args+=(-H "$hd") ;;
        esac
    done <<<"${hdrs//;;/$'\n'}"
    if [[ $body == @* ]]; then
        bodyfile=$tmp/hostile/${body#@}
    else
        bodyfile=$tmp/body
        expand text "$body"
        printf '%s' "$text" >"$bodyfile"
    fi
    case $method in
    RAW) raw_http "$bodyfile" ;;
    RAW-HALF) raw_http "$bodyfile" half ;;
    *)
        if [ "$body" != NONE ] && { [ -n "$body" ] || [[ $method =~ ^(POST|PUT|PATCH)$ ]]; }; then
            args+=(--data-binary "@$bodyfile")
        fi
        expand path "$path"
        req "$method" "$path" "${args[@]}"
        ;;
    esac
    # .error of a JSON error in the documented shape, or why it is not one.
    got_error=$(jq -r 'if type == "object" and (.error | type) == "string" and
        (.error_description | type) == "string" then .error else "(not a JSON error)" end' \
        <<<"$BODY" 2>/dev/null) && [ -n "$got_error" ] || got_error="(not JSON)"
    [[ $STATUS == 5* ]] && n5xx=$((n5xx + 1))
    # What this row wants, and what came.
    want_allow='' why=''
    [[ $want_error == method_not_allowed:* ]] && want_allow=${want_error#*:} want_error=method_not_allowed
    if ! [[ $STATUS =~ ^($want_status)$ ]]; then
        why="status $STATUS, wanted $want_status"
    elif [ "$want_error" = - ] || { [[ ,$want_error, == *,-,* ]] && [[ $got_error == "(not"* ]]; }; then
        : # lighttpd's own answer (or none): the status is all there is
    elif [[ $got_error == "(not"* ]]; then
        why="$got_error: $(head -c 120 <<<"$BODY")"
    elif ! [[ ,$want_error, == *,"$got_error",* ]]; then
        why="error $got_error, wanted $want_error"
    elif [ -n "$want_allow" ] && [ "$(header Allow)" != "$want_allow" ]; then
        why="Allow: $(header Allow), wanted $want_allow"
    elif [ "$got_error" = invalid_token ] && ! [[ $(header WWW-Authenticate) == Bearer*'error="invalid_token"'* ]]; then
        why="WWW-Authenticate: $(header WWW-Authenticate)"
    elif [ "$got_error" = invalid_client ] && [ -z "$(header WWW-Authenticate)" ]; then
        why="no WWW-Authenticate"
    elif [ "$(header Content-Type)" != "application/json; charset=utf-8" ] ||
        [ "$(header Cache-Control)" != no-store ]; then
        why="Content-Type: $(header Content-Type), Cache-Control: $(header Cache-Control)"
    fi
    pass_or_fail "$([ -z "$why" ] && echo 0 || echo 1)" "$name: $want_status ${want_error}${want_allow:+ (Allow: $want_allow)}"
    [ -z "$why" ] || echo "#   $why"
done <<<"$rows"

# --- nothing written, nothing broken -------------------------------------------------
is 0 "$n5xx" "no row was answered with a 5xx"
is "$BEFORE" "$(db_snapshot "$ID1" "$ID2")" \
    "no rejected request wrote to the database (sessions, events, client tokens, applications: counts and checksums)"
dead=$(stack_alive)
is "" "$dead" "every executable's processes and lighttpd still run"
is "$PIDS" "$(stack_pids)" "the very same processes: none died and was replaced"
crashes=$(crash_lines | head -5)
is "" "$crashes" "no log tells of a crash or a sanitizer report"

done_testing
