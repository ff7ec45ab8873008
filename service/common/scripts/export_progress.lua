-- export_progress.lua - record the exporter's progress on one job, in one step
-- KEYS: job (the job hash) export (the job's export hash, keys_job(KEYS_EXPORT))
-- ARGV: n field value ... field value ...
-- FLAGS: allow-oom (runs at maxmemory: recording a durable part is what lets keep=export trim it)
--   n: the number of field/value pairs for the job hash that follow (export_state,
--   export_parts, ...), then the pairs for the export hash (part entries, counters)
-- Answers 1, or 0 when the job is gone (expired or purged): nothing is written then, so that a
-- slow exporter never brings back a job hash holding only export fields.
-- The export hash is one of the job's keys: the commit persists it, the finish and the cancel
-- give it the job's TTL, a purge deletes it. Created here, it takes the job's TTL as it is now
-- (none while the job is queued or running, which always ends), never one of its own: a part
-- slower than any TTL must not find the progress of the parts before it gone.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
local job = {}
for i = 2, 1 + 2 * n do job[#job + 1] = ARGV[i] end
if #job > 0 then redis.call('HSET', KEYS[1], unpack(job)) end
local export = {}
for i = 2 + 2 * n, #ARGV do export[#export + 1] = ARGV[i] end
if #export > 0 then redis.call('HSET', KEYS[2], unpack(export)) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('PERSIST', KEYS[2])
end
return 1
