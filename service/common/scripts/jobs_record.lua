-- jobs_record.lua - record each title's outcome once (the exactly-once guard)
-- KEYS: job outcome results errors
-- ARGV: (title, outcome, line)... as built by service/common/record_batch.c (line: one gzip member)
-- A second write for a title is ignored. Entries get the stream ids 0-1, 0-2, ... in order,
-- counted by the job's n_results / n_errors fields, so a cursor is a plain ordinal.
-- Returns {written, ordinal...}: per title n for results entry 0-n, -n for errors entry 0-n, 0 for
-- a title recorded before (the worker points the cache at the entry); -1 for a job that is gone,
-- -2 for one that is cancelled or done.
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return -1 end
if st == JOB_CANCELLED or st == JOB_DONE then return -2 end
local answer = {0}
for i = 1, #ARGV, 3 do
  local ordinal = 0
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i+1]) == 1 then
    if ARGV[i+1] == 'ok' then
      local n = redis.call('HINCRBY', KEYS[1], 'n_results', 1)
      redis.call('XADD', KEYS[3], '0-' .. n, 'r', ARGV[i+2])
      redis.call('HINCRBY', KEYS[1], 'pages', 1)
      ordinal = n
    else
      local n = redis.call('HINCRBY', KEYS[1], 'n_errors', 1)
      redis.call('XADD', KEYS[4], '0-' .. n, 'e', ARGV[i+2])
      redis.call('HINCRBY', KEYS[1], ARGV[i+1], 1)
      ordinal = -n
    end
    answer[1] = answer[1] + 1
  end
  answer[#answer + 1] = ordinal
end
return answer
