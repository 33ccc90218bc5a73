#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL and Redis on loopback for the test suite.
# Writes .ci/services.env with CI_PG_URL and CI_REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

state="${CI_SERVICES_DIR:-/tmp/syllabus-ci-services}"
pg_port="${CI_PG_PORT:-55432}"
redis_port="${CI_REDIS_PORT:-56379}"

pg_bin() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    echo "${dir}"
}

install_packages() {
    local missing=()
    [[ -n "$(pg_bin)" && -x "$(pg_bin)/postgres" ]] || missing+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "ci-services: apt-get install ${missing[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

as_postgres() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

start() {
    install_packages
    stop >/dev/null 2>&1 || true
    rm -rf "$state"
    mkdir -p "$state/pg" "$state/redis"
    [[ $(id -u) -eq 0 ]] && chown -R postgres:postgres "$state/pg"
    local bin
    bin=$(pg_bin)
    as_postgres "$bin/initdb" -D "$state/pg/data" -U syllabus --auth=trust -E UTF8 >/dev/null
    as_postgres "$bin/pg_ctl" -D "$state/pg/data" -l "$state/pg/log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $pg_port -k $state/pg -c fsync=off -c max_connections=200" start >/dev/null
    redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
        --daemonize yes --dir "$state/redis" --pidfile "$state/redis/redis.pid" --logfile "$state/redis/log"
    for _ in $(seq 1 50); do
        redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break
        sleep 0.2
    done
    redis-cli -p "$redis_port" ping >/dev/null
    cat > .ci/services.env <<ENV
export CI_PG_URL="postgresql://syllabus@127.0.0.1:$pg_port"
export CI_REDIS_URL="redis://127.0.0.1:$redis_port/0"
ENV
    echo "ci-services: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port"
}

stop() {
    local bin
    bin=$(pg_bin)
    if [[ -d "$state/pg/data" ]]; then
        as_postgres "$bin/pg_ctl" -D "$state/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    if [[ -f "$state/redis/redis.pid" ]]; then
        kill "$(cat "$state/redis/redis.pid")" 2>/dev/null || true
    fi
    rm -f .ci/services.env
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
