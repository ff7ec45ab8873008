-- jobs_owner_forget.lua - an owner without jobs leaves the registry the sweep walks
-- KEYS: owners index set (the registry, the owner's jobs: index and its owner: set)
-- ARGV: owner
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- The check and the removal are one step: an upload writes the owner's index or set before it
-- enters the owner in the registry, so no owner is left with jobs but out of the registry.
-- Returns 1 when the owner left the registry, 0 when it still has jobs.
if redis.call('EXISTS', KEYS[2]) == 1 or redis.call('EXISTS', KEYS[3]) == 1 then return 0 end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
