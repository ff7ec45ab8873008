-- queue_drop.lua - a cancelled job leaves the queue: its list and its turn, at once
-- KEYS: jobq jobmeta turn_titles parked (parked:JOBID: its chunks set aside for its export)
-- ARGV: job_id turns_prefix
-- FLAGS: allow-oom (runs at maxmemory: see docs/redis.md, "Redis full")
-- Run right after jobs_cancel.lua (another slot: {JOBID}). A crash between the two only leaves
-- references whose chunk bodies are gone: each is claimed and settled as a no-op. The titles the
-- job (and, if it was its owner's last, the owner) had taken of its turn are forgotten with it
-- (queue_claim.lua). Its parked chunks (export_park.lua) go too: the exporter drops them only
-- when it sees the job cancelled, and would never see a job purged or expired meanwhile.
-- Returns the number of chunks dropped.
local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[4])
redis.call('DEL', KEYS[1], KEYS[4])
local meta = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if meta then
  local prio, owner = string.match(meta, '^([^:]*):([^:]*)')
  local owners = ARGV[2] .. prio
  local jobs = owners .. ':' .. owner
  redis.call('LREM', jobs, 0, ARGV[1])
  if redis.call('EXISTS', jobs) == 0 then
    redis.call('LREM', owners, 0, owner)
    redis.call('HDEL', KEYS[3], prio .. ':' .. owner)
  end
end
return n
