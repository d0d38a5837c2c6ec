# tests/chaos/lib.sh - what tests/chaos/cluster, run, measure and slowloris.t share.
# Sourced; it sources ./bootstrap for its functions (as bench/run does): build,
# install_missing, as_user, ensure_user, free_port, migrate, stop_pids, alive.
set -euo pipefail

chaos_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../bootstrap
. "$chaos_dir/../../bootstrap"
set -euo pipefail

# CHAOS_BUILD: a build other than build/ (e.g. of another commit), with CHAOS_SRC its
# source tree (the migrations).
# A running cluster keeps the build it was started with.
cluster_dir=${CLUSTER_DIR:-$top/run/cluster}
if [ -z "${CHAOS_BUILD:-}" ] && [ -f "$cluster_dir/env" ]; then
    CHAOS_BUILD=$(sed -n 's/^QRSHARE_BUILD=//p' "$cluster_dir/env")
    CHAOS_SRC=$(sed -n 's/^QRSHARE_SRC=//p' "$cluster_dir/env")
fi
build=${CHAOS_BUILD:-$build}
chaos_src=${CHAOS_SRC:-$top}
chaos_migrate() {
    QRSHARE_MIGRATIONS=$chaos_src/sql/migrations as_user sh "$build/sql/qrshare-migrate" "$1" >/dev/null 2>&1 ||
        die "migrations failed on $1"
}

# PostgreSQL is bootstrap's (find_pg: the newest installed; nothing hard-codes a version).
PGMAJOR=$pg_major

# cluster_install: bootstrap's packages (the cluster's among them).
cluster_install() {
    install_all
    PGMAJOR=$pg_major
}


# cl_user CMD...: as the user the servers run as (qrshare under root), with the XDG
# directories pg_autoctl keeps its configuration and state in.
cl_user() {
    local xdg=$cluster_dir/pg/xdg
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u qrshare -- env XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" \
            XDG_RUNTIME_DIR="$xdg/run" PATH="$PATH" "$@"
    else
        env XDG_CONFIG_HOME="$xdg/config" XDG_DATA_HOME="$xdg/data" XDG_RUNTIME_DIR="$xdg/run" "$@"
    fi
}

# now_ms: the wall clock in milliseconds (the driver's phase file uses the same clock).
now_ms() { date +%s%3N; }


# web_children N: the pids of every FastCGI child of web host N (the children of its
# multiwatch processes), one a line. One ps for all: this runs every second under load.
web_children() {
    local parents
    parents=$(cat "$cluster_dir/web$1"/sockets/*.pid 2>/dev/null | xargs)
    [ -n "$parents" ] || return 0
    ps -eo pid=,ppid=,stat= | awk -v p=" $parents " 'index(p, " " $2 " ") && $3 !~ /^Z/ { print $1 }'
}

cl_env() {
    # shellcheck disable=SC1091
    set -a && . "$cluster_dir/env" && set +a
}
