#!/bin/sh
# deps.sh - the one list of Debian 12 packages wikicrawl needs, and their installation.
#
#   scripts/deps.sh build|run|test|bench|fuzz
#
# Installs what is missing when run as root (apt-get), otherwise prints the apt-get line to run and
# fails. Packages already installed cost one dpkg-query, so calling this on every make is cheap.
set -eu

# libisal-dev: the workers compress every record as one gzip member; ISA-L's one-shot deflate at
# level 1 takes about half the CPU of libdeflate's level 1 for it, and a quarter of zlib's (zlib
# still inflates, streaming)
build="gcc make pkg-config libc6-dev libmicrohttpd-dev libcurl4-openssl-dev libjansson-dev
       libxml2-dev libhiredis-dev zlib1g-dev libisal-dev"
# serve starts its own redis-server when no Redis is configured
run="$build redis-server curl"
# unit tests (cmocka), lint (luac5.1 -p: the Redis scripts parse as the Lua 5.1 Redis embeds),
# end-to-end tests (python3 tooling, real MediaWiki behind php -S, faketime for a host whose clock
# is off), prometheus for its promtool: test_metrics.py has `promtool check metrics` judge the
# /metrics exposition; nodejs (Node 20, npm included) runs the S3 server of the export tests,
# which `make e2e` installs from the npm registry into build/npm
test="$run libcmocka-dev clang-format cppcheck python3 python3-pytest python3-requests
      python3-lxml python3-jsonschema python3-yaml mediawiki php-cli php-sqlite3 lua5.1 faketime
      prometheus nodejs"
bench="$test wrk"
fuzz="$build clang libclang-rt-14-dev"

case "${1:-}" in
build) want=$build ;;
run) want=$run ;;
test) want=$test ;;
bench) want=$bench ;;
fuzz) want=$fuzz ;;
*) echo "usage: $0 build|run|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "wikicrawl needs these Debian packages:$missing" >&2
    echo "install them with: sudo apt-get install -y$missing" >&2
    exit 1
fi
echo "installing Debian packages:$missing"
export DEBIAN_FRONTEND=noninteractive
# An empty or stale package list makes apt-get install fail: refresh it once first.
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "installed:$missing"
