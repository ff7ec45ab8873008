-- jobs_cancel.lua - cancel a job: queued chunks are dropped, results stay for the job's
-- result_ttl seconds (the submitting front end's --result-ttl), or ttl for a job without one
-- KEYS: every key of the job (enum keys_job_part order)
-- ARGV: now_ms ttl
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- Running chunks stop at their next title (the record script refuses a cancelled job).
-- Returns the status after the call (nil: the job is gone).
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return false end
if st == JOB_DONE or st == JOB_CANCELLED then return st end
redis.call('HSET', KEYS[1], 'status', JOB_CANCELLED, 'finished', ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
local ttl = redis.call('HGET', KEYS[1], 'result_ttl') or ARGV[2]
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ttl) end
return JOB_CANCELLED
