-- jobs_counted.lua - an upload is read whole: its counters, and the job is committing
-- KEYS: job
-- ARGV: titles duplicates chunks now_ms cache [field value]...
-- The pairs are written too: labels and priority a body named after the job hash was made, idem
-- (the name of the job's Idempotency-Key), the export_* fields of an export the job asked for. In
-- this step, not before: a hash that expired is not
-- made again without its TTL.
-- A job with chunks becomes committing (its chunks are queued next, then jobs_committed.lua);
-- one without is done (and committed) at once. Only a job still receiving is counted: one whose
-- hash is gone (expired, purged) is not recreated, which would make a job without its owner,
-- creation time and error counts, and one cancelled during its upload stays cancelled.
-- Returns the status set, or nil when the job is gone or no longer receiving.
if redis.call('HGET', KEYS[1], 'status') ~= JOB_RECEIVING then return false end
local st = JOB_COMMITTING
local finished = '0'
local committed = '0'
if tonumber(ARGV[3]) == 0 then
  st = JOB_DONE
  finished = ARGV[4]
  committed = '1'
end
redis.call('HSET', KEYS[1], 'status', st, 'titles', ARGV[1], 'duplicates', ARGV[2], 'chunks',
           ARGV[3], 'chunks_done', '0', 'finished', finished, 'cache', ARGV[5], 'committed',
           committed)
if #ARGV > 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 6)) end
return st
