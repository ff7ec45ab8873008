#!/usr/bin/env bash
# test-quickstart.sh - `make test-quickstart`: the README's Quick start, as written, on a fresh
# Debian 12 (a new debian:bookworm-slim container with this repository copied in), as root.
#
# Runs every Quick start command before `make run`, then `make run` in the background, and waits
# for the service to answer GET /healthz; `make test` is left to CI itself. The only difference
# from a person's machine: WIKICRAWL_LISTEN picks a free port, as the container shares the host's
# network. Needs podman and the local debian:bookworm-slim image (`make test-containers` installs
# and makes them). TIMEOUT (seconds, default 900) bounds the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
T0=$(date +%s)
IMAGE=docker.io/library/debian:bookworm-slim
fail() {
    printf 'test-quickstart: FAILED after %ss: %s\n' "$(($(date +%s) - T0))" "$*" >&2
    exit 1
}
command -v podman >/dev/null 2>&1 || fail "podman is missing (make test-containers installs it)"
podman image exists "$IMAGE" || fail "no local $IMAGE (make test-containers makes it)"

# The commands of the Quick start's first sh block, comments dropped.
mapfile -t COMMANDS < <(awk '/^## Quick start/ {q = 1} q && /^```sh/ {b = 1; next}
    b && /^```/ {exit} b {sub(/[[:space:]]*#.*/, ""); if ($0 != "") print}' README.md)
BEFORE=()
for c in "${COMMANDS[@]}"; do
    [ "$c" = "make run" ] && break
    BEFORE+=("$c")
done
[ ${#BEFORE[@]} -lt ${#COMMANDS[@]} ] || fail "the README's Quick start has no 'make run'"
printf 'Quick start:\n'
printf '  %s\n' "${COMMANDS[@]}"

PORT=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0));
print(s.getsockname()[1])')
# What runs in the container: the commands before `make run` in order, stopping at the first that
# fails; `make run` in the background; then /healthz, polled while `make run` is alive.
SCRIPT="set -e
cd /src
$(printf '%s\n' "${BEFORE[@]}")
WIKICRAWL_LISTEN=127.0.0.1:$PORT make run >/tmp/run.log 2>&1 &
RUN=\$!
until command -v curl >/dev/null 2>&1 && curl -fsS http://127.0.0.1:$PORT/healthz 2>/dev/null; do
    kill -0 \$RUN 2>/dev/null || { echo 'make run exited:'; tail -n 40 /tmp/run.log; exit 1; }
    sleep 1
done
echo
echo \"GET /healthz answered after \$(( \$(date +%s) - $T0 ))s\"
tail -n 5 /tmp/run.log"

NAME=wc-quickstart-$$
cleanup() { podman rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
# The files git knows (tracked, and new ones not ignored), not build/ or var/ of this checkout.
git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -c 2>/dev/null |
    timeout "${TIMEOUT:-900}" podman run -i --name "$NAME" --network host -e QS_SCRIPT="$SCRIPT" \
        "$IMAGE" sh -c 'mkdir /src && tar -x -C /src && exec sh -c "$QS_SCRIPT"' ||
    fail "the Quick start did not reach GET /healthz (exit $?)"
printf 'test-quickstart: passed in %ss\n' "$(($(date +%s) - T0))"
