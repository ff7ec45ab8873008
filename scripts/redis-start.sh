#!/bin/sh
# redis-start.sh - start the compose Redis (the Dockerfile's `redis` target) with a memory limit.
#
# maxmemory is WIKICRAWL_REDIS_MAX_MEMORY (bytes, or Redis's units: 512mb) when set and not 0,
# else half of the container's memory limit (cgroup v2 memory.max), else half of the machine's
# MemTotal: the other half is the room the AOF rewrite's fork needs for the pages written
# meanwhile. The policy is noeviction, always: an evicted key is a lost job, result or lease
# (docs/deploy.md). Extra arguments go to redis-server.
set -eu
max=${WIKICRAWL_REDIS_MAX_MEMORY:-0}
if [ "$max" = 0 ]; then
    total=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
    limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || echo max)
    case $limit in '' | max) limit=$total ;; esac
    if [ "$limit" -gt "$total" ]; then limit=$total; fi
    max=$((limit / 2))
fi
# AOF (fsync every second) in /data; no RDB snapshots. Reachable only on the compose network.
# stream-node-max-bytes 65536: results streams take ~15% less memory (docs/redis.md).
exec redis-server --bind 0.0.0.0 --protected-mode no --dir /data \
    --appendonly yes --appendfsync everysec --save '' --stream-node-max-bytes 65536 \
    --maxmemory "$max" --maxmemory-policy noeviction "$@"
