-- jobs_start_chunk.lua - a worker starts a chunk: the job is running from now on
-- KEYS: job
-- ARGV: now_ms
-- Returns the status after the call (nil: the job is gone).
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return false end
if st == JOB_QUEUED or st == JOB_COMMITTING then
  redis.call('HSET', KEYS[1], 'status', JOB_RUNNING)
  st = JOB_RUNNING
end
redis.call('HSETNX', KEYS[1], 'started', ARGV[1])
return st
