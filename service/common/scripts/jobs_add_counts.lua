-- jobs_add_counts.lua - add a chunk's request and cache counts to its job
-- KEYS: the job hash
-- ARGV: field, increment, field, increment... (requests_parse, requests_query, cache_hits)
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- A job that is gone (purged, expired) is not created again by the increments: the counts are
-- dropped with it. Returns the number of fields added to.
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = 0
for i = 1, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  n = n + 1
end
return n
