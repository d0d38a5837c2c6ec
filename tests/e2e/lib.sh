# tests/e2e/lib.sh - TAP helpers for end-to-end tests: real lighttpd, real executables,
# real PostgreSQL, started by ./bootstrap. Source it from a test; QRSHARE_ENV names the
# stack's env file (run/demo.env has the same shape).
set -u
# shellcheck disable=SC1090
. "${QRSHARE_ENV:?QRSHARE_ENV must name a stack env file (see ./bootstrap)}"
export QRSHARE_URL

tap_n=0
tap_failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tap_planned=0
plan() { tap_planned=$1; echo "1..$1"; }

pass_or_fail() { # cond desc
    tap_n=$((tap_n + 1))
    if [ "$1" -eq 0 ]; then
        echo "ok $tap_n - $2"
    else
        echo "not ok $tap_n - $2"
        tap_failed=$((tap_failed + 1))
    fi
}

ok() { # "test expression..." desc ; e.g. ok '[ -n "$X" ]' 'X is set'
    local rc=0
    eval "$1" >/dev/null 2>&1 || rc=1
    pass_or_fail $rc "$2"
}

is() { # want got desc
    local rc=0
    [ "$1" = "$2" ] || rc=1
    pass_or_fail $rc "$3"
    [ $rc -eq 0 ] || { echo "#   wanted: $1"; echo "#      got: $2"; }
}

isnt() { # unwanted got desc
    local rc=0
    [ "$1" != "$2" ] || rc=1
    pass_or_fail $rc "$3"
    [ $rc -eq 0 ] || echo "#   got the unwanted: $2"
}

done_testing() {
    [ "$tap_n" -eq "$tap_planned" ] || echo "# planned $tap_planned tests but ran $tap_n"
    [ "$tap_failed" -eq 0 ] && [ "$tap_n" -eq "$tap_planned" ]
    exit $?
}

# req METHOD PATH [curl args...]: one request. Sets STATUS and BODY; headers in $tmp/h.
req() {
    local method=$1 path=$2
    shift 2
    local args=(-s -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' --max-time 10)
    if [ "$method" = HEAD ]; then args+=(-I); else args+=(-X "$method"); fi
    STATUS=$(curl "${args[@]}" "$@" "$QRSHARE_URL$path") || STATUS=000
    BODY=$(cat "$tmp/b" 2>/dev/null)
}

# The value of a response header of the last request.
header() {
    grep -i "^$1:" "$tmp/h" | head -1 | cut -d: -f2- | tr -d '\r' | sed 's/^ //'
}

# A jq expression on the last body (raw output).
j() { jq -r "$1" <<<"$BODY" 2>/dev/null; }

# json_error STATUS CODE DESC: the last answer was that error, in the documented shape.
is_error() {
    is "$1 $2" "$STATUS $(j .error)" "$3"
}

basic() { printf '%s:%s' "$1" "$2" | base64 -w0; }

# app_token [ID SECRET]: a client access token, in AT.
app_token() {
    req POST /auth/v2/token/ -H "Authorization: Basic $(basic "${1:-$QRSHARE_CLIENT_ID}" "${2:-$QRSHARE_CLIENT_SECRET}")" \
        -H 'Content-Type: application/x-www-form-urlencoded' --data 'grant_type=client_credentials'
    AT=$(j .access_token)
}

# user_token SUB [EdDSA|HS256] [extra qrshare-jwt args...]: a user access token.
user_token() {
    local sub=$1 alg=${2:-EdDSA}
    shift 2 2>/dev/null || shift $#
    if [ "$alg" = HS256 ]; then
        QRSHARE_JWT_KEY=$QRSHARE_HS256_SECRET "$QRSHARE_JWT" sign --alg HS256 --kid "$QRSHARE_HS256_KID" \
            --iss "$QRSHARE_USER_ISS" --aud "$QRSHARE_USER_AUD" --sub "$sub" "$@"
    else
        QRSHARE_JWT_KEY=$QRSHARE_ED25519_SECRET_KEY "$QRSHARE_JWT" sign --alg EdDSA --kid "$QRSHARE_ED25519_KID" \
            --iss "$QRSHARE_USER_ISS" --aud "$QRSHARE_USER_AUD" --sub "$sub" "$@"
    fi
}

# create [BODY-JSON] [API-KEY]: a session; sets SID, STOKEN, SURL (and STATUS/BODY).
create() {
    req POST /auth/v2/session/ -H "X-Api-Key: ${2:-$QRSHARE_CLIENT_SECRET}" \
        -H 'Content-Type: application/json' --data "${1:-{\"scope\":\"email names\"\}}"
    SID=$(j .session_id) STOKEN=$(j .session_token) SURL=$(j .url)
}

# Phone calls with a user token.
information() { req GET "/auth/v2/session/$1/information/" -H "Authorization: Bearer $2"; }
update() { req POST "/auth/v2/session/$1/update/" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' --data "$3"; }

# SQL as the database owner (for checks a client cannot make).
sql() { psql -X -At -d "$QRSHARE_PSQL" -c "$1"; }

# --- statements, processes, ports (roundtrip.t, dbdown.t, sigterm.t, modes.t) ----------

# Statements the server runs, counted in its log. pg_stat_statements of PostgreSQL 15
# counts a STABLE SQL function evaluated while a statement is planned as a top-level
# statement of its own, so it would count two for one round trip; log_statement = all
# logs exactly the statements clients send (one per PQexec/PQexecParams), nothing nested.
#
# stmt_log_on: log every statement (not its parameters) until stmt_log_off; call
# stmt_log_off from an EXIT trap: the setting is in the cluster's postgresql.auto.conf.
stmt_log_on() {
    sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null &&
        sql 'ALTER SYSTEM SET log_parameter_max_length = 0' >/dev/null &&
        sql 'SELECT pg_reload_conf()' >/dev/null
}

stmt_log_off() {
    sql 'ALTER SYSTEM RESET log_statement' >/dev/null
    sql 'ALTER SYSTEM RESET log_parameter_max_length' >/dev/null
    sql 'SELECT pg_reload_conf()' >/dev/null
}

# stmt_mark: count from here on.
stmt_mark() {
    STMT_FROM=$(stat -c %s "$QRSHARE_STATE/postgres.log")
}

# stmt_lines: the statements logged since stmt_mark, one a line.
stmt_lines() {
    tail -c +$((STMT_FROM + 1)) "$QRSHARE_STATE/postgres.log" |
        grep -E '\] LOG:  (statement|execute [^:]*): ' |
        sed -E 's/^.* LOG:  //'
}

# stmt_count [ERE]: how many statements were logged since stmt_mark (that match ERE).
stmt_count() {
    stmt_lines | grep -cE -- "${1:-.}"
}

# stmt_diag: those statements, as TAP comments (for a failing count).
stmt_diag() {
    stmt_lines | cut -c1-120 | sort | uniq -c | sed 's/^/#   /'
}

# pids NAME: the pids spawn-fcgi wrote for the executable NAME (one a line, the last
# line without a newline), space-separated.
pids() {
    echo $(cat "$QRSHARE_STATE/sockets/$1.pid" 2>/dev/null)
}

# alive PID: 0 when PID is a running process. A process that has exited but that its
# parent has not reaped yet (a zombie: spawn-fcgi's children are reparented to init,
# which may reap late) counts as exited, which kill -0 alone does not tell.
alive() {
    local st
    st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# all_alive PID...: 0 when every pid is a running process (and there is one at least).
all_alive() {
    local p
    [ $# -gt 0 ] || return 1
    for p in "$@"; do alive "$p" || return 1; done
}

# none_alive PID...: 0 when no pid is a running process.
none_alive() {
    local p
    for p in "$@"; do alive "$p" && return 1; done
    return 0
}

# catches_sigterm PID: 0 once PID has installed a SIGTERM handler (after exec, main()
# takes a moment to get there; a SIGTERM before that kills it the default way).
catches_sigterm() {
    local m
    m=$(sed -n 's/^SigCgt:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
    [ -n "$m" ] && (((16#$m >> 14) & 1))
}

# spawn NAME: start the executable NAME under spawn-fcgi again, with ./bootstrap's own
# spawn (same socket, pid file, user, children, QRSHARE_CONF, log), e.g. after a test
# stopped it. The build is the stack's.
spawn() {
    (
        # shellcheck disable=SC1091
        . "$QRSHARE_TOP/bootstrap" && build=$QRSHARE_BUILD && set +e && spawn "$QRSHARE_STATE" "$1"
    )
}

# free_port: a TCP port on 127.0.0.1 nobody listens on.
free_port() {
    local p=$((20000 + RANDOM % 20000)) i
    for i in $(seq 200); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo $p; return 0; fi
        p=$((p + 1))
    done
    return 1
}

# wait_for CMD... : run CMD every 0.1 s until it succeeds, at most 5 s.
wait_for() {
    local i
    for i in $(seq 50); do
        "$@" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# --- applications, clocks, QR codes (errors.t, auth.t, qr.t) ----------------------------

# new_app NAME DOMAIN [SQL-ARGS]: a new application from qrshare.add_application; SQL-ARGS
# are its further arguments as SQL, e.g. "ARRAY['email']" or "p_retention => '1 second'".
# Sets APP_ID and APP_SECRET.
new_app() {
    local row
    row=$(sql "SELECT client_id || ' ' || client_secret FROM qrshare.add_application('$1', '$2'${3:+, $3})")
    APP_ID=${row% *} APP_SECRET=${row#* }
}

# sleep_until EPOCH: sleeps until the clock reads EPOCH (whole seconds), if it does not yet.
sleep_until() {
    local left=$(($1 - $(date +%s)))
    [ "$left" -le 0 ] || sleep "$left"
}

# is_error_h STATUS CODE HEADER REGEX DESC: is_error, and the header HEADER of the answer
# matches the extended regex REGEX (e.g. WWW-Authenticate, Allow).
is_error_h() {
    local h
    h=$(header "$3")
    if [[ $h =~ $4 ]]; then h=match; else h="$3: $h"; fi
    is "$1 $2 match" "$STATUS $(j .error) $h" "$5"
}

# qr_decode FILE.svg: the text of the QR code in an SVG, as rsvg-convert and zbarimg read it
# (one line per symbol found).
qr_decode() {
    rsvg-convert -w 400 "$1" -o "$1.png" 2>/dev/null && zbarimg --raw -q "$1.png" 2>/dev/null
}
