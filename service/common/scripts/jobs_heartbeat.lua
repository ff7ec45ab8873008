-- jobs_heartbeat.lua - a worker says it is alive, stamped with Redis's clock
-- KEYS: workers
-- ARGV: worker_id
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- The stamp is Redis's TIME, not the worker's clock: the reaper compares it with TIME too, so
-- hosts whose clocks disagree cannot make a live worker look silent.
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return 0
