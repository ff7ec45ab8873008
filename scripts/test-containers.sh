#!/usr/bin/env bash
# test-containers.sh - `make test-containers`: the container images and docker-compose.yml, end to
# end, on this machine only (no registry, no internet).
#
#   1. install podman, runc, docker-compose, debootstrap if missing (as root), and serve the Docker
#      API from podman on a unix socket (this machine has no Docker engine and no registry);
#   2. make debian:bookworm-slim locally with debootstrap from the configured apt mirror, if absent;
#   3. docker-compose build: the runtime and redis images; print their sizes;
#   4. start the fake MediaWiki on the host and the compose stack with host networking (an override
#      file in a temporary directory points the stack at free ports and at the fake wiki);
#   5. wait for health, crawl a job (POST /v1/jobs, GET ?wait=30, GET /results), check the records;
#   6. scale worker to 2, crawl a job of many small chunks, check that both containers took chunks;
#   7. docker-compose down -v, and check that the named volume is gone.
#
# Each step is printed with the seconds since the start; any failure stops the run, prints the
# containers' logs and cleans up. Environment: KEEP=1 leaves the stack running for a look.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
T0=$(date +%s)
step() { printf '\n==> [%4ss] %s\n' "$(($(date +%s) - T0))" "$*"; }
fail() {
    printf '\nFAIL: %s\n' "$*" >&2
    exit 1
}

TMP=$(mktemp -d /tmp/wc-containers.XXXXXX)
PROJECT=wctest$$
# docker-compose.yml as it is, but for the api's published port (host networking publishes nothing,
# and compose refuses port bindings with it), plus the generated override.
COMPOSE=(docker-compose --project-name "$PROJECT" --project-directory "$ROOT" -f "$TMP/compose.yml"
    -f "$TMP/override.yml")
export WIKICRAWL_IMAGE=localhost/wikicrawl:test WIKICRAWL_REDIS_IMAGE=localhost/wikicrawl-redis:test
STARTED_API=""
WIKI_PID=""
STACK_UP=""
HEALTH_PID=""

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    set +e
    if [ "$rc" -ne 0 ] && [ -n "$STACK_UP" ]; then
        echo "---- container logs (last 60 lines each) ----" >&2
        "${COMPOSE[@]}" ps >&2
        "${COMPOSE[@]}" logs --no-color --tail=60 >&2
    fi
    [ -n "$HEALTH_PID" ] && kill "$HEALTH_PID" 2>/dev/null
    if [ -n "$STACK_UP" ] && [ "${KEEP:-0}" != 1 ]; then
        step "cleanup: docker-compose down -v"
        "${COMPOSE[@]}" down -v --remove-orphans --timeout 30 >/dev/null 2>&1
    fi
    if [ -n "$WIKI_PID" ]; then
        kill "$WIKI_PID" 2>/dev/null
        wait "$WIKI_PID" 2>/dev/null
    fi
    if [ -n "$STARTED_API" ] && [ "${KEEP:-0}" != 1 ]; then
        kill "$STARTED_API" 2>/dev/null
    fi
    if [ "${KEEP:-0}" = 1 ]; then
        echo "KEEP=1: left running; stop with: ${COMPOSE[*]} down -v" >&2
    else
        rm -rf "$TMP"
    fi
    if [ "$rc" -eq 0 ]; then
        printf '\ntest-containers: passed in %ss\n' "$(($(date +%s) - T0))"
    else
        printf '\ntest-containers: FAILED (exit %s) after %ss\n' "$rc" "$(($(date +%s) - T0))" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. tools ------------------------------------------------------------------------------------
# Podman serving the Docker API, as in shared/containers/podman-as-docker.sh: runc (crun refuses
# hybrid cgroups), cgroupfs, host networking, chroot build isolation, ulimits the sandbox allows.
PODMAN_SOCK=/tmp/podman-api.sock

install_tools() {
    local need=() c
    for c in podman runc docker-compose debootstrap curl; do
        command -v "$c" >/dev/null 2>&1 || need+=("$c")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] || fail "missing ${need[*]}: run as root, or install podman runc uidmap" \
        "slirp4netns fuse-overlayfs docker-compose debootstrap curl"
    echo "installing: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc uidmap \
        slirp4netns fuse-overlayfs docker-compose debootstrap curl >/dev/null
}

configure_podman() {
    [ "$(id -u)" -eq 0 ] || return 0
    local want
    want=$(
        cat <<'CONF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
    )
    if [ "$(cat /etc/containers/containers.conf 2>/dev/null)" != "$want" ]; then
        mkdir -p /etc/containers
        printf '%s\n' "$want" >/etc/containers/containers.conf
    fi
}

start_podman_api() {
    if curl -s --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1; then
        return 0
    fi
    BUILDAH_ISOLATION=chroot setsid podman system service --time=0 "unix://$PODMAN_SOCK" \
        >/tmp/podman-api.log 2>&1 </dev/null &
    STARTED_API=$!
    echo "$STARTED_API" >/tmp/podman-api.pid
    for _ in $(seq 100); do
        curl -s --unix-socket "$PODMAN_SOCK" http://d/_ping >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "podman system service did not answer on $PODMAN_SOCK (see /tmp/podman-api.log)"
}

step "container tooling"
install_tools
configure_podman
start_podman_api
export DOCKER_HOST="unix://$PODMAN_SOCK" BUILDAH_ISOLATION=chroot
BASE_REF=docker.io/library/debian:bookworm-slim
echo "$(podman --version), Docker API on $DOCKER_HOST ($([ -n "$STARTED_API" ] && echo started || echo already running))"
docker-compose version --short

# ---- 2. base image -------------------------------------------------------------------------------
# debian:bookworm-slim made like the official one: debootstrap minbase, no docs, man pages,
# locales or apt caches, and dpkg/apt told to keep it that way for later installs.
base_image_works() {
    podman image inspect "$BASE_REF" >/dev/null 2>&1 &&
        podman run --rm --network host "$BASE_REF" sh -c 'command -v apt-get' >/dev/null 2>&1
}

make_base_image() {
    local mirror root
    mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
        tr ' ' '\n' | grep -E '^https?://.*/debian/?$' | head -n1 || true)
    [ -n "$mirror" ] || mirror=$(grep -hoE '^deb +(\[[^]]*\] +)?https?://[^ ]+/debian/? ' \
        /etc/apt/sources.list 2>/dev/null | awk '{print $NF}' | head -n1 || true)
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    echo "debootstrap bookworm from $mirror"
    root="$TMP/rootfs"
    mkdir -p "$root"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$TMP/debootstrap.log" 2>&1 ||
        { tail -20 "$TMP/debootstrap.log"; fail "debootstrap failed"; }
    rm -f "$root/etc/apt/sources.list"
    cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian*}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
    cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    printf 'Acquire::Languages "none";\n' >"$root/etc/apt/apt.conf.d/docker-no-languages"
    printf 'APT::AutoRemove::SuggestsImportant "false";\n' >"$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
        "$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/*.bin "$root"/var/lib/apt/lists/* \
        "$root"/var/log/* "$root"/tmp/*
    tar -C "$root" -c . | podman import - "$BASE_REF" >/dev/null
    rm -rf "$root"
}

step "base image $BASE_REF"
if base_image_works; then
    echo "present"
else
    make_base_image
    base_image_works || fail "the image made by debootstrap does not run"
    echo "made: $(podman image inspect --format '{{.Size}}' "$BASE_REF" | awk '{printf "%.1f MB", $1/1e6}')"
fi

# ---- 3. build ------------------------------------------------------------------------------------
# Free ports on the host for Redis and the API; the fake wiki picks its own.
free_port() {
    /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
REDIS_PORT=$(free_port)
API_PORT=$(free_port)
while [ "$API_PORT" = "$REDIS_PORT" ]; do API_PORT=$(free_port); done
API=http://127.0.0.1:$API_PORT

write_override() { # $1: the fake wiki's port
    cat >"$TMP/override.yml" <<EOF
# generated by scripts/test-containers.sh: host networking, free ports, the fake wiki
services:
  redis:
    network_mode: host
    command: ["redis-server", "--bind", "127.0.0.1", "--port", "$REDIS_PORT", "--dir", "/data",
              "--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
    healthcheck:
      test: ["CMD", "redis-cli", "-p", "$REDIS_PORT", "ping"]
      interval: 2s
  api:
    network_mode: host
    environment:
      WIKICRAWL_LISTEN: 127.0.0.1:$API_PORT
      WIKICRAWL_REDIS: redis://127.0.0.1:$REDIS_PORT/0
    healthcheck:
      interval: 2s
  exporter:
    network_mode: host
    environment:
      WIKICRAWL_REDIS: redis://127.0.0.1:$REDIS_PORT/0
    healthcheck:
      interval: 2s
  worker:
    network_mode: host
    # Worker ids are hostname:pid. With host networking every container has the host's name, so
    # the workers share the host's pid namespace to keep their ids apart.
    pid: host
    environment:
      WIKICRAWL_REDIS: redis://127.0.0.1:$REDIS_PORT/0
      WIKICRAWL_WIKI: http://127.0.0.1:$1/w/api.php
      WIKICRAWL_WORKERS: "1"
      WIKICRAWL_RETRY_BASE_MS: "20"
      WIKICRAWL_LOG_LEVEL: debug
    healthcheck:
      interval: 2s
EOF
}

step "docker-compose config"
docker-compose -f docker-compose.yml config -q
/usr/bin/python3 - "$ROOT" "$TMP/compose.yml" <<'PY'
import sys, yaml
root, out = sys.argv[1:]
stack = yaml.safe_load(open(root + "/docker-compose.yml"))
del stack["services"]["api"]["ports"]
for service in stack["services"].values():
    service["build"] = dict(service["build"], context=root)
yaml.safe_dump(stack, open(out, "w"), sort_keys=False)
PY
write_override 1
"${COMPOSE[@]}" config -q

step "docker-compose build (images $WIKICRAWL_IMAGE, $WIKICRAWL_REDIS_IMAGE)"
if ! "${COMPOSE[@]}" build >"$TMP/build.log" 2>&1; then
    tail -n 40 "$TMP/build.log" | sed 's/^/  | /'
    fail "docker-compose build failed"
fi
grep -E '^(Building|Successfully tagged)' "$TMP/build.log" | sed 's/^/  | /'
for img in "$WIKICRAWL_IMAGE" "$WIKICRAWL_REDIS_IMAGE"; do
    podman image inspect "$img" >/dev/null 2>&1 || fail "image $img was not built"
    printf '  %-40s %s\n' "$img" \
        "$(podman image inspect --format '{{.Size}}' "$img" | awk '{printf "%.1f MB", $1/1e6}')"
done
podman run --rm --no-healthcheck "$WIKICRAWL_IMAGE" config >"$TMP/config.md" || fail "wikicrawl config in the image"
# docker-compose.yml offers every setting of the table, with the program's default except where
# the containers differ on purpose (where to listen, where Redis is, the data directory).
/usr/bin/python3 - "$TMP/config.md" docker-compose.yml <<'PY' || fail "docker-compose.yml and the settings table differ"
import re, sys
table = re.findall(r"^\| `--[^`]*` \| `(WIKICRAWL_\w+)` \| `([^`]*)` \|", open(sys.argv[1]).read(), re.M)
compose = dict(re.findall(r"^  (WIKICRAWL_\w+): \$\{\1:-(.*)\}$", open(sys.argv[2]).read(), re.M))
own = {"WIKICRAWL_LISTEN", "WIKICRAWL_REDIS", "WIKICRAWL_DATA_DIR"}
bad = [n for n, default in table if n not in compose or (n not in own and compose[n] != default)]
assert table and not bad, "missing, or with another default: %s" % ", ".join(bad)
print("  docker-compose.yml offers all %d settings of the table" % len(table))
PY
[ "$(podman run --rm --no-healthcheck --entrypoint id "$WIKICRAWL_IMAGE" -u)" = 10001 ] || fail "runs as root"

# ---- 4. fake wiki and the stack ------------------------------------------------------------------
step "fake MediaWiki on the host"
[ -f tests/fakewiki/fakewiki.py ] || fail "tests/fakewiki/fakewiki.py is missing"
mkfifo "$TMP/wiki.out"
/usr/bin/python3 tests/fakewiki/fakewiki.py --port 0 --corpus tests/corpus --synthetic \
    --latency-ms 40 >"$TMP/wiki.out" 2>"$TMP/wiki.err" &
WIKI_PID=$!
exec 3<"$TMP/wiki.out"
read -r -t 20 line <&3 || fail "the fake wiki did not start: $(cat "$TMP/wiki.err")"
case "$line" in LISTENING*) WIKI_PORT=${line#LISTENING } ;; *) fail "fake wiki said: $line" ;; esac
cat <&3 >/dev/null & # keep draining its stdout
echo "http://127.0.0.1:$WIKI_PORT/w/api.php"
write_override "$WIKI_PORT"

# Podman runs healthchecks from systemd timers. Without systemd (containers, CI sandboxes) nothing
# runs them and depends_on: service_healthy would wait forever, so run the configured checks here.
drive_health() {
    local c
    while :; do
        for c in $(podman ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
            podman healthcheck run "$c" >/dev/null 2>&1 || true
        done
        sleep 2
    done
}
if [ ! -S /run/systemd/private ]; then
    drive_health &
    HEALTH_PID=$!
fi

step "docker-compose up -d (redis on :$REDIS_PORT, api on :$API_PORT)"
STACK_UP=1
"${COMPOSE[@]}" up -d --no-build 2>&1 | sed 's/^/  | /' || fail "docker-compose up failed"

# GET a URL; print the body; fail on an HTTP error.
get() { curl -fsS --max-time 60 "$@"; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

wait_until() { # SECONDS WHAT COMMAND...
    local deadline=$(($(date +%s) + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "timed out waiting for $what"
        sleep 0.5
    done
}
health_of() { podman inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null; }
all_healthy() {
    local c
    for c in $("${COMPOSE[@]}" ps -q); do [ "$(health_of "$c")" = healthy ] || return 1; done
}
workers_alive() { # N: readyz reports at least N live worker processes
    [ "$(get "$API/readyz" | json 'd["workers"]')" -ge "$1" ]
}

step "wait for health"
wait_until 60 "GET /healthz" get "$API/healthz"
wait_until 60 "GET /readyz (a live worker)" workers_alive 1
wait_until 60 "every container healthy" all_healthy
"${COMPOSE[@]}" ps | sed 's/^/  | /'
echo "  readyz: $(get "$API/readyz")"

# ---- 5. a job ------------------------------------------------------------------------------------
submit() { # BODY [QUERY] -> job id
    local out
    out=$(curl -fsS --max-time 60 -X POST -H 'Content-Type: application/json' \
        --data-binary "$1" "$API/v1/jobs${2:-}") || fail "POST /v1/jobs"
    echo "  POST /v1/jobs${2:-} -> $out" >&2
    printf '%s' "$out" | json 'd["id"]'
}
wait_done() { # JOB -> final status JSON
    local st
    for _ in $(seq 10); do
        st=$(get "$API/v1/jobs/$1?wait=30") || fail "GET /v1/jobs/$1"
        case "$(printf '%s' "$st" | json 'd["status"]')" in
        done) printf '%s' "$st" && return 0 ;;
        queued | running | receiving | committing) ;;
        *) fail "job $1: $st" ;;
        esac
    done
    fail "job $1 not done after 10 long polls: $st"
}

step "crawl a job through the stack"
JOB=$(submit '["Alpha", "Beta", "Gamma", "Alpha", "Missing one", "Disambig two", "Delta"]')
ST=$(wait_done "$JOB")
echo "  status: $ST"
printf '%s' "$ST" | json '(d["titles"], d["pages"], d["missing"], d["disambiguation"], d["failed"])' |
    grep -qx '(6, 4, 1, 1, 0)' || fail "unexpected counts: $ST"
get -D "$TMP/headers" "$API/v1/jobs/$JOB/results" >"$TMP/results.ndjson"
grep -qi '^content-type: application/x-ndjson' "$TMP/headers" || fail "results are not NDJSON"
/usr/bin/python3 - "$TMP/results.ndjson" <<'EOF' || fail "results check"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1])]
titles = sorted(r["page_title"] for r in records)
assert titles == ["Alpha", "Beta", "Delta", "Gamma"], titles
for r in records:
    assert r["page_id"] and r["page_text"], r
print("  results: %d records, titles %s" % (len(records), ", ".join(titles)))
EOF

get "$API/openapi.yaml" >"$TMP/openapi.yaml" || fail "GET /openapi.yaml"
head -n1 "$TMP/openapi.yaml" | grep -q '^openapi: ' || fail "GET /openapi.yaml is no OpenAPI document"
# built into the binary: the image serves the repository's file as it was at build time
cmp -s "$TMP/openapi.yaml" "$ROOT/openapi.yaml" || fail "GET /openapi.yaml is not this openapi.yaml"
echo "  GET /openapi.yaml: $(head -n1 "$TMP/openapi.yaml")"

# ---- 6. two workers ------------------------------------------------------------------------------
step "docker-compose up -d --scale worker=2"
"${COMPOSE[@]}" up -d --no-build --no-recreate --scale worker=2 2>&1 | sed 's/^/  | /' ||
    fail "scaling failed"
mapfile -t WORKERS < <("${COMPOSE[@]}" ps -q worker)
[ ${#WORKERS[@]} -eq 2 ] || fail "expected 2 worker containers, have ${#WORKERS[@]}"
wait_until 60 "GET /readyz (2 live workers)" workers_alive 2
echo "  readyz: $(get "$API/readyz")"

step "crawl 300 titles in chunks of 3 with two worker containers"
TITLES=$(/usr/bin/python3 -c 'import json; print(json.dumps(["Page %d" % i for i in range(300)]))')
JOB2=$(submit "{\"chunk_size\": 3, \"titles\": $TITLES}")
ST=$(wait_done "$JOB2")
echo "  status: $ST"
printf '%s' "$ST" | json '(d["pages"], d["chunks"], d["chunks_done"])' |
    grep -qx '(300, 100, 100)' || fail "unexpected counts: $ST"
[ "$(get "$API/v1/jobs/$JOB2/results" | wc -l)" -eq 300 ] || fail "expected 300 result lines"
for c in "${WORKERS[@]}"; do
    n=$(podman logs "$c" 2>&1 | grep -c "event=chunk_done job=$JOB2" || true)
    printf '  worker container %.12s: %s chunks\n' "$c" "$n"
    [ "$n" -gt 0 ] || fail "worker container $c took no chunk of job $JOB2"
done
echo "  metrics: $(get "$API/metrics" | grep -E '^wikicrawl_(workers_alive|chunks_done_total|queue_chunks) ' | tr '\n' ' ')"

step "recreate the redis container: jobs are kept in the AOF on the volume; api, workers reconnect"
OLD_REDIS=$("${COMPOSE[@]}" ps -q redis)
"${COMPOSE[@]}" up -d --no-build --no-deps --force-recreate redis 2>&1 | sed 's/^/  | /' ||
    fail "recreating redis failed"
REDIS_CTR=$("${COMPOSE[@]}" ps -q redis)
[ "$REDIS_CTR" != "$OLD_REDIS" ] || fail "the redis container was not recreated"
redis_healthy() { [ "$(health_of "$REDIS_CTR")" = healthy ]; }
wait_until 60 "redis healthy again" redis_healthy
wait_until 60 "job $JOB after the restart" get "$API/v1/jobs/$JOB"
[ "$(get "$API/v1/jobs/$JOB2" | json 'd["status"], d["pages"]')" = "done 300" ] ||
    fail "job $JOB2 after the restart: $(get "$API/v1/jobs/$JOB2")"
[ "$(get "$API/v1/jobs/$JOB/results" | wc -l)" -eq 4 ] || fail "results of $JOB after the restart"
wait_until 60 "GET /readyz (2 live workers after the restart)" workers_alive 2
echo "  both jobs and their results are there; readyz: $(get "$API/readyz")"

# ---- 7. down -v ----------------------------------------------------------------------------------
step "docker-compose down -v"
"${COMPOSE[@]}" down -v --timeout 30 2>&1 | sed 's/^/  | /' || fail "docker-compose down -v failed"
STACK_UP=""
[ -z "$(podman ps -aq --filter "label=com.docker.compose.project=$PROJECT")" ] || fail "containers left"
if podman volume ls --format '{{.Name}}' | grep -q "^${PROJECT}_"; then fail "volumes left"; fi
echo "  no containers or volumes left"
