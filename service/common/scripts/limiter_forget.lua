-- limiter_forget.lua - a worker that (re)connects drops every lease Redis still holds for it
-- KEYS: inflight waiting waiting_until
-- ARGV: owner
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- A worker's leases are named OWNER#N. After a Redis restart the AOF brings back the leases of
-- requests that died with the old connection; they would fill the cap until they expire
-- (timeout + 6 s) while nothing runs on them. The worker holds none when it calls this (its
-- crawl run ended with the connection), so every lease of its name is stale.
-- Returns the number of leases dropped.
local prefix = ARGV[1] .. '#'
local stale = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(id, 1, #prefix) == prefix then stale[#stale + 1] = id end
end
for i = 1, #stale, 1000 do
  redis.call('ZREM', KEYS[1], unpack(stale, i, math.min(i + 999, #stale)))
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return #stale
