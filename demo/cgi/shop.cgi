#!/bin/bash
# demo/cgi/shop.cgi - the demo shop's backend, written the way an operator's legacy site
# would be: one CGI program (bash + curl + jq) that alone holds the application secret.
# It makes the two calls a site needs and relays to the browser only what the SDK needs:
#
#   POST /demo-api/session                  creates a qrshare session (onSessionIdResolver)
#                                           body (optional JSON): {"scope": "...", "expires_in": N}
#   GET  /demo-api/decision?session_id=ID   fetches the decision (handleVerify): user_data,
#                                           and "customer", what the shop read from it
#
# The decision is handed only to the browser that started the session: the create call
# puts a random visit id in vendor_data and in an HttpOnly cookie, and the decision call
# checks that they match (the session id alone, which the page's script knows, is not enough).
# Its conf is $QRSHARE_DEMO_STATE/demo/shop.conf, written by demo/setup.
set -u -f
PATH=/usr/local/bin:/usr/bin:/bin

scopes=" user_id picture names email phone gender document_detail birthdate address bank_account preferences is_verified is_over_18 is_over_21 instagram_account x_account tiktok_account "
cookie_name=qrshare_demo_visit

# reply STATUS JSON [HEADER...]
reply() {
    local status=$1 body=$2 h
    shift 2
    printf 'Status: %s\r\nContent-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\n' "$status"
    for h in "$@"; do printf '%s\r\n' "$h"; done
    printf '\r\n%s\n' "$body"
    exit 0
}

fail() { # STATUS CODE DESCRIPTION
    reply "$1" "$(jq -nc --arg e "$2" --arg d "$3" '{error: $e, error_description: $d}')"
}

log() { printf 'shop.cgi: %s\n' "$*" >&2; }

# qrshare METHOD PATH [curl args]: one call with the application secret, which goes to curl
# through a file descriptor, never on a command line. Sets CODE and BODY.
qrshare() {
    local method=$1 path=$2 out
    shift 2
    out=$(curl -s --max-time 10 -X "$method" -w '\n%{http_code}' \
        -H @<(printf 'X-Api-Key: %s\n' "$QRSHARE_CLIENT_SECRET") "$@" "$QRSHARE_URL$path") || out=$'\n000'
    CODE=${out##*$'\n'}
    BODY=${out%$'\n'*}
}

conf=${QRSHARE_DEMO_STATE:-/nonexistent}/demo/shop.conf
if [ ! -r "$conf" ]; then
    log "cannot read $conf (run demo/setup)"
    fail 503 unavailable "the demo shop is not set up"
fi
# shellcheck disable=SC1090
. "$conf"

uri=${REQUEST_URI:-/}
path=${uri%%\?*}
query=
[[ $uri == *\?* ]] && query=${uri#*\?}
method=${REQUEST_METHOD:-GET}

create_session() {
    local body='{}' len=${CONTENT_LENGTH:-0} scope expires_in visit create w
    [ "$method" = POST ] || reply 405 '{"error":"method_not_allowed","error_description":"use POST"}' 'Allow: POST'
    [[ $len =~ ^[0-9]+$ ]] || len=0
    [ "$len" -le 4096 ] || fail 413 payload_too_large "the request is too large"
    if [ "$len" -gt 0 ]; then
        body=$(head -c "$len")
    fi
    scope=$(jq -er 'if type == "object" then (.scope // "email names phone") else error end
                    | if type == "string" then . else error end' <<<"$body" 2>/dev/null) ||
        fail 400 invalid_request "the body must be a JSON object; scope a string"
    expires_in=$(jq -er '.expires_in // 0 | if type == "number" and . == floor then . else error end' \
        <<<"$body" 2>/dev/null) || fail 400 invalid_request "expires_in must be an integer"
    [ "$expires_in" -eq 0 ] || { [ "$expires_in" -ge 30 ] && [ "$expires_in" -le 3600 ]; } ||
        fail 400 invalid_request "expires_in must be between 30 and 3600"
    { [ -n "$scope" ] && [ ${#scope} -le 400 ]; } || fail 400 invalid_request "scope is empty or too long"
    for w in $scope; do
        [[ $scopes == *" $w "* ]] || fail 400 invalid_request "unknown scope"
    done
    visit=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
    create=$(jq -nc --arg scope "$scope" --arg vd "visit:$visit" --argjson exp "$expires_in" \
        '{scope: $scope, vendor_data: $vd} + (if $exp > 0 then {expires_in: $exp} else {} end)')
    qrshare POST /auth/v2/session/ -H 'Content-Type: application/json' --data-binary "$create"
    if [ "$CODE" != 201 ]; then
        log "creating a session failed: HTTP $CODE $(jq -r '.error // empty' <<<"$BODY" 2>/dev/null)"
        fail 502 upstream "the shop could not start a qrshare session"
    fi
    # What the SDK needs, and nothing else (not vendor_data: it holds the visit id).
    reply 201 "$(jq -c '{session_id, session_token, url, status, scope, expires_at, expires_in}' <<<"$BODY")" \
        "Set-Cookie: $cookie_name=$visit; Path=/demo-api/; HttpOnly; SameSite=Strict"
}

fetch_decision() {
    local id='' visit='' kv status
    [ "$method" = GET ] || reply 405 '{"error":"method_not_allowed","error_description":"use GET"}' 'Allow: GET'
    for kv in ${query//&/ }; do
        [[ $kv == session_id=* ]] && id=${kv#session_id=}
    done
    [[ $id =~ ^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$ ]] ||
        fail 400 invalid_request "session_id must be a session id"
    [[ "; ${HTTP_COOKIE:-}" =~ \;\ $cookie_name=([A-Za-z0-9_-]{24})(\;|$) ]] && visit=${BASH_REMATCH[1]}
    [ -n "$visit" ] || fail 403 forbidden "this browser did not start that session"
    qrshare GET "/auth/v2/session/$id/decision/"
    case "$CODE" in
        200) ;;
        404) fail 404 not_found "no such session" ;;
        410) fail 410 gone "the data is no longer available" ;;
        *)
            log "fetching a decision failed: HTTP $CODE $(jq -r '.error // empty' <<<"$BODY" 2>/dev/null)"
            fail 502 upstream "the shop could not fetch the decision" ;;
    esac
    [ "$(jq -r '.vendor_data // empty' <<<"$BODY")" = "visit:$visit" ] ||
        fail 403 forbidden "this browser did not start that session"
    status=$(jq -r .status <<<"$BODY")
    [ "$status" = confirmed ] ||
        reply 409 "$(jq -nc --arg s "$status" '{error: "not_confirmed", error_description: "the user did not confirm", status: $s}')"
    # A real shop would store user_data with the order here; the demo shows it on the page.
    # The values have Didit's shapes: the shop reads the fields it needs, as an integration
    # written against Didit does (user_data.email.email, user_data.names.full_name), and
    # trusts a value's is_verified, which qrshare wrote from the user's identity provider.
    reply 200 "$(jq -c '
        def one(f): [f][0];    # f, or null when it yields nothing (false stays false)
        {session_id, status, scope, requested_scope, user_data, decided_at,
         customer: ({
            full_name: one(.user_data.names | objects | .full_name // ([.first_name, .family_name]
                           | map(strings) | join(" ") | select(. != ""))),
            email: one(.user_data.email | objects | .email),
            email_verified: one(.user_data.email | objects | .is_verified),
            phone: one(.user_data.phone | objects | .phone_number),
            phone_verified: one(.user_data.phone | objects | .is_verified)
        } | with_entries(select(.value != null)))}' <<<"$BODY")"
}

case "$path" in
    /demo-api/session | /demo-api/session/) create_session ;;
    /demo-api/decision | /demo-api/decision/) fetch_decision ;;
    *) fail 404 not_found "no such path" ;;
esac
