-- queue_claim.lua - a worker takes the next chunk: turns weighted by titles between owners and jobs
-- KEYS: processing pending jobmeta turn_titles
-- ARGV: jobq_prefix turns_prefix quantum age_every
-- Levels in strict priority, high, normal, low, except that every age_every-th claim serves the
-- lowest level with queued work first (ageing: low work always gets a share). Within a level,
-- deficit round robin over owners (API keys; one owner "" without them), then over the owner's
-- jobs, counted in titles: the owner (and the job) at the head of its rotation keeps its turn
-- until it has taken `quantum` titles, then goes to the tail with that much taken off. A chunk
-- costs the titles jobmeta gives for its job (`PRIO:OWNER:TITLES`; the quantum when unknown),
-- so owners and jobs get equal titles whatever their chunk sizes. turn_titles keeps the titles
-- taken per owner (field `PRIO:OWNER`) and per job (field: its id) while they have queued work,
-- and the claims since the last aged one (field `#`). An entry whose list is empty (a job
-- cancelled meanwhile) is dropped on the way. The legacy `pending` list (references of no known
-- job: queued before fair turns, or handed back after their job was over) is drained first.
-- Returns the reference, or nil when nothing is queued.
local ref = redis.call('LMOVE', KEYS[2], KEYS[1], 'LEFT', 'RIGHT')
if ref then return ref end
local quantum, age_every = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = KEYS[4]

-- The head of a rotation whose turn is used up goes to the tail, its count less one quantum
-- (never below: a chunk costs at most a quantum, so one pass gives everyone a turn). True when
-- the head keeps its turn.
local function keeps_turn(list, field)
  local taken = tonumber(redis.call('HGET', state, field) or '0')
  if taken < quantum then return true end
  redis.call('HINCRBY', state, field, -quantum)
  redis.call('LMOVE', list, list, 'LEFT', 'RIGHT')
  return false
end

local function cost(job)
  local meta = redis.call('HGET', KEYS[3], job)
  local n = meta and tonumber(string.match(meta, '^[^:]*:[^:]*:(%d+)$'))
  if not n or n > quantum then return quantum end
  return n
end

-- One claim from a level's rotation, or nil when it has no queued work.
local function claim_level(prio)
  local owners = ARGV[2] .. prio
  local owner = redis.call('LINDEX', owners, 0)
  while owner do
    local ofield = prio .. ':' .. owner
    if keeps_turn(owners, ofield) then
      local jobs = owners .. ':' .. owner
      local job = redis.call('LINDEX', jobs, 0)
      while job do
        if keeps_turn(jobs, job) then
          local q = ARGV[1] .. job
          local got = redis.call('LMOVE', q, KEYS[1], 'LEFT', 'RIGHT')
          if got then
            local n = cost(job)
            redis.call('HINCRBY', state, ofield, n)
            redis.call('HINCRBY', state, job, n)
            if redis.call('EXISTS', q) == 0 then
              redis.call('LPOP', jobs)
              redis.call('HDEL', state, job)
            end
            if redis.call('EXISTS', jobs) == 0 then
              redis.call('LPOP', owners)
              redis.call('HDEL', state, ofield)
            end
            return got
          end
          redis.call('LPOP', jobs)
          redis.call('HDEL', state, job)
        end
        job = redis.call('LINDEX', jobs, 0)
      end
      redis.call('LPOP', owners)
      redis.call('HDEL', state, ofield)
    end
    owner = redis.call('LINDEX', owners, 0)
  end
  return nil
end

local levels = {JOB_PRIORITY_HIGH, JOB_PRIORITY_NORMAL, JOB_PRIORITY_LOW}
local claims = tonumber(redis.call('HGET', state, '#') or '0') + 1
if claims >= age_every then
  for i = #levels, 1, -1 do
    if redis.call('EXISTS', ARGV[2] .. levels[i]) == 1 then
      table.insert(levels, 1, table.remove(levels, i))
      break
    end
  end
end
for _, prio in ipairs(levels) do
  ref = claim_level(prio)
  if ref then
    redis.call('HSET', state, '#', claims >= age_every and 0 or claims)
    return ref
  end
end
return false
