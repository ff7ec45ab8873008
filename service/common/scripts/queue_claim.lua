-- queue_claim.lua - a worker takes the next chunk: turns weighted by titles between owners and jobs
-- KEYS: processing pending jobmeta turn_titles
-- ARGV: jobq_prefix turns_prefix quantum age_every [top_level held_job_id...]
-- Levels in strict priority, high, normal, low, except that every age_every-th claim serves a
-- level below the best one with queued work first, those levels in turn (ageing: normal and low
-- work always get a share). Within a level,
-- deficit round robin over owners (API keys; one owner "" without them), then over the owner's
-- jobs, counted in titles: the owner (and the job) at the head of its rotation keeps its turn
-- until it has taken `quantum` titles, then goes to the tail with that much taken off. A chunk
-- costs the titles jobmeta gives for its job (`PRIO:OWNER:TITLES`; the quantum when unknown),
-- so owners and jobs get equal titles whatever their chunk sizes. turn_titles keeps the titles
-- taken per owner (field `PRIO:OWNER`) and per job (field: its id) while they have queued work,
-- the claims since the last aged one (field `#`) and the level the last aged claim served (field
-- `#aged`). An entry whose list is empty (a job cancelled meanwhile) is dropped on the way. The
-- legacy `pending` list (references of no known job: queued before fair turns, or handed back
-- after their job was over) is drained first.
-- With top_level, a busy worker asks for a job it does not hold (the held job ids follow) of
-- level top_level (1 high .. 3 low) or higher, so that a job that just arrived takes turns inside
-- that worker at once: the first such job in rotation order is served and its titles counted,
-- but no turn moves, the legacy list is left alone and the claim is not counted for ageing.
-- Returns {reference, level (1 high .. 3 low)}, or nil when nothing is queued.
local quantum, age_every = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = KEYS[4]
local levels = {JOB_PRIORITY_HIGH, JOB_PRIORITY_NORMAL, JOB_PRIORITY_LOW}

-- A chunk of job was claimed: its titles count against the job's and its owner's turn, and an
-- entry left without queued work leaves its rotation (and its count).
local function charge(prio, owner, job)
  local owners = ARGV[2] .. prio
  local jobs = owners .. ':' .. owner
  local ofield = prio .. ':' .. owner
  local meta = redis.call('HGET', KEYS[3], job)
  local n = meta and tonumber(string.match(meta, '^[^:]*:[^:]*:(%d+)$'))
  if not n or n > quantum then n = quantum end
  redis.call('HINCRBY', state, ofield, n)
  redis.call('HINCRBY', state, job, n)
  if redis.call('EXISTS', ARGV[1] .. job) == 0 then
    redis.call('LREM', jobs, 0, job)
    redis.call('HDEL', state, job)
  end
  if redis.call('EXISTS', jobs) == 0 then
    redis.call('LREM', owners, 0, owner)
    redis.call('HDEL', state, ofield)
  end
end

-- The head of a rotation whose turn is used up goes to the tail, its count less one quantum
-- (a chunk costs at most a quantum, so one pass gives everyone a turn). True when the head keeps
-- its turn.
local function keeps_turn(list, field)
  local taken = tonumber(redis.call('HGET', state, field) or '0')
  if taken < quantum then return true end
  redis.call('HINCRBY', state, field, -quantum)
  redis.call('LMOVE', list, list, 'LEFT', 'RIGHT')
  return false
end

-- One claim in turn from a level's rotation, or nil when it has no queued work.
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
          local got = redis.call('LMOVE', ARGV[1] .. job, KEYS[1], 'LEFT', 'RIGHT')
          if got then
            charge(prio, owner, job)
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

local top_level = tonumber(ARGV[5])
if top_level then
  local held, n_held = {}, #ARGV - 5
  for i = 6, #ARGV do held[ARGV[i]] = true end
  for level = 1, top_level do
    local owners = ARGV[2] .. levels[level]
    -- n_held + 1 entries hold one that is not held, unless the list is shorter
    for _, owner in ipairs(redis.call('LRANGE', owners, 0, n_held)) do
      for _, job in ipairs(redis.call('LRANGE', owners .. ':' .. owner, 0, n_held)) do
        if not held[job] then
          local got = redis.call('LMOVE', ARGV[1] .. job, KEYS[1], 'LEFT', 'RIGHT')
          if got then
            charge(levels[level], owner, job)
            return {got, level}
          end
        end
      end
    end
  end
  return false
end

local ref = redis.call('LMOVE', KEYS[2], KEYS[1], 'LEFT', 'RIGHT')
if ref then return {ref, 2} end
local order = {1, 2, 3}
local claims = tonumber(redis.call('HGET', state, '#') or '0') + 1
local aged = nil
if claims >= age_every then
  -- The levels with queued work below the best one take the aged claims in turn (normal, low,
  -- normal...): serving always the lowest would leave normal nothing while high saturates and
  -- any low job waits. `#aged` is the level the last aged claim served.
  local queued = {}
  for i = 1, 3 do
    if redis.call('EXISTS', ARGV[2] .. levels[i]) == 1 then queued[#queued + 1] = i end
  end
  if #queued > 1 then
    local last = tonumber(redis.call('HGET', state, '#aged') or '0')
    aged = queued[2]
    for k = 2, #queued do
      if queued[k] > last then
        aged = queued[k]
        break
      end
    end
    table.insert(order, 1, table.remove(order, aged))
  end
end
for _, level in ipairs(order) do
  ref = claim_level(levels[level])
  if ref then
    redis.call('HSET', state, '#', claims >= age_every and 0 or claims)
    if level == aged then redis.call('HSET', state, '#aged', level) end
    return {ref, level}
  end
end
return false
