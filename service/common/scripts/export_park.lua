-- export_park.lua - pause the crawl of a job whose export lags: its queued chunks step aside
-- KEYS: jobq parked (the job's queue jobq:JOBID and its parked list parked:JOBID, both {queue})
-- ARGV: none
-- FLAGS: allow-oom (runs at maxmemory: parking moves references and adds nothing)
-- The references waiting in the job's list move to the tail of its parked list, so no worker
-- claims them; the job's entry in its rotation is dropped by the next claim that finds its list
-- empty (queue_claim.lua). Chunks already claimed run to their end, and a reference handed back
-- meanwhile is queued again as usual (the exporter parks it at its next look).
-- Returns the number of references parked.
local refs = redis.call('LRANGE', KEYS[1], 0, -1)
if #refs == 0 then return 0 end
for i = 1, #refs, 1000 do
  redis.call('RPUSH', KEYS[2], unpack(refs, i, math.min(i + 999, #refs)))
end
redis.call('DEL', KEYS[1])
return #refs
