-- jobs_committed.lua - an upload is fully queued
-- KEYS: every key of the job (enum keys_job_part order)
-- ARGV: upload_ttl
-- committing -> queued, and the keys lose their upload TTL unless the job already finished.
-- The job is marked committed: every chunk is queued (a worker may have made it running before
-- this call, from the first references pushed, so the status cannot tell).
-- Returns the status after the call (nil: the job is gone).
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return false end
redis.call('HSET', KEYS[1], 'committed', '1')
if st == JOB_COMMITTING then
  redis.call('HSET', KEYS[1], 'status', JOB_QUEUED)
  st = JOB_QUEUED
end
if st ~= JOB_DONE and st ~= JOB_CANCELLED then
  for i = 1, #KEYS do redis.call('PERSIST', KEYS[i]) end
end
return st
