-- jobs_counted.lua - an upload is read whole: its counters, and the job is committing
-- KEYS: job
-- ARGV: titles duplicates chunks now_ms cache
-- A job with chunks becomes committing (its chunks are queued next, then jobs_committed.lua);
-- one without is done at once. A job whose hash is gone (expired, purged) is not recreated: that
-- would make a job without its owner, creation time and error counts.
-- Returns the status set, or nil when the job is gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local st = JOB_COMMITTING
local finished = '0'
if tonumber(ARGV[3]) == 0 then
  st = JOB_DONE
  finished = ARGV[4]
end
redis.call('HSET', KEYS[1], 'status', st, 'titles', ARGV[1], 'duplicates', ARGV[2], 'chunks',
           ARGV[3], 'chunks_done', '0', 'finished', finished, 'cache', ARGV[5])
return st
