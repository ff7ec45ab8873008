-- queue_push.lua - queue chunks of a committed job and give the job its turn
-- KEYS: jobq jobmeta bell
-- ARGV: job_id priority owner turns_prefix titles_per_chunk ref...
-- The references go to the tail of the job's own list. The job enters its owner's rotation at
-- its priority, and the owner that priority's rotation, each unless already there (a commit
-- pushes in batches). jobmeta keeps "PRIO:OWNER:TITLES" for the hand-back and the reaper, which
-- must put a reference back into this job's list and rotation, and for the claim, which counts a
-- turn in titles (TITLES: the job's titles per chunk). One bell token per chunk, at most 64,
-- wakes that many idle workers.
-- Returns the length of the job's list.
local BELL_MAX = 64
local job, prio, owner = ARGV[1], ARGV[2], ARGV[3]
redis.call('HSET', KEYS[2], job, prio .. ':' .. owner .. ':' .. ARGV[5])
local n = redis.call('RPUSH', KEYS[1], unpack(ARGV, 6))
local owners = ARGV[4] .. prio
local jobs = owners .. ':' .. owner
if not redis.call('LPOS', jobs, job) then redis.call('RPUSH', jobs, job) end
if not redis.call('LPOS', owners, owner) then redis.call('RPUSH', owners, owner) end
local tokens = {}
for i = 1, math.min(#ARGV - 5, BELL_MAX) do tokens[i] = '1' end
redis.call('RPUSH', KEYS[3], unpack(tokens))
redis.call('LTRIM', KEYS[3], 0, BELL_MAX - 1)
return n
