-- limiter_throttle.lua - pause the whole fleet after a 429 or a maxlag answer
-- KEYS: bucket
-- ARGV: wait_ms
-- The later of the current pause and now + wait wins; the bucket is emptied.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local pause = tonumber(redis.call('HGET', KEYS[1], 'pause_until') or '0')
if until_ms > pause then redis.call('HSET', KEYS[1], 'pause_until', tostring(until_ms)) end
redis.call('HSET', KEYS[1], 'tokens', '0', 'ts', tostring(now))
return 0
