-- jobs_idempotency_takeover.lua - take over an Idempotency-Key held by a job that never committed
-- KEYS: idempotency key
-- ARGV: holder new_job_id ttl_s
-- The key is set just before a job is queued; a front end that died before the commit leaves it
-- naming a job that will never run. A retry of the same request takes the key over, but only
-- from the holder the caller looked at (compare and set): a key that moved meanwhile is not
-- overwritten.
-- Returns 1 when taken over, 0 when the key no longer names holder.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
return 1
