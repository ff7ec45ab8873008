-- jobs_live_workers.lua - how many workers have sent a heartbeat lately, on Redis's clock
-- KEYS: workers
-- ARGV: dead_after_ms
-- The cutoff is read with Redis's TIME, the clock the heartbeats are stamped with
-- (jobs_heartbeat.lua): a front end whose clock is off counts the workers the reaper
-- (jobs_reap.lua) keeps, no more, no fewer. A worker is alive while its stamp is newer than the
-- reaper's cutoff (the reaper takes stamps up to and including it).
-- Returns the number of live workers.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. (now - tonumber(ARGV[1])), '+inf')
