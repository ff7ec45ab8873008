-- jobs_reap.lua - give the chunks of dead workers (or one handed back) back to their jobs' queues
-- KEYS: workers pending jobmeta bell
-- ARGV: dead_after_ms processing_prefix jobq_prefix turns_prefix [worker_id [ref]]
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- With worker_id, that worker's chunks go back at once (with ref too: only that one, if still in
-- its processing list; one the reaper already moved is not queued twice); without, those of every
-- worker whose last heartbeat is older than dead_after_ms. Heartbeats and this cutoff are both
-- read on Redis's clock (TIME), so a host whose clock is off can neither look dead nor declare
-- others dead. Each reference goes back to the HEAD of its own job's list, in the order it was
-- claimed, and the job (and its owner) into the rotation of the priority jobmeta names, at the
-- tail unless already there (the same rule as queue_push.lua). A reference whose job has no
-- jobmeta (over, or cancelled) goes to the head of `pending`: claimed again, it settles as a
-- no-op. The list names are built here from the prefixes: they share the {queue} tag with the
-- keys declared, so this stays within one cluster slot.
-- Returns the number of chunks moved.
local BELL_MAX = 64
local function requeue(ref)
  local job = string.match(ref, '^(.*)/[^/]*$')
  local meta = job and redis.call('HGET', KEYS[3], job)
  if not meta then
    redis.call('LPUSH', KEYS[2], ref)
    return
  end
  local prio, owner = string.match(meta, '^([^:]*):([^:]*)')
  redis.call('LPUSH', ARGV[3] .. job, ref)
  local owners = ARGV[4] .. prio
  local jobs = owners .. ':' .. owner
  if not redis.call('LPOS', jobs, job) then redis.call('RPUSH', jobs, job) end
  if not redis.call('LPOS', owners, owner) then redis.call('RPUSH', owners, owner) end
end
local moved = 0
if ARGV[6] and ARGV[6] ~= '' then
  if redis.call('LREM', ARGV[2] .. ARGV[5], 1, ARGV[6]) > 0 then
    requeue(ARGV[6])
    moved = 1
  end
else
  local ids
  if ARGV[5] and ARGV[5] ~= '' then
    ids = {ARGV[5]}
  else
    local t = redis.call('TIME')
    local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
    ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
  end
  for _, id in ipairs(ids) do
    local list = ARGV[2] .. id
    local ref = redis.call('RPOP', list)
    while ref do
      requeue(ref)
      moved = moved + 1
      ref = redis.call('RPOP', list)
    end
    redis.call('ZREM', KEYS[1], id)
  end
end
if moved > 0 then
  local tokens = {}
  for i = 1, math.min(moved, BELL_MAX) do tokens[i] = '1' end
  redis.call('RPUSH', KEYS[4], unpack(tokens))
  redis.call('LTRIM', KEYS[4], 0, BELL_MAX - 1)
end
return moved
