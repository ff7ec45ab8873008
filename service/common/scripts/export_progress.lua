-- export_progress.lua - record the exporter's progress on one job, in one step
-- KEYS: job (the job hash) export (the job's export hash, keys_job_export())
-- ARGV: ttl n field value ... field value ...
-- FLAGS: allow-oom (runs at maxmemory: recording a durable part lets keep=export trim it)
--   ttl: seconds the export hash is kept while its job has no TTL (--result-ttl); n: the number
--   of field/value pairs for the job hash that follow (export_state, export_parts, ...), then the
--   pairs for the export hash (part entries, counters)
-- Answers 1, or 0 when the job is gone (expired or purged): nothing is written then, so that a
-- slow exporter never brings back a job hash holding only export fields.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = tonumber(ARGV[2])
local job = {}
for i = 3, 2 + 2 * n do job[#job + 1] = ARGV[i] end
if #job > 0 then redis.call('HSET', KEYS[1], unpack(job)) end
local export = {}
for i = 3 + 2 * n, #ARGV do export[#export + 1] = ARGV[i] end
if #export > 0 then redis.call('HSET', KEYS[2], unpack(export)) end
-- the export hash lives as long as its job: the job's TTL once it has one
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[2], ttl)
else
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1
