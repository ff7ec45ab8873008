-- jobs_create.lua - a new job starts receiving its upload
-- KEYS: job
-- ARGV: upload_ttl created_ms chunk_size owner labels priority result_ttl
-- labels is the JSON array of job_labels_json(), priority one of JOB_PRIORITY_*. result_ttl is
-- the submitting front end's --result-ttl: kept with the job, it is what the finish and cancel
-- scripts give the job's keys, whichever process runs them.
-- The hash and its TTL are written in one step: a front end that dies between two commands
-- cannot leave a job hash that never expires.
-- Returns 1, or 0 when the id is taken (nothing is written).
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'status', JOB_RECEIVING, 'created', ARGV[2], 'chunk_size', ARGV[3],
           'owner', ARGV[4], 'labels', ARGV[5], 'priority', ARGV[6], 'result_ttl', ARGV[7])
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
