-- queue_depth.lua - chunks waiting for a worker, per priority (for /metrics)
-- KEYS: pending
-- ARGV: jobq_prefix turns_prefix
-- Counted from the rotations, so it cannot drift from what a claim would find: one LLEN per job
-- with queued work. The legacy `pending` list counts as normal.
-- Returns {high, normal, low}.
local depth = {}
for i, prio in ipairs({JOB_PRIORITY_HIGH, JOB_PRIORITY_NORMAL, JOB_PRIORITY_LOW}) do
  local owners = ARGV[2] .. prio
  local n = 0
  for _, owner in ipairs(redis.call('LRANGE', owners, 0, -1)) do
    for _, job in ipairs(redis.call('LRANGE', owners .. ':' .. owner, 0, -1)) do
      n = n + redis.call('LLEN', ARGV[1] .. job)
    end
  end
  depth[i] = n
end
depth[2] = depth[2] + redis.call('LLEN', KEYS[1])
return depth
