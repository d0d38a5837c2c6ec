# tests/e2e/lib.sh - TAP helpers for end-to-end tests: a real web server (lighttpd or
# Apache, QRSHARE_SERVER of the stack), real executables, real PostgreSQL, started by
# ./bootstrap. Source it from a test; QRSHARE_ENV names the stack's env file
# (run/demo.env has the same shape).
set -u
# shellcheck disable=SC1090
. "${QRSHARE_ENV:?QRSHARE_ENV must name a stack env file (see ./bootstrap)}"
export QRSHARE_URL
# The stack's web server: lighttpd or apache; its error log (which holds the
# executables' stderr) and its pid file.
QRSHARE_SERVER=${QRSHARE_SERVER:-lighttpd}
SERVER_ERROR_LOG=$QRSHARE_STATE/logs/$QRSHARE_SERVER-error.log
SERVER_PID_FILE=$QRSHARE_STATE/$QRSHARE_SERVER.pid

# skip_rest N REASON: the N remaining tests of the plan as skipped (a test that only
# means something under one server), then done.
skip_rest() {
    local i
    for i in $(seq "$1"); do
        tap_n=$((tap_n + 1))
        echo "ok $tap_n # SKIP $2"
    done
}

# as_service CMD...: CMD as the user the stack's executables run as (qrshare when root):
# the conf must be owned by root or by the user reading it.
as_service() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u qrshare -- "$@"; else "$@"; fi
}

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

# stmt_lines: the statements logged since stmt_mark, one a line; not the schema check an
# executable makes once per new connection (lib/db.c), which no request makes: see
# stmt_schema_checks.
stmt_lines() {
    tail -c +$((STMT_FROM + 1)) "$QRSHARE_STATE/postgres.log" |
        grep -E '\] LOG:  (statement|execute [^:]*): ' |
        sed -E 's/^.* LOG:  //' | grep -vF 'SELECT qrshare.api_schema_version()'
}

# stmt_schema_checks [FROM]: how many schema checks were logged since stmt_mark (or the
# byte offset FROM of the log).
stmt_schema_checks() {
    tail -c +$((${1:-$STMT_FROM} + 1)) "$QRSHARE_STATE/postgres.log" |
        grep -cE '\] LOG:  statement: SELECT qrshare\.api_schema_version\(\)'
}

# stmt_count [ERE]: how many statements were logged since stmt_mark (that match ERE).
stmt_count() {
    stmt_lines | grep -cE -- "${1:-.}"
}

# stmt_diag: those statements, as TAP comments (for a failing count).
stmt_diag() {
    stmt_lines | cut -c1-120 | sort | uniq -c | sed 's/^/#   /'
}

# pids NAME: the pids of the executable NAME that ./bootstrap keeps in sockets/NAME.pid
# (one a line), space-separated.
pids() {
    [ -f "$QRSHARE_STATE/sockets/$1.pid" ] && xargs <"$QRSHARE_STATE/sockets/$1.pid"
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

# free_port: ./bootstrap's (a port on 127.0.0.1 nobody listens on, below the kernel's
# ephemeral range).
free_port() {
    (
        # shellcheck disable=SC1091
        . "$QRSHARE_TOP/bootstrap" && free_port
    )
}

# wait_for CMD... : run CMD every 0.1 s until it succeeds, at most WAIT_FOR seconds
# (default 10: a loaded machine or a sanitizer build is slow; success returns at once).
wait_for() {
    local i
    for i in $(seq $((${WAIT_FOR:-10} * 10))); do
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

# --- hostile input and canaries (hostile.t, canary.t) -----------------------------------

# b64url: stdin as base64url without padding. b64url_decode: the bytes of base64url
# (padded or not) on stdin.
b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
b64url_decode() {
    local s
    s=$(tr -- '-_' '+/' | tr -d '=')
    while [ $((${#s} % 4)) -ne 0 ]; do s+='='; done
    printf '%s' "$s" | base64 -d
}

# ed25519_public_key: the users' Ed25519 public key, base64url: the env holds the 64-byte
# secret key only, whose last 32 bytes are the public key.
ed25519_public_key() { printf '%s' "$QRSHARE_ED25519_SECRET_KEY" | b64url_decode | tail -c 32 | b64url; }

# jwt_claims [JQ-FILTER]: the claims of a valid user token (sub "mallory", 5 minutes), as
# compact JSON, changed by JQ-FILTER (e.g. 'del(.aud)', '.exp = .iat - 3600').
jwt_claims() {
    jq -cn --arg iss "$QRSHARE_USER_ISS" --arg aud "$QRSHARE_USER_AUD" --argjson now "$(date +%s)" \
        "{iss: \$iss, aud: \$aud, sub: \"mallory\", iat: \$now, exp: (\$now + 300)} | ${1:-.}"
}

# jwt_forge HEADER CLAIMS SIGNER: a compact JWS of the JSON texts HEADER and CLAIMS, byte
# for byte, signed by SIGNER: "ed" (the users' Ed25519 key, as their identity provider
# signs), "hs:B64URL" (HMAC-SHA256 keyed with those bytes), "rs" (RS256, a throwaway RSA
# key) or "none" (an empty signature). Needs openssl.
jwt_forge() {
    local in sig=
    in="$(printf '%s' "$1" | b64url).$(printf '%s' "$2" | b64url)"
    case $3 in
    ed)
        [ -s "$tmp/users-ed25519.pem" ] || {
            printf '\x30\x2e\x02\x01\x00\x30\x05\x06\x03\x2b\x65\x70\x04\x22\x04\x20'
            printf '%s' "$QRSHARE_ED25519_SECRET_KEY" | b64url_decode | head -c 32
        } | openssl pkey -inform DER -out "$tmp/users-ed25519.pem" || return 1
        printf '%s' "$in" >"$tmp/jws-input"
        sig=$(openssl pkeyutl -sign -rawin -inkey "$tmp/users-ed25519.pem" -in "$tmp/jws-input" | b64url)
        ;;
    hs:*)
        sig=$(printf '%s' "$in" | openssl dgst -sha256 -binary -mac HMAC -macopt \
            "hexkey:$(printf '%s' "${3#hs:}" | b64url_decode | od -An -v -tx1 | tr -d ' \n')" | b64url)
        ;;
    rs)
        [ -s "$tmp/rs256.pem" ] ||
            openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$tmp/rs256.pem" 2>/dev/null
        sig=$(printf '%s' "$in" | openssl dgst -sha256 -binary -sign "$tmp/rs256.pem" | b64url)
        ;;
    none) ;;
    *) return 1 ;;
    esac
    printf '%s.%s\n' "$in" "$sig"
}

# jwt_sig_edit TOKEN flip|drop|pad|noncanonical: TOKEN with its signature's first bit
# flipped, its last byte dropped (63 bytes for Ed25519), "==" padding added, or its last
# base64url character changed so that the unused low bits are not zero (the same bytes
# spelled another way).
jwt_sig_edit() {
    local t=$1 sig=${1##*.} a=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_ i
    case $2 in
    flip) i=${a%%"${sig:0:1}"*} i=${#i} sig=${a:$((i ^ 32)):1}${sig:1} ;;
    drop) sig=$(printf '%s' "$sig" | b64url_decode | head -c -1 | b64url) ;;
    pad) sig="$sig==" ;;
    noncanonical) i=${a%%"${sig: -1}"*} i=${#i} sig=${sig:0:-1}${a:$((i ^ 1)):1} ;;
    esac
    printf '%s.%s\n' "${t%.*}" "$sig"
}

# raw_http FILE [half]: sends the bytes of FILE to the web server as they are (a client that
# lies about framing, which curl will not do), with "half" closing its sending side after
# them. STATUS (000 when no answer came within RAW_WAIT s, default 5), BODY and the headers ($tmp/h) of the
# first answer, as req sets them.
raw_http() {
    local port=${QRSHARE_URL##*:}
    port=${port%%/*}
    STATUS=$(perl -MIO::Socket::INET -MSocket=SHUT_WR -e '
        my ($port, $file, $half, $h, $b) = @ARGV;
        open(my $in, "<:raw", $file) or die; local $/; my $req = <$in>;
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port", Timeout => 5) or die;
        binmode $s; print $s $req; $s->flush; shutdown($s, SHUT_WR) if $half;
        my $r = "";
        eval { local $SIG{ALRM} = sub { die "timeout\n" }; alarm $ENV{RAW_WAIT} || 5;
               while (sysread($s, my $buf, 65536)) { $r .= $buf } alarm 0 };
        my ($head, $rest) = split /\r\n\r\n/, $r, 2;
        my ($st) = ($head // "") =~ m{^HTTP/1\.[01] (\d{3})};
        my ($cl) = ($head // "") =~ m{\r\nContent-Length:\s*(\d+)}i;
        # Apache passes the executables answers chunked: the body is the chunks joined.
        if (($head // "") =~ m{\r\nTransfer-Encoding:\s*chunked}i) {
            my $body = "";
            $rest //= "";
            while ($rest =~ s{^([0-9a-fA-F]+)[^\r\n]*\r\n}{}) {
                my $n = hex $1; last if $n == 0;
                $body .= substr($rest, 0, $n);
                $rest = length($rest) > $n + 2 ? substr($rest, $n + 2) : "";
            }
            ($rest, $cl) = ($body, length $body);
        }
        open(my $ho, ">:raw", $h); print $ho ($head // ""), "\r\n";
        open(my $bo, ">:raw", $b); print $bo substr($rest // "", 0, $cl // length($rest // ""));
        print $st // "000";
    ' "$port" "$1" "${2:-}" "$tmp/h" "$tmp/b" 2>/dev/null) || STATUS=000
    BODY=$(cat "$tmp/b" 2>/dev/null)
}

# db_snapshot CLIENT_ID...: row counts and checksums of all that a request can write for
# those applications (their rows, sessions, sessions' events, client tokens), one line to
# compare before and after.
db_snapshot() {
    local ids
    ids=$(printf "'%s'," "$@")
    sql "WITH a AS (SELECT * FROM qrshare.applications WHERE client_id = ANY (ARRAY[${ids%,}]::text[])),
        s AS (SELECT s.* FROM qrshare.sessions s WHERE s.application_id IN (SELECT id FROM a)),
        e AS (SELECT e.* FROM qrshare.session_events e WHERE e.session_id IN (SELECT id FROM s)),
        t AS (SELECT t.* FROM qrshare.client_tokens t WHERE t.application_id IN (SELECT id FROM a))
        SELECT concat_ws(' ', (SELECT count(*) FROM a), (SELECT count(*) FROM s),
            (SELECT count(*) FROM e), (SELECT count(*) FROM t),
            (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), '')) FROM a),
            (SELECT md5(coalesce(string_agg(s::text, '|' ORDER BY s.id), '')) FROM s),
            (SELECT md5(coalesce(string_agg(e::text, '|' ORDER BY e.id), '')) FROM e),
            (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.token_hash), '')) FROM t))"
}

# logs_mark: remember how far every log of the stack goes; logs_since: what the
# executables, lighttpd and PostgreSQL have written since logs_mark, each line prefixed
# with its log's name.
logs_mark() {
    local f
    LOG_MARKS=()
    for f in "$QRSHARE_STATE"/logs/*.log "$QRSHARE_STATE"/postgres.log; do
        LOG_MARKS+=("$f=$(stat -c %s "$f" 2>/dev/null || echo 0)")
    done
}
logs_since() {
    local m f
    for m in "${LOG_MARKS[@]}"; do
        f=${m%=*}
        tail -c +$((${m##*=} + 1)) "$f" 2>/dev/null | sed "s|^|$(basename "$f"): |"
    done
}

# crash_lines: lines since logs_mark that tell of a crash, a sanitizer report or a dead
# FastCGI backend.
crash_lines() {
    logs_since | grep -aiE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:|Segmentation fault|SIGSEGV|SIGABRT|SIGBUS|Aborted|core dumped|stack smashing|double free|server process .* was terminated|backend died|child exited|died'
}

# stack_alive: 0 when every executable's spawn-fcgi children and the web server still run;
# otherwise prints the names of those that do not.
stack_alive() {
    local f e rc=0
    for f in "$QRSHARE_STATE"/sockets/*.pid; do
        [ -f "$f" ] || continue
        e=$(basename "$f" .pid)
        # shellcheck disable=SC2046
        all_alive $(pids "$e") || { echo "$e"; rc=1; }
    done
    alive "$(cat "$SERVER_PID_FILE" 2>/dev/null)" || { echo "$QRSHARE_SERVER"; rc=1; }
    return $rc
}

# stack_pids: the pids of the stack's processes (each executable's, the web server's),
# sorted, on one line: the same line later means none of them was replaced meanwhile.
stack_pids() {
    cat "$QRSHARE_STATE"/sockets/*.pid "$SERVER_PID_FILE" 2>/dev/null | sort -n | xargs
}

# pg_log_everything: PostgreSQL logs every statement with all its parameters (as an
# operator chasing a problem would have it) until pg_log_reset; call that from an EXIT
# trap, the settings are in the cluster's postgresql.auto.conf.
pg_log_everything() {
    sql "ALTER SYSTEM SET log_statement = 'all'" >/dev/null &&
        sql 'ALTER SYSTEM SET log_parameter_max_length = -1' >/dev/null &&
        sql 'ALTER SYSTEM SET log_parameter_max_length_on_error = -1' >/dev/null &&
        sql "ALTER SYSTEM SET log_error_verbosity = 'verbose'" >/dev/null &&
        sql 'SELECT pg_reload_conf()' >/dev/null
}
pg_log_reset() {
    local s
    for s in log_statement log_parameter_max_length log_parameter_max_length_on_error log_error_verbosity; do
        sql "ALTER SYSTEM RESET $s" >/dev/null
    done
    sql 'SELECT pg_reload_conf()' >/dev/null
}

# leak_corpus START-FILE: the files a leak could land in, one a line: everything in the
# stack's directory (logs, PostgreSQL's log and data directory, sockets, temp files) but
# the files that hold secrets by design (the harness's env file, qrshare.conf, the key
# files, the demo's conf files); and every file under /tmp, /var/tmp and $TMPDIR modified
# since START-FILE, but this test's own $tmp.
leak_corpus() {
    find "$QRSHARE_STATE" -xdev \( -path "$QRSHARE_STATE/keys" -o -path "$QRSHARE_STATE/env" \
        -o -path "$QRSHARE_STATE/qrshare.conf" -o -path "$QRSHARE_STATE/demo/*.conf" \) -prune \
        -o -type f -print 2>/dev/null
    find /tmp /var/tmp ${TMPDIR:+"$TMPDIR"} -xdev \( -path "$tmp" -o -path "$QRSHARE_STATE" \) -prune \
        -o -type f -newer "$1" -print 2>/dev/null | sort -u
}

# leak_search CORPUS-FILE NEEDLE-FILE: "file<TAB>needle" for each needle (a line of
# NEEDLE-FILE, taken as bytes) found in a file of CORPUS-FILE (binary-safe).
leak_search() {
    xargs -d '\n' -r grep -a -o -F -H -Z -f "$2" -- <"$1" 2>/dev/null | tr '\0' '\t' | sort -u
}
