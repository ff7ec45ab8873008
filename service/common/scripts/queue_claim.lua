-- queue_claim.lua - a worker takes the next chunk: fair turns between owners and their jobs
-- KEYS: processing pending
-- ARGV: jobq_prefix turns_prefix
-- Strict priority between levels: high, then normal, then low; within a level, round robin over
-- owners (API keys; one owner "" without them), then over the owner's jobs. The first owner of
-- the level's rotation is taken off, its first job off its list, one reference moves from the
-- head of that job's list to the tail of the worker's processing list, and the job and the owner
-- go back to the tail of their rotations if they have more. An entry whose list is empty (a job
-- cancelled meanwhile) is dropped on the way. The legacy `pending` list (references of no known
-- job: queued before fair turns, or handed back after their job was over) is drained first.
-- Returns the reference, or nil when nothing is queued.
local ref = redis.call('LMOVE', KEYS[2], KEYS[1], 'LEFT', 'RIGHT')
if ref then return ref end
for _, prio in ipairs({JOB_PRIORITY_HIGH, JOB_PRIORITY_NORMAL, JOB_PRIORITY_LOW}) do
  local owners = ARGV[2] .. prio
  local owner = redis.call('LPOP', owners)
  while owner do
    local jobs = owners .. ':' .. owner
    local job = redis.call('LPOP', jobs)
    while job do
      local q = ARGV[1] .. job
      ref = redis.call('LMOVE', q, KEYS[1], 'LEFT', 'RIGHT')
      if ref then
        if redis.call('EXISTS', q) == 1 then redis.call('RPUSH', jobs, job) end
        if redis.call('EXISTS', jobs) == 1 then redis.call('RPUSH', owners, owner) end
        return ref
      end
      job = redis.call('LPOP', jobs)
    end
    owner = redis.call('LPOP', owners)
  end
end
return false
