-- jobs_purge.lua - free every key of a finished or cancelled job at once
-- KEYS: every key of the job (enum keys_job_part order)
-- ARGV: (none)
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- A queued or running job is left as it is: its workers would write into keys that are gone.
-- Returns the job's owner tag (a string, "" without API keys) when purged, 0 for a job that is
-- gone, -1 for one that is not finished.
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return 0 end
if st ~= JOB_DONE and st ~= JOB_CANCELLED then return -1 end
local owner = redis.call('HGET', KEYS[1], 'owner') or ''
redis.call('DEL', unpack(KEYS))
return owner
