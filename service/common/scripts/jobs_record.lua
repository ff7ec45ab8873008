-- jobs_record.lua - record each title's outcome once (the exactly-once guard)
-- KEYS: job outcome results errors
-- ARGV: (title, outcome, line)... as built by service/common/record_batch.c (line: one gzip member)
-- A second write for a title is ignored. Entries get the stream ids 0-1, 0-2, ... in order,
-- counted by the job's n_results / n_errors fields, so a cursor is a plain ordinal.
-- Returns {written, ordinal...}: per title n for results entry 0-n, -n for errors entry 0-n, 0 for
-- a title recorded before (the worker points the cache at the entry); -1 for a job that is gone,
-- -2 for one that is cancelled or done.
-- A job whose commit has not ended keeps a TTL on every key (the upload's, until
-- jobs_committed.lua removes it): what this call creates expires with the job hash, so a front end
-- that dies mid-commit leaves nothing that lives for ever.
-- The job's counters are read once and written once per call, not per title: a script is atomic,
-- and one call carries a batch of titles, so this saves Redis (and its AOF) 2 commands per title.
local job = redis.call('HMGET', KEYS[1], 'status', 'n_results', 'n_errors')
local st = job[1]
if not st then return -1 end
if st == JOB_CANCELLED or st == JOB_DONE then return -2 end
local n_results = tonumber(job[2]) or 0
local n_errors = tonumber(job[3]) or 0
local first_result, first_error = n_results, n_errors
local by_outcome = {}
local answer = {0}
for i = 1, #ARGV, 3 do
  local ordinal = 0
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i+1]) == 1 then
    if ARGV[i+1] == 'ok' then
      n_results = n_results + 1
      redis.call('XADD', KEYS[3], '0-' .. n_results, 'r', ARGV[i+2])
      ordinal = n_results
    else
      n_errors = n_errors + 1
      redis.call('XADD', KEYS[4], '0-' .. n_errors, 'e', ARGV[i+2])
      by_outcome[ARGV[i+1]] = (by_outcome[ARGV[i+1]] or 0) + 1
      ordinal = -n_errors
    end
    answer[1] = answer[1] + 1
  end
  answer[#answer + 1] = ordinal
end
if n_results > first_result then
  redis.call('HSET', KEYS[1], 'n_results', n_results)
  redis.call('HINCRBY', KEYS[1], 'pages', n_results - first_result)
end
if n_errors > first_error then
  redis.call('HSET', KEYS[1], 'n_errors', n_errors)
  for outcome, count in pairs(by_outcome) do
    redis.call('HINCRBY', KEYS[1], outcome, count)
  end
end
if answer[1] > 0 then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then
    for i = 2, 4 do redis.call('PEXPIRE', KEYS[i], ttl) end
  end
end
return answer
