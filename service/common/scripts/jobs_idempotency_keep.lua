-- jobs_idempotency_keep.lua - an Idempotency-Key lives as long as its job's results
-- KEYS: idempotency key
-- ARGV: job_id ttl_s
-- FLAGS: allow-oom (runs at maxmemory: one bounded key; see docs/redis.md, "Redis full")
-- Run when the job ends (finish, cancel) with the result TTL, and by the sweep for every job
-- still queued or running: the key then expires ttl_s after the last call, never before its job's
-- results. A key that lapsed while its job ran is written again; one that names another job (a
-- retry took it over after this one lapsed) is left as it is. The key always keeps a TTL: a
-- crash between two calls cannot make it live for ever.
-- Returns 1 when the key names job_id after the call, 0 when it names another job.
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
