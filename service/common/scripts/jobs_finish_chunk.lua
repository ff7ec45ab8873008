-- jobs_finish_chunk.lua - a chunk is finished (once, however often called)
-- KEYS: every key of the job, in enum keys_job_part order (job chunks seen outcome results errors
--       done seen_invalid export)
-- ARGV: seq now_ms ttl
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- Finishes the job when this was its last chunk: status done, the outcome hash (the
-- exactly-once guard, KEYS[4]) deleted, every key expires after the job's result_ttl (the
-- submitting front end's --result-ttl), or after ttl (the worker's) for a job without one.
-- Returns the status after the call, or JOBS_FINISHED_NOW from the one call that made the job
-- done (so that it is counted once); nil for a job that is gone.
-- A job whose commit has not ended (its hash still has the upload TTL) gives the done set the
-- same TTL: a job whose front end died mid-commit never finishes, and its keys expire together.
-- A cancelled job is left as it is: its keys already have their TTL, and the done set, which
-- may not exist yet, would be created without one.
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return false end
if st == JOB_CANCELLED then return st end
if redis.call('SADD', KEYS[7], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'chunks_done', 1)
  redis.call('HDEL', KEYS[2], ARGV[1])
end
local done = tonumber(redis.call('HGET', KEYS[1], 'chunks_done') or '0')
local total = tonumber(redis.call('HGET', KEYS[1], 'chunks') or '-1')
if (st == JOB_RUNNING or st == JOB_QUEUED or st == JOB_COMMITTING) and total >= 0
   and done >= total then
  redis.call('HSET', KEYS[1], 'status', JOB_DONE, 'finished', ARGV[2])
  -- The exactly-once guard has done its work: the record script writes nothing for a done
  -- job. Dropping it keeps a finished job's memory to what it serves.
  redis.call('DEL', KEYS[4])
  local ttl = redis.call('HGET', KEYS[1], 'result_ttl') or ARGV[3]
  for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ttl) end
  st = JOBS_FINISHED_NOW
else
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[7], ttl) end
end
return st
