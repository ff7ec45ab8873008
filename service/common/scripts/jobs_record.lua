-- jobs_record.lua - record each title's outcome once (the exactly-once guard)
-- KEYS: job outcome results errors
-- ARGV: (title, outcome, payload)... as built by jobs_record_args()
-- A second write for a title is ignored. Entries get the stream ids 0-1, 0-2, ... in order,
-- counted by the job's n_results / n_errors fields, so a cursor is a plain ordinal.
-- Returns the number written, -1 for a job that is gone, -2 for one that is cancelled or done.
local st = redis.call('HGET', KEYS[1], 'status')
if not st then return -1 end
if st == JOB_CANCELLED or st == JOB_DONE then return -2 end
local written = 0
for i = 1, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i+1]) == 1 then
    if ARGV[i+1] == 'ok' then
      local n = redis.call('HINCRBY', KEYS[1], 'n_results', 1)
      redis.call('XADD', KEYS[3], '0-' .. n, 'r', ARGV[i+2])
      redis.call('HINCRBY', KEYS[1], 'pages', 1)
    else
      local n = redis.call('HINCRBY', KEYS[1], 'n_errors', 1)
      redis.call('XADD', KEYS[4], '0-' .. n, 'e', ARGV[i+2])
      redis.call('HINCRBY', KEYS[1], ARGV[i+1], 1)
    end
    written = written + 1
  end
end
return written
